#include "logtarget.h"

#include <QDir>
#include <QFileInfo>

#include <sys/stat.h>
#include <unistd.h>

namespace coroscope::log {

namespace {

std::optional<struct stat> statOf(const QString &path)
{
    struct stat st {};
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return std::nullopt;
    return st;
}

} // namespace

bool isSpecialFile(const QString &path)
{
    const auto st = statOf(localFilePath(path));
    return st && !S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode);
}

std::optional<QString> checkLogTarget(const QString &path, const QStringList &inputs)
{
    if (path.isEmpty())
        return QStringLiteral("the log needs a file name");
    const QString local = localFilePath(path);
    const auto st = statOf(local);
    if (st && S_ISDIR(st->st_mode))
        return QStringLiteral("cannot write %1: it is a directory").arg(path);
    if (st) {
        for (const QString &input : inputs) {
            const auto in = statOf(localFilePath(input));
            if (in && in->st_dev == st->st_dev && in->st_ino == st->st_ino)
                return QStringLiteral("cannot write the log to %1: it is the input %2").arg(path, input);
        }
        if (::access(QFile::encodeName(local).constData(), W_OK) != 0)
            return QStringLiteral("cannot write %1: %2").arg(path, qt_error_string(errno));
        if (!S_ISREG(st->st_mode))
            return std::nullopt; // written in place: its folder does not matter
    }
    // A regular file is replaced by a rename in its folder.
    const QString dir = QFileInfo(local).absolutePath();
    if (::access(QFile::encodeName(dir).constData(), W_OK | X_OK) != 0)
        return QStringLiteral("cannot write to %1: %2").arg(QDir::toNativeSeparators(dir), qt_error_string(errno));
    return std::nullopt;
}

QString localFilePath(const QString &path)
{
    return path.startsWith(QLatin1Char(':')) ? QStringLiteral("./") + path : path;
}

} // namespace coroscope::log

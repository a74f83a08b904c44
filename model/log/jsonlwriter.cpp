#include "jsonlwriter.h"

#include "detail/eventjson.h"
#include "logtarget.h"

#include <QFile>

#include <cerrno>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace coroscope::log {

std::optional<QString> JsonlWriter::open(const QString &path)
{
    close();
    const QByteArray name = QFile::encodeName(localFilePath(path));
    const int fd = ::open(name.constData(), O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0)
        return QStringLiteral("cannot write %1: %2").arg(path, qt_error_string(errno));
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        // Truncate only once the lock is ours: a run that cannot have it leaves the
        // other run's lines alone.
        if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
            const int e = errno;
            ::close(fd);
            if (e == EWOULDBLOCK)
                return QStringLiteral("cannot write %1: another run is writing it").arg(path);
            return QStringLiteral("cannot lock %1: %2").arg(path, qt_error_string(e));
        }
        if (::ftruncate(fd, 0) != 0) {
            const int e = errno;
            ::close(fd);
            return QStringLiteral("cannot write %1: %2").arg(path, qt_error_string(e));
        }
    }
    m_fd = fd;
    m_path = path;
    return std::nullopt;
}

std::optional<QString> JsonlWriter::write(const RunRecord &record, const QString &loopName,
                                          const rt::JournalBatch &batch)
{
    if (m_fd < 0)
        return QStringLiteral("the jsonl log is not open");
    QByteArray lines;
    for (const rt::Event &e : batch.events) {
        if (detail::appendEventJson(lines, record, loopName, e, {true}))
            lines.append('\n');
    }
    const char *p = lines.constData();
    qsizetype left = lines.size();
    while (left > 0) {
        const ssize_t n = ::write(m_fd, p, std::size_t(left));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return QStringLiteral("cannot write %1: %2").arg(m_path, qt_error_string(n < 0 ? errno : ENOSPC));
        p += n;
        left -= n;
    }
    return std::nullopt;
}

void JsonlWriter::close()
{
    if (m_fd >= 0)
        ::close(m_fd); // drops the lock
    m_fd = -1;
}

} // namespace coroscope::log

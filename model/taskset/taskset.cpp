#include "taskset.h"

#include "taskset/detail/jsondocument.h"
#include "taskset/detail/validator.h"

#include <QFile>
#include <QFileInfo>

#include <algorithm>
#include <array>

namespace coroscope::taskset {

namespace {

// One error about the whole file.
ParseResult fileError(const QString &file, const QString &message)
{
    ParseResult result;
    result.errors.push_back(Diagnostic{file, 1, 1, QStringLiteral("/"), message});
    return result;
}

ParseResult tooLarge(const QString &file)
{
    return fileError(file, QStringLiteral("file larger than 64 MiB"));
}

} // namespace

QString opName(Op op)
{
    const std::string_view spelling = ops::kFileOps[std::size_t(op)].spelling;
    return QString::fromLatin1(spelling.data(), qsizetype(spelling.size()));
}

std::optional<Op> opFromName(QStringView name)
{
    for (std::size_t i = 0; i < ops::kFileOps.size(); ++i) {
        const std::string_view spelling = ops::kFileOps[i].spelling;
        if (name == QLatin1String(spelling.data(), qsizetype(spelling.size())))
            return Op(i);
    }
    return std::nullopt;
}

double Duration::draw(std::mt19937_64 &rng) const
{
    if (!uniform || b <= a)
        return a;
    return std::uniform_real_distribution<double>(a, b)(rng);
}

QString printable(QStringView text)
{
    const auto unsafe = [](char16_t c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x061c || c == 0x200e || c == 0x200f
            || (c >= 0x2028 && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
    };
    if (std::none_of(text.begin(), text.end(), [&](QChar c) { return unsafe(c.unicode()); }))
        return text.toString();
    QString out;
    out.reserve(text.size() + 16);
    for (const QChar c : text) {
        if (unsafe(c.unicode()))
            out += QStringLiteral("\\u%1").arg(int(c.unicode()), 4, 16, QLatin1Char('0'));
        else
            out += c;
    }
    return out;
}

QString Diagnostic::toString() const
{
    // The file name, the pointer (made of the file's keys) and the message may hold
    // control characters: none reaches the terminal, so no key can forge a line.
    return QStringLiteral("%1:%2:%3: %4: %5").arg(printable(file)).arg(line).arg(column).arg(printable(pointer), printable(message));
}

ParseResult parseTaskSet(const QByteArray &utf8, const QString &fileName)
{
    if (utf8.size() > kMaxFileSize)
        return tooLarge(fileName);
    detail::DiagnosticList errors;
    const detail::JsonParse json = detail::parseJson(utf8, errors);
    ParseResult result;
    if (json.complete)
        result.set = detail::validateTaskSet(json.document, errors);
    if (!errors.empty())
        result.set.reset();
    result.errors = errors.take(fileName);
    return result;
}

ParseResult loadTaskSetFile(const QString &path)
{
    if (QFileInfo(path).isDir())
        return fileError(path, QStringLiteral("cannot read the file: it is a directory"));
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fileError(path, QStringLiteral("cannot read the file: %1").arg(file.errorString()));
    if (file.size() > kMaxFileSize)
        return tooLarge(path);

    // Read in chunks: a pipe or a growing file has no trustworthy size.
    QByteArray bytes;
    bytes.reserve(qsizetype(file.size()));
    constexpr qint64 kChunk = 1024 * 1024;
    while (!file.atEnd() || file.isSequential()) {
        const QByteArray chunk = file.read(kChunk);
        if (chunk.isEmpty())
            break;
        bytes.append(chunk);
        if (bytes.size() > kMaxFileSize)
            return tooLarge(path);
    }
    if (file.error() != QFileDevice::NoError)
        return fileError(path, QStringLiteral("cannot read the file: %1").arg(file.errorString()));

    ParseResult result = parseTaskSet(bytes, path);
    if (result.set)
        result.set->sourcePath = path;
    return result;
}

} // namespace coroscope::taskset

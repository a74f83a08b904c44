#include "jsonlwriter.h"

#include "detail/eventjson.h"

namespace coroscope::journal {

std::optional<QString> JsonlWriter::open(const QString &path)
{
    close();
    m_file.setFileName(path);
    if (!m_file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return QStringLiteral("cannot write %1: %2").arg(path, m_file.errorString());
    return std::nullopt;
}

std::optional<QString> JsonlWriter::write(const RunRecord &record, const QString &loopName,
                                          const rt::JournalBatch &batch)
{
    if (!m_file.isOpen())
        return QStringLiteral("the jsonl log is not open");
    QByteArray lines;
    for (const rt::Event &e : batch.events) {
        if (detail::appendEventJson(lines, record, loopName, e, {true}))
            lines.append('\n');
    }
    if (lines.isEmpty())
        return std::nullopt;
    if (m_file.write(lines) != lines.size() || !m_file.flush())
        return QStringLiteral("cannot write %1: %2").arg(m_file.fileName(), m_file.errorString());
    return std::nullopt;
}

void JsonlWriter::close()
{
    if (m_file.isOpen())
        m_file.close();
}

} // namespace coroscope::journal

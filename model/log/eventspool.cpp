#include "eventspool.h"

#include <QDir>
#include <QFile>
#include <QTemporaryFile>

#include <cstring>

namespace coroscope::log {

namespace {

// Reads one spool file sequentially through a buffer.
class StreamReader
{
public:
    explicit StreamReader(const QString &path) : m_file(path) {}

    bool open() { return m_file.open(QIODevice::ReadOnly); }
    [[nodiscard]] QString errorString() const { return m_file.errorString(); }

    // Loads the next event into `current`; false at the end (or on a short file).
    bool next()
    {
        if (m_pos + qsizetype(sizeof(rt::Event)) > m_buffer.size()) {
            m_buffer.remove(0, m_pos);
            m_pos = 0;
            m_buffer.append(m_file.read(64 * 1024));
            if (qsizetype(sizeof(rt::Event)) > m_buffer.size())
                return false;
        }
        std::memcpy(&current, m_buffer.constData() + m_pos, sizeof(rt::Event));
        m_pos += qsizetype(sizeof(rt::Event));
        return true;
    }

    rt::Event current{};

private:
    QFile m_file;
    QByteArray m_buffer;
    qsizetype m_pos = 0;
};

constexpr std::size_t kBufferedEvents = 1024; // 40 KiB a stream

} // namespace

EventSpool::EventSpool() = default;
EventSpool::~EventSpool() = default;

void EventSpool::fail(const QString &message) const
{
    if (!m_error)
        m_error = message;
}

void EventSpool::append(std::size_t stream, const rt::Event &event)
{
    if (m_error)
        return;
    while (m_files.size() <= stream) {
        auto file = std::make_unique<QTemporaryFile>(QDir::tempPath()
                                                     + QStringLiteral("/coroscope-events-XXXXXX.bin"));
        if (!file->open()) {
            fail(QStringLiteral("cannot create the event spool file: ") + file->errorString());
            return;
        }
        m_files.push_back(std::move(file));
        m_buffers.emplace_back().reserve(kBufferedEvents);
    }
    std::vector<rt::Event> &buffer = m_buffers[stream];
    buffer.push_back(event);
    buffer.back().text = 0;
    ++m_count;
    if (buffer.size() >= kBufferedEvents)
        (void)flush(stream);
}

bool EventSpool::flush(std::size_t stream) const
{
    std::vector<rt::Event> &buffer = m_buffers[stream];
    const auto bytes = qint64(buffer.size() * sizeof(rt::Event));
    const bool ok = bytes == 0 || m_files[stream]->write(reinterpret_cast<const char *>(buffer.data()), bytes) == bytes;
    buffer.clear();
    if (!ok)
        fail(QStringLiteral("cannot write the event spool file: ") + m_files[stream]->errorString());
    return ok;
}

std::optional<QString> EventSpool::forEach(const Visitor &visit) const
{
    if (m_error)
        return m_error;
    std::vector<std::unique_ptr<StreamReader>> readers;
    std::vector<bool> live;
    for (std::size_t stream = 0; stream < m_files.size(); ++stream) {
        const auto &file = m_files[stream];
        if (!flush(stream) || !file->flush())
            return m_error ? *m_error : QStringLiteral("cannot write the event spool file: ") + file->errorString();
        auto reader = std::make_unique<StreamReader>(file->fileName());
        if (!reader->open())
            return QStringLiteral("cannot read the event spool file: ") + reader->errorString();
        live.push_back(reader->next());
        readers.push_back(std::move(reader));
    }
    // A linear scan over the heads: there are two or three loops, not hundreds.
    for (;;) {
        std::size_t best = readers.size();
        for (std::size_t i = 0; i < readers.size(); ++i) {
            if (live[i] && (best == readers.size() || readers[i]->current.tNs < readers[best]->current.tNs))
                best = i;
        }
        if (best == readers.size())
            return std::nullopt;
        if (!visit(best, readers[best]->current))
            return std::nullopt;
        live[best] = readers[best]->next();
    }
}

} // namespace coroscope::log

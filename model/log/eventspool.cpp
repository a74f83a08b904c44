#include "eventspool.h"

#include <QDir>
#include <QFile>
#include <QTemporaryFile>

#include "runtime/threads.h"

#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

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
constexpr int kMostPending = 64;              // buffers of one spool waiting for the writer: 2.5 MiB
constexpr std::size_t kMostSpare = 4;         // written buffers kept for reuse, per spool

// Appends `events` to `file`; what went wrong, if anything. The writer thread and the
// spool's own last write both go through it.
std::optional<QString> writeEvents(QTemporaryFile &file, const std::vector<rt::Event> &events)
{
    const auto bytes = qint64(events.size() * sizeof(rt::Event));
    if (bytes == 0 || file.write(reinterpret_cast<const char *>(events.data()), bytes) == bytes)
        return std::nullopt;
    return QStringLiteral("cannot write the event spool file: ") + file.errorString();
}

} // namespace

struct EventSpool::Pending {
    std::mutex mutex;
    std::condition_variable written;
    int jobs = 0;                          // buffers handed off and not yet written
    std::optional<QString> error;          // the writer's first failure
    std::vector<std::vector<rt::Event>> spare;
};

namespace {

// The one thread that writes every spool's full buffers, in the order they were handed
// off. It is never destroyed: a spool waits for its own writes before it goes, and at
// the process's exit nothing waits for the thread.
class SpoolWriter
{
public:
    struct Job {
        std::shared_ptr<EventSpool::Pending> pending;
        QTemporaryFile *file;
        std::vector<rt::Event> events;
    };

    static SpoolWriter &instance()
    {
        static auto *writer = new SpoolWriter;
        return *writer;
    }

    void post(Job job)
    {
        {
            std::lock_guard lock(m_mutex);
            m_jobs.push_back(std::move(job));
        }
        m_wake.notify_one();
    }

private:
    SpoolWriter()
    {
        std::thread([this] { run(); }).detach();
    }

    void run()
    {
        rt::nameThisThread(QStringLiteral("event spool"));
        for (;;) {
            Job job;
            {
                std::unique_lock lock(m_mutex);
                m_wake.wait(lock, [this] { return !m_jobs.empty(); });
                job = std::move(m_jobs.front());
                m_jobs.pop_front();
            }
            std::optional<QString> failed = writeEvents(*job.file, job.events);
            EventSpool::Pending &p = *job.pending;
            {
                std::lock_guard lock(p.mutex);
                if (failed && !p.error)
                    p.error = std::move(failed);
                job.events.clear();
                if (p.spare.size() < kMostSpare)
                    p.spare.push_back(std::move(job.events));
                --p.jobs;
            }
            p.written.notify_all();
        }
    }

    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<Job> m_jobs;
};

} // namespace

EventSpool::EventSpool() : m_pending(std::make_shared<Pending>()) {}

EventSpool::~EventSpool()
{
    waitForWrites(); // the writer writes into m_files
}

void EventSpool::waitForWrites() const
{
    Pending &p = *m_pending;
    std::unique_lock lock(p.mutex);
    p.written.wait(lock, [&p] { return p.jobs == 0; });
    if (p.error)
        fail(*p.error);
}

const std::optional<QString> &EventSpool::error() const
{
    waitForWrites();
    return m_error;
}

void EventSpool::handOff(std::size_t stream)
{
    Pending &p = *m_pending;
    std::vector<rt::Event> next;
    {
        std::unique_lock lock(p.mutex);
        p.written.wait(lock, [&p] { return p.jobs < kMostPending; });
        if (p.error) {
            fail(*p.error);
            return;
        }
        ++p.jobs;
        if (!p.spare.empty()) {
            next = std::move(p.spare.back());
            p.spare.pop_back();
        }
    }
    next.reserve(kBufferedEvents);
    SpoolWriter::instance().post({m_pending, m_files[stream].get(), std::exchange(m_buffers[stream], std::move(next))});
}

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
        handOff(stream);
}

// Writes what waits in the stream's buffer; the caller has waited for the writes in
// flight (forEach), so this one comes after them.
bool EventSpool::flush(std::size_t stream) const
{
    std::vector<rt::Event> &buffer = m_buffers[stream];
    const std::optional<QString> failed = writeEvents(*m_files[stream], buffer);
    buffer.clear();
    if (failed)
        fail(*failed);
    return !failed;
}

std::optional<QString> EventSpool::forEach(const Visitor &visit) const
{
    waitForWrites();
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

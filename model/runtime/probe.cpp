#include "probe.h"

#include "clock.h"
#include "journal.h"
#include "loop.h"
#include "resulttext.h"
#include "task.h"

#include <QByteArray>
#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QString>
#include <QStringBuilder>
#include <QStringDecoder>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <charconv>
#include <chrono>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

// The wire and every limit here: docs/spec/probe-protocol.md (the C++ probe's fine
// points are in its section "The C++ probe"). Python's probe (python/coroscope_probe)
// speaks the same; its error texts are kept word for word.

namespace coroscope::rt::probe {

namespace {

constexpr const char *kProtocol = "coroscope.probe/1";
constexpr std::size_t kMaxFrame = std::size_t(1) << 20;   // bytes, newline included
constexpr std::size_t kMaxUnsent = std::size_t(16) << 20; // bytes waiting for one client
constexpr qsizetype kMaxText = 1000;                      // characters of a name, text, message
constexpr std::size_t kKeepFinished = 10'000;
constexpr std::size_t kKeepStalls = 1'000;
constexpr std::size_t kMaxEnded = 2'000'000; // ends kept for the clients behind
constexpr int kMaxInFlight = 64;
constexpr int kTickMs = 33; // how often the journals are drained (the dashboard's rate)
constexpr int kSendBuffer = 4 << 20; // bytes: SO_SNDBUF of a client's socket
constexpr qsizetype kCheckpointBytes = qsizetype(64) << 10; // at least between a client's checkpoints
// A resync's snapshot goes in pieces of about this many bytes, each made once less than
// that waits unsent, and walks at most kPieceScan of the table's slots a piece: the
// thread drains the journals between pieces (docs/spec/probe-protocol.md, "Streaming").
constexpr qsizetype kPieceBytes = qsizetype(1) << 20;
constexpr std::size_t kPieceScan = std::size_t(1) << 18;

enum State : int { kUnknown, kOff, kOn, kDisabled };
std::atomic<int> g_state{kUnknown};
std::atomic<bool> g_started{false}; // the serving thread runs, or ran

int stateNow()
{
    int s = g_state.load(std::memory_order_relaxed);
    if (s != kUnknown)
        return s;
    const char *env = std::getenv("COROSCOPE_PROBE");
    int wanted = env && std::strcmp(env, "1") == 0 ? kOn : kOff;
    int expected = kUnknown;
    if (!g_state.compare_exchange_strong(expected, wanted))
        wanted = expected; // install() or disable() came first
    return wanted;
}

// ---- JSON text ---------------------------------------------------------------------

void appendString(QByteArray &out, const QString &text)
{
    const QByteArray utf8 = text.left(kMaxText).toUtf8();
    out.append('"');
    for (const char c : utf8) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out.append('\\');
            out.append(c);
        } else if (u < 0x20) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\u%04x", unsigned(u));
            out.append(escaped);
        } else {
            out.append(c);
        }
    }
    out.append('"');
}

void appendMs(QByteArray &out, std::int64_t ns)
{
    if (ns < 0)
        ns = 0; // before the runtime's clock began: cannot happen, but t_ms is never negative
    char text[32];
    char *end = std::to_chars(text, text + 24, ns / 1'000'000).ptr;
    const auto us = int(ns / 1000 % 1000);
    *end++ = '.';
    *end++ = char('0' + us / 100);
    *end++ = char('0' + us / 10 % 10);
    *end++ = char('0' + us % 10);
    out.append(text, end - text);
}

void appendId(QByteArray &out, std::uint64_t id)
{
    if (id == 0)
        out.append("null");
    else
        out.append(QByteArray::number(static_cast<qulonglong>(id)));
}

void beginEvent(QByteArray &out, std::int64_t tNs, std::uint64_t task, const char *type)
{
    out.append("{\"t_ms\":");
    appendMs(out, tNs);
    out.append(",\"task\":");
    appendId(out, task);
    out.append(",\"type\":\"");
    out.append(type);
    out.append('"');
}

void endEvent(QByteArray &out) { out.append("}\n"); }

// A result's text as JSON: itself if it is JSON of at most 1,000 characters (the
// task-set interpreter's results are), else as a string, cut.
QByteArray resultJson(const QString &text)
{
    if (text.size() <= kMaxText) {
        QJsonParseError error{};
        const QJsonDocument doc = QJsonDocument::fromJson(QByteArray("[") + text.toUtf8() + ']', &error);
        if (error.error == QJsonParseError::NoError && doc.isArray() && doc.array().size() == 1)
            return text.toUtf8().trimmed();
    }
    QByteArray out;
    appendString(out, text);
    return out;
}

QByteArray numberJson(double value)
{
    if (std::isfinite(value))
        return QString::number(value, 'g', QLocale::FloatingPointShortest).toUtf8();
    QByteArray out;
    appendString(out, QString::number(value));
    return out;
}

// ---- the endpoint --------------------------------------------------------------------

QString endpointDir()
{
    const QByteArray runtime = qgetenv("XDG_RUNTIME_DIR");
    if (!runtime.isEmpty() && runtime.startsWith('/'))
        return QFile::decodeName(runtime) + QStringLiteral("/coroscope");
    return QStringLiteral("/tmp/coroscope-%1").arg(::getuid());
}

// Makes the folder (0700) if missing; why it may not be used, or nothing.
std::optional<QString> privateDir(const QString &path)
{
    const QByteArray name = QFile::encodeName(path);
    struct stat st {};
    if ((::mkdir(name.constData(), 0700) != 0 && errno != EEXIST) || ::lstat(name.constData(), &st) != 0)
        return QStringLiteral("%1: %2").arg(path, QString::fromLocal8Bit(std::strerror(errno)));
    if (!S_ISDIR(st.st_mode))
        return QStringLiteral("%1 is not a directory").arg(path);
    if (st.st_uid != ::getuid())
        return QStringLiteral("%1 belongs to another user").arg(path);
    if ((st.st_mode & 07777) != 0700)
        return QStringLiteral("%1 has mode %2, not 700").arg(path, QString::number(st.st_mode & 07777, 8));
    return std::nullopt;
}

QStringList commandLine()
{
    QFile file(QStringLiteral("/proc/self/cmdline"));
    QStringList argv;
    if (file.open(QIODevice::ReadOnly)) {
        const QByteArray all = file.readAll();
        for (const QByteArray &a : all.split('\0'))
            argv << QString::fromLocal8Bit(a);
        if (!argv.isEmpty() && argv.back().isEmpty() && all.endsWith('\0'))
            argv.removeLast();
    }
    return argv;
}

void warn(const QString &message)
{
    std::fprintf(stderr, "coroscope probe: %s\n", message.toLocal8Bit().constData());
    std::fflush(stderr);
}

// ---- the table -----------------------------------------------------------------------

// What the snapshot needs of one task, kept small: a million sleeping tasks are a
// million records (docs/spec/runtime-package.md, "The probe").
struct Record {
    QString name;
    std::int64_t createdNs = 0;
    std::int64_t startedNs = -1;
    std::int64_t lastNs = 0;   // the suspended or final event's time
    std::uint64_t parent = 0;
    std::uint64_t lastArg = 0; // its argument
    std::uint32_t copyIndex = 0;
    std::uint16_t loop = 0;    // index into Probe::m_loops
    EventType last = EventType::Created; // Suspended, a final type, or Created (neither)
    std::uint8_t lastKind = 0;
    std::uint8_t flags = 0;
};
static_assert(sizeof(Record) <= 80, "a million sleeping tasks are a million records");
enum RecordFlag : std::uint8_t { kPresent = 1, kIndexed = 2, kNumber = 4, kHasExtra = 8 };

struct CallbackRecord {
    std::int64_t addedNs = 0;
    std::int64_t firedNs = -1;
    std::uint32_t index = 0;
    QByteArray json; // the callback object
};

// The rare parts of a record, out of line.
struct Extra {
    std::optional<Event> cancel; // the last cancel_requested
    QString text;                // a failed task's error, a done task's result text
    std::vector<CallbackRecord> callbacks;
};

bool isFinal(EventType t) { return t == EventType::Done || t == EventType::Failed || t == EventType::Cancelled; }

struct Client {
    int fd = -1;
    std::uint64_t id = 0;
    QByteArray in;
    QByteArray out;
    qsizetype sent = 0; // bytes of out already sent
    bool sentWhole = true; // what was sent ends with a whole frame (out may begin inside one)
    std::size_t limit = kMaxUnsent;
    bool attached = false;
    bool closing = false; // close once out is sent
    bool dead = false;
    int inFlight = 0;     // commands handed to a loop, not yet answered
    // Resync (docs/spec/probe-protocol.md, "Falling behind: resync"): the client asked
    // for it; it is behind (nothing more is queued for it until out is sent); the ends
    // and stalls counted when it fell behind; the answers held for it meanwhile.
    bool resync = false;
    bool behind = false;
    std::uint64_t endsAtCut = 0;
    std::uint64_t stallsAtCut = 0;
    QByteArray held;
    // Where what is queued for it may be cut for a resync to take the rest's place
    // (docs/spec/probe-protocol.md, "Falling behind: resync"): positions in the stream of
    // bytes queued for it (`base` is out[0]'s), each with the ends and stalls it has
    // seen once it has read that far, and whether that is inside a snapshot.
    struct Checkpoint {
        std::uint64_t at;
        std::uint64_t ends;
        std::uint64_t stalls;
        bool inSnapshot;
    };
    std::deque<Checkpoint> checkpoints;
    std::uint64_t base = 0;
    bool keepsEnds = false; // an attached client that asked for resync: Probe::m_keepingEnds counts it
    // Its resync's snapshot being sent in pieces (docs/spec/probe-protocol.md,
    // "Streaming"): the walk's next id; the ends not yet sent of the tasks from there on
    // (a min-heap by id) and of those it has passed (sent first in the next piece), as
    // (id, end serial); the tasks it has passed whose record changed since.
    struct Stream {
        std::uint64_t cursor = 0;
        std::vector<std::pair<std::uint64_t, std::uint64_t>> ahead;
        std::vector<std::pair<std::uint64_t, std::uint64_t>> passed;
        std::vector<std::uint64_t> changed;
        std::size_t compactChangedAt = 1 << 16;
    };
    std::unique_ptr<Stream> stream; // while it is behind and its resync has begun

    [[nodiscard]] std::size_t unsent() const { return std::size_t(out.size() - sent); }
};

struct BadInput {
    QString message;
};

struct Watched {
    Journal *journal = nullptr; // null once the loop is gone
    LoopHandle handle;
    QString name;
    JournalBatch last; // what the loop published as it went, for the serving thread
};

struct Ack {
    std::uint64_t client;
    QByteArray frame;
};

// A task that ended while a client was behind, as its resync's `ended` entry needs it
// (docs/spec/probe-protocol.md, "Falling behind: resync"): about 72 bytes, the name
// shared with the record it was.
struct Ended {
    std::uint64_t id = 0;
    std::int64_t endNs = 0;
    std::int64_t createdNs = 0;
    std::uint64_t parent = 0;
    std::uint64_t reasonArg = 0;
    QString name;
    std::uint32_t copyIndex = 0;
    EventType type = EventType::Done;
    std::uint8_t reasonKind = 0;
    bool indexed = false;
};

// Consecutive `ended` entries share a frame of at most kMaxFrame bytes; anything else
// appended to `out` closes the frame first (docs/spec/probe-protocol.md, "Falling behind: resync").
class EndedFrames
{
public:
    void add(QByteArray &out, const QByteArray &entry)
    {
        if (!m_frame.isEmpty() && std::size_t(m_frame.size() + entry.size() + 4) > kMaxFrame)
            close(out);
        m_frame.append(m_frame.isEmpty() ? QByteArrayView("{\"type\":\"ended\",\"tasks\":[") : QByteArrayView(","));
        m_frame.append(entry);
    }
    void close(QByteArray &out)
    {
        if (m_frame.isEmpty())
            return;
        out.append(m_frame);
        out.append("]}\n");
        m_frame.clear();
    }

private:
    QByteArray m_frame;
};

class Probe
{
public:
    static Probe &instance()
    {
        static Probe *probe = new Probe; // never destroyed: loops' posts may outlive main()
        return *probe;
    }

    // Loop threads.
    bool start();
    void watch(Loop &loop);
    void forget(Loop &loop);
    void ack(std::uint64_t client, const QJsonValue &seq, const QString &error);
    void addLogCallback(TaskCore &task, const QString &message);
    // At exit: stops the serving thread and removes the socket (this process's only).
    void stop();

private:
    // The serving thread.
    void run();
    void serve();
    void takeAcks();
    void flush();
    void drainJournals();
    void apply(std::uint16_t loop, const JournalBatch &batch);
    void publish(const QByteArray &lines);
    void accept();
    void receive(Client &c);
    void send(Client &c);
    void command(Client &c, const QJsonObject &message);
    void refuse(Client &c, const QString &message);
    void drop(Client &c);
    void reply(Client &c, const QJsonValue &seq, const QString &error);
    void queue(Client &c, const QByteArray &bytes, bool answer = false);
    void fallBehind(Client &c);
    bool cut(Client &c, bool atExit);
    void checkpoint(Client &c, std::uint64_t at, std::uint64_t ends, std::uint64_t stalls, bool inSnapshot);
    void queueSnapshot(Client &c, QByteArray bytes, const std::vector<qsizetype> &bounds, std::uint64_t ends,
                       std::uint64_t stalls);
    void trimEnded();
    void resync(Client &c);
    void piece(Client &c);
    void noteChanged(std::uint64_t id);
    void noteEnded(std::uint64_t id, std::uint64_t serial);
    void appendEnd(QByteArray &out, EndedFrames &frames, std::uint64_t serial) const;
    void resyncCaughtUp();
    void forgetBehind(Client &c);
    void release(Client &c);
    QByteArray hello() const;
    QByteArray snapshot(std::vector<qsizetype> *bounds) const;
    void appendStalls(QByteArray &out, std::uint64_t from) const;
    void appendEnded(QByteArray &out, const struct Ended &e) const;
    void appendTask(QByteArray &out, std::uint64_t id, const Record &r) const;

    Record *record(std::uint64_t id);
    Record *live(std::uint64_t id);
    const Record *record(std::uint64_t id) const;
    Record &slot(std::uint64_t id);
    void finished(std::uint64_t id, Record &r);
    Extra &extra(std::uint64_t id, Record &r);
    QString nameOf(const Record &r) const;
    QString nameOfTask(std::uint64_t id) const;
    QString loopName(std::uint16_t loop) const;
    QString reasonText(std::uint8_t kind, std::uint64_t by) const;
    void appendCreated(QByteArray &out, std::uint64_t id, const Record &r) const;
    void appendLast(QByteArray &out, std::uint64_t id, const Record &r) const;
    void appendCancel(QByteArray &out, std::uint64_t id, const Event &e, const char *type) const;
    void appendCallbackAdded(QByteArray &out, std::uint64_t id, const CallbackRecord &cb) const;
    void appendStall(QByteArray &out, const Event &e, std::uint16_t loop) const;
    void wake();

    std::atomic<bool> m_stopping{false};
    std::once_flag m_startOnce;
    bool m_serving = false;
    std::thread m_thread;
    int m_server = -1;
    int m_wakeRead = -1;
    int m_wakeWrite = -1;
    QByteArray m_path;
    ino_t m_inode = 0;
    pid_t m_pid = 0;
    QDateTime m_startedAt; // the wall time of the runtime clock's zero: t_ms counts from it
    QStringList m_argv;

    std::mutex m_loopsMutex; // loop threads add and forget; the serving thread drains
    std::deque<Watched> m_loops;

    std::mutex m_acksMutex; // loop threads' answers to commands, for the serving thread
    std::vector<Ack> m_acks;

    // The serving thread's alone.
    // The live tasks' records by id, in chunks of 2 MiB, each one huge page where the
    // system allows (madvise): the ends of a million sleeping tasks come in random
    // order, and with 4 KiB pages finding each record was a TLB miss as well as a
    // cache miss. m_base is the first id of the first chunk. A chunk goes once none of
    // its tasks is live.
    static constexpr std::size_t kChunkBytes = std::size_t(2) << 20;
    static constexpr std::size_t kChunk = kChunkBytes / sizeof(Record) - 1; // records, with `present`
    struct Chunk {
        std::array<Record, kChunk> records;
        std::size_t present = 0;
        static void *operator new(std::size_t size)
        {
            static_assert(sizeof(Chunk) <= kChunkBytes);
            void *block = std::aligned_alloc(kChunkBytes, kChunkBytes);
            if (!block)
                throw std::bad_alloc();
            ::madvise(block, kChunkBytes, MADV_HUGEPAGE); // a hint: 4 KiB pages work too
            (void)size;
            return block;
        }
        static void operator delete(void *block) noexcept { std::free(block); }
    };
    std::deque<std::unique_ptr<Chunk>> m_chunks;
    std::uint64_t m_base = 0;
    std::unordered_map<std::uint64_t, Extra> m_extra; // of the records flagged kHasExtra
    // The last kKeepFinished finished tasks, moved out of m_chunks as they end (the
    // record is in the cache then: evicting it later would be one miss more a task).
    struct Finished {
        std::uint64_t id;
        std::uint64_t serial; // its end's number (m_ends)
        Record record;
    };
    // A ring; m_doneNext is the oldest once it is full. Found by id with a walk: only
    // commands and a few texts look a finished task up.
    std::vector<Finished> m_done;
    std::size_t m_doneNext = 0;
    struct Stall {
        Event event;
        std::uint16_t loop;
    };
    std::deque<Stall> m_stalls;
    std::uint64_t m_ends = 0;   // tasks ended so far: the next end's serial
    std::uint64_t m_stallCount = 0;
    // The tasks that ended from serial m_endedBase on, for the resyncs of the clients
    // that asked for them: from the oldest end one of them may need (its checkpoint
    // ahead, or its cut); empty while none is attached.
    std::deque<Ended> m_ended;
    std::uint64_t m_endedBase = 0;
    int m_keepingEnds = 0; // clients with keepsEnds
    int m_streaming = 0;   // clients with a stream
    std::vector<QString> m_loopNames;     // m_loops' names and handles, copied as they are drained
    std::vector<LoopHandle> m_loopHandles;
    std::vector<std::unique_ptr<Client>> m_clients;
    std::uint64_t m_nextClient = 1;
    bool m_anyAttached = false;
    JournalBatch m_batch;
};

void stopAtExit();

bool Probe::start()
{
    std::call_once(m_startOnce, [this] {
        const QString dir = endpointDir();
        if (const std::optional<QString> why = privateDir(dir)) {
            warn(QStringLiteral("not serving: ") + *why);
            return;
        }
        m_pid = ::getpid();
        m_path = QFile::encodeName(dir + QStringLiteral("/%1.sock").arg(m_pid));
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        if (std::size_t(m_path.size()) >= sizeof address.sun_path) {
            warn(QStringLiteral("not serving: %1: the path is too long").arg(QFile::decodeName(m_path)));
            return;
        }
        std::memcpy(address.sun_path, m_path.constData(), std::size_t(m_path.size()));
        ::unlink(m_path.constData()); // a dead process's socket with our pid
        int pipes[2];
        struct stat st {};
        m_server = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (m_server < 0 || ::bind(m_server, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0
            || ::chmod(m_path.constData(), 0600) != 0 || ::stat(m_path.constData(), &st) != 0
            || ::listen(m_server, 8) != 0 || ::pipe2(pipes, O_CLOEXEC | O_NONBLOCK) != 0) {
            warn(QStringLiteral("not serving: %1: %2")
                     .arg(QFile::decodeName(m_path), QString::fromLocal8Bit(std::strerror(errno))));
            if (m_server >= 0)
                ::close(m_server);
            m_server = -1;
            return;
        }
        m_inode = st.st_ino;
        m_wakeRead = pipes[0];
        m_wakeWrite = pipes[1];
        const std::int64_t clockNs = monotonicNs();
        m_startedAt = QDateTime::currentDateTimeUtc().addMSecs(-clockNs / 1'000'000);
        m_argv = commandLine();
        m_serving = true;
        m_thread = std::thread([this] { run(); });
        g_started.store(true, std::memory_order_release);
        std::atexit(stopAtExit);
    });
    return m_serving;
}

void stopAtExit() { Probe::instance().stop(); }

void Probe::stop()
{
    if (!m_serving)
        return;
    m_stopping.store(true);
    wake();
    if (m_thread.joinable() && m_thread.get_id() != std::this_thread::get_id())
        m_thread.join();
    // A forked child exits with the parent's socket still the parent's.
    struct stat st {};
    if (m_pid == ::getpid() && ::stat(m_path.constData(), &st) == 0 && st.st_ino == m_inode)
        ::unlink(m_path.constData());
}

void Probe::wake()
{
    if (m_wakeWrite < 0)
        return;
    const char x = 'x';
    [[maybe_unused]] const auto n = ::write(m_wakeWrite, &x, 1); // full: a wake-up is pending anyway
}

void Probe::watch(Loop &loop)
{
    if (!start())
        return;
    std::lock_guard lock(m_loopsMutex);
    for (const Watched &w : m_loops) {
        if (w.journal == &loop.journal())
            return;
    }
    if (m_loops.size() >= 0xffff) {
        warn(QStringLiteral("more than 65535 loops: loop %1 is not watched").arg(loop.name()));
        return;
    }
    // The probe is this journal's reader (docs/spec/runtime-package.md, "Who reads a journal").
    loop.journal().setEnabled(true);
    m_loops.push_back(Watched{&loop.journal(), loop.handle(), loop.name(), {}});
}

void Probe::forget(Loop &loop)
{
    Journal &journal = loop.journal();
    journal.publish();
    std::lock_guard lock(m_loopsMutex);
    for (Watched &w : m_loops) {
        if (w.journal == &journal) {
            // Its last events wait here for the serving thread.
            JournalBatch rest;
            journal.drain(rest);
            if (w.last.events.empty())
                w.last = std::move(rest);
            w.journal = nullptr;
            return;
        }
    }
}

void Probe::ack(std::uint64_t client, const QJsonValue &seq, const QString &error)
{
    QByteArray frame("{\"type\":\"ack\",\"seq\":");
    frame.append(seq.isDouble() ? QByteArray::number(qint64(seq.toDouble())) : QByteArray("null"));
    if (!error.isNull()) {
        frame.append(",\"error\":");
        appendString(frame, error);
    }
    frame.append("}\n");
    {
        std::lock_guard lock(m_acksMutex);
        m_acks.push_back(Ack{client, std::move(frame)});
    }
    wake();
}

void Probe::addLogCallback(TaskCore &task, const QString &message)
{
    QByteArray description("{\"kind\":\"log\",\"message\":");
    appendString(description, message);
    description.append('}');
    const QByteArray text = message.toUtf8();
    task.addDoneCallback(
        [text](TaskCore &done) {
            std::fprintf(stderr, "coroscope: task %s: %s\n", done.name().toUtf8().constData(), text.constData());
            std::fflush(stderr);
        },
        QString::fromUtf8(description));
}

// ---- the serving thread ------------------------------------------------------------

void Probe::run()
{
    try {
        serve();
        flush();
    } catch (const std::exception &e) { // never into the program: stop serving, say why
        warn(QStringLiteral("stopped serving: %1").arg(QString::fromLocal8Bit(e.what())));
    } catch (...) {
        warn(QStringLiteral("stopped serving"));
    }
    for (const auto &c : m_clients)
        ::close(c->fd);
    m_clients.clear();
    ::close(m_server);
}

void Probe::serve()
{
    std::vector<pollfd> fds;
    while (!m_stopping.load()) {
        fds.clear();
        fds.push_back(pollfd{m_wakeRead, POLLIN, 0});
        fds.push_back(pollfd{m_server, POLLIN, 0});
        for (const auto &c : m_clients)
            fds.push_back(pollfd{c->fd, short((c->closing ? 0 : POLLIN) | (c->unsent() || c->stream ? POLLOUT : 0)), 0});
        if (::poll(fds.data(), nfds_t(fds.size()), kTickMs) < 0 && errno != EINTR)
            throw std::runtime_error(std::strerror(errno));
        if (fds[0].revents) {
            char buffer[256];
            while (::read(m_wakeRead, buffer, sizeof buffer) > 0) {
            }
        }
        takeAcks();
        // Clients as they were when polled (accept() adds to the end).
        const std::size_t polled = fds.size() - 2;
        if (fds[1].revents & POLLIN)
            accept();
        for (std::size_t i = 0; i < polled; ++i) {
            Client &c = *m_clients[i];
            const short events = fds[i + 2].revents;
            if (events & (POLLIN | POLLHUP | POLLERR))
                receive(c);
            if ((events & POLLOUT) && !c.dead)
                send(c);
        }
        for (std::size_t i = 0; i < m_clients.size();) {
            Client &c = *m_clients[i];
            if (c.dead || (c.closing && c.unsent() == 0)) {
                release(c);
                ::close(c.fd);
                m_clients.erase(m_clients.begin() + std::ptrdiff_t(i));
            } else {
                ++i;
            }
        }
        resyncCaughtUp();
        trimEnded();
        m_anyAttached = false;
        for (const auto &c : m_clients)
            m_anyAttached = m_anyAttached || (c->attached && !c->dead && !c->behind);
    }
}

void Probe::takeAcks()
{
    // The answers taken before the journals are drained: a command's events,
    // published by its loop before it answered, go out before its ack.
    std::vector<Ack> acks;
    {
        std::lock_guard lock(m_acksMutex);
        acks.swap(m_acks);
    }
    drainJournals();
    for (Ack &a : acks) {
        for (const auto &c : m_clients) {
            if (c->id == a.client) {
                --c->inFlight;
                if (!c->dead && !c->closing)
                    queue(*c, a.frame, true);
            }
        }
    }
}

// At exit: what the program did last (its loops are gone by then, their last events
// kept), and the answers it gave, still reach the clients, for up to a second.
void Probe::flush()
{
    takeAcks();
    // What waits for a client may take longer to read than its resync: the latter then
    // takes its place (docs/spec/probe-protocol.md, "At exit").
    for (const auto &c : m_clients) {
        if (c->keepsEnds && !c->behind && !c->dead && !c->closing)
            cut(*c, true);
    }
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    std::vector<pollfd> fds;
    while (std::chrono::steady_clock::now() < until) {
        resyncCaughtUp();
        fds.clear();
        std::vector<Client *> waiting;
        for (const auto &c : m_clients) {
            if (!c->dead && (c->unsent() > 0 || c->stream)) {
                fds.push_back(pollfd{c->fd, POLLOUT, 0});
                waiting.push_back(c.get());
            }
        }
        if (fds.empty())
            return;
        if (::poll(fds.data(), nfds_t(fds.size()), 100) < 0 && errno != EINTR)
            return;
        for (std::size_t i = 0; i < fds.size(); ++i) {
            if (fds[i].revents & (POLLERR | POLLHUP | POLLNVAL))
                waiting[i]->dead = true;
            else if (fds[i].revents & POLLOUT)
                send(*waiting[i]);
        }
    }
}

void Probe::drainJournals()
{
    std::lock_guard lock(m_loopsMutex);
    for (std::size_t i = 0; i < m_loops.size(); ++i) {
        Watched &w = m_loops[i];
        const auto loop = std::uint16_t(i);
        if (i == m_loopNames.size()) {
            m_loopNames.push_back(w.name);
            m_loopHandles.push_back(w.handle);
        }
        if (!w.last.events.empty()) {
            apply(loop, w.last);
            w.last = JournalBatch{};
        }
        if (w.journal)
            w.journal->drainEach(m_batch, [this, loop](JournalBatch &b) { apply(loop, b); });
    }
}

Record &Probe::slot(std::uint64_t id)
{
    if (m_chunks.empty())
        m_base = id - id % kChunk;
    while (id < m_base) {
        m_chunks.push_front(std::make_unique<Chunk>());
        m_base -= kChunk;
    }
    const std::uint64_t at = id - m_base;
    while (at / kChunk >= m_chunks.size())
        m_chunks.push_back(std::make_unique<Chunk>());
    Chunk &chunk = *m_chunks[std::size_t(at / kChunk)];
    Record &r = chunk.records[std::size_t(at % kChunk)];
    if (!(r.flags & kPresent))
        ++chunk.present;
    return r;
}

// An unfinished task's record, or null.
Record *Probe::live(std::uint64_t id)
{
    if (id >= m_base && (id - m_base) / kChunk < m_chunks.size()) {
        Record &r = m_chunks[std::size_t((id - m_base) / kChunk)]->records[std::size_t((id - m_base) % kChunk)];
        if (r.flags & kPresent)
            return &r;
    }
    return nullptr;
}

Record *Probe::record(std::uint64_t id)
{
    if (Record *r = live(id))
        return r;
    for (Finished &f : m_done) {
        if (f.id == id)
            return &f.record;
    }
    return nullptr;
}

const Record *Probe::record(std::uint64_t id) const { return const_cast<Probe *>(this)->record(id); }

Extra &Probe::extra(std::uint64_t id, Record &r)
{
    r.flags |= kHasExtra;
    return m_extra[id];
}

void Probe::finished(std::uint64_t id, Record &r)
{
    if (!m_done.empty() && &r >= &m_done.front().record && &r <= &m_done.back().record)
        return; // already among the finished (a second end cannot happen; kept safe)
    Finished *place;
    if (m_done.size() < kKeepFinished) {
        place = &m_done.emplace_back();
    } else {
        place = &m_done[m_doneNext];
        if (place->record.flags & kHasExtra)
            m_extra.erase(place->id);
    }
    m_doneNext = (std::size_t(place - m_done.data()) + 1) % kKeepFinished;
    if (m_keepingEnds > 0) {
        Ended &e = m_ended.emplace_back();
        e.id = id;
        e.endNs = r.lastNs;
        e.createdNs = r.createdNs;
        e.parent = r.parent;
        e.reasonArg = r.lastArg;
        e.name = r.name;
        e.copyIndex = r.copyIndex;
        e.type = r.last;
        e.reasonKind = r.lastKind;
        e.indexed = r.flags & kIndexed;
    }
    if (m_streaming > 0)
        noteEnded(id, m_ends);
    place->id = id;
    place->serial = m_ends++;
    place->record = std::move(r);
    r = Record{};
    if (m_ended.size() > kMaxEnded) {
        for (const auto &c : m_clients) {
            if (c->behind) {
                refuse(*c, QStringLiteral("more than %1 tasks ended while it was behind: dropped").arg(kMaxEnded));
            } else if (c->keepsEnds) {
                c->checkpoints.clear(); // what is queued for it is sent whole
            }
        }
        trimEnded();
    }
    const std::uint64_t at = id - m_base;
    --m_chunks[std::size_t(at / kChunk)]->present;
    // The first chunks go once empty, but the last: ids to come fall in it.
    while (m_chunks.size() > 1 && m_chunks.front()->present == 0) {
        m_chunks.pop_front();
        m_base += kChunk;
    }
}

QString Probe::nameOf(const Record &r) const
{
    if (r.flags & kIndexed)
        return r.name % QLatin1Char('[') % QString::number(r.copyIndex) % QLatin1Char(']');
    return r.name;
}

QString Probe::nameOfTask(std::uint64_t id) const
{
    const Record *r = record(id);
    return r ? nameOf(*r) : QString::number(id);
}

QString Probe::loopName(std::uint16_t loop) const { return loop < m_loopNames.size() ? m_loopNames[loop] : QString(); }

QString Probe::reasonText(std::uint8_t kind, std::uint64_t by) const
{
    if (CancelKind(kind) == CancelKind::Task)
        return QStringLiteral("task:") + nameOfTask(by);
    if (CancelKind(kind) == CancelKind::None)
        return QStringLiteral("user");
    return toString(CancelKind(kind));
}

void Probe::apply(std::uint16_t loop, const JournalBatch &batch)
{
    QByteArray lines;
    bool write = m_anyAttached;
    // The records of a burst's ends are scattered over the table: each is asked for
    // from memory some events before it is needed (one miss a task otherwise, the
    // probe's main cost at a million tasks).
    constexpr std::size_t kAhead = 16;
    const std::size_t count = batch.events.size();
    for (std::size_t i = 0; i < count; ++i) {
        // A long batch goes out in parts: each part's end is a checkpoint (queue()).
        if (lines.size() >= kCheckpointBytes) {
            publish(lines);
            lines.clear();
            // Clients that fell behind take no more lines: none may be left to write for.
            write = std::any_of(m_clients.begin(), m_clients.end(),
                                [](const auto &c) { return c->attached && !c->dead && !c->behind; });
        }
        if (i + kAhead < count) {
            const std::uint64_t ahead = batch.events[i + kAhead].task;
            if (ahead >= m_base && (ahead - m_base) / kChunk < m_chunks.size())
                __builtin_prefetch(&m_chunks[std::size_t((ahead - m_base) / kChunk)]->records[std::size_t((ahead - m_base) % kChunk)], 1);
        }
        const Event &e = batch.events[i];
        if (e.type == EventType::Created) {
            Record &r = slot(e.task);
            r = Record{};
            r.flags = kPresent;
            r.name = batch.text(e);
            if (e.flags & kIndexedName) {
                r.flags |= kIndexed;
                r.copyIndex = std::uint32_t(e.arg2);
            }
            r.createdNs = e.tNs;
            r.parent = e.arg;
            r.loop = loop;
            if (m_streaming > 0)
                noteChanged(e.task);
            if (write)
                appendCreated(lines, e.task, r);
            continue;
        }
        if (e.type == EventType::Stall) {
            m_stalls.push_back(Stall{e, loop});
            ++m_stallCount;
            if (m_stalls.size() > kKeepStalls)
                m_stalls.pop_front();
            if (write)
                appendStall(lines, e, loop);
            continue;
        }
        if (e.type == EventType::QueueDepth)
            continue; // live only, never on the wire (journal.h)
        if (e.type == EventType::Resumed) {
            // Nothing to keep: a batch is published between steps, so the step's
            // suspended or final event is in the same batch.
            if (write && record(e.task)) {
                beginEvent(lines, e.tNs, e.task, "resumed");
                endEvent(lines);
            }
            continue;
        }
        Record *r = record(e.task);
        if (!r)
            continue; // a task created before its loop was watched, or forgotten
        if (m_streaming > 0 && !isFinal(e.type)) // an end is noted as it is filed (finished())
            noteChanged(e.task);
        switch (e.type) {
        case EventType::Started:
            r->startedNs = e.tNs;
            r->last = EventType::Created;
            if (write) {
                beginEvent(lines, e.tNs, e.task, "started");
                endEvent(lines);
            }
            break;
        case EventType::Suspended:
            r->last = e.type;
            r->lastNs = e.tNs;
            r->lastKind = e.kind;
            r->lastArg = e.arg;
            if (write)
                appendLast(lines, e.task, *r);
            break;
        case EventType::CancelRequested:
            extra(e.task, *r).cancel = e;
            if (write)
                appendCancel(lines, e.task, e, "cancel_requested");
            break;
        case EventType::Done:
        case EventType::Failed:
        case EventType::Cancelled:
            r->last = e.type;
            r->lastNs = e.tNs;
            r->lastKind = e.kind;
            r->lastArg = e.arg;
            if (e.flags & kNumberResult)
                r->flags |= kNumber;
            if (e.flags & kValueResult) // the start of its text, as a text result's is cut
                extra(e.task, *r).text = resultText(batch.value(e), kMaxText + 1);
            else if (e.text != 0)
                extra(e.task, *r).text = batch.text(e).left(kMaxText + 2);
            if (write)
                appendLast(lines, e.task, *r);
            finished(e.task, *r); // r is empty from here on
            break;
        case EventType::CallbackAdded: {
            CallbackRecord cb;
            cb.addedNs = e.tNs;
            cb.index = std::uint32_t(e.arg);
            // A description that is a JSON object is the callback (this probe's own and
            // the task-set interpreter's are); any other is a log of that text.
            const QString &text = batch.text(e);
            const QJsonDocument doc = QJsonDocument::fromJson(text.toUtf8());
            if (doc.isObject()) {
                cb.json = doc.toJson(QJsonDocument::Compact);
            } else {
                cb.json = "{\"kind\":\"log\",\"message\":";
                appendString(cb.json, text);
                cb.json.append('}');
            }
            if (write)
                appendCallbackAdded(lines, e.task, cb);
            extra(e.task, *r).callbacks.push_back(std::move(cb));
            break;
        }
        case EventType::Callback: {
            auto found = m_extra.find(e.task);
            if (found != m_extra.end()) {
                for (CallbackRecord &cb : found->second.callbacks) {
                    if (cb.index == e.arg)
                        cb.firedNs = e.tNs;
                }
            }
            if (write) {
                beginEvent(lines, e.tNs, e.task, "callback");
                lines.append(",\"index\":");
                lines.append(QByteArray::number(static_cast<qulonglong>(e.arg)));
                endEvent(lines);
            }
            break;
        }
        case EventType::Created:
        case EventType::Resumed:
        case EventType::Stall:
        case EventType::QueueDepth:
            break;
        }
    }
    if (!lines.isEmpty())
        publish(lines);
}

void Probe::appendCreated(QByteArray &out, std::uint64_t id, const Record &r) const
{
    beginEvent(out, r.createdNs, id, "created");
    out.append(",\"name\":");
    appendString(out, nameOf(r));
    out.append(",\"op\":\"task\",\"parent\":");
    appendId(out, r.parent); // one the client has not seen is none to it (probe-protocol.md)
    out.append(",\"loop\":");
    appendString(out, loopName(r.loop));
    endEvent(out);
}

void Probe::appendLast(QByteArray &out, std::uint64_t id, const Record &r) const
{
    const auto extra = (r.flags & kHasExtra) ? m_extra.find(id) : m_extra.end();
    const QString noText;
    const QString &text = extra != m_extra.end() ? extra->second.text : noText;
    switch (r.last) {
    case EventType::Suspended: {
        beginEvent(out, r.lastNs, id, "suspended");
        out.append(",\"await\":");
        const auto kind = AwaitKind(r.lastKind);
        if (kind == AwaitKind::Task || kind == AwaitKind::WaitFor) {
            appendString(out, QStringLiteral("task ") + nameOfTask(r.lastArg));
            out.append(",\"await_task\":");
            appendId(out, r.lastArg);
        } else {
            appendString(out, describeAwait(kind, r.lastArg));
        }
        break;
    }
    case EventType::Done:
        beginEvent(out, r.lastNs, id, "done");
        out.append(",\"result\":");
        if (r.flags & kNumber)
            out.append(numberJson(std::bit_cast<double>(r.lastArg)));
        else if (!text.isNull())
            out.append(resultJson(text));
        else
            out.append("null");
        break;
    case EventType::Failed:
        beginEvent(out, r.lastNs, id, "failed");
        out.append(",\"error\":");
        appendString(out, text);
        break;
    case EventType::Cancelled:
        beginEvent(out, r.lastNs, id, "cancelled");
        out.append(",\"reason\":");
        appendString(out, reasonText(r.lastKind, r.lastArg));
        break;
    default:
        return;
    }
    endEvent(out);
}

void Probe::appendCancel(QByteArray &out, std::uint64_t id, const Event &e, const char *type) const
{
    beginEvent(out, e.tNs, id, type);
    out.append(",\"reason\":");
    appendString(out, reasonText(e.kind, e.arg));
    endEvent(out);
}

void Probe::appendCallbackAdded(QByteArray &out, std::uint64_t id, const CallbackRecord &cb) const
{
    beginEvent(out, cb.addedNs, id, "callback_added");
    out.append(",\"index\":");
    out.append(QByteArray::number(cb.index));
    out.append(",\"callback\":");
    out.append(cb.json);
    endEvent(out);
}

void Probe::appendStall(QByteArray &out, const Event &e, std::uint16_t loop) const
{
    beginEvent(out, e.tNs, record(e.task) ? e.task : 0, "stall");
    out.append(",\"loop\":");
    appendString(out, loopName(loop));
    out.append(",\"ms\":");
    appendMs(out, std::int64_t(std::min<std::uint64_t>(e.arg, INT64_MAX)));
    endEvent(out);
}

// The attach snapshot: every task kept (the unfinished and the last 10,000 finished) in
// id order, then every stall kept. `bounds` gets the ends of tasks' frames,
// kCheckpointBytes apart at least: where the snapshot may be cut. A resync's snapshot
// is sent in pieces instead (piece()).
QByteArray Probe::snapshot(std::vector<qsizetype> *bounds) const
{
    std::vector<std::pair<std::uint64_t, const Record *>> finished;
    finished.reserve(m_done.size());
    for (const Finished &f : m_done)
        finished.emplace_back(f.id, &f.record);
    std::sort(finished.begin(), finished.end());
    QByteArray out;
    const auto task = [&](std::uint64_t id, const Record &r) {
        appendTask(out, id, r);
        if (bounds && out.size() - (bounds->empty() ? 0 : bounds->back()) >= kCheckpointBytes)
            bounds->push_back(out.size());
    };
    std::size_t nextDone = 0;
    const std::size_t slots = m_chunks.size() * kChunk;
    for (std::size_t i = 0; i <= slots; ++i) {
        const std::uint64_t slotId = m_base + i;
        for (; nextDone < finished.size() && (i == slots || finished[nextDone].first < slotId); ++nextDone)
            task(finished[nextDone].first, *finished[nextDone].second);
        if (i == slots)
            break;
        const Record &r = m_chunks[i / kChunk]->records[i % kChunk];
        if (r.flags & kPresent)
            task(slotId, r);
    }
    appendStalls(out, 0);
    out.append("{\"type\":\"snapshot_end\"}\n");
    return out;
}

// The stalls kept from the from-th on.
void Probe::appendStalls(QByteArray &out, std::uint64_t from) const
{
    const std::uint64_t kept = m_stalls.size();
    const std::uint64_t firstKept = m_stallCount - kept;
    for (std::uint64_t i = std::max(from, firstKept) - firstKept; i < kept; ++i)
        appendStall(out, m_stalls[std::size_t(i)].event, m_stalls[std::size_t(i)].loop);
}

// A task that ended after a streaming client's cut: with its events if the probe still
// keeps it, else as an `ended` entry.
void Probe::appendEnd(QByteArray &out, EndedFrames &frames, std::uint64_t serial) const
{
    if (serial + m_done.size() >= m_ends) {
        // The ring is filled in serial order from serial 0: serial s sits at s % kKeepFinished.
        const Finished &f = m_done[std::size_t(serial % kKeepFinished)];
        frames.close(out);
        appendTask(out, f.id, f.record);
        return;
    }
    QByteArray entry;
    appendEnded(entry, m_ended[std::size_t(serial - m_endedBase)]);
    frames.add(out, entry);
}

void Probe::appendEnded(QByteArray &out, const Ended &e) const
{
    char id[24];
    out.append('[');
    out.append(id, std::to_chars(id, id + sizeof id, e.id).ptr - id);
    out.append(e.type == EventType::Done ? ",\"done\"," : e.type == EventType::Failed ? ",\"failed\"," : ",\"cancelled\",");
    appendMs(out, e.endNs);
    out.append(',');
    if (e.type == EventType::Cancelled)
        appendString(out, reasonText(e.reasonKind, e.reasonArg));
    else
        out.append("null");
    out.append(',');
    if (e.name.isEmpty() && !e.indexed)
        out.append("\"\"");
    else
        appendString(out, e.indexed ? e.name % QLatin1Char('[') % QString::number(e.copyIndex) % QLatin1Char(']') : e.name);
    out.append(',');
    appendId(out, e.parent);
    out.append(',');
    appendMs(out, e.createdNs);
    out.append(']');
}

void Probe::appendTask(QByteArray &out, std::uint64_t id, const Record &r) const
{
    {
        const auto extra = (r.flags & kHasExtra) ? m_extra.find(id) : m_extra.end();
        appendCreated(out, id, r);
        if (r.startedNs >= 0) {
            beginEvent(out, r.startedNs, id, "started");
            endEvent(out);
        }
        if (extra != m_extra.end()) {
            for (const CallbackRecord &cb : extra->second.callbacks)
                appendCallbackAdded(out, id, cb);
            if (extra->second.cancel)
                appendCancel(out, id, *extra->second.cancel, "cancel_requested");
        }
        appendLast(out, id, r);
        if (extra != m_extra.end()) {
            for (const CallbackRecord &cb : extra->second.callbacks) {
                if (cb.firedNs >= 0) {
                    beginEvent(out, cb.firedNs, id, "callback");
                    out.append(",\"index\":");
                    out.append(QByteArray::number(cb.index));
                    endEvent(out);
                }
            }
        }
    }
}

QByteArray Probe::hello() const
{
    QByteArray out("{\"protocol\":\"");
    out.append(kProtocol);
    out.append("\",\"pid\":");
    out.append(QByteArray::number(qint64(::getpid())));
    out.append(",\"program\":");
    const QString program = m_argv.isEmpty() ? QStringLiteral("program") : m_argv.front().section(QLatin1Char('/'), -1);
    appendString(out, program);
    out.append(",\"argv\":[");
    for (qsizetype i = 0; i < m_argv.size(); ++i) {
        if (i)
            out.append(',');
        appendString(out, m_argv[i]);
    }
    out.append("],\"started_at\":");
    appendString(out, m_startedAt.toString(Qt::ISODateWithMs));
    out.append(",\"runtime\":\"coroscope\",\"resync\":true}\n");
    return out;
}

void Probe::publish(const QByteArray &lines)
{
    for (const auto &c : m_clients) {
        if (c->attached && !c->dead && !c->behind)
            queue(*c, lines);
    }
}

// `answer`: an ack, which a client behind gets after its resync.
void Probe::queue(Client &c, const QByteArray &bytes, bool answer)
{
    if (c.behind) {
        if (answer)
            c.held.append(bytes);
        if (std::size_t(c.held.size()) > kMaxUnsent)
            drop(c);
        return;
    }
    if (c.sent > 0 && c.sent >= c.out.size() / 2) {
        c.out.remove(0, c.sent);
        c.base += std::uint64_t(c.sent);
        c.sent = 0;
    }
    c.out.append(bytes);
    // Every event applied so far is queued (a batch is published as it is applied).
    if (!answer)
        checkpoint(c, c.base + std::uint64_t(c.out.size()), m_ends, m_stallCount, false);
    if (c.unsent() <= c.limit)
        return;
    // What crosses the limit is still queued whole: the ends and stalls counted so far
    // are exactly those in what was queued.
    if (c.resync)
        fallBehind(c);
    else
        drop(c);
}

// Nothing more is queued until what waits is sent, and what waits beyond its next
// checkpoint goes: the resync holds it (docs/spec/probe-protocol.md, "Falling behind: resync").
void Probe::fallBehind(Client &c)
{
    c.behind = true;
    c.endsAtCut = m_ends;
    c.stallsAtCut = m_stallCount;
    cut(c, false);
}

void Probe::checkpoint(Client &c, std::uint64_t at, std::uint64_t ends, std::uint64_t stalls, bool inSnapshot)
{
    if (!c.keepsEnds)
        return;
    // Close ones are not worth keeping, but for a snapshot's end after its inside.
    if (!c.checkpoints.empty() && at - c.checkpoints.back().at < std::uint64_t(kCheckpointBytes)
        && (inSnapshot || !c.checkpoints.back().inSnapshot))
        return;
    c.checkpoints.push_back(Client::Checkpoint{at, ends, stalls, inSnapshot});
}

// Cuts what is queued for it at its first checkpoint not yet sent and puts it behind
// from there: its resync holds what the rest did, and the answers the rest held are
// held for it. At exit only if that resync (estimated) is shorter than the rest.
// Whether it cut.
bool Probe::cut(Client &c, bool atExit)
{
    const std::uint64_t sentAt = c.base + std::uint64_t(c.sent);
    while (!c.checkpoints.empty() && c.checkpoints.front().at < sentAt)
        c.checkpoints.pop_front();
    if (c.checkpoints.empty())
        return false;
    const Client::Checkpoint at = c.checkpoints.front();
    const auto keep = qsizetype(at.at - c.base);
    if (atExit) {
        std::uint64_t unfinished = 0;
        for (const auto &chunk : m_chunks)
            unfinished += chunk->present;
        constexpr std::uint64_t kTaskBytes = 256, kEndedBytes = 64; // a sleeping task's events; an `ended` entry
        if (unfinished * kTaskBytes + (m_ends - at.ends) * kEndedBytes >= std::uint64_t(c.out.size() - keep))
            return false;
    }
    QByteArray answers;
    for (qsizetype from = keep; from < c.out.size();) {
        qsizetype end = c.out.indexOf('\n', from);
        end = end < 0 ? c.out.size() : end + 1;
        if (QByteArrayView(c.out).sliced(from, end - from).startsWith("{\"type\":\"ack\""))
            answers.append(c.out.constData() + from, end - from);
        from = end;
    }
    c.out.truncate(keep);
    if (at.inSnapshot)
        c.out.append("{\"type\":\"snapshot_end\"}\n");
    c.checkpoints.clear();
    c.behind = true;
    c.endsAtCut = at.ends;
    c.stallsAtCut = at.stalls;
    c.held.prepend(answers);
    return true;
}

// The ends no client may need again go.
void Probe::trimEnded()
{
    std::uint64_t need = m_ends;
    for (const auto &c : m_clients) {
        if (!c->keepsEnds)
            continue;
        const std::uint64_t sentAt = c->base + std::uint64_t(c->sent);
        while (!c->checkpoints.empty() && c->checkpoints.front().at < sentAt)
            c->checkpoints.pop_front();
        if (c->behind)
            need = std::min(need, c->endsAtCut);
        if (!c->checkpoints.empty())
            need = std::min(need, c->checkpoints.front().ends);
    }
    for (; m_endedBase < need && !m_ended.empty(); ++m_endedBase)
        m_ended.pop_front();
}

void Probe::forgetBehind(Client &c)
{
    c.behind = false;
    c.held.clear();
    if (c.stream) {
        c.stream.reset();
        --m_streaming;
    }
}

// It is no longer served: nothing is kept for it.
void Probe::release(Client &c)
{
    forgetBehind(c);
    c.checkpoints.clear();
    if (c.keepsEnds) {
        c.keepsEnds = false;
        if (--m_keepingEnds == 0) {
            m_ended.clear();
            m_ended.shrink_to_fit();
        }
    }
}

// A client behind that has read all that waited begins its resync; one whose resync
// has begun gets its next piece once less than a piece waits unsent.
void Probe::resyncCaughtUp()
{
    for (const auto &c : m_clients) {
        if (!c->behind || c->dead || c->closing)
            continue;
        if (!c->stream && c->unsent() == 0)
            resync(*c);
        // A few pieces at most between two drains of the journals.
        for (int i = 0; i < 4 && c->stream && c->unsent() < std::size_t(kPieceBytes); ++i)
            piece(*c);
    }
}

// A snapshot queued for it, its inside cut at `bounds` (from its start) if need be
// (the client has seen `ends` and `stalls` then), its end a checkpoint of its own.
void Probe::queueSnapshot(Client &c, QByteArray bytes, const std::vector<qsizetype> &bounds, std::uint64_t ends,
                          std::uint64_t stalls)
{
    const std::uint64_t at = c.base + std::uint64_t(c.out.size());
    c.out.append(bytes);
    for (const qsizetype b : bounds)
        checkpoint(c, at + std::uint64_t(b), ends, stalls, true);
    checkpoint(c, c.base + std::uint64_t(c.out.size()), m_ends, m_stallCount, false);
}

// The client has read all that waited: its resync begins. Its snapshot is sent in
// pieces taken from the table as the socket drains, walking the tasks in id order
// (docs/spec/probe-protocol.md, "Streaming"); it stays behind (nothing else is queued
// for it, its answers are held) until the walk has passed the last task.
void Probe::resync(Client &c)
{
    c.base += std::uint64_t(c.out.size()); // sent whole
    c.out = QByteArray("{\"type\":\"resync\"}\n");
    c.sent = 0;
    auto s = std::make_unique<Client::Stream>();
    s->cursor = 0;
    const std::uint64_t from = std::max(c.endsAtCut, m_endedBase);
    s->ahead.reserve(std::size_t(m_ends - std::min(from, m_ends)));
    for (std::uint64_t serial = from; serial < m_ends; ++serial)
        s->ahead.emplace_back(m_ended[std::size_t(serial - m_endedBase)].id, serial);
    std::make_heap(s->ahead.begin(), s->ahead.end(), std::greater<>());
    c.stream = std::move(s);
    ++m_streaming;
}

// A change to a task's record: a streaming client that has passed the task gets it again.
void Probe::noteChanged(std::uint64_t id)
{
    for (const auto &c : m_clients) {
        Client::Stream *s = c->stream.get();
        if (!s || id >= s->cursor)
            continue;
        s->changed.push_back(id);
        if (s->changed.size() >= s->compactChangedAt) { // a task that changes often is listed once
            std::sort(s->changed.begin(), s->changed.end());
            s->changed.erase(std::unique(s->changed.begin(), s->changed.end()), s->changed.end());
            s->compactChangedAt = std::max(s->compactChangedAt, 2 * s->changed.size());
        }
    }
}

// A task's end, serial `serial`: each streaming client sends it when its walk gets
// there, or, if it has passed the task, in its next piece.
void Probe::noteEnded(std::uint64_t id, std::uint64_t serial)
{
    for (const auto &c : m_clients) {
        Client::Stream *s = c->stream.get();
        if (!s)
            continue;
        if (id < s->cursor) {
            s->passed.emplace_back(id, serial);
            std::push_heap(s->passed.begin(), s->passed.end(), std::greater<>());
        } else {
            s->ahead.emplace_back(id, serial);
            std::push_heap(s->ahead.begin(), s->ahead.end(), std::greater<>());
        }
    }
}

// The next piece of a streaming client's resync: first what changed among the tasks
// it has passed (their ends, then the others' records), then the next tasks from its
// cursor, in id order, each as it stands now; about kPieceBytes in all. The piece that
// passes the last task also has the stalls, `snapshot_end` and the answers held: the
// client then gets events as they happen.
void Probe::piece(Client &c)
{
    Client::Stream &s = *c.stream;
    QByteArray out;
    EndedFrames frames;
    const auto full = [&] { return out.size() >= kPieceBytes; };
    const auto pop = [](std::vector<std::pair<std::uint64_t, std::uint64_t>> &heap) {
        std::pop_heap(heap.begin(), heap.end(), std::greater<>());
        const auto top = heap.back();
        heap.pop_back();
        return top;
    };
    while (!s.passed.empty() && !full())
        appendEnd(out, frames, pop(s.passed).second);
    if (!full() && !s.changed.empty()) {
        std::sort(s.changed.begin(), s.changed.end());
        s.changed.erase(std::unique(s.changed.begin(), s.changed.end()), s.changed.end());
        std::size_t i = 0;
        for (; i < s.changed.size() && !full(); ++i) {
            if (const Record *r = live(s.changed[i])) { // one that ended is among the ends
                frames.close(out);
                appendTask(out, s.changed[i], *r);
            }
        }
        s.changed.erase(s.changed.begin(), s.changed.begin() + std::ptrdiff_t(i));
    }
    bool done = false;
    std::size_t scanned = 0;
    while (!full() && s.passed.empty() && s.changed.empty()) {
        const std::uint64_t nextEnd = s.ahead.empty() ? UINT64_MAX : s.ahead.front().first;
        const std::uint64_t tableEnd = m_base + m_chunks.size() * kChunk;
        std::uint64_t id = std::max(s.cursor, m_base);
        const std::uint64_t stop = std::min(nextEnd, tableEnd);
        const Record *r = nullptr;
        for (; id < stop && scanned < kPieceScan; ++id, ++scanned) {
            const Record &slot = m_chunks[std::size_t((id - m_base) / kChunk)]->records[std::size_t((id - m_base) % kChunk)];
            if (slot.flags & kPresent) {
                r = &slot;
                break;
            }
        }
        if (r) {
            frames.close(out);
            appendTask(out, id, *r);
            s.cursor = id + 1;
        } else if (id < stop) { // this piece's walk is spent
            s.cursor = id;
            break;
        } else if (!s.ahead.empty()) {
            const auto [endedId, serial] = pop(s.ahead);
            appendEnd(out, frames, serial);
            s.cursor = std::max(s.cursor, endedId + 1);
        } else {
            s.cursor = std::max(s.cursor, id);
            done = true;
            break;
        }
    }
    frames.close(out);
    if (done) {
        appendStalls(out, c.stallsAtCut);
        out.append("{\"type\":\"snapshot_end\"}\n");
        out.append(c.held);
        forgetBehind(c);
    }
    if (c.sent > 0 && c.sent >= c.out.size() / 2) {
        c.out.remove(0, c.sent);
        c.base += std::uint64_t(c.sent);
        c.sent = 0;
    }
    c.out.append(out);
    if (done) {
        checkpoint(c, c.base + std::uint64_t(c.out.size()), m_ends, m_stallCount, false);
        c.limit = c.unsent() + kMaxUnsent;
        m_anyAttached = true;
    }
}

// A client that does not keep up is dropped; it is told so after the frame it was
// being sent, if it ever reads (docs/spec/probe-protocol.md, "The C++ probe").
void Probe::drop(Client &c)
{
    const qsizetype keep = c.sentWhole ? c.sent : c.out.indexOf('\n', c.sent) + 1;
    c.out.truncate(keep);
    refuse(c, QStringLiteral("more than %1 bytes waited unsent: dropped").arg(kMaxUnsent));
}

void Probe::accept()
{
    const int fd = ::accept4(m_server, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0)
        return;
    // A big send buffer: on a loaded machine each buffer's worth costs a round of the
    // scheduler for both sides, and a resync at exit has a second (the system may cap it).
    const int buffer = kSendBuffer;
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
    auto c = std::make_unique<Client>();
    c->fd = fd;
    c->id = m_nextClient++;
    c->out = hello();
    m_clients.push_back(std::move(c));
}

void Probe::send(Client &c)
{
    const std::size_t chunk = std::min<std::size_t>(c.unsent(), kSendBuffer);
    const ssize_t n = ::send(c.fd, c.out.constData() + c.sent, chunk, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            c.dead = true;
        return;
    }
    c.sent += n;
    if (n > 0)
        c.sentWhole = c.out.at(c.sent - 1) == '\n';
    if (c.unsent() == 0) {
        c.base += std::uint64_t(c.out.size());
        c.out.clear();
        c.sent = 0;
    }
}

void Probe::receive(Client &c)
{
    char buffer[1 << 16];
    const ssize_t n = ::recv(c.fd, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (n <= 0) {
        c.dead = true; // the client left (detached, killed): forget it
        return;
    }
    if (c.closing)
        return;
    c.in.append(buffer, n);
    try {
        while (true) {
            const qsizetype end = c.in.indexOf('\n');
            if (end < 0) {
                if (std::size_t(c.in.size()) >= kMaxFrame)
                    throw BadInput{QStringLiteral("a frame longer than %1 bytes").arg(kMaxFrame)};
                return;
            }
            if (std::size_t(end) + 1 > kMaxFrame)
                throw BadInput{QStringLiteral("a frame longer than %1 bytes").arg(kMaxFrame)};
            const QByteArray line = c.in.left(end);
            c.in.remove(0, end + 1);
            QStringDecoder utf8(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
            [[maybe_unused]] const QString decoded = utf8.decode(line);
            if (utf8.hasError())
                throw BadInput{QStringLiteral("a frame that is not UTF-8")};
            QJsonParseError error{};
            const QJsonDocument doc = QJsonDocument::fromJson(line, &error);
            if (error.error != QJsonParseError::NoError)
                throw BadInput{QStringLiteral("a frame that is not JSON")};
            if (!doc.isObject())
                throw BadInput{QStringLiteral("a frame that is not a JSON object")};
            command(c, doc.object());
            if (c.closing)
                return;
        }
    } catch (const BadInput &bad) {
        refuse(c, bad.message);
    }
}

void Probe::refuse(Client &c, const QString &message)
{
    QByteArray frame("{\"type\":\"error\",\"message\":");
    appendString(frame, message);
    frame.append("}\n");
    release(c);
    c.out.append(frame); // past the limit too: the last thing it is sent
    c.closing = true;
    c.attached = false;
    c.in.clear();
}

std::optional<qint64> integerOf(const QJsonValue &v)
{
    if (!v.isDouble())
        return std::nullopt;
    const double d = v.toDouble();
    if (!std::isfinite(d) || d != std::floor(d) || std::fabs(d) > 9007199254740992.0)
        return std::nullopt;
    return qint64(d);
}

QString jsonText(const QJsonValue &v)
{
    if (v.isUndefined())
        return QStringLiteral("null");
    return QString::fromUtf8(QJsonDocument(QJsonArray{v}).toJson(QJsonDocument::Compact).mid(1).chopped(1));
}

void Probe::reply(Client &c, const QJsonValue &seq, const QString &error)
{
    QByteArray frame("{\"type\":\"ack\",\"seq\":");
    frame.append(seq.isDouble() ? QByteArray::number(qint64(seq.toDouble())) : QByteArray("null"));
    frame.append(",\"error\":");
    appendString(frame, error);
    frame.append("}\n");
    queue(c, frame, true);
}

void Probe::command(Client &c, const QJsonObject &message)
{
    const QString kind = message.value(QLatin1String("type")).toString();
    if (!c.attached) {
        if (kind != QLatin1String("attach"))
            throw BadInput{QStringLiteral("expected {\"type\":\"attach\",\"protocol\":\"%1\"} first").arg(QLatin1String(kProtocol))};
        const QJsonValue protocol = message.value(QLatin1String("protocol"));
        if (protocol.toString() != QLatin1String(kProtocol))
            throw BadInput{QStringLiteral("protocol %1 is not spoken here (%2)").arg(jsonText(protocol), QLatin1String(kProtocol))};
        const QJsonValue resync = message.value(QLatin1String("resync"));
        if (!resync.isUndefined() && !resync.isBool())
            throw BadInput{QStringLiteral("resync: expected true or false")};
        std::vector<qsizetype> bounds;
        QByteArray events = snapshot(&bounds);
        c.resync = resync.toBool();
        c.attached = true;
        m_anyAttached = true;
        if (c.resync) {
            c.keepsEnds = true;
            if (m_keepingEnds++ == 0) {
                m_ended.clear();
                m_endedBase = m_ends;
            }
        }
        // Cut inside, its resync holds what the client has not seen of it but the
        // tasks that had ended before it attached (docs/spec/probe-protocol.md, "At exit").
        queueSnapshot(c, std::move(events), bounds, m_ends, m_stallCount);
        c.limit = c.unsent() + kMaxUnsent;
        return;
    }
    const QJsonValue seq = message.value(QLatin1String("seq"));
    if (!seq.isUndefined() && !seq.isNull() && !integerOf(seq))
        throw BadInput{QStringLiteral("seq: expected an integer")};
    if (kind == QLatin1String("detach")) {
        release(c);
        c.closing = true;
        c.attached = false;
        return;
    }
    const bool cancel = kind == QLatin1String("cancel");
    if (!cancel && kind != QLatin1String("add_callback"))
        throw BadInput{QStringLiteral("type: expected attach, cancel, add_callback or detach, got %1")
                           .arg(jsonText(message.value(QLatin1String("type"))))};
    const std::optional<qint64> task = integerOf(message.value(QLatin1String("task")));
    if (!task)
        throw BadInput{QStringLiteral("task: expected a task id (an integer)")};
    QString text;
    if (!cancel) {
        if (message.value(QLatin1String("kind")).toString() != QLatin1String("log")
            || !message.value(QLatin1String("kind")).isString())
            throw BadInput{QStringLiteral("kind: expected \"log\"")};
        if (!message.value(QLatin1String("message")).isString())
            throw BadInput{QStringLiteral("message: expected a string")};
        text = message.value(QLatin1String("message")).toString().left(kMaxText);
    }
    if (c.inFlight >= kMaxInFlight)
        throw BadInput{QStringLiteral("more than %1 commands waiting for their answers").arg(kMaxInFlight)};
    const std::uint64_t id = *task > 0 ? std::uint64_t(*task) : 0;
    const Record *r = record(id);
    if (!r)
        return reply(c, seq, QStringLiteral("no task %1").arg(*task));
    if (isFinal(r->last))
        return reply(c, seq, QStringLiteral("task %1 has finished").arg(*task));
    ++c.inFlight;
    const std::uint64_t client = c.id;
    const bool posted = m_loopHandles[r->loop].callSoonThreadsafe([this, client, seq, id, cancel, text] {
        Loop *loop = Loop::current();
        TaskCore *t = loop ? loop->findTask(id) : nullptr;
        QString error;
        if (!t)
            error = QStringLiteral("task %1 has finished").arg(id);
        else if (cancel)
            t->cancel(CancelReason::user());
        else
            addLogCallback(*t, text);
        // What the command journalled goes out before its answer (serve()).
        if (loop)
            loop->journal().publish();
        ack(client, seq, error);
    });
    if (!posted) {
        --c.inFlight;
        reply(c, seq, QStringLiteral("the task's loop has stopped"));
    }
}

} // namespace

bool install()
{
    int s = stateNow();
    while (s != kOn) {
        if (s == kDisabled)
            return false;
        if (g_state.compare_exchange_weak(s, kOn))
            break;
    }
    Probe &p = Probe::instance();
    if (!p.start())
        return false;
    if (Loop *loop = Loop::current())
        p.watch(*loop);
    return true;
}

void disable() { g_state.store(kDisabled); }

bool active() { return stateNow() == kOn; }

namespace detail {

void watch(Loop &loop)
{
    Probe::instance().watch(loop);
}

void forget(Loop &loop)
{
    if (g_started.load(std::memory_order_acquire))
        Probe::instance().forget(loop);
}

} // namespace detail

} // namespace coroscope::rt::probe

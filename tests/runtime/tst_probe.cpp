// The C++ probe (runtime/probe.h) seen from a client on its socket: the wire of
// docs/spec/probe-protocol.md. A binary of its own: the probe, once installed, reads
// every loop's journal in the process, which the other runtime tests read themselves.

#include "helpers.h"
#include "log/probereader.h"
#include "log/runrecord.h"
#include "runtime/probe.h"
#include "session/probeclient.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <catch2/catch.hpp>

#include <cerrno>
#include <cstdlib>
#include <memory>
#include <unordered_set>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace coroscope;
using namespace coroscope::testing;
using rt::Task;

namespace {

// The probe serves from a private folder of this test run's own.
const QString &endpoint()
{
    static QTemporaryDir dir;
    static const QString path = [] {
        ::setenv("XDG_RUNTIME_DIR", QFile::encodeName(dir.path()).constData(), 1);
        REQUIRE(rt::probe::install());
        return dir.path() + QStringLiteral("/coroscope/%1.sock").arg(::getpid());
    }();
    return path;
}

// A client of the probe that reads without blocking, so that the test thread's loop
// runs (commands are carried out there) while it waits.
class Client
{
public:
    Client()
    {
        m_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        const QByteArray path = QFile::encodeName(endpoint());
        std::memcpy(address.sun_path, path.constData(), std::size_t(path.size()));
        REQUIRE(::connect(m_fd, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0);
    }
    ~Client() { ::close(m_fd); }
    Client(const Client &) = delete;
    Client &operator=(const Client &) = delete;

    void send(const QByteArray &bytes)
    {
        qsizetype done = 0;
        while (done < bytes.size()) {
            const ssize_t n = ::send(m_fd, bytes.constData() + done, std::size_t(bytes.size() - done), MSG_NOSIGNAL);
            if (n <= 0)
                return; // the probe hung up (it may, on bad input)
            done += n;
        }
    }

    // Frames until one satisfies `until` (returned), or the probe closes (an empty object).
    QJsonObject readUntil(const std::function<bool(const QJsonObject &)> &until)
    {
        QJsonObject found;
        bool closed = false;
        const RunStats stats = runUntil([&] {
            while (true) {
                const qsizetype end = m_buffer.indexOf('\n');
                if (end >= 0) {
                    const QJsonObject frame = QJsonDocument::fromJson(m_buffer.left(end)).object();
                    m_buffer.remove(0, end + 1);
                    bytesRead += end + 1;
                    frames.push_back(frame);
                    if (until(frame)) {
                        found = frame;
                        return true;
                    }
                    continue;
                }
                char chunk[4096];
                const ssize_t n = ::recv(m_fd, chunk, sizeof chunk, MSG_DONTWAIT);
                if (n > 0) {
                    m_buffer.append(chunk, n);
                    continue;
                }
                if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
                    closed = true;
                    return true;
                }
                return false;
            }
        }, std::chrono::seconds(30)); // a deadline for a loaded machine under a sanitizer
        if (!stats.reached) {
            for (const QJsonObject &f : frames)
                UNSCOPED_INFO(QJsonDocument(f).toJson(QJsonDocument::Compact).toStdString());
        }
        REQUIRE(stats.reached);
        return closed ? QJsonObject{} : found;
    }

    // The first frame read so far, or from now on, that satisfies `until`.
    QJsonObject seen(const std::function<bool(const QJsonObject &)> &until)
    {
        for (const QJsonObject &f : frames) {
            if (until(f))
                return f;
        }
        return readUntil(until);
    }

    QJsonObject attach(bool resync = false)
    {
        readUntil([](const QJsonObject &f) { return f.contains(QLatin1String("protocol")); });
        send(resync ? QByteArray(R"({"type":"attach","protocol":"coroscope.probe/1","resync":true})" "\n")
                    : QByteArray(R"({"type":"attach","protocol":"coroscope.probe/1"})" "\n"));
        return readUntil(isType("snapshot_end"));
    }

    static std::function<bool(const QJsonObject &)> isType(const char *type)
    {
        return [type](const QJsonObject &f) { return f.value(QLatin1String("type")).toString() == QLatin1String(type); };
    }

    // The frames of task `id` (or of any task, with 0) of this type read so far.
    [[nodiscard]] std::vector<QJsonObject> of(std::uint64_t id, const char *type) const
    {
        std::vector<QJsonObject> out;
        for (const QJsonObject &f : frames) {
            if ((id == 0 || f.value(QLatin1String("task")).toInteger() == qint64(id))
                && f.value(QLatin1String("type")).toString() == QLatin1String(type))
                out.push_back(f);
        }
        return out;
    }

    std::vector<QJsonObject> frames;
    qint64 bytesRead = 0; // of the frames read so far

private:
    int m_fd = -1;
    QByteArray m_buffer;
};

rt::SpawnOptions named(const QString &name)
{
    rt::SpawnOptions options;
    options.name = name;
    return options;
}

Task<int> sleepAnHour()
{
    co_await rt::sleep(std::chrono::hours(1));
    co_return 0;
}

QByteArray command(const char *type, std::uint64_t task, int seq, const char *extra = "")
{
    return QStringLiteral(R"({"type":"%1","task":%2,"seq":%3%4})")
               .arg(QLatin1String(type))
               .arg(task)
               .arg(seq)
               .arg(QLatin1String(extra))
               .toUtf8()
        + '\n';
}

} // namespace

TEST_CASE("a loop the probe watches records its journal though the program reads none")
{
    endpoint();
    // A program's journals start disabled (the suites' main enables them by default).
    rt::Journal::setEnabledByDefault(false);
    rt::Loop loop(QStringLiteral("main"));
    rt::Journal::setEnabledByDefault(true);
    CHECK(loop.journal().enabled());
}

TEST_CASE("an attached client gets the hello, the tasks as they stand, then their events as they happen")
{
    endpoint();
    rt::Loop loop(QStringLiteral("main"));
    Task<int> finisher = rt::spawn(sleepThenReturn(0ms, 1), named(QStringLiteral("finisher")));
    finisher->setResultNumber(42);
    Task<int> failer = rt::spawn(sleepThenFail(0ms, QStringLiteral("boom")), named(QStringLiteral("failer")));
    Task<int> sleeper = rt::spawn(sleepAnHour(), named(QStringLiteral("sleeper")));
    REQUIRE(runUntil([&] { return finisher->finished() && failer->finished(); }).reached);

    Client client;
    const QJsonObject hello = client.readUntil([](const QJsonObject &f) { return f.contains(QLatin1String("protocol")); });
    CHECK(hello.value(QLatin1String("protocol")).toString() == QLatin1String("coroscope.probe/1"));
    CHECK(hello.value(QLatin1String("pid")).toInteger() == ::getpid());
    CHECK(hello.value(QLatin1String("program")).toString() == QLatin1String("tst_probe"));
    client.send(R"({"type":"attach","protocol":"coroscope.probe/1"})" "\n");
    client.readUntil(Client::isType("snapshot_end"));

    const auto created = client.of(sleeper->id(), "created");
    REQUIRE(created.size() == 1);
    CHECK(created[0].value(QLatin1String("name")).toString() == QLatin1String("sleeper"));
    CHECK(created[0].value(QLatin1String("loop")).toString() == QLatin1String("main"));
    REQUIRE(client.of(sleeper->id(), "suspended").size() == 1);
    CHECK(client.of(sleeper->id(), "suspended")[0].value(QLatin1String("await")).toString() == QLatin1String("sleep 3600s"));
    REQUIRE(client.of(finisher->id(), "done").size() == 1);
    CHECK(client.of(finisher->id(), "done")[0].value(QLatin1String("result")).toInt() == 42);
    REQUIRE(client.of(failer->id(), "failed").size() == 1);
    CHECK(client.of(failer->id(), "failed")[0].value(QLatin1String("error")).toString() == QLatin1String("boom"));

    // Live: a task made now is seen from its creation to its end.
    Task<int> late = rt::spawn(sleepThenReturn(1ms, 7), named(QStringLiteral("late")));
    client.readUntil([&](const QJsonObject &f) {
        return f.value(QLatin1String("task")).toInteger() == qint64(late->id())
            && f.value(QLatin1String("type")).toString() == QLatin1String("done");
    });
    CHECK(client.of(late->id(), "created").size() == 1);
    CHECK(client.of(late->id(), "started").size() == 1);
    sleeper->cancel();
    runUntilIdle(loop);
}

TEST_CASE("a cancel from the client ends the task cancelled by the user, and a callback it adds fires")
{
    endpoint();
    rt::Loop loop(QStringLiteral("main"));
    Task<int> sleeper = rt::spawn(sleepAnHour(), named(QStringLiteral("sleeper")));
    runUntil([&] { return sleeper->state() == rt::TaskState::Running; });
    Client client;
    client.attach();

    client.send(command("add_callback", sleeper->id(), 1, R"(,"kind":"log","message":"bye")"));
    client.send(command("cancel", sleeper->id(), 2));
    const QJsonObject first = client.readUntil(Client::isType("ack"));
    const QJsonObject second = client.readUntil(Client::isType("ack"));
    CHECK(first.value(QLatin1String("seq")).toInt() == 1);
    CHECK_FALSE(first.contains(QLatin1String("error")));
    CHECK(second.value(QLatin1String("seq")).toInt() == 2);
    CHECK_FALSE(second.contains(QLatin1String("error")));
    REQUIRE(runUntilFinished(sleeper).reached);
    CHECK(sleeper->state() == rt::TaskState::Cancelled);
    CHECK(sleeper->cancelReason() == rt::CancelReason::user());

    // (A frame may come before an answer that was given earlier: what the journals
    // hold when the answer is taken goes out first.)
    client.seen(Client::isType("callback"));
    client.seen(Client::isType("cancelled"));
    const auto added = client.of(sleeper->id(), "callback_added");
    REQUIRE(added.size() == 1);
    CHECK(added[0].value(QLatin1String("callback")).toObject()
          == QJsonObject{{QStringLiteral("kind"), QStringLiteral("log")}, {QStringLiteral("message"), QStringLiteral("bye")}});
    const auto requested = client.of(sleeper->id(), "cancel_requested");
    REQUIRE(requested.size() == 1);
    CHECK(requested[0].value(QLatin1String("reason")).toString() == QLatin1String("user"));
    const auto cancelled = client.of(sleeper->id(), "cancelled");
    REQUIRE(cancelled.size() == 1);
    CHECK(cancelled[0].value(QLatin1String("reason")).toString() == QLatin1String("user"));
}

TEST_CASE("a command for a task that is unknown or has finished is answered with why")
{
    endpoint();
    rt::Loop loop(QStringLiteral("main"));
    Task<int> finisher = rt::spawn(sleepThenReturn(0ms, 1), named(QStringLiteral("finisher")));
    REQUIRE(runUntilFinished(finisher).reached);
    Client client;
    client.attach();
    client.send(command("cancel", 999'999'999, 5));
    CHECK(client.readUntil(Client::isType("ack")).value(QLatin1String("error")).toString()
          == QLatin1String("no task 999999999"));
    client.send(command("cancel", finisher->id(), 6));
    CHECK(client.readUntil(Client::isType("ack")).value(QLatin1String("error")).toString()
          == QStringLiteral("task %1 has finished").arg(finisher->id()));
}

TEST_CASE("bad input gets one error frame and a closed connection, and the probe serves on")
{
    endpoint();
    rt::Loop loop(QStringLiteral("main"));
    const std::vector<std::pair<QByteArray, const char *>> cases = {
        {QByteArray("\xff\xfe not json\n"), "a frame that is not UTF-8"},
        {QByteArray("{\"type\":\"cancel\",\"task\":1}\n"), "expected {\"type\":\"attach\",\"protocol\":\"coroscope.probe/1\"} first"},
        {QByteArray("{\"type\":\"attach\",\"protocol\":\"coroscope.probe/2\"}\n"),
         "protocol \"coroscope.probe/2\" is not spoken here (coroscope.probe/1)"},
        {QByteArray("{\"type\":\"attach\",\"protocol\":\"coroscope.probe/1\"}\n[1, 2]\n"), "a frame that is not a JSON object"},
        {QByteArray("{\"type\":\"attach\",\"protocol\":\"coroscope.probe/1\",\"resync\":1}\n"), "resync: expected true or false"},
        {QByteArray("{\"type\":\"attach\",\"protocol\":\"coroscope.probe/1\"}\n{\"type\":\"cancel\",\"task\":\"x\"}\n"),
         "task: expected a task id (an integer)"},
        {QByteArray("{\"type\":\"attach\",\"protocol\":\"coroscope.probe/1\"}\n{\"type\":\"cancel\",\"task\":1,\"seq\":1.5}\n"),
         "seq: expected an integer"},
        {QByteArray("{\"type\":\"attach\",\"protocol\":\"coroscope.probe/1\"}\n{\"type\":\"add_callback\",\"task\":1,\"kind\":\"mail\"}\n"),
         "kind: expected \"log\""},
        {QByteArray("{\"type\":\"attach\",\"protocol\":\"coroscope.probe/1\"}\n{\"type\":\"explode\"}\n"),
         "type: expected attach, cancel, add_callback or detach, got \"explode\""},
        {QByteArray(1 << 20, 'x') + '\n', "a frame longer than 1048576 bytes"},
    };
    for (const auto &[bytes, message] : cases) {
        INFO(message);
        Client client;
        client.send(bytes);
        const QJsonObject error = client.readUntil(Client::isType("error"));
        CHECK(error.value(QLatin1String("message")).toString() == QLatin1String(message));
        CHECK(client.readUntil([](const QJsonObject &) { return false; }).isEmpty()); // then closed
    }
    Client client;
    client.attach();
    client.send("{\"type\":\"detach\"}\n");
    CHECK(client.readUntil([](const QJsonObject &) { return false; }).isEmpty());
}

TEST_CASE("a loop on a thread of its own is watched, and forgotten when it goes, its tasks kept")
{
    endpoint();
    auto thread = std::make_unique<rt::LoopThread>(QStringLiteral("worker"));
    std::atomic<std::uint64_t> id{0};
    thread->loop().callSoonThreadsafe([&id] {
        Task<int> t = rt::spawn(sleepThenReturn(0ms, 3), named(QStringLiteral("on the worker")));
        id = t->id();
    });
    REQUIRE(runUntil([&] { return id.load() != 0; }).reached);
    thread.reset(); // the loop goes, its last events drained
    Client client;
    client.attach();
    const auto created = client.of(id.load(), "created");
    REQUIRE(created.size() == 1);
    CHECK(created[0].value(QLatin1String("loop")).toString() == QLatin1String("worker"));
    CHECK(client.of(id.load(), "done").size() == 1);
}

TEST_CASE("the snapshot holds every unfinished task and the last 10,000 finished, in id order")
{
    endpoint();
    rt::Loop loop(QStringLiteral("main"));
    Task<int> sleeper = rt::spawn(sleepAnHour(), named(QStringLiteral("early sleeper")));
    std::vector<Task<int>> quick;
    for (int i = 0; i < 10'005; ++i)
        quick.push_back(rt::spawn(sleepThenReturn(0ms, i)));
    REQUIRE(runUntil([&] { return quick.back()->finished() && quick.front()->finished(); }).reached);
    Client client;
    client.attach();
    std::vector<qint64> ids;
    for (const QJsonObject &f : client.of(0, "created"))
        ids.push_back(f.value(QLatin1String("task")).toInteger());
    CHECK(std::is_sorted(ids.begin(), ids.end()));
    CHECK(client.of(sleeper->id(), "created").size() == 1);
    CHECK(client.of(quick[4]->id(), "created").empty()); // the five oldest finished are forgotten
    CHECK(client.of(quick[5]->id(), "done").size() == 1);
    CHECK(client.of(0, "done").size() == 10'000);
    sleeper->cancel();
    runUntilIdle(loop);
}

TEST_CASE("a client more than 16 MiB behind is dropped, and told so after the frame it was being sent")
{
    endpoint();
    rt::Loop loop(QStringLiteral("main"));
    Client client;
    client.attach();
    // Some 25 MB of events that it does not read.
    std::vector<Task<int>> tasks;
    for (int i = 0; i < 100'000; ++i)
        tasks.push_back(rt::spawn(sleepThenReturn(0ms, i)));
    REQUIRE(runUntilIdle(loop, std::chrono::seconds(60)).reached);
    const QJsonObject error = client.readUntil(Client::isType("error"));
    CHECK(error.value(QLatin1String("message")).toString() == QLatin1String("more than 16777216 bytes waited unsent: dropped"));
    CHECK(client.readUntil([](const QJsonObject &) { return false; }).isEmpty()); // then closed
    // Every frame before it whole: a cut one would not parse (the hello has no type).
    const auto whole = std::count_if(client.frames.begin(), client.frames.end(), [](const QJsonObject &f) {
        return f.contains(QLatin1String("type")) || f.contains(QLatin1String("protocol"));
    });
    CHECK(std::size_t(whole) == client.frames.size());
}

TEST_CASE("a client that falls behind is not sent the stale events that waited beyond its next checkpoint")
{
    endpoint();
    rt::Loop loop(QStringLiteral("main"));
    Client client;
    client.attach(true);
    const qint64 before = client.bytesRead;
    // Some 25 MB of events that it does not read: it falls behind once 16 MiB wait
    // beyond what its socket holds.
    std::vector<Task<int>> tasks;
    for (int i = 0; i < 100'000; ++i)
        tasks.push_back(rt::spawn(sleepThenReturn(0ms, i)));
    REQUIRE(runUntilIdle(loop, std::chrono::seconds(60)).reached);
    client.readUntil(Client::isType("resync"));
    // What its socket held, and at most one part of a batch (64 KiB) beyond: the rest
    // was cut (docs/spec/probe-protocol.md, "Cutting what waits").
    CHECK(client.bytesRead - before < qint64(16) << 20);
    // Then what it missed, and what came after, to the last task's end.
    const auto last = qint64(tasks.back()->id());
    const QJsonObject end = client.readUntil([last](const QJsonObject &f) {
        return f.value(QLatin1String("task")).toInteger() == last && f.value(QLatin1String("type")).toString() == QLatin1String("done");
    });
    CHECK(end.value(QLatin1String("type")).toString() == QLatin1String("done"));
}

TEST_CASE("a client that asked for resync and falls behind is resynced: its table ends with every task as it is")
{
    endpoint();
    rt::Loop loop(QStringLiteral("main"));
    // Tasks the client sees made before it stops reading; half of them end meanwhile.
    std::vector<Task<int>> known;
    for (int i = 0; i < 1'000; ++i)
        known.push_back(rt::spawn(sleepAnHour(), named(QStringLiteral("known %1").arg(i))));
    REQUIRE(runUntil([&] { return known.back()->state() == rt::TaskState::Running; }).reached);

    session::ProbeConnection connection;
    REQUIRE_FALSE(connection.open(endpoint()));
    log::ProbeReader reader;
    REQUIRE_FALSE(connection.attach(reader));
    CHECK(reader.hello()->resync);
    log::RunRecord table(log::RunRecord::Spool::None);
    const auto read = [&] {
        connection.readInto(reader, 0);
        table.apply(QStringLiteral("main"), reader.batch());
        reader.batch().clear();
        return reader.failed() || connection.closed();
    };
    REQUIRE(runUntil([&] { return read() || (reader.snapshotDone() && table.localId(known.back()->id()) != 0); },
                     std::chrono::seconds(60)).reached);
    REQUIRE(reader.resyncs() == 0);

    // It stops reading: some 60 MB of events are made, far more than 16 MiB.
    std::vector<Task<int>> burst;
    for (int i = 0; i < 200'000; ++i) {
        if (i % 3 == 0)
            burst.push_back(rt::spawn(sleepThenReturn(0ms, i)));
        else if (i % 3 == 1)
            burst.push_back(rt::spawn(sleepThenFail(0ms, QStringLiteral("boom %1").arg(i))));
        else
            burst.push_back(rt::spawn(sleepAnHour()));
    }
    for (std::size_t i = 0; i < known.size(); i += 2)
        known[i]->cancel();
    for (std::size_t i = 2; i < burst.size(); i += 6)
        burst[i]->cancel();
    REQUIRE(runUntil([&] { return known.front()->finished() && burst[burst.size() - 2]->finished(); },
                     std::chrono::seconds(120)).reached);

    // It reads again, until its table holds every task as the program has it.
    const auto agrees = [&](const std::vector<Task<int>> &tasks) {
        for (const Task<int> &t : tasks) {
            const std::uint64_t local = table.localId(t->id());
            if (local == 0 || table.state(local) != t->state())
                return false;
        }
        return true;
    };
    // (Compared only when nothing more has come: a comparison walks 200,000 tasks.)
    const RunStats caughtUp = runUntil([&] {
        const qint64 frames = reader.frames();
        return read() || (reader.frames() == frames && agrees(known) && agrees(burst));
    }, std::chrono::seconds(120));
    INFO(reader.error().toStdString());
    CHECK_FALSE(reader.failed());
    CHECK_FALSE(connection.closed());
    REQUIRE(caughtUp.reached);
    CHECK(reader.resyncs() >= 1);
    CHECK(table.state(table.localId(known[0]->id())) == rt::TaskState::Cancelled);
    CHECK(table.state(table.localId(known[1]->id())) == rt::TaskState::Running);
    CHECK(table.state(table.localId(burst[0]->id())) == rt::TaskState::Done);
    CHECK(table.state(table.localId(burst[1]->id())) == rt::TaskState::Failed);
    CHECK(table.state(table.localId(burst[2]->id())) == rt::TaskState::Cancelled);
    CHECK(table.state(table.localId(burst[5]->id())) == rt::TaskState::Running);

    // The program carried on unharmed, and the client is still served: a command is answered.
    CHECK(connection.send(session::probeCancelFrame(known[1]->id(), 1)));
    REQUIRE(runUntil([&] { return read() || known[1]->finished(); }, std::chrono::seconds(30)).reached);
    CHECK(known[1]->state() == rt::TaskState::Cancelled);
    for (const Task<int> &t : known)
        t->cancel();
    for (const Task<int> &t : burst)
        t->cancel();
    REQUIRE(runUntilIdle(loop, std::chrono::seconds(60)).reached);
}

TEST_CASE("a resync is sent in pieces as its client reads: the tasks that end meanwhile come as ended entries, not their events")
{
    endpoint();
    rt::Loop loop(QStringLiteral("main"));
    Client client;
    client.attach(true);
    // Some 25 MB of events that it does not read (names of 200 characters): it falls
    // behind, then reads what waited for it up to its resync's beginning.
    const QString padding(200, QLatin1Char('x'));
    std::vector<Task<int>> burst;
    for (int i = 0; i < 60'000; ++i)
        burst.push_back(rt::spawn(sleepAnHour(), named(QStringLiteral("sleeper %1 ").arg(i) + padding)));
    REQUIRE(runUntil([&] { return burst.back()->state() == rt::TaskState::Running; }, std::chrono::seconds(60)).reached);
    client.readUntil(Client::isType("resync"));
    const std::size_t resyncAt = client.frames.size();

    // Every task ends while the client reads nothing: the probe has sent only what its
    // socket holds and a piece or two beyond (a few MiB, some 10,000 tasks' events).
    for (const Task<int> &t : burst)
        t->cancel();
    REQUIRE(runUntilIdle(loop, std::chrono::seconds(60)).reached);

    // The rest of the resync has the tasks as they are now: ended, most of them as
    // entries of `ended` frames, each task's end in it.
    client.readUntil(Client::isType("snapshot_end"));
    const auto first = qint64(burst.front()->id());
    const auto last = qint64(burst.back()->id());
    std::unordered_set<qint64> asEntries, ended;
    std::size_t notCancelled = 0;
    for (std::size_t i = resyncAt; i < client.frames.size(); ++i) {
        const QJsonObject &f = client.frames[i];
        const QString type = f.value(QLatin1String("type")).toString();
        if (type == QLatin1String("ended")) {
            for (const QJsonValue &entry : f.value(QLatin1String("tasks")).toArray()) {
                const qint64 id = entry.toArray().at(0).toInteger();
                notCancelled += entry.toArray().at(1).toString() != QLatin1String("cancelled");
                asEntries.insert(id);
                ended.insert(id);
            }
        } else if (type == QLatin1String("cancelled")) {
            ended.insert(f.value(QLatin1String("task")).toInteger());
        }
    }
    const auto inBurst = [&](const std::unordered_set<qint64> &ids) {
        return std::count_if(ids.begin(), ids.end(), [&](qint64 id) { return id >= first && id <= last; });
    };
    CHECK(notCancelled == 0);
    CHECK(inBurst(asEntries) >= 30'000);
    CHECK(inBurst(ended) == 60'000);
}

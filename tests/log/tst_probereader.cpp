// The probe's stream (docs/spec/probe-protocol.md) read into a run's task table, as
// `coroscope attach` reads it: frames in pieces, the hello, events, acks, refusals.

#include "log/probereader.h"
#include "log/runrecord.h"

#include <QByteArray>

#include <catch2/catch.hpp>

using namespace coroscope;
using namespace coroscope::log;

namespace {

const QByteArray kHello = QByteArrayLiteral(
    "{\"protocol\":\"coroscope.probe/1\",\"pid\":42,\"program\":\"p.py\",\"argv\":[\"p.py\",\"-v\"],"
    "\"started_at\":\"2026-12-07T11:00:00.123Z\",\"python\":\"3.11.2\"}\n");

QByteArray lines(std::initializer_list<const char *> frames)
{
    QByteArray out;
    for (const char *f : frames)
        out += QByteArray(f) + '\n';
    return out;
}

} // namespace

TEST_CASE("the probe's hello names the program and when its times start")
{
    ProbeReader reader;
    REQUIRE(reader.feed(kHello));
    REQUIRE(reader.hello());
    CHECK(reader.hello()->pid == 42);
    CHECK(reader.hello()->program == QStringLiteral("p.py"));
    CHECK(reader.hello()->argv == QStringList{QStringLiteral("p.py"), QStringLiteral("-v")});
    CHECK(reader.hello()->startedAt.toMSecsSinceEpoch() % 1000 == 123);
}

TEST_CASE("frames cut anywhere across reads are read as whole frames")
{
    const QByteArray stream = kHello + lines({
        R"({"t_ms":1,"task":1,"type":"created","name":"main","op":"task","parent":null,"loop":"main"})",
        R"({"t_ms":2,"task":1,"type":"started"})",
        R"({"type":"snapshot_end"})",
    });
    for (qsizetype piece : {1, 7, 64}) {
        ProbeReader reader;
        for (qsizetype at = 0; at < stream.size(); at += piece)
            REQUIRE(reader.feed(stream.mid(at, piece)));
        CHECK(reader.snapshotDone());
        CHECK(reader.frames() == 4);
        CHECK(reader.batch().events.size() == 2);
    }
}

TEST_CASE("the probe's events become the task table's states, results, errors and reasons")
{
    ProbeReader reader;
    REQUIRE(reader.feed(kHello + lines({
        R"({"t_ms":0.5,"task":1,"type":"created","name":"main","op":"task","parent":null,"loop":"main"})",
        R"({"t_ms":0.6,"task":1,"type":"started"})",
        R"({"t_ms":1,"task":2,"type":"created","name":"sleeper","op":"task","parent":1,"loop":"main"})",
        R"({"t_ms":1.5,"task":2,"type":"started"})",
        R"({"t_ms":1.6,"task":2,"type":"suspended","await":"sleep 2.5s"})",
        R"({"t_ms":1,"task":3,"type":"created","name":"ok","op":"task","parent":1,"loop":"main"})",
        R"({"t_ms":2,"task":3,"type":"started"})",
        R"({"t_ms":3,"task":3,"type":"done","result":{"answer":42}})",
        R"({"t_ms":1,"task":4,"type":"created","name":"bad","op":"task","parent":7,"loop":"main"})",
        R"({"t_ms":2,"task":4,"type":"started"})",
        R"({"t_ms":4,"task":4,"type":"failed","error":"ValueError: boom"})",
        R"({"t_ms":4,"task":1,"type":"suspended","await":"task sleeper","await_task":2})",
        R"({"t_ms":5,"task":2,"type":"callback_added","index":0,"callback":{"kind":"log","message":"hi"}})",
        R"({"t_ms":6,"task":2,"type":"cancel_requested","reason":"task:main"})",
        R"({"t_ms":7,"task":2,"type":"cancelled","reason":"task:main"})",
        R"({"t_ms":8,"task":2,"type":"callback","index":0})",
        R"({"t_ms":90,"task":4,"type":"stall","loop":"main","ms":70})",
        R"({"type":"ack","seq":3})",
        R"({"type":"ack","seq":null,"error":"no task 9"})",
    })));
    RunRecord record(RunRecord::Spool::None);
    record.apply(QStringLiteral("main"), reader.batch());
    REQUIRE(record.taskCount() == 4);

    const auto main = record.task(1);
    CHECK(main->state == rt::TaskState::Running);
    CHECK(main->awaiting == QStringLiteral("task sleeper"));
    const auto sleeper = record.task(2);
    CHECK(sleeper->parent == 1);
    CHECK(sleeper->state == rt::TaskState::Cancelled);
    CHECK(sleeper->cancelReason == QStringLiteral("task:main"));
    REQUIRE(sleeper->callbacks.size() == 1);
    CHECK(sleeper->callbacks[0].description == QStringLiteral(R"({"kind":"log","message":"hi"})"));
    CHECK(sleeper->callbacks[0].firedNs == 8'000'000);
    const auto ok = record.task(3);
    CHECK(ok->state == rt::TaskState::Done);
    CHECK(ok->result == QStringLiteral(R"({"answer":42})"));
    CHECK(ok->finishedNs == 3'000'000);
    const auto bad = record.task(4);
    CHECK(bad->state == rt::TaskState::Failed);
    CHECK(bad->error == QStringLiteral("ValueError: boom"));
    CHECK(bad->parent == 0); // a parent the probe forgot is none
    const auto loops = record.loops();
    REQUIRE(loops.size() == 1);
    REQUIRE(loops[0].stalls.size() == 1);
    CHECK(loops[0].stalls[0].durationNs == 70'000'000);
    CHECK(loops[0].stalls[0].task == 4);

    const std::vector<ProbeAck> acks = reader.takeAcks();
    REQUIRE(acks.size() == 2);
    CHECK(acks[0].seq == 3);
    CHECK(acks[0].error.isEmpty());
    CHECK(!acks[1].seq);
    CHECK(acks[1].error == QStringLiteral("no task 9"));
    CHECK(reader.taskNamed(QStringLiteral("sleeper")) == 2u);
    CHECK(!reader.taskNamed(QStringLiteral("nobody")));
}

TEST_CASE("a sleep the probe names is the journal's sleep; what it cannot name is a future")
{
    ProbeReader reader;
    REQUIRE(reader.feed(kHello + lines({
        R"({"t_ms":0,"task":1,"type":"created","name":"a","op":"task"})",
        R"({"t_ms":0,"task":2,"type":"created","name":"b","op":"task"})",
        R"({"t_ms":0,"task":3,"type":"created","name":"c","op":"task"})",
        R"({"t_ms":1,"task":1,"type":"suspended","await":"sleep 2.5s"})",
        R"({"t_ms":1,"task":2,"type":"suspended","await":"queue.get"})",
        R"({"t_ms":1,"task":3,"type":"suspended","await":"an Event"})",
    })));
    RunRecord record(RunRecord::Spool::None);
    record.apply(QStringLiteral("main"), reader.batch());
    CHECK(record.task(1)->awaiting == QStringLiteral("sleep 2.5s"));
    CHECK(record.task(2)->awaiting == QStringLiteral("queue.get"));
    CHECK(record.task(3)->awaiting == QStringLiteral("future"));
}

TEST_CASE("a malformed stream is refused with the frame that broke it, and nothing after it is read")
{
    struct Case {
        const char *what;
        QByteArray stream;
        const char *message;
    };
    const Case cases[] = {
        {"no hello", lines({R"({"t_ms":1})"}), "frame 1: expected the probe's hello"},
        {"another protocol", lines({R"({"protocol":"coroscope.probe/9","pid":1,"program":"p","started_at":"x"})"}),
         "frame 1: the probe speaks coroscope.probe/9"},
        {"not JSON", kHello + QByteArray("\xff\xfe\n"), "frame 2: not a JSON object"},
        {"not an object", kHello + lines({"[1,2]"}), "frame 2: not a JSON object"},
        {"an event of a task never created", kHello + lines({R"({"t_ms":1,"task":1,"type":"exploded"})"}), "frame 2: task 1 has no created"},
        {"an event before its task", kHello + lines({R"({"t_ms":1,"task":3,"type":"started"})"}),
         "frame 2: task 3 has no created event before it"},
        {"a time out of range", kHello + lines({R"({"t_ms":1e13,"task":1,"type":"created","name":"a","op":"task"})"}),
         "frame 2: t_ms: expected a number"},
        {"a task created twice", kHello + lines({R"({"t_ms":1,"task":1,"type":"created","name":"a","op":"task"})",
                                                 R"({"t_ms":1,"task":1,"type":"created","name":"a","op":"task"})"}),
         "frame 3: task 1 is created twice"},
        {"the probe's own refusal", kHello + lines({R"({"type":"error","message":"bad frame"})"}),
         "frame 2: the probe refused: bad frame"},
        {"a frame over 1 MiB", kHello + QByteArray(ProbeReader::kMaxFrame, 'x') + '\n', "frame 2: longer than 1048576 bytes"},
        {"1 MiB without its newline yet", kHello + QByteArray(ProbeReader::kMaxFrame, 'x'), "frame 2: longer than 1048576 bytes"},
    };
    for (const Case &c : cases) {
        SECTION(c.what)
        {
            ProbeReader reader;
            CHECK_FALSE(reader.feed(c.stream));
            CHECK(reader.failed());
            CHECK(reader.error().startsWith(QLatin1String(c.message)));
            const QString error = reader.error();
            CHECK_FALSE(reader.feed(kHello));
            CHECK(reader.error() == error);
        }
    }
}

TEST_CASE("an unknown event type of a known task is refused by name")
{
    ProbeReader reader;
    CHECK_FALSE(reader.feed(kHello + lines({R"({"t_ms":1,"task":1,"type":"created","name":"a","op":"task"})",
                                             R"({"t_ms":1,"task":1,"type":"exploded"})"})));
    CHECK(reader.error() == QStringLiteral("frame 3: type: unknown event type \"exploded\""));
}

TEST_CASE("a frame of exactly 1 MiB with its newline is read")
{
    ProbeReader reader;
    QByteArray frame = R"({"type":"ack","seq":1,"error":")";
    const QByteArray tail = "\"}\n";
    frame += QByteArray(ProbeReader::kMaxFrame - frame.size() - tail.size(), 'x') + tail;
    REQUIRE(frame.size() == ProbeReader::kMaxFrame);
    CHECK(reader.feed(kHello + frame));
    CHECK(reader.takeAcks().size() == 1);
}

TEST_CASE("a resync brings the tasks the client knows up to date, and creates and ends those it missed")
{
    ProbeReader reader;
    reader.acceptResync();
    REQUIRE(reader.feed(kHello + lines({
        R"({"t_ms":0,"task":1,"type":"created","name":"main","op":"task","parent":null,"loop":"main"})",
        R"({"t_ms":1,"task":1,"type":"started"})",
        R"({"t_ms":1,"task":1,"type":"suspended","await":"sleep 1s"})",
        R"({"t_ms":0,"task":2,"type":"created","name":"b","op":"task","parent":1,"loop":"main"})",
        R"({"t_ms":1,"task":2,"type":"started"})",
        R"({"t_ms":1,"task":2,"type":"suspended","await":"queue.get"})",
        R"({"t_ms":0,"task":3,"type":"created","name":"c","op":"task","parent":1,"loop":"main"})",
        R"({"t_ms":2,"task":3,"type":"cancel_requested","reason":"task:main"})",
        R"({"type":"snapshot_end"})",
        // It fell behind; what it missed:
        R"({"type":"resync"})",
        R"({"t_ms":0,"task":1,"type":"created","name":"main","op":"task","parent":null,"loop":"main"})",
        R"({"t_ms":1,"task":1,"type":"started"})",
        R"({"t_ms":8,"task":1,"type":"suspended","await":"gather 2"})",
        R"({"type":"ended","tasks":[[2,"done",9,null,"b",1,0],[3,"cancelled",9.5,"task:main","c",1,0]]})",
        R"({"t_ms":5,"task":4,"type":"created","name":"new","op":"task","parent":1,"loop":"main"})",
        R"({"t_ms":6,"task":4,"type":"started"})",
        R"({"t_ms":6,"task":4,"type":"suspended","await":"sleep 2s"})",
        R"({"type":"ended","tasks":[[5,"failed",7,null,"missed",1,5.5]]})",
        R"({"type":"snapshot_end"})",
        R"({"type":"ack","seq":4})",
        R"({"t_ms":10,"task":4,"type":"resumed"})",
        R"({"t_ms":10,"task":4,"type":"done","result":7})",
    })));
    CHECK(reader.resyncs() == 1);
    RunRecord record(RunRecord::Spool::None);
    record.apply(QStringLiteral("main"), reader.batch());
    REQUIRE(record.taskCount() == 5);
    CHECK(record.task(1)->state == rt::TaskState::Running);
    CHECK(record.task(1)->awaiting == QStringLiteral("gather 2"));
    CHECK(record.task(1)->startedNs == 1'000'000);
    CHECK(record.task(2)->state == rt::TaskState::Done);
    CHECK(record.task(2)->finishedNs == 9'000'000);
    CHECK(record.task(3)->state == rt::TaskState::Cancelled);
    CHECK(record.task(3)->cancelReason == QStringLiteral("task:main"));
    CHECK(record.task(4)->state == rt::TaskState::Done);
    const auto missed = record.task(5);
    CHECK(missed->name == QStringLiteral("missed"));
    CHECK(missed->parent == 1);
    CHECK(missed->createdNs == 5'500'000);
    CHECK(missed->state == rt::TaskState::Failed);
    CHECK(reader.takeAcks().size() == 1);
}

TEST_CASE("tasks numbered far apart are known by their ids, and an id between them never created stays unknown")
{
    // 1048600 comes first, above what the reader keeps in its array for one task; 1048590
    // makes the array grow past it; 2^53 stays above it.
    ProbeReader reader;
    REQUIRE(reader.feed(kHello + lines({
        R"({"t_ms":0,"task":1048600,"type":"created","name":"far","op":"task","parent":null,"loop":"main"})",
        R"({"t_ms":1,"task":1048600,"type":"started"})",
        R"({"t_ms":1,"task":1,"type":"created","name":"a","op":"task","parent":1048600,"loop":"main"})",
        R"({"t_ms":1,"task":1048590,"type":"created","name":"near","op":"task","parent":1048600,"loop":"main"})",
        R"({"t_ms":1,"task":9007199254740992,"type":"created","name":"top","op":"task","parent":1,"loop":"main"})",
        R"({"type":"snapshot_end"})",
        R"({"t_ms":2,"task":1048600,"type":"done","result":null})",
        R"({"t_ms":2,"task":1048590,"type":"started"})",
        R"({"t_ms":3,"task":9007199254740992,"type":"started"})",
        R"({"t_ms":3,"task":1,"type":"cancelled","reason":"task:far"})",
    })));
    RunRecord record(RunRecord::Spool::None);
    record.apply(QStringLiteral("main"), reader.batch());
    REQUIRE(record.taskCount() == 4);
    CHECK(record.task(1)->state == rt::TaskState::Cancelled);
    CHECK(record.task(1)->cancelReason == QStringLiteral("task:far"));
    CHECK(record.task(2)->name == QStringLiteral("near"));
    CHECK(record.task(2)->parent == 3);
    CHECK(record.task(2)->state == rt::TaskState::Running);
    CHECK(record.task(3)->state == rt::TaskState::Done);
    CHECK(record.task(4)->parent == 1);
    CHECK(record.task(4)->state == rt::TaskState::Running);

    ProbeReader twice = reader;
    CHECK_FALSE(twice.feed(lines({R"({"t_ms":4,"task":1048600,"type":"created","name":"far","op":"task","parent":null,"loop":"main"})"})));
    CHECK(twice.error() == QStringLiteral("frame 12: task 1048600 is created twice"));
    CHECK_FALSE(reader.feed(lines({R"({"t_ms":4,"task":1048599,"type":"started"})"})));
    CHECK(reader.error() == QStringLiteral("frame 12: task 1048599 has no created event before it"));
}

TEST_CASE("the events the C++ probe sends most are read as the same events written any other way")
{
    // The first of each pair is read without a JSON document (ProbeReader::eventFast),
    // the second, with spaces or escapes, with one; both give the same journal events.
    const std::vector<std::pair<const char *, const char *>> pairs = {
        {R"({"t_ms":0.5,"task":1,"type":"created","name":"main","op":"task","parent":null,"loop":"main"})",
         R"({"t_ms": 0.5, "task": 1, "type": "created", "name": "main", "op": "task", "parent": null, "loop": "main"})"},
        {R"({"t_ms":0.75,"task":2,"type":"created","name":"w","op":"task","parent":1,"loop":"main"})",
         R"({"t_ms":0.75,"task":2,"type":"created","name":"\u0077","op":"task","parent":1,"loop":"main"})"},
        {R"({"t_ms":1,"task":1,"type":"started"})", R"({"t_ms":1, "task":1,"type":"started"})"},
        {R"({"t_ms":1.5,"task":2,"type":"started"})", R"({"t_ms":1.5, "task":2,"type":"started"})"},
        {R"({"t_ms":2,"task":2,"type":"suspended","await":"sleep 1.5s"})",
         R"({"t_ms":2,"task":2,"type":"suspended","await":"sleep 1.5\u0073"})"},
        {R"({"t_ms":2.5,"task":1,"type":"suspended","await":"task w","await_task":2})",
         R"({"t_ms":2.5,"task":1,"type":"suspended","await":"task w", "await_task":2})"},
        {R"({"t_ms":3.5,"task":2,"type":"resumed"})", R"({"t_ms":3.5,"task":2,"type":"resumed" })"},
        {R"({"t_ms":3.75,"task":2,"type":"done","result":null})", R"({"t_ms":3.75,"task":2,"type":"done","result": null})"},
    };
    std::vector<rt::JournalBatch> batches;
    for (const bool compact : {true, false}) {
        QByteArray bytes = kHello;
        for (const auto &[fast, general] : pairs)
            bytes += QByteArray(compact ? fast : general) + '\n';
        ProbeReader reader;
        REQUIRE(reader.feed(bytes));
        batches.push_back(reader.batch());
    }
    REQUIRE(batches[0].events.size() == pairs.size());
    REQUIRE(batches[1].events.size() == pairs.size());
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        const rt::Event &a = batches[0].events[i];
        const rt::Event &b = batches[1].events[i];
        INFO(i);
        CHECK(a.type == b.type);
        CHECK(a.tNs == b.tNs);
        CHECK(a.task == b.task);
        CHECK(a.arg == b.arg);
        CHECK(a.kind == b.kind);
        CHECK(batches[0].text(a) == batches[1].text(b));
    }
    CHECK(batches[0].events[5].arg == 2); // awaits task 2
    CHECK(batches[0].events[4].kind == std::uint8_t(rt::AwaitKind::Sleep));
}

TEST_CASE("an ended frame as the probes write it is read as the same frame written any other way")
{
    // The first is read without a JSON document (ProbeReader::endedFast), the others,
    // with spaces, escapes, exponents or a name that is not ASCII, with one.
    const char *const compact
        = R"({"type":"ended","tasks":[[2,"done",9.25,null,"b",1,0.5],[3,"cancelled",1e1,"task:main","c d",null,0],[4,"failed",10,null,"",1,2]]})";
    const char *const spaced
        = R"({ "type": "ended", "tasks": [ [2, "done", 9.25, null, "b", 1, 0.5], [3, "cancelled", 10, "task:main", "c\u0020d", null, 0], [4, "failed", 1.0E1, null, "", 1, 2] ] })";
    const char *const nonAscii
        = R"({"type":"ended","tasks":[[2,"done",9.25,null,"b",1,0.5],[3,"cancelled",10,"task:main","c d",null,0],[4,"failed",10,null,"",1,2],[5,"done",1,null,"é",null,0]]})";
    std::vector<std::vector<std::tuple<std::uint64_t, rt::TaskState, std::optional<std::int64_t>, QString, QString, std::uint64_t, std::int64_t>>> tables;
    for (const char *frame : {compact, spaced, nonAscii}) {
        ProbeReader reader;
        reader.acceptResync();
        REQUIRE(reader.feed(kHello + lines({
            R"({"t_ms":0,"task":1,"type":"created","name":"main","op":"task","parent":null,"loop":"main"})",
            R"({"t_ms":0,"task":2,"type":"created","name":"b","op":"task","parent":1,"loop":"main"})",
            R"({"type":"snapshot_end"})",
            R"({"type":"resync"})",
            frame,
            R"({"type":"snapshot_end"})",
        })));
        RunRecord record(RunRecord::Spool::None);
        record.apply(QStringLiteral("main"), reader.batch());
        auto &rows = tables.emplace_back();
        for (std::uint64_t id = 2; id <= 4; ++id) {
            const auto t = record.task(record.localId(id));
            REQUIRE(t);
            rows.emplace_back(id, t->state, t->finishedNs, t->cancelReason, t->name, t->parent, t->createdNs);
        }
    }
    CHECK(tables[0] == tables[1]);
    CHECK(tables[0] == tables[2]);
    CHECK(std::get<1>(tables[0][0]) == rt::TaskState::Done);
    CHECK(std::get<2>(tables[0][0]) == 9'250'000);
    CHECK(std::get<1>(tables[0][1]) == rt::TaskState::Cancelled);
    CHECK(std::get<3>(tables[0][1]) == QStringLiteral("task:main"));
    CHECK(std::get<4>(tables[0][1]) == QStringLiteral("c d"));
    CHECK(std::get<1>(tables[0][2]) == rt::TaskState::Failed);
    CHECK(std::get<6>(tables[0][2]) == 2'000'000);
}

TEST_CASE("a resync's ended entry of a task already ended changes nothing, and once it is over a task created twice is refused")
{
    ProbeReader reader;
    reader.acceptResync();
    const bool ok = reader.feed(kHello + lines({
        R"({"t_ms":0,"task":1,"type":"created","name":"a","op":"task"})",
        R"({"t_ms":1,"task":1,"type":"done","result":1})",
        R"({"type":"snapshot_end"})",
        R"({"type":"resync"})",
        R"({"t_ms":0,"task":1,"type":"created","name":"a","op":"task"})",
        R"({"t_ms":1,"task":1,"type":"done","result":1})",
        R"({"type":"ended","tasks":[[1,"failed",3,null,"a",null,0]]})",
        R"({"type":"snapshot_end"})",
        R"({"t_ms":0,"task":1,"type":"created","name":"a","op":"task"})",
    }));
    CHECK_FALSE(ok);
    CHECK(reader.error() == QStringLiteral("frame 10: task 1 is created twice"));
    RunRecord record(RunRecord::Spool::None);
    record.apply(QStringLiteral("main"), reader.batch());
    CHECK(reader.batch().events.size() == 2); // created, done: nothing of the resync
    CHECK(record.task(1)->state == rt::TaskState::Done);
    CHECK(record.task(1)->result == QStringLiteral("1"));
}

TEST_CASE("a resync is refused unless asked for, before the snapshot's end, and its ended frames unless well formed")
{
    const QByteArray attached = kHello + lines({R"({"type":"snapshot_end"})"});
    struct Case {
        const char *what;
        bool asked;
        QByteArray stream;
        const char *message;
    };
    const Case cases[] = {
        {"a resync not asked for", false, attached + lines({R"({"type":"resync"})"}),
         "frame 3: resync: this client did not ask for it"},
        {"a resync before the snapshot's end", true, kHello + lines({R"({"type":"resync"})"}),
         "frame 2: resync: before the snapshot's end"},
        {"a resync inside a resync", true, attached + lines({R"({"type":"resync"})", R"({"type":"resync"})"}),
         "frame 4: resync: before the snapshot's end"},
        {"ended outside a resync", true, attached + lines({R"({"type":"ended","tasks":[]})"}),
         "frame 3: ended: outside a resync's snapshot"},
        {"ended after the resync's snapshot", true,
         attached + lines({R"({"type":"resync"})", R"({"type":"snapshot_end"})", R"({"type":"ended","tasks":[]})"}),
         "frame 5: ended: outside a resync's snapshot"},
        {"tasks not an array", true, attached + lines({R"({"type":"resync"})", R"({"type":"ended","tasks":{}})"}),
         "frame 4: ended: tasks: expected an array"},
        {"an entry too short", true, attached + lines({R"({"type":"resync"})", R"({"type":"ended","tasks":[[1,"done",1]]})"}),
         "frame 4: ended: task 0: expected [id, state, t_ms, reason, name, parent, created t_ms]"},
        {"an entry not an array", true, attached + lines({R"({"type":"resync"})", R"({"type":"ended","tasks":[7]})"}),
         "frame 4: ended: task 0: expected [id"},
        {"an id that is not one", true,
         attached + lines({R"({"type":"resync"})", R"({"type":"ended","tasks":[[0,"done",1,null,"a",null,0]]})"}),
         "frame 4: ended: task 0: id: expected a task id"},
        {"an unknown state", true,
         attached + lines({R"({"type":"resync"})", R"({"type":"ended","tasks":[[1,"running",1,null,"a",null,0]]})"}),
         "frame 4: ended: task 0: state: expected done, failed or cancelled"},
        {"a time out of range", true,
         attached + lines({R"({"type":"resync"})", R"({"type":"ended","tasks":[[1,"done",-1,null,"a",null,0]]})"}),
         "frame 4: ended: task 0: t_ms: expected a number"},
        {"a reason for a task that was not cancelled", true,
         attached + lines({R"({"type":"resync"})", R"({"type":"ended","tasks":[[1,"done",1,"user","a",null,0]]})"}),
         "frame 4: ended: task 0: reason: expected a string for a cancelled task, else null"},
        {"a name that is not a string", true,
         attached + lines({R"({"type":"resync"})", R"({"type":"ended","tasks":[[1,"done",1,null,5,null,0]]})"}),
         "frame 4: ended: task 0: name: expected a string"},
        {"a bad parent in a later entry", true,
         attached + lines({R"({"type":"resync"})", R"({"type":"ended","tasks":[[1,"done",1,null,"a",null,0],[2,"done",1,null,"b","x",0]]})"}),
         "frame 4: ended: task 1: parent: expected a task id or null"},
    };
    for (const Case &c : cases) {
        SECTION(c.what)
        {
            ProbeReader reader;
            if (c.asked)
                reader.acceptResync();
            CHECK_FALSE(reader.feed(c.stream));
            INFO(reader.error().toStdString());
            CHECK(reader.error().startsWith(QLatin1String(c.message)));
            CHECK(reader.batch().events.empty()); // a refused ended frame applies none of its entries
        }
    }
}

TEST_CASE("the hello says whether the probe can resync a client that falls behind")
{
    ProbeReader old;
    REQUIRE(old.feed(kHello));
    CHECK_FALSE(old.hello()->resync);
    ProbeReader offered;
    QByteArray hello = kHello;
    hello.replace("\"python\":\"3.11.2\"}", "\"python\":\"3.11.2\",\"resync\":true}");
    REQUIRE(offered.feed(hello));
    CHECK(offered.hello()->resync);
}

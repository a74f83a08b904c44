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

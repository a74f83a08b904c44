// The interpreter, one op and one rule at a time: each test runs a small set on the
// runtime and reads what happened from the loops' journals, as the log writers do.

#include "support/looprunner.h"
#include "taskset/builtins.h"
#include "taskset/tasksetrun.h"

#include "journal/optag.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <catch2/catch.hpp>

#include <map>

using namespace coroscope;
using namespace coroscope::testing;
using namespace std::chrono_literals;
using rt::CancelKind;
using rt::EventType;

namespace {

struct Seen {
    std::uint64_t id = 0;
    std::uint64_t parent = 0;
    std::uint64_t origin = 0;
    QString loop;
    std::uint8_t tag = 0;
    QString state = QStringLiteral("pending");
    QString result;
    QString error;
    CancelKind reason = CancelKind::None;
    std::uint64_t cancelledBy = 0;
    bool started = false;
    double createdMs = 0;
    double finishedMs = -1;
    std::vector<QString> callbacksAdded;
    std::vector<std::uint64_t> callbacksFired;
};

struct RunResult {
    std::map<QString, Seen> byName;
    std::map<std::uint64_t, QString> nameOf;
    std::vector<QString> creationOrder;
    std::vector<rt::Event> stalls;

    const Seen &operator[](const QString &name) const
    {
        auto it = byName.find(name);
        if (it == byName.end())
            FAIL("no task named " << name.toStdString());
        return it->second;
    }
    [[nodiscard]] bool has(const QString &name) const { return byName.count(name) != 0; }
    [[nodiscard]] QJsonValue resultOf(const QString &name) const
    {
        return QJsonDocument::fromJson("[" + (*this)[name].result.toUtf8() + "]").array().at(0);
    }
};

taskset::TaskSet parse(const char *json)
{
    auto parsed = taskset::parseTaskSet(QByteArray(json), QStringLiteral("test.json"));
    if (!parsed.ok()) {
        for (const auto &d : parsed.errors)
            UNSCOPED_INFO(d.toString().toStdString());
        FAIL("the test's task set does not parse");
    }
    return *parsed.set;
}

RunResult runSet(const char *json, std::chrono::milliseconds timeout = 10s)
{
    rt::Loop loop(QStringLiteral("main"));
    taskset::TaskSetRun run(parse(json), loop);
    bool finished = false;
    QObject::connect(&run, &taskset::TaskSetRun::finished, [&] { finished = true; });
    run.start();
    REQUIRE(runUntil([&] { return finished; }, timeout).reached);

    RunResult r;
    std::vector<std::pair<QString, rt::Event>> all;
    std::vector<std::pair<QString, rt::JournalBatch>> batches;
    for (const auto &j : run.journals()) {
        rt::JournalBatch b;
        j.loop->journal().publish();
        j.loop->journal().drain(b);
        batches.emplace_back(j.name, std::move(b));
    }
    for (auto &[loopName, b] : batches) {
        for (const rt::Event &e : b.events) {
            if (e.type == EventType::Created) {
                Seen s;
                s.id = e.task;
                s.parent = e.arg;
                s.origin = e.arg2;
                s.tag = e.kind;
                s.loop = journal::runsOnPool(e.kind) ? QStringLiteral("pool") : loopName;
                s.createdMs = double(e.tNs - run.startNs()) / 1e6;
                r.nameOf[e.task] = b.text(e);
                r.byName[b.text(e)] = s;
            }
        }
    }
    for (const auto &[id, name] : r.nameOf)
        r.creationOrder.push_back(name);
    for (auto &[loopName, b] : batches) {
        for (const rt::Event &e : b.events) {
            if (e.type == EventType::Stall) {
                r.stalls.push_back(e);
                continue;
            }
            if (!r.nameOf.count(e.task))
                continue;
            Seen &s = r.byName[r.nameOf[e.task]];
            switch (e.type) {
            case EventType::Started: s.started = true; s.state = QStringLiteral("running"); break;
            case EventType::Done:
                s.state = QStringLiteral("done");
                s.result = b.text(e);
                s.finishedMs = double(e.tNs - run.startNs()) / 1e6;
                break;
            case EventType::Failed:
                s.state = QStringLiteral("failed");
                s.error = b.text(e);
                s.finishedMs = double(e.tNs - run.startNs()) / 1e6;
                break;
            case EventType::Cancelled:
                s.state = QStringLiteral("cancelled");
                s.reason = CancelKind(e.kind);
                s.cancelledBy = e.arg;
                s.finishedMs = double(e.tNs - run.startNs()) / 1e6;
                break;
            case EventType::CallbackAdded: s.callbacksAdded.push_back(b.text(e)); break;
            case EventType::Callback: s.callbacksFired.push_back(e.arg); break;
            default: break;
            }
        }
    }
    return r;
}

} // namespace

TEST_CASE("sleep returns its result, or its seconds by default")
{
    const auto r = runSet(R"({"format":"coroscope.taskset/1","name":"t","tasks":[
        {"op":"sleep","name":"a","seconds":0.05,"result":{"k":[1,"x"]}},
        {"op":"sleep","name":"b","seconds":0.02}]})");
    CHECK(r.resultOf(QStringLiteral("a")) == QJsonObject{{QStringLiteral("k"), QJsonArray{1, QStringLiteral("x")}}});
    CHECK(r.resultOf(QStringLiteral("b")).toDouble() == 0.02);
    CHECK(r[QStringLiteral("a")].finishedMs >= 50.0);
}

TEST_CASE("fail ends failed with its message after its seconds")
{
    const auto r = runSet(R"({"format":"coroscope.taskset/1","name":"t","tasks":[
        {"op":"fail","name":"f","seconds":0.03,"message":"boom"}]})");
    CHECK(r[QStringLiteral("f")].state == QStringLiteral("failed"));
    CHECK(r[QStringLiteral("f")].error == QStringLiteral("boom"));
    CHECK(r[QStringLiteral("f")].finishedMs >= 30.0);
}

TEST_CASE("cpu on the pool runs in parallel; inline on the loop it stalls the loop")
{
    const auto r = runSet(R"({"format":"coroscope.taskset/1","name":"t","tasks":[
        {"op":"gather","name":"g","children":[
            {"op":"cpu","name":"p1","work_ms":200},{"op":"cpu","name":"p2","work_ms":200}]},
        {"op":"cpu","name":"inline","work_ms":80,"where":"loop"}]})");
    CHECK(r[QStringLiteral("p1")].loop == QStringLiteral("pool"));
    CHECK(r[QStringLiteral("inline")].loop == QStringLiteral("main"));
    CHECK(r.resultOf(QStringLiteral("p1")).toDouble() == 200.0);
    CHECK(r[QStringLiteral("g")].finishedMs < 390.0); // serial would be >= 400 ms
    REQUIRE(r.stalls.size() == 1);
    CHECK(r.stalls[0].task == r[QStringLiteral("inline")].id);
}

TEST_CASE("block stalls the loop and the stall names the blocking task")
{
    const auto r = runSet(R"({"format":"coroscope.taskset/1","name":"t","tasks":[
        {"op":"block","name":"bad","seconds":0.1},
        {"op":"sleep","name":"victim","seconds":0.01}]})");
    REQUIRE(r.stalls.size() == 1);
    CHECK(r.stalls[0].task == r[QStringLiteral("bad")].id);
    CHECK(r[QStringLiteral("victim")].finishedMs >= 100.0);
    CHECK(r.resultOf(QStringLiteral("bad")).toDouble() == 0.1);
}

TEST_CASE("gather gives results in order; return_exceptions turns errors into values")
{
    const auto r = runSet(R"({"format":"coroscope.taskset/1","name":"t","tasks":[
        {"op":"gather","name":"g","children":[
            {"op":"sleep","seconds":0.06,"result":1},{"op":"sleep","seconds":0.02,"result":2}]},
        {"op":"gather","name":"rx","return_exceptions":true,"children":[
            {"op":"sleep","seconds":0.01,"result":"ok"},
            {"op":"fail","message":"bad"},
            {"op":"sleep","name":"victim","seconds":5}]},
        {"op":"cancel","target":"victim","after":0.02}]})");
    CHECK(r.resultOf(QStringLiteral("g")) == QJsonArray{1, 2});
    CHECK(r.resultOf(QStringLiteral("rx")) ==
          QJsonArray{QStringLiteral("ok"), QJsonObject{{QStringLiteral("error"), QStringLiteral("bad")}},
                     QJsonObject{{QStringLiteral("error"), QStringLiteral("cancelled")}}});
}

TEST_CASE("a gather with a failing child fails, and its other children keep running")
{
    const auto r = runSet(R"({"format":"coroscope.taskset/1","name":"t","tasks":[
        {"op":"gather","name":"g","children":[
            {"op":"sleep","name":"slow","seconds":0.1},{"op":"fail","name":"f","seconds":0.02,"message":"x"}]}]})");
    CHECK(r[QStringLiteral("g")].state == QStringLiteral("failed"));
    CHECK(r[QStringLiteral("g")].error == QStringLiteral("x"));
    CHECK(r[QStringLiteral("slow")].state == QStringLiteral("done"));
    CHECK(r[QStringLiteral("g")].finishedMs < r[QStringLiteral("slow")].finishedMs);
}

TEST_CASE("wait returns the names of done and pending children and leaves the pending running")
{
    const auto r = runSet(R"({"format":"coroscope.taskset/1","name":"t","tasks":[
        {"op":"wait","name":"w","return_when":"FIRST_COMPLETED","children":[
            {"op":"sleep","name":"fast","seconds":0.01},{"op":"sleep","name":"slow","seconds":0.08}]},
        {"op":"wait","name":"wt","timeout":0.03,"children":[
            {"op":"sleep","name":"in","seconds":0.01},{"op":"sleep","name":"out","seconds":0.08}]}]})");
    CHECK(r.resultOf(QStringLiteral("w")) ==
          QJsonObject{{QStringLiteral("done"), QJsonArray{QStringLiteral("fast")}},
                      {QStringLiteral("pending"), QJsonArray{QStringLiteral("slow")}}});
    CHECK(r.resultOf(QStringLiteral("wt")) ==
          QJsonObject{{QStringLiteral("done"), QJsonArray{QStringLiteral("in")}},
                      {QStringLiteral("pending"), QJsonArray{QStringLiteral("out")}}});
    CHECK(r[QStringLiteral("slow")].state == QStringLiteral("done"));
    CHECK(r[QStringLiteral("out")].state == QStringLiteral("done"));
}

TEST_CASE("as_completed gives results in completion order and fails with timeout")
{
    const auto r = runSet(R"({"format":"coroscope.taskset/1","name":"t","tasks":[
        {"op":"as_completed","name":"ac","children":[
            {"op":"sleep","seconds":0.06,"result":"c"},{"op":"sleep","seconds":0.02,"result":"a"},
            {"op":"sleep","seconds":0.04,"result":"b"}]},
        {"op":"as_completed","name":"late","timeout":0.03,"children":[
            {"op":"sleep","seconds":0.01,"result":1},{"op":"sleep","name":"keeps-running","seconds":0.08}]}]})");
    CHECK(r.resultOf(QStringLiteral("ac")) == QJsonArray{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")});
    CHECK(r[QStringLiteral("late")].state == QStringLiteral("failed"));
    CHECK(r[QStringLiteral("late")].error == QStringLiteral("timeout"));
    CHECK(r[QStringLiteral("keeps-running")].state == QStringLiteral("done"));
}

TEST_CASE("wait_for's timeout cancels the child with reason timeout and fails with timeout")
{
    const auto r = runSet(R"({"format":"coroscope.taskset/1","name":"t","tasks":[
        {"op":"wait_for","name":"wf","timeout":0.02,"child":{"op":"sleep","name":"c","seconds":5}},
        {"op":"wait_for","name":"zero","timeout":0,"child":{"op":"sleep","name":"never","seconds":0.01}},
        {"op":"wait_for","name":"ok","timeout":1,"child":{"op":"sleep","seconds":0.01,"result":7}}]})");
    CHECK(r[QStringLiteral("wf")].error == QStringLiteral("timeout"));
    CHECK(r[QStringLiteral("c")].state == QStringLiteral("cancelled"));
    CHECK(r[QStringLiteral("c")].reason == CancelKind::Timeout);
    CHECK_FALSE(r[QStringLiteral("never")].started);
    CHECK(r[QStringLiteral("never")].reason == CancelKind::Timeout);
    CHECK(r.resultOf(QStringLiteral("ok")).toDouble() == 7.0);
}

TEST_CASE("sequence runs children one after another and stops at the first failure")
{
    const auto r = runSet(R"({"format":"coroscope.taskset/1","name":"t","tasks":[
        {"op":"sequence","name":"s","children":[
            {"op":"sleep","name":"one","seconds":0.02,"result":1},
            {"op":"fail","name":"two","message":"stop"},
            {"op":"sleep","name":"three","seconds":0.01}]}]})");
    CHECK(r[QStringLiteral("s")].error == QStringLiteral("stop"));
    CHECK(r[QStringLiteral("two")].createdMs >= r[QStringLiteral("one")].finishedMs);
    CHECK_FALSE(r.has(QStringLiteral("three")));
}

TEST_CASE("a queue's producers and consumers pass every item, then the consumers are cancelled")
{
    const auto r = runSet(R"({"format":"coroscope.taskset/1","name":"t","tasks":[
        {"op":"queue","name":"q","capacity":2,"producers":2,"consumers":3,"items":9,
         "produce_seconds":0.005,"consume_seconds":0.01}]})");
    CHECK(r.resultOf(QStringLiteral("q")).toDouble() == 9.0);
    CHECK(r[QStringLiteral("q.producer-1")].state == QStringLiteral("done"));
    CHECK(r[QStringLiteral("q.producer-2")].result == QStringLiteral("null"));
    CHECK(journal::opOfTag(r[QStringLiteral("q.producer-1")].tag) == journal::OpTag::Producer);
    for (const char *c : {"q.consumer-1", "q.consumer-2", "q.consumer-3"}) {
        CHECK(r[QString::fromLatin1(c)].state == QStringLiteral("cancelled"));
        CHECK(r[QString::fromLatin1(c)].reason == CancelKind::Parent);
    }
}

TEST_CASE("a threadsafe child runs on the worker loop and its result comes back")
{
    const auto r = runSet(R"({"format":"coroscope.taskset/1","name":"t","tasks":[
        {"op":"threadsafe","name":"ts","child":{"op":"gather","name":"remote","children":[
            {"op":"sleep","name":"r1","seconds":0.02,"result":"x"}]}}]})");
    CHECK(r[QStringLiteral("remote")].loop == QStringLiteral("worker"));
    CHECK(r[QStringLiteral("r1")].loop == QStringLiteral("worker"));
    CHECK(r[QStringLiteral("ts")].loop == QStringLiteral("main"));
    CHECK(r[QStringLiteral("remote")].parent == r[QStringLiteral("ts")].id);
    CHECK(r.resultOf(QStringLiteral("ts")) == QJsonArray{QStringLiteral("x")});
}

TEST_CASE("a cancel node cancels its target with reason task and answers whether it could")
{
    const auto r = runSet(R"({"format":"coroscope.taskset/1","name":"t","tasks":[
        {"op":"sleep","name":"victim","seconds":5},
        {"op":"cancel","name":"killer","target":"victim","after":0.02},
        {"op":"sleep","name":"quick","seconds":0.001},
        {"op":"cancel","name":"too-late","target":"quick","after":0.03}]})");
    CHECK(r[QStringLiteral("victim")].state == QStringLiteral("cancelled"));
    CHECK(r[QStringLiteral("victim")].reason == CancelKind::Task);
    CHECK(r[QStringLiteral("victim")].cancelledBy == r[QStringLiteral("killer")].id);
    CHECK(r.resultOf(QStringLiteral("killer")) == QJsonValue(true));
    CHECK(r.resultOf(QStringLiteral("too-late")) == QJsonValue(false));
}

TEST_CASE("cancelling a gather cancels its subtree with reason parent")
{
    const auto r = runSet(R"({"format":"coroscope.taskset/1","name":"t","tasks":[
        {"op":"gather","name":"tree","children":[
            {"op":"sleep","name":"leaf","seconds":5},
            {"op":"sequence","name":"branch","children":[{"op":"sleep","name":"deep","seconds":5}]}]},
        {"op":"cancel","name":"c","target":"tree","after":0.02}]})");
    CHECK(r[QStringLiteral("tree")].reason == CancelKind::Task);
    for (const char *n : {"leaf", "branch", "deep"})
        CHECK(r[QString::fromLatin1(n)].reason == CancelKind::Parent);
}

TEST_CASE("repeat names its copies and gathers them, or returns the count at once")
{
    const auto r = runSet(R"({"format":"coroscope.taskset/1","name":"t","seed":3,"tasks":[
        {"op":"repeat","name":"r","count":3,"task":{"op":"sleep","seconds":{"uniform":[0.01,0.03]}}},
        {"op":"repeat","name":"n","count":2,"await":"none","task":{"op":"sleep","seconds":0.03}},
        {"op":"repeat","name":"outer","count":2,"task":{"op":"repeat","count":2,"task":{"op":"sleep","seconds":0}}}]})");
    REQUIRE(r.has(QStringLiteral("r[2]")));
    const QJsonArray results = r.resultOf(QStringLiteral("r")).toArray();
    REQUIRE(results.size() == 3);
    for (const auto &v : results) {
        CHECK(v.toDouble() >= 0.01);
        CHECK(v.toDouble() <= 0.03);
    }
    CHECK(results[0] != results[1]); // each copy draws its own duration
    CHECK(r.resultOf(QStringLiteral("n")).toDouble() == 2.0);
    CHECK(r[QStringLiteral("n")].finishedMs < r[QStringLiteral("n[1]")].finishedMs);
    CHECK(r.has(QStringLiteral("outer[1][0]")));
}

TEST_CASE("callbacks fire once each in order; a spawn callback's task has the finished task as origin")
{
    const auto r = runSet(R"({"format":"coroscope.taskset/1","name":"t","tasks":[
        {"op":"fail","name":"f","seconds":0.01,"message":"x","callbacks":[
            {"kind":"log","message":"ended"},{"kind":"partial","args":[2,"x"]},
            {"kind":"spawn","task":{"op":"sleep","name":"follow-up","seconds":0.01}}]}]})");
    const Seen &f = r[QStringLiteral("f")];
    REQUIRE(f.callbacksAdded.size() == 3);
    CHECK(f.callbacksAdded[0] == QStringLiteral(R"({"kind":"log","message":"ended"})"));
    CHECK(f.callbacksAdded[1] == QStringLiteral(R"({"args":[2,"x"],"kind":"partial"})"));
    CHECK(f.callbacksFired == std::vector<std::uint64_t>{0, 1, 2});
    CHECK(r[QStringLiteral("follow-up")].origin == f.id);
    CHECK(r[QStringLiteral("follow-up")].parent == 0);
    CHECK(r[QStringLiteral("follow-up")].state == QStringLiteral("done"));
}

TEST_CASE("a deadline cancels every unfinished task, and a task made after it never starts")
{
    const auto r = runSet(R"({"format":"coroscope.taskset/1","name":"t","deadline":0.05,"tasks":[
        {"op":"gather","name":"g","children":[{"op":"sleep","name":"long","seconds":5}]},
        {"op":"sleep","name":"short","seconds":0.01},
        {"op":"sleep","name":"cut","seconds":5,"callbacks":[
            {"kind":"spawn","task":{"op":"sleep","name":"after-deadline","seconds":0.01}}]}]})");
    CHECK(r[QStringLiteral("short")].state == QStringLiteral("done"));
    for (const char *n : {"g", "long", "cut", "after-deadline"}) {
        CHECK(r[QString::fromLatin1(n)].state == QStringLiteral("cancelled"));
        CHECK(r[QString::fromLatin1(n)].reason == CancelKind::Deadline);
    }
    CHECK_FALSE(r[QStringLiteral("after-deadline")].started);
}

TEST_CASE("ids follow creation order: top-level tasks first, then children as parents run")
{
    const auto r = runSet(R"({"format":"coroscope.taskset/1","name":"t","tasks":[
        {"op":"gather","name":"a","children":[{"op":"sleep","name":"a1","seconds":0}]},
        {"op":"sleep","name":"b","seconds":0}]})");
    CHECK(r.creationOrder == std::vector{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("a1")});
}

TEST_CASE("unnamed tasks are named <op>#<id> in creation order")
{
    const auto r = runSet(R"({"format":"coroscope.taskset/1","name":"t","tasks":[
        {"op":"gather","children":[{"op":"sleep","seconds":0}]},{"op":"sleep","seconds":0}]})");
    CHECK(r.creationOrder == std::vector{QStringLiteral("gather#1"), QStringLiteral("sleep#2"), QStringLiteral("sleep#3")});
}

TEST_CASE("a task set can only name the spec's ops: nothing runs commands, opens sockets or writes files")
{
    // The whole vocabulary: the thirteen ops of coroscope.taskset/1, nothing else.
    const std::vector<QString> allowed{QStringLiteral("sleep"),    QStringLiteral("fail"),         QStringLiteral("cpu"),
                                       QStringLiteral("block"),    QStringLiteral("gather"),       QStringLiteral("wait"),
                                       QStringLiteral("as_completed"), QStringLiteral("wait_for"), QStringLiteral("sequence"),
                                       QStringLiteral("queue"),    QStringLiteral("threadsafe"),   QStringLiteral("cancel"),
                                       QStringLiteral("repeat")};
    for (int op = 0; op <= int(taskset::Op::Repeat); ++op)
        CHECK(std::find(allowed.begin(), allowed.end(), taskset::opName(taskset::Op(op))) != allowed.end());
    for (const char *dangerous : {"shell", "exec", "system", "spawn_process", "http", "connect", "socket", "open",
                                  "write_file", "read_file", "python", "eval"}) {
        CHECK_FALSE(taskset::opFromName(QString::fromLatin1(dangerous)).has_value());
        const QByteArray file = QByteArray(R"({"format":"coroscope.taskset/1","name":"t","tasks":[{"op":")") +
                                dangerous + R"(","command":"rm -rf /"}]})";
        const auto parsed = taskset::parseTaskSet(file, QStringLiteral("evil.json"));
        CHECK_FALSE(parsed.ok());
        CHECK_FALSE(parsed.set.has_value());
    }
}

TEST_CASE("a storm of over 100,000 tasks on two loops and the pool: one final state each, every callback once, no frame left")
{
    // Two repeats of a mixed template: sleeps, failures, timeouts, threadsafe children
    // on the worker loop, CPU work on the pool, callbacks on some; the first repeat's
    // whole subtree is cancelled mid-way, the second runs to its end.
    const char *storm = R"({"format":"coroscope.taskset/1","name":"storm","seed":7,"tasks":[
        {"op":"repeat","name":"r1","count":10000,"task":{"op":"gather","return_exceptions":true,"children":[
            {"op":"sleep","seconds":{"uniform":[0,0.3]},"callbacks":[{"kind":"log","message":"s"}]},
            {"op":"fail","seconds":{"uniform":[0,0.3]},"message":"boom","callbacks":[{"kind":"partial","args":[1]}]},
            {"op":"wait_for","timeout":{"uniform":[0,0.2]},"child":{"op":"sleep","seconds":{"uniform":[0,0.3]}}},
            {"op":"threadsafe","child":{"op":"sleep","seconds":{"uniform":[0,0.2]}}},
            {"op":"cpu","work_ms":0.01}]}},
        {"op":"cancel","name":"storm-cancel","target":"r1","after":0.15},
        {"op":"repeat","name":"r2","count":8000,"task":{"op":"gather","return_exceptions":true,"children":[
            {"op":"sleep","seconds":{"uniform":[0,0.2]},"callbacks":[{"kind":"log","message":"s"}]},
            {"op":"fail","seconds":{"uniform":[0,0.2]},"message":"boom"},
            {"op":"wait_for","timeout":{"uniform":[0,0.2]},"child":{"op":"sleep","seconds":{"uniform":[0,0.2]}}},
            {"op":"threadsafe","child":{"op":"sleep","seconds":{"uniform":[0,0.1]}}},
            {"op":"cpu","work_ms":0.01}]}}]})";
    const auto framesBefore = rt::detail::liveFrames();
    std::map<std::uint64_t, int> finals, created;
    std::map<std::pair<std::uint64_t, std::uint64_t>, int> added, fired;
    std::map<QString, int> states;
    std::map<std::uint64_t, int> tagOf;
    std::map<std::uint64_t, QString> loopOf;
    {
        rt::Loop loop(QStringLiteral("main"));
        taskset::TaskSetRun run(parse(storm), loop);
        bool finished = false;
        QObject::connect(&run, &taskset::TaskSetRun::finished, [&] { finished = true; });
        run.start();
        rt::JournalBatch b;
        const auto drain = [&] {
            for (const auto &j : run.journals()) {
                j.loop->journal().drain(b);
                for (const rt::Event &e : b.events) {
                    switch (e.type) {
                    case EventType::Created:
                        ++created[e.task];
                        tagOf[e.task] = e.kind;
                        loopOf[e.task] = j.name;
                        break;
                    case EventType::Done: ++finals[e.task]; ++states[QStringLiteral("done")]; break;
                    case EventType::Failed: ++finals[e.task]; ++states[QStringLiteral("failed")]; break;
                    case EventType::Cancelled: ++finals[e.task]; ++states[QStringLiteral("cancelled")]; break;
                    case EventType::CallbackAdded: ++added[{e.task, e.arg}]; break;
                    case EventType::Callback: ++fired[{e.task, e.arg}]; break;
                    default: break;
                    }
                }
            }
        };
        REQUIRE(runUntil([&] {
            drain();
            return finished;
        }, 120s).reached);
        spinFor(50ms);
        drain();
        CHECK(run.tasksLive() == 0);
        CHECK(loop.timerCount() == 0);
    }
    CHECK(created.size() >= 100'000);
    CHECK(finals.size() == created.size());
    for (const auto &[task, count] : created) {
        if (!finals.count(task))
            UNSCOPED_INFO("no final event for task " << task << " op " << tagOf[task] << " loop " << loopOf[task].toStdString());
    }
    for (const auto &[task, count] : finals)
        REQUIRE(count == 1);
    for (const auto &[task, count] : created)
        REQUIRE(count == 1);
    CHECK(added.size() > 10'000);
    CHECK(fired == added); // every callback added fired, exactly once
    CHECK(states[QStringLiteral("done")] > 0);
    CHECK(states[QStringLiteral("failed")] > 0);
    CHECK(states[QStringLiteral("cancelled")] > 0);
    CHECK(rt::detail::liveFrames() == framesBefore);
}

TEST_CASE("a set's task count is estimated before it runs, repeats and workers included")
{
    CHECK(taskset::estimatedTaskCount(*taskset::loadSet(QStringLiteral("million")).set) == 1'000'001);
    CHECK(taskset::estimatedTaskCount(parse(R"({"format":"coroscope.taskset/1","name":"t","tasks":[
        {"op":"repeat","count":1000,"task":{"op":"repeat","count":10000,"task":{"op":"gather","children":[
            {"op":"sleep","seconds":1}]}}},
        {"op":"queue","capacity":1,"producers":2,"consumers":3,"items":4,"produce_seconds":0,"consume_seconds":0}]})")) ==
          1 + 1000 * (1 + 10000 * 2) + 1 + 5);
}

// The interpreter, one op and one rule at a time: each test runs a small set on the
// runtime and reads what happened from the loops' journals, as the log writers do.

#include "support/looprunner.h"
#include "support/testsets.h"
#include "taskset/builtins.h"
#include "taskset/tasksetrun.h"

#include "log/optag.h"
#include "log/resulttext.h"
#include "log/runrecord.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

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
    bool resultAsValue = false; // journalled as its value (rt::kValueResult), not as text
    QString error;
    CancelKind reason = CancelKind::None;
    std::uint64_t cancelledBy = 0;
    bool started = false;
    double createdMs = 0;
    double finishedMs = -1;
    std::vector<QString> callbacksAdded;
    std::vector<std::uint64_t> callbacksFired;
    std::vector<std::pair<std::uint64_t, QString>> callbacksFailed; // index, what it raised
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


RunResult runSet(const char *json, std::chrono::milliseconds timeout = 10s)
{
    rt::Loop loop(QStringLiteral("main"));
    taskset::TaskSetRun run(parseSet(json), loop);
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
                const bool indexed = e.flags & rt::kIndexedName;
                s.origin = indexed ? 0 : e.arg2;
                s.tag = e.kind;
                s.loop = log::runsOnPool(e.kind) ? QStringLiteral("pool") : loopName;
                s.createdMs = double(e.tNs - run.startNs()) / 1e6;
                const QString name =
                    indexed ? b.text(e) + QLatin1Char('[') + QString::number(e.arg2) + QLatin1Char(']') : b.text(e);
                r.nameOf[e.task] = name;
                r.byName[name] = s;
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
                s.result = (e.flags & rt::kNumberResult) ? log::numberText(std::bit_cast<double>(e.arg))
                           : (e.flags & rt::kValueResult)  ? log::resultText(b.value(e))
                                                           : b.text(e);
                s.resultAsValue = e.flags & rt::kValueResult;
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
            case EventType::CallbackFailed: s.callbacksFailed.emplace_back(e.arg, b.text(e)); break;
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

TEST_CASE("wait_for (3.11): a cancel that comes once the child has ended gives the child's result")
{
    // The child ends in iteration 3; the cancel comes later in that iteration, before
    // wait_for has seen the child's end (iteration 5).
    const auto r = runSet(R"({"format":"coroscope.taskset/1","name":"t","tasks":[
        {"op":"wait_for","name":"wf","timeout":1,"child":{"op":"sleep","name":"c","seconds":0,"result":"kept"}},
        {"op":"sequence","children":[{"op":"cancel","name":"k","target":"wf","after":0}]}]})");
    CHECK(r.resultOf(QStringLiteral("k")).toBool());
    CHECK(r[QStringLiteral("wf")].state == QStringLiteral("done"));
    CHECK(r.resultOf(QStringLiteral("wf")).toString() == QStringLiteral("kept"));
}

TEST_CASE("wait_for's timeout only wakes it: a deadline due in the same iteration reaches the child first")
{
    // The block stalls the loop past both: the timeout (30 ms) and the deadline (60 ms)
    // fire at the same iteration's start, in that order.
    const auto r = runSet(R"({"format":"coroscope.taskset/1","name":"t","deadline":0.06,"tasks":[
        {"op":"wait_for","name":"wf","timeout":0.03,"child":{"op":"sleep","name":"c","seconds":1}},
        {"op":"block","seconds":0.1}]})");
    CHECK(r[QStringLiteral("c")].state == QStringLiteral("cancelled"));
    CHECK(r[QStringLiteral("c")].reason == CancelKind::Deadline);
    CHECK(r[QStringLiteral("wf")].state == QStringLiteral("cancelled"));
    CHECK(r[QStringLiteral("wf")].reason == CancelKind::Deadline);
}

TEST_CASE("a cancelled gather or sequence wakes first, then cancels its children: a child ending meanwhile ends done")
{
    // The cancels come in iteration 2; the nodes raise Cancelled in iteration 3 (the
    // runner's shield), after their children's last steps, and find them done.
    const auto r = runSet(R"({"format":"coroscope.taskset/1","name":"t","tasks":[
        {"op":"gather","name":"g","children":[{"op":"sleep","name":"gc","seconds":0}]},
        {"op":"cancel","name":"kg","target":"g","after":0},
        {"op":"sequence","name":"s","children":[{"op":"sleep","name":"sc","seconds":0}]},
        {"op":"cancel","name":"ks","target":"s","after":0}]})");
    for (const char *node : {"g", "s"}) {
        INFO(node);
        CHECK(r[QString::fromLatin1(node)].state == QStringLiteral("cancelled"));
        CHECK(r[QString::fromLatin1(node)].reason == CancelKind::Task);
    }
    CHECK(r[QStringLiteral("gc")].state == QStringLiteral("done"));
    CHECK(r[QStringLiteral("sc")].state == QStringLiteral("done"));
}

TEST_CASE("a deadline of 0 fires after each top-level task's first step")
{
    const auto r = runSet(R"({"format":"coroscope.taskset/1","name":"t","deadline":0,"tasks":[
        {"op":"sleep","name":"z1","seconds":5},
        {"op":"gather","name":"z2","children":[{"op":"sleep","name":"z2c","seconds":5}]}]})");
    for (const char *n : {"z1", "z2", "z2c"}) {
        INFO(n);
        CHECK(r[QString::fromLatin1(n)].state == QStringLiteral("cancelled"));
        CHECK(r[QString::fromLatin1(n)].reason == CancelKind::Deadline);
    }
    CHECK(r[QStringLiteral("z1")].started);
    CHECK(r[QStringLiteral("z2")].started);
    CHECK_FALSE(r[QStringLiteral("z2c")].started);
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
    CHECK(log::opOfTag(r[QStringLiteral("q.producer-1")].tag) == log::OpTag::Producer);
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

TEST_CASE("a cancel node aiming at itself ends cancelled; aiming at a node it runs under, it ends done")
{
    // docs/spec/taskset-format.md, "Cancelling the running task"; the states and reasons
    // are the reference runner's (tests/conformance/sets/cancel-running.json).
    const auto r = runSet(R"({"format":"coroscope.taskset/1","name":"t","tasks":[
        {"op":"cancel","name":"self","target":"self","after":0.02},
        {"op":"gather","name":"g","children":[
            {"op":"sleep","name":"g-sleep","seconds":5},
            {"op":"cancel","name":"g-stop","target":"g","after":0.02}]},
        {"op":"sequence","name":"seq","children":[
            {"op":"cancel","name":"seq-stop","target":"seq","after":0.02},
            {"op":"sleep","name":"seq-next","seconds":0.05}]}]})");
    const auto cancelledBy = [&](const char *name, const char *by) {
        const Seen &s = r[QString::fromLatin1(name)];
        return s.state == QStringLiteral("cancelled") && s.reason == CancelKind::Task
            && s.cancelledBy == r[QString::fromLatin1(by)].id;
    };
    CHECK(cancelledBy("self", "self"));
    CHECK(r[QStringLiteral("self")].result.isEmpty());
    CHECK(cancelledBy("g", "g-stop"));
    CHECK(r[QStringLiteral("g-stop")].state == QStringLiteral("done"));
    CHECK(r.resultOf(QStringLiteral("g-stop")) == QJsonValue(true));
    CHECK(r[QStringLiteral("g-sleep")].reason == CancelKind::Parent);
    CHECK(cancelledBy("seq", "seq-stop"));
    CHECK(r[QStringLiteral("seq-stop")].state == QStringLiteral("done"));
    CHECK_FALSE(r.has(QStringLiteral("seq-next")));
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

TEST_CASE("a repeat's list of results is journalled as its value: the step that ends it writes no text of them")
{
    // The step that ends a repeat of a million held the loop half a second writing
    // their numbers as text; the reader renders the same text from the value
    // (docs/spec/taskset-format.md, "Big results").
    const auto r = runSet(R"({"format":"coroscope.taskset/1","name":"t","seed":5,"tasks":[
        {"op":"repeat","name":"r","count":20000,"task":{"op":"sleep","seconds":{"uniform":[0,0.05]}}},
        {"op":"gather","name":"g","children":[{"op":"sleep","seconds":0.01,"result":"x"},
                                              {"op":"repeat","count":2,"task":{"op":"sleep","seconds":0,"result":{"k":[1]}}}]},
        {"op":"sleep","name":"s","seconds":0,"result":"text"}]})");
    const Seen &repeat = r[QStringLiteral("r")];
    CHECK(repeat.resultAsValue);
    QString expected = QStringLiteral("[");
    for (int i = 0; i < 20000; ++i)
        expected += (i ? QStringLiteral(",") : QString()) + r[QStringLiteral("r[%1]").arg(i)].result;
    CHECK(repeat.result == expected + QLatin1Char(']'));
    CHECK(r[QStringLiteral("g")].resultAsValue);
    CHECK(r[QStringLiteral("g")].result == QStringLiteral(R"(["x",[{"k":[1]},{"k":[1]}]])"));
    CHECK_FALSE(r[QStringLiteral("s")].resultAsValue); // a string stays text
    CHECK(r[QStringLiteral("s")].result == QStringLiteral(R"("text")"));
}

TEST_CASE("a repeat cancelled between its batches of copies cancels those it made and ends cancelled")
{
    // Its copies then live in the gather it was making for them (docs/spec/taskset-format.md,
    // "Big results"): they are taken back to be cancelled and waited for.
    const auto r = runSet(R"({"format":"coroscope.taskset/1","name":"t","deadline":0,"tasks":[
        {"op":"repeat","name":"r","count":20000,"task":{"op":"sleep","seconds":1}}]})");
    CHECK(r[QStringLiteral("r")].state == QStringLiteral("cancelled"));
    CHECK(r[QStringLiteral("r")].reason == CancelKind::Deadline);
    CHECK(r[QStringLiteral("r[0]")].state == QStringLiteral("cancelled"));
    CHECK(r[QStringLiteral("r[16383]")].state == QStringLiteral("cancelled"));
    CHECK_FALSE(r.has(QStringLiteral("r[16384]"))); // the second batch was never made
}

TEST_CASE("a repeat's sleeping copy holds one pooled block of 224 bytes, its frame")
{
    // What a million sleepers cost is mostly these blocks: a copy's name and number
    // result live in its task, not in a block of extras of its own, and its frame
    // stays in the 224-byte class: its drawn seconds wait in its task, it finds the
    // interpreter through its group, and TaskCore is 96 bytes (docs/spec/runtime-package.md,
    // "A sleeping task's bytes"). One class up is 32 MB at a million.
    constexpr std::int64_t kCopies = 2000;
    rt::Loop loop(QStringLiteral("main"));
    const auto blocksBefore = rt::detail::livePooledBlocks();
    const auto bytesBefore = rt::detail::pooledBytesThisThread();
    {
        taskset::TaskSetRun run(parseSet(R"({"format":"coroscope.taskset/1","name":"t","tasks":[
            {"op":"repeat","name":"sleepers","count":2000,"task":{"op":"sleep","seconds":60}}]})"),
                                loop);
        bool finished = false;
        QObject::connect(&run, &taskset::TaskSetRun::finished, [&] { finished = true; });
        run.start();
        REQUIRE(runUntil([&] { return loop.timerCount() == std::size_t(kCopies); }).reached);
        const std::int64_t blocks = rt::detail::livePooledBlocks() - blocksBefore;
        CHECK(blocks >= kCopies);
        CHECK(blocks <= kCopies + 8); // the repeat's frame and extras, and little else
        const std::int64_t bytes = rt::detail::pooledBytesThisThread() - bytesBefore;
        CHECK(bytes >= kCopies * 192);
        CHECK(bytes <= kCopies * 224 + 4096);
        run.stop(rt::CancelReason::user());
        REQUIRE(runUntil([&] { return finished; }).reached);
    }
    CHECK(rt::detail::livePooledBlocks() == blocksBefore);
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

TEST_CASE("a raise callback fails alone: the loop, the task's other callbacks, its state and its awaiter go on")
{
    // asyncio: an exception in a done-callback goes to the loop's exception handler.
    const auto r = runSet(R"({"format":"coroscope.taskset/1","name":"t","tasks":[
        {"op":"sequence","name":"outer","children":[
            {"op":"sleep","name":"s","seconds":0.01,"result":"kept","callbacks":[
                {"kind":"raise","message":"broken"},
                {"kind":"spawn","task":{"op":"sleep","name":"follow-up","seconds":0}},
                {"kind":"raise","message":""},
                {"kind":"log","message":"still here"}]},
            {"op":"sleep","name":"next","seconds":0}]}]})");
    const Seen &s = r[QStringLiteral("s")];
    CHECK(s.callbacksAdded[0] == QStringLiteral(R"({"kind":"raise","message":"broken"})"));
    CHECK(s.callbacksFired == std::vector<std::uint64_t>{0, 1, 2, 3});
    CHECK(s.callbacksFailed == std::vector<std::pair<std::uint64_t, QString>>{{0, QStringLiteral("broken")}, {2, QString()}});
    CHECK(s.state == QStringLiteral("done"));
    CHECK(r.resultOf(QStringLiteral("s")) == QJsonValue(QStringLiteral("kept")));
    CHECK(r[QStringLiteral("follow-up")].state == QStringLiteral("done"));
    CHECK(r[QStringLiteral("next")].state == QStringLiteral("done"));
    CHECK(r[QStringLiteral("outer")].state == QStringLiteral("done"));
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

TEST_CASE("every op round-trips from its name to its op, its journal tag and back to its name")
{
    // The tag bytes are in logs and journals already written: they are pinned here.
    const std::vector<std::pair<QString, std::uint8_t>> ops{
        {QStringLiteral("sleep"), 1},     {QStringLiteral("fail"), 2},          {QStringLiteral("cpu"), 3},
        {QStringLiteral("block"), 4},     {QStringLiteral("gather"), 5},        {QStringLiteral("wait"), 6},
        {QStringLiteral("as_completed"), 7}, {QStringLiteral("wait_for"), 8},   {QStringLiteral("sequence"), 9},
        {QStringLiteral("queue"), 10},    {QStringLiteral("threadsafe"), 11},   {QStringLiteral("cancel"), 12},
        {QStringLiteral("repeat"), 13}};
    REQUIRE(ops.size() == std::size_t(taskset::Op::Repeat) + 1);
    for (const auto &[name, byte] : ops) {
        CAPTURE(name.toStdString());
        const std::optional<taskset::Op> op = taskset::opFromName(name);
        REQUIRE(op.has_value());
        CHECK(taskset::opName(*op) == name);
        const std::uint8_t tag = taskset::opTag(*op);
        CHECK(tag == byte);
        CHECK(log::opName(log::opOfTag(tag)) == name);
        CHECK(log::opName(log::opOfTag(tag | log::kPoolBit)) == name);
        CHECK(log::opTagFromName(name) == log::OpTag(byte));
    }

    SECTION("a queue's workers have tags and names no file can use")
    {
        for (const auto &[name, byte] : {std::pair{QStringLiteral("producer"), std::uint8_t(14)},
                                         std::pair{QStringLiteral("consumer"), std::uint8_t(15)}}) {
            CHECK(log::opName(log::OpTag(byte)) == name);
            CHECK(log::opTagFromName(name) == log::OpTag(byte));
            CHECK_FALSE(taskset::opFromName(name).has_value());
        }
    }
    SECTION("a task without an op is tag 0, named task, and a name no op has reads as it")
    {
        CHECK(log::opName(log::OpTag(0)) == QLatin1String("task"));
        CHECK(log::opTagFromName(u"task") == log::OpTag::None);
        CHECK(log::opTagFromName(u"Sleep") == log::OpTag::None);
        CHECK(std::uint8_t(log::OpTag::None) == 0);
    }
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

namespace {

// The storm's checker. Every task's history, read from its loop's journal in journal
// order, must follow the grammar the runtime writes (model/runtime/task.cpp, loop.cpp):
//
//   created               first, once (TaskCore::attach)
//   started               at most once, the task's first step, never after a cancel
//                         request (Loop::runResume ends a pending task that must cancel)
//   suspended, resumed    after started, alternating (TaskCore::beginSuspend; runResume
//                         journals resumed for a task that was woken at an await)
//   cancel_requested      at most once (TaskCore::cancel journals only the first reason),
//                         never after the end (cancel returns early once finished)
//   done|failed|cancelled exactly once (TaskCore::finish)
//   callback_added[i]     any time after created, i = 0, 1, 2, ... (addDoneCallback)
//   callback[i]           after the end and its callback_added[i], once each, in
//                         registration order (runDoneEntry; TaskCore::addDoneCallback doc)
//   stall                 after a step of the task ran: a resume or a done-callback
//                         (Loop::noteStep), so possibly after the end
//
// done and failed end a running task (started, not suspended): finish() runs at the
// coroutine's final suspend. cancelled ends a running task too, or, without resuming it
// (runResume -> endCancelledWithoutResuming), one that never started or one suspended at
// an await that does not catch Cancelled (the interpreter's leaf ops: tasksetrun.cpp
// sets catchesCancel = !isLeaf); either only after a cancel_requested, and such a task
// is not resumed after a cancel request. A cancelled event gives the first request's
// reason (set once, TaskCore::setCancelReason). A task's events are all on its own
// loop, their times never going back.

constexpr std::size_t kEventTypes = std::size_t(EventType::CallbackAdded) + 1;
constexpr std::size_t kReportedTasks = 5;  // histories printed when some are wrong
constexpr std::size_t kReportedEvents = 24; // events printed of each

struct Logged {
    rt::Event event;
    std::uint8_t loop; // index into the run's journals()
};

// The run's tasks (those with a created event), numbered 0..size()-1 in id order. The
// runtime numbers tasks process-wide in creation order, so a run's ids are dense: a
// table over their range finds a task in O(1) (a binary search if they are not).
class TaskIndex
{
public:
    static constexpr std::uint32_t kNone = UINT32_MAX;

    explicit TaskIndex(std::vector<std::uint64_t> ids) : m_ids(std::move(ids))
    {
        std::sort(m_ids.begin(), m_ids.end());
        m_ids.erase(std::unique(m_ids.begin(), m_ids.end()), m_ids.end());
        if (m_ids.empty())
            return;
        m_first = m_ids.front();
        if (m_ids.back() - m_first >= 4 * m_ids.size())
            return;
        m_table.assign(std::size_t(m_ids.back() - m_first + 1), kNone);
        for (std::size_t i = 0; i < m_ids.size(); ++i)
            m_table[std::size_t(m_ids[i] - m_first)] = std::uint32_t(i);
    }
    [[nodiscard]] std::size_t size() const noexcept { return m_ids.size(); }
    [[nodiscard]] std::uint64_t id(std::size_t index) const { return m_ids[index]; }
    [[nodiscard]] std::uint32_t find(std::uint64_t id) const noexcept
    {
        if (!m_table.empty())
            return id < m_first || id - m_first >= m_table.size() ? kNone : m_table[std::size_t(id - m_first)];
        const auto it = std::lower_bound(m_ids.begin(), m_ids.end(), id);
        return it == m_ids.end() || *it != id ? kNone : std::uint32_t(it - m_ids.begin());
    }
    [[nodiscard]] bool contains(std::uint64_t id) const noexcept { return find(id) != kNone; }

private:
    std::vector<std::uint64_t> m_ids;
    std::uint64_t m_first = 0;
    std::vector<std::uint32_t> m_table;
};

// What one task's history says.
struct History {
    std::array<std::size_t, kEventTypes> counts{};
    std::int64_t createdNs = 0;
    std::optional<std::int64_t> startedNs;
    std::optional<std::int64_t> finishedNs;
    std::optional<EventType> end;             // done, failed or cancelled
    CancelKind cancelKind = CancelKind::None; // of the cancelled event
    std::uint64_t cancelledBy = 0;
    bool cancelRequested = false;
    bool endedWithoutResuming = false;        // cancelled at an await, not resumed to see it
    bool endedRunning = false;                // ended from a step of its own
    std::vector<std::optional<std::int64_t>> firedNs; // per callback index
};

// The interpreter's leaf ops never catch Cancelled (SpawnOptions::catchesCancel).
bool catchesCancelled(std::uint8_t tag)
{
    switch (log::opOfTag(tag)) {
    case log::OpTag::Sleep:
    case log::OpTag::Fail:
    case log::OpTag::Cpu:
    case log::OpTag::Block: return false;
    default: return true;
    }
}

rt::TaskState stateOf(EventType end)
{
    switch (end) {
    case EventType::Done: return rt::TaskState::Done;
    case EventType::Failed: return rt::TaskState::Failed;
    default: return rt::TaskState::Cancelled;
    }
}

std::string eventText(const rt::Event &e, std::int64_t t0)
{
    QString s = QString::asprintf("%+.3fms ", double(e.tNs - t0) / 1e6) + rt::toString(e.type);
    switch (e.type) {
    case EventType::Suspended: s += u'(' + rt::describeAwait(rt::AwaitKind(e.kind), e.arg) + u')'; break;
    case EventType::CancelRequested:
    case EventType::Cancelled:
        s += u'(' + rt::toString(CancelKind(e.kind)) + (e.arg ? u':' + QString::number(e.arg) : QString()) + u')';
        break;
    case EventType::Callback:
    case EventType::CallbackAdded: s += u'[' + QString::number(e.arg) + u']'; break;
    case EventType::Stall: s += QString::asprintf("(%.1fms)", double(e.arg) / 1e6); break;
    default: break;
    }
    return s.toStdString();
}

std::string historyText(const std::vector<Logged> &all, const std::uint32_t *at, std::size_t n, std::int64_t t0)
{
    std::string s;
    for (std::size_t i = 0; i < n && i < kReportedEvents; ++i)
        s += (i ? ", " : "") + eventText(all[at[i]].event, t0);
    if (n > kReportedEvents)
        s += ", ... (" + std::to_string(n) + " events)";
    return s;
}

// Reads one task's events into h; returns what breaks the grammar, or "".
std::string checkHistory(const std::vector<Logged> &all, const std::uint32_t *at, std::size_t n, History &h)
{
    for (std::size_t i = 0; i < n; ++i) {
        const auto type = std::size_t(all[at[i]].event.type);
        if (type >= kEventTypes)
            return "an event of unknown type " + std::to_string(type);
        ++h.counts[type];
    }
    const Logged &first = all[at[0]];
    if (first.event.type != EventType::Created)
        return "it does not begin with created";
    const bool catches = catchesCancelled(first.event.kind);
    bool started = false;
    bool suspended = false;
    CancelKind requestedKind = CancelKind::None;
    std::uint64_t requestedBy = 0;
    std::optional<std::uint64_t> lastFired;
    std::int64_t lastNs = first.event.tNs;
    h.createdNs = first.event.tNs;
    for (std::size_t i = 0; i < n; ++i) {
        const Logged &l = all[at[i]];
        const rt::Event &e = l.event;
        if (l.loop != first.loop)
            return "its events are on two loops";
        if (e.tNs < lastNs)
            return "its times go backwards";
        lastNs = e.tNs;
        const bool ended = h.end.has_value();
        const bool running = started && !suspended;
        switch (e.type) {
        case EventType::Created:
            if (i != 0)
                return "created twice";
            break;
        case EventType::Started:
            if (ended)
                return "started after its end";
            if (started)
                return "started twice";
            if (h.cancelRequested)
                return "started after a cancel request";
            started = true;
            h.startedNs = e.tNs;
            break;
        case EventType::Suspended:
            if (ended)
                return "suspended after its end";
            if (!started)
                return "suspended before it started";
            if (suspended)
                return "suspended twice without a resume between";
            suspended = true;
            break;
        case EventType::Resumed:
            if (ended)
                return "resumed after its end";
            if (!started)
                return "resumed before it started";
            if (!suspended)
                return "resumed without being suspended";
            if (!catches && h.cancelRequested)
                return "resumed after a cancel request, though it does not catch Cancelled";
            suspended = false;
            break;
        case EventType::CancelRequested:
            if (ended)
                return "cancel requested after its end";
            if (h.cancelRequested)
                return "cancel requested twice";
            if (e.kind == std::uint8_t(CancelKind::None) || e.kind > std::uint8_t(CancelKind::Task))
                return "a cancel request without a valid reason";
            if ((CancelKind(e.kind) == CancelKind::Task) != (e.arg != 0))
                return "a cancel request whose canceller does not fit its reason";
            h.cancelRequested = true;
            requestedKind = CancelKind(e.kind);
            requestedBy = e.arg;
            break;
        case EventType::Done:
        case EventType::Failed:
        case EventType::Cancelled:
            if (ended)
                return "a second final event";
            if (e.type != EventType::Cancelled) {
                if (!running)
                    return "ended done or failed while not running";
            } else {
                if (!running) {
                    if (!h.cancelRequested)
                        return "ended cancelled without being resumed and without a cancel request";
                    if (started && catches)
                        return "ended cancelled at an await without being resumed, though it catches Cancelled";
                    h.endedWithoutResuming = started;
                }
                if (e.kind == std::uint8_t(CancelKind::None) || e.kind > std::uint8_t(CancelKind::Task))
                    return "cancelled without a valid reason";
                if (h.cancelRequested && (CancelKind(e.kind) != requestedKind || e.arg != requestedBy))
                    return "cancelled with another reason than the first request's";
                h.cancelKind = CancelKind(e.kind);
                h.cancelledBy = e.arg;
            }
            h.end = e.type;
            h.endedRunning = running;
            h.finishedNs = e.tNs;
            break;
        case EventType::CallbackAdded:
            if (e.arg != h.firedNs.size())
                return "callback_added[" + std::to_string(e.arg) + "] out of sequence";
            h.firedNs.emplace_back();
            break;
        case EventType::Callback:
            if (!ended)
                return "a callback fired before the task ended";
            if (e.arg >= h.firedNs.size())
                return "callback[" + std::to_string(e.arg) + "] fired before it was added";
            if (h.firedNs[e.arg])
                return "callback[" + std::to_string(e.arg) + "] fired twice";
            if (lastFired && e.arg < *lastFired)
                return "callbacks fired out of registration order";
            lastFired = e.arg;
            h.firedNs[e.arg] = e.tNs;
            break;
        case EventType::CallbackFailed:
            if (!lastFired || e.arg != *lastFired)
                return "callback[" + std::to_string(e.arg) + "] failed other than right after it fired";
            break;
        case EventType::Stall:
            if (!started && !ended)
                return "a stall before any step of it ran";
            break;
        case EventType::QueueDepth:
            // Its queue lives in its frame: made after it starts, used up before it ends.
            if (!started || ended)
                return "a queue depth outside its owner's life";
            if (e.arg2 != 0 && e.arg > e.arg2)
                return "a queue deeper than its capacity";
            break;
        }
    }
    if (!h.end)
        return "no final event";
    for (std::size_t i = 0; i < h.firedNs.size(); ++i) {
        if (!h.firedNs[i])
            return "callback[" + std::to_string(i) + "] never fired";
    }
    return {};
}

// Compares a task's history with the RunRecord's view v of the same task; "" if they agree.
std::string compareWithRecord(const log::RunRecord &record, const std::optional<log::TaskView> &v,
                              const TaskIndex &runTasks, const std::vector<QString> &loopNames, const Logged &created,
                              const History &h)
{
    const auto isRunTask = [&](std::uint64_t id) { return runTasks.contains(id); };
    const rt::Event &c = created.event;
    if (!v)
        return "the record has no such task";
    const auto rel = [&](std::int64_t ns) { return ns - record.startNs(); };
    const auto relOpt = [&](std::optional<std::int64_t> ns) { return ns ? std::optional(rel(*ns)) : std::nullopt; };
    if (v->runtimeId != c.task)
        return "the record maps it to runtime id " + std::to_string(v->runtimeId);
    if (v->state != stateOf(*h.end))
        return "the record says " + rt::toString(v->state).toStdString();
    if (v->createdNs != rel(h.createdNs) || v->startedNs != relOpt(h.startedNs) || v->finishedNs != relOpt(h.finishedNs))
        return "the record's created, started or finished time differs";
    const QString loop = log::runsOnPool(c.kind) ? QStringLiteral("pool") : loopNames[created.loop];
    if (v->loop != loop)
        return "the record puts it on loop " + v->loop.toStdString() + ", not " + loop.toStdString();
    if (v->callbacks.size() != h.firedNs.size())
        return "the record has " + std::to_string(v->callbacks.size()) + " callbacks, not " + std::to_string(h.firedNs.size());
    for (std::size_t i = 0; i < h.firedNs.size(); ++i) {
        if (v->callbacks[i].firedNs != relOpt(h.firedNs[i]))
            return "the record's time of callback " + std::to_string(i) + " differs";
    }
    if (!v->awaiting.isEmpty())
        return "the record still has it awaiting " + v->awaiting.toStdString();
    if (c.arg != 0 && (!isRunTask(c.arg) || c.arg >= c.task))
        return "its parent " + std::to_string(c.arg) + " is not an earlier task of the run";
    // A copy's Created carries its index where others carry their origin (kIndexedName).
    const std::uint64_t origin = (c.flags & rt::kIndexedName) ? 0 : c.arg2;
    if (origin != 0 && (!isRunTask(origin) || origin >= c.task))
        return "its origin " + std::to_string(origin) + " is not an earlier task of the run";
    if (v->parent != record.localId(c.arg) || v->origin != record.localId(origin))
        return "the record's parent or origin differs";
    if (*h.end == EventType::Cancelled) {
        if (v->cancelKind != h.cancelKind)
            return "the record's cancel reason is " + rt::toString(v->cancelKind).toStdString();
        if (h.cancelKind == CancelKind::Task && (!isRunTask(h.cancelledBy) || v->cancelledBy != record.localId(h.cancelledBy)))
            return "it was cancelled by " + std::to_string(h.cancelledBy) + ", not a task of the run as the record has it";
    }
    return {};
}

} // namespace

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
    const auto blocksBefore = rt::detail::livePooledBlocks();

    // Every event of the run, as drained, and the run's record built from the same
    // batches (as `coroscope run` builds it).
    std::vector<Logged> all;
    all.reserve(std::size_t(1) << 20);
    std::array<std::size_t, kEventTypes> totals{};
    std::size_t unknownEvents = 0;
    std::vector<QString> loopNames;
    log::RunRecord record(log::RunRecord::Spool::None);
    std::int64_t tasksCreated = 0;
    std::int64_t tasksLive = -1;
    std::int64_t startNs = 0;
    std::size_t mainTimers = 0;
    std::size_t mainLive = 0;
    std::atomic<std::int64_t> workerTimers{-1};
    std::atomic<std::int64_t> workerLive{-1};
    {
        rt::Loop loop(QStringLiteral("main"));
        taskset::TaskSetRun run(parseSet(storm), loop);
        bool finished = false;
        QObject::connect(&run, &taskset::TaskSetRun::finished, [&] { finished = true; });
        const auto journals = run.journals();
        REQUIRE(journals.size() == 2);
        for (const auto &j : journals)
            loopNames.push_back(j.name);
        run.start();
        record.setRunInfo(run.set().name, QDateTime::currentDateTimeUtc(), run.startNs());
        rt::JournalBatch b;
        const auto drain = [&] {
            for (std::size_t i = 0; i < journals.size(); ++i) {
                journals[i].loop->journal().drain(b);
                record.apply(journals[i].name, b);
                for (const rt::Event &e : b.events) {
                    if (std::size_t(e.type) < kEventTypes)
                        ++totals[std::size_t(e.type)];
                    else
                        ++unknownEvents;
                    all.push_back(Logged{e, std::uint8_t(i)});
                }
            }
        };
        REQUIRE(runUntil([&] {
            drain();
            return finished;
        }, 120s).reached);
        spinFor(50ms);
        // The worker's own state, read on its thread.
        rt::Loop *worker = journals[1].loop;
        worker->callSoonThreadsafe([&workerTimers, &workerLive, worker] {
            workerLive = std::int64_t(worker->liveTaskCount());
            workerTimers = std::int64_t(worker->timerCount());
        });
        REQUIRE(runUntil([&] { return workerTimers.load() >= 0; }, 10s).reached);
        loop.journal().publish();
        drain();
        tasksCreated = run.tasksCreated();
        tasksLive = run.tasksLive();
        startNs = run.startNs();
        mainTimers = loop.timerCount();
        mainLive = loop.liveTaskCount();
    }
    CHECK(tasksLive == 0);
    CHECK(mainLive == 0);
    CHECK(workerLive.load() == 0);
    CHECK(mainTimers == 0);
    CHECK(workerTimers.load() == 0);
    CHECK(unknownEvents == 0);

    // Group the events by task (a counting sort that keeps journal order): the run's
    // tasks are those with a created event.
    std::vector<std::uint64_t> ids;
    for (const Logged &l : all) {
        if (l.event.type == EventType::Created)
            ids.push_back(l.event.task);
    }
    const TaskIndex runTasks(std::move(ids));
    const std::size_t tasks = runTasks.size();
    constexpr std::uint32_t kNoTask = TaskIndex::kNone;
    std::vector<std::uint32_t> taskOf(all.size(), kNoTask);
    std::vector<std::uint32_t> first(tasks + 1, 0);
    std::array<std::size_t, kEventTypes> orphans{}; // events of no task of the run
    std::size_t stallsOfNoTask = 0;                 // stalls of a step that was no task's
    std::vector<std::string> orphanReports;
    for (std::size_t i = 0; i < all.size(); ++i) {
        const rt::Event &e = all[i].event;
        taskOf[i] = runTasks.find(e.task);
        if (taskOf[i] != kNoTask) {
            ++first[taskOf[i] + 1];
        } else if (e.type == EventType::Stall && e.task == 0) {
            ++stallsOfNoTask;
        } else if (std::size_t(e.type) < kEventTypes) {
            ++orphans[std::size_t(e.type)];
            if (orphanReports.size() < kReportedTasks)
                orphanReports.push_back("task " + std::to_string(e.task) + " was never created: " + eventText(e, startNs));
        }
    }
    for (std::size_t t = 0; t < tasks; ++t)
        first[t + 1] += first[t];
    std::vector<std::uint32_t> order(first[tasks]);
    {
        std::vector<std::uint32_t> next(first.begin(), first.end() - 1);
        for (std::size_t i = 0; i < all.size(); ++i) {
            if (taskOf[i] != kNoTask)
                order[next[taskOf[i]]++] = std::uint32_t(i);
        }
    }

    // Each history against the grammar, then against the record.
    std::array<std::size_t, kEventTypes> summed{};
    std::size_t badHistories = 0;
    std::size_t badRecords = 0;
    std::size_t startedTasks = 0;         // by the record
    std::size_t recordCallbacks = 0;
    std::size_t recordFired = 0;
    std::size_t requested = 0;            // tasks with a cancel request
    std::size_t endedWithoutResuming = 0; // cancelled at an await without a resume
    std::size_t cancelledRunning = 0;     // cancelled by Cancelled raised in a step of its own
    std::vector<std::string> historyReports;
    std::vector<std::string> recordReports;
    for (std::size_t t = 0; t < tasks; ++t) {
        const std::uint32_t *at = order.data() + first[t];
        const std::size_t n = first[t + 1] - first[t];
        const Logged &created = all[at[0]];
        const auto describe = [&](const std::string &wrong) {
            const std::uint64_t local = record.localId(runTasks.id(t));
            return "task " + std::to_string(runTasks.id(t)) + " '" + (local ? record.name(local).toStdString() : "?") + "' (" +
                   log::opName(log::opOfTag(created.event.kind)).toStdString() + " on " +
                   loopNames[created.loop].toStdString() + "): " + wrong + "; its events: " +
                   historyText(all, at, n, startNs);
        };
        History h;
        const std::string wrong = checkHistory(all, at, n, h);
        for (std::size_t k = 0; k < kEventTypes; ++k)
            summed[k] += h.counts[k];
        if (!wrong.empty()) {
            if (++badHistories <= kReportedTasks)
                historyReports.push_back(describe(wrong));
            continue;
        }
        requested += h.cancelRequested ? 1 : 0;
        endedWithoutResuming += h.endedWithoutResuming ? 1 : 0;
        cancelledRunning += *h.end == EventType::Cancelled && h.endedRunning ? 1 : 0;
        const std::uint64_t local = record.localId(runTasks.id(t));
        const auto view = local ? record.task(local) : std::nullopt;
        const std::string disagreement = compareWithRecord(record, view, runTasks, loopNames, created, h);
        if (!disagreement.empty()) {
            if (++badRecords <= kReportedTasks)
                recordReports.push_back(describe(disagreement));
            continue;
        }
        startedTasks += view->startedNs ? 1 : 0;
        recordCallbacks += view->callbacks.size();
        for (const auto &cb : view->callbacks)
            recordFired += cb.firedNs ? 1 : 0;
    }

    const auto count = [&](EventType type) { return totals[std::size_t(type)]; };
    std::string perType;
    for (std::size_t k = 0; k < kEventTypes; ++k)
        perType += rt::toString(EventType(k)).toStdString() + "=" + std::to_string(totals[k]) + " ";
    INFO("events per type: " << perType << "; tasks " << tasks);

    CHECK(tasks >= 100'000);
    if (badHistories > 0)
        UNSCOPED_INFO(badHistories << " of " << tasks << " task histories break the journal's grammar; the first:");
    for (const auto &r : historyReports)
        UNSCOPED_INFO(r);
    CHECK(badHistories == 0);
    for (const auto &r : orphanReports)
        UNSCOPED_INFO(r);
    CHECK(orphans == std::array<std::size_t, kEventTypes>{});
    if (badRecords > 0)
        UNSCOPED_INFO(badRecords << " tasks differ between their history and the run record; the first:");
    for (const auto &r : recordReports)
        UNSCOPED_INFO(r);
    CHECK(badRecords == 0);

    // The journal's totals are the sums over the histories...
    std::array<std::size_t, kEventTypes> accounted = summed;
    for (std::size_t k = 0; k < kEventTypes; ++k)
        accounted[k] += orphans[k];
    accounted[std::size_t(EventType::Stall)] += stallsOfNoTask;
    CHECK(accounted == totals);
    // ... and agree with the record's and the task group's counts.
    CHECK(count(EventType::Created) == tasks);
    CHECK(std::size_t(tasksCreated) == tasks);
    CHECK(record.taskCount() == tasks);
    CHECK(count(EventType::Done) + count(EventType::Failed) + count(EventType::Cancelled) == tasks);
    CHECK(count(EventType::Done) == record.count(rt::TaskState::Done));
    CHECK(count(EventType::Failed) == record.count(rt::TaskState::Failed));
    CHECK(count(EventType::Cancelled) == record.count(rt::TaskState::Cancelled));
    CHECK(record.count(rt::TaskState::Pending) == 0);
    CHECK(record.count(rt::TaskState::Running) == 0);
    CHECK(count(EventType::Started) == startedTasks);
    CHECK(count(EventType::CancelRequested) == requested);
    CHECK(count(EventType::Suspended) - count(EventType::Resumed) == endedWithoutResuming);
    CHECK(count(EventType::CallbackAdded) == recordCallbacks);
    CHECK(count(EventType::Callback) == recordFired);
    CHECK(count(EventType::Callback) == count(EventType::CallbackAdded)); // every callback fired, once
    std::size_t recordStalls = 0;
    for (const auto &l : record.loops())
        recordStalls += l.stalls.size();
    CHECK(count(EventType::Stall) == recordStalls);

    // The storm reaches every end, and ends cancelled both from a step of the task's own
    // and at an await without being resumed (endCancelledWithoutResuming).
    CHECK(count(EventType::CallbackAdded) > 10'000);
    CHECK(count(EventType::Done) > 0);
    CHECK(count(EventType::Failed) > 0);
    CHECK(count(EventType::Cancelled) > 0);
    CHECK(endedWithoutResuming > 0);
    CHECK(cancelledRunning > 0);
    CHECK(rt::detail::livePooledBlocks() == blocksBefore);
}

TEST_CASE("a set's task count is estimated before it runs, repeats and workers included")
{
    CHECK(taskset::estimateRun(*taskset::loadSet(QStringLiteral("million")).set).tasks == 1'000'001);
    CHECK(taskset::estimateRun(parseSet(R"({"format":"coroscope.taskset/1","name":"t","tasks":[
        {"op":"repeat","count":1000,"task":{"op":"repeat","count":10000,"task":{"op":"gather","children":[
            {"op":"sleep","seconds":1}]}}},
        {"op":"queue","capacity":1,"producers":2,"consumers":3,"items":4,"produce_seconds":0,"consume_seconds":0}]})"))
              .tasks == 1 + 1000 * (1 + 10000 * 2) + 1 + 5);
}

TEST_CASE("a run's estimate gives its memory beside its task count, 800 bytes a task")
{
    const taskset::RunEstimate million = taskset::estimateRun(*taskset::loadSet(QStringLiteral("million")).set);
    CHECK(million.tasks == 1'000'001);
    CHECK(million.bytes == 1'000'001 * 800.0);
    CHECK(taskset::estimateTasks(3).tasks == 3);
    CHECK(taskset::estimateTasks(3).bytes == 2400.0);
    CHECK(taskset::estimateTasks(0).bytes == 0.0);
}

TEST_CASE("a result's JSON text is what QJsonDocument writes, for every kind of value")
{
    const auto viaDocument = [](const QJsonValue &v) {
        const QByteArray wrapped = QJsonDocument(QJsonArray{v}).toJson(QJsonDocument::Compact);
        return QString::fromUtf8(wrapped.mid(1, wrapped.size() - 2));
    };
    std::vector<QJsonValue> values{
        QJsonValue(), QJsonValue(true), QJsonValue(false), QJsonValue(0.0), QJsonValue(-0.0),
        QJsonValue(1.0), QJsonValue(-1.5), QJsonValue(0.1), QJsonValue(1.0 / 3.0), QJsonValue(2.5e-7),
        QJsonValue(1e21), QJsonValue(1e18), QJsonValue(9007199254740993.0), QJsonValue(1.7976931348623157e308),
        QJsonValue(4.9e-324), QJsonValue(std::nan("")), QJsonValue(HUGE_VAL), QJsonValue(-HUGE_VAL),
        QJsonValue(qint64(0)), QJsonValue(qint64(-42)), QJsonValue(qint64(1000000000000000000)),
        QJsonValue(std::numeric_limits<qint64>::max()), QJsonValue(std::numeric_limits<qint64>::min()),
        QJsonValue(QStringLiteral("tab\t \"quoted\" \u00e9")), QJsonValue(QJsonArray{1, QStringLiteral("a"), QJsonValue()}),
        QJsonValue(QJsonObject{{QStringLiteral("k"), 2.5}}), QJsonValue(QJsonArray{}),
        QJsonValue(QJsonArray{QJsonArray{1.25, QJsonArray{}}, QJsonObject{{QStringLiteral("a\\b"), QJsonArray{true}}}, qint64(7)}),
    };
    // Seconds as the task sets draw them: uniform over [1, 5], in milliseconds and not.
    std::uint32_t x = 12345;
    for (int i = 0; i < 2000; ++i) {
        x = x * 1664525u + 1013904223u;
        const double u = 1.0 + 4.0 * double(x >> 8) / double(1u << 24);
        values.emplace_back(i % 2 ? u : std::round(u * 1000.0) / 1000.0);
    }
    for (const QJsonValue &v : values) {
        INFO(viaDocument(v).toStdString());
        CHECK(log::resultText(v) == viaDocument(v));
    }
}

TEST_CASE("the run cancels and adds callbacks on whichever loop a task lives, and to an ended task at once")
{
    rt::Loop loop(QStringLiteral("main"));
    taskset::TaskSetRun run(parseSet(R"({"format":"coroscope.taskset/1","name":"t","tasks":[
        {"op":"threadsafe","name":"ts","child":{"op":"gather","name":"remote","children":[
            {"op":"sleep","name":"remote-long","seconds":5},
            {"op":"sleep","name":"remote-short","seconds":0.2}]}},
        {"op":"sleep","name":"local-long","seconds":5},
        {"op":"sleep","name":"quick","seconds":0.001}]})"),
                            loop);
    bool finished = false;
    QObject::connect(&run, &taskset::TaskSetRun::finished, [&] { finished = true; });
    run.start();

    // Every event so far, by loop, and the tasks' ids by name.
    log::RunRecord record(log::RunRecord::Spool::None);
    const auto readJournals = [&] {
        for (const auto &j : run.journals()) {
            rt::JournalBatch b;
            j.loop->journal().publish();
            j.loop->journal().drain(b);
            record.apply(j.name, b);
        }
    };
    const auto idOf = [&](const char *name) {
        for (std::uint64_t id = 1; id <= record.taskCount(); ++id) {
            if (record.name(id) == QLatin1String(name))
                return id;
        }
        return std::uint64_t(0);
    };
    const auto runtimeIdOf = [&](const char *name) { return record.task(idOf(name))->runtimeId; };
    REQUIRE(runUntil([&] {
                readJournals();
                return idOf("remote-short") && idOf("quick") && record.state(idOf("quick")) == rt::TaskState::Done
                    && record.state(idOf("remote-short")) == rt::TaskState::Running;
            }).reached);

    taskset::Callback log;
    log.kind = taskset::Callback::Kind::Log;
    log.message = QStringLiteral("seen");
    run.addCallback(runtimeIdOf("remote-short"), log, 0); // alive on the worker: fires when it ends
    run.addCallback(runtimeIdOf("quick"), log, 0);        // ended: recorded and fired soon
    run.cancel({runtimeIdOf("remote-long"), runtimeIdOf("local-long")});
    REQUIRE(runUntil([&] { return finished; }).reached);
    readJournals();

    const auto view = [&](const char *name) { return *record.task(idOf(name)); };
    REQUIRE(view("quick").callbacks.size() == 1);
    CHECK(view("quick").callbacks[0].firedNs.has_value());
    REQUIRE(view("remote-short").callbacks.size() == 1);
    REQUIRE(view("remote-short").callbacks[0].firedNs.has_value());
    CHECK(view("remote-short").state == rt::TaskState::Done);
    // Fired by its end, not at once: after it finished, not before.
    CHECK(*view("remote-short").callbacks[0].firedNs >= *view("remote-short").finishedNs);
    for (const char *name : {"remote-long", "local-long"}) {
        CHECK(view(name).state == rt::TaskState::Cancelled);
        CHECK(view(name).cancelReason == QStringLiteral("user"));
    }
}

TEST_CASE("cancelling 200,000 tasks from outside goes a slice per step, each task once, with its reason")
{
    rt::Loop loop(QStringLiteral("main"));
    taskset::TaskSetRun run(parseSet(R"({"format":"coroscope.taskset/1","name":"t","tasks":[
        {"op":"repeat","name":"many","count":200000,"task":{"op":"sleep","seconds":30}}]})"),
                            loop);
    bool finished = false;
    QObject::connect(&run, &taskset::TaskSetRun::finished, [&] { finished = true; });
    run.start();
    REQUIRE(runUntil([&] { return run.tasksCreated() == 200001 && loop.readyCount() == 0; }, 60s).reached);

    const auto drain = [&] {
        rt::JournalBatch b;
        loop.journal().publish();
        loop.journal().drain(b);
        return b;
    };
    std::vector<std::uint64_t> ids;
    for (const rt::Event &e : drain().events) {
        if (e.type == EventType::Created)
            ids.push_back(e.task);
    }
    REQUIRE(ids.size() == 200001);
    // Cancelling them takes tens of milliseconds: one step does about 5 ms of it, the
    // steps queued after it the rest (docs/spec/taskset-format.md).
    run.cancel({ids.front()}, std::vector<std::uint64_t>(ids.begin() + 1, ids.end()));
    std::size_t requestedInFirstStep = 0;
    for (const rt::Event &e : drain().events)
        requestedInFirstStep += e.type == EventType::CancelRequested ? 1 : 0;
    CHECK(requestedInFirstStep > 0);
    CHECK(requestedInFirstStep < ids.size());
    REQUIRE(runUntil([&] { return finished; }, 60s).reached);

    std::map<std::uint64_t, int> requests;
    std::map<std::uint64_t, CancelKind> reasons;
    for (const rt::Event &e : drain().events) {
        if (e.type == EventType::CancelRequested)
            ++requests[e.task];
        if (e.type == EventType::Cancelled)
            reasons[e.task] = CancelKind(e.kind);
    }
    CHECK(requests.size() + requestedInFirstStep == ids.size());
    CHECK(std::all_of(requests.begin(), requests.end(), [](const auto &r) { return r.second == 1; }));
    REQUIRE(reasons.size() == ids.size());
    CHECK(reasons[ids.front()] == CancelKind::User);
    CHECK(std::count_if(reasons.begin(), reasons.end(), [](const auto &r) { return r.second == CancelKind::Parent; })
          == std::ptrdiff_t(ids.size() - 1));
}

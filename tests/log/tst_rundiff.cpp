// Comparing two runs: tasks matched by name path, outcomes, one-sided tasks, finish
// times against the tolerance. Logs are written as json text and read back, as
// `coroscope diff` reads them.

#include "log/logreader.h"
#include "log/logreplay.h"
#include "log/rundiff.h"
#include "log/runrecord.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <catch2/catch.hpp>

using namespace coroscope;
using namespace coroscope::log;

namespace {

struct T {
    int id;
    const char *name;
    int parent; // 0 = none
    const char *state;
    double finishedMs;
    QJsonValue result = QJsonValue::Null;
    const char *error = nullptr;
    const char *reason = nullptr;
};

RunLog logOf(const std::vector<T> &tasks)
{
    QJsonArray array;
    for (const T &t : tasks) {
        QJsonObject o;
        o[QStringLiteral("id")] = t.id;
        o[QStringLiteral("name")] = QString::fromUtf8(t.name);
        o[QStringLiteral("op")] = QStringLiteral("sleep");
        o[QStringLiteral("parent")] = t.parent ? QJsonValue(t.parent) : QJsonValue();
        o[QStringLiteral("origin")] = QJsonValue();
        o[QStringLiteral("loop")] = QStringLiteral("main");
        o[QStringLiteral("state")] = QString::fromUtf8(t.state);
        o[QStringLiteral("created_ms")] = 0.0;
        o[QStringLiteral("started_ms")] = 0.1;
        o[QStringLiteral("finished_ms")] = t.finishedMs;
        o[QStringLiteral("result")] = t.result;
        o[QStringLiteral("error")] = t.error ? QJsonValue(QString::fromUtf8(t.error)) : QJsonValue();
        o[QStringLiteral("cancel_reason")] = t.reason ? QJsonValue(QString::fromUtf8(t.reason)) : QJsonValue();
        o[QStringLiteral("callbacks")] = QJsonArray();
        array.append(o);
    }
    QJsonObject root;
    root[QStringLiteral("format")] = QStringLiteral("coroscope.log/1");
    root[QStringLiteral("set")] = QStringLiteral("s");
    root[QStringLiteral("started_at")] = QStringLiteral("2026-12-07T10:00:00.000Z");
    root[QStringLiteral("duration_ms")] = 1000.0;
    root[QStringLiteral("tasks")] = array;
    root[QStringLiteral("events")] = QJsonArray();
    root[QStringLiteral("loops")] = QJsonArray{QJsonObject{{QStringLiteral("name"), QStringLiteral("main")},
                                                           {QStringLiteral("max_stall_ms"), 0.0},
                                                           {QStringLiteral("stalls"), QJsonArray()}}};
    const LogReadResult r = LogReader::parse(QJsonDocument(root).toJson(), QStringLiteral("test"));
    INFO(r.error.toStdString());
    REQUIRE(r.ok());
    return *r.log;
}

const std::vector<T> kBase = {
    {1, "main", 0, "done", 400, QJsonArray{1, 2}},
    {2, "fetch", 1, "done", 100, 1},
    {3, "fetch", 1, "done", 200, 2},
    {4, "slow", 1, "cancelled", 300, QJsonValue::Null, nullptr, "parent"},
};

} // namespace

TEST_CASE("a run compared with itself agrees")
{
    const RunLog a = logOf(kBase);
    const RunDiffResult d = diffRuns(a, a, 60);
    CHECK(d.agree());
    CHECK(d.compared == 4);
    const QStringList lines = formatRunDiff(d, 60);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].startsWith(QStringLiteral("the runs agree: 4 tasks")));
}

TEST_CASE("diffing two runs names every task whose outcome changed")
{
    std::vector<T> changed = kBase;
    SECTION("a state and its reason")
    {
        changed[3] = {4, "slow", 1, "done", 300, 7};
        const RunDiffResult d = diffRuns(logOf(kBase), logOf(changed), 60);
        REQUIRE(d.changed.size() == 1);
        CHECK(d.changed[0].path == QStringLiteral("main / slow"));
        CHECK(d.changed[0].fields.contains(QStringLiteral("state: cancelled -> done")));
        CHECK(d.changed[0].fields.contains(QStringLiteral("result: null -> 7")));
        CHECK(d.changed[0].fields.contains(QStringLiteral("cancel reason: \"parent\" -> none")));
    }
    SECTION("an error text")
    {
        changed[1] = {2, "fetch", 1, "failed", 100, QJsonValue::Null, "boom"};
        const RunDiffResult d = diffRuns(logOf(kBase), logOf(changed), 60);
        REQUIRE(d.changed.size() == 1);
        // Two siblings share the path: the first of them is #1 in both runs.
        CHECK(d.changed[0].path == QStringLiteral("main / fetch #1"));
        CHECK(d.changed[0].fields.contains(QStringLiteral("error: none -> \"boom\"")));
    }
    SECTION("a result deep inside a list")
    {
        changed[0].result = QJsonArray{1, 3};
        const RunDiffResult d = diffRuns(logOf(kBase), logOf(changed), 60);
        REQUIRE(d.changed.size() == 1);
        CHECK(d.changed[0].fields == QStringList{QStringLiteral("result: [1,2] -> [1,3]")});
    }
}

TEST_CASE("diffing two runs reports finish times only past the tolerance")
{
    std::vector<T> later = kBase;
    later[2].finishedMs = 200 + 59;
    CHECK(diffRuns(logOf(kBase), logOf(later), 60).agree());
    later[2].finishedMs = 200 + 61;
    const RunDiffResult d = diffRuns(logOf(kBase), logOf(later), 60);
    REQUIRE(d.changed.size() == 1);
    CHECK(d.changed[0].moved);
    CHECK(d.changed[0].fields.isEmpty());
    CHECK(d.changed[0].finishedShiftMs == Approx(61));
    CHECK(diffRuns(logOf(kBase), logOf(later), 100).agree());
    const QStringList lines = formatRunDiff(d, 60);
    CHECK(lines[0] == QStringLiteral("changed  main / fetch #2: finished +61.0 ms"));
}

TEST_CASE("diffing two runs lists the tasks found in one of them only")
{
    std::vector<T> other = kBase;
    other.pop_back();                                       // slow is gone
    other.push_back({4, "fresh", 1, "done", 300, 1});       // a new one
    other.push_back({5, "fetch", 1, "done", 350, 3});       // a third fetch
    const RunDiffResult d = diffRuns(logOf(kBase), logOf(other), 60);
    CHECK(d.onlyInA == QStringList{QStringLiteral("main / slow")});
    CHECK(d.onlyInB == QStringList{QStringLiteral("main / fresh"), QStringLiteral("main / fetch #3")});
    CHECK(d.changed.empty());
    CHECK(d.compared == 3);
    CHECK(formatRunDiff(d, 60).last().contains(QStringLiteral("1 only in A, 2 only in B")));
}

TEST_CASE("a task is matched by its whole name path, not its name alone")
{
    // The same name under two parents is two tasks.
    const std::vector<T> a = {{1, "p", 0, "done", 10, 1}, {2, "q", 0, "done", 10, 1}, {3, "x", 1, "done", 5, 1}};
    const std::vector<T> b = {{1, "p", 0, "done", 10, 1}, {2, "q", 0, "done", 10, 1}, {3, "x", 2, "done", 5, 1}};
    const RunDiffResult d = diffRuns(logOf(a), logOf(b), 60);
    CHECK(d.onlyInA == QStringList{QStringLiteral("p / x")});
    CHECK(d.onlyInB == QStringList{QStringLiteral("q / x")});
}

TEST_CASE("diffing two task tables names each differing task by its id in both runs")
{
    // B has a task more before `slow`: the matched tasks keep their paths, not their ids.
    std::vector<T> other = {
        {1, "main", 0, "done", 400, QJsonArray{1, 2}},
        {2, "early", 1, "done", 50, 0},
        {3, "fetch", 1, "done", 100, 1},
        {4, "fetch", 1, "done", 200, 2},
        {5, "slow", 1, "failed", 300, QJsonValue::Null, "boom"},
    };
    RunRecord a(RunRecord::Spool::None);
    RunRecord b(RunRecord::Spool::None);
    replayLog(logOf(kBase), a);
    replayLog(logOf(other), b);
    const RunDiffResult d = diffRuns(a, b, kDefaultDiffToleranceMs);
    REQUIRE(d.changed.size() == 1);
    CHECK(d.changed[0].path == QStringLiteral("main / slow"));
    CHECK(d.changed[0].idA == 4);
    CHECK(d.changed[0].idB == 5);
    CHECK(describeTaskDiff(d.changed[0])
          == QStringLiteral("state: cancelled -> failed; error: none -> \"boom\"; cancel reason: \"parent\" -> none"));
    CHECK(d.onlyInB == QStringList{QStringLiteral("main / early")});
    CHECK(d.onlyInBIds == std::vector<std::uint64_t>{2});
    CHECK(d.onlyInAIds.empty());
    CHECK(d.compared == 4);
}

TEST_CASE("a task table compared with itself agrees, and the summary line says so")
{
    RunRecord a(RunRecord::Spool::None);
    replayLog(logOf(kBase), a);
    const RunDiffResult d = diffRuns(a, a, kDefaultDiffToleranceMs);
    CHECK(d.agree());
    CHECK(summarizeRunDiff(d, kDefaultDiffToleranceMs)
          == QStringLiteral("the runs agree: 4 tasks, same outcomes, finish times within 60 ms"));
}

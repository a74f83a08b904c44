// The store's playhead (docs/spec/time-travel.md): with the playhead on a run, the
// table, tree and counters read that run as it was then; Live returns to now.

#include "monitor/tasklistmodel.h"
#include "monitor/taskstats.h"
#include "monitor/taskstore.h"
#include "monitor/tasktreemodel.h"

#include "log/logreader.h"
#include "log/optag.h"
#include "runtime/journal.h"

#include <QAbstractItemModelTester>

#include <catch2/catch.hpp>

using namespace coroscope;
using namespace coroscope::monitor;
using rt::EventType;
using rt::TaskState;

namespace {

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kStart = 9'000 * kMs;

// One batch of events of loop "main" at the given ms since the run's start.
struct Batch {
    rt::JournalBatch b;
    Batch &add(double ms, EventType type, std::uint64_t task, std::uint64_t arg = 0, std::uint8_t kind = 0)
    {
        b.events.push_back(rt::Event{kStart + std::int64_t(ms * double(kMs)), task, arg, 0, 0, type, kind, 0});
        return *this;
    }
};

// A run of two tasks: `first` starts at 1 ms, sleeps from 2 ms to 8 ms and is done at
// 10 ms; `second`, its child, is created at 5 ms and fails at 12 ms.
int recordRun(TaskStore &store)
{
    const int run = store.addRun(QStringLiteral("travel"), QDateTime::currentDateTimeUtc(), kStart,
                                 log::RunRecord::Spool::Events);
    Batch batch;
    batch.add(0, EventType::Created, 101, 0, std::uint8_t(log::OpTag::Sleep))
        .add(1, EventType::Started, 101)
        .add(2, EventType::Suspended, 101, 1500, std::uint8_t(rt::AwaitKind::Sleep))
        .add(5, EventType::Created, 102, 101, std::uint8_t(log::OpTag::Fail))
        .add(6, EventType::Started, 102)
        .add(8, EventType::Resumed, 101)
        .add(10, EventType::Done, 101)
        .add(12, EventType::Failed, 102);
    store.apply(run, QStringLiteral("main"), batch.b);
    store.setRunFinished(run, kStart + 12 * kMs);
    store.endTick();
    return run;
}

} // namespace

TEST_CASE("with the playhead on a run, the table, tree and counters show it as it was then")
{
    TaskStore store;
    const int run = recordRun(store);
    TaskListModel list(&store);
    list.setRunFilter(run);
    TaskTreeModel tree(&store);
    tree.setRunFilter(run);
    TaskStats stats(&store);
    stats.setScopeRunId(run);
    QAbstractItemModelTester listTester(&list, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QAbstractItemModelTester treeTester(&tree, QAbstractItemModelTester::FailureReportingMode::Fatal);
    REQUIRE(list.rowCount() == 2);
    REQUIRE(stats.done() == 1);

    REQUIRE(store.setPlayhead(run, 3 * kMs).isEmpty());
    REQUIRE(store.playheadRun() == run);
    SECTION("a task created later is not there yet")
    {
        REQUIRE(list.rowCount() == 1);
        REQUIRE(tree.rowCount() == 1);
        REQUIRE(tree.rowCount(tree.index(0, 0)) == 0);
        REQUIRE(stats.total() == 1);
    }
    SECTION("the task shown is running, asleep, with no result and no end")
    {
        const int row = store.rowOfLocal(run, 1);
        REQUIRE(store.state(row) == TaskState::Running);
        REQUIRE(store.awaiting(row) == QStringLiteral("sleep 1.5s"));
        REQUIRE(store.startedNs(row) == 1 * kMs);
        REQUIRE_FALSE(store.finishedNs(row).has_value());
        REQUIRE(store.durationNs(row) == 2 * kMs);
        REQUIRE(store.resultText(row).isEmpty());
        REQUIRE(stats.running() == 1);
        REQUIRE(stats.done() == 0);
    }
    SECTION("moved on, the table follows: the parent done, the child still running")
    {
        REQUIRE(store.setPlayhead(run, 10 * kMs).isEmpty()); // an event at t has happened at t
        REQUIRE(list.rowCount() == 2);
        REQUIRE(store.state(store.rowOfLocal(run, 1)) == TaskState::Done);
        REQUIRE(store.state(store.rowOfLocal(run, 2)) == TaskState::Running);
        REQUIRE(store.awaiting(store.rowOfLocal(run, 1)).isEmpty());
        REQUIRE(stats.done() == 1);
        REQUIRE(stats.running() == 1);
        list.setStateFilter(int(stateBit(TaskState::Running)));
        REQUIRE(list.rowCount() == 1);
        REQUIRE(list.keyAt(0) == TaskStore::makeKey(run, 2));
    }
    SECTION("Live shows the run as it is now")
    {
        store.setLive();
        REQUIRE(store.playheadRun() == 0);
        REQUIRE(list.rowCount() == 2);
        REQUIRE(stats.failed() == 1);
        REQUIRE(store.state(store.rowOfLocal(run, 2)) == TaskState::Failed);
    }
}

TEST_CASE("a live run's history is taken again when the playhead passes what it holds")
{
    TaskStore store;
    const int run = store.addRun(QStringLiteral("growing"), QDateTime::currentDateTimeUtc(), kStart,
                                 log::RunRecord::Spool::Events);
    Batch first;
    first.add(0, EventType::Created, 7).add(1, EventType::Started, 7);
    store.apply(run, QStringLiteral("main"), first.b);
    store.endTick();
    REQUIRE(store.setPlayhead(run, 1 * kMs).isEmpty());
    Batch later;
    later.add(4, EventType::Done, 7);
    store.apply(run, QStringLiteral("main"), later.b);
    store.endTick();
    REQUIRE(store.state(0) == TaskState::Running); // the playhead stays where it was
    REQUIRE(store.setPlayhead(run, 5 * kMs).isEmpty());
    REQUIRE(store.state(0) == TaskState::Done);
}

TEST_CASE("a run opened from a log travels through the log's events, awaits as the log says them")
{
    log::RunLog runLog;
    runLog.set = QStringLiteral("from-a-log");
    runLog.durationMs = 20;
    log::LogTask task;
    task.id = 1;
    task.name = QStringLiteral("waiter");
    task.op = QStringLiteral("sleep");
    task.loop = QStringLiteral("main");
    task.state = TaskState::Cancelled;
    task.startedMs = 1;
    task.finishedMs = 20;
    task.cancelReason = QStringLiteral("user");
    runLog.tasks.push_back(task);
    auto event = [&](double t, EventType type, const QString &text = {}) {
        log::LogEvent e;
        e.tMs = t;
        e.task = 1;
        e.type = type;
        e.text = text;
        runLog.events.push_back(e);
    };
    event(0, EventType::Created);
    event(1, EventType::Started);
    event(2, EventType::Suspended, QStringLiteral("sleep 60s"));
    event(20, EventType::Cancelled);

    TaskStore store;
    const int run = store.loadLog(runLog, QStringLiteral("run.json"));
    REQUIRE(store.setPlayhead(run, 10 * kMs).isEmpty());
    REQUIRE(store.state(0) == TaskState::Running);
    REQUIRE(store.awaiting(0) == QStringLiteral("sleep 60s"));
    REQUIRE(store.cancelReason(0).isEmpty());
    REQUIRE(store.setPlayhead(run, 20 * kMs).isEmpty());
    REQUIRE(store.state(0) == TaskState::Cancelled);
    REQUIRE(store.cancelReason(0) == QStringLiteral("user"));
}

TEST_CASE("a run that keeps no events cannot take the playhead, and says why")
{
    TaskStore store;
    const int run = store.addRun(QStringLiteral("no spool"), QDateTime::currentDateTimeUtc(), kStart);
    REQUIRE_FALSE(store.setPlayhead(run, 0).isEmpty());
    REQUIRE(store.playheadRun() == 0);
}

// The dashboard's data side: TaskStore fed from scripted journal batches, and every
// model over it checked by QAbstractItemModelTester (fatal) at every step.
#include <catch2/catch.hpp>

#include "monitor/runlistmodel.h"
#include "monitor/stateindex.h"
#include "monitor/taskroles.h"
#include "monitor/tasklistmodel.h"
#include "monitor/taskstats.h"
#include "monitor/taskstore.h"
#include "monitor/tasktreemodel.h"

#include "log/logreader.h"
#include "log/optag.h"
#include "runtime/journal.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <vector>

using namespace coroscope;
using namespace coroscope::monitor;
using rt::EventType;
using rt::TaskState;
using Tester = QAbstractItemModelTester;

namespace Catch {
template<>
struct StringMaker<QString> {
    static std::string convert(const QString &s) { return s.toStdString(); }
};
} // namespace Catch

namespace {

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kStart = 5'000 * kMs; // the runs' start on the monotonic clock

// Writes events into one rt::Journal per loop and applies what it drains to a run.
class Script
{
public:
    Script(TaskStore &store, int runId) : m_store(store), m_runId(runId) {}

    Script &at(std::int64_t ms)
    {
        m_t = kStart + ms * kMs;
        return *this;
    }
    Script &created(const QString &loop, std::uint64_t task, const QString &name, log::OpTag op,
                    std::uint64_t parent = 0)
    {
        rt::Journal &j = journal(loop);
        j.append(EventType::Created, task, parent, std::uint8_t(op), j.addString(name), 0, m_t);
        return *this;
    }
    Script &event(const QString &loop, EventType type, std::uint64_t task, std::uint64_t arg = 0,
                  std::uint8_t kind = 0, const QString &text = {})
    {
        rt::Journal &j = journal(loop);
        j.append(type, task, arg, kind, text.isEmpty() ? 0 : j.addString(text), 0, m_t);
        return *this;
    }
    // Applies every loop's events (main first), without ticking.
    void flush()
    {
        for (auto &[name, j] : m_journals) {
            j->publish();
            rt::JournalBatch batch;
            j->drain(batch);
            m_store.apply(m_runId, name, batch);
        }
    }
    void tick()
    {
        flush();
        m_store.endTick();
    }

private:
    rt::Journal &journal(const QString &loop)
    {
        for (auto &[name, j] : m_journals) {
            if (name == loop)
                return *j;
        }
        m_journals.emplace_back(loop, std::make_unique<rt::Journal>());
        return *m_journals.back().second;
    }

    TaskStore &m_store;
    int m_runId;
    std::int64_t m_t = kStart;
    std::vector<std::pair<QString, std::unique_ptr<rt::Journal>>> m_journals;
};

const QString kMain = QStringLiteral("main");
const QString kWorker = QStringLiteral("worker");

// Every model over one store, each watched by a fatal QAbstractItemModelTester.
struct Dashboard {
    std::int64_t now = kStart;
    TaskStore store;
    TaskListModel list{&store};
    TaskTreeModel tree{&store};
    TaskStats stats{&store};
    RunListModel runs{&store};
    Tester listTester{&list, Tester::FailureReportingMode::Fatal};
    Tester treeTester{&tree, Tester::FailureReportingMode::Fatal};
    Tester runsTester{&runs, Tester::FailureReportingMode::Fatal};
    std::vector<TickChange> ticks;

    Dashboard()
    {
        store.setClock([this] { return now; });
        list.setResortIntervalMs(0);
        QObject::connect(&store, &TaskStore::ticked, &store, [this](const TickChange &c) { ticks.push_back(c); });
    }
    QVariant role(int row, int role) const { return list.data(list.index(row), role); }
    QString name(int row) const { return role(row, TaskRoles::NameRole).toString(); }
    QStringList names() const
    {
        QStringList out;
        for (int r = 0; r < list.rowCount(); ++r)
            out.append(name(r));
        return out;
    }
};

qint64 key(int run, std::uint64_t local) { return TaskStore::makeKey(run, local); }

// Run 1 on loops main and worker: a root with two children and a grandchild, a pending
// pool task; callbacks, a stall, a result, an error and a cancellation.
void scriptRunOne(Script &s)
{
    s.at(0)
        .created(kMain, 1, QStringLiteral("root"), log::OpTag::Gather)
        .event(kMain, EventType::Started, 1)
        .event(kMain, EventType::CallbackAdded, 1, 0, 0, QStringLiteral("{\"kind\":\"log\",\"message\":\"hi\"}"))
        .event(kMain, EventType::Suspended, 1, 2, std::uint8_t(rt::AwaitKind::Gather));
    s.at(1)
        .created(kMain, 2, QStringLiteral("child-a"), log::OpTag::Sleep, 1)
        .created(kMain, 3, QStringLiteral("child-b"), log::OpTag::Fail, 1)
        .created(kMain, 4, QStringLiteral("Loader"), log::OpTag::Cpu);
    s.at(2).event(kMain, EventType::Started, 2).event(kMain, EventType::Suspended, 2, 2000,
                                                      std::uint8_t(rt::AwaitKind::Sleep));
    s.at(3).event(kMain, EventType::Started, 3).event(kMain, EventType::Failed, 3, 0, 0, QStringLiteral("boom"));
    s.at(4).event(kMain, EventType::Stall, 2, std::uint64_t(120 * kMs));
}

} // namespace

TEST_CASE("a tick appends the new rows and every role reads the store")
{
    Dashboard d;
    const int run = d.store.addRun(QStringLiteral("alpha"), QDateTime::currentDateTimeUtc(), kStart);
    REQUIRE(run == 1);
    Script s(d.store, run);
    scriptRunOne(s);
    d.now = kStart + 10 * kMs;
    s.tick();

    REQUIRE(d.ticks.size() == 1);
    const TickChange &c = d.ticks.back();
    CHECK_FALSE(c.reset);
    CHECK(c.appendedFirst == 0);
    CHECK(c.appendedCount == 4);
    CHECK_FALSE(c.hasChanged());
    CHECK(c.counts[std::size_t(TaskState::Running)] == 2);
    CHECK(c.finished == 1);

    REQUIRE(d.list.rowCount() == 4);
    CHECK(d.list.count() == 4);
    CHECK(d.names() == QStringList{QStringLiteral("root"), QStringLiteral("child-a"), QStringLiteral("child-b"),
                                   QStringLiteral("Loader")});
    CHECK(d.list.keyAt(2) == key(1, 3));
    CHECK(d.list.rowOfKey(key(1, 3)) == 2);
    CHECK(d.list.rowOfKey(key(1, 9)) == -1);
    CHECK(d.store.rowOfKey(key(1, 4)) == 3);
    CHECK(d.store.keyOfRow(3) == key(1, 4));

    CHECK(d.role(0, TaskRoles::TaskKeyRole).toLongLong() == key(1, 1));
    CHECK(d.role(0, TaskRoles::RunIdRole).toInt() == 1);
    CHECK(d.role(0, TaskRoles::TaskIdRole).toInt() == 1);
    CHECK(d.role(0, TaskRoles::OpRole).toString() == QStringLiteral("gather"));
    CHECK(d.role(0, TaskRoles::StateRole).toString() == QStringLiteral("running"));
    CHECK(d.role(0, TaskRoles::AwaitingRole).toString() == QStringLiteral("gather 2"));
    CHECK(d.role(0, TaskRoles::CallbackCountRole).toInt() == 1);
    CHECK(d.role(0, TaskRoles::ParentKeyRole).toLongLong() == -1);
    CHECK(d.role(0, TaskRoles::StartedMsRole).toDouble() == 0.0);
    CHECK(d.role(0, TaskRoles::DurationMsRole).toDouble() == 10.0); // ticking: the store's clock
    CHECK(d.role(1, TaskRoles::AwaitingRole).toString() == QStringLiteral("sleep 2s"));
    CHECK(d.role(1, TaskRoles::ParentKeyRole).toLongLong() == key(1, 1));
    CHECK(d.role(1, TaskRoles::LoopRole).toString() == kMain);
    CHECK(d.role(2, TaskRoles::StateRole).toString() == QStringLiteral("failed"));
    CHECK(d.role(2, TaskRoles::ResultTextRole).toString() == QStringLiteral("boom"));
    CHECK(d.role(2, TaskRoles::DurationMsRole).toDouble() == 0.0);
    CHECK(d.role(3, TaskRoles::StateRole).toString() == QStringLiteral("pending"));
    CHECK_FALSE(d.role(3, TaskRoles::StartedMsRole).isValid());
    CHECK_FALSE(d.role(3, TaskRoles::DurationMsRole).isValid());
    CHECK(d.list.roleNames().value(TaskRoles::CancelReasonRole) == QByteArrayLiteral("cancelReason"));

    SECTION("the next tick reports the changed rows as one range and the transitions")
    {
        QSignalSpy changed(&d.list, &QAbstractItemModel::dataChanged);
        QSignalSpy inserted(&d.list, &QAbstractItemModel::rowsInserted);
        s.at(20).event(kWorker, EventType::Done, 2, 0, 0, QStringLiteral("42"));
        s.created(kWorker, 5, QStringLiteral("cancel-me"), log::OpTag::Sleep, 2);
        s.event(kWorker, EventType::Cancelled, 5, 0, std::uint8_t(rt::CancelKind::User));
        s.tick();
        const TickChange &t = d.ticks.back();
        CHECK(t.appendedFirst == 4);
        CHECK(t.appendedCount == 1);
        CHECK(t.changedFirst == 1);
        CHECK(t.changedLast == 1);
        CHECK(t.transitionFirst[std::size_t(TaskState::Running) * 5 + std::size_t(TaskState::Done)] == 1);
        CHECK(t.firstMembershipChange(stateBit(TaskState::Running)) == 1);
        CHECK(t.firstMembershipChange(kAllStates) == INT_MAX);
        CHECK(inserted.count() == 1);
        // What changed with the roles that can change; then, as the root still runs,
        // every kept row with only the role the clock moves.
        REQUIRE(changed.count() == 2);
        CHECK(changed.at(0).at(0).toModelIndex().row() == 1);
        CHECK(changed.at(0).at(1).toModelIndex().row() == 1);
        const auto roles = changed.at(0).at(2).value<QList<int>>();
        CHECK(roles.contains(TaskRoles::StateRole));
        CHECK(roles.contains(TaskRoles::ResultTextRole));
        CHECK(roles.contains(TaskRoles::DurationMsRole));
        CHECK_FALSE(roles.contains(TaskRoles::NameRole));
        CHECK_FALSE(roles.contains(TaskRoles::TaskIdRole));
        CHECK(changed.at(1).at(0).toModelIndex().row() == 0);
        CHECK(changed.at(1).at(1).toModelIndex().row() == 3);
        CHECK(changed.at(1).at(2).value<QList<int>>() == QList<int>{TaskRoles::DurationMsRole});
        CHECK(d.role(1, TaskRoles::ResultTextRole).toString() == QStringLiteral("42"));
        CHECK(d.role(4, TaskRoles::CancelReasonRole).toString() == QStringLiteral("user"));
        CHECK(d.role(4, TaskRoles::LoopRole).toString() == kWorker);
    }

    SECTION("with nothing running only the changed range is announced")
    {
        s.at(30).event(kMain, EventType::Done, 1).event(kMain, EventType::Done, 2);
        s.tick();
        QSignalSpy changed(&d.list, &QAbstractItemModel::dataChanged);
        s.at(40).event(kMain, EventType::CallbackAdded, 2, 0, 0, QStringLiteral("{}"));
        s.tick();
        REQUIRE(changed.count() == 1);
        CHECK(changed.at(0).at(0).toModelIndex().row() == 1);
        CHECK(changed.at(0).at(1).toModelIndex().row() == 1);
        CHECK(changed.at(0).at(2).value<QList<int>>().contains(TaskRoles::CallbackCountRole));
    }

    SECTION("time passing alone re-reads only the durations")
    {
        QSignalSpy changed(&d.list, &QAbstractItemModel::dataChanged);
        d.now = kStart + 50 * kMs;
        s.tick();
        REQUIRE(changed.count() == 1);
        CHECK(changed.at(0).at(1).toModelIndex().row() == 3);
        CHECK(changed.at(0).at(2).value<QList<int>>() == QList<int>{TaskRoles::DurationMsRole});
        CHECK(d.role(0, TaskRoles::DurationMsRole).toDouble() == 50.0);
    }
}

TEST_CASE("a finished run's last warnings are decided at its end over the next ticks, a slice a tick")
{
    Dashboard d;
    const int runId = d.store.addRun(QStringLiteral("alpha"), {}, kStart);
    Script s(d.store, runId);
    // 40,000 tasks whose cancel is requested 200 ms before the run ends: more than one
    // tick decides of a queue, none past its deadline (100 ms) while the run lives.
    constexpr std::uint64_t kTasks = 40'000;
    s.at(0);
    for (std::uint64_t t = 1; t <= kTasks; ++t)
        s.created(kMain, t, QStringLiteral("t"), log::OpTag::Sleep);
    s.at(1);
    for (std::uint64_t t = 1; t <= kTasks; ++t)
        s.event(kMain, EventType::Started, t);
    s.at(800);
    for (std::uint64_t t = 1; t <= kTasks; ++t)
        s.event(kMain, EventType::CancelRequested, t, 0, std::uint8_t(rt::CancelKind::User));
    d.now = kStart + 850 * kMs;
    s.tick();
    REQUIRE(d.store.warnings(runId)->warnings().empty());
    d.store.setRunFinished(runId, kStart + 1000 * kMs);
    d.store.endTick();
    const std::size_t first = d.store.warnings(runId)->warnings().size();
    CHECK(first > 0);
    CHECK(first < kTasks);
    CHECK(d.store.hasUnpublished()); // more ticks come for the rest
    for (int tick = 0; tick < 10 && d.store.hasUnpublished(); ++tick)
        d.store.endTick();
    CHECK_FALSE(d.store.hasUnpublished());
    // Each decided as of the run's end: cancel requested at 800 ms, still not honoured at 1000 ms.
    const log::WarningScanner &w = *d.store.warnings(runId);
    REQUIRE(w.warnings().size() == kTasks);
    CHECK(w.line(w.warnings().back()).endsWith(QStringLiteral("still not honoured 200.0 ms later")));
}

TEST_CASE("the state filter follows tasks that enter and leave it")
{
    Dashboard d;
    Script s(d.store, d.store.addRun(QStringLiteral("alpha"), {}, kStart));
    scriptRunOne(s);
    s.tick();

    d.list.setStateFilter(int(stateBit(TaskState::Running)));
    CHECK(d.list.count() == 2);
    CHECK(d.names() == QStringList{QStringLiteral("root"), QStringLiteral("child-a")});
    CHECK(d.list.rowOfKey(key(1, 2)) == 1);
    CHECK(d.list.rowOfKey(key(1, 3)) == -1);

    // child-a finishes, Loader starts, a new running task arrives.
    s.at(10).event(kMain, EventType::Done, 2).event(kMain, EventType::Started, 4);
    s.created(kMain, 6, QStringLiteral("late"), log::OpTag::Sleep).event(kMain, EventType::Started, 6);
    s.tick();
    CHECK(d.list.count() == 3);
    CHECK(d.names() == QStringList{QStringLiteral("root"), QStringLiteral("Loader"), QStringLiteral("late")});
    CHECK(d.list.keyAt(2) == key(1, 5));

    d.list.setStateFilter(int(stateBit(TaskState::Done) | stateBit(TaskState::Failed)));
    CHECK(d.names() == QStringList{QStringLiteral("child-a"), QStringLiteral("child-b")});
    d.list.setStateFilter(int(kAllStates));
    CHECK(d.list.count() == 5);
}

TEST_CASE("a histogram's range filters the table, and a task enters it when its value is counted")
{
    Dashboard d;
    Script s(d.store, d.store.addRun(QStringLiteral("alpha"), {}, kStart));
    const auto sleep = std::uint8_t(rt::AwaitKind::Sleep);
    s.at(0).created(kMain, 1, QStringLiteral("a"), log::OpTag::Sleep).created(kMain, 2, QStringLiteral("b"), log::OpTag::Sleep);
    s.created(kMain, 3, QStringLiteral("c"), log::OpTag::Cpu);
    // a holds its loop 2 ms, b 1 ms; c has not started.
    s.at(1).event(kMain, EventType::Started, 1).at(3).event(kMain, EventType::Suspended, 1, 1000, sleep);
    s.at(3).event(kMain, EventType::Started, 2).at(4).event(kMain, EventType::Suspended, 2, 1000, sleep);
    s.tick();

    RangeFilter steps;
    steps.measure = log::Measure::StepHold;
    steps.first = steps.last = log::bucketOf(2 * kMs); // [2 ms, 5 ms)
    d.list.setRangeFilter(steps);
    CHECK(d.list.rangeFiltered());
    CHECK(d.names() == QStringList{QStringLiteral("a")});

    // c's one step holds the loop 3 ms: it joins at the tick that publishes it.
    s.at(5).event(kMain, EventType::Started, 3).at(8).event(kMain, EventType::Done, 3);
    s.flush();
    CHECK(d.names() == QStringList{QStringLiteral("a")});
    s.tick();
    CHECK(d.names() == QStringList{QStringLiteral("a"), QStringLiteral("c")});

    SECTION("with a state: a task that ends leaves the running ones")
    {
        steps.stateMask = stateBit(TaskState::Running);
        d.list.setRangeFilter(steps);
        CHECK(d.names() == QStringList{QStringLiteral("a")});
        s.at(1003).event(kMain, EventType::Resumed, 1).at(1004).event(kMain, EventType::Done, 1);
        s.tick();
        CHECK(d.list.count() == 0);
    }
    SECTION("with an op: only that op's tasks")
    {
        steps.opMask = 1u << int(log::OpTag::Cpu);
        d.list.setRangeFilter(steps);
        CHECK(d.names() == QStringList{QStringLiteral("c")});
    }
    SECTION("the wait for the loop: created to first step")
    {
        RangeFilter wait;
        wait.measure = log::Measure::Wait;
        wait.first = log::bucketOf(1 * kMs);     // [1 ms, 2 ms): a
        wait.last = log::bucketOf(3 * kMs);      // [2 ms, 5 ms): b, and c (5 ms) is past it
        d.list.setRangeFilter(wait);
        CHECK(d.names() == QStringList{QStringLiteral("a"), QStringLiteral("b")});
    }
    SECTION("off again, every task")
    {
        d.list.setRangeFilter(RangeFilter{});
        CHECK_FALSE(d.list.rangeFiltered());
        CHECK(d.list.count() == 3);
    }
}

TEST_CASE("a range-filtered table followed tick by tick shows what filtering it afresh shows, on random runs")
{
    for (unsigned seed = 1; seed <= 10; ++seed) {
        CAPTURE(seed);
        std::mt19937 rng(seed);
        const auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
        Dashboard d;
        Script s(d.store, d.store.addRun(QStringLiteral("alpha"), {}, kStart));
        RangeFilter filter;
        filter.measure = log::Measure(pick(log::kMeasureCount));
        filter.first = log::bucketOf(std::int64_t(1 + pick(3)) * kMs);
        filter.last = filter.first + pick(3);
        if (pick(2) == 0)
            filter.stateMask = stateBit(TaskState(pick(kStateCount)));
        d.list.setRangeFilter(filter);
        // Tasks that start, hold their loop 0-9 ms a step, wait, and end, a few per tick.
        std::vector<int> phase(200, 0); // 0 not created, 1 pending, 2 in a step, 3 suspended, 4 ended
        std::int64_t ms = 0;
        for (int tick = 0; tick < 60; ++tick) {
            for (int e = 0; e < 12; ++e) {
                const int task = pick(int(phase.size()));
                const auto id = std::uint64_t(task + 1);
                ms += pick(4);
                s.at(ms);
                switch (phase[std::size_t(task)]) {
                case 0:
                    // Tasks are created in id order: create every one up to it.
                    for (int t = 0; t <= task; ++t) {
                        if (phase[std::size_t(t)] == 0) {
                            s.created(kMain, std::uint64_t(t + 1), QStringLiteral("t%1").arg(t + 1),
                                      pick(2) ? log::OpTag::Sleep : log::OpTag::Cpu);
                            phase[std::size_t(t)] = 1;
                        }
                    }
                    break;
                case 1: s.event(kMain, EventType::Started, id); phase[std::size_t(task)] = 2; break;
                case 2:
                    if (pick(3) == 0) {
                        s.event(kMain, pick(2) ? EventType::Done : EventType::Failed, id);
                        phase[std::size_t(task)] = 4;
                    } else {
                        s.event(kMain, EventType::Suspended, id, 5, std::uint8_t(rt::AwaitKind::Sleep));
                        phase[std::size_t(task)] = 3;
                    }
                    break;
                case 3: s.event(kMain, EventType::Resumed, id); phase[std::size_t(task)] = 2; break;
                default: break;
                }
            }
            s.tick();
            TaskListModel fresh(&d.store);
            fresh.setRangeFilter(filter);
            std::vector<qint64> followed, afresh;
            for (int r = 0; r < d.list.count(); ++r)
                followed.push_back(d.list.keyAt(r));
            for (int r = 0; r < fresh.count(); ++r)
                afresh.push_back(fresh.keyAt(r));
            REQUIRE(followed == afresh);
        }
    }
}

TEST_CASE("a filtered view keeps its rows until the tick that publishes the events applied")
{
    // The dashboard applies events in slices between ticks: a filtered model must map
    // its rows as the last tick announced until the next one tells it otherwise.
    Dashboard d;
    Script s(d.store, d.store.addRun(QStringLiteral("alpha"), {}, kStart));
    scriptRunOne(s);
    s.tick();
    d.list.setStateFilter(int(stateBit(TaskState::Running)));
    REQUIRE(d.names() == QStringList{QStringLiteral("root"), QStringLiteral("child-a")});
    const unsigned running = stateBit(TaskState::Running);
    const int publishedRunning = d.store.stateIndex().count(running);

    // root finishes, child-a is cancelled, Loader starts then finishes, a new task
    // starts: applied, not yet published.
    s.at(10).event(kMain, EventType::Done, 1).event(kMain, EventType::Cancelled, 2).event(kMain, EventType::Started, 4);
    s.event(kMain, EventType::Done, 4);
    s.created(kMain, 6, QStringLiteral("late"), log::OpTag::Sleep).event(kMain, EventType::Started, 6);
    s.flush();
    CHECK(d.store.rowCount() == 5);
    CHECK(d.store.stateIndex().size() == 4);
    CHECK(d.store.stateIndex().count(running) == publishedRunning);
    CHECK(d.store.stateIndex().nth(1, running) == d.store.rowOfLocal(1, 2));
    CHECK(d.list.count() == 2);
    CHECK(d.list.keyAt(1) == key(1, 2));

    s.tick();
    CHECK(d.store.stateIndex().size() == 5);
    CHECK(d.store.stateIndex().count(running) == 1);
    CHECK(d.store.stateIndex().count(stateBit(TaskState::Done)) == 2); // root, Loader
    CHECK(d.store.stateIndex().count(stateBit(TaskState::Cancelled)) == 1);
    CHECK(d.names() == QStringList{QStringLiteral("late")});
}

TEST_CASE("search filters names case-insensitively, also for new rows")
{
    Dashboard d;
    Script s(d.store, d.store.addRun(QStringLiteral("alpha"), {}, kStart));
    scriptRunOne(s);
    s.tick();

    d.list.setSearch(QStringLiteral("CHILD"));
    CHECK(d.names() == QStringList{QStringLiteral("child-a"), QStringLiteral("child-b")});
    s.created(kWorker, 7, QStringLiteral("another Child"), log::OpTag::Sleep);
    s.created(kWorker, 8, QStringLiteral("unrelated"), log::OpTag::Sleep);
    s.tick();
    CHECK(d.names()
          == QStringList{QStringLiteral("child-a"), QStringLiteral("child-b"), QStringLiteral("another Child")});
    CHECK(d.list.rowOfKey(key(1, 5)) == 2);

    SECTION("combined with a state filter")
    {
        d.list.setStateFilter(int(stateBit(TaskState::Running)));
        CHECK(d.names() == QStringList{QStringLiteral("child-a")});
        s.event(kWorker, EventType::Started, 7).event(kMain, EventType::Done, 2);
        s.tick();
        CHECK(d.names() == QStringList{QStringLiteral("another Child")});
    }
    d.list.setSearch({});
    d.list.setStateFilter(int(kAllStates));
    CHECK(d.list.count() == 6);
}

TEST_CASE("sorting by name and by duration, both ways")
{
    Dashboard d;
    Script s(d.store, d.store.addRun(QStringLiteral("alpha"), {}, kStart));
    scriptRunOne(s);
    d.now = kStart + 100 * kMs;
    s.tick();

    d.list.setSortRole(QStringLiteral("name"));
    CHECK(d.names()
          == QStringList{QStringLiteral("child-a"), QStringLiteral("child-b"), QStringLiteral("Loader"),
                         QStringLiteral("root")});
    d.list.setSortAscending(false);
    CHECK(d.names()
          == QStringList{QStringLiteral("root"), QStringLiteral("Loader"), QStringLiteral("child-b"),
                         QStringLiteral("child-a")});
    CHECK(d.list.rowOfKey(key(1, 4)) == 1);
    CHECK(d.list.keyAt(0) == key(1, 1));

    // durations at now = 100 ms: root 100, child-a 98, child-b 0, Loader none
    d.list.setSortRole(QStringLiteral("durationMs"));
    d.list.setSortAscending(true);
    CHECK(d.names()
          == QStringList{QStringLiteral("Loader"), QStringLiteral("child-b"), QStringLiteral("child-a"),
                         QStringLiteral("root")});
    d.list.setSortAscending(false);
    CHECK(d.names()
          == QStringList{QStringLiteral("root"), QStringLiteral("child-a"), QStringLiteral("child-b"),
                         QStringLiteral("Loader")});

    SECTION("new rows land in order at the next re-sort")
    {
        s.at(50).created(kMain, 9, QStringLiteral("zz"), log::OpTag::Sleep).event(kMain, EventType::Started, 9);
        d.now = kStart + 200 * kMs;
        s.tick(); // interval 0: re-sorted now; zz has run 150 ms, root 200, child-a 198
        CHECK(d.names()
              == QStringList{QStringLiteral("root"), QStringLiteral("child-a"), QStringLiteral("zz"),
                             QStringLiteral("child-b"), QStringLiteral("Loader")});
    }
    SECTION("a re-sort of the same rows is a layout change")
    {
        d.list.setSortAscending(true);
        QSignalSpy layout(&d.list, &QAbstractItemModel::layoutChanged);
        QSignalSpy reset(&d.list, &QAbstractItemModel::modelReset);
        const QPersistentModelIndex childA = d.list.index(2);
        s.at(100).event(kMain, EventType::Done, 1);
        d.now = kStart + 500 * kMs;
        s.tick(); // root stops at 100 ms, child-a goes on to 498
        CHECK(d.names()
              == QStringList{QStringLiteral("Loader"), QStringLiteral("child-b"), QStringLiteral("root"),
                             QStringLiteral("child-a")});
        CHECK(layout.count() == 1);
        CHECK(reset.count() == 0);
        CHECK(childA.row() == 3);
    }
    SECTION("a sorted, filtered view drops rows that leave the filter at the re-sort")
    {
        d.list.setStateFilter(int(stateBit(TaskState::Running)));
        CHECK(d.names() == QStringList{QStringLiteral("root"), QStringLiteral("child-a")});
        d.now = kStart + 300 * kMs;
        s.tick(); // same rows, same order: nothing to announce but data
        s.event(kMain, EventType::Done, 1);
        s.tick();
        CHECK(d.names() == QStringList{QStringLiteral("child-a")});
    }
    SECTION("between re-sorts new rows are appended")
    {
        d.list.setResortIntervalMs(3'600'000);
        d.list.setSortRole(QStringLiteral("name"));
        s.created(kMain, 9, QStringLiteral("aaa"), log::OpTag::Sleep);
        s.tick();
        CHECK(d.names().last() == QStringLiteral("aaa"));
        CHECK(d.list.rowOfKey(key(1, 5)) == 4);
    }
}

TEST_CASE("the tree puts tasks under their parents")
{
    Dashboard d;
    Script s(d.store, d.store.addRun(QStringLiteral("alpha"), {}, kStart));
    scriptRunOne(s);
    s.tick();

    TaskTreeModel &t = d.tree;
    REQUIRE(t.rowCount() == 2); // root, Loader
    const QModelIndex root = t.index(0, 0);
    CHECK(t.data(root, TaskRoles::NameRole).toString() == QStringLiteral("root"));
    CHECK(t.data(t.index(1, 0), TaskRoles::NameRole).toString() == QStringLiteral("Loader"));
    REQUIRE(t.rowCount(root) == 2);
    const QModelIndex childA = t.index(0, 0, root);
    CHECK(t.data(childA, TaskRoles::NameRole).toString() == QStringLiteral("child-a"));
    CHECK(t.parent(childA) == root);
    CHECK(t.rowCount(childA) == 0);
    CHECK_FALSE(t.hasChildren(childA));

    // A grandchild under a parent the view has looked at: one insert under child-a.
    QSignalSpy inserted(&t, &QAbstractItemModel::rowsInserted);
    s.created(kWorker, 5, QStringLiteral("grandchild"), log::OpTag::Sleep, 2);
    s.created(kWorker, 6, QStringLiteral("grandchild 2"), log::OpTag::Sleep, 2);
    s.created(kWorker, 7, QStringLiteral("top"), log::OpTag::Sleep);
    s.tick();
    CHECK(inserted.count() == 2); // root level + child-a, one each
    CHECK(t.rowCount() == 3);
    REQUIRE(t.rowCount(childA) == 2);
    const QModelIndex grandchild = t.index(1, 0, childA);
    CHECK(t.data(grandchild, TaskRoles::NameRole).toString() == QStringLiteral("grandchild 2"));
    CHECK(t.parent(grandchild) == childA);
    CHECK(t.parent(t.parent(grandchild)) == root);
    CHECK(t.indexOfKey(key(1, 6)) == grandchild);

    SECTION("time passing alone re-reads only the durations, at every level shown")
    {
        QSignalSpy changed(&t, &QAbstractItemModel::dataChanged);
        s.tick();
        REQUIRE(changed.count() >= 2); // the root level and child-a's at least
        for (const QList<QVariant> &signal : changed)
            CHECK(signal.at(2).value<QList<int>>() == QList<int>{TaskRoles::DurationMsRole});
    }

    SECTION("an inactive tree does nothing on a tick and catches up when active again")
    {
        QSignalSpy inserts(&t, &QAbstractItemModel::rowsInserted);
        QSignalSpy changes(&t, &QAbstractItemModel::dataChanged);
        QSignalSpy resets(&t, &QAbstractItemModel::modelReset);
        t.setActive(false);
        s.created(kWorker, 8, QStringLiteral("late grandchild"), log::OpTag::Sleep, 2);
        s.created(kWorker, 9, QStringLiteral("late top"), log::OpTag::Sleep);
        s.event(kWorker, EventType::Started, 5);
        s.tick();
        s.tick();
        CHECK(inserts.count() == 0);
        CHECK(changes.count() == 0);
        CHECK(t.rowCount() == 3);
        CHECK(t.rowCount(childA) == 2);

        t.setActive(true);
        CHECK(resets.count() == 0); // what a view expanded stays expanded
        CHECK(inserts.count() == 2); // the root level and child-a, one each
        REQUIRE(t.rowCount() == 4);
        CHECK(t.data(t.index(3, 0), TaskRoles::NameRole).toString() == QStringLiteral("late top"));
        REQUIRE(t.rowCount(childA) == 3);
        CHECK(t.data(t.index(2, 0, childA), TaskRoles::NameRole).toString() == QStringLiteral("late grandchild"));
        // The data of every shown level may have changed meanwhile (grandchild started).
        REQUIRE(changes.count() >= 2);
        for (const QList<QVariant> &signal : changes)
            CHECK(signal.at(2).value<QList<int>>() == TaskRoles::changingRoles());
        CHECK(t.data(t.index(0, 0, childA), TaskRoles::StateRole) == d.list.data(d.list.index(d.list.rowOfKey(key(1, 5))), TaskRoles::StateRole));
    }

    SECTION("many children of one parent arriving over ticks are announced once a tick, in order")
    {
        QSignalSpy perTick(&t, &QAbstractItemModel::rowsInserted);
        std::uint64_t id = 8;
        for (int round = 0; round < 3; ++round) {
            for (int i = 0; i < 1000; ++i, ++id)
                s.created(kWorker, id, QStringLiteral("g%1").arg(id), log::OpTag::Sleep, 2);
            s.tick();
        }
        CHECK(perTick.count() == 3); // one per tick, under child-a only
        for (const QList<QVariant> &signal : perTick)
            CHECK(signal.at(0).toModelIndex() == childA);
        REQUIRE(t.rowCount(childA) == 3002);
        CHECK(t.data(t.index(3001, 0, childA), TaskRoles::NameRole).toString() == QStringLiteral("g3007"));
        CHECK(t.indexOfKey(key(1, 3007)) == t.index(3001, 0, childA));
    }
}

TEST_CASE("stats count the states and keep a history per tick")
{
    Dashboard d;
    Script s(d.store, d.store.addRun(QStringLiteral("alpha"), {}, kStart));
    QSignalSpy changed(&d.stats, &TaskStats::changed);
    scriptRunOne(s);
    d.now = kStart;
    s.tick();
    CHECK(changed.count() == 1);
    CHECK(d.stats.total() == 4);
    CHECK(d.stats.running() == 2);
    CHECK(d.stats.failed() == 1);
    CHECK(d.stats.pending() == 1);
    CHECK(d.stats.done() == 0);
    CHECK(d.stats.tasksPerSecond() == 1.0);

    s.event(kMain, EventType::Done, 1).event(kMain, EventType::Done, 2);
    d.now = kStart + 500 * kMs;
    s.tick();
    CHECK(d.stats.done() == 2);
    CHECK(d.stats.tasksPerSecond() == 3.0);
    d.now = kStart + 1200 * kMs;
    d.store.endTick();
    CHECK(d.stats.tasksPerSecond() == 2.0); // the first tick left the window
    CHECK(d.stats.history(QStringLiteral("done")) == QVariantList{qint64(0), qint64(2), qint64(2)});
    CHECK(d.stats.history(QStringLiteral("running")) == QVariantList{qint64(2), qint64(0), qint64(0)});
    CHECK(d.stats.historyOf(int(kAllStates)) == QVariantList{qint64(4), qint64(4), qint64(4)});
    CHECK(d.stats.history(QStringLiteral("nonsense")).isEmpty());

    for (int i = 0; i < 400; ++i)
        d.store.endTick();
    CHECK(d.stats.history(QStringLiteral("done")).size() == TaskStats::kHistory);
}

TEST_CASE("stats offer each state mask's history as a series of floats")
{
    Dashboard d;
    Script s(d.store, d.store.addRun(QStringLiteral("alpha"), {}, kStart));
    std::vector<float> series{99.0f};
    d.stats.readSeries(int(kAllStates), series);
    CHECK(series.empty()); // no tick yet

    scriptRunOne(s);
    s.tick();
    s.event(kMain, EventType::Done, 1).event(kMain, EventType::Done, 2);
    s.tick();
    const SeriesSource &source = d.stats;
    source.readSeries(int(stateBit(TaskState::Done)), series);
    CHECK(series == std::vector<float>{0, 2});
    source.readSeries(int(stateBit(TaskState::Running)), series);
    CHECK(series == std::vector<float>{2, 0});
    source.readSeries(int(stateBit(TaskState::Done) | stateBit(TaskState::Failed)), series);
    CHECK(series == std::vector<float>{1, 3});

    for (int i = 0; i < 400; ++i)
        d.store.endTick();
    source.readSeries(int(kAllStates), series);
    CHECK(series == std::vector<float>(TaskStats::kHistory, 4.0f));
}

TEST_CASE("two runs: rows follow arrival, the run list follows")
{
    Dashboard d;
    const QDateTime started = QDateTime::fromMSecsSinceEpoch(1'700'000'000'000, Qt::UTC);
    Script one(d.store, d.store.addRun(QStringLiteral("alpha"), started, kStart));
    scriptRunOne(one);
    one.tick();
    d.store.setRunFinished(1, kStart + 50 * kMs);
    Script two(d.store, d.store.addRun(QStringLiteral("beta"), started, kStart));
    two.created(kMain, 100, QStringLiteral("zeta"), log::OpTag::Sleep).event(kMain, EventType::Started, 100);
    two.created(kWorker, 101, QStringLiteral("eta"), log::OpTag::Sleep, 100);
    two.tick();

    CHECK(d.list.count() == 6);
    CHECK(d.list.keyAt(4) == key(2, 1));
    CHECK(d.list.rowOfKey(key(2, 2)) == 5);
    CHECK(d.role(5, TaskRoles::ParentKeyRole).toLongLong() == key(2, 1));
    CHECK(d.tree.rowCount() == 3);
    // The finished run's running tasks stop ticking at its end.
    CHECK(d.role(0, TaskRoles::DurationMsRole).toDouble() == 50.0);

    REQUIRE(d.runs.rowCount() == 2);
    const QModelIndex first = d.runs.index(0);
    CHECK(d.runs.data(first, RunListModel::NameRole).toString() == QStringLiteral("alpha"));
    CHECK_FALSE(d.runs.data(first, RunListModel::RunningRole).toBool());
    CHECK(d.runs.data(first, RunListModel::TaskCountRole).toInt() == 4);
    CHECK(d.runs.data(first, RunListModel::StartedAtRole).toDateTime() == started);
    CHECK(d.runs.data(d.runs.index(1), RunListModel::RunningRole).toBool());
    CHECK(d.runs.roleNames().value(RunListModel::RunIdRole) == QByteArrayLiteral("runId"));

    SECTION("an earlier run that grows appends its new rows at the end")
    {
        QSignalSpy reset(&d.list, &QAbstractItemModel::modelReset);
        QSignalSpy inserted(&d.list, &QAbstractItemModel::rowsInserted);
        one.created(kMain, 150, QStringLiteral("more"), log::OpTag::Sleep);
        one.tick();
        CHECK_FALSE(d.ticks.back().reset);
        CHECK(d.ticks.back().appendedFirst == 6);
        CHECK(d.ticks.back().appendedCount == 1);
        CHECK(reset.count() == 0);
        CHECK(inserted.count() == 1);
        CHECK(d.list.keyAt(4) == key(2, 1));
        CHECK(d.list.keyAt(6) == key(1, 5));
        CHECK(d.store.rowOfLocal(1, 5) == 6);
        CHECK(d.store.rowOfLocal(2, 1) == 4);
        CHECK(d.store.rowOfLocal(2, 3) == -1);
        CHECK(d.store.rowOfLocal(3, 1) == -1);
        CHECK(d.store.stateIndex().count(stateBit(TaskState::Pending)) == 3);
        CHECK(d.tree.rowCount() == 4);
        CHECK(d.tree.data(d.tree.index(3, 0), TaskRoles::NameRole).toString() == QStringLiteral("more"));
    }
}

TEST_CASE("a task that arrives after a later one from another loop takes its id")
{
    Dashboard d;
    Script s(d.store, d.store.addRun(QStringLiteral("alpha"), {}, kStart));
    s.created(kMain, 10, QStringLiteral("ten"), log::OpTag::Sleep);
    s.created(kMain, 12, QStringLiteral("twelve"), log::OpTag::Sleep).event(kMain, EventType::Started, 12);
    s.tick();
    CHECK(d.store.keyOfRow(1) == key(1, 2));
    s.created(kWorker, 11, QStringLiteral("eleven"), log::OpTag::Sleep).event(kWorker, EventType::Started, 11);
    s.tick();
    // Its row is the next one; its id is 2, and twelve's id (so its key) moved to 3.
    CHECK(d.ticks.back().reset);
    CHECK(d.names() == QStringList{QStringLiteral("ten"), QStringLiteral("twelve"), QStringLiteral("eleven")});
    CHECK(d.role(1, TaskRoles::TaskIdRole).toInt() == 3);
    CHECK(d.role(2, TaskRoles::TaskIdRole).toInt() == 2);
    CHECK(d.store.keyOfRow(1) == key(1, 3));
    CHECK(d.store.rowOfKey(key(1, 2)) == 2);
    CHECK(d.store.rowOfLocal(1, 3) == 1);
    CHECK(d.list.rowOfKey(key(1, 3)) == 1);
    CHECK(d.role(1, TaskRoles::StateRole).toString() == QStringLiteral("running"));
    CHECK(d.role(2, TaskRoles::StateRole).toString() == QStringLiteral("running"));
    CHECK(d.store.count(TaskState::Running) == 2);
    d.list.setStateFilter(int(stateBit(TaskState::Running)));
    CHECK(d.names() == QStringList{QStringLiteral("twelve"), QStringLiteral("eleven")});
}

namespace {

QStringList namesOf(const QAbstractItemModel &model, const QModelIndex &parent = {})
{
    QStringList out;
    for (int r = 0; r < model.rowCount(parent); ++r)
        out.append(model.index(r, 0, parent).data(TaskRoles::NameRole).toString());
    return out;
}

// Every global row's key leads back to it, and every run's local ids to their rows.
void checkMapping(const TaskStore &store)
{
    int tasks = 0;
    for (int run = 1; run <= store.runCount(); ++run) {
        const auto count = store.run(run)->taskCount();
        tasks += int(count);
        for (std::uint64_t local = 1; local <= count; ++local) {
            const int row = store.rowOfLocal(run, local);
            REQUIRE(row >= 0);
            REQUIRE(store.keyOfRow(row) == key(run, local));
            REQUIRE(store.rowOfKey(key(run, local)) == row);
            REQUIRE(store.runIdOfRow(row) == run);
            REQUIRE(store.localIdOfRow(row) == local);
            REQUIRE(store.name(row) == store.run(run)->name(local));
            REQUIRE(store.state(row) == store.run(run)->state(local));
        }
    }
    REQUIRE(tasks == store.rowCount());
    REQUIRE(store.stateIndex().size() == store.rowCount());
    for (int s = 0; s < kStateCount; ++s) {
        REQUIRE(store.stateIndex().count(stateBit(TaskState(s))) == store.count(TaskState(s)));
        std::int64_t inRuns = 0;
        for (int run = 1; run <= store.runCount(); ++run)
            inRuns += std::int64_t(store.run(run)->count(TaskState(s)));
        REQUIRE(inRuns == store.count(TaskState(s)));
    }
}

// More views over the same store: filtered, searched, sorted, each with a fatal tester.
struct Views {
    explicit Views(TaskStore &store) : running(&store), search(&store), sorted(&store)
    {
        running.setStateFilter(int(stateBit(TaskState::Running)));
        search.setSearch(QStringLiteral("B-"));
        sorted.setSortRole(QStringLiteral("name"));
        sorted.setSortAscending(false);
        sorted.setResortIntervalMs(0);
    }
    TaskListModel running;
    TaskListModel search;
    TaskListModel sorted;
    Tester runningTester{&running, Tester::FailureReportingMode::Fatal};
    Tester searchTester{&search, Tester::FailureReportingMode::Fatal};
    Tester sortedTester{&sorted, Tester::FailureReportingMode::Fatal};
};

} // namespace

TEST_CASE("two runs growing in interleaved ticks append their rows in arrival order")
{
    Dashboard d;
    Views v(d.store);
    // Runtime ids are process-wide: run a takes odd ones, run b even ones.
    const int a = d.store.addRun(QStringLiteral("a"), {}, kStart);
    const int b = d.store.addRun(QStringLiteral("b"), {}, kStart);
    Script sa(d.store, a);
    Script sb(d.store, b);
    QSignalSpy listReset(&d.list, &QAbstractItemModel::modelReset);
    QSignalSpy treeReset(&d.tree, &QAbstractItemModel::modelReset);
    QSignalSpy runningReset(&v.running, &QAbstractItemModel::modelReset);
    QSignalSpy searchReset(&v.search, &QAbstractItemModel::modelReset);
    QSignalSpy listInserted(&d.list, &QAbstractItemModel::rowsInserted);

    // Tick 1: b first, then a.
    sb.created(kMain, 2, QStringLiteral("b-1"), log::OpTag::Gather).event(kMain, EventType::Started, 2);
    sb.flush();
    sa.created(kMain, 1, QStringLiteral("a-1"), log::OpTag::Gather);
    sa.created(kMain, 3, QStringLiteral("a-2"), log::OpTag::Sleep);
    sa.flush();
    d.store.endTick();
    CHECK_FALSE(d.ticks.back().reset);
    CHECK(d.ticks.back().appendedCount == 3);
    CHECK(d.names() == QStringList{QStringLiteral("b-1"), QStringLiteral("a-1"), QStringLiteral("a-2")});
    checkMapping(d.store);

    // Tick 2: a's first task starts and gets a child; b gets two children (one on its worker).
    sa.at(10).event(kMain, EventType::Started, 1);
    sa.created(kMain, 5, QStringLiteral("a-3"), log::OpTag::Sleep, 1);
    sa.flush();
    sb.at(10).created(kMain, 4, QStringLiteral("b-2"), log::OpTag::Sleep, 2);
    sb.created(kWorker, 6, QStringLiteral("b-3"), log::OpTag::Cpu, 2).event(kWorker, EventType::Started, 6);
    sb.flush();
    d.store.endTick();
    {
        const TickChange &t = d.ticks.back();
        CHECK_FALSE(t.reset);
        CHECK(t.appendedFirst == 3);
        CHECK(t.appendedCount == 3);
        CHECK(t.changedFirst == 1);
        CHECK(t.changedLast == 1);
        CHECK(t.firstMembershipChange(stateBit(TaskState::Running)) == 1);
    }
    CHECK(d.names()
          == QStringList{QStringLiteral("b-1"), QStringLiteral("a-1"), QStringLiteral("a-2"), QStringLiteral("a-3"),
                         QStringLiteral("b-2"), QStringLiteral("b-3")});
    checkMapping(d.store);

    // Tick 3: a grows, b finishes b-1, a new a task starts in a later batch of the same tick.
    sa.at(20).created(kMain, 7, QStringLiteral("a-4"), log::OpTag::Sleep);
    sa.flush();
    sb.at(20).event(kMain, EventType::Done, 2).created(kMain, 8, QStringLiteral("b-4"), log::OpTag::Sleep);
    sb.flush();
    sa.event(kWorker, EventType::Started, 7).event(kMain, EventType::Done, 3);
    sa.flush();
    d.store.endTick();
    {
        const TickChange &t = d.ticks.back();
        CHECK_FALSE(t.reset);
        CHECK(t.appendedFirst == 6);
        CHECK(t.appendedCount == 2);
        CHECK(t.changedFirst == 0); // b-1 and a-2
        CHECK(t.changedLast == 2);
        CHECK(t.firstMembershipChange(stateBit(TaskState::Running)) == 0);
    }
    const QStringList all{QStringLiteral("b-1"), QStringLiteral("a-1"), QStringLiteral("a-2"), QStringLiteral("a-3"),
                          QStringLiteral("b-2"), QStringLiteral("b-3"), QStringLiteral("a-4"), QStringLiteral("b-4")};
    CHECK(d.names() == all);
    checkMapping(d.store);

    // Never a reset; one insertion per tick.
    CHECK(listReset.count() == 0);
    CHECK(treeReset.count() == 0);
    CHECK(runningReset.count() == 0);
    CHECK(searchReset.count() == 0);
    CHECK(listInserted.count() == 3);

    // Keys and roles.
    CHECK(d.list.keyAt(0) == key(b, 1));
    CHECK(d.list.keyAt(3) == key(a, 3));
    CHECK(d.list.keyAt(7) == key(b, 4));
    CHECK(d.list.rowOfKey(key(a, 4)) == 6);
    CHECK(d.list.rowOfKey(key(b, 3)) == 5);
    CHECK(d.role(6, TaskRoles::RunIdRole).toInt() == a);
    CHECK(d.role(6, TaskRoles::TaskIdRole).toInt() == 4);
    CHECK(d.role(6, TaskRoles::LoopRole).toString() == kMain);
    CHECK(d.role(5, TaskRoles::LoopRole).toString() == kWorker);
    CHECK(d.role(3, TaskRoles::ParentKeyRole).toLongLong() == key(a, 1));
    CHECK(d.role(4, TaskRoles::ParentKeyRole).toLongLong() == key(b, 1));
    CHECK(d.store.rowOfLocal(a, 4) == 6);
    CHECK(d.store.rowOfLocal(b, 4) == 7);

    // Filters, search, sort.
    CHECK(namesOf(v.running) == QStringList{QStringLiteral("a-1"), QStringLiteral("b-3"), QStringLiteral("a-4")});
    CHECK(v.running.rowOfKey(key(a, 4)) == 2);
    CHECK(v.running.rowOfKey(key(b, 1)) == -1);
    CHECK(namesOf(v.search)
          == QStringList{QStringLiteral("b-1"), QStringLiteral("b-2"), QStringLiteral("b-3"), QStringLiteral("b-4")});
    CHECK(v.search.rowOfKey(key(b, 4)) == 3);
    CHECK(namesOf(v.sorted)
          == QStringList{QStringLiteral("b-4"), QStringLiteral("b-3"), QStringLiteral("b-2"), QStringLiteral("b-1"),
                         QStringLiteral("a-4"), QStringLiteral("a-3"), QStringLiteral("a-2"), QStringLiteral("a-1")});
    CHECK(v.sorted.rowOfKey(key(a, 4)) == 4);
    d.list.setStateFilter(int(stateBit(TaskState::Done)));
    CHECK(d.names() == QStringList{QStringLiteral("b-1"), QStringLiteral("a-2")});
    d.list.setStateFilter(int(kAllStates));

    // The tree: roots in arrival order, children under their parents, across runs.
    TaskTreeModel &t = d.tree;
    CHECK(namesOf(t) == QStringList{QStringLiteral("b-1"), QStringLiteral("a-1"), QStringLiteral("a-2"),
                                    QStringLiteral("a-4"), QStringLiteral("b-4")});
    const QModelIndex b1 = t.indexOfKey(key(b, 1));
    const QModelIndex a4 = t.indexOfKey(key(a, 4));
    CHECK(b1.row() == 0);
    CHECK(a4.row() == 3);
    CHECK(t.indexOfKey(key(b, 4)).row() == 4);
    CHECK(namesOf(t, b1) == QStringList{QStringLiteral("b-2"), QStringLiteral("b-3")});
    CHECK(t.parent(t.indexOfKey(key(b, 3))) == b1);

    SECTION("a later tick that grows both runs is one insertion in every view")
    {
        QSignalSpy inserted(&d.list, &QAbstractItemModel::rowsInserted);
        QSignalSpy treeInserted(&t, &QAbstractItemModel::rowsInserted);
        QSignalSpy resets(&d.list, &QAbstractItemModel::modelReset);
        sb.at(30).created(kMain, 10, QStringLiteral("b-5"), log::OpTag::Sleep, 2);
        sb.flush();
        sa.at(30).created(kMain, 9, QStringLiteral("a-5"), log::OpTag::Sleep).event(kMain, EventType::Started, 9);
        sa.flush();
        d.store.endTick();
        CHECK_FALSE(d.ticks.back().reset);
        CHECK(inserted.count() == 1);
        CHECK(treeInserted.count() == 2); // the root and b-1, whose children were looked at
        CHECK(d.list.keyAt(8) == key(b, 5));
        CHECK(d.list.keyAt(9) == key(a, 5));
        CHECK(namesOf(t, b1) == QStringList{QStringLiteral("b-2"), QStringLiteral("b-3"), QStringLiteral("b-5")});
        CHECK(namesOf(v.running).last() == QStringLiteral("a-5"));
        CHECK(namesOf(v.search).last() == QStringLiteral("b-5"));
        CHECK(namesOf(v.sorted).first() == QStringLiteral("b-5"));
        CHECK(resets.count() == 0);
        CHECK(treeReset.count() == 0);
        CHECK(searchReset.count() == 0);
        checkMapping(d.store);
    }
}

TEST_CASE("a late task in one of two interleaved runs keeps keys and rows consistent")
{
    Dashboard d;
    Views v(d.store);
    const int a = d.store.addRun(QStringLiteral("a"), {}, kStart);
    const int b = d.store.addRun(QStringLiteral("b"), {}, kStart);
    Script sa(d.store, a);
    Script sb(d.store, b);

    sa.created(kMain, 10, QStringLiteral("a-ten"), log::OpTag::Gather).event(kMain, EventType::Started, 10);
    sa.created(kMain, 14, QStringLiteral("a-fourteen"), log::OpTag::Sleep, 10);
    sa.flush();
    sb.created(kMain, 12, QStringLiteral("B-twelve"), log::OpTag::Sleep).event(kMain, EventType::Started, 12);
    sb.flush();
    d.store.endTick();
    CHECK(d.store.keyOfRow(1) == key(a, 2));
    // Someone looks at a-ten's children.
    CHECK(namesOf(d.tree, d.tree.indexOfKey(key(a, 1))) == QStringList{QStringLiteral("a-fourteen")});

    // a's worker reports task 13 (created before 14) only now, with b growing in between
    // and a-fourteen starting in the same batch.
    QSignalSpy reset(&d.list, &QAbstractItemModel::modelReset);
    QSignalSpy treeReset(&d.tree, &QAbstractItemModel::modelReset);
    // A hidden tree misses the reset and makes it when shown again.
    d.tree.setActive(false);
    sb.created(kWorker, 15, QStringLiteral("B-fifteen"), log::OpTag::Sleep);
    sb.flush();
    sa.created(kWorker, 13, QStringLiteral("a-thirteen"), log::OpTag::Sleep, 10)
        .event(kWorker, EventType::Started, 13)
        .event(kWorker, EventType::Started, 14);
    sa.flush();
    d.store.endTick();
    CHECK(d.ticks.back().reset);
    CHECK(reset.count() == 1);
    CHECK(treeReset.count() == 0);
    d.tree.setActive(true);
    CHECK(treeReset.count() == 1);
    // Siblings in arrival order.
    CHECK(namesOf(d.tree, d.tree.indexOfKey(key(a, 1))) == QStringList{QStringLiteral("a-fourteen"), QStringLiteral("a-thirteen")});

    // Rows in arrival order; a's ids follow creation: ten 1, thirteen 2, fourteen 3.
    CHECK(d.names()
          == QStringList{QStringLiteral("a-ten"), QStringLiteral("a-fourteen"), QStringLiteral("B-twelve"),
                         QStringLiteral("B-fifteen"), QStringLiteral("a-thirteen")});
    CHECK(d.list.keyAt(1) == key(a, 3));
    CHECK(d.list.keyAt(4) == key(a, 2));
    CHECK(d.list.keyAt(2) == key(b, 1));
    CHECK(d.list.rowOfKey(key(a, 3)) == 1);
    CHECK(d.role(1, TaskRoles::StateRole).toString() == QStringLiteral("running"));
    CHECK(d.role(4, TaskRoles::StateRole).toString() == QStringLiteral("running"));
    CHECK(d.role(4, TaskRoles::ParentKeyRole).toLongLong() == key(a, 1));
    checkMapping(d.store);
    CHECK(namesOf(v.running)
          == QStringList{QStringLiteral("a-ten"), QStringLiteral("a-fourteen"), QStringLiteral("B-twelve"),
                         QStringLiteral("a-thirteen")});
    CHECK(namesOf(v.search) == QStringList{QStringLiteral("B-twelve"), QStringLiteral("B-fifteen")});
    CHECK(namesOf(v.sorted).first() == QStringLiteral("B-twelve"));

    // The tree rebuilt with the new keys; a-ten's children in arrival order.
    const QModelIndex ten = d.tree.indexOfKey(key(a, 1));
    CHECK(namesOf(d.tree, ten) == QStringList{QStringLiteral("a-fourteen"), QStringLiteral("a-thirteen")});
    CHECK(d.tree.indexOfKey(key(a, 2)).row() == 1);
    CHECK(d.tree.indexOfKey(key(a, 3)).row() == 0);
    CHECK(d.tree.parent(d.tree.indexOfKey(key(a, 2))) == ten);

    // Walking a run by local id visits its tasks in creation order.
    QStringList byId;
    for (std::uint64_t local = 1; local <= d.store.run(a)->taskCount(); ++local)
        byId.append(d.store.name(d.store.rowOfLocal(a, local)));
    CHECK(byId == QStringList{QStringLiteral("a-ten"), QStringLiteral("a-thirteen"), QStringLiteral("a-fourteen")});

    SECTION("the next ticks are appends again")
    {
        QSignalSpy inserted(&d.list, &QAbstractItemModel::rowsInserted);
        sa.created(kMain, 16, QStringLiteral("a-sixteen"), log::OpTag::Sleep, 14)
            .event(kMain, EventType::Done, 14);
        sa.flush();
        sb.created(kMain, 17, QStringLiteral("B-seventeen"), log::OpTag::Sleep);
        sb.flush();
        d.store.endTick();
        CHECK_FALSE(d.ticks.back().reset);
        CHECK(reset.count() == 1);
        CHECK(inserted.count() == 1);
        CHECK(d.ticks.back().changedFirst == 1);
        CHECK(d.ticks.back().changedLast == 1);
        CHECK(d.list.keyAt(5) == key(a, 4));
        CHECK(d.list.keyAt(6) == key(b, 3));
        CHECK(d.role(5, TaskRoles::ParentKeyRole).toLongLong() == key(a, 3));
        CHECK(d.role(1, TaskRoles::StateRole).toString() == QStringLiteral("done"));
        const QModelIndex fourteen = d.tree.indexOfKey(key(a, 3));
        CHECK(namesOf(d.tree, fourteen) == QStringList{QStringLiteral("a-sixteen")});
        CHECK(namesOf(v.search).last() == QStringLiteral("B-seventeen"));
        checkMapping(d.store);
    }
}

TEST_CASE("a log read back becomes a finished run")
{
    Dashboard d;
    log::RunLog log;
    log.set = QStringLiteral("replayed");
    log.durationMs = 300;
    log::LogTask a;
    a.id = 1;
    a.name = QStringLiteral("parent");
    a.op = QStringLiteral("gather");
    a.loop = kMain;
    a.state = TaskState::Done;
    a.startedMs = 1;
    a.finishedMs = 200;
    a.result = QJsonValue(7);
    log::LogTask b;
    b.id = 2;
    b.name = QStringLiteral("kid");
    b.op = QStringLiteral("cpu");
    b.parent = 1;
    b.loop = QStringLiteral("pool");
    b.state = TaskState::Cancelled;
    b.startedMs = 2;
    b.finishedMs = 100;
    b.cancelReason = QStringLiteral("task:parent");
    log.tasks = {a, b};
    log.loops.push_back(log::LogLoop{kMain, 40, {log::LogStall{10, 40, 1}}});

    const int run = d.store.loadLog(log);
    CHECK_FALSE(d.store.isRunning(run));
    REQUIRE(d.list.count() == 2);
    CHECK(d.role(0, TaskRoles::ResultTextRole).toString() == QStringLiteral("7"));
    CHECK(d.role(0, TaskRoles::DurationMsRole).toDouble() == 199.0);
    CHECK(d.role(1, TaskRoles::LoopRole).toString() == QStringLiteral("pool"));
    CHECK(d.role(1, TaskRoles::OpRole).toString() == QStringLiteral("cpu"));
    CHECK(d.role(1, TaskRoles::CancelReasonRole).toString() == QStringLiteral("task:parent"));
    CHECK(d.role(1, TaskRoles::ParentKeyRole).toLongLong() == key(run, 1));
    CHECK(d.tree.rowCount() == 1);
    CHECK(d.store.run(run)->loops().at(0).stalls.size() == 1);
}

TEST_CASE("200,000 tasks in batches of 20,000 keep counts and filtered lookups right")
{
    TaskStore store;
    TaskListModel list(&store);
    TaskStats stats(&store);
    const int run = store.addRun(QStringLiteral("big"), {}, 0);
    constexpr std::uint64_t kTasks = 200'000;
    constexpr std::uint64_t kBatch = 20'000;
    list.setStateFilter(int(stateBit(TaskState::Running) | stateBit(TaskState::Failed)));
    rt::Journal journal;
    rt::JournalBatch batch;
    for (std::uint64_t first = 1; first <= kTasks; first += kBatch) {
        for (std::uint64_t id = first; id < first + kBatch; ++id) {
            journal.append(EventType::Created, id, 0, std::uint8_t(log::OpTag::Sleep), 0, 0, std::int64_t(id));
            if (id % 2 == 0)
                journal.append(EventType::Started, id, 0, 0, 0, 0, std::int64_t(id));
            if (id % 10 == 0)
                journal.append(EventType::Failed, id, 0, 0, 0, 0, std::int64_t(id));
        }
        // finish some tasks of the previous batch
        if (first > 1) {
            for (std::uint64_t id = first - kBatch; id < first; id += 4)
                journal.append(EventType::Done, id, 0, 0, 0, 0, std::int64_t(id));
        }
        journal.publish();
        journal.drain(batch);
        store.apply(run, kMain, batch);
        store.endTick();
    }
    // Per 20 ids: 10 started (even), 2 of them failed (x%10==0); ids = 1 mod 4 of all but
    // the last batch done (odd: were pending).
    const std::int64_t failed = kTasks / 10;
    const std::int64_t running = kTasks / 2 - failed;
    const std::int64_t done = (kTasks - kBatch) / 4;
    CHECK(store.rowCount() == int(kTasks));
    CHECK(stats.failed() == failed);
    CHECK(stats.running() == running);
    CHECK(stats.done() == done);
    CHECK(stats.pending() == std::int64_t(kTasks) - failed - running - done);
    CHECK(list.count() == running + failed);
    // Running|failed are the even ids, in order: model row k is id 2(k+1).
    CHECK(list.keyAt(0) == key(run, 2));
    CHECK(list.keyAt(12'345) == key(run, 2 * 12'346));
    CHECK(list.keyAt(int(running + failed) - 1) == key(run, kTasks));
    CHECK(list.rowOfKey(key(run, 2 * 54'321)) == 54'320);
    CHECK(list.rowOfKey(key(run, 3)) == -1);
}

namespace {

// Checks every answer of `index` against a plain scan of `states`.
void requireLikeScan(const StateIndex &index, const std::vector<TaskState> &states)
{
    REQUIRE(index.size() == int(states.size()));
    for (const unsigned mask : {1u, 2u, 4u | 8u, 16u, kAllStates}) {
        int seen = 0;
        for (int row = 0; row <= int(states.size()); row += 97) {
            int before = 0;
            for (int r = 0; r < row; ++r)
                before += (stateBit(states[std::size_t(r)]) & mask) ? 1 : 0;
            REQUIRE(index.countBefore(row, mask) == before);
        }
        for (int r = 0; r < int(states.size()); ++r) {
            if (stateBit(states[std::size_t(r)]) & mask) {
                REQUIRE(index.nth(seen, mask) == r);
                ++seen;
            }
        }
        REQUIRE(index.nth(seen, mask) == -1);
    }
}

} // namespace

TEST_CASE("the state index answers like a scan, across growth and reserve")
{
    // Capacities double at 1024, 2048, 4096: appends and state changes on both sides of
    // each doubling, with and without room reserved, checked against a plain scan.
    for (const bool reserved : {false, true}) {
        StateIndex index;
        if (reserved)
            index.reserve(5000);
        std::vector<TaskState> states;
        std::uint32_t x = 12345;
        const auto next = [&x] { return x = x * 1664525u + 1013904223u; };
        for (int step = 0; step < 4500; ++step) {
            const auto state = TaskState(next() >> 8 & 3);
            states.push_back(state);
            index.append(state);
            if (step % 3 == 0) {
                const std::size_t row = (next() >> 8) % states.size();
                states[row] = TaskState((next() >> 8) % 5);
                index.setState(int(row), states[row]);
            }
            if (step == 1023 || step == 1024 || step == 2047 || step == 2049 || step == 4095 || step == 4499)
                requireLikeScan(index, states);
        }
    }
}

TEST_CASE("a tick's batch of state changes and new rows leaves the index as single calls would")
{
    // Batches of every size: a few changes (the trees move per block), more changes than
    // the trees have blocks (a rebuild from the block counts), rows that change several
    // times in one batch, and appends that cross the trees' capacity.
    StateIndex index;
    std::vector<TaskState> states;
    std::uint32_t x = 777;
    const auto next = [&x] { return (x = x * 1664525u + 1013904223u) >> 8; };
    for (const auto &[changeCount, appendCount] :
         std::vector<std::pair<int, int>>{{0, 1}, {0, 700}, {5, 3}, {40, 0}, {3000, 10}, {0, 1500}, {200, 2000}, {9000, 64}}) {
        std::vector<std::pair<int, TaskState>> changes;
        for (int i = 0; i < changeCount && !states.empty(); ++i) {
            // Mostly in order, as tasks end, with repeats: a row's last state wins.
            const int row = i % 7 == 0 ? int(next() % states.size()) : (i * 13) % int(states.size());
            const auto state = TaskState(next() % 5);
            changes.emplace_back(row, state);
            states[std::size_t(row)] = state;
        }
        std::vector<TaskState> appended;
        for (int i = 0; i < appendCount; ++i)
            appended.push_back(TaskState(next() % 5));
        states.insert(states.end(), appended.begin(), appended.end());
        index.update(changes, appended);
        INFO(changeCount << " changes, " << appendCount << " new rows, " << states.size() << " rows in all");
        requireLikeScan(index, states);
    }
}

TEST_CASE("the store tells which rows changed after a revision")
{
    Dashboard d;
    const int run = d.store.addRun(QStringLiteral("r"), {}, kStart);
    Script s(d.store, run);
    for (std::uint64_t id = 1; id <= 6; ++id)
        s.created(kMain, id, QStringLiteral("t%1").arg(id), log::OpTag::Sleep);
    s.tick();
    const quint64 afterCreate = d.store.revision();
    std::vector<int> rows;
    d.store.rowsChangedSince(afterCreate - 1, 6, rows);
    CHECK(rows == std::vector<int>{0, 1, 2, 3, 4, 5}); // all new in that revision

    s.at(5).event(kMain, EventType::Started, 2).event(kMain, EventType::Started, 5);
    s.tick();
    rows.clear();
    d.store.rowsChangedSince(afterCreate, 6, rows);
    CHECK(rows == std::vector<int>{1, 4});

    // A tick with nothing applied publishes no new revision.
    const quint64 revision = d.store.revision();
    d.store.endTick();
    CHECK(d.store.revision() == revision);
    rows.clear();
    d.store.rowsChangedSince(revision, 6, rows);
    CHECK(rows.empty());

    // Rows below `count` only.
    rows.clear();
    d.store.rowsChangedSince(afterCreate, 3, rows);
    CHECK(rows == std::vector<int>{1});
}

namespace {
// A plain reference of what a run's tasks should read as: built from the events the
// test writes, by the test's own rules (the store and its record are not consulted).
struct RefTask {
    int run = 0;
    QString loop;             // its events go to its loop's journal, as the runtime's do
    std::uint64_t parent = 0; // runtime id
    QString name;
    TaskState state = TaskState::Pending;
    std::int64_t startedMs = -1;
    std::int64_t finishedMs = -1;
    QString outcome;      // a done task's result text or a failed task's error
    QString cancelReason; // user or parent
    int callbacks = 0;
};
} // namespace

TEST_CASE("random runs on two loops read in the store exactly as a plain reference says")
{
    for (std::uint32_t seed = 1; seed <= 12; ++seed) {
        INFO("seed " << seed);
        std::mt19937 rng(seed);
        Dashboard d;
        const int runs[2] = {d.store.addRun(QStringLiteral("one"), {}, kStart),
                             d.store.addRun(QStringLiteral("two"), {}, kStart)};
        Script scripts[2] = {Script(d.store, runs[0]), Script(d.store, runs[1])};
        std::map<std::uint64_t, RefTask> ref; // by runtime id
        std::uint64_t nextId = 100;
        std::int64_t ms = 0;
        bool firstRemoved = false;

        const auto check = [&] {
            std::array<std::int64_t, kStateCount> counts{};
            for (const int run : runs) {
                if (firstRemoved && run == runs[0]) {
                    CHECK(d.store.run(run) == nullptr);
                    continue;
                }
                // Run-local ids: the run's runtime ids in ascending order, from 1.
                std::vector<std::uint64_t> ids;
                for (const auto &[id, t] : ref) {
                    if (t.run == run)
                        ids.push_back(id);
                }
                REQUIRE(d.store.run(run)->taskCount() == ids.size());
                for (std::size_t i = 0; i < ids.size(); ++i) {
                    const RefTask &t = ref[ids[i]];
                    const qint64 k = key(run, i + 1);
                    const int row = d.store.rowOfKey(k);
                    REQUIRE(row >= 0);
                    CHECK(d.store.keyOfRow(row) == k);
                    CHECK(d.store.name(row) == t.name);
                    CHECK(d.store.state(row) == t.state);
                    CHECK(d.store.startedNs(row).value_or(-1) == (t.startedMs < 0 ? -1 : t.startedMs * kMs));
                    CHECK(d.store.finishedNs(row).value_or(-1) == (t.finishedMs < 0 ? -1 : t.finishedMs * kMs));
                    CHECK(d.store.resultText(row) == t.outcome);
                    CHECK(d.store.cancelReason(row) == t.cancelReason);
                    CHECK(d.store.callbackCount(row) == t.callbacks);
                    const auto parentAt = std::lower_bound(ids.begin(), ids.end(), t.parent);
                    const qint64 parentKey = t.parent ? key(run, std::uint64_t(parentAt - ids.begin()) + 1) : -1;
                    CHECK(d.store.parentKey(row) == parentKey);
                    ++counts[std::size_t(t.state)];
                    if (d.store.publishedRowCount() > row)
                        CHECK(d.store.stateIndex().state(row) == t.state);
                }
                for (int s = 0; s < kStateCount; ++s)
                    CHECK(d.store.runCount(run, TaskState(s)) == std::int64_t(std::count_if(
                        ids.begin(), ids.end(), [&](std::uint64_t id) { return ref[id].state == TaskState(s); })));
            }
            for (int s = 0; s < kStateCount; ++s) {
                CHECK(d.store.count(TaskState(s)) == counts[std::size_t(s)]);
                CHECK(d.store.stateIndex().count(1u << s) == counts[std::size_t(s)]);
            }
        };

        for (int step = 0; step < 400; ++step) {
            ms += 1 + std::int64_t(rng() % 3);
            const int which = (firstRemoved || rng() % 2) ? 1 : 0;
            const int run = runs[which];
            Script &s = scripts[which];
            s.at(ms);
            std::vector<std::uint64_t> mine;
            for (const auto &[id, t] : ref) {
                if (t.run == run)
                    mine.push_back(id);
            }
            const auto pick = [&](auto pred) -> std::uint64_t {
                std::vector<std::uint64_t> ok;
                for (const std::uint64_t id : mine) {
                    if (pred(ref[id]))
                        ok.push_back(id);
                }
                return ok.empty() ? 0 : ok[rng() % ok.size()];
            };
            switch (rng() % 8) {
            case 0:
            case 1: { // a task, on either loop (the worker's are applied after the main's:
                      // a worker task made before a main one of the same flush arrives late)
                RefTask t;
                t.run = run;
                t.name = QStringLiteral("t%1").arg(nextId);
                t.parent = rng() % 3 ? pick([](const RefTask &) { return true; }) : 0;
                t.loop = rng() % 3 ? kMain : kWorker;
                s.created(t.loop, nextId, t.name, log::OpTag::Sleep, t.parent);
                ref[nextId++] = t;
                break;
            }
            case 2:
                if (const std::uint64_t id = pick([](const RefTask &t) { return t.state == TaskState::Pending; })) {
                    s.event(ref[id].loop, EventType::Started, id);
                    ref[id].state = TaskState::Running;
                    ref[id].startedMs = ms;
                }
                break;
            case 3:
            case 4:
                if (const std::uint64_t id = pick([](const RefTask &t) { return t.state == TaskState::Running; })) {
                    RefTask &t = ref[id];
                    t.finishedMs = ms;
                    switch (rng() % 3) {
                    case 0:
                        t.outcome = QString::number(rng() % 100);
                        s.event(t.loop, EventType::Done, id, 0, 0, t.outcome);
                        t.state = TaskState::Done;
                        break;
                    case 1:
                        t.outcome = QStringLiteral("boom %1").arg(id);
                        s.event(t.loop, EventType::Failed, id, 0, 0, t.outcome);
                        t.state = TaskState::Failed;
                        break;
                    default: {
                        const rt::CancelKind kind = rng() % 2 ? rt::CancelKind::User : rt::CancelKind::Parent;
                        s.event(t.loop, EventType::CancelRequested, id, 0, std::uint8_t(kind));
                        s.event(t.loop, EventType::Cancelled, id, 0, std::uint8_t(kind));
                        t.cancelReason = rt::toString(kind);
                        t.state = TaskState::Cancelled;
                        break;
                    }
                    }
                }
                break;
            case 5:
                if (const std::uint64_t id = pick([](const RefTask &) { return true; })) {
                    s.event(ref[id].loop, EventType::CallbackAdded, id, std::uint64_t(ref[id].callbacks), 0,
                            QStringLiteral("{\"kind\":\"log\"}"));
                    ++ref[id].callbacks;
                }
                break;
            default: // a tick: what both runs' loops wrote, then the check
                if (!firstRemoved)
                    scripts[0].flush();
                scripts[1].flush();
                d.store.endTick();
                check();
                break;
            }
            // Half way, the first run ends (its tasks finished) and is removed.
            if (step == 250 && !firstRemoved) {
                scripts[1].flush();
                scripts[0].tick();
                for (auto &[id, t] : ref) {
                    if (t.run != runs[0] || rt::isFinal(t.state))
                        continue;
                    scripts[0].at(ms);
                    if (t.state == TaskState::Pending) {
                        scripts[0].event(t.loop, EventType::Started, id);
                        t.startedMs = ms;
                    }
                    scripts[0].event(t.loop, EventType::Done, id);
                    t.state = TaskState::Done;
                    t.finishedMs = ms;
                }
                scripts[0].tick();
                check();
                d.store.setRunFinished(runs[0], kStart + ms * kMs);
                REQUIRE(d.store.removeRun(runs[0]));
                std::erase_if(ref, [&](const auto &entry) { return entry.second.run == runs[0]; });
                firstRemoved = true;
                check();
            }
        }
        if (!firstRemoved)
            scripts[0].flush();
        scripts[1].tick();
        check();
    }
}

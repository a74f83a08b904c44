// The TaskMonitor facade end to end: real runs on their own loop threads, driven
// through the invokables QML calls, observed through the models.

#include "session/run.h"
#include "monitor/runcomparison.h"
#include "monitor/taskmonitor.h"
#include "taskset/taskset.h"
#include "support/looprunner.h"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <QSignalSpy>
#include <QTest>
#include <QTemporaryDir>
#include <QUrl>

#include <catch2/catch.hpp>

#include <numeric>
#include <thread>

using namespace coroscope;
using namespace coroscope::testing;
using namespace std::chrono_literals;

namespace {

int rowNamed(monitor::TaskMonitor &m, const QString &name)
{
    auto *model = m.tasks();
    for (int r = 0; r < model->rowCount(); ++r) {
        if (model->data(model->index(r), model->roleNames().key("name")).toString() == name)
            return r;
    }
    return -1;
}

QVariant roleOf(monitor::TaskMonitor &m, const QString &name, const char *role)
{
    auto *model = m.tasks();
    const int r = rowNamed(m, name);
    if (r < 0)
        return {};
    return model->data(model->index(r), model->roleNames().key(role));
}

qint64 keyNamed(monitor::TaskMonitor &m, const QString &name)
{
    const int r = rowNamed(m, name);
    return r < 0 ? -1 : m.tasks()->keyAt(r);
}

bool waitFor(monitor::TaskMonitor &m, const std::function<bool()> &condition, std::chrono::milliseconds timeout = 10s)
{
    return runUntil([&] {
        m.tick();
        return condition();
    }, timeout).reached;
}

} // namespace

TEST_CASE("launching a built-in set shows every task live until the run ends")
{
    monitor::TaskMonitor m;
    QAbstractItemModelTester tester(m.tasks(), QAbstractItemModelTester::FailureReportingMode::Fatal);
    CHECK(m.builtinSets().size() >= 13);
    CHECK(m.launchBuiltin(QStringLiteral("gather-basics")).isEmpty());
    REQUIRE(waitFor(m, [&] { return rowNamed(m, QStringLiteral("four")) >= 0; }));
    CHECK(roleOf(m, QStringLiteral("four"), "state").toString() == QStringLiteral("running"));
    CHECK(roleOf(m, QStringLiteral("four"), "awaiting").toString() == QStringLiteral("sleep 4s"));
    bool finished = false;
    QObject::connect(&m, &monitor::TaskMonitor::runFinished, [&] { finished = true; });
    REQUIRE(waitFor(m, [&] { return finished; }, 15s));
    m.tick();
    CHECK(roleOf(m, QStringLiteral("main"), "state").toString() == QStringLiteral("done"));
    CHECK(roleOf(m, QStringLiteral("main"), "resultText").toString() == QStringLiteral("[1,2,4]"));
    CHECK(roleOf(m, QStringLiteral("strict"), "state").toString() == QStringLiteral("failed"));
    CHECK(m.stats()->total() == 10);
    CHECK(m.stats()->failed() == 3);
}

TEST_CASE("events are applied in slices between ticks and reach the models at the next tick")
{
    monitor::TaskMonitor m;
    QAbstractItemModelTester tester(m.tasks(), QAbstractItemModelTester::FailureReportingMode::Fatal);
    REQUIRE(m.launchBuiltin(QStringLiteral("lifecycle")).isEmpty());
    // No event loop runs here, so no timer ticks: only the slices called below apply.
    bool applied = false;
    for (int i = 0; i < 500 && !applied; ++i) {
        m.applySlice();
        applied = m.store().rowCount() >= 3;
        if (!applied)
            std::this_thread::sleep_for(10ms);
    }
    REQUIRE(applied);
    CHECK(m.store().publishedRowCount() == 0);
    CHECK(m.tasks()->rowCount() == 0);
    CHECK(m.stats()->total() == 0);
    CHECK(m.sliceTimings().wallNs.size() >= 1);

    m.tick();
    CHECK(m.tasks()->rowCount() == m.store().rowCount());
    CHECK(m.stats()->total() == m.store().rowCount());
    CHECK(m.tickTimings().wallNs.size() == 1);
}

TEST_CASE("a monitor closed while its runs still run stops them and ends cleanly")
{
    // Closing the dashboard mid-run: the runs' tasks are cancelled and end on their
    // loops while the monitor goes away, which must wait for those ends before it frees
    // the runs (else a use after free).
    for (const char *set : {"gather-basics", "threadsafe", "million"}) {
        auto m = std::make_unique<monitor::TaskMonitor>();
        REQUIRE(m->launchBuiltin(QString::fromLatin1(set)).isEmpty());
        REQUIRE(waitFor(*m, [&] { return m->stats()->running() > 0; }));
        (void)m->spawnTask(QStringLiteral("sleep"), {{QStringLiteral("seconds"), 5}}, -1); // the playground too
        REQUIRE(waitFor(*m, [&] { return m->stats()->running() > 1; }));
        m.reset();
    }
}

TEST_CASE("a run's events taken at its end are applied in full, then freed off the applying thread")
{
    // 60,000 tasks whose events all wait in the journal until the run ends: batches too
    // large to keep for reuse, so they go to the backlog's releasing thread once spent
    // (under ASan, LeakSanitizer reports one never freed, and a use after free if the
    // release races the apply).
    taskset::ParseResult parsed = taskset::parseTaskSet(
        R"({"format":"coroscope.taskset/1","name":"many","tasks":[
            {"op":"repeat","name":"many","count":60000,"task":{"op":"sleep","seconds":0}}]})",
        QStringLiteral("many.json"));
    REQUIRE(parsed.ok());
    session::Run run(std::move(*parsed.set), false);
    QSignalSpy ended(&run, &session::Run::ended);
    REQUIRE(runUntil([&] { return !run.isRunning(); }, 20s).reached);
    CHECK_FALSE(run.caughtUp()); // nothing applied yet: the end waits for it

    std::size_t events = 0;
    std::size_t created = 0;
    const auto count = [&](const QString &, const rt::JournalBatch &batch) {
        events += batch.events.size();
        for (const rt::Event &e : batch.events) {
            if (e.type == rt::EventType::Created)
                ++created;
        }
    };
    while (!run.pump(0, count, 4096))
        CHECK(ended.isEmpty()); // only once every event is applied
    CHECK(run.caughtUp());
    CHECK(ended.count() == 1);
    CHECK(created == 60001); // the repeat and its children
    CHECK(events >= 4 * created);
    run.waitForReleases();
}

TEST_CASE("the loops list carries the longest step only once the loop has stalled")
{
    // The status bar rebuilds its labels whenever the list changes: a figure it does
    // not show must not change the list on every tick.
    monitor::TaskMonitor m;
    QSignalSpy changed(&m, &monitor::TaskMonitor::loopsChanged);
    REQUIRE(m.launchBuiltin(QStringLiteral("lifecycle")).isEmpty());
    REQUIRE(waitFor(m, [&] { return m.stats()->running() > 0 && !m.loops().isEmpty(); }));
    const int afterStart = int(changed.count());
    for (int i = 0; i < 20; ++i) {
        m.tick();
        QTest::qWait(5);
    }
    const QVariantMap quiet = m.loops().first().toMap();
    CHECK(quiet.value(QStringLiteral("healthy")).toBool());
    CHECK_FALSE(quiet.contains(QStringLiteral("maxStallMs")));
    CHECK(changed.count() == afterStart);

    // A task that blocks the playground's loop (which stays open) for 300 ms.
    REQUIRE(m.spawnTask(QStringLiteral("block"), {{QStringLiteral("seconds"), 0.3}}, -1).isEmpty());
    REQUIRE(waitFor(m, [&] {
        for (const QVariant &loop : m.loops()) {
            const QVariantMap map = loop.toMap();
            if (map.value(QStringLiteral("run")).toString() == QLatin1String("playground"))
                return map.value(QStringLiteral("stalls")).toInt() == 1;
        }
        return false;
    }));
    for (const QVariant &loop : m.loops()) {
        const QVariantMap map = loop.toMap();
        if (map.value(QStringLiteral("run")).toString() == QLatin1String("playground")) {
            CHECK_FALSE(map.value(QStringLiteral("healthy")).toBool());
            CHECK(map.value(QStringLiteral("maxStallMs")).toDouble() >= 300);
            CHECK(map.value(QStringLiteral("lastStallMs")).toDouble() >= 300);
        }
    }
}

TEST_CASE("a live run's warnings reach the Warnings list as they happen, a loop not responding while it lasts")
{
    monitor::TaskMonitor m;
    monitor::WarningListModel *warnings = m.warnings();
    QAbstractItemModelTester tester(warnings, QAbstractItemModelTester::FailureReportingMode::Fatal);
    const auto rowsOf = [&](const QString &kind) {
        std::vector<qint64> keys;
        for (int r = 0; r < warnings->rowCount(); ++r) {
            const QModelIndex i = warnings->index(r);
            if (warnings->data(i, monitor::WarningListModel::KindRole).toString() == kind)
                keys.push_back(qint64(warnings->data(i, monitor::WarningListModel::TaskKeyRole).toDouble()));
        }
        return keys;
    };
    CHECK(warnings->count() == 0);

    // A task that holds the playground's loop 600 ms: not responding while it does.
    REQUIRE(m.spawnTask(QStringLiteral("block"), {{QStringLiteral("seconds"), 0.6}}, -1).isEmpty());
    REQUIRE(waitFor(m, [&] { return rowsOf(QStringLiteral("not-responding")).size() == 1; }));
    qint64 hog = -1;
    REQUIRE(waitFor(m, [&] { return m.tasks()->rowCount() == 1; })); // the playground's one task
    hog = m.tasks()->keyAt(0);
    CHECK(rowsOf(QStringLiteral("not-responding")) == std::vector<qint64>{hog});

    // Then a stall that names it, and no longer a loop not responding.
    REQUIRE(waitFor(m, [&] { return rowsOf(QStringLiteral("stall")) == std::vector<qint64>{hog}; }));
    CHECK(rowsOf(QStringLiteral("not-responding")).empty());

    // A top-level task that fails: nothing awaits its error.
    REQUIRE(m.spawnTask(QStringLiteral("fail"), {{QStringLiteral("message"), QStringLiteral("boom")}}, -1).isEmpty());
    REQUIRE(waitFor(m, [&] { return rowsOf(QStringLiteral("error-not-retrieved")).size() == 1; }));
    CHECK(warnings->count() == 2);
    CHECK(warnings->thresholds().contains(QStringLiteral("cancel honoured within 100 ms")));
}

TEST_CASE("a bad set file is refused with every error and nothing runs")
{
    monitor::TaskMonitor m;
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("bad.json"));
    QFile f(path);
    REQUIRE(f.open(QIODevice::WriteOnly));
    f.write(R"({"format":"coroscope.taskset/1","name":"bad","tasks":[{"op":"sleep","secnds":1},{"op":"nope"}]})");
    f.close();
    const QStringList errors = m.openSetFile(QUrl::fromLocalFile(path));
    CHECK(errors.size() >= 2);
    CHECK(errors.join(QLatin1Char('\n')).contains(QStringLiteral("unknown key \"secnds\"")));
    m.tick();
    CHECK(m.tasks()->rowCount() == 0);
}

TEST_CASE("cancelling a running task from the dashboard ends it with reason user")
{
    monitor::TaskMonitor m;
    REQUIRE(m.launchBuiltin(QStringLiteral("nested-coroutines")).isEmpty());
    REQUIRE(waitFor(m, [&] { return roleOf(m, QStringLiteral("load-cart"), "state").toString() == QStringLiteral("running"); }));
    SECTION("one task")
    {
        m.cancelTask(keyNamed(m, QStringLiteral("checkout")));
        REQUIRE(waitFor(m, [&] { return roleOf(m, QStringLiteral("checkout"), "state").toString() == QStringLiteral("cancelled"); }));
        CHECK(roleOf(m, QStringLiteral("checkout"), "cancelReason").toString() == QStringLiteral("user"));
        // Its awaited children follow with reason parent, as in asyncio.
        REQUIRE(waitFor(m, [&] { return roleOf(m, QStringLiteral("load-cart"), "state").toString() == QStringLiteral("cancelled"); }));
        CHECK(roleOf(m, QStringLiteral("load-cart"), "cancelReason").toString() == QStringLiteral("parent"));
    }
    SECTION("a whole subtree: the task with reason user, its descendants with reason parent")
    {
        m.cancelSubtree(keyNamed(m, QStringLiteral("checkout")));
        REQUIRE(waitFor(m, [&] {
            for (const char *n : {"checkout", "load-cart", "load-items", "load-prices", "fetch-rates"}) {
                if (roleOf(m, QString::fromLatin1(n), "state").toString() != QStringLiteral("cancelled"))
                    return false;
            }
            return true;
        }));
        CHECK(roleOf(m, QStringLiteral("checkout"), "cancelReason").toString() == QStringLiteral("user"));
        for (const char *n : {"load-cart", "load-items", "load-prices", "fetch-rates"}) {
            INFO(n);
            CHECK(roleOf(m, QString::fromLatin1(n), "cancelReason").toString() == QStringLiteral("parent"));
        }
    }
}

TEST_CASE("Cancel subtree finds the subtree a slice at a time between the event loop's other work, then cancels it")
{
    monitor::TaskMonitor m;
    m.setSubtreeScanSlice(10);
    taskset::ParseResult parsed = taskset::parseTaskSet(R"({"format": "coroscope.taskset/1", "name": "tree", "tasks": [
        {"op": "gather", "name": "top", "children": [
            {"op": "repeat", "name": "kids", "count": 60, "task": {"op": "sleep", "seconds": 60}},
            {"op": "repeat", "name": "more", "count": 30, "task": {"op": "sleep", "seconds": 60}}]},
        {"op": "sleep", "name": "outside", "seconds": 60}]})",
                                                        QStringLiteral("tree.json"));
    REQUIRE(parsed.ok());
    const int runId = m.launch(std::move(*parsed.set));
    REQUIRE(waitFor(m, [&] {
        const log::RunRecord *record = m.store().run(runId);
        return record && record->count(rt::TaskState::Running) == 94; // top, kids, more, 90 sleeps, outside
    }));
    const std::size_t slicesBefore = m.subtreeScanTimings().wallNs.size();
    m.cancelSubtree(keyNamed(m, QStringLiteral("top")));
    // One slice in the call: top's 93 successors take ten of ten tasks each.
    CHECK(m.subtreeScanTimings().wallNs.size() == slicesBefore + 1);
    REQUIRE(waitFor(m, [&] { return m.store().run(runId)->count(rt::TaskState::Cancelled) == 93; }));
    CHECK(m.subtreeScanTimings().wallNs.size() == slicesBefore + 10);
    CHECK(roleOf(m, QStringLiteral("top"), "cancelReason").toString() == QStringLiteral("user"));
    CHECK(roleOf(m, QStringLiteral("kids"), "cancelReason").toString() == QStringLiteral("parent"));
    CHECK(roleOf(m, QStringLiteral("outside"), "state").toString() == QStringLiteral("running"));
    const log::RunRecord *record = m.store().run(runId);
    for (std::uint64_t id = 1; id <= record->taskCount(); ++id) {
        const auto t = record->task(id);
        if (t->name != QStringLiteral("top") && t->name != QStringLiteral("outside")) {
            INFO(t->name.toStdString() << " " << id);
            CHECK(t->cancelReason == QStringLiteral("parent"));
        }
    }
    m.cancelAll();
}

TEST_CASE("the histograms follow a run at most four times a second, and show its end")
{
    monitor::TaskMonitor m;
    taskset::ParseResult parsed = taskset::parseTaskSet(R"({"format": "coroscope.taskset/1", "name": "steady", "tasks": [
        {"op": "repeat", "name": "waves", "count": 400, "task": {"op": "sleep", "seconds": {"uniform": [0.01, 1.2]}}}]})",
                                                        QStringLiteral("steady.json"));
    REQUIRE(parsed.ok());
    std::vector<std::int64_t> changes;
    QElapsedTimer clock;
    clock.start();
    QObject::connect(m.histograms(), &monitor::HistogramModel::changed, [&] { changes.push_back(clock.elapsed()); });
    const int runId = m.launch(std::move(*parsed.set));
    bool finished = false;
    QObject::connect(&m, &monitor::TaskMonitor::runFinished, [&] { finished = true; });
    REQUIRE(waitFor(m, [&] { return finished; }));
    // Sleeps end all through the run, tick after tick; the charts move four times a second.
    REQUIRE(changes.size() >= 3);
    for (std::size_t i = 1; i < changes.size(); ++i) {
        INFO("change " << i << " at " << changes[i] << " ms, the one before at " << changes[i - 1]);
        CHECK(changes[i] - changes[i - 1] >= 200); // a timer may fire a few ms early
    }
    // The last counts are shown once the held-back refresh comes.
    const auto durationsCounted = [&] {
        const log::Buckets &b = m.histograms()->counts(log::Measure::Duration);
        return std::accumulate(b.begin(), b.end(), std::uint64_t(0));
    };
    REQUIRE(waitFor(m, [&] { return durationsCounted() == 401; }));
    CHECK(m.store().run(runId)->count(rt::TaskState::Done) == 401);
}

TEST_CASE("a Cancel subtree still looking for its tasks when its run is removed is dropped")
{
    monitor::TaskMonitor m;
    m.setSubtreeScanSlice(1); // 2,000 slices, 5 ms apart: the scan outlives the run
    taskset::ParseResult parsed = taskset::parseTaskSet(R"({"format": "coroscope.taskset/1", "name": "big", "tasks": [
        {"op": "repeat", "name": "kids", "count": 2000, "task": {"op": "sleep", "seconds": 60}}]})",
                                                        QStringLiteral("big.json"));
    REQUIRE(parsed.ok());
    const int runId = m.launch(std::move(*parsed.set));
    REQUIRE(waitFor(m, [&] { return m.store().run(runId)->count(rt::TaskState::Running) == 2001; }));
    m.cancelSubtree(keyNamed(m, QStringLiteral("kids")));
    m.cancelAll();
    REQUIRE(waitFor(m, [&] { return m.removeRun(runId).isEmpty(); }));
    const std::size_t slices = m.subtreeScanTimings().wallNs.size();
    CHECK(slices < 2000);
    (void)runUntil([] { return false; }, 100ms); // twenty slices' time
    CHECK(m.subtreeScanTimings().wallNs.size() <= slices + 1); // the slice that found it gone
}

TEST_CASE("a callback added to a live task and to a finished one fires once, after the task ends")
{
    monitor::TaskMonitor m;
    REQUIRE(m.launchBuiltin(QStringLiteral("lifecycle")).isEmpty());
    REQUIRE(waitFor(m, [&] { return roleOf(m, QStringLiteral("fetch-user"), "state").toString() == QStringLiteral("done"); }));
    const qint64 finished = keyNamed(m, QStringLiteral("fetch-user"));
    const qint64 live = keyNamed(m, QStringLiteral("fetch-prices"));
    REQUIRE(roleOf(m, QStringLiteral("fetch-prices"), "state").toString() == QStringLiteral("running"));
    CHECK(m.addCallback(live, QStringLiteral("log"), QStringLiteral("prices in")).isEmpty());
    CHECK(m.addCallback(finished, QStringLiteral("partial"), QStringLiteral("[2, \"x\"]")).isEmpty());
    CHECK_FALSE(m.addCallback(finished, QStringLiteral("partial"), QStringLiteral("not json")).isEmpty());

    const auto firedOnce = [&](qint64 key) {
        const auto d = m.taskDetails(key);
        return d && d->callbacks.size() == 1 && d->callbacks[0].firedMs.has_value();
    };
    REQUIRE(waitFor(m, [&] { return firedOnce(finished); }));
    const auto liveCallbacks = m.taskDetails(live).value().callbacks;
    REQUIRE(liveCallbacks.size() == 1);
    CHECK_FALSE(liveCallbacks[0].firedMs.has_value()); // not before the task ends
    REQUIRE(waitFor(m, [&] { return roleOf(m, QStringLiteral("fetch-prices"), "state").toString() == QStringLiteral("done"); }));
    REQUIRE(waitFor(m, [&] { return firedOnce(live); }));
    const auto d = m.taskDetails(live).value();
    CHECK(d.callbacks[0].firedMs.value() >= d.finishedMs.value());
}

TEST_CASE("spawning a task from the form runs it, and a bad parameter is refused")
{
    monitor::TaskMonitor m;
    CHECK_FALSE(m.spawnTask(QStringLiteral("sleep"), {{QStringLiteral("seconds"), QStringLiteral("-1")}}, -1).isEmpty());
    CHECK_FALSE(m.spawnTask(QStringLiteral("teleport"), {}, -1).isEmpty());
    CHECK(m.spawnTask(QStringLiteral("sleep"), {{QStringLiteral("seconds"), 0.05}, {QStringLiteral("name"), QStringLiteral("mine")}}, -1).isEmpty());
    REQUIRE(waitFor(m, [&] { return roleOf(m, QStringLiteral("mine"), "state").toString() == QStringLiteral("done"); }));
    const qint64 parent = keyNamed(m, QStringLiteral("mine"));
    CHECK(m.spawnTask(QStringLiteral("fail"), {{QStringLiteral("seconds"), 0.01}, {QStringLiteral("name"), QStringLiteral("child")}}, parent).isEmpty());
    REQUIRE(waitFor(m, [&] { return roleOf(m, QStringLiteral("child"), "state").toString() == QStringLiteral("failed"); }));
    CHECK(roleOf(m, QStringLiteral("child"), "parentKey").toLongLong() == parent);
}

TEST_CASE("a run's log exports and opens again as a past run")
{
    monitor::TaskMonitor m;
    REQUIRE(m.launchBuiltin(QStringLiteral("callbacks")).isEmpty());
    bool finished = false;
    QObject::connect(&m, &monitor::TaskMonitor::runFinished, [&] { finished = true; });
    REQUIRE(waitFor(m, [&] { return finished; }));
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("run.json"));
    CHECK(m.exportLog(1, QUrl::fromLocalFile(path)).isEmpty());
    QFile f(path);
    REQUIRE(f.open(QIODevice::ReadOnly));
    CHECK(QJsonDocument::fromJson(f.readAll()).object().value(QStringLiteral("set")).toString() == QStringLiteral("callbacks"));
    CHECK_FALSE(m.exportLog(1, QUrl::fromLocalFile(dir.filePath(QStringLiteral("run.unknown")))).isEmpty());

    const int before = m.tasks()->rowCount();
    CHECK(m.openLog(QUrl::fromLocalFile(path)).isEmpty());
    m.tick();
    CHECK(m.tasks()->rowCount() == 2 * before);
    CHECK_FALSE(m.openLog(QUrl::fromLocalFile(dir.filePath(QStringLiteral("missing.json")))).isEmpty());
}

TEST_CASE("a running task's details carry its await chain, and so do they in a run read back from a log")
{
    // docs/spec/stuck.md, "Where it shows".
    monitor::TaskMonitor m;
    REQUIRE(m.launchBuiltin(QStringLiteral("gather-basics")).isEmpty());
    REQUIRE(waitFor(m, [&] { return roleOf(m, QStringLiteral("four"), "awaiting").toString() == QStringLiteral("sleep 4s"); }));
    const qint64 main = keyNamed(m, QStringLiteral("main"));
    const auto live = m.taskDetails(main).value();
    INFO(live.chainText.toStdString());
    CHECK(live.chainText.startsWith(QStringLiteral("main \u2192 gather(")));
    REQUIRE(live.chain.size() >= 3);
    CHECK(live.chain.front().taskKey == main);
    CHECK(live.chain[1].taskKey == -1);
    CHECK_FALSE(live.chainNeverEnds);

    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("mid-run.json"));
    REQUIRE(m.exportLog(1, QUrl::fromLocalFile(path)).isEmpty()); // main still runs in it
    REQUIRE(m.openLog(QUrl::fromLocalFile(path)).isEmpty());
    m.tick();
    const auto past = m.taskDetails(monitor::TaskStore::makeKey(2, 1)).value();
    CHECK(past.name == QStringLiteral("main"));
    CHECK(past.state == QStringLiteral("running"));
    // The chain at the log's end (tests/log/tst_awaitchain.cpp compares it hop by hop).
    INFO(past.chainText.toStdString());
    CHECK(QRegularExpression(QStringLiteral("^main → gather\\(3\\) → .+ → sleep until \\d+\\.\\d{3} s$"))
              .match(past.chainText)
              .hasMatch());
    REQUIRE(past.chain.size() >= 4);
    CHECK(past.chain.front().taskKey == monitor::TaskStore::makeKey(2, 1));
    m.cancelAll();
}

TEST_CASE("the timeline gets a bar per task on its loop's lane, on the clock of the first run")
{
    monitor::TaskMonitor m;
    REQUIRE(m.launchBuiltin(QStringLiteral("cpu-vs-io")).isEmpty());
    bool finished = false;
    QObject::connect(&m, &monitor::TaskMonitor::runFinished, [&] { finished = true; });
    REQUIRE(waitFor(m, [&] { return finished; }, 15s));
    REQUIRE(m.barCount() == 13);
    REQUIRE(m.laneCount() == 2);
    CHECK(m.laneName(0) == QStringLiteral("#1 cpu-vs-io · main"));
    CHECK(m.laneName(1) == QStringLiteral("#1 cpu-vs-io · pool"));
    REQUIRE(m.stallCount(0) == 2); // the two inline cpu tasks
    CHECK(m.stall(0, 0).culprit == QStringLiteral("inline-1"));
    CHECK(m.stall(0, 0).durationMs >= 200.0);
    for (int i = 0; i < m.barCount(); ++i) {
        const auto bar = m.bar(i);
        const int row = m.store().rowOfKey(bar.key);
        CHECK(bar.lane == (m.store().loop(row) == QStringLiteral("pool") ? 1 : 0));
        CHECK(bar.startMs >= 0.0);
        CHECK(bar.endMs >= bar.startMs);
        CHECK(bar.state == int(rt::TaskState::Done));
    }
}

TEST_CASE("the details' children are a parent's, in order, as they are filed, whoever else was asked about")
{
    monitor::TaskMonitor m;
    // `a` files its children in batches of 16384 with loop steps between, so ticks see
    // them arrive; `b`'s children come between a's batches.
    taskset::ParseResult parsed = taskset::parseTaskSet(R"({"format": "coroscope.taskset/1", "name": "kids", "tasks": [
        {"op": "repeat", "name": "a", "count": 40000, "task": {"op": "sleep", "seconds": 0.3}},
        {"op": "repeat", "name": "b", "count": 40, "task": {"op": "sleep", "seconds": 0.3}},
        {"op": "repeat", "name": "c", "count": 50, "task": {"op": "sleep", "seconds": 0.3}}]})",
                                                        QStringLiteral("kids.json"));
    REQUIRE(parsed.ok());
    const int runId = m.launch(std::move(*parsed.set));
    // What a walk of the whole run finds now: the first 50 children, in local id order.
    const auto walk = [&](qint64 parent) {
        QList<qint64> keys;
        const log::RunRecord *record = m.store().run(runId);
        for (std::uint64_t local = 1; record && local <= record->taskCount() && keys.size() < 50; ++local) {
            const int row = m.store().rowOfLocal(runId, local);
            if (row >= 0 && m.store().parentKey(row) == parent)
                keys.append(m.store().keyOfRow(row));
        }
        return keys;
    };
    const auto listed = [&](qint64 parent) {
        QList<qint64> keys;
        const auto details = m.taskDetails(parent);
        for (const auto &c : details.value().children)
            keys.append(c.taskKey);
        return keys;
    };
    REQUIRE(waitFor(m, [&] { return keyNamed(m, QStringLiteral("b")) >= 0; }));
    const qint64 b = keyNamed(m, QStringLiteral("b"));
    int mismatches = 0;
    QList<int> sizesSeen;
    bool finished = false;
    QObject::connect(&m, &monitor::TaskMonitor::runFinished, [&] { finished = true; });
    // Asked about every tick while the tasks are filed, as the details pane asks.
    REQUIRE(waitFor(m, [&] {
        const QList<qint64> now = listed(b);
        mismatches += now != walk(b);
        if (sizesSeen.isEmpty() || sizesSeen.back() != now.size())
            sizesSeen.append(int(now.size()));
        return finished;
    }, 20s));
    CHECK(mismatches == 0);
    CHECK(sizesSeen.back() == 40);
    CHECK(sizesSeen.size() <= 41); // never shrank
    const qint64 a = keyNamed(m, QStringLiteral("a"));
    REQUIRE(a >= 0);
    CHECK(listed(a).size() == 50); // the pane's limit
    CHECK(m.taskDetails(a).value().moreChildren);
    CHECK_FALSE(m.taskDetails(b).value().moreChildren);
    CHECK(listed(a) == walk(a));
    CHECK(listed(b) == walk(b)); // asked again after another task
    const qint64 c = keyNamed(m, QStringLiteral("c"));
    CHECK(listed(c).size() == 50); // exactly the limit: none left out
    CHECK_FALSE(m.taskDetails(c).value().moreChildren);
    CHECK(m.store().run(runId)->taskCount() == 40093); // a, b, c and their children
}

TEST_CASE("the details cut a long result to its start, in its field and in its event")
{
    monitor::TaskMonitor m;
    taskset::ParseResult parsed = taskset::parseTaskSet(R"({"format": "coroscope.taskset/1", "name": "long", "tasks": [
        {"op": "repeat", "name": "many", "count": 3000, "task": {"op": "sleep", "seconds": 0.001}}]})",
                                                        QStringLiteral("long.json"));
    REQUIRE(parsed.ok());
    m.launch(std::move(*parsed.set));
    REQUIRE(waitFor(m, [&] { return roleOf(m, QStringLiteral("many"), "state").toString() == QStringLiteral("done"); }));
    const auto d = m.taskDetails(keyNamed(m, QStringLiteral("many"))).value();
    const QString shown = d.result;
    // "[0.001,0.001,...]": 2 + 3000 * 6 - 1 characters, of which the first 4000 shown.
    CHECK(shown.startsWith(QStringLiteral("[0.001,0.001,")));
    CHECK(shown.startsWith(QStringLiteral("0.001,").repeated(700).prepend(QLatin1Char('[')).left(4000)));
    CHECK(shown.size() < 4100);
    CHECK(shown.contains(QStringLiteral("(18001 characters; export the log for all of it)")));
    REQUIRE_FALSE(d.events.empty());
    CHECK(d.events.back().type == QStringLiteral("done"));
    CHECK(d.events.back().detail == shown);
}

TEST_CASE("the details' events are the task's own, each at the time it happened")
{
    monitor::TaskMonitor m;
    REQUIRE(m.launchBuiltin(QStringLiteral("gather-basics")).isEmpty());
    REQUIRE(waitFor(m, [&] { return roleOf(m, QStringLiteral("four"), "awaiting").toString() == QStringLiteral("sleep 4s"); }));
    const qint64 four = keyNamed(m, QStringLiteral("four"));
    std::this_thread::sleep_for(200ms);
    m.tick();
    const auto d = m.taskDetails(four).value();
    CHECK(d.awaiting == QStringLiteral("sleep 4s"));
    QStringList types;
    const double startedMs = d.startedMs.value();
    for (const auto &event : d.events) {
        types.append(event.type);
        CHECK(event.tMs <= startedMs); // nothing stamped "now"
    }
    CHECK(types == QStringList{QStringLiteral("created"), QStringLiteral("started")});
}

TEST_CASE("a queue's depth reaches its task's details and the timeline, rising and falling, and no log")
{
    monitor::TaskMonitor m;
    REQUIRE(m.launchBuiltin(QStringLiteral("producer-consumer")).isEmpty());
    bool finished = false;
    QObject::connect(&m, &monitor::TaskMonitor::runFinished, [&] { finished = true; });
    REQUIRE(waitFor(m, [&] { return finished; }, 15s));

    const qint64 jobs = keyNamed(m, QStringLiteral("jobs"));
    REQUIRE(jobs >= 0);
    const monitor::QueueDepth *depth = m.store().queueDepth(jobs);
    REQUIRE(depth != nullptr);
    // One sample when made, then one per put and per get of the 8 items.
    CHECK(depth->depth.size() == 1 + 2 * 8);
    CHECK(depth->depth.front() == 0);
    CHECK(depth->depth.back() == 0);
    CHECK(depth->peak >= 2); // two producers 4x faster than the consumers fill it
    CHECK(depth->peak <= 3); // up to its capacity
    CHECK(std::is_sorted(depth->tNs.begin(), depth->tNs.end()));

    const auto queue = m.taskDetails(jobs).value().queue;
    REQUIRE(queue.has_value());
    CHECK(queue->depth == 0);
    CHECK(queue->capacity == 3);
    CHECK(queue->peak == qint64(depth->peak));
    SECTION("a worker of the queue owns none")
    {
        const auto worker = m.taskDetails(keyNamed(m, QStringLiteral("jobs.consumer-1")));
        REQUIRE(worker.has_value());
        CHECK_FALSE(worker->queue.has_value());
    }
    SECTION("the timeline draws it in its owner's lane, up to the peak and back to 0")
    {
        REQUIRE(m.counterCount() == 1);
        const auto counter = m.counter(0);
        CHECK(counter.lane == m.bar(m.store().rowOfKey(jobs)).lane);
        CHECK(counter.capacity == 3.0);
        CHECK(counter.scaleMax == 3.0);
        CHECK(counter.name.startsWith(QStringLiteral("jobs")));
        std::vector<float> columns;
        m.counterColumns(0, 0.0, m.nowMs(), 400, columns);
        REQUIRE(columns.size() == 400);
        CHECK(*std::max_element(columns.begin(), columns.end()) == float(depth->peak));
        const auto firstShown = std::find_if(columns.begin(), columns.end(), [](float v) { return v >= 0; });
        REQUIRE(firstShown != columns.end());
        CHECK(*firstShown == 0.0f);
        const auto lastShown = std::find_if(columns.rbegin(), columns.rend(), [](float v) { return v >= 0; });
        CHECK(*lastShown == 0.0f);
    }
    SECTION("its log has no depth: it is live only")
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("run.jsonl"));
        REQUIRE(m.exportLog(1, QUrl::fromLocalFile(path)).isEmpty());
        QFile f(path);
        REQUIRE(f.open(QIODevice::ReadOnly));
        const QByteArray log = f.readAll();
        CHECK(log.contains("\"jobs\""));
        CHECK_FALSE(log.contains("queue_depth"));
    }
}

TEST_CASE("removing a finished run takes its tasks out of every view and keeps the other runs whole")
{
    monitor::TaskMonitor m;
    QAbstractItemModelTester tasksTester(m.tasks(), QAbstractItemModelTester::FailureReportingMode::Fatal);
    QAbstractItemModelTester treeTester(m.tree(), QAbstractItemModelTester::FailureReportingMode::Fatal);
    QAbstractItemModelTester runsTester(m.runs(), QAbstractItemModelTester::FailureReportingMode::Fatal);
    REQUIRE(m.launchBuiltin(QStringLiteral("callbacks")).isEmpty());
    bool finished = false;
    QObject::connect(&m, &monitor::TaskMonitor::runFinished, [&](int runId) { finished = finished || runId == 1; });
    REQUIRE(waitFor(m, [&] { return finished; }));
    const int firstRunTasks = int(m.store().run(1)->taskCount());
    REQUIRE(firstRunTasks > 0);
    REQUIRE(m.launchBuiltin(QStringLiteral("gather-basics")).isEmpty()); // runs 4 s: live throughout
    REQUIRE(waitFor(m, [&] { return keyNamed(m, QStringLiteral("four")) >= 0; }));
    const qint64 four = keyNamed(m, QStringLiteral("four"));
    const int secondRunTasks = int(m.store().run(2)->taskCount());
    const int lanesBefore = m.laneCount();
    m.setScopeRunId(1);
    REQUIRE(m.tasks()->rowCount() == firstRunTasks);

    SECTION("a live run is refused, saying why, and stays")
    {
        CHECK(m.removeRun(2).contains(QStringLiteral("still running")));
        CHECK(m.store().run(2) != nullptr);
        CHECK(m.runs()->rowCount() == 2);
    }
    SECTION("a finished one leaves the table, the tree, the counters, the timeline and the run list")
    {
        QSignalSpy removed(&m, &monitor::TaskMonitor::runRemoved);
        CHECK(m.removeRun(1).isEmpty());
        CHECK(removed.count() == 1);
        CHECK(m.store().run(1) == nullptr);
        CHECK(m.scopeRunId() == 0); // it was the scope: every run again
        CHECK(m.store().rowCount() == secondRunTasks);
        CHECK(m.tasks()->rowCount() == secondRunTasks);
        CHECK(m.stats()->total() == secondRunTasks);
        CHECK(m.barCount() == secondRunTasks);
        CHECK(m.laneCount() < lanesBefore);
        for (int lane = 0; lane < m.laneCount(); ++lane)
            CHECK(m.laneName(lane).startsWith(QStringLiteral("#2 ")));
        int treeTasks = 0;
        for (int row = 0; row < m.tree()->rowCount(); ++row) {
            const qint64 key = m.tree()->index(row, 0).internalId();
            CHECK(monitor::TaskStore::runIdOfKey(key) == 2);
            ++treeTasks;
        }
        CHECK(treeTasks >= 1);
        REQUIRE(m.runs()->rowCount() == 1);
        CHECK(m.runs()->data(m.runs()->index(0), monitor::RunListModel::RunIdRole).toInt() == 2);
        CHECK(m.runs()->newestRunId() == 2);
        // The other run's tasks keep their keys and go on: "four" still ends done.
        CHECK(m.store().name(m.store().rowOfKey(four)) == QStringLiteral("four"));
        CHECK(m.taskDetails(four).value().name == QStringLiteral("four"));
        REQUIRE(waitFor(m, [&] { return roleOf(m, QStringLiteral("four"), "state").toString() == QStringLiteral("done"); }, 15s));
        CHECK(waitFor(m, [&] {
            return m.stats()->done() + m.stats()->failed() + m.stats()->cancelled() == m.store().rowCount();
        }));
        CHECK(m.removeRun(1).contains(QStringLiteral("no run")));
        SECTION("and the next run takes a new id")
        {
            REQUIRE(m.launchBuiltin(QStringLiteral("lifecycle")).isEmpty());
            CHECK(m.runs()->newestRunId() == 3);
            CHECK(m.runs()->rowCount() == 2);
        }
    }
}

TEST_CASE("the tree shows the scoped run's tasks only, as the table does")
{
    monitor::TaskMonitor m;
    QAbstractItemModelTester treeTester(m.tree(), QAbstractItemModelTester::FailureReportingMode::Fatal);
    REQUIRE(m.launchBuiltin(QStringLiteral("callbacks")).isEmpty());
    REQUIRE(m.launchBuiltin(QStringLiteral("gather-basics")).isEmpty());
    REQUIRE(waitFor(m, [&] { return m.store().run(1)->taskCount() > 0 && m.store().run(2)->taskCount() > 0; }));
    m.tick();
    const auto rootRuns = [&] {
        QSet<int> runs;
        for (int row = 0; row < m.tree()->rowCount(); ++row)
            runs.insert(monitor::TaskStore::runIdOfKey(qint64(m.tree()->index(row, 0).internalId())));
        return runs;
    };
    CHECK(rootRuns() == QSet<int>{1, 2});
    m.setScopeRunId(2);
    CHECK(m.tree()->runFilter() == 2);
    CHECK(rootRuns() == QSet<int>{2});
    const qint64 main = keyNamed(m, QStringLiteral("main"));
    REQUIRE(main >= 0);
    CHECK(m.tree()->indexOfKey(main).isValid());
    SECTION("a task of another run is not in it")
    {
        m.setScopeRunId(1);
        CHECK(rootRuns() == QSet<int>{1});
        CHECK_FALSE(m.tree()->indexOfKey(main).isValid());
    }
    SECTION("tasks that arrive while scoped are filed only for their run")
    {
        REQUIRE(m.launchBuiltin(QStringLiteral("lifecycle")).isEmpty());
        REQUIRE(waitFor(m, [&] { return m.store().run(3) && m.store().run(3)->taskCount() > 0; }));
        m.tick();
        CHECK(rootRuns() == QSet<int>{2});
    }
    SECTION("every run again")
    {
        m.setScopeRunId(0);
        CHECK(rootRuns() == QSet<int>{1, 2});
    }
}

// Time travel on a live run (docs/spec/time-travel.md) -----------------------------------

TEST_CASE("a live run's playhead stays put while the run goes on, finds its first failure and steps through a task")
{
    monitor::TaskMonitor m;
    REQUIRE(m.launchBuiltin(QStringLiteral("task-states")).isEmpty());
    const int run = m.runs()->property("newestRunId").toInt();
    m.setScopeRunId(run);
    REQUIRE(waitFor(m, [&] { return roleOf(m, QStringLiteral("succeeds"), "state").toString() == QLatin1String("running"); }));

    // Placed while the run is live: the run goes on underneath, the playhead stays.
    REQUIRE(m.setPlayheadMs(1).isEmpty());
    REQUIRE(m.playheadMs() == Approx(1.0));
    bool finished = false;
    QObject::connect(&m, &monitor::TaskMonitor::runFinished, [&] { finished = true; });
    REQUIRE(waitFor(m, [&] { return finished; }, 15s));
    CHECK(m.playheadMs() == Approx(1.0));
    CHECK(m.stats()->failed() == 0);
    CHECK(roleOf(m, QStringLiteral("succeeds"), "state").toString() != QLatin1String("done"));

    // The first failure: "fails" ended then, nothing else had failed or been cut short after it.
    const double failedAt = m.jumpToFirst(QStringLiteral("failure"));
    REQUIRE(failedAt >= 500.0);
    CHECK(m.stats()->failed() == 1);
    CHECK(roleOf(m, QStringLiteral("fails"), "state").toString() == QLatin1String("failed"));
    CHECK(roleOf(m, QStringLiteral("succeeds"), "state").toString() == QLatin1String("running"));
    CHECK(roleOf(m, QStringLiteral("succeeds"), "awaiting").toString() == QLatin1String("sleep 1s"));

    // The failing task's previous event: it was not failed yet.
    const double before = m.stepTaskEvent(keyNamed(m, QStringLiteral("fails")), false);
    REQUIRE(before >= 0);
    CHECK(before < failedAt);
    CHECK(roleOf(m, QStringLiteral("fails"), "state").toString() == QLatin1String("running"));
    CHECK(m.stats()->failed() == 0);
    // And the next one again.
    CHECK(m.stepTaskEvent(keyNamed(m, QStringLiteral("fails")), true) == Approx(failedAt));

    // The first cancellation: "never-starts", cancelled before it started.
    REQUIRE(m.jumpToFirst(QStringLiteral("cancellation")) >= 0);
    CHECK(roleOf(m, QStringLiteral("never-starts"), "state").toString() == QLatin1String("cancelled"));
    CHECK(roleOf(m, QStringLiteral("cancelled-running"), "state").toString() != QLatin1String("cancelled"));

    // Another scope, or Live, returns to now.
    m.goLive();
    CHECK(m.playheadMs() < 0);
    CHECK(m.stats()->cancelled() == 2);
    CHECK(m.stats()->done() >= 1);
    REQUIRE(m.setPlayheadMs(1).isEmpty());
    m.setScopeRunId(0);
    CHECK(m.playheadMs() < 0);
    CHECK_FALSE(m.setPlayheadMs(1).isEmpty()); // no run picked: no playhead
}

TEST_CASE("a comparison waits for a running run, compares it once it ends, and empties a removed run's side")
{
    monitor::TaskMonitor m;
    monitor::RunComparison comparison;
    QAbstractItemModelTester tester(&comparison, QAbstractItemModelTester::FailureReportingMode::Fatal);
    comparison.setMonitor(&m);
    REQUIRE(m.launchBuiltin(QStringLiteral("gather-basics")).isEmpty()); // runs 4 s
    REQUIRE(waitFor(m, [&] { return keyNamed(m, QStringLiteral("four")) >= 0; }));
    comparison.setRunA(1);
    comparison.setRunB(1);
    CHECK_FALSE(comparison.isCompared());
    CHECK(comparison.summary().contains(QStringLiteral("still running")));

    REQUIRE(waitFor(m, [&] { return comparison.isCompared(); }, 15s));
    CHECK(comparison.agree());
    CHECK(comparison.count() == 0);
    CHECK(comparison.sideA()->barCount() == 10);
    CHECK(comparison.spanMs() >= 4000);

    CHECK(m.removeRun(1).isEmpty());
    CHECK(comparison.runA() == 0);
    CHECK(comparison.runB() == 0);
    CHECK_FALSE(comparison.isCompared());
    CHECK(comparison.sideA()->barCount() == 0);
}

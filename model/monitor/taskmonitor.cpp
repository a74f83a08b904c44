#include "taskmonitor.h"

#include "log/awaitchain.h"
#include "log/exporters.h"
#include "runtime/threads.h"
#include "log/logreader.h"
#include "log/jsonlreader.h"
#include "taskset/builtins.h"

#include <QDateTime>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QDir>
#include <QPointer>
#include <QRegularExpression>
#include <QSet>

#include <algorithm>
#include <cmath>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <utility>
#include <variant>

Q_LOGGING_CATEGORY(lcMonitor, "coroscope.monitor")

namespace coroscope::monitor {

namespace {

constexpr int kTickMs = 33;
constexpr int kApplyIntervalMs = 5;                 // between two apply slices
constexpr std::int64_t kApplySliceNs = 2'000'000;   // events applied per slice (time)
constexpr std::size_t kScanChunk = 8192;              // tasks a subtree scan looks at between clock reads
constexpr int kTaskThreadNice = 5;       // the runs' threads, below the GUI (see rt::setTaskThreadNice)
constexpr std::size_t kKeptTimings = 4096;
constexpr qsizetype kDetailsText = 4000; // characters of a result the details pane shows

// A result as the details pane shows it: its start, and how long it is (a million-task
// repeat's result is megabytes of text, which one label would lay out for seconds).
QString detailsText(const QString &text)
{
    if (text.size() <= kDetailsText)
        return text;
    return text.left(kDetailsText) + QStringLiteral("\u2026 (%1 characters; export the log for all of it)").arg(text.size());
}

QString localPath(const QUrl &url)
{
    return url.isLocalFile() ? url.toLocalFile() : url.toString();
}

QStringList messages(const std::vector<taskset::Diagnostic> &errors)
{
    QStringList out;
    for (const auto &d : errors)
        out << d.toString();
    return out;
}

double msOf(std::int64_t ns) { return double(ns) / 1e6; }

// A run as the dashboard names it everywhere (Format.run in QML): "#2 gather-basics".
QString runTitle(int runId, const log::RunRecord &record)
{
    return QStringLiteral("#%1 %2").arg(runId).arg(record.setName());
}

template<typename Lanes>
int laneOfIn(const Lanes &lanes, int runId, std::uint8_t loopIndex)
{
    for (std::size_t i = 0; i < lanes.size(); ++i) {
        if (lanes[i].runId == runId && lanes[i].loopIndex == loopIndex)
            return int(i);
    }
    return -1;
}

// A node for the spawn form or a spawn callback: one leaf op with its parameters.
std::variant<std::shared_ptr<taskset::Node>, QStringList> leafNode(const QString &op, const QVariantMap &params)
{
    auto node = std::make_shared<taskset::Node>();
    QStringList errors;
    const auto number = [&](const char *key, double fallback) {
        const QVariant v = params.value(QString::fromLatin1(key));
        if (!v.isValid() || v.toString().isEmpty())
            return fallback;
        bool ok = false;
        const double d = v.toDouble(&ok);
        if (!ok || d < 0 || !std::isfinite(d)) {
            errors << QStringLiteral("%1 must be a number >= 0, got \"%2\"").arg(QLatin1String(key), v.toString());
            return fallback;
        }
        return d;
    };
    node->name = params.value(QStringLiteral("name")).toString();
    if (op == QLatin1String("sleep")) {
        node->op = taskset::Op::Sleep;
        node->seconds.a = number("seconds", 1.0);
        const QString result = params.value(QStringLiteral("result")).toString();
        if (!result.isEmpty()) {
            const QJsonDocument parsed = QJsonDocument::fromJson("[" + result.toUtf8() + "]");
            node->result = parsed.isArray() && parsed.array().size() == 1 ? parsed.array().at(0) : QJsonValue(result);
            node->hasResult = true;
        }
    } else if (op == QLatin1String("fail")) {
        node->op = taskset::Op::Fail;
        node->seconds.a = number("seconds", 1.0);
        node->message = params.value(QStringLiteral("message"), QStringLiteral("failed on purpose")).toString();
        if (node->message.isEmpty())
            errors << QStringLiteral("a fail task needs a message");
    } else if (op == QLatin1String("cpu")) {
        node->op = taskset::Op::Cpu;
        node->workMs = number("work_ms", 200.0);
        if (node->workMs <= 0)
            errors << QStringLiteral("work_ms must be > 0");
        node->where = params.value(QStringLiteral("where")).toString() == QLatin1String("loop") ? taskset::Where::Loop
                                                                                                 : taskset::Where::Pool;
    } else if (op == QLatin1String("block")) {
        node->op = taskset::Op::Block;
        node->seconds.a = number("seconds", 0.5);
    } else {
        errors << QStringLiteral("unknown op \"%1\": choose sleep, fail, cpu or block").arg(op);
    }
    if (!errors.isEmpty())
        return errors;
    return node;
}

} // namespace

TaskMonitor::TaskMonitor(QObject *parent)
    : QObject(parent)
    , m_tasks(&m_store)
    , m_tree(&m_store)
    , m_stats(&m_store)
    , m_runs(&m_store)
    , m_warnings(&m_store)
    , m_histograms(&m_store, &m_tasks)
{
    connect(this, &TaskMonitor::spawnedOnLoop, this,
            [this](int runId, quint64 id) { m_spawnedAwaited.emplace_back(runId, std::uint64_t(id)); }, Qt::QueuedConnection);
    for (const auto &b : taskset::builtinSets())
        m_builtins.append(QVariantMap{{QStringLiteral("name"), b.name}, {QStringLiteral("description"), b.description}});
    // The runs' loops and pool run below the GUI thread's priority: a million tasks
    // keeping both cores busy would make the GUI thread wait for the CPU longer than
    // it works (a 5 ms tick takes 30 ms of wall time).
    rt::setTaskThreadNice(kTaskThreadNice);
    m_tick.setTimerType(Qt::PreciseTimer);
    connect(&m_tick, &QTimer::timeout, this, &TaskMonitor::tick);
    m_tick.start(kTickMs);
    m_apply.setTimerType(Qt::PreciseTimer);
    m_apply.setInterval(kApplyIntervalMs);
    connect(&m_apply, &QTimer::timeout, this, &TaskMonitor::applySlice);
    m_subtreeScan.setTimerType(Qt::PreciseTimer);
    m_subtreeScan.setInterval(kApplyIntervalMs);
    connect(&m_subtreeScan, &QTimer::timeout, this, &TaskMonitor::scanSubtrees);
}

TaskMonitor::~TaskMonitor()
{
    m_tick.stop();
    m_apply.stop();
    m_attached.clear(); // closes the connections: the programs run on
    m_live.clear();     // each run stops its tasks and its loop threads
}

double TaskMonitor::nowMs() const
{
    // The latest end among the scope's runs; a run still active ends now.
    double now = 0;
    const std::int64_t clock = rt::monotonicNs();
    for (std::size_t i = 0; i < m_runTimes.size(); ++i) {
        const RunTime &t = m_runTimes[i];
        if (!t.shown)
            continue;
        const std::int64_t end = t.endNs != log::RunRecord::kNone ? t.endNs
            : runIsActive(int(i) + 1)                                ? clock
                                                                     : m_store.nowNs();
        now = std::max(now, msOf(end - t.originNs));
    }
    return now;
}

bool TaskMonitor::runIsActive(int runId) const
{
    if (const auto a = m_attached.find(runId); a != m_attached.end())
        return a->second.session->isOpen() && m_store.isRunning(runId);
    const auto it = m_live.find(runId);
    if (it == m_live.end() || !it->second->isRunning() || !m_store.isRunning(runId))
        return false;
    // The playground stays open for spawned tasks: it is live only while it has some.
    return runId != m_playgroundRun || m_store.runCount(runId, rt::TaskState::Pending) > 0
        || m_store.runCount(runId, rt::TaskState::Running) > 0;
}

bool TaskMonitor::anyRunActive() const
{
    for (const auto &[runId, run] : m_live) {
        if (runIsActive(runId))
            return true;
    }
    return std::any_of(m_attached.begin(), m_attached.end(), [this](const auto &a) { return runIsActive(a.first); });
}

std::int64_t TaskMonitor::originNs(int runId) const
{
    const log::RunRecord *record = m_store.run(runId);
    if (!record)
        return 0;
    if (m_scope == runId || m_store.isLoaded(runId) || !m_store.attachedTo(runId).isEmpty() || m_firstStartNs < 0)
        return record->startNs();
    return m_firstStartNs;
}

void TaskMonitor::rereadBars()
{
    ++m_viewRevisions;
    m_lanesRevision = timelineRevision();
}

void TaskMonitor::updateRunTimes()
{
    std::vector<RunTime> times(std::size_t(m_store.runCount()));
    bool live = false;
    for (int runId = 1; runId <= m_store.runCount(); ++runId) {
        const log::RunRecord *record = m_store.run(runId);
        RunTime &t = times[std::size_t(runId - 1)];
        t.shown = record && inScope(runId); // a removed run shows nothing
        t.originNs = originNs(runId);
        if (record && record->endNs())
            t.endNs = *record->endNs();
        live = live || (t.shown && runIsActive(runId));
    }
    if (times != m_runTimes) {
        m_runTimes = std::move(times);
        rereadBars();
    }
    if (live != m_isLive) {
        m_isLive = live;
        Q_EMIT liveChanged();
    }
}

void TaskMonitor::setScopeRunId(int runId)
{
    if (runId < 0 || !m_store.run(runId))
        runId = 0;
    if (runId == m_scope)
        return;
    if (m_store.playheadRun() != 0 && m_store.playheadRun() != runId)
        goLive(); // the playhead belongs to the scoped run
    m_scope = runId;
    m_tasks.setRunFilter(runId);
    m_tree.setRunFilter(runId);
    m_stats.setScopeRunId(runId);
    m_histograms.setRunId(runId);
    updateLanes();
    updateRunTimes();
    rereadBars();
    Q_EMIT scopeChanged();
    Q_EMIT ticked(); // the views re-read now, not at the next live tick (there may be none)
}

QString TaskMonitor::readOnlyReason(qint64 taskKey) const
{
    const int runId = TaskStore::runIdOfKey(taskKey);
    if (taskKey < 0 || !m_store.run(runId))
        return {};
    if (m_store.isLoaded(runId))
        return QStringLiteral("A past run, read from %1: it only shows what happened")
            .arg(QFileInfo(m_store.loadedFrom(runId)).fileName());
    if (const auto a = m_attached.find(runId); a != m_attached.end() && !a->second.session->isOpen())
        return a->second.pastReason;
    return {};
}

QString TaskMonitor::barName(int index) const
{
    return index >= 0 && index < m_store.rowCount() ? m_store.name(index) : QString();
}

int TaskMonitor::launch(taskset::TaskSet set)
{
    const QString name = set.name;
    const std::uint64_t estimate = taskset::estimateRun(set).tasks;
    auto live = std::make_unique<session::Run>(std::move(set), false);
    const int runId = m_store.addRun(name, QDateTime::currentDateTimeUtc(), live->startNs(),
                                     log::RunRecord::Spool::Events);
    m_store.reserve(runId, std::size_t(std::min<std::uint64_t>(estimate, log::RunRecord::kMostReserved)));
    if (m_firstStartNs < 0)
        m_firstStartNs = live->startNs();
    connect(live.get(), &session::Run::ended, this, [this, runId](std::int64_t endNs) {
        m_finishing[runId] = endNs; // shown with the tick that shows its last events
    });
    m_live.emplace(runId, std::move(live));
    qCInfo(lcMonitor, "run %d: %s", runId, qPrintable(name));
    return runId;
}

QStringList TaskMonitor::launchBuiltin(const QString &name)
{
    taskset::ParseResult parsed = taskset::loadSet(name);
    if (!parsed.ok())
        return messages(parsed.errors);
    launch(std::move(*parsed.set));
    return {};
}

QStringList TaskMonitor::openSetFile(const QUrl &url)
{
    taskset::ParseResult parsed = taskset::loadTaskSetFile(localPath(url));
    if (!parsed.ok())
        return messages(parsed.errors);
    launch(std::move(*parsed.set));
    return {};
}

void TaskMonitor::stopRun(int runId)
{
    if (m_attached.count(runId)) {
        detachRun(runId);
        return;
    }
    if (auto it = m_live.find(runId); it != m_live.end())
        it->second->stop();
}

QString TaskMonitor::removeRun(int runId)
{
    if (!m_store.run(runId))
        return tr("There is no run #%1").arg(runId);
    if (const auto a = m_attached.find(runId); a != m_attached.end() && a->second.session->isOpen())
        return tr("Run #%1 is attached to %2: detach it first").arg(runId).arg(a->second.program);
    if (m_store.isRunning(runId) || m_finishing.count(runId)
        || (m_live.count(runId) && !m_live.at(runId)->caughtUp()))
        return tr("Run #%1 is still running: stop it first").arg(runId);
    if (m_scope == runId)
        setScopeRunId(0);
    m_live.erase(runId); // ends its loop threads (nothing of it runs)
    m_attached.erase(runId);
    if (m_playgroundRun == runId)
        m_playgroundRun = 0;
    std::erase_if(m_spawnedAwaited, [runId](const auto &awaited) { return awaited.first == runId; });
    m_childScan = ChildScan{}; // it may point into the run's record
    m_store.removeRun(runId);  // ticks: every model follows at once
    updateLanes();
    updateRunTimes();
    rereadBars();
    updateLoops();
#ifdef __GLIBC__
    malloc_trim(0); // the run's small blocks (names, texts) back to the system, not only to the heap
#endif
    Q_EMIT ticked();
    Q_EMIT runRemoved(runId);
    return {};
}

session::Run &TaskMonitor::playground()
{
    if (m_playgroundRun == 0 || !m_live.count(m_playgroundRun)) {
        taskset::TaskSet set;
        set.name = QStringLiteral("playground");
        set.description = QStringLiteral("Tasks spawned from the dashboard");
        auto live = std::make_unique<session::Run>(std::move(set), true);
        m_playgroundRun = m_store.addRun(QStringLiteral("playground"), QDateTime::currentDateTimeUtc(),
                                         live->startNs(), log::RunRecord::Spool::Events);
        if (m_firstStartNs < 0)
            m_firstStartNs = live->startNs();
        m_live.emplace(m_playgroundRun, std::move(live));
    }
    return *m_live.at(m_playgroundRun);
}

session::Run *TaskMonitor::liveRunOf(qint64 taskKey, std::uint64_t *runtimeId) const
{
    const int runId = TaskStore::runIdOfKey(taskKey);
    auto it = m_live.find(runId);
    const log::RunRecord *record = m_store.run(runId);
    if (it == m_live.end() || !record)
        return nullptr;
    const auto view = record->task(TaskStore::localIdOfKey(taskKey));
    if (!view)
        return nullptr;
    *runtimeId = view->runtimeId;
    return it->second.get();
}

QStringList TaskMonitor::spawnTask(const QString &op, const QVariantMap &params, qint64 parentTaskKey, int runId)
{
    auto made = leafNode(op, params);
    if (auto *errors = std::get_if<QStringList>(&made))
        return *errors;
    auto node = std::get<std::shared_ptr<taskset::Node>>(made);
    if (parentTaskKey >= 0) {
        if (const QString reason = readOnlyReason(parentTaskKey); !reason.isEmpty())
            return {reason};
    }
    std::uint64_t parent = 0;
    session::Run *run = nullptr;
    if (parentTaskKey >= 0) {
        run = liveRunOf(parentTaskKey, &parent);
        if (!run)
            return {QStringLiteral("the parent task belongs to a run that is no longer live")};
        runId = TaskStore::runIdOfKey(parentTaskKey);
    } else if (auto it = m_live.find(runId); it != m_live.end()) {
        run = it->second.get();
    } else {
        run = &playground();
        runId = m_playgroundRun;
    }
    // A finished run with a task again is running again (its Stop button back) until
    // that task ends; its earlier end, if not yet shown, is stale.
    m_finishing.erase(runId);
    if (!m_store.isRunning(runId))
        m_store.setRunRunning(runId);
    run->spawn(node, parent, [this, runId](std::uint64_t id) { Q_EMIT spawnedOnLoop(runId, id, QPrivateSignal()); });
    return {};
}

QVariantMap TaskMonitor::spawnTarget(qint64 selectedTaskKey, int selectedRunId) const
{
    qint64 parentKey = -1;
    int runId = selectedRunId;
    if (selectedTaskKey >= 0) {
        runId = TaskStore::runIdOfKey(selectedTaskKey);
        std::uint64_t runtimeId = 0;
        const log::RunRecord *record = m_store.run(runId);
        if (liveRunOf(selectedTaskKey, &runtimeId) && record
            && !rt::isFinal(record->state(TaskStore::localIdOfKey(selectedTaskKey))))
            parentKey = selectedTaskKey;
    }
    const log::RunRecord *record = m_store.run(runId);
    if (!m_live.count(runId) || !record)
        runId = -1;
    return {{QStringLiteral("parentKey"), parentKey},
            {QStringLiteral("runId"), runId},
            {QStringLiteral("where"), runId >= 0 ? runTitle(runId, *record) : tr("the playground")}};
}

void TaskMonitor::cancelTask(qint64 taskKey)
{
    if (m_attached.count(TaskStore::runIdOfKey(taskKey))) {
        const int row = m_store.rowOfKey(taskKey);
        const QString what = tr("cancel %1").arg(row >= 0 ? m_store.name(row) : QString());
        const QString error = sendToProgram(taskKey, what, false, [](session::ProbeSession &p, std::uint64_t id) { return p.cancel(id); });
        if (!error.isEmpty())
            Q_EMIT notice(error);
        return;
    }
    std::uint64_t id = 0;
    if (session::Run *run = liveRunOf(taskKey, &id))
        run->cancel({id});
}

void TaskMonitor::cancelSubtree(qint64 taskKey)
{
    const int runId = TaskStore::runIdOfKey(taskKey);
    const log::RunRecord *record = m_store.run(runId);
    std::uint64_t id = 0;
    if (!record || (!m_attached.count(runId) && !liveRunOf(taskKey, &id)))
        return;
    m_subtreeCancels.push_back({taskKey, record, log::RunRecord::DescendantScan(*record, TaskStore::localIdOfKey(taskKey))});
    scanSubtrees(); // a small run's subtree is found and cancelled before this returns
}

void TaskMonitor::scanSubtrees()
{
    const std::int64_t t0 = rt::monotonicNs();
    const std::int64_t cpu0 = rt::threadCpuNs();
    const std::size_t chunk = m_scanSliceTasks ? m_scanSliceTasks : kScanChunk;
    bool first = true;
    while (!m_subtreeCancels.empty() && (m_scanSliceTasks ? first : rt::monotonicNs() - t0 < kApplySliceNs)) {
        SubtreeCancel &c = m_subtreeCancels.front();
        if (m_store.run(TaskStore::runIdOfKey(c.taskKey)) != c.record) { // its run was removed
            m_subtreeCancels.erase(m_subtreeCancels.begin());
            continue;
        }
        first = false;
        if (!c.scan.scan(*c.record, chunk))
            continue;
        const qint64 key = c.taskKey;
        const std::vector<std::uint64_t> found = c.scan.take();
        m_subtreeCancels.erase(m_subtreeCancels.begin());
        cancelFound(key, found);
    }
    if (m_subtreeCancels.empty())
        m_subtreeScan.stop();
    else if (!m_subtreeScan.isActive())
        m_subtreeScan.start();
    record(m_subtreeScanTimings, t0, cpu0);
}

void TaskMonitor::cancelFound(qint64 taskKey, const std::vector<std::uint64_t> &descendants)
{
    const int runId = TaskStore::runIdOfKey(taskKey);
    if (m_attached.count(runId)) {
        // One cancel a task, the task first (docs/spec/probe-protocol.md, "The
        // dashboard"); a descendant may end before its cancel arrives: no message then.
        cancelTask(taskKey);
        const log::RunRecord *record = m_store.run(runId);
        for (const std::uint64_t probeId : descendants) {
            const qint64 key = TaskStore::makeKey(runId, record->localId(probeId));
            sendToProgram(key, {}, true, [](session::ProbeSession &p, std::uint64_t id) { return p.cancel(id); });
        }
        return;
    }
    // The task itself gets reason user, its descendants parent, as asyncio gives an
    // awaited child of a cancelled task (docs/spec/log-format.md).
    std::uint64_t id = 0;
    if (session::Run *run = liveRunOf(taskKey, &id))
        run->cancel({id}, descendants);
}

QString TaskMonitor::cancelAllReason() const
{
    for (const auto &[runId, run] : m_live) {
        const log::RunRecord *record = m_store.run(runId);
        if (run->isRunning() && record
            && record->count(rt::TaskState::Running) + record->count(rt::TaskState::Pending) > 0)
            return {};
    }
    for (const auto &[runId, a] : m_attached) {
        if (a.session->isOpen())
            return tr("Cancel all stops the runs launched here: cancel an attached program's tasks with Cancel or Cancel subtree");
    }
    return {};
}

void TaskMonitor::cancelAll()
{
    for (auto &[runId, run] : m_live)
        run->stop();
}

QStringList TaskMonitor::addCallback(qint64 taskKey, const QString &kind, const QString &text)
{
    if (const QString reason = readOnlyReason(taskKey); !reason.isEmpty())
        return {reason};
    if (m_attached.count(TaskStore::runIdOfKey(taskKey))) {
        if (kind != QLatin1String("log"))
            return {tr("An attached program takes log callbacks only")};
        const QString message = text.isEmpty() ? QStringLiteral("done") : text;
        const int row = m_store.rowOfKey(taskKey);
        const QString what = tr("add a callback to %1").arg(row >= 0 ? m_store.name(row) : QString());
        const QString error = sendToProgram(taskKey, what, false, [&message](session::ProbeSession &p, std::uint64_t id) {
            return p.addLogCallback(id, message);
        });
        return error.isEmpty() ? QStringList() : QStringList{error};
    }
    std::uint64_t id = 0;
    session::Run *run = liveRunOf(taskKey, &id);
    if (!run)
        return {QStringLiteral("that task belongs to a run that is no longer live")};
    taskset::Callback cb;
    if (kind == QLatin1String("log")) {
        cb.kind = taskset::Callback::Kind::Log;
        cb.message = text.isEmpty() ? QStringLiteral("done") : text;
    } else if (kind == QLatin1String("partial")) {
        cb.kind = taskset::Callback::Kind::Partial;
        QJsonParseError error{};
        const QJsonDocument args = QJsonDocument::fromJson(text.toUtf8(), &error);
        if (!args.isArray())
            return {QStringLiteral("partial arguments must be a JSON array, e.g. [2, \"x\"]")};
        cb.args = args.array();
    } else if (kind == QLatin1String("spawn")) {
        cb.kind = taskset::Callback::Kind::Spawn;
        auto made = leafNode(text.isEmpty() ? QStringLiteral("sleep") : text, {});
        if (auto *errors = std::get_if<QStringList>(&made))
            return *errors;
        cb.task = std::get<std::shared_ptr<taskset::Node>>(made);
    } else {
        return {QStringLiteral("unknown callback kind \"%1\": choose log, partial or spawn").arg(kind)};
    }
    const int row = m_store.rowOfKey(taskKey);
    run->addCallback(id, cb, std::uint32_t(row >= 0 ? m_store.callbackCount(row) : 0));
    return {};
}

QString TaskMonitor::exportLog(int runId, const QUrl &url)
{
    const log::RunRecord *record = m_store.run(runId);
    if (!record)
        return QStringLiteral("no run %1").arg(runId);
    catchUp(); // everything up to now
    const log::ExportResult r = log::exportLog(*record, localPath(url));
    return r.ok() ? QString() : *r.error;
}

QString TaskMonitor::exportFileName(int runId) const
{
    const log::RunRecord *record = m_store.run(runId);
    QString set = record ? record->setName() : QStringLiteral("run");
    // A set's name may come from a file: keep what a file name can hold everywhere.
    static const QRegularExpression unsafe(QStringLiteral("[^A-Za-z0-9._-]+"));
    set.replace(unsafe, QStringLiteral("-"));
    if (set.isEmpty() || set.startsWith(QLatin1Char('.')))
        set.prepend(QStringLiteral("run"));
    return QStringLiteral("%1-%2.json").arg(set).arg(runId);
}

QString TaskMonitor::exportFolder() const
{
    return QDir::homePath();
}

QString TaskMonitor::openLog(const QUrl &url)
{
    const QString path = localPath(url);
    log::LogReadResult read = log::readLogFile(path);
    if (!read.log)
        return read.error;
    const int runId = m_store.loadLog(*read.log, path);
    // loadLog published its tick itself: lanes and time bases follow now.
    updateLanes();
    updateRunTimes();
    Q_EMIT ticked();
    Q_EMIT logOpened(runId);
    return {};
}

const std::vector<std::uint64_t> &TaskMonitor::childrenOf(qint64 taskKey, const log::RunRecord &record) const
{
    ChildScan &kept = m_childScan;
    if (kept.parentKey != taskKey || kept.record != &record)
        kept = ChildScan{taskKey, &record, log::RunRecord::ChildScan(record, TaskStore::localIdOfKey(taskKey))};
    return kept.scan.scan(record, kMaxDetailsChildren + 1);
}

std::optional<TaskDetailsData> TaskMonitor::taskDetails(qint64 taskKey) const
{
    const log::RunRecord *record = m_store.run(TaskStore::runIdOfKey(taskKey));
    if (!record)
        return {};
    const auto t = record->task(TaskStore::localIdOfKey(taskKey));
    if (!t)
        return {};
    // The record's task times are already relative to the run's start.
    const auto optMs = [](const std::optional<std::int64_t> &ns) { return ns ? std::optional(msOf(*ns)) : std::nullopt; };
    const int runId = TaskStore::runIdOfKey(taskKey);
    const auto keyOf = [&](std::uint64_t local) { return local ? TaskStore::makeKey(runId, local) : qint64(-1); };

    TaskDetailsData d;
    d.taskKey = taskKey;
    d.runId = runId;
    d.run = record->setName();
    d.id = qint64(t->id);
    d.name = t->name;
    d.op = t->opName;
    d.parentKey = keyOf(t->parent);
    d.parentName = t->parent ? record->name(t->parent) : QString();
    d.originKey = keyOf(t->origin);
    d.loop = t->loop;
    d.state = toString(t->state);
    d.awaiting = t->awaiting;
    d.createdMs = msOf(t->createdNs);
    d.startedMs = optMs(t->startedNs);
    d.finishedMs = optMs(t->finishedNs);
    d.result = detailsText(t->result);
    d.error = detailsText(t->error);
    d.cancelReason = t->cancelReason;

    const auto event = [&](const std::optional<double> &at, const QString &type, const QString &detail) {
        if (at)
            d.events.push_back({*at, type, detail});
    };
    event(d.createdMs, QStringLiteral("created"), t->parent ? QStringLiteral("child of ") + d.parentName : QString());
    event(d.startedMs, QStringLiteral("started"), t->loop);
    // No "suspended" line: the store keeps what a task awaits now but not since when,
    // and a line stamped with the current time read as an event that never happened
    // then. The awaiting field says it.
    event(d.finishedMs, d.state,
          t->state == rt::TaskState::Failed ? d.error
          : t->state == rt::TaskState::Cancelled ? QStringLiteral("reason ") + t->cancelReason
                                                 : d.result);
    for (const auto &cb : t->callbacks) {
        d.callbacks.push_back({cb.description, optMs(cb.firedNs)});
        event(d.callbacks.back().firedMs, QStringLiteral("callback"), cb.description);
        if (cb.error)
            event(d.callbacks.back().firedMs, QStringLiteral("callback failed"), *cb.error);
    }
    std::stable_sort(d.events.begin(), d.events.end(), [](const auto &a, const auto &b) { return a.tMs < b.tMs; });

    // A queue node's queue (docs/spec/taskset-format.md, "Queue depth").
    if (const QueueDepth *queue = m_store.queueDepth(taskKey); queue && !queue->depth.empty())
        d.queue = TaskDetailsData::Queue{qint64(queue->depth.back()), qint64(queue->capacity), qint64(queue->peak)};
    // Why is it stuck? (docs/spec/stuck.md) A run read back from a log shows the chain
    // at the log's end, as the replay rebuilt it.
    if (!rt::isFinal(t->state)) {
        const log::AwaitChain chain = log::awaitChain(*record, t->id);
        for (const log::AwaitHop &hop : chain.hops)
            d.chain.push_back({keyOf(hop.task), hop.text, hop.neverEnds});
        d.chainText = chain.text();
        d.chainNeverEnds = chain.neverEnds;
    }
    const std::vector<std::uint64_t> &childLocals = childrenOf(taskKey, *record);
    for (std::size_t i = 0; i < std::min(childLocals.size(), kMaxDetailsChildren); ++i) {
        const int row = m_store.rowOfLocal(runId, childLocals[i]);
        d.children.push_back({m_store.keyOfRow(row), m_store.name(row), toString(m_store.state(row))});
    }
    d.moreChildren = childLocals.size() > kMaxDetailsChildren;
    travelDetails(d);
    return d;
}

bool TaskMonitor::applyPending(std::int64_t budgetNs)
{
    // The runs take turns at the budget, the first turn moving on each time, so a
    // million-task run does not starve another's events.
    const std::int64_t start = rt::monotonicNs();
    std::vector<std::pair<int, session::Run *>> runs;
    for (auto &[runId, run] : m_live)
        runs.emplace_back(runId, run.get());
    bool caughtUp = true;
    for (std::size_t i = 0; i < runs.size(); ++i) {
        const auto &[runId, run] = runs[(std::size_t(m_nextPumped) + i) % runs.size()];
        const std::int64_t left = budgetNs < 0 ? -1 : std::max<std::int64_t>(0, budgetNs - (rt::monotonicNs() - start));
        const bool done = run->pump(left, [this, id = runId](const QString &loop, const rt::JournalBatch &events) {
            m_store.apply(id, loop, events);
            m_appliedSinceTick = true;
        });
        caughtUp = caughtUp && done;
    }
    if (!runs.empty())
        m_nextPumped = int((std::size_t(m_nextPumped) + 1) % runs.size());
    return caughtUp;
}

void TaskMonitor::finishRuns()
{
    for (const auto &[runId, endNs] : m_finishing) {
        m_store.setRunFinished(runId, endNs);
        Q_EMIT runFinished(runId);
    }
    m_finishing.clear();
}

bool TaskMonitor::allCaughtUp() const
{
    return std::all_of(m_live.begin(), m_live.end(), [](const auto &r) { return r.second->caughtUp(); });
}

void TaskMonitor::catchUp()
{
    applyPending(-1);
    publish();
}

void TaskMonitor::applySlice()
{
    const std::int64_t t0 = rt::monotonicNs();
    const std::int64_t cpu0 = rt::threadCpuNs();
    if (applyPending(kApplySliceNs))
        m_apply.stop(); // the next tick restarts it while a run goes on
    record(m_sliceTimings, t0, cpu0);
}

void TaskMonitor::tick()
{
    const std::int64_t t0 = rt::monotonicNs();
    const std::int64_t cpu0 = rt::threadCpuNs();
    // With nothing live and nothing to apply, nothing moves: no tick, so the views
    // (timeline, counters, durations) rest and the app costs no CPU.
    // A look at the journals (one slice at most) tells whether there is news.
    const bool caughtUp = m_apply.isActive() ? allCaughtUp() : applyPending(0);
    const bool idle = caughtUp && !m_appliedSinceTick && m_finishing.empty() && !m_isLive && !anyRunActive()
        && !m_store.hasUnpublished();
    if (idle)
        return;
    publish();
    // Feed the runs between ticks while any goes on or has events left.
    if ((!caughtUp || anyRunActive()) && !m_apply.isActive())
        m_apply.start();
    record(m_tickTimings, t0, cpu0);
}

void TaskMonitor::publish()
{
    finishRuns(); // first: the tick that shows a run's last events shows it finished
    m_store.endTick();
    // Spawned tasks now in the table: the view may select them.
    for (auto it = m_spawnedAwaited.begin(); it != m_spawnedAwaited.end();) {
        const log::RunRecord *record = m_store.run(it->first);
        const std::uint64_t local = record ? record->localId(it->second) : 0;
        if (record && !local) {
            ++it;
            continue;
        }
        const qint64 key = local ? TaskStore::makeKey(it->first, local) : -1;
        it = m_spawnedAwaited.erase(it);
        if (key >= 0)
            Q_EMIT spawned(key);
    }
    if (std::exchange(m_appliedSinceTick, false))
        updateLanes();
    updateRunTimes();
    updateLoops();
    m_warnings.setHangs(m_hangs);
    Q_EMIT ticked();
}

void TaskMonitor::record(Timings &timings, std::int64_t startNs, std::int64_t startCpuNs)
{
    if (timings.wallNs.size() >= kKeptTimings) {
        for (auto *v : {&timings.startNs, &timings.wallNs, &timings.cpuNs})
            v->erase(v->begin(), v->begin() + kKeptTimings / 2);
    }
    timings.startNs.push_back(startNs);
    timings.wallNs.push_back(rt::monotonicNs() - startNs);
    timings.cpuNs.push_back(rt::threadCpuNs() - startCpuNs);
}

void TaskMonitor::updateLanes()
{
    // One lane per loop of each run ("pool" included), in run order.
    std::vector<Lane> lanes;
    for (int runId = 1; runId <= m_store.runCount(); ++runId) {
        const log::RunRecord *record = m_store.run(runId);
        if (!record || !inScope(runId))
            continue;
        const std::int64_t origin = originNs(runId);
        const std::vector<log::LoopView> views = record->loops();
        for (std::size_t index = 0; index < views.size(); ++index) {
            const log::LoopView &view = views[index];
            Lane lane{runId, std::uint8_t(index), view.name, runTitle(runId, *record) + QStringLiteral(" · ") + view.name, {}, {}};
            for (const log::StallView &s : view.stalls)
                lane.stalls.push_back({msOf(record->startNs() + s.startNs - origin), msOf(s.durationNs),
                                       s.task ? record->name(s.task) : QStringLiteral("a callback")});
            lanes.push_back(std::move(lane));
        }
        if (record->hasPoolWork() && laneOfIn(lanes, runId, log::RunRecord::kPoolLoop) < 0)
            lanes.push_back({runId, log::RunRecord::kPoolLoop, QStringLiteral("pool"),
                             runTitle(runId, *record) + QStringLiteral(" · pool"), {}, {}});
    }
    // Bars name lanes by index, and a bar whose lane is not there yet is drawn in
    // lane 0: when lanes come or move, every bar must be re-read.
    const bool renumbered = lanes.size() != m_lanes.size()
        || !std::equal(m_lanes.begin(), m_lanes.end(), lanes.begin(), [](const Lane &a, const Lane &b) {
               return a.runId == b.runId && a.loopIndex == b.loopIndex;
           });
    m_lanes = std::move(lanes);
    m_counters.clear();
    for (int runId = 1; runId <= m_store.runCount(); ++runId) {
        if (!m_store.run(runId) || !inScope(runId))
            continue;
        for (const qint64 key : m_store.queueOwners(runId)) {
            const int row = m_store.rowOfKey(key);
            const int lane = row < 0 ? -1 : laneOf(runId, m_store.timelineRow(row).loopIndex);
            if (lane >= 0)
                m_counters.push_back({key, lane});
        }
    }
    if (renumbered)
        rereadBars();
}

TimelineSource::Counter TaskMonitor::counter(int index) const
{
    const CounterLane &c = m_counters[std::size_t(index)];
    const QueueDepth *q = m_store.queueDepth(c.key);
    const int row = m_store.rowOfKey(c.key);
    Counter out;
    out.name = (row >= 0 ? m_store.name(row) : QString()) + tr(": queue depth");
    out.lane = c.lane;
    if (q && !q->depth.empty()) {
        out.current = q->depth.back();
        out.capacity = double(q->capacity);
        out.scaleMax = std::max(1.0, q->capacity > 0 ? double(q->capacity) : double(q->peak));
    }
    return out;
}

void TaskMonitor::counterColumns(int index, double fromMs, double toMs, int columns, std::vector<float> &out) const
{
    out.assign(std::size_t(std::max(0, columns)), -1.0f);
    const CounterLane &c = m_counters[std::size_t(index)];
    const QueueDepth *q = m_store.queueDepth(c.key);
    const int runId = TaskStore::runIdOfKey(c.key);
    const int row = m_store.rowOfKey(c.key);
    if (!q || q->tNs.empty() || row < 0 || columns <= 0 || toMs <= fromMs || runId > int(m_runTimes.size()))
        return;
    const RunTime &t = m_runTimes[std::size_t(runId - 1)];
    const auto nsAt = [&](double ms) { return t.originNs + std::int64_t(ms * 1e6); };
    // The queue exists from its first sample to its owner's end (or now).
    const TaskStore::TimelineRow owner = m_store.timelineRow(row);
    const std::int64_t endNs = owner.finishedNs != log::RunRecord::kNone ? owner.finishedNs
                                                                            : nsAt(nowMs());
    const double width = (toMs - fromMs) / columns;
    auto i = std::size_t(std::lower_bound(q->tNs.begin(), q->tNs.end(), nsAt(fromMs)) - q->tNs.begin());
    float held = i > 0 ? float(q->depth[i - 1]) : -1.0f;
    for (int col = 0; col < columns; ++col) {
        const std::int64_t colStart = nsAt(fromMs + col * width);
        if (colStart > endNs)
            break;
        const std::int64_t colEnd = nsAt(fromMs + (col + 1) * width);
        float highest = held;
        for (; i < q->tNs.size() && q->tNs[i] < colEnd; ++i) {
            held = float(q->depth[i]);
            highest = std::max(highest, held);
        }
        out[std::size_t(col)] = highest;
    }
}

bool TaskMonitor::changedBars(quint64 since, int count, std::vector<int> &out) const
{
    if (since < m_lanesRevision)
        return false;
    m_store.rowsChangedSince(since - m_viewRevisions, count, out);
    return true;
}

int TaskMonitor::laneOf(int runId, std::uint8_t loopIndex) const
{
    return laneOfIn(m_lanes, runId, loopIndex);
}

int TaskMonitor::barCount() const
{
    return m_store.rowCount();
}

TimelineSource::Bar TaskMonitor::bar(int index) const
{
    // Called for every task on every timeline rebuild: one store lookup, no string.
    const TaskStore::TimelineRow r = m_store.timelineRow(index);
    constexpr std::int64_t none = log::RunRecord::kNone;
    Bar b;
    b.key = m_store.keyOfRow(index);
    b.lane = laneOf(r.runId, r.loopIndex); // -1 (hidden): out of scope, or its lane is not there yet
    if (b.lane < 0 || r.runId > int(m_runTimes.size()))
        return b;
    const RunTime &t = m_runTimes[std::size_t(r.runId - 1)];
    if (r.startedNs != none)
        b.startMs = msOf(r.startedNs - t.originNs);
    // A task of an ended run that never finished (a log cut mid-run) ends with its run.
    const std::int64_t end = r.finishedNs != none ? r.finishedNs : r.startedNs != none ? t.endNs : none;
    if (end != none)
        b.endMs = msOf(end - t.originNs);
    b.state = int(r.state);
    return b;
}

QString TaskMonitor::laneName(int lane) const
{
    return lane >= 0 && lane < int(m_lanes.size()) ? m_lanes[std::size_t(lane)].title : QString();
}

int TaskMonitor::stallCount(int lane) const
{
    if (lane < 0 || lane >= int(m_lanes.size()))
        return 0;
    const Lane &l = m_lanes[std::size_t(lane)];
    return int(l.stalls.size()) + (l.hang ? 1 : 0);
}

TimelineSource::Stall TaskMonitor::stall(int lane, int index) const
{
    const Lane &l = m_lanes[std::size_t(lane)];
    return std::size_t(index) < l.stalls.size() ? l.stalls[std::size_t(index)] : *l.hang;
}

void TaskMonitor::updateLoops()
{
    // A step that has held its loop this long is shown while it lasts: the loop is not
    // responding. (Shorter ones are journalled as stalls when they end, past 50 ms.)
    constexpr std::int64_t kHangShownAfterNs = 100'000'000;
    const std::int64_t now = rt::monotonicNs();
    for (Lane &lane : m_lanes)
        lane.hang.reset();
    m_hangs.clear();
    QVariantList loops;
    // A loop's stalls as its run's table has them (the status bar's loop line).
    const auto addStalls = [](QVariantMap &loop, const log::RunRecord *record, const QString &name, std::int64_t longestNs) {
        if (!record)
            return;
        for (const log::LoopView &view : record->loops()) {
            if (view.name != name || view.stalls.empty())
                continue;
            const log::StallView &last = view.stalls.back();
            loop.insert(QStringLiteral("stalls"), int(view.stalls.size()));
            loop.insert(QStringLiteral("maxStallMs"), msOf(longestNs));
            loop.insert(QStringLiteral("lastStallMs"), msOf(last.durationNs));
            loop.insert(QStringLiteral("lastStallTask"), last.task ? record->name(last.task) : QString());
        }
    };
    for (auto &[runId, run] : m_live) {
        if (!run->isRunning())
            continue;
        const log::RunRecord *record = m_store.run(runId);
        const auto steps = run->currentSteps();
        for (const auto &[name, longest] : run->longestSteps()) {
            // The longest step is shown only once the loop has stalled: until then it
            // would change the list (and make the status bar rebuild its labels) on
            // most ticks for nothing visible.
            QVariantMap loop{{QStringLiteral("run"), run->setName()},
                             {QStringLiteral("runId"), runId},
                             {QStringLiteral("name"), name},
                             {QStringLiteral("stalls"), 0},
                             {QStringLiteral("healthy"), longest < rt::Loop::kDefaultStallThresholdNs}};
            addStalls(loop, record, name, longest);
            const auto step = std::find_if(steps.begin(), steps.end(), [&](const auto &s) { return s.first == name; });
            if (step != steps.end() && step->second.startNs != rt::Loop::kNoStep
                && now - step->second.startNs >= kHangShownAfterNs) {
                const rt::Loop::Step &held = step->second;
                const std::uint64_t local = record && held.task ? record->localId(held.task) : 0;
                // The task's name once its creation is filed (the interpreter's blocking
                // ops publish it before they block); its id until then.
                const QString task = local ? record->name(local)
                                   : held.task ? tr("task %1").arg(held.task)
                                               : tr("a callback");
                loop.insert(QStringLiteral("healthy"), false);
                loop.insert(QStringLiteral("hungMs"), msOf(now - held.startNs));
                loop.insert(QStringLiteral("hungTask"), task);
                // The same hang is the Warnings list's live `not-responding` (warnings.md).
                m_hangs.push_back(WarningListModel::Hang{runId, name, local ? TaskStore::makeKey(runId, local) : -1,
                                                          task, msOf(now - held.startNs)});
                for (Lane &lane : m_lanes) {
                    if (lane.runId == runId && lane.loop == name && m_firstStartNs >= 0)
                        lane.hang = Stall{msOf(held.startNs - m_firstStartNs), msOf(now - held.startNs), task};
                }
            }
            loops.append(loop);
        }
    }
    // An attached program's one loop, from the stalls its probe reports (once they end:
    // a step holding it now is not seen; docs/spec/probe-protocol.md, "The dashboard").
    for (const auto &[runId, a] : m_attached) {
        if (!a.session->isOpen())
            continue;
        const log::RunRecord *record = m_store.run(runId);
        const QString name = QStringLiteral("main");
        std::int64_t longest = 0;
        if (record) {
            for (const log::LoopView &view : record->loops())
                longest = view.name == name ? view.maxStepNs : longest;
        }
        QVariantMap loop{{QStringLiteral("run"), a.program},
                         {QStringLiteral("runId"), runId},
                         {QStringLiteral("name"), name},
                         {QStringLiteral("stalls"), 0},
                         {QStringLiteral("healthy"), longest < rt::Loop::kDefaultStallThresholdNs}};
        addStalls(loop, record, name, longest);
        loops.append(loop);
    }
    if (loops != m_loops) {
        m_loops = loops;
        Q_EMIT loopsChanged();
    }
}

// Launch estimates -------------------------------------------------------------------

namespace {
// `held`: the tasks the dashboard holds already (every run's, finished or not: they
// stay in memory).
QVariantMap estimateOf(const taskset::ParseResult &parsed, std::uint64_t held, std::uint64_t confirmTasks,
                       std::uint64_t confirmWithHeld)
{
    const taskset::RunEstimate heldCost = taskset::estimateTasks(held);
    if (!parsed.ok())
        return {{QStringLiteral("name"), QString()},
                {QStringLiteral("tasks"), 0.0},
                {QStringLiteral("bytes"), 0.0},
                {QStringLiteral("heldTasks"), double(held)},
                {QStringLiteral("heldBytes"), heldCost.bytes},
                {QStringLiteral("confirm"), false},
                {QStringLiteral("errors"), messages(parsed.errors)}};
    const auto [tasks, bytes] = taskset::estimateRun(*parsed.set);
    const bool confirm = tasks > confirmTasks || (tasks >= confirmWithHeld && tasks + held > confirmTasks);
    return {{QStringLiteral("name"), parsed.set->name},
            {QStringLiteral("tasks"), double(tasks)},
            {QStringLiteral("bytes"), bytes},
            {QStringLiteral("heldTasks"), double(held)},
            {QStringLiteral("heldBytes"), heldCost.bytes},
            {QStringLiteral("confirm"), confirm},
            {QStringLiteral("errors"), QStringList()}};
}
} // namespace

QVariantMap TaskMonitor::estimateBuiltin(const QString &name) const
{
    return estimateOf(taskset::loadSet(name), std::uint64_t(m_store.rowCount()), m_confirmTasks,
                      m_confirmWithHeld);
}

QVariantMap TaskMonitor::estimateSetFile(const QUrl &url) const
{
    return estimateOf(taskset::loadTaskSetFile(localPath(url)), std::uint64_t(m_store.rowCount()), m_confirmTasks,
                      m_confirmWithHeld);
}

} // namespace coroscope::monitor

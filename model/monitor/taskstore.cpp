#include "taskstore.h"

#include "log/logreplay.h"
#include "runtime/clock.h"


#include <algorithm>

namespace coroscope::monitor {

using log::RunRecord;
using rt::TaskState;

namespace {
constexpr std::int64_t kNone = RunRecord::kNone;
// Warnings decided a tick per run (WarningScanner::advance): a millisecond or so of the GUI thread.
constexpr std::size_t kDecidedPerTick = 32768;
constexpr std::size_t transition(TaskState from, TaskState to) { return std::size_t(from) * 5 + std::size_t(to); }
TickChange emptyChange()
{
    TickChange c;
    c.transitionFirst.fill(INT_MAX);
    return c;
}
} // namespace

int TickChange::firstMembershipChange(unsigned mask) const noexcept
{
    int first = INT_MAX;
    for (unsigned from = 0; from < 5; ++from) {
        for (unsigned to = 0; to < 5; ++to) {
            if (bool(mask & (1u << from)) != bool(mask & (1u << to)))
                first = std::min(first, transitionFirst[from * 5 + to]);
        }
    }
    return first;
}

struct TaskStore::Run {
    explicit Run(RunRecord::Spool spool) : record(spool), warnings(record), histograms(record) {}
    int id = 0;
    RunRecord record;               // the run's task table: every task's state
    log::WarningScanner warnings;   // follows the record (Feed), decided up to the last tick
    log::TaskHistograms histograms; // follows the record (Feed); a loaded run's steps from its history
    std::vector<std::int32_t> rows; // the record's arrival row -> global row
    QString loadedFrom; // non-empty: a past run read from this file
    QString attachedTo; // non-empty: a program watched over its probe
    bool past = false;  // its unfinished tasks run nowhere here (TaskStore::isPast)
    bool running = true;
    bool deciding = false; // finished live: its time rules are decided at its end, a slice a tick
    std::unique_ptr<log::RunHistory> history; // for the playhead (timetravel.cpp)
    std::uint64_t historyEvents = 0;          // the spool's size when it was taken
};

struct TaskStore::Cursor {
    const Run *run;
    const RunRecord::TaskRow *task;
    std::uint32_t arrivalRow;
    std::uint64_t localId;
};

// Follows one apply() of a run's record: new tasks take the next global rows, state
// changes move the counts and (at the next tick) the state index, touched rows get
// the revision the next tick publishes.
class TaskStore::Feed final : public RunRecord::Observer
{
public:
    Feed(TaskStore &store, Run &run) : m_store(store), m_run(run), m_stamp(std::uint32_t(store.m_revision + 1)) {}

    void created(std::uint32_t arrivalRow) override
    {
        TaskStore &s = m_store;
        const int row = s.m_rowCount++;
        Q_ASSERT(arrivalRow == m_run.rows.size()); // the record's rows come in order
        m_run.rows.push_back(row);
        m_store.m_recordRows.push_back(arrivalRow);
        // Its key is right unless a late task shifts the ids: renumbered() then redoes them.
        s.m_keys.push_back(makeKey(m_run.id, m_run.record.localId(m_run.record.row(arrivalRow).runtimeId)));
        s.m_stamps.push_back(m_stamp);
        ++s.m_counts[std::size_t(TaskState::Pending)];
        s.m_pending.runsChanged = true;
        m_run.warnings.created(arrivalRow);
    }
    void touched(std::uint32_t arrivalRow) override
    {
        const int row = m_run.rows[arrivalRow];
        m_store.m_stamps[std::size_t(row)] = m_stamp;
        if (row < m_store.m_publishedRows)
            m_store.noteChanged(row);
    }
    void stateChanged(std::uint32_t arrivalRow, TaskState from, TaskState to) override
    {
        TaskStore &s = m_store;
        const int row = m_run.rows[arrivalRow];
        --s.m_counts[std::size_t(from)];
        ++s.m_counts[std::size_t(to)];
        if (row < s.m_index.size())
            s.m_indexDirty.push_back({row, to}); // the index follows at endTick()
        if (row < s.m_publishedRows) {
            int &first = s.m_pending.transitionFirst[transition(from, to)];
            first = std::min(first, row);
        }
        if (!rt::isFinal(from) && rt::isFinal(to))
            ++s.m_pending.finished;
        m_run.warnings.stateChanged(arrivalRow, from, to);
        m_run.histograms.stateChanged(arrivalRow, from, to);
    }
    void stepEvent(std::uint32_t arrivalRow, rt::EventType type, std::int64_t tNs) override
    {
        // A log's replay journals no suspensions: its steps come from its history (loadLog).
        if (m_run.loadedFrom.isEmpty())
            m_run.histograms.stepEvent(arrivalRow, type, tNs);
    }
    void cancelRequested(std::uint32_t arrivalRow, std::int64_t tNs) override
    {
        m_run.warnings.cancelRequested(arrivalRow, tNs);
    }
    void callbackFailed(std::uint32_t arrivalRow, std::uint32_t index, std::int64_t firedNs) override
    {
        m_run.warnings.callbackFailed(arrivalRow, index, firedNs);
    }
    void stalled(std::size_t loop, std::int64_t endNs, std::int64_t durationNs, std::uint64_t runtimeId) override
    {
        m_run.warnings.stalled(loop, endNs, durationNs, runtimeId);
    }
    void renumbered() override
    {
        m_store.renumber(m_run);
        m_store.m_structural = true;
    }

private:
    TaskStore &m_store;
    Run &m_run;
    std::uint32_t m_stamp; // the revision the next tick publishes
};

TaskStore::TaskStore(QObject *parent)
    : QObject(parent), m_pending(emptyChange()), m_clock([] { return rt::monotonicNs(); })
{
}

TaskStore::~TaskStore() = default;

void TaskStore::setClock(std::function<std::int64_t()> clock)
{
    m_clock = std::move(clock);
}

int TaskStore::addRun(const QString &setName, const QDateTime &startedAt, std::int64_t startNs,
                      RunRecord::Spool spool)
{
    auto run = std::make_unique<Run>(spool);
    run->id = int(m_runs.size()) + 1;
    run->record.setRunInfo(setName, startedAt, startNs);
    m_runs.push_back(std::move(run));
    m_pending.runsChanged = true;
    m_touched = true;
    Q_EMIT runAdded(m_runs.back()->id);
    return m_runs.back()->id;
}

TaskStore::Run &TaskStore::runRef(int runId)
{
    Q_ASSERT(runId >= 1 && runId <= int(m_runs.size()) && m_runs[std::size_t(runId - 1)]);
    return *m_runs[std::size_t(runId - 1)];
}

bool TaskStore::removeRun(int runId)
{
    const Run *run = runPtr(runId);
    if (!run || run->running)
        return false;
    if (playheadRun() == runId)
        m_playhead.reset(); // the reset tick below publishes the live state
    // The kept rows move down over the removed ones, in order, so arrival order and
    // every other run's local ids stay; the arrays then give back what they held.
    std::vector<std::int32_t> moved(std::size_t(m_rowCount), -1);
    int kept = 0;
    int keptPublished = 0;
    for (int r = 0; r < m_rowCount; ++r) {
        const auto from = std::size_t(r);
        if (runIdOfKey(m_keys[from]) == runId)
            continue;
        const auto to = std::size_t(kept);
        moved[from] = kept;
        m_recordRows[to] = m_recordRows[from];
        m_keys[to] = m_keys[from];
        m_stamps[to] = m_stamps[from];
        keptPublished += r < m_publishedRows ? 1 : 0;
        ++kept;
    }
    for (const std::unique_ptr<Run> &other : m_runs) {
        if (!other || other.get() == run)
            continue;
        for (std::int32_t &row : other->rows)
            row = row < 0 ? row : moved[std::size_t(row)];
    }
    m_recordRows.resize(std::size_t(kept));
    m_recordRows.shrink_to_fit();
    m_keys.resize(std::size_t(kept));
    m_keys.shrink_to_fit();
    m_stamps.resize(std::size_t(kept));
    m_stamps.shrink_to_fit();
    m_rowCount = kept;
    m_publishedRows = keptPublished;
    for (std::size_t st = 0; st < kStateCount; ++st) {
        const auto n = std::int64_t(run->record.count(TaskState(st)));
        m_counts[st] -= n;
        if (run->past)
            m_pastCounts[st] -= n;
    }
    // The index anew, of every kept row in its state now (endTick then has nothing to add).
    std::vector<std::uint8_t> states(static_cast<std::size_t>(kept));
    for (std::size_t r = 0; r < states.size(); ++r)
        states[r] = std::uint8_t(locate(int(r)).task->state);
    m_index.rebuild(std::move(states));
    m_indexDirty.clear();
    m_indexDirty.shrink_to_fit();
    m_runs[std::size_t(runId - 1)].reset();
    m_pending.runsChanged = true;
    m_structural = true;
    m_touched = true;
    endTick();
    Q_EMIT runRemoved(runId);
    return true;
}

const TaskStore::Run *TaskStore::runPtr(int runId) const
{
    if (runId < 1 || runId > int(m_runs.size()))
        return nullptr;
    return m_runs[std::size_t(runId - 1)].get();
}

const log::WarningScanner *TaskStore::warnings(int runId) const
{
    const Run *run = runPtr(runId);
    return run ? &run->warnings : nullptr;
}

const log::TaskHistograms *TaskStore::histograms(int runId) const
{
    const Run *run = runPtr(runId);
    return run ? &run->histograms : nullptr;
}

TaskStore::HistogramRow TaskStore::histogramRow(int row, log::Measure measure) const
{
    const Cursor c = locate(row);
    return HistogramRow{c.run->histograms.bucketsOf(measure, c.arrivalRow), log::opSlot(c.task->tag), c.task->state};
}

const RunRecord *TaskStore::run(int runId) const
{
    const Run *r = runPtr(runId);
    return r ? &r->record : nullptr;
}

bool TaskStore::isRunning(int runId) const
{
    const Run *r = runPtr(runId);
    return r && r->running;
}

QString TaskStore::attachedTo(int runId) const
{
    const Run *r = runPtr(runId);
    return r ? r->attachedTo : QString();
}

bool TaskStore::isPast(int runId) const
{
    const Run *r = runPtr(runId);
    return r && r->past;
}

bool TaskStore::isLoaded(int runId) const
{
    const Run *r = runPtr(runId);
    return r && !r->loadedFrom.isEmpty();
}

QString TaskStore::loadedFrom(int runId) const
{
    const Run *r = runPtr(runId);
    return r ? r->loadedFrom : QString();
}

std::int64_t TaskStore::runCount(int runId, TaskState state) const
{
    const Run *r = runPtr(runId);
    if (r && m_playhead && m_playhead->runId == runId)
        return std::int64_t(m_playhead->frame.counts[std::size_t(state)]);
    return r ? std::int64_t(r->record.count(state)) : 0;
}

int TaskStore::rowOfLocal(int runId, std::uint64_t localId) const
{
    const Run *run = runPtr(runId);
    if (!run || localId == 0 || localId > run->record.taskCount())
        return -1;
    return run->rows[run->record.arrivalRowOf(localId)];
}

void TaskStore::reserve(int runId, std::size_t tasks)
{
    Run &run = runRef(runId);
    run.record.reserve(run.rows.size() + tasks);
    run.rows.reserve(run.rows.size() + tasks);
    const std::size_t rows = m_recordRows.size() + tasks;
    m_recordRows.reserve(rows);
    m_keys.reserve(rows);
    m_stamps.reserve(rows);
    m_index.reserve(rows);
}

void TaskStore::setRunFinished(int runId, std::int64_t endNs)
{
    Run &run = runRef(runId);
    run.record.setFinished(endNs);
    run.running = false;
    // A run that is over is decided at its end (warnings.md): a log read back at once,
    // a live run over the next ticks (a cancel of 600,000 tasks leaves that many).
    if (!run.loadedFrom.isEmpty())
        run.warnings.finish(endNs);
    else
        run.deciding = true;
    if (!run.attachedTo.isEmpty() && !run.past)
        markPast(run);
    m_pending.runsChanged = true;
    m_touched = true;
    Q_EMIT runFinished(runId);
}

void TaskStore::setRunAttached(int runId, const QString &program)
{
    runRef(runId).attachedTo = program;
    m_pending.runsChanged = true;
    m_touched = true;
}

void TaskStore::markPast(Run &run)
{
    run.past = true;
    for (int s = 0; s < kStateCount; ++s)
        m_pastCounts[std::size_t(s)] += std::int64_t(run.record.count(TaskState(s)));
}

void TaskStore::setRunRunning(int runId)
{
    Run &run = runRef(runId);
    run.running = true;
    m_pending.runsChanged = true;
    m_touched = true;
}

// After a late task took an earlier run-local id: every task of the run keeps its
// global row, but the ids (so the keys) of the tasks after it moved up by one.
void TaskStore::renumber(Run &run)
{
    for (std::size_t arrival = 0; arrival < run.rows.size(); ++arrival) {
        const std::int32_t row = run.rows[arrival];
        if (row >= 0)
            m_keys[std::size_t(row)] = makeKey(run.id, run.record.localId(run.record.row(arrival).runtimeId));
    }
}

void TaskStore::noteChanged(int row)
{
    if (!m_pending.hasChanged()) {
        m_pending.changedFirst = m_pending.changedLast = row;
        return;
    }
    m_pending.changedFirst = std::min(m_pending.changedFirst, row);
    m_pending.changedLast = std::max(m_pending.changedLast, row);
}

void TaskStore::apply(int runId, const QString &loopName, const rt::JournalBatch &batch)
{
    Run &run = runRef(runId);
    if (batch.events.empty())
        return;
    m_touched = true;
    Feed feed(*this, run);
    run.record.apply(loopName, batch, &feed);
}

void TaskStore::syncIndex()
{
    // In order, so a row's last state wins; setState ignores a row already in that
    // state, so a task that went pending -> running -> done between two ticks moves
    // once or not at all. The new state travels with the row: reading it back from
    // the side rows would cost a cache miss a row. New rows join in their state by then.
    m_indexAppended.clear();
    for (int row = m_index.size(); row < m_rowCount; ++row)
        m_indexAppended.push_back(locate(row).task->state);
    m_index.update(m_indexDirty, m_indexAppended);
    m_indexDirty.clear();
}

void TaskStore::endTick()
{
    syncIndex();
    TickChange change = m_pending;
    if (m_structural) {
        change = emptyChange();
        change.reset = true;
        change.runsChanged = true;
        change.finished = m_pending.finished;
    } else {
        change.appendedFirst = m_publishedRows;
        change.appendedCount = m_rowCount - m_publishedRows;
    }
    change.counts = m_counts;
    change.total = m_rowCount;
    m_nowNs = m_clock();
    change.nowNs = m_nowNs;
    m_deciding = false;
    for (const std::unique_ptr<Run> &run : m_runs) {
        if (!run || !(run->running || run->deciding))
            continue;
        run->warnings.advance(run->running ? m_nowNs : run->record.endNs().value_or(m_nowNs), kDecidedPerTick);
        run->deciding = !run->running && run->warnings.undecided();
        m_deciding = m_deciding || run->deciding;
    }
    if (m_touched || m_structural)
        ++m_revision;
    m_touched = false;

    m_publishedRows = m_rowCount;
    m_structural = false;
    m_pending = emptyChange();
    Q_EMIT ticked(change);
}

void TaskStore::rowsChangedSince(quint64 since, int count, std::vector<int> &out) const
{
    const auto after = std::uint32_t(since);
    const int n = std::min(count, m_publishedRows);
    for (int r = 0; r < n; ++r) {
        if (m_stamps[std::size_t(r)] > after)
            out.push_back(r);
    }
}

TaskStore::Cursor TaskStore::locate(int row) const
{
    Q_ASSERT(row >= 0 && row < m_rowCount);
    const qint64 key = m_keys[std::size_t(row)];
    const Run *run = runPtr(runIdOfKey(key));
    const std::uint32_t arrival = m_recordRows[std::size_t(row)];
    return Cursor{run, &run->record.row(arrival), arrival, localIdOfKey(key)};
}

qint64 TaskStore::keyOfRow(int row) const
{
    if (row < 0 || row >= m_rowCount)
        return -1;
    return m_keys[std::size_t(row)];
}

int TaskStore::rowOfKey(qint64 key) const
{
    return rowOfLocal(runIdOfKey(key), localIdOfKey(key));
}

int TaskStore::runIdOfRow(int row) const { return locate(row).run->id; }
std::uint64_t TaskStore::localIdOfRow(int row) const { return locate(row).localId; }

QString TaskStore::name(int row) const
{
    const Cursor c = locate(row);
    return c.run->record.name(c.localId);
}

log::OpTag TaskStore::op(int row) const { return log::opOfTag(locate(row).task->tag); }
TaskState TaskStore::state(int row) const { return stateOf(locate(row)); }

QString TaskStore::loop(int row) const
{
    const Cursor c = locate(row);
    return c.run->record.loopOf(c.localId);
}

QString TaskStore::awaiting(int row) const
{
    const Cursor c = locate(row);
    if (const log::RunHistory::Frame *f = frameOf(c))
        return m_playhead->history->awaitText(m_playhead->history->awaitAt(*f, c.arrivalRow), c.run->record);
    return c.run->record.awaitingAt(c.arrivalRow);
}

std::int64_t TaskStore::createdNs(int row) const
{
    const Cursor c = locate(row);
    return c.task->createdNs - c.run->record.startNs();
}

std::optional<std::int64_t> TaskStore::startedNs(int row) const
{
    const Cursor c = locate(row);
    if (c.task->startedNs == kNone)
        return std::nullopt;
    const std::int64_t started = c.task->startedNs - c.run->record.startNs();
    if (const log::RunHistory::Frame *f = frameOf(c); f && started > f->tNs)
        return std::nullopt;
    return started;
}

TaskStore::TimelineRow TaskStore::timelineRow(int row) const
{
    const Cursor c = locate(row);
    return {c.task->startedNs, c.task->finishedNs, c.task->state, c.run->id, c.task->loop};
}

std::optional<std::int64_t> TaskStore::finishedNs(int row) const
{
    const Cursor c = locate(row);
    if (c.task->finishedNs == kNone || (frameOf(c) && !rt::isFinal(stateOf(c))))
        return std::nullopt;
    return c.task->finishedNs - c.run->record.startNs();
}

std::optional<std::int64_t> TaskStore::durationNs(int row) const
{
    const Cursor c = locate(row);
    if (c.task->startedNs == kNone)
        return std::nullopt;
    std::int64_t end = c.task->finishedNs;
    if (const log::RunHistory::Frame *f = frameOf(c)) {
        const std::int64_t at = c.run->record.startNs() + f->tNs;
        if (at < c.task->startedNs)
            return std::nullopt;
        end = rt::isFinal(stateOf(c)) ? end : at;
    }
    if (end == kNone)
        end = c.run->record.endNs().value_or(m_nowNs);
    return std::max<std::int64_t>(0, end - c.task->startedNs);
}

QString TaskStore::resultText(int row, qsizetype limit) const
{
    const Cursor c = locate(row);
    if (frameOf(c) && !rt::isFinal(stateOf(c)))
        return {};
    return c.run->record.outcomeAt(c.arrivalRow, limit);
}

QString TaskStore::cancelReason(int row) const
{
    const Cursor c = locate(row);
    if (frameOf(c) && stateOf(c) != TaskState::Cancelled)
        return {};
    return c.run->record.cancelReasonAt(c.arrivalRow);
}

qint64 TaskStore::parentKey(int row) const
{
    const Cursor c = locate(row);
    const std::uint64_t parent = c.task->parent ? c.run->record.localId(c.task->parent) : 0;
    return parent ? makeKey(c.run->id, parent) : -1;
}

int TaskStore::callbackCount(int row) const
{
    const Cursor c = locate(row);
    return int(c.run->record.callbackCount(*c.task));
}

const QueueDepth *TaskStore::queueDepth(qint64 key) const
{
    const Run *run = runPtr(runIdOfKey(key));
    const int row = rowOfKey(key);
    if (!run || row < 0)
        return nullptr;
    return run->record.queueDepth(locate(row).task->runtimeId);
}

std::vector<qint64> TaskStore::queueOwners(int runId) const
{
    std::vector<qint64> keys;
    const Run *run = runPtr(runId);
    if (!run)
        return keys;
    for (const std::uint64_t runtimeId : run->record.queueOwners()) {
        if (const std::uint64_t local = run->record.localId(runtimeId))
            keys.push_back(makeKey(runId, local));
    }
    std::sort(keys.begin(), keys.end());
    return keys;
}

// Replay --------------------------------------------------------------------------

int TaskStore::loadLog(const log::RunLog &log, const QString &source)
{
    const int runId = addRun(log.set, log.startedAt, 0);
    Run &run = runRef(runId);
    run.loadedFrom = source.isEmpty() ? QStringLiteral("a log") : source;
    // A past run's tasks finished long ago: they do not count in the tick's finishing rate.
    const std::int64_t finishedBefore = m_pending.finished;
    for (const log::LogLoop &loop : log.loops)
        run.record.setLoopMaxStepNs(loop.name, log::logMsToNs(loop.maxStallMs));
    log::restoreQueues(log, run.record);
    for (const log::ReplayBatch &b : log::replayBatches(log))
        apply(runId, b.loop, b.batch);
    m_pending.finished = finishedBefore;
    run.history = std::make_unique<log::RunHistory>(log::RunHistory::fromLog(log, run.record));
    run.histograms.addSteps(*run.history);
    markPast(run);
    setRunFinished(runId, log::logMsToNs(log.durationMs));
    endTick();
    return runId;
}


// Time travel (docs/spec/time-travel.md) ------------------------------------------------

const log::RunHistory::Frame *TaskStore::frameOf(const Cursor &c) const
{
    return m_playhead && m_playhead->runId == c.run->id ? &m_playhead->frame : nullptr;
}

TaskState TaskStore::stateOf(const Cursor &c) const
{
    if (const log::RunHistory::Frame *f = frameOf(c)) {
        const std::uint8_t b = f->stateByte(c.arrivalRow);
        return b == log::RunHistory::kNotCreated ? TaskState::Pending : TaskState(b);
    }
    return c.task->state;
}

bool TaskStore::exists(int row) const
{
    const Cursor c = locate(row);
    const log::RunHistory::Frame *f = frameOf(c);
    return !f || f->stateByte(c.arrivalRow) != log::RunHistory::kNotCreated;
}

TaskStore::FilterRow TaskStore::filterRow(int row) const
{
    const Cursor c = locate(row);
    const log::RunHistory::Frame *f = frameOf(c);
    if (!f)
        return {c.run->id, c.task->state, true};
    const std::uint8_t b = f->stateByte(c.arrivalRow);
    const bool exists = b != log::RunHistory::kNotCreated;
    return {c.run->id, exists ? TaskState(b) : TaskState::Pending, exists};
}

TaskStore::TreeRow TaskStore::treeRow(int row) const
{
    const Cursor c = locate(row);
    const log::RunHistory::Frame *f = frameOf(c);
    return {c.task->parent, !f || f->stateByte(c.arrivalRow) != log::RunHistory::kNotCreated};
}

qint64 TaskStore::keyOfRuntime(int runId, std::uint64_t runtimeId) const
{
    const Run *r = runPtr(runId);
    const std::uint64_t local = r && runtimeId ? r->record.localId(runtimeId) : 0;
    return local ? makeKey(runId, local) : -1;
}

std::int64_t TaskStore::runTotal(int runId) const
{
    if (m_playhead && m_playhead->runId == runId)
        return std::int64_t(m_playhead->frame.created);
    const Run *r = runPtr(runId);
    return r ? std::int64_t(r->record.taskCount()) : 0;
}

const log::RunHistory *TaskStore::history(int runId) const
{
    const Run *r = runPtr(runId);
    return r ? r->history.get() : nullptr;
}

const log::RunHistory *TaskStore::takeHistory(int runId, QString *error)
{
    Run *run = runPtr(runId) ? &runRef(runId) : nullptr;
    if (!run) {
        if (error)
            *error = QStringLiteral("no run %1").arg(runId);
        return nullptr;
    }
    const log::EventSpool *spool = run->record.spool();
    if (spool && spool->size() > run->historyEvents) {
        QString failed;
        const std::uint64_t events = spool->size();
        auto history = std::make_unique<log::RunHistory>(log::RunHistory::fromRecord(run->record, &failed));
        if (!failed.isEmpty()) {
            if (error)
                *error = failed;
            return nullptr;
        }
        run->history = std::move(history);
        run->historyEvents = events;
        if (m_playhead && m_playhead->runId == runId) {
            // The frame described the history replaced: the same time in the new one.
            const std::int64_t tNs = m_playhead->frame.tNs;
            m_playhead->history = run->history.get();
            m_playhead->frame = {};
            m_playhead->history->seek(m_playhead->frame, tNs);
        }
    }
    if (!run->history && error)
        *error = QStringLiteral("this run keeps no events to travel through");
    return run->history.get();
}

QString TaskStore::setPlayhead(int runId, std::int64_t tNs)
{
    Run *run = runPtr(runId) ? &runRef(runId) : nullptr;
    if (!run)
        return QStringLiteral("no run %1").arg(runId);
    // A run that recorded more since its history was taken: taken again once the
    // playhead goes past what the history holds (a run recording goes on underneath).
    if (!run->history || tNs > run->history->endNs()) {
        QString error;
        if (!takeHistory(runId, &error))
            return error;
    }
    if (!m_playhead || m_playhead->runId != runId)
        m_playhead = Playhead{runId, run->history.get(), {}};
    m_playhead->history->seek(m_playhead->frame, tNs);
    publishReset();
    return {};
}

void TaskStore::setLive()
{
    if (!m_playhead)
        return;
    m_playhead.reset();
    publishReset();
}

// Every row of the travelled run may read differently now: the models rebuild. A
// reset of the views only: what was applied since the last tick stays pending for the
// next one, and the revision stays, so the timeline (which draws the whole run, not
// the playhead's moment) does not redraw a million bars for it.
void TaskStore::publishReset()
{
    TickChange change = emptyChange();
    change.reset = true;
    change.counts = m_counts;
    change.total = m_publishedRows;
    change.nowNs = m_nowNs;
    Q_EMIT ticked(change);
}

} // namespace coroscope::monitor

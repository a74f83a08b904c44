#include "taskstore.h"

#include "runtime/clock.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace coroscope::monitor {

using log::RunRecord;
using rt::EventType;
using rt::TaskState;

namespace {
constexpr std::int64_t kNone = RunRecord::kNone;
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

// The fields the models read often and RunRecord keeps private, mirrored from the
// same events (RunRecord::apply is the reference for their meaning).
struct TaskStore::Side {
    std::uint64_t runtimeId = 0;
    std::uint64_t parent = 0;      // runtime id
    std::uint64_t awaitArg = 0;
    std::uint64_t cancelledBy = 0; // runtime id
    std::int64_t createdNs = kNone;
    std::int64_t startedNs = kNone;
    std::int64_t finishedNs = kNone;
    std::uint32_t result = 0;      // 1-based into Run::texts
    std::uint32_t callbacks = 0;
    std::uint8_t tag = 0;
    TaskState state = TaskState::Pending;
    rt::AwaitKind awaitKind = rt::AwaitKind::None;
    rt::CancelKind cancelKind = rt::CancelKind::None;
    // The run's loop index (RunRecord::loopIndexOf), fixed at creation: kept here, in
    // the padding, so that the timeline's per-bar read stays in this row.
    std::uint8_t loop = RunRecord::kPoolLoop;
};

struct TaskStore::Run {
    explicit Run(RunRecord::Spool spool) : record(spool) {}
    int id = 0;
    RunRecord record;
    std::vector<std::int32_t> rows; // run-local id - 1 -> global row
    std::vector<QString> texts;
    std::unordered_map<std::uint64_t, QueueDepth> queues; // by the owner's runtime id (ids may shift)
    std::array<std::int64_t, kStateCount> counts{};
    QString loadedFrom; // non-empty: a past run read from this file
    bool running = true;
};

struct TaskStore::Cursor {
    const Run *run;
    const Side *side;
    std::uint64_t localId;
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
        m_sides[to] = m_sides[from];
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
    m_sides.resize(std::size_t(kept));
    m_sides.shrink_to_fit();
    m_keys.resize(std::size_t(kept));
    m_keys.shrink_to_fit();
    m_stamps.resize(std::size_t(kept));
    m_stamps.shrink_to_fit();
    m_rowCount = kept;
    m_publishedRows = keptPublished;
    for (std::size_t st = 0; st < kStateCount; ++st) {
        m_counts[st] -= run->counts[st];
        if (!run->loadedFrom.isEmpty())
            m_loadedCounts[st] -= run->counts[st];
    }
    // The index anew, of every kept row in its state now (endTick then has nothing to add).
    std::vector<std::uint8_t> states(static_cast<std::size_t>(kept));
    for (std::size_t r = 0; r < states.size(); ++r)
        states[r] = std::uint8_t(m_sides[r].state);
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
    return r ? r->counts[std::size_t(state)] : 0;
}

int TaskStore::rowOfLocal(int runId, std::uint64_t localId) const
{
    const Run *run = runPtr(runId);
    if (!run || localId == 0 || localId > run->rows.size())
        return -1;
    return run->rows[localId - 1];
}

void TaskStore::reserve(int runId, std::size_t tasks)
{
    Run &run = runRef(runId);
    run.record.reserve(run.rows.size() + tasks);
    run.rows.reserve(run.rows.size() + tasks);
    run.texts.reserve(run.texts.size() + tasks);
    const std::size_t rows = m_sides.size() + tasks;
    m_sides.reserve(rows);
    m_keys.reserve(rows);
    m_stamps.reserve(rows);
    m_index.reserve(rows);
}

void TaskStore::setRunFinished(int runId, std::int64_t endNs)
{
    Run &run = runRef(runId);
    run.record.setFinished(endNs);
    run.running = false;
    m_pending.runsChanged = true;
    m_touched = true;
    Q_EMIT runFinished(runId);
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
    std::vector<std::int32_t> rows(run.record.taskCount(), -1);
    for (const std::int32_t row : run.rows) {
        const std::uint64_t local = run.record.localId(m_sides[std::size_t(row)].runtimeId);
        Q_ASSERT(local >= 1 && local <= rows.size());
        rows[local - 1] = row;
        m_keys[std::size_t(row)] = makeKey(run.id, local);
    }
    run.rows = std::move(rows);
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

// globalRow -1: a row the current apply() creates (counted and indexed at its end).
void TaskStore::setState(Run &run, Side &side, int globalRow, TaskState state)
{
    if (side.state == state)
        return;
    if (globalRow >= 0) {
        --m_counts[std::size_t(side.state)];
        ++m_counts[std::size_t(state)];
        --run.counts[std::size_t(side.state)];
        ++run.counts[std::size_t(state)];
        if (globalRow < m_index.size())
            m_indexDirty.push_back({globalRow, state}); // the index follows at endTick()
        if (globalRow < m_publishedRows) {
            int &first = m_pending.transitionFirst[transition(side.state, state)];
            first = std::min(first, globalRow);
        }
    }
    side.state = state;
}

void TaskStore::apply(int runId, const QString &loopName, const rt::JournalBatch &batch)
{
    Run &run = runRef(runId);
    if (batch.events.empty())
        return;
    m_touched = true;
    const auto stamp = std::uint32_t(m_revision + 1); // the revision the next tick publishes

    // The tasks this batch creates; RunRecord decides their run-local ids.
    m_scratch.clear();
    for (const rt::Event &e : batch.events) {
        if (e.type == EventType::Created && e.task != 0 && run.record.localId(e.task) == 0)
            m_scratch.push_back(e.task);
    }
    std::sort(m_scratch.begin(), m_scratch.end());
    m_scratch.erase(std::unique(m_scratch.begin(), m_scratch.end()), m_scratch.end());

    const std::size_t oldCount = run.rows.size();
    run.record.apply(loopName, batch);
    const std::size_t newCount = run.record.taskCount();
    Q_ASSERT(newCount - oldCount == m_scratch.size());

    // New tasks take the next global rows, in run-local id order. They normally take
    // the next run-local ids too; a late one takes an earlier id (see RunRecord).
    const int firstNew = m_rowCount;
    if (newCount != oldCount) {
        if (run.record.localId(m_scratch.front()) <= oldCount) {
            renumber(run); // the old tasks' new ids; the new ones' slots stay -1 until below
            m_structural = true;
        } else {
            run.rows.resize(newCount, -1);
        }
        m_sides.resize(m_sides.size() + m_scratch.size());
        for (std::size_t i = 0; i < m_scratch.size(); ++i) {
            const std::uint64_t local = run.record.localId(m_scratch[i]);
            const int row = firstNew + int(i);
            run.rows[local - 1] = row;
            m_keys.push_back(makeKey(runId, local));
        }
        m_stamps.resize(m_keys.size(), stamp);
        m_rowCount += int(m_scratch.size());
        m_pending.runsChanged = true;
    }

    for (const rt::Event &e : batch.events) {
        if (e.type == EventType::Stall)
            continue;
        const std::uint64_t id = run.record.localId(e.task);
        if (id == 0)
            continue;
        const int globalRow = run.rows[id - 1];
        Side &s = m_sides[std::size_t(globalRow)];
        m_stamps[std::size_t(globalRow)] = stamp;
        const int row = globalRow >= firstNew ? -1 : globalRow; // -1: created by this batch
        switch (e.type) {
        case EventType::Created:
            if (s.runtimeId == 0) {
                s.runtimeId = e.task;
                s.parent = e.arg;
                s.createdNs = e.tNs;
                s.tag = e.kind;
                s.loop = run.record.loopIndexOf(id);
            }
            continue; // a repeated Created changes nothing
        case EventType::Stall:
            continue;
        case EventType::Started:
            s.startedNs = e.tNs;
            setState(run, s, row, TaskState::Running);
            break;
        case EventType::Suspended:
            s.awaitKind = rt::AwaitKind(e.kind);
            s.awaitArg = e.arg;
            break;
        case EventType::Resumed:
            s.awaitKind = rt::AwaitKind::None;
            break;
        case EventType::CancelRequested:
            if (s.cancelKind == rt::CancelKind::None) {
                s.cancelKind = rt::CancelKind(e.kind);
                s.cancelledBy = e.arg;
            }
            break;
        case EventType::Done:
        case EventType::Failed:
        case EventType::Cancelled: {
            s.finishedNs = e.tNs;
            s.awaitKind = rt::AwaitKind::None;
            if (e.type == EventType::Cancelled) {
                s.cancelKind = rt::CancelKind(e.kind);
                s.cancelledBy = e.arg;
            } else {
                const QString &text = batch.text(e);
                s.result = 0;
                if (!text.isEmpty()) {
                    run.texts.push_back(text);
                    s.result = std::uint32_t(run.texts.size());
                }
            }
            if (!rt::isFinal(s.state))
                ++m_pending.finished;
            setState(run, s, row,
                     e.type == EventType::Done     ? TaskState::Done
                     : e.type == EventType::Failed ? TaskState::Failed
                                                   : TaskState::Cancelled);
            break;
        }
        case EventType::CallbackAdded:
            ++s.callbacks;
            break;
        case EventType::Callback:
            break; // fired: only the details change
        case EventType::QueueDepth: {
            QueueDepth &q = run.queues[e.task];
            const auto depth = std::uint32_t(std::min<std::uint64_t>(e.arg, UINT32_MAX));
            q.capacity = e.arg2;
            q.peak = std::max(q.peak, depth);
            q.tNs.push_back(e.tNs);
            q.depth.push_back(depth);
            break;
        }
        }
        if (row >= 0 && row < m_publishedRows)
            noteChanged(row);
    }

    for (int r = firstNew; r < m_rowCount; ++r) {
        const TaskState state = m_sides[std::size_t(r)].state;
        ++m_counts[std::size_t(state)];
        ++run.counts[std::size_t(state)];
    }
}

void TaskStore::syncIndex()
{
    // In order, so a row's last state wins; setState ignores a row already in that
    // state, so a task that went pending -> running -> done between two ticks moves
    // once or not at all. The new state travels with the row: reading it back from
    // the side rows cost a cache miss a row. New rows join in their state by then.
    m_indexAppended.clear();
    for (int row = m_index.size(); row < m_rowCount; ++row)
        m_indexAppended.push_back(m_sides[std::size_t(row)].state);
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
    return Cursor{runPtr(runIdOfKey(key)), &m_sides[std::size_t(row)], localIdOfKey(key)};
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

log::OpTag TaskStore::op(int row) const { return log::opOfTag(locate(row).side->tag); }
TaskState TaskStore::state(int row) const { return locate(row).side->state; }

QString TaskStore::loop(int row) const
{
    const Cursor c = locate(row);
    return c.run->record.loopOf(c.localId);
}

QString TaskStore::awaiting(int row) const
{
    const Cursor c = locate(row);
    if (c.side->awaitKind == rt::AwaitKind::None)
        return {};
    return c.run->record.awaitText(c.side->awaitKind, c.side->awaitArg);
}

std::int64_t TaskStore::createdNs(int row) const
{
    const Cursor c = locate(row);
    return c.side->createdNs - c.run->record.startNs();
}

std::optional<std::int64_t> TaskStore::startedNs(int row) const
{
    const Cursor c = locate(row);
    if (c.side->startedNs == kNone)
        return std::nullopt;
    return c.side->startedNs - c.run->record.startNs();
}

TaskStore::TimelineRow TaskStore::timelineRow(int row) const
{
    const Cursor c = locate(row);
    return {c.side->startedNs, c.side->finishedNs, c.side->state, c.run->id, c.side->loop};
}

std::optional<std::int64_t> TaskStore::finishedNs(int row) const
{
    const Cursor c = locate(row);
    if (c.side->finishedNs == kNone)
        return std::nullopt;
    return c.side->finishedNs - c.run->record.startNs();
}

std::optional<std::int64_t> TaskStore::durationNs(int row) const
{
    const Cursor c = locate(row);
    if (c.side->startedNs == kNone)
        return std::nullopt;
    std::int64_t end = c.side->finishedNs;
    if (end == kNone)
        end = c.run->record.endNs().value_or(m_nowNs);
    return std::max<std::int64_t>(0, end - c.side->startedNs);
}

QString TaskStore::resultText(int row) const
{
    const Cursor c = locate(row);
    if (c.side->result == 0 || (c.side->state != TaskState::Done && c.side->state != TaskState::Failed))
        return {};
    return c.run->texts[c.side->result - 1];
}

QString TaskStore::cancelReason(int row) const
{
    const Cursor c = locate(row);
    if (c.side->state != TaskState::Cancelled)
        return {};
    return c.run->record.cancelText(c.side->cancelKind, c.side->cancelledBy);
}

qint64 TaskStore::parentKey(int row) const
{
    const Cursor c = locate(row);
    const std::uint64_t parent = c.side->parent ? c.run->record.localId(c.side->parent) : 0;
    return parent ? makeKey(c.run->id, parent) : -1;
}

int TaskStore::callbackCount(int row) const { return int(locate(row).side->callbacks); }

const QueueDepth *TaskStore::queueDepth(qint64 key) const
{
    const Run *run = runPtr(runIdOfKey(key));
    const int row = rowOfKey(key);
    if (!run || row < 0)
        return nullptr;
    const auto it = run->queues.find(m_sides[std::size_t(row)].runtimeId);
    return it == run->queues.end() ? nullptr : &it->second;
}

std::vector<qint64> TaskStore::queueOwners(int runId) const
{
    std::vector<qint64> keys;
    const Run *run = runPtr(runId);
    if (!run)
        return keys;
    for (const auto &[runtimeId, depth] : run->queues) {
        if (const std::uint64_t local = run->record.localId(runtimeId))
            keys.push_back(makeKey(runId, local));
    }
    std::sort(keys.begin(), keys.end());
    return keys;
}

// Replay --------------------------------------------------------------------------

namespace {

std::int64_t msToNs(double ms) { return std::int64_t(std::llround(ms * 1e6)); }

QString jsonText(const QJsonValue &value)
{
    if (value.isNull() || value.isUndefined())
        return {};
    const QByteArray array = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
    return QString::fromUtf8(array.mid(1, array.size() - 2));
}

} // namespace

int TaskStore::loadLog(const log::RunLog &log, const QString &source)
{
    const int runId = addRun(log.set, log.startedAt, 0);
    Run &run = runRef(runId);
    run.loadedFrom = source.isEmpty() ? QStringLiteral("a log") : source;
    // A past run's tasks finished long ago: they do not count in the tick's finishing rate.
    const std::int64_t finishedBefore = m_pending.finished;
    for (const log::LogLoop &loop : log.loops)
        run.record.setLoopMaxStepNs(loop.name, msToNs(loop.maxStallMs));

    std::unordered_map<QString, std::int64_t> idOfName;
    for (const log::LogTask &t : log.tasks)
        idOfName.emplace(t.name, t.id);

    // The Created events first, in id order (consecutive tasks of one loop share a
    // batch), so that the tasks take rows in id order; then one batch per loop with
    // every other event, its tasks in id order. The run-local ids become runtime ids.
    auto loopOf = [](const QString &loop) {
        return loop == QStringLiteral("pool") || loop.isEmpty() ? QStringLiteral("main") : loop;
    };
    std::vector<std::pair<QString, rt::JournalBatch>> creations;
    std::vector<QString> loopNames;
    std::vector<rt::JournalBatch> batches;
    auto batchOf = [&](const QString &loop) -> rt::JournalBatch & {
        const QString name = loopOf(loop);
        for (std::size_t i = 0; i < loopNames.size(); ++i) {
            if (loopNames[i] == name)
                return batches[i];
        }
        loopNames.push_back(name);
        batches.emplace_back();
        return batches.back();
    };
    auto push = [](rt::JournalBatch &b, EventType type, std::int64_t task, std::int64_t tNs, std::uint64_t arg = 0,
                   std::uint8_t kind = 0, const QString &text = {}, std::uint64_t arg2 = 0) {
        std::uint32_t index = 0;
        if (!text.isEmpty()) {
            b.strings.push_back(text);
            index = std::uint32_t(b.strings.size());
        }
        b.events.push_back(rt::Event{tNs, std::uint64_t(task), arg, arg2, index, type, kind});
    };

    for (const log::LogTask &t : log.tasks) {
        std::uint8_t tag = std::uint8_t(log::opTagFromName(t.op));
        if (t.loop == QStringLiteral("pool"))
            tag |= log::kPoolBit;
        if (creations.empty() || creations.back().first != loopOf(t.loop))
            creations.emplace_back(loopOf(t.loop), rt::JournalBatch{});
        push(creations.back().second, EventType::Created, t.id, msToNs(t.createdMs),
             std::uint64_t(t.parent.value_or(0)), tag, t.name, std::uint64_t(t.origin.value_or(0)));
        rt::JournalBatch &b = batchOf(t.loop);
        for (std::size_t i = 0; i < t.callbacks.size(); ++i) {
            const QString description =
                QString::fromUtf8(QJsonDocument(t.callbacks[i].description).toJson(QJsonDocument::Compact));
            push(b, EventType::CallbackAdded, t.id, msToNs(t.createdMs), i, 0, description);
        }
        if (t.startedMs)
            push(b, EventType::Started, t.id, msToNs(*t.startedMs));
        for (std::size_t i = 0; i < t.callbacks.size(); ++i) {
            if (t.callbacks[i].firedMs)
                push(b, EventType::Callback, t.id, msToNs(*t.callbacks[i].firedMs), i);
        }
        const std::int64_t end = msToNs(t.finishedMs.value_or(log.durationMs));
        switch (t.state) {
        case TaskState::Pending:
        case TaskState::Running:
            break;
        case TaskState::Done:
            push(b, EventType::Done, t.id, end, 0, 0, jsonText(t.result));
            break;
        case TaskState::Failed:
            push(b, EventType::Failed, t.id, end, 0, 0, t.error.value_or(QString()));
            break;
        case TaskState::Cancelled: {
            const QString reason = t.cancelReason.value_or(QString());
            rt::CancelKind kind = rt::CancelKind::User;
            std::uint64_t by = 0;
            for (auto k : {rt::CancelKind::User, rt::CancelKind::Parent, rt::CancelKind::Timeout,
                           rt::CancelKind::Deadline}) {
                if (reason == rt::toString(k))
                    kind = k;
            }
            if (reason.startsWith(QStringLiteral("task:"))) {
                kind = rt::CancelKind::Task;
                const auto it = idOfName.find(reason.mid(5));
                by = it == idOfName.end() ? 0 : std::uint64_t(it->second);
            }
            push(b, EventType::Cancelled, t.id, end, by, std::uint8_t(kind));
            break;
        }
        }
    }
    for (const log::LogLoop &loop : log.loops) {
        rt::JournalBatch &b = batchOf(loop.name);
        for (const log::LogStall &s : loop.stalls)
            push(b, EventType::Stall, s.task.value_or(0), msToNs(s.tMs + s.ms), std::uint64_t(msToNs(s.ms)));
    }
    for (const auto &[loop, batch] : creations)
        apply(runId, loop, batch);
    for (std::size_t i = 0; i < batches.size(); ++i)
        apply(runId, loopNames[i], batches[i]);
    m_pending.finished = finishedBefore;
    for (int s = 0; s < kStateCount; ++s)
        m_loadedCounts[std::size_t(s)] += run.counts[std::size_t(s)];
    setRunFinished(runId, msToNs(log.durationMs));
    endTick();
    return runId;
}

} // namespace coroscope::monitor

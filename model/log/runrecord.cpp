#include "runrecord.h"

#include "log/detail/jsontext.h"
#include "log/taskstep.h"
#include "resulttext.h"
#include "runtime/clock.h"

#include <QStringBuilder>

#include <algorithm>
#include <bit>
#include <limits>

namespace coroscope::log {

using rt::EventType;
using rt::TaskState;

namespace {

// A sleep's row keeps its duration (ms, at most rt::kMaxDurationMs < 2^40) in the low
// 40 bits of awaitArg and 1 + the ms from the task's start to the sleep's start in the
// high 24 (0: not known), so that its due time is known without a wider row.
constexpr int kSleepMsBits = 40;
constexpr std::uint64_t kSleepMsMask = (std::uint64_t(1) << kSleepMsBits) - 1;
constexpr std::uint64_t kSleepSinceMax = (std::uint64_t(1) << (64 - kSleepMsBits)) - 1;
static_assert(std::uint64_t(rt::kMaxDurationMs) <= kSleepMsMask, "a sleep's ms must fit its bits");

[[nodiscard]] bool isQueueWorker(std::uint8_t tag) noexcept
{
    return opOfTag(tag) == OpTag::Producer || opOfTag(tag) == OpTag::Consumer;
}

// A queue worker's part in its queue's counts: bit 0 alive, bit 1 a consumer holding
// an item (docs/spec/stuck.md, "Queue"); 0 for an ended one.
constexpr std::uint8_t kAlive = 1;
constexpr std::uint8_t kHolding = 2;
[[nodiscard]] std::uint8_t workerPart(const RunRecord::TaskRow &row) noexcept
{
    if (rt::isFinal(row.state))
        return 0;
    const bool holding = opOfTag(row.tag) == OpTag::Consumer && row.state == rt::TaskState::Running
                         && row.awaitKind != rt::AwaitKind::QueueGet;
    return kAlive | (holding ? kHolding : 0);
}

} // namespace

// A million tasks' rows: 8 bytes more a row are 8 MB more at a million (docs/spec/runtime-package.md,
// "A sleeping task's bytes").
static_assert(sizeof(RunRecord::TaskRow) <= 64, "a million tasks' rows are meant to stay small");

RunRecord::RunRecord(Spool spool)
    : m_spool(spool == Spool::Events ? std::make_unique<EventSpool>() : nullptr)
{
}

RunRecord::~RunRecord() = default;

void RunRecord::setRunInfo(const QString &setName, const QDateTime &startedAt, std::int64_t startNs)
{
    m_setName = setName;
    m_startedAt = startedAt.toUTC();
    m_startNs = startNs;
}

void RunRecord::setFinished(std::int64_t endNs)
{
    m_endNs = endNs;
}

void RunRecord::setLoopMaxStepNs(const QString &loopName, std::int64_t ns)
{
    Loop &loop = m_loops[loopIndex(loopName)];
    loop.maxStepNs = std::max(loop.maxStepNs, ns);
}

std::size_t RunRecord::loopIndex(const QString &name)
{
    for (std::size_t i = 0; i < m_loops.size(); ++i) {
        if (m_loops[i].name == name)
            return i;
    }
    // Far more loops than a run ever has would collide with kPoolLoop: fold them onto the last.
    if (m_loops.size() >= kPoolLoop)
        return m_loops.size() - 1;
    m_loops.push_back(Loop{name, 0, {}});
    return m_loops.size() - 1;
}

std::size_t RunRecord::position(std::uint64_t runtimeId) const noexcept
{
    const std::size_t n = m_rows.size();
    if (n == 0)
        return n;
    // Fast path: the ids of one run are usually contiguous.
    const std::uint64_t front = sortedId(0);
    const std::uint64_t guess = runtimeId - front;
    if (runtimeId >= front && guess < n && sortedId(std::size_t(guess)) == runtimeId)
        return std::size_t(guess);
    if (m_inOrder) {
        const auto it = std::lower_bound(m_rows.begin(), m_rows.end(), runtimeId,
                                         [](const TaskRow &row, std::uint64_t id) { return row.runtimeId < id; });
        return it == m_rows.end() || it->runtimeId != runtimeId ? n : std::size_t(it - m_rows.begin());
    }
    const auto it = std::lower_bound(m_sortedIds.begin(), m_sortedIds.end(), runtimeId);
    if (it == m_sortedIds.end() || *it != runtimeId)
        return n;
    return std::size_t(it - m_sortedIds.begin());
}

std::uint64_t RunRecord::localId(std::uint64_t runtimeId) const noexcept
{
    const std::size_t pos = position(runtimeId);
    return pos == m_rows.size() ? 0 : pos + 1;
}

RunRecord::TaskRow *RunRecord::rowOf(std::uint64_t runtimeId) noexcept
{
    // Fast path: tasks usually arrive in id order, so the row is at the id's position,
    // and a row that holds the id is the task's (ids are unique). With the id arrays
    // written out, looking there first costs the one cache miss the caller pays anyway
    // where the arrays cost two more: a million tasks ending in random order miss the
    // cache on every event.
    if (!m_rows.empty() && runtimeId >= sortedId(0)) {
        const std::uint64_t guess = runtimeId - sortedId(0);
        if (guess < m_rows.size() && m_rows[guess].runtimeId == runtimeId)
            return &m_rows[guess];
    }
    const std::size_t pos = position(runtimeId);
    return pos == m_rows.size() ? nullptr : &m_rows[rowIndexAt(pos)];
}

const RunRecord::TaskRow *RunRecord::rowOf(std::uint64_t runtimeId) const noexcept
{
    return const_cast<RunRecord *>(this)->rowOf(runtimeId);
}

void RunRecord::reserve(std::size_t tasks)
{
    tasks = std::min(tasks, kMostReserved);
    m_rows.reserve(tasks);
    if (!m_inOrder) {
        m_sortedIds.reserve(tasks);
        m_sortedRows.reserve(tasks);
    }
    // Names and results are per task too (most sets name their tasks, many return a
    // value): doubling a million QStrings' array costs a 10-15 ms copy in one go.
    m_strings.reserve(m_strings.size() + 2 * tasks);
}

std::uint32_t RunRecord::store(const QString &text)
{
    if (text.isEmpty())
        return 0;
    // A repeat's copies name one shared string, event after event.
    if (!m_strings.empty() && rt::sameStringData(m_strings.back(), text))
        return std::uint32_t(m_strings.size());
    m_strings.push_back(text);
    return std::uint32_t(m_strings.size());
}

void RunRecord::setState(TaskRow &row, TaskState state, Observer *observer)
{
    const TaskState from = row.state;
    if (from == state)
        return;
    --m_counts[std::size_t(from)];
    ++m_counts[std::size_t(state)];
    row.state = state;
    if (observer)
        observer->stateChanged(std::uint32_t(&row - m_rows.data()), from, state);
}

std::int64_t RunRecord::create(std::size_t loop, const rt::Event &e, const QString &name, bool *late)
{
    // An id above every id so far is new: only one below may be a repeated Created (which
    // keeps the first), so the usual Created costs no search of the table.
    const bool inOrder = m_rows.empty() || e.task > sortedId(m_rows.size() - 1);
    if (e.task == 0 || (!inOrder && rowOf(e.task)))
        return -1;
    if (!inOrder && m_inOrder) {
        // The first task to arrive late: from now on the ids need arrays of their own.
        m_sortedIds.reserve(m_rows.capacity());
        m_sortedRows.reserve(m_rows.capacity());
        for (std::size_t i = 0; i < m_rows.size(); ++i) {
            m_sortedIds.push_back(m_rows[i].runtimeId);
            m_sortedRows.push_back(std::uint32_t(i));
        }
        m_inOrder = false;
    }
    TaskRow row{};
    row.runtimeId = e.task;
    row.parent = e.arg;
    // An indexed name's Created carries the copy's index where others carry the origin.
    const bool indexed = e.flags & rt::kIndexedName;
    row.createdNs = e.tNs;
    row.startedNs = kNone;
    row.finishedNs = kNone;
    row.name = store(name);
    row.copyIndex = indexed ? std::uint32_t(e.arg2) : kNoCopyIndex;
    row.tag = e.kind;
    row.loop = runsOnPool(e.kind) ? kPoolLoop : std::uint8_t(loop);
    m_hasPoolWork = m_hasPoolWork || row.loop == kPoolLoop;
    row.state = TaskState::Pending;
    row.cancelKind = rt::CancelKind::None;
    row.awaitKind = rt::AwaitKind::None;
    m_rows.push_back(row);
    ++m_counts[std::size_t(TaskState::Pending)];

    const auto rowIndex = std::uint32_t(m_rows.size() - 1);
    if (!indexed && e.arg2 != 0)
        m_origins[rowIndex] = e.arg2;
    if (inOrder) {
        if (!m_inOrder) {
            m_sortedIds.push_back(e.task);
            m_sortedRows.push_back(rowIndex);
        }
    } else {
        const auto it = std::lower_bound(m_sortedIds.begin(), m_sortedIds.end(), e.task);
        const auto at = it - m_sortedIds.begin();
        m_sortedIds.insert(it, e.task);
        m_sortedRows.insert(m_sortedRows.begin() + at, rowIndex);
        *late = true;
    }
    return rowIndex;
}

std::uint64_t RunRecord::callbackKey(const TaskRow &row, std::uint32_t index) const noexcept
{
    return std::uint64_t(&row - m_rows.data()) << 32 | index;
}

RunRecord::CallbackRow *RunRecord::callback(const TaskRow &row, std::uint32_t index)
{
    const auto it = m_callbackAt.find(callbackKey(row, index));
    return it == m_callbackAt.end() ? nullptr : &m_callbacks[it->second - 1];
}

// A task's callbacks are linked newest first, so that adding one costs O(1) however
// many the task has; task() reverses them into the order they were added.
void RunRecord::addCallback(TaskRow &row, std::uint32_t index, const QString &description)
{
    const auto [it, added] = m_callbackAt.try_emplace(callbackKey(row, index), 0);
    if (!added)
        return;
    std::uint32_t &newest = m_newestCallback[std::uint32_t(&row - m_rows.data())];
    const std::uint32_t count = newest == 0 ? 1 : m_callbacks[newest - 1].count + 1;
    m_callbacks.push_back(CallbackRow{kNone, store(description), index, newest, 0, count});
    it->second = std::uint32_t(m_callbacks.size());
    newest = it->second;
}

std::uint32_t RunRecord::newestCallback(const TaskRow &row) const
{
    if (m_newestCallback.empty())
        return 0;
    const auto it = m_newestCallback.find(std::uint32_t(&row - m_rows.data()));
    return it == m_newestCallback.end() ? 0 : it->second;
}

std::uint32_t RunRecord::callbackCount(const TaskRow &row) const noexcept
{
    const std::uint32_t newest = newestCallback(row);
    return newest == 0 ? 0 : m_callbacks[newest - 1].count;
}

void RunRecord::apply(const QString &loopName, const rt::JournalBatch &batch, Observer *observer)
{
    if (batch.events.empty())
        return;
    const std::size_t loop = loopIndex(loopName);
    bool late = false;
    for (const rt::Event &e : batch.events) {
        bool made = false;
        if (e.type == EventType::Created) {
            const std::int64_t at = create(loop, e, batch.text(e), &late);
            made = at >= 0;
            if (made && observer)
                observer->created(std::uint32_t(at));
        }
        if (e.type == EventType::Stall) {
            Loop &l = m_loops[loop];
            const auto duration = std::int64_t(std::min<std::uint64_t>(e.arg, INT64_MAX));
            l.stalls.push_back(Stall{e.tNs, duration, e.task});
            l.maxStepNs = std::max(l.maxStepNs, duration);
            if (m_spool)
                m_spool->append(loop, e);
            if (observer)
                observer->stalled(loop, e.tNs, duration, e.task);
            continue;
        }
        TaskRow *row = rowOf(e.task);
        if (!row)
            continue;
        const bool worker = isQueueWorker(row->tag);
        const std::uint8_t partBefore = worker && !made ? workerPart(*row) : 0;
        bool firstCancelRequest = false;
        const CallbackRow *failed = nullptr;
        switch (e.type) {
        case EventType::Created:
        case EventType::Stall:
        case EventType::Suspended: // state and await: below, one rule with RunHistory
        case EventType::Resumed:
            break;
        case EventType::Started:
            row->startedNs = e.tNs;
            break;
        case EventType::CancelRequested:
            // The first reason stays until the task ends; Cancelled gives the final one.
            if (row->cancelKind == rt::CancelKind::None) {
                row->cancelKind = rt::CancelKind(e.kind);
                setCancelledBy(*row, e.arg);
                firstCancelRequest = true;
            }
            break;
        case EventType::Done:
        case EventType::Failed:
        case EventType::Cancelled:
            row->finishedNs = e.tNs;
            if (e.type == EventType::Cancelled) {
                row->cancelKind = rt::CancelKind(e.kind);
                setCancelledBy(*row, e.arg);
            } else if (e.flags & rt::kNumberResult) {
                row->outcome = kNumberOutcome;
                row->number = std::bit_cast<double>(e.arg);
            } else if (e.flags & rt::kValueResult) {
                m_values.push_back(batch.value(e));
                row->outcome = kValueOutcome | std::uint32_t(m_values.size());
            } else {
                row->outcome = store(batch.text(e));
            }
            break;
        case EventType::CallbackAdded:
            addCallback(*row, std::uint32_t(e.arg), batch.text(e));
            break;
        case EventType::Callback:
            if (CallbackRow *cb = callback(*row, std::uint32_t(e.arg)))
                cb->firedNs = e.tNs;
            break;
        case EventType::CallbackFailed:
            if (CallbackRow *cb = callback(*row, std::uint32_t(e.arg)); cb && cb->error == 0) {
                const QString &error = batch.text(e);
                cb->error = error.isEmpty() ? kEmptyError : store(error);
                failed = cb;
            }
            break;
        case EventType::QueueDepth: {
            QueueDepth &q = m_queues[e.task];
            switch (rt::QueueChange(e.kind)) {
            case rt::QueueChange::Made: break;
            case rt::QueueChange::Put: ++q.puts; break;
            case rt::QueueChange::Get: ++q.gets; break;
            case rt::QueueChange::TaskDone: ++q.dones; break;
            }
            if (rt::QueueChange(e.kind) == rt::QueueChange::TaskDone)
                break; // the depth is as it was
            const auto depth = std::uint32_t(std::min<std::uint64_t>(e.arg, UINT32_MAX));
            q.capacity = e.arg2;
            q.peak = std::max(q.peak, depth);
            q.tNs.push_back(e.tNs);
            q.depth.push_back(depth);
            break;
        }
        }
        // State and await follow the rule RunHistory replays (taskstep.h).
        if (const std::optional<TaskState> to = stateAfter(e.type))
            setState(*row, *to, observer);
        switch (awaitStep(e.type)) {
        case AwaitStep::Keep:
            break;
        case AwaitStep::Set:
            row->awaitKind = rt::AwaitKind(e.kind);
            row->awaitArg = e.arg;
            if (row->awaitKind == rt::AwaitKind::Sleep) {
                // The sleep's start rides along, for when it ends (awaitAt).
                row->awaitArg = std::min<std::uint64_t>(e.arg, kSleepMsMask);
                if (row->startedNs != kNone && e.tNs >= row->startedNs) {
                    // From the µs a log keeps (logUs), so that a log read back gives the same.
                    const auto sinceMs = std::uint64_t((logUs(e.tNs) - logUs(row->startedNs) + 500) / 1000);
                    if (sinceMs + 1 <= kSleepSinceMax)
                        row->awaitArg |= (sinceMs + 1) << kSleepMsBits;
                }
            }
            break;
        case AwaitStep::Clear:
            row->awaitKind = rt::AwaitKind::None;
            break;
        }
        if (worker) {
            if (const std::uint8_t part = workerPart(*row); part != partBefore)
                countWorker(*row, partBefore, part);
        }
        if (observer) {
            switch (e.type) {
            case EventType::Started:
            case EventType::Resumed:
            case EventType::Suspended:
            case EventType::Done:
            case EventType::Failed:
            case EventType::Cancelled:
                observer->stepEvent(std::uint32_t(row - m_rows.data()), e.type, e.tNs);
                break;
            default:
                break;
            }
            observer->touched(std::uint32_t(row - m_rows.data()));
            if (firstCancelRequest)
                observer->cancelRequested(std::uint32_t(row - m_rows.data()), e.tNs);
            if (failed)
                observer->callbackFailed(std::uint32_t(row - m_rows.data()), failed->index,
                                         failed->firedNs != kNone ? failed->firedNs : e.tNs);
        }
        // A queue's depth is live only (docs/spec/taskset-format.md, "Queue depth");
        // CallbackAdded goes to the log with its task.
        if (m_spool && e.type != EventType::CallbackAdded && e.type != EventType::QueueDepth)
            m_spool->append(loop, e);
    }
    if (late && observer)
        observer->renumbered();
}

void RunRecord::countWorker(const TaskRow &row, std::uint8_t from, std::uint8_t to)
{
    // The queue is made (its first QueueDepth) before its owner makes its workers. A
    // queue's workers come in runs: the last one found is kept (entries never move).
    if (row.parent != m_workerQueueOwner || !m_workerQueue) {
        const auto it = m_queues.find(row.parent);
        if (it == m_queues.end())
            return;
        m_workerQueueOwner = row.parent;
        m_workerQueue = &it->second;
    }
    QueueDepth &q = *m_workerQueue;
    std::uint64_t &alive = opOfTag(row.tag) == OpTag::Producer ? q.producersAlive : q.consumersAlive;
    const auto move = [](std::uint64_t &count, bool was, bool is) {
        if (is && !was)
            ++count;
        else if (was && !is && count > 0)
            --count;
    };
    move(alive, from & kAlive, to & kAlive);
    move(q.consumersHolding, from & kHolding, to & kHolding);
}

std::int64_t RunRecord::logUs(std::int64_t ns) const noexcept
{
    return detail::nsToThousandthsOfMs(relative(ns));
}

void RunRecord::restoreQueue(std::uint64_t ownerRuntimeId, const QueueDepth &counts, std::uint32_t depth,
                             std::int64_t atNs)
{
    QueueDepth &q = m_queues[ownerRuntimeId];
    q.capacity = counts.capacity;
    q.puts = counts.puts;
    q.gets = counts.gets;
    q.dones = counts.dones;
    q.peak = std::max(counts.peak, depth);
    q.tNs.assign(1, atNs);
    q.depth.assign(1, depth);
    m_workerQueue = nullptr; // entries may have moved
}

const QueueDepth *RunRecord::queueDepth(std::uint64_t runtimeId) const
{
    const auto it = m_queues.find(runtimeId);
    return it == m_queues.end() ? nullptr : &it->second;
}

std::vector<std::uint64_t> RunRecord::queueOwners() const
{
    std::vector<std::uint64_t> owners;
    for (const auto &[runtimeId, depth] : m_queues)
        owners.push_back(runtimeId);
    std::sort(owners.begin(), owners.end());
    return owners;
}

QString RunRecord::nameAt(std::size_t arrivalRow) const
{
    const TaskRow &row = m_rows[arrivalRow];
    return nameOf(row, localId(row.runtimeId));
}

QString RunRecord::outcomeAt(std::size_t arrivalRow, qsizetype limit) const
{
    const TaskRow &row = m_rows[arrivalRow];
    if (row.state == TaskState::Done)
        return resultOf(row, limit);
    const QString error = row.state == TaskState::Failed && row.outcome != 0 ? m_strings[row.outcome - 1] : QString();
    return limit >= 0 ? error.left(limit + 1) : error;
}

QString RunRecord::resultOf(const TaskRow &row, qsizetype limit) const
{
    if (row.outcome == kNumberOutcome)
        return numberText(row.number);
    if (row.outcome & kValueOutcome) {
        const std::uint32_t index = row.outcome & ~kValueOutcome;
        // A whole text is rendered once (a details view and every exporter ask again);
        // a cut one costs only its start.
        if (const auto it = m_valueTexts.find(index); it != m_valueTexts.end())
            return limit >= 0 ? it->second.left(limit + 1) : it->second;
        if (limit >= 0)
            return resultText(m_values[index - 1], limit);
        return m_valueTexts.emplace(index, resultText(m_values[index - 1])).first->second;
    }
    const QString text = row.outcome != 0 ? m_strings[row.outcome - 1] : QString();
    return limit >= 0 ? text.left(limit + 1) : text;
}

QString RunRecord::cancelReasonAt(std::size_t arrivalRow) const
{
    const TaskRow &row = m_rows[arrivalRow];
    return row.state == TaskState::Cancelled ? cancelText(row.cancelKind, cancelledByOf(row)) : QString();
}

QString RunRecord::awaitingAt(std::size_t arrivalRow) const
{
    const Await a = awaitAt(arrivalRow);
    return a.kind == rt::AwaitKind::None ? QString() : awaitText(a.kind, a.arg);
}

RunRecord::Await RunRecord::awaitAt(std::size_t arrivalRow) const
{
    const TaskRow &row = m_rows[arrivalRow];
    Await a{row.awaitKind, row.awaitArg, kNone};
    if (row.awaitKind == rt::AwaitKind::Sleep) {
        a.arg = row.awaitArg & kSleepMsMask;
        if (const std::uint64_t since = row.awaitArg >> kSleepMsBits; since != 0 && row.startedNs != kNone)
            a.untilNs = m_startNs + logUs(row.startedNs) * 1000 + std::int64_t(since - 1 + a.arg) * 1'000'000;
    }
    return a;
}

QString RunRecord::nameOf(const TaskRow &row, std::uint64_t id) const
{
    if (row.copyIndex != kNoCopyIndex)
        return m_strings[row.name - 1] % QLatin1Char('[') % QString::number(row.copyIndex) % QLatin1Char(']');
    if (row.name != 0)
        return m_strings[row.name - 1];
    return opName(opOfTag(row.tag)) + QLatin1Char('#') + QString::number(id);
}

QString RunRecord::name(std::uint64_t id) const
{
    if (id == 0 || id > m_rows.size())
        return {};
    return nameOf(rowAt(id), id);
}

TaskState RunRecord::state(std::uint64_t id) const
{
    if (id == 0 || id > m_rows.size())
        return TaskState::Pending;
    return rowAt(id).state;
}

QString RunRecord::loopOf(std::uint64_t id) const
{
    if (id == 0 || id > m_rows.size())
        return {};
    const TaskRow &row = rowAt(id);
    return row.loop == kPoolLoop ? QStringLiteral("pool") : m_loops[row.loop].name;
}

std::uint8_t RunRecord::loopIndexOf(std::uint64_t id) const
{
    if (id == 0 || id > m_rows.size())
        return kPoolLoop;
    return rowAt(id).loop;
}

QString RunRecord::error(std::uint64_t id) const
{
    if (id == 0 || id > m_rows.size())
        return {};
    const TaskRow &row = rowAt(id);
    return row.state == TaskState::Failed && row.outcome != 0 ? m_strings[row.outcome - 1] : QString();
}

QString RunRecord::awaitText(rt::AwaitKind kind, std::uint64_t arg) const
{
    if (kind == rt::AwaitKind::Task || kind == rt::AwaitKind::WaitFor) {
        if (const std::uint64_t id = localId(arg)) {
            const QString word = kind == rt::AwaitKind::Task ? QStringLiteral("task ") : QStringLiteral("wait_for ");
            return word + name(id);
        }
    }
    return rt::describeAwait(kind, arg);
}

QString RunRecord::cancelText(rt::CancelKind kind, std::uint64_t byRuntimeId) const
{
    if (kind != rt::CancelKind::Task)
        return rt::toString(kind);
    const std::uint64_t id = localId(byRuntimeId);
    return QStringLiteral("task:") + (id ? name(id) : QString::number(byRuntimeId));
}

std::vector<std::uint64_t> RunRecord::unfinishedDescendants(std::uint64_t id) const
{
    DescendantScan scan(*this, id);
    scan.scan(*this, std::numeric_limits<std::size_t>::max());
    return scan.take();
}

RunRecord::DescendantScan::DescendantScan(const RunRecord &record, std::uint64_t id)
    : m_id(id)
    , m_next(id + 1)
    , m_last(id == 0 || id > record.m_rows.size() ? 0 : record.m_rows.size())
{
    if (m_last == 0) {
        m_next = 1; // nothing to cover: done
        return;
    }
    m_inTree.assign(std::size_t(m_last - id + 1), false);
    m_inTree[0] = true;
}

bool RunRecord::DescendantScan::scan(const RunRecord &record, std::size_t tasks)
{
    // A child is created after its parent, so one pass in creation order finds them all.
    if (done())
        return true;
    const std::uint64_t until = m_last - m_next < tasks ? m_last : m_next + tasks - 1;
    for (; m_next <= until; ++m_next) {
        const TaskRow &row = record.rowAt(m_next);
        if (row.parent == 0)
            continue;
        if (row.parent != m_lastParent) {
            m_lastParent = row.parent;
            const std::uint64_t parent = record.localId(row.parent);
            m_lastInTree = parent >= m_id && parent < m_next && m_inTree[parent - m_id];
        }
        if (!m_lastInTree)
            continue;
        m_inTree[m_next - m_id] = true;
        if (!rt::isFinal(row.state))
            m_found.push_back(row.runtimeId);
    }
    return done();
}

RunRecord::ChildScan::ChildScan(const RunRecord &record, std::uint64_t id)
    : m_parent(id >= 1 && id <= record.taskCount() ? record.rowAt(id).runtimeId : 0)
    , m_next(id + 1)
{
}

const std::vector<std::uint64_t> &RunRecord::ChildScan::scan(const RunRecord &record, std::size_t most)
{
    if (m_parent == 0)
        return m_children;
    // A child is created after its parent: the tasks after it, in creation order.
    const std::uint64_t filed = record.taskCount();
    for (; m_next <= filed && m_children.size() < most; ++m_next) {
        if (record.rowAt(m_next).parent == m_parent)
            m_children.push_back(m_next);
    }
    return m_children;
}

std::uint64_t RunRecord::originOf(const TaskRow &row) const
{
    const auto it = m_origins.find(std::uint32_t(&row - m_rows.data()));
    return it == m_origins.end() ? 0 : it->second;
}

std::uint64_t RunRecord::cancelledByOf(const TaskRow &row) const
{
    const auto it = m_cancelledBy.find(std::uint32_t(&row - m_rows.data()));
    return it == m_cancelledBy.end() ? 0 : it->second;
}

void RunRecord::setCancelledBy(const TaskRow &row, std::uint64_t runtimeId)
{
    const auto at = std::uint32_t(&row - m_rows.data());
    if (runtimeId != 0)
        m_cancelledBy[at] = runtimeId;
    else if (!m_cancelledBy.empty())
        m_cancelledBy.erase(at);
}

std::optional<TaskView> RunRecord::task(std::uint64_t id) const
{
    if (id == 0 || id > m_rows.size())
        return std::nullopt;
    const TaskRow &row = rowAt(id);
    TaskView v;
    v.id = id;
    v.runtimeId = row.runtimeId;
    v.name = nameOf(row, id);
    v.op = opOfTag(row.tag);
    v.opName = opName(v.op);
    v.parent = localId(row.parent);
    v.origin = localId(originOf(row));
    v.loop = loopOf(id);
    v.state = row.state;
    v.createdNs = relative(row.createdNs);
    if (row.startedNs != kNone)
        v.startedNs = relative(row.startedNs);
    if (row.finishedNs != kNone)
        v.finishedNs = relative(row.finishedNs);
    if (row.state == TaskState::Done)
        v.result = resultOf(row);
    v.error = error(id);
    if (row.state == TaskState::Cancelled) {
        v.cancelKind = row.cancelKind;
        v.cancelledBy = row.cancelKind == rt::CancelKind::Task ? localId(cancelledByOf(row)) : 0;
        v.cancelReason = cancelText(row.cancelKind, cancelledByOf(row));
    }
    if (row.awaitKind != rt::AwaitKind::None)
        v.awaiting = awaitingAt(rowIndexAt(id - 1));
    for (std::uint32_t at = newestCallback(row); at != 0; at = m_callbacks[at - 1].next) {
        const CallbackRow &cb = m_callbacks[at - 1];
        CallbackView c;
        if (cb.description != 0)
            c.description = m_strings[cb.description - 1];
        if (cb.firedNs != kNone)
            c.firedNs = relative(cb.firedNs);
        if (cb.error != 0)
            c.error = cb.error == kEmptyError ? QString() : m_strings[cb.error - 1];
        v.callbacks.push_back(std::move(c));
    }
    std::reverse(v.callbacks.begin(), v.callbacks.end());
    return v;
}

std::vector<LoopView> RunRecord::loops() const
{
    std::vector<LoopView> out;
    out.reserve(m_loops.size());
    for (const Loop &l : m_loops) {
        LoopView v{l.name, l.maxStepNs, {}};
        v.stalls.reserve(l.stalls.size());
        for (const Stall &s : l.stalls)
            v.stalls.push_back(StallView{relative(s.endNs - s.durationNs), s.durationNs, localId(s.runtimeId)});
        out.push_back(std::move(v));
    }
    return out;
}

} // namespace coroscope::log

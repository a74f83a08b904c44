#pragma once

// RunRecord: a run's task table, built from the loops' journal batches: the one
// place that turns journal events into task state. The command line's summary and
// logs, the exporters and the dashboard's store all read it.
//
// Feed it with apply(loopName, batch) for every batch drained from any loop (batches
// of different loops may interleave in any order); an Observer hears of every new
// task, state change and touched task as it happens. It keeps one packed row per task
// (TaskRow, 64 bytes, strings apart: names, results and errors live in a shared
// string table, callbacks in a side table), counts per state, the stalls of every
// loop, the depth of every queue, and, unless disabled, spools the events to
// temporary files (EventSpool) for the json log.
//
// Ids: the runtime numbers tasks process-wide; a run numbers its tasks 1..N in the
// order of their runtime ids (creation order). Normally tasks arrive in that order
// and a task's id never changes; when a task created on one loop arrives after a
// later one from another loop, it takes its place and the ids of the tasks created
// after it grow by one. The ids are final once every batch is applied.
// Events of tasks this record has not seen created are ignored (but stalls).
//
// Threading: one thread owns a RunRecord (apply, queries and exports). Cost: apply is
// O(events) (plus an O(log n) id lookup each); lookups by run-local id are O(1).

#include "log/eventspool.h"
#include "log/optag.h"
#include "runtime/journal.h"
#include "runtime/types.h"

#include <QDateTime>
#include <QJsonValue>
#include <QString>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

namespace coroscope::log {

struct CallbackView {
    QString description;                // compact JSON object, e.g. {"kind":"log","message":"x"}
    std::optional<std::int64_t> firedNs; // since the run's start; empty if it has not fired
    std::optional<QString> error;        // what it raised when it fired; empty if it did not
};

// One task as the log shows it (times in ns since the run's start).
struct TaskView {
    std::uint64_t id = 0;        // run-local, from 1
    std::uint64_t runtimeId = 0;
    QString name;                // given name or the default `<op>#<id>`
    OpTag op = OpTag::None;
    QString opName;
    std::uint64_t parent = 0;    // run-local id; 0 = none or not part of the run
    std::uint64_t origin = 0;    // run-local id of the task whose spawn callback made it
    QString loop;                // "main", "worker" or "pool"
    rt::TaskState state = rt::TaskState::Pending;
    std::int64_t createdNs = 0;
    std::optional<std::int64_t> startedNs;
    std::optional<std::int64_t> finishedNs;
    QString result;              // JSON text when done ("" = null)
    QString error;               // when failed
    QString cancelReason;        // when cancelled: user, parent, timeout, deadline, task:<name>
    rt::CancelKind cancelKind = rt::CancelKind::None;
    std::uint64_t cancelledBy = 0; // run-local id for CancelKind::Task
    QString awaiting;            // what it is suspended on now ("" when not suspended)
    std::vector<CallbackView> callbacks;
};

struct StallView {
    std::int64_t startNs = 0;    // since the run's start
    std::int64_t durationNs = 0;
    std::uint64_t task = 0;      // run-local id, 0 = none
};

struct LoopView {
    QString name;
    std::int64_t maxStepNs = 0;  // the longest step seen (stalls, or setLoopMaxStepNs)
    std::vector<StallView> stalls;
};

// The depth of a queue over time (docs/spec/taskset-format.md, "Queue depth"): one
// sample per put or get, 12 bytes each, and how many puts, gets and task_dones it has
// seen (docs/spec/stuck.md). Live; a json log keeps the counts at its end (restoreQueue).
struct QueueDepth {
    std::uint64_t capacity = 0;      // 0 = unbounded
    std::uint64_t puts = 0;
    std::uint64_t gets = 0;
    std::uint64_t dones = 0;         // task_done calls
    // Its workers (its owner's children of op producer and consumer) not ended, and
    // the consumers among them that hold an item (started, not parked at a get).
    std::uint64_t producersAlive = 0;
    std::uint64_t consumersAlive = 0;
    std::uint64_t consumersHolding = 0;
    std::uint32_t peak = 0;          // the highest depth sampled
    std::vector<std::int64_t> tNs;   // rt::monotonicNs() of each sample, ascending
    std::vector<std::uint32_t> depth;
};

class RunRecord
{
public:
    enum class Spool { Events, None };

    // A task as the table keeps it: 64 bytes, strings apart (a repeat's copies share
    // their name's string; a number result is kept as the number). Times are
    // rt::monotonicNs() values (kNone = not yet); ids are runtime ids. A task's origin,
    // the task that cancelled it and its callbacks are rare and kept beside the rows
    // (originOf, cancelledByOf, callbackCount), so that a million rows do not carry them.
    struct TaskRow {
        std::uint64_t runtimeId;
        std::uint64_t parent;       // 0 = none
        std::int64_t createdNs;
        std::int64_t startedNs;
        std::int64_t finishedNs;
        union {
            std::uint64_t awaitArg; // the journalled argument, while awaitKind is not None; a
                                    // sleep's packs its start too (awaitAt)
            double number;          // the result, once done with outcome kNumberOutcome
        };
        std::uint32_t name;         // 1-based index into the string table; 0 = default name
        std::uint32_t copyIndex;    // the name is `name[copyIndex]`; kNoCopyIndex = just `name`
        std::uint32_t outcome;      // result text (done) or error text (failed), kNumberOutcome,
                                    // or with kValueOutcome, 1-based index into the values
        std::uint8_t tag;           // OpTag | kPoolBit
        std::uint8_t loop;          // index into loops(), or kPoolLoop
        rt::TaskState state : 4;    // one byte for both
        rt::CancelKind cancelKind : 4;
        rt::AwaitKind awaitKind;
    };

    // What apply() changes, told as it happens, for a table kept on top of this one
    // (the dashboard's store: its rows, counts and state index). Rows are arrival rows.
    class Observer
    {
    public:
        virtual void created(std::uint32_t row) = 0;
        // Any event of the task's (after created() for its Created event).
        virtual void touched(std::uint32_t row) = 0;
        virtual void stateChanged(std::uint32_t row, rt::TaskState from, rt::TaskState to) = 0;
        // A task that arrived late took an earlier run-local id: the later ones moved up.
        virtual void renumbered() = 0;
        // The task's first cancel request, at tNs (after touched() for it). For the
        // warnings (log/warnings.h); a table that keeps no such thing ignores it.
        virtual void cancelRequested(std::uint32_t /*row*/, std::int64_t /*tNs*/) {}
        // Callback `index` of the task raised when it fired at firedNs (after touched()).
        virtual void callbackFailed(std::uint32_t /*row*/, std::uint32_t /*index*/, std::int64_t /*firedNs*/) {}
        // A stall of loop `loop` (index into loops()) that ended at endNs; runtimeId is
        // the task that held the loop (0 = none).
        virtual void stalled(std::size_t /*loop*/, std::int64_t /*endNs*/, std::int64_t /*durationNs*/,
                             std::uint64_t /*runtimeId*/)
        {
        }
        // An event that begins a step of the task's (Started, Resumed) or ends one
        // (Suspended, Done, Failed, Cancelled), at tNs, after stateChanged() for it. For
        // the histograms (log/histograms.h).
        virtual void stepEvent(std::uint32_t /*row*/, rt::EventType /*type*/, std::int64_t /*tNs*/) {}

    protected:
        ~Observer() = default;
    };

    explicit RunRecord(Spool spool = Spool::Events);
    ~RunRecord();
    RunRecord(const RunRecord &) = delete;
    RunRecord &operator=(const RunRecord &) = delete;

    // The run: its set's name, its wall-clock start, and its start on rt::monotonicNs().
    void setRunInfo(const QString &setName, const QDateTime &startedAt, std::int64_t startNs);
    // Room for `tasks` tasks in every per-task array, so that growing to that many
    // never copies them (address space only: pages are touched as rows are added).
    // At most kMostReserved: an estimate may be far too high.
    void reserve(std::size_t tasks);
    static constexpr std::size_t kMostReserved = 4'000'000;
    void setFinished(std::int64_t endNs);
    // The loop's longest step (rt::Loop::maxStallNs()), which stall events alone miss.
    void setLoopMaxStepNs(const QString &loopName, std::int64_t ns);

    // The only place that turns journal events into task state.
    void apply(const QString &loopName, const rt::JournalBatch &batch, Observer *observer = nullptr);

    [[nodiscard]] const QString &setName() const noexcept { return m_setName; }
    [[nodiscard]] const QDateTime &startedAt() const noexcept { return m_startedAt; }
    [[nodiscard]] std::int64_t startNs() const noexcept { return m_startNs; }
    [[nodiscard]] std::optional<std::int64_t> endNs() const noexcept { return m_endNs; }

    [[nodiscard]] std::size_t taskCount() const noexcept { return m_rows.size(); }
    // Arrival rows: 0..taskCount()-1, in the order the tasks reached the table. A row
    // never moves (a late task shifts run-local ids, not rows): for tables on top of
    // this one and views that read every task per frame. O(1), no string built.
    [[nodiscard]] const TaskRow &row(std::size_t arrivalRow) const { return m_rows[arrivalRow]; }
    [[nodiscard]] std::uint32_t arrivalRowOf(std::uint64_t id) const { return rowIndexAt(id - 1); }
    // The task's name, its result (done) or error (failed) text, its cancel reason
    // (cancelled), and what it awaits (suspended), as the log writes them. With
    // `limit` >= 0, the outcome is the start of its text, cut past `limit` characters
    // (to limit + 1): a cell shows a million-element list without its whole text.
    [[nodiscard]] QString nameAt(std::size_t arrivalRow) const;
    [[nodiscard]] QString outcomeAt(std::size_t arrivalRow, qsizetype limit = -1) const;
    [[nodiscard]] QString cancelReasonAt(std::size_t arrivalRow) const;
    [[nodiscard]] QString awaitingAt(std::size_t arrivalRow) const;
    // What the task at `arrivalRow` awaits now: the kind, the journal's argument (ms,
    // count, runtime id: rt::AwaitKind), and for a sleep the moment it ends (rt::
    // monotonicNs(); kNone when not known: it began more than 2^24 ms after the task
    // started). The sleep's due time rides in the high bits of the row's awaitArg, so
    // that no task row grows for it (docs/spec/stuck.md, "Sleep").
    struct Await {
        rt::AwaitKind kind = rt::AwaitKind::None;
        std::uint64_t arg = 0;
        std::int64_t untilNs = kNone;
    };
    [[nodiscard]] Await awaitAt(std::size_t arrivalRow) const;
    // The runtime id of the task whose spawn callback made this one (0 = none), and of
    // the task that asked to cancel it or cancelled it (CancelKind::Task; 0 = none).
    [[nodiscard]] std::uint64_t originOf(const TaskRow &row) const;
    [[nodiscard]] std::uint64_t cancelledByOf(const TaskRow &row) const;
    // How many callbacks the task has.
    [[nodiscard]] std::uint32_t callbackCount(const TaskRow &row) const noexcept;
    // The depth of the queue task `runtimeId` owns; nullptr if it owns none.
    [[nodiscard]] const QueueDepth *queueDepth(std::uint64_t runtimeId) const;
    // The runtime ids of the tasks that own a queue.
    [[nodiscard]] std::vector<std::uint64_t> queueOwners() const;
    // A queue as a log read back says it was at the log's end: its capacity and counts,
    // and one sample of `depth` at atNs (docs/spec/log-format.md, "queue"). Before the
    // batches are applied, so that its workers are counted as they arrive.
    void restoreQueue(std::uint64_t ownerRuntimeId, const QueueDepth &counts, std::uint32_t depth, std::int64_t atNs);
    [[nodiscard]] std::size_t count(rt::TaskState state) const noexcept { return m_counts[std::size_t(state)]; }

    // Run-local id of a runtime task id; 0 if the task is not part of the run.
    [[nodiscard]] std::uint64_t localId(std::uint64_t runtimeId) const noexcept;
    // The task with run-local id `id` (1..taskCount()); empty if there is none.
    [[nodiscard]] std::optional<TaskView> task(std::uint64_t id) const;
    [[nodiscard]] QString name(std::uint64_t id) const;
    [[nodiscard]] rt::TaskState state(std::uint64_t id) const;
    [[nodiscard]] QString loopOf(std::uint64_t id) const;
    // The task's loop as an index into loops() (kPoolLoop for the pool), without
    // building a string: for views that read every task per frame.
    [[nodiscard]] std::uint8_t loopIndexOf(std::uint64_t id) const;
    // Whether any task of the run does its work on the CPU pool (a lane of its own).
    [[nodiscard]] bool hasPoolWork() const noexcept { return m_hasPoolWork; }
    [[nodiscard]] QString error(std::uint64_t id) const; // "" unless failed
    // The runtime ids of the unfinished tasks among the descendants of task `id` (at
    // any depth, through finished ones too), in creation order. One pass over the
    // tasks created after it (a child is created after its parent): O(tasks).
    [[nodiscard]] std::vector<std::uint64_t> unfinishedDescendants(std::uint64_t id) const;
    // The same search a slice at a time, so that a subtree of a million tasks need not
    // hold the dashboard's thread for one frame (tens of milliseconds). It covers the
    // tasks the record held when it began; the record may grow meanwhile, and must live
    // as long as the scan is used on it.
    class DescendantScan
    {
    public:
        DescendantScan(const RunRecord &record, std::uint64_t id);
        // Looks at up to `tasks` more tasks; true once every task it covers is looked at.
        bool scan(const RunRecord &record, std::size_t tasks);
        [[nodiscard]] bool done() const noexcept { return m_next > m_last; }
        // What was found so far (runtime ids, creation order), taken out of the scan.
        [[nodiscard]] std::vector<std::uint64_t> take() { return std::move(m_found); }

    private:
        std::uint64_t m_id;
        std::uint64_t m_next;
        std::uint64_t m_last;      // the last task it covers (local id)
        std::vector<bool> m_inTree; // whether task m_id + i is in the subtree
        // Siblings share a parent, so the last parent looked up answers most tasks
        // without a search.
        std::uint64_t m_lastParent = 0;
        bool m_lastInTree = false;
        std::vector<std::uint64_t> m_found;
    };

    // The first children of task `id` (local ids, creation order), found by the same
    // pass and resumed where it stopped as the record grows: the details pane lists them
    // every tick without walking the run again, and keeps no index of its own.
    class ChildScan
    {
    public:
        ChildScan() = default;
        ChildScan(const RunRecord &record, std::uint64_t id);
        // Looks at the tasks filed since the last scan until `most` children are found.
        const std::vector<std::uint64_t> &scan(const RunRecord &record, std::size_t most);

    private:
        std::uint64_t m_parent = 0; // the parent's runtime id, as rows name it; 0 = none
        std::uint64_t m_next = 1;   // the next task to look at (local id)
        std::vector<std::uint64_t> m_children;
    };

    // The log's texts for an await point and a cancellation (ids are runtime ids).
    [[nodiscard]] QString awaitText(rt::AwaitKind kind, std::uint64_t arg) const;
    [[nodiscard]] QString cancelText(rt::CancelKind kind, std::uint64_t byRuntimeId) const;

    [[nodiscard]] std::size_t loopCount() const noexcept { return m_loops.size(); }
    [[nodiscard]] const QString &loopName(std::size_t index) const { return m_loops[index].name; }
    [[nodiscard]] std::vector<LoopView> loops() const;

    // The spooled events (nullptr with Spool::None); stream i is loop i.
    [[nodiscard]] const EventSpool *spool() const noexcept { return m_spool.get(); }

    static constexpr std::int64_t kNone = INT64_MIN;

    // loopIndexOf() of a task whose work runs on the CPU pool.
    static constexpr std::uint8_t kPoolLoop = 0xff;
    static constexpr std::uint32_t kNoCopyIndex = ~std::uint32_t(0);
    static constexpr std::uint32_t kNumberOutcome = ~std::uint32_t(0);
    // The bit of an outcome journalled as a value (rt::kValueResult): its text is
    // rendered when it is read (docs/spec/taskset-format.md, "Big results").
    static constexpr std::uint32_t kValueOutcome = std::uint32_t(1) << 31;

private:

    struct CallbackRow {
        std::int64_t firedNs;       // kNone = not fired
        std::uint32_t description;  // 1-based into m_strings
        std::uint32_t index;        // the callback's index on its task
        std::uint32_t next;         // the task's previous callback, 1-based
        std::uint32_t error;        // what it raised: 1-based into m_strings, kEmptyError, or 0 = nothing
        std::uint32_t count;        // how many the task had with this one (callbackCount(), from the newest)
    };
    static constexpr std::uint32_t kEmptyError = ~std::uint32_t(0);
    struct Stall {
        std::int64_t endNs;
        std::int64_t durationNs;
        std::uint64_t runtimeId;
    };
    struct Loop {
        QString name;
        std::int64_t maxStepNs = 0;
        std::vector<Stall> stalls;
    };

    [[nodiscard]] std::size_t loopIndex(const QString &name);
    [[nodiscard]] TaskRow *rowOf(std::uint64_t runtimeId) noexcept;
    [[nodiscard]] const TaskRow *rowOf(std::uint64_t runtimeId) const noexcept;
    [[nodiscard]] std::size_t position(std::uint64_t runtimeId) const noexcept; // run-local id - 1; taskCount() if none
    // The runtime id and the arrival row of the task at `position` (run-local id - 1).
    [[nodiscard]] std::uint64_t sortedId(std::size_t position) const noexcept
    {
        return m_inOrder ? m_rows[position].runtimeId : m_sortedIds[position];
    }
    [[nodiscard]] std::uint32_t rowIndexAt(std::size_t position) const noexcept
    {
        return m_inOrder ? std::uint32_t(position) : m_sortedRows[position];
    }
    [[nodiscard]] const TaskRow &rowAt(std::uint64_t id) const { return m_rows[rowIndexAt(id - 1)]; }
    [[nodiscard]] QString nameOf(const TaskRow &row, std::uint64_t id) const;
    // A done task's result text (cut past `limit` characters when limit >= 0).
    [[nodiscard]] QString resultOf(const TaskRow &row, qsizetype limit = -1) const;
    [[nodiscard]] std::uint32_t store(const QString &text);
    void setCancelledBy(const TaskRow &row, std::uint64_t runtimeId);
    [[nodiscard]] std::int64_t relative(std::int64_t ns) const noexcept { return ns - m_startNs; }
    // A moment as a log writes it: µs since the run's start, rounded as the log rounds.
    [[nodiscard]] std::int64_t logUs(std::int64_t ns) const noexcept;
    // Returns the new row's arrival index, or -1 (a repeated Created, or id 0).
    [[nodiscard]] std::int64_t create(std::size_t loop, const rt::Event &e, const QString &name, bool *late);
    void setState(TaskRow &row, rt::TaskState state, Observer *observer);
    // Moves a queue worker's part in its queue's counts (workerPart()) from `from` to `to`.
    void countWorker(const TaskRow &row, std::uint8_t from, std::uint8_t to);
    void addCallback(TaskRow &row, std::uint32_t index, const QString &description);
    [[nodiscard]] CallbackRow *callback(const TaskRow &row, std::uint32_t index);
    // The task's newest callback, 1-based index into m_callbacks; 0 = none.
    [[nodiscard]] std::uint32_t newestCallback(const TaskRow &row) const;
    [[nodiscard]] std::uint64_t callbackKey(const TaskRow &row, std::uint32_t index) const noexcept;

    QString m_setName;
    QDateTime m_startedAt;
    std::int64_t m_startNs = 0;
    std::optional<std::int64_t> m_endNs;

    std::vector<TaskRow> m_rows;             // in arrival order
    // Until a task arrives late, arrival order is creation order: a row's index is its
    // run-local id - 1, and the two arrays below stay empty (12 bytes a task).
    bool m_inOrder = true;
    std::vector<std::uint64_t> m_sortedIds;  // runtime ids, ascending; position + 1 = run-local id
    std::vector<std::uint32_t> m_sortedRows; // m_rows index of each m_sortedIds entry
    std::vector<CallbackRow> m_callbacks;
    // By arrival row, only where not 0: originOf() and cancelledByOf().
    std::unordered_map<std::uint32_t, std::uint64_t> m_origins;
    std::unordered_map<std::uint32_t, std::uint64_t> m_cancelledBy;
    std::unordered_map<std::uint64_t, std::uint32_t> m_callbackAt; // (m_rows index, index) -> 1-based
    std::unordered_map<std::uint32_t, std::uint32_t> m_newestCallback; // by arrival row: newestCallback()
    std::vector<QString> m_strings;
    std::vector<QJsonValue> m_values;           // results journalled as values
    mutable std::unordered_map<std::uint32_t, QString> m_valueTexts; // their texts rendered whole, by index
    std::vector<Loop> m_loops;
    std::array<std::size_t, 5> m_counts{};
    bool m_hasPoolWork = false;
    std::unordered_map<std::uint64_t, QueueDepth> m_queues; // by the owner's runtime id
    std::uint64_t m_workerQueueOwner = 0;   // countWorker's last queue
    QueueDepth *m_workerQueue = nullptr;
    std::unique_ptr<EventSpool> m_spool;
};

} // namespace coroscope::log

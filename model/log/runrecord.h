#pragma once

// RunRecord: what a run's log needs to know about every task, built from the loops'
// journal batches.
//
// Feed it with apply(loopName, batch) for every batch drained from any loop (batches
// of different loops may interleave in any order). It keeps one packed row per task
// (about 100 bytes, strings apart: names, results and errors live in a shared string
// table, callbacks in a side table), counts per state, the stalls of every loop, and,
// unless disabled, spools the events to temporary files (EventSpool) for the json log.
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

class RunRecord
{
public:
    enum class Spool { Events, None };

    explicit RunRecord(Spool spool = Spool::Events);
    ~RunRecord();
    RunRecord(const RunRecord &) = delete;
    RunRecord &operator=(const RunRecord &) = delete;

    // The run: its set's name, its wall-clock start, and its start on rt::monotonicNs().
    void setRunInfo(const QString &setName, const QDateTime &startedAt, std::int64_t startNs);
    // Room for `tasks` tasks in every per-task array, so that growing to that many
    // never copies them (address space only: pages are touched as rows are added).
    void reserve(std::size_t tasks);
    void setFinished(std::int64_t endNs);
    // The loop's longest step (rt::Loop::maxStallNs()), which stall events alone miss.
    void setLoopMaxStepNs(const QString &loopName, std::int64_t ns);

    void apply(const QString &loopName, const rt::JournalBatch &batch);

    [[nodiscard]] const QString &setName() const noexcept { return m_setName; }
    [[nodiscard]] const QDateTime &startedAt() const noexcept { return m_startedAt; }
    [[nodiscard]] std::int64_t startNs() const noexcept { return m_startNs; }
    [[nodiscard]] std::optional<std::int64_t> endNs() const noexcept { return m_endNs; }

    [[nodiscard]] std::size_t taskCount() const noexcept { return m_rows.size(); }
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

private:

    struct Row {
        std::uint64_t runtimeId;
        std::uint64_t parent;       // runtime ids, 0 = none
        std::uint64_t origin;
        std::uint64_t cancelledBy;
        std::int64_t createdNs;     // rt::monotonicNs() values; kNone = not yet
        std::int64_t startedNs;
        std::int64_t finishedNs;
        std::uint64_t awaitArg;
        std::uint32_t name;         // 1-based index into m_strings; 0 = default name
        std::uint32_t outcome;      // result text (done) or error text (failed)
        std::uint32_t firstCallback;// its newest callback, 1-based index into m_callbacks
        std::uint8_t tag;           // OpTag | kPoolBit
        std::uint8_t loop;          // index into m_loops, or kPoolLoop
        rt::TaskState state;
        rt::CancelKind cancelKind;
        rt::AwaitKind awaitKind;
    };
    struct CallbackRow {
        std::int64_t firedNs;       // kNone = not fired
        std::uint32_t description;  // 1-based into m_strings
        std::uint32_t index;        // the callback's index on its task
        std::uint32_t next;         // the task's previous callback, 1-based
    };
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
    [[nodiscard]] Row *rowOf(std::uint64_t runtimeId) noexcept;
    [[nodiscard]] const Row *rowOf(std::uint64_t runtimeId) const noexcept;
    [[nodiscard]] std::size_t position(std::uint64_t runtimeId) const noexcept; // in m_sortedIds
    [[nodiscard]] const Row &rowAt(std::uint64_t id) const { return m_rows[m_sortedRows[id - 1]]; }
    [[nodiscard]] QString nameOf(const Row &row, std::uint64_t id) const;
    [[nodiscard]] std::uint32_t store(const QString &text);
    [[nodiscard]] std::int64_t relative(std::int64_t ns) const noexcept { return ns - m_startNs; }
    void create(std::size_t loop, const rt::Event &e, const QString &name);
    void setState(Row &row, rt::TaskState state);
    void addCallback(Row &row, std::uint32_t index, const QString &description);
    [[nodiscard]] CallbackRow *callback(const Row &row, std::uint32_t index);
    [[nodiscard]] std::uint64_t callbackKey(const Row &row, std::uint32_t index) const noexcept;

    QString m_setName;
    QDateTime m_startedAt;
    std::int64_t m_startNs = 0;
    std::optional<std::int64_t> m_endNs;

    std::vector<Row> m_rows;                 // in arrival order
    std::vector<std::uint64_t> m_sortedIds;  // runtime ids, ascending; position + 1 = run-local id
    std::vector<std::uint32_t> m_sortedRows; // m_rows index of each m_sortedIds entry
    std::vector<CallbackRow> m_callbacks;
    std::unordered_map<std::uint64_t, std::uint32_t> m_callbackAt; // (m_rows index, index) -> 1-based
    std::vector<QString> m_strings;
    std::vector<Loop> m_loops;
    std::array<std::size_t, 5> m_counts{};
    bool m_hasPoolWork = false;
    std::unique_ptr<EventSpool> m_spool;
};

} // namespace coroscope::log

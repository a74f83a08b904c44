#pragma once

// RunHistory: a run's task table at any past moment (docs/spec/time-travel.md).
//
// It holds the run's task events in time order, compactly (16 bytes each, 4 more in a
// per-task index of its events, and 13 per Suspended event for what it awaits), and
// every so often a snapshot of every task's state, one byte a task, taken between two
// events. The table at time t is then the latest snapshot taken before the first event
// after t, plus the events from there up to t, replayed by the rule the task table
// itself follows (taskstep.h). What a task awaits at t is read for the rows shown
// only: its last event up to t that sets or clears it, found through the per-task index.
//
// Why it is fast enough at a million tasks: a snapshot is taken every
// max(tasks known / 4, kMinInterval) events, so a seek copies one snapshot (a byte a
// task) and replays at most tasks / 4 events: O(tasks), less than re-filtering a table
// of that many rows (measured: bench/RESULTS.md, "Time travel"). A seek forward from
// the frame's own position replays only the events in between (playing, stepping).
// Memory: as a snapshot of n tasks comes at most every n / 4 events, snapshots hold
// at most about 4 bytes an event in all; with the events and the index, about 24 bytes
// an event.
//
// Rows are the RunRecord's arrival rows, so the views read a row's past state at the
// row they already know. Times are ns since the run's start.
//
// Threading: one thread owns it (built, then seeks). Building is O(events); a history
// is immutable once built (a live run's is rebuilt when it has grown, see TaskStore).

#include "log/logreader.h"
#include "log/runrecord.h"
#include "runtime/journal.h"
#include "runtime/types.h"

#include <QString>

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace coroscope::log {

class RunHistory
{
public:
    // The state byte of a row whose task does not exist yet at the frame's time.
    static constexpr std::uint8_t kNotCreated = 0xff;
    // The fewest events between two snapshots (small runs need few snapshots).
    static constexpr std::size_t kMinInterval = 4096;

    // The table at one moment: every row's state byte (a rt::TaskState, or kNotCreated)
    // and how many tasks are in each state (awaitAt() tells what a row awaits).
    struct Frame {
        std::int64_t tNs = INT64_MIN;   // the time it shows (every event with tNs <= it applied)
        std::size_t next = 0;           // events applied: [0, next)
        std::vector<std::uint8_t> states;
        std::array<std::size_t, 5> counts{};
        std::size_t created = 0;

        [[nodiscard]] std::uint8_t stateByte(std::size_t row) const noexcept
        {
            return row < states.size() ? states[row] : kNotCreated;
        }
    };

    // One event of a task, as kept.
    struct Step {
        std::int64_t tNs;
        std::uint32_t row;
        rt::EventType type;
    };

    RunHistory() = default;

    // The run recorded so far, from the record's event spool (its events in time
    // order). Empty with an error when the record keeps no spool or it cannot be read.
    [[nodiscard]] static RunHistory fromRecord(const RunRecord &record, QString *error = nullptr);
    // A run read back from a log: its `events` (in the log's order, which is time
    // order), their task ids mapped to the rows `record` gave them (TaskStore::loadLog).
    [[nodiscard]] static RunHistory fromLog(const RunLog &log, const RunRecord &record);

    // Building (times non-decreasing; a Suspended event with its await, as kind and arg
    // for a live run or as the log's text).
    void add(std::int64_t tNs, std::uint32_t row, rt::EventType type, rt::AwaitKind kind = rt::AwaitKind::None,
             std::uint64_t arg = 0);
    void addSuspended(std::int64_t tNs, std::uint32_t row, const QString &awaitText);

    [[nodiscard]] std::size_t eventCount() const noexcept { return m_steps.size(); }
    [[nodiscard]] const Step &step(std::size_t index) const { return m_steps[index]; }
    [[nodiscard]] std::size_t snapshotCount() const noexcept { return m_snapshots.size(); }
    // The last event's time; INT64_MIN when there is none.
    [[nodiscard]] std::int64_t endNs() const noexcept { return m_steps.empty() ? INT64_MIN : m_steps.back().tNs; }
    // Bytes held (events, awaits, snapshots), for the docs' and benchmarks' figures.
    [[nodiscard]] std::size_t bytes() const noexcept;

    // Moves `frame` to the table at time tNs: the events with tNs <= t applied, in order.
    void seek(Frame &frame, std::int64_t tNs) const;

    // What the row awaits in the frame: 0 = nothing, else the 1-based ordinal of the
    // Suspended event that set it (its last event up to the frame's time that sets or
    // clears the await). O(log of the row's events) plus the few events walked back.
    [[nodiscard]] std::uint32_t awaitAt(const Frame &frame, std::uint32_t row) const;
    // What await ordinal `await` (non-zero) waits on, as the log says it (`record`
    // names awaited tasks of a live run).
    [[nodiscard]] QString awaitText(std::uint32_t await, const RunRecord &record) const;
    [[nodiscard]] rt::AwaitKind awaitKind(std::uint32_t await) const { return m_awaitKinds[await - 1]; }

    // The time of the first event of `row` after (forward) or before (backward) tNs;
    // empty if there is none. O(events) at worst.
    [[nodiscard]] std::optional<std::int64_t> eventOf(std::uint32_t row, std::int64_t tNs, bool forward) const;
    // The time of the first event of this type; empty if there is none.
    [[nodiscard]] std::optional<std::int64_t> first(rt::EventType type) const;

private:
    struct Snapshot {
        std::size_t next;
        std::vector<std::uint8_t> states;
        std::array<std::size_t, 5> counts;
        std::size_t created;
    };
    void push(const Step &step);
    // Applies step `index` to the frame (the rule of taskstep.h).
    void apply(Frame &frame, std::size_t index) const;
    // The per-row index of the events (built on first use after events were added).
    void indexRows() const;

    std::vector<Step> m_steps;
    std::vector<std::uint64_t> m_awaitArgs;   // per Suspended event: its arg, or its text's index
    std::vector<rt::AwaitKind> m_awaitKinds;  // per Suspended event
    std::vector<std::uint32_t> m_suspendSteps; // per Suspended event: its step index
    // Per row, its steps' indices in order: m_rowSteps[m_rowStart[row] .. m_rowStart[row + 1]).
    mutable std::vector<std::uint32_t> m_rowStart;
    mutable std::vector<std::uint32_t> m_rowSteps;
    mutable std::size_t m_indexed = 0;        // steps the index covers
    std::vector<QString> m_awaitTexts;        // a log's await texts (m_awaitArgs index them)
    bool m_textAwaits = false;
    std::vector<Snapshot> m_snapshots;        // by `next`, ascending; the first is the empty table
    Frame m_tip;                              // the table after every event added
};

} // namespace coroscope::log

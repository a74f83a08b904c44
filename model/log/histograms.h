#pragma once

// TaskHistograms: how long things take in one run (docs/spec/histograms.md), per op
// and per state, in logarithmic buckets: each task's duration (first step to end), its
// wait (created to first step: how long it waited for its loop), and the time each of
// its steps held its loop (tokio-console's poll histogram).
//
// It follows one RunRecord while it applies events, like the WarningScanner: the
// record's observer forwards stateChanged() and stepEvent(), and the histograms read
// the times the record has just written in the task's row. Every value counted is
// final when it is counted (a duration once the task ended, a wait once it started, a
// hold once its step ended), so the counts only grow and never need a rescan: a tick
// costs O(events applied), and reading a histogram O(ops x states x buckets). A task's
// counts move from state to state with it (its wait and its ended steps, when it ends).
// A log read back gives its steps with addSteps() from its history (its replay
// journals no suspensions).
//
// Why incremental on the GUI thread rather than a scan off it: the record is owned by
// one thread and changes under every tick; a scan of a million rows per refresh would
// need a copy of the table or a lock, where following the events costs a few
// operations per event the record already pays for.
//
// Threading: the thread that owns the record. Memory: 16 bytes a task (its step in
// progress, its steps' bucket mask, its ended steps while it runs: the first in the
// entry itself, so that a million sleeping tasks with one step each need nothing
// more), 8 bytes per further ended step of a task still running (given back when it
// ends), and 54 KB of counts.

#include "log/optag.h"
#include "log/runhistory.h"
#include "log/runrecord.h"
#include "runtime/journal.h"
#include "runtime/types.h"

#include <QString>

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

namespace coroscope::log {

enum class Measure : std::uint8_t {
    Duration, // first step to end (the table's Duration of an ended task)
    Wait,     // created to first step
    StepHold, // each step: Started or Resumed to Suspended or the end
};
inline constexpr int kMeasureCount = 3;

// Buckets: [0, 1 µs), then the 1-2-5 series [1 µs, 2 µs), [2 µs, 5 µs), ... [200 s, 500 s),
// and [500 s, ∞): 28 in all, so that a task's buckets fit a 32-bit mask.
inline constexpr int kBucketCount = 28;
inline constexpr int kOpSlots = 16; // OpTag values 0..15; an op no entry has counts as 0 (task)
inline constexpr int kStateSlots = 5;

// The bucket of a time in ns (negative counts as 0).
[[nodiscard]] int bucketOf(std::int64_t ns) noexcept;
// The bucket's lower edge in ns (0 for the first); bucketLowNs(kBucketCount) is INT64_MAX.
[[nodiscard]] std::int64_t bucketLowNs(int bucket) noexcept;
// The edge as people read it: "1 µs", "20 ms", "5 s", "∞".
[[nodiscard]] QString edgeText(int bucket);
// The bucket as a range: "1–2 ms", "< 1 µs", "≥ 500 s".
[[nodiscard]] QString bucketText(int bucket);
[[nodiscard]] QString measureKey(Measure m); // "duration", "wait", "step"
[[nodiscard]] int opSlot(std::uint8_t tag) noexcept;

using Buckets = std::array<std::uint64_t, kBucketCount>;

class TaskHistograms
{
public:
    explicit TaskHistograms(const RunRecord &record);

    // From RunRecord::Observer (forwarded by its observer).
    void stateChanged(std::uint32_t row, rt::TaskState from, rt::TaskState to);
    void stepEvent(std::uint32_t row, rt::EventType type, std::int64_t tNs);
    // A log's steps: every Started, Resumed, Suspended and end event of its history, in
    // time order (after the replay has built the record).
    void addSteps(const RunHistory &history);

    // The counts of `measure` for the ops in `opMask` (bit opSlot) and the states in
    // `stateMask` (bit rt::TaskState), added to `out`.
    void addTo(Measure measure, std::uint32_t opMask, unsigned stateMask, Buckets &out) const;
    [[nodiscard]] std::uint64_t count(Measure measure, int op, rt::TaskState state, int bucket) const
    {
        return m_counts[index(measure, op, int(state), bucket)];
    }
    // The buckets the task at `arrivalRow` has a value in (bit b = bucket b; 0 = none
    // yet): one bit for its duration or wait, a bit per bucket its ended steps fell in.
    [[nodiscard]] std::uint32_t bucketsOf(Measure measure, std::uint32_t arrivalRow) const;
    // Ops with a task that started or ended (bit opSlot), for the op selector.
    [[nodiscard]] std::uint32_t opsSeen() const noexcept { return m_opsSeen; }
    // Ended steps of running tasks kept in links (beyond each task's first): for tests.
    [[nodiscard]] std::size_t linkedSteps() const noexcept;

private:
    [[nodiscard]] static std::size_t index(Measure m, int op, int state, int bucket) noexcept
    {
        return ((std::size_t(m) * kOpSlots + std::size_t(op)) * kStateSlots + std::size_t(state)) * kBucketCount
             + std::size_t(bucket);
    }
    void endStep(std::uint32_t row, std::int64_t tNs);
    void link(std::uint32_t &head, std::uint32_t bucket);

    struct StepLink {
        std::uint32_t next;  // 1-based into m_links; 0 = end
        std::uint32_t bucket;
    };
    // What a task's steps left: its step in progress, its buckets, its ended steps' list.
    struct TaskSteps {
        std::int64_t openNs = RunRecord::kNone; // the start of its step in progress
        std::uint32_t mask = 0;                 // buckets of its ended steps
        std::uint32_t head = 0;                 // its ended steps while it runs: 0 = none,
                                                // kOneStep | bucket = one, else 1-based into m_links
    };
    static constexpr std::uint32_t kOneStep = 1u << 31;
    // In chunks of a fixed size, so that growing never copies a million tasks' entries
    // in one tick.
    static constexpr std::size_t kChunk = 4096;
    [[nodiscard]] TaskSteps &steps(std::uint32_t row);
    [[nodiscard]] const TaskSteps *stepsIfAny(std::uint32_t row) const;

    const RunRecord &m_record;
    std::vector<std::uint64_t> m_counts;       // index()
    std::vector<std::unique_ptr<std::array<TaskSteps, kChunk>>> m_steps; // by arrival row
    std::vector<StepLink> m_links;
    std::uint32_t m_freeLinks = 0;             // 1-based free list
    std::uint32_t m_opsSeen = 0;
};

} // namespace coroscope::log

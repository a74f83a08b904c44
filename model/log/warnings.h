#pragma once

// Warnings: what a run did that usually points at a bug, each naming its task. The
// rules, their thresholds and the text of each warning are docs/spec/warnings.md; this
// is their one implementation, for a live run (the dashboard) and a log read back
// (`coroscope lint`) alike.
//
// WarningScanner follows one RunRecord while it applies events: the record's
// observer (or whoever observes it) forwards every call, and the scanner reads the
// rows the record has just changed. Rules that wait for time to pass (a task still
// pending, a cancel not yet honoured) queue the task and decide when advance(now)
// passes its deadline; a log read back is decided at once by finish(end of run).
// A loop not responding now is live only and is the dashboard's (TaskMonitor's hang),
// not the scanner's.
//
// Threading: the thread that owns the record. Cost: O(1) per observed event, and
// advance() O(1) amortised per task (each task enters each queue at most once); 4
// bytes a task in the pending queue until its deadline passes, 24 bytes a warning.

#include "log/runrecord.h"
#include "runtime/loop.h"

#include <QString>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <unordered_map>
#include <vector>

namespace coroscope::log {

// The one place of every threshold (docs/spec/warnings.md, "Thresholds").
struct WarningThresholds {
    std::int64_t stallNs = rt::Loop::kDefaultStallThresholdNs; // a step that held its loop at least this long
    std::int64_t pendingNs = 1'000'000'000;     // created, not started for at least this long
    std::int64_t cancelNs = 100'000'000;        // a cancel request not honoured within this
    std::uint32_t fanOut = 10'000;              // more children than this
};

// The thresholds as the dashboard and `coroscope lint` show them, e.g.
// "stall ≥ 50 ms · pending ≥ 1 s · cancel honoured within 100 ms · fan-out > 10,000".
[[nodiscard]] QString describeThresholds(const WarningThresholds &t);

enum class WarningKind : std::uint8_t {
    Stall,              // a step held its loop
    PendingLong,        // a task stayed pending
    CancelNotHonoured,  // a task did not end within cancelNs of its first cancel request
    CancelSwallowed,    // a task ended done or failed after a cancel request
    ErrorNotRetrieved,  // a failed task whose error no awaiting task took
    FanOut,             // a task with more than fanOut children
    CallbackFailed,     // a done-callback of the task raised
};

// The kind's key in `coroscope lint` lines and the dashboard: `stall`, `pending`, ...
[[nodiscard]] QString warningKey(WarningKind kind);

struct Warning {
    static constexpr std::uint32_t kNoTask = UINT32_MAX;

    std::int64_t atNs = 0;   // rt::monotonicNs() of what it is about (see the spec, per kind)
    std::int64_t amount = 0; // ns, the number of children (FanOut), or the callback's index (CallbackFailed)
    std::uint32_t row = kNoTask; // the named task's arrival row in the record
    WarningKind kind = WarningKind::Stall;
    std::uint8_t loop = 0;   // Stall: the loop's index in the record
    bool ongoing = false;    // still so when found (a task still pending, a cancel still waiting)
};

class WarningScanner final : public RunRecord::Observer
{
public:
    explicit WarningScanner(const RunRecord &record, WarningThresholds thresholds = {});

    // RunRecord::Observer.
    void created(std::uint32_t row) override;
    void touched(std::uint32_t) override {}
    void stateChanged(std::uint32_t row, rt::TaskState from, rt::TaskState to) override;
    void renumbered() override {}
    void cancelRequested(std::uint32_t row, std::int64_t tNs) override;
    void callbackFailed(std::uint32_t row, std::uint32_t index, std::int64_t firedNs) override;
    void stalled(std::size_t loop, std::int64_t endNs, std::int64_t durationNs, std::uint64_t runtimeId) override;

    // Decides the queued tasks whose deadline is at or before nowNs (rt::monotonicNs()),
    // at most `atMost` of each queue: a cancel of 600,000 tasks passes its deadline in
    // one tick, and deciding them all then held the GUI thread for ~15 ms. The rest wait
    // for the next call (decided late, with the amounts as of that call, never wrongly).
    void advance(std::int64_t nowNs, std::size_t atMost = SIZE_MAX);
    // A run that is over (a log read back, a finished run): decides at its end.
    void finish(std::int64_t endNs) { advance(endNs); }
    // Whether tasks still wait in a queue for their deadline to be decided.
    [[nodiscard]] bool undecided() const noexcept { return !m_pending.empty() || !m_cancels.empty(); }

    [[nodiscard]] const WarningThresholds &thresholds() const noexcept { return m_thresholds; }
    // In the order they were found.
    [[nodiscard]] const std::vector<Warning> &warnings() const noexcept { return m_warnings; }

    // The warning's text after its task: e.g. `held loop main for 300.1 ms at 12.0 ms`.
    [[nodiscard]] QString detail(const Warning &w) const;
    // The run-local id of the warning's task; 0 when it names none.
    [[nodiscard]] std::uint64_t taskId(const Warning &w) const;
    // The line `coroscope lint` prints: `KEY task ID "NAME": DETAIL`.
    [[nodiscard]] QString line(const Warning &w) const;

private:
    void add(WarningKind kind, std::uint32_t row, std::int64_t atNs, std::int64_t amount, bool ongoing = false,
             std::uint8_t loop = 0);
    [[nodiscard]] const RunRecord::TaskRow *parentOf(const RunRecord::TaskRow &row) const;

    const RunRecord &m_record;
    WarningThresholds m_thresholds;
    std::vector<Warning> m_warnings;
    std::deque<std::uint32_t> m_pending; // rows in arrival order, until created + pendingNs
    struct CancelRequest {
        std::uint32_t row;
        std::int64_t tNs;
    };
    std::deque<CancelRequest> m_cancels; // until tNs + cancelNs
    std::unordered_map<std::uint64_t, std::uint32_t> m_children; // by the parent's runtime id
};

} // namespace coroscope::log

#pragma once

// RunDiff: what changed between two runs (docs/spec/diff.md). The one comparison
// behind `coroscope diff` and the dashboard's Compare view: both compare two runs'
// task tables (RunRecord); a json log is first replayed into one (logreplay.h), the one
// way a past run becomes a task table.
//
// Tasks are matched by their name path: the names from the top-level task down to the
// task, e.g. `main / fetch[2]`. A path that several tasks share (siblings with one
// name) is told apart by its rank among them in id order, so the n-th such task of one
// run meets the n-th of the other. For each matched pair it reports the fields that
// differ (state, result, error, cancel reason) and a finish time that moved by more
// than the tolerance; then the tasks found in one run only.
//
// Threading: stateless; any thread (a RunRecord is read on the thread that owns it).
// Cost: O(n log n) in the two runs' task counts, plus a name string per task.

#include "log/logreader.h"
#include "log/runrecord.h"

#include <QString>
#include <QStringList>

#include <cstdint>
#include <vector>

namespace coroscope::log {

// How far a finish time may move before it counts as a difference, unless told
// otherwise (`--tolerance-ms`, the Compare view's field).
inline constexpr double kDefaultDiffToleranceMs = 60;

struct TaskDiff {
    QString path;            // the name path, with `#k` appended when it is not unique
    std::uint64_t idA = 0;   // the task's run-local id in each run
    std::uint64_t idB = 0;
    QStringList fields;      // e.g. `state: done -> cancelled`; empty when only the time moved
    double finishedShiftMs = 0; // B's finish minus A's, when both finished
    bool moved = false;      // |finishedShiftMs| is over the tolerance
};

struct RunDiffResult {
    std::size_t compared = 0;     // tasks matched in both runs
    std::vector<TaskDiff> changed; // in A's id order
    QStringList onlyInA;          // name paths, in id order
    QStringList onlyInB;
    std::vector<std::uint64_t> onlyInAIds; // their run-local ids, in the same order
    std::vector<std::uint64_t> onlyInBIds;
    [[nodiscard]] bool agree() const noexcept { return changed.empty() && onlyInA.empty() && onlyInB.empty(); }
};

[[nodiscard]] RunDiffResult diffRuns(const RunRecord &a, const RunRecord &b, double toleranceMs);
// The logs replayed into task tables, then compared as above.
[[nodiscard]] RunDiffResult diffRuns(const RunLog &a, const RunLog &b, double toleranceMs);

// What differs about one matched task, e.g. `state: done -> failed; finished +61.0 ms`.
[[nodiscard]] QString describeTaskDiff(const TaskDiff &diff);
// One line: `the runs agree: …` or `the runs differ: …` with the counts.
[[nodiscard]] QString summarizeRunDiff(const RunDiffResult &diff, double toleranceMs);

// The lines `coroscope diff` prints: one per difference, then the summary line. Names,
// results and errors come from the runs as they are: escape before printing.
[[nodiscard]] QStringList formatRunDiff(const RunDiffResult &diff, double toleranceMs);

} // namespace coroscope::log

#pragma once

// RunDiff: what changed between two runs, each read from its json log.
//
// Tasks are matched by their name path: the names from the top-level task down to the
// task, e.g. `main / fetch[2]`. A path that several tasks share (siblings with one
// name) is told apart by its rank among them in id order, so the n-th such task of one
// run meets the n-th of the other. For each matched pair it reports the fields that
// differ (state, result, error, cancel reason) and a finish time that moved by more
// than the tolerance; then the tasks found in one run only.
//
// Threading: stateless; any thread. Cost: O(n log n) in the two runs' task counts.

#include "log/logreader.h"

#include <QString>
#include <QStringList>

#include <vector>

namespace coroscope::log {

struct TaskDiff {
    QString path;            // the name path, with `#k` appended when it is not unique
    QStringList fields;      // e.g. `state: done -> cancelled`; empty when only the time moved
    double finishedShiftMs = 0; // B's finish minus A's, when both finished
    bool moved = false;      // |finishedShiftMs| is over the tolerance
};

struct RunDiffResult {
    std::size_t compared = 0;     // tasks matched in both runs
    std::vector<TaskDiff> changed; // in A's id order
    QStringList onlyInA;          // name paths, in id order
    QStringList onlyInB;
    [[nodiscard]] bool agree() const noexcept { return changed.empty() && onlyInA.empty() && onlyInB.empty(); }
};

[[nodiscard]] RunDiffResult diffRuns(const RunLog &a, const RunLog &b, double toleranceMs);

// The lines `coroscope diff` prints: one per difference, then a summary line. Names,
// results and errors come from the files as they are: escape before printing.
[[nodiscard]] QStringList formatRunDiff(const RunDiffResult &diff, double toleranceMs);

} // namespace coroscope::log

#pragma once

// A log read back, as the journal batches that rebuild its run in a RunRecord: the one
// way a past run becomes a task table (the dashboard's replay, `coroscope lint`).
// Tasks take their run-local ids as runtime ids; each task's events are replayed in
// its own order (created, cancel request, start, callbacks, end), not in the run's
// time order, so a table built from them is right once every batch is applied.
// Of the suspensions, those still open at the log's end are replayed, so that an
// unfinished task's await chain is the live run's (docs/spec/stuck.md).
//
// Threading: stateless; any thread. Cost: O(tasks + events + stalls).

#include "log/logreader.h"
#include "log/runrecord.h"
#include "runtime/journal.h"

#include <QString>

#include <cstdint>
#include <vector>

namespace coroscope::log {

struct ReplayBatch {
    QString loop;
    rt::JournalBatch batch;
};

// The batches to apply, in order: the Created events in id order first (so that the
// tasks arrive in id order), then one batch per loop with every other event.
[[nodiscard]] std::vector<ReplayBatch> replayBatches(const RunLog &log);

// Nanoseconds of a log's milliseconds (times in a log are ms since the run's start).
[[nodiscard]] std::int64_t logMsToNs(double ms);

// The log's queues, as it says they were at its end, restored in `record` before the
// batches are applied (RunRecord::restoreQueue).
void restoreQueues(const RunLog &log, RunRecord &record);

// Rebuilds the log's run in `record` (empty, started at 0): its loops' longest steps,
// its queues, every batch (told to `observer`), and its end.
void replayLog(const RunLog &log, RunRecord &record, RunRecord::Observer *observer = nullptr);

} // namespace coroscope::log

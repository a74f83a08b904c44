#pragma once

// awaitChain: "why is it stuck?" for one task of a run's task table. From the task it
// follows what each task awaits down to a leaf (a sleep, a queue, pool work, a task
// not yet started), names who is expected to end each wait, and flags what can never
// end. The text format and every rule are docs/spec/stuck.md's.
//
// It reads only the RunRecord (QtCore), so it serves a live run and a finished one
// alike, and a run read back from a log (log::replayLog rebuilds the awaits open at
// the log's end and its queues' counts: docs/spec/stuck.md, "Read back").
//
// Threading: the RunRecord's thread. Cost: O(hops) for most chains (a queue hop reads
// the counts the RunRecord keeps per queue); a hop on several tasks (gather, wait,
// as_completed) scans the tasks created after it until it has seen its children or
// kChainTried unfinished ones, and the preference for a child that never ends looks
// into at most kChainTried children per hop and kChainVisits tasks in all. A
// threadsafe hop scans the tasks created after its task for the remote one.

#include "log/runrecord.h"

#include <QString>

#include <cstdint>
#include <vector>

namespace coroscope::log {

struct AwaitHop {
    std::uint64_t task = 0; // run-local id when the hop is a task; 0 for what a task awaits
    QString text;           // "fetch-2", "gather(3)", "queue.get(jobs): empty, 2 producers alive"
    QString neverEnds;      // why this wait can never end; "" when it may
};

struct AwaitChain {
    std::vector<AwaitHop> hops; // the task asked about first, the leaf last
    // The task asked about can never end by what it awaits: the leaf never ends and
    // every hop above it waits for all of what it awaits (docs/spec/stuck.md).
    bool neverEnds = false;

    // The one-line form: hops joined by " → ", a hop that never ends followed by
    // " — never ends: <why>".
    [[nodiscard]] QString text() const;
};

// The chain of task `id` (run-local); empty if there is no such task.
[[nodiscard]] AwaitChain awaitChain(const RunRecord &record, std::uint64_t id);

inline constexpr std::size_t kChainTried = 16;
inline constexpr std::size_t kChainVisits = 4096;

} // namespace coroscope::log

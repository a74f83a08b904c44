#pragma once

// JournalBacklog: a run's journal batches taken from its loops and not applied yet,
// applied a slice at a time so that the thread that applies them (the GUI's, or the
// command line's main thread) can stop after a time budget. Batches are moved out of
// the journals, never copied, and spent ones go back to the journals for their
// capacity (up to a budget), so a million tasks' events are neither copied nor
// faulted in twice. A large spent batch that is not kept is freed on a thread of the
// backlog's own: a burst's batch holds up to a million events and a third as many
// string references, and freeing it there would take 1-6 ms of the applying thread.
//
// Threading: one thread, the one that owns what the events are applied to (the
// releasing thread only frees batches handed to it). Cost: take() is O(batches);
// applyNext() copies a slice only when a batch is split.

#include "runtime/journal.h"
#include "runtime/threads.h"

#include <QString>

#include <deque>
#include <functional>
#include <memory>

namespace coroscope::session {

class JournalBacklog
{
public:
    using Apply = std::function<void(const QString &loop, const rt::JournalBatch &events)>;
    // Hands each batch a loop has published to `take` (see rt::Journal::drainEach).
    using Drain = std::function<void(const std::function<void(const QString &loop, rt::JournalBatch &batch)> &take)>;

    JournalBacklog();

    // Takes every batch `drain` hands over.
    void take(const Drain &drain);
    [[nodiscard]] bool empty() const noexcept { return m_pending.empty(); }
    // Hands the oldest batch's next at most `maxEvents` events to `apply`.
    void applyNext(std::size_t maxEvents, const Apply &apply);
    // Blocks until every batch handed to the releasing thread is freed.
    void waitForReleases();

private:
    struct Pending {
        QString loop;
        rt::JournalBatch batch;
        std::size_t offset = 0;
    };
    std::deque<Pending> m_pending;
    void release(rt::JournalBatch &&batch);

    rt::SpareBatches m_spent; // applied, emptied, capacity kept
    rt::JournalBatch m_slice;
    std::unique_ptr<rt::CpuPool> m_releaser; // one thread, made for the first large batch
};

} // namespace coroscope::session

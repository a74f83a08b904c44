#include "journalbacklog.h"

#include <algorithm>

namespace coroscope::session {

namespace {
// Spent batches kept for reuse, their capacity together (10 MiB): a loop publishes
// some twenty batches of a few thousand events between two takes, and each one taken
// is exchanged for a spent one, which its journal reuses (a burst's are freed).
constexpr std::size_t kSpentEvents = 256 * 1024;
constexpr std::size_t kReleaseElsewhere = 16 * 1024;   // events: a larger batch is freed off this thread
} // namespace

JournalBacklog::JournalBacklog()
    : m_spent(kSpentEvents)
{
}

void JournalBacklog::take(const Drain &drain)
{
    drain([&](const QString &loopName, rt::JournalBatch &batch) {
        m_pending.push_back({loopName, {}, 0});
        std::swap(m_pending.back().batch, batch);
        m_spent.takeInto(batch);
    });
}

void JournalBacklog::applyNext(std::size_t maxEvents, const Apply &apply)
{
    Pending &p = m_pending.front();
    const std::size_t n = std::min(maxEvents, p.batch.events.size() - p.offset);
    if (p.offset == 0 && n == p.batch.events.size()) {
        apply(p.loop, p.batch);
    } else {
        m_slice.assignSlice(p.batch, p.offset, n);
        apply(p.loop, m_slice);
    }
    p.offset += n;
    if (p.offset < p.batch.events.size())
        return;
    if (!m_spent.keep(p.batch) && p.batch.events.capacity() > kReleaseElsewhere)
        release(std::move(p.batch));
    m_pending.pop_front();
}

void JournalBacklog::release(rt::JournalBatch &&batch)
{
    if (!m_releaser)
        m_releaser = std::make_unique<rt::CpuPool>(1);
    // std::function needs a copyable job: the batch travels in a shared_ptr, whose last
    // owner is the job, destroyed on the releasing thread.
    m_releaser->submit([spent = std::make_shared<rt::JournalBatch>(std::move(batch))]() mutable { spent.reset(); });
}

void JournalBacklog::waitForReleases()
{
    if (m_releaser)
        m_releaser->waitForIdle();
}

} // namespace coroscope::session

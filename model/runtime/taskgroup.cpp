#include "taskgroup.h"

#include "loop.h"
#include "task.h"

#include <algorithm>

namespace coroscope::rt {

TaskGroup::TaskGroup(Loop &home, std::function<void()> onEmpty)
    : m_home(home)
    , m_onEmpty(std::move(onEmpty))
{
}

std::optional<CancelReason> TaskGroup::cancelledWith() const
{
    std::lock_guard lock(m_mutex);
    return m_cancelReason;
}

void TaskGroup::joined(TaskCore &task)
{
    m_live.fetch_add(1, std::memory_order_acq_rel);
    m_created.fetch_add(1, std::memory_order_relaxed);
    std::optional<CancelReason> reason;
    {
        std::lock_guard lock(m_mutex);
        if (std::find(m_loops.begin(), m_loops.end(), task.loop()) == m_loops.end())
            m_loops.push_back(task.loop());
        reason = m_cancelReason;
    }
    if (reason)
        task.cancel(*reason);
}

void TaskGroup::left()
{
    if (m_live.fetch_sub(1, std::memory_order_acq_rel) == 1 && m_onEmpty) {
        // Tell the home loop in a later step, so that the finishing task's own
        // callbacks, already queued, run first.
        m_home.callSoonThreadsafe([this] {
            if (liveCount() == 0)
                m_onEmpty();
        });
    }
}

void TaskGroup::cancelAll(CancelReason reason)
{
    std::vector<Loop *> loops;
    {
        std::lock_guard lock(m_mutex);
        if (!m_cancelReason)
            m_cancelReason = reason;
        loops = m_loops;
    }
    // Other loops first: their requests are then queued before any that cancelling
    // here sends them (a threadsafe node cancelling its remote child, reason parent),
    // so every member gets this reason, as the first one.
    Loop *const here = Loop::current();
    for (Loop *loop : loops) {
        if (loop != here)
            loop->callSoonThreadsafe([loop, this, reason] { loop->cancelGroup(this, reason); });
    }
    if (here && std::find(loops.begin(), loops.end(), here) != loops.end())
        here->cancelGroup(this, reason);
}

} // namespace coroscope::rt

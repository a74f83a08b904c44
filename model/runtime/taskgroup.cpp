#include "taskgroup.h"

#include "loop.h"
#include "task.h"

#include <algorithm>

namespace coroscope::rt {

TaskGroup::TaskGroup(Loop &home, std::function<void()> onEmpty)
    : m_home(home)
    , m_onEmpty(std::move(onEmpty))
    , m_self(std::make_shared<std::atomic<TaskGroup *>>(this))
{
}

TaskGroup::~TaskGroup()
{
    m_self->store(nullptr, std::memory_order_release);
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
    // Not the last one: one decrement, nothing else touched (a million ends in a row).
    std::int64_t live = m_live.load(std::memory_order_relaxed);
    while (live > 1) {
        if (m_live.compare_exchange_weak(live, live - 1, std::memory_order_acq_rel))
            return;
    }
    // Read before the count can reach zero: from then on the group's owner may
    // delete it (a run closed as soon as its last task ended).
    std::shared_ptr<std::atomic<TaskGroup *>> self = m_self;
    Loop &home = m_home;
    const bool notify = bool(m_onEmpty);
    if (m_live.fetch_sub(1, std::memory_order_acq_rel) == 1 && notify) {
        // Tell the home loop in a later step, so that the finishing task's own
        // callbacks, already queued, run first.
        home.callSoonThreadsafe([self] {
            TaskGroup *group = self->load(std::memory_order_acquire);
            if (group && group->liveCount() == 0)
                group->m_onEmpty();
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

#pragma once

// asyncio.sleep. A positive sleep parks the task on its loop's timer wheel; sleep(0)
// gives up the loop for one iteration. Cancelling a sleeping task unlinks its timer
// and raises Cancelled at once.

#include "clock.h"
#include "task.h"

#include <chrono>

namespace coroscope::rt {

// Lives in the sleeping coroutine's frame, so every byte of it is a byte of each of a
// million sleeping tasks: the duration waits in the timer node's due time until the
// awaiter suspends (docs/spec/runtime-package.md, "A sleeping task's bytes").
class SleepAwaiter final : public Suspension, private TimerNode
{
public:
    explicit SleepAwaiter(std::chrono::milliseconds duration) noexcept { dueMs = clampDuration(duration).count(); }
    SleepAwaiter(const SleepAwaiter &) = delete;
    ~SleepAwaiter()
    {
        if (TimerNode::linked())
            m_self->loop()->removeTimer(this);
    }

    [[nodiscard]] bool await_ready() const noexcept { return false; }
    template<typename P>
    bool await_suspend(std::coroutine_handle<P> h)
    {
        m_self = &detail::taskOf(h);
        const std::int64_t ms = dueMs;
        const bool yieldOnly = ms <= 0;
        if (!m_self->beginSuspend(this, yieldOnly ? AwaitKind::Yield : AwaitKind::Sleep, std::uint64_t(std::max<std::int64_t>(ms, 0))))
            return false;
        if (yieldOnly) {
            m_self->wake();
        } else {
            fire = &SleepAwaiter::expire;
            // Rounded up: a sleep never ends before the time asked for. The timer's
            // callback wakes the task, which resumes in the next iteration (asyncio:
            // the timer handle sets the sleep's future).
            m_self->loop()->addTimerAfter(this, ms);
        }
        return true;
    }
    void await_resume() { m_self->throwIfCancelled(); }

    bool cancelWait(TaskCore &) override
    {
        m_self->loop()->removeTimer(this);
        return false;
    }

private:
    static void expire(TimerNode *node) { static_cast<SleepAwaiter &>(*node).m_self->wake(); }

    TaskCore *m_self = nullptr;
};
static_assert(sizeof(SleepAwaiter) <= 48, "a sleep's awaiter is part of every sleeping task");

[[nodiscard]] inline SleepAwaiter sleep(std::chrono::milliseconds duration) noexcept
{
    return SleepAwaiter(duration);
}

} // namespace coroscope::rt

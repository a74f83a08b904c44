#pragma once

// TaskGroup: the tasks of one run, across loops. It counts its unfinished tasks,
// tells its home loop when the last one has ended, and cancels them all at once
// (a run's `deadline`, Ctrl-C, or "stop this run" in the dashboard). A task joins
// a group through SpawnOptions::group and stays in it until it ends.
//
// Threading: members may live on any loop. cancelAll() and liveCount() may be
// called from any thread; cancelAll() cancels the members of the caller's own loop
// at once and those of other loops a moment later, on their threads. onEmpty runs
// on the home loop. The group must outlive
// its tasks and every loop that has some must outlive the group's last use; it may
// be destroyed (on its home loop's thread, or once that loop has stopped) as soon
// as liveCount() is 0: an onEmpty still queued then does nothing.
//
// After cancelAll(), a task that joins the group is cancelled before it starts,
// with the same reason (asyncio: a task made after Ctrl-C never runs).

#include "types.h"

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace coroscope::rt {

class Loop;
class TaskCore;

class TaskGroup
{
public:
    explicit TaskGroup(Loop &home, std::function<void()> onEmpty = {});
    TaskGroup(const TaskGroup &) = delete;
    TaskGroup &operator=(const TaskGroup &) = delete;
    ~TaskGroup();

    [[nodiscard]] std::int64_t liveCount() const noexcept { return m_live.load(std::memory_order_acquire); }
    [[nodiscard]] std::int64_t createdCount() const noexcept { return m_created.load(std::memory_order_relaxed); }
    void cancelAll(CancelReason reason);
    [[nodiscard]] std::optional<CancelReason> cancelledWith() const;

    // Called by the runtime, on the member's loop.
    void joined(TaskCore &task);
    void left();

private:
    Loop &m_home;
    std::function<void()> m_onEmpty;
    std::atomic<std::int64_t> m_live{0};
    std::atomic<std::int64_t> m_created{0};
    mutable std::mutex m_mutex;
    std::vector<Loop *> m_loops;               // guarded by m_mutex
    std::optional<CancelReason> m_cancelReason; // guarded by m_mutex
    // This group while it exists, nullptr after: what a queued onEmpty looks at.
    std::shared_ptr<std::atomic<TaskGroup *>> m_self;
};

} // namespace coroscope::rt

#pragma once

// asyncio's combinators over tasks of one result type T:
//
//   co_await gather(tasks)                -> std::vector<T>, in the tasks' order
//   co_await gather(tasks, ReturnExceptions) -> the finished tasks, to inspect each
//   co_await wait(tasks, ReturnWhen::..., timeout) -> WaitResult (done, pending)
//   AsCompleted ac(tasks, timeout); while (ac.hasNext()) r = co_await ac.next();
//   co_await waitFor(task, timeout)       -> T, or TimeoutError
//   co_await shield(task)                 -> T; cancelling the awaiter leaves task alone
//   co_await gather(tasks, Shield)        -> asyncio.shield(asyncio.gather(...))
//   co_await gather(copies, Shield, IntoJsonArray, ByCopyIndex) -> the same, a repeat's
//                                            copies in the order of their copy index
//
// Each takes asyncio's number of loop iterations from a child's end to the awaiter's
// resumption (docs/spec/taskset-format.md, Fine points, "Iterations"): a child's
// done-callback runs in the iteration after it ends, and every future it sets wakes
// its own waiters one iteration later.
//
// Tasks not yet spawned are spawned as children of the awaiting task, in order.
// Every awaiter lives in the awaiting coroutine's frame, registers itself on the
// children while suspended, and unregisters when it resumes or is destroyed.
// Loop thread only, like the tasks.

#include "clock.h"
#include "task.h"

#include <QJsonArray>
#include <QJsonValue>

#include <cassert>
#include <chrono>
#include <limits>
#include <deque>
#include <optional>
#include <stdexcept>
#include <vector>

namespace coroscope::rt {

namespace detail {

// Listens for the end of one child on behalf of an owner awaiter: 24 bytes, as a
// gather of a million holds a million of them. Its flag and index sit in the tail
// padding of DoneWaiter (an ABI that reuses a polymorphic base's tail padding), and
// the child is the owner's childAt(index), not a pointer of its own
// (docs/spec/runtime-package.md, "A sleeping task's bytes").
template<typename Owner>
struct ChildSlot final : DoneWaiter {
    bool registered = false;
    std::uint32_t index = 0;
    Owner *owner = nullptr;

    void listen(Owner *o, std::size_t i, TaskCore *c)
    {
        wakesOnly = Owner::kChildDoneAtEnd;
        owner = o;
        assert(i <= std::numeric_limits<std::uint32_t>::max());
        index = std::uint32_t(i);
        c->addWaiter(this);
        registered = true;
    }
    void stop() noexcept
    {
        if (registered)
            owner->childAt(index).removeWaiter(this);
        registered = false;
    }
    void onTaskDone(TaskCore &task) override
    {
        registered = false;
        owner->childDone(index, task);
    }
};
static_assert(sizeof(ChildSlot<struct AnyOwner>) == 24, "a gather's slot a child is meant to stay at 24 bytes");

// A timer owned by an awaiter; calls owner->timedOut() when it expires.
template<typename Owner>
struct OwnedTimer final : TimerNode {
    Owner *owner = nullptr;
    Loop *loop = nullptr;

    void start(Owner *o, Loop *l, std::int64_t ms)
    {
        owner = o;
        loop = l;
        fire = [](TimerNode *n) { static_cast<OwnedTimer *>(n)->owner->timedOut(); };
        loop->addTimerAfter(this, clampDuration(std::chrono::milliseconds(ms)).count());
    }
    void stop() noexcept
    {
        if (loop && linked())
            loop->removeTimer(this);
    }
};

inline void attachAll(const auto &tasks)
{
    for (const auto &t : tasks)
        ensureAttached(*t.core());
}

[[nodiscard]] inline bool succeeded(const TaskCore &t) noexcept { return t.state() == TaskState::Done; }

} // namespace detail

// Builds a vector of tasks. Inside a coroutine, GCC 12 rejects a braced
// std::vector<Task<T>>{...} ("array used as initializer"); this call avoids it.
template<typename T, typename... More>
[[nodiscard]] std::vector<Task<T>> taskList(Task<T> first, More... more)
{
    std::vector<Task<T>> v;
    v.reserve(1 + sizeof...(more));
    v.push_back(std::move(first));
    (v.push_back(std::move(more)), ...);
    return v;
}

struct ReturnExceptionsTag {};
inline constexpr ReturnExceptionsTag ReturnExceptions{};

// Where a gather keeps its children's results, each set as the child ends: a
// std::vector<T>, or for QJsonValue results a QJsonArray (IntoJsonArray): the step
// that resumes the gather then has the array at hand instead of appending a million
// values to one (docs/spec/taskset-format.md, "Big results").
template<typename Results>
struct GatherResults;
template<typename T>
struct GatherResults<std::vector<T>> {
    static void prepare(std::vector<T> &r, std::size_t n) { r.resize(n); }
    static void set(std::vector<T> &r, std::size_t i, const T &v) { r[i] = v; }
};
template<>
struct GatherResults<QJsonArray> {
    // Entries made already (add()) cost nothing here.
    static void prepare(QJsonArray &r, std::size_t n)
    {
        for (auto i = std::size_t(r.size()); i < n; ++i)
            r.append(QJsonValue());
    }
    static void set(QJsonArray &r, std::size_t i, const QJsonValue &v) { r.replace(qsizetype(i), v); }
};
struct IntoJsonArrayTag {};
inline constexpr IntoJsonArrayTag IntoJsonArray{};

// How a gather tells which child has ended: a slot a child (ChildSlot, 24 bytes), or,
// for children that are copies numbered by their position (SpawnOptions::copyIndex,
// a repeat's), the child's own copy index, so that one listener hears them all.
enum class ChildIndex { Slot, CopyIndex };

// asyncio.gather. Without return_exceptions the first child that fails or is
// cancelled ends the gather with that child's error (the others keep running).
// Cancelling the awaiting task cancels every unfinished child (reason parent) and
// raises Cancelled once they have answered.
template<typename T, bool ReturnEx, typename Results = std::vector<T>, ChildIndex Indexing = ChildIndex::Slot>
class GatherAwaiter final : public Suspension
{
    static_assert(!std::is_void_v<T>, "gather collects results; use Task<std::monostate> for no result");
    using Collect = GatherResults<Results>;
    // With return_exceptions the results are the tasks themselves, and copies say
    // their index: then no child needs a slot saying where its result goes, and one
    // listener hears them all (a gather of a million needs no 24 MB of slots).
    static constexpr bool kSlots = !ReturnEx && Indexing == ChildIndex::Slot;

public:
    // shielded: asyncio.shield(gather(...)), one more iteration before the awaiter
    // resumes (the shield's future), and cancelling the awaiter raises Cancelled in
    // it one iteration later and leaves the children alone.
    explicit GatherAwaiter(std::vector<Task<T>> tasks, bool shielded = false)
        : m_tasks(std::move(tasks)), m_slots(kSlots ? m_tasks.size() : 0), m_shielded(shielded)
    {
        m_listener.owner = this;
        if constexpr (Indexing == ChildIndex::CopyIndex) {
            for (std::size_t i = 0; i < m_tasks.size(); ++i)
                requireCopyIndex(*m_tasks[i].core(), i);
        }
    }
    GatherAwaiter(const GatherAwaiter &) = delete;
    ~GatherAwaiter() { detach(); }

    // Before it is awaited, the children may be added one at a time as they are made
    // (reserve(n) sizes the list of children only): a repeat of a million grows the
    // gather's bookkeeping a batch per step instead of making it all in the step that awaits.
    void reserve(std::size_t n) { m_tasks.reserve(n); }
    // With ChildIndex::CopyIndex, a task whose copy index is not its position in the
    // list is refused (std::invalid_argument).
    void add(Task<T> task)
    {
        if constexpr (Indexing == ChildIndex::CopyIndex)
            requireCopyIndex(*task.core(), m_tasks.size());
        m_tasks.push_back(std::move(task));
        if constexpr (kSlots)
            m_slots.emplace_back();
        if constexpr (!ReturnEx)
            Collect::prepare(m_results, m_tasks.size());
    }

    // No child is looked at here: await_suspend() does it all in one pass (a million
    // children miss the cache on each pass), and resumes at once, without suspending,
    // as asyncio's gather of finished children does, when they are all done or one
    // has failed.
    bool await_ready() const noexcept { return m_tasks.empty(); }
    template<typename P>
    bool await_suspend(std::coroutine_handle<P> h)
    {
        m_self = &detail::taskOf(h);
        if constexpr (!ReturnEx)
            Collect::prepare(m_results, m_tasks.size());
        // Attaching a child never ends another, and none ends during the pass.
        for (std::size_t i = 0; i < m_tasks.size(); ++i) {
            prefetchChild(i);
            TaskCore &child = *m_tasks[i].core();
            detail::ensureAttached(child);
            if (child.finished()) {
                keep(i, child);
                continue;
            }
            ++m_remaining;
            if constexpr (kSlots)
                m_slots[i].listen(this, i, &child);
            else
                child.addWaiter(&m_listener);
        }
        if (m_remaining == 0 || m_firstFailure >= 0 || !m_self->beginSuspend(this, AwaitKind::Gather, m_tasks.size())) {
            detach();
            m_remaining = 0;
            m_self = nullptr; // as if await_ready() had said so: await_resume() raises nothing of its own
            return false;
        }
        return true;
    }
    auto await_resume()
    {
        detach();
        if (m_self) {
            m_self->throwIfCancelled();
            if (m_outerCancelled)
                throw Cancelled(m_self->cancelReason());
        }
        if constexpr (ReturnEx) {
            return std::move(m_tasks);
        } else {
            if (m_firstFailure >= 0)
                rethrowIfUnsuccessful(*m_tasks[std::size_t(m_firstFailure)].core());
            return std::move(m_results);
        }
    }

    // The children, taken back once the gather has resumed (or before it is
    // awaited): a caller that passed them in by move lets go of them as it likes
    // (rt::releaseLater) instead of with the awaiter.
    [[nodiscard]] std::vector<Task<T>> takeTasks() noexcept
    {
        detach();
        return std::move(m_tasks);
    }

    bool cancelWait(TaskCore &) override
    {
        if (m_shielded) {
            detach();
            return false;
        }
        m_outerCancelled = true;
        for (const Task<T> &t : m_tasks)
            t->cancel(CancelReason::parent());
        return true;
    }

    [[nodiscard]] TaskCore &childAt(std::size_t i) const noexcept { return *m_tasks[i].core(); }
    // childDone() runs as a child ends: only the wake-up it schedules can be seen,
    // and wakeOnce() counts the done-callback's iteration in it.
    static constexpr bool kChildDoneAtEnd = true;
    void childDone(std::size_t index, TaskCore &child)
    {
        --m_remaining;
        if (m_woken)
            return;
        keep(index, child);
        if (m_firstFailure >= 0 || m_remaining == 0)
            wakeOnce();
    }

private:
    // The children of a big gather are scattered over memory: each pass asks for a
    // child some children ahead, so that the pass waits on memory far less.
    void prefetchChild(std::size_t i) const noexcept
    {
        constexpr std::size_t kAhead = 16;
        if (i + kAhead < m_tasks.size())
            __builtin_prefetch(m_tasks[i + kAhead].core(), 1);
    }
    // Takes a finished child's result as it ends, while its frame is at hand: the
    // step that resumes the gather then only moves the list (a million results
    // gathered in that one step held the loop for a fifth of a second).
    void keep(std::size_t index, TaskCore &child)
    {
        if constexpr (!ReturnEx) {
            if (detail::succeeded(child))
                Collect::set(m_results, index, *static_cast<Promise<T> &>(child).m_value);
            else if (m_firstFailure < 0)
                m_firstFailure = std::ptrdiff_t(index);
        }
    }
    void wakeOnce()
    {
        // From the child's end: gather's done-callback (the next iteration) sets the
        // gather's future, which wakes the task (or the shield's callback, whose
        // future wakes the task).
        m_woken = true;
        m_self->wakeIn(m_shielded ? 3 : 2);
    }
    void detach() noexcept
    {
        if constexpr (!kSlots) {
            // A child lets go of its waiters as it ends (the listener hears it at the
            // end itself, kChildDoneAtEnd): only the unfinished still hold one.
            if (m_self && m_remaining > 0) {
                for (const Task<T> &t : m_tasks) {
                    if (!t->finished())
                        t->removeWaiter(&m_listener);
                }
            }
        } else if (m_remaining > 0) { // a child lets go of its slot as it ends
            for (auto &s : m_slots)
                s.stop();
        }
    }
    static void requireCopyIndex(const TaskCore &task, std::size_t position)
    {
        if (task.copyIndex() != std::optional<std::uint32_t>(std::uint32_t(position)) ||
            position > std::numeric_limits<std::uint32_t>::max())
            throw std::invalid_argument("gather by copy index: a child's copy index is not its position");
    }

    struct Listener final : DoneWaiter {
        GatherAwaiter *owner = nullptr;
        Listener() { wakesOnly = kChildDoneAtEnd; }
        void onTaskDone(TaskCore &task) override
        {
            owner->childDone(Indexing == ChildIndex::CopyIndex ? std::size_t(*task.copyIndex()) : 0, task);
        }
    };

    std::vector<Task<T>> m_tasks;
    // With kSlots. A deque: grown a child at a time (add()) without moving the slots
    // children point to, or reserving 24 bytes a child up front.
    std::deque<detail::ChildSlot<GatherAwaiter>> m_slots;
    Listener m_listener; // without kSlots
    Results m_results; // without return_exceptions: each child's, as it ends
    TaskCore *m_self = nullptr;
    std::size_t m_remaining = 0;
    std::ptrdiff_t m_firstFailure = -1;
    bool m_outerCancelled = false;
    bool m_woken = false;
    bool m_shielded;
};

template<typename T>
[[nodiscard]] GatherAwaiter<T, false> gather(std::vector<Task<T>> tasks)
{
    return GatherAwaiter<T, false>(std::move(tasks));
}
template<typename T>
[[nodiscard]] GatherAwaiter<T, true> gather(std::vector<Task<T>> tasks, ReturnExceptionsTag)
{
    return GatherAwaiter<T, true>(std::move(tasks));
}

struct ShieldTag {};
inline constexpr ShieldTag Shield{};

template<typename T>
[[nodiscard]] GatherAwaiter<T, false> gather(std::vector<Task<T>> tasks, ShieldTag)
{
    return GatherAwaiter<T, false>(std::move(tasks), true);
}
template<typename T>
[[nodiscard]] GatherAwaiter<T, true> gather(std::vector<Task<T>> tasks, ReturnExceptionsTag, ShieldTag)
{
    return GatherAwaiter<T, true>(std::move(tasks), true);
}
// gather(tasks, Shield) whose results come as a QJsonArray.
[[nodiscard]] inline GatherAwaiter<QJsonValue, false, QJsonArray> gather(std::vector<Task<QJsonValue>> tasks,
                                                                         ShieldTag, IntoJsonArrayTag)
{
    return GatherAwaiter<QJsonValue, false, QJsonArray>(std::move(tasks), true);
}
// The same for copies, each at the position of its copy index (a repeat's): no slot a child.
struct ByCopyIndexTag {};
inline constexpr ByCopyIndexTag ByCopyIndex{};
[[nodiscard]] inline GatherAwaiter<QJsonValue, false, QJsonArray, ChildIndex::CopyIndex>
gather(std::vector<Task<QJsonValue>> tasks, ShieldTag, IntoJsonArrayTag, ByCopyIndexTag)
{
    return GatherAwaiter<QJsonValue, false, QJsonArray, ChildIndex::CopyIndex>(std::move(tasks), true);
}

enum class ReturnWhen { FirstCompleted, FirstException, AllCompleted };

template<typename T>
struct WaitResult {
    std::vector<Task<T>> done;    // in the order the tasks were given
    std::vector<Task<T>> pending; // still running; wait() does not cancel them
};

// asyncio.wait. Always gives up the loop at least once, like asyncio. Cancelling the
// awaiting task raises Cancelled at once and leaves the children running.
template<typename T>
class WaitAwaiter final : public Suspension
{
public:
    WaitAwaiter(std::vector<Task<T>> tasks, ReturnWhen when, std::optional<std::chrono::milliseconds> timeout)
        : m_tasks(std::move(tasks)), m_slots(m_tasks.size()), m_when(when), m_timeout(timeout)
    {
    }
    WaitAwaiter(const WaitAwaiter &) = delete;
    ~WaitAwaiter() { detach(); }

    bool await_ready()
    {
        detail::attachAll(m_tasks);
        return false;
    }
    template<typename P>
    bool await_suspend(std::coroutine_handle<P> h)
    {
        m_self = &detail::taskOf(h);
        if (!m_self->beginSuspend(this, AwaitKind::Wait, m_tasks.size()))
            return false;
        bool satisfied = false;
        std::size_t unfinished = 0;
        for (std::size_t i = 0; i < m_tasks.size(); ++i) {
            TaskCore *t = m_tasks[i].core();
            if (t->finished()) {
                satisfied = satisfied || completes(*t);
            } else {
                ++unfinished;
                m_slots[i].listen(this, i, t);
            }
        }
        m_remaining = unfinished;
        if (satisfied || unfinished == 0)
            wakeOnce();
        else if (m_timeout)
            m_timer.start(this, m_self->loop(), m_timeout->count());
        return true;
    }
    WaitResult<T> await_resume()
    {
        detach();
        if (m_self)
            m_self->throwIfCancelled();
        WaitResult<T> r;
        for (Task<T> &t : m_tasks)
            (t->finished() ? r.done : r.pending).push_back(std::move(t));
        return r;
    }

    bool cancelWait(TaskCore &) override
    {
        detach();
        return false;
    }

    [[nodiscard]] TaskCore &childAt(std::size_t i) const noexcept { return *m_tasks[i].core(); }
    // childDone() is _on_completion: a done-callback in the iteration after the
    // child's end (a timeout firing in between still wins).
    static constexpr bool kChildDoneAtEnd = false;
    void childDone(std::size_t, TaskCore &child)
    {
        --m_remaining;
        if (!m_woken && (m_remaining == 0 || completes(child)))
            wakeOnce();
    }
    void timedOut()
    {
        if (!m_woken)
            wakeOnce();
    }

private:
    [[nodiscard]] bool completes(const TaskCore &t) const
    {
        switch (m_when) {
        case ReturnWhen::FirstCompleted: return true;
        case ReturnWhen::FirstException: return t.state() == TaskState::Failed;
        case ReturnWhen::AllCompleted: return false;
        }
        return false;
    }
    void wakeOnce()
    {
        m_woken = true;
        m_timer.stop();
        m_self->wake();
    }
    void detach() noexcept
    {
        m_timer.stop();
        for (auto &s : m_slots)
            s.stop();
    }

    std::vector<Task<T>> m_tasks;
    std::vector<detail::ChildSlot<WaitAwaiter>> m_slots;
    detail::OwnedTimer<WaitAwaiter> m_timer;
    ReturnWhen m_when;
    std::optional<std::chrono::milliseconds> m_timeout;
    TaskCore *m_self = nullptr;
    std::size_t m_remaining = 0;
    bool m_woken = false;
};

template<typename T>
[[nodiscard]] WaitAwaiter<T> wait(std::vector<Task<T>> tasks, ReturnWhen when = ReturnWhen::AllCompleted,
                                  std::optional<std::chrono::milliseconds> timeout = std::nullopt)
{
    return WaitAwaiter<T>(std::move(tasks), when, timeout);
}

// asyncio.as_completed: `next()` gives the results in completion order. After the
// timeout, results that had already arrived are still given, then next() raises
// TimeoutError; the children keep running. Keep the object in the coroutine that
// awaits it; it must be created inside a task (it spawns the children).
template<typename T>
class AsCompleted
{
public:
    AsCompleted(std::vector<Task<T>> tasks, std::optional<std::chrono::milliseconds> timeout = std::nullopt)
        : m_tasks(std::move(tasks)), m_slots(m_tasks.size())
    {
        detail::attachAll(m_tasks);
        for (std::size_t i = 0; i < m_tasks.size(); ++i) {
            if (m_tasks[i]->finished())
                m_arrived.push_back(i);
            else
                m_slots[i].listen(this, i, m_tasks[i].core());
        }
        if (timeout && m_arrived.size() < m_tasks.size())
            m_timer.start(this, Loop::current(), timeout->count());
    }
    AsCompleted(const AsCompleted &) = delete;
    ~AsCompleted() { detach(); }

    [[nodiscard]] bool hasNext() const noexcept { return m_given < m_tasks.size(); }

    class NextAwaiter final : public Suspension
    {
    public:
        explicit NextAwaiter(AsCompleted &ac) noexcept : m_ac(ac) {}
        [[nodiscard]] bool await_ready() const noexcept { return !m_ac.m_arrived.empty() || m_ac.m_timedOut; }
        template<typename P>
        bool await_suspend(std::coroutine_handle<P> h)
        {
            m_self = &detail::taskOf(h);
            if (!m_self->beginSuspend(this, AwaitKind::AsCompleted, m_ac.m_tasks.size() - m_ac.m_given))
                return false;
            m_ac.m_waiting = m_self;
            return true;
        }
        decltype(auto) await_resume()
        {
            m_ac.m_waiting = nullptr;
            if (m_self)
                m_self->throwIfCancelled();
            if (m_ac.m_arrived.empty())
                throw TimeoutError();
            const std::size_t i = m_ac.m_arrived.front();
            m_ac.m_arrived.pop_front();
            ++m_ac.m_given;
            return m_ac.m_tasks[i].result();
        }
        bool cancelWait(TaskCore &) override
        {
            m_ac.m_waiting = nullptr;
            return false;
        }

    private:
        AsCompleted &m_ac;
        TaskCore *m_self = nullptr;
    };

    [[nodiscard]] NextAwaiter next() { return NextAwaiter(*this); }

    [[nodiscard]] TaskCore &childAt(std::size_t i) const noexcept { return *m_tasks[i].core(); }
    // childDone() is _on_completion: a done-callback in the iteration after the
    // child's end (a next() in between finds nothing yet).
    static constexpr bool kChildDoneAtEnd = false;
    void childDone(std::size_t index, TaskCore &)
    {
        m_arrived.push_back(index);
        if (m_arrived.size() + m_given == m_tasks.size())
            m_timer.stop();
        wakeWaiting();
    }
    void timedOut()
    {
        m_timedOut = true;
        detach();
        wakeWaiting();
    }

private:
    void wakeWaiting()
    {
        if (TaskCore *t = std::exchange(m_waiting, nullptr))
            t->wake();
    }
    void detach() noexcept
    {
        m_timer.stop();
        for (auto &s : m_slots)
            s.stop();
    }

    std::vector<Task<T>> m_tasks;
    std::vector<detail::ChildSlot<AsCompleted>> m_slots;
    detail::OwnedTimer<AsCompleted> m_timer;
    std::deque<std::size_t> m_arrived;
    std::size_t m_given = 0;
    TaskCore *m_waiting = nullptr;
    bool m_timedOut = false;
};

// asyncio.shield(task): the task's outcome, two iterations after it ends (the
// shield's done-callback sets its own future, which wakes the awaiter). Cancelling
// the awaiting task raises Cancelled in it one iteration later; the task goes on.
template<typename T>
class ShieldAwaiter final : public detail::OneTaskAwaiter<T>
{
    using Base = detail::OneTaskAwaiter<T>;

public:
    explicit ShieldAwaiter(Task<T> task) noexcept : Base(std::move(task)) {}

    template<typename P>
    bool await_suspend(std::coroutine_handle<P> h)
    {
        return this->suspendOn(h, AwaitKind::Task);
    }
    decltype(auto) await_resume()
    {
        this->unregister();
        if (this->m_self)
            this->m_self->throwIfCancelled();
        return this->m_task.result();
    }

    bool cancelWait(TaskCore &) override
    {
        this->unregister();
        return false;
    }
};

template<typename T>
[[nodiscard]] ShieldAwaiter<T> shield(Task<T> task)
{
    return ShieldAwaiter<T>(std::move(task));
}

// asyncio.wait_for (3.11). On timeout the child is cancelled (reason timeout) and,
// once it has ended cancelled, TimeoutError is raised; a timeout of 0 cancels the
// child before it starts. Cancelling the awaiting task cancels the child (reason
// parent) and raises Cancelled once the child has ended.
template<typename T>
class WaitForAwaiter final : public detail::OneTaskAwaiter<T>
{
    using Base = detail::OneTaskAwaiter<T>;

public:
    WaitForAwaiter(Task<T> task, std::chrono::milliseconds timeout) : Base(std::move(task)), m_timeoutMs(timeout.count()) {}
    ~WaitForAwaiter() { m_timer.stop(); } // a timer left in the wheel would outlive its node

    template<typename P>
    bool await_suspend(std::coroutine_handle<P> h)
    {
        if (!this->suspendOn(h, AwaitKind::WaitFor))
            return false;
        if (m_timeoutMs <= 0)
            timedOut();
        else
            m_timer.start(this, this->m_self->loop(), m_timeoutMs);
        return true;
    }
    decltype(auto) await_resume()
    {
        detach();
        TaskCore *self = this->m_self;
        Task<T> &task = this->m_task;
        if (self) {
            try {
                self->throwIfCancelled();
            } catch (const Cancelled &) {
                // 3.11: a cancellation that comes when the child has ended gives the
                // child's outcome (docs/spec/taskset-format.md, "wait_for").
                if (!task->finished())
                    throw;
                return task.result();
            }
            if (m_outerCancelled)
                throw Cancelled(self->cancelReason());
            if (m_timedOut && task->state() == TaskState::Cancelled)
                throw TimeoutError();
        }
        return task.result();
    }

    bool cancelWait(TaskCore &) override
    {
        if (this->m_task->finished()) {
            detach(); // its outcome is given when the awaiter wakes (await_resume)
            return false;
        }
        m_outerCancelled = true;
        m_timer.stop();
        this->m_task->cancel(CancelReason::parent());
        return true;
    }
    void onTaskDone(TaskCore &done) override
    {
        m_timer.stop();
        Base::onTaskDone(done);
    }
    void timedOut()
    {
        m_timedOut = true;
        this->m_task->cancel(CancelReason::timeout());
    }

private:
    void detach() noexcept
    {
        m_timer.stop();
        this->unregister();
    }

    std::int64_t m_timeoutMs;
    detail::OwnedTimer<WaitForAwaiter> m_timer;
    bool m_timedOut = false;
    bool m_outerCancelled = false;
};

template<typename T>
[[nodiscard]] WaitForAwaiter<T> waitFor(Task<T> task, std::chrono::milliseconds timeout)
{
    return WaitForAwaiter<T>(std::move(task), timeout);
}

} // namespace coroscope::rt

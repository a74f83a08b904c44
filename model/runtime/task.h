#pragma once

// Tasks: coroutines that run on a Loop with asyncio's meaning.
//
// A coroutine returning Task<T> starts suspended. spawn() attaches it to the current
// loop (asyncio.create_task): it gets an id, is `pending` until the loop first runs
// it, `running` from then on (whether executing or suspended at an await), and ends
// `done`, `failed` or `cancelled`. Awaiting a Task that was never spawned spawns it
// as a child of the awaiting task (a nested coroutine, shown as a child in the tree).
//
// Threading: a task and every Task handle to it belong to its loop's thread; the
// reference count is not atomic. Crossing threads goes through
// runCoroutineThreadsafe() and ConcurrentFuture.
//
// Lifetime: the coroutine frame holds the task (its promise). It lives while a Task
// handle, the loop (until the task ends) or a queued step refers to it; a finished
// task keeps its result for as long as a handle exists.
//
// Cost: one pooled frame per task; names, callbacks and extra waiters live out of
// line and only when used.

#include "framepool.h"
#include "loop.h"
#include "types.h"

#include <QJsonValue>
#include <QString>

#include <coroutine>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace coroscope::rt {

class TaskCore;
class TaskGroup;

// An await point that can be cancelled. The awaiter object lives in the suspended
// coroutine's frame.
class Suspension
{
public:
    // The suspended task is being cancelled. Return true if the awaiter keeps the
    // task parked because it has cancelled what it waits on and will wake the task
    // itself; false if it has let go of what it waits on, so the task must wake now
    // and see Cancelled.
    virtual bool cancelWait(TaskCore &self) = 0;
    // The task was woken and is about to resume (no cancellation due). Return true to
    // keep it parked instead because what it waited for is gone again; the awaiter
    // has then parked it anew (asyncio's Queue.put: `while self.full(): await putter`).
    virtual bool waitsAgain(TaskCore &) { return false; }

protected:
    ~Suspension() = default;
};

// Something that wants to hear when a task ends (an awaiter of that task).
class DoneWaiter
{
public:
    virtual void onTaskDone(TaskCore &task) = 0;

    // True for a waiter whose onTaskDone() may run as the task ends instead of in the
    // next iteration, because nothing sees the difference but the wake-up it
    // schedules: a wake() then takes the done-callback's place in the ready queue
    // (asyncio: the awaiting task's __wakeup is the done-callback), a wakeIn(n + 1)
    // that of a done-callback that would wakeIn(n). Any other waiter is a
    // done-callback of its own, called in the next iteration.
    bool wakesOnly = false;

protected:
    ~DoneWaiter() = default;
};

struct SpawnOptions {
    QString name;
    // The parent task's id; by default the task running now (0 when there is none).
    std::optional<std::uint64_t> parent;
    // For a task made by another task's done-callback: that task's id.
    std::uint64_t origin = 0;
    // A byte for whoever reads the journal (the task-set interpreter puts the op here).
    std::uint8_t tag = 0;
    // The group the task belongs to (it must outlive the task), or none.
    TaskGroup *group = nullptr;
    // False for a coroutine that never catches Cancelled (a leaf such as a sleep):
    // when a cancel reaches it at an await point, its next step ends it cancelled
    // instead of resuming it to raise Cancelled (its frame is destroyed later, with
    // destructors run). Same outcome, same timing, without an exception's cost.
    bool catchesCancel = true;
    // When set, the task's name is `name[copyIndex]`: a repeat's million copies share
    // one `name` string (no text of their own anywhere; journal: kIndexedName).
    std::optional<std::uint32_t> copyIndex = std::nullopt;
};

class TaskCore
{
public:
    using Callback = std::function<void(TaskCore &)>;

    TaskCore() = default;
    TaskCore(const TaskCore &) = delete;
    TaskCore &operator=(const TaskCore &) = delete;

    [[nodiscard]] std::uint64_t id() const noexcept { return m_id; }
    [[nodiscard]] Loop *loop() const noexcept { return m_loop; }
    [[nodiscard]] TaskGroup *group() const noexcept { return m_group; }
    [[nodiscard]] TaskState state() const noexcept { return m_state; }
    [[nodiscard]] bool finished() const noexcept { return isFinal(m_state); }
    [[nodiscard]] bool attached() const noexcept { return m_loop != nullptr; }
    [[nodiscard]] QString name() const;
    // A repeat's copy's index (SpawnOptions::copyIndex), or none.
    [[nodiscard]] std::optional<std::uint32_t> copyIndex() const noexcept
    {
        return m_copyIndex == kNoCopyIndex ? std::nullopt : std::optional<std::uint32_t>(m_copyIndex);
    }
    // The reason of the first cancellation request, or of the cancellation that
    // ended the task (kind None if neither happened).
    [[nodiscard]] CancelReason cancelReason() const noexcept;
    [[nodiscard]] bool cancelRequested() const noexcept { return m_cancelKind != CancelKind::None; }
    // The exception a failed task ended with.
    [[nodiscard]] std::exception_ptr error() const noexcept { return m_extras ? m_extras->error : nullptr; }
    [[nodiscard]] QString errorText() const { return rt::errorText(error()); }
    // A short text of the result, journalled with the Done event (e.g. its JSON).
    void setResultText(const QString &text);
    // A result that is a plain number: journalled as the number (kNumberResult), so
    // that a million results are no million strings. Kept in the task itself: a
    // repeat's copy that ends with a number needs no extras at all.
    void setResultNumber(double value) noexcept
    {
        m_resultNumber = value;
        m_result = ResultKind::Number;
    }
    // The last number given to setResultNumber (0 if none): a task may keep a number
    // there while it runs instead of in its frame (only the result it ends with is
    // journalled).
    [[nodiscard]] double resultNumber() const noexcept { return m_resultNumber; }
    // A result journalled as its value (kValueResult), whose text its reader renders: a
    // list or an object, however large, costs the loop no text (the value is shared).
    void setResultValue(const QJsonValue &value);

    // asyncio's Task.cancel(): false if the task has already finished. A task that
    // is running right now (it cancels itself, or its step cancels what awaits it)
    // gets Cancelled at its next await, or ends cancelled if it returns first
    // (docs/spec/taskset-format.md, "Cancelling the running task").
    bool cancel(CancelReason reason = CancelReason::user());

    // asyncio's add_done_callback: runs once, after the task ends in any state, in
    // registration order, as a step of the task's loop; soon if already finished.
    // A callback with a description is the user's: it gets the next index, and is
    // journalled when added (CallbackAdded, with the description, e.g. JSON) and
    // when it fires (Callback), and if it throws, with what it threw (CallbackFailed):
    // as asyncio hands it to the loop's exception handler, the loop, the task's other
    // callbacks and its state go on untouched. One without is internal and leaves no trace.
    void addDoneCallback(Callback callback, const QString &description = {});
    // With bound arguments, like functools.partial(callback, args...).
    template<typename F, typename... Args>
    void addPartialCallback(F &&f, Args &&...args)
    {
        addDoneCallback(Callback(std::bind_front(std::forward<F>(f), std::forward<Args>(args)...)));
    }
    // The number of described (user) callbacks.
    [[nodiscard]] std::size_t callbackCount() const noexcept;

    void addWaiter(DoneWaiter *waiter);
    void removeWaiter(DoneWaiter *waiter) noexcept;

    // Attaches a never-spawned task to a loop (asyncio.create_task).
    void attach(Loop &loop, const SpawnOptions &options);

    // For awaiters. beginSuspend() records the await point; the awaiter parks when it
    // returns true (false is kept for awaiters that may not park). It parks even when
    // a cancellation came while the task ran: the loop cancels the await point once
    // the step has returned, as asyncio's Task.__step cancels the future the
    // coroutine has just yielded, and the task raises Cancelled when woken.
    [[nodiscard]] bool beginSuspend(Suspension *at, AwaitKind kind, std::uint64_t arg);
    void wake() { m_loop->scheduleResume(this); }
    // Resumes the task `iterations` iterations from now, unless it is woken first.
    void wakeIn(int iterations) { m_loop->scheduleResumeIn(this, iterations); }
    // Raises Cancelled once if a cancellation was requested while suspended.
    void throwIfCancelled();

    void ref() noexcept { ++m_refs; }
    void deref() noexcept
    {
        if (--m_refs == 0)
            handle().destroy();
    }

protected:
    // The coroutine whose promise this task is, computed rather than kept (8 bytes of
    // every frame): GCC and Clang place the promise at an offset from the frame's
    // start that depends only on the promise's alignment, and every promise has
    // TaskCore's alignment with TaskCore at its start (checked as each is made,
    // Promise::get_return_object).
    [[nodiscard]] std::coroutine_handle<> handle() noexcept { return std::coroutine_handle<TaskCore>::from_promise(*this); }
    void captureException() noexcept;
    void finish();

private:
    friend class Loop;
    struct DoneEntry {
        DoneWaiter *waiter = nullptr;
        Callback callback;
        std::uint32_t callbackIndex = 0;
        bool described = false;
    };
    struct Extras {
        // Pooled like the frames: a million named tasks end together.
        static void *operator new(std::size_t size) { return detail::allocatePooled(size); }
        static void operator delete(void *block, std::size_t size) noexcept { detail::releasePooled(block, size); }

        QString name;           // a task's own name (a repeat's copy has none: m_copyName)
        QString resultText;     // with ResultKind::Text
        QJsonValue resultValue; // with ResultKind::Value
        std::vector<DoneEntry> entries;
        std::exception_ptr error; // what a failed task ended with
        std::uint32_t callbacks = 0;
        std::uint64_t cancelledBy = 0;
    };
    static constexpr std::uint32_t kNoCopyIndex = ~std::uint32_t(0);
    enum class ResultKind : std::uint8_t { None, Number, Text, Value };
    Extras &extras();
    void setCancelReason(CancelReason reason);
    void runDoneEntry(std::int32_t tag);
    // Called by the loop when a step of the task has returned: a cancellation that
    // came while it ran reaches the await point it has now parked on.
    void stepEnded();
    // Cancels the await point the task is parked on (it is neither running nor woken).
    void cancelAwait();
    // Ends the task cancelled without running its coroutine again: a task that never
    // started, or one that would not catch Cancelled. Its frame stays parked until
    // the last reference goes, and is destroyed from there (destructors run).
    void endCancelledWithoutResuming();

    Loop *m_loop = nullptr;
    TaskGroup *m_group = nullptr;
    TaskCore *m_prevLive = nullptr;
    TaskCore *m_nextLive = nullptr;
    Suspension *m_suspension = nullptr;
    DoneWaiter *m_waiter0 = nullptr; // the one waiter, while there are no other entries
    std::unique_ptr<Extras> m_extras;
    std::uint64_t m_id = 0; // (its parent's is journalled, not kept: no one asks)
    double m_resultNumber = 0; // with ResultKind::Number
    std::uint32_t m_refs = 0;
    std::uint32_t m_resumes = 0; // steps taken after the first; drops stale deferred wake-ups
    // A repeat's copy is named `name[m_copyIndex]`, its name shared by every copy: the
    // loop's copy name m_copyName (Loop::copyName), so that a copy needs no extras.
    std::uint32_t m_copyIndex = kNoCopyIndex;
    std::uint32_t m_copyName = 0;
    TaskState m_state = TaskState::Pending;
    ResultKind m_result = ResultKind::None;
    CancelKind m_cancelKind = CancelKind::None;
    bool m_mustCancel = false;
    bool m_resumeScheduled = false;
    bool m_catchesCancel = true;

public:
    static constexpr std::int32_t kResume = -1;
    static constexpr std::int32_t kWaiter0 = -2;
};

template<typename T>
class Task;

// A counted reference to a task of any result type: keeps it alive while code that
// may end it (a cancel) walks a list of them.
class TaskRef
{
public:
    explicit TaskRef(TaskCore *t) noexcept : m_task(t) { m_task->ref(); }
    TaskRef(TaskRef &&o) noexcept : m_task(std::exchange(o.m_task, nullptr)) {}
    TaskRef &operator=(TaskRef &&o) noexcept
    {
        std::swap(m_task, o.m_task);
        return *this;
    }
    TaskRef(const TaskRef &) = delete;
    TaskRef &operator=(const TaskRef &) = delete;
    ~TaskRef()
    {
        if (m_task)
            m_task->deref();
    }
    TaskCore *operator->() const noexcept { return m_task; }
    [[nodiscard]] TaskCore *get() const noexcept { return m_task; }

private:
    TaskCore *m_task;
};

namespace detail {

struct FinalAwaiter {
    [[nodiscard]] bool await_ready() const noexcept { return false; }
    template<typename P>
    void await_suspend(std::coroutine_handle<P> h) noexcept
    {
        h.promise().onFinalSuspend();
    }
    void await_resume() const noexcept {}
};

template<typename T>
class PromiseBase : public TaskCore
{
public:
    std::suspend_always initial_suspend() const noexcept { return {}; }
    FinalAwaiter final_suspend() const noexcept { return {}; }
    void unhandled_exception() noexcept { captureException(); }
    void onFinalSuspend() { finish(); }

    static void *operator new(std::size_t size) { return allocatePooled(size); }
    static void operator delete(void *frame, std::size_t size) noexcept { releasePooled(frame, size); }
};

} // namespace detail

template<typename T>
class Promise final : public detail::PromiseBase<T>
{
public:
    Task<T> get_return_object() noexcept;
    template<typename U = T>
    void return_value(U &&value)
    {
        m_value.emplace(std::forward<U>(value));
    }
    std::optional<T> m_value;
};

template<>
class Promise<void> final : public detail::PromiseBase<void>
{
public:
    Task<void> get_return_object() noexcept;
    void return_void() noexcept {}
};

// Rethrows what ended a finished task: its error, or Cancelled with its reason.
// Throws InvalidStateError if the task has not finished.
void rethrowIfUnsuccessful(const TaskCore &task);

template<typename T>
class TaskAwaiter;

// A counted handle to a task (asyncio's Task object).
template<typename T = void>
class [[nodiscard]] Task
{
public:
    using promise_type = Promise<T>;
    using value_type = T;

    Task() noexcept = default;
    explicit Task(Promise<T> *p) noexcept : m_promise(p) { m_promise->ref(); }
    Task(const Task &o) noexcept : m_promise(o.m_promise)
    {
        if (m_promise)
            m_promise->ref();
    }
    Task(Task &&o) noexcept : m_promise(std::exchange(o.m_promise, nullptr)) {}
    Task &operator=(Task o) noexcept
    {
        std::swap(m_promise, o.m_promise);
        return *this;
    }
    ~Task()
    {
        if (m_promise)
            m_promise->deref();
    }

    [[nodiscard]] explicit operator bool() const noexcept { return m_promise != nullptr; }
    [[nodiscard]] TaskCore *core() const noexcept { return m_promise; }
    TaskCore *operator->() const noexcept { return m_promise; }

    // asyncio's Task.result(): the value, or what ended the task, rethrown.
    [[nodiscard]] decltype(auto) result() const
    {
        rethrowIfUnsuccessful(*m_promise);
        if constexpr (!std::is_void_v<T>)
            return static_cast<const T &>(*m_promise->m_value);
    }

    TaskAwaiter<T> operator co_await() const noexcept;

private:
    Promise<T> *m_promise = nullptr;
};

namespace detail {
// TaskCore::handle() finds the frame from the task alone: right for a promise that
// has TaskCore's alignment and starts with it (a compile-time fact, so the check
// costs nothing in an optimised build).
template<typename P>
void checkHandleOf(P &promise) noexcept
{
    static_assert(alignof(P) == alignof(TaskCore), "TaskCore::handle() assumes the promise's alignment is TaskCore's");
    if (static_cast<void *>(static_cast<TaskCore *>(&promise)) != static_cast<void *>(&promise)
        || std::coroutine_handle<TaskCore>::from_promise(promise).address()
            != std::coroutine_handle<P>::from_promise(promise).address())
        std::abort();
}
} // namespace detail

template<typename T>
Task<T> Promise<T>::get_return_object() noexcept
{
    detail::checkHandleOf(*this);
    return Task<T>(this);
}

inline Task<void> Promise<void>::get_return_object() noexcept
{
    detail::checkHandleOf(*this);
    return Task<void>(this);
}

namespace detail {
template<typename P>
TaskCore &taskOf(std::coroutine_handle<P> h) noexcept
{
    static_assert(std::is_base_of_v<TaskCore, P>, "this awaitable can only be awaited inside a coroscope task");
    return h.promise();
}
// Spawns task on the current loop as a child of the current task, unless it is attached already.
void ensureAttached(TaskCore &task);
} // namespace detail

// asyncio.create_task: attaches the task to the current loop and schedules its first step.
template<typename T>
Task<T> spawn(Task<T> task, const SpawnOptions &options = {})
{
    if (!task->attached())
        task->attach(*Loop::current(), options);
    return task;
}

// Lets go of `tasks` later, on the current loop (Loop::releaseLater): for a parent
// whose million finished children's frames would be freed in its last step.
template<typename T>
void releaseLater(std::vector<Task<T>> tasks)
{
    struct Held final : Loop::DeferredRelease {
        explicit Held(std::vector<Task<T>> t) : tasks(std::move(t)) {}
        bool releaseSome(std::size_t n) override
        {
            for (; n > 0 && !tasks.empty(); --n)
                tasks.pop_back();
            return !tasks.empty();
        }
        std::vector<Task<T>> tasks;
    };
    if (!tasks.empty())
        Loop::current()->releaseLater(std::make_unique<Held>(std::move(tasks)));
}

namespace detail {
// What every awaiter of one task shares: the task attached when awaited, this
// awaiter registered as its waiter while suspended, woken at its end.
template<typename T>
class OneTaskAwaiter : public Suspension, public DoneWaiter
{
public:
    explicit OneTaskAwaiter(Task<T> task) noexcept : m_task(std::move(task)) {}
    OneTaskAwaiter(const OneTaskAwaiter &) = delete;

    bool await_ready()
    {
        ensureAttached(*m_task.core());
        return m_task->finished();
    }
    void onTaskDone(TaskCore &) override
    {
        m_registered = false;
        m_self->wake();
    }

protected:
    ~OneTaskAwaiter() { unregister(); } // only ever destroyed as the awaiter it is

    template<typename P>
    bool suspendOn(std::coroutine_handle<P> h, AwaitKind kind)
    {
        m_self = &taskOf(h);
        if (!m_self->beginSuspend(this, kind, m_task->id()))
            return false;
        m_task->addWaiter(this);
        m_registered = true;
        return true;
    }
    void unregister() noexcept
    {
        if (m_registered)
            m_task->removeWaiter(this);
        m_registered = false;
    }

    Task<T> m_task;
    TaskCore *m_self = nullptr;
    bool m_registered = false;
};
} // namespace detail

// `co_await task`: the task's result, or its error (Cancelled included) rethrown.
// Cancelling the awaiting task cancels the awaited one first (reason parent).
template<typename T>
class TaskAwaiter final : public detail::OneTaskAwaiter<T>
{
    using Base = detail::OneTaskAwaiter<T>;

public:
    explicit TaskAwaiter(Task<T> task) noexcept : Base(std::move(task)) { this->wakesOnly = true; }

    template<typename P>
    bool await_suspend(std::coroutine_handle<P> h)
    {
        return this->suspendOn(h, AwaitKind::Task);
    }
    decltype(auto) await_resume()
    {
        if (this->m_self)
            this->m_self->throwIfCancelled();
        return this->m_task.result();
    }

    bool cancelWait(TaskCore &) override
    {
        // A child that has ended (its waking waits behind its done-callbacks) cannot
        // be cancelled: as in asyncio, the awaiting task then raises Cancelled itself.
        return this->m_task->cancel(CancelReason::parent());
    }
};

template<typename T>
TaskAwaiter<T> Task<T>::operator co_await() const noexcept
{
    return TaskAwaiter<T>(*this);
}

} // namespace coroscope::rt

#pragma once

// Crossing threads:
//
//   co_await runInExecutor(work)       asyncio's loop.run_in_executor(pool, work):
//                                      work runs on the CPU pool, the task resumes on
//                                      its loop with the result.
//   runCoroutineThreadsafe(loop, task) asyncio.run_coroutine_threadsafe: spawns task
//                                      on another loop, from any thread, and returns
//                                      a ConcurrentFuture to await or block on.
//   LoopThread                         a second loop with a thread of its own.
//
// Cancelling a task that awaits pool work ends it cancelled at once; the work runs
// to its end on the pool (threads cannot be interrupted) and its result is dropped.
// Cancelling a task that awaits a ConcurrentFuture ends it cancelled at once and
// cancels the remote task a moment later, on its own loop (reason parent).
//
// Pool work and futures report back through LoopHandle: a loop may end first (a
// run that ends while cancelled pool work still computes), and what would have
// reached it is dropped.

#include "task.h"

#include <QEventLoop>
#include <QThread>

#include <chrono>
#include <deque>
#include <thread>
#include <vector>
#include <condition_variable>
#include <mutex>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>

namespace coroscope::rt {

// The pool for CPU work ("pool" in the logs): a fixed set of worker threads taking
// jobs from one FIFO. Any thread may submit. Built on std::thread and std::mutex
// rather than QThreadPool so that ThreadSanitizer sees every hand-over.
class CpuPool
{
public:
    explicit CpuPool(int threads);
    ~CpuPool();
    CpuPool(const CpuPool &) = delete;
    CpuPool &operator=(const CpuPool &) = delete;

    void submit(std::function<void()> job);
    // Blocks until every submitted job has finished.
    void waitForIdle();
    [[nodiscard]] int threadCount() const noexcept { return int(m_workers.size()); }

private:
    void work();

    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::condition_variable m_idle;
    std::deque<std::function<void()>> m_jobs;
    int m_busy = 0;
    bool m_stopping = false;
    std::vector<std::thread> m_workers;
};

// The process-wide pool, sized like asyncio's default executor (min(32, cores + 4);
// docs/spec/taskset-format.md, "Pool"). It is never destroyed: the process does not
// wait at exit for work that nobody awaits any more.
[[nodiscard]] CpuPool &cpuPool();
// min(32, cores + 4): the size of cpuPool().
[[nodiscard]] int defaultPoolThreadCount();

// Scheduling priority of the threads the runtime starts (loop threads and pool
// workers), as a nice increment over the process's (0: the same; Linux only, a no-op
// elsewhere). Threads read it when they start. A GUI sets it so that tasks that keep
// every core busy never starve the thread that draws them: the dashboard's frames
// and ticks then wait for the CPU far less, and the tasks get what is left.
void setTaskThreadNice(int increment);
[[nodiscard]] int taskThreadNice();
// Lowers the calling thread's priority by a nice increment (for other background
// threads of a GUI, e.g. a widget's worker).
void lowerThisThreadPriority(int increment);
// Names the calling thread for the system's tools (top -H, perf, gdb): "loop main".
void nameThisThread(const QString &name);

namespace detail {
template<typename R>
struct ExecutorState {
    LoopHandle loop;
    TaskCore *task = nullptr; // loop thread only
    bool abandoned = false;   // loop thread only
    std::optional<R> value;   // written by the pool thread before it posts back
    std::exception_ptr error;
};
} // namespace detail

template<typename R>
class ExecutorAwaiter final : public Suspension
{
public:
    ExecutorAwaiter(std::function<R()> work, CpuPool &pool) : m_work(std::move(work)), m_pool(pool) {}
    ExecutorAwaiter(const ExecutorAwaiter &) = delete;
    ~ExecutorAwaiter()
    {
        if (m_state)
            m_state->abandoned = true;
    }

    [[nodiscard]] bool await_ready() const noexcept { return false; }
    template<typename P>
    bool await_suspend(std::coroutine_handle<P> h)
    {
        TaskCore &self = detail::taskOf(h);
        m_self = &self;
        if (!self.beginSuspend(this, AwaitKind::Executor, 0))
            return false;
        m_state = std::make_shared<detail::ExecutorState<R>>();
        m_state->loop = self.loop()->handle();
        m_state->task = &self;
        m_pool.submit([state = m_state, work = std::move(m_work)]() mutable {
            try {
                state->value.emplace(work());
            } catch (...) {
                state->error = std::current_exception();
            }
            const LoopHandle loop = state->loop;
            // Dropped if the loop has ended meanwhile (its task with it).
            loop.callSoonThreadsafe([state = std::move(state)] {
                if (!state->abandoned)
                    state->task->wake();
            });
        });
        return true;
    }
    R await_resume()
    {
        if (m_self)
            m_self->throwIfCancelled();
        auto state = std::exchange(m_state, nullptr);
        if (state->error)
            std::rethrow_exception(state->error);
        return std::move(*state->value);
    }
    bool cancelWait(TaskCore &) override
    {
        m_state->abandoned = true;
        m_state.reset();
        return false;
    }

private:
    std::function<R()> m_work;
    CpuPool &m_pool;
    TaskCore *m_self = nullptr;
    std::shared_ptr<detail::ExecutorState<R>> m_state;
};

template<typename F, typename R = std::invoke_result_t<F>>
[[nodiscard]] ExecutorAwaiter<R> runInExecutor(F work, CpuPool &pool = cpuPool())
{
    static_assert(!std::is_void_v<R>, "pool work returns a value");
    return ExecutorAwaiter<R>(std::function<R()>(std::move(work)), pool);
}

// The thread-safe future of a task running on another loop (concurrent.futures.Future).
template<typename T>
class ConcurrentFuture
{
    struct State {
        std::mutex mutex; // std:: primitives, not Qt's: ThreadSanitizer sees them
        std::condition_variable finishedCondition;
        bool finished = false;
        bool cancelRequested = false;
        TaskState state = TaskState::Pending;
        std::optional<T> value;
        std::exception_ptr error;
        CancelReason reason;
        std::vector<std::function<void()>> onFinished;
        LoopHandle target;
        // Target loop thread only:
        TaskCore *remote = nullptr;
        std::uint64_t remoteId = 0;
    };

public:
    ConcurrentFuture() = default;

    [[nodiscard]] bool done() const
    {
        std::unique_lock lock(m_state->mutex);
        return m_state->finished;
    }
    // Blocks until the remote task ends, or until timeout passes (then TimeoutError).
    T result(std::optional<std::chrono::milliseconds> timeout = std::nullopt) const
    {
        std::unique_lock lock(m_state->mutex);
        const auto finished = [this] { return m_state->finished; };
        if (!timeout)
            m_state->finishedCondition.wait(lock, finished);
        else if (!m_state->finishedCondition.wait_for(lock, *timeout, finished))
            throw TimeoutError();
        return outcomeLocked();
    }
    // Asks the remote task to cancel; any thread. False if it has already finished.
    bool cancel(CancelReason reason = CancelReason::user())
    {
        LoopHandle target;
        {
            std::unique_lock lock(m_state->mutex);
            if (m_state->finished)
                return false;
            m_state->cancelRequested = true;
            target = m_state->target;
        }
        target.callSoonThreadsafe([state = m_state, reason] {
            if (state->remote)
                state->remote->cancel(reason);
        });
        return true;
    }

    class Awaiter final : public Suspension
    {
    public:
        // hops 2: asyncio.shield(wrap_future(f)), one more iteration between the
        // result's arrival on this loop and the awaiter's resumption (the shield's future).
        explicit Awaiter(ConcurrentFuture f, int hops = 1) : m_future(std::move(f)), m_hops(hops) {}
        [[nodiscard]] bool await_ready() const { return m_future.done(); }
        template<typename P>
        bool await_suspend(std::coroutine_handle<P> h)
        {
            m_self = &detail::taskOf(h);
            if (!m_self->beginSuspend(this, AwaitKind::Threadsafe, 0))
                return false;
            m_link = std::make_shared<Link>(Link{m_self, m_hops, false});
            const LoopHandle here = m_self->loop()->handle();
            const bool finishedAlready = m_future.onFinished([here, link = m_link] {
                here.callSoonThreadsafe([link] {
                    // This call sets the loop's future (wrap_future's _set_state);
                    // its waiter resumes in the next iteration.
                    if (!link->abandoned)
                        link->task->wakeIn(link->hops);
                });
            });
            if (finishedAlready)
                m_self->wakeIn(m_hops);
            return true;
        }
        T await_resume()
        {
            if (m_link)
                m_link->abandoned = true;
            if (m_self)
                m_self->throwIfCancelled();
            std::unique_lock lock(m_future.m_state->mutex);
            return m_future.outcomeLocked();
        }
        bool cancelWait(TaskCore &) override
        {
            m_link->abandoned = true;
            m_future.cancel(CancelReason::parent());
            return false;
        }
        ~Awaiter()
        {
            if (m_link)
                m_link->abandoned = true;
        }

    private:
        struct Link {
            TaskCore *task;
            int hops;
            bool abandoned; // loop thread of `task` only
        };
        ConcurrentFuture m_future;
        int m_hops = 1;
        TaskCore *m_self = nullptr;
        std::shared_ptr<Link> m_link;
    };

    Awaiter operator co_await() const { return Awaiter(*this); }
    // `co_await f.shielded()`: asyncio's `await asyncio.shield(wrap_future(f))`.
    [[nodiscard]] Awaiter shielded() const { return Awaiter(*this, 2); }

private:
    template<typename U>
    friend ConcurrentFuture<U> runOnLoopThreadsafe(Loop &target, std::function<Task<U>()> make, SpawnOptions options);

    // Runs fn (on the finishing thread) when the future finishes; returns true
    // instead, without keeping fn, if it has finished already.
    bool onFinished(std::function<void()> fn)
    {
        std::unique_lock lock(m_state->mutex);
        if (m_state->finished)
            return true;
        m_state->onFinished.push_back(std::move(fn));
        return false;
    }
    T outcomeLocked() const
    {
        switch (m_state->state) {
        case TaskState::Done: return *m_state->value;
        case TaskState::Failed: std::rethrow_exception(m_state->error);
        default: throw Cancelled(m_state->reason);
        }
    }
    void complete(TaskCore &task, std::optional<T> value)
    {
        std::vector<std::function<void()>> callbacks;
        {
            std::unique_lock lock(m_state->mutex);
            m_state->finished = true;
            m_state->state = task.state();
            m_state->value = std::move(value);
            m_state->error = task.error();
            m_state->reason = task.cancelReason();
            m_state->remote = nullptr;
            callbacks.swap(m_state->onFinished);
            m_state->finishedCondition.notify_all();
        }
        for (auto &fn : callbacks)
            fn();
    }

    std::shared_ptr<State> m_state = std::make_shared<State>();
};

// Runs `make` on target's thread, where it must return the task to run there
// (spawned already, or it is spawned with `options`), and returns its future.
// Any thread may call it.
template<typename T>
ConcurrentFuture<T> runOnLoopThreadsafe(Loop &target, std::function<Task<T>()> make, SpawnOptions options = {})
{
    static_assert(!std::is_void_v<T>, "a threadsafe task returns a value");
    ConcurrentFuture<T> future;
    future.m_state->target = target.handle();
    if (!options.parent)
        options.parent = 0;
    target.callSoonThreadsafe([future, make = std::move(make), options]() mutable {
        Task<T> t = make();
        if (!t->attached())
            t->attach(*Loop::current(), options);
        future.m_state->remote = t.core();
        future.m_state->remoteId = t->id();
        bool cancelNow;
        {
            std::unique_lock lock(future.m_state->mutex);
            cancelNow = future.m_state->cancelRequested;
        }
        t->addDoneCallback([future](TaskCore &done) mutable {
            std::optional<T> value;
            if (done.state() == TaskState::Done)
                value.emplace(static_cast<Promise<T> &>(done).m_value.value());
            future.complete(done, std::move(value));
        });
        if (cancelNow)
            t->cancel(CancelReason::parent());
    });
    return future;
}

// asyncio.run_coroutine_threadsafe: spawns task on target from any thread. The task
// was created on the calling thread but runs, ends and is destroyed on target's.
template<typename T>
ConcurrentFuture<T> runCoroutineThreadsafe(Loop &target, Task<T> task, SpawnOptions options = {})
{
    return runOnLoopThreadsafe<T>(target, [task = std::move(task)]() mutable { return std::move(task); },
                                  std::move(options));
}

// A Loop with a thread of its own (asyncio: a loop run_forever() in a second thread).
// The constructor returns once the loop is up. stop() (also run by the destructor)
// ends the thread's event loop, destroys the loop on its thread and joins it; tasks
// still running there are dropped, not cancelled.
class LoopThread
{
public:
    explicit LoopThread(QString name);
    ~LoopThread();
    LoopThread(const LoopThread &) = delete;
    LoopThread &operator=(const LoopThread &) = delete;

    [[nodiscard]] Loop &loop() const noexcept { return *m_loop; }
    [[nodiscard]] QThread *qthread() const noexcept { return m_qthread; }
    void stop();

private:
    std::thread m_thread;
    Loop *m_loop = nullptr;
    QEventLoop *m_events = nullptr;
    QThread *m_qthread = nullptr;
};

} // namespace coroscope::rt

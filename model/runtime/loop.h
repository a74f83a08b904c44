#pragma once

// Loop: an asyncio-style event loop on top of one thread's Qt event loop.
//
// Threading: a Loop belongs to the thread that constructs it, and that thread must
// run a Qt event loop (QCoreApplication::exec, QEventLoop, or LoopThread). Every
// member is for that thread only, but callSoonThreadsafe() and journal().drain(),
// which any thread may call. Loop::current() is the loop of the calling thread.
//
// Order: the loop runs in iterations exactly like asyncio's _run_once (the binding
// rules are docs/spec/taskset-format.md, Fine points, "Iterations"). An iteration
// starts by taking the calls that came from other threads and by moving every
// timer that is due to the expired list; then it runs exactly the steps that were
// ready at that moment, then the expired timers' callbacks. Whatever they schedule
// runs in a later iteration.
//
// Cost: iterations run in slices of about 4 ms; between slices the Qt event loop
// runs, so a million wake-ups never freeze the thread. A slice may end inside an
// iteration: the next one goes on with it, and nothing joins an iteration once it
// has started. One precise QTimer wakes the loop when the next timer is due.

#include "journal.h"
#include "ringqueue.h"
#include "timerwheel.h"
#include "types.h"

#include <QObject>
#include <QString>
#include <QTimer>

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace coroscope::rt {

class TaskCore;
class TaskRef;
class TaskGroup;
class Loop;

// A copyable reference to a Loop for other threads, which may outlive the loop (a
// pool thread still computing for a cancelled task when its run ends, a loop posting
// to another that has stopped). callSoonThreadsafe() runs fn on the loop if it still
// exists and drops fn otherwise: the loop's destructor waits for a post in progress
// and lets none start after it. Any thread; one mutex per loop.
class LoopHandle
{
public:
    LoopHandle() = default;
    // False if the loop is gone (or the handle is empty) and fn was dropped.
    bool callSoonThreadsafe(std::function<void()> fn) const;

private:
    friend class Loop;
    struct Life {
        std::mutex mutex;
        Loop *loop = nullptr; // guarded by mutex; cleared when the loop is destroyed
    };
    explicit LoopHandle(std::shared_ptr<Life> life) : m_life(std::move(life)) {}
    std::shared_ptr<Life> m_life;
};

class Loop final : public QObject
{
    Q_OBJECT

public:
    explicit Loop(QString name, QObject *parent = nullptr);
    ~Loop() override;

    // The loop of the calling thread, or nullptr.
    [[nodiscard]] static Loop *current() noexcept;
    // The task whose step runs right now on this thread, or nullptr.
    [[nodiscard]] static TaskCore *currentTask() noexcept;

    [[nodiscard]] const QString &name() const noexcept { return m_name; }
    [[nodiscard]] Journal &journal() noexcept { return m_journal; }

    // asyncio's call_soon: runs fn in a later step of this loop, in FIFO order.
    void callSoon(std::function<void()> fn);
    // Any thread: runs fn on this loop soon (asyncio's call_soon_threadsafe). The
    // caller must know the loop exists; one that may not, posts through handle().
    void callSoonThreadsafe(std::function<void()> fn);
    // Any thread: a handle that stays safe to post through after the loop is gone.
    [[nodiscard]] LoopHandle handle() const { return LoopHandle(m_life); }

    // Cancels every unfinished task of this loop with the given reason.
    void cancelAll(CancelReason reason);
    // Cancels every unfinished task of this loop that belongs to group.
    void cancelGroup(const TaskGroup *group, CancelReason reason);

    // Milliseconds of the loop's clock (the runtime's monotonic clock).
    [[nodiscard]] std::int64_t nowMs() const noexcept;
    void addTimer(TimerNode *node, std::int64_t dueMs);
    // asyncio's call_later(ms): due ms from now, rounded up to the wheel's millisecond;
    // ms <= 0 fires at the start of the next iteration.
    void addTimerAfter(TimerNode *node, std::int64_t ms);
    void removeTimer(TimerNode *node) noexcept;

    [[nodiscard]] std::size_t liveTaskCount() const noexcept { return m_liveTasks; }
    // The unfinished task with this id, or nullptr. A linear walk of the live tasks:
    // for commands from a person (cancel this task), not for hot paths.
    [[nodiscard]] TaskCore *findTask(std::uint64_t id) const noexcept;
    // The unfinished tasks whose ids are in `sortedIds` (ascending), in creation
    // order, each held; ids not found are left out. One walk of the live tasks, each
    // looked up in a bitmap over the ids' range (a binary search where that range is
    // sparse): no index kept per task, and a subtree of a million is found in one
    // pass (findTask per id would be O(live * ids)).
    [[nodiscard]] std::vector<TaskRef> findTasks(const std::vector<std::uint64_t> &sortedIds) const;
    [[nodiscard]] std::size_t timerCount() const noexcept { return m_timers.size(); }
    [[nodiscard]] std::size_t readyCount() const noexcept { return m_ready.size(); }

    // A step (one resume of a task, or one callback) longer than this is a stall.
    static constexpr std::int64_t kDefaultStallThresholdNs = 50'000'000;
    void setStallThresholdNs(std::int64_t ns) noexcept { m_stallThresholdNs = ns; }
    // The longest step so far. Any thread may read it.
    [[nodiscard]] std::int64_t maxStallNs() const noexcept { return m_maxStallNs.load(std::memory_order_relaxed); }

    // The step running now, for a watcher on another thread to see a loop held by a
    // step while it is held (a stall is journalled only when it ends). Any thread may
    // call it. Costs the loop two stores as a step begins and one as it ends.
    static constexpr std::int64_t kNoStep = INT64_MIN;
    struct Step {
        std::int64_t startNs = kNoStep; // rt::monotonicNs() when it began; kNoStep between steps
        std::uint64_t task = 0;         // the task it runs; 0 for a callSoon function
    };
    [[nodiscard]] Step currentStep() const noexcept;

    // What a loop lets go of later (releaseLater): releaseSome() drops up to n of the
    // references it holds and says whether any are left.
    class DeferredRelease
    {
    public:
        virtual ~DeferredRelease() = default;
        [[nodiscard]] virtual bool releaseSome(std::size_t n) = 0;
    };
    // Lets go of `held` later, a few hundred references at a time, on this loop's
    // thread: freeing a million finished tasks' frames in the step that ends their
    // parent held the loop for 50-100 ms. It is neither a step nor an iteration: it
    // runs in what is left of a slice after its steps (at least one chunk per slice),
    // and in slices of its own when the loop has nothing to run, so no task's
    // iteration moves (docs/spec/taskset-format.md, "Big results"). Whatever is left
    // goes when the loop is destroyed. Use rt::releaseLater(tasks) (task.h).
    void releaseLater(std::unique_ptr<DeferredRelease> held);
    [[nodiscard]] bool releasesPending() const noexcept { return !m_releases.empty(); }

    // Internal to the runtime: used by TaskCore and the awaiters.
    void registerTask(TaskCore *task);
    void unregisterTask(TaskCore *task);
    void scheduleResume(TaskCore *task);
    // Resumes the task `iterations` iterations from now (1 is scheduleResume), unless
    // it has resumed or been woken otherwise by then: the hops of a chain of futures
    // (a shield over a gather: the gather's future, then the shield's, then the task).
    void scheduleResumeIn(TaskCore *task, int iterations);
    void scheduleDoneEntry(TaskCore *task, std::int32_t entry);
    // The names that repeats' copies share, each kept once for the loop's life: a
    // copy holds the index (4 bytes) instead of a string. A name that shares its data
    // with the last one kept (the next copy of the same repeat) is not kept again.
    [[nodiscard]] std::uint32_t copyNameIndex(const QString &name);
    [[nodiscard]] const QString &copyName(std::uint32_t index) const { return m_copyNames[index]; }

Q_SIGNALS:
    // Emitted (queued, from a slice) when the last unfinished task of the loop ends.
    void allTasksFinished();

protected:
    bool event(QEvent *e) override;

private:
    struct Ready {
        TaskCore *task;    // nullptr for a function: tag kFunction (callSoon) or kIncomingFunction
        std::int32_t tag;  // kResume, kWaiter0, kDeferred - n, or the task's done-entry index
        std::uint32_t resumes = 0; // kDeferred: the task's resume count when scheduled
    };

    void wake();
    void runSlice();
    bool beginIteration();
    [[nodiscard]] bool iterationUnderway() const noexcept { return m_iterationLeft > 0 || m_timers.hasExpired(); }
    void runReady(const Ready &r);
    void runResume(TaskCore *task);
    void takeIncoming();
    void pushReady(const Ready &r)
    {
        m_ready.push_back(r);
        m_pushed.store(m_pushed.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }
    void armTimer();
    void onTimer();
    // Releases deferred references until `sliceStartNs` + the slice's length, at least
    // one chunk; then, if some are left and nothing else will run a slice, posts a
    // slice of releases.
    void releaseSome(std::int64_t sliceStartNs);
    void postRelease();
    void beginStep(std::uint64_t task, std::int64_t startNs) noexcept;
    void noteStep(TaskCore *task, std::int64_t startNs);

    QString m_name;
    std::shared_ptr<LoopHandle::Life> m_life;
    Journal m_journal;
    TimerWheel m_timers;
    QTimer m_wheelTimer;
    std::int64_t m_armedForMs = -1;
    bool m_inSlice = false;

    RingQueue<Ready> m_ready;
    std::size_t m_iterationLeft = 0; // the first m_iterationLeft entries of m_ready belong to this iteration
    std::deque<std::function<void()>> m_functions;
    std::deque<std::function<void()>> m_incomingFunctions; // taken from m_incoming, in order
    // Entries ever pushed to m_ready by this loop's thread; read by callSoonThreadsafe()
    // on any thread to place its call among them (takeIncoming()).
    std::atomic<std::uint64_t> m_pushed{0};
    bool m_drainPosted = false;

    std::mutex m_incomingMutex; // std::mutex, not QMutex: ThreadSanitizer sees it
    struct Incoming {
        std::function<void()> fn;
        std::uint64_t at; // m_pushed when it was called
    };
    std::vector<Incoming> m_incoming; // guarded by m_incomingMutex
    bool m_incomingPosted = false;                 // guarded by m_incomingMutex

    std::deque<std::unique_ptr<DeferredRelease>> m_releases;
    bool m_releasePosted = false;

    TaskCore *m_liveHead = nullptr;
    std::size_t m_liveTasks = 0;
    std::vector<QString> m_copyNames;
    bool m_announceIdle = false;

    std::int64_t m_stallThresholdNs = kDefaultStallThresholdNs;
    std::atomic<std::int64_t> m_maxStallNs{0};
    // currentStep(): written by the loop's thread only (release), read by any.
    std::atomic<std::uint64_t> m_stepTask{0};
    std::atomic<std::int64_t> m_stepStartNs{kNoStep};
};

} // namespace coroscope::rt

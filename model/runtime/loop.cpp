#include "loop.h"

#include "clock.h"
#include "logging.h"
#include "probe.h"
#include "task.h"
#include "taskgroup.h"

#include <QCoreApplication>
#include <QEvent>

#include <algorithm>
#include <limits>

Q_LOGGING_CATEGORY(lcRuntime, "coroscope.runtime")

namespace coroscope::rt {

namespace {
thread_local Loop *t_currentLoop = nullptr;
thread_local TaskCore *t_currentTask = nullptr;

const QEvent::Type kDrainEvent = QEvent::Type(QEvent::registerEventType());
const QEvent::Type kIncomingEvent = QEvent::Type(QEvent::registerEventType());
const QEvent::Type kReleaseEvent = QEvent::Type(QEvent::registerEventType());
// References a deferred release lets go of between two looks at the clock.
constexpr std::size_t kReleaseChunk = 256;

constexpr std::int64_t kSliceNs = 4'000'000;
constexpr int kClockCheckEvery = 32;
// Ready tags below this one are deferred resumes: kDeferred - n resumes the task
// n + 1 iterations after the iteration in which it runs.
constexpr std::int32_t kDeferred = -3;
// Tags of a Ready entry without a task: the queue its function waits in.
constexpr std::int32_t kFunction = 0;
constexpr std::int32_t kIncomingFunction = 1;
} // namespace

Loop::Loop(QString name, QObject *parent)
    : QObject(parent)
    , m_name(std::move(name))
    , m_life(std::make_shared<LoopHandle::Life>())
    , m_timers(monotonicMs())
{
    m_life->loop = this;
    Q_ASSERT_X(!t_currentLoop, "Loop", "one loop per thread");
    t_currentLoop = this;
    m_wheelTimer.setTimerType(Qt::PreciseTimer);
    m_wheelTimer.setSingleShot(true);
    connect(&m_wheelTimer, &QTimer::timeout, this, &Loop::onTimer);
    if (probe::active()) // COROSCOPE_PROBE=1 or probe::install() (probe.h)
        probe::detail::watch(*this);
}

Loop::~Loop()
{
    probe::detail::forget(*this);
    {
        // From here on, handles drop what they are given (a post in progress ends first).
        std::lock_guard lock(m_life->mutex);
        m_life->loop = nullptr;
    }
    m_releases.clear();
    // Tasks still alive lose the loop's reference; their frames go when the last
    // handle does. Queued steps are dropped without running.
    for (std::size_t i = 0; i < m_ready.size(); ++i) {
        if (m_ready[i].task)
            m_ready[i].task->deref();
    }
    m_ready.clear();
    while (m_liveHead) {
        TaskCore *t = m_liveHead;
        unregisterTask(t);
    }
    if (t_currentLoop == this)
        t_currentLoop = nullptr;
}

Loop *Loop::current() noexcept { return t_currentLoop; }
TaskCore *Loop::currentTask() noexcept { return t_currentTask; }

std::int64_t Loop::nowMs() const noexcept { return monotonicMs(); }

void Loop::callSoon(std::function<void()> fn)
{
    m_functions.push_back(std::move(fn));
    pushReady(Ready{nullptr, kFunction});
    wake();
}

void Loop::callSoonThreadsafe(std::function<void()> fn)
{
    std::lock_guard lock(m_incomingMutex);
    m_incoming.push_back(Incoming{std::move(fn), m_pushed.load(std::memory_order_relaxed)});
    if (!m_incomingPosted) {
        m_incomingPosted = true;
        QCoreApplication::postEvent(this, new QEvent(kIncomingEvent));
    }
}

bool LoopHandle::callSoonThreadsafe(std::function<void()> fn) const
{
    if (!m_life)
        return false;
    {
        std::lock_guard lock(m_life->mutex);
        if (m_life->loop) {
            m_life->loop->callSoonThreadsafe(std::move(fn));
            return true;
        }
    }
    return false; // fn, and what it holds, go here, outside the lock
}

void Loop::takeIncoming()
{
    std::vector<Incoming> incoming;
    {
        std::lock_guard lock(m_incomingMutex);
        incoming.swap(m_incoming);
        m_incomingPosted = false;
    }
    if (incoming.empty())
        return;
    // asyncio's call_soon_threadsafe appends to the ready queue the moment it is
    // called: after what this loop made ready before the call, before what it made
    // ready later in the same iteration (a stall's followers, a timer's wake-up).
    // m_ready holds exactly the pushes since this iteration's start
    // (docs/spec/taskset-format.md, "Iterations").
    const std::uint64_t first = m_pushed.load(std::memory_order_relaxed) - m_ready.size();
    const auto slot = [&](const Incoming &c) {
        return std::size_t(std::min<std::uint64_t>(c.at > first ? c.at - first : 0, m_ready.size()));
    };
    const Ready function{nullptr, kIncomingFunction};
    std::size_t next = 0; // the first call not yet placed
    if (slot(incoming.front()) < m_ready.size()) {
        RingQueue<Ready> merged;
        for (std::size_t i = 0; i < m_ready.size(); ++i) {
            for (; next < incoming.size() && slot(incoming[next]) <= i; ++next)
                merged.push_back(function);
            merged.push_back(m_ready[i]);
        }
        m_ready.swap(merged);
    }
    for (; next < incoming.size(); ++next)
        m_ready.push_back(function);
    for (Incoming &c : incoming)
        m_incomingFunctions.push_back(std::move(c.fn));
}

std::uint32_t Loop::copyNameIndex(const QString &name)
{
    if (m_copyNames.empty() || !sameStringData(m_copyNames.back(), name))
        m_copyNames.push_back(name);
    return std::uint32_t(m_copyNames.size() - 1);
}

void Loop::registerTask(TaskCore *task)
{
    task->ref();
    task->m_prevLive = nullptr;
    task->m_nextLive = m_liveHead;
    if (m_liveHead)
        m_liveHead->m_prevLive = task;
    m_liveHead = task;
    ++m_liveTasks;
}

void Loop::unregisterTask(TaskCore *task)
{
    if (task->m_prevLive)
        task->m_prevLive->m_nextLive = task->m_nextLive;
    else
        m_liveHead = task->m_nextLive;
    if (task->m_nextLive)
        task->m_nextLive->m_prevLive = task->m_prevLive;
    task->m_prevLive = task->m_nextLive = nullptr;
    if (--m_liveTasks == 0) {
        m_announceIdle = true;
        wake();
    }
    if (TaskGroup *group = std::exchange(task->m_group, nullptr))
        group->left();
    task->deref();
}

TaskCore *Loop::findTask(std::uint64_t id) const noexcept
{
    for (TaskCore *t = m_liveHead; t; t = t->m_nextLive) {
        if (t->m_id == id)
            return t;
    }
    return nullptr;
}

std::vector<TaskRef> Loop::findTasks(const std::vector<std::uint64_t> &sortedIds) const
{
    std::vector<TaskRef> found;
    if (sortedIds.empty())
        return found;
    const std::uint64_t lowest = sortedIds.front();
    const std::uint64_t highest = sortedIds.back();
    // Ids are dense per loop, so a subtree's ids mostly fill their range: a bit each
    // is cheaper than ~20 unpredictable comparisons each.
    constexpr std::uint64_t kBitsPerId = 64;
    std::vector<bool> wanted;
    if (highest - lowest < kBitsPerId * sortedIds.size()) {
        wanted.resize(std::size_t(highest - lowest + 1));
        for (std::uint64_t id : sortedIds)
            wanted[std::size_t(id - lowest)] = true;
    }
    const auto isWanted = [&](std::uint64_t id) {
        if (id < lowest || id > highest)
            return false;
        return wanted.empty() ? std::binary_search(sortedIds.begin(), sortedIds.end(), id)
                              : bool(wanted[std::size_t(id - lowest)]);
    };
    // Held as they are met (the walk has just touched them): a cancel may end another.
    for (TaskCore *t = m_liveHead; t && found.size() < sortedIds.size(); t = t->m_nextLive) {
        if (isWanted(t->m_id))
            found.emplace_back(t);
    }
    std::reverse(found.begin(), found.end()); // the live list is newest first
    return found;
}

void Loop::cancelAll(CancelReason reason)
{
    cancelGroup(nullptr, reason);
}

void Loop::cancelGroup(const TaskGroup *group, CancelReason reason)
{
    // Collect first, each held: cancelling may finish tasks and unlink them.
    std::vector<TaskRef> matching;
    for (TaskCore *t = m_liveHead; t; t = t->m_nextLive) {
        if (!group || t->m_group == group)
            matching.emplace_back(t);
    }
    // In creation order (the live list is newest first), as asyncio's programs walk
    // their tasks: the order of the wake-ups that the cancellations schedule.
    for (auto it = matching.rbegin(); it != matching.rend(); ++it) {
        const TaskRef t = std::move(*it); // let go of each as soon as it is cancelled
        t->cancel(reason);
    }
}

void Loop::scheduleResume(TaskCore *task)
{
    if (task->m_resumeScheduled)
        return;
    task->m_resumeScheduled = true;
    task->ref();
    pushReady(Ready{task, TaskCore::kResume});
    wake();
}

void Loop::scheduleResumeIn(TaskCore *task, int iterations)
{
    if (iterations <= 1) {
        scheduleResume(task);
        return;
    }
    task->ref();
    pushReady(Ready{task, kDeferred - (iterations - 2), task->m_resumes});
    wake();
}

void Loop::scheduleDoneEntry(TaskCore *task, std::int32_t entry)
{
    task->ref();
    pushReady(Ready{task, entry});
    wake();
}

void Loop::addTimer(TimerNode *node, std::int64_t dueMs)
{
    m_timers.add(node, dueMs);
    if (dueMs <= m_timers.currentMs()) {
        wake(); // due at the next iteration's start
        return;
    }
    // Inside a slice the wheel timer is set once, at the slice's end: a million
    // sleeps started in one slice must not restart it a million times. Outside, it
    // only needs to move when this timer is due before it fires.
    if (!m_inSlice && (!m_wheelTimer.isActive() || dueMs < m_armedForMs))
        armTimer();
}

void Loop::addTimerAfter(TimerNode *node, std::int64_t ms)
{
    if (ms <= 0)
        addTimer(node, nowMs()); // due now, as asyncio's call_later(0): after what came due before
    else
        addTimer(node, (monotonicNs() + ms * 1'000'000 + 999'999) / 1'000'000);
}

void Loop::removeTimer(TimerNode *node) noexcept
{
    m_timers.remove(node);
}

void Loop::armTimer()
{
    const std::int64_t wakeAt = m_timers.nextWakeMs();
    if (wakeAt < 0) {
        m_wheelTimer.stop();
        m_armedForMs = -1;
        return;
    }
    if (m_wheelTimer.isActive() && m_armedForMs == wakeAt)
        return;
    // QTimer takes an int of ms (24.8 days): a wheel node due later (durations saturate
    // at 10^9 s) is reached through intermediate wakes, each of which re-arms.
    const std::int64_t now = nowMs();
    const std::int64_t in = std::clamp<std::int64_t>(wakeAt - now, 0, std::numeric_limits<int>::max());
    m_armedForMs = now + in;
    m_wheelTimer.start(int(in));
}

void Loop::onTimer()
{
    // Timers are moved only at an iteration's start: the wheel timer just wakes the loop.
    m_armedForMs = -1;
    wake();
}

void Loop::wake()
{
    if (m_drainPosted)
        return;
    m_drainPosted = true;
    // Posted under the mutex callSoonThreadsafe posts under: both write this thread's
    // posted-event list, whose own lock ThreadSanitizer cannot see (see event()).
    std::lock_guard lock(m_incomingMutex);
    QCoreApplication::postEvent(this, new QEvent(kDrainEvent));
}

bool Loop::event(QEvent *e)
{
    // Events may come from other threads (callSoonThreadsafe posts under this
    // mutex): take it before reading the event, so the hand-over is one that
    // ThreadSanitizer can see (Debian's Qt is not instrumented).
    std::unique_lock lock(m_incomingMutex);
    const QEvent::Type type = e->type();
    lock.unlock();
    if (type == kDrainEvent) {
        m_drainPosted = false;
        runSlice();
        return true;
    }
    if (type == kIncomingEvent) {
        wake(); // taken at the next iteration's start
        return true;
    }
    if (type == kReleaseEvent) {
        m_releasePosted = false;
        releaseSome(monotonicNs());
        return true;
    }
    return QObject::event(e);
}

bool Loop::beginIteration()
{
    // asyncio's _run_once: calls from other threads, then the timers that are due,
    // then exactly what is ready now (docs/spec/taskset-format.md, "Iterations").
    takeIncoming();
    const std::int64_t now = nowMs();
    m_timers.collect(now);
    if (m_armedForMs >= 0 && m_armedForMs <= now)
        m_armedForMs = -1; // passed: its firing, if still queued, only wakes the loop
    m_iterationLeft = m_ready.size();
    return iterationUnderway();
}

void Loop::runSlice()
{
    const std::int64_t start = monotonicNs();
    int sinceCheck = 0;
    const auto sliceOver = [&] {
        if (++sinceCheck < kClockCheckEvery)
            return false;
        sinceCheck = 0;
        return monotonicNs() - start > kSliceNs;
    };
    bool over = false;
    m_inSlice = true;
    while (!over && (iterationUnderway() || beginIteration())) {
        while (m_iterationLeft > 0 && !over) {
            const Ready r = m_ready.front();
            m_ready.pop_front();
            --m_iterationLeft;
            runReady(r);
            over = sliceOver();
        }
        // The timers' callbacks come after the steps that were ready, as asyncio
        // appends them to its ready queue.
        while (m_iterationLeft == 0 && !over) {
            TimerNode *n = m_timers.popExpired();
            if (!n)
                break;
            n->fire(n); // a wake-up or a timeout's bookkeeping: never a stall
            over = sliceOver();
        }
    }
    m_inSlice = false;
    m_journal.publish();
    const bool more = iterationUnderway() || !m_ready.empty();
    if (more)
        wake();
    else
        armTimer(); // idle until the next timer is due
    if (!m_releases.empty())
        releaseSome(start);
    if (m_announceIdle && m_liveTasks == 0 && m_ready.empty()) {
        m_announceIdle = false;
        Q_EMIT allTasksFinished();
    }
}

void Loop::releaseLater(std::unique_ptr<DeferredRelease> held)
{
    m_releases.push_back(std::move(held));
    // From a step, the slice releases some at its end. Not wake(): a slice of steps
    // that only this asked for would begin an iteration, and take the timers due, at
    // a moment of its own.
    if (!m_inSlice)
        postRelease();
}

void Loop::releaseSome(std::int64_t sliceStartNs)
{
    do {
        if (!m_releases.front()->releaseSome(kReleaseChunk))
            m_releases.pop_front();
    } while (!m_releases.empty() && monotonicNs() - sliceStartNs < kSliceNs);
    postRelease();
}

void Loop::postRelease()
{
    // A slice of steps releases more at its end; only an idle loop needs a slice of its own.
    if (m_releases.empty() || m_drainPosted || m_releasePosted)
        return;
    m_releasePosted = true;
    std::lock_guard lock(m_incomingMutex); // as wake() posts
    QCoreApplication::postEvent(this, new QEvent(kReleaseEvent));
}

void Loop::runReady(const Ready &r)
{
    if (!r.task) {
        std::deque<std::function<void()>> &from = r.tag == kIncomingFunction ? m_incomingFunctions : m_functions;
        std::function<void()> fn = std::move(from.front());
        from.pop_front();
        const std::int64_t t0 = monotonicNs();
        beginStep(0, t0);
        fn();
        noteStep(nullptr, t0);
        return;
    }
    TaskCore *task = r.task;
    if (r.tag == TaskCore::kResume) {
        runResume(task);
    } else if (r.tag <= kDeferred) {
        // A future of the chain is set; the last one wakes the task, unless it has
        // moved on (resumed, or woken by a cancellation) meanwhile.
        if (!task->finished() && !task->m_resumeScheduled && task->m_resumes == r.resumes) {
            if (r.tag == kDeferred)
                scheduleResume(task);
            else {
                task->ref();
                pushReady(Ready{task, r.tag + 1, r.resumes});
            }
        }
    } else if (r.tag == TaskCore::kWaiter0) {
        task->runDoneEntry(r.tag); // an awaiter's bookkeeping: never a stall
    } else {
        const std::int64_t t0 = monotonicNs();
        beginStep(task->m_id, t0);
        task->runDoneEntry(r.tag);
        noteStep(task, t0);
    }
    task->deref();
}

void Loop::runResume(TaskCore *task)
{
    task->m_resumeScheduled = false;
    if (task->finished())
        return;
    if (task->m_mustCancel && (task->m_state == TaskState::Pending || !task->m_catchesCancel)) {
        // Never started, or would not catch Cancelled: end it without resuming.
        task->endCancelledWithoutResuming();
        return;
    }
    if (task->m_suspension && !task->m_mustCancel && task->m_suspension->waitsAgain(*task))
        return; // woken, but what it waits for is gone again (asyncio's `while q.full()`)
    if (task->m_state == TaskState::Pending) {
        task->m_state = TaskState::Running;
        m_journal.append(EventType::Started, task->m_id);
    } else {
        m_journal.append(EventType::Resumed, task->m_id);
    }
    task->m_suspension = nullptr;
    ++task->m_resumes;
    TaskCore *const previous = std::exchange(t_currentTask, task);
    const std::int64_t t0 = monotonicNs();
    beginStep(task->m_id, t0);
    task->handle().resume();
    t_currentTask = previous;
    task->stepEnded();
    noteStep(task, t0);
}

void Loop::beginStep(std::uint64_t task, std::int64_t startNs) noexcept
{
    // The task first, then the start: a reader that sees this start sees this task.
    m_stepTask.store(task, std::memory_order_release);
    m_stepStartNs.store(startNs, std::memory_order_release);
}

Loop::Step Loop::currentStep() const noexcept
{
    const std::int64_t start = m_stepStartNs.load(std::memory_order_acquire);
    if (start == kNoStep)
        return {};
    const std::uint64_t task = m_stepTask.load(std::memory_order_acquire);
    // A task id stored by a later step comes after that step's end was stored: the
    // start read again then differs, and the pair read is not one step's.
    if (m_stepStartNs.load(std::memory_order_acquire) != start)
        return {};
    return {start, task};
}

void Loop::noteStep(TaskCore *task, std::int64_t startNs)
{
    m_stepStartNs.store(kNoStep, std::memory_order_release);
    const std::int64_t took = monotonicNs() - startNs;
    if (took > m_maxStallNs.load(std::memory_order_relaxed))
        m_maxStallNs.store(took, std::memory_order_relaxed);
    if (took > m_stallThresholdNs)
        m_journal.append(EventType::Stall, task ? task->id() : 0, std::uint64_t(took));
}

} // namespace coroscope::rt

#pragma once

// LiveRun: one run of a task set as the dashboard drives it. Each run gets a loop
// thread of its own ("main", plus the run's "worker" loop for threadsafe sets), so
// a run that stalls its loop never stalls another run, and stopping one leaves the
// others alone. The TaskSetRun lives on that loop thread; this object is its handle
// on the GUI thread.
//
// Threading: every member is for the GUI thread. Commands are queued to the run's
// loop (callSoonThreadsafe); started/finished come back as queued signals; drain()
// reads the loops' journals, which any thread may do.

#include "taskset/tasksetrun.h"

#include "runtime/runtime.h"

#include <QObject>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace coroscope::monitor {

class LiveRun final : public QObject
{
    Q_OBJECT

public:
    // `keepOpen`: the run stays open with no task (the playground for spawned tasks).
    LiveRun(taskset::TaskSet set, bool keepOpen, QObject *parent = nullptr);
    ~LiveRun() override;

    [[nodiscard]] const QString &setName() const noexcept { return m_setName; }
    // When the run started (rt::monotonicNs()).
    [[nodiscard]] std::int64_t startNs() const noexcept { return m_startNs; }
    [[nodiscard]] bool isRunning() const noexcept { return m_running; }

    // Hands every journal batch published since the last call to `sink`, loop by loop.
    // The sink may take the batch's contents (swap in an empty batch, ideally one with
    // capacity: it goes back to the loop's journal and saves it fresh memory).
    using Sink = std::function<void(const QString &loopName, rt::JournalBatch &batch)>;
    void drain(const Sink &sink);
    // Blocks until each of the run's loops has published every event it journalled
    // before the call, so that the next drain() reads them all. finished() can come
    // before its loop publishes the run's last events: call this after it to read a
    // complete log. Costs a round trip through each loop (short once the run has
    // finished; as long as a task holds a loop while it runs).
    void publishJournals();
    // The longest step of each of the run's loops so far.
    [[nodiscard]] std::vector<std::pair<QString, std::int64_t>> longestSteps() const;
    // The step each of the run's loops runs now (rt::Loop::currentStep), by loop name.
    [[nodiscard]] std::vector<std::pair<QString, rt::Loop::Step>> currentSteps() const;

    void stop();
    // Cancels these tasks with reason user (each found in one walk of its loop's tasks).
    void cancelTasks(std::vector<std::uint64_t> runtimeIds);
    // Cancels the task with reason user, then its unfinished descendants with reason
    // parent (asyncio's reason for an awaited child of a cancelled task).
    void cancelSubtree(std::uint64_t rootRuntimeId, std::vector<std::uint64_t> descendants);
    // Spawns the node (a child of parentRuntimeId, or a root task when 0); `spawned`,
    // if given, is called on the run's loop thread with the new task's runtime id.
    void spawn(std::shared_ptr<const taskset::Node> node, std::uint64_t parentRuntimeId,
               std::function<void(std::uint64_t)> spawned = {});
    // A callback on task `runtimeId`. If the task has already ended, the callback is
    // recorded and fires soon, as asyncio does for a finished task; `nextIndex` is
    // the index it then takes (the task's callbacks so far).
    void addCallback(std::uint64_t runtimeId, taskset::Callback callback, std::uint32_t nextIndex);

Q_SIGNALS:
    void started(std::int64_t startNs);
    void finished(std::int64_t endNs);
    // Emitted on the run's loop thread and queued to this object's thread by
    // connections made once: a QMetaObject::invokeMethod functor per message would be
    // freed by Qt on the loop thread after the GUI thread ran it, a hand-over through
    // Qt's uninstrumented reference count that ThreadSanitizer reports as a race.
    void startedOnLoop(std::int64_t startNs, QPrivateSignal);
    void finishedOnLoop(std::int64_t endNs, QPrivateSignal);

private:
    [[nodiscard]] rt::Loop *workerLoop() const;
    // Runs fn(run) on the run's main loop.
    void post(std::function<void(taskset::TaskSetRun &)> fn);

    QString m_setName;
    std::unique_ptr<rt::LoopThread> m_thread;
    taskset::TaskSetRun *m_run = nullptr; // lives on m_thread; set before anything is posted
    mutable std::mutex m_loopsMutex;
    std::vector<taskset::TaskSetRun::LoopJournal> m_loops; // guarded by m_loopsMutex
    rt::JournalBatch m_batch;
    std::int64_t m_startNs = 0;
    bool m_running = true;
};

} // namespace coroscope::monitor

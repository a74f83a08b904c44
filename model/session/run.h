#pragma once

// session::Run: one run of a task set, started on loop threads of its own ("main",
// plus the run's "worker" loop for threadsafe sets), and the feed of its journals to
// whoever keeps the run's task table. The command line and the dashboard are its two
// consumers: each calls pump() from its own thread, within the time it can spare,
// and hands the events to its table (log::RunRecord, directly or through the
// dashboard's store). A run that stalls its loop never stalls another run or its
// consumer; stopping one leaves the others alone. The TaskSetRun (the interpreter)
// lives on the main loop thread; this object is its handle on the consumer's thread.
//
// Ending: the interpreter says the run has finished a step after its last task
// ended; its last events may still wait in the loops' journals then. ended() comes
// once those are applied too, from pump(): then the table is complete.
//
// Threading: every member is for the thread that made the Run (the consumer's).
// Commands are queued to the run's main loop (callSoonThreadsafe); the interpreter
// finds the loop each task lives on. started/finished come back as queued signals.

#include "session/journalbacklog.h"
#include "taskset/tasksetrun.h"

#include "runtime/runtime.h"

#include <QObject>

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace coroscope::session {

class Run final : public QObject
{
    Q_OBJECT

public:
    // `keepOpen`: the run stays open with no task (the playground for spawned tasks).
    Run(taskset::TaskSet set, bool keepOpen, QObject *parent = nullptr);
    ~Run() override;

    [[nodiscard]] const QString &setName() const noexcept { return m_setName; }
    // When the run started (rt::monotonicNs()).
    [[nodiscard]] std::int64_t startNs() const noexcept { return m_startNs; }
    // Its tasks run: not yet finished, or given a task again since (spawn).
    [[nodiscard]] bool isRunning() const noexcept { return m_running; }

    // Feeding ----------------------------------------------------------------------
    using Apply = JournalBacklog::Apply;
    // Applies what the loops have published, oldest first, in slices of at most
    // `sliceEvents` events, until nothing is left or `budgetNs` has passed (< 0: no
    // limit); the journals are read again only once what was taken is applied, so the
    // backlog cannot grow without bound. True once caught up. Emits ended() when the
    // run has finished and its last events are applied.
    bool pump(std::int64_t budgetNs, const Apply &apply, std::size_t sliceEvents = 512);
    // Nothing taken waits to be applied, and no end waits to be announced.
    [[nodiscard]] bool caughtUp() const noexcept { return m_backlog.empty() && !m_endPending; }
    // Blocks until each of the run's loops has published every event it journalled
    // before the call (a round trip through each loop: as long as a task holds it).
    void publishJournals();
    // Blocks until the backlog's large spent batches are freed (its releasing thread).
    void waitForReleases() { m_backlog.waitForReleases(); }

    // The longest step of each of the run's loops so far.
    [[nodiscard]] std::vector<std::pair<QString, std::int64_t>> longestSteps() const;
    // The step each of the run's loops runs now (rt::Loop::currentStep), by loop name.
    [[nodiscard]] std::vector<std::pair<QString, rt::Loop::Step>> currentSteps() const;

    // Commands ---------------------------------------------------------------------
    // Cancels every unfinished task (reason user): Ctrl-C, Stop.
    void stop();
    // Cancels tasks `user` (reason user) and `parent` (reason parent), runtime ids in
    // any order: see taskset::TaskSetRun::cancel.
    void cancel(std::vector<std::uint64_t> user, std::vector<std::uint64_t> parent = {});
    // Spawns the node (a child of parentRuntimeId, or a root task when 0); `spawned`,
    // if given, is called on the run's loop thread with the new task's runtime id.
    void spawn(std::shared_ptr<const taskset::Node> node, std::uint64_t parentRuntimeId,
               std::function<void(std::uint64_t)> spawned = {});
    // A done-callback on task `runtimeId`: see taskset::TaskSetRun::addCallback.
    void addCallback(std::uint64_t runtimeId, taskset::Callback callback, std::uint32_t nextIndex);

Q_SIGNALS:
    void started(std::int64_t startNs);
    // The run has finished and every event of it is applied (see Ending above).
    void ended(std::int64_t endNs);
    // Emitted on the run's loop thread and queued to this object's thread by
    // connections made once: a QMetaObject::invokeMethod functor per message would be
    // freed by Qt on the loop thread after the consumer's thread ran it, a hand-over
    // through Qt's uninstrumented reference count that ThreadSanitizer reports.
    void startedOnLoop(std::int64_t startNs, QPrivateSignal);
    void finishedOnLoop(std::int64_t endNs, QPrivateSignal);

protected:
    // Takes m_postMutex before Qt reads a queued event, as the loop thread posts it
    // under that mutex: a hand-over ThreadSanitizer can see (Qt's event queue it cannot).
    bool event(QEvent *e) override;

private:
    // Runs fn(run) on the run's main loop.
    void post(std::function<void(taskset::TaskSetRun &)> fn);
    void takeFromJournals();
    // The run's loops and their journals' names, as of now.
    [[nodiscard]] std::vector<taskset::TaskSetRun::LoopJournal> loops() const;

    QString m_setName;
    std::unique_ptr<rt::LoopThread> m_thread;
    taskset::TaskSetRun *m_run = nullptr; // lives on m_thread; set before anything is posted
    std::mutex m_postMutex; // held while the loop thread emits startedOnLoop / finishedOnLoop
    mutable std::mutex m_loopsMutex;
    std::vector<taskset::TaskSetRun::LoopJournal> m_loops; // guarded by m_loopsMutex
    rt::JournalBatch m_batch;
    JournalBacklog m_backlog;
    std::int64_t m_startNs = 0;
    std::int64_t m_endNs = 0;
    bool m_running = true;
    bool m_endPending = false; // finished, ended() not emitted yet
};

} // namespace coroscope::session

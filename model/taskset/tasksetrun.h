#pragma once

// TaskSetRun: one run of a task set on the Coroscope runtime (the interpreter).
// Every node becomes one task whose coroutine has the asyncio meaning the spec
// gives its op; tasks are tagged with their op, named, and journalled by the
// runtime, so the run's log is read from the loops' journals (see journals()).
//
// Threading: construct, start() and use on the main loop's thread. A set with a
// `threadsafe` op gets a worker loop on a thread of its own, owned by the run.
// finished() is emitted on the main loop's thread once every task the run created
// has ended (after a deadline or stop(), once the cancelled tasks have ended).
//
// Cost: a node is read where it is; `repeat` makes its copies from the one
// template node (no copy of the JSON per task), in batches that give the loop back
// between them, so a million copies never freeze it.

#include "taskset/taskset.h"

#include "runtime/runtime.h"

#include <QObject>

#include <memory>
#include <mutex>
#include <vector>

namespace coroscope::taskset {

class TaskSetRun final : public QObject
{
    Q_OBJECT

public:
    TaskSetRun(TaskSet set, rt::Loop &mainLoop, QObject *parent = nullptr);
    ~TaskSetRun() override;

    // Creates the top-level tasks (t = 0) and arms the deadline.
    void start();
    // Cancels every unfinished task of the run (reason user: Ctrl-C, "stop").
    void stop(rt::CancelReason reason = rt::CancelReason::user());

    // Adds a task made from `node` to the running run, on the calling loop (the run's
    // main loop or its worker): a child of `parent` (a runtime id, 0 = top level) for
    // the tree, or a follow-up made by `origin`'s callback. The dashboard's "spawn".
    // Returns the task's runtime id.
    std::uint64_t spawn(const std::shared_ptr<const Node> &node, std::uint64_t parent, std::uint64_t origin = 0);
    // Cancels the run's tasks `user` with reason user and `parent` with reason parent
    // (runtime ids in any order; ended or unknown ids are skipped), on whichever
    // of the run's loops each lives: those of the main loop now, in creation order, the
    // worker's from the worker's next iteration. Call on the main loop. The dashboard's
    // cancel and cancel subtree.
    void cancel(const std::vector<std::uint64_t> &user, const std::vector<std::uint64_t> &parent = {});
    // Adds a done-callback described by `callback` (log, partial, spawn) to task
    // `runtimeId` of this run, on whichever loop it lives. A task that has ended gets
    // it as asyncio's add_done_callback on a done future does: recorded now (as its
    // callback `nextIndex`, the count of its callbacks so far) and run soon on the main
    // loop. Call on the main loop.
    void addCallback(std::uint64_t runtimeId, const Callback &callback, std::uint32_t nextIndex);
    // Keeps the run open while it has no task (the dashboard's playground run).
    void setKeepOpen(bool open) { m_keepOpen = open; }

    [[nodiscard]] const TaskSet &set() const noexcept { return m_set; }
    [[nodiscard]] bool isFinished() const noexcept { return m_finished; }
    [[nodiscard]] std::int64_t startNs() const noexcept { return m_startNs; }
    [[nodiscard]] std::int64_t endNs() const noexcept { return m_endNs; }
    [[nodiscard]] std::int64_t tasksCreated() const noexcept { return m_group.createdCount(); }
    [[nodiscard]] std::int64_t tasksLive() const noexcept { return m_group.liveCount(); }

    // The loops whose journals hold this run's events, with their log names.
    struct LoopJournal {
        QString name;
        rt::Loop *loop;
    };
    [[nodiscard]] std::vector<LoopJournal> journals() const;

Q_SIGNALS:
    void finished();

private:
    friend class Interpreter;
    void onGroupEmpty();
    // addCallback on the calling loop: false if the task does not live there.
    bool attachHere(std::uint64_t runtimeId, const Callback &callback);
    void addCallbackToEnded(std::uint64_t runtimeId, const Callback &callback, std::uint32_t index);

    TaskSet m_set;
    rt::Loop &m_main;
    std::unique_ptr<rt::LoopThread> m_worker;
    // The run's tasks: every task the interpreter makes joins it, and finds the
    // interpreter through it, so that a sleep's frame need not hold it
    // (docs/spec/runtime-package.md, "A sleeping task's bytes").
    struct Group final : rt::TaskGroup {
        using rt::TaskGroup::TaskGroup;
        class Interpreter *interpreter = nullptr;
    };
    Group m_group;
    std::unique_ptr<class Interpreter> m_interpreter;
    struct DeadlineTimer : rt::TimerNode {
        TaskSetRun *run = nullptr;
    };
    DeadlineTimer m_deadline;
    std::int64_t m_startNs = 0;
    std::int64_t m_endNs = 0;
    bool m_started = false;
    bool m_finished = false;
    bool m_keepOpen = false;
};

} // namespace coroscope::taskset

#include "tasksetrun.h"

#include "log/optag.h"
#include "log/resulttext.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QPointer>
#include <QSet>
#include <QStringBuilder>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <thread>
#include <unordered_map>

Q_LOGGING_CATEGORY(lcTaskSet, "coroscope.taskset")

namespace coroscope::taskset {

using log::OpTag;
using rt::Task;
using NodeRef = std::shared_ptr<const Node>;

namespace {

// Copies made per loop step (docs/spec/taskset-format.md, "Big batches").
constexpr std::size_t kRepeatBatch = 16384;

bool isLeaf(Op op)
{
    return op == Op::Sleep || op == Op::Fail || op == Op::Cpu || op == Op::Block;
}


QJsonValue number(double v)
{
    return QJsonValue(v);
}

// Real CPU work for about `ms` milliseconds of wall time (the spec: work_ms is wall time).
double burnCpu(double ms)
{
    // Sub-millisecond work is kept; beyond the runtime's longest duration it saturates.
    const std::int64_t end = rt::monotonicNs() + std::int64_t(std::min(ms, double(rt::kMaxDurationMs)) * 1e6);
    volatile std::uint64_t x = 1;
    while (rt::monotonicNs() < end) {
        for (int i = 0; i < 2000; ++i)
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    }
    return ms;
}

QString callbackDescription(const Callback &cb)
{
    QJsonObject o;
    switch (cb.kind) {
    case Callback::Kind::Log:
        o.insert(QStringLiteral("kind"), QStringLiteral("log"));
        o.insert(QStringLiteral("message"), cb.message);
        break;
    case Callback::Kind::Raise:
        o.insert(QStringLiteral("kind"), QStringLiteral("raise"));
        o.insert(QStringLiteral("message"), cb.message);
        break;
    case Callback::Kind::Partial:
        o.insert(QStringLiteral("kind"), QStringLiteral("partial"));
        o.insert(QStringLiteral("args"), cb.args);
        break;
    case Callback::Kind::Spawn:
        o.insert(QStringLiteral("kind"), QStringLiteral("spawn"));
        break;
    }
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

// The names a `cancel` node may target anywhere in the set (their tasks are remembered).
void collectTargets(const Node &n, QSet<QString> &out)
{
    if (n.op == Op::Cancel)
        out.insert(n.target);
    for (const auto &c : n.children)
        collectTargets(*c, out);
    for (const NodeRef &c : {n.child, n.task}) {
        if (c)
            collectTargets(*c, out);
    }
    for (const auto &cb : n.callbacks) {
        if (cb.task)
            collectTargets(*cb.task, out);
    }
}

bool usesWorker(const Node &n)
{
    if (n.op == Op::Threadsafe)
        return true;
    for (const auto &c : n.children) {
        if (usesWorker(*c))
            return true;
    }
    for (const NodeRef &c : {n.child, n.task}) {
        if (c && usesWorker(*c))
            return true;
    }
    for (const auto &cb : n.callbacks) {
        if (cb.task && usesWorker(*cb.task))
            return true;
    }
    return false;
}

} // namespace

// Turns nodes into tasks. Shared by the run's loops: everything here that both
// may touch is behind m_mutex.
class Interpreter
{
public:
    Interpreter(const TaskSet &set, TaskSetRun::Group &group, rt::Loop *worker)
        : m_set(set), m_group(group), m_worker(worker), m_rng(set.seed)
    {
        for (const auto &n : set.tasks)
            collectTargets(*n, m_targetNames);
        group.interpreter = this;
    }

    // The interpreter that made `task` (every task it makes is in its run's group).
    static Interpreter &of(const rt::TaskCore &task) noexcept
    {
        return *static_cast<TaskSetRun::Group *>(task.group())->interpreter;
    }

    // Creates the task for `node` on the current loop, named, tagged and in the run's group.
    // `reserved`: the name comes from reserveName() and is taken as it is. With
    // `copyIndex` (a repeat's copy) the name is `name[copyIndex]`, `name` shared.
    Task<QJsonValue> spawnNode(const NodeRef &node, const QString &name, std::uint64_t parent, std::uint64_t origin = 0,
                               bool reserved = false, std::optional<std::uint32_t> copyIndex = {})
    {
        std::uint8_t tag = opTag(node->op);
        if (node->op == Op::Cpu && node->where == Where::Pool)
            tag |= log::kPoolBit;
        Task<QJsonValue> t = body(node);
        bool target = false;
        {
            // Under the lock, so that the run's own numbering (default names) follows
            // the runtime's id order even when both loops create tasks at once.
            std::lock_guard lock(m_mutex);
            const QString taskName = reserved ? name : nameLocked(node, name);
            rt::SpawnOptions options{taskName, parent, origin, tag, &m_group};
            // Leaf ops never catch Cancelled: let a cancel end them without an exception.
            options.catchesCancel = !isLeaf(node->op);
            options.copyIndex = copyIndex;
            (void)rt::spawn(t, options);
            target = !m_targetNames.isEmpty() && targetLocked(copyIndex ? t->name() : taskName, t);
        }
        // A target's end is noted before the file's callbacks run.
        if (target)
            watchTarget(t);
        for (const Callback &cb : node->callbacks)
            attachCallback(*t.core(), cb);
        return t;
    }

    // A `threadsafe` node's child is named, numbered and made a cancel target as the
    // node submits it, like the reference's record of a coroutine sent with
    // run_coroutine_threadsafe: a cancel aimed at it in between follows its creation
    // on `loop` (docs/spec/taskset-format.md, "threadsafe").
    QString reserveName(const NodeRef &node, rt::Loop *loop)
    {
        std::lock_guard lock(m_mutex);
        const QString taskName = nameLocked(node, node->name);
        if (m_targetNames.contains(taskName))
            m_targets.insert(taskName, Target{loop, nullptr, 0});
        return taskName;
    }

    // Creates a worker task (queue producer or consumer).
    Task<QJsonValue> spawnWorker(Task<QJsonValue> t, const QString &name, std::uint64_t parent, OpTag tag)
    {
        bool target = false;
        {
            std::lock_guard lock(m_mutex);
            ++m_sequence;
            (void)rt::spawn(t, {name, parent, 0, std::uint8_t(tag), &m_group});
            target = targetLocked(name, t);
        }
        if (target)
            watchTarget(t);
        return t;
    }

    double draw(const Duration &d)
    {
        if (!d.uniform)
            return d.a;
        std::lock_guard lock(m_mutex);
        return d.draw(m_rng);
    }

    rt::Loop *worker() const noexcept { return m_worker; }

    // Keeps a node that is not part of the run's set (the dashboard's spawn, a spawn
    // callback added from outside) for as long as the run: a task may hold its node
    // by reference (sleepNode), like every task holds the interpreter.
    void keep(const NodeRef &node)
    {
        std::lock_guard lock(m_mutex);
        m_keptNodes.push_back(node);
    }

    // asyncio's target_task.cancel() from a `cancel` node: true if the target exists
    // and has not finished.
    bool cancelTarget(const QString &name, rt::CancelReason reason)
    {
        Target target;
        {
            std::lock_guard lock(m_mutex);
            auto it = m_targets.constFind(name);
            if (it == m_targets.constEnd())
                return false;
            target = *it;
            if (m_finishedTargets.contains(target.id))
                return false;
        }
        if (target.task && target.loop == rt::Loop::current())
            return target.task->cancel(reason);
        // On the other loop, or submitted there and not made yet (its creation is
        // queued there before this): cancel there; it has not finished as far as we know.
        target.loop->callSoonThreadsafe([this, name, target, reason] {
            std::lock_guard lock(m_mutex);
            Target now = target;
            if (!now.task)
                now = m_targets.value(name);
            if (now.task && !m_finishedTargets.contains(now.id))
                now.task->cancel(reason);
        });
        return true;
    }

private:
    struct Target {
        rt::Loop *loop = nullptr;
        rt::TaskCore *task = nullptr;
        std::uint64_t id = 0;
    };

    Task<QJsonValue> body(const NodeRef &node);

    // The task's name (a default one numbered in creation order); under m_mutex.
    QString nameLocked(const NodeRef &node, const QString &name)
    {
        const std::int64_t seq = ++m_sequence;
        return !name.isEmpty() ? name : opName(node->op) + QLatin1Char('#') + QString::number(seq);
    }

    // Remembers the end of a cancel target, so that cancel() answers false once it
    // is done and never touches a task that may be gone.
    void watchTarget(Task<QJsonValue> &t)
    {
        t->addDoneCallback([this](rt::TaskCore &done) {
            std::lock_guard lock(m_mutex);
            m_finishedTargets.insert(done.id());
        });
    }

    // Under m_mutex: makes `t`, just spawned on this loop, the cancel target of `name`
    // if a cancel aims at that name; then it needs watchTarget().
    bool targetLocked(const QString &name, const Task<QJsonValue> &t)
    {
        if (!m_targetNames.contains(name))
            return false;
        m_targets.insert(name, Target{rt::Loop::current(), t.core(), t->id()});
        return true;
    }

public:
    void attachCallback(rt::TaskCore &t, const Callback &cb)
    {
        if (cb.kind == Callback::Kind::Spawn) {
            NodeRef task = cb.task;
            t.addDoneCallback([this, task](rt::TaskCore &done) { (void)spawnNode(task, task->name, 0, done.id()); },
                              callbackDescription(cb));
        } else if (cb.kind == Callback::Kind::Raise) {
            // `def cb(task): raise RuntimeError(message)`: the runtime journals what it
            // raised and goes on (docs/spec/taskset-format.md, "Callbacks").
            t.addDoneCallback([message = cb.message](rt::TaskCore &) { throw rt::TaskError(message); },
                              callbackDescription(cb));
        } else {
            // log and partial record their message or arguments with the outcome:
            // the journal's Callback event, with the task's final state, is that record.
            t.addDoneCallback([](rt::TaskCore &) {}, callbackDescription(cb));
        }
    }

private:

    friend Task<QJsonValue> runNode(Interpreter &in, NodeRef node);

    const TaskSet &m_set;
    rt::TaskGroup &m_group;
    rt::Loop *m_worker;
    std::mutex m_mutex;
    std::mt19937_64 m_rng;
    std::int64_t m_sequence = 0;
    QSet<QString> m_targetNames;
    QHash<QString, Target> m_targets;
    QSet<std::uint64_t> m_finishedTargets;
    std::vector<NodeRef> m_keptNodes;
};

namespace {

// The results of finished tasks, for gather(return_exceptions=True).
QJsonValue outcomeValue(const Task<QJsonValue> &t)
{
    switch (t->state()) {
    case rt::TaskState::Done: return t.result();
    case rt::TaskState::Failed: return QJsonObject{{QStringLiteral("error"), t->errorText()}};
    default: return QJsonObject{{QStringLiteral("error"), QStringLiteral("cancelled")}};
    }
}

QJsonArray names(const std::vector<Task<QJsonValue>> &tasks)
{
    QJsonArray out;
    for (const auto &t : tasks)
        out.append(t->name());
    return out;
}

std::uint64_t selfId()
{
    return rt::Loop::currentTask()->id();
}

// The task's result: journalled with its Done event (a number as the number, when
// it reads back the same; a list or an object as the value, whose text the reader
// renders: a repeat's million results written as text held the loop for half a
// second; otherwise as JSON text), and returned (docs/spec/taskset-format.md, "Big results").
QJsonValue finishWith(QJsonValue result)
{
    rt::TaskCore *self = rt::Loop::currentTask();
    if (result.isDouble() && QJsonValue(result.toDouble()) == result)
        self->setResultNumber(result.toDouble());
    else if (result.isArray() || result.isObject())
        self->setResultValue(result);
    else
        self->setResultText(log::resultText(result));
    return result;
}

// The reference runner's cancel_and_wait: cancels the unfinished children (reason
// parent by default) and waits until every one has ended, two iterations after the
// last (asyncio.wait's done-callback, then the node). A cancellation of the node
// meanwhile does not cut the wait short; Cancelled is raised after it. (A plain
// function returning the awaiter: a coroutine here would be a task of its own.)
auto cancelAndWait(std::vector<Task<QJsonValue>> children, rt::CancelReason reason = rt::CancelReason::parent())
{
    for (auto &c : children)
        c->cancel(reason);
    return rt::gather(std::move(children), rt::ReturnExceptions);
}

// The reference runner's await_children when the await raised Cancelled: a node that
// was asked to cancel cancels the children it waits on and waits for them; a
// Cancelled that came from a child (a gather's, a sequence's) leaves them running.
// The caller then rethrows.
auto cancelIfAsked(std::vector<Task<QJsonValue>> children)
{
    if (!rt::Loop::currentTask()->cancelRequested())
        children.clear();
    return cancelAndWait(std::move(children));
}

std::vector<Task<QJsonValue>> spawnChildren(Interpreter &in, const Node &node, std::uint64_t parent)
{
    std::vector<Task<QJsonValue>> children;
    children.reserve(node.children.size());
    for (const NodeRef &c : node.children)
        children.push_back(in.spawnNode(c, c->name, parent));
    return children;
}

// A sleep node's sleep: its seconds drawn as its task first runs (so the run's draws
// keep the order of the tasks' first steps) and kept as the task's number result,
// where a sleep without a `result` ends with them. A plain function, so that nothing
// but the awaiter it returns sits in the frame.
rt::SleepAwaiter drawnSleep(const Node &node)
{
    rt::TaskCore &self = *rt::Loop::currentTask();
    const double seconds = Interpreter::of(self).draw(node.seconds);
    self.setResultNumber(seconds);
    return rt::sleep(rt::secondsToMs(seconds));
}

// The most common task by far (a repeat's million copies), so its frame is kept to
// 224 bytes: the node by reference (the run keeps every node it runs alive,
// Interpreter::keep), the interpreter found through the task's group, the seconds in
// the task (docs/spec/runtime-package.md, "A sleeping task's bytes").
Task<QJsonValue> sleepNode(const Node &node)
{
    co_await drawnSleep(node);
    co_return finishWith(node.hasResult ? node.result : number(rt::Loop::currentTask()->resultNumber()));
}

Task<QJsonValue> failNode(Interpreter &in, NodeRef node)
{
    co_await rt::sleep(rt::secondsToMs(in.draw(node->seconds)));
    throw rt::TaskError(node->message);
}

// Before a step holds its loop on purpose: what the loop journalled so far (this
// task's creation among it) goes to the reader now, so that a watcher can name the
// task while it holds the loop (rt::Loop::currentStep gives only its id).
void publishBeforeHolding()
{
    rt::Loop::current()->journal().publish();
}

Task<QJsonValue> cpuNode(NodeRef node)
{
    const double ms = node->workMs;
    if (node->where == Where::Loop) {
        publishBeforeHolding();
        co_return finishWith(number(burnCpu(ms)));
    }
    co_return finishWith(number(co_await rt::runInExecutor([ms] { return burnCpu(ms); })));
}

Task<QJsonValue> blockNode(Interpreter &in, NodeRef node)
{
    const double seconds = in.draw(node->seconds);
    publishBeforeHolding();
    std::this_thread::sleep_for(rt::secondsToMs(seconds)); // time.sleep inside a coroutine: the loop stalls
    co_return finishWith(number(seconds));
}

// Children are awaited as the reference runner does, through asyncio.shield: the
// node resumes one iteration later than a bare await, and cancelling it raises
// Cancelled in it first, then it cancels the children (docs/spec/taskset-format.md,
// Fine points, "Iterations").
Task<QJsonValue> gatherNode(Interpreter &in, NodeRef node)
{
    auto children = spawnChildren(in, *node, selfId());
    QJsonArray results;
    std::exception_ptr cancelled;
    try {
        if (node->returnExceptions) {
            for (const auto &t : co_await rt::gather(children, rt::ReturnExceptions, rt::Shield))
                results.append(outcomeValue(t));
        } else {
            results = co_await rt::gather(children, rt::Shield, rt::IntoJsonArray);
        }
        co_return finishWith(results);
    } catch (const rt::Cancelled &) {
        cancelled = std::current_exception();
    }
    co_await cancelIfAsked(std::move(children));
    std::rethrow_exception(cancelled);
}

Task<QJsonValue> waitNode(Interpreter &in, NodeRef node)
{
    auto children = spawnChildren(in, *node, selfId());
    rt::ReturnWhen when = rt::ReturnWhen::AllCompleted;
    if (node->returnWhen == ReturnWhen::FirstCompleted)
        when = rt::ReturnWhen::FirstCompleted;
    else if (node->returnWhen == ReturnWhen::FirstException)
        when = rt::ReturnWhen::FirstException;
    std::optional<std::chrono::milliseconds> timeout;
    if (node->timeout)
        timeout = rt::secondsToMs(in.draw(*node->timeout));
    std::exception_ptr cancelled;
    try {
        auto r = co_await rt::wait(children, when, timeout);
        co_return finishWith(QJsonObject{{QStringLiteral("done"), names(r.done)}, {QStringLiteral("pending"), names(r.pending)}});
    } catch (const rt::Cancelled &) {
        cancelled = std::current_exception();
    }
    co_await cancelIfAsked(std::move(children));
    std::rethrow_exception(cancelled);
}

Task<QJsonValue> asCompletedNode(Interpreter &in, NodeRef node)
{
    auto children = spawnChildren(in, *node, selfId());
    std::optional<std::chrono::milliseconds> timeout;
    if (node->timeout)
        timeout = rt::secondsToMs(in.draw(*node->timeout));
    QJsonArray results;
    std::exception_ptr cancelled;
    try {
        rt::AsCompleted<QJsonValue> ac(children, timeout);
        while (ac.hasNext())
            results.append(co_await ac.next());
        co_return finishWith(results);
    } catch (const rt::Cancelled &) {
        cancelled = std::current_exception();
    }
    // A child that ended cancelled reached us as that child's Cancelled: the node takes
    // its reason, and the others keep running (asyncio). Only our own cancellation
    // is passed on to the children.
    co_await cancelIfAsked(std::move(children));
    std::rethrow_exception(cancelled);
}

// asyncio.wait_for (3.11) as the reference runner spells it: asyncio.wait([child],
// timeout), then on timeout cancel_and_wait(child, reason timeout). A timeout only
// wakes the node, so a deadline in the same iteration reaches the child first; a
// cancellation that comes once the child has ended gives the child's outcome
// (docs/spec/taskset-format.md, Fine points, "wait_for").
Task<QJsonValue> waitForNode(Interpreter &in, NodeRef node)
{
    auto child = in.spawnNode(node->child, node->child->name, selfId());
    const std::chrono::milliseconds timeout = rt::secondsToMs(in.draw(*node->timeout));
    if (timeout.count() > 0) {
        std::exception_ptr cancelled;
        try {
            (void)co_await rt::wait(rt::taskList(child), rt::ReturnWhen::AllCompleted, timeout);
        } catch (const rt::Cancelled &) {
            cancelled = std::current_exception();
        }
        if (cancelled && !child->finished()) {
            co_await cancelIfAsked(rt::taskList(child));
            std::rethrow_exception(cancelled);
        }
        if (child->finished())
            co_return finishWith(child.result());
    }
    (void)co_await cancelAndWait(rt::taskList(child), rt::CancelReason::timeout());
    if (child->state() == rt::TaskState::Cancelled)
        throw rt::TimeoutError();
    co_return finishWith(child.result());
}

Task<QJsonValue> sequenceNode(Interpreter &in, NodeRef node)
{
    QJsonArray results;
    for (const NodeRef &c : node->children) {
        auto child = in.spawnNode(c, c->name, selfId());
        std::exception_ptr cancelled;
        try {
            results.append(co_await rt::shield(child));
        } catch (const rt::Cancelled &) {
            cancelled = std::current_exception();
        }
        if (cancelled) {
            co_await cancelIfAsked(rt::taskList(child));
            std::rethrow_exception(cancelled);
        }
    }
    co_return finishWith(results);
}

Task<QJsonValue> producer(Interpreter &in, rt::Queue<QJsonValue> *queue, NodeRef node, std::int64_t first)
{
    const double produceSeconds = in.draw(node->produceSeconds);
    for (std::int64_t item = first; item <= node->items; item += node->producers) {
        co_await rt::sleep(rt::secondsToMs(produceSeconds));
        co_await queue->put(QJsonValue(double(item)));
    }
    co_return finishWith(QJsonValue(QJsonValue::Null));
}

Task<QJsonValue> consumer(Interpreter &in, rt::Queue<QJsonValue> *queue, NodeRef node, std::int64_t *consumed)
{
    const double consumeSeconds = in.draw(node->consumeSeconds);
    for (;;) {
        (void)co_await queue->get();
        co_await rt::sleep(rt::secondsToMs(consumeSeconds));
        ++*consumed;
        queue->taskDone();
    }
}

Task<QJsonValue> queueNode(Interpreter &in, NodeRef node)
{
    const std::uint64_t self = selfId();
    const QString name = rt::Loop::currentTask()->name();
    rt::Queue<QJsonValue> queue(std::size_t(node->capacity));
    queue.journalDepthAs(*rt::Loop::currentTask()); // the dashboard plots it on this task
    std::int64_t consumed = 0;
    std::vector<Task<QJsonValue>> producers, consumers;
    std::exception_ptr ended;
    try {
        // Thousands of workers are made in batches, like a repeat's copies, so that a
        // cancel (Ctrl-C) reaches the node while it is still making them.
        for (std::int64_t i = 1; i <= node->producers; ++i) {
            producers.push_back(in.spawnWorker(producer(in, &queue, node, i),
                                               name + QStringLiteral(".producer-") + QString::number(i), self,
                                               OpTag::Producer));
            if (i % std::int64_t(kRepeatBatch) == 0 && i < node->producers)
                co_await rt::sleep(std::chrono::milliseconds(0));
        }
        for (std::int64_t i = 1; i <= node->consumers; ++i) {
            consumers.push_back(in.spawnWorker(consumer(in, &queue, node, &consumed),
                                               name + QStringLiteral(".consumer-") + QString::number(i), self,
                                               OpTag::Consumer));
            if (i % std::int64_t(kRepeatBatch) == 0 && i < node->consumers)
                co_await rt::sleep(std::chrono::milliseconds(0));
        }
        co_await rt::gather(producers, rt::Shield);
    } catch (...) {
        ended = std::current_exception();
    }
    if (ended) // the runner's await_children first: asked to cancel, it waits for the producers
        co_await cancelIfAsked(producers);
    else {
        try {
            co_await queue.join();
        } catch (...) {
            ended = std::current_exception();
        }
    }
    // Normal end: the consumers are stopped. Any other end (cancelled, or a worker
    // cancelled from outside): every worker is stopped before the node ends.
    std::vector<Task<QJsonValue>> workers;
    if (ended)
        workers = producers;
    workers.insert(workers.end(), consumers.begin(), consumers.end());
    co_await cancelAndWait(std::move(workers));
    if (ended)
        std::rethrow_exception(ended);
    co_return finishWith(QJsonValue(double(consumed)));
}

Task<QJsonValue> threadsafeNode(Interpreter &in, NodeRef node)
{
    const std::uint64_t self = selfId();
    NodeRef child = node->child;
    Interpreter *interpreter = &in;
    const QString name = in.reserveName(child, in.worker());
    auto future = rt::runOnLoopThreadsafe<QJsonValue>(*in.worker(), [interpreter, child, name, self] {
        return interpreter->spawnNode(child, name, self, 0, true);
    });
    co_return finishWith(co_await future.shielded());
}

Task<QJsonValue> cancelNode(Interpreter &in, NodeRef node)
{
    co_await rt::sleep(rt::secondsToMs(in.draw(node->after)));
    co_return finishWith(QJsonValue(in.cancelTarget(node->target, rt::CancelReason::byTaskId(selfId()))));
}

Task<QJsonValue> repeatNode(Interpreter &in, NodeRef node)
{
    const std::uint64_t self = selfId();
    const QString name = rt::Loop::currentTask()->name();
    const std::size_t count = std::size_t(node->count);
    const bool awaits = node->repeatAwait != RepeatAwait::None;
    // The copies are kept while they are made, so that a cancel reaches them. Awaited,
    // they go straight into the gather that awaits them, whose slots and list of
    // results grow a batch per step: made in the step that awaits, a million of each
    // held the loop 50 ms (docs/spec/taskset-format.md, "Big results"). Each copy's
    // index is its place in the gather, which then needs no slot a copy.
    auto gathering = rt::gather(std::vector<Task<QJsonValue>>(), rt::Shield, rt::IntoJsonArray, rt::ByCopyIndex);
    std::vector<Task<QJsonValue>> copies; // with await none
    if (awaits)
        gathering.reserve(count);
    else
        copies.reserve(count);
    std::exception_ptr cancelled;
    try {
        for (std::size_t i = 0; i < count; ++i) {
            Task<QJsonValue> copy = in.spawnNode(node->task, name, self, 0, false, std::uint32_t(i));
            if (awaits)
                gathering.add(std::move(copy));
            else
                copies.push_back(std::move(copy));
            if ((i + 1) % kRepeatBatch == 0 && i + 1 < count)
                co_await rt::sleep(std::chrono::milliseconds(0)); // give the loop back between batches
        }
    } catch (const rt::Cancelled &) {
        cancelled = std::current_exception();
    }
    if (cancelled) {
        // No conditional expression inside the co_await: GCC 12 destroys its temporary twice.
        if (awaits)
            copies = gathering.takeTasks();
        co_await cancelAndWait(std::move(copies));
        std::rethrow_exception(cancelled);
    }
    if (!awaits)
        co_return finishWith(QJsonValue(double(count)));
    try {
        const QJsonArray results = co_await gathering;
        rt::releaseLater(gathering.takeTasks()); // a million frames freed after this step
        co_return finishWith(results);
    } catch (const rt::Cancelled &) {
        cancelled = std::current_exception();
    }
    co_await cancelIfAsked(gathering.takeTasks());
    std::rethrow_exception(cancelled);
}

} // namespace

// Each node's task is the coroutine of its op, called directly (awaiting a helper
// coroutine would make it a task of its own).
Task<QJsonValue> runNode(Interpreter &in, NodeRef node)
{
    switch (node->op) {
    case Op::Sleep: return sleepNode(*node);
    case Op::Fail: return failNode(in, node);
    case Op::Cpu: return cpuNode(node);
    case Op::Block: return blockNode(in, node);
    case Op::Gather: return gatherNode(in, node);
    case Op::Wait: return waitNode(in, node);
    case Op::AsCompleted: return asCompletedNode(in, node);
    case Op::WaitFor: return waitForNode(in, node);
    case Op::Sequence: return sequenceNode(in, node);
    case Op::Queue: return queueNode(in, node);
    case Op::Threadsafe: return threadsafeNode(in, node);
    case Op::Cancel: return cancelNode(in, node);
    case Op::Repeat: return repeatNode(in, node);
    }
    Q_UNREACHABLE();
}

Task<QJsonValue> Interpreter::body(const NodeRef &node)
{
    return runNode(*this, node);
}

TaskSetRun::TaskSetRun(TaskSet set, rt::Loop &mainLoop, QObject *parent)
    : QObject(parent)
    , m_set(std::move(set))
    , m_main(mainLoop)
    , m_group(mainLoop, [this] { onGroupEmpty(); })
{
    bool worker = false;
    for (const auto &n : m_set.tasks)
        worker = worker || usesWorker(*n);
    if (worker)
        m_worker = std::make_unique<rt::LoopThread>(QStringLiteral("worker"));
    m_interpreter = std::make_unique<Interpreter>(m_set, m_group, m_worker ? &m_worker->loop() : nullptr);
    // A run is made to be watched: its loops' journals record for whoever takes
    // journals() (docs/spec/runtime-package.md, "Who reads a journal").
    for (const LoopJournal &j : journals())
        j.loop->journal().setEnabled(true);
    m_deadline.run = this;
    m_deadline.fire = [](rt::TimerNode *n) {
        static_cast<DeadlineTimer *>(n)->run->m_group.cancelAll(rt::CancelReason::deadline());
    };
}

TaskSetRun::~TaskSetRun()
{
    if (m_started && !m_finished && m_group.liveCount() > 0)
        qCWarning(lcTaskSet, "run of %s destroyed while %lld tasks still run", qPrintable(m_set.name),
                  static_cast<long long>(m_group.liveCount()));
    m_main.removeTimer(&m_deadline);
    if (m_worker)
        m_worker->stop();
}

std::vector<TaskSetRun::LoopJournal> TaskSetRun::journals() const
{
    std::vector<LoopJournal> out{{QStringLiteral("main"), &m_main}};
    if (m_worker)
        out.push_back({QStringLiteral("worker"), &m_worker->loop()});
    return out;
}

void TaskSetRun::start()
{
    Q_ASSERT(!m_started);
    m_started = true;
    m_startNs = rt::monotonicNs();
    for (const auto &node : m_set.tasks)
        (void)m_interpreter->spawnNode(node, node->name, 0);
    // asyncio's call_at(t0 + deadline), made after the top-level tasks: a timer of the
    // main loop, so it fires at an iteration's start like any other; with deadline 0,
    // after each top-level task's first step (docs/spec/taskset-format.md, Fine points).
    if (m_set.deadline)
        m_main.addTimerAfter(&m_deadline, rt::secondsToMs(*m_set.deadline).count());
    if (m_set.tasks.empty())
        m_main.callSoon([this] { onGroupEmpty(); });
}

void TaskSetRun::stop(rt::CancelReason reason)
{
    m_group.cancelAll(reason);
}

std::uint64_t TaskSetRun::spawn(const std::shared_ptr<const Node> &node, std::uint64_t parent, std::uint64_t origin)
{
    if (!m_started) {
        m_started = true;
        m_startNs = rt::monotonicNs();
    }
    m_finished = false;
    m_interpreter->keep(node);
    return m_interpreter->spawnNode(node, node->name, parent, origin)->id();
}

namespace {
// A cancel of many tasks goes a slice at a time, one loop step each: cancelling a
// subtree of a million in one step would hold the loop a fifth of a second, a stall
// of Coroscope's own (docs/spec/taskset-format.md, "Cancelling from outside").
constexpr std::int64_t kCancelSliceNs = 5'000'000;

struct CancelsLeft {
    std::vector<rt::TaskRef> tasks;  // in creation order
    std::vector<std::uint64_t> user; // ascending: reason user; the others reason parent
    std::size_t next = 0;
};

// Cancels from left->next on until the slice that began at `startNs` is over.
void cancelSlices(const std::shared_ptr<CancelsLeft> &left, std::int64_t startNs)
{
    while (left->next < left->tasks.size()) {
        const std::size_t i = left->next++;
        const rt::TaskRef t = std::move(left->tasks[i]); // let go of each as soon as it is cancelled
        const bool byUser = std::binary_search(left->user.begin(), left->user.end(), t->id());
        t->cancel(byUser ? rt::CancelReason::user() : rt::CancelReason::parent());
        if (i % 256 == 255 && left->next < left->tasks.size() && rt::monotonicNs() - startNs > kCancelSliceNs) {
            rt::Loop::current()->callSoon([left] { cancelSlices(left, rt::monotonicNs()); });
            return;
        }
    }
}

// Cancels the tasks of `user` (reason user) and `parent` (reason parent) that live on
// the calling loop, in creation order. With `keepLeftovers`, takes those found out of
// the lists (what is left lives on another loop, or has ended).
void cancelOnThisLoop(std::vector<std::uint64_t> &user, std::vector<std::uint64_t> &parent, bool keepLeftovers)
{
    const std::int64_t start = rt::monotonicNs();
    std::vector<std::uint64_t> all;
    all.reserve(user.size() + parent.size());
    std::merge(user.begin(), user.end(), parent.begin(), parent.end(), std::back_inserter(all));
    auto left = std::make_shared<CancelsLeft>();
    left->tasks = rt::Loop::current()->findTasks(all);
    left->user = user;
    std::vector<std::uint64_t> found;
    if (keepLeftovers) {
        found.reserve(left->tasks.size());
        for (const rt::TaskRef &t : left->tasks)
            found.push_back(t->id());
    }
    cancelSlices(left, start);
    if (!keepLeftovers)
        return;
    const auto notFound = [&found](std::vector<std::uint64_t> &ids) {
        std::vector<std::uint64_t> rest;
        std::set_difference(ids.begin(), ids.end(), found.begin(), found.end(), std::back_inserter(rest));
        ids = std::move(rest);
    };
    notFound(user);
    notFound(parent);
}
} // namespace

void TaskSetRun::cancel(const std::vector<std::uint64_t> &user, const std::vector<std::uint64_t> &parent)
{
    std::vector<std::uint64_t> userLeft = user;
    std::vector<std::uint64_t> parentLeft = parent;
    // A subtree comes in creation order: sorting it again would be a loop's millisecond or two.
    for (std::vector<std::uint64_t> *ids : {&userLeft, &parentLeft}) {
        if (!std::is_sorted(ids->begin(), ids->end()))
            std::sort(ids->begin(), ids->end());
    }
    cancelOnThisLoop(userLeft, parentLeft, m_worker != nullptr);
    if (!m_worker || (userLeft.empty() && parentLeft.empty()))
        return;
    m_worker->loop().callSoonThreadsafe([user = std::move(userLeft), parent = std::move(parentLeft)]() mutable {
        cancelOnThisLoop(user, parent, false);
    });
}

bool TaskSetRun::attachHere(std::uint64_t runtimeId, const Callback &callback)
{
    rt::TaskCore *task = rt::Loop::current()->findTask(runtimeId);
    if (!task || task->group() != &m_group)
        return false;
    m_interpreter->attachCallback(*task, callback);
    return true;
}

void TaskSetRun::addCallback(std::uint64_t runtimeId, const Callback &callback, std::uint32_t nextIndex)
{
    if (callback.task)
        m_interpreter->keep(callback.task);
    if (attachHere(runtimeId, callback))
        return;
    if (!m_worker) {
        addCallbackToEnded(runtimeId, callback, nextIndex);
        return;
    }
    // Perhaps a task of the worker: looked for there, and back here if it has ended.
    // The worker runs nothing once the run's destructor has stopped it, so `this` is
    // alive on it; back on the main loop the run may be gone, hence `self`.
    QPointer<TaskSetRun> self(this);
    m_worker->loop().callSoonThreadsafe([this, self, runtimeId, callback, nextIndex] {
        if (attachHere(runtimeId, callback))
            return;
        m_main.callSoonThreadsafe([self, runtimeId, callback, nextIndex] {
            if (self)
                self->addCallbackToEnded(runtimeId, callback, nextIndex);
        });
    });
}

void TaskSetRun::addCallbackToEnded(std::uint64_t runtimeId, const Callback &callback, std::uint32_t index)
{
    rt::Journal &journal = m_main.journal();
    journal.append(rt::EventType::CallbackAdded, runtimeId, index, 0, journal.addString(callbackDescription(callback)));
    QPointer<TaskSetRun> self(this);
    m_main.callSoon([self, runtimeId, callback, index] {
        rt::Journal &here = rt::Loop::current()->journal();
        here.append(rt::EventType::Callback, runtimeId, index);
        if (self && callback.kind == Callback::Kind::Spawn && callback.task)
            (void)self->spawn(callback.task, 0, runtimeId);
        if (callback.kind == Callback::Kind::Raise)
            here.append(rt::EventType::CallbackFailed, runtimeId, index, 0, here.addString(callback.message));
    });
}

void TaskSetRun::onGroupEmpty()
{
    if (m_finished || m_keepOpen || m_group.liveCount() != 0)
        return;
    m_finished = true;
    m_endNs = rt::monotonicNs();
    m_main.removeTimer(&m_deadline);
    if (!m_worker) {
        Q_EMIT finished();
        return;
    }
    // The worker publishes its journal at the end of each slice: a round trip through
    // it makes sure its last events are published before anyone reads the run's end.
    m_worker->loop().callSoonThreadsafe([this] { m_main.callSoonThreadsafe([this] { Q_EMIT finished(); }); });
}

} // namespace coroscope::taskset

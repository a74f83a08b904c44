#include "awaitchain.h"

#include <algorithm>

namespace coroscope::log {

using rt::AwaitKind;
using rt::TaskState;

QString AwaitChain::text() const
{
    QString out;
    for (const AwaitHop &hop : hops) {
        if (!out.isEmpty())
            out += QStringLiteral(" \u2192 ");
        out += hop.text;
        if (!hop.neverEnds.isEmpty())
            out += QStringLiteral(" \u2014 never ends: ") + hop.neverEnds;
    }
    return out;
}

namespace {

QString plural(std::uint64_t n, const char *one, const char *many)
{
    return QString::number(n) + QLatin1Char(' ') + QLatin1String(n == 1 ? one : many);
}

// Run time in seconds, to the ms: "4.000 s".
QString runSeconds(std::int64_t ns)
{
    return QString::number(double(ns) / 1e9, 'f', 3) + QStringLiteral(" s");
}

class Walker
{
public:
    explicit Walker(const RunRecord &record) : m_r(record) {}

    // Appends the hops from task `local` down to its leaf; true if that task can never
    // end by what it awaits (docs/spec/stuck.md, "Verdict").
    bool walk(std::uint64_t local, std::vector<AwaitHop> &hops)
    {
        ++m_visits;
        const std::uint32_t at = m_r.arrivalRowOf(local);
        const RunRecord::TaskRow &row = m_r.row(at);
        if (std::find(m_path.begin(), m_path.end(), local) != m_path.end()) {
            hops.push_back({local, m_r.nameAt(at), QStringLiteral("a cycle: it awaits a task that awaits it")});
            return true;
        }
        hops.push_back({local, m_r.nameAt(at), {}});
        if (rt::isFinal(row.state)) {
            hops.back().text += QStringLiteral(" (") + rt::toString(row.state) + QLatin1Char(')');
            return false;
        }
        if (row.state == TaskState::Pending) {
            hops.push_back({0, QStringLiteral("not started yet"), {}});
            return false;
        }
        m_path.push_back(local);
        const bool never = awaitHops(local, at, hops);
        m_path.pop_back();
        return never;
    }

private:
    bool awaitHops(std::uint64_t local, std::uint32_t at, std::vector<AwaitHop> &hops)
    {
        const RunRecord::TaskRow &row = m_r.row(at);
        const RunRecord::Await a = m_r.awaitAt(at);
        switch (a.kind) {
        case AwaitKind::None:
            hops.push_back({0, QStringLiteral("running a step now"), {}});
            return false;
        case AwaitKind::Yield:
            hops.push_back({0, QStringLiteral("sleep 0 (the next iteration)"), {}});
            return false;
        case AwaitKind::Sleep:
            hops.push_back({0,
                            a.untilNs == RunRecord::kNone ? rt::describeAwait(a.kind, a.arg)
                                                          : QStringLiteral("sleep until ") + runSeconds(a.untilNs - m_r.startNs()),
                            {}});
            return false;
        case AwaitKind::Executor:
            hops.push_back({0, QStringLiteral("cpu work on the pool"), {}});
            return false;
        case AwaitKind::Future:
            hops.push_back({0, QStringLiteral("a future"), {}});
            return false;
        case AwaitKind::Task:
        case AwaitKind::WaitFor: {
            const std::uint64_t target = m_r.localId(a.arg);
            if (a.kind == AwaitKind::WaitFor)
                hops.push_back({0, QStringLiteral("wait_for"), {}});
            if (target == 0) {
                hops.push_back({0, QStringLiteral("task %1 (not in this run)").arg(a.arg), {}});
                return false;
            }
            const bool never = walk(target, hops);
            return never && a.kind == AwaitKind::Task; // wait_for has a timeout
        }
        case AwaitKind::Gather:
        case AwaitKind::Wait:
        case AwaitKind::AsCompleted: {
            const QString word = a.kind == AwaitKind::Gather ? QStringLiteral("gather")
                                 : a.kind == AwaitKind::Wait ? QStringLiteral("wait")
                                                             : QStringLiteral("as_completed");
            // as_completed's argument counts those still to come, not its children.
            const std::uint64_t children = a.kind == AwaitKind::AsCompleted ? 0 : a.arg;
            const OpTag only = opOfTag(row.tag) == OpTag::Queue ? OpTag::Producer : OpTag::None;
            std::vector<std::uint64_t> open = unfinishedChildren(local, children, only);
            if (open.empty() && only != OpTag::None) // a queue node stopping its workers
                open = unfinishedChildren(local, 0, OpTag::None);
            hops.push_back({0, word + QLatin1Char('(') + QString::number(a.arg) + QLatin1Char(')'), {}});
            if (open.empty())
                return false; // all ended: it wakes soon
            const bool never = followOne(open, hops);
            return never && a.kind == AwaitKind::Gather; // wait and as_completed may end on the first, or time out
        }
        case AwaitKind::Threadsafe: {
            const auto [remote, loop] = remoteChild(local, row.loop);
            if (remote == 0) {
                hops.push_back({0, QStringLiteral("threadsafe on another loop (its task not created yet)"), {}});
                return false;
            }
            hops.push_back({0, QStringLiteral("threadsafe on loop ") + loop, {}});
            return walk(remote, hops);
        }
        case AwaitKind::QueueGet:
        case AwaitKind::QueuePut:
        case AwaitKind::QueueJoin:
            return queueHop(a, hops);
        }
        return false;
    }

    // Follows the first of `open` whose chain never ends, among the first kChainTried
    // (while the visit budget lasts); else the first.
    bool followOne(const std::vector<std::uint64_t> &open, std::vector<AwaitHop> &hops)
    {
        std::vector<AwaitHop> first;
        bool firstNever = walk(open.front(), first);
        for (std::size_t i = 1; !firstNever && i < std::min(open.size(), kChainTried) && m_visits < kChainVisits; ++i) {
            std::vector<AwaitHop> tried;
            if (walk(open[i], tried)) {
                first = std::move(tried);
                firstNever = true;
            }
        }
        hops.insert(hops.end(), std::make_move_iterator(first.begin()), std::make_move_iterator(first.end()));
        return firstNever;
    }

    // The unfinished children of task `local` (run-local ids, in creation order), among
    // its first `children` children (0: all), only those of op `only` unless None; at
    // most kChainTried, which is all the walk looks at.
    [[nodiscard]] std::vector<std::uint64_t> unfinishedChildren(std::uint64_t local, std::uint64_t children, OpTag only) const
    {
        std::vector<std::uint64_t> out;
        const std::uint64_t parent = m_r.row(m_r.arrivalRowOf(local)).runtimeId;
        std::uint64_t seen = 0;
        for (std::uint64_t id = local + 1; id <= m_r.taskCount() && out.size() < kChainTried; ++id) {
            const RunRecord::TaskRow &row = m_r.row(m_r.arrivalRowOf(id));
            if (row.parent != parent || (only != OpTag::None && opOfTag(row.tag) != only))
                continue;
            if (!rt::isFinal(row.state))
                out.push_back(id);
            if (++seen == children)
                break;
        }
        return out;
    }

    // The first unfinished child of task `local` that lives on another loop, and that
    // loop's name: the task a threadsafe await runs there (the interpreter makes it the
    // node's child).
    [[nodiscard]] std::pair<std::uint64_t, QString> remoteChild(std::uint64_t local, std::uint8_t loop) const
    {
        const std::uint64_t parent = m_r.row(m_r.arrivalRowOf(local)).runtimeId;
        for (std::uint64_t id = local + 1; id <= m_r.taskCount(); ++id) {
            const RunRecord::TaskRow &row = m_r.row(m_r.arrivalRowOf(id));
            if (row.parent == parent && row.loop != loop && !rt::isFinal(row.state))
                return {id, m_r.loopOf(id)};
        }
        return {0, {}};
    }

    bool queueHop(const RunRecord::Await &a, std::vector<AwaitHop> &hops) const
    {
        const QString word = a.kind == AwaitKind::QueueGet   ? QStringLiteral("queue.get")
                             : a.kind == AwaitKind::QueuePut ? QStringLiteral("queue.put")
                                                             : QStringLiteral("queue.join");
        const std::uint64_t owner = m_r.localId(a.arg);
        const QueueDepth *q = m_r.queueDepth(a.arg);
        if (owner == 0 || !q || q->depth.empty()) {
            hops.push_back({0, word + QStringLiteral(" (a queue the run does not follow)"), {}});
            return false;
        }
        // The queue's workers: its owner's children of op producer and consumer.
        const std::uint64_t producers = q->producersAlive;
        const std::uint64_t consumers = q->consumersAlive;
        const std::uint64_t holding = q->consumersHolding;
        const std::uint64_t depth = q->depth.back();
        AwaitHop hop{0, word + QLatin1Char('(') + m_r.name(owner) + QStringLiteral("): "), {}};
        switch (a.kind) {
        case AwaitKind::QueueGet:
            hop.text += (depth == 0 ? QStringLiteral("empty") : plural(depth, "item", "items")) + QStringLiteral(", ")
                        + plural(producers, "producer", "producers") + QStringLiteral(" alive");
            if (depth == 0 && producers == 0)
                hop.neverEnds = QStringLiteral("the queue is empty and no producer is alive");
            break;
        case AwaitKind::QueuePut: {
            const bool full = q->capacity > 0 && depth >= q->capacity;
            hop.text += (full ? QStringLiteral("full (%1 of %2)").arg(depth).arg(q->capacity)
                              : plural(depth, "item", "items"))
                        + QStringLiteral(", ") + plural(consumers, "consumer", "consumers") + QStringLiteral(" alive");
            if (full && consumers == 0)
                hop.neverEnds = QStringLiteral("the queue is full and no consumer is alive");
            break;
        }
        default: {
            const std::uint64_t unfinished = q->puts >= q->dones ? q->puts - q->dones : 0;
            const std::uint64_t taken = q->gets >= q->dones ? q->gets - q->dones : 0;
            const std::uint64_t lost = taken > holding ? taken - holding : 0;
            hop.text += plural(unfinished, "item", "items") + QStringLiteral(" not done, ")
                        + plural(consumers, "consumer", "consumers") + QStringLiteral(" alive");
            if (lost > 0)
                hop.neverEnds = plural(lost, "item was", "items were")
                                + QStringLiteral(" taken by a consumer that ended without task_done");
            else if (unfinished > 0 && consumers == 0)
                hop.neverEnds = QStringLiteral("no consumer is alive to finish them");
            break;
        }
        }
        const bool never = !hop.neverEnds.isEmpty();
        hops.push_back(std::move(hop));
        return never;
    }

    const RunRecord &m_r;
    std::vector<std::uint64_t> m_path; // the tasks above the one walked
    std::size_t m_visits = 0;
};

} // namespace

AwaitChain awaitChain(const RunRecord &record, std::uint64_t id)
{
    AwaitChain chain;
    if (id == 0 || id > record.taskCount())
        return chain;
    Walker walker(record);
    chain.neverEnds = walker.walk(id, chain.hops);
    return chain;
}

} // namespace coroscope::log

#include "runhistory.h"

#include "log/taskstep.h"

#include <QHash>

#include <algorithm>
#include <cmath>

namespace coroscope::log {

using rt::EventType;
using rt::TaskState;

RunHistory RunHistory::fromRecord(const RunRecord &record, QString *error)
{
    RunHistory history;
    const EventSpool *spool = record.spool();
    if (!spool) {
        if (error)
            *error = QStringLiteral("this run keeps no events");
        return history;
    }
    history.m_steps.reserve(std::size_t(spool->size()));
    const std::int64_t startNs = record.startNs();
    const auto failed = spool->forEach([&](std::size_t, const rt::Event &e) {
        if (e.type == EventType::Stall)
            return true;
        const std::uint64_t id = record.localId(e.task);
        if (id == 0)
            return true;
        history.add(e.tNs - startNs, record.arrivalRowOf(id), e.type, rt::AwaitKind(e.kind), e.arg);
        return true;
    });
    if (failed) {
        if (error)
            *error = *failed;
        return RunHistory();
    }
    history.indexRows();
    return history;
}

RunHistory RunHistory::fromLog(const RunLog &log, const RunRecord &record)
{
    RunHistory history;
    history.m_textAwaits = true;
    history.m_steps.reserve(log.events.size());
    for (const LogEvent &e : log.events) {
        if (e.type == EventType::Stall || !e.task || *e.task < 1 || std::uint64_t(*e.task) > record.taskCount())
            continue;
        // As TaskStore::loadLog turns the log's times into ns.
        const auto tNs = std::int64_t(std::llround(e.tMs * 1e6));
        const std::uint32_t row = record.arrivalRowOf(std::uint64_t(*e.task));
        if (e.type == EventType::Suspended)
            history.addSuspended(tNs, row, e.text);
        else
            history.add(tNs, row, e.type);
    }
    history.indexRows();
    return history;
}

void RunHistory::add(std::int64_t tNs, std::uint32_t row, EventType type, rt::AwaitKind kind, std::uint64_t arg)
{
    if (type == EventType::Suspended) {
        m_awaitArgs.push_back(arg);
        m_awaitKinds.push_back(kind);
        m_suspendSteps.push_back(std::uint32_t(m_steps.size()));
    }
    push(Step{tNs, row, type});
}

void RunHistory::addSuspended(std::int64_t tNs, std::uint32_t row, const QString &awaitText)
{
    m_textAwaits = true;
    // Most awaits repeat (`sleep 1s`, `gather 3`): each text is kept once.
    const auto found = std::find(m_awaitTexts.rbegin(), m_awaitTexts.rend(), awaitText);
    std::size_t index = 0;
    if (found != m_awaitTexts.rend() && found - m_awaitTexts.rbegin() < 64) {
        index = std::size_t(m_awaitTexts.rend() - found - 1);
    } else {
        m_awaitTexts.push_back(awaitText);
        index = m_awaitTexts.size() - 1;
    }
    m_awaitArgs.push_back(index);
    m_awaitKinds.push_back(rt::AwaitKind::None);
    m_suspendSteps.push_back(std::uint32_t(m_steps.size()));
    push(Step{tNs, row, EventType::Suspended});
}

void RunHistory::push(const Step &step)
{
    Q_ASSERT(m_steps.empty() || step.tNs >= m_steps.back().tNs);
    if (m_snapshots.empty())
        m_snapshots.push_back(Snapshot{0, {}, {}, 0});
    // A snapshot every max(tasks / 4, kMinInterval) events: a seek's replay is bounded
    // by a quarter of the O(tasks) of copying the snapshot and re-filtering the table.
    const std::size_t interval = std::max(m_tip.created / 4, kMinInterval);
    if (m_steps.size() - m_snapshots.back().next >= interval) {
        m_snapshots.push_back(Snapshot{m_tip.next, m_tip.states, m_tip.counts, m_tip.created});
        m_snapshots.back().states.shrink_to_fit();
    }
    m_steps.push_back(step);
    apply(m_tip, m_steps.size() - 1);
    m_tip.tNs = step.tNs;
}

void RunHistory::apply(Frame &frame, std::size_t index) const
{
    const Step &step = m_steps[index];
    frame.next = index + 1;
    if (step.row >= frame.states.size())
        frame.states.resize(std::size_t(step.row) + 1, kNotCreated);
    std::uint8_t &state = frame.states[step.row];
    if (step.type == EventType::Created) {
        if (state == kNotCreated) {
            state = std::uint8_t(TaskState::Pending);
            ++frame.counts[std::size_t(TaskState::Pending)];
            ++frame.created;
        }
        return;
    }
    if (state == kNotCreated)
        return; // as the task table: events of a task not created are ignored
    if (const std::optional<TaskState> to = stateAfter(step.type)) {
        --frame.counts[state];
        ++frame.counts[std::size_t(*to)];
        state = std::uint8_t(*to);
    }
}

void RunHistory::seek(Frame &frame, std::int64_t tNs) const
{
    // Every event with tNs <= t: the first one after t ends the replay.
    const auto target = std::size_t(
        std::upper_bound(m_steps.begin(), m_steps.end(), tNs, [](std::int64_t t, const Step &s) { return t < s.tNs; })
        - m_steps.begin());
    frame.tNs = tNs;
    if (m_snapshots.empty()) {
        frame = Frame{};
        frame.tNs = tNs;
        return;
    }
    const auto snap = std::prev(std::upper_bound(m_snapshots.begin(), m_snapshots.end(), target,
                                                 [](std::size_t n, const Snapshot &s) { return n < s.next; }));
    // Forward from where the frame is when that replays no more than from the snapshot.
    if (!(frame.next <= target && frame.next >= snap->next)) {
        frame.next = snap->next;
        frame.states.assign(snap->states.begin(), snap->states.end());
        frame.counts = snap->counts;
        frame.created = snap->created;
    }
    for (std::size_t i = frame.next; i < target; ++i)
        apply(frame, i);
    frame.tNs = tNs;
}

void RunHistory::indexRows() const
{
    if (m_indexed == m_steps.size() && !m_rowStart.empty())
        return;
    std::uint32_t rows = 0;
    for (const Step &step : m_steps)
        rows = std::max(rows, step.row + 1);
    m_rowStart.assign(std::size_t(rows) + 1, 0);
    for (const Step &step : m_steps)
        ++m_rowStart[std::size_t(step.row) + 1];
    for (std::size_t r = 1; r < m_rowStart.size(); ++r)
        m_rowStart[r] += m_rowStart[r - 1];
    m_rowSteps.resize(m_steps.size());
    std::vector<std::uint32_t> fill(m_rowStart.begin(), m_rowStart.end() - 1);
    for (std::size_t i = 0; i < m_steps.size(); ++i)
        m_rowSteps[fill[m_steps[i].row]++] = std::uint32_t(i);
    m_indexed = m_steps.size();
}

std::uint32_t RunHistory::awaitAt(const Frame &frame, std::uint32_t row) const
{
    if (frame.stateByte(row) == kNotCreated)
        return 0;
    indexRows();
    if (std::size_t(row) + 1 >= m_rowStart.size())
        return 0;
    const auto begin = m_rowSteps.begin() + m_rowStart[row];
    const auto end = m_rowSteps.begin() + m_rowStart[std::size_t(row) + 1];
    // Back from the row's last event the frame has applied, to the one that set or
    // cleared its await; events before its (first) Created were ignored.
    for (auto it = std::lower_bound(begin, end, std::uint32_t(frame.next)); it != begin;) {
        --it;
        const EventType type = m_steps[*it].type;
        if (type == EventType::Created) {
            if (std::none_of(begin, it, [this](std::uint32_t i) { return m_steps[i].type == EventType::Created; }))
                return 0;
            continue;
        }
        switch (awaitStep(type)) {
        case AwaitStep::Keep:
            break;
        case AwaitStep::Clear:
            return 0;
        case AwaitStep::Set: {
            const auto at = std::lower_bound(m_suspendSteps.begin(), m_suspendSteps.end(), *it);
            return std::uint32_t(at - m_suspendSteps.begin()) + 1;
        }
        }
    }
    return 0;
}

QString RunHistory::awaitText(std::uint32_t await, const RunRecord &record) const
{
    if (await == 0 || await > m_awaitArgs.size())
        return {};
    const std::uint64_t arg = m_awaitArgs[await - 1];
    if (m_textAwaits)
        return m_awaitTexts[std::size_t(arg)];
    return record.awaitText(m_awaitKinds[await - 1], arg);
}

std::optional<std::int64_t> RunHistory::eventOf(std::uint32_t row, std::int64_t tNs, bool forward) const
{
    const auto after = std::upper_bound(m_steps.begin(), m_steps.end(), tNs,
                                        [](std::int64_t t, const Step &s) { return t < s.tNs; });
    if (forward) {
        for (auto it = after; it != m_steps.end(); ++it) {
            if (it->row == row)
                return it->tNs;
        }
        return std::nullopt;
    }
    // Backward: the last event of the row strictly before tNs.
    for (auto it = after; it != m_steps.begin();) {
        --it;
        if (it->row == row && it->tNs < tNs)
            return it->tNs;
    }
    return std::nullopt;
}

std::optional<std::int64_t> RunHistory::first(EventType type) const
{
    const auto it = std::find_if(m_steps.begin(), m_steps.end(), [type](const Step &s) { return s.type == type; });
    return it == m_steps.end() ? std::nullopt : std::optional<std::int64_t>(it->tNs);
}

std::size_t RunHistory::bytes() const noexcept
{
    std::size_t n = m_steps.capacity() * sizeof(Step) + m_awaitArgs.capacity() * sizeof(std::uint64_t)
        + m_awaitKinds.capacity() + m_suspendSteps.capacity() * sizeof(std::uint32_t) + m_tip.states.capacity()
        + (m_rowStart.capacity() + m_rowSteps.capacity()) * sizeof(std::uint32_t);
    for (const Snapshot &s : m_snapshots)
        n += s.states.capacity();
    return n;
}

} // namespace coroscope::log

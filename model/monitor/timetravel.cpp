// TaskMonitor's playhead (docs/spec/time-travel.md): the scoped run as it was at a past
// moment. The store does the work (TaskStore::setPlayhead reads the run's history);
// this file turns the dashboard's gestures into times.

#include "taskmonitor.h"

#include <algorithm>
#include <cmath>

namespace coroscope::monitor {

namespace {
constexpr double kNsPerMs = 1e6;
double msOfNs(std::int64_t ns) { return double(ns) / kNsPerMs; }
std::int64_t nsOfMs(double ms) { return std::int64_t(std::llround(ms * kNsPerMs)); }
} // namespace

double TaskMonitor::playheadMs() const
{
    return m_store.playheadRun() == 0 ? -1.0 : msOfNs(m_store.playheadNs());
}

double TaskMonitor::historyEndMs() const
{
    const log::RunHistory *history = m_scope ? m_store.history(m_scope) : nullptr;
    return history && history->eventCount() ? msOfNs(history->endNs()) : -1.0;
}

QString TaskMonitor::setPlayheadMs(double ms)
{
    if (m_scope == 0)
        return tr("Pick a run first: the playhead is on one run's timeline");
    if (!std::isfinite(ms))
        return tr("Not a time: %1").arg(ms);
    const QString error = m_store.setPlayhead(m_scope, nsOfMs(std::max(0.0, ms)));
    if (error.isEmpty())
        Q_EMIT playheadChanged();
    Q_EMIT ticked(); // the details and counters re-read now
    return error;
}

void TaskMonitor::goLive()
{
    if (m_store.playheadRun() == 0)
        return;
    m_store.setLive();
    Q_EMIT playheadChanged();
    Q_EMIT ticked();
}

double TaskMonitor::stepTaskEvent(qint64 taskKey, bool forward)
{
    const int runId = TaskStore::runIdOfKey(taskKey);
    const log::RunRecord *record = m_store.run(runId);
    const std::uint64_t local = TaskStore::localIdOfKey(taskKey);
    if (!record || runId != m_scope || local == 0 || local > record->taskCount())
        return -1;
    // From Live the history is taken first (to now), then stepped through.
    if (m_store.playheadRun() == 0 && !setPlayheadMs(nowMs()).isEmpty())
        return -1;
    const log::RunHistory *history = forward ? m_store.takeHistory(runId) : m_store.history(runId);
    if (!history)
        return -1;
    const auto at = history->eventOf(record->arrivalRowOf(local), m_store.playheadNs(), forward);
    if (!at || !setPlayheadMs(msOfNs(*at)).isEmpty())
        return -1;
    return playheadMs();
}

double TaskMonitor::jumpToFirst(const QString &what)
{
    const log::RunRecord *record = m_scope ? m_store.run(m_scope) : nullptr;
    if (!record)
        return -1;
    std::optional<std::int64_t> at;
    if (what == QStringLiteral("stall")) {
        for (const log::LoopView &loop : record->loops()) {
            for (const log::StallView &stall : loop.stalls)
                at = std::min(at.value_or(stall.startNs), stall.startNs);
        }
    } else {
        const rt::EventType type = what == QStringLiteral("failure") ? rt::EventType::Failed : rt::EventType::Cancelled;
        if (what != QStringLiteral("failure") && what != QStringLiteral("cancellation"))
            return -1;
        // The history up to now, so that the first one is found however recent.
        const log::RunHistory *history = m_store.takeHistory(m_scope);
        if (!history)
            return -1;
        at = history->first(type);
    }
    if (!at || !setPlayheadMs(msOfNs(*at)).isEmpty())
        return -1;
    return playheadMs();
}

void TaskMonitor::travelDetails(TaskDetailsData &d) const
{
    if (m_store.playheadRun() == 0 || m_store.playheadRun() != d.runId)
        return;
    const int row = m_store.rowOfKey(d.taskKey);
    if (row < 0)
        return;
    const double t = playheadMs();
    const rt::TaskState state = m_store.state(row);
    d.state = m_store.exists(row) ? rt::toString(state) : tr("not created yet");
    d.awaiting = m_store.awaiting(row);
    if (!d.startedMs || *d.startedMs > t)
        d.startedMs.reset();
    if (!rt::isFinal(state)) {
        d.finishedMs.reset();
        d.result.clear();
        d.error.clear();
        d.cancelReason.clear();
    }
    std::erase_if(d.children, [this](const TaskDetailsData::Child &c) {
        const int r = m_store.rowOfKey(c.taskKey);
        return r >= 0 && !m_store.exists(r);
    });
    std::erase_if(d.events, [t](const TaskDetailsData::Event &e) { return e.tMs > t; });
    for (TaskDetailsData::Callback &cb : d.callbacks) {
        if (cb.firedMs && *cb.firedMs > t)
            cb.firedMs.reset();
    }
}

} // namespace coroscope::monitor

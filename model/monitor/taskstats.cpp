#include "taskstats.h"

namespace coroscope::monitor {

namespace {
constexpr std::int64_t kWindowNs = 1'000'000'000;
}

TaskStats::TaskStats(TaskStore *store, QObject *parent) : QObject(parent), m_store(store)
{
    connect(store, &TaskStore::ticked, this, &TaskStats::onTicked);
    readCounts();
}

void TaskStats::readCounts()
{
    // A past run's unfinished tasks (a log's, a detached program's) run nowhere now; at
    // the playhead they ran then.
    const bool past = m_scope > 0 && m_store->isPast(m_scope) && m_store->playheadRun() != m_scope;
    for (int s = 0; s < kStateCount; ++s) {
        const auto state = rt::TaskState(s);
        const bool live = state == rt::TaskState::Pending || state == rt::TaskState::Running;
        qint64 n = 0;
        if (m_scope == 0)
            n = live ? m_store->liveCount(state) : m_store->count(state);
        else if (!(live && past))
            n = m_store->runCount(m_scope, state);
        m_counts[std::size_t(s)] = n;
    }
    if (m_scope == 0) {
        m_total = m_store->publishedRowCount();
    } else {
        m_total = m_store->runTotal(m_scope);
    }
}

void TaskStats::setScopeRunId(int runId)
{
    if (runId == m_scope)
        return;
    m_scope = runId;
    m_head = 0;
    m_samples = 0;
    readCounts();
    Q_EMIT changed();
}

void TaskStats::onTicked(const TickChange &change)
{
    readCounts();
    m_ring[std::size_t(m_head)] = m_counts;
    m_head = (m_head + 1) % kHistory;
    m_samples = std::min(m_samples + 1, kHistory);

    m_finished.emplace_back(change.nowNs, change.finished);
    m_finishedInWindow += change.finished;
    while (!m_finished.empty() && m_finished.front().first <= change.nowNs - kWindowNs) {
        m_finishedInWindow -= m_finished.front().second;
        m_finished.pop_front();
    }
    m_tasksPerSecond = double(m_finishedInWindow);
    Q_EMIT changed();
}

template<typename Add>
void TaskStats::sumHistory(int stateMask, Add &&add) const
{
    for (int i = 0; i < m_samples; ++i) {
        const auto &sample = m_ring[std::size_t((m_head - m_samples + i + kHistory) % kHistory)];
        qint64 sum = 0;
        for (int s = 0; s < kStateCount; ++s) {
            if (stateMask & (1 << s))
                sum += sample[std::size_t(s)];
        }
        add(sum);
    }
}

QVariantList TaskStats::historyOf(int stateMask) const
{
    QVariantList out;
    out.reserve(m_samples);
    sumHistory(stateMask, [&out](qint64 sum) { out.append(sum); });
    return out;
}

void TaskStats::readSeries(int series, std::vector<float> &out) const
{
    out.clear();
    out.reserve(std::size_t(m_samples));
    sumHistory(series, [&out](qint64 sum) { out.push_back(float(sum)); });
}

QVariantList TaskStats::history(const QString &state) const
{
    for (int s = 0; s < kStateCount; ++s) {
        if (rt::toString(rt::TaskState(s)) == state)
            return historyOf(1 << s);
    }
    return {};
}

} // namespace coroscope::monitor

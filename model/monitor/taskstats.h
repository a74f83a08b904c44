#pragma once

// TaskStats: live counters of the store's tasks and their recent history, for the
// dashboard's header and sparklines (CONTRACT.md). One changed() per store tick.
//
// The counts are of the scope: every run (scopeRunId 0) or one run. Pending and
// running count only runs that ran here: a loaded log's unfinished tasks are not live.
//
// history(state) is the last kHistory samples (one per tick, oldest first) of that
// state's count; tasksPerSecond is the number of tasks that finished during the last
// second of ticks (by the store's clock). The same histories are a SeriesSource, the
// series being a state mask (TaskListModel::stateFilter bits), so that a Sparkline
// reads them in C++ on each changed() instead of a QVariantList per tick.
//
// Threading: GUI thread only. Cost: O(1) per tick; history() and readSeries() are
// O(kHistory), and readSeries() allocates nothing once its buffer has grown.
// Memory: a fixed ring of kHistory x 5 counts.

#include "monitor/seriessource.h"
#include "monitor/taskstore.h"

#include <QObject>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>

#include <array>
#include <deque>
#include <utility>

namespace coroscope::monitor {

class TaskStats : public QObject, public SeriesSource
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by TaskMonitor")
    // QML reads the counts as doubles (exact below 2^53): Qt 6.4's QML compiler cannot
    // type qint64, and would leave every binding that reads one interpreted.
    Q_PROPERTY(double pending READ pending NOTIFY changed FINAL)
    Q_PROPERTY(double running READ running NOTIFY changed FINAL)
    Q_PROPERTY(double done READ done NOTIFY changed FINAL)
    Q_PROPERTY(double failed READ failed NOTIFY changed FINAL)
    Q_PROPERTY(double cancelled READ cancelled NOTIFY changed FINAL)
    Q_PROPERTY(double total READ total NOTIFY changed FINAL)
    Q_PROPERTY(double tasksPerSecond READ tasksPerSecond NOTIFY changed FINAL)

public:
    static constexpr int kHistory = 300;

    explicit TaskStats(TaskStore *store, QObject *parent = nullptr);

    [[nodiscard]] qint64 pending() const noexcept { return count(rt::TaskState::Pending); }
    [[nodiscard]] qint64 running() const noexcept { return count(rt::TaskState::Running); }
    [[nodiscard]] qint64 done() const noexcept { return count(rt::TaskState::Done); }
    [[nodiscard]] qint64 failed() const noexcept { return count(rt::TaskState::Failed); }
    [[nodiscard]] qint64 cancelled() const noexcept { return count(rt::TaskState::Cancelled); }
    [[nodiscard]] qint64 total() const noexcept { return m_total; }
    [[nodiscard]] double tasksPerSecond() const noexcept { return m_tasksPerSecond; }
    [[nodiscard]] qint64 count(rt::TaskState state) const noexcept { return m_counts[std::size_t(state)]; }
    [[nodiscard]] int sampleCount() const noexcept { return m_samples; }

    // Counts one run (0: every run); the history starts again.
    void setScopeRunId(int runId);
    [[nodiscard]] int scopeRunId() const noexcept { return m_scope; }

    // "pending", "running", "done", "failed" or "cancelled"; empty list for anything else.
    Q_INVOKABLE QVariantList history(const QString &state) const;
    // The summed history of the states in `stateMask` (TaskListModel::stateFilter bits).
    Q_INVOKABLE QVariantList historyOf(int stateMask) const;
    // historyOf(series) as floats.
    void readSeries(int series, std::vector<float> &out) const override;

Q_SIGNALS:
    void changed();

private:
    void onTicked(const TickChange &change);
    void readCounts();
    // Calls add(sum) for each sample, oldest first: the summed counts of stateMask's states.
    template<typename Add>
    void sumHistory(int stateMask, Add &&add) const;

    TaskStore *m_store;
    int m_scope = 0;
    std::array<qint64, kStateCount> m_counts{};
    qint64 m_total = 0;
    double m_tasksPerSecond = 0;
    std::array<std::array<qint64, kStateCount>, kHistory> m_ring{};
    int m_head = 0;    // next slot to write
    int m_samples = 0; // valid samples, at most kHistory
    std::deque<std::pair<std::int64_t, std::int64_t>> m_finished; // (tick ns, finished that tick)
    std::int64_t m_finishedInWindow = 0;
};

} // namespace coroscope::monitor

#pragma once

// HistogramModel: the dashboard's Histograms view (docs/spec/histograms.md): how long
// the scoped runs' tasks took, for one op (or every op) and one state (or every state),
// in the log layer's buckets (log::TaskHistograms), and the range selected in one of
// them, which filters the task table (TaskListModel::setRangeFilter).
//
// The three histograms are lists of kBucketCount counts: `durations`, `waits`, `steps`
// (indexed by measure in counts(), selected by measure in select(): 0 duration, 1 wait,
// 2 step hold). `ops` lists the ops the runs in scope have measured, by name.
//
// Threading: GUI thread only. Cost: a store tick sums the runs' counts in scope
// (O(runs x ops x states x buckets), about 7,000 additions a run) and signals changed()
// only when a count moved: nothing scans the tasks. Ticks refresh it at most every
// kTickRefreshMs: the charts redrawn on every tick of a million-task run cost the GUI
// thread 5-12 ms a tick. Choosing an op, a state or the scope refreshes at once.

#include "monitor/tasklistmodel.h"
#include "monitor/taskstore.h"

#include "log/histograms.h"

#include <QElapsedTimer>
#include <QObject>
#include <QStringList>
#include <QTimer>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>

#include <array>

namespace coroscope::monitor {

class HistogramModel : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by TaskMonitor")
    Q_PROPERTY(int bucketCount READ bucketCount CONSTANT FINAL)
    Q_PROPERTY(QVariantList durations READ durations NOTIFY changed FINAL)
    Q_PROPERTY(QVariantList waits READ waits NOTIFY changed FINAL)
    Q_PROPERTY(QVariantList steps READ steps NOTIFY changed FINAL)
    Q_PROPERTY(QStringList ops READ ops NOTIFY opsChanged FINAL) // apart: a new list resets the op menu
    // "" = every op / every state; else an op's name, a state's name ("done", ...).
    Q_PROPERTY(QString op READ op WRITE setOp NOTIFY selectorsChanged FINAL)
    Q_PROPERTY(QString state READ state WRITE setState NOTIFY selectorsChanged FINAL)
    // The selected range: its measure (-1 = none) and buckets [first, last].
    Q_PROPERTY(int selectedMeasure READ selectedMeasure NOTIFY selectionChanged FINAL)
    Q_PROPERTY(int selectedFirst READ selectedFirst NOTIFY selectionChanged FINAL)
    Q_PROPERTY(int selectedLast READ selectedLast NOTIFY selectionChanged FINAL)
    // The selection as people read it: "duration 1–5 ms · sleep · done"; "" = none.
    Q_PROPERTY(QString selectionText READ selectionText NOTIFY selectionChanged FINAL)

public:
    HistogramModel(const TaskStore *store, TaskListModel *tasks, QObject *parent = nullptr);

    [[nodiscard]] static int bucketCount() noexcept { return log::kBucketCount; }
    [[nodiscard]] QVariantList durations() const { return list(log::Measure::Duration); }
    [[nodiscard]] QVariantList waits() const { return list(log::Measure::Wait); }
    [[nodiscard]] QVariantList steps() const { return list(log::Measure::StepHold); }
    [[nodiscard]] QStringList ops() const { return m_ops; }
    [[nodiscard]] QString op() const { return m_op; }
    void setOp(const QString &op);
    [[nodiscard]] QString state() const { return m_state; }
    void setState(const QString &state);
    [[nodiscard]] int selectedMeasure() const noexcept { return m_selected ? int(m_filter.measure) : -1; }
    [[nodiscard]] int selectedFirst() const noexcept { return m_filter.first; }
    [[nodiscard]] int selectedLast() const noexcept { return m_filter.last; }
    [[nodiscard]] QString selectionText() const;

    // The counts of one histogram (C++ callers and tests): measure 0..2.
    [[nodiscard]] const log::Buckets &counts(log::Measure measure) const { return m_counts[std::size_t(measure)]; }

    // "1–2 ms", "< 1 µs", "≥ 500 s"; and a bucket's lower edge ("2 ms").
    Q_INVOKABLE QString bucketText(int bucket) const { return log::bucketText(bucket); }
    Q_INVOKABLE QString edgeText(int bucket) const { return log::edgeText(bucket); }
    // Filters the table to the tasks with a value of `measure` in buckets [first, last]
    // (either order) of the op and state selected.
    Q_INVOKABLE void select(int measure, int first, int last);
    Q_INVOKABLE void clearSelection();

    // The run in scope (TaskMonitor::scopeRunId), 0 = every run.
    void setRunId(int runId);

Q_SIGNALS:
    void changed();
    void opsChanged();
    void selectorsChanged();
    void selectionChanged();

private:
    static constexpr int kTickRefreshMs = 250;
    void onTicked();
    void refresh();
    void applyFilter();
    [[nodiscard]] QVariantList list(log::Measure measure) const;
    [[nodiscard]] std::uint32_t opMask() const;
    [[nodiscard]] unsigned stateMask() const;

    const TaskStore *m_store;
    TaskListModel *m_tasks;
    int m_runId = 0;
    QString m_op;
    QString m_state;
    QStringList m_ops;
    std::array<log::Buckets, log::kMeasureCount> m_counts{};
    bool m_selected = false;
    RangeFilter m_filter;
    QElapsedTimer m_sinceRefresh;
    QTimer m_refreshLater; // a tick's refresh held back by kTickRefreshMs
};

} // namespace coroscope::monitor

#pragma once

// RunComparison: two runs of the dashboard compared (docs/spec/diff.md), for the
// Compare view. It is the list of their differences, as log::diffRuns finds them in
// the two runs' task tables (the one comparison, also `coroscope diff`'s), one row
// each: roles path (the task's name path), kind ("changed", "onlyA", "onlyB"), what
// (e.g. `state: done -> failed; finished +61.0 ms`, or `only in A`), keyA and keyB
// (the task's key in each run, -1 where it has none). sideA and sideB are timeline
// sources, one run each, times from that run's start (so two TaskTimelines given the
// same view are aligned), their differing tasks marked and the selected difference's
// tasks marked selected.
//
// A run still running is not compared (its table still changes): `summary` says so
// and the comparison is made when it ends. A run removed leaves its side empty.
// Comparing costs O(n log n) in the runs' task counts, on the GUI thread, once per
// change of runs or tolerance.
//
// Threading: GUI thread only; the monitor outlives it or is unset first.

#include "monitor/taskmonitor.h"
#include "monitor/timelinesource.h"

#include "log/rundiff.h"

#include <QAbstractListModel>
#include <QPointer>
#include <QtQml/qqmlregistration.h>

#include <memory>
#include <vector>

namespace coroscope::monitor {

// One run of a comparison as a timeline source: a bar per task in id order, a lane per
// loop ("pool" last when it has pool work), ms since the run's start.
class ComparedRun : public QObject, public TimelineSource
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by RunComparison")
    Q_PROPERTY(int runId READ runId NOTIFY ticked FINAL)
    Q_PROPERTY(double lengthMs READ nowMs NOTIFY ticked FINAL)
    // Its set's name ("" with no run).
    Q_PROPERTY(QString setName READ setName NOTIFY ticked FINAL)

public:
    explicit ComparedRun(QObject *parent = nullptr);

    // Shows run runId of `store` (0: none), nothing marked.
    void setRun(const TaskStore *store, int runId);
    // Marks per run-local id (index id - 1): 0 none, 1 differs, 2 selected.
    void setMarks(std::vector<std::uint8_t> marks);
    [[nodiscard]] int runId() const noexcept { return m_runId; }
    [[nodiscard]] QString setName() const;

    [[nodiscard]] int barCount() const override;
    [[nodiscard]] Bar bar(int index) const override;
    // The run's length: its end (or its last task's end) from its start.
    [[nodiscard]] double nowMs() const override { return m_lengthMs; }
    [[nodiscard]] int laneCount() const override { return int(m_lanes.size()); }
    [[nodiscard]] QString laneName(int lane) const override;
    [[nodiscard]] int stallCount(int lane) const override;
    [[nodiscard]] Stall stall(int lane, int index) const override;
    [[nodiscard]] QString barName(int index) const override;
    [[nodiscard]] quint64 timelineRevision() const override { return m_revision; }

Q_SIGNALS:
    // Something drawn changed (TaskTimeline re-reads on it).
    void ticked();

private:
    struct Lane {
        std::uint8_t loopIndex;
        QString name;
        std::vector<Stall> stalls;
    };
    [[nodiscard]] const log::RunRecord *record() const;

    const TaskStore *m_store = nullptr;
    int m_runId = 0;
    std::vector<Lane> m_lanes;
    std::vector<std::uint8_t> m_marks;
    double m_lengthMs = 0;
    quint64 m_revision = 1;
};

class RunComparison : public QAbstractListModel
{
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(coroscope::monitor::TaskMonitor *monitor READ monitor WRITE setMonitor NOTIFY monitorChanged FINAL)
    Q_PROPERTY(int runA READ runA WRITE setRunA NOTIFY runsChanged FINAL)
    Q_PROPERTY(int runB READ runB WRITE setRunB NOTIFY runsChanged FINAL)
    // How far a finish time may move unreported (ms, >= 0); starts at the CLI's default.
    Q_PROPERTY(double toleranceMs READ toleranceMs WRITE setToleranceMs NOTIFY toleranceChanged FINAL)
    Q_PROPERTY(double defaultToleranceMs READ defaultToleranceMs CONSTANT FINAL)
    // Both runs are there and ended, and were compared.
    Q_PROPERTY(bool compared READ isCompared NOTIFY comparedChanged FINAL)
    Q_PROPERTY(bool agree READ agree NOTIFY comparedChanged FINAL)
    Q_PROPERTY(int count READ count NOTIFY comparedChanged FINAL)
    // rundiff's summary line (`the runs agree: …` / `the runs differ: …`), or what the
    // comparison waits for.
    Q_PROPERTY(QString summary READ summary NOTIFY comparedChanged FINAL)
    // The longer run's length (ms): the shared time axis's whole.
    Q_PROPERTY(double spanMs READ spanMs NOTIFY comparedChanged FINAL)
    Q_PROPERTY(coroscope::monitor::ComparedRun *sideA READ sideA CONSTANT FINAL)
    Q_PROPERTY(coroscope::monitor::ComparedRun *sideB READ sideB CONSTANT FINAL)
    // The selected difference's row, -1 for none; its task's key in each run (-1: none;
    // a key as QML holds it, a real).
    Q_PROPERTY(int selectedRow READ selectedRow WRITE setSelectedRow NOTIFY selectionChanged FINAL)
    Q_PROPERTY(double selectedKeyA READ selectedKeyADouble NOTIFY selectionChanged FINAL)
    Q_PROPERTY(double selectedKeyB READ selectedKeyBDouble NOTIFY selectionChanged FINAL)

public:
    enum Role { PathRole = Qt::UserRole + 1, KindRole, WhatRole, KeyARole, KeyBRole };

    explicit RunComparison(QObject *parent = nullptr);
    ~RunComparison() override;

    [[nodiscard]] TaskMonitor *monitor() const { return m_monitor; }
    void setMonitor(TaskMonitor *monitor);
    [[nodiscard]] int runA() const noexcept { return m_runA; }
    void setRunA(int runId);
    [[nodiscard]] int runB() const noexcept { return m_runB; }
    void setRunB(int runId);
    [[nodiscard]] double toleranceMs() const noexcept { return m_toleranceMs; }
    void setToleranceMs(double ms);
    [[nodiscard]] static double defaultToleranceMs() noexcept { return log::kDefaultDiffToleranceMs; }
    [[nodiscard]] bool isCompared() const noexcept { return m_compared; }
    [[nodiscard]] bool agree() const noexcept { return m_compared && m_rows.empty(); }
    [[nodiscard]] int count() const noexcept { return int(m_rows.size()); }
    [[nodiscard]] QString summary() const { return m_summary; }
    [[nodiscard]] double spanMs() const;
    [[nodiscard]] ComparedRun *sideA() { return &m_sideA; }
    [[nodiscard]] ComparedRun *sideB() { return &m_sideB; }
    [[nodiscard]] int selectedRow() const noexcept { return m_selected; }
    void setSelectedRow(int row);
    [[nodiscard]] qint64 selectedKeyA() const;
    [[nodiscard]] qint64 selectedKeyB() const;
    [[nodiscard]] double selectedKeyADouble() const { return double(selectedKeyA()); }
    [[nodiscard]] double selectedKeyBDouble() const { return double(selectedKeyB()); }
    // The row of the difference about task `key` (of either run), -1 if none.
    Q_INVOKABLE int rowOfKey(qint64 key) const;
    // The newest run of the monitor's other than `runId` (-1: none): what a comparison
    // of run `runId` starts against.
    Q_INVOKABLE int newestRunOtherThan(int runId) const;

    [[nodiscard]] int rowCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    [[nodiscard]] QHash<int, QByteArray> roleNames() const override;

Q_SIGNALS:
    void monitorChanged();
    void runsChanged();
    void toleranceChanged();
    void comparedChanged();
    void selectionChanged();

private:
    struct Row {
        QString path;
        QString kind;
        QString what;
        qint64 keyA;
        qint64 keyB;
    };
    // Compares the two runs again (or says why not) and re-marks both sides.
    void recompare();
    void remark();

    QPointer<TaskMonitor> m_monitor;
    QMetaObject::Connection m_finished;
    QMetaObject::Connection m_removed;
    int m_runA = 0;
    int m_runB = 0;
    double m_toleranceMs = log::kDefaultDiffToleranceMs;
    bool m_compared = false;
    QString m_summary;
    std::vector<Row> m_rows;
    int m_selected = -1;
    ComparedRun m_sideA;
    ComparedRun m_sideB;
};

} // namespace coroscope::monitor

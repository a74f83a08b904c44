#pragma once

// WarningListModel: the dashboard's Warnings list (docs/spec/warnings.md, "Dashboard").
// Rows: first the loops not responding now (live only: what the status bar shows as
// "not responding", given by TaskMonitor each tick), then every run's warnings
// (TaskStore::warnings) in the order they were found, run after run as they arrive.
// Roles: kind (the lint key), taskKey (-1: none), task (its name), detail (lint's text
// after the task), run (the run's set name and id), runId. `count` is rowCount().
//
// Threading: GUI thread only. Cost: O(runs + warnings found since) per store tick (a row is a run id and an index, 8 bytes); texts are built only for the rows
// a view reads. A run removed resets the model (O(warnings)).

#include "monitor/taskstore.h"

#include <QAbstractListModel>
#include <QtQml/qqmlregistration.h>

#include <vector>

namespace coroscope::monitor {

class WarningListModel : public QAbstractListModel
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by TaskMonitor")
    Q_PROPERTY(int count READ count NOTIFY countChanged FINAL)
    // The thresholds the rules use, e.g. "stall ≥ 50 ms · pending ≥ 1 s · ...".
    Q_PROPERTY(QString thresholds READ thresholds CONSTANT FINAL)

public:
    enum Role { KindRole = Qt::UserRole + 1, TaskKeyRole, TaskRole, DetailRole, RunRole, RunIdRole };

    // A loop of a live run whose current step has held it long (TaskMonitor's hang).
    struct Hang {
        int runId;
        QString loop;
        qint64 taskKey; // -1: no task of the run's (a callback, or not filed yet)
        QString task;   // the task's name, or what holds the loop
        double heldMs;
        bool operator==(const Hang &) const = default;
    };

    explicit WarningListModel(const TaskStore *store, QObject *parent = nullptr);

    [[nodiscard]] int rowCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    [[nodiscard]] QHash<int, QByteArray> roleNames() const override;
    [[nodiscard]] int count() const { return rowCount(); }
    [[nodiscard]] QString thresholds() const;

    // The loops not responding now (TaskMonitor, at each of its ticks).
    void setHangs(const std::vector<Hang> &hangs);

Q_SIGNALS:
    void countChanged();

private:
    // Every store tick (a log's replay included): the warnings found since.
    void onTicked();
    void onRunRemoved();

    struct Entry {
        int runId;
        std::uint32_t index; // into the run's WarningScanner::warnings()
    };
    const TaskStore *m_store;
    std::vector<Hang> m_hangs;
    std::vector<Entry> m_entries;
    std::vector<std::size_t> m_seen; // per runId - 1: the run's warnings already listed
};

} // namespace coroscope::monitor

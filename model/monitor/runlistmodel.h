#pragma once

// RunListModel: every run of the store, in runId order, with roles
// runId, name, running (bool), taskCount, startedAt (QDateTime), loaded (bool: a past
// run read from a log), loadedFrom (that log's path, "" otherwise) and attached (bool: a
// program watched over its probe; attached now while running), CONTRACT.md.
// A run added is one row inserted, a run removed one row removed; a tick that touched
// runs is one dataChanged. `newestRunId` is the last row's run (-1 when none).
//
// Threading: GUI thread only. Cost: O(runs) per tick that touched runs.

#include "monitor/taskstore.h"

#include <QAbstractListModel>
#include <QtQml/qqmlregistration.h>

namespace coroscope::monitor {

class RunListModel : public QAbstractListModel
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by TaskMonitor")
    Q_PROPERTY(int newestRunId READ newestRunId NOTIFY newestRunIdChanged FINAL)

public:
    enum Role { RunIdRole = Qt::UserRole + 1, NameRole, RunningRole, TaskCountRole, StartedAtRole, LoadedRole, LoadedFromRole, AttachedRole };

    explicit RunListModel(TaskStore *store, QObject *parent = nullptr);

    [[nodiscard]] int rowCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    [[nodiscard]] QHash<int, QByteArray> roleNames() const override;
    [[nodiscard]] int newestRunId() const { return m_runIds.empty() ? -1 : m_runIds.back(); }
    // The row of run runId, -1 if it has none.
    [[nodiscard]] int rowOfRun(int runId) const;

Q_SIGNALS:
    void newestRunIdChanged();

private:
    void onRunAdded(int runId);
    void onRunFinished(int runId);
    void onRunRemoved(int runId);
    void onTicked(const TickChange &change);

    TaskStore *m_store;
    std::vector<int> m_runIds; // per row, ascending
};

} // namespace coroscope::monitor

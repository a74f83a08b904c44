#pragma once

// RunListModel: every run of the store, in runId order (row = runId - 1), with roles
// runId, name, running (bool), taskCount, startedAt (QDateTime), loaded (bool: a past
// run read from a log) and loadedFrom (that log's path, "" otherwise), CONTRACT.md.
// A run added is one row inserted; a tick that touched runs is one dataChanged.
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

public:
    enum Role { RunIdRole = Qt::UserRole + 1, NameRole, RunningRole, TaskCountRole, StartedAtRole, LoadedRole, LoadedFromRole };

    explicit RunListModel(TaskStore *store, QObject *parent = nullptr);

    [[nodiscard]] int rowCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    [[nodiscard]] QHash<int, QByteArray> roleNames() const override;

private:
    void onRunAdded(int runId);
    void onRunFinished(int runId);
    void onTicked(const TickChange &change);

    TaskStore *m_store;
    int m_count = 0;
};

} // namespace coroscope::monitor

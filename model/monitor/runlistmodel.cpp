#include "runlistmodel.h"

#include <algorithm>

namespace coroscope::monitor {

RunListModel::RunListModel(TaskStore *store, QObject *parent)
    : QAbstractListModel(parent), m_store(store)
{
    for (int runId = 1; runId <= store->runCount(); ++runId) {
        if (store->run(runId))
            m_runIds.push_back(runId);
    }
    connect(m_store, &TaskStore::runAdded, this, &RunListModel::onRunAdded);
    connect(m_store, &TaskStore::runFinished, this, &RunListModel::onRunFinished);
    connect(m_store, &TaskStore::runRemoved, this, &RunListModel::onRunRemoved);
    connect(m_store, &TaskStore::ticked, this, &RunListModel::onTicked);
}

int RunListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_runIds.size());
}

QHash<int, QByteArray> RunListModel::roleNames() const
{
    return {
        {RunIdRole, QByteArrayLiteral("runId")},
        {NameRole, QByteArrayLiteral("name")},
        {RunningRole, QByteArrayLiteral("running")},
        {TaskCountRole, QByteArrayLiteral("taskCount")},
        {StartedAtRole, QByteArrayLiteral("startedAt")},
        {LoadedRole, QByteArrayLiteral("loaded")},
        {LoadedFromRole, QByteArrayLiteral("loadedFrom")},
        {AttachedRole, QByteArrayLiteral("attached")},
    };
}

QVariant RunListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const int runId = m_runIds[std::size_t(index.row())];
    const log::RunRecord *run = m_store->run(runId);
    if (!run)
        return {};
    switch (role) {
    case RunIdRole: return runId;
    case Qt::DisplayRole:
    case NameRole: return run->setName();
    case RunningRole: return m_store->isRunning(runId);
    case TaskCountRole: return qint64(run->taskCount());
    case StartedAtRole: return run->startedAt();
    case LoadedRole: return m_store->isLoaded(runId);
    case LoadedFromRole: return m_store->loadedFrom(runId);
    case AttachedRole: return !m_store->attachedTo(runId).isEmpty();
    default: return {};
    }
}

int RunListModel::rowOfRun(int runId) const
{
    const auto it = std::lower_bound(m_runIds.begin(), m_runIds.end(), runId);
    return it != m_runIds.end() && *it == runId ? int(it - m_runIds.begin()) : -1;
}

void RunListModel::onRunAdded(int runId)
{
    // New runs take the next id: appended.
    if (!m_runIds.empty() && runId <= m_runIds.back())
        return;
    const int row = int(m_runIds.size());
    beginInsertRows({}, row, row);
    m_runIds.push_back(runId);
    endInsertRows();
    Q_EMIT newestRunIdChanged();
}

void RunListModel::onRunFinished(int runId)
{
    const int row = rowOfRun(runId);
    if (row >= 0)
        Q_EMIT dataChanged(index(row), index(row));
}

void RunListModel::onRunRemoved(int runId)
{
    const int row = rowOfRun(runId);
    if (row < 0)
        return;
    beginRemoveRows({}, row, row);
    m_runIds.erase(m_runIds.begin() + row);
    endRemoveRows();
    if (row == int(m_runIds.size()))
        Q_EMIT newestRunIdChanged();
}

void RunListModel::onTicked(const TickChange &change)
{
    if (change.runsChanged && !m_runIds.empty())
        Q_EMIT dataChanged(index(0), index(int(m_runIds.size()) - 1));
}

} // namespace coroscope::monitor

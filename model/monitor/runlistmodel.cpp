#include "runlistmodel.h"

namespace coroscope::monitor {

RunListModel::RunListModel(TaskStore *store, QObject *parent)
    : QAbstractListModel(parent), m_store(store), m_count(store->runCount())
{
    connect(m_store, &TaskStore::runAdded, this, &RunListModel::onRunAdded);
    connect(m_store, &TaskStore::runFinished, this, &RunListModel::onRunFinished);
    connect(m_store, &TaskStore::ticked, this, &RunListModel::onTicked);
}

int RunListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_count;
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
    };
}

QVariant RunListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const int runId = index.row() + 1;
    const journal::RunRecord *run = m_store->run(runId);
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
    default: return {};
    }
}

void RunListModel::onRunAdded(int runId)
{
    // Runs are only ever appended; catch up on any this model has not shown yet.
    if (runId <= m_count)
        return;
    beginInsertRows({}, m_count, runId - 1);
    m_count = runId;
    endInsertRows();
}

void RunListModel::onRunFinished(int runId)
{
    if (runId >= 1 && runId <= m_count)
        Q_EMIT dataChanged(index(runId - 1), index(runId - 1));
}

void RunListModel::onTicked(const TickChange &change)
{
    if (change.runsChanged && m_count > 0)
        Q_EMIT dataChanged(index(0), index(m_count - 1));
}

} // namespace coroscope::monitor

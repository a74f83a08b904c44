#include "tasktreemodel.h"

#include <algorithm>
#include <utility>

namespace coroscope::monitor {

TaskTreeModel::TaskTreeModel(TaskStore *store, QObject *parent) : QAbstractItemModel(parent), m_store(store)
{
    connect(m_store, &TaskStore::ticked, this, &TaskTreeModel::onTicked);
    file(0, m_store->publishedRowCount(), nullptr);
    m_rootShown = int(m_root.size());
}

void TaskTreeModel::file(int fromRow, int toRow, std::vector<qint64> *touched)
{
    qint64 lastParent = -1;
    Keys *siblings = nullptr; // lastParent's list (unordered_map keeps it in place)
    bool lastShown = false;
    // Siblings come in runs of rows: their parent's key is resolved once for them.
    std::uint64_t lastParentRuntime = 0;
    int lastRun = 0;
    qint64 lastParentKey = -1;
    for (int r = fromRow; r < toRow; ++r) {
        const qint64 key = m_store->keyOfRow(r);
        const int runId = TaskStore::runIdOfKey(key);
        if (m_run != 0 && runId != m_run)
            continue;
        const TaskStore::TreeRow t = m_store->treeRow(r);
        if (!t.exists)
            continue;
        if (t.parentRuntimeId != lastParentRuntime || runId != lastRun) {
            lastParentRuntime = t.parentRuntimeId;
            lastRun = runId;
            lastParentKey = m_store->keyOfRuntime(runId, t.parentRuntimeId);
        }
        const qint64 parentKey = lastParentKey;
        if (parentKey < 0) {
            m_root.push_back(key);
            continue;
        }
        if (parentKey != lastParent || !siblings) {
            lastParent = parentKey;
            siblings = &m_children[parentKey];
            lastShown = touched && m_shown.count(parentKey);
        }
        siblings->push_back(key);
        if (lastShown && (touched->empty() || touched->back() != parentKey))
            touched->push_back(parentKey);
    }
    m_filed = toRow;
}

const TaskTreeModel::Keys &TaskTreeModel::childrenOf(qint64 parentKey) const
{
    static const Keys none;
    if (parentKey < 0)
        return m_root;
    const auto it = m_children.find(parentKey);
    return it == m_children.end() ? none : it->second;
}

int TaskTreeModel::shownChildren(qint64 parentKey) const
{
    if (parentKey < 0)
        return m_rootShown;
    const auto it = m_shown.find(parentKey);
    if (it != m_shown.end())
        return it->second;
    const int count = int(childrenOf(parentKey).size());
    m_shown.emplace(parentKey, count);
    return count;
}

QModelIndex TaskTreeModel::index(int row, int column, const QModelIndex &parent) const
{
    if (column != 0 || row < 0)
        return {};
    const qint64 parentKey = parent.isValid() ? qint64(parent.internalId()) : -1;
    if (row >= shownChildren(parentKey))
        return {};
    return createIndex(row, 0, quintptr(childrenOf(parentKey)[std::size_t(row)]));
}

QModelIndex TaskTreeModel::indexOfKey(qint64 key) const
{
    const int row = m_store->rowOfKey(key);
    if (row < 0 || row >= m_filed)
        return {};
    const qint64 parentKey = m_store->parentKey(row);
    const Keys &siblings = childrenOf(parentKey);
    // Siblings are filed in store row order (arrival order, not key order across runs).
    const auto it = std::lower_bound(siblings.begin(), siblings.end(), row,
                                     [this](qint64 sibling, int r) { return m_store->rowOfKey(sibling) < r; });
    if (it == siblings.end() || *it != key)
        return {};
    const int position = int(it - siblings.begin());
    if (parentKey >= 0) {
        const auto shown = m_shown.find(parentKey);
        if (shown == m_shown.end() || position >= shown->second)
            return {};
    } else if (position >= m_rootShown) {
        return {};
    }
    return createIndex(position, 0, quintptr(key));
}

QModelIndex TaskTreeModel::parent(const QModelIndex &child) const
{
    if (!child.isValid())
        return {};
    const int row = m_store->rowOfKey(qint64(child.internalId()));
    if (row < 0)
        return {};
    const qint64 parentKey = m_store->parentKey(row);
    return parentKey < 0 ? QModelIndex() : indexOfKey(parentKey);
}

int TaskTreeModel::rowCount(const QModelIndex &parent) const
{
    if (parent.isValid() && parent.column() != 0)
        return 0;
    return shownChildren(parent.isValid() ? qint64(parent.internalId()) : -1);
}

int TaskTreeModel::columnCount(const QModelIndex &) const
{
    return 1;
}

bool TaskTreeModel::hasChildren(const QModelIndex &parent) const
{
    return rowCount(parent) > 0;
}

QVariant TaskTreeModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    return TaskRoles::data(*m_store, m_store->rowOfKey(qint64(index.internalId())), role);
}

QHash<int, QByteArray> TaskTreeModel::roleNames() const
{
    return TaskRoles::names();
}

void TaskTreeModel::setActive(bool active)
{
    if (active == m_active)
        return;
    m_active = active;
    if (active)
        follow(std::exchange(m_missedReset, false), m_store->publishedRowCount(), &TaskRoles::changingRoles());
    Q_EMIT activeChanged();
}

void TaskTreeModel::setRunFilter(int runId)
{
    if (runId == m_run)
        return;
    m_run = runId;
    if (m_active)
        follow(true, m_store->publishedRowCount(), nullptr);
    else
        m_missedReset = true;
    Q_EMIT runFilterChanged();
}

void TaskTreeModel::onTicked(const TickChange &change)
{
    if (!m_active) {
        m_missedReset = m_missedReset || change.reset;
        return;
    }
    const QList<int> *roles = nullptr;
    if (change.hasChanged())
        roles = &TaskRoles::changingRoles();
    else if (change.anyRunning())
        roles = &TaskRoles::clockRoles();
    follow(change.reset, int(change.total), roles);
}

void TaskTreeModel::follow(bool reset, int total, const QList<int> *roles)
{
    if (reset) {
        beginResetModel();
        m_root.clear();
        m_children.clear();
        m_shown.clear();
        file(0, total, nullptr);
        m_rootShown = int(m_root.size());
        endResetModel();
        return;
    }

    std::vector<qint64> touched;
    file(m_filed, total, &touched);
    if (int(m_root.size()) > m_rootShown) {
        beginInsertRows({}, m_rootShown, int(m_root.size()) - 1);
        m_rootShown = int(m_root.size());
        endInsertRows();
    }
    // Parents before children (within a run, keys grow with creation), one insert per parent.
    std::sort(touched.begin(), touched.end());
    touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
    for (const qint64 parentKey : touched) {
        const auto shown = m_shown.find(parentKey);
        const int all = int(childrenOf(parentKey).size());
        if (shown == m_shown.end() || shown->second >= all)
            continue; // materialized during an earlier insert of this tick: already complete
        const QModelIndex parent = indexOfKey(parentKey);
        if (!parent.isValid())
            continue;
        beginInsertRows(parent, shown->second, all - 1);
        m_shown[parentKey] = all;
        endInsertRows();
    }

    if (!roles)
        return;
    if (m_rootShown > 0)
        Q_EMIT dataChanged(index(0, 0), index(m_rootShown - 1, 0), *roles);
    // Copy first: a view reacting to a signal may materialize more parents.
    std::vector<std::pair<qint64, int>> levels(m_shown.begin(), m_shown.end());
    for (const auto &[parentKey, count] : levels) {
        if (count == 0)
            continue;
        const QModelIndex parent = indexOfKey(parentKey);
        if (parent.isValid())
            Q_EMIT dataChanged(index(0, 0, parent), index(count - 1, 0, parent), *roles);
    }
}

} // namespace coroscope::monitor

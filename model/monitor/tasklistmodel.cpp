#include "tasklistmodel.h"

#include <algorithm>
#include <climits>
#include <iterator>

namespace coroscope::monitor {

namespace {
constexpr qint64 kScanSliceNs = 3'000'000;
constexpr int kScanChunk = 2048; // names tested between two looks at the clock
} // namespace

TaskListModel::TaskListModel(TaskStore *store, QObject *parent)
    : QAbstractListModel(parent), m_store(store)
{
    connect(m_store, &TaskStore::ticked, this, &TaskListModel::onTicked);
    m_scan.setInterval(0);
    connect(&m_scan, &QTimer::timeout, this, &TaskListModel::scanSome);
    m_sortClock.start();
    rebuild();
}

int TaskListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_count;
}

QHash<int, QByteArray> TaskListModel::roleNames() const
{
    return TaskRoles::names();
}

int TaskListModel::storeRow(int row) const
{
    if (row < 0 || row >= m_count)
        return -1;
    if (usesIndex())
        return row < int(m_rows.size()) ? m_rows[std::size_t(row)] : -1;
    if (m_mask == kAllStates)
        return row;
    return m_store->stateIndex().nth(row, m_mask);
}

QVariant TaskListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const int row = storeRow(index.row());
    return row < 0 ? QVariant() : TaskRoles::data(*m_store, row, role);
}

qint64 TaskListModel::keyAt(int row) const
{
    const int r = storeRow(row);
    return r < 0 ? -1 : m_store->keyOfRow(r);
}

int TaskListModel::rowOfKey(qint64 key) const
{
    const int r = m_store->rowOfKey(key);
    if (r < 0 || r >= m_store->publishedRowCount())
        return -1;
    int row = -1;
    if (m_sortRole != 0) {
        const auto it = std::find(m_rows.begin(), m_rows.end(), r);
        row = it == m_rows.end() ? -1 : int(it - m_rows.begin());
    } else if (passes(r)) {
        row = firstShownAtOrAfter(r);
    }
    return row >= 0 && row < m_count ? row : -1;
}

// Filter, search, sort ---------------------------------------------------------------

void TaskListModel::setStateFilter(int mask)
{
    const unsigned m = unsigned(mask) & kAllStates;
    if (m == m_mask)
        return;
    m_mask = m;
    resetAll();
    Q_EMIT stateFilterChanged();
}

void TaskListModel::setSearch(const QString &text)
{
    if (text == m_search)
        return;
    m_search = text;
    resetAll();
    Q_EMIT searchChanged();
}

void TaskListModel::setRunFilter(int runId)
{
    runId = std::max(0, runId);
    if (runId == m_run)
        return;
    m_run = runId;
    resetAll();
    Q_EMIT runFilterChanged();
}

void TaskListModel::setRangeFilter(const RangeFilter &filter)
{
    if (filter == m_range)
        return;
    m_range = filter;
    m_rangeBuckets = filter.bucketMask();
    resetAll();
    Q_EMIT rangeFilterChanged();
}

void TaskListModel::setSortRole(const QString &role)
{
    if (role == m_sortRoleName)
        return;
    m_sortRoleName = role;
    m_sortRole = TaskRoles::fromName(role);
    resetAll();
    Q_EMIT sortRoleChanged();
}

void TaskListModel::setSortAscending(bool ascending)
{
    if (ascending == m_ascending)
        return;
    m_ascending = ascending;
    if (m_sortRole != 0)
        resetAll();
    Q_EMIT sortAscendingChanged();
}

bool TaskListModel::passes(int storeRow) const
{
    const TaskStore::FilterRow r = m_store->filterRow(storeRow);
    if (!(stateBit(r.state) & m_mask) || !r.exists || (m_run != 0 && r.runId != m_run))
        return false;
    if (m_range.active()) {
        const TaskStore::HistogramRow h = m_store->histogramRow(storeRow, m_range.measure);
        if (!(h.buckets & m_rangeBuckets) || !(m_range.opMask & (1u << h.op)) || !(m_range.stateMask & stateBit(h.state)))
            return false;
    }
    return m_search.isEmpty() || (storeRow < int(m_matches.size()) && m_matches[std::size_t(storeRow)]);
}

void TaskListModel::extendMatches(int rows)
{
    if (m_search.isEmpty()) {
        m_matches.clear();
        m_scan.stop();
        return;
    }
    for (int r = int(m_matches.size()); r < rows; ++r)
        m_matches.push_back(m_store->name(r).contains(m_search, Qt::CaseInsensitive) ? 1 : 0);
}

std::vector<int> TaskListModel::filteredRows(int from, int to) const
{
    std::vector<int> rows;
    const int end = to < 0 ? m_store->publishedRowCount() : to;
    for (int r = from; r < end; ++r) {
        if (passes(r))
            rows.push_back(r);
    }
    return rows;
}

namespace {
bool isTextRole(int role)
{
    using namespace TaskRoles;
    return role == NameRole || role == OpRole || role == LoopRole || role == AwaitingRole || role == ResultTextRole
        || role == CancelReasonRole;
}
} // namespace

void TaskListModel::sortRows(std::vector<int> &rows) const
{
    const bool asc = m_ascending;
    if (isTextRole(m_sortRole)) {
        std::vector<QString> keys;
        keys.reserve(rows.size());
        for (int r : rows)
            keys.push_back(TaskRoles::data(*m_store, r, m_sortRole).toString());
        std::vector<std::uint32_t> order(rows.size());
        for (std::size_t i = 0; i < order.size(); ++i)
            order[i] = std::uint32_t(i);
        std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
            const int c = QString::compare(keys[a], keys[b], Qt::CaseInsensitive);
            if (c != 0)
                return asc ? c < 0 : c > 0;
            return rows[a] < rows[b];
        });
        std::vector<int> sorted;
        sorted.reserve(rows.size());
        for (std::uint32_t i : order)
            sorted.push_back(rows[i]);
        rows = std::move(sorted);
        return;
    }
    // Numeric keys; null (not started, ...) sorts first ascending.
    std::vector<std::pair<double, int>> keyed;
    keyed.reserve(rows.size());
    for (int r : rows) {
        double key = -1.0;
        if (m_sortRole == TaskRoles::StateRole) {
            key = double(m_store->state(r));
        } else {
            const QVariant v = TaskRoles::data(*m_store, r, m_sortRole);
            key = v.isValid() ? v.toDouble() : -1.0;
        }
        keyed.emplace_back(key, r);
    }
    std::sort(keyed.begin(), keyed.end(), [asc](const auto &a, const auto &b) {
        if (a.first != b.first)
            return asc ? a.first < b.first : a.first > b.first;
        return a.second < b.second;
    });
    for (std::size_t i = 0; i < rows.size(); ++i)
        rows[i] = keyed[i].second;
}

void TaskListModel::scanSome()
{
    const int published = m_store->publishedRowCount();
    const int from = int(m_matches.size());
    QElapsedTimer clock;
    clock.start();
    int to = from;
    while (to < published && clock.nsecsElapsed() < kScanSliceNs) {
        to = std::min(published, to + kScanChunk);
        extendMatches(to);
    }
    if (to >= published)
        m_scan.stop();
    // Rows [from, to) follow every row shown (store order): an append.
    const std::vector<int> found = filteredRows(from, to);
    if (found.empty())
        return;
    beginInsertRows({}, m_count, m_count + int(found.size()) - 1);
    m_rows.insert(m_rows.end(), found.begin(), found.end());
    m_count = int(m_rows.size());
    endInsertRows();
    Q_EMIT countChanged();
}

void TaskListModel::rebuild()
{
    const int published = m_store->publishedRowCount();
    // A search on an unsorted view tests the names in slices (scanSome); a sorted view
    // needs them all at once.
    if (m_search.isEmpty() || m_sortRole != 0)
        extendMatches(published);
    else if (int(m_matches.size()) < published)
        m_scan.start();
    m_rows.clear();
    if (usesIndex()) {
        m_rows = filteredRows(0);
        if (m_sortRole != 0)
            sortRows(m_rows);
        m_sortClock.restart();
        m_count = int(m_rows.size());
    } else {
        m_count = m_mask == kAllStates ? published : m_store->stateIndex().countBefore(published, m_mask);
    }
}

void TaskListModel::resetAll()
{
    const int before = m_count;
    beginResetModel();
    m_scan.stop();
    m_matches.clear();
    rebuild();
    endResetModel();
    // The first slice at once: a small table is searched before this returns.
    if (m_scan.isActive())
        scanSome();
    if (m_count != before)
        Q_EMIT countChanged();
}

int TaskListModel::refilterChanged(const TickChange &change)
{
    // Only the rows an event of this tick touched can have entered or left the range:
    // found by their revision stamps (4 bytes a row read), each tested once.
    m_touched.clear();
    m_store->rowsChangedSince(m_store->revision() - 1, change.appendedFirst, m_touched);
    std::vector<int> joined, left;
    for (const int r : m_touched) {
        const bool shown = std::binary_search(m_rows.begin(), m_rows.end(), r);
        if (shown != passes(r))
            (shown ? left : joined).push_back(r);
    }
    if (joined.empty() && left.empty())
        return m_count;
    const int first = std::min(joined.empty() ? INT_MAX : joined.front(), left.empty() ? INT_MAX : left.front());
    const int keep = std::min(m_count, firstShownAtOrAfter(first));
    std::vector<int> rows;
    rows.reserve(m_rows.size() + joined.size());
    std::set_difference(m_rows.begin(), m_rows.end(), left.begin(), left.end(), std::back_inserter(rows));
    std::vector<int> merged;
    merged.reserve(rows.size() + joined.size());
    std::merge(rows.begin(), rows.end(), joined.begin(), joined.end(), std::back_inserter(merged));
    m_rows = std::move(merged);
    return keep;
}

int TaskListModel::firstShownAtOrAfter(int storeRow) const
{
    if (usesIndex())
        return int(std::lower_bound(m_rows.begin(), m_rows.end(), storeRow) - m_rows.begin());
    if (m_mask == kAllStates)
        return storeRow;
    return m_store->stateIndex().countBefore(storeRow, m_mask);
}

void TaskListModel::replaceTail(int from, int newCount)
{
    if (from < m_count) {
        beginRemoveRows({}, from, m_count - 1);
        m_count = from;
        endRemoveRows();
    }
    if (newCount > m_count) {
        beginInsertRows({}, m_count, newCount - 1);
        m_count = newCount;
        endInsertRows();
    }
}

void TaskListModel::resort()
{
    std::vector<int> rows = filteredRows(0);
    sortRows(rows);
    m_sortClock.restart();
    if (rows == m_rows)
        return;

    std::vector<int> newPos(std::size_t(m_store->publishedRowCount()), -1);
    for (std::size_t i = 0; i < rows.size(); ++i)
        newPos[std::size_t(rows[i])] = int(i);
    const bool sameRows = rows.size() == m_rows.size()
        && std::all_of(m_rows.begin(), m_rows.end(), [&](int r) { return newPos[std::size_t(r)] >= 0; });
    if (!sameRows) {
        beginResetModel();
        m_rows = std::move(rows);
        m_count = int(m_rows.size());
        endResetModel();
        return;
    }
    Q_EMIT layoutAboutToBeChanged({}, QAbstractItemModel::VerticalSortHint);
    const QModelIndexList from = persistentIndexList();
    QModelIndexList to;
    to.reserve(from.size());
    for (const QModelIndex &index : from) {
        const int r = index.row() < int(m_rows.size()) ? m_rows[std::size_t(index.row())] : -1;
        to.append(r < 0 ? QModelIndex() : this->index(newPos[std::size_t(r)], index.column()));
    }
    m_rows = std::move(rows);
    changePersistentIndexList(from, to);
    Q_EMIT layoutChanged({}, QAbstractItemModel::VerticalSortHint);
}

void TaskListModel::onTicked(const TickChange &change)
{
    const int before = m_count;
    if (change.reset) {
        resetAll();
        return;
    }
    const int total = int(change.total);
    // While a new search is testing names, new rows wait for it (rows not tested yet
    // pass no filter); afterwards each tick tests its new rows.
    if (!m_scan.isActive())
        extendMatches(total);
    const int firstChange = change.firstMembershipChange(m_mask); // store row, INT_MAX = none
    int keep = before; // shown rows that stay where they are

    if (m_sortRole != 0) {
        const bool dirty = change.appendedCount > 0 || change.hasChanged() || firstChange != INT_MAX;
        if (dirty && m_sortClock.elapsed() >= m_resortIntervalMs) {
            resort();
            if (m_count > 0 && (change.hasChanged() || change.anyRunning()))
                Q_EMIT dataChanged(index(0), index(m_count - 1));
            if (m_count != before)
                Q_EMIT countChanged();
            return;
        }
        for (int r = change.appendedFirst; r < change.appendedFirst + change.appendedCount; ++r) {
            if (passes(r))
                m_rows.push_back(r);
        }
        replaceTail(before, int(m_rows.size()));
        // Sorted, a changed row may be anywhere among the kept ones.
        if (keep > 0 && (change.hasChanged() || change.anyRunning()))
            Q_EMIT dataChanged(index(0), index(keep - 1),
                               change.hasChanged() ? TaskRoles::changingRoles() : TaskRoles::clockRoles());
    } else {
        if (firstChange != INT_MAX)
            keep = std::min(before, firstShownAtOrAfter(firstChange));
        if (m_range.active() && change.hasChanged())
            keep = std::min(keep, refilterChanged(change));
        int newCount = 0;
        if (usesIndex()) {
            const int from = std::min(firstChange, change.appendedFirst);
            m_rows.resize(std::size_t(firstShownAtOrAfter(from)));
            const std::vector<int> tail = filteredRows(from);
            m_rows.insert(m_rows.end(), tail.begin(), tail.end());
            newCount = int(m_rows.size());
        } else {
            newCount = m_mask == kAllStates ? total : m_store->stateIndex().countBefore(total, m_mask);
        }
        replaceTail(keep, newCount);
        // What changed, then the clock's share: a view re-reads a row's durations but not
        // its name or id because time passed.
        if (keep > 0 && change.hasChanged()) {
            const int first = firstShownAtOrAfter(change.changedFirst);
            const int last = std::min(keep, firstShownAtOrAfter(change.changedLast + 1)) - 1;
            if (first <= last)
                Q_EMIT dataChanged(index(first), index(last), TaskRoles::changingRoles());
        }
        if (keep > 0 && change.anyRunning())
            Q_EMIT dataChanged(index(0), index(keep - 1), TaskRoles::clockRoles());
    }
    if (m_count != before)
        Q_EMIT countChanged();
}

} // namespace coroscope::monitor

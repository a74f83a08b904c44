#pragma once

// TaskListModel: the flat live table of tasks (CONTRACT.md), filtered by a state mask,
// a name search, a run (runFilter, 0 = every run) and a histogram's range (RangeFilter)
// and sorted by a role, without
// QSortFilterProxyModel.
//
// It follows the store tick by tick: each TaskStore::ticked becomes at most one
// removal + one insertion of a tail of rows (rows from the first one whose filter
// membership changed; usually just the appended rows) and at most two range
// dataChanged, each naming its roles: the changed rows with the roles that can change
// (TaskRoles::changingRoles()), and, while any task runs, all shown rows with only
// the duration (TaskRoles::clockRoles()), so durations tick but a view re-reads no
// name or id for it (views only re-read visible delegates). A store reset, or a
// change of filter, search or sort, is a model reset. Rows:
//  - no search, no sort: model row -> store row through the store's state index
//    (O(log n), no per-row memory);
//  - search, run or range filter: a vector of the store rows that pass, in store order, rebuilt from the
//    first row whose membership changed (the match of each name is cached, so this
//    is a cheap scan), appended rows tested incrementally. A new search tests the
//    names in slices of about 3 ms from the event loop (rows that match are appended
//    as they are found), so that typing stays responsive at a million tasks: no key
//    waits for the test of the last one's text;
//  - sort: a sorted vector of the rows that pass, rebuilt (O(n log n)) at most once
//    per resortIntervalMs() while rows change (new rows are appended at the end
//    between rebuilds, and a row that left the filter stays until the next one); a
//    rebuild is a layout change when the rows are the same, else a reset.
//
// A range filter's membership changes with any event of a row (a step that ends, a
// start, an end): each tick re-tests only the rows its events touched (found by their
// revision stamps, TaskStore::rowsChangedSince) and merges those that entered or left,
// so a million-row table is not re-filtered at every tick of a live run; sorted, the
// rows are re-filtered with the next re-sort.
//
// Threading: GUI thread only (like the store). Cost per tick: O(log n) without
// search or sort; O(rows after the first membership change) with a search.

#include "monitor/taskroles.h"
#include "monitor/taskstore.h"

#include <QAbstractListModel>
#include <QElapsedTimer>
#include <QTimer>
#include <QtQml/qqmlregistration.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace coroscope::monitor {

// A histogram's selected range (docs/spec/histograms.md, "Selecting a range"): the rows
// whose task has a value of `measure` in buckets [first, last] and whose op (slot) is in
// opMask and state (as recorded) in stateMask. Off while last < first.
struct RangeFilter {
    log::Measure measure = log::Measure::Duration;
    std::uint32_t opMask = ~std::uint32_t(0);
    unsigned stateMask = kAllStates;
    int first = 0;
    int last = -1;

    [[nodiscard]] bool active() const noexcept { return last >= first; }
    [[nodiscard]] std::uint32_t bucketMask() const noexcept
    {
        std::uint32_t mask = 0;
        for (int b = std::max(first, 0); b <= last && b < log::kBucketCount; ++b)
            mask |= 1u << b;
        return mask;
    }
    friend bool operator==(const RangeFilter &, const RangeFilter &) = default;
};

class TaskListModel : public QAbstractListModel
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by TaskMonitor")
    Q_PROPERTY(int stateFilter READ stateFilter WRITE setStateFilter NOTIFY stateFilterChanged FINAL)
    Q_PROPERTY(QString search READ search WRITE setSearch NOTIFY searchChanged FINAL)
    Q_PROPERTY(QString sortRole READ sortRole WRITE setSortRole NOTIFY sortRoleChanged FINAL)
    Q_PROPERTY(bool sortAscending READ sortAscending WRITE setSortAscending NOTIFY sortAscendingChanged FINAL)
    Q_PROPERTY(int count READ count NOTIFY countChanged FINAL)
    Q_PROPERTY(int runFilter READ runFilter WRITE setRunFilter NOTIFY runFilterChanged FINAL)
    Q_PROPERTY(bool rangeFiltered READ rangeFiltered NOTIFY rangeFilterChanged FINAL)

public:
    using Role = TaskRoles::Role;

    explicit TaskListModel(TaskStore *store, QObject *parent = nullptr);

    [[nodiscard]] int rowCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    [[nodiscard]] QHash<int, QByteArray> roleNames() const override;

    [[nodiscard]] int stateFilter() const noexcept { return int(m_mask); }
    void setStateFilter(int mask);
    [[nodiscard]] QString search() const { return m_search; }
    void setSearch(const QString &text);
    [[nodiscard]] QString sortRole() const { return m_sortRoleName; }
    void setSortRole(const QString &role);
    [[nodiscard]] bool sortAscending() const noexcept { return m_ascending; }
    void setSortAscending(bool ascending);
    [[nodiscard]] int count() const noexcept { return m_count; }
    [[nodiscard]] int runFilter() const noexcept { return m_run; }
    void setRunFilter(int runId);
    // Set by the histograms (HistogramModel::select); a RangeFilter{} turns it off.
    [[nodiscard]] const RangeFilter &rangeFilter() const noexcept { return m_range; }
    [[nodiscard]] bool rangeFiltered() const noexcept { return m_range.active(); }
    void setRangeFilter(const RangeFilter &filter);

    Q_INVOKABLE qint64 keyAt(int row) const;   // -1 if out of range
    Q_INVOKABLE int rowOfKey(qint64 key) const; // -1 if not shown

    // The store row shown at `row`; -1 if out of range.
    [[nodiscard]] int storeRow(int row) const;
    // Sorted views re-sort at most this often while rows change (default 1000 ms).
    void setResortIntervalMs(int ms) { m_resortIntervalMs = ms; }
    // Whether a new search is still testing names (rows that match keep coming).
    [[nodiscard]] bool isSearching() const { return m_scan.isActive(); }

Q_SIGNALS:
    void stateFilterChanged();
    void searchChanged();
    void sortRoleChanged();
    void sortAscendingChanged();
    void countChanged();
    void runFilterChanged();
    void rangeFilterChanged();

private:
    void onTicked(const TickChange &change);
    void resetAll();
    void rebuild();
    void extendMatches(int rows);
    void scanSome(); // tests the next names of a new search for about kScanSliceNs
    [[nodiscard]] bool passes(int storeRow) const;
    [[nodiscard]] bool usesIndex() const noexcept { return !m_search.isEmpty() || m_sortRole != 0 || m_run != 0 || m_range.active()
                                                          || m_store->playheadRun() != 0; }
    [[nodiscard]] int firstShownAtOrAfter(int storeRow) const; // unsorted modes only
    // The store rows in [from, to) that pass (to < 0: every published row).
    [[nodiscard]] std::vector<int> filteredRows(int from, int to = -1) const;
    void sortRows(std::vector<int> &rows) const;
    void resort();
    void replaceTail(int from, int newCount);
    // A range filter's rows after a tick: the rows this tick touched re-tested and
    // merged into m_rows; returns how many shown rows stay where they were.
    [[nodiscard]] int refilterChanged(const TickChange &change);

    TaskStore *m_store;
    unsigned m_mask = kAllStates;
    QString m_search;
    int m_run = 0;
    RangeFilter m_range;
    std::uint32_t m_rangeBuckets = 0; // m_range.bucketMask()
    QString m_sortRoleName;
    int m_sortRole = 0;
    bool m_ascending = true;
    int m_count = 0;
    std::vector<int> m_rows;            // store rows shown (search or sort)
    std::vector<std::uint8_t> m_matches; // per store row: the name contains m_search
    std::vector<int> m_touched;          // refilterChanged's rows (kept for its capacity)
    QElapsedTimer m_sortClock;
    QTimer m_scan;
    int m_resortIntervalMs = 1000;
};

} // namespace coroscope::monitor

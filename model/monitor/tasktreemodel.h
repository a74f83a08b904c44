#pragma once

// TaskTreeModel: the store's tasks under their parents (the Created event's parent),
// top-level tasks at the root, each level in the store's row (arrival) order. Same roles as
// TaskListModel (taskroles.h). One column. An index's internalId is its task key.
//
// Lists are announced lazily: the root is always shown; a task's children are
// "materialized" (their count fixed and followed) only once a view asks for its
// rowCount, hasChildren or a child index. Per tick: one insertRows for the root and
// one per materialized parent that got children (parents nobody looked at cost no
// signal), and, when data changed or a task runs, one dataChanged per materialized
// level, naming TaskRoles::changingRoles() (or only clockRoles() when nothing but
// time moved). A store reset is a model reset.
//
// `active` (true by default): while false the model does nothing on a tick (a hidden
// tree view costs no tick time); made active again it catches up in one step as a tick
// would: the rows that arrived are filed and announced, every materialized level's
// data is announced as changed, and a store reset missed meanwhile is a model reset.
// Materialized levels (what a view expanded) stay across the pause.
//
// `runFilter` (0 = every run): only that run's tasks are filed (TaskMonitor.scopeRunId
// sets it, as it sets the table's); changing it refiles everything (a model reset, or
// a missed reset while inactive).
//
// Threading: GUI thread only. Cost: O(appended rows) per tick to file new tasks
// under their parents (one hash lookup per run of rows with the same parent, as a
// repeat's children arrive); parent() is O(log siblings). Memory: a key per task in its
// parent's list, plus a hash entry per parent. The lists are deques, so a parent
// with a million children never has its whole list copied to grow it in one tick.

#include "monitor/taskroles.h"
#include "monitor/taskstore.h"

#include <QAbstractItemModel>
#include <QtQml/qqmlregistration.h>

#include <deque>
#include <unordered_map>
#include <vector>

namespace coroscope::monitor {

class TaskTreeModel : public QAbstractItemModel
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by TaskMonitor")
    Q_PROPERTY(bool active READ isActive WRITE setActive NOTIFY activeChanged FINAL)
    Q_PROPERTY(int runFilter READ runFilter WRITE setRunFilter NOTIFY runFilterChanged FINAL)

public:
    explicit TaskTreeModel(TaskStore *store, QObject *parent = nullptr);

    [[nodiscard]] QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    [[nodiscard]] QModelIndex parent(const QModelIndex &child) const override;
    [[nodiscard]] int rowCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] int columnCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] bool hasChildren(const QModelIndex &parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    [[nodiscard]] QHash<int, QByteArray> roleNames() const override;

    // The index of the task `key` (invalid if unknown or not shown yet).
    Q_INVOKABLE QModelIndex indexOfKey(qint64 key) const;

    [[nodiscard]] bool isActive() const noexcept { return m_active; }
    void setActive(bool active);
    [[nodiscard]] int runFilter() const noexcept { return m_run; }
    void setRunFilter(int runId);

Q_SIGNALS:
    void activeChanged();
    void runFilterChanged();

private:
    void onTicked(const TickChange &change);
    // What a tick does: reset (refile everything) or file the rows up to `total` and
    // announce them; then announce `roles` (none: nothing) over every shown level.
    void follow(bool reset, int total, const QList<int> *roles);
    using Keys = std::deque<qint64>;
    void file(int fromRow, int toRow, std::vector<qint64> *touched);
    [[nodiscard]] const Keys &childrenOf(qint64 parentKey) const; // -1 = root
    [[nodiscard]] int shownChildren(qint64 parentKey) const;                     // materializes

    TaskStore *m_store;
    Keys m_root;
    int m_rootShown = 0;
    std::unordered_map<qint64, Keys> m_children; // every parent's children
    mutable std::unordered_map<qint64, int> m_shown;            // materialized parents
    int m_filed = 0;                                            // store rows filed so far
    bool m_active = true;
    int m_run = 0;              // runFilter
    bool m_missedReset = false; // a store reset came while inactive
};

} // namespace coroscope::monitor

#pragma once

// The roles of a task row, shared by TaskListModel and TaskTreeModel (CONTRACT.md
// spells the names QML binds to), and the value of a role for a store row.
//
// Threading: GUI thread (reads the TaskStore). Cost: O(log runs) per value; builds no
// TaskView.

#include <QByteArray>
#include <QHash>
#include <QVariant>

#include <Qt>

namespace coroscope::monitor {

class TaskStore;

namespace TaskRoles {

enum Role {
    TaskKeyRole = Qt::UserRole + 1,
    RunIdRole,
    TaskIdRole,
    NameRole,
    OpRole,
    StateRole,
    LoopRole,
    AwaitingRole,
    StartedMsRole,
    DurationMsRole,
    ResultTextRole,
    CancelReasonRole,
    ParentKeyRole,
    CallbackCountRole,
    RunRole, // the run's set name ("gather-basics"); with runId it tells runs apart
};

[[nodiscard]] QHash<int, QByteArray> names();
// The roles whose value can change after the task's row appears (state, times, result,
// ...); the others are fixed when it is created. Models name them in dataChanged() so
// that a view re-reads only these.
[[nodiscard]] const QList<int> &changingRoles();
// The roles that change with the clock alone while a task runs (its duration so far).
[[nodiscard]] const QList<int> &clockRoles();
// The role named `name` ("name", "durationMs", ...); 0 if there is none.
[[nodiscard]] int fromName(const QString &name);
// The value of `role` for the store's global row `row` (Qt::DisplayRole = the name).
[[nodiscard]] QVariant data(const TaskStore &store, int row, int role);

} // namespace TaskRoles
} // namespace coroscope::monitor

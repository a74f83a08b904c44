#pragma once

// TaskDetails: what the details pane shows of one task, re-read from the monitor on
// every tick (TaskMonitor::taskDetails) without disturbing what did not change.
// `fields` is the task's map without its lists, re-signalled only when a value in it
// changed; the lists are in-place models (MarkListModel), so the pane's Repeaters keep
// their delegates and a child whose state moved re-reads its own row only: assigning
// the whole map every tick would make the pane's Repeaters destroy and re-create every
// child link (seconds at a time with the million set's repeat selected).
//   children:  taskKey, name, taskState
//   callbacks: description, firedMs (null until it fired)
//   events:    tMs, type, eventDetail
//
// Threading: GUI thread. Cost per tick: one taskDetails() and a comparison of what it
// returned with the last one (at most TaskMonitor::kMaxDetailsChildren children).

#include "widgets/marklistmodel.h"

#include <QAbstractItemModel>
#include <QPointer>
#include <QVariantMap>
#include <QtQml/qqmlregistration.h>

namespace coroscope::monitor {
class TaskMonitor;
}

namespace coroscope::qml {

class TaskDetails : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(QObject *monitor READ monitor WRITE setMonitor NOTIFY monitorChanged FINAL)
    Q_PROPERTY(double taskKey READ taskKey WRITE setTaskKey NOTIFY taskKeyChanged FINAL)
    Q_PROPERTY(QVariantMap fields READ fields NOTIFY fieldsChanged FINAL)
    Q_PROPERTY(QAbstractItemModel *children READ children CONSTANT FINAL)
    Q_PROPERTY(QAbstractItemModel *callbacks READ callbacks CONSTANT FINAL)
    Q_PROPERTY(QAbstractItemModel *events READ events CONSTANT FINAL)

public:
    explicit TaskDetails(QObject *parent = nullptr);

    [[nodiscard]] QObject *monitor() const;
    void setMonitor(QObject *monitor);
    [[nodiscard]] double taskKey() const { return m_taskKey; }
    void setTaskKey(double key);
    [[nodiscard]] QVariantMap fields() const { return m_fields; }
    [[nodiscard]] QAbstractItemModel *children() const { return m_children; }
    [[nodiscard]] QAbstractItemModel *callbacks() const { return m_callbacks; }
    [[nodiscard]] QAbstractItemModel *events() const { return m_events; }

    // Re-reads the task now (done on every tick of the monitor and on a new key).
    Q_INVOKABLE void refresh();

Q_SIGNALS:
    void monitorChanged();
    void taskKeyChanged();
    void fieldsChanged();

private:
    QPointer<monitor::TaskMonitor> m_monitor;
    QMetaObject::Connection m_tickConnection;
    double m_taskKey = -1;
    QVariantMap m_fields;
    widgets::MarkListModel *m_children;
    widgets::MarkListModel *m_callbacks;
    widgets::MarkListModel *m_events;
};

} // namespace coroscope::qml

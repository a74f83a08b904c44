#pragma once

// TaskDetails: what the details pane shows of one task, re-read from the monitor on
// every tick (TaskMonitor::taskDetails) without disturbing what did not change.
// Each field is a typed property with a signal of its own, emitted only when that
// field's value changed: a binding on the task's name is not re-evaluated when its
// state moves. The lists are in-place models (MarkListModel), so the pane's Repeaters
// keep their delegates and a child whose state moved re-reads its own row only:
// replacing the lists every tick would make the pane's Repeaters destroy and re-create
// every child link (seconds at a time with the million set's repeat selected).
//   children:  taskKey, name, taskState (its first 50, TaskMonitor::kMaxDetailsChildren;
//              moreChildren: it has more)
//   callbacks: description, firedMs (null until it fired)
//   events:    tMs, type, eventDetail
//   chain:     taskKey (-1: not a task), hopText, neverEnds ("" when it may end): the
//              await chain while the task is pending or running (docs/spec/stuck.md)
// Times are ms after the run's start, NaN while the moment has not come. Task keys are
// doubles, exact for every key (docs/spec/task-keys.md); -1 names no task.
//
// Threading: GUI thread. Cost per tick: one taskDetails() and a comparison of it with
// the last one, field by field (at most 50 children).

#include "monitor/taskdetailsdata.h"
#include "widgets/marklistmodel.h"

#include <QAbstractItemModel>
#include <QPointer>
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
    // The key names a task of the monitor's store; when false every field is empty.
    Q_PROPERTY(bool hasTask READ hasTask NOTIFY hasTaskChanged FINAL)
    Q_PROPERTY(int runId READ runId NOTIFY runIdChanged FINAL)
    Q_PROPERTY(QString run READ run NOTIFY runChanged FINAL) // the run's set name
    Q_PROPERTY(double taskId READ taskId NOTIFY taskIdChanged FINAL) // run-local
    Q_PROPERTY(QString name READ name NOTIFY nameChanged FINAL)
    Q_PROPERTY(QString op READ op NOTIFY opChanged FINAL)
    Q_PROPERTY(double parentKey READ parentKey NOTIFY parentKeyChanged FINAL)
    Q_PROPERTY(QString parentName READ parentName NOTIFY parentNameChanged FINAL)
    Q_PROPERTY(double originKey READ originKey NOTIFY originKeyChanged FINAL) // made by its spawn callback
    Q_PROPERTY(QString loop READ loop NOTIFY loopChanged FINAL)
    Q_PROPERTY(QString state READ state NOTIFY stateChanged FINAL)
    Q_PROPERTY(QString awaiting READ awaiting NOTIFY awaitingChanged FINAL)
    Q_PROPERTY(double createdMs READ createdMs NOTIFY createdMsChanged FINAL)
    Q_PROPERTY(double startedMs READ startedMs NOTIFY startedMsChanged FINAL)
    Q_PROPERTY(double finishedMs READ finishedMs NOTIFY finishedMsChanged FINAL)
    Q_PROPERTY(QString result READ result NOTIFY resultChanged FINAL)
    Q_PROPERTY(QString error READ error NOTIFY errorChanged FINAL)
    Q_PROPERTY(QString cancelReason READ cancelReason NOTIFY cancelReasonChanged FINAL)
    // A queue node's queue (docs/spec/taskset-format.md, "Queue depth"): items in it
    // now (-1: the task owns no queue), its capacity (0: unbounded), its peak.
    Q_PROPERTY(double queueDepth READ queueDepth NOTIFY queueDepthChanged FINAL)
    Q_PROPERTY(double queueCapacity READ queueCapacity NOTIFY queueCapacityChanged FINAL)
    Q_PROPERTY(double queuePeak READ queuePeak NOTIFY queuePeakChanged FINAL)
    Q_PROPERTY(bool moreChildren READ moreChildren NOTIFY moreChildrenChanged FINAL)
    Q_PROPERTY(QAbstractItemModel *children READ children CONSTANT FINAL)
    Q_PROPERTY(QAbstractItemModel *callbacks READ callbacks CONSTANT FINAL)
    Q_PROPERTY(QAbstractItemModel *events READ events CONSTANT FINAL)
    Q_PROPERTY(QAbstractItemModel *chain READ chain CONSTANT FINAL)
    // The chain's one line, "" when there is none; whether the task can never end.
    Q_PROPERTY(QString chainText READ chainText NOTIFY chainTextChanged FINAL)
    Q_PROPERTY(bool chainNeverEnds READ chainNeverEnds NOTIFY chainNeverEndsChanged FINAL)

public:
    explicit TaskDetails(QObject *parent = nullptr);

    [[nodiscard]] QObject *monitor() const;
    void setMonitor(QObject *monitor);
    [[nodiscard]] double taskKey() const { return m_taskKey; }
    void setTaskKey(double key);

    [[nodiscard]] bool hasTask() const { return m_hasTask; }
    [[nodiscard]] int runId() const { return m_data.runId; }
    [[nodiscard]] QString run() const { return m_data.run; }
    [[nodiscard]] double taskId() const { return double(m_data.id); }
    [[nodiscard]] QString name() const { return m_data.name; }
    [[nodiscard]] QString op() const { return m_data.op; }
    [[nodiscard]] double parentKey() const { return double(m_data.parentKey); }
    [[nodiscard]] QString parentName() const { return m_data.parentName; }
    [[nodiscard]] double originKey() const { return double(m_data.originKey); }
    [[nodiscard]] QString loop() const { return m_data.loop; }
    [[nodiscard]] QString state() const { return m_data.state; }
    [[nodiscard]] QString awaiting() const { return m_data.awaiting; }
    [[nodiscard]] double createdMs() const { return m_data.createdMs; }
    [[nodiscard]] double startedMs() const;
    [[nodiscard]] double finishedMs() const;
    [[nodiscard]] QString result() const { return m_data.result; }
    [[nodiscard]] QString error() const { return m_data.error; }
    [[nodiscard]] QString cancelReason() const { return m_data.cancelReason; }
    [[nodiscard]] double queueDepth() const { return m_data.queue ? double(m_data.queue->depth) : -1.0; }
    [[nodiscard]] double queueCapacity() const { return m_data.queue ? double(m_data.queue->capacity) : 0.0; }
    [[nodiscard]] double queuePeak() const { return m_data.queue ? double(m_data.queue->peak) : 0.0; }
    [[nodiscard]] bool moreChildren() const { return m_data.moreChildren; }
    [[nodiscard]] QAbstractItemModel *children() const { return m_children; }
    [[nodiscard]] QAbstractItemModel *callbacks() const { return m_callbacks; }
    [[nodiscard]] QAbstractItemModel *events() const { return m_events; }
    [[nodiscard]] QAbstractItemModel *chain() const { return m_chain; }
    [[nodiscard]] QString chainText() const { return m_data.chainText; }
    [[nodiscard]] bool chainNeverEnds() const { return m_data.chainNeverEnds; }

    // Puts chainText on the clipboard.
    Q_INVOKABLE void copyChain() const;

    // Re-reads the task now (done on every tick of the monitor and on a new key).
    Q_INVOKABLE void refresh();

Q_SIGNALS:
    void monitorChanged();
    void taskKeyChanged();
    void hasTaskChanged();
    void runIdChanged();
    void runChanged();
    void taskIdChanged();
    void nameChanged();
    void opChanged();
    void parentKeyChanged();
    void parentNameChanged();
    void originKeyChanged();
    void loopChanged();
    void stateChanged();
    void awaitingChanged();
    void createdMsChanged();
    void startedMsChanged();
    void finishedMsChanged();
    void resultChanged();
    void errorChanged();
    void cancelReasonChanged();
    void queueDepthChanged();
    void queueCapacityChanged();
    void queuePeakChanged();
    void moreChildrenChanged();
    void chainTextChanged();
    void chainNeverEndsChanged();

private:
    QPointer<monitor::TaskMonitor> m_monitor;
    QMetaObject::Connection m_tickConnection;
    double m_taskKey = -1;
    bool m_hasTask = false;
    monitor::TaskDetailsData m_data; // the fields; its lists are kept empty (the models hold them)
    widgets::MarkListModel *m_children;
    widgets::MarkListModel *m_callbacks;
    widgets::MarkListModel *m_events;
    widgets::MarkListModel *m_chain;
};

} // namespace coroscope::qml

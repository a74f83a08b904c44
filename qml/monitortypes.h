#pragma once

// Registers the monitor's QObject types (model/monitor, a plain library with
// QML_ELEMENT markers but no QML module of its own) in the Coroscope module, so that
// Main.qml can create `TaskMonitor { id: monitor }` and QML code is typed against
// its models. Nothing here runs: qmltyperegistrar reads these declarations.

#include "monitor/taskmonitor.h"

#include <QtQml/qqml.h>

namespace coroscope::qml {

struct TaskMonitorForeign
{
    Q_GADGET
    QML_FOREIGN(coroscope::monitor::TaskMonitor)
    QML_NAMED_ELEMENT(TaskMonitor)
};

struct TaskListModelForeign
{
    Q_GADGET
    QML_FOREIGN(coroscope::monitor::TaskListModel)
    QML_NAMED_ELEMENT(TaskListModel)
    QML_UNCREATABLE("owned by TaskMonitor")
};

struct TaskTreeModelForeign
{
    Q_GADGET
    QML_FOREIGN(coroscope::monitor::TaskTreeModel)
    QML_NAMED_ELEMENT(TaskTreeModel)
    QML_UNCREATABLE("owned by TaskMonitor")
};

struct TaskStatsForeign
{
    Q_GADGET
    QML_FOREIGN(coroscope::monitor::TaskStats)
    QML_NAMED_ELEMENT(TaskStats)
    QML_UNCREATABLE("owned by TaskMonitor")
};

struct RunListModelForeign
{
    Q_GADGET
    QML_FOREIGN(coroscope::monitor::RunListModel)
    QML_NAMED_ELEMENT(RunListModel)
    QML_UNCREATABLE("owned by TaskMonitor")
};

} // namespace coroscope::qml

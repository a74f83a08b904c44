#pragma once

// TaskDetailsData: everything the details pane shows of one task, as read from the
// store at one moment (TaskMonitor::taskDetails). A plain value: the pane's
// TaskDetails (qml/taskdetails.h) compares two of them field by field, so a tick
// re-signals only what moved.
//
// Times are ms after the run's start. Keys are task keys, -1 for none
// (docs/spec/task-keys.md).

#include <QString>

#include <compare>
#include <cstdint>
#include <optional>
#include <vector>

namespace coroscope::monitor {

struct TaskDetailsData {
    struct Event {
        double tMs = 0;
        QString type; // created, started, a final state, callback
        QString detail;
        bool operator==(const Event &) const = default;
    };
    struct Callback {
        QString description;
        std::optional<double> firedMs; // none until it fired
        bool operator==(const Callback &) const = default;
    };
    struct Child {
        qint64 taskKey = -1;
        QString name;
        QString state;
        bool operator==(const Child &) const = default;
    };
    // One hop of the task's await chain (docs/spec/stuck.md).
    struct ChainHop {
        qint64 taskKey = -1; // the hop's task; -1 for what a task awaits
        QString text;
        QString neverEnds; // why this wait can never end; "" when it may
        bool operator==(const ChainHop &) const = default;
    };
    // A queue node's queue (docs/spec/taskset-format.md, "Queue depth").
    struct Queue {
        qint64 depth = 0; // items in it now
        qint64 capacity = 0; // 0: unbounded
        qint64 peak = 0;
        bool operator==(const Queue &) const = default;
    };

    qint64 taskKey = -1;
    int runId = 0;
    QString run; // the run's set name
    qint64 id = 0; // run-local
    QString name;
    QString op;
    qint64 parentKey = -1;
    QString parentName;
    qint64 originKey = -1; // the task whose spawn callback made it
    QString loop;
    QString state;
    QString awaiting;
    double createdMs = 0;
    std::optional<double> startedMs;
    std::optional<double> finishedMs;
    QString result; // cut to its start when long, as error
    QString error;
    QString cancelReason;
    std::optional<Queue> queue;
    std::vector<Event> events; // in time order
    std::vector<Callback> callbacks;
    // Why is it stuck? The await chain while the task is pending or running, else empty.
    std::vector<ChainHop> chain;
    QString chainText;        // its one line
    bool chainNeverEnds = false;
    std::vector<Child> children; // the first TaskMonitor::kMaxDetailsChildren
    bool moreChildren = false;   // it has more children than those
};

} // namespace coroscope::monitor

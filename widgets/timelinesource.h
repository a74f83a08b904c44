#pragma once

// TimelineSource: what TaskTimeline reads to draw, as a plain C++ interface so that
// widgets/ does not depend on model/monitor (and the monitor includes no Qt Quick
// header: this file needs Qt Core only).
//
// The object given to TaskTimeline's `monitor` property implements this interface
// (TaskTimeline finds it with dynamic_cast). If that QObject has a `ticked()`
// signal, the timeline connects to it and re-reads the source when
// timelineRevision() moved (or, while following live, when nowMs() moved).
//
// Threading: every call comes from the GUI thread (TaskTimeline reads the source in
// updatePolish, never from the render thread). Cost: one pass over barCount() bars
// per rebuild, so bar() must be O(1) and not allocate.

// One interface, one type: the monitor owns the definition (model/monitor/
// timelinesource.h, Qt Core only) and TaskTimeline reads it under this name. The
// copy below is only for a tree built without model/monitor.
#if __has_include("monitor/timelinesource.h")
#include "monitor/timelinesource.h"

namespace coroscope::widgets {
using TimelineSource = coroscope::monitor::TimelineSource;
} // namespace coroscope::widgets
#else
#include <QString>
#include <QtGlobal>

namespace coroscope::widgets {

class TimelineSource
{
public:
    // One task. Times are ms on the source's clock (the same as nowMs()).
    struct Bar
    {
        double startMs = -1; // < 0: not started yet (not drawn)
        double endMs = -1;   // < 0: still running (drawn up to nowMs())
        int state = 0;       // 0 pending, 1 running, 2 done, 3 failed, 4 cancelled
        int lane = 0;        // 0 .. laneCount() - 1 (one lane per loop)
        qint64 key = -1;     // the task key (for hit testing); -1 if none
    };

    // A stretch of time in which a lane's loop was blocked by one task.
    struct Stall
    {
        double startMs = 0;
        double durationMs = 0;
        QString culprit; // the name of the task that held the loop
    };

    virtual ~TimelineSource() = default;

    [[nodiscard]] virtual int barCount() const = 0;
    [[nodiscard]] virtual Bar bar(int index) const = 0;
    [[nodiscard]] virtual double nowMs() const = 0;
    [[nodiscard]] virtual int laneCount() const = 0;
    [[nodiscard]] virtual QString laneName(int lane) const = 0;
    [[nodiscard]] virtual int stallCount(int lane) const = 0;
    [[nodiscard]] virtual Stall stall(int lane, int index) const = 0;
    // Changes whenever any bar, lane or stall above changed (e.g. +1 per model tick
    // that changed something). nowMs() moving alone need not change it.
    [[nodiscard]] virtual quint64 timelineRevision() const = 0;

protected:
    TimelineSource() = default;
    TimelineSource(const TimelineSource &) = default;
    TimelineSource &operator=(const TimelineSource &) = default;
};

} // namespace coroscope::widgets
#endif

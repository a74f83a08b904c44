#pragma once

// TimelineSource: what TaskTimeline reads to draw, as a plain C++ interface so that
// the monitor (which includes no Qt Quick header) can offer it and widgets/, which
// depends on model/, can read it. This file needs Qt Core only.
//
// The object given to TaskTimeline's `monitor` property implements this interface
// (TaskTimeline finds it with dynamic_cast). If that QObject has a `ticked()`
// signal, the timeline connects to it and re-reads the source when
// timelineRevision() moved (or, while following live, when nowMs() moved).
//
// Threading: every call comes from the GUI thread (TaskTimeline reads the source in
// updatePolish, never from the render thread). The timeline keeps its own flat copy
// of the bars and re-reads only the ones changedBars() names (all of them if the
// source cannot tell), so bar() must be O(1) and not allocate, and changedBars()
// should cost much less than barCount() calls of bar().

#include <QString>
#include <QtGlobal>

#include <vector>

namespace coroscope::monitor {

class TimelineSource
{
public:
    // One task. Times are ms on the source's clock (the same as nowMs()).
    struct Bar
    {
        double startMs = -1; // < 0: not started yet (not drawn)
        double endMs = -1;   // < 0: still running (drawn up to nowMs())
        int state = 0;       // 0 pending, 1 running, 2 done, 3 failed, 4 cancelled
        int lane = 0;        // 0 .. laneCount() - 1 (one lane per loop); < 0: not shown
        qint64 key = -1;     // the task key (for hit testing); -1 if none
        int mark = 0;        // 0 none; 1 marked (e.g. it differs from another run); 2 selected
    };

    // A stretch of time in which a lane's loop was blocked by one task.
    struct Stall
    {
        double startMs = 0;
        double durationMs = 0;
        QString culprit; // the name of the task that held the loop
    };

    // A value over time drawn as a step line in a strip under a lane's header (a
    // queue's depth: docs/spec/taskset-format.md, "Queue depth").
    struct Counter
    {
        QString name;        // what it counts, e.g. "jobs: queue depth"
        int lane = 0;        // the lane it is drawn in
        double scaleMax = 1; // the value at the top of its strip (> 0)
        double current = 0;  // its latest value
        double capacity = 0; // its limit, 0 = none
    };

    virtual ~TimelineSource() = default;

    [[nodiscard]] virtual int barCount() const = 0;
    [[nodiscard]] virtual Bar bar(int index) const = 0;
    [[nodiscard]] virtual double nowMs() const = 0;
    [[nodiscard]] virtual int laneCount() const = 0;
    [[nodiscard]] virtual QString laneName(int lane) const = 0;
    [[nodiscard]] virtual int stallCount(int lane) const = 0;
    [[nodiscard]] virtual Stall stall(int lane, int index) const = 0;
    // The task's name, for a label on its bar or a tooltip (may allocate).
    [[nodiscard]] virtual QString barName(int /*index*/) const { return {}; }
    [[nodiscard]] virtual int counterCount() const { return 0; }
    [[nodiscard]] virtual Counter counter(int /*index*/) const { return {}; }
    // The counter over [fromMs, toMs) cut into `columns` equal columns: out (resized to
    // `columns`) gets the highest value it held during each column (the value it had
    // when the column began included), -1 where it did not exist. O(columns + samples
    // in the range).
    virtual void counterColumns(int /*index*/, double /*fromMs*/, double /*toMs*/, int columns,
                                std::vector<float> &out) const
    {
        out.assign(std::size_t(columns), -1.0f);
    }
    // Changes whenever any bar, lane, stall or counter above changed (e.g. +1 per model tick
    // that changed something). nowMs() moving alone need not change it.
    [[nodiscard]] virtual quint64 timelineRevision() const = 0;
    // The bars below `count` whose Bar (start, end, state or lane; not key) changed
    // after revision `since`, a value timelineRevision() returned, appended to `out`
    // in any order. Returns false if the source cannot tell: then every bar is re-read.
    virtual bool changedBars(quint64 /*since*/, int /*count*/, std::vector<int> & /*out*/) const { return false; }

protected:
    TimelineSource() = default;
    TimelineSource(const TimelineSource &) = default;
    TimelineSource &operator=(const TimelineSource &) = default;
};

} // namespace coroscope::monitor

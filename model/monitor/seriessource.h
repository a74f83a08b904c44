#pragma once

// SeriesSource: what Sparkline reads to draw, as a plain C++ interface so that the
// monitor (which includes no Qt Quick header) can offer it and widgets/, which
// depends on model/, can read it. This file needs Qt Core only.
//
// A source keeps a few series of recent samples (oldest first), each named by an int
// whose meaning is the source's (TaskStats: a state mask, the summed counts of those
// states). The object given to Sparkline's `source` property implements this
// interface (Sparkline finds it with dynamic_cast); if that QObject has a `changed()`
// signal, the sparkline connects to it and re-reads its series on each one, in C++,
// without building a QVariantList.
//
// Threading: every call comes from the GUI thread. Cost: readSeries() is O(samples),
// and allocates nothing once `out` has grown to the series' length.

#include <vector>

namespace coroscope::monitor {

class SeriesSource
{
public:
    virtual ~SeriesSource() = default;

    // Replaces `out` with series `series`, oldest sample first (empty for a series the
    // source does not have), reusing out's capacity.
    virtual void readSeries(int series, std::vector<float> &out) const = 0;

protected:
    SeriesSource() = default;
    SeriesSource(const SeriesSource &) = default;
    SeriesSource &operator=(const SeriesSource &) = default;
};

} // namespace coroscope::monitor

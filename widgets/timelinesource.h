#pragma once

// TimelineSource under the name TaskTimeline reads it. One interface, one type: the
// monitor owns the definition (model/monitor/timelinesource.h, Qt Core only, with
// its contract: GUI thread only, bar() O(1) without allocating), and widgets/,
// which depends on model/, reads it from there.

#include "monitor/timelinesource.h"

namespace coroscope::widgets {
using TimelineSource = coroscope::monitor::TimelineSource;
} // namespace coroscope::widgets

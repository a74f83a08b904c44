#pragma once

// A TimelineSource over plain vectors, for the widget tests.

#include "widgets/timelinesource.h"

#include <QStringList>

#include <vector>

class TestTimelineSource final : public coroscope::widgets::TimelineSource
{
public:
    std::vector<Bar> bars;
    QStringList lanes{QStringLiteral("main")};
    std::vector<std::vector<Stall>> stalls{{}};
    double now = 1000;
    quint64 revision = 1;

    [[nodiscard]] int barCount() const override { return int(bars.size()); }
    [[nodiscard]] Bar bar(int index) const override { return bars[std::size_t(index)]; }
    [[nodiscard]] double nowMs() const override { return now; }
    [[nodiscard]] int laneCount() const override { return int(lanes.size()); }
    [[nodiscard]] QString laneName(int lane) const override { return lanes.value(lane); }
    [[nodiscard]] int stallCount(int lane) const override { return int(stalls[std::size_t(lane)].size()); }
    [[nodiscard]] Stall stall(int lane, int index) const override
    {
        return stalls[std::size_t(lane)][std::size_t(index)];
    }
    [[nodiscard]] quint64 timelineRevision() const override { return revision; }
};

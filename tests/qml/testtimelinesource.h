#pragma once

// A TimelineSource over plain vectors, for the widget tests.

#include "widgets/timelinesource.h"

#include <QStringList>

#include <optional>
#include <vector>

class TestTimelineSource final : public coroscope::widgets::TimelineSource
{
public:
    std::vector<Bar> bars;
    QStringList lanes{QStringLiteral("main")};
    std::vector<std::vector<Stall>> stalls{{}};
    double now = 1000;
    quint64 revision = 1;
    // When set, what changedBars() reports (else it cannot tell: every bar is re-read).
    std::optional<std::vector<int>> changed;
    mutable int barReads = 0;

    [[nodiscard]] int barCount() const override { return int(bars.size()); }
    [[nodiscard]] Bar bar(int index) const override
    {
        ++barReads;
        return bars[std::size_t(index)];
    }
    bool changedBars(quint64 /*since*/, int count, std::vector<int> &out) const override
    {
        if (!changed)
            return false;
        for (const int i : *changed) {
            if (i < count)
                out.push_back(i);
        }
        return true;
    }
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

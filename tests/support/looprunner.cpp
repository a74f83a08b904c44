#include "looprunner.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTimer>

namespace coroscope::testing {

RunStats runUntil(const std::function<bool()> &done, std::chrono::milliseconds timeout)
{
    RunStats stats;
    QElapsedTimer clock;
    clock.start();
    std::int64_t lastBeat = 0;
    QTimer heartbeat;
    heartbeat.setTimerType(Qt::PreciseTimer);
    QObject::connect(&heartbeat, &QTimer::timeout, [&] {
        const std::int64_t now = clock.elapsed();
        stats.longestGapMs = std::max(stats.longestGapMs, now - lastBeat);
        lastBeat = now;
        ++stats.heartbeats;
    });
    heartbeat.start(5);
    while (!done()) {
        if (clock.elapsed() > timeout.count())
            return stats;
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
    }
    stats.reached = true;
    return stats;
}

RunStats runUntilIdle(rt::Loop &loop, std::chrono::milliseconds timeout)
{
    return runUntil([&] { return loop.liveTaskCount() == 0 && loop.readyCount() == 0; }, timeout);
}

void spinFor(std::chrono::milliseconds duration)
{
    runUntil([] { return false; }, duration);
}

} // namespace coroscope::testing

// The dashboard under load: opens the real UI (run it under xvfb-run so that frames
// are drawn), launches a set (default `million`), and records every frame's gap and
// every model tick's and apply slice's duration (wall time, and the GUI thread's CPU
// time in it) until the run ends. The renderer is chosen as the app chooses it
// (widgets/renderer.h), or as `--renderer auto|gpu|software` says. Prints one JSON line:
//   xvfb-run -a -s "-screen 0 1600x1000x24" build/release/bench/coroscope_bench_dashboard [--renderer R] [--trace] [--select N] [SET]
// "loops" gives each loop of the run its stalls (steps over 50 ms) and the worst one.
// --trace also writes the five longest frames to stderr, each split where the GUI thread
// spent it: from the previous frame to the end of polish (idle time, events, the
// model's ticks, bindings, polish), the scene graph's sync, then render and swap, each
// with the CPU time the thread spent in it (with the software renderer; the OpenGL one
// renders on a thread of its own); and the model ticks that ran in it (wall / CPU ms);
// then the five ticks that took the most CPU time, and the five whose wall time
// passed their CPU time the most (the thread held off its core). Times are s after the launch and,
// for matching with `perf record -k mono`, CLOCK_MONOTONIC.
// The JSON also says how fresh the timeline stayed: its builds adopted during the run
// and the time between two (the first counted from the launch).
// After the run it stops asking for frames, lets the app settle for 1 s and measures
// the whole process's CPU over 3 s ("idle_cpu_percent", of one core: the app at rest
// with the finished run on screen); "peak_rss_mb" is the process's peak resident size;
// "end_seen_s" is the time from the launch to the tick that shows the run finished.
// --select N selects the run's N-th task 2 s after the launch, as a click in the table
// would, so the details pane follows it on every tick (a user watching one task).
// --cancel-subtree-at S cancels the subtree of the run's first task S s after the
// launch, as Cancel subtree does, and adds "cancel_subtree_ms" (from the request to
// the end of the last task it cancelled, on the loop's clock), "cancel_subtree_gui_ms"
// (the GUI thread's part: finding the subtree, in all), "cancel_subtree_gui_longest_ms"
// (its longest piece: it is found a slice at a time) and "cancel_subtree_seen_ms"
// (until the dashboard shows no task running).
// --remove, after the idle measurement, removes the finished run as the run list's
// Remove button does and adds "rss_before_remove_mb" and "rss_after_remove_mb" (the
// process's resident size just before, and 1 s after), "rss_before_launch_mb" (the
// dashboard before the run) and "rows_after_remove".

#include "dashboardwindow.h"
#include "monitor/taskmonitor.h"
#include "taskset/builtins.h"
#include "widgets/renderer.h"
#include "widgets/tasktimeline.h"

#include <QGuiApplication>
#include <QQmlApplicationEngine>
#include <QQuickWindow>
#include <QTextStream>
#include <QTimer>
#include <QtQml/qqmlextensionplugin.h>

#include <algorithm>
#include <numeric>
#include <chrono>

#include <cstdio>

#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

Q_IMPORT_QML_PLUGIN(CoroscopePlugin)
Q_IMPORT_QML_PLUGIN(Coroscope_WidgetsPlugin)
Q_IMPORT_QML_PLUGIN(Coroscope_MonitorPlugin)

using namespace coroscope;

namespace {
// The process's resident size now, in KiB (/proc/self/statm).
long currentRssKb()
{
    long pages = 0;
    long resident = 0;
    if (FILE *f = std::fopen("/proc/self/statm", "r")) {
        if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        std::fclose(f);
    }
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

long peakRssKb()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

std::int64_t processCpuNs()
{
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return std::int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

double percentile(std::vector<double> v, double p)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, std::size_t(p * double(v.size() - 1)))];
}
// A frame's phase boundaries (CLOCK_MONOTONIC ns), and how many ticks the monitor had
// timed when it was swapped.
struct Frame {
    std::int64_t polishedNs = 0, syncStartNs = 0, syncedNs = 0, swappedNs = 0;
    std::int64_t polishedCpuNs = 0, syncedCpuNs = 0, swappedCpuNs = 0; // the thread's CPU clock
    std::size_t ticks = 0;
};

void printLongestFrames(const std::vector<Frame> &frames, const monitor::TaskMonitor::Timings &ticks,
                        std::int64_t launchedNs)
{
    // rt::monotonicNs counts from its first call; CLOCK_MONOTONIC (steady_clock) from boot.
    const std::int64_t toMonotonic =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count()
        - rt::monotonicNs();
    std::vector<std::size_t> order;
    for (std::size_t i = 1; i < frames.size(); ++i)
        order.push_back(i);
    const auto gap = [&](std::size_t i) { return frames[i].swappedNs - frames[i - 1].swappedNs; };
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return gap(a) > gap(b); });
    order.resize(std::min<std::size_t>(order.size(), 5));
    const auto ms = [](std::int64_t ns) { return double(ns) / 1e6; };
    QTextStream err(stderr);
    for (std::size_t i : order) {
        const Frame &f = frames[i];
        const std::int64_t begin = frames[i - 1].swappedNs;
        const Frame &before = frames[i - 1];
        err << QStringLiteral("frame %1 ms at %2 s (monotonic %3 .. %4): to polished %5 (CPU %6), sync %7 (%8), "
                              "render+swap %9 (%10); ticks:")
                   .arg(ms(gap(i)), 0, 'f', 1)
                   .arg(double(f.swappedNs - launchedNs) / 1e9, 0, 'f', 3)
                   .arg(double(begin + toMonotonic) / 1e9, 0, 'f', 6)
                   .arg(double(f.swappedNs + toMonotonic) / 1e9, 0, 'f', 6)
                   .arg(ms(f.polishedNs - begin), 0, 'f', 1)
                   .arg(ms(f.polishedCpuNs - before.swappedCpuNs), 0, 'f', 1)
                   .arg(ms(f.syncedNs - f.syncStartNs), 0, 'f', 1)
                   .arg(ms(f.syncedCpuNs - f.polishedCpuNs), 0, 'f', 1)
                   .arg(ms(f.swappedNs - f.syncedNs), 0, 'f', 1)
                   .arg(ms(f.swappedCpuNs - f.syncedCpuNs), 0, 'f', 1);
        for (std::size_t t = frames[i - 1].ticks; t < f.ticks && t < ticks.wallNs.size(); ++t)
            err << QStringLiteral(" %1/%2").arg(ms(ticks.wallNs[t]), 0, 'f', 1).arg(ms(ticks.cpuNs[t]), 0, 'f', 1);
        err << '\n';
    }
    // The five ticks with the most of a key, each with its CPU and wall time.
    const auto printTicks = [&](const char *what, auto key) {
        std::vector<std::size_t> top(ticks.cpuNs.size());
        for (std::size_t t = 0; t < top.size(); ++t)
            top[t] = t;
        std::sort(top.begin(), top.end(), [&](std::size_t a, std::size_t b) { return key(a) > key(b); });
        top.resize(std::min<std::size_t>(top.size(), 5));
        for (std::size_t t : top) {
            err << QStringLiteral("tick (%1) %2 ms of CPU (%3 wall) at %4 s (monotonic %5)\n")
                       .arg(QLatin1String(what))
                       .arg(ms(ticks.cpuNs[t]), 0, 'f', 1)
                       .arg(ms(ticks.wallNs[t]), 0, 'f', 1)
                       .arg(double(ticks.startNs[t] - launchedNs) / 1e9, 0, 'f', 3)
                       .arg(double(ticks.startNs[t] + toMonotonic) / 1e9, 0, 'f', 6);
        }
    };
    printTicks("most CPU", [&](std::size_t t) { return ticks.cpuNs[t]; });
    printTicks("longest off the core", [&](std::size_t t) { return ticks.wallNs[t] - ticks.cpuNs[t]; });
}

} // namespace

int main(int argc, char **argv)
{
    if (const std::optional<int> answered = widgets::answerRendererProbe(argc, argv))
        return *answered;
    QGuiApplication app(argc, argv);
    QStringList args = QCoreApplication::arguments().mid(1);
    widgets::RendererRequest request = widgets::RendererRequest::Auto;
    if (const qsizetype at = args.indexOf(QStringLiteral("--renderer")); at >= 0 && at + 1 < args.size()) {
        const auto parsed = widgets::parseRendererRequest(args[at + 1]);
        if (!parsed)
            return 2;
        request = *parsed;
        args.remove(at, 2);
    }
    const bool trace = args.removeAll(QStringLiteral("--trace")) > 0;
    std::uint64_t selectLocal = 0;
    if (const qsizetype at = args.indexOf(QStringLiteral("--select")); at >= 0 && at + 1 < args.size()) {
        selectLocal = args[at + 1].toULongLong();
        if (selectLocal == 0)
            return 2;
        args.remove(at, 2);
    }
    double cancelSubtreeAtS = -1;
    if (const qsizetype at = args.indexOf(QStringLiteral("--cancel-subtree-at")); at >= 0 && at + 1 < args.size()) {
        bool ok = false;
        cancelSubtreeAtS = args[at + 1].toDouble(&ok);
        if (!ok || cancelSubtreeAtS < 0)
            return 2;
        args.remove(at, 2);
    }
    const bool removeAtEnd = args.removeAll(QStringLiteral("--remove")) > 0;
    const widgets::RendererChoice renderer = widgets::chooseRenderer(request);
    const QString set = args.isEmpty() ? QStringLiteral("million") : args.first();
    QQmlApplicationEngine engine;
    const bench::DashboardWindow dashboard = bench::loadDashboard(engine);
    if (!dashboard.loaded())
        return 1;
    QQuickWindow *window = dashboard.window;
    monitor::TaskMonitor *monitor = dashboard.monitor;

    std::vector<double> gaps;
    double worstGapMs = 0;
    double worstGapAtS = 0; // when the worst gap ended, in s after the launch
    std::int64_t launchedNs = rt::monotonicNs();
    std::int64_t last = -1;
    std::vector<Frame> frames; // --trace
    Frame current;
    bool framesTimed = true; // until the run ends (then the app rests: frames far apart)
    if (trace) {
        QObject::connect(window, &QQuickWindow::afterAnimating, window, [&] {
            current.polishedNs = rt::monotonicNs();
            current.polishedCpuNs = rt::threadCpuNs();
        },
                         Qt::DirectConnection);
        QObject::connect(window, &QQuickWindow::beforeSynchronizing, window,
                         [&] { current.syncStartNs = rt::monotonicNs(); }, Qt::DirectConnection);
        QObject::connect(window, &QQuickWindow::afterSynchronizing, window, [&] {
            current.syncedNs = rt::monotonicNs();
            current.syncedCpuNs = rt::threadCpuNs();
        },
                         Qt::DirectConnection);
    }
    QObject::connect(window, &QQuickWindow::frameSwapped, window, [&] {
        const std::int64_t now = rt::monotonicNs();
        if (last >= 0 && framesTimed)
        {
            gaps.push_back(double(now - last) / 1e6);
            if (gaps.back() >= worstGapMs) {
                worstGapMs = gaps.back();
                worstGapAtS = double(now - launchedNs) / 1e9;
            }
        }
        last = now;
        if (trace) {
            current.swappedNs = now;
            current.swappedCpuNs = rt::threadCpuNs();
            current.ticks = monitor->tickTimings().wallNs.size();
            frames.push_back(current);
        }
    }, Qt::DirectConnection);
    // How fresh the timeline stays: its builds adopted while the run goes on, and the
    // longest time between two (its worker runs below the GUI thread's priority).
    std::vector<std::int64_t> timelineBuildsNs;
    bool running = false;
    // The Timeline view's, by name: the Compare dialog holds timelines of its own.
    if (auto *timeline = window->findChild<widgets::TaskTimeline *>(QStringLiteral("timeline"))) {
        QObject::connect(timeline, &widgets::TaskTimeline::layoutChanged, window, [&] {
            if (running)
                timelineBuildsNs.push_back(rt::monotonicNs());
        });
    }
    // Keep frames coming even when nothing moves, so a stall would show as a gap.
    QTimer animate;
    QObject::connect(&animate, &QTimer::timeout, window, &QQuickWindow::update);
    animate.start(16);

    int cancelRunId = 0;
    int launchedRunId = 0;
    long rssBeforeRemoveKb = -1;
    long rssBeforeLaunchKb = -1;
    long rssAfterRemoveKb = -1;
    int rowsAfterRemove = -1;
    int rowsBeforeRemove = -1;
    std::int64_t cancelRequestedNs = -1;
    std::int64_t cancelGuiNs = 0;
    std::int64_t cancelSeenNs = -1;
    QObject::connect(monitor, &monitor::TaskMonitor::ticked, window, [&] {
        if (cancelRequestedNs >= 0 && cancelSeenNs < 0
            && monitor->stats()->property("running").toLongLong() + monitor->stats()->property("pending").toLongLong() == 0)
            cancelSeenNs = rt::monotonicNs() - cancelRequestedNs;
    });
    QTimer::singleShot(500, [&] {
        taskset::ParseResult parsed = taskset::loadSet(set);
        if (!parsed.ok())
            QCoreApplication::exit(2);
        else {
            rssBeforeLaunchKb = currentRssKb();
            launchedNs = rt::monotonicNs();
            running = true;
            const int runId = monitor->launch(std::move(*parsed.set));
            launchedRunId = runId;
            if (cancelSubtreeAtS >= 0) {
                QTimer::singleShot(int(cancelSubtreeAtS * 1000), window, [&, runId] {
                    cancelRunId = runId;
                    cancelRequestedNs = rt::monotonicNs();
                    monitor->cancelSubtree(monitor::TaskStore::makeKey(runId, 1));
                    cancelGuiNs = rt::monotonicNs() - cancelRequestedNs;
                });
            }
            if (selectLocal > 0) {
                QTimer::singleShot(2000, window, [window, runId, selectLocal] {
                    window->setProperty("selectedKey", double(monitor::TaskStore::makeKey(runId, selectLocal)));
                });
            }
        }
    });
    double idleCpuPercent = -1;
    constexpr int kSettleMs = 1000;
    constexpr int kIdleMs = 3000;
    double endSeenS = -1; // from the launch to the tick that shows the run finished
    QObject::connect(monitor, &monitor::TaskMonitor::runFinished, [&] {
        endSeenS = double(rt::monotonicNs() - launchedNs) / 1e9;
        running = false;
        framesTimed = false;
        animate.stop(); // from now on, frames only when the app asks for them
        QTimer::singleShot(kSettleMs, [&] {
            const std::int64_t cpu0 = processCpuNs();
            const std::int64_t wall0 = rt::monotonicNs();
            QTimer::singleShot(kIdleMs, [&, cpu0, wall0] {
                idleCpuPercent = 100.0 * double(processCpuNs() - cpu0) / double(rt::monotonicNs() - wall0);
                if (!removeAtEnd) {
                    QCoreApplication::quit();
                    return;
                }
                rssBeforeRemoveKb = currentRssKb();
                rowsBeforeRemove = monitor->store().rowCount();
                if (!monitor->removeRun(launchedRunId).isEmpty())
                    QCoreApplication::exit(4);
                QTimer::singleShot(kSettleMs, [&] {
                    rssAfterRemoveKb = currentRssKb();
                    rowsAfterRemove = monitor->store().rowCount();
                    QCoreApplication::quit();
                });
            });
        });
    });
    const auto t0 = rt::monotonicNs();
    QTimer::singleShot(130'000, [] { QCoreApplication::exit(3); });
    const int rc = QGuiApplication::exec();

    const auto summary = [](const char *name, const std::vector<double> &ms) {
        return QStringLiteral("\"%1\":{\"median\":%2,\"p99\":%3,\"worst\":%4}")
            .arg(QLatin1String(name))
            .arg(percentile(ms, 0.5), 0, 'f', 2)
            .arg(percentile(ms, 0.99), 0, 'f', 2)
            .arg(ms.empty() ? 0.0 : *std::max_element(ms.begin(), ms.end()), 0, 'f', 2);
    };
    const auto inMs = [](const std::vector<std::int64_t> &ns) {
        std::vector<double> ms;
        for (std::int64_t v : ns)
            ms.push_back(double(v) / 1e6);
        return ms;
    };
    const monitor::TaskMonitor::Timings &ticks = monitor->tickTimings();
    const monitor::TaskMonitor::Timings &slices = monitor->sliceTimings();
    if (trace)
        printLongestFrames(frames, ticks, launchedNs);
    QString cancelJson;
    if (cancelRequestedNs >= 0) {
        // The end of the last task the request cancelled, on the loop's clock.
        std::int64_t lastNs = cancelRequestedNs;
        std::size_t cancelled = 0;
        if (const log::RunRecord *record = monitor->store().run(cancelRunId)) {
            for (std::uint64_t id = 1; id <= record->taskCount(); ++id) {
                const auto view = record->task(id);
                if (view && view->state == rt::TaskState::Cancelled && view->finishedNs) {
                    ++cancelled;
                    lastNs = std::max(lastNs, record->startNs() + *view->finishedNs);
                }
            }
        }
        const std::vector<std::int64_t> &scans = monitor->subtreeScanTimings().wallNs;
        const std::int64_t guiNs = std::max(cancelGuiNs, std::accumulate(scans.begin(), scans.end(), std::int64_t(0)));
        const std::int64_t longestNs = std::max(scans.empty() ? 0 : *std::max_element(scans.begin(), scans.end()), cancelGuiNs);
        cancelJson = QStringLiteral("\"cancelled\":%1,\"cancel_subtree_ms\":%2,\"cancel_subtree_gui_ms\":%3,"
                                    "\"cancel_subtree_gui_longest_ms\":%5,\"cancel_subtree_seen_ms\":%4,")
                         .arg(cancelled)
                         .arg(double(lastNs - cancelRequestedNs) / 1e6, 0, 'f', 1)
                         .arg(double(guiNs) / 1e6, 0, 'f', 1)
                         .arg(cancelSeenNs < 0 ? -1.0 : double(cancelSeenNs) / 1e6, 0, 'f', 1)
                         .arg(double(longestNs) / 1e6, 0, 'f', 1);
    }
    // The run's loops: the steps that held them past the stall threshold (50 ms),
    // Coroscope's own included (a repeat's last step), from the run's record.
    QString loopsJson = QStringLiteral("\"loops\":[");
    if (const log::RunRecord *record = monitor->store().run(launchedRunId)) {
        bool first = true;
        for (const log::LoopView &loop : record->loops()) {
            std::int64_t worstNs = 0;
            for (const log::StallView &stall : loop.stalls)
                worstNs = std::max(worstNs, stall.durationNs);
            loopsJson += QStringLiteral("%1{\"name\":\"%2\",\"stalls\":%3,\"worst_stall_ms\":%4}")
                             .arg(first ? QString() : QStringLiteral(","), loop.name)
                             .arg(loop.stalls.size())
                             .arg(double(worstNs) / 1e6, 0, 'f', 1);
            first = false;
        }
    }
    loopsJson += QStringLiteral("],");
    std::vector<double> timelineGaps;
    for (std::size_t i = 0; i < timelineBuildsNs.size(); ++i)
        timelineGaps.push_back(double(timelineBuildsNs[i] - (i == 0 ? launchedNs : timelineBuildsNs[i - 1])) / 1e6);
    QTextStream(stdout) << QStringLiteral("{\"set\":\"%1\",\"renderer\":\"%13\",\"tasks\":%2,\"seconds\":%3,\"frames\":%4,%5,\"worst_gap_at_s\":%6,"
                                          "%7,%8,\"slices\":%9,%10,%11,%14,%15,%16\"exit\":%12}")
                               .arg(set)
                               .arg(rowsBeforeRemove >= 0 ? rowsBeforeRemove : monitor->store().rowCount())
                               .arg(double(rt::monotonicNs() - t0) / 1e9, 0, 'f', 1)
                               .arg(gaps.size())
                               .arg(summary("frame_gap_ms", gaps))
                               .arg(worstGapAtS, 0, 'f', 2)
                               .arg(summary("tick_ms", inMs(ticks.wallNs)), summary("tick_cpu_ms", inMs(ticks.cpuNs)))
                               .arg(slices.wallNs.size())
                               .arg(summary("slice_ms", inMs(slices.wallNs)), summary("slice_cpu_ms", inMs(slices.cpuNs)))
                               .arg(rc)
                               .arg(renderer.software ? QStringLiteral("software") : QStringLiteral("gpu"))
                               .arg(QStringLiteral("\"timeline_builds\":%1,").arg(timelineGaps.size())
                                    + summary("timeline_gap_ms", timelineGaps))
                               .arg(QStringLiteral("\"end_seen_s\":%3,\"idle_cpu_percent\":%1,\"peak_rss_mb\":%2")
                                        .arg(idleCpuPercent, 0, 'f', 2)
                                        .arg(double(peakRssKb()) / 1024.0, 0, 'f', 0)
                                        .arg(endSeenS, 0, 'f', 2))
                               .arg(loopsJson + cancelJson
                                    + (removeAtEnd ? QStringLiteral("\"rss_before_launch_mb\":%4,\"rss_before_remove_mb\":%1,"
                                                                    "\"rss_after_remove_mb\":%2,\"rows_after_remove\":%3,")
                                                         .arg(double(rssBeforeRemoveKb) / 1024.0, 0, 'f', 0)
                                                         .arg(double(rssAfterRemoveKb) / 1024.0, 0, 'f', 0)
                                                         .arg(rowsAfterRemove)
                                                         .arg(double(rssBeforeLaunchKb) / 1024.0, 0, 'f', 0)
                                                   : QString()))
                        << '\n';
    return rc;
}

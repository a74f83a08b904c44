// Scrub latency (docs/spec/time-travel.md): opens the real UI (run it under xvfb-run so
// that frames are drawn), launches a set (default `million`), waits for its end, then
// moves the scoped run's playhead to random times, as a drag does, and times each
// position from the request to the first frame swapped after it: the history's seek,
// the table, counters and details re-read, and the frame drawn. The first position
// also takes the history from the run's event spool; it is reported apart. Prints one
// JSON line:
//   xvfb-run -a -s "-screen 0 1600x1000x24" build/release/bench/coroscope_bench_timetravel [--positions N] [--tree] [SET]
// --tree shows the tree instead of the table (it re-files the run's tasks at each
// position). Each position waits for its frame before the next is asked.

#include "dashboardwindow.h"
#include "monitor/taskmonitor.h"
#include "widgets/renderer.h"

#include <QElapsedTimer>
#include <QGuiApplication>
#include <QQmlApplicationEngine>
#include <QQuickWindow>
#include <QTextStream>
#include <QtQml/qqmlextensionplugin.h>

#include <algorithm>
#include <random>

Q_IMPORT_QML_PLUGIN(CoroscopePlugin)
Q_IMPORT_QML_PLUGIN(Coroscope_WidgetsPlugin)
Q_IMPORT_QML_PLUGIN(Coroscope_MonitorPlugin)

using namespace coroscope;

namespace {
double percentile(std::vector<double> v, double p)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, std::size_t(p * double(v.size() - 1) + 0.5))];
}
} // namespace

int main(int argc, char **argv)
{
    if (const std::optional<int> answered = widgets::answerRendererProbe(argc, argv))
        return *answered;
    QGuiApplication app(argc, argv);
    QStringList args = QCoreApplication::arguments().mid(1);
    int positions = 50;
    if (const qsizetype at = args.indexOf(QStringLiteral("--positions")); at >= 0 && at + 1 < args.size()) {
        positions = std::max(1, args[at + 1].toInt());
        args.remove(at, 2);
    }
    const bool tree = args.removeAll(QStringLiteral("--tree")) > 0;
    const widgets::RendererChoice renderer = widgets::chooseRenderer(widgets::RendererRequest::Auto);
    const QString set = args.isEmpty() ? QStringLiteral("million") : args.first();

    QQmlApplicationEngine engine;
    const bench::DashboardWindow dashboard = bench::loadDashboard(engine);
    if (!dashboard.loaded())
        return 1;
    QQuickWindow *window = dashboard.window;
    monitor::TaskMonitor *monitor = dashboard.monitor;
    if (tree) {
        QObject *treeTab = window->findChild<QObject *>(QStringLiteral("treeTab"));
        if (!treeTab)
            return 1;
        treeTab->setProperty("checked", true);
    }

    QElapsedTimer launched;
    launched.start();
    int runId = 0;
    QEventLoop ended;
    QObject::connect(monitor, &monitor::TaskMonitor::runFinished, &ended, [&](int id) {
        if (id == runId)
            ended.quit();
    });
    if (!monitor->launchBuiltin(set).isEmpty())
        return 2;
    runId = monitor->runs()->property("newestRunId").toInt();
    ended.exec();
    const double runS = double(launched.elapsed()) / 1000.0;
    monitor->setScopeRunId(runId);
    // A task selected, so that the details pane follows the playhead too.
    window->setProperty("selectedKey", double(monitor::TaskStore::makeKey(runId, 2)));
    const double endMs = monitor->nowMs();

    // Each position: from the request to the next frame swapped.
    std::int64_t askedNs = 0;
    double lastMs = 0;
    QEventLoop framed;
    QObject::connect(window, &QQuickWindow::frameSwapped, &framed, [&] {
        if (askedNs != 0) {
            lastMs = double(rt::monotonicNs() - askedNs) / 1e6;
            askedNs = 0;
            QMetaObject::invokeMethod(&framed, &QEventLoop::quit, Qt::QueuedConnection);
        }
    });
    std::mt19937 rng(20);
    std::uniform_real_distribution<double> at(0.0, endMs);
    std::vector<double> calls; // the part inside setPlayheadMs (seek, models, counters, details)
    auto position = [&](double ms) {
        askedNs = rt::monotonicNs();
        const QString error = monitor->setPlayheadMs(ms);
        calls.push_back(double(rt::monotonicNs() - askedNs) / 1e6);
        if (!error.isEmpty()) {
            QTextStream(stderr) << error << '\n';
            std::exit(1);
        }
        window->update();
        framed.exec();
        return lastMs;
    };
    const double firstMs = position(at(rng));
    std::vector<double> latencies;
    for (int i = 0; i < positions; ++i)
        latencies.push_back(position(at(rng)));
    const log::RunHistory *history = monitor->store().history(runId);
    // The history's share: a seek alone, from a frame left at the previous position.
    std::vector<double> seeks;
    {
        log::RunHistory::Frame frame;
        for (int i = 0; i < positions; ++i) {
            const std::int64_t t0 = rt::monotonicNs();
            history->seek(frame, std::int64_t(at(rng) * 1e6));
            seeks.push_back(double(rt::monotonicNs() - t0) / 1e6);
        }
    }

    QTextStream(stdout) << QStringLiteral(
        "{\"set\":\"%1\",\"tasks\":%2,\"events\":%3,\"snapshots\":%4,\"history_mb\":%5,\"run_s\":%6,"
        "\"view\":\"%7\",\"renderer\":\"%8\",\"first_position_ms\":%9,\"positions\":%10,"
        "\"median_ms\":%11,\"p90_ms\":%12,\"worst_ms\":%13,\"call_median_ms\":%14,\"seek_median_ms\":%15,\"seek_worst_ms\":%16}\n")
                               .arg(set)
                               .arg(monitor->store().run(runId)->taskCount())
                               .arg(history->eventCount())
                               .arg(history->snapshotCount())
                               .arg(double(history->bytes()) / 1e6, 0, 'f', 1)
                               .arg(runS, 0, 'f', 1)
                               .arg(tree ? QStringLiteral("tree") : QStringLiteral("table"))
                               .arg(renderer.software ? QStringLiteral("software") : QStringLiteral("gpu"))
                               .arg(firstMs, 0, 'f', 1)
                               .arg(positions)
                               .arg(percentile(latencies, 0.5), 0, 'f', 1)
                               .arg(percentile(latencies, 0.9), 0, 'f', 1)
                               .arg(*std::max_element(latencies.begin(), latencies.end()), 0, 'f', 1)
                               .arg(percentile(calls, 0.5), 0, 'f', 1)
                               .arg(percentile(seeks, 0.5), 0, 'f', 1)
                               .arg(*std::max_element(seeks.begin(), seeks.end()), 0, 'f', 1);
    monitor->goLive();
    return 0;
}

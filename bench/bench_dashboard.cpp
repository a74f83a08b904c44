// The dashboard under load: opens the real UI (run it under xvfb-run so that frames
// are drawn), launches a set (default `million`), and records every frame's gap and
// every model tick's and apply slice's duration (wall time, and the GUI thread's CPU
// time in it) until the run ends. The renderer is chosen as the app chooses it
// (widgets/renderer.h), or as `--renderer auto|gpu|software` says. Prints one JSON line:
//   xvfb-run -a -s "-screen 0 1600x1000x24" build/release/bench/coroscope_bench_dashboard [--renderer R] [SET]

#include "monitor/taskmonitor.h"
#include "taskset/builtins.h"
#include "widgets/renderer.h"

#include <QGuiApplication>
#include <QQmlApplicationEngine>
#include <QQuickWindow>
#include <QTextStream>
#include <QTimer>
#include <QtQml/qqmlextensionplugin.h>

#include <algorithm>

Q_IMPORT_QML_PLUGIN(CoroscopePlugin)
Q_IMPORT_QML_PLUGIN(Coroscope_WidgetsPlugin)

using namespace coroscope;

namespace {
double percentile(std::vector<double> v, double p)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, std::size_t(p * double(v.size() - 1)))];
}
} // namespace

int main(int argc, char **argv)
{
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
    const widgets::RendererChoice renderer = widgets::chooseRenderer(request);
    const QString set = args.isEmpty() ? QStringLiteral("million") : args.first();
    QQmlApplicationEngine engine;
    engine.addImportPath(QStringLiteral("qrc:/"));
    engine.load(QUrl(QStringLiteral("qrc:/Coroscope/Main.qml")));
    if (engine.rootObjects().isEmpty())
        return 1;
    auto *window = qobject_cast<QQuickWindow *>(engine.rootObjects().constFirst());
    auto *monitor = window->findChild<monitor::TaskMonitor *>();
    if (!window || !monitor)
        return 1;

    std::vector<double> gaps;
    double worstGapMs = 0;
    double worstGapAtS = 0; // when the worst gap ended, in s after the launch
    std::int64_t launchedNs = rt::monotonicNs();
    std::int64_t last = -1;
    QObject::connect(window, &QQuickWindow::frameSwapped, window, [&] {
        const std::int64_t now = rt::monotonicNs();
        if (last >= 0)
        {
            gaps.push_back(double(now - last) / 1e6);
            if (gaps.back() >= worstGapMs) {
                worstGapMs = gaps.back();
                worstGapAtS = double(now - launchedNs) / 1e9;
            }
        }
        last = now;
    }, Qt::DirectConnection);
    // Keep frames coming even when nothing moves, so a stall would show as a gap.
    QTimer animate;
    QObject::connect(&animate, &QTimer::timeout, window, &QQuickWindow::update);
    animate.start(16);

    QTimer::singleShot(500, [&] {
        taskset::ParseResult parsed = taskset::loadSet(set);
        if (!parsed.ok())
            QCoreApplication::exit(2);
        else {
            launchedNs = rt::monotonicNs();
            monitor->launch(std::move(*parsed.set));
        }
    });
    QObject::connect(monitor, &monitor::TaskMonitor::runFinished, [&] { QTimer::singleShot(300, [] { QCoreApplication::quit(); }); });
    const auto t0 = rt::monotonicNs();
    QTimer::singleShot(120'000, [] { QCoreApplication::exit(3); });
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
    QTextStream(stdout) << QStringLiteral("{\"set\":\"%1\",\"renderer\":\"%13\",\"tasks\":%2,\"seconds\":%3,\"frames\":%4,%5,\"worst_gap_at_s\":%6,"
                                          "%7,%8,\"slices\":%9,%10,%11,\"exit\":%12}")
                               .arg(set)
                               .arg(monitor->store().rowCount())
                               .arg(double(rt::monotonicNs() - t0) / 1e9, 0, 'f', 1)
                               .arg(gaps.size())
                               .arg(summary("frame_gap_ms", gaps))
                               .arg(worstGapAtS, 0, 'f', 2)
                               .arg(summary("tick_ms", inMs(ticks.wallNs)), summary("tick_cpu_ms", inMs(ticks.cpuNs)))
                               .arg(slices.wallNs.size())
                               .arg(summary("slice_ms", inMs(slices.wallNs)), summary("slice_cpu_ms", inMs(slices.cpuNs)))
                               .arg(rc)
                               .arg(renderer.software ? QStringLiteral("software") : QStringLiteral("gpu"))
                        << '\n';
    return rc;
}

#pragma once

// The benchmarks' dashboard: Main.qml loaded as the app loads it (its static QML
// plugins imported by the benchmark), with its window and TaskMonitor; empty if it
// did not load.

#include "monitor/taskmonitor.h"

#include <QQmlApplicationEngine>
#include <QQuickWindow>
#include <QUrl>

namespace coroscope::bench {

struct DashboardWindow {
    QQuickWindow *window = nullptr;
    monitor::TaskMonitor *monitor = nullptr;
    [[nodiscard]] bool loaded() const noexcept { return window && monitor; }
};

inline DashboardWindow loadDashboard(QQmlApplicationEngine &engine)
{
    engine.addImportPath(QStringLiteral("qrc:/"));
    engine.load(QUrl(QStringLiteral("qrc:/Coroscope/Main.qml")));
    DashboardWindow d;
    if (engine.rootObjects().isEmpty())
        return d;
    d.window = qobject_cast<QQuickWindow *>(engine.rootObjects().constFirst());
    d.monitor = d.window ? d.window->findChild<monitor::TaskMonitor *>() : nullptr;
    return d;
}

} // namespace coroscope::bench

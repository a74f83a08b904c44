#include "dashboard.h"

#include "monitor/taskmonitor.h"
#include "taskset/builtins.h"

#include <QGuiApplication>
#include <QIcon>
#include <QQmlApplicationEngine>
#include <QTextStream>
#include <QUrl>
#include <QtQml/qqmlextensionplugin.h>

Q_IMPORT_QML_PLUGIN(CoroscopePlugin)
Q_IMPORT_QML_PLUGIN(Coroscope_WidgetsPlugin)

namespace coroscope::app {

int runDashboard(int &argc, char **argv, const QStringList &launch)
{
    QGuiApplication app(argc, argv);
    QGuiApplication::setApplicationName(QStringLiteral("Coroscope"));
    QGuiApplication::setApplicationDisplayName(QStringLiteral("Coroscope"));
    QGuiApplication::setApplicationVersion(QStringLiteral(COROSCOPE_VERSION));
    QGuiApplication::setDesktopFileName(QStringLiteral("coroscope"));

    QQmlApplicationEngine engine;
    engine.addImportPath(QStringLiteral("qrc:/"));
    QObject::connect(&engine, &QQmlApplicationEngine::objectCreationFailed, &app,
                     [] { QCoreApplication::exit(1); }, Qt::QueuedConnection);
    engine.load(QUrl(QStringLiteral("qrc:/Coroscope/Main.qml")));
    if (engine.rootObjects().isEmpty())
        return 1;
    auto *monitor = engine.rootObjects().constFirst()->findChild<monitor::TaskMonitor *>();
    for (const QString &set : launch) {
        taskset::ParseResult parsed = taskset::loadSet(set);
        if (!parsed.ok() || !monitor) {
            QTextStream err(stderr);
            for (const auto &d : parsed.errors)
                err << d.toString() << '\n';
            return 2;
        }
        monitor->launch(std::move(*parsed.set));
    }
    return QGuiApplication::exec();
}

} // namespace coroscope::app

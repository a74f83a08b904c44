#include "dashboard.h"

#include "monitor/taskmonitor.h"
#include "taskset/builtins.h"

#include <QFileInfo>
#include <QGuiApplication>
#include <QIcon>
#include <QLoggingCategory>
#include <QQmlApplicationEngine>
#include <QTextStream>
#include <QUrl>
#include <QtQml/qqmlextensionplugin.h>

#include <algorithm>

Q_IMPORT_QML_PLUGIN(CoroscopePlugin)
Q_IMPORT_QML_PLUGIN(Coroscope_WidgetsPlugin)
Q_IMPORT_QML_PLUGIN(Coroscope_MonitorPlugin)

Q_LOGGING_CATEGORY(lcDashboard, "coroscope.dashboard")

namespace coroscope::app {

int runDashboard(int &argc, char **argv, const QStringList &launch, widgets::RendererRequest renderer)
{
    QGuiApplication app(argc, argv);
    QGuiApplication::setOrganizationName(QStringLiteral("Coroscope")); // QSettings: ~/.config/Coroscope/
    QGuiApplication::setApplicationName(QStringLiteral("Coroscope"));
    QGuiApplication::setApplicationDisplayName(QStringLiteral("Coroscope"));
    QGuiApplication::setApplicationVersion(QStringLiteral(COROSCOPE_VERSION));
    QGuiApplication::setDesktopFileName(QStringLiteral("coroscope"));
    qCInfo(lcDashboard).noquote() << "drawing with" << widgets::chooseRenderer(renderer).reason;

    QQmlApplicationEngine engine;
    engine.addImportPath(QStringLiteral("qrc:/"));
    QObject::connect(&engine, &QQmlApplicationEngine::objectCreationFailed, &app,
                     [] { QCoreApplication::exit(1); }, Qt::QueuedConnection);
    engine.load(QUrl(QStringLiteral("qrc:/Coroscope/Main.qml")));
    if (engine.rootObjects().isEmpty())
        return 1;
    QObject *window = engine.rootObjects().constFirst();
    for (const QString &set : launch) {
        if (const QString unknown = taskset::unknownSetMessage(set); !unknown.isEmpty()) {
            QTextStream(stderr) << "coroscope: " << unknown << '\n';
            return 2;
        }
        taskset::ParseResult parsed = taskset::loadSet(set);
        if (!parsed.ok()) {
            QTextStream err(stderr);
            for (const auto &d : parsed.errors)
                err << d.toString() << '\n';
            return 2;
        }
        // Launched the way the launcher does it, so that a set of more than two
        // million tasks asks first here too.
        const auto sets = taskset::builtinSets();
        const bool builtin = !set.contains(QLatin1Char('/'))
            && std::any_of(sets.begin(), sets.end(), [&](const taskset::BuiltinSet &b) { return b.name == set; });
        QMetaObject::invokeMethod(window, "launchChecked", Q_ARG(QString, builtin ? set : QString()),
                                  Q_ARG(QUrl, builtin ? QUrl() : QUrl::fromLocalFile(QFileInfo(set).absoluteFilePath())));
    }
    return QGuiApplication::exec();
}

} // namespace coroscope::app

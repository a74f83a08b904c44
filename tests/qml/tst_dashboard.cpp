// The dashboard loads the way the app loads it (static plugins, qrc:/Coroscope/Main.qml)
// with the real TaskMonitor, runs a built-in set and shows a task's details, and QML
// reports no warning along the way: neither through the engine's warnings signal nor
// printed by QML or Qt Quick themselves (QmlWarningGuard), such as a view that cannot
// create its header or delegate ("QQmlComponent: Component is not ready").
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "monitor/taskmonitor.h"
#include "qmlwarningguard.h"

#include <QGuiApplication>
#include <QQmlApplicationEngine>
#include <QQmlError>
#include <QQuickWindow>
#include <QTest>
#include <QtQml/qqmlextensionplugin.h>

Q_IMPORT_QML_PLUGIN(CoroscopePlugin)
Q_IMPORT_QML_PLUGIN(Coroscope_WidgetsPlugin)

TEST_CASE("the dashboard loads, runs a built-in set and shows details without a QML warning")
{
    QStringList warnings;
    const coroscope::test::QmlWarningGuard printed;
    QQmlApplicationEngine engine;
    engine.addImportPath(QStringLiteral("qrc:/"));
    QObject::connect(&engine, &QQmlApplicationEngine::warnings, [&](const QList<QQmlError> &list) {
        for (const QQmlError &e : list)
            warnings.append(e.toString());
    });
    engine.load(QUrl(QStringLiteral("qrc:/Coroscope/Main.qml")));
    REQUIRE(engine.rootObjects().size() == 1);
    auto *window = qobject_cast<QQuickWindow *>(engine.rootObjects().first());
    REQUIRE(window);
    REQUIRE(QTest::qWaitForWindowExposed(window));

    auto *monitor = window->findChild<coroscope::monitor::TaskMonitor *>();
    REQUIRE(monitor);
    REQUIRE_FALSE(monitor->builtinSets().isEmpty());
    const QString first = monitor->builtinSets().first().toMap().value(QStringLiteral("name")).toString();
    CHECK(monitor->launchBuiltin(first).isEmpty());
    QTest::qWait(1500);
    REQUIRE(monitor->tasks()->count() > 0);

    window->setProperty("selectedKey", double(monitor->tasks()->keyAt(0)));
    QTest::qWait(300);
    const QImage image = window->grabWindow();
    CHECK_FALSE(image.isNull());
    if (const QString shot = qEnvironmentVariable("COROSCOPE_SCREENSHOT"); !shot.isEmpty())
        image.save(shot);

    INFO(warnings.join(QLatin1Char('\n')).toStdString());
    CHECK(warnings.isEmpty());
    INFO(printed.warnings().join(QLatin1Char('\n')).toStdString());
    CHECK(printed.warnings().isEmpty());

    // Leave no task running when the engine (and the monitor in it) goes away.
    monitor->cancelAll();
    QTest::qWait(300);
}

int main(int argc, char **argv)
{
    QGuiApplication app(argc, argv);
    return Catch::Session().run(argc, argv);
}

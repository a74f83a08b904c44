// The dashboard loads the way the app loads it (static plugins, qrc:/Coroscope/Main.qml)
// with the real TaskMonitor, runs a built-in set and shows a task's details, and QML
// reports no warning along the way: neither through the engine's warnings signal nor
// printed by QML or Qt Quick themselves (QmlWarningGuard), such as a view that cannot
// create its header or delegate ("QQmlComponent: Component is not ready"). The
// counters' sparklines follow the stats' history.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "monitor/taskmonitor.h"
#include "monitor/taskstats.h"
#include "monitor/taskstore.h"
#include "qmlwarningguard.h"
#include "runtime/clock.h"
#include "runtime/journal.h"
#include "widgets/sparkline.h"

#include <QGuiApplication>
#include <QQmlApplicationEngine>
#include <QQmlComponent>
#include <QQmlError>
#include <QQuickItem>
#include <QQuickWindow>
#include <QTest>
#include <QtQml/qqmlextensionplugin.h>

#include <algorithm>
#include <memory>
#include <vector>

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

namespace {

using coroscope::monitor::TaskStats;
using coroscope::monitor::TaskStore;
using coroscope::rt::EventType;
using coroscope::widgets::Sparkline;

// Feeds one run so that every state's count moves on every tick: each tick creates
// five tasks and settles the previous five (one stays pending, one runs, one is done,
// one failed, one cancelled).
class BusyRun
{
public:
    explicit BusyRun(TaskStore &store)
        : m_store(store), m_run(store.addRun(QStringLiteral("busy"), {}, coroscope::rt::monotonicNs()))
    {
    }
    // Applies the next tick's events without ticking.
    void apply()
    {
        for (std::uint64_t id = m_next; id < m_next + 5; ++id)
            m_journal.append(EventType::Created, id, 0, 0, m_journal.addString(QStringLiteral("t")));
        if (m_next > 1) {
            const std::uint64_t p = m_next - 5;
            for (std::uint64_t id = p + 1; id <= p + 3; ++id)
                m_journal.append(EventType::Started, id);
            m_journal.append(EventType::Done, p + 2);
            m_journal.append(EventType::Failed, p + 3);
            m_journal.append(EventType::Cancelled, p + 4);
        }
        m_next += 5;
        m_journal.publish();
        m_journal.drain(m_batch);
        m_store.apply(m_run, QStringLiteral("main"), m_batch);
    }
    void tick()
    {
        apply();
        m_store.endTick();
    }

private:
    TaskStore &m_store;
    int m_run;
    std::uint64_t m_next = 1;
    coroscope::rt::Journal m_journal;
    coroscope::rt::JournalBatch m_batch;
};

// The real CountersPane over `stats`, shown in a window.
struct CountersWindow {
    QQmlEngine engine;
    QQuickWindow window;
    std::unique_ptr<QObject> pane;

    explicit CountersWindow(TaskStats &stats)
    {
        engine.addImportPath(QStringLiteral("qrc:/"));
        QQmlComponent component(&engine);
        component.setData("import Coroscope\nCountersPane {}", QUrl());
        pane.reset(component.createWithInitialProperties({{QStringLiteral("stats"), QVariant::fromValue(&stats)}}));
        INFO(component.errorString().toStdString());
        REQUIRE(pane);
        auto *item = qobject_cast<QQuickItem *>(pane.get());
        REQUIRE(item);
        window.resize(1400, 140);
        item->setParentItem(window.contentItem());
        item->setSize(window.size());
        window.show();
        REQUIRE(QTest::qWaitForWindowExposed(&window));
    }
    [[nodiscard]] std::vector<Sparkline *> sparklines() const
    {
        std::vector<Sparkline *> out;
        std::vector<QQuickItem *> todo{window.contentItem()};
        while (!todo.empty()) {
            QQuickItem *item = todo.back();
            todo.pop_back();
            if (auto *spark = qobject_cast<Sparkline *>(item); spark && spark->isVisible())
                out.push_back(spark);
            const QList<QQuickItem *> children = item->childItems();
            todo.insert(todo.end(), children.begin(), children.end());
        }
        std::sort(out.begin(), out.end(), [](Sparkline *a, Sparkline *b) { return a->series() < b->series(); });
        return out;
    }
};

} // namespace

TEST_CASE("each counter's sparkline draws its state's history, read from the stats on every tick")
{
    const coroscope::test::QmlWarningGuard printed;
    TaskStore store;
    TaskStats stats(&store);
    BusyRun run(store);
    CountersWindow counters(stats);

    const std::vector<Sparkline *> sparks = counters.sparklines();
    REQUIRE(sparks.size() == 5); // the total has none
    for (int s = 0; s < 5; ++s)
        CHECK(sparks[std::size_t(s)]->series() == 1 << s);

    // Each series equals the stats' history of its state, tick after tick.
    const auto follows = [&] {
        for (Sparkline *spark : sparks) {
            INFO("series " << spark->series());
            CHECK(spark->values() == stats.historyOf(spark->series()));
        }
    };
    run.tick();
    follows();
    for (int i = 0; i < 4; ++i)
        run.tick();
    follows();
    CHECK(sparks[2]->values().size() == 5);
    CHECK(sparks[2]->values().last().toDouble() == double(stats.done()));
    CHECK(stats.done() > 0);

    // What is drawn: four segments, eight vertices each (area and line).
    QTest::qWait(50);
    (void)counters.window.grabWindow();
    for (Sparkline *spark : sparks)
        CHECK(spark->vertexCount() == 4 * 8);

    // A full history keeps kHistory samples, the newest last.
    for (int i = 0; i < TaskStats::kHistory; ++i)
        run.tick();
    follows();
    CHECK(sparks[0]->values().size() == TaskStats::kHistory);

    INFO(printed.warnings().join(QLatin1Char('\n')).toStdString());
    CHECK(printed.warnings().isEmpty());
}

int main(int argc, char **argv)
{
    QGuiApplication app(argc, argv);
    return Catch::Session().run(argc, argv);
}

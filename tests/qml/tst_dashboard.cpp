// The dashboard loads the way the app loads it (static plugins, qrc:/Coroscope/Main.qml)
// with the real TaskMonitor, runs a built-in set and shows a task's details, and QML
// reports no warning along the way: neither through the engine's warnings signal nor
// printed by QML or Qt Quick themselves (QmlWarningGuard), such as a view that cannot
// create its header or delegate ("QQmlComponent: Component is not ready"). The
// counters' sparklines follow the stats' history. Panes shown on their own: the
// status bar writes counts past a million with group separators; the timeline's stall
// names cover neither their lane's label nor a stall mark (so nor one another).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "monitor/taskmonitor.h"
#include "monitor/taskstats.h"
#include "monitor/taskstore.h"
#include "qml/numberformat.h"
#include "qmlwarningguard.h"
#include "runtime/clock.h"
#include "runtime/journal.h"
#include "testtimelinesource.h"
#include "widgets/sparkline.h"
#include "widgets/tasktimeline.h"

#include <QGuiApplication>
#include <QLocale>
#include <QQmlApplicationEngine>
#include <QQmlComponent>
#include <QQmlError>
#include <QQuickItem>
#include <QQuickWindow>
#include <QTest>
#include <QtQml/qqmlextensionplugin.h>

#include <algorithm>
#include <cmath>
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

// Every item under `item` (itself included) named `name`, in the visual tree.
QList<QQuickItem *> itemsNamed(QQuickItem *item, const QString &name)
{
    QList<QQuickItem *> out;
    if (item->objectName() == name)
        out.append(item);
    for (QQuickItem *child : item->childItems())
        out += itemsNamed(child, name);
    return out;
}

// One of the module's panes (`type`), made with `properties` and shown in a window of `size`.
struct PaneWindow {
    QQmlEngine engine;
    QQuickWindow window;
    std::unique_ptr<QObject> pane;

    PaneWindow(const char *type, const QVariantMap &properties, QSize size)
    {
        engine.addImportPath(QStringLiteral("qrc:/"));
        QQmlComponent component(&engine);
        component.setData(QByteArray("import Coroscope\n") + type + " {}", QUrl());
        pane.reset(component.createWithInitialProperties(properties));
        INFO(component.errorString().toStdString());
        REQUIRE(pane);
        auto *item = qobject_cast<QQuickItem *>(pane.get());
        REQUIRE(item);
        window.resize(size);
        item->setParentItem(window.contentItem());
        item->setSize(window.size());
        window.show();
        REQUIRE(QTest::qWaitForWindowExposed(&window));
    }
    [[nodiscard]] QList<QQuickItem *> items(const QString &name) const
    {
        return itemsNamed(window.contentItem(), name);
    }
};

// The real CountersPane over `stats`, shown in a window.
struct CountersWindow : PaneWindow {
    explicit CountersWindow(TaskStats &stats)
        : PaneWindow("CountersPane", {{QStringLiteral("stats"), QVariant::fromValue(&stats)}}, QSize(1400, 140))
    {
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

TEST_CASE("the status bar writes a million tasks and more with group separators, never in exponent form")
{
    const coroscope::test::QmlWarningGuard printed;
    TaskStore store;
    std::int64_t clockNs = 1'000'000'000;
    store.setClock([&clockNs] { return clockNs; });
    TaskStats stats(&store);
    PaneWindow bar("StatusBarPane",
                   {{QStringLiteral("stats"), QVariant::fromValue(&stats)},
                    {QStringLiteral("loops"), QVariantList{}},
                    {QStringLiteral("nowMs"), 1234.0}},
                   QSize(1400, 40));
    const QList<QQuickItem *> labels = bar.items(QStringLiteral("statusCounts"));
    REQUIRE(labels.size() == 1);
    const auto shown = [&] { return labels.first()->property("text").toString(); };

    // 1,000,001 tasks, all started, in one tick; then 249,589 of them finish in the next.
    constexpr std::uint64_t kTasks = 1'000'001;
    constexpr std::uint64_t kFinished = 249'589;
    const int runId = store.addRun(QStringLiteral("million"), {}, 0);
    store.reserve(runId, kTasks);
    coroscope::rt::Journal journal;
    coroscope::rt::JournalBatch batch;
    const std::uint32_t name = journal.addString(QStringLiteral("sleeper"));
    for (std::uint64_t id = 1; id <= kTasks; ++id) {
        journal.append(EventType::Created, id, 0, 0, name);
        journal.append(EventType::Started, id);
    }
    journal.publish();
    journal.drain(batch);
    store.apply(runId, QStringLiteral("main"), batch);
    store.endTick();
    REQUIRE(stats.total() == qint64(kTasks));
    REQUIRE(stats.running() == qint64(kTasks));

    // Qt.locale() in QML is the default QLocale: "1,000,001", "1.000.001" or "1 000 001".
    const auto grouped = [](const QStringList &groups) { return groups.join(QLocale().groupSeparator()); };
    const QString million = grouped({QStringLiteral("1"), QStringLiteral("000"), QStringLiteral("001")});
    const QString dot = QStringLiteral(" \u00B7 ");
    INFO(shown().toStdString());
    CHECK(shown() == million + QStringLiteral(" tasks") + dot + million + QStringLiteral(" running") + dot
                         + QStringLiteral("0/s") + dot + QStringLiteral("1.234 s"));

    for (std::uint64_t id = 1; id <= kFinished; ++id)
        journal.append(EventType::Done, id);
    journal.publish();
    journal.drain(batch);
    store.apply(runId, QStringLiteral("main"), batch);
    clockNs += 100'000'000;
    store.endTick();
    REQUIRE(stats.tasksPerSecond() == double(kFinished));

    INFO(shown().toStdString());
    CHECK(shown() == million + QStringLiteral(" tasks") + dot + grouped({QStringLiteral("750"), QStringLiteral("412")})
                         + QStringLiteral(" running") + dot + grouped({QStringLiteral("249"), QStringLiteral("589")})
                         + QStringLiteral("/s") + dot + QStringLiteral("1.234 s"));
    CHECK_FALSE(shown().contains(QLatin1String("e+")));

    INFO(printed.warnings().join(QLatin1Char('\n')).toStdString());
    CHECK(printed.warnings().isEmpty());
}

namespace {

// The scene x-range [left, right) of an item.
struct Span {
    double left, right;
    [[nodiscard]] bool overlaps(const Span &o) const { return left < o.right && o.left < right; }
};

Span spanOf(const QQuickItem *item)
{
    const QRectF r = item->mapRectToScene(QRectF(0, 0, item->width(), item->height()));
    return {r.left(), r.right()};
}

} // namespace

TEST_CASE("counts are grouped whole numbers, also where the locale omits grouping")
{
    const QLocale before;
    QLocale::setDefault(QLocale::c()); // C omits the group separator unless told not to
    const coroscope::qml::NumberFormat format;
    CHECK(format.count(0) == QStringLiteral("0"));
    CHECK(format.count(999) == QStringLiteral("999"));
    CHECK(format.count(1000001) == QStringLiteral("1,000,001"));
    CHECK(format.count(1234567.6) == QStringLiteral("1,234,568"));
    CHECK(format.count(-1234.4) == QStringLiteral("\u22121,234"));
    CHECK(format.count(-0.2) == QStringLiteral("0"));
    CHECK(format.count(std::nan("")) == QStringLiteral("\u2014"));
    QLocale::setDefault(before);
}

TEST_CASE("a stall's culprit name covers neither its lane's label nor a mark; every mark stays")
{
    using coroscope::widgets::TaskTimeline;
    const coroscope::test::QmlWarningGuard printed;
    coroscope::monitor::TaskMonitor monitor;
    PaneWindow page("TimelinePage", {{QStringLiteral("monitor"), QVariant::fromValue(&monitor)}}, QSize(1000, 300));
    auto *timeline = page.pane->findChild<TaskTimeline *>();
    REQUIRE(timeline);

    // One lane of a second; the view is the whole run, so 1 ms is about a pixel.
    TestTimelineSource source;
    source.lanes = {QStringLiteral("#1 million \u00B7 main")};
    source.now = 1000;
    for (int i = 0; i < 3; ++i)
        source.bars.push_back(TestTimelineSource::Bar{double(100 * i), double(100 * i + 400), 2, 0, i});
    using Stall = TestTimelineSource::Stall;
    source.stalls = {{
        Stall{20, 60, QStringLiteral("under-the-lane-label")}, // its mark lies under the lane's label
        Stall{500, 10, QStringLiteral("crowded")},             // the next mark follows too closely to name it
        Stall{530, 10, QStringLiteral("squeezed")},            // room for part of its name
        Stall{610, 10, QStringLiteral("roomy")},
        Stall{900, 10, QStringLiteral("late")},
    }};
    timeline->setSource(&source);
    (void)page.window.grabWindow(); // polish: the timeline builds, the page lays out

    // Every stall keeps its mark.
    const coroscope::widgets::MarkListModel &marks = *timeline->stallMarks();
    REQUIRE(marks.rowCount() == 5);
    const auto role = [&](int row, const QByteArray &name) {
        return marks.data(marks.index(row), marks.roleNames().key(name)).toDouble();
    };

    const QList<QQuickItem *> lanes = page.items(QStringLiteral("timelineLaneLabel"));
    REQUIRE(lanes.size() == 1);
    QQuickItem *laneLabel = lanes.first();
    REQUIRE(laneLabel->isVisible());
    REQUIRE(laneLabel->property("text").toString().startsWith(source.lanes.first()));
    const Span lane = spanOf(laneLabel);
    const QRectF firstMark = timeline->mapRectToScene(QRectF(role(0, "markX"), 0, role(0, "markWidth"), 1));
    REQUIRE(firstMark.left() > lane.left); // the first mark lies under the lane's label
    REQUIRE(firstMark.right() < lane.right);

    // The culprits whose names show; checks that none covers the lane's label or a mark.
    const auto shownNames = [&] {
        std::vector<Span> markSpans;
        for (int row = 0; row < marks.rowCount(); ++row) {
            const QRectF r = timeline->mapRectToScene(QRectF(role(row, "markX"), 0, role(row, "markWidth"), 1));
            markSpans.push_back({r.left(), r.right()});
        }
        const QList<QQuickItem *> names = page.items(QStringLiteral("timelineStallLabel"));
        CHECK(names.size() == marks.rowCount());
        QStringList shown;
        for (QQuickItem *name : names) {
            if (!name->isVisible())
                continue;
            const QString text = name->property("text").toString();
            const Span span = spanOf(name);
            INFO(text.toStdString() << " at [" << span.left << ", " << span.right << "), the lane's label at ["
                                    << lane.left << ", " << lane.right << ")");
            CHECK(span.right > span.left);
            CHECK_FALSE(span.overlaps(lane));
            for (const Span &mark : markSpans)
                CHECK_FALSE(span.overlaps(mark));
            shown.append(text.section(QLatin1Char(' '), 1, 1));
        }
        return shown;
    };
    // A name is left out only where it would cover something.
    CHECK(shownNames() == QStringList{QStringLiteral("squeezed"), QStringLiteral("roomy"), QStringLiteral("late")});

    // A new stall just after the last one: the last one's name makes way.
    source.stalls.front().push_back(Stall{930, 10, QStringLiteral("newest")});
    ++source.revision;
    timeline->refresh();
    (void)page.window.grabWindow();
    REQUIRE(marks.rowCount() == 6);
    CHECK(shownNames() == QStringList{QStringLiteral("squeezed"), QStringLiteral("roomy"), QStringLiteral("newest")});

    INFO(printed.warnings().join(QLatin1Char('\n')).toStdString());
    CHECK(printed.warnings().isEmpty());
}

int main(int argc, char **argv)
{
    QGuiApplication app(argc, argv);
    return Catch::Session().run(argc, argv);
}

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
#include "qml/taskrowcells.h"
#include "qml/tasktablestyle.h"
#include "qmlwarningguard.h"
#include "runtime/clock.h"
#include "runtime/journal.h"
#include "testtimelinesource.h"
#include "widgets/sparkline.h"
#include "widgets/tasktimeline.h"

#include <QAccessible>
#include <QFontMetricsF>
#include <QGuiApplication>
#include <QDateTime>
#include <QLocale>
#include <QQmlApplicationEngine>
#include <QQmlComponent>
#include <QScreen>
#include <QQmlError>
#include <QQuickItem>
#include <QQuickWindow>
#include <QPainter>
#include <QSignalSpy>
#include <QStandardItemModel>
#include <QTest>
#include <QtQml/qqmlextensionplugin.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

Q_IMPORT_QML_PLUGIN(CoroscopePlugin)
Q_IMPORT_QML_PLUGIN(Coroscope_WidgetsPlugin)
Q_IMPORT_QML_PLUGIN(Coroscope_MonitorPlugin)

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

TEST_CASE("the status bar counts a loop's stalls in words: one stall, then stalls")
{
    const coroscope::test::QmlWarningGuard printed;
    TaskStore store;
    TaskStats stats(&store);
    const auto loop = [](int stalls) {
        return QVariantMap{{QStringLiteral("run"), QStringLiteral("blocking-call")}, {QStringLiteral("runId"), 1},
                           {QStringLiteral("name"), QStringLiteral("main")}, {QStringLiteral("healthy"), false},
                           {QStringLiteral("stalls"), stalls}, {QStringLiteral("maxStallMs"), 800.0},
                           {QStringLiteral("lastStallMs"), 12.5},
                           {QStringLiteral("lastStallTask"), QStringLiteral("time-sleep")}};
    };
    PaneWindow bar("StatusBarPane",
                   {{QStringLiteral("stats"), QVariant::fromValue(&stats)},
                    {QStringLiteral("loops"), QVariantList{loop(1)}},
                    {QStringLiteral("nowMs"), 0.0}},
                   QSize(1400, 40));
    const auto shown = [&] {
        const QList<QQuickItem *> labels = bar.items(QStringLiteral("loopHealth"));
        return labels.size() == 1 ? labels.first()->property("text").toString() : QString();
    };
    const QString rest = QStringLiteral(" \u00B7 max 800.0 ms \u00B7 last: time-sleep (12.5 ms)");
    CHECK(shown() == QStringLiteral("1 stall") + rest);
    bar.pane->setProperty("loops", QVariantList{loop(3)});
    CHECK(shown() == QStringLiteral("3 stalls") + rest);
    bar.pane->setProperty("loops", QVariantList{loop(0)});
    CHECK(shown() == QStringLiteral("healthy"));

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

TEST_CASE("a million-task run's line fits beside its Stop button in the sidebar")
{
    const coroscope::test::QmlWarningGuard printed;
    // The sidebar's default width (Theme.sidebarWidth, 290) less the list's margins.
    const QVariantMap run{{QStringLiteral("index"), 0},
                          {QStringLiteral("runId"), 12},
                          {QStringLiteral("name"), QStringLiteral("million")},
                          {QStringLiteral("running"), true},
                          {QStringLiteral("taskCount"), 1000001},
                          {QStringLiteral("startedAt"), QDateTime(QDate(2026, 11, 28), QTime(23, 59, 58))},
                          {QStringLiteral("loaded"), false},
                          {QStringLiteral("loadedFrom"), QString()},
                          {QStringLiteral("attached"), false}};
    PaneWindow live("RunDelegate", run, QSize(270, 48));
    const QList<QQuickItem *> lines = live.items(QStringLiteral("runLine"));
    REQUIRE(lines.size() == 1);
    CHECK(lines.first()->property("text").toString().startsWith(QStringLiteral("1,000,001 tasks")));
    CHECK_FALSE(lines.first()->property("truncated").toBool());

    QVariantMap finished = run;
    finished[QStringLiteral("running")] = false; // no Stop button: the line says it ended
    PaneWindow done("RunDelegate", finished, QSize(270, 48));
    const QList<QQuickItem *> doneLines = done.items(QStringLiteral("runLine"));
    REQUIRE(doneLines.size() == 1);
    CHECK(doneLines.first()->property("text").toString().endsWith(QStringLiteral("finished")));
    CHECK_FALSE(doneLines.first()->property("truncated").toBool());

    // An attached program's run: its button detaches (and says it is attached); once
    // detached, the line says so.
    QVariantMap attached = run;
    attached[QStringLiteral("attached")] = true;
    PaneWindow watched("RunDelegate", attached, QSize(270, 48));
    const QList<QQuickItem *> watchedLines = watched.items(QStringLiteral("runLine"));
    REQUIRE(watchedLines.size() == 1);
    CHECK_FALSE(watchedLines.first()->property("truncated").toBool());
    const QList<QQuickItem *> buttons = watched.items(QStringLiteral("runStop"));
    REQUIRE(buttons.size() == 1);
    CHECK(buttons.first()->property("text").toString() == QStringLiteral("Detach"));
    attached[QStringLiteral("running")] = false;
    PaneWindow detached("RunDelegate", attached, QSize(270, 48));
    const QList<QQuickItem *> detachedLines = detached.items(QStringLiteral("runLine"));
    REQUIRE(detachedLines.size() == 1);
    CHECK(detachedLines.first()->property("text").toString() == QStringLiteral("1,000,001 tasks \u00B7 no longer attached"));
    CHECK_FALSE(detachedLines.first()->property("truncated").toBool());

    INFO(printed.warnings().join(QLatin1Char('\n')).toStdString());
    CHECK(printed.warnings().isEmpty());
}

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

TEST_CASE("times read as ms, seconds or minutes, and none as a dash")
{
    using coroscope::qml::NumberFormat;
    const NumberFormat format;
    CHECK(format.time(QVariant()) == QStringLiteral("\u2014"));                     // undefined
    CHECK(format.time(QVariant::fromValue(nullptr)) == QStringLiteral("\u2014"));   // null
    CHECK(format.time(-1.0) == QStringLiteral("\u2014"));
    CHECK(NumberFormat::timeText(std::nan("")) == QStringLiteral("\u2014"));
    CHECK(format.time(0.0) == QStringLiteral("0.0 ms"));
    CHECK(format.time(12.34) == QStringLiteral("12.3 ms"));
    CHECK(format.time(1234.0) == QStringLiteral("1.234 s"));
    CHECK(format.time(123456.0) == QStringLiteral("2 min 03.4 s"));
    CHECK(format.time(119999.0) == QStringLiteral("1 min 59.9 s")); // tenths cut, never "60.0 s"
    CHECK(format.time(QStringLiteral("250")) == QStringLiteral("250.0 ms"));
}

TEST_CASE("a NumberText writes its value into its pattern and signals only a new text")
{
    const QLocale before;
    QLocale::setDefault(QLocale::c());
    using coroscope::qml::NumberText;
    NumberText number;
    QSignalSpy textChanged(&number, &NumberText::textChanged);
    CHECK(number.text() == QStringLiteral("0"));

    number.setPattern(QStringLiteral("%1 shown"));
    number.setValue(1000001);
    CHECK(number.text() == QStringLiteral("1,000,001 shown"));
    CHECK(textChanged.count() == 2);

    number.setValue(1000001.2); // a new value, the same text: no relayout for the label
    CHECK(textChanged.count() == 2);

    number.setKind(NumberText::Kind::Time);
    number.setPattern(QStringLiteral("%1"));
    number.setValue(12.31);
    CHECK(number.text() == QStringLiteral("12.3 ms"));
    const int signalled = int(textChanged.count());
    number.setValue(12.34);
    CHECK(textChanged.count() == signalled);
    number.setValue(std::nan(""));
    CHECK(number.text() == QStringLiteral("\u2014"));
    number.setValue(std::nan("")); // NaN never equals itself, but is the same value here
    CHECK(textChanged.count() == signalled + 1);
    QLocale::setDefault(before);
}

namespace {

using coroscope::qml::TaskRowCells;
using coroscope::qml::TaskTableStyle;

enum TestRole { RunIdRole = Qt::UserRole + 1, RunRole, NameRole, StateRole, DurationRole, ResultRole };

// A task table's row painted alone, over a plain model with the task roles it shows.
struct RowFixture {
    QStandardItemModel model;
    TaskTableStyle style;
    QQuickWindow window;
    TaskRowCells *cells = nullptr;

    RowFixture()
    {
        model.setItemRoleNames({{RunIdRole, "runId"},
                                {RunRole, "run"},
                                {NameRole, "name"},
                                {StateRole, "state"},
                                {DurationRole, "durationMs"},
                                {ResultRole, "resultText"}});
        addRow(0, QStringLiteral("main"), QStringLiteral("running"), 12.34, QString());
        addRow(1, QStringLiteral("worker"), QStringLiteral("done"), 1500, QStringLiteral("42"));

        const auto column = [](const char *role, int width) {
            return QVariantMap{{QStringLiteral("role"), QString::fromLatin1(role)}, {QStringLiteral("width"), width}};
        };
        style.setColumns({column("runId", 150), column("name", 100), column("state", 112),
                          column("durationMs", 92), column("resultText", 160)});
        QFont font;
        font.setPixelSize(13);
        style.setProperty("font", font);
        style.setProperty("smallFont", font);
        style.setProperty("monoFont", font);
        style.setProperty("text", QColor(Qt::black));
        style.setProperty("mutedText", QColor(Qt::darkGray));
        style.setProperty("base", QColor(Qt::white));
        style.setProperty("alternateBase", QColor(Qt::white));
        style.setProperty("hover", QColor(Qt::white));
        style.setProperty("selection", QColor(Qt::white));
        style.setProperty("stateNames", QStringList{QStringLiteral("running"), QStringLiteral("done"),
                                                    QStringLiteral("failed"), QStringLiteral("cancelled")});
        style.setProperty("stateColors", QVariant::fromValue(QList<QColor>{Qt::blue, Qt::darkGreen, Qt::red, Qt::yellow}));
        style.setProperty("stateGlyphs", QStringList{QStringLiteral(">"), QStringLiteral("v"), QStringLiteral("x"),
                                                     QStringLiteral("/")});
        style.setProperty("padding", 8);
        style.setProperty("badgeHeight", 20);
        style.setProperty("badgeSpacing", 4);
        style.setProperty("badgeTint", 0.16);

        window.resize(620, 26);
        cells = new TaskRowCells(window.contentItem());
        cells->setSize(QSizeF(620, 26));
        cells->setModel(&model);
        cells->setTableStyle(&style);
        cells->setRow(0);
        window.show();
        REQUIRE(QTest::qWaitForWindowExposed(&window));
    }

    void addRow(int runId, const QString &name, const QString &state, double durationMs, const QString &result)
    {
        auto *item = new QStandardItem;
        item->setData(runId + 1, RunIdRole);
        item->setData(QStringLiteral("gather-basics"), RunRole);
        item->setData(name, NameRole);
        item->setData(state, StateRole);
        item->setData(durationMs, DurationRole);
        item->setData(result, ResultRole);
        model.appendRow(item);
    }
    void set(int role, const QVariant &value) { model.item(cells->row())->setData(value, role); }

    // Lets the row take what the model told it (it re-reads its cells before a frame).
    [[nodiscard]] bool shows(int column, const QString &text) const
    {
        return QTest::qWaitFor([&] { return cells->shownText(column) == text; }, 2000);
    }
    // The row as painted, and whether the x-range [left, right) has a pixel of `colour`'s hue.
    [[nodiscard]] QImage painted() const
    {
        QImage image(cells->size().toSize(), QImage::Format_ARGB32_Premultiplied);
        QPainter painter(&image);
        cells->paint(&painter);
        return image;
    }
    [[nodiscard]] static bool hasInk(const QImage &image, int left, int right, QColor colour)
    {
        for (int y = 0; y < image.height(); ++y) {
            for (int x = left; x < right; ++x) {
                const QColor c = image.pixelColor(x, y);
                if (c != Qt::white && c.hsvHue() == colour.hsvHue() && c.hsvSaturation() > 100)
                    return true;
            }
        }
        return false;
    }
};

} // namespace

TEST_CASE("a table row paints its task's cells and re-reads only the roles the model names")
{
    const coroscope::test::QmlWarningGuard printed;
    RowFixture row;
    REQUIRE(row.shows(0, QStringLiteral("#1 gather-basics")));
    CHECK(row.cells->shownText(1) == QStringLiteral("main"));
    CHECK(row.cells->shownText(2) == QStringLiteral("running"));
    CHECK(row.cells->taskState() == QStringLiteral("running"));
    CHECK(row.cells->shownText(3) == QStringLiteral("12.3 ms"));
    CHECK(row.cells->shownText(4).isEmpty());

    SECTION("a change the model names is shown")
    {
        row.set(DurationRole, 2500.0);
        CHECK(row.shows(3, QStringLiteral("2.500 s")));
    }
    SECTION("a role the model does not name as changed is not re-read")
    {
        {
            const QSignalBlocker quiet(&row.model);
            row.set(NameRole, QStringLiteral("renamed"));
            row.set(DurationRole, 3000.0);
        }
        const QModelIndex index = row.model.index(0, 0);
        Q_EMIT row.model.dataChanged(index, index, {DurationRole});
        CHECK(row.shows(3, QStringLiteral("3.000 s")));
        CHECK(row.cells->shownText(1) == QStringLiteral("main"));
    }
    SECTION("a long text is cut at its cell's edge")
    {
        row.set(NameRole, QStringLiteral("a_task_name_far_too_long_for_its_column"));
        REQUIRE(QTest::qWaitFor([&] { return row.cells->shownText(1).endsWith(QChar(0x2026)); }, 2000));
        QFont font;
        font.setPixelSize(13);
        CHECK(QFontMetricsF(font).horizontalAdvance(row.cells->shownText(1)) <= 100 - 2 * 8);
    }
    SECTION("one text in two cells of different widths is cut at each cell's own edge")
    {
        // Rows share their laid-out texts (TaskTableStyle::laidOut): a layout is kept per
        // width as well as per text.
        const QString text = QStringLiteral("a_task_name_far_too_long_for_its_column_and_the_next_one");
        row.set(NameRole, text);
        row.set(ResultRole, text);
        REQUIRE(QTest::qWaitFor([&] {
            return row.cells->shownText(1).endsWith(QChar(0x2026)) && row.cells->shownText(4).endsWith(QChar(0x2026));
        }, 2000));
        QFont font;
        font.setPixelSize(13);
        CHECK(row.cells->shownText(4).size() > row.cells->shownText(1).size());
        CHECK(QFontMetricsF(font).horizontalAdvance(row.cells->shownText(1)) <= 100 - 2 * 8);
        CHECK(QFontMetricsF(font).horizontalAdvance(row.cells->shownText(4)) <= 160 - 2 * 8);
    }
    SECTION("a result's line breaks read as spaces")
    {
        row.set(ResultRole, QStringLiteral("first\nsecond"));
        CHECK(row.shows(4, QStringLiteral("first second")));
    }
    SECTION("the state colours the badge, the duration and the error")
    {
        // Running: the duration in the running colour, the result in the text colour.
        QImage image = row.painted();
        CHECK(RowFixture::hasInk(image, 150 + 100, 150 + 100 + 112, Qt::blue)); // the badge
        CHECK(RowFixture::hasInk(image, 362, 362 + 92, Qt::blue));
        row.set(ResultRole, QStringLiteral("ValueError: boom"));
        REQUIRE(row.shows(4, QStringLiteral("ValueError: boom")));
        CHECK_FALSE(RowFixture::hasInk(row.painted(), 454, 614, Qt::red));

        // Failed: the badge and the error in the failed colour, the duration in text colour.
        row.set(StateRole, QStringLiteral("failed"));
        REQUIRE(QTest::qWaitFor([&] { return row.cells->taskState() == QStringLiteral("failed"); }, 2000));
        image = row.painted();
        CHECK(RowFixture::hasInk(image, 150 + 100, 150 + 100 + 112, Qt::red));
        CHECK(RowFixture::hasInk(image, 454, 614, Qt::red));
        CHECK_FALSE(RowFixture::hasInk(image, 362, 362 + 92, Qt::blue));

        // And so the window shows it, drawn by the row's node (a render node painting
        // into the window with the software renderer, a texture with the GPU ones).
        const QImage shown = row.window.grabWindow();
        REQUIRE(shown.width() >= 614);
        CHECK(RowFixture::hasInk(shown, 150 + 100, 150 + 100 + 112, Qt::red));
        CHECK(RowFixture::hasInk(shown, 454, 614, Qt::red));
        CHECK_FALSE(RowFixture::hasInk(shown, 362, 362 + 92, Qt::blue));
    }
    SECTION("a row inserted above shifts what the row shows")
    {
        auto *above = new QStandardItem;
        above->setData(QStringLiteral("newcomer"), NameRole);
        above->setData(QStringLiteral("pending"), StateRole);
        row.model.insertRow(0, above);
        CHECK(row.shows(1, QStringLiteral("newcomer")));
        CHECK(row.cells->shownText(3) == QStringLiteral("\u2014")); // no duration yet
    }
    SECTION("assistive technology reads the row's cells once it is active, not before")
    {
        CHECK(row.cells->accessibleText().isEmpty()); // no string is built for nobody
        QSignalSpy changed(row.cells, &TaskRowCells::accessibleTextChanged);
        QAccessible::setActive(true);
        CHECK(changed.count() == 1); // a binding to it reads it again
        const QString text = row.cells->accessibleText();
        QAccessible::setActive(false);
        CHECK(text.contains(QStringLiteral("main")));
        CHECK(text.contains(QStringLiteral("running")));
        CHECK(text.contains(QStringLiteral("12.3 ms")));
    }
    SECTION("a row out of the model's range is blank")
    {
        row.cells->setRow(5);
        CHECK(row.shows(1, QString()));
        CHECK(row.cells->taskState().isEmpty());
        CHECK(row.cells->shownText(3).isEmpty());
    }

    INFO(printed.warnings().join(QLatin1Char('\n')).toStdString());
    CHECK(printed.warnings().isEmpty());
}

namespace {

// The real TimelinePage over an idle monitor, shown in a window; tests give its
// timeline a source of their own.
struct TimelineWindow {
    coroscope::monitor::TaskMonitor monitor;
    PaneWindow page{"TimelinePage", {{QStringLiteral("monitor"), QVariant::fromValue(&monitor)}}, QSize(1000, 300)};
    coroscope::widgets::TaskTimeline *timeline = page.pane->findChild<coroscope::widgets::TaskTimeline *>();
};

} // namespace

TEST_CASE("a stall's culprit name covers neither its lane's label nor a mark; every mark stays")
{
    const coroscope::test::QmlWarningGuard printed;
    TimelineWindow window;
    PaneWindow &page = window.page;
    coroscope::widgets::TaskTimeline *timeline = window.timeline;
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

TEST_CASE("a lane's label stays over the stall mark under it when only part of the timeline repaints")
{
    const coroscope::test::QmlWarningGuard printed;
    TimelineWindow window;
    PaneWindow &page = window.page;
    coroscope::widgets::TaskTimeline *timeline = window.timeline;
    REQUIRE(timeline);
    TestTimelineSource source;
    source.lanes = {QStringLiteral("#1 million \u00B7 main")};
    source.now = 1000;
    source.bars.push_back(TestTimelineSource::Bar{0, 400, 2, 0, 0});
    source.stalls = {{TestTimelineSource::Stall{20, 200, QStringLiteral("under-the-lane-label")}}};
    timeline->setSource(&source);
    // A small item far right in the header band: changing it repaints only its rectangle,
    // which the timeline's own drawing intersects.
    QQmlComponent component(&page.engine);
    component.setData("import QtQuick\nRectangle { width: 6; height: 6; color: \"white\" }", QUrl());
    std::unique_ptr<QQuickItem> spot(qobject_cast<QQuickItem *>(component.create()));
    REQUIRE(spot);
    spot->setParentItem(timeline);
    spot->setPosition(QPointF(timeline->width() - 20, 2));

    const QList<QQuickItem *> lanes = page.items(QStringLiteral("timelineLaneLabel"));
    REQUIRE(lanes.size() == 1);
    QQuickItem *laneLabel = lanes.first();
    const auto &marks = *timeline->stallMarks();
    (void)page.window.grabWindow(); // polish: the timeline builds, the page lays out
    REQUIRE(marks.rowCount() == 1);
    const auto role = [&](const QByteArray &name) {
        return marks.data(marks.index(0), marks.roleNames().key(name)).toDouble();
    };
    // Where the mark and the label's text meet, in window pixels.
    const QRectF text = laneLabel->mapRectToScene(QRectF(0, 0, laneLabel->width(), laneLabel->height()));
    const QRectF mark = timeline->mapRectToScene(QRectF(role("markX"), role("markY"), role("markWidth"), role("markHeight")));
    const QRect overlap = text.intersected(mark).toAlignedRect();
    REQUIRE(overlap.width() >= 4);
    REQUIRE(overlap.height() >= 4);

    // What is on screen, drawn frame after frame (not a fresh grab): the window's own
    // surface under the offscreen platform.
    const auto screenHasText = [&] {
        const QImage shown = page.window.screen()->grabWindow(page.window.winId()).toImage();
        if (shown.isNull())
            return true; // no surface to read under this renderer (the GPU ones)
        const QColor textColour = laneLabel->property("color").value<QColor>();
        for (int y = overlap.top(); y <= overlap.bottom(); ++y) {
            for (int x = overlap.left(); x <= overlap.right(); ++x) {
                const QColor c = shown.pixelColor(x, y);
                if (std::abs(c.red() - textColour.red()) + std::abs(c.green() - textColour.green())
                        + std::abs(c.blue() - textColour.blue()) < 60)
                    return true;
            }
        }
        return false;
    };
    QTest::qWait(200);
    CHECK(screenHasText());
    for (const char *colour : {"black", "white", "black"}) {
        spot->setProperty("color", QColor(QLatin1String(colour)));
        QTest::qWait(100);
        CHECK(screenHasText());
    }
    for (int i = 1; i <= 3; ++i) { // the run goes on: the bars change, the mark stays
        source.now = 1000 + 10 * i;
        source.bars.push_back(TestTimelineSource::Bar{double(600 + 50 * i), double(650 + 50 * i), 2, 0, i});
        ++source.revision;
        timeline->refresh();
        QTest::qWait(150);
        CHECK(screenHasText());
    }

    INFO(printed.warnings().join(QLatin1Char('\n')).toStdString());
    CHECK(printed.warnings().isEmpty());
}

int main(int argc, char **argv)
{
    QGuiApplication app(argc, argv);
    // Reads every journal it makes (docs/spec/runtime-package.md, "Who reads a journal").
    coroscope::rt::Journal::setEnabledByDefault(true);
    return Catch::Session().run(argc, argv);
}

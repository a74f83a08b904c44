// TaskTimeline and Sparkline: what they draw (grabbed from a real window), how the
// timeline's level of detail caps its vertices, and that Coroscope.Widgets imports
// from the static plugin the way the app loads it.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "testtimelinesource.h"
#include "widgets/sparkline.h"
#include "widgets/tasktimeline.h"

#include <QElapsedTimer>
#include <QGuiApplication>
#include <QQmlComponent>
#include <QQmlEngine>
#include <QQuickWindow>
#include <QTest>
#include <QtQml/qqmlextensionplugin.h>

#include <memory>

Q_IMPORT_QML_PLUGIN(Coroscope_WidgetsPlugin)

using coroscope::widgets::Sparkline;
using coroscope::widgets::TaskTimeline;
using Bar = TestTimelineSource::Bar;

namespace {

const QColor kBackground(255, 255, 255);
const QColor kRunning(0, 0, 255);
const QColor kDone(0, 160, 0);
const QColor kFailed(255, 0, 0);
const QColor kStall(255, 0, 255);

bool near(const QColor &a, const QColor &b, int tolerance = 6)
{
    return std::abs(a.red() - b.red()) <= tolerance && std::abs(a.green() - b.green()) <= tolerance
           && std::abs(a.blue() - b.blue()) <= tolerance;
}

std::unique_ptr<QQuickWindow> makeWindow(int w, int h)
{
    auto window = std::make_unique<QQuickWindow>();
    window->setColor(kBackground);
    window->resize(w, h);
    return window;
}

QImage show(QQuickWindow &window)
{
    window.show();
    REQUIRE(QTest::qWaitForWindowExposed(&window));
    QTest::qWait(50);
    QImage image = window.grabWindow();
    REQUIRE(!image.isNull());
    return image.convertToFormat(QImage::Format_RGB32);
}

void setColors(TaskTimeline &t)
{
    t.setRunningColor(kRunning);
    t.setDoneColor(kDone);
    t.setFailedColor(kFailed);
    t.setStallColor(kStall);
    t.setGridColor(kBackground);
    t.setLaneColor(kBackground);
}

} // namespace

TEST_CASE("a running bar is drawn in the running colour from its start to now")
{
    TestTimelineSource source;
    source.now = 1000;
    source.bars = {Bar{0, -1, 1, 0, 11}, Bar{0, 500, 2, 0, 12}, Bar{250, 750, 3, 0, 13}};
    auto window = makeWindow(400, 200);
    TaskTimeline timeline(window->contentItem());
    timeline.setSize({400, 200});
    timeline.setLaneHeaderHeight(10);
    timeline.setRowHeight(20);
    setColors(timeline);
    timeline.setSource(&source);

    const QImage image = show(*window);
    // Row 0 (y 10..29): running over the whole view (following live: 0..now).
    CHECK(near(image.pixelColor(20, 20), kRunning));
    CHECK(near(image.pixelColor(380, 20), kRunning));
    // Row 1 (y 30..49): done from 0 to 500 ms, i.e. the left half only.
    CHECK(near(image.pixelColor(100, 40), kDone));
    CHECK(near(image.pixelColor(300, 40), kBackground));
    // Row 2 (y 50..69): failed from 250 to 750 ms.
    CHECK(near(image.pixelColor(200, 60), kFailed));
    CHECK(near(image.pixelColor(50, 60), kBackground));
    // Below the rows: nothing.
    CHECK(near(image.pixelColor(200, 150), kBackground));

    CHECK_FALSE(timeline.aggregated());
    CHECK(timeline.taskKeyAt(100, 40) == 12);
    CHECK(timeline.taskKeyAt(50, 60) == -1);
    CHECK(timeline.vertexCount() <= timeline.maxVertices());
}

TEST_CASE("a stall is marked in its lane's header with the culprit named")
{
    TestTimelineSource source;
    source.now = 1000;
    source.lanes = {QStringLiteral("main"), QStringLiteral("worker")};
    source.stalls = {{}, {TestTimelineSource::Stall{400, 200, QStringLiteral("blocker")}}};
    source.bars = {Bar{0, -1, 1, 0, 1}, Bar{0, -1, 1, 1, 2}};
    auto window = makeWindow(400, 200);
    TaskTimeline timeline(window->contentItem());
    timeline.setSize({400, 200});
    timeline.setLaneHeaderHeight(10);
    timeline.setRowHeight(20);
    setColors(timeline);
    timeline.setSource(&source);

    const QImage image = show(*window);
    // Lane 1 starts at y 30 (lane 0: 10 header + 20 row); its header band is y 30..40.
    CHECK(near(image.pixelColor(200, 35), kStall));
    CHECK(near(image.pixelColor(100, 35), kBackground));
    CHECK(near(image.pixelColor(200, 5), kBackground)); // lane 0 has no stall

    REQUIRE(timeline.stallMarks().size() == 1);
    const QVariantMap mark = timeline.stallMarks().first().toMap();
    CHECK(mark.value(QStringLiteral("culprit")).toString() == QStringLiteral("blocker"));
    CHECK(mark.value(QStringLiteral("lane")).toInt() == 1);
    CHECK(mark.value(QStringLiteral("x")).toDouble() == Approx(160).margin(1));
    REQUIRE(timeline.lanes().size() == 2);
    CHECK(timeline.lanes().at(1).toMap().value(QStringLiteral("name")).toString() == QStringLiteral("worker"));
}

TEST_CASE("a million bars are aggregated under the vertex cap")
{
    TestTimelineSource source;
    source.now = 5000;
    source.bars.reserve(1'000'000);
    for (int i = 0; i < 1'000'000; ++i)
        source.bars.push_back(Bar{0, -1, 1, 0, i});

    SECTION("without a window")
    {
        TaskTimeline timeline;
        timeline.setSize({1600, 600});
        timeline.setSource(&source);
        QElapsedTimer clock;
        clock.start();
        timeline.rebuildNow();
        const qint64 ms = clock.elapsed();
        WARN("rebuilding a million bars took " << ms << " ms");
        CHECK(timeline.aggregated());
        CHECK(timeline.barCount() == 1'000'000);
        CHECK(timeline.vertexCount() > 0);
        CHECK(timeline.vertexCount() <= 200'000);

        timeline.setMaxVertices(10'000);
        timeline.rebuildNow();
        CHECK(timeline.vertexCount() <= 10'000);
    }

    SECTION("drawn: the density is in the running colour")
    {
        auto window = makeWindow(600, 300);
        TaskTimeline timeline(window->contentItem());
        timeline.setSize({600, 300});
        timeline.setLaneHeaderHeight(10);
        setColors(timeline);
        timeline.setSource(&source);
        show(*window);
        // So many bars are laid out on the timeline's worker thread: the GUI thread
        // goes on, and the result shows a frame or so later.
        REQUIRE(QTest::qWaitFor([&] { return timeline.barCount() == 1'000'000; }, 20'000));
        const QImage image = show(*window);
        CHECK(timeline.vertexCount() <= timeline.maxVertices());
        INFO("vertices " << timeline.vertexCount() << " pixel " << image.pixelColor(300, 150).name().toStdString());
        CHECK(near(image.pixelColor(300, 150), kRunning));
    }
}

TEST_CASE("the timeline re-reads its source only when it changed")
{
    TestTimelineSource source;
    source.bars = {Bar{0, 100, 2, 0, 1}};
    TaskTimeline timeline;
    timeline.setSize({200, 100});
    timeline.setSource(&source);
    timeline.rebuildNow();
    CHECK(timeline.barCount() == 1);
    source.bars.push_back(Bar{50, 100, 3, 0, 2});
    ++source.revision;
    timeline.rebuildNow();
    CHECK(timeline.barCount() == 2);
    SECTION("a fixed view is not following")
    {
        timeline.setViewStartMs(0);
        timeline.setViewEndMs(100);
        CHECK_FALSE(timeline.following());
        timeline.rebuildNow();
        CHECK(timeline.effectiveEndMs() == Approx(100));
        CHECK(timeline.xForMs(50) == Approx(100));
        CHECK(timeline.msForX(100) == Approx(50));
    }
}

TEST_CASE("the timeline re-reads only the bars its source says changed")
{
    TestTimelineSource source;
    for (int i = 0; i < 1000; ++i)
        source.bars.push_back(Bar{double(i), -1, 1, 0, i});
    source.changed = std::vector<int>{};
    TaskTimeline timeline;
    timeline.setSize({400, 200});
    timeline.setSource(&source);
    timeline.rebuildNow();
    CHECK(source.barReads == 1000); // the first build reads everything

    // Two bars end and two new ones arrive: four reads.
    source.barReads = 0;
    source.bars[10] = Bar{10, 20, 3, 0, 10};
    source.bars[500] = Bar{500, 600, 2, 0, 500};
    source.bars.push_back(Bar{1000, -1, 1, 0, 1000});
    source.bars.push_back(Bar{1001, -1, 1, 0, 1001});
    source.changed = std::vector<int>{10, 500};
    ++source.revision;
    timeline.rebuildNow();
    CHECK(source.barReads == 4);
    CHECK(timeline.barCount() == 1002);

    // A bar the source does not report stays as it was read: the cache is what is drawn.
    source.barReads = 0;
    source.bars[0] = Bar{0, 1, 4, 0, 0};
    source.changed = std::vector<int>{};
    ++source.revision;
    timeline.rebuildNow();
    CHECK(source.barReads == 0);

    // A source that cannot tell gets every bar re-read.
    source.changed.reset();
    ++source.revision;
    timeline.rebuildNow();
    CHECK(source.barReads == 1002);
}

TEST_CASE("a sparkline draws its line over a translucent area")
{
    auto window = makeWindow(200, 100);
    Sparkline spark(window->contentItem());
    spark.setSize({200, 100});
    spark.setColor(kFailed);
    spark.setLineWidth(4);
    spark.setFillOpacity(0.25);
    spark.setValues(QVariantList{5, 5, 5, 5});

    const QImage image = show(*window);
    CHECK(near(image.pixelColor(100, 2), kFailed));
    // Under the line: a quarter of red over white.
    CHECK(near(image.pixelColor(100, 60), QColor(255, 191, 191), 10));
    CHECK(spark.vertexCount() == 3 * 8);

    SECTION("more values than pixels are reduced to one per column")
    {
        QList<qreal> many;
        for (int i = 0; i < 100'000; ++i)
            many.append(i % 7);
        spark.setValues(many);
        show(*window);
        CHECK(spark.vertexCount() <= 200 * 8);
    }
}

TEST_CASE("Coroscope.Widgets is importable from its static plugin")
{
    QQmlEngine engine;
    engine.addImportPath(QStringLiteral("qrc:/"));
    QQmlComponent component(&engine);
    component.setData("import QtQuick\nimport Coroscope.Widgets\n"
                      "Item { TaskTimeline { objectName: \"t\"; rowHeight: 4 }\n"
                      "       Sparkline { objectName: \"s\"; values: [1, 2, 3] } }",
                      QUrl());
    std::unique_ptr<QObject> root(component.create());
    INFO(component.errorString().toStdString());
    REQUIRE(root);
    auto *timeline = root->findChild<TaskTimeline *>(QStringLiteral("t"));
    REQUIRE(timeline);
    CHECK(timeline->rowHeight() == Approx(4));
    auto *spark = root->findChild<Sparkline *>(QStringLiteral("s"));
    REQUIRE(spark);
    CHECK(spark->values().size() == 3);
}

int main(int argc, char **argv)
{
    QGuiApplication app(argc, argv);
    return Catch::Session().run(argc, argv);
}

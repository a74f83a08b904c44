// TaskTimeline and Sparkline: what they draw (grabbed from a real window), how the
// timeline's level of detail caps its vertices, and that Coroscope.Widgets imports
// from the static plugin the way the app loads it.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "testtimelinesource.h"
#include "widgets/meshnode.h"
#include "widgets/renderer.h"
#include "widgets/sparkline.h"
#include "widgets/tasktimeline.h"

#include <QAbstractItemModelTester>
#include <QDir>
#include <QFile>
#include <QElapsedTimer>
#include <QGuiApplication>
#include <QQmlComponent>
#include <QQmlEngine>
#include <QQuickWindow>
#include <QSignalSpy>
#include <QTest>
#include <QtQml/qqmlextensionplugin.h>

#include <memory>

Q_IMPORT_QML_PLUGIN(Coroscope_WidgetsPlugin)

using coroscope::widgets::MarkListModel;
using coroscope::widgets::MeshVertex;
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

// A row's value in a role, read the way a view reads it: by the role's name.
QVariant value(const QAbstractItemModel &model, int row, const QByteArray &role)
{
    const int id = model.roleNames().key(role, -1);
    REQUIRE(id >= 0);
    REQUIRE(row < model.rowCount());
    return model.data(model.index(row, 0), id);
}

// An object made from QML that imports QtQuick and Coroscope.Widgets (from its
// static plugin, as the app does).
std::unique_ptr<QObject> create(QQmlEngine &engine, const QByteArray &qml)
{
    engine.addImportPath(QStringLiteral("qrc:/"));
    QQmlComponent component(&engine);
    component.setData("import QtQuick\nimport Coroscope.Widgets\n" + qml, QUrl());
    std::unique_ptr<QObject> root(component.create());
    INFO(component.errorString().toStdString());
    REQUIRE(root);
    return root;
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

TEST_CASE("a marked bar is framed in the mark colour, a selected one in the selected colour, over its state's")
{
    const QColor kMark(0, 0, 0);
    const QColor kSelected(255, 140, 0);
    TestTimelineSource source;
    source.now = 1000;
    Bar marked{0, 500, 2, 0, 11};
    marked.mark = 1;
    Bar selected{0, 500, 2, 0, 12};
    selected.mark = 2;
    source.bars = {marked, selected, Bar{0, 500, 2, 0, 13}};
    auto window = makeWindow(400, 200);
    TaskTimeline timeline(window->contentItem());
    timeline.setSize({400, 200});
    timeline.setLaneHeaderHeight(10);
    timeline.setRowHeight(20);
    setColors(timeline);
    timeline.setMarkColor(kMark);
    timeline.setSelectedColor(kSelected);
    timeline.setSource(&source);

    const QImage image = show(*window);
    // Row 0 (y 10..28): its frame's top edge and left edge, its inside still done.
    CHECK(near(image.pixelColor(100, 10), kMark));
    CHECK(near(image.pixelColor(0, 20), kMark));
    CHECK(near(image.pixelColor(100, 20), kDone));
    // Row 1 (y 30..48): the selected colour.
    CHECK(near(image.pixelColor(100, 30), kSelected));
    CHECK(near(image.pixelColor(100, 40), kDone));
    // Row 2: not marked.
    CHECK(near(image.pixelColor(100, 50), kDone));
    // The frame stays within the bar: nothing right of its end.
    CHECK(near(image.pixelColor(210, 20), kBackground));
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

    const MarkListModel &marks = *timeline.stallMarks();
    REQUIRE(marks.rowCount() == 1);
    CHECK(value(marks, 0, "culprit").toString() == QStringLiteral("blocker"));
    CHECK(value(marks, 0, "lane").toInt() == 1);
    CHECK(value(marks, 0, "markX").toDouble() == Approx(160).margin(1));
    CHECK(value(marks, 0, "markWidth").toDouble() == Approx(80).margin(1));
    CHECK(value(marks, 0, "markY").toDouble() == Approx(30));
    CHECK(value(marks, 0, "markHeight").toDouble() == Approx(10));
    CHECK(value(marks, 0, "durationMs").toDouble() == Approx(200));
    CHECK(value(marks, 0, "count").toInt() == 1);
    const MarkListModel &lanes = *timeline.lanes();
    REQUIRE(lanes.rowCount() == 2);
    CHECK(value(lanes, 1, "name").toString() == QStringLiteral("worker"));
    CHECK(value(lanes, 1, "laneY").toDouble() == Approx(30));
    CHECK(value(lanes, 1, "laneHeight").toDouble() == Approx(30));
    CHECK(value(lanes, 1, "taskCount").toInt() == 1);
    CHECK(value(lanes, 1, "stalls").toInt() == 1);
    CHECK_FALSE(value(lanes, 1, "aggregated").toBool());
}

TEST_CASE("the time ticks are updated in place while the view follows live time")
{
    // 400 px over 0..now with ticks at least 90 px apart: a tick every 500 ms while
    // now is between 889 and 2222 ms.
    TestTimelineSource source;
    source.now = 1000;
    source.bars = {Bar{0, -1, 1, 0, 1}};
    TaskTimeline timeline;
    timeline.setSize({400, 200});
    timeline.setSource(&source);
    timeline.rebuildNow();
    MarkListModel &ticks = *timeline.ticks();
    QAbstractItemModelTester tester(&ticks, QAbstractItemModelTester::FailureReportingMode::Fatal);
    REQUIRE(ticks.rowCount() == 3);

    QSignalSpy resets(&ticks, &QAbstractItemModel::modelReset);
    QSignalSpy inserts(&ticks, &QAbstractItemModel::rowsInserted);
    QSignalSpy removes(&ticks, &QAbstractItemModel::rowsRemoved);
    QSignalSpy changes(&ticks, &QAbstractItemModel::dataChanged);
    const int tickX = ticks.roleNames().key("tickX");

    for (const double now : {1100.0, 1200.0, 1300.0, 1400.0}) {
        source.now = now;
        timeline.rebuildNow();
        INFO("now " << now);
        REQUIRE(ticks.rowCount() == 3);
        for (int row = 0; row < 3; ++row) {
            CHECK(value(ticks, row, "ms").toDouble() == Approx(500 * row));
            CHECK(value(ticks, row, "tickX").toDouble() == Approx(500 * row * 400 / now).margin(1e-3));
        }
        CHECK(value(ticks, 0, "label").toString() == QStringLiteral("0.0 s"));
        CHECK(value(ticks, 1, "label").toString() == QStringLiteral("0.5 s"));
        CHECK(value(ticks, 2, "label").toString() == QStringLiteral("1.0 s"));
    }
    CHECK(resets.isEmpty());
    CHECK(inserts.isEmpty());
    CHECK(removes.isEmpty());
    // One dataChanged a build, over the ticks that moved (not the one at 0), for x only.
    REQUIRE(changes.size() == 4);
    for (const QList<QVariant> &change : changes) {
        CHECK(change.at(0).toModelIndex().row() == 1);
        CHECK(change.at(1).toModelIndex().row() == 2);
        CHECK(change.at(2).value<QList<int>>() == QList<int>{tickX});
    }

    SECTION("a build that moved nothing changes nothing")
    {
        timeline.rebuildNow();
        CHECK(changes.size() == 4);
        CHECK(resets.isEmpty());
    }

    SECTION("a tick that comes into view is one row inserted at the end")
    {
        source.now = 1600;
        timeline.rebuildNow();
        REQUIRE(ticks.rowCount() == 4);
        CHECK(value(ticks, 3, "label").toString() == QStringLiteral("1.5 s"));
        CHECK(value(ticks, 3, "tickX").toDouble() == Approx(1500 * 400 / 1600.0));
        REQUIRE(inserts.size() == 1);
        CHECK(inserts.at(0).at(1).toInt() == 3);
        CHECK(inserts.at(0).at(2).toInt() == 3);
        CHECK(resets.isEmpty());
        CHECK(removes.isEmpty());
    }

    SECTION("a coarser step relabels the ticks and removes the surplus ones")
    {
        source.now = 4000; // 1000 ms a tick: 0, 1, 2, 3, 4 s
        timeline.rebuildNow();
        source.now = 10000; // 5000 ms a tick: 0, 5, 10 s
        timeline.rebuildNow();
        source.now = 2000; // back to 500 ms a tick: 0, 0.5, ..., 2 s
        timeline.rebuildNow();
        REQUIRE(ticks.rowCount() == 5);
        CHECK(value(ticks, 4, "label").toString() == QStringLiteral("2.0 s"));
        CHECK(value(ticks, 4, "tickX").toDouble() == Approx(400));
        CHECK(resets.isEmpty());
        CHECK(removes.size() == 1);
    }
}

TEST_CASE("a Repeater over the ticks keeps its delegates as the axis moves")
{
    QQmlEngine engine;
    const std::unique_ptr<QObject> root = create(engine, "TaskTimeline {\n"
                                                         "    id: timeline\n"
                                                         "    property int made: 0\n"
                                                         "    width: 400; height: 200\n"
                                                         "    Repeater {\n"
                                                         "        objectName: \"labels\"\n"
                                                         "        model: timeline.ticks\n"
                                                         "        delegate: Text {\n"
                                                         "            required property real tickX\n"
                                                         "            required property string label\n"
                                                         "            x: tickX; text: label\n"
                                                         "            Component.onCompleted: timeline.made += 1\n"
                                                         "        }\n"
                                                         "    }\n"
                                                         "}\n");
    auto *timeline = qobject_cast<TaskTimeline *>(root.get());
    REQUIRE(timeline);
    auto *repeater = timeline->findChild<QObject *>(QStringLiteral("labels"));
    REQUIRE(repeater);
    auto delegate = [&](int index) {
        QQuickItem *item = nullptr;
        QMetaObject::invokeMethod(repeater, "itemAt", Q_RETURN_ARG(QQuickItem *, item), Q_ARG(int, index));
        REQUIRE(item);
        return item;
    };

    TestTimelineSource source;
    source.now = 1000;
    timeline->setSource(&source);
    timeline->rebuildNow();
    REQUIRE(repeater->property("count").toInt() == 3);
    CHECK(root->property("made").toInt() == 3);
    QQuickItem *last = delegate(2);
    CHECK(last->x() == Approx(400));

    for (const double now : {1100.0, 1200.0, 1300.0}) {
        source.now = now;
        timeline->rebuildNow();
    }
    CHECK(root->property("made").toInt() == 3);
    REQUIRE(delegate(2) == last);
    CHECK(last->x() == Approx(1000 * 400 / 1300.0).margin(1e-3));
    CHECK(last->property("text").toString() == QStringLiteral("1.0 s"));

    source.now = 1600;
    timeline->rebuildNow();
    REQUIRE(repeater->property("count").toInt() == 4);
    CHECK(root->property("made").toInt() == 4); // only the new tick's
    CHECK(delegate(3)->property("text").toString() == QStringLiteral("1.5 s"));
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

// A timeline over a thousand running bars whose source tells what changed, built once.
struct ThousandBars {
    TestTimelineSource source;
    TaskTimeline timeline;
    ThousandBars()
    {
        for (int i = 0; i < 1000; ++i)
            source.bars.push_back(Bar{double(i), -1, 1, 0, i});
        source.changed = std::vector<int>{};
        timeline.setSize({400, 200});
        timeline.setSource(&source);
        timeline.rebuildNow();
    }
};

TEST_CASE("the timeline re-reads only the bars its source says changed")
{
    ThousandBars built;
    TestTimelineSource &source = built.source;
    TaskTimeline &timeline = built.timeline;
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

TEST_CASE("the timeline re-reads many changed bars a slice a build, new ones hidden until read")
{
    ThousandBars built;
    TestTimelineSource &source = built.source;
    TaskTimeline &timeline = built.timeline;
    REQUIRE(source.barReads == 1000);
    timeline.setBarSyncSlice(100);

    // 550 bars end and 50 arrive: six builds of 100 reads.
    std::vector<int> ended;
    for (int i = 0; i < 1000; i += 2)
        ended.push_back(i);
    for (int i = 1; i < 100; i += 2)
        ended.push_back(i);
    std::sort(ended.begin(), ended.end());
    for (const int i : ended)
        source.bars[std::size_t(i)] = Bar{double(i), double(i) + 1, 4, 0, i};
    for (int i = 1000; i < 1050; ++i)
        source.bars.push_back(Bar{double(i), -1, 1, 0, i});
    source.changed = ended;
    ++source.revision;
    std::vector<int> reads;
    for (int build = 0; build < 7; ++build) {
        source.barReads = 0;
        source.changed = std::vector<int>{}; // what is left was collected by the first build
        if (build == 0)
            source.changed = ended;
        timeline.rebuildNow();
        reads.push_back(source.barReads);
        if (build == 0)
            CHECK(timeline.barCount() == 1000); // the new bars are not drawn before they are read
    }
    CHECK(reads == std::vector<int>{100, 100, 100, 100, 100, 100, 0});
    CHECK(timeline.barCount() == 1050);

    // Once all are read, the next changes are collected since the revision they were collected at.
    source.bars[1] = Bar{1, 2, 3, 0, 1};
    source.changed = std::vector<int>{1};
    ++source.revision;
    source.barReads = 0;
    timeline.rebuildNow();
    CHECK(source.barReads == 1);

    // A source that cannot tell (every bar moved): re-read a slice a build as well, the
    // bars drawn as they were meanwhile.
    source.changed.reset();
    ++source.revision;
    reads.clear();
    for (int build = 0; build < 11; ++build) {
        source.barReads = 0;
        timeline.rebuildNow();
        reads.push_back(source.barReads);
        CHECK(timeline.barCount() == 1050);
    }
    CHECK(reads == std::vector<int>{100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 50});
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

namespace {

// Draws the quads it is given through updateMeshNode(), as TaskTimeline does.
class MeshItem : public QQuickItem
{
public:
    MeshItem() { setFlag(ItemHasContents); }
    void addQuad(float x0, float y0, float x1, float y1, const QColor &c)
    {
        coroscope::widgets::appendQuad(m_vertices, m_indices, {x0, y0}, {x1, y0}, {x0, y1}, {x1, y1},
                                       coroscope::widgets::meshColour(c));
    }

protected:
    QSGNode *updatePaintNode(QSGNode *old, UpdatePaintNodeData *) override
    {
        return coroscope::widgets::updateMeshNode(this, old, m_vertices, m_indices, true);
    }

private:
    std::vector<MeshVertex> m_vertices;
    std::vector<quint32> m_indices;
};

} // namespace

TEST_CASE("quads that abut at fractional edges are drawn without a seam or an overlap")
{
    INFO("graphics API " << int(QQuickWindow::graphicsApi()) << ", QT_QUICK_BACKEND=" << qEnvironmentVariable("QT_QUICK_BACKEND").toStdString());
    auto window = makeWindow(100, 100);
    MeshItem item;
    item.setParentItem(window->contentItem());
    item.setPosition(QPointF(0.4, 0.3)); // edges land at x.7 and y.0/.4 in the window
    item.setSize(QSizeF(100, 100));
    // Three bands, as the timeline's density rows stack: equal colours, fractional edges.
    item.addQuad(10.3, 10.3, 60.3, 20.7, kRunning);
    item.addQuad(10.3, 20.7, 60.3, 31.1, kRunning);
    item.addQuad(60.3, 10.3, 90.3, 31.1, kDone); // abuts both on the right
    const QImage image = show(*window);
    // A pixel is covered when its centre is: rows 11..30, columns 11..60 and 61..90.
    for (int y = 11; y <= 30; ++y) {
        INFO("row " << y);
        CHECK(near(image.pixelColor(30, y), kRunning));
        CHECK(near(image.pixelColor(60, y), kRunning));
        CHECK(near(image.pixelColor(61, y), kDone));
    }
    CHECK(near(image.pixelColor(30, 10), kBackground));
    CHECK(near(image.pixelColor(30, 31), kBackground));
    CHECK(near(image.pixelColor(10, 20), kBackground));
    CHECK(near(image.pixelColor(91, 20), kBackground));
}

namespace {

// Qt's GUI thread pool as this process sees it: its threads, and how often they woke.
struct PoolActivity
{
    int threads = 0;
    long long wakes = 0;
    bool operator==(const PoolActivity &) const = default;
};

PoolActivity guiPoolActivity()
{
    PoolActivity a;
    const QDir tasks(QStringLiteral("/proc/self/task"));
    for (const QString &tid : tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile comm(tasks.filePath(tid + QStringLiteral("/comm")));
        if (!comm.open(QIODevice::ReadOnly) || comm.readAll().trimmed() != "Thread (pooled)")
            continue;
        ++a.threads;
        QFile status(tasks.filePath(tid + QStringLiteral("/status")));
        REQUIRE(status.open(QIODevice::ReadOnly));
        for (const QByteArray &line : status.readAll().split('\n')) {
            if (line.startsWith("voluntary_ctxt_switches:"))
                a.wakes += line.mid(line.indexOf(':') + 1).trimmed().toLongLong();
        }
    }
    return a;
}

} // namespace

TEST_CASE("tall translucent quads are painted whole, without Qt's fill threads")
{
    INFO("graphics API " << int(QQuickWindow::graphicsApi()) << ", QT_QUICK_BACKEND=" << qEnvironmentVariable("QT_QUICK_BACKEND").toStdString());
    auto window = makeWindow(200, 400);
    MeshItem item;
    item.setParentItem(window->contentItem());
    item.setSize(QSizeF(200, 400));
    const QColor translucent(255, 0, 0, 128);
    item.addQuad(10, 5, 11, 395, translucent); // a grid line: one pixel wide, 390 rows
    item.addQuad(50, 0.3, 190, 399.6, translucent);
    const PoolActivity before = guiPoolActivity();
    const QImage image = show(*window);
    for (int i = 0; i < 5; ++i) { // repaints, as a live timeline makes them
        item.update();
        QTest::qWait(20);
    }
    const QColor blended(255, 127, 127);
    for (int y = 0; y < 400; ++y) {
        INFO("row " << y);
        const bool line = y >= 5 && y < 395;
        CHECK(near(image.pixelColor(10, y), line ? blended : kBackground, 3));
        CHECK(near(image.pixelColor(120, y), blended, 3));
        CHECK(near(image.pixelColor(11, y), kBackground, 0));
    }
    CHECK(near(image.pixelColor(49, 200), kBackground, 0));
    CHECK(near(image.pixelColor(190, 200), kBackground, 0));
    // Each slice handed to a pool thread would wake it and, on two cores beside the
    // run's loop thread, take the GUI thread's core.
    const PoolActivity after = guiPoolActivity();
    INFO("pool threads " << before.threads << " -> " << after.threads << ", their wakes " << before.wakes << " -> "
                         << after.wakes);
    CHECK(after == before);
}

TEST_CASE("the dashboard's renderer is the software one only where OpenGL runs on the CPU")
{
    using coroscope::widgets::isCpuRasteriser;
    using coroscope::widgets::parseRendererRequest;
    using coroscope::widgets::RendererRequest;
    CHECK(isCpuRasteriser(u"llvmpipe (LLVM 15.0.6, 256 bits)"));
    CHECK(isCpuRasteriser(u"softpipe"));
    CHECK(isCpuRasteriser(u"Software Rasterizer"));
    CHECK(isCpuRasteriser(u"Google SwiftShader"));
    CHECK_FALSE(isCpuRasteriser(u"Mesa Intel(R) UHD Graphics 620 (KBL GT2)"));
    CHECK_FALSE(isCpuRasteriser(u"AMD Radeon RX 6600 (radeonsi, navi23, LLVM 15.0.6, DRM 3.49)"));
    CHECK_FALSE(isCpuRasteriser(u"NVIDIA GeForce GTX 1080/PCIe/SSE2"));
    CHECK(parseRendererRequest(u"auto") == RendererRequest::Auto);
    CHECK(parseRendererRequest(u"gpu") == RendererRequest::Gpu);
    CHECK(parseRendererRequest(u"software") == RendererRequest::Software);
    CHECK_FALSE(parseRendererRequest(u"opengl").has_value());
}

TEST_CASE("Coroscope.Widgets is importable from its static plugin")
{
    QQmlEngine engine;
    const std::unique_ptr<QObject> root = create(engine, "Item { TaskTimeline { objectName: \"t\"; rowHeight: 4 }\n"
                                                         "       Sparkline { objectName: \"s\"; values: [1, 2, 3] } }");
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

#include "tasktimeline.h"

#include "runtime/threads.h"

#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QMetaMethod>
#include <QSGNode>

#include <algorithm>
#include <array>
#include <cmath>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

Q_LOGGING_CATEGORY(lcTimeline, "coroscope.widgets.timeline")

namespace coroscope::widgets {

namespace {

constexpr int kMaxStallMarks = 200;  // culprit labels handed to QML
constexpr int kMaxStallsPerLane = 4096; // stalls read per lane per rebuild (newest kept)
constexpr int kAsyncBars = 20000;       // from this many bars on, builds run on the worker
constexpr int kWorkerNice = 5;          // the worker runs below the GUI thread
constexpr std::uint16_t kHiddenLane = 0xffff; // BarCache::lane of a bar not drawn
constexpr qint64 kBarSyncSliceNs = 3'000'000;   // the GUI thread's time a build may spend re-reading bars
constexpr int kMaxBarLabels = 200;
constexpr float kMarkWidth = 2;     // px, a marked bar's frame
constexpr float kSelectedWidth = 3; // px, a selected bar's: told apart from a marked one by more than colour

struct DensityGrid
{
    int lane = 0;
    int rows = 1;
    int cols = 1;
    double cellWidth = 1;
    std::vector<int> cells; // [state][row][cols + 1], difference arrays then counts
    [[nodiscard]] int &at(int state, int row, int col)
    {
        return cells[(std::size_t(state) * std::size_t(rows) + std::size_t(row)) * std::size_t(cols + 1)
                     + std::size_t(col)];
    }
};

// A loop's stalls close together on screen, drawn as one.
struct StallRect
{
    int lane;
    float x0, x1;
    double durationMs;
    double longestMs;
    int merged;
    QString culprit; // the longest stall's
};

double niceStep(double rawMs)
{
    if (rawMs <= 0)
        return 1;
    const double p = std::pow(10.0, std::floor(std::log10(rawMs)));
    for (const double m : {1.0, 2.0, 5.0, 10.0}) {
        if (m * p >= rawMs)
            return m * p;
    }
    return 10 * p;
}

QString tickLabel(double ms, double stepMs)
{
    if (stepMs >= 60000 && ms >= 60000)
        return QStringLiteral("%1 min").arg(ms / 60000.0, 0, 'g', 4);
    if (stepMs >= 1000)
        return QStringLiteral("%1 s").arg(ms / 1000.0, 0, 'f', 0);
    if (ms >= 1000 || stepMs >= 100) {
        const int decimals = stepMs >= 100 ? 1 : (stepMs >= 10 ? 2 : 3);
        return QStringLiteral("%1 s").arg(ms / 1000.0, 0, 'f', decimals);
    }
    return QStringLiteral("%1 ms").arg(ms, 0, 'f', stepMs >= 1 ? 0 : 1);
}

} // namespace

TaskTimeline::TaskTimeline(QQuickItem *parent)
    : QQuickItem(parent)
    // Roles in the order build() fills a row.
    , m_lanes(new MarkListModel(
          {"name", "laneY", "laneHeight", "headerHeight", "taskCount", "stalls", "aggregated"}, this))
    , m_stallMarks(new MarkListModel(
          {"lane", "markX", "markWidth", "markY", "markHeight", "durationMs", "count", "culprit"}, this))
    , m_ticks(new MarkListModel({"tickX", "ms", "label"}, this))
    , m_barLabels(new MarkListModel({"labelX", "labelY", "labelWidth", "labelHeight", "name"}, this))
    , m_counters(new MarkListModel({"name", "lane", "counterY", "counterHeight", "current", "capacity"}, this))
{
    setFlag(ItemHasContents, true);
    m_colors.bar[Pending] = QColor(Qt::gray);
    m_colors.bar[Running] = QColor(Qt::blue);
    m_colors.bar[Done] = QColor(Qt::darkGreen);
    m_colors.bar[Failed] = QColor(Qt::red);
    m_colors.bar[Cancelled] = QColor(Qt::darkYellow);
    m_colors.stall = QColor(Qt::magenta);
    m_colors.grid = QColor(Qt::lightGray);
    m_colors.lane = QColor(Qt::transparent);
    m_colors.counter = QColor(Qt::darkCyan);
    m_colors.mark = QColor(Qt::black);
    m_colors.selected = QColor(Qt::magenta);
    m_throttle.setSingleShot(true);
    connect(&m_throttle, &QTimer::timeout, this, &TaskTimeline::invalidate);
}

TaskTimeline::~TaskTimeline()
{
    m_worker.reset(); // the build in flight reads this item's bars
}

void TaskTimeline::setMonitor(QObject *monitor)
{
    if (m_monitor == monitor)
        return;
    disconnect(m_tickConnection);
    if (m_monitor)
        disconnect(m_monitor, &QObject::destroyed, this, nullptr);
    m_monitor = monitor;
    m_source = dynamic_cast<TimelineSource *>(monitor);
    m_bars.valid = false;
    if (monitor && !m_source)
        qCWarning(lcTimeline) << "monitor" << monitor << "does not implement TimelineSource";
    if (monitor) {
        const int signalIndex = monitor->metaObject()->indexOfSignal("ticked()");
        if (signalIndex >= 0) {
            const QMetaMethod slot = metaObject()->method(metaObject()->indexOfMethod("refreshFromTick()"));
            m_tickConnection = connect(monitor, monitor->metaObject()->method(signalIndex), this, slot);
        }
        connect(monitor, &QObject::destroyed, this, [this] {
            m_source = nullptr;
            m_bars.valid = false;
            invalidate();
        });
    }
    Q_EMIT monitorChanged();
    invalidate();
}

void TaskTimeline::setSource(TimelineSource *source)
{
    m_source = source;
    m_bars.valid = false;
    invalidate();
}

void TaskTimeline::setViewStartMs(double ms)
{
    if (qFuzzyCompare(m_viewStartMs, ms))
        return;
    m_viewStartMs = ms;
    Q_EMIT viewChanged();
    invalidate();
}

void TaskTimeline::setViewEndMs(double ms)
{
    if (qFuzzyCompare(m_viewEndMs, ms))
        return;
    m_viewEndMs = ms;
    Q_EMIT viewChanged();
    invalidate();
}

void TaskTimeline::setLiveWindowMs(double ms)
{
    if (qFuzzyCompare(m_liveWindowMs, ms))
        return;
    m_liveWindowMs = ms;
    Q_EMIT viewChanged();
    invalidate();
}

void TaskTimeline::setRowHeight(qreal h)
{
    h = std::max<qreal>(1, h);
    if (qFuzzyCompare(m_rowHeight, h))
        return;
    m_rowHeight = h;
    Q_EMIT metricsChanged();
    invalidate();
}

void TaskTimeline::setLabelRowHeight(qreal h)
{
    if (qFuzzyCompare(m_labelRowHeight, h))
        return;
    m_labelRowHeight = h;
    Q_EMIT metricsChanged();
    invalidate();
}

void TaskTimeline::setLabelMinWidth(qreal w)
{
    if (qFuzzyCompare(m_labelMinWidth, w))
        return;
    m_labelMinWidth = w;
    Q_EMIT metricsChanged();
    invalidate();
}

void TaskTimeline::setLaneHeaderHeight(qreal h)
{
    h = std::max<qreal>(0, h);
    if (qFuzzyCompare(m_laneHeaderHeight, h))
        return;
    m_laneHeaderHeight = h;
    Q_EMIT metricsChanged();
    invalidate();
}

void TaskTimeline::setCounterHeight(qreal h)
{
    h = std::max<qreal>(8, h);
    if (qFuzzyCompare(m_counterHeight, h))
        return;
    m_counterHeight = h;
    Q_EMIT metricsChanged();
    invalidate();
}

void TaskTimeline::setTickSpacing(qreal px)
{
    px = std::max<qreal>(16, px);
    if (qFuzzyCompare(m_tickSpacing, px))
        return;
    m_tickSpacing = px;
    Q_EMIT metricsChanged();
    invalidate();
}

void TaskTimeline::setMaxVertices(int n)
{
    n = std::max(64, n);
    if (m_maxVertices == n)
        return;
    m_maxVertices = n;
    Q_EMIT metricsChanged();
    invalidate();
}

void TaskTimeline::setColor(QColor &slot, const QColor &c)
{
    if (slot == c)
        return;
    slot = c;
    Q_EMIT colorsChanged();
    invalidate();
}

double TaskTimeline::xForMs(double ms) const
{
    const double span = m_effEnd - m_effStart;
    return span > 0 ? (ms - m_effStart) * width() / span : 0;
}

double TaskTimeline::msForX(double x) const
{
    const double w = width();
    return w > 0 ? m_effStart + x * (m_effEnd - m_effStart) / w : m_effStart;
}

int TaskTimeline::hitAt(double x, double y) const
{
    for (auto it = m_hits.rbegin(); it != m_hits.rend(); ++it) {
        if (x >= it->x0 - 1 && x <= it->x1 + 1 && y >= it->y0 && y < it->y1)
            return m_source && it->bar < m_source->barCount() ? it->bar : -1;
    }
    return -1;
}

qint64 TaskTimeline::taskKeyAt(double x, double y) const
{
    const int bar = hitAt(x, y);
    return bar < 0 ? -1 : m_source->bar(bar).key;
}

QString TaskTimeline::taskNameAt(double x, double y) const
{
    const int bar = hitAt(x, y);
    return bar < 0 ? QString() : m_source->barName(bar);
}

void TaskTimeline::updateBarLabels()
{
    QList<QVariantList> labels;
    for (const HitRect &hit : m_hits) {
        if (labels.size() >= kMaxBarLabels)
            break;
        if (hit.x1 - hit.x0 < m_labelMinWidth || hit.y1 - hit.y0 + 1 < m_labelRowHeight || !m_source
            || hit.bar >= m_source->barCount())
            continue;
        labels.append(QVariantList{double(hit.x0), double(hit.y0), double(hit.x1 - hit.x0), double(hit.y1 - hit.y0),
                                   m_source->barName(hit.bar)});
    }
    m_barLabels->update(std::move(labels));
}

void TaskTimeline::refresh()
{
    invalidate();
}

void TaskTimeline::refreshFromTick()
{
    if (!m_source)
        return;
    const bool moved = m_source->timelineRevision() != m_builtRevision || m_source->nowMs() != m_builtNow;
    if (!moved || m_throttle.isActive())
        return;
    // Adaptive throttle: a build that costs c ms runs at most every 3c ms, so a
    // million bars never take more than about a third of a core.
    const qint64 minInterval = 3 * m_lastCostMs;
    const qint64 since = m_sinceRebuild.isValid() ? m_sinceRebuild.elapsed() : minInterval;
    if (since >= minInterval)
        invalidate();
    else
        m_throttle.start(int(minInterval - since));
}

void TaskTimeline::invalidate()
{
    m_dirty = true;
    polish();
    update();
}

void TaskTimeline::geometryChange(const QRectF &newGeometry, const QRectF &oldGeometry)
{
    QQuickItem::geometryChange(newGeometry, oldGeometry);
    if (newGeometry.size() != oldGeometry.size())
        invalidate();
}

// One thread that runs one build at a time; the item waits for it before it dies.
class TaskTimeline::Worker
{
public:
    Worker()
        : m_thread([this] { loop(); })
    {
    }
    ~Worker()
    {
        {
            std::lock_guard lock(m_mutex);
            m_stop = true;
        }
        m_wake.notify_one();
        m_thread.join();
    }
    Worker(const Worker &) = delete;
    Worker &operator=(const Worker &) = delete;

    void run(std::function<void()> job)
    {
        {
            std::lock_guard lock(m_mutex);
            Q_ASSERT(!m_job);
            m_job = std::move(job);
        }
        m_wake.notify_one();
    }

private:
    void loop()
    {
        rt::lowerThisThreadPriority(kWorkerNice);
        std::unique_lock lock(m_mutex);
        for (;;) {
            m_wake.wait(lock, [this] { return m_stop || m_job; });
            if (m_stop)
                return;
            std::function<void()> job = std::move(m_job);
            m_job = nullptr;
            lock.unlock();
            job();
            lock.lock();
        }
    }

    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::function<void()> m_job;
    bool m_stop = false;
    std::thread m_thread; // last: starts after the members it uses exist
};

TaskTimeline::Frame TaskTimeline::makeFrame()
{
    Frame f;
    TimelineSource *src = m_source;
    f.w = width();
    f.h = height();
    f.now = src ? src->nowMs() : 0;
    if (following()) {
        m_effEnd = std::max(f.now, 1.0);
        m_effStart = m_liveWindowMs > 0 ? std::max(0.0, m_effEnd - m_liveWindowMs) : 0.0;
    } else {
        m_effStart = m_viewStartMs;
        m_effEnd = m_viewEndMs;
    }
    if (m_effEnd - m_effStart < 1e-3)
        m_effEnd = m_effStart + 1e-3;
    f.effStart = m_effStart;
    f.effEnd = m_effEnd;
    f.rowHeight = m_rowHeight;
    f.labelRowHeight = std::max(m_rowHeight, m_labelRowHeight);
    f.header = m_laneHeaderHeight;
    f.tickSpacing = m_tickSpacing;
    f.maxVertices = m_maxVertices;
    f.colors = m_colors;
    m_builtRevision = src ? src->timelineRevision() : 0;
    m_builtNow = f.now;
    if (!src)
        return f;
    f.hasSource = true;
    f.lanes.resize(std::size_t(src->laneCount()));
    for (int l = 0; l < src->laneCount(); ++l) {
        Frame::Lane &lane = f.lanes[std::size_t(l)];
        lane.name = src->laneName(l);
        lane.stallCount = src->stallCount(l);
        for (int k = std::max(0, lane.stallCount - kMaxStallsPerLane); k < lane.stallCount; ++k)
            lane.stalls.push_back(src->stall(l, k));
    }
    f.counterHeight = m_counterHeight;
    const int columns = std::max(1, int(std::ceil(f.w)));
    for (int c = 0; c < src->counterCount(); ++c) {
        Frame::Counter counter{src->counter(c), {}};
        if (counter.info.lane < 0 || counter.info.lane >= src->laneCount())
            continue;
        src->counterColumns(c, f.effStart, f.effEnd, columns, counter.columns);
        f.counters.push_back(std::move(counter));
    }
    syncBars();
    return f;
}

void TaskTimeline::updatePolish()
{
    if (!m_dirty || m_building)
        return; // a build in flight polishes again when it is adopted
    if (!m_source || m_source->barCount() < kAsyncBars) {
        rebuildNow();
        return;
    }
    m_dirty = false;
    m_building = true;
    if (!m_worker)
        m_worker = std::make_unique<Worker>();
    auto frame = std::make_shared<Frame>(makeFrame());
    const quint64 generation = ++m_generation;
    m_worker->run([this, frame, generation] {
        QElapsedTimer cost;
        cost.start();
        auto built = std::make_shared<Built>();
        built->generation = generation;
        build(*frame, m_bars, *built);
        built->costMs = cost.elapsed();
        // Runs on the GUI thread; dropped if the item is gone (it waits for this job first).
        QMetaObject::invokeMethod(this, [this, built] { adopt(std::move(*built)); }, Qt::QueuedConnection);
    });
}

void TaskTimeline::rebuildNow()
{
    if (m_building) {
        m_worker.reset(); // waits for the build in flight (it reads m_bars); adopt() drops its result
        m_building = false;
    }
    QElapsedTimer cost;
    cost.start();
    Built built;
    built.generation = ++m_generation;
    m_dirty = false; // makeFrame sets it again while bars are left to read
    const Frame frame = makeFrame();
    build(frame, m_bars, built);
    built.costMs = cost.elapsed();
    adopt(std::move(built));
}

void TaskTimeline::adopt(Built &&built)
{
    if (built.generation != m_generation)
        return; // overtaken by a newer build (rebuildNow while this one ran)
    m_building = false;
    m_vertices = std::move(built.vertices);
    m_indices = std::move(built.indices);
    m_hits = std::move(built.hits);
    m_lanes->update(std::move(built.lanes));
    m_stallMarks->update(std::move(built.stallMarks));
    m_ticks->update(std::move(built.ticks));
    m_counters->update(std::move(built.counters));
    updateBarLabels();
    m_barCount = built.barCount;
    m_aggregated = built.aggregated;
    m_lastCostMs = built.costMs;
    m_sinceRebuild.start();
    m_geometryDirty = true;
    update();
    if (m_dirty)
        polish();
    Q_EMIT layoutChanged();
}

bool TaskTimeline::Built::addQuad(int maxVertices, float x0, float y0, float x1, float y1, const QColor &c, float alpha)
{
    if (int(vertices.size()) + 4 > maxVertices)
        return false;
    appendQuad(vertices, indices, {x0, y0}, {x1, y0}, {x0, y1}, {x1, y1}, meshColour(c, alpha));
    return true;
}

void TaskTimeline::syncBars()
{
    TimelineSource *src = m_source;
    const int n = src->barCount();
    const int cached = int(m_bars.state.size());
    const auto read = [&](int i) {
        const TimelineSource::Bar b = src->bar(i);
        const auto k = std::size_t(i);
        m_bars.startMs[k] = b.startMs < 0 ? -1.0f : float(b.startMs);
        m_bars.endMs[k] = b.endMs < 0 ? -1.0f : float(b.endMs);
        m_bars.state[k] = std::uint8_t(std::clamp(b.state, 0, BarStates - 1));
        m_bars.lane[k] = b.lane < 0 ? kHiddenLane : std::uint16_t(std::min(b.lane, kHiddenLane - 1));
        m_bars.mark[k] = std::uint8_t(std::clamp(b.mark, 0, 2));
    };
    // Bars left from the last build are read first; rows only ever grow while the
    // cache stays valid, so they are all still there.
    if (!m_barSync.pending() || !m_bars.valid || n < cached) {
        const quint64 revision = src->timelineRevision();
        m_barSync.rows.clear();
        m_barSync.next = 0;
        m_barSync.revision = revision;
        const bool all = !m_bars.valid || n < cached || !src->changedBars(m_bars.revision, cached, m_barSync.rows);
        m_bars.startMs.resize(std::size_t(n));
        m_bars.endMs.resize(std::size_t(n));
        m_bars.state.resize(std::size_t(n));
        m_bars.lane.resize(std::size_t(n));
        m_bars.mark.resize(std::size_t(n));
        if (all && (!m_bars.valid || n < cached)) {
            // Every bar at once: nothing read yet, or rows were removed and the bars
            // read before are other tasks' now.
            m_barSync.rows.clear();
            for (int i = 0; i < n; ++i)
                read(i);
            m_bars.revision = revision;
            m_bars.valid = true;
            return;
        }
        // Every bar again (a run's time base or end moved, lanes came or went): read a
        // slice a build too, each showing what it showed until it is read.
        if (all)
            m_barSync.rows.clear();
        for (int i = 0; all && i < cached; ++i)
            m_barSync.rows.push_back(i);
        for (int i = cached; i < n; ++i) {
            m_bars.lane[std::size_t(i)] = kHiddenLane; // not drawn until read
            m_barSync.rows.push_back(i);
        }
    }
    QElapsedTimer spent;
    spent.start();
    const std::size_t sliceEnd = m_barSyncSlice > 0 ? m_barSync.next + std::size_t(m_barSyncSlice) : m_barSync.rows.size();
    while (m_barSync.pending() && m_barSync.next < sliceEnd) {
        read(m_barSync.rows[m_barSync.next++]);
        if (m_barSyncSlice == 0 && m_barSync.next % 4096 == 0 && spent.nsecsElapsed() > kBarSyncSliceNs)
            break;
    }
    if (m_barSync.pending()) {
        m_dirty = true; // the next build reads on (adopt() polishes again)
        return;
    }
    m_bars.revision = m_barSync.revision;
    m_bars.valid = true;
}

// One build: the steps that turn a Frame and the bars into a Built, in drawing order
// (a later step draws on top of an earlier one), each reading what the steps before it
// laid out. A pure function of the Frame and the bars, so it can run on the worker thread.
class TaskTimeline::Builder
{
public:
    Builder(const Frame &in, const BarCache &bars, Built &out)
        : m_in(in)
        , m_bars(bars)
        , m_out(out)
        , m_w(in.w)
        , m_h(in.h)
        , m_viewStart(in.effStart)
        , m_pxPerMs(in.w / (in.effEnd - in.effStart))
        , m_laneCount(std::max(1, int(in.lanes.size())))
    {
    }

    void run()
    {
        countBarsPerLane();
        layOutLanes();
        drawLaneBandsAndTimeGrid();
        drawCounters();
        mergeStalls();
        chooseDetailedLanes();
        makeDensityGrids();
        drawBars();
        drawDensityGrids();
        drawMarks();
        drawStalls();
        listLanes();
    }

private:
    // Pass 1: the bars shown per lane (rows are ordinals within a lane, so they are stable).
    void countBarsPerLane()
    {
        const int n = int(m_bars.state.size());
        const std::uint16_t *barLane = m_bars.lane.data();
        m_counts.assign(std::size_t(m_laneCount), 0);
        int shown = 0;
        for (int i = 0; i < n; ++i) {
            if (barLane[i] == kHiddenLane)
                continue;
            ++m_counts[std::min<std::size_t>(barLane[i], std::size_t(m_laneCount - 1))];
            ++shown;
        }
        m_shown = shown;
        m_out.barCount = shown;
    }

    // Lane heights: natural when everything fits (rows grown towards labelRowHeight
    // while they still fit), else shared by task count. A lane's head: its header band,
    // then a strip per counter.
    void layOutLanes()
    {
        const int nLanes = m_laneCount;
        const double h = m_h;
        m_head.assign(std::size_t(nLanes), m_in.header);
        for (const Frame::Counter &c : m_in.counters)
            m_head[std::size_t(std::min(c.info.lane, nLanes - 1))] += m_in.counterHeight;
        double heads = 0;
        for (const double hd : m_head)
            heads += hd;
        double rows = 0;
        for (int l = 0; l < nLanes; ++l)
            rows += std::max(1, m_counts[std::size_t(l)]);
        const double rh = std::clamp((h - heads) / rows, m_in.rowHeight, m_in.labelRowHeight);
        m_rowHeight = rh;
        m_body.assign(std::size_t(nLanes), 0);
        m_top.assign(std::size_t(nLanes), 0);
        double natural = 0;
        for (int l = 0; l < nLanes; ++l)
            natural += m_head[std::size_t(l)] + std::max(1, m_counts[std::size_t(l)]) * rh;
        if (natural <= h) {
            for (int l = 0; l < nLanes; ++l)
                m_body[std::size_t(l)] = std::max(1, m_counts[std::size_t(l)]) * rh;
        } else {
            const double avail = std::max(0.0, h - heads);
            const double minBody = std::min(2 * rh, avail / nLanes);
            const double spare = avail - nLanes * minBody;
            for (int l = 0; l < nLanes; ++l) {
                m_body[std::size_t(l)] =
                    minBody + (m_shown > 0 ? spare * m_counts[std::size_t(l)] / m_shown : spare / nLanes);
            }
        }
        double y = 0;
        for (int l = 0; l < nLanes; ++l) {
            m_top[std::size_t(l)] = y;
            y += m_head[std::size_t(l)] + m_body[std::size_t(l)];
        }
    }

    // Chrome: lane header bands, separators, time grid (and its ticks for QML).
    void drawLaneBandsAndTimeGrid()
    {
        const Colors &colors = m_in.colors;
        const auto fw = float(m_w);
        for (int l = 0; l < m_laneCount; ++l) {
            const auto t = float(m_top[std::size_t(l)]);
            m_out.addQuad(m_in.maxVertices, 0, t, fw, t + float(m_in.header), colors.lane);
            if (l > 0)
                m_out.addQuad(m_in.maxVertices, 0, t, fw, t + 1, colors.grid);
        }
        const double vs = m_viewStart;
        const double ppm = m_pxPerMs;
        const double step = niceStep(m_in.tickSpacing / ppm);
        for (double t = std::ceil(vs / step) * step; t <= m_in.effEnd; t += step) {
            const auto x = float((t - vs) * ppm);
            m_out.addQuad(m_in.maxVertices, x, 0, x + 1, float(m_h), colors.grid, 0.6f);
            m_out.ticks.append(QVariantList{double(x), t, tickLabel(t, step)}); // tickX, ms, label
        }
    }

    // Counters (a queue's depth): a strip each under their lane's header; runs of equal
    // columns merge into one fill quad and one line quad, and a step between runs is a
    // vertical quad.
    void drawCounters()
    {
        const Colors &colors = m_in.colors;
        const double w = m_w;
        const auto fw = float(w);
        const int nLanes = m_laneCount;
        std::vector<double> stripY(std::size_t(nLanes), 0);
        for (int l = 0; l < nLanes; ++l)
            stripY[std::size_t(l)] = m_top[std::size_t(l)] + m_in.header;
        for (const Frame::Counter &c : m_in.counters) {
            const int l = std::min(c.info.lane, nLanes - 1);
            const double y0 = stripY[std::size_t(l)];
            stripY[std::size_t(l)] += m_in.counterHeight;
            const double pad = 3;
            const double span = std::max(1.0, m_in.counterHeight - 2 * pad);
            const double base = y0 + m_in.counterHeight - pad;
            const auto levelY = [&](float v) { return float(base - span * std::min(1.0, v / c.info.scaleMax)); };
            m_out.addQuad(m_in.maxVertices, 0, float(base), fw, float(base + 1), colors.grid);
            const int cols = int(c.columns.size());
            int runStart = 0;
            float prevY = -1;
            for (int col = 1; col <= cols; ++col) {
                const float v = c.columns[std::size_t(runStart)];
                if (col < cols && c.columns[std::size_t(col)] == v)
                    continue;
                if (v >= 0) {
                    const float ly = levelY(v);
                    const auto x0 = float(runStart * w / cols);
                    const auto x1 = float(col * w / cols);
                    m_out.addQuad(m_in.maxVertices, x0, ly, x1, float(base), colors.counter, 0.25f);
                    m_out.addQuad(m_in.maxVertices, x0, ly - 1, x1, ly + 1, colors.counter);
                    if (prevY >= 0 && prevY != ly)
                        m_out.addQuad(m_in.maxVertices, x0 - 1, std::min(prevY, ly) - 1, x0 + 1, std::max(prevY, ly) + 1,
                                      colors.counter);
                    prevY = ly;
                } else {
                    prevY = -1;
                }
                runStart = col;
            }
            m_out.counters.append(QVariantList{
                c.info.name,          // name
                l,                    // lane
                y0,                   // counterY
                m_in.counterHeight,   // counterHeight
                c.info.current,       // current
                c.info.capacity,      // capacity
            });
        }
    }

    // Stalls, merged at pixel resolution; drawn after the bars (drawStalls).
    void mergeStalls()
    {
        const double vs = m_viewStart;
        const double ppm = m_pxPerMs;
        const auto fw = float(m_w);
        m_stallsPerLane.assign(std::size_t(m_laneCount), 0);
        for (int l = 0; l < int(m_in.lanes.size()); ++l) {
            const int sc = m_in.lanes[std::size_t(l)].stallCount;
            const std::vector<TimelineSource::Stall> &laneStalls = m_in.lanes[std::size_t(l)].stalls;
            m_stallsPerLane[std::size_t(l)] = sc;
            const std::size_t laneFirst = m_stalls.size();
            for (const TimelineSource::Stall &s : laneStalls) {
                auto x0 = float((s.startMs - vs) * ppm);
                auto x1 = float((s.startMs + s.durationMs - vs) * ppm);
                if (x1 < 0 || x0 > fw)
                    continue;
                x0 = std::max(0.0f, x0);
                x1 = std::min(fw, std::max(x1, x0 + 2));
                if (m_stalls.size() > laneFirst && x0 <= m_stalls.back().x1 + 1) {
                    StallRect &prev = m_stalls.back();
                    prev.x1 = std::max(prev.x1, x1);
                    prev.durationMs += s.durationMs;
                    ++prev.merged;
                    if (s.durationMs > prev.longestMs) {
                        prev.longestMs = s.durationMs;
                        prev.culprit = s.culprit;
                    }
                } else {
                    m_stalls.push_back({l, x0, x1, s.durationMs, s.durationMs, 1, s.culprit});
                }
            }
        }
    }

    // Which lanes are drawn bar by bar: those whose bars fit one row each, as long as
    // their bars fit three quarters of the quads that chrome and stalls leave (the
    // biggest such lane gives up first); the others are drawn as density grids.
    void chooseDetailedLanes()
    {
        const int nLanes = m_laneCount;
        const int maxQuads = m_in.maxVertices / 4;
        const int used = int(m_out.vertices.size() / 4) + 2 * int(m_stalls.size());
        m_barBudget = std::max(0, maxQuads - used);

        m_detailed.assign(std::size_t(nLanes), 0);
        long long detailQuads = 0;
        for (int l = 0; l < nLanes; ++l) {
            if (m_counts[std::size_t(l)] * m_rowHeight <= m_body[std::size_t(l)] + 0.5) {
                m_detailed[std::size_t(l)] = 1;
                detailQuads += m_counts[std::size_t(l)];
            }
        }
        while (detailQuads > m_barBudget * 3 / 4) { // too many bars to draw one by one
            int biggest = -1;
            for (int l = 0; l < nLanes; ++l) {
                if (m_detailed[std::size_t(l)]
                    && (biggest < 0 || m_counts[std::size_t(l)] > m_counts[std::size_t(biggest)]))
                    biggest = l;
            }
            m_detailed[std::size_t(biggest)] = 0;
            detailQuads -= m_counts[std::size_t(biggest)];
        }
        m_detailQuads = detailQuads;
        int densityLanes = 0;
        for (int l = 0; l < nLanes; ++l)
            densityLanes += (!m_detailed[std::size_t(l)] && m_counts[std::size_t(l)] > 0) ? 1 : 0;
        m_densityLanes = densityLanes;
        m_out.aggregated = densityLanes > 0;
    }

    // A grid per density lane, its cells as large as the lane's share of the bar budget
    // needs (widened or heightened by turns, starting from 1 x 2 pixels).
    void makeDensityGrids()
    {
        const double w = m_w;
        const int nLanes = m_laneCount;
        m_gridOfLane.assign(std::size_t(nLanes), -1);
        if (m_densityLanes == 0)
            return;
        const long long perLane = std::max<long long>(1, (m_barBudget - m_detailQuads) / m_densityLanes);
        for (int l = 0; l < nLanes; ++l) {
            if (m_detailed[std::size_t(l)] || m_counts[std::size_t(l)] == 0)
                continue;
            DensityGrid g;
            g.lane = l;
            double cw = 1, ch = 2;
            auto dims = [&] {
                g.rows = std::max(1, std::min(m_counts[std::size_t(l)], int(m_body[std::size_t(l)] / ch)));
                g.cols = std::max(1, int(std::ceil(w / cw)));
            };
            dims();
            while (static_cast<long long>(g.rows) * g.cols > perLane && (g.rows > 1 || g.cols > 1)) {
                if (cw <= ch)
                    cw *= 2;
                else
                    ch *= 2;
                dims();
            }
            g.cellWidth = w / g.cols;
            g.cells.assign(std::size_t(BarStates) * std::size_t(g.rows) * std::size_t(g.cols + 1), 0);
            m_gridOfLane[std::size_t(l)] = int(m_grids.size());
            m_grids.push_back(std::move(g));
        }
    }

    // Pass 2: bars. A detailed lane draws each bar on its row; a density lane maps its
    // k-th bar to grid row k * rows / count and x to a column by multiplying with
    // precomputed factors (divisions were half the cost of this loop at a million bars).
    void drawBars()
    {
        const Frame &in = m_in;
        Built &out = m_out;
        const double w = m_w;
        const double vs = m_viewStart;
        const double ppm = m_pxPerMs;
        const int nLanes = m_laneCount;
        const double rh = m_rowHeight;
        const int n = int(m_bars.state.size());
        const float *barStart = m_bars.startMs.data();
        const float *barEnd = m_bars.endMs.data();
        const std::uint8_t *barState = m_bars.state.data();
        const std::uint16_t *barLane = m_bars.lane.data();
        const std::uint8_t *barMark = m_bars.mark.data();
        const std::vector<double> &top = m_top;
        const std::vector<double> &head = m_head;
        const std::vector<char> &detailed = m_detailed;

        struct LaneScale
        {
            double row = 0;
            double column = 0;
        };
        std::vector<LaneScale> scales(std::size_t(nLanes), LaneScale{});
        for (const DensityGrid &g : m_grids)
            scales[std::size_t(g.lane)] = {double(g.rows) / m_counts[std::size_t(g.lane)], 1.0 / g.cellWidth};
        std::vector<int> ordinal(std::size_t(nLanes), 0);
        const float barH = float(rh > 3 ? rh - 1 : rh);
        for (int i = 0; i < n; ++i) {
            if (barLane[i] == kHiddenLane)
                continue;
            const int l = std::min(int(barLane[i]), nLanes - 1);
            const int o = ordinal[std::size_t(l)]++;
            const double start = barStart[i];
            if (start < 0)
                continue;
            const double end = barEnd[i] < 0 ? std::max(in.now, start) : std::max(double(barEnd[i]), start);
            double x0 = (start - vs) * ppm;
            double x1 = (end - vs) * ppm;
            if (x1 < 0 || x0 > w)
                continue;
            x0 = std::max(0.0, x0);
            x1 = std::min(w, x1);
            const int state = barState[i];
            if (detailed[std::size_t(l)]) {
                if (x1 - x0 < 1) { // thinner than a pixel: one pixel wide
                    x1 = std::min(w, x0 + 1);
                    x0 = x1 - 1;
                }
                const auto y0 = float(top[std::size_t(l)] + head[std::size_t(l)] + o * rh);
                if (out.addQuad(in.maxVertices, float(x0), y0, float(x1), y0 + barH, in.colors.bar[std::size_t(state)]))
                    out.hits.push_back({float(x0), y0, float(x1), y0 + barH, i});
                if (barMark[i] != 0)
                    m_marks.push_back({float(x0), y0, float(x1), y0 + barH, barMark[i]});
            } else {
                DensityGrid &g = m_grids[std::size_t(m_gridOfLane[std::size_t(l)])];
                const LaneScale &scale = scales[std::size_t(l)];
                const int row = std::min(int(o * scale.row), g.rows - 1);
                const int c0 = std::clamp(int(x0 * scale.column), 0, g.cols - 1);
                const int c1 = std::clamp(int(std::max(x0, x1 - 1e-6) * scale.column), c0, g.cols - 1);
                ++g.at(state, row, c0);
                --g.at(state, row, c1 + 1);
                if (barMark[i] != 0) {
                    const double rowH = m_body[std::size_t(l)] / g.rows;
                    const auto y0 = float(top[std::size_t(l)] + head[std::size_t(l)] + row * rowH);
                    m_marks.push_back({float(x0), y0, float(std::max(x1, x0 + 1)), float(y0 + rowH), barMark[i]});
                }
            }
        }
    }

    // Density grids: counts per cell, dominant state, opacity from the count, runs merged.
    void drawDensityGrids()
    {
        static constexpr std::array<int, BarStates> kPriority{Failed, Cancelled, Running, Pending, Done}; // on ties
        for (DensityGrid &g : m_grids) {
            int maxTotal = 0;
            for (int r = 0; r < g.rows; ++r) {
                for (int s = 0; s < BarStates; ++s) {
                    int run = 0;
                    for (int c = 0; c <= g.cols; ++c) {
                        run += g.at(s, r, c);
                        g.at(s, r, c) = run;
                    }
                }
                for (int c = 0; c < g.cols; ++c) {
                    int total = 0;
                    for (int s = 0; s < BarStates; ++s)
                        total += g.at(s, r, c);
                    maxTotal = std::max(maxTotal, total);
                }
            }
            if (maxTotal == 0)
                continue;
            const int l = g.lane;
            const double rowH = m_body[std::size_t(l)] / g.rows;
            for (int r = 0; r < g.rows; ++r) {
                const auto y0 = float(m_top[std::size_t(l)] + m_head[std::size_t(l)] + r * rowH);
                const auto y1 = float(m_top[std::size_t(l)] + m_head[std::size_t(l)] + (r + 1) * rowH);
                int runKey = -1;
                int runStart = 0;
                auto flush = [&](int endCol) {
                    if (runKey < 0)
                        return;
                    const int state = runKey / 4;
                    const float alpha = 0.4f + 0.2f * float(runKey % 4);
                    m_out.addQuad(m_in.maxVertices, float(runStart * g.cellWidth), y0, float(endCol * g.cellWidth), y1,
                                  m_in.colors.bar[std::size_t(state)], alpha);
                };
                for (int c = 0; c < g.cols; ++c) {
                    int total = 0;
                    int best = -1;
                    for (const int s : kPriority) {
                        const int v = g.at(s, r, c);
                        total += v;
                        if (v > 0 && (best < 0 || v > g.at(best, r, c)))
                            best = s;
                    }
                    int key = -1;
                    if (total > 0) {
                        const int level =
                            std::clamp(int(std::ceil(4 * std::sqrt(double(total) / maxTotal))) - 1, 0, 3);
                        key = best * 4 + level;
                    }
                    if (key != runKey) {
                        flush(c);
                        runKey = key;
                        runStart = c;
                    }
                }
                flush(g.cols);
            }
        }
    }

    // Marked bars: a frame over each (the selected ones last, so they stay on top); a
    // bar too small for a frame is filled.
    void drawMarks()
    {
        std::stable_sort(m_marks.begin(), m_marks.end(), [](const MarkRect &a, const MarkRect &b) { return a.mark < b.mark; });
        for (const MarkRect &m : m_marks) {
            const QColor &c = m.mark == 2 ? m_in.colors.selected : m_in.colors.mark;
            const float t = m.mark == 2 ? kSelectedWidth : kMarkWidth;
            if (m.x1 - m.x0 <= 2 * t || m.y1 - m.y0 <= 2 * t) {
                m_out.addQuad(m_in.maxVertices, m.x0, m.y0, m.x1, m.y1, c);
                continue;
            }
            m_out.addQuad(m_in.maxVertices, m.x0, m.y0, m.x1, m.y0 + t, c);
            m_out.addQuad(m_in.maxVertices, m.x0, m.y1 - t, m.x1, m.y1, c);
            m_out.addQuad(m_in.maxVertices, m.x0, m.y0 + t, m.x0 + t, m.y1 - t, c);
            m_out.addQuad(m_in.maxVertices, m.x1 - t, m.y0 + t, m.x1, m.y1 - t, c);
        }
    }

    // Stalls on top: a tint across the lane body, a solid mark in the header band, and
    // the first kMaxStallMarks as marks for QML.
    void drawStalls()
    {
        const double header = m_in.header;
        for (const StallRect &s : m_stalls) {
            const double t = m_top[std::size_t(s.lane)];
            const double hd = m_head[std::size_t(s.lane)];
            m_out.addQuad(m_in.maxVertices, s.x0, float(t + hd), s.x1, float(t + hd + m_body[std::size_t(s.lane)]),
                          m_in.colors.stall, 0.22f);
            m_out.addQuad(m_in.maxVertices, s.x0, float(t + 1), s.x1, float(t + header - 1), m_in.colors.stall);
            if (m_out.stallMarks.size() < kMaxStallMarks) {
                m_out.stallMarks.append(QVariantList{
                    s.lane,                 // lane
                    double(s.x0),           // markX
                    double(s.x1 - s.x0),    // markWidth
                    t,                      // markY
                    header,                 // markHeight
                    s.durationMs,           // durationMs
                    s.merged,               // count
                    s.culprit,              // culprit
                });
            }
        }
    }

    // The lanes model's rows.
    void listLanes()
    {
        for (int l = 0; l < m_laneCount; ++l) {
            m_out.lanes.append(QVariantList{
                l < int(m_in.lanes.size()) ? m_in.lanes[std::size_t(l)].name : QString(), // name
                m_top[std::size_t(l)],                                                    // laneY
                m_head[std::size_t(l)] + m_body[std::size_t(l)],                         // laneHeight
                m_in.header,                                                              // headerHeight
                m_counts[std::size_t(l)],                                                 // taskCount
                m_stallsPerLane[std::size_t(l)],                                          // stalls
                !m_detailed[std::size_t(l)],                                              // aggregated
            });
        }
    }

    const Frame &m_in;
    const BarCache &m_bars;
    Built &m_out;
    const double m_w;
    const double m_h;
    const double m_viewStart;
    const double m_pxPerMs;
    const int m_laneCount; // at least one, even before the source has a lane

    // countBarsPerLane
    std::vector<int> m_counts; // bars shown per lane
    int m_shown = 0;
    // layOutLanes, per lane: its y, its head (header band and counter strips) and its body
    std::vector<double> m_top;
    std::vector<double> m_head;
    std::vector<double> m_body;
    double m_rowHeight = 0; // of a detailed lane's row
    // mergeStalls
    std::vector<StallRect> m_stalls;
    std::vector<int> m_stallsPerLane;
    // chooseDetailedLanes
    int m_barBudget = 0; // quads left for bars
    std::vector<char> m_detailed;
    long long m_detailQuads = 0;
    int m_densityLanes = 0;
    // makeDensityGrids
    std::vector<DensityGrid> m_grids;
    std::vector<int> m_gridOfLane; // -1: no grid
    // drawBars: the marked bars' rectangles, for drawMarks
    struct MarkRect
    {
        float x0, y0, x1, y1;
        std::uint8_t mark;
    };
    std::vector<MarkRect> m_marks;
};

void TaskTimeline::build(const Frame &in, const BarCache &bars, Built &out)
{
    if (!in.hasSource || in.w < 1 || in.h < 1)
        return;
    Builder(in, bars, out).run();
}

QSGNode *TaskTimeline::updatePaintNode(QSGNode *old, UpdatePaintNodeData *)
{
    if (m_vertices.empty()) {
        // Nothing built yet (a large build runs on the worker): no node rather than
        // an empty one, which the renderer did not redraw once it was filled.
        delete old;
        m_geometryDirty = true;
        return nullptr;
    }
    QSGNode *node = updateMeshNode(this, old, m_vertices, m_indices, m_geometryDirty);
    m_geometryDirty = false;
    return node;
}

} // namespace coroscope::widgets

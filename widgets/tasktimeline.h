#pragma once

// TaskTimeline: one horizontal bar per task, from its start to its end (or now),
// coloured by state, in one lane per loop; each lane's header band marks the loop's
// stalls. Drawn with the scene graph: one vertex-coloured indexed triangle mesh for
// everything (bars, stall marks, grid), made a node by updateMeshNode() (meshnode.h),
// which also serves Qt Quick's software renderer.
//
// Level of detail: a lane whose tasks all fit one row each is drawn bar by bar
// (a bar narrower than a pixel is drawn one pixel wide). Otherwise the lane is
// drawn as a density grid: bars are accumulated per cell (difference arrays per
// cell row, so the cost is O(bars + cells), not O(bars x pixels)), each cell
// takes its dominant state's colour with an opacity from its count, and runs of
// equal cells merge into one quad. The vertex count never exceeds maxVertices,
// whatever the task count.
//
// Text (lane names, culprits, time ticks) is left to QML: `lanes`, `stallMarks`
// and `ticks` are list models (MarkListModel) with positions in item coordinates,
// updated in place after each build so a Repeater keeps its delegates:
//   ticks:      tickX, ms, label
//   lanes:      name, laneY, laneHeight, headerHeight, taskCount, stalls, aggregated
//   stallMarks: lane, markX, markWidth, markY, markHeight, durationMs, count, culprit
//   barLabels:  labelX, labelY, labelWidth, labelHeight, name
//   counters:   name, lane, counterY, counterHeight, current, capacity
// (at most 200 stall marks, the first ones in lane order; a label for each bar drawn
// at least labelMinWidth wide, on rows at least labelRowHeight high, at most 200).
// Rows grow from rowHeight up to labelRowHeight while every lane still fits, so a
// few tasks get rows a name fits on. A bar whose source lane is < 0 is not drawn.
// Counters (a queue's depth) get a strip of counterHeight each under their lane's
// header band, above its bars: a step line of the highest value per pixel column,
// scaled to the counter's scaleMax, over a light fill.
// Marked bars (TimelineSource::Bar::mark) get a frame on top of whatever is drawn
// there, bar or density cell: markColor for a marked bar, selectedColor for a
// selected one (a comparison's differing tasks: docs/spec/diff.md).
//
// Threading: the item lives on the GUI thread and reads the source only there, in
// updatePolish(): the changed bars into a flat copy (BarCache), the lanes and stalls
// into a Frame. Building the vertex arrays from those is a pure function; with many
// bars (kAsyncBars) it runs on a worker thread of the item's own, so a million bars
// never block the GUI thread for a whole build, and the result is adopted on the GUI
// thread by a queued call. While a build runs the GUI thread leaves BarCache alone
// (the worker reads it); the next build starts when this one is adopted.
// updatePaintNode() (render thread, GUI blocked) only copies the arrays into the
// geometry, and only when they changed.

#include "marklistmodel.h"
#include "meshnode.h"
#include "timelinesource.h"

#include <QColor>
#include <QElapsedTimer>
#include <QPointer>
#include <QQuickItem>
#include <QTimer>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>

#include <array>
#include <memory>
#include <vector>

namespace coroscope::widgets {

class TaskTimeline : public QQuickItem
{
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(QObject *monitor READ monitor WRITE setMonitor NOTIFY monitorChanged FINAL)
    Q_PROPERTY(double viewStartMs READ viewStartMs WRITE setViewStartMs NOTIFY viewChanged FINAL)
    Q_PROPERTY(double viewEndMs READ viewEndMs WRITE setViewEndMs NOTIFY viewChanged FINAL)
    Q_PROPERTY(double liveWindowMs READ liveWindowMs WRITE setLiveWindowMs NOTIFY viewChanged FINAL)
    Q_PROPERTY(double effectiveStartMs READ effectiveStartMs NOTIFY layoutChanged FINAL)
    Q_PROPERTY(double effectiveEndMs READ effectiveEndMs NOTIFY layoutChanged FINAL)
    Q_PROPERTY(bool following READ following NOTIFY viewChanged FINAL)
    Q_PROPERTY(qreal rowHeight READ rowHeight WRITE setRowHeight NOTIFY metricsChanged FINAL)
    Q_PROPERTY(qreal laneHeaderHeight READ laneHeaderHeight WRITE setLaneHeaderHeight NOTIFY metricsChanged FINAL)
    Q_PROPERTY(qreal tickSpacing READ tickSpacing WRITE setTickSpacing NOTIFY metricsChanged FINAL)
    Q_PROPERTY(int maxVertices READ maxVertices WRITE setMaxVertices NOTIFY metricsChanged FINAL)
    Q_PROPERTY(QColor pendingColor READ pendingColor WRITE setPendingColor NOTIFY colorsChanged FINAL)
    Q_PROPERTY(QColor runningColor READ runningColor WRITE setRunningColor NOTIFY colorsChanged FINAL)
    Q_PROPERTY(QColor doneColor READ doneColor WRITE setDoneColor NOTIFY colorsChanged FINAL)
    Q_PROPERTY(QColor failedColor READ failedColor WRITE setFailedColor NOTIFY colorsChanged FINAL)
    Q_PROPERTY(QColor cancelledColor READ cancelledColor WRITE setCancelledColor NOTIFY colorsChanged FINAL)
    Q_PROPERTY(QColor stallColor READ stallColor WRITE setStallColor NOTIFY colorsChanged FINAL)
    Q_PROPERTY(QColor gridColor READ gridColor WRITE setGridColor NOTIFY colorsChanged FINAL)
    Q_PROPERTY(QColor laneColor READ laneColor WRITE setLaneColor NOTIFY colorsChanged FINAL)
    Q_PROPERTY(QColor counterColor READ counterColor WRITE setCounterColor NOTIFY colorsChanged FINAL)
    Q_PROPERTY(QColor markColor READ markColor WRITE setMarkColor NOTIFY colorsChanged FINAL)
    Q_PROPERTY(QColor selectedColor READ selectedColor WRITE setSelectedColor NOTIFY colorsChanged FINAL)
    Q_PROPERTY(qreal counterHeight READ counterHeight WRITE setCounterHeight NOTIFY metricsChanged FINAL)
    Q_PROPERTY(coroscope::widgets::MarkListModel *counters READ counters CONSTANT FINAL)
    Q_PROPERTY(coroscope::widgets::MarkListModel *lanes READ lanes CONSTANT FINAL)
    Q_PROPERTY(coroscope::widgets::MarkListModel *stallMarks READ stallMarks CONSTANT FINAL)
    Q_PROPERTY(coroscope::widgets::MarkListModel *ticks READ ticks CONSTANT FINAL)
    Q_PROPERTY(coroscope::widgets::MarkListModel *barLabels READ barLabels CONSTANT FINAL)
    Q_PROPERTY(qreal labelRowHeight READ labelRowHeight WRITE setLabelRowHeight NOTIFY metricsChanged FINAL)
    Q_PROPERTY(qreal labelMinWidth READ labelMinWidth WRITE setLabelMinWidth NOTIFY metricsChanged FINAL)
    Q_PROPERTY(int barCount READ barCount NOTIFY layoutChanged FINAL)
    Q_PROPERTY(int vertexCount READ vertexCount NOTIFY layoutChanged FINAL)
    Q_PROPERTY(bool aggregated READ aggregated NOTIFY layoutChanged FINAL)

public:
    explicit TaskTimeline(QQuickItem *parent = nullptr);
    ~TaskTimeline() override;

    [[nodiscard]] QObject *monitor() const { return m_monitor; }
    void setMonitor(QObject *monitor);
    // For C++ users and tests: a source that is not a QObject (not owned).
    void setSource(TimelineSource *source);
    [[nodiscard]] TimelineSource *source() const { return m_source; }

    [[nodiscard]] double viewStartMs() const { return m_viewStartMs; }
    void setViewStartMs(double ms);
    [[nodiscard]] double viewEndMs() const { return m_viewEndMs; }
    void setViewEndMs(double ms);
    [[nodiscard]] double liveWindowMs() const { return m_liveWindowMs; }
    void setLiveWindowMs(double ms);
    [[nodiscard]] bool following() const { return !(m_viewEndMs > m_viewStartMs); }
    [[nodiscard]] double effectiveStartMs() const { return m_effStart; }
    [[nodiscard]] double effectiveEndMs() const { return m_effEnd; }

    [[nodiscard]] qreal rowHeight() const { return m_rowHeight; }
    void setRowHeight(qreal h);
    [[nodiscard]] qreal laneHeaderHeight() const { return m_laneHeaderHeight; }
    void setLaneHeaderHeight(qreal h);
    [[nodiscard]] qreal tickSpacing() const { return m_tickSpacing; }
    void setTickSpacing(qreal px);
    [[nodiscard]] int maxVertices() const { return m_maxVertices; }
    void setMaxVertices(int n);

    [[nodiscard]] QColor pendingColor() const { return m_colors.bar[Pending]; }
    void setPendingColor(const QColor &c) { setColor(m_colors.bar[Pending], c); }
    [[nodiscard]] QColor runningColor() const { return m_colors.bar[Running]; }
    void setRunningColor(const QColor &c) { setColor(m_colors.bar[Running], c); }
    [[nodiscard]] QColor doneColor() const { return m_colors.bar[Done]; }
    void setDoneColor(const QColor &c) { setColor(m_colors.bar[Done], c); }
    [[nodiscard]] QColor failedColor() const { return m_colors.bar[Failed]; }
    void setFailedColor(const QColor &c) { setColor(m_colors.bar[Failed], c); }
    [[nodiscard]] QColor cancelledColor() const { return m_colors.bar[Cancelled]; }
    void setCancelledColor(const QColor &c) { setColor(m_colors.bar[Cancelled], c); }
    [[nodiscard]] QColor stallColor() const { return m_colors.stall; }
    void setStallColor(const QColor &c) { setColor(m_colors.stall, c); }
    [[nodiscard]] QColor gridColor() const { return m_colors.grid; }
    void setGridColor(const QColor &c) { setColor(m_colors.grid, c); }
    [[nodiscard]] QColor laneColor() const { return m_colors.lane; }
    void setLaneColor(const QColor &c) { setColor(m_colors.lane, c); }
    [[nodiscard]] QColor counterColor() const { return m_colors.counter; }
    void setCounterColor(const QColor &c) { setColor(m_colors.counter, c); }
    [[nodiscard]] QColor markColor() const { return m_colors.mark; }
    void setMarkColor(const QColor &c) { setColor(m_colors.mark, c); }
    [[nodiscard]] QColor selectedColor() const { return m_colors.selected; }
    void setSelectedColor(const QColor &c) { setColor(m_colors.selected, c); }
    [[nodiscard]] qreal counterHeight() const { return m_counterHeight; }
    void setCounterHeight(qreal h);
    [[nodiscard]] MarkListModel *counters() const { return m_counters; }

    [[nodiscard]] MarkListModel *lanes() const { return m_lanes; }
    [[nodiscard]] MarkListModel *stallMarks() const { return m_stallMarks; }
    [[nodiscard]] MarkListModel *ticks() const { return m_ticks; }
    [[nodiscard]] MarkListModel *barLabels() const { return m_barLabels; }
    [[nodiscard]] qreal labelRowHeight() const { return m_labelRowHeight; }
    void setLabelRowHeight(qreal h);
    [[nodiscard]] qreal labelMinWidth() const { return m_labelMinWidth; }
    void setLabelMinWidth(qreal w);
    [[nodiscard]] int barCount() const { return m_barCount; }
    [[nodiscard]] int vertexCount() const { return int(m_vertices.size()); }
    [[nodiscard]] bool aggregated() const { return m_aggregated; }

    // Time <-> x in item coordinates for the current view.
    Q_INVOKABLE double xForMs(double ms) const;
    Q_INVOKABLE double msForX(double x) const;
    // The key of the task drawn under (x, y), -1 if none (or the lane is aggregated).
    Q_INVOKABLE qint64 taskKeyAt(double x, double y) const;
    // The name of the task drawn under (x, y), "" if none (for a tooltip).
    Q_INVOKABLE QString taskNameAt(double x, double y) const;
    // Re-read the source now (normally driven by the source's ticked() signal).
    Q_INVOKABLE void refresh();
    // Rebuilds the vertex arrays synchronously (what updatePolish does); for tests.
    void rebuildNow();
    // Tests make the bars' re-reading exact: `bars` changed or new bars a build (0: as
    // many as fit in the time a build may spend on them).
    void setBarSyncSlice(int bars) { m_barSyncSlice = bars; }

Q_SIGNALS:
    void monitorChanged();
    void viewChanged();
    void metricsChanged();
    void colorsChanged();
    void layoutChanged();

protected:
    void updatePolish() override;
    QSGNode *updatePaintNode(QSGNode *old, UpdatePaintNodeData *data) override;
    void geometryChange(const QRectF &newGeometry, const QRectF &oldGeometry) override;

private Q_SLOTS:
    void refreshFromTick(); // connected to the monitor's ticked() signal, if it has one

private:
    using Vertex = MeshVertex;
    // A bar's state (TimelineSource::Bar::state), the index of its colour.
    enum BarState { Pending, Running, Done, Failed, Cancelled, BarStates };
    // The colours a build draws with, named by what they colour.
    struct Colors
    {
        std::array<QColor, BarStates> bar; // by BarState
        QColor stall;                      // a stall's tint over its lane and mark in the header band
        QColor grid;                       // time grid, lane separators, counter baselines
        QColor lane;                       // lane header bands
        QColor counter;                    // a counter's step line and fill
        QColor mark;                       // the frame of a marked bar
        QColor selected;                   // the frame of a selected bar
    };
    struct HitRect
    {
        float x0, y0, x1, y1;
        int bar; // index into the source's bars
    };
    // The source's bars in flat arrays (10 bytes a bar), brought up to date before each
    // build by re-reading only the bars the source says changed, so a build walks
    // memory instead of calling bar() a million times.
    struct BarCache
    {
        std::vector<float> startMs; // < 0: not started
        std::vector<float> endMs;   // < 0: not finished
        std::vector<std::uint8_t> state;
        std::vector<std::uint16_t> lane;
        std::vector<std::uint8_t> mark; // Bar::mark
        quint64 revision = 0;
        bool valid = false; // false: re-read every bar
    };
    // What a build reads besides the bars: a copy, so it can run on the worker thread.
    struct Frame
    {
        struct Lane
        {
            QString name;
            int stallCount = 0;
            std::vector<TimelineSource::Stall> stalls; // the newest ones
        };
        bool hasSource = false;
        double w = 0, h = 0, now = 0, effStart = 0, effEnd = 0;
        double rowHeight = 0, labelRowHeight = 0, header = 0, tickSpacing = 0;
        int maxVertices = 0;
        Colors colors;
        std::vector<Lane> lanes;
        struct Counter
        {
            TimelineSource::Counter info;
            std::vector<float> columns; // one per pixel column (counterColumns)
        };
        std::vector<Counter> counters;
        double counterHeight = 0;
    };
    // What a build makes.
    struct Built
    {
        std::vector<Vertex> vertices;
        std::vector<quint32> indices;
        std::vector<HitRect> hits;
        // Rows of the lane, stall-mark and tick models, values in role order.
        QList<QVariantList> lanes;
        QList<QVariantList> stallMarks;
        QList<QVariantList> ticks;
        QList<QVariantList> counters;
        int barCount = 0;
        bool aggregated = false;
        qint64 costMs = 0;
        quint64 generation = 0; // which build made it (m_generation when it started)
        bool addQuad(int maxVertices, float x0, float y0, float x1, float y1, const QColor &c, float alpha = 1.0f);
    };
    class Worker;
    class Builder; // the steps of build()

    void setColor(QColor &slot, const QColor &c);
    void invalidate();
    void syncBars(); // sets m_dirty while changed bars are left to read
    [[nodiscard]] Frame makeFrame();
    [[nodiscard]] int hitAt(double x, double y) const; // the bar under (x, y), -1 if none
    void updateBarLabels();
    static void build(const Frame &in, const BarCache &bars, Built &out);
    void adopt(Built &&built);
    void forgetBars();

    QPointer<QObject> m_monitor;
    TimelineSource *m_source = nullptr;
    QMetaObject::Connection m_tickConnection;

    double m_viewStartMs = 0;
    double m_viewEndMs = 0;
    double m_liveWindowMs = 0;
    double m_effStart = 0;
    double m_effEnd = 0;
    qreal m_rowHeight = 6;
    qreal m_labelRowHeight = 6;
    qreal m_labelMinWidth = 48;
    qreal m_laneHeaderHeight = 18;
    qreal m_tickSpacing = 90;
    int m_maxVertices = 200000;
    qreal m_counterHeight = 22;
    Colors m_colors;

    // What the last build read, to skip rebuilding when nothing moved.
    bool m_dirty = true;
    quint64 m_builtRevision = ~quint64(0);
    double m_builtNow = -1;

    QTimer m_throttle;
    QElapsedTimer m_sinceRebuild;
    qint64 m_lastCostMs = 0;

    BarCache m_bars; // read by the worker while m_building: not touched then
    // Changed and new bars are re-read a time slice per build: a cancel of 600,000 tasks
    // changes that many in a tick, and reading them all at once held the GUI thread for
    // tens of milliseconds. Bars not read yet show what they showed (new ones: nothing).
    struct BarSync {
        std::vector<int> rows; // ascending
        std::size_t next = 0;  // rows[next..] are left to read
        quint64 revision = 0;  // the source's revision when they were collected
        [[nodiscard]] bool pending() const noexcept { return next < rows.size(); }
    };
    BarSync m_barSync;
    int m_barSyncSlice = 0;
    std::unique_ptr<Worker> m_worker; // made on the first large build
    bool m_building = false;
    quint64 m_generation = 0; // bumped by every build; only the newest one's result is adopted

    std::vector<Vertex> m_vertices;
    std::vector<quint32> m_indices;
    std::vector<HitRect> m_hits;
    bool m_geometryDirty = true;
    // Children of the item, filled by adopt().
    MarkListModel *m_lanes;
    MarkListModel *m_stallMarks;
    MarkListModel *m_ticks;
    MarkListModel *m_barLabels;
    MarkListModel *m_counters;
    int m_barCount = 0;
    bool m_aggregated = false;
};

} // namespace coroscope::widgets

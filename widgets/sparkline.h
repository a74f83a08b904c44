#pragma once

// Sparkline: a small line chart of recent values, with a translucent area under the
// line. Drawn with the scene graph: one vertex-coloured indexed triangle mesh
// (updateMeshNode(), meshnode.h), rebuilt only when values, colour or size change.
// More values than pixels are reduced to one (maximum) value per pixel column, so
// the vertex count is bounded by the item's width.
//
// The values come either from `values` or, live, from `source`: a QObject that
// implements SeriesSource (monitor/seriessource.h; e.g. TaskStats) and whose
// `changed()` signal makes the sparkline re-read series `series` in C++ (O(samples),
// no QVariantList, no QML binding). A read that brings the same values changes
// nothing. While a source is set, it overrides values set by hand at its next change.
//
// Threading: GUI thread; values are converted to floats when set or read, and the
// render thread only reads them in updatePaintNode (while the GUI thread is blocked).

#include "meshnode.h"
#include "monitor/seriessource.h"

#include <QColor>
#include <QPointer>
#include <QQuickItem>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>

#include <vector>

namespace coroscope::widgets {

using SeriesSource = coroscope::monitor::SeriesSource;

class Sparkline : public QQuickItem
{
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(QVariantList values READ values WRITE setValues NOTIFY valuesChanged FINAL)
    // A QObject implementing SeriesSource (null: values are set by hand).
    Q_PROPERTY(QObject *source READ source WRITE setSource NOTIFY sourceChanged FINAL)
    // Which of the source's series (its meaning is the source's; TaskStats: a state mask).
    Q_PROPERTY(int series READ series WRITE setSeries NOTIFY sourceChanged FINAL)
    Q_PROPERTY(QColor color READ color WRITE setColor NOTIFY colorChanged FINAL)
    Q_PROPERTY(qreal fillOpacity READ fillOpacity WRITE setFillOpacity NOTIFY colorChanged FINAL)
    Q_PROPERTY(qreal lineWidth READ lineWidth WRITE setLineWidth NOTIFY lineWidthChanged FINAL)
    // Top of the scale; <= 0 means the largest value shown.
    Q_PROPERTY(qreal maximum READ maximum WRITE setMaximum NOTIFY maximumChanged FINAL)
    Q_PROPERTY(int vertexCount READ vertexCount NOTIFY valuesChanged FINAL)

public:
    explicit Sparkline(QQuickItem *parent = nullptr);

    [[nodiscard]] QVariantList values() const;
    void setValues(const QVariantList &values);
    void setValues(const QList<qreal> &values);
    [[nodiscard]] QObject *source() const { return m_source; }
    void setSource(QObject *source);
    [[nodiscard]] int series() const { return m_series; }
    void setSeries(int series);
    [[nodiscard]] QColor color() const { return m_color; }
    void setColor(const QColor &c);
    [[nodiscard]] qreal fillOpacity() const { return m_fillOpacity; }
    void setFillOpacity(qreal o);
    [[nodiscard]] qreal lineWidth() const { return m_lineWidth; }
    void setLineWidth(qreal w);
    [[nodiscard]] qreal maximum() const { return m_maximum; }
    void setMaximum(qreal m);
    [[nodiscard]] int vertexCount() const { return m_lastVertexCount; }

Q_SIGNALS:
    void valuesChanged();
    void sourceChanged();
    void colorChanged();
    void lineWidthChanged();
    void maximumChanged();

protected:
    QSGNode *updatePaintNode(QSGNode *old, UpdatePaintNodeData *data) override;
    void geometryChange(const QRectF &newGeometry, const QRectF &oldGeometry) override;

private Q_SLOTS:
    void readSource(); // connected to the source's changed() signal, if it has one

private:
    void changed();
    void buildMesh(); // m_vertices/m_indices from the values, size and colour

    std::vector<float> m_values;
    std::vector<float> m_read; // the last read from the source, swapped with m_values
    QPointer<QObject> m_source;
    const SeriesSource *m_seriesSource = nullptr; // m_source's interface; valid while m_source is
    QMetaObject::Connection m_sourceConnection;
    int m_series = 0;
    QColor m_color = QColor(Qt::blue);
    qreal m_fillOpacity = 0.18;
    qreal m_lineWidth = 1.5;
    qreal m_maximum = 0;
    bool m_dirty = true;
    int m_lastVertexCount = 0;
    std::vector<MeshVertex> m_vertices;
    std::vector<quint32> m_indices;
};

} // namespace coroscope::widgets

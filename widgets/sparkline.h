#pragma once

// Sparkline: a small line chart of recent values (e.g. TaskStats::history()), with a
// translucent area under the line. Drawn with the scene graph: one vertex-coloured
// indexed triangle geometry, rebuilt only when values, colour or size change. More
// values than pixels are reduced to one (maximum) value per pixel column, so the
// vertex count is bounded by the item's width.
//
// Threading: GUI thread; values are converted to floats when set, and the render
// thread only reads them in updatePaintNode (while the GUI thread is blocked).

#include <QColor>
#include <QQuickItem>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>

#include <vector>

namespace coroscope::widgets {

class Sparkline : public QQuickItem
{
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(QVariantList values READ values WRITE setValues NOTIFY valuesChanged)
    Q_PROPERTY(QColor color READ color WRITE setColor NOTIFY colorChanged)
    Q_PROPERTY(qreal fillOpacity READ fillOpacity WRITE setFillOpacity NOTIFY colorChanged)
    Q_PROPERTY(qreal lineWidth READ lineWidth WRITE setLineWidth NOTIFY lineWidthChanged)
    // Top of the scale; <= 0 means the largest value shown.
    Q_PROPERTY(qreal maximum READ maximum WRITE setMaximum NOTIFY maximumChanged)
    Q_PROPERTY(int vertexCount READ vertexCount NOTIFY valuesChanged)

public:
    explicit Sparkline(QQuickItem *parent = nullptr);

    [[nodiscard]] QVariantList values() const;
    void setValues(const QVariantList &values);
    void setValues(const QList<qreal> &values);
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
    void colorChanged();
    void lineWidthChanged();
    void maximumChanged();

protected:
    QSGNode *updatePaintNode(QSGNode *old, UpdatePaintNodeData *data) override;
    void geometryChange(const QRectF &newGeometry, const QRectF &oldGeometry) override;

private:
    void changed();

    std::vector<float> m_values;
    QColor m_color = QColor(Qt::blue);
    qreal m_fillOpacity = 0.18;
    qreal m_lineWidth = 1.5;
    qreal m_maximum = 0;
    bool m_dirty = true;
    int m_lastVertexCount = 0;
};

} // namespace coroscope::widgets

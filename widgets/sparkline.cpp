#include "sparkline.h"

#include "meshnode.h"

#include <QMetaMethod>
#include <QQmlInfo>

#include <algorithm>
#include <cmath>

namespace coroscope::widgets {

Sparkline::Sparkline(QQuickItem *parent)
    : QQuickItem(parent)
{
    setFlag(ItemHasContents, true);
}

QVariantList Sparkline::values() const
{
    QVariantList out;
    out.reserve(qsizetype(m_values.size()));
    for (const float v : m_values)
        out.append(double(v));
    return out;
}

void Sparkline::setValues(const QVariantList &values)
{
    m_values.clear();
    m_values.reserve(std::size_t(values.size()));
    for (const QVariant &v : values)
        m_values.push_back(float(v.toDouble()));
    Q_EMIT valuesChanged();
    changed();
}

void Sparkline::setValues(const QList<qreal> &values)
{
    m_values.assign(values.begin(), values.end());
    Q_EMIT valuesChanged();
    changed();
}

void Sparkline::setSource(QObject *source)
{
    if (m_source == source)
        return;
    disconnect(m_sourceConnection);
    m_source = source;
    m_seriesSource = dynamic_cast<const SeriesSource *>(source);
    if (source && !m_seriesSource)
        qmlWarning(this) << "source (a " << source->metaObject()->className() << ") does not implement SeriesSource";
    const QMetaObject *meta = source ? source->metaObject() : nullptr;
    if (const int signal = meta ? meta->indexOfSignal("changed()") : -1; signal >= 0 && m_seriesSource) {
        const QMetaMethod slot = metaObject()->method(metaObject()->indexOfSlot("readSource()"));
        m_sourceConnection = connect(source, meta->method(signal), this, slot);
    }
    Q_EMIT sourceChanged();
    if (m_seriesSource)
        readSource();
    else
        setValues(QList<qreal>{});
}

void Sparkline::setSeries(int series)
{
    if (m_series == series)
        return;
    m_series = series;
    Q_EMIT sourceChanged();
    readSource();
}

void Sparkline::readSource()
{
    if (!m_source || !m_seriesSource)
        return;
    m_seriesSource->readSeries(m_series, m_read);
    if (m_read == m_values)
        return;
    m_values.swap(m_read);
    Q_EMIT valuesChanged();
    changed();
}

void Sparkline::setColor(const QColor &c)
{
    if (m_color == c)
        return;
    m_color = c;
    Q_EMIT colorChanged();
    changed();
}

void Sparkline::setFillOpacity(qreal o)
{
    if (qFuzzyCompare(m_fillOpacity, o))
        return;
    m_fillOpacity = o;
    Q_EMIT colorChanged();
    changed();
}

void Sparkline::setLineWidth(qreal w)
{
    if (qFuzzyCompare(m_lineWidth, w))
        return;
    m_lineWidth = w;
    Q_EMIT lineWidthChanged();
    changed();
}

void Sparkline::setMaximum(qreal m)
{
    if (qFuzzyCompare(m_maximum, m))
        return;
    m_maximum = m;
    Q_EMIT maximumChanged();
    changed();
}

void Sparkline::changed()
{
    m_dirty = true;
    update();
}

void Sparkline::geometryChange(const QRectF &newGeometry, const QRectF &oldGeometry)
{
    QQuickItem::geometryChange(newGeometry, oldGeometry);
    if (newGeometry.size() != oldGeometry.size())
        changed();
}

QSGNode *Sparkline::updatePaintNode(QSGNode *old, UpdatePaintNodeData *)
{
    const bool changed = m_dirty;
    if (changed) {
        m_dirty = false;
        buildMesh();
    }
    return updateMeshNode(this, old, m_vertices, m_indices, changed);
}

void Sparkline::buildMesh()
{
    m_vertices.clear();
    m_indices.clear();
    const float w = float(width());
    const float h = float(height());
    // One value per pixel column at most (the column's maximum).
    std::vector<float> pts;
    const int columns = std::max(2, int(w));
    if (int(m_values.size()) > columns) {
        pts.assign(std::size_t(columns), 0.0f);
        for (std::size_t i = 0; i < m_values.size(); ++i) {
            const auto c = std::size_t(i * std::size_t(columns) / m_values.size());
            pts[c] = std::max(pts[c], m_values[i]);
        }
    } else {
        pts = m_values;
    }
    m_lastVertexCount = 0;
    if (pts.size() < 2 || w <= 0 || h <= 0)
        return;

    float top = float(m_maximum);
    if (top <= 0)
        top = *std::max_element(pts.begin(), pts.end());
    if (top <= 0)
        top = 1;
    const float lw = float(std::max<qreal>(0.5, m_lineWidth));
    const float usable = std::max(1.0f, h - lw);
    auto yOf = [&](float v) { return h - lw / 2 - std::clamp(v / top, 0.0f, 1.0f) * usable; };
    auto xOf = [&](std::size_t i) { return float(i) * w / float(pts.size() - 1); };

    const std::size_t segments = pts.size() - 1;
    m_vertices.reserve(segments * 8);
    m_indices.reserve(segments * 12);
    const MeshColour fill = meshColour(m_color, float(m_fillOpacity));
    const MeshColour line = meshColour(m_color);
    for (std::size_t i = 0; i < segments; ++i) { // area first, the line over it
        const float x0 = xOf(i), x1 = xOf(i + 1);
        appendQuad(m_vertices, m_indices, {x0, yOf(pts[i])}, {x1, yOf(pts[i + 1])}, {x0, h}, {x1, h}, fill);
    }
    for (std::size_t i = 0; i < segments; ++i) {
        const float x0 = xOf(i), x1 = xOf(i + 1);
        const float y0 = yOf(pts[i]), y1 = yOf(pts[i + 1]);
        const float dx = x1 - x0, dy = y1 - y0;
        const float len = std::max(1e-3f, std::sqrt(dx * dx + dy * dy));
        const float nx = -dy / len * lw / 2, ny = dx / len * lw / 2;
        appendQuad(m_vertices, m_indices, {x0 + nx, y0 + ny}, {x1 + nx, y1 + ny}, {x0 - nx, y0 - ny}, {x1 - nx, y1 - ny},
                   line);
    }
    m_lastVertexCount = int(m_vertices.size());
}

} // namespace coroscope::widgets

#include "meshnode.h"

#include <QPainter>
#include <QQuickItem>
#include <QQuickWindow>
#include <QSGGeometryNode>
#include <QSGRenderNode>
#include <QSGRendererInterface>
#include <QSGVertexColorMaterial>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace coroscope::widgets {

namespace {

// Qt's raster engine hands a blend of 96 rows or more (any fill that is clipped or
// translucent, as every fill in the software renderer's clipped repaint is) to its GUI
// thread pool in slices of 64 rows, and waits for them. For a grid line one pixel wide
// the hand-over costs more than the pixels; on two cores, beside a busy loop thread,
// each slice also wakes a pool thread that takes the GUI thread's core (thousands of
// preemptions a million run). Fills are made in bands small enough to stay on this
// thread.
constexpr int kSerialFillRows = 95;

QSGGeometryNode *makeGeometryNode()
{
    auto *node = new QSGGeometryNode;
    auto *geometry = new QSGGeometry(QSGGeometry::defaultAttributes_ColoredPoint2D(), 0, 0, QSGGeometry::UnsignedIntType);
    geometry->setDrawingMode(QSGGeometry::DrawTriangles);
    geometry->setVertexDataPattern(QSGGeometry::StreamPattern);
    geometry->setIndexDataPattern(QSGGeometry::StreamPattern);
    node->setGeometry(geometry);
    node->setFlag(QSGNode::OwnsGeometry);
    node->setMaterial(new QSGVertexColorMaterial);
    node->setFlag(QSGNode::OwnsMaterial);
    return node;
}

void copyInto(QSGGeometryNode *node, std::span<const MeshVertex> vertices, std::span<const quint32> indices)
{
    QSGGeometry *geometry = node->geometry();
    geometry->allocate(int(vertices.size()), int(indices.size()));
    if (!vertices.empty())
        std::memcpy(geometry->vertexData(), vertices.data(), vertices.size_bytes());
    if (!indices.empty())
        std::memcpy(geometry->indexData(), indices.data(), indices.size_bytes());
    node->markDirty(QSGNode::DirtyGeometry);
}

// The mesh as QPainter calls, worked out once per change rather than once per paint.
class PaintedMeshNode final : public QSGRenderNode
{
public:
    explicit PaintedMeshNode(QQuickWindow *window)
        : m_window(window)
    {
    }

    void setMesh(std::span<const MeshVertex> v, std::span<const quint32> idx)
    {
        m_shapes.clear();
        QRectF bounds;
        const auto colour = [](const MeshVertex &p) { return qUnpremultiply(qRgba(p.r, p.g, p.b, p.a)); };
        const auto point = [&](quint32 i) { return QPointF(v[i].x, v[i].y); };
        const auto sameColour = [&](quint32 a, quint32 b) { return std::memcmp(&v[a].r, &v[b].r, 4) == 0; };
        std::size_t k = 0;
        for (; k + 6 <= idx.size(); k += 6) {
            // Two triangles (p q r) (q s r) sharing the edge q-r: the quad p q s r, as
            // appendQuad() writes it.
            const quint32 p = idx[k], q = idx[k + 1], r = idx[k + 2], s = idx[k + 4];
            if (idx[k + 3] != q || idx[k + 5] != r)
                break;
            if (v[p].y == v[q].y && v[r].y == v[s].y && v[p].x == v[r].x && v[q].x == v[s].x && sameColour(p, q)
                && sameColour(p, r) && sameColour(p, s)) {
                const QRectF rect = QRectF(point(p), point(s)).normalized();
                m_shapes.push_back({{rect.topLeft(), rect.bottomRight(), {}, {}}, 0, colour(v[p])});
                bounds |= rect;
            } else {
                m_shapes.push_back({{point(p), point(q), point(s), point(r)}, 4, colour(v[p])});
                bounds |= QPolygonF({point(p), point(q), point(s), point(r)}).boundingRect();
            }
        }
        for (; k + 3 <= idx.size(); k += 3) {
            m_shapes.push_back({{point(idx[k]), point(idx[k + 1]), point(idx[k + 2]), {}}, 3, colour(v[idx[k]])});
            bounds |= QPolygonF({point(idx[k]), point(idx[k + 1]), point(idx[k + 2])}).boundingRect();
        }
        // A pixel around it: antialiased polygon edges reach past their exact bounds.
        m_bounds = bounds.adjusted(-1, -1, 1, 1);
        markDirty(QSGNode::DirtyMaterial);
    }

    void render(const RenderState *state) override
    {
        QPainter *painter = beginSoftwarePaint(m_window, *this, state);
        if (!painter)
            return;
        // Rectangles are snapped to pixels the way the GPU rasterises them (a pixel is
        // covered when its centre is), so that abutting ones leave no seam between
        // them: that needs device coordinates, known when the item is only moved.
        const QTransform transform = matrix()->toTransform();
        const bool moved = transform.type() <= QTransform::TxTranslate;
        const QPointF offset = moved ? QPointF(transform.dx(), transform.dy()) : QPointF();
        if (!moved)
            painter->setTransform(transform);
        painter->setPen(Qt::NoPen);
        const auto pixel = [](qreal edge) { return int(std::ceil(edge - 0.5)); };
        for (const Shape &shape : m_shapes) { // in the mesh's order: later ones paint over
            const QColor colour = QColor::fromRgba(shape.colour);
            if (shape.count == 0 && moved) {
                const QPointF a = shape.points[0] + offset, b = shape.points[1] + offset;
                const int left = pixel(a.x()), top = pixel(a.y()), right = pixel(b.x()), bottom = pixel(b.y());
                for (int y = top; y < bottom; y += kSerialFillRows)
                    painter->fillRect(QRect(left, y, right - left, std::min(kSerialFillRows, bottom - y)), colour);
            } else if (shape.count == 0) {
                painter->fillRect(QRectF(shape.points[0], shape.points[1]), colour);
            } else {
                QPointF points[4];
                for (int i = 0; i < shape.count; ++i)
                    points[i] = shape.points[i] + offset;
                painter->setRenderHint(QPainter::Antialiasing);
                painter->setBrush(colour);
                painter->drawConvexPolygon(points, shape.count);
                painter->setRenderHint(QPainter::Antialiasing, false);
            }
        }
        painter->restore();
    }

    [[nodiscard]] StateFlags changedStates() const override { return {}; }
    [[nodiscard]] RenderingFlags flags() const override { return BoundedRectRendering; }
    [[nodiscard]] QRectF rect() const override { return m_bounds; }

private:
    struct Shape
    {
        QPointF points[4]; // count 0: a rectangle from points[0] to points[1]
        int count;
        QRgb colour;
    };
    QQuickWindow *m_window;
    std::vector<Shape> m_shapes;
    QRectF m_bounds;
};

} // namespace

QPainter *beginSoftwarePaint(QQuickWindow *window, const QSGRenderNode &node, const QSGRenderNode::RenderState *state)
{
    auto *painter = static_cast<QPainter *>(
        window->rendererInterface()->getResource(window, QSGRendererInterface::PainterResource));
    if (!painter)
        return nullptr;
    painter->save();
    if (const QRegion *clip = state->clipRegion(); clip && !clip->isEmpty())
        painter->setClipRegion(*clip, Qt::IntersectClip);
    painter->setOpacity(node.inheritedOpacity());
    return painter;
}

MeshColour meshColour(const QColor &c, float opacity)
{
    const float a = float(c.alphaF()) * opacity;
    const auto byte = [](float v) { return static_cast<unsigned char>(std::lround(v * 255)); };
    return {byte(float(c.redF()) * a), byte(float(c.greenF()) * a), byte(float(c.blueF()) * a), byte(a)};
}

void appendQuad(std::vector<MeshVertex> &vertices, std::vector<quint32> &indices, QPointF a, QPointF b,
                QPointF c, QPointF d, const MeshColour &colour)
{
    const auto base = quint32(vertices.size());
    for (const QPointF &p : {a, b, c, d})
        vertices.push_back({float(p.x()), float(p.y()), colour[0], colour[1], colour[2], colour[3]});
    for (const quint32 k : {0u, 1u, 2u, 1u, 3u, 2u})
        indices.push_back(base + k);
}

QSGNode *updateMeshNode(QQuickItem *item, QSGNode *old, std::span<const MeshVertex> vertices,
                        std::span<const quint32> indices, bool changed)
{
    QQuickWindow *window = item->window();
    if (window->rendererInterface()->graphicsApi() == QSGRendererInterface::Software) {
        auto *node = static_cast<PaintedMeshNode *>(old);
        if (!node) {
            node = new PaintedMeshNode(window);
            changed = true;
        }
        if (changed)
            node->setMesh(vertices, indices);
        return node;
    }
    auto *node = static_cast<QSGGeometryNode *>(old);
    if (!node) {
        node = makeGeometryNode();
        changed = true;
    }
    if (changed)
        copyInto(node, vertices, indices);
    return node;
}

} // namespace coroscope::widgets

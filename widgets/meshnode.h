#pragma once

// Coloured triangles as a scene-graph node, whichever renderer draws the window.
//
// TaskTimeline and Sparkline describe what they draw as one indexed triangle mesh
// with premultiplied vertex colours. Under the RHI renderers (OpenGL, Vulkan, ...)
// that becomes a QSGGeometryNode with QSGVertexColorMaterial. Qt Quick's software
// renderer cannot draw geometry nodes (they are silently skipped), so there the mesh
// is painted with QPainter by a QSGRenderNode: every two triangles that make an
// axis-aligned single-colour quad (all TaskTimeline draws) become one fillRect, any
// other quad or triangle a convex polygon in its first vertex's colour. The software
// renderer repaints only the node's bounds, and only when the mesh changed or
// something over or under it did.
//
// Threading: updateMeshNode() is called from QQuickItem::updatePaintNode() (GUI
// thread blocked); the node keeps its own copy of what it draws.

#include <QColor>
#include <QSGGeometry>
#include <QSGRenderNode>

#include <array>
#include <span>
#include <vector>

class QPainter;
class QQuickItem;
class QQuickWindow;
class QSGNode;

namespace coroscope::widgets {

using MeshVertex = QSGGeometry::ColoredPoint2D;
using MeshColour = std::array<unsigned char, 4>; // premultiplied r, g, b, a

// `c` at `opacity` (times its own alpha), premultiplied, as a vertex colour.
[[nodiscard]] MeshColour meshColour(const QColor &c, float opacity = 1.0f);

// Appends the quad whose corners are a, b on one edge and c, d on the opposite one (c
// across from a), as the triangles (a b c) (b d c): the layout updateMeshNode()'s
// painter reads back (an axis-aligned single-colour quad becomes one fillRect).
void appendQuad(std::vector<MeshVertex> &vertices, std::vector<quint32> &indices, QPointF a, QPointF b,
                QPointF c, QPointF d, const MeshColour &colour);

// Returns the node for `item` to return from updatePaintNode(): `old` (made by an
// earlier call for the same item) or a new one. The mesh is copied only when
// `changed` is true or the node is new.
[[nodiscard]] QSGNode *updateMeshNode(QQuickItem *item, QSGNode *old, std::span<const MeshVertex> vertices,
                                      std::span<const quint32> indices, bool changed);

// For a QSGRenderNode's render() under the software renderer: the window's painter,
// saved, its clip (the region the renderer repaints) narrowed to the node's clip region
// (window coordinates, so set before any transform) and at the node's inherited
// opacity; null under other renderers. The caller sets its transform, paints, and
// restores the painter. The renderer's clip is narrowed, not replaced: replacing it
// would let a node paint its whole area when a little of it is to be repainted, over
// items above it that are not repainted (a stall mark over its lane's label).
[[nodiscard]] QPainter *beginSoftwarePaint(QQuickWindow *window, const QSGRenderNode &node,
                                           const QSGRenderNode::RenderState *state);

} // namespace coroscope::widgets

#include "taskrowcells.h"

#include "numberformat.h"
#include "tasktablestyle.h"
#include "widgets/meshnode.h"

#include <QAccessible>
#include <QFontMetricsF>
#include <QPainter>
#include <QQuickWindow>
#include <QSGImageNode>
#include <QSGRenderNode>
#include <QSGRendererInterface>

#include <algorithm>

namespace coroscope::qml {

// ---- TaskTableStyle ---------------------------------------------------------------

void TaskTableStyle::setColumns(const QVariantList &columns)
{
    m_columnList = columns;
    m_columns.clear();
    for (const QVariant &c : columns) {
        const QVariantMap spec = c.toMap();
        m_columns.push_back({spec.value(QStringLiteral("role")).toString().toUtf8(),
                             spec.value(QStringLiteral("width")).toReal()});
    }
    Q_EMIT changed();
}

QColor TaskTableStyle::stateColor(const QString &name) const
{
    const qsizetype i = m_stateNames.indexOf(name);
    return i >= 0 && i < m_stateColors.size() ? m_stateColors.at(i) : m_mutedText;
}

QStaticText TaskTableStyle::laidOut(const QString &text, const QFont &font, qreal room, bool elide) const
{
    // A table's repeated texts are few; its unique ones (names, ids, durations) would
    // grow the cache without bound, so it starts over when full.
    constexpr qsizetype kMostLaidOut = 4096;
    LayoutKey key{text, font, room, elide};
    if (const auto it = m_laidOut.constFind(key); it != m_laidOut.cend())
        return it.value();
    const QString shown = elide ? QFontMetricsF(font).elidedText(text, Qt::ElideRight, room) : text;
    QStaticText laid(shown.isNull() ? QStringLiteral("") : shown);
    laid.setTextFormat(Qt::PlainText);
    laid.prepare(QTransform(), font);
    if (m_laidOut.size() >= kMostLaidOut)
        m_laidOut.clear();
    m_laidOut.insert(std::move(key), laid);
    return laid;
}

QString TaskTableStyle::stateGlyph(const QString &name) const
{
    const qsizetype i = m_stateNames.indexOf(name);
    return i >= 0 && i < m_stateGlyphs.size() ? m_stateGlyphs.at(i) : QStringLiteral("?");
}

// ---- TaskRowCells -----------------------------------------------------------------

namespace {

// One line of plain text: a result's line breaks (and tabs) read as spaces.
QString oneLine(QString text)
{
    for (QChar &c : text) {
        if (c == u'\n' || c == u'\r' || c == u'\t' || c == QChar::LineSeparator || c == QChar::ParagraphSeparator)
            c = u' ';
    }
    return text;
}

} // namespace

TaskRowCells::TaskRowCells(QQuickItem *parent) : QQuickItem(parent)
{
    setFlag(ItemHasContents);
    QAccessible::installActivationObserver(this);
}

TaskRowCells::~TaskRowCells()
{
    QAccessible::removeActivationObserver(this);
}

void TaskRowCells::accessibilityActiveChanged(bool active)
{
    m_accessible = active;
    Q_EMIT accessibleTextChanged();
}

void TaskRowCells::setModel(QAbstractItemModel *model)
{
    if (m_model == model)
        return;
    m_model = model;
    connectModel();
    rebuildColumns();
    Q_EMIT modelChanged();
}

void TaskRowCells::setRow(int row)
{
    if (m_row == row)
        return;
    const bool parityChanged = (m_row & 1) != (row & 1);
    m_row = row;
    stale(kAllColumns);
    if (parityChanged)
        update();
    Q_EMIT rowChanged();
}

void TaskRowCells::setTableStyle(TaskTableStyle *style)
{
    if (m_style == style)
        return;
    if (m_style)
        disconnect(m_style, nullptr, this, nullptr);
    m_style = style;
    if (m_style)
        connect(m_style, &TaskTableStyle::changed, this, &TaskRowCells::rebuildColumns);
    rebuildColumns();
    Q_EMIT tableStyleChanged();
}

void TaskRowCells::setSelected(bool selected)
{
    if (m_selected == selected)
        return;
    m_selected = selected;
    update();
    Q_EMIT selectedChanged();
}

void TaskRowCells::setHovered(bool hovered)
{
    if (m_hovered == hovered)
        return;
    m_hovered = hovered;
    update();
    Q_EMIT hoveredChanged();
}

QString TaskRowCells::accessibleText() const
{
    if (!m_accessible)
        return {};
    QStringList parts;
    for (const Cell &cell : m_cells) {
        if (!cell.value.isEmpty())
            parts.append(cell.value);
    }
    return parts.join(QStringLiteral(", "));
}

QString TaskRowCells::shownText(int column) const
{
    return column >= 0 && column < int(m_cells.size()) ? m_cells[std::size_t(column)].text.text() : QString();
}

void TaskRowCells::connectModel()
{
    for (const QMetaObject::Connection &c : std::as_const(m_modelConnections))
        disconnect(c);
    m_modelConnections.clear();
    if (!m_model)
        return;
    QAbstractItemModel *model = m_model;
    const auto all = [this] { stale(kAllColumns); };
    // Rows inserted or removed at or before this one shift what it shows (the view
    // usually gives the delegate its new index as well; then this costs nothing more).
    const auto shifted = [this](const QModelIndex &, int first, int) {
        if (first <= m_row)
            stale(kAllColumns);
    };
    m_modelConnections = {
        connect(model, &QAbstractItemModel::dataChanged, this,
                [this](const QModelIndex &topLeft, const QModelIndex &bottomRight, const QList<int> &roles) {
                    if (m_row >= topLeft.row() && m_row <= bottomRight.row())
                        staleRoles(roles);
                }),
        connect(model, &QAbstractItemModel::rowsInserted, this, shifted),
        connect(model, &QAbstractItemModel::rowsRemoved, this, shifted),
        connect(model, &QAbstractItemModel::rowsMoved, this, all),
        connect(model, &QAbstractItemModel::layoutChanged, this, all),
        connect(model, &QAbstractItemModel::modelReset, this, all),
    };
}

void TaskRowCells::rebuildColumns()
{
    const QAbstractItemModel *model = m_model.data();
    const QHash<int, QByteArray> names = model ? model->roleNames() : QHash<int, QByteArray>();
    const auto roleOf = [&names](const char *name) { return names.key(QByteArray(name), 0); };
    m_stateRole = roleOf("state");
    m_runRole = roleOf("run");

    static const QHash<QByteArray, TaskRowCells::Kind> kinds{
        {"runId", Kind::Run},           {"taskId", Kind::Id},          {"name", Kind::Text},
        {"op", Kind::Muted},            {"state", Kind::State},        {"loop", Kind::Muted},
        {"awaiting", Kind::Text},       {"startedMs", Kind::Time},     {"durationMs", Kind::Duration},
        {"resultText", Kind::Result},   {"cancelReason", Kind::Reason},
    };
    m_cells.clear();
    if (const TaskTableStyle *style = m_style.data()) {
        qreal x = 0;
        for (const TaskTableStyle::Column &column : style->m_columns) {
            Cell cell;
            cell.kind = kinds.value(column.role, Kind::Text);
            cell.role = names.key(column.role, 0);
            cell.font = fontOf(*style, cell.kind);
            cell.glyphFont = cell.font;
            cell.glyphFont.setBold(true);
            cell.x = x;
            cell.width = column.width;
            m_cells.push_back(std::move(cell));
            x += column.width;
        }
    }
    stale(kAllColumns);
    update();
}

void TaskRowCells::stale(std::uint64_t columns)
{
    const bool first = m_stale == 0;
    m_stale |= columns;
    if (first)
        polish();
}

void TaskRowCells::staleRoles(const QList<int> &roles)
{
    if (roles.isEmpty() || roles.contains(m_stateRole)) {
        stale(kAllColumns); // a state change recolours cells of other roles too
        return;
    }
    std::uint64_t columns = 0;
    for (std::size_t i = 0; i < m_cells.size() && i < 64; ++i) {
        if (roles.contains(m_cells[i].role))
            columns |= std::uint64_t(1) << i;
    }
    if (columns != 0)
        stale(columns);
}

bool TaskRowCells::hasRow() const
{
    const QAbstractItemModel *model = m_model.data();
    return model && m_row >= 0 && m_row < model->rowCount();
}

QVariant TaskRowCells::value(int role) const
{
    const QAbstractItemModel *model = m_model.data();
    if (!model || role == 0 || m_row < 0 || m_row >= model->rowCount())
        return {};
    return model->data(model->index(m_row, 0), role);
}

const QFont &TaskRowCells::fontOf(const TaskTableStyle &style, Kind kind)
{
    switch (kind) {
    case Kind::Id:
    case Kind::Time:
    case Kind::Duration: return style.m_monoFont;
    case Kind::Run:
    case Kind::State: return style.m_smallFont;
    default: return style.m_font;
    }
}

QColor TaskRowCells::colourOf(const TaskTableStyle &style, Kind kind, const QString &state)
{
    switch (kind) {
    case Kind::Run:
    case Kind::Id:
    case Kind::Muted:
    case Kind::Time: return style.m_mutedText;
    case Kind::Text: return style.m_text;
    case Kind::Duration: return state == u"running" ? style.stateColor(state) : style.m_text;
    case Kind::Result: return state == u"failed" ? style.stateColor(state) : style.m_text;
    case Kind::Reason: return style.stateColor(QStringLiteral("cancelled"));
    case Kind::State: return style.stateColor(state);
    }
    return style.m_text;
}

// Re-reads `cell`; true if what it shows changed.
bool TaskRowCells::refresh(const TaskTableStyle &style, Cell &cell, const QString &state) const
{
    QString text;
    switch (cell.kind) {
    case Kind::Run: {
        const QVariant runId = value(cell.role);
        if (runId.isValid())
            text = NumberFormat::runText(runId.toInt(), value(m_runRole).toString());
        break;
    }
    case Kind::Time:
    case Kind::Duration: {
        const QVariant ms = value(cell.role);
        if (hasRow())
            text = NumberFormat::timeText(ms.isValid() ? ms.toDouble() : -1); // none reads "—"
        break;
    }
    case Kind::State: text = state; break;
    default: text = oneLine(value(cell.role).toString()); break;
    }
    const QColor colour = colourOf(style, cell.kind, state);
    if (text == cell.value && colour == cell.colour && !cell.text.text().isNull())
        return false;
    cell.value = text;
    cell.colour = colour;

    const qreal room = std::max<qreal>(0, cell.width - 2 * style.m_padding);
    cell.text = style.laidOut(text, cell.font, room, cell.kind != Kind::State);
    if (cell.kind == Kind::State)
        cell.glyph = style.laidOut(style.stateGlyph(state), cell.glyphFont, 0, false);
    return true;
}

void TaskRowCells::updatePolish()
{
    const std::uint64_t stale = std::exchange(m_stale, 0);
    const TaskTableStyle *style = m_style.data();
    if (!style || m_cells.empty())
        return;
    if (stale == kAllColumns) { // the state changed, or may have
        const QString state = value(m_stateRole).toString();
        if (state != m_state) {
            m_state = state;
            Q_EMIT taskStateChanged();
        }
    }
    bool dirty = false;
    for (std::size_t i = 0; i < m_cells.size(); ++i) {
        if (i < 64 && (stale & (std::uint64_t(1) << i)) == 0)
            continue;
        Cell &cell = m_cells[i];
        dirty = refresh(*style, cell, m_state) || dirty;
    }
    if (dirty) {
        update();
        if (m_accessible)
            Q_EMIT accessibleTextChanged();
    }
}

void TaskRowCells::geometryChange(const QRectF &newGeometry, const QRectF &oldGeometry)
{
    QQuickItem::geometryChange(newGeometry, oldGeometry);
    if (newGeometry.size() != oldGeometry.size())
        update();
}

TaskRowCells::Picture TaskRowCells::picture() const
{
    Picture picture;
    const TaskTableStyle *style = m_style.data();
    if (!style)
        return picture;
    picture.cells = m_cells;
    picture.background = m_selected  ? style->m_selection
                         : m_hovered ? style->m_hover
                                     : ((m_row & 1) != 0 ? style->m_alternateBase : style->m_base);
    picture.size = size();
    picture.padding = style->m_padding;
    picture.badgeHeight = style->m_badgeHeight;
    picture.badgeSpacing = style->m_badgeSpacing;
    picture.badgeTint = style->m_badgeTint;
    return picture;
}

void TaskRowCells::Picture::paintBadge(QPainter *painter, const Cell &cell) const
{
    if (cell.value.isEmpty())
        return;
    const QSizeF glyph = cell.glyph.size();
    const QSizeF name = cell.text.size();
    const QRectF pill(cell.x + padding, (size.height() - badgeHeight) / 2,
                      glyph.width() + badgeSpacing + name.width() + 2 * padding, badgeHeight);
    QColor tint = cell.colour;
    tint.setAlphaF(float(badgeTint));
    painter->setPen(Qt::NoPen);
    painter->setBrush(tint);
    painter->setRenderHint(QPainter::Antialiasing);
    painter->drawRoundedRect(pill, badgeHeight / 2, badgeHeight / 2);
    painter->setRenderHint(QPainter::Antialiasing, false);
    painter->setPen(cell.colour);
    const qreal left = pill.x() + padding;
    // A static text is drawn as laid out only in the font it was prepared with.
    painter->setFont(cell.glyphFont);
    painter->drawStaticText(QPointF(left, pill.center().y() - glyph.height() / 2), cell.glyph);
    painter->setFont(cell.font);
    painter->drawStaticText(QPointF(left + glyph.width() + badgeSpacing, pill.center().y() - name.height() / 2),
                            cell.text);
}

void TaskRowCells::Picture::paint(QPainter *painter) const
{
    painter->fillRect(QRectF(QPointF(0, 0), size), background);
    for (const Cell &cell : cells) {
        if (cell.kind == Kind::State) {
            paintBadge(painter, cell);
            continue;
        }
        // Elided to the cell already: no clip needed.
        painter->setFont(cell.font);
        painter->setPen(cell.colour);
        painter->drawStaticText(QPointF(cell.x + padding, (size.height() - cell.text.size().height()) / 2), cell.text);
    }
}

void TaskRowCells::paint(QPainter *painter) const
{
    picture().paint(painter);
}

// The software renderer's node: paints the picture straight into the window, and only
// when the renderer repaints the row's place (it changed, or something over it did).
class TaskRowCells::SoftwareNode final : public QSGRenderNode
{
public:
    explicit SoftwareNode(QQuickWindow *window) : m_window(window) {}

    void setPicture(Picture picture)
    {
        m_picture = std::move(picture);
        markDirty(QSGNode::DirtyMaterial);
    }

    void render(const RenderState *state) override
    {
        QPainter *painter = widgets::beginSoftwarePaint(m_window, *this, state); // clipped to the table
        if (!painter)
            return;
        painter->setTransform(matrix()->toTransform());
        m_picture.paint(painter);
        painter->restore();
    }

    [[nodiscard]] StateFlags changedStates() const override { return {}; }
    // Not OpaqueRendering: a row half scrolled out of the table is clipped, and what
    // lies below its clipped part must still be painted.
    [[nodiscard]] RenderingFlags flags() const override { return BoundedRectRendering; }
    [[nodiscard]] QRectF rect() const override { return {QPointF(0, 0), m_picture.size}; }

private:
    QQuickWindow *m_window;
    Picture m_picture;
};

QSGNode *TaskRowCells::updatePaintNode(QSGNode *old, UpdatePaintNodeData *)
{
    QQuickWindow *w = window();
    if (!w || width() <= 0 || height() <= 0) {
        delete old;
        return nullptr;
    }
    if (w->rendererInterface()->graphicsApi() == QSGRendererInterface::Software) {
        auto *node = static_cast<SoftwareNode *>(old);
        if (!node)
            node = new SoftwareNode(w);
        node->setPicture(picture());
        return node;
    }
    // GPU: the row painted into an image, uploaded as the node's texture.
    auto *node = static_cast<QSGImageNode *>(old);
    if (!node) {
        node = w->createImageNode();
        node->setOwnsTexture(true);
    }
    const qreal dpr = w->effectiveDevicePixelRatio();
    QImage image((size() * dpr).toSize(), QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(dpr);
    {
        QPainter painter(&image);
        paint(&painter);
    }
    node->setTexture(w->createTextureFromImage(image));
    node->setRect(boundingRect());
    return node;
}

} // namespace coroscope::qml

#pragma once

// TaskRowCells: one row of the live task table (its background and every cell), painted
// by one item from its row of the model.
//
// The table shows a screenful of rows, and a session's first launch creates them in one
// frame. As a Row of Text items (eleven cells and a three-item state badge) a row would
// be 17 items: their creation and bindings take ~20 ms of that frame, the longest of a
// million-task run. And every tick would write each changed role into the row's string
// properties, JavaScript strings whose garbage collections (stop-the-world) make the
// longest model ticks. So a row is one item that reads its row in C++: when the model
// says it changed, only the roles it names, once per frame however often it was told;
// each cell keeps its laid-out (elided) text, and only the cells whose text changed are
// repainted.
//
// What each column shows is decided here by its role: times as NumberFormat::time, the
// state as a tinted badge, "runId" as the run ("#2 gather-basics"), colours by state
// (a running task's duration, a failed task's error). Which columns, their widths, the
// fonts and the colours come from a TaskTableStyle. Text is plain and on one line (line
// breaks of a result read as spaces), elided at the cell's edge.
//
// Drawing: with Qt Quick's software renderer, a render node paints the row straight
// into the window (a QQuickPaintedItem would paint into an image of its own, and copy
// the whole image before every repaint: half of the first frame's sync); with the GPU
// renderers the row is painted into an image that becomes the node's texture.
//
// Threading: GUI thread; at sync the node takes a copy of what it paints (the strings
// and laid-out texts are shared, not copied). Cost: per change, a data() per changed
// role and a text layout per changed cell whose text, font and width no row laid out
// before (TaskTableStyle::laidOut); a repaint is the row's eleven texts.

#include "tasktablestyle.h"

#include <QAbstractItemModel>
#include <QAccessible>
#include <QColor>
#include <QFont>
#include <QPointer>
#include <QQuickItem>
#include <QStaticText>
#include <QtQml/qqmlregistration.h>

#include <cstdint>
#include <vector>

namespace coroscope::qml {

class TaskRowCells : public QQuickItem, private QAccessible::ActivationObserver
{
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(QAbstractItemModel *model READ model WRITE setModel NOTIFY modelChanged FINAL)
    Q_PROPERTY(int row READ row WRITE setRow NOTIFY rowChanged FINAL)
    Q_PROPERTY(coroscope::qml::TaskTableStyle *tableStyle READ tableStyle WRITE setTableStyle NOTIFY tableStyleChanged FINAL)
    Q_PROPERTY(bool selected READ selected WRITE setSelected NOTIFY selectedChanged FINAL)
    Q_PROPERTY(bool hovered READ hovered WRITE setHovered NOTIFY hoveredChanged FINAL)
    // The row's task state ("running", ...); empty while the row is out of range.
    Q_PROPERTY(QString taskState READ taskState NOTIFY taskStateChanged FINAL)
    // The cells' text in column order, for assistive technology; empty (and not kept
    // up to date) while none is active, so a tick builds no string for it.
    Q_PROPERTY(QString accessibleText READ accessibleText NOTIFY accessibleTextChanged FINAL)

public:
    explicit TaskRowCells(QQuickItem *parent = nullptr);
    ~TaskRowCells() override;

    [[nodiscard]] QAbstractItemModel *model() const { return m_model; }
    void setModel(QAbstractItemModel *model);
    [[nodiscard]] int row() const noexcept { return m_row; }
    void setRow(int row);
    [[nodiscard]] TaskTableStyle *tableStyle() const { return m_style; }
    void setTableStyle(TaskTableStyle *style);
    [[nodiscard]] bool selected() const noexcept { return m_selected; }
    void setSelected(bool selected);
    [[nodiscard]] bool hovered() const noexcept { return m_hovered; }
    void setHovered(bool hovered);
    [[nodiscard]] QString taskState() const { return m_state; }
    [[nodiscard]] QString accessibleText() const;

    // The columns, and the text cell `column` shows (elided as drawn; the state's name
    // for the badge); for tests.
    [[nodiscard]] int columnCount() const noexcept { return int(m_cells.size()); }
    [[nodiscard]] QString shownText(int column) const;

    // Paints the row at (0, 0) as its node draws it (tests read it back).
    void paint(QPainter *painter) const;

Q_SIGNALS:
    void modelChanged();
    void rowChanged();
    void tableStyleChanged();
    void selectedChanged();
    void hoveredChanged();
    void taskStateChanged();
    void accessibleTextChanged();

protected:
    void updatePolish() override;
    void geometryChange(const QRectF &newGeometry, const QRectF &oldGeometry) override;
    QSGNode *updatePaintNode(QSGNode *old, UpdatePaintNodeData *data) override;

private:
    // An assistive technology came or went: accessibleText now reads otherwise.
    void accessibilityActiveChanged(bool active) override;

    enum class Kind : std::uint8_t { Run, Id, Text, Muted, Time, Duration, State, Result, Reason };
    struct Cell {
        Kind kind = Kind::Text;
        int role = 0;       // the model's role id; 0 if the model has none of that name
        QString value;      // what the cell says, before elision
        QColor colour;
        QFont font;         // the style's font for this kind of cell
        QStaticText text;   // `value` elided to the cell, laid out in `font`
        QFont glyphFont;    // the state badge's glyph: `font`, bold
        QStaticText glyph;
        qreal x = 0;
        qreal width = 0;
    };
    // What the row paints, copied into its node at sync.
    struct Picture {
        std::vector<Cell> cells;
        QColor background;
        QSizeF size;
        qreal padding = 0;
        qreal badgeHeight = 0;
        qreal badgeSpacing = 0;
        qreal badgeTint = 0;

        void paint(QPainter *painter) const;
        void paintBadge(QPainter *painter, const Cell &cell) const;
    };
    class SoftwareNode;
    static constexpr std::uint64_t kAllColumns = ~std::uint64_t(0);

    void rebuildColumns();
    void connectModel();
    void stale(std::uint64_t columns);
    void staleRoles(const QList<int> &roles);
    [[nodiscard]] bool refresh(const TaskTableStyle &style, Cell &cell, const QString &state) const;
    [[nodiscard]] bool hasRow() const;
    [[nodiscard]] QVariant value(int role) const;
    [[nodiscard]] static QColor colourOf(const TaskTableStyle &style, Kind kind, const QString &state);
    [[nodiscard]] static const QFont &fontOf(const TaskTableStyle &style, Kind kind);
    [[nodiscard]] Picture picture() const;

    QPointer<QAbstractItemModel> m_model;
    QPointer<TaskTableStyle> m_style;
    QList<QMetaObject::Connection> m_modelConnections;
    int m_row = -1;
    int m_stateRole = 0;
    int m_runRole = 0;
    bool m_selected = false;
    bool m_hovered = false;
    bool m_accessible = QAccessible::isActive(); // an assistive technology listens
    QString m_state;
    std::vector<Cell> m_cells;
    std::uint64_t m_stale = 0; // columns to re-read at the next polish
};

} // namespace coroscope::qml

#pragma once

// TaskTableStyle: how the task table's rows look, for TaskRowCells, which paints them in
// C++. One instance per table, its properties bound to the Theme (no colour or size is
// chosen here), shared by every row: a row binds one pointer instead of a score of
// tokens.
//
// columns: [{role: "runId", width: 150}, ...], the cells from left to right (the same
// list the header shows). stateNames, stateColors and stateGlyphs are parallel lists
// (Theme.stateNames and its colour and glyph for each).
//
// Threading: GUI thread. Cost: `changed` makes every row re-read and repaint itself.

#include <QColor>
#include <QFont>
#include <QHash>
#include <QStaticText>
#include <QList>
#include <QObject>
#include <QStringList>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>

#include <vector>

namespace coroscope::qml {

class TaskTableStyle : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(QVariantList columns READ columns WRITE setColumns NOTIFY changed FINAL)
    Q_PROPERTY(QFont font MEMBER m_font NOTIFY changed FINAL) // names, ops, results; the app's by default
    Q_PROPERTY(QFont smallFont MEMBER m_smallFont NOTIFY changed FINAL) // the run, the badge
    Q_PROPERTY(QFont monoFont MEMBER m_monoFont NOTIFY changed FINAL)   // ids and times
    Q_PROPERTY(QColor text MEMBER m_text NOTIFY changed FINAL)
    Q_PROPERTY(QColor mutedText MEMBER m_mutedText NOTIFY changed FINAL)
    Q_PROPERTY(QColor base MEMBER m_base NOTIFY changed FINAL)
    Q_PROPERTY(QColor alternateBase MEMBER m_alternateBase NOTIFY changed FINAL)
    Q_PROPERTY(QColor hover MEMBER m_hover NOTIFY changed FINAL)
    Q_PROPERTY(QColor selection MEMBER m_selection NOTIFY changed FINAL)
    Q_PROPERTY(QStringList stateNames MEMBER m_stateNames NOTIFY changed FINAL)
    Q_PROPERTY(QList<QColor> stateColors MEMBER m_stateColors NOTIFY changed FINAL)
    Q_PROPERTY(QStringList stateGlyphs MEMBER m_stateGlyphs NOTIFY changed FINAL)
    Q_PROPERTY(qreal padding MEMBER m_padding NOTIFY changed FINAL)        // before a cell's text
    Q_PROPERTY(qreal badgeHeight MEMBER m_badgeHeight NOTIFY changed FINAL)
    Q_PROPERTY(qreal badgeSpacing MEMBER m_badgeSpacing NOTIFY changed FINAL) // glyph to name
    Q_PROPERTY(qreal badgeTint MEMBER m_badgeTint NOTIFY changed FINAL)     // the pill's alpha

public:
    struct Column {
        QByteArray role;
        qreal width = 0;
    };

    explicit TaskTableStyle(QObject *parent = nullptr) : QObject(parent) {}

    [[nodiscard]] QVariantList columns() const { return m_columnList; }
    void setColumns(const QVariantList &columns);
    [[nodiscard]] const std::vector<Column> &columnSpecs() const noexcept { return m_columns; }

    // The colour of the state `name`; the muted text colour for a name not in stateNames.
    [[nodiscard]] QColor stateColor(const QString &name) const;
    [[nodiscard]] QString stateGlyph(const QString &name) const;

    // `text` laid out in `font` as plain text, elided at `room` if `elide` says so: one
    // layout for every row that shows it. Most cells of a table say what other rows'
    // cells say ("running", "—", "sleep", "#1 million"), and shaping and eliding them
    // row by row was most of the frame that first fills the table. GUI thread.
    [[nodiscard]] QStaticText laidOut(const QString &text, const QFont &font, qreal room, bool elide) const;

Q_SIGNALS:
    void changed();

private:
    friend class TaskRowCells; // reads the tokens below as they are

    QVariantList m_columnList;
    std::vector<Column> m_columns;
    QFont m_font;
    QFont m_smallFont;
    QFont m_monoFont;
    QColor m_text;
    QColor m_mutedText;
    QColor m_base;
    QColor m_alternateBase;
    QColor m_hover;
    QColor m_selection;
    QStringList m_stateNames;
    QList<QColor> m_stateColors;
    QStringList m_stateGlyphs;
    qreal m_padding = 0;
    qreal m_badgeHeight = 0;
    qreal m_badgeSpacing = 0;
    qreal m_badgeTint = 0;

    struct LayoutKey {
        QString text;
        QFont font;
        qreal room = 0;
        bool elide = false;
        friend bool operator==(const LayoutKey &, const LayoutKey &) = default;
        friend size_t qHash(const LayoutKey &key, size_t seed = 0) noexcept
        {
            return qHashMulti(seed, key.text, key.font, key.room, key.elide);
        }
    };
    mutable QHash<LayoutKey, QStaticText> m_laidOut; // laidOut()'s, cleared when it grows past a bound
};

} // namespace coroscope::qml

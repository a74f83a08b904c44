#pragma once

// MarkListModel: a short list of rows with a fixed set of named roles, for labels a
// view places over a scene-graph item (TaskTimeline's ticks, lanes and stall marks).
// Each row holds one value per role, in the order of the role names given at
// construction; role k is Qt::UserRole + 1 + k.
//
// update() replaces the rows in place: rows whose values differ get one dataChanged
// (over the changed rows, for the changed roles only; none if nothing changed), extra
// rows are inserted at the end and surplus rows removed from the end. It never resets,
// so a Repeater keeps its delegates and re-reads only what changed.
//
// Threading: GUI thread only (rows may be built on any thread and moved in).
// Cost: O(rows x roles) value comparisons per update.

#include <QAbstractListModel>
#include <QByteArray>
#include <QList>
#include <QVariant>
#include <QtQml/qqmlregistration.h>

namespace coroscope::widgets {

class MarkListModel : public QAbstractListModel
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("made by the item that fills it")

public:
    explicit MarkListModel(QList<QByteArray> roles, QObject *parent = nullptr);

    // Replaces the rows; each holds one value per role, in role order.
    void update(QList<QVariantList> rows);

    [[nodiscard]] int rowCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    [[nodiscard]] QHash<int, QByteArray> roleNames() const override;

private:
    QList<QByteArray> m_roles;
    QList<QVariantList> m_rows;
};

} // namespace coroscope::widgets

#include "marklistmodel.h"

#include <algorithm>
#include <utility>

namespace coroscope::widgets {

MarkListModel::MarkListModel(QList<QByteArray> roles, QObject *parent)
    : QAbstractListModel(parent)
    , m_roles(std::move(roles))
{
}

void MarkListModel::update(QList<QVariantList> rows)
{
    const int roleCount = int(m_roles.size());
    const int oldCount = int(m_rows.size());
    const int newCount = int(rows.size());
    const int common = std::min(oldCount, newCount);

    // Rows both lists have: one dataChanged over the changed ones, for the changed roles.
    int firstChanged = -1;
    int lastChanged = -1;
    QList<bool> roleChanged(roleCount, false);
    for (int r = 0; r < common; ++r) {
        Q_ASSERT(rows[r].size() == roleCount);
        QVariantList &row = m_rows[r];
        bool changed = false;
        for (int k = 0; k < roleCount; ++k) {
            if (row[k] != rows[r][k]) {
                roleChanged[k] = true;
                changed = true;
            }
        }
        if (changed) {
            row = std::move(rows[r]);
            if (firstChanged < 0)
                firstChanged = r;
            lastChanged = r;
        }
    }
    if (firstChanged >= 0) {
        QList<int> changedRoles;
        for (int k = 0; k < roleCount; ++k) {
            if (roleChanged[k])
                changedRoles.append(Qt::UserRole + 1 + k);
        }
        Q_EMIT dataChanged(index(firstChanged), index(lastChanged), changedRoles);
    }

    if (newCount < oldCount) {
        beginRemoveRows({}, newCount, oldCount - 1);
        m_rows.resize(newCount);
        endRemoveRows();
    } else if (newCount > oldCount) {
        beginInsertRows({}, oldCount, newCount - 1);
        for (int r = oldCount; r < newCount; ++r) {
            Q_ASSERT(rows[r].size() == roleCount);
            m_rows.append(std::move(rows[r]));
        }
        endInsertRows();
    }
}

int MarkListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant MarkListModel::data(const QModelIndex &index, int role) const
{
    const int k = role - (Qt::UserRole + 1);
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid) || k < 0
        || k >= m_roles.size())
        return {};
    return m_rows[index.row()][k];
}

QHash<int, QByteArray> MarkListModel::roleNames() const
{
    QHash<int, QByteArray> names;
    for (int k = 0; k < m_roles.size(); ++k)
        names.insert(Qt::UserRole + 1 + k, m_roles[k]);
    return names;
}

} // namespace coroscope::widgets

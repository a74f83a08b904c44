#include "warninglistmodel.h"

namespace coroscope::monitor {

WarningListModel::WarningListModel(const TaskStore *store, QObject *parent)
    : QAbstractListModel(parent), m_store(store)
{
    connect(store, &TaskStore::ticked, this, &WarningListModel::onTicked);
    connect(store, &TaskStore::runRemoved, this, &WarningListModel::onRunRemoved);
}

int WarningListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_hangs.size() + m_entries.size());
}

QHash<int, QByteArray> WarningListModel::roleNames() const
{
    return {{KindRole, "kind"}, {TaskKeyRole, "taskKey"}, {TaskRole, "task"},
            {DetailRole, "detail"}, {RunRole, "run"}, {RunIdRole, "runId"}};
}

QString WarningListModel::thresholds() const
{
    return log::describeThresholds(log::WarningThresholds{});
}

QVariant WarningListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const auto row = std::size_t(index.row());
    const auto runTitle = [&](int runId) {
        const log::RunRecord *record = m_store->run(runId);
        return record ? QStringLiteral("%1 #%2").arg(record->setName()).arg(runId) : QString();
    };
    if (row < m_hangs.size()) {
        const Hang &h = m_hangs[row];
        switch (role) {
        case KindRole: return QStringLiteral("not-responding");
        case TaskKeyRole: return double(h.taskKey);
        case TaskRole: return h.task;
        case DetailRole:
            return tr("loop %1 not responding: held for %2 ms so far").arg(h.loop).arg(h.heldMs, 0, 'f', 0);
        case RunRole: return runTitle(h.runId);
        case RunIdRole: return h.runId;
        default: return {};
        }
    }
    const Entry &e = m_entries[row - m_hangs.size()];
    const log::WarningScanner *scanner = m_store->warnings(e.runId);
    const log::RunRecord *record = m_store->run(e.runId);
    if (!scanner || !record)
        return {};
    const log::Warning &w = scanner->warnings()[e.index];
    const std::uint64_t id = scanner->taskId(w);
    switch (role) {
    case KindRole: return log::warningKey(w.kind);
    case TaskKeyRole: return id ? double(TaskStore::makeKey(e.runId, id)) : -1.0;
    case TaskRole: return id ? record->name(id) : tr("no task");
    case DetailRole: return scanner->detail(w);
    case RunRole: return runTitle(e.runId);
    case RunIdRole: return e.runId;
    default: return {};
    }
}

void WarningListModel::setHangs(const std::vector<Hang> &hangs)
{
    // Rows inserted or removed at the top, the rest of them changed.
    const auto shown = int(m_hangs.size());
    const auto now = int(hangs.size());
    if (now < shown) {
        beginRemoveRows({}, now, shown - 1);
        m_hangs.resize(hangs.size());
        endRemoveRows();
    } else if (now > shown) {
        beginInsertRows({}, shown, now - 1);
        m_hangs.insert(m_hangs.end(), hangs.begin() + shown, hangs.end());
        endInsertRows();
    }
    if (m_hangs != hangs) {
        m_hangs = hangs;
        Q_EMIT dataChanged(index(0), index(now - 1));
    }
    if (now != shown)
        Q_EMIT countChanged();
}

void WarningListModel::onTicked()
{
    std::vector<Entry> added;
    m_seen.resize(std::size_t(m_store->runCount()), 0);
    for (int runId = 1; runId <= m_store->runCount(); ++runId) {
        const log::WarningScanner *scanner = m_store->warnings(runId);
        std::size_t &seen = m_seen[std::size_t(runId - 1)];
        if (!scanner)
            continue;
        for (; seen < scanner->warnings().size(); ++seen)
            added.push_back(Entry{runId, std::uint32_t(seen)});
    }
    if (added.empty())
        return;
    const int first = rowCount();
    beginInsertRows({}, first, first + int(added.size()) - 1);
    m_entries.insert(m_entries.end(), added.begin(), added.end());
    endInsertRows();
    Q_EMIT countChanged();
}

void WarningListModel::onRunRemoved()
{
    // A removed run's warnings leave; the others keep their order.
    beginResetModel();
    std::vector<Entry> kept;
    for (const Entry &e : m_entries) {
        if (m_store->warnings(e.runId))
            kept.push_back(e);
    }
    m_entries = std::move(kept);
    std::erase_if(m_hangs, [&](const Hang &h) { return !m_store->run(h.runId); });
    endResetModel();
    Q_EMIT countChanged();
}

} // namespace coroscope::monitor

#include "taskroles.h"

#include "monitor/taskstore.h"

namespace coroscope::monitor::TaskRoles {

QHash<int, QByteArray> names()
{
    return {
        {TaskKeyRole, QByteArrayLiteral("taskKey")},
        {RunIdRole, QByteArrayLiteral("runId")},
        {TaskIdRole, QByteArrayLiteral("taskId")},
        {NameRole, QByteArrayLiteral("name")},
        {OpRole, QByteArrayLiteral("op")},
        {StateRole, QByteArrayLiteral("state")},
        {LoopRole, QByteArrayLiteral("loop")},
        {AwaitingRole, QByteArrayLiteral("awaiting")},
        {StartedMsRole, QByteArrayLiteral("startedMs")},
        {DurationMsRole, QByteArrayLiteral("durationMs")},
        {ResultTextRole, QByteArrayLiteral("resultText")},
        {CancelReasonRole, QByteArrayLiteral("cancelReason")},
        {ParentKeyRole, QByteArrayLiteral("parentKey")},
        {CallbackCountRole, QByteArrayLiteral("callbackCount")},
        {RunRole, QByteArrayLiteral("run")},
    };
}

int fromName(const QString &name)
{
    const QByteArray utf8 = name.toUtf8();
    const QHash<int, QByteArray> all = names();
    for (auto it = all.cbegin(); it != all.cend(); ++it) {
        if (it.value() == utf8)
            return it.key();
    }
    return 0;
}

namespace {
QVariant ms(const std::optional<std::int64_t> &ns)
{
    return ns ? QVariant(double(*ns) / 1e6) : QVariant();
}
} // namespace

const QList<int> &changingRoles()
{
    static const QList<int> roles{StateRole,        AwaitingRole,     StartedMsRole,    DurationMsRole,
                                  ResultTextRole,   CancelReasonRole, CallbackCountRole};
    return roles;
}

const QList<int> &clockRoles()
{
    static const QList<int> roles{DurationMsRole};
    return roles;
}

QVariant data(const TaskStore &store, int row, int role)
{
    if (row < 0 || row >= store.rowCount())
        return {};
    switch (role) {
    case Qt::DisplayRole:
    case NameRole: return store.name(row);
    case TaskKeyRole: return store.keyOfRow(row);
    case RunIdRole: return store.runIdOfRow(row);
    case TaskIdRole: return qint64(store.localIdOfRow(row));
    case OpRole: return store.opName(row);
    case StateRole: return rt::toString(store.state(row));
    case LoopRole: return store.loop(row);
    case AwaitingRole: return store.awaiting(row);
    case StartedMsRole: return ms(store.startedNs(row));
    case DurationMsRole: return ms(store.durationNs(row));
    case ResultTextRole: {
        // A cell shows the start of a long result (a million-element list is 10 MB
        // of text, which a Text item would lay out in seconds).
        constexpr qsizetype kShown = 160;
        const QString text = store.resultText(row, kShown);
        return text.size() <= kShown ? text : text.left(kShown) + QStringLiteral("…");
    }
    case CancelReasonRole: return store.cancelReason(row);
    case ParentKeyRole: return store.parentKey(row);
    case CallbackCountRole: return store.callbackCount(row);
    case RunRole: {
        const log::RunRecord *record = store.run(store.runIdOfRow(row));
        return record ? record->setName() : QString();
    }
    default: return {};
    }
}

} // namespace coroscope::monitor::TaskRoles

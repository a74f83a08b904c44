#include "taskdetails.h"

#include "monitor/taskmonitor.h"

#include <utility>

namespace coroscope::qml {

namespace {

// The rows of one list of the details map, one value per role, in role order.
QList<QVariantList> rowsOf(const QVariant &list, const QList<QByteArray> &keys)
{
    QList<QVariantList> rows;
    const QVariantList entries = list.toList();
    rows.reserve(entries.size());
    for (const QVariant &entry : entries) {
        const QVariantMap map = entry.toMap();
        QVariantList row;
        row.reserve(keys.size());
        for (const QByteArray &key : keys)
            row.append(map.value(QString::fromLatin1(key)));
        rows.append(std::move(row));
    }
    return rows;
}

} // namespace

TaskDetails::TaskDetails(QObject *parent)
    : QObject(parent)
    , m_children(new widgets::MarkListModel({"taskKey", "name", "taskState"}, this))
    , m_callbacks(new widgets::MarkListModel({"description", "firedMs"}, this))
    , m_events(new widgets::MarkListModel({"tMs", "type", "eventDetail"}, this))
{
}

QObject *TaskDetails::monitor() const
{
    return m_monitor;
}

void TaskDetails::setMonitor(QObject *monitor)
{
    auto *typed = qobject_cast<monitor::TaskMonitor *>(monitor);
    if (typed == m_monitor)
        return;
    disconnect(m_tickConnection);
    m_monitor = typed;
    if (m_monitor)
        m_tickConnection = connect(m_monitor, &monitor::TaskMonitor::ticked, this, [this] {
            if (m_taskKey >= 0)
                refresh();
        });
    refresh();
    Q_EMIT monitorChanged();
}

void TaskDetails::setTaskKey(double key)
{
    if (key == m_taskKey)
        return;
    m_taskKey = key;
    refresh();
    Q_EMIT taskKeyChanged();
}

void TaskDetails::refresh()
{
    QVariantMap details = m_monitor && m_taskKey >= 0 ? m_monitor->taskDetails(qint64(m_taskKey)) : QVariantMap();
    m_children->update(rowsOf(details.take(QStringLiteral("children")), {"taskKey", "name", "state"}));
    m_callbacks->update(rowsOf(details.take(QStringLiteral("callbacks")), {"description", "firedMs"}));
    m_events->update(rowsOf(details.take(QStringLiteral("events")), {"tMs", "type", "detail"}));
    if (details != m_fields) {
        m_fields = std::move(details);
        Q_EMIT fieldsChanged();
    }
}

} // namespace coroscope::qml

#include "taskdetails.h"

#include "monitor/taskmonitor.h"

#include <QClipboard>
#include <QGuiApplication>

#include <limits>
#include <utility>

namespace coroscope::qml {

namespace {

constexpr double kNotYet = std::numeric_limits<double>::quiet_NaN();

QVariant optional(const std::optional<double> &ms)
{
    return ms ? QVariant(*ms) : QVariant();
}

} // namespace

TaskDetails::TaskDetails(QObject *parent)
    : QObject(parent)
    , m_children(new widgets::MarkListModel({"taskKey", "name", "taskState"}, this))
    , m_callbacks(new widgets::MarkListModel({"description", "firedMs"}, this))
    , m_events(new widgets::MarkListModel({"tMs", "type", "eventDetail"}, this))
    , m_chain(new widgets::MarkListModel({"taskKey", "hopText", "neverEnds"}, this))
{
}

void TaskDetails::copyChain() const
{
    if (QClipboard *clipboard = QGuiApplication::clipboard())
        clipboard->setText(m_data.chainText);
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

double TaskDetails::startedMs() const
{
    return m_data.startedMs.value_or(kNotYet);
}

double TaskDetails::finishedMs() const
{
    return m_data.finishedMs.value_or(kNotYet);
}

void TaskDetails::refresh()
{
    // The key is exact as a double (docs/spec/task-keys.md).
    std::optional<monitor::TaskDetailsData> read =
        m_monitor && m_taskKey >= 0 ? m_monitor->taskDetails(qint64(m_taskKey)) : std::nullopt;
    const bool hasTask = read.has_value();
    monitor::TaskDetailsData next = hasTask ? std::move(*read) : monitor::TaskDetailsData{};

    QList<QVariantList> rows;
    for (const auto &child : next.children)
        rows.append({child.taskKey, child.name, child.state});
    m_children->update(std::exchange(rows, {}));
    for (const auto &callback : next.callbacks)
        rows.append({callback.description, optional(callback.firedMs)});
    m_callbacks->update(std::exchange(rows, {}));
    for (const auto &event : next.events)
        rows.append({event.tMs, event.type, event.detail});
    m_events->update(std::exchange(rows, {}));
    for (const auto &hop : next.chain)
        rows.append({hop.taskKey, hop.text, hop.neverEnds});
    m_chain->update(std::exchange(rows, {}));
    next.chain.clear();
    next.children.clear();
    next.callbacks.clear();
    next.events.clear();

    // Every field takes its new value before any is signalled, so that a handler reads
    // one moment of the task.
    const double queueDepthWas = queueDepth();
    const double queueCapacityWas = queueCapacity();
    const double queuePeakWas = queuePeak();
    const monitor::TaskDetailsData old = std::exchange(m_data, std::move(next));
    const bool hadTask = std::exchange(m_hasTask, hasTask);
    const monitor::TaskDetailsData &now = m_data;
    if (hadTask != hasTask)
        Q_EMIT hasTaskChanged();
    if (old.runId != now.runId)
        Q_EMIT runIdChanged();
    if (old.run != now.run)
        Q_EMIT runChanged();
    if (old.id != now.id)
        Q_EMIT taskIdChanged();
    if (old.name != now.name)
        Q_EMIT nameChanged();
    if (old.op != now.op)
        Q_EMIT opChanged();
    if (old.parentKey != now.parentKey)
        Q_EMIT parentKeyChanged();
    if (old.parentName != now.parentName)
        Q_EMIT parentNameChanged();
    if (old.originKey != now.originKey)
        Q_EMIT originKeyChanged();
    if (old.loop != now.loop)
        Q_EMIT loopChanged();
    if (old.state != now.state)
        Q_EMIT stateChanged();
    if (old.awaiting != now.awaiting)
        Q_EMIT awaitingChanged();
    if (old.createdMs != now.createdMs)
        Q_EMIT createdMsChanged();
    if (old.startedMs != now.startedMs)
        Q_EMIT startedMsChanged();
    if (old.finishedMs != now.finishedMs)
        Q_EMIT finishedMsChanged();
    if (old.result != now.result)
        Q_EMIT resultChanged();
    if (old.error != now.error)
        Q_EMIT errorChanged();
    if (old.cancelReason != now.cancelReason)
        Q_EMIT cancelReasonChanged();
    if (queueDepth() != queueDepthWas)
        Q_EMIT queueDepthChanged();
    if (queueCapacity() != queueCapacityWas)
        Q_EMIT queueCapacityChanged();
    if (queuePeak() != queuePeakWas)
        Q_EMIT queuePeakChanged();
    if (old.moreChildren != now.moreChildren)
        Q_EMIT moreChildrenChanged();
    if (old.chainText != now.chainText)
        Q_EMIT chainTextChanged();
    if (old.chainNeverEnds != now.chainNeverEnds)
        Q_EMIT chainNeverEndsChanged();
}

} // namespace coroscope::qml

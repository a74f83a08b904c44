#include "warnings.h"

#include "log/optag.h"

#include <QJsonDocument>
#include <QJsonObject>


namespace coroscope::log {

using rt::TaskState;

namespace {

// Durations and times in lint lines: ms with one decimal below a second, else s with three.
QString duration(std::int64_t ns)
{
    if (ns < 1'000'000'000)
        return QString::number(double(ns) / 1e6, 'f', 1) + QStringLiteral(" ms");
    return QString::number(double(ns) / 1e9, 'f', 3) + QStringLiteral(" s");
}

// Counts with a comma every three digits, as the dashboard writes them (10,000).
QString count(std::int64_t n)
{
    QString digits = QString::number(n);
    for (qsizetype i = digits.size() - 3; i > (n < 0 ? 1 : 0); i -= 3)
        digits.insert(i, QLatin1Char(','));
    return digits;
}

QString stateWord(TaskState s) { return rt::toString(s); }

} // namespace

QString describeThresholds(const WarningThresholds &t)
{
    // Round numbers, as a person sets them: 50 ms, 1 s.
    const auto round = [](std::int64_t ns) {
        return ns < 1'000'000'000 ? QString::number(double(ns) / 1e6) + QStringLiteral(" ms")
                                  : QString::number(double(ns) / 1e9) + QStringLiteral(" s");
    };
    return QStringLiteral("stall \u2265 %1 \u00B7 pending \u2265 %2 \u00B7 cancel honoured within %3 \u00B7 fan-out > %4")
        .arg(round(t.stallNs), round(t.pendingNs), round(t.cancelNs), count(t.fanOut));
}

QString warningKey(WarningKind kind)
{
    switch (kind) {
    case WarningKind::Stall: return QStringLiteral("stall");
    case WarningKind::PendingLong: return QStringLiteral("pending");
    case WarningKind::CancelNotHonoured: return QStringLiteral("cancel-not-honoured");
    case WarningKind::CancelSwallowed: return QStringLiteral("cancel-swallowed");
    case WarningKind::ErrorNotRetrieved: return QStringLiteral("error-not-retrieved");
    case WarningKind::FanOut: return QStringLiteral("fan-out");
    case WarningKind::CallbackFailed: return QStringLiteral("callback-failed");
    }
    return {};
}

WarningScanner::WarningScanner(const RunRecord &record, WarningThresholds thresholds)
    : m_record(record), m_thresholds(thresholds)
{
}

void WarningScanner::add(WarningKind kind, std::uint32_t row, std::int64_t atNs, std::int64_t amount, bool ongoing,
                         std::uint8_t loop)
{
    m_warnings.push_back(Warning{atNs, amount, row, kind, loop, ongoing});
}

const RunRecord::TaskRow *WarningScanner::parentOf(const RunRecord::TaskRow &row) const
{
    const std::uint64_t parent = row.parent ? m_record.localId(row.parent) : 0;
    return parent ? &m_record.row(m_record.arrivalRowOf(parent)) : nullptr;
}

void WarningScanner::created(std::uint32_t row)
{
    m_pending.push_back(row);
    const RunRecord::TaskRow &task = m_record.row(row);
    if (!task.parent)
        return;
    // Fan-out: found once, when the child over the limit arrives (spec: "fan-out").
    std::uint32_t &children = m_children[task.parent];
    if (++children == m_thresholds.fanOut + 1) {
        if (const std::uint64_t parent = m_record.localId(task.parent))
            add(WarningKind::FanOut, m_record.arrivalRowOf(parent), task.createdNs, children);
    }
}

void WarningScanner::stateChanged(std::uint32_t row, TaskState, TaskState to)
{
    const RunRecord::TaskRow &task = m_record.row(row);
    if ((to == TaskState::Done || to == TaskState::Failed) && task.cancelKind != rt::CancelKind::None)
        add(WarningKind::CancelSwallowed, row, task.finishedNs, 0);
    if (to != TaskState::Failed)
        return;
    // Error never retrieved (spec: "error-not-retrieved"): nothing awaits a task
    // without a parent, nor a child of `wait` (it returns names), nor a child that
    // fails after its `as_completed` ended or after its `repeat` (await: none) returned.
    const RunRecord::TaskRow *parent = parentOf(task);
    bool retrieved = parent != nullptr;
    if (parent) {
        const OpTag op = opOfTag(parent->tag);
        const bool parentEnded = parent->finishedNs != RunRecord::kNone && parent->finishedNs <= task.finishedNs;
        if (op == OpTag::Wait)
            retrieved = false;
        else if (op == OpTag::AsCompleted && parentEnded)
            retrieved = false;
        else if (op == OpTag::Repeat && parentEnded && parent->state == TaskState::Done)
            retrieved = false;
    }
    if (!retrieved)
        add(WarningKind::ErrorNotRetrieved, row, task.finishedNs, 0);
}

void WarningScanner::cancelRequested(std::uint32_t row, std::int64_t tNs)
{
    m_cancels.push_back(CancelRequest{row, tNs});
}

void WarningScanner::callbackFailed(std::uint32_t row, std::uint32_t index, std::int64_t firedNs)
{
    add(WarningKind::CallbackFailed, row, firedNs, index);
}

void WarningScanner::stalled(std::size_t loop, std::int64_t endNs, std::int64_t durationNs, std::uint64_t runtimeId)
{
    if (durationNs < m_thresholds.stallNs)
        return;
    const std::uint64_t id = runtimeId ? m_record.localId(runtimeId) : 0;
    add(WarningKind::Stall, id ? m_record.arrivalRowOf(id) : Warning::kNoTask, endNs - durationNs, durationNs, false,
        std::uint8_t(loop));
}

void WarningScanner::advance(std::int64_t nowNs, std::size_t atMost)
{
    // Rows arrive about in creation order (loops interleave by a tick at most), so the
    // queue's front is the next deadline: a task behind a later one is decided late, never wrongly.
    for (std::size_t decided = 0; !m_pending.empty() && decided < atMost; ++decided) {
        const std::uint32_t row = m_pending.front();
        const RunRecord::TaskRow &task = m_record.row(row);
        if (task.createdNs > nowNs - m_thresholds.pendingNs)
            break;
        m_pending.pop_front();
        const std::int64_t left = task.startedNs != RunRecord::kNone ? task.startedNs : task.finishedNs;
        if (left == RunRecord::kNone)
            add(WarningKind::PendingLong, row, task.createdNs, nowNs - task.createdNs, true);
        else if (left - task.createdNs >= m_thresholds.pendingNs)
            add(WarningKind::PendingLong, row, task.createdNs, left - task.createdNs);
    }
    for (std::size_t decided = 0; !m_cancels.empty() && decided < atMost; ++decided) {
        const CancelRequest request = m_cancels.front();
        if (request.tNs > nowNs - m_thresholds.cancelNs)
            break;
        m_cancels.pop_front();
        const RunRecord::TaskRow &task = m_record.row(request.row);
        if (task.finishedNs == RunRecord::kNone)
            add(WarningKind::CancelNotHonoured, request.row, request.tNs, nowNs - request.tNs, true);
        else if (task.finishedNs - request.tNs >= m_thresholds.cancelNs)
            add(WarningKind::CancelNotHonoured, request.row, request.tNs, task.finishedNs - request.tNs);
    }
}

std::uint64_t WarningScanner::taskId(const Warning &w) const
{
    return w.row == Warning::kNoTask ? 0 : m_record.localId(m_record.row(w.row).runtimeId);
}

QString WarningScanner::detail(const Warning &w) const
{
    const auto at = [&](std::int64_t ns) { return duration(ns - m_record.startNs()); };
    const RunRecord::TaskRow *task = w.row == Warning::kNoTask ? nullptr : &m_record.row(w.row);
    switch (w.kind) {
    case WarningKind::Stall:
        return QStringLiteral("held loop %1 for %2 from %3")
            .arg(m_record.loopName(w.loop), duration(w.amount), at(w.atNs));
    case WarningKind::PendingLong:
        return w.ongoing ? QStringLiteral("still pending %1 after its creation at %2").arg(duration(w.amount), at(w.atNs))
                         : QStringLiteral("pending for %1 from its creation at %2").arg(duration(w.amount), at(w.atNs));
    case WarningKind::CancelNotHonoured: {
        const QString reason = m_record.cancelText(task->cancelKind, m_record.cancelledByOf(*task));
        if (w.ongoing)
            return QStringLiteral("cancel (%1) requested at %2, still not honoured %3 later")
                .arg(reason, at(w.atNs), duration(w.amount));
        return QStringLiteral("cancel (%1) requested at %2, honoured only %3 later, ended %4")
            .arg(reason, at(w.atNs), duration(w.amount), stateWord(task->state));
    }
    case WarningKind::CancelSwallowed:
        return QStringLiteral("ended %1 at %2 after a cancel request (%3)")
            .arg(stateWord(task->state), at(w.atNs), m_record.cancelText(task->cancelKind, m_record.cancelledByOf(*task)));
    case WarningKind::ErrorNotRetrieved: {
        const RunRecord::TaskRow *parent = parentOf(*task);
        QString why;
        if (!parent)
            why = m_record.originOf(*task) ? QStringLiteral("made by a spawn callback") : QStringLiteral("a top-level task");
        else if (opOfTag(parent->tag) == OpTag::Wait)
            why = QStringLiteral("a child of wait, which returns names only");
        else
            why = QStringLiteral("its %1 parent had ended").arg(opName(opOfTag(parent->tag)));
        return QStringLiteral("failed at %1 with \"%2\", never retrieved: %3")
            .arg(at(w.atNs), m_record.outcomeAt(w.row), why);
    }
    case WarningKind::CallbackFailed: {
        // Built for the rows shown only: the task's callbacks are looked up here.
        const std::optional<TaskView> view = m_record.task(taskId(w));
        const auto index = std::size_t(w.amount);
        const CallbackView *cb = view && index < view->callbacks.size() ? &view->callbacks[index] : nullptr;
        const QJsonObject description =
            cb ? QJsonDocument::fromJson(cb->description.toUtf8()).object() : QJsonObject();
        const QString kind = description.value(QLatin1String("kind")).toString();
        return QStringLiteral("callback %1 (%2) raised \"%3\" at %4 after the task ended %5")
            .arg(QString::number(index), kind.isEmpty() ? QStringLiteral("?") : kind,
                 cb && cb->error ? *cb->error : QString(), at(w.atNs), stateWord(task->state));
    }
    case WarningKind::FanOut: {
        const auto it = m_children.find(task->runtimeId);
        const std::int64_t children = it == m_children.end() ? w.amount : it->second;
        return QStringLiteral("has %1 children, over %2 from %3")
            .arg(count(children), count(m_thresholds.fanOut), at(w.atNs));
    }
    }
    return {};
}

QString WarningScanner::line(const Warning &w) const
{
    const std::uint64_t id = taskId(w);
    const QString task = id ? QStringLiteral("task %1 \"%2\"").arg(id).arg(m_record.name(id)) : QStringLiteral("no task");
    return QStringLiteral("%1 %2: %3").arg(warningKey(w.kind), task, detail(w));
}

} // namespace coroscope::log

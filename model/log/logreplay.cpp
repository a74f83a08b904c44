#include "logreplay.h"

#include "log/optag.h"
#include "log/taskstep.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <cmath>
#include <unordered_map>

namespace coroscope::log {

using rt::EventType;
using rt::TaskState;

std::int64_t logMsToNs(double ms) { return std::int64_t(std::llround(ms * 1e6)); }

namespace {

QString jsonText(const QJsonValue &value)
{
    if (value.isNull() || value.isUndefined())
        return {};
    const QByteArray array = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
    return QString::fromUtf8(array.mid(1, array.size() - 2));
}

// What a `suspended` event says a task awaits, as the journal's kind and argument
// (docs/spec/log-format.md, "suspended"): the kind from the text's first word, a count
// from the text, a sleep's ms from `ms` (else the text's seconds), a task from `on`
// (else its name in the text). Run-local ids stand for runtime ids in a replay.
std::pair<rt::AwaitKind, std::uint64_t> awaitOf(const LogEvent &e,
                                                 const std::unordered_map<QString, std::int64_t> &idOfName)
{
    using rt::AwaitKind;
    const qsizetype space = e.text.indexOf(QLatin1Char(' '));
    const QString word = space < 0 ? e.text : e.text.left(space);
    const QString rest = space < 0 ? QString() : e.text.mid(space + 1);
    const auto task = [&]() -> std::uint64_t {
        if (e.on)
            return std::uint64_t(*e.on);
        const auto it = idOfName.find(rest);
        return it == idOfName.end() ? 0 : std::uint64_t(it->second);
    };
    if (word == QLatin1String("sleep")) {
        const double ms = e.number ? *e.number : QStringView(rest).chopped(rest.endsWith(QLatin1Char('s'))).toDouble() * 1000.0;
        return ms > 0 ? std::pair{AwaitKind::Sleep, std::uint64_t(std::llround(ms))} : std::pair{AwaitKind::Yield, std::uint64_t(0)};
    }
    for (const auto &[name, kind] : {std::pair{"gather", AwaitKind::Gather}, std::pair{"wait", AwaitKind::Wait},
                                     std::pair{"as_completed", AwaitKind::AsCompleted}}) {
        if (word == QLatin1String(name))
            return {kind, rest.toULongLong()};
    }
    if (word == QLatin1String("task"))
        return {AwaitKind::Task, task()};
    if (word == QLatin1String("wait_for"))
        return {AwaitKind::WaitFor, task()};
    for (const auto &[name, kind] : {std::pair{"queue.get", AwaitKind::QueueGet}, std::pair{"queue.put", AwaitKind::QueuePut},
                                     std::pair{"queue.join", AwaitKind::QueueJoin}}) {
        if (word == QLatin1String(name))
            return {kind, e.on ? std::uint64_t(*e.on) : 0};
    }
    if (word == QLatin1String("pool"))
        return {AwaitKind::Executor, 0};
    if (word == QLatin1String("threadsafe"))
        return {AwaitKind::Threadsafe, 0};
    return {AwaitKind::Future, 0};
}

} // namespace

void restoreQueues(const RunLog &log, RunRecord &record)
{
    for (const LogTask &t : log.tasks) {
        if (!t.queue)
            continue;
        const LogTask::Queue &q = *t.queue;
        QueueDepth counts;
        counts.capacity = q.capacity;
        counts.puts = q.puts;
        counts.gets = q.gets;
        counts.dones = q.taskDones;
        counts.peak = std::uint32_t(std::min<std::uint64_t>(q.peak, UINT32_MAX));
        record.restoreQueue(std::uint64_t(t.id), counts, std::uint32_t(std::min<std::uint64_t>(q.depth, UINT32_MAX)),
                            logMsToNs(log.durationMs));
    }
}

std::vector<ReplayBatch> replayBatches(const RunLog &log)
{
    std::unordered_map<QString, std::int64_t> idOfName;
    for (const LogTask &t : log.tasks)
        idOfName.emplace(t.name, t.id);
    // A reason as the log writes it (log-format.md: user, parent, timeout, deadline,
    // task:<name>) as the journal's kind and cancelling task.
    auto cancelOf = [&](const QString &reason) {
        std::pair<rt::CancelKind, std::uint64_t> kind{rt::CancelKind::User, 0};
        for (auto k : {rt::CancelKind::User, rt::CancelKind::Parent, rt::CancelKind::Timeout, rt::CancelKind::Deadline}) {
            if (reason == rt::toString(k))
                kind.first = k;
        }
        if (reason.startsWith(QStringLiteral("task:"))) {
            const auto it = idOfName.find(reason.mid(5));
            kind = {rt::CancelKind::Task, it == idOfName.end() ? 0 : std::uint64_t(it->second)};
        }
        return kind;
    };
    // The first cancel request of each task (the one whose reason stays), and the
    // await of each task still suspended at the end (its last suspension, not resumed).
    std::unordered_map<std::int64_t, const LogEvent *> cancelRequest;
    std::unordered_map<std::int64_t, const LogEvent *> suspension;
    for (const LogEvent &e : log.events) {
        if (e.type == EventType::CancelRequested && e.task)
            cancelRequest.emplace(*e.task, &e);
        if (e.type == EventType::Suspended && e.task)
            suspension[*e.task] = &e;
        if (awaitStep(e.type) == AwaitStep::Clear && e.task)
            suspension.erase(*e.task); // resumed or ended: only the open ones are kept
    }

    auto loopOf = [](const QString &loop) {
        return loop == QStringLiteral("pool") || loop.isEmpty() ? QStringLiteral("main") : loop;
    };
    std::vector<ReplayBatch> creations;
    std::vector<ReplayBatch> batches;
    auto batchOf = [&](const QString &loop) -> rt::JournalBatch & {
        const QString name = loopOf(loop);
        for (ReplayBatch &b : batches) {
            if (b.loop == name)
                return b.batch;
        }
        batches.push_back(ReplayBatch{name, {}});
        return batches.back().batch;
    };
    auto push = [](rt::JournalBatch &b, EventType type, std::int64_t task, std::int64_t tNs, std::uint64_t arg = 0,
                   std::uint8_t kind = 0, const QString &text = {}, std::uint64_t arg2 = 0) {
        std::uint32_t index = 0;
        if (!text.isEmpty()) {
            b.strings.push_back(text);
            index = std::uint32_t(b.strings.size());
        }
        b.events.push_back(rt::Event{tNs, std::uint64_t(task), arg, arg2, index, type, kind, 0});
    };

    for (const LogTask &t : log.tasks) {
        std::uint8_t tag = std::uint8_t(opTagFromName(t.op));
        if (t.loop == QStringLiteral("pool"))
            tag |= kPoolBit;
        if (creations.empty() || creations.back().loop != loopOf(t.loop))
            creations.push_back(ReplayBatch{loopOf(t.loop), {}});
        push(creations.back().batch, EventType::Created, t.id, logMsToNs(t.createdMs),
             std::uint64_t(t.parent.value_or(0)), tag, t.name, std::uint64_t(t.origin.value_or(0)));
        rt::JournalBatch &b = batchOf(t.loop);
        for (std::size_t i = 0; i < t.callbacks.size(); ++i) {
            const QString description =
                QString::fromUtf8(QJsonDocument(t.callbacks[i].description).toJson(QJsonDocument::Compact));
            push(b, EventType::CallbackAdded, t.id, logMsToNs(t.createdMs), i, 0, description);
        }
        if (t.startedMs)
            push(b, EventType::Started, t.id, logMsToNs(*t.startedMs));
        if (const auto it = cancelRequest.find(t.id); it != cancelRequest.end()) {
            const auto [kind, by] = cancelOf(it->second->text);
            push(b, EventType::CancelRequested, t.id, logMsToNs(it->second->tMs), by, std::uint8_t(kind));
        }
        if (const auto it = suspension.find(t.id); it != suspension.end() && t.state == TaskState::Running) {
            const auto [kind, arg] = awaitOf(*it->second, idOfName);
            push(b, EventType::Suspended, t.id, logMsToNs(it->second->tMs), arg, std::uint8_t(kind));
        }
        for (std::size_t i = 0; i < t.callbacks.size(); ++i) {
            const LogCallback &cb = t.callbacks[i];
            if (!cb.firedMs)
                continue;
            push(b, EventType::Callback, t.id, logMsToNs(*cb.firedMs), i);
            if (cb.error)
                push(b, EventType::CallbackFailed, t.id, logMsToNs(*cb.firedMs), i, 0, *cb.error);
        }
        const std::int64_t end = logMsToNs(t.finishedMs.value_or(log.durationMs));
        switch (t.state) {
        case TaskState::Pending:
        case TaskState::Running:
            break;
        case TaskState::Done:
            push(b, EventType::Done, t.id, end, 0, 0, jsonText(t.result));
            break;
        case TaskState::Failed:
            push(b, EventType::Failed, t.id, end, 0, 0, t.error.value_or(QString()));
            break;
        case TaskState::Cancelled: {
            const auto [kind, by] = cancelOf(t.cancelReason.value_or(QString()));
            push(b, EventType::Cancelled, t.id, end, by, std::uint8_t(kind));
            break;
        }
        }
    }
    for (const LogLoop &loop : log.loops) {
        rt::JournalBatch &b = batchOf(loop.name);
        for (const LogStall &s : loop.stalls)
            push(b, EventType::Stall, s.task.value_or(0), logMsToNs(s.tMs + s.ms), std::uint64_t(logMsToNs(s.ms)));
    }
    creations.insert(creations.end(), std::make_move_iterator(batches.begin()), std::make_move_iterator(batches.end()));
    return creations;
}

void replayLog(const RunLog &log, RunRecord &record, RunRecord::Observer *observer)
{
    record.setRunInfo(log.set, log.startedAt, 0);
    for (const LogLoop &loop : log.loops)
        record.setLoopMaxStepNs(loop.name, logMsToNs(loop.maxStallMs));
    restoreQueues(log, record);
    for (const ReplayBatch &b : replayBatches(log))
        record.apply(b.loop, b.batch, observer);
    record.setFinished(logMsToNs(log.durationMs));
}

} // namespace coroscope::log

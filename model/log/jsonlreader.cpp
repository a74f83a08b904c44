#include "jsonlreader.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace coroscope::log {

namespace {

bool isId(const QJsonValue &v)
{
    if (!v.isDouble())
        return false;
    const double d = v.toDouble();
    return std::isfinite(d) && d >= 1 && d <= 9007199254740992.0 && d == std::floor(d);
}

bool isTime(const QJsonValue &v)
{
    return v.isDouble() && std::isfinite(v.toDouble()) && v.toDouble() >= 0;
}

// The text of a JSON value as the json log's `result` holds it.
QJsonValue resultOf(const QJsonObject &line)
{
    const auto it = line.constFind(QLatin1String("result"));
    return it == line.constEnd() ? QJsonValue(QJsonValue::Null) : it.value();
}

} // namespace

LogReadResult parseJsonlLog(const QByteArray &data, const QString &source, const QString &setName)
{
    const auto refuse = [&](qsizetype line, const QString &message) {
        return LogReadResult{std::nullopt, line > 0 ? QStringLiteral("%1: line %2: %3").arg(source).arg(line).arg(message)
                                                    : QStringLiteral("%1: %2").arg(source, message)};
    };
    if (data.size() > LogReader::kMaxFileSize)
        return refuse(0, QStringLiteral("file larger than 2 GiB"));

    RunLog log;
    log.set = setName;
    std::unordered_map<std::int64_t, std::size_t> taskOf; // id -> index in log.tasks
    std::vector<QString> lastCancelReason;
    std::vector<std::optional<LogEvent>> suspension; // each task's await now, for the replay's chains
    std::vector<QString> loopNames;

    qsizetype lineNo = 0;
    qsizetype pos = data.startsWith("\xEF\xBB\xBF") ? 3 : 0;
    while (pos < data.size()) {
        const qsizetype eol = data.indexOf('\n', pos);
        // A log that a crash cut short ends in part of a line: everything before it counts.
        if (eol < 0)
            break;
        ++lineNo;
        const QByteArray text = data.mid(pos, eol - pos).trimmed();
        pos = eol + 1;
        if (text.isEmpty())
            continue;
        QJsonParseError error{};
        const QJsonDocument doc = QJsonDocument::fromJson(text, &error);
        if (error.error != QJsonParseError::NoError || !doc.isObject())
            return refuse(lineNo, QStringLiteral("not a JSON object: a coroscope.log/1 jsonl log has one event per line"));
        const QJsonObject o = doc.object();
        const QJsonValue t = o.value(QLatin1String("t_ms"));
        if (!isTime(t))
            return refuse(lineNo, QStringLiteral("t_ms: expected a number >= 0"));
        const double tMs = t.toDouble();
        const QString type = o.value(QLatin1String("type")).toString();
        const QJsonValue taskValue = o.value(QLatin1String("task"));
        log.durationMs = std::max(log.durationMs, tMs);

        if (type == QLatin1String("stall")) {
            const QJsonValue ms = o.value(QLatin1String("ms"));
            const QJsonValue loop = o.value(QLatin1String("loop"));
            if (!isTime(ms) || !loop.isString())
                return refuse(lineNo, QStringLiteral("a stall needs loop (a string) and ms (a number >= 0)"));
            auto it = std::find_if(log.loops.begin(), log.loops.end(), [&](const LogLoop &l) { return l.name == loop.toString(); });
            if (it == log.loops.end()) {
                log.loops.push_back(LogLoop{loop.toString(), 0, {}});
                it = log.loops.end() - 1;
            }
            LogStall stall;
            // The event is stamped when the stall ended.
            stall.ms = ms.toDouble();
            stall.tMs = std::max(0.0, tMs - stall.ms);
            if (isId(taskValue) && taskOf.count(std::int64_t(taskValue.toDouble())))
                stall.task = std::int64_t(taskValue.toDouble());
            it->maxStallMs = std::max(it->maxStallMs, stall.ms);
            it->stalls.push_back(stall);
            continue;
        }
        if (!isId(taskValue))
            return refuse(lineNo, QStringLiteral("task: expected a task id (an integer >= 1)"));
        const auto id = std::int64_t(taskValue.toDouble());

        if (type == QLatin1String("created")) {
            if (taskOf.count(id))
                return refuse(lineNo, QStringLiteral("task %1 is created twice").arg(id));
            const QJsonValue name = o.value(QLatin1String("name"));
            const QJsonValue op = o.value(QLatin1String("op"));
            const QJsonValue parent = o.value(QLatin1String("parent"));
            const QJsonValue loop = o.value(QLatin1String("loop"));
            if (!name.isString() || !op.isString())
                return refuse(lineNo, QStringLiteral("a created line needs the task's name and op (strings)"));
            LogTask task;
            task.id = id;
            task.name = name.toString();
            task.op = op.toString();
            task.createdMs = tMs;
            // A created line without `loop` (a log from an older version) ran on "main".
            task.loop = loop.isString() ? loop.toString() : QStringLiteral("main");
            if (!parent.isNull() && !parent.isUndefined()) {
                if (!isId(parent) || !taskOf.count(std::int64_t(parent.toDouble())))
                    return refuse(lineNo, QStringLiteral("parent: expected the id of a task created before, or null"));
                task.parent = std::int64_t(parent.toDouble());
            }
            taskOf.emplace(id, log.tasks.size());
            log.tasks.push_back(std::move(task));
            lastCancelReason.emplace_back();
            suspension.emplace_back();
            continue;
        }
        const auto found = taskOf.find(id);
        if (found == taskOf.end())
            return refuse(lineNo, QStringLiteral("task %1 has no created line before it").arg(id));
        LogTask &task = log.tasks[found->second];
        if (type == QLatin1String("suspended")) {
            LogEvent s;
            s.tMs = tMs;
            s.task = id;
            s.type = rt::EventType::Suspended;
            s.text = o.value(QLatin1String("await")).toString();
            if (const QJsonValue ms = o.value(QLatin1String("ms")); isTime(ms))
                s.number = ms.toDouble();
            if (const QJsonValue on = o.value(QLatin1String("on")); isId(on))
                s.on = std::int64_t(on.toDouble());
            suspension[found->second] = std::move(s);
            continue;
        }
        if (type != QLatin1String("cancel_requested") && !type.startsWith(QLatin1String("callback")))
            suspension[found->second].reset(); // resumed, or ended
        if (type == QLatin1String("started")) {
            task.startedMs = tMs;
            if (task.state == rt::TaskState::Pending)
                task.state = rt::TaskState::Running;
        } else if (type == QLatin1String("cancel_requested")) {
            lastCancelReason[found->second] = o.value(QLatin1String("reason")).toString();
            // The only events kept: the warnings read the requests (docs/spec/warnings.md).
            LogEvent request;
            request.tMs = tMs;
            request.task = id;
            request.type = rt::EventType::CancelRequested;
            request.text = lastCancelReason[found->second];
            log.events.push_back(std::move(request));
        } else if (type == QLatin1String("done")) {
            task.state = rt::TaskState::Done;
            task.finishedMs = tMs;
            task.result = resultOf(o);
        } else if (type == QLatin1String("failed")) {
            task.state = rt::TaskState::Failed;
            task.finishedMs = tMs;
            task.error = o.value(QLatin1String("error")).toString();
        } else if (type == QLatin1String("cancelled")) {
            task.state = rt::TaskState::Cancelled;
            task.finishedMs = tMs;
            const QString reason = lastCancelReason[found->second];
            task.cancelReason = reason.isEmpty() ? QStringLiteral("user") : reason;
        } else if (type == QLatin1String("callback") || type == QLatin1String("callback_failed")) {
            const QJsonValue index = o.value(QLatin1String("index"));
            if (!isTime(index) || index.toDouble() != std::floor(index.toDouble()) || index.toDouble() > 1e6)
                return refuse(lineNo, QStringLiteral("index: expected an integer >= 0"));
            const auto i = std::size_t(index.toDouble());
            // The jsonl log names when a callback fired, not what it was.
            while (task.callbacks.size() <= i)
                task.callbacks.push_back(LogCallback{QJsonObject{{QStringLiteral("kind"), QStringLiteral("callback")}}, {}, {}});
            if (type == QLatin1String("callback")) {
                task.callbacks[i].firedMs = tMs;
            } else {
                const QJsonValue raised = o.value(QLatin1String("error"));
                if (!raised.isString())
                    return refuse(lineNo, QStringLiteral("error: expected a string"));
                task.callbacks[i].error = raised.toString();
            }
        } else if (type != QLatin1String("resumed")) {
            return refuse(lineNo, QStringLiteral("type: expected an event type (created, started, done, ...)"));
        }
    }
    if (log.tasks.empty() && log.loops.empty())
        return refuse(0, QStringLiteral("no event in it: not a coroscope.log/1 jsonl log"));
    // The awaits still open at the end (the replay rebuilds them: docs/spec/stuck.md).
    for (std::optional<LogEvent> &s : suspension) {
        if (s)
            log.events.push_back(std::move(*s));
    }
    // The events in time order, as a json log has them (RunHistory::fromLog reads them so).
    std::stable_sort(log.events.begin(), log.events.end(),
                     [](const LogEvent &a, const LogEvent &b) { return a.tMs < b.tMs; });
    for (LogLoop &loop : log.loops)
        loopNames.push_back(loop.name);
    for (const LogTask &t : log.tasks) {
        if (std::find(loopNames.begin(), loopNames.end(), t.loop) == loopNames.end() && t.loop != QLatin1String("pool")) {
            loopNames.push_back(t.loop);
            log.loops.push_back(LogLoop{t.loop, 0, {}});
        }
    }
    return {std::move(log), {}};
}

LogReadResult readLogFile(const QString &path)
{
    const auto ends = [&](const char *suffix) { return path.endsWith(QLatin1String(suffix), Qt::CaseInsensitive); };
    const QString name = QFileInfo(path).fileName();
    if (ends(".trace.json"))
        return {std::nullopt, QStringLiteral("%1 is a Chrome trace (for Perfetto or chrome://tracing): it cannot be "
                                             "replayed. Open the run's .json or .jsonl log instead.").arg(name)};
    if (ends(".csv"))
        return {std::nullopt, QStringLiteral("%1 is a csv task table (for spreadsheets): it cannot be replayed. "
                                             "Open the run's .json or .jsonl log instead.").arg(name)};
    if (!ends(".jsonl"))
        return LogReader::readFile(path);
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {std::nullopt, QStringLiteral("%1: cannot read: %2").arg(path, file.errorString())};
    if (file.size() > LogReader::kMaxFileSize)
        return {std::nullopt, QStringLiteral("%1: file larger than 2 GiB").arg(path)};
    const QByteArray data = file.readAll();
    QString set = QFileInfo(path).fileName();
    set.chop(6); // ".jsonl"
    return parseJsonlLog(data, path, set);
}

} // namespace coroscope::log

#include "exporters.h"

#include "detail/eventjson.h"
#include "detail/jsontext.h"
#include "logtarget.h"
#include "runtime/clock.h"

#include <QFile>
#include <QSaveFile>

#include <functional>

namespace coroscope::log {

using detail::appendJsonString;
using detail::appendMs;
using detail::appendUs;
using detail::BufferedWriter;

std::optional<LogFormat> formatForPath(const QString &path)
{
    const auto ends = [&](const char *suffix) { return path.endsWith(QLatin1String(suffix), Qt::CaseInsensitive); };
    if (ends(".trace.json"))
        return LogFormat::Trace;
    if (ends(".json"))
        return LogFormat::Json;
    if (ends(".jsonl"))
        return LogFormat::Jsonl;
    if (ends(".csv"))
        return LogFormat::Csv;
    return std::nullopt;
}

QString formatName(LogFormat format)
{
    switch (format) {
    case LogFormat::Json: return QStringLiteral("json");
    case LogFormat::Jsonl: return QStringLiteral("jsonl");
    case LogFormat::Csv: return QStringLiteral("csv");
    case LogFormat::Trace: return QStringLiteral("trace");
    }
    return {};
}

std::optional<LogFormat> formatFromName(const QString &name)
{
    for (auto f : {LogFormat::Json, LogFormat::Jsonl, LogFormat::Csv, LogFormat::Trace}) {
        if (formatName(f) == name)
            return f;
    }
    return std::nullopt;
}

namespace {

// Lets `body` write the log through a BufferedWriter. A regular file is written
// through a QSaveFile and committed only if everything was written; anything else
// (a device, a FIFO) is written in place, never replaced (logtarget.h).
ExportResult writeAtomically(const QString &path, const std::function<std::optional<QString>(BufferedWriter &)> &body)
{
    const auto failed = [&](const QString &why) { return ExportResult{QStringLiteral("cannot write %1: %2").arg(path, why)}; };
    const QString local = localFilePath(path);
    if (isSpecialFile(local)) {
        QFile file(local);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Unbuffered))
            return failed(file.errorString());
        BufferedWriter out(file);
        if (const std::optional<QString> error = body(out))
            return failed(*error);
        if (!out.flush())
            return failed(out.error());
        return {};
    }
    QSaveFile file(local);
    if (!file.open(QIODevice::WriteOnly))
        return failed(file.errorString());
    BufferedWriter out(file);
    if (const std::optional<QString> error = body(out)) {
        file.cancelWriting();
        return failed(*error);
    }
    if (!out.flush())
        return failed(out.error());
    if (!file.commit())
        return failed(file.errorString());
    return {};
}

std::int64_t endOf(const RunRecord &record, const ExportOptions &options)
{
    if (const auto end = record.endNs())
        return *end;
    return options.nowNs ? *options.nowNs : rt::monotonicNs();
}

void appendId(QByteArray &out, std::uint64_t id)
{
    if (id == 0)
        out.append("null");
    else
        out.append(QByteArray::number(static_cast<qulonglong>(id)));
}

void appendOptionalMs(QByteArray &out, const std::optional<std::int64_t> &ns)
{
    if (ns)
        appendMs(out, *ns);
    else
        out.append("null");
}

void appendStringOrNull(QByteArray &out, const QString &s, bool present)
{
    if (present)
        appendJsonString(out, s);
    else
        out.append("null");
}

// A callback's description object with `fired_ms` added, and `error` when it raised.
void appendCallback(QByteArray &out, const CallbackView &cb)
{
    const QString d = cb.description.trimmed();
    if (d.startsWith(QLatin1Char('{')) && d.endsWith(QLatin1Char('}'))) {
        const QString inner = d.mid(1, d.size() - 2).trimmed();
        out.append('{');
        out.append(inner.toUtf8());
        if (!inner.isEmpty())
            out.append(',');
    } else {
        out.append("{\"kind\":");
        appendJsonString(out, d);
        out.append(',');
    }
    out.append("\"fired_ms\":");
    appendOptionalMs(out, cb.firedNs);
    if (cb.error) {
        out.append(",\"error\":");
        appendJsonString(out, *cb.error);
    }
    out.append('}');
}

// A queue's counts at the log's end, on its owner's task (log-format.md, "queue").
void appendQueue(QByteArray &out, const QueueDepth &q)
{
    const auto field = [&](const char *key, std::uint64_t n) {
        out.append(key);
        out.append(QByteArray::number(static_cast<qulonglong>(n)));
    };
    field(",\"queue\":{\"capacity\":", q.capacity);
    field(",\"depth\":", q.depth.empty() ? 0 : q.depth.back());
    field(",\"peak\":", q.peak);
    field(",\"puts\":", q.puts);
    field(",\"gets\":", q.gets);
    field(",\"task_dones\":", q.dones);
    out.append('}');
}

void appendTaskJson(QByteArray &out, const TaskView &t, const QueueDepth *queue)
{
    out.append("{\"id\":");
    appendId(out, t.id);
    out.append(",\"name\":");
    appendJsonString(out, t.name);
    out.append(",\"op\":");
    appendJsonString(out, t.opName);
    out.append(",\"parent\":");
    appendId(out, t.parent);
    out.append(",\"origin\":");
    appendId(out, t.origin);
    out.append(",\"loop\":");
    appendJsonString(out, t.loop);
    out.append(",\"state\":");
    appendJsonString(out, rt::toString(t.state));
    out.append(",\"created_ms\":");
    appendMs(out, t.createdNs);
    out.append(",\"started_ms\":");
    appendOptionalMs(out, t.startedNs);
    out.append(",\"finished_ms\":");
    appendOptionalMs(out, t.finishedNs);
    out.append(",\"result\":");
    if (t.state == rt::TaskState::Done && !t.result.isEmpty())
        out.append(t.result.toUtf8());
    else
        out.append("null");
    out.append(",\"error\":");
    appendStringOrNull(out, t.error, t.state == rt::TaskState::Failed);
    out.append(",\"cancel_reason\":");
    appendStringOrNull(out, t.cancelReason, t.state == rt::TaskState::Cancelled);
    out.append(",\"callbacks\":[");
    for (std::size_t i = 0; i < t.callbacks.size(); ++i) {
        if (i)
            out.append(',');
        appendCallback(out, t.callbacks[i]);
    }
    out.append(']');
    if (queue && !queue->depth.empty())
        appendQueue(out, *queue);
    out.append('}');
}

// Writes every spooled event as a JSON object, `separator` between two.
std::optional<QString> writeEvents(const RunRecord &record, BufferedWriter &out, const char *separator,
                                   detail::EventJsonOptions options)
{
    const EventSpool *spool = record.spool();
    if (!spool)
        return QStringLiteral("the run was recorded without its events");
    bool first = true;
    return spool->forEach([&](std::size_t stream, const rt::Event &e) {
        QByteArray &buf = out.buffer();
        const qsizetype mark = buf.size();
        if (!first)
            buf.append(separator);
        if (detail::appendEventJson(buf, record, record.loopName(stream), e, options))
            first = false;
        else
            buf.truncate(mark);
        out.maybeFlush();
        return out.ok();
    });
}

} // namespace

ExportResult exportJson(const RunRecord &record, const QString &path, const ExportOptions &options)
{
    return writeAtomically(path, [&](BufferedWriter &out) -> std::optional<QString> {
        QByteArray &buf = out.buffer();
        buf.append("{\"format\":\"coroscope.log/1\",\"set\":");
        appendJsonString(buf, record.setName());
        buf.append(",\"started_at\":");
        const QDateTime at = record.startedAt();
        appendStringOrNull(buf, at.toString(Qt::ISODateWithMs), at.isValid());
        buf.append(",\"duration_ms\":");
        appendMs(buf, endOf(record, options) - record.startNs());
        buf.append(",\n\"tasks\":[");
        for (std::uint64_t id = 1; id <= record.taskCount(); ++id) {
            buf.append(id == 1 ? "\n" : ",\n");
            const std::optional<TaskView> task = record.task(id);
            appendTaskJson(buf, *task, record.queueDepth(task->runtimeId));
            out.maybeFlush();
        }
        buf.append("],\n\"events\":[\n");
        if (auto error = writeEvents(record, out, ",\n", {}))
            return error;
        buf.append("],\n\"loops\":[");
        const std::vector<LoopView> loops = record.loops();
        for (std::size_t i = 0; i < loops.size(); ++i) {
            buf.append(i ? ",\n" : "\n");
            buf.append("{\"name\":");
            appendJsonString(buf, loops[i].name);
            buf.append(",\"max_stall_ms\":");
            appendMs(buf, loops[i].maxStepNs);
            buf.append(",\"stalls\":[");
            for (std::size_t s = 0; s < loops[i].stalls.size(); ++s) {
                const StallView &stall = loops[i].stalls[s];
                buf.append(s ? ",{\"t_ms\":" : "{\"t_ms\":");
                appendMs(buf, stall.startNs);
                buf.append(",\"ms\":");
                appendMs(buf, stall.durationNs);
                buf.append(",\"task\":");
                appendId(buf, stall.task);
                buf.append('}');
            }
            buf.append("]}");
        }
        buf.append("]}\n");
        return out.ok() ? std::nullopt : std::optional<QString>(out.error());
    });
}

ExportResult exportJsonl(const RunRecord &record, const QString &path)
{
    return writeAtomically(path, [&](BufferedWriter &out) -> std::optional<QString> {
        if (auto error = writeEvents(record, out, "\n", {true}))
            return error;
        if (record.spool()->size() != 0)
            out.buffer().append('\n');
        return out.ok() ? std::nullopt : std::optional<QString>(out.error());
    });
}

namespace {

void appendCsvField(QByteArray &out, const QByteArray &field)
{
    if (!field.contains(',') && !field.contains('"') && !field.contains('\n') && !field.contains('\r')) {
        out.append(field);
        return;
    }
    out.append('"');
    for (const char c : field) {
        if (c == '"')
            out.append('"');
        out.append(c);
    }
    out.append('"');
}

QByteArray msText(const std::optional<std::int64_t> &ns)
{
    QByteArray s;
    if (ns)
        appendMs(s, *ns);
    return s;
}

} // namespace

ExportResult exportCsv(const RunRecord &record, const QString &path)
{
    return writeAtomically(path, [&](BufferedWriter &out) -> std::optional<QString> {
        QByteArray &buf = out.buffer();
        buf.append("id,name,op,parent,loop,state,created_ms,started_ms,finished_ms,duration_ms,"
                   "result,error,cancel_reason\r\n");
        for (std::uint64_t id = 1; id <= record.taskCount(); ++id) {
            const TaskView t = *record.task(id);
            const auto number = [](std::uint64_t n) { return n ? QByteArray::number(static_cast<qulonglong>(n)) : QByteArray(); };
            std::optional<std::int64_t> duration;
            if (t.finishedNs)
                duration = *t.finishedNs - t.createdNs;
            QByteArray result;
            if (t.state == rt::TaskState::Done)
                result = t.result.isEmpty() ? QByteArray("null") : t.result.toUtf8();
            const QByteArray fields[] = {
                number(t.id), t.name.toUtf8(), t.opName.toUtf8(), number(t.parent), t.loop.toUtf8(),
                rt::toString(t.state).toUtf8(), msText(t.createdNs), msText(t.startedNs), msText(t.finishedNs),
                msText(duration), result, t.error.toUtf8(), t.cancelReason.toUtf8()};
            for (std::size_t i = 0; i < std::size(fields); ++i) {
                if (i)
                    buf.append(',');
                appendCsvField(buf, fields[i]);
            }
            buf.append("\r\n");
            out.maybeFlush();
        }
        return out.ok() ? std::nullopt : std::optional<QString>(out.error());
    });
}

namespace {

// One trace event's common head: {"ph":…,"name":…,"pid":1,"tid":…,"ts":…
void appendTraceHead(QByteArray &out, const char *ph, const QString &name, int tid, std::int64_t ns)
{
    out.append(",\n{\"ph\":\"");
    out.append(ph);
    out.append("\",\"name\":");
    appendJsonString(out, name);
    out.append(",\"pid\":1,\"tid\":");
    out.append(QByteArray::number(tid));
    out.append(",\"ts\":");
    appendUs(out, ns);
}

} // namespace

ExportResult exportTrace(const RunRecord &record, const QString &path, const ExportOptions &options)
{
    return writeAtomically(path, [&](BufferedWriter &out) -> std::optional<QString> {
        QByteArray &buf = out.buffer();
        const std::int64_t nowNs = endOf(record, options) - record.startNs();
        // Tracks: one per loop (tid 1, 2, …), then the pool.
        const int poolTid = int(record.loopCount()) + 1;
        const auto tidOf = [&](const QString &loop) {
            for (std::size_t i = 0; i < record.loopCount(); ++i) {
                if (record.loopName(i) == loop)
                    return int(i) + 1;
            }
            return poolTid;
        };
        buf.append("{\"traceEvents\":[\n{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":1,\"tid\":0,\"args\":{\"name\":");
        appendJsonString(buf, QStringLiteral("coroscope ") + record.setName());
        buf.append("}}");
        for (int tid = 1; tid <= poolTid; ++tid) {
            buf.append(",\n{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":1,\"tid\":");
            buf.append(QByteArray::number(tid));
            buf.append(",\"args\":{\"name\":");
            appendJsonString(buf, tid == poolTid ? QStringLiteral("pool") : record.loopName(std::size_t(tid - 1)));
            buf.append("}}");
        }

        std::uint64_t flowId = 0;
        for (std::uint64_t id = 1; id <= record.taskCount(); ++id) {
            const TaskView t = *record.task(id);
            const int tid = tidOf(t.loop);
            const QByteArray idText = QByteArray::number(static_cast<qulonglong>(id));
            appendTraceHead(buf, "b", t.name, tid, t.createdNs);
            buf.append(",\"cat\":");
            appendJsonString(buf, t.opName);
            buf.append(",\"id\":" + idText + "}");
            appendTraceHead(buf, "e", t.name, tid, t.finishedNs.value_or(std::max(nowNs, t.createdNs)));
            buf.append(",\"cat\":");
            appendJsonString(buf, t.opName);
            buf.append(",\"id\":" + idText + ",\"args\":{\"state\":");
            appendJsonString(buf, rt::toString(t.state));
            if (t.state == rt::TaskState::Failed) {
                buf.append(",\"error\":");
                appendJsonString(buf, t.error);
            }
            if (t.state == rt::TaskState::Cancelled) {
                buf.append(",\"cancel_reason\":");
                appendJsonString(buf, t.cancelReason);
            }
            buf.append("}}");
            // Flows: parent → child and origin → spawned task, both at the child's creation.
            const std::pair<std::uint64_t, const char *> links[] = {{t.parent, "child"}, {t.origin, "spawn"}};
            for (const auto &[from, kind] : links) {
                if (from == 0)
                    continue;
                const QString kindName = QLatin1String(kind);
                const QByteArray flow = QByteArray::number(static_cast<qulonglong>(++flowId));
                appendTraceHead(buf, "s", kindName, tidOf(record.loopOf(from)), t.createdNs);
                buf.append(",\"cat\":\"flow\",\"id\":" + flow + ",\"bp\":\"e\"}");
                appendTraceHead(buf, "f", kindName, tid, t.createdNs);
                buf.append(",\"cat\":\"flow\",\"id\":" + flow + ",\"bp\":\"e\"}");
            }
            out.maybeFlush();
        }

        const std::vector<LoopView> loops = record.loops();
        for (std::size_t i = 0; i < loops.size(); ++i) {
            for (const StallView &stall : loops[i].stalls) {
                appendTraceHead(buf, "i", QStringLiteral("stall"), int(i) + 1, stall.startNs);
                buf.append(",\"cat\":\"stall\",\"s\":\"t\",\"args\":{\"ms\":");
                appendMs(buf, stall.durationNs);
                buf.append(",\"task\":");
                appendId(buf, stall.task);
                buf.append("}}");
            }
            out.maybeFlush();
        }
        buf.append("\n],\"displayTimeUnit\":\"ms\"}\n");
        return out.ok() ? std::nullopt : std::optional<QString>(out.error());
    });
}

ExportResult exportLog(const RunRecord &record, const QString &path, const ExportOptions &options)
{
    const std::optional<LogFormat> format = formatForPath(path);
    if (!format)
        return {QStringLiteral("%1: unknown log format (use .json, .jsonl, .csv or .trace.json)").arg(path)};
    return exportLog(record, path, *format, options);
}

ExportResult exportLog(const RunRecord &record, const QString &path, LogFormat format, const ExportOptions &options)
{
    switch (format) {
    case LogFormat::Json: return exportJson(record, path, options);
    case LogFormat::Jsonl: return exportJsonl(record, path);
    case LogFormat::Csv: return exportCsv(record, path);
    case LogFormat::Trace: return exportTrace(record, path, options);
    }
    return {};
}

} // namespace coroscope::log

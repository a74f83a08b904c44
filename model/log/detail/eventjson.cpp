#include "eventjson.h"

#include "log/runrecord.h"
#include "jsontext.h"

namespace coroscope::log::detail {

using rt::EventType;

static void appendId(QByteArray &out, std::uint64_t id)
{
    if (id == 0)
        out.append("null");
    else
        out.append(QByteArray::number(static_cast<qulonglong>(id)));
}

bool appendEventJson(QByteArray &out, const RunRecord &record, const QString &loopName, const rt::Event &e,
                     EventJsonOptions options)
{
    if (e.type == EventType::CallbackAdded || e.type == EventType::QueueDepth)
        return false;
    const std::uint64_t id = record.localId(e.task);
    if (id == 0 && e.type != EventType::Stall)
        return false;
    out.append("{\"t_ms\":");
    appendMs(out, e.tNs - record.startNs());
    out.append(",\"task\":");
    appendId(out, id);
    out.append(",\"type\":");
    appendJsonString(out, rt::toString(e.type));
    switch (e.type) {
    case EventType::Created:
        if (options.taskDetails) {
            const std::optional<TaskView> t = record.task(id);
            out.append(",\"name\":");
            appendJsonString(out, t->name);
            out.append(",\"op\":");
            appendJsonString(out, t->opName);
            out.append(",\"parent\":");
            appendId(out, t->parent);
            out.append(",\"loop\":");
            appendJsonString(out, t->loop);
        }
        break;
    case EventType::Done:
        // The jsonl log is read back on its own (log-format.md, reading a jsonl log).
        if (options.taskDetails) {
            const std::optional<TaskView> t = record.task(id);
            out.append(",\"result\":");
            out.append(t && !t->result.isEmpty() ? t->result.toUtf8() : QByteArray("null"));
        }
        break;
    case EventType::Suspended: {
        out.append(",\"await\":");
        const auto kind = rt::AwaitKind(e.kind);
        appendJsonString(out, record.awaitText(kind, e.arg));
        // What the text cannot say exactly, for a log read back (log-format.md, "suspended").
        if (kind == rt::AwaitKind::Sleep) {
            out.append(",\"ms\":");
            out.append(QByteArray::number(static_cast<qulonglong>(e.arg)));
        }
        const bool onTask = kind == rt::AwaitKind::Task || kind == rt::AwaitKind::WaitFor || kind == rt::AwaitKind::QueueGet
                            || kind == rt::AwaitKind::QueuePut || kind == rt::AwaitKind::QueueJoin;
        if (const std::uint64_t on = onTask ? record.localId(e.arg) : 0) {
            out.append(",\"on\":");
            appendId(out, on);
        }
        break;
    }
    case EventType::CancelRequested:
        out.append(",\"reason\":");
        appendJsonString(out, record.cancelText(rt::CancelKind(e.kind), e.arg));
        break;
    case EventType::Failed:
        out.append(",\"error\":");
        appendJsonString(out, record.error(id));
        break;
    case EventType::Callback:
        out.append(",\"index\":");
        out.append(QByteArray::number(static_cast<qulonglong>(e.arg)));
        break;
    case EventType::CallbackFailed: {
        // Rare (a callback that raised): the task's view is built for its text.
        out.append(",\"index\":");
        out.append(QByteArray::number(static_cast<qulonglong>(e.arg)));
        out.append(",\"error\":");
        const std::optional<TaskView> t = record.task(id);
        const bool known = t && e.arg < t->callbacks.size() && t->callbacks[e.arg].error;
        appendJsonString(out, known ? *t->callbacks[e.arg].error : QString());
        break;
    }
    case EventType::Stall:
        out.append(",\"loop\":");
        appendJsonString(out, loopName);
        out.append(",\"ms\":");
        appendMs(out, std::int64_t(std::min<std::uint64_t>(e.arg, INT64_MAX)));
        break;
    case EventType::Started:
    case EventType::Resumed:
    case EventType::Cancelled:
    case EventType::CallbackAdded:
    case EventType::QueueDepth:
        break;
    }
    out.append('}');
    return true;
}

} // namespace coroscope::log::detail

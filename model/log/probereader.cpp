#include "probereader.h"

#include "log/optag.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

#include <algorithm>
#include <charconv>
#include <string_view>
#include <cmath>
#include <cstring>

namespace coroscope::log {

using rt::EventType;

namespace {

// The log's bounds (log-format.md, "Reading a log back"): times within ±10^12 ms fit
// in nanoseconds; ids are JSON's exact integers.
constexpr double kMaxMs = 1e12;
constexpr double kMaxId = 9007199254740992.0;

std::optional<std::uint64_t> idOf(double d);
std::optional<std::int64_t> nsOfMs(double d);

std::optional<std::uint64_t> idOf(const QJsonValue &v)
{
    return v.isDouble() ? idOf(v.toDouble()) : std::nullopt;
}

std::optional<std::int64_t> nsOfMs(const QJsonValue &v)
{
    return v.isDouble() ? nsOfMs(v.toDouble()) : std::nullopt;
}

std::optional<std::uint32_t> indexOf(const QJsonValue &v)
{
    if (!v.isDouble())
        return std::nullopt;
    const double d = v.toDouble();
    if (!(d >= 0 && d <= 4294967295.0) || d != std::floor(d))
        return std::nullopt;
    return std::uint32_t(d);
}

QString compact(const QJsonValue &value)
{
    if (value.isNull() || value.isUndefined())
        return {};
    if (value.isObject())
        return QString::fromUtf8(QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
    const QByteArray array = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
    return QString::fromUtf8(array.mid(1, array.size() - 2));
}

// The journal's await kind and number for the log's words (rt::describeAwait's inverse);
// anything else is a `future`.
std::pair<rt::AwaitKind, std::uint64_t> awaitOf(const QString &text)
{
    using rt::AwaitKind;
    const auto count = [&](QLatin1String word, AwaitKind kind) -> std::optional<std::pair<AwaitKind, std::uint64_t>> {
        if (!text.startsWith(word))
            return std::nullopt;
        bool ok = false;
        const qulonglong n = text.mid(word.size()).toULongLong(&ok);
        return ok ? std::optional(std::pair(kind, std::uint64_t(n))) : std::nullopt;
    };
    if (text.startsWith(QLatin1String("sleep ")) && text.endsWith(QLatin1Char('s'))) {
        bool ok = false;
        const double s = text.mid(6, text.size() - 7).toDouble(&ok);
        if (ok && s >= 0 && s <= kMaxMs / 1000)
            return {s == 0 ? AwaitKind::Yield : AwaitKind::Sleep, std::uint64_t(std::llround(s * 1000))};
    }
    for (const auto &[word, kind] : {std::pair(QLatin1String("gather "), AwaitKind::Gather),
                                     std::pair(QLatin1String("wait "), AwaitKind::Wait),
                                     std::pair(QLatin1String("as_completed "), AwaitKind::AsCompleted)}) {
        if (const auto found = count(word, kind))
            return *found;
    }
    if (text == QLatin1String("queue.get"))
        return {AwaitKind::QueueGet, 0};
    if (text == QLatin1String("queue.put"))
        return {AwaitKind::QueuePut, 0};
    if (text == QLatin1String("queue.join"))
        return {AwaitKind::QueueJoin, 0};
    return {AwaitKind::Future, 0};
}

// A strict subset of JSON, for the `ended` frame as the probes write it: each function
// takes its token at p (moving p past it) or leaves p and says no.
bool takeLiteral(const char *&p, const char *end, std::string_view literal)
{
    if (std::size_t(end - p) < literal.size() || std::memcmp(p, literal.data(), literal.size()) != 0)
        return false;
    p += literal.size();
    return true;
}

// A JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, read as the JSON parser
// reads it (the nearest double).
bool takeNumber(const char *&p, const char *end, double &out)
{
    const char *q = p;
    const auto digits = [&] {
        const char *from = q;
        while (q < end && *q >= '0' && *q <= '9')
            ++q;
        return q > from;
    };
    if (q < end && *q == '-')
        ++q;
    if (q < end && *q == '0')
        ++q;
    else if (!digits())
        return false;
    if (q < end && *q == '.' && (++q, !digits()))
        return false;
    if (q < end && (*q == 'e' || *q == 'E')) {
        ++q;
        if (q < end && (*q == '+' || *q == '-'))
            ++q;
        if (!digits())
            return false;
    }
    const auto [ptr, ec] = std::from_chars(p, q, out);
    if (ec != std::errc() || ptr != q)
        return false;
    p = q;
    return true;
}

// A string of printable ASCII without escapes, as a view into the text (no QString
// built for what is only compared or skipped).
bool takeAsciiString(const char *&p, const char *end, std::string_view &out)
{
    if (p == end || *p != '"')
        return false;
    const char *q = p + 1;
    while (q < end && *q != '"') {
        if (*q < 0x20 || *q > 0x7e || *q == '\\')
            return false;
        ++q;
    }
    if (q == end)
        return false;
    out = std::string_view(p + 1, std::size_t(q - p - 1));
    p = q + 1;
    return true;
}

bool takeAsciiString(const char *&p, const char *end, QString &out)
{
    std::string_view view;
    if (!takeAsciiString(p, end, view))
        return false;
    out = QString::fromLatin1(view.data(), qsizetype(view.size()));
    return true;
}

std::optional<std::uint64_t> idOf(double d)
{
    if (!(d >= 1 && d <= kMaxId) || d != std::floor(d))
        return std::nullopt;
    return std::uint64_t(d);
}

std::optional<std::int64_t> nsOfMs(double d)
{
    if (!(d >= 0 && d <= kMaxMs))
        return std::nullopt;
    return std::int64_t(std::llround(d * 1e6));
}

} // namespace

bool ProbeReader::feed(const char *data, qsizetype size)
{
    if (failed())
        return false;
    qsizetype pos = 0;
    while (pos < size) {
        const char *eol = static_cast<const char *>(std::memchr(data + pos, '\n', std::size_t(size - pos)));
        const qsizetype end = eol ? qsizetype(eol - data) : size;
        // The newline counts, also the one still to come: a piece of kMaxFrame bytes
        // without it can only become a longer frame.
        if (m_partial.size() + (end - pos) + 1 > kMaxFrame) {
            m_error = QStringLiteral("frame %1: longer than %2 bytes").arg(m_frames + 1).arg(kMaxFrame);
            m_partial.clear();
            return false;
        }
        if (!eol) {
            m_partial.append(data + pos, end - pos);
            break;
        }
        // A frame that came whole is read where it lies.
        std::string_view text(data + pos, std::size_t(end - pos));
        if (!m_partial.isEmpty()) {
            m_partial.append(data + pos, end - pos);
            text = std::string_view(m_partial.constData(), std::size_t(m_partial.size()));
        }
        pos = end + 1;
        ++m_frames;
        const QString problem = frame(text);
        m_partial.clear();
        if (!problem.isEmpty()) {
            m_error = QStringLiteral("frame %1: %2").arg(m_frames).arg(problem);
            return false;
        }
    }
    return true;
}

std::optional<std::uint64_t> ProbeReader::taskNamed(const QString &name) const
{
    const auto it = m_idOfName.constFind(name);
    return it == m_idOfName.constEnd() ? std::nullopt : std::optional(it.value());
}

std::uint32_t ProbeReader::addString(const QString &s)
{
    if (s.isEmpty())
        return 0;
    m_batch.strings.push_back(s);
    return std::uint32_t(m_batch.strings.size());
}

std::uint8_t *ProbeReader::flagsOf(std::uint64_t task)
{
    if (task < m_denseTasks.size())
        return m_denseTasks[task] & kCreated ? &m_denseTasks[task] : nullptr;
    const auto it = m_sparseTasks.find(task);
    return it == m_sparseTasks.end() ? nullptr : &it->second;
}

std::uint8_t &ProbeReader::addTask(std::uint64_t task)
{
    // The array grows to hold the id if that keeps it within 4 bytes a task (and 1 MiB):
    // ids from hostile input cannot make it large.
    constexpr std::size_t kSlack = std::size_t(1) << 20;
    ++m_taskCount;
    if (task >= m_denseTasks.size() && task < 4 * m_taskCount + kSlack) {
        m_denseTasks.resize(std::max<std::size_t>(task + 1, std::min(2 * m_denseTasks.size(), 4 * m_taskCount + kSlack)));
        for (auto it = m_sparseTasks.begin(); it != m_sparseTasks.end();) {
            if (it->first < m_denseTasks.size()) {
                m_denseTasks[it->first] = it->second;
                it = m_sparseTasks.erase(it);
            } else {
                ++it;
            }
        }
    }
    std::uint8_t &flags = task < m_denseTasks.size() ? m_denseTasks[task] : m_sparseTasks[task];
    flags = kCreated;
    return flags;
}

QString ProbeReader::frame(std::string_view text)
{
    if (m_hello && ((m_inResync && endedFast(text)) || eventFast(text)))
        return {};
    QJsonParseError parseError{};
    const QJsonDocument doc =
        QJsonDocument::fromJson(QByteArray::fromRawData(text.data(), qsizetype(text.size())), &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isObject())
        return QStringLiteral("not a JSON object");
    const QJsonObject o = doc.object();

    if (!m_hello) {
        const QJsonValue protocol = o.value(QLatin1String("protocol"));
        if (!protocol.isString())
            return QStringLiteral("expected the probe's hello (with \"protocol\"): not a coroscope probe");
        if (protocol.toString() != QLatin1String(kProtocol))
            return QStringLiteral("the probe speaks %1, this Coroscope %2").arg(protocol.toString(), QLatin1String(kProtocol));
        ProbeHello hello;
        const QJsonValue pid = o.value(QLatin1String("pid"));
        const QJsonValue program = o.value(QLatin1String("program"));
        const QJsonValue started = o.value(QLatin1String("started_at"));
        if (!idOf(pid) || !program.isString() || !started.isString())
            return QStringLiteral("hello: expected pid (an integer >= 1), program and started_at (strings)");
        hello.pid = qint64(*idOf(pid));
        hello.program = program.toString();
        hello.startedAt = QDateTime::fromString(started.toString(), Qt::ISODateWithMs);
        if (!hello.startedAt.isValid())
            return QStringLiteral("hello: started_at: expected an ISO 8601 time");
        for (const QJsonValue &a : o.value(QLatin1String("argv")).toArray())
            hello.argv << a.toString();
        hello.python = o.value(QLatin1String("python")).toString();
        hello.resync = o.value(QLatin1String("resync")).toBool();
        m_hello = std::move(hello);
        return {};
    }

    const QJsonValue typeValue = o.value(QLatin1String("type"));
    if (!typeValue.isString())
        return QStringLiteral("type: expected a string");
    const QString type = typeValue.toString();
    if (type == QLatin1String("snapshot_end")) {
        m_snapshotDone = true;
        m_inResync = false;
        return {};
    }
    if (type == QLatin1String("resync")) {
        if (!m_resyncAccepted)
            return QStringLiteral("resync: this client did not ask for it");
        if (!m_snapshotDone || m_inResync)
            return QStringLiteral("resync: before the snapshot's end");
        m_inResync = true;
        ++m_resyncs;
        return {};
    }
    if (type == QLatin1String("ended")) { // one endedFast() could not read
        if (!m_inResync)
            return QStringLiteral("ended: outside a resync's snapshot");
        return ended(o);
    }
    if (type == QLatin1String("ack")) {
        ProbeAck ack;
        const QJsonValue seq = o.value(QLatin1String("seq"));
        const QJsonValue error = o.value(QLatin1String("error"));
        if (seq.isDouble() && seq.toDouble() == std::floor(seq.toDouble()) && std::abs(seq.toDouble()) <= kMaxId)
            ack.seq = qint64(seq.toDouble());
        else if (!seq.isNull() && !seq.isUndefined())
            return QStringLiteral("ack: seq: expected an integer or null");
        if (!error.isUndefined() && !error.isString())
            return QStringLiteral("ack: error: expected a string");
        ack.error = error.toString();
        if (!error.isUndefined() && ack.error.isEmpty())
            ack.error = QStringLiteral("failed");
        m_acks.push_back(std::move(ack));
        return {};
    }
    if (type == QLatin1String("error"))
        return QStringLiteral("the probe refused: ") + o.value(QLatin1String("message")).toString();
    return event(o, type);
}

QString ProbeReader::event(const QJsonObject &o, const QString &type)
{
    const std::optional<std::int64_t> tNs = nsOfMs(o.value(QLatin1String("t_ms")));
    if (!tNs)
        return QStringLiteral("t_ms: expected a number from 0 to 10^12");
    const QJsonValue taskValue = o.value(QLatin1String("task"));
    const std::optional<std::uint64_t> task = idOf(taskValue);
    const auto push = [&](EventType t, std::uint64_t id, std::uint64_t arg = 0, std::uint8_t kind = 0,
                          std::uint32_t text = 0) {
        m_batch.events.push_back(rt::Event{*tNs, id, arg, 0, text, t, kind, 0});
    };

    if (type == QLatin1String("stall")) {
        const std::optional<std::int64_t> ns = nsOfMs(o.value(QLatin1String("ms")));
        if (!ns || !o.value(QLatin1String("loop")).isString())
            return QStringLiteral("a stall needs loop (a string) and ms (a number >= 0)");
        push(EventType::Stall, task && flagsOf(*task) ? *task : 0, std::uint64_t(*ns));
        return {};
    }
    if (!task)
        return QStringLiteral("task: expected a task id (an integer >= 1)");

    if (type == QLatin1String("created")) {
        const QJsonValue name = o.value(QLatin1String("name"));
        const QJsonValue op = o.value(QLatin1String("op"));
        const QJsonValue parent = o.value(QLatin1String("parent"));
        if (!name.isString() || !op.isString())
            return QStringLiteral("created: expected the task's name and op (strings)");
        if (!parent.isNull() && !parent.isUndefined() && !idOf(parent))
            return QStringLiteral("parent: expected a task id or null");
        if (flagsOf(*task)) {
            if (m_inResync)
                return {}; // a task it knows, brought up to date by what follows
            return QStringLiteral("task %1 is created twice").arg(*task);
        }
        create(*tNs, *task, name.toString(), opTagFromName(op.toString()), idOf(parent));
        return {};
    }
    std::uint8_t *const known = flagsOf(*task);
    if (!known)
        return QStringLiteral("task %1 has no created event before it").arg(*task);
    std::uint8_t &flags = *known;
    // In a resync's snapshot, what it already has of a task is not applied again, and
    // nothing but its callbacks after its end (spec: "Falling behind: resync").
    const bool skip = m_inResync && (flags & kEnded);

    if (type == QLatin1String("started")) {
        step(EventType::Started, *tNs, *task, flags);
    } else if (type == QLatin1String("resumed")) {
        step(EventType::Resumed, *tNs, *task, flags);
    } else if (type == QLatin1String("suspended")) {
        const QJsonValue await = o.value(QLatin1String("await"));
        const QJsonValue awaitTask = o.value(QLatin1String("await_task"));
        if (!await.isString())
            return QStringLiteral("suspended: await: expected a string");
        if (!awaitTask.isUndefined() && !idOf(awaitTask))
            return QStringLiteral("suspended: await_task: expected a task id");
        suspended(*tNs, *task, flags, await.toString(), idOf(awaitTask));
    } else if (type == QLatin1String("cancel_requested") || type == QLatin1String("cancelled")) {
        const auto cancel = cancelOf(o.value(QLatin1String("reason")));
        if (!cancel)
            return QStringLiteral("reason: expected a string");
        const bool final = type == QLatin1String("cancelled");
        if (!skip && !(m_inResync && !final && (flags & kCancelAsked)))
            push(final ? EventType::Cancelled : EventType::CancelRequested, *task, cancel->second, std::uint8_t(cancel->first));
        flags |= final ? kEnded : kCancelAsked;
    } else if (type == QLatin1String("done")) {
        step(EventType::Done, *tNs, *task, flags, 0, 0, skip ? 0 : addString(compact(o.value(QLatin1String("result")))));
    } else if (type == QLatin1String("failed")) {
        const QJsonValue error = o.value(QLatin1String("error"));
        if (!error.isString())
            return QStringLiteral("failed: error: expected a string");
        if (!skip)
            push(EventType::Failed, *task, 0, 0, addString(error.toString()));
        flags |= kEnded;
    } else if (type == QLatin1String("callback") || type == QLatin1String("callback_added")) {
        const std::optional<std::uint32_t> index = indexOf(o.value(QLatin1String("index")));
        if (!index)
            return QStringLiteral("index: expected an integer from 0 to 2^32 - 1");
        if (type == QLatin1String("callback")) {
            push(EventType::Callback, *task, *index);
        } else {
            const QJsonValue callback = o.value(QLatin1String("callback"));
            if (!callback.isObject())
                return QStringLiteral("callback_added: callback: expected an object");
            push(EventType::CallbackAdded, *task, *index, 0, addString(compact(callback)));
        }
    } else {
        return QStringLiteral("type: unknown event type \"%1\"").arg(type.left(64));
    }
    return {};
}

// A started, resumed or done event of a task it knows, its fields read and checked.
void ProbeReader::step(EventType type, std::int64_t tNs, std::uint64_t task, std::uint8_t &flags, std::uint64_t arg,
                       std::uint8_t kind, std::uint32_t text)
{
    const std::uint8_t already = type == EventType::Started ? (kStarted | kEnded) : kEnded;
    if (!(m_inResync && (flags & already)))
        m_batch.events.push_back(rt::Event{tNs, task, arg, 0, text, type, kind, 0});
    if (type == EventType::Started)
        flags |= kStarted;
    else if (type == EventType::Done)
        flags |= kEnded;
}

void ProbeReader::suspended(std::int64_t tNs, std::uint64_t task, std::uint8_t &flags, const QString &await,
                            std::optional<std::uint64_t> awaitTask)
{
    if (awaitTask) {
        step(EventType::Suspended, tNs, task, flags, *awaitTask, std::uint8_t(rt::AwaitKind::Task));
    } else {
        const auto [kind, arg] = awaitOf(await);
        step(EventType::Suspended, tNs, task, flags, arg, std::uint8_t(kind));
    }
}

// The events the C++ probe sends most (created, started, suspended, resumed, done with
// a null result) as it writes them, read without a JSON document: at a million tasks
// that was most of a client's time. The keys in the probe's order, no whitespace,
// strings of printable ASCII without escapes; false, having applied nothing, for any
// other text or for what event() would refuse: frame() then reads it the general way.
bool ProbeReader::eventFast(std::string_view text)
{
    const char *p = text.data();
    const char *const end = p + text.size();
    double t = 0, id = 0;
    std::string_view type;
    if (!takeLiteral(p, end, R"({"t_ms":)") || !takeNumber(p, end, t) || !takeLiteral(p, end, R"(,"task":)")
        || !takeNumber(p, end, id) || !takeLiteral(p, end, R"(,"type":)") || !takeAsciiString(p, end, type))
        return false;
    const auto tNs = nsOfMs(t);
    const auto task = idOf(id);
    if (!tNs || !task)
        return false;
    if (type == "created") {
        QString name;
        std::string_view op, loop;
        double parent = 0;
        if (!takeLiteral(p, end, R"(,"name":)") || !takeAsciiString(p, end, name) || !takeLiteral(p, end, R"(,"op":)")
            || !takeAsciiString(p, end, op) || !takeLiteral(p, end, R"(,"parent":)"))
            return false;
        const bool noParent = takeLiteral(p, end, "null");
        if ((!noParent && (!takeNumber(p, end, parent) || !idOf(parent))) || !takeLiteral(p, end, R"(,"loop":)")
            || !takeAsciiString(p, end, loop) || !takeLiteral(p, end, "}") || p != end)
            return false;
        if (flagsOf(*task))
            return m_inResync; // a task it knows, brought up to date by what follows; else refused by event()
        create(*tNs, *task, name, opTagFromName(QLatin1String(op.data(), qsizetype(op.size()))),
               noParent ? std::nullopt : idOf(parent));
        return true;
    }
    std::uint8_t *const known = flagsOf(*task);
    if (!known)
        return false;
    if (type == "started" || type == "resumed") {
        if (!takeLiteral(p, end, "}") || p != end)
            return false;
        step(type[0] == 's' ? EventType::Started : EventType::Resumed, *tNs, *task, *known);
        return true;
    }
    if (type == "suspended") {
        QString await;
        double awaitTask = 0;
        if (!takeLiteral(p, end, R"(,"await":)") || !takeAsciiString(p, end, await))
            return false;
        const bool onTask = takeLiteral(p, end, R"(,"await_task":)");
        if ((onTask && (!takeNumber(p, end, awaitTask) || !idOf(awaitTask))) || !takeLiteral(p, end, "}") || p != end)
            return false;
        suspended(*tNs, *task, *known, await, onTask ? idOf(awaitTask) : std::nullopt);
        return true;
    }
    if (type == "done") {
        if (!takeLiteral(p, end, R"(,"result":null})") || p != end)
            return false;
        step(EventType::Done, *tNs, *task, *known);
        return true;
    }
    return false;
}

std::optional<std::pair<rt::CancelKind, std::uint64_t>> ProbeReader::cancelOf(const QJsonValue &reason) const
{
    if (reason.isUndefined() || reason.isNull())
        return std::pair(rt::CancelKind::User, std::uint64_t(0));
    if (!reason.isString())
        return std::nullopt;
    const QString text = reason.toString();
    if (text.startsWith(QLatin1String("task:")))
        return std::pair(rt::CancelKind::Task, m_idOfName.value(text.mid(5), 0));
    for (auto k : {rt::CancelKind::Parent, rt::CancelKind::Timeout, rt::CancelKind::Deadline}) {
        if (text == rt::toString(k))
            return std::pair(k, std::uint64_t(0));
    }
    return std::pair(rt::CancelKind::User, std::uint64_t(0));
}

void ProbeReader::create(std::int64_t tNs, std::uint64_t task, const QString &name, OpTag op,
                         std::optional<std::uint64_t> parent)
{
    // A parent the probe has forgotten (it keeps the last 10,000 finished tasks) is none.
    const std::uint64_t parentId = parent && flagsOf(*parent) ? *parent : 0;
    addTask(task);
    m_idOfName.insert(name, task);
    m_batch.events.push_back(
        rt::Event{tNs, task, parentId, 0, addString(name), EventType::Created, std::uint8_t(op), 0});
}

// {"type":"ended","tasks":[[id, state, t_ms, reason, name, parent, created_t_ms], ...]}
// (spec: "Falling behind: resync"): every entry is checked before any is applied.
QString ProbeReader::ended(const QJsonObject &o)
{
    const QJsonValue tasks = o.value(QLatin1String("tasks"));
    if (!tasks.isArray())
        return QStringLiteral("ended: tasks: expected an array");
    std::vector<EndedEntry> entries;
    const QJsonArray array = tasks.toArray();
    entries.reserve(std::size_t(array.size()));
    for (qsizetype i = 0; i < array.size(); ++i) {
        const QJsonArray e = array.at(i).toArray();
        const QString where = QStringLiteral("ended: task %1: ").arg(i);
        if (!array.at(i).isArray() || e.size() != 7)
            return where + QStringLiteral("expected [id, state, t_ms, reason, name, parent, created t_ms]");
        const auto id = idOf(e.at(0));
        const QString state = e.at(1).toString();
        const auto tNs = nsOfMs(e.at(2));
        const auto createdNs = nsOfMs(e.at(6));
        const auto cancel = cancelOf(e.at(3));
        if (!id)
            return where + QStringLiteral("id: expected a task id (an integer >= 1)");
        EventType type = EventType::Done;
        if (state == QLatin1String("failed"))
            type = EventType::Failed;
        else if (state == QLatin1String("cancelled"))
            type = EventType::Cancelled;
        else if (state != QLatin1String("done"))
            return where + QStringLiteral("state: expected done, failed or cancelled");
        if (!tNs || !createdNs)
            return where + QStringLiteral("t_ms: expected a number from 0 to 10^12");
        if (!cancel || (type != EventType::Cancelled && !e.at(3).isNull()))
            return where + QStringLiteral("reason: expected a string for a cancelled task, else null");
        if (!e.at(4).isString())
            return where + QStringLiteral("name: expected a string");
        if (!e.at(5).isNull() && !idOf(e.at(5)))
            return where + QStringLiteral("parent: expected a task id or null");
        entries.push_back(EndedEntry{*id, type, *tNs, *cancel, e.at(4).toString(), {}, idOf(e.at(5)), *createdNs});
    }
    applyEnded(entries);
    return {};
}

// The `ended` frame as the probes write it, read without a JSON document (at a million
// tasks, building one was most of a client's time at a program's exit): no whitespace,
// strings of printable ASCII without escapes. False, having applied nothing, for any
// other text or an entry the checks of ended() refuse: ended() then reads it (the same
// result for what both read, and its message for what it refuses).
bool ProbeReader::endedFast(std::string_view text)
{
    const char *p = text.data();
    const char *const end = p + text.size();
    if (!takeLiteral(p, end, R"({"type":"ended","tasks":[)"))
        return false;
    std::vector<EndedEntry> &entries = m_entries;
    entries.clear();
    std::string_view state, reason;
    bool first = true;
    while (!takeLiteral(p, end, "]}")) {
        if (!first && !takeLiteral(p, end, ","))
            return false;
        first = false;
        EndedEntry e{};
        double id = 0, t = 0, created = 0, parent = 0;
        if (!takeLiteral(p, end, "[") || !takeNumber(p, end, id) || !takeLiteral(p, end, ",")
            || !takeAsciiString(p, end, state) || !takeLiteral(p, end, ",") || !takeNumber(p, end, t)
            || !takeLiteral(p, end, ","))
            return false;
        const bool noReason = takeLiteral(p, end, "null");
        if ((!noReason && !takeAsciiString(p, end, reason)) || !takeLiteral(p, end, ",")
            || !takeAsciiString(p, end, e.asciiName) || !takeLiteral(p, end, ","))
            return false;
        const bool noParent = takeLiteral(p, end, "null");
        if ((!noParent && !takeNumber(p, end, parent)) || !takeLiteral(p, end, ",") || !takeNumber(p, end, created)
            || !takeLiteral(p, end, "]"))
            return false;
        if (state == "done")
            e.type = EventType::Done;
        else if (state == "failed")
            e.type = EventType::Failed;
        else if (state == "cancelled")
            e.type = EventType::Cancelled;
        else
            return false;
        const auto taskId = idOf(id);
        const auto tNs = nsOfMs(t);
        const auto createdNs = nsOfMs(created);
        if (!taskId || !tNs || !createdNs || (!noReason && e.type != EventType::Cancelled) || (!noParent && !idOf(parent)))
            return false;
        e.id = *taskId;
        e.tNs = *tNs;
        e.createdNs = *createdNs;
        e.cancel = noReason ? std::pair(rt::CancelKind::User, std::uint64_t(0))
                            : *cancelOf(QJsonValue(QString::fromLatin1(reason.data(), qsizetype(reason.size()))));
        e.parent = noParent ? std::nullopt : idOf(parent);
        entries.push_back(std::move(e));
    }
    if (p != end || first)
        return false; // more after the frame, or no entry (ended() says what it makes of it)
    applyEnded(entries);
    return true;
}

void ProbeReader::applyEnded(const std::vector<EndedEntry> &entries)
{
    for (const EndedEntry &e : entries) {
        std::uint8_t *known = flagsOf(e.id);
        if (!known) {
            create(e.createdNs, e.id,
                   e.name.isNull() ? QString::fromLatin1(e.asciiName.data(), qsizetype(e.asciiName.size())) : e.name,
                   OpTag::None, e.parent); // op `task`
            known = flagsOf(e.id);
        }
        std::uint8_t &flags = *known;
        if (flags & kEnded)
            continue;
        flags |= kEnded;
        const auto kind = e.type == EventType::Cancelled ? std::uint8_t(e.cancel.first) : std::uint8_t(0);
        m_batch.events.push_back(rt::Event{e.tNs, e.id, e.type == EventType::Cancelled ? e.cancel.second : 0, 0, 0,
                                           e.type, kind, 0});
    }
}

} // namespace coroscope::log

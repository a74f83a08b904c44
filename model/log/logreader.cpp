#include "logreader.h"

#include "logtarget.h"
#include "runtime/clock.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QLocale>
#include <QSet>

#include <algorithm>
#include <cmath>

namespace coroscope::log {

namespace {

// Converts the parsed document, stopping at the first problem (kept in m_error).
class Converter
{
public:
    std::optional<RunLog> run(const QJsonObject &root);
    QString m_error;

private:
    // A JSON Pointer, spelled out only when a problem is reported: reading a million
    // tasks builds no path strings.
    struct Path {
        const Path *parent = nullptr;
        const char *key = nullptr;
        qsizetype index = -1;

        [[nodiscard]] QString text() const
        {
            if (!parent)
                return key ? QLatin1Char('/') + QLatin1String(key) : QString();
            return parent->text() + QLatin1Char('/') + (key ? QString(QLatin1String(key)) : QString::number(index));
        }
    };

    bool fail(const Path &path, const QString &message)
    {
        const QString pointer = path.text();
        m_error = (pointer.isEmpty() ? QStringLiteral("/") : pointer) + QStringLiteral(": ") + message;
        return false;
    }
    static QString describe(const QJsonValue &v);
    bool expected(const Path &path, const char *what, const QJsonValue &v)
    {
        return fail(path, QStringLiteral("expected %1, got %2").arg(QLatin1String(what), describe(v)));
    }
    static Path at(const Path &path, const char *key) { return Path{&path, key, -1}; }
    static Path at(const Path &path, qsizetype index) { return Path{&path, nullptr, index}; }

    // Each getter reads obj[key] into out and reports a missing or mistyped value.
    bool has(const QJsonObject &obj, const Path &path, const char *key, QJsonValue &out)
    {
        const auto it = obj.constFind(QLatin1String(key));
        if (it == obj.constEnd())
            return fail(path, QStringLiteral("missing key \"%1\"").arg(QLatin1String(key)));
        out = it.value();
        return true;
    }
    bool string(const QJsonObject &obj, const Path &path, const char *key, QString &out);
    bool optString(const QJsonObject &obj, const Path &path, const char *key, std::optional<QString> &out);
    bool number(const QJsonObject &obj, const Path &path, const char *key, double &out, bool nonNegative);
    bool optNumber(const QJsonObject &obj, const Path &path, const char *key, std::optional<double> &out);
    bool optId(const QJsonObject &obj, const Path &path, const char *key, std::optional<std::int64_t> &out);
    bool array(const QJsonObject &obj, const Path &path, const char *key, QJsonArray &out);
    bool object(const QJsonValue &v, const Path &path, QJsonObject &out)
    {
        if (!v.isObject())
            return expected(path, "an object", v);
        out = v.toObject();
        return true;
    }
    static bool isId(const QJsonValue &v)
    {
        if (!v.isDouble())
            return false;
        const double d = v.toDouble();
        return std::isfinite(d) && d >= 1 && d <= 9007199254740992.0 && d == std::floor(d);
    }

    bool task(const QJsonValue &v, const Path &path, LogTask &out);
    bool event(const QJsonValue &v, const Path &path, LogEvent &out);
    bool loop(const QJsonValue &v, const Path &path, LogLoop &out);
};

QString Converter::describe(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Null: return QStringLiteral("null");
    case QJsonValue::Bool: return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QJsonValue::Double: return QString::number(v.toDouble(), 'g', QLocale::FloatingPointShortest);
    case QJsonValue::String: {
        QString s = v.toString();
        if (s.size() > 40)
            s = s.left(40) + QStringLiteral("…");
        return QLatin1Char('"') + s + QLatin1Char('"');
    }
    case QJsonValue::Array: return QStringLiteral("an array");
    case QJsonValue::Object: return QStringLiteral("an object");
    case QJsonValue::Undefined: break;
    }
    return QStringLiteral("nothing");
}

bool Converter::string(const QJsonObject &obj, const Path &path, const char *key, QString &out)
{
    QJsonValue v;
    if (!has(obj, path, key, v))
        return false;
    if (!v.isString())
        return expected(at(path, key), "a string", v);
    out = v.toString();
    return true;
}

bool Converter::optString(const QJsonObject &obj, const Path &path, const char *key, std::optional<QString> &out)
{
    QJsonValue v;
    if (!has(obj, path, key, v))
        return false;
    if (v.isNull())
        out.reset();
    else if (v.isString())
        out = v.toString();
    else
        return expected(at(path, key), "a string or null", v);
    return true;
}

// Every number of a log is a time or a count of ms: within ±kMaxMs, so that it can
// become nanoseconds (log-format.md, "Reading a log back").
constexpr double kMaxMs = double(rt::kMaxDurationMs);

bool inRange(const QJsonValue &v, bool nonNegative)
{
    const double d = v.toDouble();
    return v.isDouble() && std::isfinite(d) && d >= (nonNegative ? 0.0 : -kMaxMs) && d <= kMaxMs;
}

bool Converter::number(const QJsonObject &obj, const Path &path, const char *key, double &out, bool nonNegative)
{
    QJsonValue v;
    if (!has(obj, path, key, v))
        return false;
    if (!inRange(v, nonNegative))
        return expected(at(path, key), nonNegative ? "a number from 0 to 1e12" : "a number from -1e12 to 1e12", v);
    out = v.toDouble();
    return true;
}

bool Converter::optNumber(const QJsonObject &obj, const Path &path, const char *key, std::optional<double> &out)
{
    QJsonValue v;
    if (!has(obj, path, key, v))
        return false;
    if (v.isNull()) {
        out.reset();
        return true;
    }
    if (!inRange(v, false))
        return expected(at(path, key), "a number from -1e12 to 1e12 or null", v);
    out = v.toDouble();
    return true;
}

bool Converter::optId(const QJsonObject &obj, const Path &path, const char *key, std::optional<std::int64_t> &out)
{
    QJsonValue v;
    if (!has(obj, path, key, v))
        return false;
    if (v.isNull()) {
        out.reset();
        return true;
    }
    if (!isId(v))
        return expected(at(path, key), "a task id (an integer >= 1) or null", v);
    out = std::int64_t(v.toDouble());
    return true;
}

bool Converter::array(const QJsonObject &obj, const Path &path, const char *key, QJsonArray &out)
{
    QJsonValue v;
    if (!has(obj, path, key, v))
        return false;
    if (!v.isArray())
        return expected(at(path, key), "an array", v);
    out = v.toArray();
    return true;
}

bool Converter::task(const QJsonValue &v, const Path &path, LogTask &out)
{
    QJsonObject o;
    if (!object(v, path, o))
        return false;
    QJsonValue id;
    if (!has(o, path, "id", id))
        return false;
    if (!isId(id))
        return expected(at(path, "id"), "an integer >= 1", id);
    out.id = std::int64_t(id.toDouble());
    QString state;
    if (!string(o, path, "name", out.name) || !string(o, path, "op", out.op) || !optId(o, path, "parent", out.parent)
        || !optId(o, path, "origin", out.origin) || !string(o, path, "loop", out.loop)
        || !string(o, path, "state", state))
        return false;
    static const char *const states[] = {"pending", "running", "done", "failed", "cancelled"};
    const auto found = std::find_if(std::begin(states), std::end(states),
                                    [&](const char *s) { return state == QLatin1String(s); });
    if (found == std::end(states))
        return expected(at(path, "state"), "pending, running, done, failed or cancelled", o.value(QLatin1String("state")));
    out.state = rt::TaskState(found - std::begin(states));
    QJsonArray callbacks;
    if (!number(o, path, "created_ms", out.createdMs, false) || !optNumber(o, path, "started_ms", out.startedMs)
        || !optNumber(o, path, "finished_ms", out.finishedMs) || !has(o, path, "result", out.result)
        || !optString(o, path, "error", out.error) || !optString(o, path, "cancel_reason", out.cancelReason)
        || !array(o, path, "callbacks", callbacks))
        return false;
    const Path cbPath = at(path, "callbacks");
    out.callbacks.reserve(std::size_t(callbacks.size()));
    for (qsizetype i = 0; i < callbacks.size(); ++i) {
        LogCallback cb;
        QString kind;
        if (!object(callbacks.at(i), at(cbPath, i), cb.description)
            || !string(cb.description, at(cbPath, i), "kind", kind)
            || !optNumber(cb.description, at(cbPath, i), "fired_ms", cb.firedMs)
            // `error` is newer than the format: a log without it had no callback that raised.
            || (cb.description.contains(QLatin1String("error"))
                && !optString(cb.description, at(cbPath, i), "error", cb.error)))
            return false;
        cb.description.remove(QLatin1String("fired_ms"));
        cb.description.remove(QLatin1String("error"));
        out.callbacks.push_back(std::move(cb));
    }
    // `queue` is newer than the format: a log without it says nothing of its queues.
    if (o.contains(QLatin1String("queue"))) {
        QJsonObject q;
        const Path qPath = at(path, "queue");
        if (!object(o.value(QLatin1String("queue")), qPath, q))
            return false;
        LogTask::Queue counts;
        for (auto [key, field] : {std::pair{"capacity", &counts.capacity}, std::pair{"depth", &counts.depth},
                                  std::pair{"peak", &counts.peak}, std::pair{"puts", &counts.puts},
                                  std::pair{"gets", &counts.gets}, std::pair{"task_dones", &counts.taskDones}}) {
            double n = 0;
            if (!number(q, qPath, key, n, true))
                return false;
            if (n != std::floor(n) || n > 4294967295.0)
                return expected(at(qPath, key), "an integer from 0 to 4294967295", q.value(QLatin1String(key)));
            *field = std::uint64_t(n);
        }
        out.queue = counts;
    }
    return true;
}

bool Converter::event(const QJsonValue &v, const Path &path, LogEvent &out)
{
    QJsonObject o;
    QJsonValue type;
    if (!object(v, path, o) || !number(o, path, "t_ms", out.tMs, false) || !optId(o, path, "task", out.task)
        || !has(o, path, "type", type))
        return false;
    static const rt::EventType types[] = {
        rt::EventType::Created, rt::EventType::Started, rt::EventType::Suspended, rt::EventType::Resumed,
        rt::EventType::CancelRequested, rt::EventType::Done, rt::EventType::Failed, rt::EventType::Cancelled,
        rt::EventType::Callback, rt::EventType::Stall, rt::EventType::CallbackFailed};
    static const QStringList names = [] {
        QStringList list;
        for (const rt::EventType t : types)
            list.push_back(rt::toString(t));
        return list;
    }();
    const qsizetype found = type.isString() ? names.indexOf(type.toString()) : -1;
    if (found < 0)
        return expected(at(path, "type"), "an event type (created, started, suspended, …)", type);
    out.type = types[found];
    const auto text = [&](const char *key) { return string(o, path, key, out.text); };
    const auto num = [&](const char *key, bool index) {
        double d = 0;
        if (!number(o, path, key, d, true))
            return false;
        if (index && (d != std::floor(d) || d > 4294967295.0))
            return expected(at(path, key), "an integer from 0 to 4294967295", o.value(QLatin1String(key)));
        out.number = d;
        return true;
    };
    switch (out.type) {
    case rt::EventType::Suspended:
        // `ms` and `on` are newer than the format: optional.
        if (o.contains(QLatin1String("ms")) && !num("ms", false))
            return false;
        if (o.contains(QLatin1String("on")) && !optId(o, path, "on", out.on))
            return false;
        return text("await");
    case rt::EventType::CancelRequested: return text("reason");
    case rt::EventType::Failed: return text("error");
    case rt::EventType::Callback: return num("index", true);
    case rt::EventType::CallbackFailed: return num("index", true) && text("error");
    case rt::EventType::Stall: return text("loop") && num("ms", false);
    default: return true;
    }
}

bool Converter::loop(const QJsonValue &v, const Path &path, LogLoop &out)
{
    QJsonObject o;
    QJsonArray stalls;
    if (!object(v, path, o) || !string(o, path, "name", out.name)
        || !number(o, path, "max_stall_ms", out.maxStallMs, true) || !array(o, path, "stalls", stalls))
        return false;
    const Path stallsPath = at(path, "stalls");
    for (qsizetype i = 0; i < stalls.size(); ++i) {
        QJsonObject s;
        LogStall stall;
        const Path p = at(stallsPath, i);
        if (!object(stalls.at(i), p, s) || !number(s, p, "t_ms", stall.tMs, false) || !number(s, p, "ms", stall.ms, true)
            || !optId(s, p, "task", stall.task))
            return false;
        out.stalls.push_back(stall);
    }
    return true;
}

std::optional<RunLog> Converter::run(const QJsonObject &root)
{
    RunLog log;
    QString format;
    if (!string(root, {}, "format", format))
        return std::nullopt;
    if (format != QLatin1String("coroscope.log/1")) {
        fail(at(Path{}, "format"), QStringLiteral("expected \"coroscope.log/1\", got %1").arg(describe(format)));
        return std::nullopt;
    }
    QJsonValue startedAt;
    QJsonArray tasks, events, loops;
    if (!string(root, {}, "set", log.set) || !has(root, {}, "started_at", startedAt)
        || !number(root, {}, "duration_ms", log.durationMs, true) || !array(root, {}, "tasks", tasks)
        || !array(root, {}, "events", events) || !array(root, {}, "loops", loops))
        return std::nullopt;
    if (!startedAt.isNull()) {
        log.startedAt = startedAt.isString() ? QDateTime::fromString(startedAt.toString(), Qt::ISODateWithMs) : QDateTime();
        if (!log.startedAt.isValid()) {
            expected(at(Path{}, "started_at"), "an ISO 8601 date and time or null", startedAt);
            return std::nullopt;
        }
    }

    const Path top{}, tasksPath = at(top, "tasks"), eventsPath = at(top, "events"), loopsPath = at(top, "loops");
    log.tasks.resize(std::size_t(tasks.size()));
    for (qsizetype i = 0; i < tasks.size(); ++i) {
        if (!task(tasks.at(i), at(tasksPath, i), log.tasks[std::size_t(i)]))
            return std::nullopt;
    }
    // Ids are unique, and every id the log mentions names one of its tasks.
    std::vector<std::int64_t> ids;
    ids.reserve(log.tasks.size());
    for (const LogTask &t : log.tasks)
        ids.push_back(t.id);
    std::sort(ids.begin(), ids.end());
    if (const auto dup = std::adjacent_find(ids.begin(), ids.end()); dup != ids.end()) {
        bool seen = false;
        for (std::size_t i = 0; i < log.tasks.size(); ++i) {
            if (log.tasks[i].id != *dup)
                continue;
            if (seen) {
                fail(at(at(tasksPath, qsizetype(i)), "id"), QStringLiteral("duplicate task id %1").arg(*dup));
                return std::nullopt;
            }
            seen = true;
        }
    }
    const auto known = [&](const std::optional<std::int64_t> &id) {
        return !id || std::binary_search(ids.begin(), ids.end(), *id);
    };
    const auto unknown = [&](const Path &path, std::int64_t id) {
        fail(path, QStringLiteral("task id %1 names no task").arg(id));
        return std::nullopt;
    };
    for (std::size_t i = 0; i < log.tasks.size(); ++i) {
        const LogTask &t = log.tasks[i];
        const Path p = at(tasksPath, qsizetype(i));
        if (!known(t.parent))
            return unknown(at(p, "parent"), *t.parent);
        if (!known(t.origin))
            return unknown(at(p, "origin"), *t.origin);
    }

    // The parent links form a forest: a cycle would hide its tasks from every tree.
    {
        std::vector<std::size_t> indexOf(ids.size()); // ids[k] is task indexOf[k]'s id
        for (std::size_t i = 0; i < log.tasks.size(); ++i)
            indexOf[std::size_t(std::lower_bound(ids.begin(), ids.end(), log.tasks[i].id) - ids.begin())] = i;
        const auto parentOf = [&](std::size_t i) -> std::optional<std::size_t> {
            const auto &p = log.tasks[i].parent;
            if (!p)
                return std::nullopt;
            return indexOf[std::size_t(std::lower_bound(ids.begin(), ids.end(), *p) - ids.begin())];
        };
        enum : std::uint8_t { Unseen, OnPath, Rooted };
        std::vector<std::uint8_t> mark(log.tasks.size(), Unseen);
        std::vector<std::size_t> path;
        for (std::size_t i = 0; i < log.tasks.size(); ++i) {
            std::optional<std::size_t> node = i;
            while (node && mark[*node] == Unseen) {
                mark[*node] = OnPath;
                path.push_back(*node);
                node = parentOf(*node);
            }
            if (node && mark[*node] == OnPath) {
                fail(at(at(tasksPath, qsizetype(*node)), "parent"),
                     QStringLiteral("task %1 is its own ancestor (a parent cycle)").arg(log.tasks[*node].id));
                return std::nullopt;
            }
            for (const std::size_t k : path)
                mark[k] = Rooted;
            path.clear();
        }
    }
    // A run has at most 255 loops (besides the pool): the record keeps a loop in 8 bits.
    QSet<QString> loopNames;
    const auto countLoop = [&](const QString &name, const Path &p) {
        if (name == QLatin1String("pool") || loopNames.contains(name))
            return true;
        loopNames.insert(name);
        if (loopNames.size() <= LogReader::kMaxLoops)
            return true;
        return fail(p, QStringLiteral("more than %1 loops").arg(LogReader::kMaxLoops));
    };
    for (std::size_t i = 0; i < log.tasks.size(); ++i) {
        if (!countLoop(log.tasks[i].loop, at(at(tasksPath, qsizetype(i)), "loop")))
            return std::nullopt;
    }

    log.events.resize(std::size_t(events.size()));
    for (qsizetype i = 0; i < events.size(); ++i) {
        const Path p = at(eventsPath, i);
        LogEvent &e = log.events[std::size_t(i)];
        if (!event(events.at(i), p, e))
            return std::nullopt;
        if (!known(e.task))
            return unknown(at(p, "task"), *e.task);
        if (e.type == rt::EventType::Stall && !countLoop(e.text, at(p, "loop")))
            return std::nullopt;
    }
    log.loops.resize(std::size_t(loops.size()));
    for (qsizetype i = 0; i < loops.size(); ++i) {
        if (!loop(loops.at(i), at(loopsPath, i), log.loops[std::size_t(i)])
            || !countLoop(log.loops[std::size_t(i)].name, at(at(loopsPath, i), "name")))
            return std::nullopt;
    }
    return log;
}

} // namespace

LogReadResult LogReader::readFile(const QString &path, qint64 maxBytes)
{
    // The limit is on what is read, not on what stat says: a device (/dev/zero) or a
    // /proc file has size 0 and may never end, or fail on its first read.
    QFile file(localFilePath(path));
    if (!file.open(QIODevice::ReadOnly | QIODevice::Unbuffered))
        return {std::nullopt, QStringLiteral("%1: cannot read: %2").arg(path, file.errorString())};
    const auto tooLarge = [&] {
        return LogReadResult{std::nullopt, QStringLiteral("%1: /: file larger than %2").arg(path, QLocale::c().formattedDataSize(maxBytes, 0, QLocale::DataSizeIecFormat))};
    };
    if (file.size() > maxBytes)
        return tooLarge();
    QByteArray data;
    constexpr qint64 kChunk = 1 << 20;
    for (;;) {
        const qint64 want = std::min<qint64>(kChunk, maxBytes + 1 - data.size());
        const qsizetype had = data.size();
        data.resize(had + want);
        const qint64 got = file.read(data.data() + had, want);
        if (got < 0)
            return {std::nullopt, QStringLiteral("%1: cannot read: %2").arg(path, file.errorString())};
        data.resize(had + got);
        if (data.size() > maxBytes)
            return tooLarge();
        if (got == 0)
            break;
    }
    return parse(data, path);
}

LogReadResult LogReader::parse(const QByteArray &raw, const QString &source)
{
    const auto refuse = [&](const QString &message) { return LogReadResult{std::nullopt, source + QStringLiteral(": ") + message}; };
    if (raw.size() > kMaxFileSize)
        return refuse(QStringLiteral("/: file larger than 2 GiB"));
    const bool bom = raw.startsWith("\xEF\xBB\xBF");
    const QByteArray data = bom ? raw.mid(3) : raw;
    if (data.trimmed().isEmpty())
        return refuse(QStringLiteral("/: the file is empty, not a coroscope.log/1 json log"));
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(data, &error);
    if (error.error != QJsonParseError::NoError)
        return refuse(QStringLiteral("/: not JSON: %1 at byte %2").arg(error.errorString()).arg(error.offset));
    if (!doc.isObject())
        return refuse(QStringLiteral("/: expected a JSON object, not a coroscope.log/1 json log"));
    Converter converter;
    std::optional<RunLog> log = converter.run(doc.object());
    if (!log)
        return refuse(converter.m_error);
    return {std::move(log), {}};
}

} // namespace coroscope::log

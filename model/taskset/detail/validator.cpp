#include "validator.h"

#include <QHash>
#include <QStringList>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <span>
#include <tuple>

namespace coroscope::taskset::detail {

namespace {

constexpr std::int64_t kMaxExactInteger = std::int64_t(1) << 53; // larger doubles skip integers
constexpr double kTwoTo64 = 18446744073709551616.0;
constexpr QLatin1String kFormat("coroscope.taskset/1");

namespace key {
constexpr QLatin1String format("format"), name("name"), description("description"), deadline("deadline"),
    seed("seed"), tasks("tasks"), op("op"), callbacks("callbacks"), kind("kind"), message("message"),
    args("args"), task("task"), seconds("seconds"), result("result"), workMs("work_ms"), where("where"),
    children("children"), returnExceptions("return_exceptions"), returnWhen("return_when"),
    timeout("timeout"), child("child"), capacity("capacity"), producers("producers"),
    consumers("consumers"), items("items"), produceSeconds("produce_seconds"),
    consumeSeconds("consume_seconds"), target("target"), after("after"), count("count"), await("await"),
    uniform("uniform");
} // namespace key

using Keys = std::span<const QLatin1String>;

constexpr QLatin1String kSetKeys[] = {key::format, key::name, key::description, key::deadline, key::seed, key::tasks};
constexpr QLatin1String kNodeKeys[] = {key::op, key::name, key::callbacks};
constexpr QLatin1String kSleepKeys[] = {key::seconds, key::result};
constexpr QLatin1String kFailKeys[] = {key::seconds, key::message};
constexpr QLatin1String kCpuKeys[] = {key::workMs, key::where};
constexpr QLatin1String kBlockKeys[] = {key::seconds};
constexpr QLatin1String kGatherKeys[] = {key::children, key::returnExceptions};
constexpr QLatin1String kWaitKeys[] = {key::children, key::returnWhen, key::timeout};
constexpr QLatin1String kAsCompletedKeys[] = {key::children, key::timeout};
constexpr QLatin1String kWaitForKeys[] = {key::child, key::timeout};
constexpr QLatin1String kSequenceKeys[] = {key::children};
constexpr QLatin1String kQueueKeys[] = {key::capacity, key::producers,      key::consumers,
                                        key::items,    key::produceSeconds, key::consumeSeconds};
constexpr QLatin1String kThreadsafeKeys[] = {key::child};
constexpr QLatin1String kCancelKeys[] = {key::target, key::after};
constexpr QLatin1String kRepeatKeys[] = {key::count, key::task, key::await};
constexpr QLatin1String kUniformKeys[] = {key::uniform};
constexpr QLatin1String kLogKeys[] = {key::kind, key::message};
constexpr QLatin1String kPartialKeys[] = {key::kind, key::args};
constexpr QLatin1String kSpawnKeys[] = {key::kind, key::task};

Keys keysOf(Op op)
{
    switch (op) {
    case Op::Sleep: return kSleepKeys;
    case Op::Fail: return kFailKeys;
    case Op::Cpu: return kCpuKeys;
    case Op::Block: return kBlockKeys;
    case Op::Gather: return kGatherKeys;
    case Op::Wait: return kWaitKeys;
    case Op::AsCompleted: return kAsCompletedKeys;
    case Op::WaitFor: return kWaitForKeys;
    case Op::Sequence: return kSequenceKeys;
    case Op::Queue: return kQueueKeys;
    case Op::Threadsafe: return kThreadsafeKeys;
    case Op::Cancel: return kCancelKeys;
    case Op::Repeat: return kRepeatKeys;
    }
    return {};
}

template<typename E>
struct Choice {
    QLatin1String text;
    E value;
};

constexpr Choice<Where> kWhereChoices[] = {{QLatin1String("pool"), Where::Pool}, {QLatin1String("loop"), Where::Loop}};
constexpr Choice<ReturnWhen> kReturnWhenChoices[] = {{QLatin1String("ALL_COMPLETED"), ReturnWhen::AllCompleted},
                                                     {QLatin1String("FIRST_COMPLETED"), ReturnWhen::FirstCompleted},
                                                     {QLatin1String("FIRST_EXCEPTION"), ReturnWhen::FirstException}};
constexpr Choice<RepeatAwait> kRepeatAwaitChoices[] = {{QLatin1String("gather"), RepeatAwait::Gather},
                                                       {QLatin1String("none"), RepeatAwait::None}};
constexpr Choice<Callback::Kind> kCallbackKinds[] = {{QLatin1String("log"), Callback::Kind::Log},
                                                     {QLatin1String("partial"), Callback::Kind::Partial},
                                                     {QLatin1String("spawn"), Callback::Kind::Spawn},
                                                     {QLatin1String("raise"), Callback::Kind::Raise}};

QString path(const QString &pointer, QLatin1String key)
{
    return pointer + u'/' + key;
}

QString path(const QString &pointer, std::uint32_t index)
{
    return pointer + u'/' + QString::number(index);
}

bool isSetName(const QString &name)
{
    const auto allowed = [](QChar c, bool first) {
        return (c >= u'a' && c <= u'z') || (c >= u'0' && c <= u'9') || (!first && c == u'-');
    };
    for (qsizetype i = 0; i < name.size(); ++i) {
        if (!allowed(name[i], i == 0))
            return false;
    }
    return !name.isEmpty();
}

// A copy or worker index as the run spells it: decimal, no leading zero.
bool parseIndex(QStringView digits, std::int64_t &out)
{
    constexpr qsizetype kMaxDigits = 18;
    if (digits.isEmpty() || digits.size() > kMaxDigits || (digits.size() > 1 && digits[0] == u'0'))
        return false;
    out = 0;
    for (QChar c : digits) {
        if (c < u'0' || c > u'9')
            return false;
        out = out * 10 + (c.unicode() - u'0');
    }
    return true;
}

class Validator
{
public:
    Validator(const JsonDocument &doc, DiagnosticList &errors) : m_doc(doc), m_errors(errors) {}

    std::optional<TaskSet> run()
    {
        TaskSet set = readSet(m_doc.root());
        if (!m_errors.empty())
            return std::nullopt;
        return set;
    }

private:
    // Where a node sits in the tree.
    struct Place {
        int depth = 1;             // 1 = a top-level task
        bool inTemplate = false;   // inside a repeat's template: its names repeat once per copy
        bool templateRoot = false; // the template itself: its name is ignored

        [[nodiscard]] Place child() const { return {depth + 1, inTemplate, false}; }
        [[nodiscard]] Place templateOf() const { return {depth + 1, true, true}; }
    };

    struct NameUse {
        QString name;
        std::shared_ptr<const Node> node;
        bool inTemplate = false;
        int line = 0;
        int column = 0;
        QString pointer;
    };

    struct CancelUse {
        QString target;
        int line = 0;
        int column = 0;
        QString pointer;
    };

    // --- errors and objects ---

    void errorAt(int line, int column, const QString &pointer, const QString &message)
    {
        m_errors.add(Diagnostic{QString(), line, column, pointer.isEmpty() ? QStringLiteral("/") : pointer, message});
    }

    void error(const JsonValue &at, const QString &pointer, const QString &message)
    {
        errorAt(at.line, at.column, pointer, message);
    }

    void expected(const JsonValue &at, const QString &pointer, const QString &what)
    {
        error(at, pointer, QStringLiteral("expected %1, got %2").arg(what, m_doc.describe(at)));
    }

    [[nodiscard]] const JsonValue *member(const JsonValue &object, QLatin1String name) const
    {
        for (const JsonMember &m : m_doc.members(object)) {
            if (m_doc.key(m) == name)
                return &m_doc.value(m);
        }
        return nullptr;
    }

    // The member, or null after reporting it missing at the object's `{`.
    const JsonValue *required(const JsonValue &object, const QString &pointer, QLatin1String name)
    {
        const JsonValue *v = member(object, name);
        if (!v)
            error(object, pointer, QStringLiteral("missing key \"%1\"").arg(name));
        return v;
    }

    void rejectUnknownKeys(const JsonValue &object, const QString &pointer, Keys common, Keys specific = {})
    {
        for (const JsonMember &m : m_doc.members(object)) {
            const QStringView name = m_doc.key(m);
            const auto is = [name](QLatin1String k) { return name == k; };
            if (std::none_of(common.begin(), common.end(), is) && std::none_of(specific.begin(), specific.end(), is))
                errorAt(m.line, m.column, pointer + u'/' + pointerToken(name),
                        QStringLiteral("unknown key %1").arg(quoted(name)));
        }
    }

    // --- scalars: each reports what is wrong and returns a default ---

    std::optional<QString> readString(const JsonValue &v, const QString &pointer)
    {
        if (v.kind == JsonKind::String)
            return m_doc.string(v).toString();
        expected(v, pointer, QStringLiteral("a string"));
        return std::nullopt;
    }

    bool readBool(const JsonValue &v, const QString &pointer)
    {
        if (v.kind == JsonKind::Bool)
            return v.boolean;
        expected(v, pointer, QStringLiteral("true or false"));
        return false;
    }

    double readPositive(const JsonValue &v, const QString &pointer)
    {
        if (v.kind == JsonKind::Number && v.number > 0)
            return v.number;
        expected(v, pointer, QStringLiteral("a number > 0"));
        return 0;
    }

    // An integer in [min, max]; the message shows max only when `showMax` or when
    // the value is above it.
    std::int64_t readInteger(const JsonValue &v, const QString &pointer, std::int64_t min,
                             std::int64_t max = kMaxExactInteger, bool showMax = false)
    {
        const bool isInteger = v.kind == JsonKind::Number && v.number == std::floor(v.number);
        if (isInteger && v.number >= double(min) && v.number <= double(max))
            return std::int64_t(v.number);
        if (showMax || (isInteger && v.number > double(max)))
            expected(v, pointer, QStringLiteral("an integer from %1 to %2").arg(min).arg(max));
        else
            expected(v, pointer, QStringLiteral("an integer >= %1").arg(min));
        return min;
    }

    std::uint64_t readSeed(const JsonValue &v, const QString &pointer)
    {
        if (v.kind == JsonKind::Number) {
            const QLatin1String text = m_doc.spelling(v);
            std::uint64_t exact = 0;
            const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), exact);
            if (ec == std::errc() && end == text.data() + text.size())
                return exact;
            if (v.number == std::floor(v.number) && v.number >= 0 && v.number < kTwoTo64)
                return std::uint64_t(v.number);
            if (ec == std::errc::result_out_of_range || v.number >= kTwoTo64) {
                expected(v, pointer, QStringLiteral("an integer from 0 to %1").arg(~std::uint64_t(0)));
                return 1;
            }
        }
        expected(v, pointer, QStringLiteral("an integer >= 0"));
        return 1;
    }

    // A number >= 0 or {"uniform": [a, b]}; with `nullable`, null gives nullopt.
    std::optional<Duration> readDuration(const JsonValue &v, const QString &pointer, bool nullable = false)
    {
        if (v.kind == JsonKind::Number && v.number >= 0)
            return Duration{v.number, v.number, false};
        if (v.kind == JsonKind::Null && nullable)
            return std::nullopt;
        if (v.kind == JsonKind::Object)
            return readUniform(v, pointer);
        expected(v, pointer, nullable ? QStringLiteral("a number >= 0 or null") : QStringLiteral("a number >= 0"));
        return Duration{};
    }

    Duration readUniform(const JsonValue &v, const QString &pointer)
    {
        rejectUnknownKeys(v, pointer, kUniformKeys);
        const JsonValue *range = required(v, pointer, key::uniform);
        if (!range)
            return {};
        if (range->kind == JsonKind::Array && range->count == 2) {
            const JsonValue &a = m_doc.item(*range, 0);
            const JsonValue &b = m_doc.item(*range, 1);
            if (a.kind == JsonKind::Number && b.kind == JsonKind::Number && a.number >= 0 && a.number <= b.number)
                return Duration{a.number, b.number, true};
        }
        expected(*range, path(pointer, key::uniform), QStringLiteral("[a, b] with 0 <= a <= b"));
        return {};
    }

    template<typename E, std::size_t N>
    std::optional<E> readChoice(const JsonValue &v, const QString &pointer, const Choice<E> (&choices)[N])
    {
        if (v.kind == JsonKind::String) {
            for (const Choice<E> &c : choices) {
                if (m_doc.string(v) == c.text)
                    return c.value;
            }
        }
        QStringList names;
        for (const Choice<E> &c : choices)
            names.append(u'"' + c.text + u'"');
        const QString last = names.takeLast();
        expected(v, pointer, names.join(QLatin1String(", ")) + QLatin1String(" or ") + last);
        return std::nullopt;
    }

    // --- the set ---

    TaskSet readSet(const JsonValue &root)
    {
        TaskSet set;
        const QString pointer; // the root
        if (root.kind != JsonKind::Object) {
            expected(root, pointer, QStringLiteral("an object"));
            return set;
        }
        rejectUnknownKeys(root, pointer, kSetKeys);
        if (const JsonValue *v = required(root, pointer, key::format)) {
            if (v->kind != JsonKind::String || m_doc.string(*v) != kFormat)
                expected(*v, path(pointer, key::format), quoted(QString(kFormat)));
        }
        if (const JsonValue *v = required(root, pointer, key::name))
            set.name = readSetName(*v, path(pointer, key::name));
        if (const JsonValue *v = member(root, key::description))
            set.description = readString(*v, path(pointer, key::description)).value_or(QString());
        if (const JsonValue *v = member(root, key::deadline))
            set.deadline = readDeadline(*v, path(pointer, key::deadline));
        if (const JsonValue *v = member(root, key::seed))
            set.seed = readSeed(*v, path(pointer, key::seed));
        if (const JsonValue *v = required(root, pointer, key::tasks))
            set.tasks = readNodes(*v, path(pointer, key::tasks), Place{});
        checkNamesAndTargets();
        return set;
    }

    QString readSetName(const JsonValue &v, const QString &pointer)
    {
        const std::optional<QString> name = readString(v, pointer);
        if (!name)
            return {};
        if (name->isEmpty())
            error(v, pointer, QStringLiteral("empty name"));
        else if (!isSetName(*name))
            expected(v, pointer, QStringLiteral("a name matching [a-z0-9][a-z0-9-]*"));
        return *name;
    }

    std::optional<double> readDeadline(const JsonValue &v, const QString &pointer)
    {
        if (v.kind == JsonKind::Number && v.number >= 0)
            return v.number;
        if (v.kind != JsonKind::Null)
            expected(v, pointer, QStringLiteral("a number >= 0 or null"));
        return std::nullopt;
    }

    // --- nodes ---

    // An array of nodes, each at `place`.
    std::vector<std::shared_ptr<const Node>> readNodes(const JsonValue &v, const QString &pointer, Place place)
    {
        std::vector<std::shared_ptr<const Node>> nodes;
        if (v.kind != JsonKind::Array) {
            expected(v, pointer, QStringLiteral("an array"));
            return nodes;
        }
        nodes.reserve(v.count);
        for (std::uint32_t i = 0; i < v.count; ++i) {
            if (auto node = readNode(m_doc.item(v, i), path(pointer, i), place))
                nodes.push_back(std::move(node));
        }
        return nodes;
    }

    std::shared_ptr<const Node> readNode(const JsonValue &v, const QString &pointer, Place place)
    {
        if (v.kind != JsonKind::Object) {
            expected(v, pointer, QStringLiteral("an object"));
            return nullptr;
        }
        if (place.depth > kMaxNodeDepth) {
            error(v, pointer, QStringLiteral("nesting deeper than %1").arg(kMaxNodeDepth));
            return nullptr;
        }
        auto node = std::make_shared<Node>();
        node->line = v.line;
        node->column = v.column;
        node->pointer = pointer;
        std::optional<Op> op;
        if (const JsonValue *o = required(v, pointer, key::op))
            op = readOp(*o, path(pointer, key::op));
        if (op) {
            node->op = *op;
            rejectUnknownKeys(v, pointer, kNodeKeys, keysOf(*op));
        }
        if (const JsonValue *n = member(v, key::name))
            readNodeName(node, *n, path(pointer, key::name), place);
        if (const JsonValue *c = member(v, key::callbacks))
            node->callbacks = readCallbacks(*c, path(pointer, key::callbacks), place);
        if (op)
            readOpFields(*node, v, pointer, place);
        return node;
    }

    std::optional<Op> readOp(const JsonValue &v, const QString &pointer)
    {
        if (v.kind != JsonKind::String) {
            expected(v, pointer, QStringLiteral("a string"));
            return std::nullopt;
        }
        const std::optional<Op> op = opFromName(m_doc.string(v));
        if (!op)
            error(v, pointer, QStringLiteral("unknown op %1").arg(quoted(m_doc.string(v))));
        return op;
    }

    void readNodeName(const std::shared_ptr<Node> &node, const JsonValue &v, const QString &pointer, Place place)
    {
        const std::optional<QString> name = readString(v, pointer);
        if (!name)
            return;
        if (name->isEmpty()) {
            error(v, pointer, QStringLiteral("empty name"));
            return;
        }
        if (place.templateRoot) // the copies are named after the repeat
            return;
        node->name = *name;
        m_names.push_back(NameUse{*name, node, place.inTemplate, v.line, v.column, pointer});
    }

    std::vector<Callback> readCallbacks(const JsonValue &v, const QString &pointer, Place owner)
    {
        std::vector<Callback> callbacks;
        if (v.kind != JsonKind::Array) {
            expected(v, pointer, QStringLiteral("an array"));
            return callbacks;
        }
        for (std::uint32_t i = 0; i < v.count; ++i) {
            if (auto callback = readCallback(m_doc.item(v, i), path(pointer, i), owner))
                callbacks.push_back(std::move(*callback));
        }
        return callbacks;
    }

    std::optional<Callback> readCallback(const JsonValue &v, const QString &pointer, Place owner)
    {
        if (v.kind != JsonKind::Object) {
            expected(v, pointer, QStringLiteral("an object"));
            return std::nullopt;
        }
        const JsonValue *kindValue = required(v, pointer, key::kind);
        if (!kindValue)
            return std::nullopt;
        const std::optional<Callback::Kind> kind = readChoice(*kindValue, path(pointer, key::kind), kCallbackKinds);
        if (!kind)
            return std::nullopt;
        Callback callback;
        callback.kind = *kind;
        switch (*kind) {
        case Callback::Kind::Log:
        case Callback::Kind::Raise:
            rejectUnknownKeys(v, pointer, kLogKeys);
            if (const JsonValue *m = required(v, pointer, key::message))
                callback.message = readString(*m, path(pointer, key::message)).value_or(QString());
            break;
        case Callback::Kind::Partial:
            rejectUnknownKeys(v, pointer, kPartialKeys);
            if (const JsonValue *a = member(v, key::args)) {
                if (a->kind == JsonKind::Array)
                    callback.args = m_doc.toQJsonValue(*a).toArray();
                else
                    expected(*a, path(pointer, key::args), QStringLiteral("an array"));
            }
            break;
        case Callback::Kind::Spawn:
            rejectUnknownKeys(v, pointer, kSpawnKeys);
            if (const JsonValue *t = required(v, pointer, key::task))
                callback.task = readNode(*t, path(pointer, key::task), owner.child());
            break;
        }
        return callback;
    }

    void readOpFields(Node &node, const JsonValue &v, const QString &pointer, Place place)
    {
        const auto optional = [&](QLatin1String name) { return member(v, name); };
        const auto need = [&](QLatin1String name) { return required(v, pointer, name); };
        const auto at = [&](QLatin1String name) { return path(pointer, name); };
        const auto duration = [&](const JsonValue *d, QLatin1String name) {
            return d ? readDuration(*d, at(name)).value_or(Duration{}) : Duration{};
        };
        const auto integer = [&](QLatin1String name, std::int64_t min) {
            const JsonValue *i = need(name);
            return i ? readInteger(*i, at(name), min) : min;
        };

        switch (node.op) {
        case Op::Sleep:
            node.seconds = duration(need(key::seconds), key::seconds);
            if (const JsonValue *r = optional(key::result)) {
                node.result = m_doc.toQJsonValue(*r);
                node.hasResult = true;
            }
            break;
        case Op::Fail:
            node.seconds = duration(optional(key::seconds), key::seconds);
            if (const JsonValue *m = need(key::message))
                node.message = readString(*m, at(key::message)).value_or(QString());
            break;
        case Op::Cpu:
            if (const JsonValue *w = need(key::workMs))
                node.workMs = readPositive(*w, at(key::workMs));
            if (const JsonValue *w = optional(key::where))
                node.where = readChoice(*w, at(key::where), kWhereChoices).value_or(Where::Pool);
            break;
        case Op::Block:
            node.seconds = duration(need(key::seconds), key::seconds);
            break;
        case Op::Gather:
            readChildren(node, v, pointer, place);
            if (const JsonValue *r = optional(key::returnExceptions))
                node.returnExceptions = readBool(*r, at(key::returnExceptions));
            break;
        case Op::Wait:
            if (const JsonValue *c = readChildren(node, v, pointer, place); c && c->kind == JsonKind::Array && c->count == 0)
                error(*c, at(key::children), QStringLiteral("wait needs at least one child"));
            if (const JsonValue *r = optional(key::returnWhen))
                node.returnWhen = readChoice(*r, at(key::returnWhen), kReturnWhenChoices).value_or(ReturnWhen::AllCompleted);
            if (const JsonValue *t = optional(key::timeout))
                node.timeout = readDuration(*t, at(key::timeout), true);
            break;
        case Op::AsCompleted:
            readChildren(node, v, pointer, place);
            if (const JsonValue *t = optional(key::timeout))
                node.timeout = readDuration(*t, at(key::timeout), true);
            break;
        case Op::WaitFor:
            readChild(node, v, pointer, place);
            if (const JsonValue *t = need(key::timeout))
                node.timeout = readDuration(*t, at(key::timeout), true);
            break;
        case Op::Sequence:
            readChildren(node, v, pointer, place);
            break;
        case Op::Queue:
            node.capacity = integer(key::capacity, 0);
            node.producers = integer(key::producers, 1);
            node.consumers = integer(key::consumers, 1);
            node.items = integer(key::items, 0);
            node.produceSeconds = duration(need(key::produceSeconds), key::produceSeconds);
            node.consumeSeconds = duration(need(key::consumeSeconds), key::consumeSeconds);
            break;
        case Op::Threadsafe:
            readChild(node, v, pointer, place);
            break;
        case Op::Cancel:
            if (const JsonValue *t = need(key::target)) {
                if (std::optional<QString> target = readString(*t, at(key::target))) {
                    node.target = *target;
                    m_cancels.push_back(CancelUse{*target, t->line, t->column, at(key::target)});
                }
            }
            node.after = duration(optional(key::after), key::after);
            break;
        case Op::Repeat:
            if (const JsonValue *c = need(key::count))
                node.count = readInteger(*c, at(key::count), 0, kMaxRepeatCount, true);
            if (const JsonValue *t = need(key::task))
                node.task = readNode(*t, at(key::task), place.templateOf());
            if (const JsonValue *a = optional(key::await))
                node.repeatAwait = readChoice(*a, at(key::await), kRepeatAwaitChoices).value_or(RepeatAwait::Gather);
            break;
        }
    }

    // Reads `children` into the node; returns the JSON value, if present.
    const JsonValue *readChildren(Node &node, const JsonValue &v, const QString &pointer, Place place)
    {
        const JsonValue *children = required(v, pointer, key::children);
        if (children)
            node.children = readNodes(*children, path(pointer, key::children), place.child());
        return children;
    }

    void readChild(Node &node, const JsonValue &v, const QString &pointer, Place place)
    {
        if (const JsonValue *child = required(v, pointer, key::child))
            node.child = readNode(*child, path(pointer, key::child), place.child());
    }

    // --- names ---

    // Names are unique in the file, generated names included. Cancel targets must
    // name a task outside any repeat template.
    void checkNamesAndTargets()
    {
        std::stable_sort(m_names.begin(), m_names.end(), [](const NameUse &a, const NameUse &b) {
            return std::tie(a.line, a.column) < std::tie(b.line, b.column);
        });
        QHash<QString, bool> seen;
        std::vector<const NameUse *> firstUses;
        for (const NameUse &use : m_names) {
            if (seen.contains(use.name)) {
                errorAt(use.line, use.column, use.pointer, QStringLiteral("duplicate name %1").arg(quoted(use.name)));
                continue;
            }
            seen.insert(use.name, true);
            firstUses.push_back(&use);
            if (!use.inTemplate) {
                m_targetable.insert(use.name, use.node);
                m_longestTargetable = std::max(m_longestTargetable, use.name.size());
            }
        }
        for (const NameUse *use : firstUses) {
            if (namesGeneratedTask(use->name))
                errorAt(use->line, use->column, use->pointer, QStringLiteral("duplicate name %1").arg(quoted(use->name)));
        }
        for (const CancelUse &use : m_cancels) {
            if (!m_targetable.contains(use.target) && !namesGeneratedTask(use.target))
                errorAt(use.line, use.column, use.pointer,
                        QStringLiteral("cancel target %1 names no task").arg(quoted(use.target)));
        }
    }

    // Whether `name` is the name the run gives to a task made from a named node
    // outside any repeat template: a queue's "<queue>.producer-<i>" and
    // "<queue>.consumer-<i>" (i from 1), a repeat's copies "<repeat>[<i>]" (nested:
    // "<repeat>[<i>][<j>]"), and the workers of a queue that is such a copy.
    [[nodiscard]] bool namesGeneratedTask(const QString &name) const
    {
        enum class Worker { None, Producer, Consumer };
        Worker worker = Worker::None;
        std::int64_t workerIndex = 0;
        QStringView stem = name;
        if (const qsizetype dot = stem.lastIndexOf(u'.'); dot > 0) {
            const QStringView tail = stem.mid(dot + 1);
            const QLatin1String producer("producer-");
            const QLatin1String consumer("consumer-");
            if (tail.startsWith(producer) && parseIndex(tail.mid(producer.size()), workerIndex) && workerIndex >= 1)
                worker = Worker::Producer;
            else if (tail.startsWith(consumer) && parseIndex(tail.mid(consumer.size()), workerIndex) && workerIndex >= 1)
                worker = Worker::Consumer;
            if (worker != Worker::None)
                stem = stem.left(dot);
        }
        // The "[<i>]" suffixes, rightmost first, as (where its '[' is, i).
        std::vector<std::pair<qsizetype, std::int64_t>> copies;
        // Each "[<i>]" is one level of nesting, so a longer chain names nothing.
        for (QStringView rest = stem; rest.endsWith(u']') && copies.size() < std::size_t(kMaxNodeDepth);) {
            const qsizetype open = rest.lastIndexOf(u'[');
            std::int64_t index = 0;
            if (open <= 0 || !parseIndex(rest.mid(open + 1, rest.size() - open - 2), index))
                break;
            copies.emplace_back(open, index);
            rest = rest.left(open);
        }
        // A node's own name may end in "[<i>]" too: try every split, shortest base first.
        for (std::size_t used = copies.size() + 1; used-- > 0;) {
            if (used == 0 && worker == Worker::None)
                break;
            const qsizetype baseLength = used == 0 ? stem.size() : copies[used - 1].first;
            if (baseLength > m_longestTargetable)
                continue;
            const Node *node = m_targetable.value(stem.left(baseLength).toString()).get();
            for (std::size_t i = used; node && i-- > 0;) {
                const std::int64_t index = copies[i].second;
                node = node->op == Op::Repeat && index < node->count ? node->task.get() : nullptr;
            }
            if (!node)
                continue;
            if (worker == Worker::None)
                return true;
            if (node->op == Op::Queue
                && workerIndex <= (worker == Worker::Producer ? node->producers : node->consumers))
                return true;
        }
        return false;
    }

    const JsonDocument &m_doc;
    DiagnosticList &m_errors;
    std::vector<NameUse> m_names;
    std::vector<CancelUse> m_cancels;
    QHash<QString, std::shared_ptr<const Node>> m_targetable; // first uses outside templates
    qsizetype m_longestTargetable = 0;
};

} // namespace

std::optional<TaskSet> validateTaskSet(const JsonDocument &doc, DiagnosticList &errors)
{
    return Validator(doc, errors).run();
}

} // namespace coroscope::taskset::detail

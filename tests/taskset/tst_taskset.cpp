// Tests of the coroscope.taskset/1 reader: the tree it builds from a valid file, and
// for every kind of error, its exact message, line, column and JSON pointer.

#include "runtime/clock.h"
#include "taskset/taskset.h"

#include <QDir>
#include <QFile>
#include <QJsonObject>
#include <QTemporaryDir>

#define CATCH_CONFIG_ENABLE_PAIR_STRINGMAKER
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <random>
#include <utility>

using namespace coroscope::taskset;

namespace Catch {
template<>
struct StringMaker<QString> {
    static std::string convert(const QString &s) { return s.toStdString(); }
};
} // namespace Catch

namespace {

const QString kFile = QStringLiteral("set.json");

ParseResult parse(const QByteArray &text)
{
    return parseTaskSet(text, kFile);
}

// A valid set around `tasks`, one task per line from line 2, each starting at column 3.
QByteArray withTasks(std::initializer_list<const char *> tasks)
{
    QByteArray text = R"({"format": "coroscope.taskset/1", "name": "t", "tasks": [)";
    bool first = true;
    for (const char *task : tasks) {
        text += first ? "\n  " : ",\n  ";
        text += task;
        first = false;
    }
    return text + "\n]}";
}

// Where `needle` first occurs in `text`, as 1-based (line, column); ASCII texts only.
std::pair<int, int> locate(const QByteArray &text, const char *needle)
{
    const qsizetype at = text.indexOf(needle);
    REQUIRE(at >= 0);
    const qsizetype lineStart = text.lastIndexOf('\n', at - 1) + 1;
    return {int(text.left(at).count('\n')) + 1, int(at - lineStart) + 1};
}

std::pair<int, int> position(const Diagnostic &d)
{
    return {d.line, d.column};
}

// The only error of `text`; fails the test when there are none or several.
Diagnostic onlyError(const QByteArray &text)
{
    const ParseResult r = parse(text);
    CHECK_FALSE(r.set.has_value());
    if (r.errors.size() != 1) {
        for (const Diagnostic &d : r.errors)
            UNSCOPED_INFO(d.toString().toStdString());
    }
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].file == kFile);
    return r.errors[0];
}

void checkError(const Diagnostic &d, std::pair<int, int> where, const char *pointer, const char *message)
{
    INFO(d.toString().toStdString());
    CHECK(d.message == QString::fromUtf8(message));
    CHECK(d.pointer == QLatin1String(pointer));
    CHECK(position(d) == where);
}

const QByteArray kEveryOp = R"({
  "format": "coroscope.taskset/1",
  "name": "every-op",
  "description": "One of each.",
  "deadline": 30,
  "seed": 42,
  "tasks": [
    {"op": "sleep", "name": "nap", "seconds": 1.5, "result": {"k": [1, "two", null, true]},
     "callbacks": [{"kind": "log", "message": "slept"}, {"kind": "partial", "args": [2, "x"]},
                   {"kind": "spawn", "task": {"op": "sleep", "seconds": 0}}]},
    {"op": "fail", "message": "boom"},
    {"op": "cpu", "work_ms": 20, "where": "loop"},
    {"op": "block", "seconds": {"uniform": [0.1, 0.2]}},
    {"op": "gather", "return_exceptions": true, "children": [{"op": "sleep", "seconds": 1}, {"op": "sleep", "seconds": 2}]},
    {"op": "wait", "return_when": "FIRST_COMPLETED", "timeout": 3, "children": [{"op": "sleep", "seconds": 1}]},
    {"op": "as_completed", "timeout": null, "children": []},
    {"op": "wait_for", "timeout": {"uniform": [1, 2]}, "child": {"op": "sleep", "seconds": 5}},
    {"op": "sequence", "children": [{"op": "sleep", "seconds": 1}, {"op": "fail", "seconds": 1, "message": "late"}]},
    {"op": "queue", "name": "q", "capacity": 2, "producers": 3, "consumers": 2, "items": 10,
     "produce_seconds": 0.1, "consume_seconds": {"uniform": [0.1, 0.3]}},
    {"op": "threadsafe", "child": {"op": "cpu", "work_ms": 5}},
    {"op": "cancel", "target": "q.consumer-2", "after": 0.5},
    {"op": "repeat", "name": "r", "count": 1000000, "await": "none",
     "task": {"op": "sleep", "name": "ignored", "seconds": {"uniform": [0, 1]}}},
    {"op": "cancel", "target": "r[999999]"}
  ]
}
)";

} // namespace

TEST_CASE("a valid file parses into the right tree, every op included")
{
    const ParseResult r = parse(kEveryOp);
    for (const Diagnostic &d : r.errors)
        UNSCOPED_INFO(d.toString().toStdString());
    REQUIRE(r.ok());
    const TaskSet &set = *r.set;
    CHECK(set.name == QLatin1String("every-op"));
    CHECK(set.description == QLatin1String("One of each."));
    CHECK(set.deadline == 30.0);
    CHECK(set.seed == 42);
    CHECK(set.sourcePath.isEmpty());
    REQUIRE(set.tasks.size() == 14);
    const auto &t = set.tasks;

    const Node &sleep = *t[0];
    CHECK(sleep.op == Op::Sleep);
    CHECK(sleep.name == QLatin1String("nap"));
    CHECK(sleep.seconds.a == 1.5);
    CHECK_FALSE(sleep.seconds.uniform);
    CHECK(sleep.hasResult);
    CHECK(sleep.result.toObject().value(QLatin1String("k")).toArray()
          == QJsonArray{1, QStringLiteral("two"), QJsonValue::Null, true});
    CHECK(sleep.line == 8);
    CHECK(sleep.column == 5);
    CHECK(sleep.pointer == QLatin1String("/tasks/0"));
    REQUIRE(sleep.callbacks.size() == 3);
    CHECK(sleep.callbacks[0].kind == Callback::Kind::Log);
    CHECK(sleep.callbacks[0].message == QLatin1String("slept"));
    CHECK(sleep.callbacks[1].kind == Callback::Kind::Partial);
    CHECK(sleep.callbacks[1].args == QJsonArray{2, QStringLiteral("x")});
    CHECK(sleep.callbacks[2].kind == Callback::Kind::Spawn);
    REQUIRE(sleep.callbacks[2].task);
    CHECK(sleep.callbacks[2].task->op == Op::Sleep);
    CHECK(sleep.callbacks[2].task->pointer == QLatin1String("/tasks/0/callbacks/2/task"));

    CHECK(t[1]->op == Op::Fail);
    CHECK(t[1]->message == QLatin1String("boom"));
    CHECK(t[1]->seconds.a == 0);
    CHECK(t[1]->name.isEmpty());
    CHECK_FALSE(t[1]->hasResult);
    CHECK(t[1]->result.isUndefined());

    CHECK(t[2]->op == Op::Cpu);
    CHECK(t[2]->workMs == 20);
    CHECK(t[2]->where == Where::Loop);

    CHECK(t[3]->op == Op::Block);
    CHECK(t[3]->seconds.uniform);
    CHECK(t[3]->seconds.a == 0.1);
    CHECK(t[3]->seconds.b == 0.2);

    CHECK(t[4]->op == Op::Gather);
    CHECK(t[4]->returnExceptions);
    REQUIRE(t[4]->children.size() == 2);
    CHECK(t[4]->children[1]->seconds.a == 2);
    CHECK(t[4]->children[1]->pointer == QLatin1String("/tasks/4/children/1"));

    CHECK(t[5]->op == Op::Wait);
    CHECK(t[5]->returnWhen == ReturnWhen::FirstCompleted);
    REQUIRE(t[5]->timeout.has_value());
    CHECK(t[5]->timeout->a == 3);
    CHECK(t[5]->children.size() == 1);

    CHECK(t[6]->op == Op::AsCompleted);
    CHECK_FALSE(t[6]->timeout.has_value());
    CHECK(t[6]->children.empty());

    CHECK(t[7]->op == Op::WaitFor);
    REQUIRE(t[7]->timeout.has_value());
    CHECK(t[7]->timeout->uniform);
    REQUIRE(t[7]->child);
    CHECK(t[7]->child->seconds.a == 5);

    CHECK(t[8]->op == Op::Sequence);
    REQUIRE(t[8]->children.size() == 2);
    CHECK(t[8]->children[1]->op == Op::Fail);

    const Node &queue = *t[9];
    CHECK(queue.op == Op::Queue);
    CHECK(queue.name == QLatin1String("q"));
    CHECK(queue.capacity == 2);
    CHECK(queue.producers == 3);
    CHECK(queue.consumers == 2);
    CHECK(queue.items == 10);
    CHECK(queue.produceSeconds.a == 0.1);
    CHECK(queue.consumeSeconds.uniform);
    CHECK(queue.consumeSeconds.b == 0.3);

    CHECK(t[10]->op == Op::Threadsafe);
    REQUIRE(t[10]->child);
    CHECK(t[10]->child->op == Op::Cpu);
    CHECK(t[10]->child->where == Where::Pool);

    CHECK(t[11]->op == Op::Cancel);
    CHECK(t[11]->target == QLatin1String("q.consumer-2"));
    CHECK(t[11]->after.a == 0.5);

    const Node &repeat = *t[12];
    CHECK(repeat.op == Op::Repeat);
    CHECK(repeat.count == 1'000'000);
    CHECK(repeat.repeatAwait == RepeatAwait::None);
    REQUIRE(repeat.task);
    CHECK(repeat.task->op == Op::Sleep);
    CHECK(repeat.task->name.isEmpty()); // a template root's name is ignored

    CHECK(t[13]->target == QLatin1String("r[999999]"));
}

TEST_CASE("op names are spelled as in the file")
{
    CHECK(opName(Op::AsCompleted) == QLatin1String("as_completed"));
    CHECK(opName(Op::WaitFor) == QLatin1String("wait_for"));
    CHECK(opName(Op::Threadsafe) == QLatin1String("threadsafe"));
    for (int i = 0; i <= int(Op::Repeat); ++i)
        CHECK(opFromName(opName(Op(i))) == Op(i));
    CHECK_FALSE(opFromName(u"Sleep").has_value());
}

TEST_CASE("a BOM at the start of the file is accepted and not counted as a column")
{
    const QByteArray text = "\xEF\xBB\xBF" + withTasks({R"({"op": "sleep", "seconds": 1})"});
    const ParseResult r = parse(text);
    REQUIRE(r.ok());
    CHECK(r.set->tasks[0]->line == 2);
    CHECK(r.set->tasks[0]->column == 3);

    const Diagnostic d = onlyError("\xEF\xBB\xBF[]");
    checkError(d, {1, 1}, "/", "expected an object, got []");
}

TEST_CASE("an unknown key is reported with its position")
{
    const QByteArray text = withTasks({R"({"op": "sleep", "secnds": 1, "seconds": 2})"});
    checkError(onlyError(text), {2, 19}, "/tasks/0/secnds", R"(unknown key "secnds")");

    SECTION("at the top level too")
    {
        const QByteArray top = R"({"format": "coroscope.taskset/1", "name": "t", "tasks": [], "taks": 1})";
        checkError(onlyError(top), {1, 61}, "/taks", R"(unknown key "taks")");
    }
    SECTION("and a key of another op is unknown")
    {
        const QByteArray other = withTasks({R"({"op": "sleep", "seconds": 1, "children": []})"});
        checkError(onlyError(other), locate(other, R"("children")"), "/tasks/0/children", R"(unknown key "children")");
    }
}

TEST_CASE("a value of the wrong type is reported at the value, in the spec's words")
{
    const QByteArray text = withTasks({R"({"op": "gather", "children": [
    {"op": "sleep", "seconds": 1},
    {"op": "sleep", "seconds": 1},
    {"op": "sleep", "seconds": "2"}]})"});
    checkError(onlyError(text), {5, 32}, "/tasks/0/children/2/seconds", R"(expected a number >= 0, got "2")");

    SECTION("a negative number")
    {
        const QByteArray negative = withTasks({R"({"op": "block", "seconds": -1})"});
        checkError(onlyError(negative), {2, 30}, "/tasks/0/seconds", "expected a number >= 0, got -1");
    }
    SECTION("a boolean")
    {
        const QByteArray boolean = withTasks({R"({"op": "gather", "children": [], "return_exceptions": 1})"});
        checkError(onlyError(boolean), locate(boolean, "1}"), "/tasks/0/return_exceptions",
                   "expected true or false, got 1");
    }
    SECTION("a string")
    {
        const QByteArray string = withTasks({R"({"op": "fail", "message": ["x"]})"});
        checkError(onlyError(string), locate(string, R"(["x"])"), "/tasks/0/message",
                   R"(expected a string, got ["x"])");
    }
    SECTION("a choice")
    {
        const QByteArray choice = withTasks({R"({"op": "wait", "children": [{"op": "sleep", "seconds": 1}], "return_when": "FIRST"})"});
        checkError(onlyError(choice), locate(choice, R"("FIRST")"), "/tasks/0/return_when",
                   R"(expected "ALL_COMPLETED", "FIRST_COMPLETED" or "FIRST_EXCEPTION", got "FIRST")");
    }
    SECTION("a task that is not an object")
    {
        const QByteArray notObject = withTasks({"3"});
        checkError(onlyError(notObject), {2, 3}, "/tasks/0", "expected an object, got 3");
    }
}

TEST_CASE("a missing required key is reported at the { of its object")
{
    const QByteArray text = withTasks({R"({"op": "gather", "children": [{"op": "sleep"}]})"});
    checkError(onlyError(text), {2, 33}, "/tasks/0/children/0", R"(missing key "seconds")");

    SECTION("a missing op")
    {
        const QByteArray noOp = withTasks({R"({"seconds": 1})"});
        checkError(onlyError(noOp), {2, 3}, "/tasks/0", R"(missing key "op")");
    }
    SECTION("a missing key of the set")
    {
        const QByteArray noTasks = "\n  {\"format\": \"coroscope.taskset/1\", \"name\": \"t\"}";
        checkError(onlyError(noTasks), {2, 3}, "/", R"(missing key "tasks")");
    }
}

TEST_CASE("an unknown op is reported at the op, and its keys are not checked")
{
    const QByteArray text = withTasks({R"({"op": "slep", "seconds": 1})"});
    checkError(onlyError(text), {2, 10}, "/tasks/0/op", R"(unknown op "slep")");
}

TEST_CASE("an empty name is an error")
{
    const QByteArray text = withTasks({R"({"op": "sleep", "name": "", "seconds": 1})"});
    checkError(onlyError(text), {2, 27}, "/tasks/0/name", "empty name");
}

TEST_CASE("the set's name must match [a-z0-9][a-z0-9-]*")
{
    const auto setNamed = [](const char *name) {
        return QByteArray(R"({"format": "coroscope.taskset/1", "tasks": [], "name": )") + name + "}";
    };
    CHECK(parse(setNamed(R"("gather-basics-2")")).ok());
    checkError(onlyError(setNamed(R"("Gather")")), {1, 56}, "/name",
               R"(expected a name matching [a-z0-9][a-z0-9-]*, got "Gather")");
    checkError(onlyError(setNamed(R"("-x")")), {1, 56}, "/name",
               R"(expected a name matching [a-z0-9][a-z0-9-]*, got "-x")");
    checkError(onlyError(setNamed(R"("")")), {1, 56}, "/name", "empty name");
    checkError(onlyError(setNamed("7")), {1, 56}, "/name", "expected a string, got 7");
}

TEST_CASE("the format must be exactly coroscope.taskset/1")
{
    const QByteArray text = R"({"format": "coroscope.taskset/2", "name": "t", "tasks": []})";
    checkError(onlyError(text), {1, 12}, "/format", R"(expected "coroscope.taskset/1", got "coroscope.taskset/2")");
}

TEST_CASE("the seed is an integer >= 0 and keeps all 64 bits")
{
    const auto seeded = [](const char *seed) {
        return QByteArray(R"({"format": "coroscope.taskset/1", "name": "t", "tasks": [], "seed": )") + seed + "}";
    };
    const ParseResult big = parse(seeded("18446744073709551615"));
    REQUIRE(big.ok());
    CHECK(big.set->seed == 18446744073709551615ULL);
    CHECK(parse(seeded("1e3")).set->seed == 1000);
    CHECK(parse(QByteArray(R"({"format": "coroscope.taskset/1", "name": "t", "tasks": []})")).set->seed == 1);
    checkError(onlyError(seeded("-1")), {1, 69}, "/seed", "expected an integer >= 0, got -1");
    checkError(onlyError(seeded("1.5")), {1, 69}, "/seed", "expected an integer >= 0, got 1.5");
    checkError(onlyError(seeded("18446744073709551616")), {1, 69}, "/seed",
               "expected an integer from 0 to 18446744073709551615, got 18446744073709551616");
}

TEST_CASE("the deadline is a number >= 0 or null")
{
    const auto withDeadline = [](const char *deadline) {
        return QByteArray(R"({"format": "coroscope.taskset/1", "name": "t", "tasks": [], "deadline": )") + deadline
            + "}";
    };
    CHECK_FALSE(parse(withDeadline("null")).set->deadline.has_value());
    CHECK(parse(withDeadline("2.5")).set->deadline == 2.5);
    checkError(onlyError(withDeadline("-2")), {1, 73}, "/deadline", "expected a number >= 0 or null, got -2");
    checkError(onlyError(withDeadline(R"("soon")")), {1, 73}, "/deadline",
               R"(expected a number >= 0 or null, got "soon")");
}

TEST_CASE("a duplicate key is an error, even inside a result value")
{
    const QByteArray text = withTasks({R"({"op": "sleep", "seconds": 1, "seconds": 2})"});
    checkError(onlyError(text), {2, 33}, "/tasks/0/seconds", R"(duplicate key "seconds")");

    const QByteArray inResult = withTasks({R"({"op": "sleep", "seconds": 1, "result": {"a/b": 1, "a/b": 2}})"});
    checkError(onlyError(inResult), locate(inResult, R"("a/b": 2)"), "/tasks/0/result/a~1b", R"(duplicate key "a/b")");
}

TEST_CASE("a duplicate name is reported at its second use")
{
    const QByteArray text = withTasks({
        R"({"op": "sleep", "name": "fetch", "seconds": 1})",
        R"({"op": "gather", "children": [{"op": "sleep", "name": "fetch", "seconds": 1}]})",
    });
    checkError(onlyError(text), {3, 57}, "/tasks/1/children/0/name", R"(duplicate name "fetch")");

    SECTION("names inside a repeat template count too")
    {
        const QByteArray inTemplate = withTasks({
            R"({"op": "repeat", "count": 2, "task": {"op": "gather", "children": [{"op": "sleep", "name": "x", "seconds": 1}]}})",
            R"({"op": "sleep", "name": "x", "seconds": 1})",
        });
        checkError(onlyError(inTemplate), {3, 27}, "/tasks/1/name", R"(duplicate name "x")");
    }
    SECTION("a name that a repeat gives to one of its copies")
    {
        const QByteArray copy = withTasks({
            R"({"op": "sleep", "name": "r[1]", "seconds": 1})",
            R"({"op": "repeat", "name": "r", "count": 2, "task": {"op": "sleep", "seconds": 1}})",
        });
        checkError(onlyError(copy), {2, 27}, "/tasks/0/name", R"(duplicate name "r[1]")");
        const QByteArray beyond = withTasks({
            R"({"op": "sleep", "name": "r[2]", "seconds": 1})",
            R"({"op": "repeat", "name": "r", "count": 2, "task": {"op": "sleep", "seconds": 1}})",
        });
        CHECK(parse(beyond).ok());
    }
}

TEST_CASE("queue worker names take part in the duplicate-name check")
{
    const char *queue = R"({"op": "queue", "name": "q", "capacity": 0, "producers": 2, "consumers": 1, "items": 4, "produce_seconds": 0, "consume_seconds": 0})";
    const QByteArray text = withTasks({queue, R"({"op": "sleep", "name": "q.producer-2", "seconds": 1})"});
    checkError(onlyError(text), {3, 27}, "/tasks/1/name", R"(duplicate name "q.producer-2")");

    CHECK(parse(withTasks({queue, R"({"op": "sleep", "name": "q.producer-3", "seconds": 1})"})).ok());
    CHECK(parse(withTasks({queue, R"({"op": "sleep", "name": "q.consumer-2", "seconds": 1})"})).ok());
    const QByteArray consumer = withTasks({R"({"op": "sleep", "name": "q.consumer-1", "seconds": 1})", queue});
    checkError(onlyError(consumer), {2, 27}, "/tasks/0/name", R"(duplicate name "q.consumer-1")");
}

TEST_CASE("a cancel target must name a task outside any repeat template")
{
    const char *queue = R"({"op": "queue", "name": "q", "capacity": 0, "producers": 2, "consumers": 1, "items": 4, "produce_seconds": 0, "consume_seconds": 0})";
    const char *nested = R"({"op": "repeat", "name": "outer", "count": 3, "task": {"op": "repeat", "count": 2, "task": {"op": "gather", "children": [{"op": "sleep", "name": "inside", "seconds": 1}]}}})";
    const char *queues = R"({"op": "repeat", "name": "qs", "count": 2, "task": )"
                         R"({"op": "queue", "capacity": 0, "producers": 1, "consumers": 1, "items": 1, "produce_seconds": 0, "consume_seconds": 0}})";
    const auto cancel = [&](const char *target) {
        const QByteArray line = QByteArray(R"({"op": "cancel", "target": )") + target + "}";
        return parse(withTasks({queue, nested, queues, line.constData()}));
    };

    CHECK(cancel(R"("q")").ok());
    CHECK(cancel(R"("q.producer-2")").ok());
    CHECK(cancel(R"("q.consumer-1")").ok());
    CHECK(cancel(R"("outer")").ok());
    CHECK(cancel(R"("outer[2]")").ok());
    CHECK(cancel(R"("outer[2][1]")").ok());
    CHECK(cancel(R"("qs[1].consumer-1")").ok());

    for (const char *target : {R"("x")", R"("q.producer-3")", R"("q.consumer-0")", R"("outer[3]")",
                               R"("outer[02]")", R"("outer[0][2]")", R"("inside")", R"("qs[1].consumer-2")"}) {
        INFO(target);
        const ParseResult r = cancel(target);
        REQUIRE(r.errors.size() == 1);
        checkError(r.errors[0], {5, 30}, "/tasks/3/target",
                   QStringLiteral("cancel target %1 names no task").arg(QLatin1String(target)).toUtf8().constData());
    }
}

TEST_CASE("nesting deeper than 64 is one error, at the first node too deep")
{
    const auto nestedGathers = [](int depth) {
        QByteArray task = R"({"op": "sleep", "seconds": 1})";
        for (int i = 1; i < depth; ++i)
            task = R"({"op": "gather", "children": [)" + task + "]}";
        return withTasks({task.constData()});
    };
    CHECK(parse(nestedGathers(64)).ok());

    const QByteArray deep = nestedGathers(100);
    const Diagnostic d = onlyError(deep);
    CHECK(d.message == QLatin1String("nesting deeper than 64"));
    CHECK(d.line == 2);
    CHECK(d.column == 3 + 64 * int(qstrlen(R"({"op": "gather", "children": [)")));
    CHECK(d.pointer == QLatin1String("/tasks/0") + QString(QLatin1String("/children/0")).repeated(64));

    SECTION("a callback's spawn task is one level deeper than its owner")
    {
        const auto spawnChain = [](int depth) {
            QByteArray task = R"({"op": "sleep", "seconds": 1})";
            for (int i = 1; i < depth; ++i)
                task = R"({"op": "sleep", "seconds": 1, "callbacks": [{"kind": "spawn", "task": )" + task + "}]}";
            return withTasks({task.constData()});
        };
        CHECK(parse(spawnChain(64)).ok());
        const Diagnostic spawned = onlyError(spawnChain(65));
        CHECK(spawned.message == QLatin1String("nesting deeper than 64"));
        CHECK(spawned.pointer == QLatin1String("/tasks/0") + QString(QLatin1String("/callbacks/0/task")).repeated(64));
    }
}

TEST_CASE("a two-million-deep array does not crash the reader")
{
    const QByteArray text(2'000'000, '[');
    const Diagnostic d = onlyError(text);
    CHECK(d.message == QLatin1String("JSON nesting deeper than 512"));
    CHECK(position(d) == std::pair{1, 513});
    CHECK(d.pointer == QString(QLatin1String("/0")).repeated(512));

    SECTION("nor 60 MiB of nested objects and arrays")
    {
        QByteArray mixed;
        mixed.reserve(60 * 1024 * 1024);
        while (mixed.size() < 60 * 1024 * 1024 - 8)
            mixed += R"({"a":[)";
        CHECK(onlyError(mixed).message == QLatin1String("JSON nesting deeper than 512"));
    }
}

TEST_CASE("JSON syntax errors are reported with their position")
{
    const auto syntax = [](const QByteArray &text, std::pair<int, int> where, const char *pointer,
                           const char *message) { checkError(onlyError(text), where, pointer, message); };
    SECTION("a trailing comma in an array")
    {
        syntax(withTasks({R"({"op": "sleep", "seconds": 1},)"}), {3, 1}, "/tasks", "trailing comma before ']'");
    }
    SECTION("a trailing comma in an object")
    {
        syntax(withTasks({R"({"op": "sleep", "seconds": 1,})"}), {2, 32}, "/tasks/0", "trailing comma before '}'");
    }
    SECTION("a comment")
    {
        syntax(withTasks({R"(// a comment)"}), {2, 3}, "/tasks/0", "comments are not allowed in JSON");
    }
    SECTION("a missing comma")
    {
        syntax(withTasks({R"({"op": "sleep" "seconds": 1})"}), {2, 18}, "/tasks/0", "expected ',' or '}'");
    }
    SECTION("a key without quotes")
    {
        syntax(withTasks({R"({op: "sleep"})"}), {2, 4}, "/tasks/0", "expected a key in double quotes");
    }
    SECTION("a missing colon")
    {
        syntax(withTasks({R"({"op" "sleep"})"}), {2, 9}, "/tasks/0/op", "expected ':' after the key");
    }
    SECTION("an unterminated string")
    {
        syntax(withTasks({R"({"op": "sleep)"}), {2, 10}, "/tasks/0/op", "unterminated string");
    }
    SECTION("an unterminated key")
    {
        syntax(R"({"format": "coroscope.taskset/1", "nam)", {1, 35}, "/", "unterminated string");
    }
    SECTION("a raw control character in a string")
    {
        syntax(withTasks({"{\"op\": \"sl\teep\"}"}), {2, 13}, "/tasks/0/op",
               "control character U+0009 in a string must be escaped");
    }
    SECTION("a bad escape")
    {
        syntax(withTasks({R"({"op": "sl\eep"})"}), {2, 13}, "/tasks/0/op", "invalid escape in a string");
        syntax(withTasks({R"({"op": "\ud800"})"}), {2, 11}, "/tasks/0/op", "invalid \\u escape: lone surrogate");
    }
    SECTION("a number with a leading zero")
    {
        syntax(withTasks({R"({"op": "sleep", "seconds": 01})"}), {2, 30}, "/tasks/0/seconds", "invalid number");
    }
    SECTION("a number out of range")
    {
        syntax(withTasks({R"({"op": "sleep", "seconds": 1e999})"}), {2, 30}, "/tasks/0/seconds",
               "number out of range");
    }
    SECTION("a word that is not a JSON value")
    {
        syntax(withTasks({R"({"op": "sleep", "seconds": NaN})"}), {2, 30}, "/tasks/0/seconds", R"(invalid value "NaN")");
    }
    SECTION("text after the value")
    {
        syntax(withTasks({}) + "\n}", {3, 1}, "/", "unexpected text after the end of the JSON value");
    }
    SECTION("the end of the file inside a value")
    {
        syntax(R"({"format": )", {1, 12}, "/format", "unexpected end of file");
    }
    SECTION("invalid UTF-8 in a string")
    {
        syntax(withTasks({"{\"op\": \"sl\xC3\x28\"}"}), {2, 13}, "/tasks/0/op", "invalid UTF-8");
    }
    SECTION("a character that starts no value")
    {
        syntax(withTasks({"{\"op\": \xC3\xA9}"}), {2, 10}, "/tasks/0/op", "unexpected character '\xC3\xA9'");
    }
}

TEST_CASE("an empty file is an error about the whole file")
{
    checkError(onlyError(""), {1, 1}, "/", "empty file");
    checkError(onlyError(" \n\t\r\n"), {1, 1}, "/", "empty file");
    checkError(onlyError("\xEF\xBB\xBF"), {1, 1}, "/", "empty file");
}

TEST_CASE("a wait needs at least one child")
{
    const QByteArray text = withTasks({R"({"op": "wait", "children": []})"});
    checkError(onlyError(text), {2, 30}, "/tasks/0/children", "wait needs at least one child");
}

TEST_CASE("a repeat count runs from 0 to 10,000,000")
{
    const auto repeat = [](const char *count) {
        return withTasks({(QByteArray(R"({"op": "repeat", "task": {"op": "sleep", "seconds": 1}, "count": )") + count
                           + "}")
                              .constData()});
    };
    CHECK(parse(repeat("0")).ok());
    CHECK(parse(repeat("10000000")).set->tasks[0]->count == 10'000'000);
    for (const char *bad : {"10000001", "-1", "2.5", "1e300", R"("3")"}) {
        INFO(bad);
        checkError(onlyError(repeat(bad)), {2, 68}, "/tasks/0/count",
                   (QByteArray("expected an integer from 0 to 10000000, got ") + bad).constData());
    }
}

TEST_CASE("cpu work_ms must be above 0 and where is pool or loop")
{
    const QByteArray zero = withTasks({R"({"op": "cpu", "work_ms": 0})"});
    checkError(onlyError(zero), {2, 28}, "/tasks/0/work_ms", "expected a number > 0, got 0");
    const QByteArray where = withTasks({R"({"op": "cpu", "work_ms": 1, "where": "gpu"})"});
    checkError(onlyError(where), {2, 40}, "/tasks/0/where", R"(expected "pool" or "loop", got "gpu")");
}

TEST_CASE("a uniform duration needs 0 <= a <= b")
{
    const auto uniform = [](const char *range) {
        return withTasks({(QByteArray(R"({"op": "sleep", "seconds": {"uniform": )") + range + "}}").constData()});
    };
    const ParseResult equal = parse(uniform("[1, 1]"));
    REQUIRE(equal.ok());
    CHECK(equal.set->tasks[0]->seconds.uniform);
    for (const char *bad : {"[2, 1]", "[-1, 1]", "[1]", "[1, 2, 3]", R"([1, "2"])", "3"}) {
        INFO(bad);
        checkError(onlyError(uniform(bad)), {2, 42}, "/tasks/0/seconds/uniform",
                   (QByteArray("expected [a, b] with 0 <= a <= b, got ") + bad).constData());
    }
    const QByteArray extra = withTasks({R"({"op": "sleep", "seconds": {"uniform": [0, 1], "normal": 1}})"});
    checkError(onlyError(extra), locate(extra, R"("normal")"), "/tasks/0/seconds/normal", R"(unknown key "normal")");
    const QByteArray missing = withTasks({R"({"op": "sleep", "seconds": {}})"});
    checkError(onlyError(missing), {2, 30}, "/tasks/0/seconds", R"(missing key "uniform")");
}

TEST_CASE("a queue needs all six keys")
{
    const QByteArray text = withTasks({R"({"op": "queue", "name": "q", "producers": 1})"});
    const ParseResult r = parse(text);
    REQUIRE(r.errors.size() == 5);
    const char *missing[] = {"capacity", "consumers", "items", "produce_seconds", "consume_seconds"};
    for (std::size_t i = 0; i < r.errors.size(); ++i) {
        checkError(r.errors[i], {2, 3}, "/tasks/0",
                   (QByteArray("missing key \"") + missing[i] + "\"").constData());
    }
    const QByteArray zeroProducers = withTasks({R"({"op": "queue", "capacity": 0, "producers": 0, "consumers": 1, "items": 0, "produce_seconds": 0, "consume_seconds": 0})"});
    checkError(onlyError(zeroProducers), locate(zeroProducers, R"(0, "consumers")"), "/tasks/0/producers",
               "expected an integer >= 1, got 0");
}

TEST_CASE("timeouts are a number, a uniform range or null, and wait_for needs one")
{
    const QByteArray text = withTasks({R"({"op": "wait_for", "child": {"op": "sleep", "seconds": 1}})"});
    checkError(onlyError(text), {2, 3}, "/tasks/0", R"(missing key "timeout")");
    const QByteArray nullTimeout = withTasks({R"({"op": "wait_for", "timeout": null, "child": {"op": "sleep", "seconds": 1}})"});
    REQUIRE(parse(nullTimeout).ok());
    CHECK_FALSE(parse(nullTimeout).set->tasks[0]->timeout.has_value());
    const QByteArray bad = withTasks({R"({"op": "as_completed", "timeout": false, "children": []})"});
    checkError(onlyError(bad), {2, 37}, "/tasks/0/timeout", "expected a number >= 0 or null, got false");
}

TEST_CASE("callbacks are read by kind, and an unknown kind is an error")
{
    const QByteArray text = withTasks({R"({"op": "sleep", "seconds": 1, "callbacks": [{"kind": "email"}]})"});
    checkError(onlyError(text), {2, 56}, "/tasks/0/callbacks/0/kind",
               R"(expected "log", "partial", "spawn" or "raise", got "email")");
    const QByteArray noMessage = withTasks({R"({"op": "sleep", "seconds": 1, "callbacks": [{"kind": "log", "args": []}]})"});
    const ParseResult r = parse(noMessage);
    REQUIRE(r.errors.size() == 2);
    checkError(r.errors[0], {2, 47}, "/tasks/0/callbacks/0", R"(missing key "message")");
    checkError(r.errors[1], {2, 63}, "/tasks/0/callbacks/0/args", R"(unknown key "args")");
    const QByteArray raise = withTasks({R"({"op": "sleep", "seconds": 1, "callbacks": [{"kind": "raise", "message": 3}]})"});
    checkError(onlyError(raise), {2, 76}, "/tasks/0/callbacks/0/message", "expected a string, got 3");
}

TEST_CASE("errors come all at once, sorted by position")
{
    const QByteArray text = R"({"format": "coroscope.taskset/1", "name": "Bad", "tasks": [
  {"op": "gather", "children": [{"op": "sleep", "seconds": -1}], "extra": 1,
   "callbacks": [{"kind": "spawn", "task": {"op": "cancel", "target": "nobody"}}]},
  {"op": "nap"}
], "seed": -3})";
    const ParseResult r = parse(text);
    CHECK_FALSE(r.set.has_value());
    REQUIRE(r.errors.size() == 6);
    checkError(r.errors[0], {1, 43}, "/name", R"(expected a name matching [a-z0-9][a-z0-9-]*, got "Bad")");
    checkError(r.errors[1], {2, 60}, "/tasks/0/children/0/seconds", "expected a number >= 0, got -1");
    checkError(r.errors[2], {2, 66}, "/tasks/0/extra", R"(unknown key "extra")");
    checkError(r.errors[3], {3, 71}, "/tasks/0/callbacks/0/task/target", R"(cancel target "nobody" names no task)");
    checkError(r.errors[4], {4, 10}, "/tasks/1/op", R"(unknown op "nap")");
    checkError(r.errors[5], {5, 12}, "/seed", "expected an integer >= 0, got -3");
}

TEST_CASE("columns count characters, not bytes")
{
    const QByteArray text = withTasks({"{\"op\": \"sleep\", \"name\": \"caf\xC3\xA9 \xF0\x9F\x98\x80\", \"secnds\": 1, \"seconds\": 1}"});
    // "café 😀" is 6 characters but 10 bytes (and 7 UTF-16 units).
    checkError(onlyError(text), {2, 37}, "/tasks/0/secnds", R"(unknown key "secnds")");
    CHECK(parse(withTasks({"{\"op\": \"sleep\", \"name\": \"caf\xC3\xA9\", \"seconds\": 1}"})).set->tasks[0]->name
          == QStringLiteral("caf\u00e9"));
}

TEST_CASE("a diagnostic prints as FILE:LINE:COLUMN: POINTER: message")
{
    const Diagnostic d{QStringLiteral("sets/a.json"), 3, 14, QStringLiteral("/tasks/0/seconds"),
                       QStringLiteral("expected a number >= 0, got \"2\"")};
    CHECK(d.toString() == QLatin1String(R"(sets/a.json:3:14: /tasks/0/seconds: expected a number >= 0, got "2")"));
}

TEST_CASE("a uniform duration draws within its bounds and a fixed one draws nothing")
{
    std::mt19937_64 rng(1);
    const Duration uniform{0.5, 1.5, true};
    for (int i = 0; i < 1000; ++i) {
        const double d = uniform.draw(rng);
        REQUIRE(d >= 0.5);
        REQUIRE(d <= 1.5);
    }
    std::mt19937_64 a(7);
    std::mt19937_64 b(7);
    CHECK(Duration{2, 2, false}.draw(a) == 2);
    CHECK(a() == b());
}

TEST_CASE("a file larger than 64 MiB is refused before it is read")
{
    QTemporaryDir dir;
    REQUIRE(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("huge.json"));
    QFile file(path);
    REQUIRE(file.open(QIODevice::WriteOnly));
    REQUIRE(file.resize(kMaxFileSize + 1)); // sparse: costs no disk and no time
    file.close();

    const ParseResult r = loadTaskSetFile(path);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].toString() == path + QLatin1String(":1:1: /: file larger than 64 MiB"));

    SECTION("while a file of exactly 64 MiB is read")
    {
        REQUIRE(QFile::resize(path, kMaxFileSize));
        const ParseResult exact = loadTaskSetFile(path);
        REQUIRE(exact.errors.size() == 1);
        CHECK(exact.errors[0].message == QLatin1String("unexpected character U+0000"));
    }
}

TEST_CASE("a file that cannot be read gives one clear error")
{
    QTemporaryDir dir;
    REQUIRE(dir.isValid());
    const QString missing = dir.filePath(QStringLiteral("missing.json"));
    const ParseResult r = loadTaskSetFile(missing);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].file == missing);
    CHECK(r.errors[0].pointer == QLatin1String("/"));
    CHECK(r.errors[0].message.startsWith(QLatin1String("cannot read the file: ")));
    CHECK(r.errors[0].message.contains(QLatin1String("No such file")));

    const ParseResult directory = loadTaskSetFile(dir.path());
    REQUIRE(directory.errors.size() == 1);
    CHECK(directory.errors[0].message == QLatin1String("cannot read the file: it is a directory"));
}

TEST_CASE("a file on disk is read, and keeps its path")
{
    QTemporaryDir dir;
    REQUIRE(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("every-op.json"));
    QFile file(path);
    REQUIRE(file.open(QIODevice::WriteOnly));
    file.write(kEveryOp);
    file.close();
    const ParseResult r = loadTaskSetFile(path);
    REQUIRE(r.ok());
    CHECK(r.set->sourcePath == path);
    CHECK(r.set->tasks.size() == 14);
}

TEST_CASE("no input makes the reader throw or crash")
{
    SECTION("every prefix of a valid file")
    {
        for (qsizetype n = 0; n < kEveryOp.size() - 2; ++n) {
            const ParseResult r = parse(kEveryOp.left(n));
            REQUIRE_FALSE(r.errors.empty());
            REQUIRE_FALSE(r.set.has_value());
        }
    }
    SECTION("random changes to a valid file")
    {
        std::mt19937_64 rng(2024);
        const char alphabet[] = "{}[]:,\"\\ 0123456789-+.eE\n\xC3\xA9\xFF\x00truefalsenullopname";
        for (int i = 0; i < 3000; ++i) {
            QByteArray text = kEveryOp;
            for (int edits = 1 + int(rng() % 3); edits > 0; --edits) {
                const qsizetype at = qsizetype(rng() % std::uint64_t(text.size()));
                switch (rng() % 3) {
                case 0: text[at] = alphabet[rng() % (sizeof alphabet - 1)]; break;
                case 1: text.remove(at, 1 + qsizetype(rng() % 8)); break;
                default: text.insert(at, alphabet[rng() % (sizeof alphabet - 1)]); break;
                }
            }
            const ParseResult r = parse(text);
            REQUIRE(r.ok() == r.errors.empty());
            for (const Diagnostic &d : r.errors) {
                REQUIRE(d.line >= 1);
                REQUIRE(d.column >= 1);
                REQUIRE(d.pointer.startsWith(u'/'));
            }
        }
    }
}

TEST_CASE("escapes in strings decode to the characters they stand for")
{
    const QByteArray text = withTasks({R"({"op": "sleep", "seconds": 1, "result": "\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00", "name": "\u0041"})"});
    const ParseResult r = parse(text);
    REQUIRE(r.ok());
    CHECK(r.set->tasks[0]->result.toString() == QStringLiteral("\"\\/\b\f\n\r\t\u00e9\U0001F600"));
    CHECK(r.set->tasks[0]->name == QLatin1String("A"));
}

TEST_CASE("a flood of errors is cut to the first 1000 by position, with a note")
{
    QByteArray members = R"("k": 0)";
    for (int i = 1; i < 5000; ++i)
        members += R"(, "k": )" + QByteArray::number(i);
    const QByteArray text = withTasks({(R"({"op": "sleep", "seconds": 1, "result": {)" + members + "}}").constData()});
    const ParseResult r = parse(text);
    REQUIRE(r.errors.size() == 1001);
    checkError(r.errors[0], locate(text, R"("k": 1,)"), "/tasks/0/result/k", R"(duplicate key "k")");
    checkError(r.errors[999], locate(text, R"("k": 1000,)"), "/tasks/0/result/k", R"(duplicate key "k")");
    checkError(r.errors[1000], locate(text, R"("k": 1000,)"), "/", "too many errors: 3999 more not shown");
}

TEST_CASE("a result object with its keys in reverse order is validated in linear time")
{
    // Inserting each key at the front of the object would take 17 s at this size (70 s
    // for 5 MB); sorted first, it takes well under a second, even under a sanitizer.
    constexpr int kKeys = 200'000;
    QByteArray text = R"({"format": "coroscope.taskset/1", "name": "t", "tasks": [{"op": "sleep", "seconds": 0, "result": {)";
    for (int i = kKeys; i > 0; --i)
        text += "\"k" + QByteArray::number(i) + "\": " + QByteArray::number(i) + (i > 1 ? "," : "");
    text += R"(, "k7": "again"}}]})";
    const std::int64_t start = coroscope::rt::threadCpuNs(); // CPU time: a busy machine does not move it
    const ParseResult r = parse(text);
    CHECK(double(coroscope::rt::threadCpuNs() - start) / 1e9 < 10.0);
    // The duplicate is still an error at its place.
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].pointer == QLatin1String("/tasks/0/result/k7"));

    text.replace(R"(, "k7": "again")", "");
    const ParseResult ok = parse(text);
    REQUIRE(ok.ok());
    const QJsonObject result = ok.set->tasks.at(0)->result.toObject();
    CHECK(result.size() == kKeys);
    CHECK(result.value(QLatin1String("k1")).toInt() == 1);
    CHECK(result.value(QLatin1String("k200000")).toInt() == kKeys);
}

TEST_CASE("a number too small for a double is 0, one too large is out of range")
{
    const ParseResult tiny = parse(withTasks({R"({"op": "sleep", "seconds": 1e-400})", R"({"op": "sleep", "seconds": 0.00000e-999999999999})",
                                              R"({"op": "sleep", "seconds": 1, "result": -12.5e-400})"}));
    REQUIRE(tiny.ok());
    CHECK(tiny.set->tasks.at(0)->seconds.a == 0.0);
    CHECK(tiny.set->tasks.at(1)->seconds.a == 0.0);
    CHECK(tiny.set->tasks.at(2)->result.toDouble() == 0.0);
    const QByteArray huge = withTasks({R"({"op": "sleep", "seconds": 1e400})"});
    CHECK(onlyError(huge).message == QLatin1String("number out of range"));
    // 1 followed by 400 zeros, times 10^-10, is still far too large.
    const std::string bigTask = "{\"op\": \"sleep\", \"seconds\": 1" + std::string(400, '0') + "e-10}";
    CHECK(onlyError(withTasks({bigTask.c_str()})).message == QLatin1String("number out of range"));
}

TEST_CASE("durations far beyond a lifetime are held, saturating at 10^9 seconds")
{
    using coroscope::rt::secondsToMs;
    using std::chrono::milliseconds;
    CHECK(secondsToMs(1e308) == milliseconds(coroscope::rt::kMaxDurationMs));
    CHECK(secondsToMs(1e9) == milliseconds(coroscope::rt::kMaxDurationMs));
    CHECK(secondsToMs(4294967.296 + 0.7) == milliseconds(4'294'967'996));
    CHECK(secondsToMs(1.5) == milliseconds(1500));
    CHECK(secondsToMs(0.0004) == milliseconds(0));
    CHECK(secondsToMs(-1) == milliseconds(0));
    CHECK(secondsToMs(std::nan("")) == milliseconds(0));
    CHECK(coroscope::rt::clampDuration(milliseconds::max()) == milliseconds(coroscope::rt::kMaxDurationMs));
}

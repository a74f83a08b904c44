// The run record, the four log formats and the log reader, fed with scripted journal
// batches: a small run across the loops "main" and "worker" with every event type.

#include "log/eventspool.h"
#include "log/exporters.h"
#include "log/jsonlwriter.h"
#include "log/logreader.h"
#include "log/optag.h"
#include "log/resulttext.h"
#include "log/runrecord.h"
#include "runtime/clock.h"
#include "runtime/runtime.h"
#include "support/looprunner.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <tuple>

namespace Catch {
template<>
struct StringMaker<QString> {
    static std::string convert(const QString &s) { return '"' + s.toStdString() + '"'; }
};
} // namespace Catch

using namespace coroscope;
using namespace coroscope::log;
using rt::EventType;

namespace {

constexpr std::int64_t kStartNs = 5'000'000'000;
constexpr std::int64_t ms(double v) { return kStartNs + std::int64_t(v * 1'000'000.0 + 0.5); }
const QDateTime kStartedAt = QDateTime::fromString(QStringLiteral("2026-11-27T16:20:38.123Z"), Qt::ISODateWithMs);

std::uint8_t tag(OpTag op, bool pool = false) { return std::uint8_t(op) | (pool ? kPoolBit : 0); }
std::uint8_t kind(rt::AwaitKind k) { return std::uint8_t(k); }
std::uint8_t kind(rt::CancelKind k) { return std::uint8_t(k); }

// Appends one event with an explicit time and optional text to a journal.
void put(rt::Journal &j, EventType type, std::uint64_t task, double tMs, std::uint64_t arg = 0,
         std::uint8_t k = 0, const char *text = nullptr, std::uint64_t arg2 = 0)
{
    const std::uint32_t t = text ? j.addString(QString::fromUtf8(text)) : 0;
    j.append(type, task, arg, k, t, arg2, ms(tMs));
}

rt::JournalBatch drained(rt::Journal &j)
{
    j.publish();
    rt::JournalBatch b;
    j.drain(b);
    return b;
}

// The scripted run. Runtime ids 100..109 become run ids 1..10; 7 is a parent from
// outside the run. The worker's batch arrives last, after later tasks of main.
//
//   1 main (gather)            done [1,2]
//   2 sleep#2                  done 1, callbacks log + spawn (both fired)
//   3 fetch, "x" (sleep)       cancelled by 5 (task:canceller), partial callback unfired
//   4 cpu#4 (pool)             done 5
//   5 canceller (cancel)       done true, stalls main for 60 ms
//   6 fail#6                   failed `boom, "bad"` + newline
//   7 remote (worker)          done "done after 1s"
//   8 waiter (wait_for)        running, waiting on remote
//   9 sleep#9                  pending
//  10 spawned (origin 2)       cancelled by the deadline
struct Script {
    std::vector<std::pair<QString, rt::JournalBatch>> batches;
    std::size_t eventCount = 0; // events the log shows (all but callback_added)

    Script()
    {
        const QString main = QStringLiteral("main"), worker = QStringLiteral("worker");
        rt::Journal j;
        put(j, EventType::Created, 100, 0.0, 7, tag(OpTag::Gather), "main");
        put(j, EventType::Created, 101, 0.05, 100, tag(OpTag::Sleep));
        put(j, EventType::CallbackAdded, 101, 0.05, 0, 0, R"({"kind":"log","message":"fetched"})");
        put(j, EventType::CallbackAdded, 101, 0.05, 1, 0, R"({"kind":"spawn"})");
        put(j, EventType::Created, 102, 0.05, 100, tag(OpTag::Sleep), "fetch, \"x\"");
        put(j, EventType::CallbackAdded, 102, 0.05, 0, 0, R"({"kind":"partial","args":[2,"x"]})");
        put(j, EventType::Created, 103, 0.06, 100, tag(OpTag::Cpu, true));
        put(j, EventType::Created, 104, 0.06, 100, tag(OpTag::Cancel), "canceller");
        put(j, EventType::Created, 105, 0.06, 100, tag(OpTag::Fail));
        put(j, EventType::Started, 100, 0.07);
        put(j, EventType::Suspended, 100, 0.08, 4, kind(rt::AwaitKind::Gather));
        put(j, EventType::Started, 101, 0.1);
        put(j, EventType::Suspended, 101, 0.11, 1000, kind(rt::AwaitKind::Sleep));
        put(j, EventType::Started, 102, 0.12);
        put(j, EventType::Suspended, 102, 0.13, 2000, kind(rt::AwaitKind::Sleep));
        put(j, EventType::Started, 103, 0.14);
        put(j, EventType::Suspended, 103, 0.15, 0, kind(rt::AwaitKind::Executor));
        put(j, EventType::Started, 104, 0.16);
        put(j, EventType::Started, 105, 0.4);
        put(j, EventType::Failed, 105, 0.5, 0, 0, "boom, \"bad\"\nline two");
        put(j, EventType::Created, 107, 1.0, 100, tag(OpTag::WaitFor), "waiter");
        put(j, EventType::Created, 108, 1.2, 100, tag(OpTag::Sleep));
        batches.emplace_back(main, drained(j));

        put(j, EventType::Started, 107, 1.1 + 0.2);
        put(j, EventType::Suspended, 107, 1.4, 106, kind(rt::AwaitKind::WaitFor));
        put(j, EventType::Resumed, 103, 20.0);
        put(j, EventType::Done, 103, 20.01, 0, 0, "5");
        put(j, EventType::Stall, 104, 300.0, 60'000'000);
        put(j, EventType::CancelRequested, 102, 500.0, 104, kind(rt::CancelKind::Task));
        put(j, EventType::Done, 104, 500.1, 0, 0, "true");
        put(j, EventType::Cancelled, 102, 500.2, 104, kind(rt::CancelKind::Task));
        put(j, EventType::Resumed, 101, 1000.0);
        put(j, EventType::Done, 101, 1000.001, 0, 0, "1");
        put(j, EventType::Callback, 101, 1001.0, 0);
        put(j, EventType::Callback, 101, 1001.5, 1);
        put(j, EventType::Created, 109, 1001.5, 0, tag(OpTag::Sleep), "spawned", 101);
        put(j, EventType::Resumed, 100, 1001.8);
        put(j, EventType::Done, 100, 1002.0, 0, 0, "[1,2]");
        put(j, EventType::Started, 109, 1001.6 + 0.4);
        put(j, EventType::CancelRequested, 109, 1400.0, 0, kind(rt::CancelKind::Deadline));
        put(j, EventType::Cancelled, 109, 1400.0005, 0, kind(rt::CancelKind::Deadline));
        batches.emplace_back(main, drained(j));

        rt::Journal w;
        put(w, EventType::Created, 106, 0.2, 100, tag(OpTag::Sleep), "remote");
        put(w, EventType::Started, 106, 0.3);
        put(w, EventType::Suspended, 106, 0.35, 1000, kind(rt::AwaitKind::Sleep));
        put(w, EventType::Stall, 0, 700.0, 55'000'000);
        put(w, EventType::Resumed, 106, 1000.2);
        put(w, EventType::Done, 106, 1000.3, 0, 0, R"("done after 1s")");
        batches.emplace_back(worker, drained(w));

        for (const auto &[loop, batch] : batches) {
            for (const rt::Event &e : batch.events)
                eventCount += e.type == EventType::CallbackAdded ? 0 : 1;
        }
    }

    void feed(RunRecord &record) const
    {
        record.setRunInfo(QStringLiteral("gather-basics"), kStartedAt, kStartNs);
        for (const auto &[loop, batch] : batches)
            record.apply(loop, batch);
        record.setFinished(ms(1500));
    }
};

QByteArray readAll(const QString &path)
{
    QFile f(path);
    REQUIRE(f.open(QIODevice::ReadOnly));
    return f.readAll();
}

void writeFile(const QString &path, const QByteArray &data)
{
    QFile f(path);
    REQUIRE(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    REQUIRE(f.write(data) == data.size());
}

QJsonObject parseObject(const QByteArray &data)
{
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(data, &error);
    INFO(error.errorString().toStdString());
    REQUIRE(error.error == QJsonParseError::NoError);
    REQUIRE(doc.isObject());
    return doc.object();
}

// A small RFC 4180 parser: quoted fields with doubled quotes, CRLF or LF rows.
std::vector<std::vector<QString>> parseCsv(const QByteArray &data)
{
    std::vector<std::vector<QString>> rows;
    std::vector<QString> row;
    QByteArray field;
    bool quoted = false;
    for (qsizetype i = 0; i < data.size(); ++i) {
        const char c = data[i];
        if (quoted) {
            if (c == '"' && i + 1 < data.size() && data[i + 1] == '"') {
                field.append('"');
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                field.append(c);
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            row.push_back(QString::fromUtf8(field));
            field.clear();
        } else if (c == '\r' || c == '\n') {
            if (c == '\r' && i + 1 < data.size() && data[i + 1] == '\n')
                ++i;
            row.push_back(QString::fromUtf8(field));
            field.clear();
            rows.push_back(std::move(row));
            row.clear();
        } else {
            field.append(c);
        }
    }
    return rows;
}

QString str(const char *s) { return QString::fromUtf8(s); }

} // namespace

TEST_CASE("the run record numbers tasks by creation and keeps their final state")
{
    Script script;
    RunRecord record;
    script.feed(record);

    REQUIRE(record.taskCount() == 10);
    CHECK(record.localId(100) == 1);
    CHECK(record.localId(106) == 7); // arrived last, from the worker, yet numbered by creation
    CHECK(record.localId(109) == 10);
    CHECK(record.localId(7) == 0);

    SECTION("names default to <op>#<id> with the run's id")
    {
        CHECK(record.name(1) == str("main"));
        CHECK(record.name(2) == str("sleep#2"));
        CHECK(record.name(4) == str("cpu#4"));
        CHECK(record.name(6) == str("fail#6"));
        CHECK(record.name(9) == str("sleep#9"));
    }
    SECTION("parents and origins map to run ids, and a parent outside the run is none")
    {
        CHECK(record.task(1)->parent == 0);
        CHECK(record.task(2)->parent == 1);
        CHECK(record.task(7)->parent == 1);
        CHECK(record.task(10)->parent == 0);
        CHECK(record.task(10)->origin == 2);
    }
    SECTION("loops come from the journal, and pool work says pool")
    {
        CHECK(record.task(1)->loop == str("main"));
        CHECK(record.task(4)->loop == str("pool"));
        CHECK(record.task(7)->loop == str("worker"));
    }
    SECTION("states, results, errors and reasons are the final ones")
    {
        const TaskView main = *record.task(1);
        CHECK(main.state == rt::TaskState::Done);
        CHECK(main.result == str("[1,2]"));
        CHECK(main.opName == str("gather"));
        CHECK(main.createdNs == 0);
        CHECK(main.startedNs == 70'000);
        CHECK(main.finishedNs == 1'002'000'000);
        CHECK(record.task(6)->state == rt::TaskState::Failed);
        CHECK(record.task(6)->error == str("boom, \"bad\"\nline two"));
        CHECK(record.task(6)->result.isEmpty());
        const TaskView fetch = *record.task(3);
        CHECK(fetch.state == rt::TaskState::Cancelled);
        CHECK(fetch.cancelReason == str("task:canceller"));
        CHECK(fetch.cancelKind == rt::CancelKind::Task);
        CHECK(fetch.cancelledBy == 5);
        CHECK(record.task(10)->cancelReason == str("deadline"));
        CHECK(record.task(5)->cancelReason.isEmpty());
        CHECK(record.task(8)->state == rt::TaskState::Running);
        CHECK(record.task(8)->awaiting == str("wait_for remote"));
        CHECK(record.task(9)->state == rt::TaskState::Pending);
        CHECK_FALSE(record.task(9)->startedNs.has_value());
    }
    SECTION("callbacks keep their description and the time they fired")
    {
        const TaskView sleep = *record.task(2);
        REQUIRE(sleep.callbacks.size() == 2);
        CHECK(sleep.callbacks[0].description == str(R"({"kind":"log","message":"fetched"})"));
        CHECK(sleep.callbacks[0].firedNs == 1'001'000'000);
        CHECK(sleep.callbacks[1].firedNs == 1'001'500'000);
        REQUIRE(record.task(3)->callbacks.size() == 1);
        CHECK_FALSE(record.task(3)->callbacks[0].firedNs.has_value());
    }
    SECTION("counts per state add up to the tasks")
    {
        CHECK(record.count(rt::TaskState::Done) == 5);
        CHECK(record.count(rt::TaskState::Failed) == 1);
        CHECK(record.count(rt::TaskState::Cancelled) == 2);
        CHECK(record.count(rt::TaskState::Running) == 1);
        CHECK(record.count(rt::TaskState::Pending) == 1);
    }
    SECTION("stalls are kept per loop with their start, length and task")
    {
        const std::vector<LoopView> loops = record.loops();
        REQUIRE(loops.size() == 2);
        CHECK(loops[0].name == str("main"));
        CHECK(loops[0].maxStepNs == 60'000'000);
        REQUIRE(loops[0].stalls.size() == 1);
        CHECK(loops[0].stalls[0].startNs == 240'000'000);
        CHECK(loops[0].stalls[0].task == 5);
        CHECK(loops[1].stalls[0].task == 0);
    }
    SECTION("a loop's longest step can come from the loop itself")
    {
        record.setLoopMaxStepNs(QStringLiteral("worker"), 70'000'000);
        CHECK(record.loops()[1].maxStepNs == 70'000'000);
    }
    SECTION("ids past the end give nothing")
    {
        CHECK_FALSE(record.task(0).has_value());
        CHECK_FALSE(record.task(11).has_value());
    }
}

namespace {

rt::Task<double> copyReturning(double value)
{
    rt::Loop::currentTask()->setResultNumber(value);
    co_return value;
}

} // namespace

TEST_CASE("a repeat's copies travel as one shared name and their numbers, and read back in full")
{
    // A million copies must cost no string each: the journal carries their common
    // name once per batch, an index and a number per task, and the record builds
    // the texts when they are read.
    rt::Loop loop(QStringLiteral("main"));
    const QString base = QStringLiteral("sleepers");
    const double values[] = {1.25, 3.0, 1e21, 0.1 + 0.2, -0.0};
    std::vector<rt::Task<double>> copies;
    constexpr std::uint32_t kCopies = 1000;
    for (std::uint32_t i = 0; i < kCopies; ++i) {
        rt::SpawnOptions options{base, 0, 0};
        options.copyIndex = i;
        copies.push_back(rt::spawn(copyReturning(values[i % 5]), options));
    }
    rt::SpawnOptions withOrigin{base, 0, copies[0]->id()};
    withOrigin.copyIndex = 7;
    copies.push_back(rt::spawn(copyReturning(2.5), withOrigin)); // the origin takes arg2: its name goes as text
    REQUIRE(testing::runUntilIdle(loop).reached);
    CHECK(copies[12]->name() == QStringLiteral("sleepers[12]"));

    loop.journal().publish();
    rt::JournalBatch batch;
    loop.journal().drain(batch);
    CHECK(batch.strings.size() == 2); // "sleepers" once, "sleepers[7]" for the one with an origin

    RunRecord record(RunRecord::Spool::None);
    record.setRunInfo(QStringLiteral("copies"), QDateTime::currentDateTimeUtc(), rt::monotonicNs());
    record.apply(QStringLiteral("main"), batch);
    REQUIRE(record.taskCount() == kCopies + 1);
    for (std::uint32_t i = 0; i < kCopies; ++i) {
        const TaskView v = *record.task(i + 1);
        REQUIRE(v.name == QStringLiteral("sleepers[%1]").arg(i));
        REQUIRE(v.origin == 0);
        REQUIRE(v.result == resultText(QJsonValue(values[i % 5])));
        REQUIRE(record.outcomeAt(record.arrivalRowOf(i + 1)) == v.result);
    }
    CHECK(record.task(2)->result == QStringLiteral("3"));
    CHECK(record.task(3)->result == QStringLiteral("1e+21"));
    const TaskView last = *record.task(kCopies + 1);
    CHECK(last.name == QStringLiteral("sleepers[7]"));
    CHECK(last.origin == 1);
    CHECK(last.result == QStringLiteral("2.5"));
}

TEST_CASE("a result journalled as its value reads back as the text it stands for, whole or cut")
{
    // The loop journals a list as its value; the record renders the text when asked,
    // and a cell asks only for its start (docs/spec/taskset-format.md, "Big results").
    QJsonArray list;
    for (int i = 0; i < 2000; ++i)
        list.append(i % 3 == 0 ? QJsonValue(1.0 / (i + 1)) : i % 3 == 1 ? QJsonValue(QStringLiteral("s%1").arg(i)) : QJsonValue(QJsonObject{{QStringLiteral("n"), i}}));
    const QString whole = resultText(list);
    CHECK(whole == QString::fromUtf8(QJsonDocument(list).toJson(QJsonDocument::Compact)));
    for (const qsizetype limit : {qsizetype(0), qsizetype(1), qsizetype(5), qsizetype(160), qsizetype(1001), whole.size() - 1})
        REQUIRE(resultText(list, limit) == whole.left(limit + 1));
    CHECK(resultText(list, whole.size()) == whole);

    rt::JournalBatch batch;
    const std::int64_t t0 = rt::monotonicNs();
    batch.strings.push_back(QStringLiteral("r"));
    batch.values.push_back(list);
    batch.events.push_back(rt::Event{t0, 1, 0, 0, 1, rt::EventType::Created, 0, 0});
    batch.events.push_back(rt::Event{t0 + 1, 1, 0, 0, 0, rt::EventType::Started, 0, 0});
    batch.events.push_back(rt::Event{t0 + 2, 1, 0, 0, 1, rt::EventType::Done, 0, rt::kValueResult});
    RunRecord record(RunRecord::Spool::None);
    record.setRunInfo(QStringLiteral("values"), QDateTime::currentDateTimeUtc(), t0);
    record.apply(QStringLiteral("main"), batch);
    REQUIRE(record.taskCount() == 1);
    CHECK(record.task(1)->result == whole);
    CHECK(record.outcomeAt(0) == whole);
    CHECK(record.outcomeAt(0, 160) == whole.left(161));
    CHECK(record.task(1)->result == whole); // rendered once, kept
}

TEST_CASE("the json log holds the whole run as the spec describes it")
{
    Script script;
    RunRecord record;
    script.feed(record);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("run.json"));
    const ExportResult result = exportLog(record, path);
    INFO(result.error.value_or(QString()).toStdString());
    REQUIRE(result.ok());
    const QJsonObject log = parseObject(readAll(path));

    CHECK(log.value(str("format")).toString() == str("coroscope.log/1"));
    CHECK(log.value(str("set")).toString() == str("gather-basics"));
    CHECK(log.value(str("started_at")).toString() == str("2026-11-27T16:20:38.123Z"));
    CHECK(log.value(str("duration_ms")).toDouble() == 1500.0);

    const QJsonArray tasks = log.value(str("tasks")).toArray();
    REQUIRE(tasks.size() == 10);
    const QJsonObject main = tasks[0].toObject();
    CHECK(main.value(str("id")).toInt() == 1);
    CHECK(main.value(str("name")).toString() == str("main"));
    CHECK(main.value(str("op")).toString() == str("gather"));
    CHECK(main.value(str("parent")).isNull());
    CHECK(main.value(str("origin")).isNull());
    CHECK(main.value(str("loop")).toString() == str("main"));
    CHECK(main.value(str("state")).toString() == str("done"));
    CHECK(main.value(str("created_ms")).toDouble() == 0.0);
    CHECK(main.value(str("started_ms")).toDouble() == 0.07);
    CHECK(main.value(str("finished_ms")).toDouble() == 1002.0);
    CHECK(main.value(str("result")).toArray() == QJsonArray{1, 2});
    CHECK(main.value(str("error")).isNull());
    CHECK(main.value(str("cancel_reason")).isNull());
    CHECK(main.value(str("callbacks")).toArray().isEmpty());
    CHECK(main.keys().size() == 14);

    const QJsonArray callbacks = tasks[1].toObject().value(str("callbacks")).toArray();
    CHECK(callbacks == QJsonArray{QJsonObject{{str("kind"), str("log")}, {str("message"), str("fetched")}, {str("fired_ms"), 1001.0}},
                                  QJsonObject{{str("kind"), str("spawn")}, {str("fired_ms"), 1001.5}}});
    const QJsonObject fetch = tasks[2].toObject();
    CHECK(fetch.value(str("cancel_reason")).toString() == str("task:canceller"));
    CHECK(fetch.value(str("result")).isNull());
    CHECK(fetch.value(str("callbacks")).toArray()
          == QJsonArray{QJsonObject{{str("kind"), str("partial")}, {str("args"), QJsonArray{2, str("x")}}, {str("fired_ms"), QJsonValue()}}});
    CHECK(tasks[3].toObject().value(str("loop")).toString() == str("pool"));
    CHECK(tasks[4].toObject().value(str("result")).toBool() == true);
    CHECK(tasks[5].toObject().value(str("error")).toString() == str("boom, \"bad\"\nline two"));
    CHECK(tasks[6].toObject().value(str("result")).toString() == str("done after 1s"));
    CHECK(tasks[6].toObject().value(str("loop")).toString() == str("worker"));
    CHECK(tasks[7].toObject().value(str("state")).toString() == str("running"));
    CHECK(tasks[7].toObject().value(str("finished_ms")).isNull());
    CHECK(tasks[8].toObject().value(str("state")).toString() == str("pending"));
    CHECK(tasks[8].toObject().value(str("started_ms")).isNull());
    CHECK(tasks[9].toObject().value(str("origin")).toInt() == 2);
    CHECK(tasks[9].toObject().value(str("cancel_reason")).toString() == str("deadline"));

    SECTION("events are in time order across loops, with their details")
    {
        const QJsonArray events = log.value(str("events")).toArray();
        REQUIRE(std::size_t(events.size()) == script.eventCount);
        double last = -1;
        std::map<QString, int> types;
        for (const QJsonValue &v : events) {
            const QJsonObject e = v.toObject();
            CHECK(e.value(str("t_ms")).toDouble() >= last);
            last = e.value(str("t_ms")).toDouble();
            ++types[e.value(str("type")).toString()];
        }
        CHECK(types == std::map<QString, int>{{str("created"), 10}, {str("started"), 9}, {str("suspended"), 6},
                                              {str("resumed"), 4}, {str("cancel_requested"), 2}, {str("done"), 5},
                                              {str("failed"), 1}, {str("cancelled"), 2}, {str("callback"), 2},
                                              {str("stall"), 2}});
        const auto find = [&](const char *type, int task) {
            for (const QJsonValue &v : events) {
                const QJsonObject e = v.toObject();
                if (e.value(str("type")).toString() == str(type) && e.value(str("task")).toInt(-1) == task)
                    return e;
            }
            FAIL("no " << type << " event for task " << task);
            return QJsonObject();
        };
        CHECK(events[0].toObject() == QJsonObject{{str("t_ms"), 0.0}, {str("task"), 1}, {str("type"), str("created")}});
        CHECK(find("suspended", 1).value(str("await")).toString() == str("gather 4"));
        CHECK(find("suspended", 2).value(str("await")).toString() == str("sleep 1s"));
        CHECK(find("suspended", 8).value(str("await")).toString() == str("wait_for remote"));
        CHECK(find("suspended", 7).value(str("t_ms")).toDouble() == 0.35);
        CHECK(find("cancel_requested", 3).value(str("reason")).toString() == str("task:canceller"));
        CHECK(find("cancel_requested", 10).value(str("reason")).toString() == str("deadline"));
        CHECK(find("failed", 6).value(str("error")).toString() == str("boom, \"bad\"\nline two"));
        CHECK(find("callback", 2).value(str("index")).toInt() == 0);
        CHECK(find("done", 2).value(str("t_ms")).toDouble() == 1000.001);
        CHECK(find("cancelled", 10).value(str("t_ms")).toDouble() == 1400.001); // 1400.0005 rounds up
        const QJsonObject stall = find("stall", 5);
        CHECK(stall.value(str("loop")).toString() == str("main"));
        CHECK(stall.value(str("ms")).toDouble() == 60.0);
        CHECK(stall.value(str("t_ms")).toDouble() == 300.0);
        bool workerStall = false;
        for (const QJsonValue &v : events) {
            const QJsonObject e = v.toObject();
            if (e.value(str("type")).toString() == str("stall") && e.value(str("task")).isNull())
                workerStall = e.value(str("loop")).toString() == str("worker");
        }
        CHECK(workerStall);
    }
    SECTION("loops list every stall and the longest")
    {
        const QJsonArray loops = log.value(str("loops")).toArray();
        REQUIRE(loops.size() == 2);
        CHECK(loops[0].toObject()
              == QJsonObject{{str("name"), str("main")}, {str("max_stall_ms"), 60.0},
                             {str("stalls"), QJsonArray{QJsonObject{{str("t_ms"), 240.0}, {str("ms"), 60.0}, {str("task"), 5}}}}});
        CHECK(loops[1].toObject().value(str("stalls")).toArray()[0].toObject().value(str("task")).isNull());
    }
}

TEST_CASE("a json export that fails leaves the previous file untouched")
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("run.json"));
    writeFile(path, "previous");
    Script script;

    SECTION("a run recorded without events cannot give the json log")
    {
        RunRecord record(RunRecord::Spool::None);
        script.feed(record);
        const ExportResult result = exportJson(record, path);
        REQUIRE_FALSE(result.ok());
        CHECK(result.error->contains(str("without its events")));
        CHECK(readAll(path) == "previous");
        CHECK(QDir(dir.path()).entryList(QDir::Files) == QStringList{str("run.json")});
    }
    SECTION("a directory is not a file")
    {
        RunRecord record;
        script.feed(record);
        const ExportResult result = exportJson(record, dir.path());
        REQUIRE_FALSE(result.ok());
        CHECK(result.error->startsWith(str("cannot write ")));
    }
    SECTION("a folder that does not exist is reported")
    {
        RunRecord record;
        script.feed(record);
        CHECK_FALSE(exportJson(record, dir.filePath(str("missing/run.json"))).ok());
    }
    SECTION("an unknown extension is refused")
    {
        RunRecord record;
        script.feed(record);
        const ExportResult result = exportLog(record, dir.filePath(str("run.txt")));
        REQUIRE_FALSE(result.ok());
        CHECK(result.error->contains(str("unknown log format")));
    }
}

TEST_CASE("the format follows the extension, trace before json")
{
    CHECK(formatForPath(str("a/run.trace.json")) == LogFormat::Trace);
    CHECK(formatForPath(str("run.JSON")) == LogFormat::Json);
    CHECK(formatForPath(str("run.jsonl")) == LogFormat::Jsonl);
    CHECK(formatForPath(str("run.csv")) == LogFormat::Csv);
    CHECK_FALSE(formatForPath(str("run.txt")).has_value());
}

TEST_CASE("the jsonl writer streams one parseable line per event while the run goes on")
{
    Script script;
    RunRecord record;
    record.setRunInfo(str("gather-basics"), kStartedAt, kStartNs);
    QTemporaryDir dir;
    const QString path = dir.filePath(str("run.jsonl"));
    JsonlWriter writer;
    REQUIRE_FALSE(writer.open(path).has_value());

    std::size_t written = 0;
    for (const auto &[loop, batch] : script.batches) {
        record.apply(loop, batch);
        REQUIRE_FALSE(writer.write(record, loop, batch).has_value());
        // Flushed: what was written so far is in the file already.
        const QList<QByteArray> lines = readAll(path).split('\n');
        written = std::size_t(lines.size() - 1);
        CHECK(lines.last().isEmpty());
    }
    CHECK(written == script.eventCount);

    std::set<QString> createdNames;
    for (const QByteArray &line : readAll(path).split('\n')) {
        if (line.isEmpty())
            continue;
        const QJsonObject e = parseObject(line);
        CHECK(e.contains(str("t_ms")));
        CHECK(e.contains(str("task")));
        if (e.value(str("type")).toString() == str("created")) {
            CHECK(e.value(str("op")).isString());
            CHECK(e.contains(str("parent")));
            createdNames.insert(e.value(str("name")).toString());
        }
    }
    CHECK(createdNames.count(str("remote")) == 1);
    CHECK(createdNames.count(str("fetch, \"x\"")) == 1);
    CHECK(createdNames.size() == 10);
    writer.close();
}

TEST_CASE("the jsonl export after the run has the final ids and the created details")
{
    Script script;
    RunRecord record;
    script.feed(record);
    QTemporaryDir dir;
    const QString path = dir.filePath(str("run.jsonl"));
    REQUIRE(exportLog(record, path).ok());
    const QList<QByteArray> lines = readAll(path).split('\n');
    REQUIRE(std::size_t(lines.size()) == script.eventCount + 1);
    CHECK(parseObject(lines[0])
          == QJsonObject{{str("t_ms"), 0.0}, {str("task"), 1}, {str("type"), str("created")}, {str("name"), str("main")},
                         {str("op"), str("gather")}, {str("parent"), QJsonValue()}, {str("loop"), str("main")}});
    bool sawRemote = false;
    for (const QByteArray &line : lines) {
        if (line.isEmpty())
            continue;
        const QJsonObject e = parseObject(line);
        if (e.value(str("name")).toString() == str("remote")) {
            sawRemote = true;
            CHECK(e.value(str("task")).toInt() == 7);
            CHECK(e.value(str("parent")).toInt() == 1);
        }
    }
    CHECK(sawRemote);
}

TEST_CASE("the csv log is the task table in RFC 4180")
{
    Script script;
    RunRecord record;
    script.feed(record);
    QTemporaryDir dir;
    const QString path = dir.filePath(str("run.csv"));
    REQUIRE(exportLog(record, path).ok());
    const QByteArray data = readAll(path);
    CHECK(data.startsWith("id,name,op,parent,loop,state,created_ms,started_ms,finished_ms,duration_ms,result,error,cancel_reason\r\n"));
    const auto rows = parseCsv(data);
    REQUIRE(rows.size() == 11);
    for (const auto &row : rows)
        CHECK(row.size() == 13);
    CHECK(rows[1] == std::vector<QString>{str("1"), str("main"), str("gather"), QString(), str("main"), str("done"), str("0.0"),
                                          str("0.07"), str("1002.0"), str("1002.0"), str("[1,2]"), QString(), QString()});
    CHECK(rows[3][1] == str("fetch, \"x\""));
    CHECK(rows[3][12] == str("task:canceller"));
    CHECK(rows[3][10].isEmpty());
    CHECK(rows[4][4] == str("pool"));
    CHECK(rows[6][11] == str("boom, \"bad\"\nline two"));
    CHECK(rows[7][10] == str("\"done after 1s\""));
    CHECK(rows[8][8].isEmpty());
    CHECK(rows[8][9].isEmpty());
    CHECK(rows[2][9] == str("999.951")); // finished - created: 1000.001 - 0.05
}

TEST_CASE("the trace log is valid Chrome Trace Event Format")
{
    Script script;
    RunRecord record;
    script.feed(record);
    QTemporaryDir dir;
    const QString path = dir.filePath(str("run.trace.json"));
    REQUIRE(exportLog(record, path).ok());
    const QJsonObject trace = parseObject(readAll(path));
    CHECK(trace.value(str("displayTimeUnit")).toString() == str("ms"));
    const QJsonArray events = trace.value(str("traceEvents")).toArray();
    REQUIRE_FALSE(events.isEmpty());

    std::map<QString, int> threadNames;
    std::map<std::pair<int, QString>, QJsonObject> begins, ends;
    std::map<int, std::vector<QJsonObject>> flows;
    int stalls = 0;
    for (const QJsonValue &v : events) {
        const QJsonObject e = v.toObject();
        const QString ph = e.value(str("ph")).toString();
        CHECK(e.value(str("name")).isString());
        CHECK(e.value(str("pid")).toInt() == 1);
        CHECK(e.value(str("tid")).isDouble());
        if (ph == str("M")) {
            if (e.value(str("name")).toString() == str("thread_name"))
                threadNames[e.value(str("args")).toObject().value(str("name")).toString()] = e.value(str("tid")).toInt();
            continue;
        }
        CHECK(e.value(str("ts")).isDouble());
        if (ph == str("b") || ph == str("e")) {
            const std::pair key{e.value(str("id")).toInt(), e.value(str("cat")).toString()};
            CHECK((ph == str("b") ? begins : ends).emplace(key, e).second);
        } else if (ph == str("s") || ph == str("f")) {
            CHECK(e.value(str("bp")).toString() == str("e"));
            flows[e.value(str("id")).toInt()].push_back(e);
        } else if (ph == str("i")) {
            CHECK(e.value(str("s")).toString() == str("t"));
            ++stalls;
        } else {
            FAIL("unexpected phase " << ph.toStdString());
        }
    }
    CHECK(threadNames.size() == 3);
    CHECK(threadNames.count(str("main")) == 1);
    CHECK(threadNames.count(str("worker")) == 1);
    CHECK(threadNames.count(str("pool")) == 1);

    REQUIRE(begins.size() == 10);
    for (const auto &[key, b] : begins) {
        REQUIRE(ends.count(key) == 1);
        const QJsonObject &e = ends.at(key);
        CHECK(e.value(str("ts")).toDouble() >= b.value(str("ts")).toDouble());
        CHECK(e.value(str("tid")) == b.value(str("tid")));
    }
    CHECK(ends.size() == 10);
    const QJsonObject remote = begins.at({7, str("sleep")});
    CHECK(remote.value(str("name")).toString() == str("remote"));
    CHECK(remote.value(str("tid")).toInt() == threadNames[str("worker")]);
    CHECK(remote.value(str("ts")).toDouble() == 200.0);
    CHECK(begins.at({4, str("cpu")}).value(str("tid")).toInt() == threadNames[str("pool")]);
    // Unfinished tasks end at the export time, with their state.
    const QJsonObject waiterEnd = ends.at({8, str("wait_for")});
    CHECK(waiterEnd.value(str("ts")).toDouble() == 1'500'000.0);
    CHECK(waiterEnd.value(str("args")).toObject().value(str("state")).toString() == str("running"));
    CHECK(ends.at({3, str("sleep")}).value(str("args")).toObject().value(str("cancel_reason")).toString() == str("task:canceller"));

    CHECK(flows.size() == 9); // eight children of main, one spawn
    for (const auto &[id, pair] : flows) {
        REQUIRE(pair.size() == 2);
        CHECK(pair[0].value(str("ph")).toString() == str("s"));
        CHECK(pair[1].value(str("ph")).toString() == str("f"));
        CHECK(pair[0].value(str("cat")) == pair[1].value(str("cat")));
    }
    CHECK(stalls == 2);
}

TEST_CASE("a json log reads back with the same tasks, events and loops")
{
    Script script;
    RunRecord record;
    script.feed(record);
    QTemporaryDir dir;
    const QString path = dir.filePath(str("run.json"));
    REQUIRE(exportJson(record, path).ok());
    const LogReadResult read = LogReader::readFile(path);
    INFO(read.error.toStdString());
    REQUIRE(read.ok());
    const RunLog &log = *read.log;
    CHECK(log.set == str("gather-basics"));
    CHECK(log.startedAt == kStartedAt);
    CHECK(log.durationMs == 1500.0);
    REQUIRE(log.tasks.size() == 10);
    for (const LogTask &t : log.tasks) {
        const TaskView v = *record.task(std::uint64_t(t.id));
        CHECK(t.name == v.name);
        CHECK(t.op == v.opName);
        CHECK(t.parent.value_or(0) == std::int64_t(v.parent));
        CHECK(t.origin.value_or(0) == std::int64_t(v.origin));
        CHECK(t.loop == v.loop);
        CHECK(t.state == v.state);
        CHECK(t.createdMs == Approx(double(v.createdNs) / 1e6).margin(0.001));
        CHECK(t.startedMs.has_value() == v.startedNs.has_value());
        CHECK(t.finishedMs.has_value() == v.finishedNs.has_value());
        CHECK(t.error.value_or(QString()) == v.error);
        CHECK(t.cancelReason.value_or(QString()) == v.cancelReason);
        CHECK(t.callbacks.size() == v.callbacks.size());
    }
    CHECK(log.tasks[0].result == QJsonValue(QJsonArray{1, 2}));
    CHECK(log.tasks[1].callbacks[0].description == QJsonObject{{str("kind"), str("log")}, {str("message"), str("fetched")}});
    CHECK(log.tasks[1].callbacks[0].firedMs == 1001.0);
    CHECK(log.events.size() == script.eventCount);
    REQUIRE(log.loops.size() == 2);
    CHECK(log.loops[0].stalls.size() == 1);
    CHECK(log.loops[0].stalls[0].task == 5);
}

TEST_CASE("the log reader refuses what is not a coroscope log, saying where")
{
    QTemporaryDir dir;
    const QString path = dir.filePath(str("bad.json"));
    const auto refusal = [&](const QByteArray &data) {
        writeFile(path, data);
        const LogReadResult r = LogReader::readFile(path);
        CHECK_FALSE(r.ok());
        return r.error;
    };
    const QByteArray head = R"({"format":"coroscope.log/1","set":"s","started_at":null,"duration_ms":1,"events":[],"loops":[],"tasks":)";
    const QByteArray task = R"({"id":1,"name":"a","op":"sleep","parent":null,"origin":null,"loop":"main","state":"done",)"
                            R"("created_ms":0,"started_ms":0,"finished_ms":1,"result":1,"error":null,"cancel_reason":null,"callbacks":[]})";

    SECTION("an empty file")
    {
        CHECK(refusal("") == path + str(": /: the file is empty, not a coroscope.log/1 json log"));
    }
    SECTION("text that is not JSON")
    {
        CHECK(refusal("hello").startsWith(path + str(": /: not JSON: ")));
    }
    SECTION("JSON that is not an object")
    {
        CHECK(refusal("[1,2]").contains(str("expected a JSON object")));
    }
    SECTION("another format")
    {
        CHECK(refusal(R"({"format":"coroscope.taskset/1"})")
              == path + str(R"(: /format: expected "coroscope.log/1", got "coroscope.taskset/1")"));
    }
    SECTION("a task without an id")
    {
        QByteArray noId = task;
        noId.replace(R"("id":1,)", "");
        CHECK(refusal(head + "[" + noId + "]}") == path + str(R"(: /tasks/0: missing key "id")"));
    }
    SECTION("an id of the wrong type")
    {
        QByteArray bad = task;
        bad.replace(R"("id":1,)", R"("id":"x",)");
        CHECK(refusal(head + "[" + bad + "]}") == path + str(R"(: /tasks/0/id: expected an integer >= 1, got "x")"));
    }
    SECTION("a wrongly typed field deep inside")
    {
        QByteArray bad = task;
        bad.replace(R"("callbacks":[])", R"("callbacks":[{"kind":"log","fired_ms":"soon"}])");
        CHECK(refusal(head + "[" + bad + "]}")
              == path + str(R"(: /tasks/0/callbacks/0/fired_ms: expected a number from -1e12 to 1e12 or null, got "soon")"));
    }
    SECTION("an unknown state")
    {
        QByteArray bad = task;
        bad.replace(R"("state":"done")", R"("state":"finished")");
        CHECK(refusal(head + "[" + bad + "]}").contains(str("/tasks/0/state: expected pending, running")));
    }
    SECTION("a duplicate id")
    {
        CHECK(refusal(head + "[" + task + "," + task + "]}") == path + str(": /tasks/1/id: duplicate task id 1"));
    }
    SECTION("a parent that names no task")
    {
        QByteArray bad = task;
        bad.replace(R"("parent":null)", R"("parent":9)");
        CHECK(refusal(head + "[" + bad + "]}") == path + str(": /tasks/0/parent: task id 9 names no task"));
    }
    SECTION("huge numbers")
    {
        QByteArray bad = task;
        bad.replace(R"("created_ms":0)", R"("created_ms":1e999)");
        CHECK(refusal(head + "[" + bad + "]}").startsWith(path + str(": /: not JSON: ")));
        bad = task;
        bad.replace(R"("id":1,)", R"("id":1e300,)");
        CHECK(refusal(head + "[" + bad + "]}") == path + str(": /tasks/0/id: expected an integer >= 1, got 1e+300"));
    }
    SECTION("a time no run reaches")
    {
        QByteArray bad = task;
        bad.replace(R"("created_ms":0)", R"("created_ms":1e300)");
        CHECK(refusal(head + "[" + bad + "]}")
              == path + str(": /tasks/0/created_ms: expected a number from -1e12 to 1e12, got 1e+300"));
        bad = task;
        bad.replace(R"("finished_ms":1)", R"("finished_ms":-2e12)");
        CHECK(refusal(head + "[" + bad + "]}").startsWith(path + str(": /tasks/0/finished_ms: expected")));
    }
    SECTION("a callback index beyond 32 bits")
    {
        const QByteArray events = R"("events":[{"t_ms":1,"task":1,"type":"callback","index":5e9}],)";
        QByteArray log = head + "[" + task + "]}";
        log.replace(R"("events":[],)", events);
        CHECK(refusal(log) == path + str(": /events/0/index: expected an integer from 0 to 4294967295, got 5e+09"));
    }
    SECTION("more loops than a run has")
    {
        QByteArray tasks;
        for (int i = 1; i <= 257; ++i) {
            QByteArray t = task;
            t.replace(R"("id":1,)", "\"id\":" + QByteArray::number(i) + ",");
            t.replace(R"("loop":"main")", i == 1 ? QByteArray(R"("loop":"pool")") : "\"loop\":\"l" + QByteArray::number(i) + "\"");
            tasks += (i > 1 ? "," : "") + t;
        }
        // 255 loops and the pool are fine; the 256th loop is refused where it appears.
        CHECK(refusal(head + "[" + tasks + "]}") == path + str(": /tasks/256/loop: more than 255 loops"));
    }
    SECTION("a parent cycle")
    {
        QByteArray tasks;
        const int parents[] = {0, 3, 2, 2}; // 1 is a root; 2 -> 3 -> 2; 4 hangs off the cycle
        for (int i = 1; i <= 4; ++i) {
            QByteArray t = task;
            t.replace(R"("id":1,)", "\"id\":" + QByteArray::number(i) + ",");
            if (parents[i - 1])
                t.replace(R"("parent":null)", "\"parent\":" + QByteArray::number(parents[i - 1]));
            tasks += (i > 1 ? "," : "") + t;
        }
        CHECK(refusal(head + "[" + tasks + "]}") == path + str(": /tasks/1/parent: task 2 is its own ancestor (a parent cycle)"));
        QByteArray self = task;
        self.replace(R"("parent":null)", R"("parent":1)");
        CHECK(refusal(head + "[" + self + "]}") == path + str(": /tasks/0/parent: task 1 is its own ancestor (a parent cycle)"));
    }
    SECTION("a device that never ends is read only up to the limit")
    {
        const LogReadResult r = LogReader::readFile(str("/dev/zero"), 1 << 20);
        CHECK_FALSE(r.ok());
        CHECK(r.error == str("/dev/zero: /: file larger than 1 MiB"));
    }
    SECTION("a file that fails to read says so, not that it is empty")
    {
        const LogReadResult r = LogReader::readFile(str("/proc/self/mem"));
        CHECK_FALSE(r.ok());
        CHECK(r.error.startsWith(str("/proc/self/mem: cannot read: ")));
    }
    SECTION("a file whose name starts with a colon is a file, not a Qt resource")
    {
        const QString old = QDir::currentPath();
        REQUIRE(QDir::setCurrent(dir.path()));
        writeFile(dir.path() + str("/:log.json"), head + "[" + task + "]}");
        const LogReadResult r = LogReader::readFile(str(":log.json"));
        QDir::setCurrent(old);
        CHECK(r.ok());
    }
    SECTION("deep nesting")
    {
        CHECK_FALSE(refusal(QByteArray(100000, '[') + QByteArray(100000, ']')).isEmpty());
    }
    SECTION("a file that does not exist")
    {
        const LogReadResult r = LogReader::readFile(dir.filePath(str("none.json")));
        CHECK_FALSE(r.ok());
        CHECK(r.error.contains(str("cannot read")));
    }
    SECTION("a valid minimal log is accepted")
    {
        writeFile(path, head + "[" + task + "]}");
        CHECK(LogReader::readFile(path).ok());
    }
}

TEST_CASE("the log reader survives every truncation and corruption of a real log")
{
    Script script;
    RunRecord record;
    script.feed(record);
    QTemporaryDir dir;
    const QString path = dir.filePath(str("run.json"));
    REQUIRE(exportJson(record, path).ok());
    const QByteArray good = readAll(path);
    int accepted = 0;
    for (qsizetype cut = 0; cut < good.size(); cut += 7)
        accepted += LogReader::parse(good.left(cut), str("cut")).ok() ? 1 : 0;
    CHECK(accepted == 0);
    // Replace values one by one with values of other types.
    const QByteArray replacements[] = {"null", "\"s\"", "-1", "1e308", "[]", "{}", "true", "0.5"};
    std::size_t step = 0;
    for (qsizetype at = good.indexOf(':'); at >= 0; at = good.indexOf(':', at + 1)) {
        const qsizetype end = at + 1 + std::max<qsizetype>(1, good.mid(at + 1, 8).indexOf(','));
        QByteArray bad = good;
        bad.replace(at + 1, end - at - 1, replacements[step++ % std::size(replacements)]);
        const LogReadResult r = LogReader::parse(bad, str("mutated"));
        CHECK((r.ok() || r.error.startsWith(str("mutated: /"))));
    }
}

TEST_CASE("the event spool gives back every stream's events in time order, read midway or at the end")
{
    // Enough events that many full buffers wait for the writer thread at once.
    constexpr int kStreams = 3;
    constexpr std::uint64_t kEvents = 300'000;
    std::mt19937_64 rng(GENERATE(1u, 2u, 3u));
    EventSpool spool;
    std::vector<std::tuple<std::int64_t, std::size_t, std::uint64_t>> appended; // time, stream, number
    std::int64_t times[kStreams] = {};
    const auto readBack = [&spool] {
        std::vector<std::tuple<std::int64_t, std::size_t, std::uint64_t>> out;
        const std::optional<QString> error = spool.forEach([&out](std::size_t stream, const rt::Event &e) {
            out.emplace_back(e.tNs, stream, e.task);
            return true;
        });
        CHECK_FALSE(error);
        return out;
    };
    // What forEach promises: by time, ties by stream, each stream in the order appended.
    const auto expected = [&appended] {
        auto out = appended;
        std::stable_sort(out.begin(), out.end(), [](const auto &a, const auto &b) {
            return std::tie(std::get<0>(a), std::get<1>(a)) < std::tie(std::get<0>(b), std::get<1>(b));
        });
        return out;
    };
    for (std::uint64_t i = 0; i < kEvents; ++i) {
        const auto stream = std::size_t(rng() % kStreams);
        times[stream] += std::int64_t(rng() % 3); // often the same time: ties across streams
        rt::Event e{};
        e.type = EventType::Started;
        e.task = i + 1;
        e.tNs = times[stream];
        spool.append(stream, e);
        appended.emplace_back(e.tNs, stream, e.task);
        if (i == kEvents / 2)
            REQUIRE(readBack() == expected());
    }
    CHECK(spool.size() == kEvents);
    CHECK(readBack() == expected());
    CHECK_FALSE(spool.error());
}

TEST_CASE("an event spool dropped while its buffers wait for the writer goes cleanly")
{
    for (int round = 0; round < 20; ++round) {
        EventSpool spool;
        rt::Event e{};
        for (std::uint64_t i = 0; i < 40'000; ++i) {
            e.task = i + 1;
            e.tNs = std::int64_t(i);
            spool.append(i % 2, e);
        }
        CHECK(spool.size() == 40'000);
    } // each spool waits for its writes before its files go: a write into a closed file would crash here
}

TEST_CASE("a large run is recorded and exported without holding its events")
{
    constexpr std::uint64_t n = 20'000;
    RunRecord record;
    record.setRunInfo(str("large"), kStartedAt, kStartNs);
    rt::Journal j;
    for (std::uint64_t i = 0; i < n; ++i) {
        j.append(EventType::Created, 1000 + i, i == 0 ? 0 : 1000, std::uint8_t(OpTag::Sleep), 0, 0, ms(0.001 * double(i)));
        j.append(EventType::Started, 1000 + i, 0, 0, 0, 0, ms(0.001 * double(i)));
    }
    record.apply(str("main"), drained(j));
    for (std::uint64_t i = 0; i < n; ++i)
        j.append(EventType::Done, 1000 + i, 0, 0, j.addString(QString::number(i)), 0, ms(100 + 0.001 * double(i)));
    record.apply(str("main"), drained(j));
    record.setFinished(ms(200));
    CHECK(record.count(rt::TaskState::Done) == n);
    CHECK(record.spool()->size() == 3 * n);
    QTemporaryDir dir;
    const QString path = dir.filePath(str("large.json"));
    REQUIRE(exportJson(record, path).ok());
    const LogReadResult read = LogReader::readFile(path);
    REQUIRE(read.ok());
    CHECK(read.log->tasks.size() == n);
    CHECK(read.log->events.size() == 3 * n);
    CHECK(read.log->tasks.back().name == str("sleep#20000"));
    CHECK(read.log->tasks.back().result == QJsonValue(double(n - 1)));
}

TEST_CASE("a task with a hundred thousand callbacks is recorded and read back in linear time")
{
    // A walk of the task's callback list per callback would take 36 s at this size; the
    // linear record takes well under a second, even under a sanitizer on a busy machine.
    constexpr std::uint64_t kCallbacks = 100'000;
    rt::Journal j;
    put(j, EventType::Created, 100, 0.0, 0, tag(OpTag::Sleep), "many");
    put(j, EventType::Started, 100, 0.1);
    const std::uint32_t text = j.addString(str(R"({"kind":"log","message":"m"})"));
    for (std::uint64_t i = 0; i < kCallbacks; ++i)
        j.append(EventType::CallbackAdded, 100, i, 0, text, 0, ms(0.2));
    put(j, EventType::Done, 100, 1.0, 0, 0, "1");
    for (std::uint64_t i = 0; i < kCallbacks; ++i)
        j.append(EventType::Callback, 100, i, 0, 0, 0, ms(2.0));
    const rt::JournalBatch batch = drained(j);

    const std::int64_t start = rt::threadCpuNs(); // CPU time: a busy machine does not move it
    RunRecord record(RunRecord::Spool::Events);
    record.setRunInfo(str("many"), kStartedAt, kStartNs);
    record.apply(str("main"), batch);
    record.setFinished(ms(3));
    const auto t = record.task(1);
    REQUIRE(t);
    REQUIRE(t->callbacks.size() == kCallbacks);
    CHECK(t->callbacks.front().firedNs == std::optional<std::int64_t>(2'000'000));
    CHECK(std::all_of(t->callbacks.begin(), t->callbacks.end(), [](const CallbackView &c) { return c.firedNs; }));

    // Read back, the callbacks keep their order.
    QTemporaryDir dir;
    const QString path = dir.filePath(str("many.json"));
    REQUIRE(exportJson(record, path).ok());
    const LogReadResult read = LogReader::readFile(path);
    REQUIRE(read.ok());
    REQUIRE(read.log->tasks.at(0).callbacks.size() == kCallbacks);
    CHECK(read.log->tasks.at(0).callbacks.back().firedMs == std::optional<double>(2.0));
    CHECK(double(rt::threadCpuNs() - start) / 1e9 < 10.0);
}

TEST_CASE("callbacks added twice with the same index are recorded once, in the order added")
{
    rt::Journal j;
    put(j, EventType::Created, 100, 0.0, 0, tag(OpTag::Sleep), "t");
    put(j, EventType::CallbackAdded, 100, 0.1, 1, 0, R"({"kind":"log","message":"b"})");
    put(j, EventType::CallbackAdded, 100, 0.1, 0, 0, R"({"kind":"log","message":"a"})");
    put(j, EventType::CallbackAdded, 100, 0.1, 1, 0, R"({"kind":"log","message":"again"})");
    put(j, EventType::Callback, 100, 0.5, 0);
    RunRecord record;
    record.setRunInfo(str("t"), kStartedAt, kStartNs);
    record.apply(str("main"), drained(j));
    const auto t = record.task(1);
    REQUIRE(t->callbacks.size() == 2);
    CHECK(record.callbackCount(record.row(record.arrivalRowOf(1))) == 2);
    CHECK(t->callbacks[0].description.contains(str("\"b\"")));
    CHECK_FALSE(t->callbacks[0].firedNs);
    CHECK(t->callbacks[1].description.contains(str("\"a\"")));
    CHECK(t->callbacks[1].firedNs == std::optional<std::int64_t>(500'000));
}

TEST_CASE("run-local ids follow creation order, with gaps in the runtime ids and a task that arrives late")
{
    // Tasks arriving in creation order need no id arrays of their own; the first one
    // to arrive late makes them (RunRecord::m_inOrder). Either way the answers agree.
    RunRecord record;
    record.setRunInfo(str("t"), kStartedAt, kStartNs);
    rt::Journal main;
    for (const std::uint64_t id : {100, 102, 105})
        put(main, EventType::Created, id, 0.0, 0, tag(OpTag::Sleep), QByteArray::number(qulonglong(id)).constData());
    record.apply(str("main"), drained(main));
    CHECK(record.localId(100) == 1);
    CHECK(record.localId(102) == 2);
    CHECK(record.localId(105) == 3);
    for (const std::uint64_t missing : {0, 99, 101, 104, 106})
        CHECK(record.localId(missing) == 0);
    CHECK(record.name(3) == str("105"));

    rt::Journal worker;
    put(worker, EventType::Created, 101, 0.0, 0, tag(OpTag::Sleep), "101");
    record.apply(str("worker"), drained(worker));
    put(main, EventType::Created, 107, 0.0, 0, tag(OpTag::Sleep), "107");
    put(main, EventType::Done, 101, 1.0);
    record.apply(str("main"), drained(main));

    REQUIRE(record.taskCount() == 5);
    const std::vector<std::uint64_t> byLocalId{100, 101, 102, 105, 107};
    const std::vector<std::uint32_t> arrivalRows{0, 3, 1, 2, 4};
    for (std::uint64_t id = 1; id <= 5; ++id) {
        CHECK(record.localId(byLocalId[id - 1]) == id);
        CHECK(record.arrivalRowOf(id) == arrivalRows[id - 1]);
        CHECK(record.task(id)->runtimeId == byLocalId[id - 1]);
        CHECK(record.name(id) == QString::number(byLocalId[id - 1]));
    }
    CHECK(record.state(2) == rt::TaskState::Done);
    CHECK(record.loopOf(2) == str("worker"));
    CHECK(record.localId(104) == 0);
}

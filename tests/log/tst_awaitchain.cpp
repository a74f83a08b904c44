// The await chain ("why is it stuck?", docs/spec/stuck.md): every chain form and every
// never-ends rule, each produced by a real task set run on the runtime (the cycle,
// which no set can express, on a table built from journal events).

#include "log/awaitchain.h"
#include "log/exporters.h"
#include "log/jsonlreader.h"
#include "log/logreplay.h"
#include "taskset/tasksetrun.h"

#include "support/looprunner.h"
#include "support/testsets.h"

#include <catch2/catch.hpp>

#include <QRegularExpression>
#include <QTemporaryDir>

#include <memory>

using namespace coroscope;
using namespace std::chrono_literals;
using testing::parseSet;
using testing::runUntil;

namespace {


// A set running on this thread's loop, its journals applied to a task table as the
// test waits. The run is stopped (and waited for) at the end of the test.
class LiveRun
{
public:
    explicit LiveRun(const char *json) : m_run(parseSet(json), m_loop)
    {
        QObject::connect(&m_run, &taskset::TaskSetRun::finished, [this] { m_finished = true; });
        m_run.start();
        m_record.setRunInfo(m_run.set().name, QDateTime::currentDateTimeUtc(), m_run.startNs());
    }
    ~LiveRun()
    {
        m_run.stop();
        (void)runUntil([this] { return m_finished; }, 10s);
    }

    // Spins the loop until `holds` is true of the table; false after 10 s.
    bool until(const std::function<bool()> &holds)
    {
        return runUntil([&] {
                   applyJournals();
                   return holds();
               }, 10s)
            .reached;
    }

    [[nodiscard]] std::uint64_t id(const QString &name) const
    {
        for (std::uint64_t id = 1; id <= m_record.taskCount(); ++id) {
            if (m_record.name(id) == name)
                return id;
        }
        return 0;
    }
    [[nodiscard]] rt::AwaitKind awaits(const QString &name) const
    {
        const std::uint64_t local = id(name);
        return local ? m_record.awaitAt(m_record.arrivalRowOf(local)).kind : rt::AwaitKind::None;
    }
    [[nodiscard]] rt::TaskState state(const QString &name) const { return m_record.state(id(name)); }
    [[nodiscard]] log::AwaitChain chain(const QString &name) const { return log::awaitChain(m_record, id(name)); }
    // Whether every task's chain is the same in the run's log read back (log::replayLog)
    // as in the live table now: hop by hop, task ids and verdicts included. A jsonl log
    // has no queue counts (docs/spec/stuck.md, "Read back"): json for queues.
    [[nodiscard]] bool chainsReadBackAgree(const char *file = "run.json") const
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QString::fromLatin1(file));
        const log::ExportResult written = log::exportLog(m_record, path);
        if (!written.ok()) {
            UNSCOPED_INFO("export: " << written.error->toStdString());
            return false;
        }
        const log::LogReadResult read = log::readLogFile(path);
        if (!read.ok()) {
            UNSCOPED_INFO("read back: " << read.error.toStdString());
            return false;
        }
        log::RunRecord back(log::RunRecord::Spool::None);
        log::replayLog(*read.log, back);
        if (back.taskCount() != m_record.taskCount())
            return false;
        bool agree = true;
        for (std::uint64_t id = 1; id <= m_record.taskCount(); ++id) {
            const log::AwaitChain live = log::awaitChain(m_record, id);
            const log::AwaitChain replayed = log::awaitChain(back, id);
            bool same = live.text() == replayed.text() && live.neverEnds == replayed.neverEnds
                        && live.hops.size() == replayed.hops.size();
            for (std::size_t i = 0; same && i < live.hops.size(); ++i)
                same = live.hops[i].task == replayed.hops[i].task;
            if (!same) {
                UNSCOPED_INFO("live:      " << live.text().toStdString());
                UNSCOPED_INFO("read back: " << replayed.text().toStdString());
                agree = false;
            }
        }
        return agree;
    }
    [[nodiscard]] const log::QueueDepth *queue(const QString &owner) const
    {
        const std::uint64_t local = id(owner);
        return local ? m_record.queueDepth(m_record.row(m_record.arrivalRowOf(local)).runtimeId) : nullptr;
    }

private:
    void applyJournals()
    {
        for (const auto &j : m_run.journals()) {
            if (j.loop == &m_loop)
                j.loop->journal().publish(); // the worker loop publishes its own
            rt::JournalBatch batch;
            j.loop->journal().drain(batch);
            m_record.apply(j.name, batch);
        }
    }

    rt::Loop m_loop{QStringLiteral("main")};
    taskset::TaskSetRun m_run;
    log::RunRecord m_record; // spooling its events, for the json log
    bool m_finished = false;
};

bool matches(const QString &text, const char *pattern)
{
    UNSCOPED_INFO("chain: " << text.toStdString());
    return QRegularExpression(QStringLiteral("^") + QString::fromUtf8(pattern) + QStringLiteral("$")).match(text).hasMatch();
}

} // namespace

TEST_CASE("a sleeping task's chain ends at the moment its sleep ends, in run time")
{
    LiveRun run(R"({"format": "coroscope.taskset/1", "name": "t", "tasks": [
        {"op": "sleep", "name": "four", "seconds": 4}]})");
    REQUIRE(run.until([&] { return run.awaits(QStringLiteral("four")) == rt::AwaitKind::Sleep; }));
    const auto chain = run.chain(QStringLiteral("four"));
    CHECK(matches(chain.text(), "four → sleep until 4\\.0\\d\\d s"));
    CHECK_FALSE(chain.neverEnds);
    REQUIRE(chain.hops.size() == 2);
    CHECK(chain.hops[0].task == run.id(QStringLiteral("four")));
    CHECK(chain.hops[1].task == 0);
    CHECK(run.chainsReadBackAgree());
    CHECK(run.chainsReadBackAgree("run.jsonl"));
}

TEST_CASE("a gather's chain shows its count and follows an unfinished child; a sequence goes straight to its child")
{
    LiveRun run(R"({"format": "coroscope.taskset/1", "name": "t", "tasks": [
        {"op": "gather", "name": "main", "children": [
            {"op": "sleep", "name": "quick", "seconds": 0},
            {"op": "sequence", "name": "steps", "children": [{"op": "sleep", "name": "slow", "seconds": 60}]}]}]})");
    REQUIRE(run.until([&] {
        return run.state(QStringLiteral("quick")) == rt::TaskState::Done && run.awaits(QStringLiteral("slow")) == rt::AwaitKind::Sleep;
    }));
    const auto chain = run.chain(QStringLiteral("main"));
    CHECK(matches(chain.text(), "main → gather\\(2\\) → steps → slow → sleep until 60\\.0\\d\\d s"));
    CHECK_FALSE(chain.neverEnds);
    CHECK(run.chainsReadBackAgree());
    CHECK(run.chainsReadBackAgree("run.jsonl"));
}

TEST_CASE("a consumer's get names its queue, the items in it and the producers expected to fill it")
{
    LiveRun run(R"({"format": "coroscope.taskset/1", "name": "t", "tasks": [
        {"op": "queue", "name": "jobs", "capacity": 0, "producers": 2, "consumers": 1, "items": 2,
         "produce_seconds": 60, "consume_seconds": 0}]})");
    REQUIRE(run.until([&] {
        return run.awaits(QStringLiteral("jobs.consumer-1")) == rt::AwaitKind::QueueGet
            && run.awaits(QStringLiteral("jobs.producer-2")) == rt::AwaitKind::Sleep;
    }));
    const auto consumer = run.chain(QStringLiteral("jobs.consumer-1"));
    CHECK(consumer.text() == QStringLiteral("jobs.consumer-1 → queue.get(jobs): empty, 2 producers alive"));
    CHECK_FALSE(consumer.neverEnds);
    // The queue node gathers its producers, not its consumers.
    CHECK(matches(run.chain(QStringLiteral("jobs")).text(), "jobs → gather\\(2\\) → jobs.producer-1 → sleep until 60\\.0\\d\\d s"));
    CHECK(run.chainsReadBackAgree());
}

TEST_CASE("a threadsafe node's chain crosses to the task it runs on the worker loop")
{
    LiveRun run(R"({"format": "coroscope.taskset/1", "name": "t", "tasks": [
        {"op": "threadsafe", "name": "main", "child": {"op": "sleep", "name": "remote", "seconds": 60}}]})");
    REQUIRE(run.until([&] {
        return run.awaits(QStringLiteral("main")) == rt::AwaitKind::Threadsafe && run.awaits(QStringLiteral("remote")) == rt::AwaitKind::Sleep;
    }));
    CHECK(matches(run.chain(QStringLiteral("main")).text(), "main → threadsafe on loop worker → remote → sleep until 60\\.0\\d\\d s"));
    CHECK(run.chainsReadBackAgree());
    CHECK(run.chainsReadBackAgree("run.jsonl"));
}

TEST_CASE("a join whose item a cancelled consumer took never ends, nor does the get of the consumer left")
{
    // The producer puts its one item; consumer-1 gets it and is cancelled while it
    // works on it, so task_done never comes. The node's join waits for ever, and
    // consumer-2 waits on an empty queue whose producer has ended. `slow` comes
    // first in the gather but can end: the chain follows the queue.
    LiveRun run(R"({"format": "coroscope.taskset/1", "name": "t", "tasks": [
        {"op": "gather", "name": "main", "children": [
            {"op": "sleep", "name": "slow", "seconds": 60},
            {"op": "queue", "name": "jobs", "capacity": 0, "producers": 1, "consumers": 2, "items": 1,
             "produce_seconds": 0, "consume_seconds": 60},
            {"op": "cancel", "name": "stop", "target": "jobs.consumer-1", "after": 0.05}]}]})");
    REQUIRE(run.until([&] {
        return run.state(QStringLiteral("jobs.consumer-1")) == rt::TaskState::Cancelled
            && run.state(QStringLiteral("jobs.producer-1")) == rt::TaskState::Done
            && run.awaits(QStringLiteral("jobs")) == rt::AwaitKind::QueueJoin
            && run.awaits(QStringLiteral("jobs.consumer-2")) == rt::AwaitKind::QueueGet;
    }));

    const auto join = run.chain(QStringLiteral("jobs"));
    CHECK(join.text()
          == QStringLiteral("jobs → queue.join(jobs): 1 item not done, 1 consumer alive — never ends: 1 item was taken "
                            "by a consumer that ended without task_done"));
    CHECK(join.neverEnds);

    const auto get = run.chain(QStringLiteral("jobs.consumer-2"));
    CHECK(get.text()
          == QStringLiteral("jobs.consumer-2 → queue.get(jobs): empty, 0 producers alive — never ends: the queue is "
                            "empty and no producer is alive"));
    CHECK(get.neverEnds);

    const auto main = run.chain(QStringLiteral("main"));
    CHECK(main.text().startsWith(QStringLiteral("main → gather(3) → jobs → queue.join(jobs)")));
    CHECK(main.neverEnds); // a gather waits for all it gathers
    CHECK(main.hops.back().neverEnds.size() > 0);
    CHECK(main.hops[2].task == run.id(QStringLiteral("jobs")));
    CHECK(run.chainsReadBackAgree());
}

TEST_CASE("a join with items left and every consumer cancelled never ends")
{
    LiveRun run(R"({"format": "coroscope.taskset/1", "name": "t", "tasks": [
        {"op": "gather", "name": "main", "children": [
            {"op": "cancel", "name": "stop", "target": "jobs.consumer-1"},
            {"op": "queue", "name": "jobs", "capacity": 0, "producers": 1, "consumers": 1, "items": 2,
             "produce_seconds": 0.05, "consume_seconds": 0}]}]})");
    REQUIRE(run.until([&] {
        return run.state(QStringLiteral("jobs.consumer-1")) == rt::TaskState::Cancelled
            && run.awaits(QStringLiteral("jobs")) == rt::AwaitKind::QueueJoin;
    }));
    const auto join = run.chain(QStringLiteral("jobs"));
    CHECK(join.text()
          == QStringLiteral("jobs → queue.join(jobs): 2 items not done, 0 consumers alive — never ends: no consumer is "
                            "alive to finish them"));
    CHECK(join.neverEnds);
    CHECK(run.chainsReadBackAgree());
}

TEST_CASE("a put into a full queue whose consumers are all cancelled never ends")
{
    LiveRun run(R"({"format": "coroscope.taskset/1", "name": "t", "tasks": [
        {"op": "gather", "name": "main", "children": [
            {"op": "cancel", "name": "stop", "target": "jobs.consumer-1"},
            {"op": "queue", "name": "jobs", "capacity": 1, "producers": 1, "consumers": 1, "items": 3,
             "produce_seconds": 0.05, "consume_seconds": 0}]}]})");
    REQUIRE(run.until([&] {
        return run.state(QStringLiteral("jobs.consumer-1")) == rt::TaskState::Cancelled
            && run.awaits(QStringLiteral("jobs.producer-1")) == rt::AwaitKind::QueuePut;
    }));
    const auto put = run.chain(QStringLiteral("jobs.producer-1"));
    CHECK(put.text()
          == QStringLiteral("jobs.producer-1 → queue.put(jobs): full (1 of 1), 0 consumers alive — never ends: the queue "
                            "is full and no consumer is alive"));
    CHECK(put.neverEnds);
    // The node gathers its producer: the verdict passes up.
    CHECK(run.chain(QStringLiteral("jobs")).neverEnds);
    CHECK(run.chainsReadBackAgree());
}

TEST_CASE("a wait on a task that never ends says so at the task, but the wait itself may still time out")
{
    LiveRun run(R"({"format": "coroscope.taskset/1", "name": "t", "tasks": [
        {"op": "gather", "name": "main", "children": [
            {"op": "cancel", "name": "stop", "target": "jobs.consumer-1", "after": 0.02},
            {"op": "wait_for", "name": "bounded", "timeout": 60, "child":
                {"op": "queue", "name": "jobs", "capacity": 1, "producers": 1, "consumers": 1, "items": 3,
                 "produce_seconds": 0.05, "consume_seconds": 0}}]}]})");
    REQUIRE(run.until([&] {
        return run.awaits(QStringLiteral("jobs.producer-1")) == rt::AwaitKind::QueuePut
            && run.state(QStringLiteral("jobs.consumer-1")) == rt::TaskState::Cancelled;
    }));
    const auto chain = run.chain(QStringLiteral("bounded"));
    CHECK(chain.text().startsWith(QStringLiteral("bounded → wait(1) → jobs → gather(1) → jobs.producer-1 → queue.put(jobs)")));
    CHECK_FALSE(chain.hops.back().neverEnds.isEmpty());
    CHECK_FALSE(chain.neverEnds);
    CHECK(run.chainsReadBackAgree());
}

TEST_CASE("a task awaiting a task that awaits it is a cycle that never ends")
{
    // No task set can express it (a node awaits only its own children): a table built
    // from journal events.
    rt::Journal journal;
    const auto at = [](double ms) { return std::int64_t(ms * 1e6); };
    journal.append(rt::EventType::Created, 1, 0, 0, journal.addString(QStringLiteral("a")), 0, at(0));
    journal.append(rt::EventType::Created, 2, 0, 0, journal.addString(QStringLiteral("b")), 0, at(0));
    journal.append(rt::EventType::Started, 1, 0, 0, 0, 0, at(1));
    journal.append(rt::EventType::Started, 2, 0, 0, 0, 0, at(1));
    journal.append(rt::EventType::Suspended, 1, 2, std::uint8_t(rt::AwaitKind::Task), 0, 0, at(2));
    journal.append(rt::EventType::Suspended, 2, 1, std::uint8_t(rt::AwaitKind::Task), 0, 0, at(2));
    journal.publish();
    rt::JournalBatch batch;
    journal.drain(batch);
    log::RunRecord record(log::RunRecord::Spool::None);
    record.setRunInfo(QStringLiteral("cycle"), QDateTime::currentDateTimeUtc(), 0);
    record.apply(QStringLiteral("main"), batch);

    const auto chain = log::awaitChain(record, 1);
    CHECK(chain.text() == QStringLiteral("a → b → a — never ends: a cycle: it awaits a task that awaits it"));
    CHECK(chain.neverEnds);
    REQUIRE(chain.hops.size() == 3);
    CHECK(chain.hops[1].task == 2);
}

TEST_CASE("a pending task's chain says it has not started, an ended one names its state")
{
    rt::Journal journal;
    journal.append(rt::EventType::Created, 1, 0, 0, journal.addString(QStringLiteral("later")), 0, 0);
    journal.append(rt::EventType::Created, 2, 0, 0, journal.addString(QStringLiteral("over")), 0, 0);
    journal.append(rt::EventType::Started, 2, 0, 0, 0, 0, 1);
    journal.append(rt::EventType::Done, 2, 0, 0, 0, 0, 2);
    journal.publish();
    rt::JournalBatch batch;
    journal.drain(batch);
    log::RunRecord record(log::RunRecord::Spool::None);
    record.apply(QStringLiteral("main"), batch);
    CHECK(log::awaitChain(record, 1).text() == QStringLiteral("later → not started yet"));
    CHECK(log::awaitChain(record, 2).text() == QStringLiteral("over (done)"));
    CHECK(log::awaitChain(record, 3).hops.empty());
}

TEST_CASE("a sleep's end is kept in its row without changing what the task is said to await")
{
    // docs/spec/stuck.md, "Sleep": the moment rides in the high bits of the sleep's
    // argument, as ms after the task's start, up to 2^24 ms.
    const auto at = [](double ms) { return std::int64_t(ms * 1e6); };
    const double tooLate = double(1 << 24) + 10.0;
    rt::Journal journal;
    journal.append(rt::EventType::Created, 1, 0, 0, journal.addString(QStringLiteral("soon")), 0, at(0));
    journal.append(rt::EventType::Created, 2, 0, 0, journal.addString(QStringLiteral("late")), 0, at(0));
    journal.append(rt::EventType::Started, 1, 0, 0, 0, 0, at(500));
    journal.append(rt::EventType::Started, 2, 0, 0, 0, 0, at(500));
    journal.append(rt::EventType::Suspended, 1, 5000, std::uint8_t(rt::AwaitKind::Sleep), 0, 0, at(1000));
    journal.append(rt::EventType::Suspended, 2, 5000, std::uint8_t(rt::AwaitKind::Sleep), 0, 0, at(500 + tooLate));
    journal.publish();
    rt::JournalBatch batch;
    journal.drain(batch);
    log::RunRecord record(log::RunRecord::Spool::None);
    record.setRunInfo(QStringLiteral("sleeps"), QDateTime::currentDateTimeUtc(), 0);
    record.apply(QStringLiteral("main"), batch);

    CHECK(log::awaitChain(record, 1).text() == QStringLiteral("soon → sleep until 6.000 s"));
    CHECK(log::awaitChain(record, 2).text() == QStringLiteral("late → sleep 5s"));
    CHECK(record.task(1)->awaiting == QStringLiteral("sleep 5s"));
    CHECK(record.task(2)->awaiting == QStringLiteral("sleep 5s"));
    CHECK(record.awaitAt(record.arrivalRowOf(1)).arg == 5000);
}

TEST_CASE("a queue's counts follow its run: every item put, got and done, and no worker alive at the end")
{
    LiveRun run(R"({"format": "coroscope.taskset/1", "name": "t", "tasks": [
        {"op": "queue", "name": "jobs", "capacity": 2, "producers": 3, "consumers": 2, "items": 7,
         "produce_seconds": 0.5, "consume_seconds": 0}]})");
    // Before the first item: every producer sleeps, every consumer waits at get.
    const log::QueueDepth *q = nullptr;
    REQUIRE(run.until([&] {
        q = run.queue(QStringLiteral("jobs"));
        return q && run.awaits(QStringLiteral("jobs.producer-3")) == rt::AwaitKind::Sleep
            && run.awaits(QStringLiteral("jobs.consumer-2")) == rt::AwaitKind::QueueGet;
    }));
    REQUIRE(q->puts == 0);
    CHECK(q->producersAlive == 3);
    CHECK(q->consumersAlive == 2);
    CHECK(q->consumersHolding == 0);
    CHECK(run.chainsReadBackAgree());
    REQUIRE(run.until([&] { return run.state(QStringLiteral("jobs")) == rt::TaskState::Done; }));
    q = run.queue(QStringLiteral("jobs"));
    REQUIRE(q);
    CHECK(q->puts == 7);
    CHECK(q->gets == 7);
    CHECK(q->dones == 7);
    CHECK(q->producersAlive == 0);
    CHECK(q->consumersAlive == 0);
    CHECK(q->consumersHolding == 0);
}

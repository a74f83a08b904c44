#include "helpers.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QThread>

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>

using namespace coroscope;
using namespace coroscope::testing;

TEST_CASE("the journal publishes batches that a reader drains, with strings re-indexed")
{
    rt::Journal j;
    j.append(rt::EventType::Created, 1, 0, 0, j.addString(QStringLiteral("one")));
    j.publish();
    j.append(rt::EventType::Created, 2, 0, 0, j.addString(QStringLiteral("two")));
    j.append(rt::EventType::Failed, 2, 0, 0, j.addString(QStringLiteral("bad")));
    j.publish();
    rt::JournalBatch b;
    j.drain(b);
    REQUIRE(b.events.size() == 3);
    CHECK(b.text(b.events[0]) == QStringLiteral("one"));
    CHECK(b.text(b.events[1]) == QStringLiteral("two"));
    CHECK(b.text(b.events[2]) == QStringLiteral("bad"));
    j.drain(b);
    CHECK(b.events.empty());
}

TEST_CASE("results journalled as values keep their own indices through publishing, draining and slicing")
{
    const QJsonValue list = QJsonArray{1, 2.5, QStringLiteral("x")};
    const QJsonValue object = QJsonObject{{QStringLiteral("k"), QStringLiteral("v")}};
    rt::Journal j;
    j.append(rt::EventType::Created, 1, 0, 0, j.addString(QStringLiteral("one")));
    j.append(rt::EventType::Done, 1, 0, 0, j.addValue(list), 0, -1, rt::kValueResult);
    j.publish();
    j.append(rt::EventType::Created, 2, 0, 0, j.addString(QStringLiteral("two")));
    j.append(rt::EventType::Done, 2, 0, 0, j.addValue(object), 0, -1, rt::kValueResult);
    j.append(rt::EventType::Failed, 3, 0, 0, j.addString(QStringLiteral("bad")));
    j.publish();
    rt::JournalBatch b;
    j.drain(b);
    REQUIRE(b.events.size() == 5);
    CHECK(b.text(b.events[0]) == QStringLiteral("one"));
    CHECK(b.value(b.events[1]) == list);
    CHECK(b.text(b.events[1]).isEmpty());
    CHECK(b.text(b.events[2]) == QStringLiteral("two"));
    CHECK(b.value(b.events[3]) == object);
    CHECK(b.value(b.events[4]).isNull()); // a text is no value
    CHECK(b.text(b.events[4]) == QStringLiteral("bad"));

    rt::JournalBatch slice;
    slice.assignSlice(b, 3, 2);
    REQUIRE(slice.events.size() == 2);
    CHECK(slice.value(slice.events[0]) == object);
    CHECK(slice.text(slice.events[1]) == QStringLiteral("bad"));
    CHECK(slice.values.size() == 1);
    CHECK(slice.strings.size() == 1);
}

TEST_CASE("batches published while the reader has not taken the last one reach it as they were")
{
    // Three publishes before any drain: the later two wait behind the first, each with
    // its own strings; drainEach hands them over oldest first without merging them.
    rt::Journal j;
    j.append(rt::EventType::Created, 1, 0, 0, j.addString(QStringLiteral("one")));
    j.publish();
    j.append(rt::EventType::Created, 2, 0, 0, j.addString(QStringLiteral("two")));
    j.publish();
    j.append(rt::EventType::Started, 2);
    j.append(rt::EventType::Failed, 2, 0, 0, j.addString(QStringLiteral("bad")));
    j.publish();

    rt::JournalBatch out;
    std::vector<std::vector<std::pair<std::uint64_t, QString>>> seen;
    j.drainEach(out, [&](rt::JournalBatch &batch) {
        auto &events = seen.emplace_back();
        for (const rt::Event &e : batch.events)
            events.emplace_back(e.task, batch.text(e));
        batch.clear(); // a reader may take a batch's contents
    });
    using Seen = std::vector<std::pair<std::uint64_t, QString>>;
    REQUIRE(seen.size() == 3);
    CHECK(seen[0] == Seen{{1, QStringLiteral("one")}});
    CHECK(seen[1] == Seen{{2, QStringLiteral("two")}});
    CHECK(seen[2] == Seen{{2, QString()}, {2, QStringLiteral("bad")}});

    // All taken: the next publish goes straight to the reader again.
    j.append(rt::EventType::Done, 1);
    j.publish();
    std::size_t batches = 0;
    j.drainEach(out, [&](rt::JournalBatch &batch) { batches += batch.events.empty() ? 0 : 1; });
    CHECK(batches == 1);
    j.drain(out);
    CHECK(out.events.empty());
}

TEST_CASE("a step that journals a burst publishes it in bounded batches as it goes, strings and order intact")
{
    // No publish() from the loop: a single step's 100,000 events (a repeat cancelling
    // its copies) leave in batches as the runtime appends them, none the whole burst.
    rt::Journal j;
    constexpr std::uint64_t kEvents = 100'000;
    for (std::uint64_t i = 1; i <= kEvents; ++i) {
        j.append(rt::EventType::Created, i, 0, 0, j.addString(QString::number(i)));
        j.publishIfLarge();
    }
    std::size_t batches = 0;
    std::size_t largest = 0;
    std::uint64_t next = 1;
    bool intact = true;
    rt::JournalBatch out;
    const auto take = [&](rt::JournalBatch &batch) {
        if (batch.events.empty())
            return;
        ++batches;
        largest = std::max(largest, batch.events.size());
        for (const rt::Event &e : batch.events)
            intact = intact && e.task == next && batch.text(e) == QString::number(next++);
    };
    j.drainEach(out, take);
    j.publish(); // the step's end: the rest
    j.drainEach(out, take);
    CHECK(intact);
    CHECK(next == kEvents + 1);
    CHECK(batches >= 2);
    CHECK(largest < kEvents / 2);
}

TEST_CASE("cancelling a hundred thousand tasks in one step publishes their events in bounded batches")
{
    // The runtime's own appends publish a large batch as they go: a reader sees the
    // cancel requests before the step that makes them has ended.
    rt::Loop loop(QStringLiteral("main"));
    std::size_t seenDuringStep = 0;
    // The coroutine takes what it uses as parameters (copied into its frame): a lambda
    // coroutine's captures die with the lambda, before the coroutine runs.
    auto root = rt::spawn([](rt::Loop &on, std::size_t &seen) -> Task<int> {
        std::vector<Task<int>> sleepers;
        for (int i = 0; i < 100'000; ++i)
            sleepers.push_back(rt::spawn(sleepThenReturn(1h, i)));
        co_await rt::sleep(0ms); // they all start
        rt::JournalBatch taken;
        on.journal().drain(taken); // what came before
        for (auto &t : sleepers)
            t->cancel();
        on.journal().drain(taken);
        seen = taken.events.size();
        co_await rt::gather(std::move(sleepers), rt::ReturnExceptions);
        co_return 0;
    }(loop, seenDuringStep));
    REQUIRE(runUntilFinished(root, 60s).reached);
    CHECK(seenDuringStep > 0);
    CHECK(seenDuringStep < 100'000);
}

TEST_CASE("a queued batch's buffers come back to the loop for its next batches")
{
    // The reader swaps each batch out for a spent one of its own, as the dashboard's
    // backlog does; what it leaves in a queued batch is appended into next, so the
    // loop thread neither allocates anew nor leaves the reader its memory to free.
    rt::Journal j;
    const auto publishOne = [&](std::uint64_t task) {
        j.append(rt::EventType::Created, task);
        j.publish();
    };
    constexpr std::size_t kSpentCapacity = 5000;
    std::vector<rt::JournalBatch> kept;
    std::vector<std::size_t> capacities;
    const auto takeAll = [&] {
        rt::JournalBatch out;
        j.drainEach(out, [&](rt::JournalBatch &batch) {
            capacities.push_back(batch.events.capacity());
            kept.push_back(std::exchange(batch, {}));
            batch.events.reserve(kSpentCapacity);
        });
    };
    publishOne(1); // to the reader
    publishOne(2); // queued behind it
    takeAll();
    REQUIRE(kept.size() == 2);
    CHECK(capacities[1] < kSpentCapacity);

    capacities.clear();
    publishOne(3); // to the reader
    publishOne(4); // queued: the loop appends the next one into the spare
    publishOne(5);
    takeAll();
    REQUIRE(capacities.size() == 3);
    CHECK(capacities[2] >= kSpentCapacity);
    REQUIRE(kept.size() == 5);
    CHECK(kept[4].events.size() == 1);
    CHECK(kept[4].events[0].task == 5);
}

TEST_CASE("a disabled journal records nothing and the runtime still works")
{
    rt::Loop loop(QStringLiteral("main"));
    loop.journal().setEnabled(false);
    auto t = rt::spawn(sleepThenReturn(5ms, 3));
    REQUIRE(runUntilFinished(t).reached);
    CHECK(t.result() == 3);
    CHECK(drainAll(loop).events.empty());
}

TEST_CASE("a loop whose journal nobody reads runs a hundred thousand tasks and keeps no event")
{
    // The suites read every journal they make (tests/support/catchmain.cpp); a
    // program built on the runtime does not, unless it says so.
    rt::Journal::setEnabledByDefault(false);
    rt::Loop loop(QStringLiteral("main"));
    rt::Journal::setEnabledByDefault(true);
    CHECK_FALSE(loop.journal().enabled());
    constexpr int kTasks = 100'000;
    std::vector<Task<int>> tasks;
    tasks.reserve(kTasks);
    for (int i = 0; i < kTasks; ++i)
        tasks.push_back(rt::spawn(sleepThenReturn(std::chrono::milliseconds(i % 3), i)));
    REQUIRE(runUntilIdle(loop).reached);
    CHECK(tasks.back().result() == kTasks - 1);
    loop.journal().publish();
    CHECK(loop.journal().heldEvents() == 0);
}

TEST_CASE("a journal enabled by its reader keeps what the loop did until it is taken")
{
    rt::Journal::setEnabledByDefault(false);
    rt::Loop loop(QStringLiteral("main"));
    rt::Journal::setEnabledByDefault(true);
    loop.journal().setEnabled(true);
    auto t = rt::spawn(sleepThenReturn(1ms, 3));
    REQUIRE(runUntilFinished(t).reached);
    loop.journal().publish();
    CHECK(loop.journal().heldEvents() >= 4); // created, started, suspended, resumed, done
    CHECK(eventTypesOf(drainAll(loop), t->id()).back() == rt::EventType::Done);
    CHECK(loop.journal().heldEvents() == 0);
}

TEST_CASE("a reader on another thread drains while the loop runs, losing nothing")
{
    rt::Loop loop(QStringLiteral("main"));
    std::atomic<bool> stop{false};
    std::atomic<std::size_t> created{0}, finished{0};
    std::unique_ptr<QThread> reader(QThread::create([&] {
        rt::JournalBatch b;
        while (!stop.load()) {
            loop.journal().drain(b);
            for (const rt::Event &e : b.events) {
                if (e.type == rt::EventType::Created)
                    ++created;
                if (e.type == rt::EventType::Done)
                    ++finished;
            }
            QThread::msleep(1);
        }
    }));
    reader->start();
    std::vector<Task<int>> tasks;
    for (int i = 0; i < 2000; ++i)
        tasks.push_back(rt::spawn(sleepThenReturn(std::chrono::milliseconds(i % 20), i)));
    REQUIRE(runUntilIdle(loop).reached);
    loop.journal().publish();
    REQUIRE(runUntil([&] { return finished.load() == 2000; }, 5s).reached);
    stop = true;
    reader->wait();
    CHECK(created.load() == 2000);
}

TEST_CASE("events carry monotonic times in order")
{
    rt::Loop loop(QStringLiteral("main"));
    auto t = rt::spawn(sleepThenReturn(10ms, 1));
    REQUIRE(runUntilFinished(t).reached);
    const auto b = drainAll(loop);
    REQUIRE(b.events.size() >= 2);
    for (std::size_t i = 1; i < b.events.size(); ++i)
        CHECK(b.events[i].tNs >= b.events[i - 1].tNs);
    CHECK(b.events.back().tNs - b.events.front().tNs >= 10'000'000);
}

TEST_CASE("suspended events say what the task awaits")
{
    CHECK(rt::describeAwait(rt::AwaitKind::Sleep, 2000) == QStringLiteral("sleep 2s"));
    CHECK(rt::describeAwait(rt::AwaitKind::Sleep, 1500) == QStringLiteral("sleep 1.5s"));
    CHECK(rt::describeAwait(rt::AwaitKind::Gather, 3) == QStringLiteral("gather 3"));
    CHECK(rt::describeAwait(rt::AwaitKind::QueueGet, 0) == QStringLiteral("queue.get"));
}

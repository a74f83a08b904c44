#include "helpers.h"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace coroscope;
using namespace coroscope::testing;
using rt::TaskState;

namespace {
Task<int> putAll(rt::Queue<int> *q, int from, int count, std::vector<int> *putOrder)
{
    for (int i = from; i < from + count; ++i) {
        co_await q->put(i);
        putOrder->push_back(i);
    }
    co_return count;
}
Task<int> getOne(rt::Queue<int> *q)
{
    co_return co_await q->get();
}
Task<int> consume(rt::Queue<int> *q, std::vector<int> *seen)
{
    for (;;) {
        const int item = co_await q->get();
        co_await rt::sleep(1ms);
        seen->push_back(item);
        q->taskDone();
    }
}
Task<int> joinQueue(rt::Queue<int> *q)
{
    co_await q->join();
    co_return 1;
}
} // namespace

TEST_CASE("get waits on an empty queue until an item is put")
{
    rt::Loop loop(QStringLiteral("main"));
    rt::Queue<int> q;
    auto getter = rt::spawn(getOne(&q));
    spinFor(20ms);
    CHECK(getter->state() == TaskState::Running);
    q.putNowait(42);
    REQUIRE(runUntilFinished(getter).reached);
    CHECK(getter.result() == 42);
}

TEST_CASE("put waits on a full queue until a get makes room")
{
    rt::Loop loop(QStringLiteral("main"));
    rt::Queue<int> q(2);
    std::vector<int> putOrder;
    auto producer = rt::spawn(putAll(&q, 1, 4, &putOrder));
    spinFor(20ms);
    CHECK(putOrder == std::vector{1, 2});
    CHECK(q.full());
    CHECK_THROWS_AS(q.putNowait(99), rt::QueueFull);
    CHECK(q.getNowait() == 1);
    REQUIRE(runUntil([&] { return putOrder.size() == 3; }).reached);
    CHECK(q.getNowait() == 2);
    CHECK(q.getNowait() == 3);
    REQUIRE(runUntilFinished(producer).reached);
    CHECK(q.getNowait() == 4);
    CHECK_THROWS_AS(q.getNowait(), rt::QueueEmpty);
}

TEST_CASE("items come out in FIFO order to getters in arrival order")
{
    rt::Loop loop(QStringLiteral("main"));
    rt::Queue<int> q;
    auto a = rt::spawn(getOne(&q));
    auto b = rt::spawn(getOne(&q));
    spinFor(5ms);
    q.putNowait(1);
    q.putNowait(2);
    REQUIRE(runUntilIdle(loop).reached);
    CHECK(a.result() == 1);
    CHECK(b.result() == 2);
}

TEST_CASE("join waits until every item put is marked done")
{
    rt::Loop loop(QStringLiteral("main"));
    rt::Queue<int> q(3);
    std::vector<int> putOrder, seen;
    auto producer = rt::spawn(putAll(&q, 0, 10, &putOrder));
    auto c1 = rt::spawn(consume(&q, &seen));
    auto c2 = rt::spawn(consume(&q, &seen));
    auto joiner = rt::spawn(joinQueue(&q));
    REQUIRE(runUntilFinished(producer).reached);
    REQUIRE(runUntilFinished(joiner).reached);
    CHECK(seen.size() == 10);
    CHECK(q.unfinished() == 0);
    c1->cancel();
    c2->cancel();
    REQUIRE(runUntilIdle(loop).reached);
    CHECK(c1->state() == TaskState::Cancelled);
}

TEST_CASE("a getter cancelled after receiving an item gives it back")
{
    rt::Loop loop(QStringLiteral("main"));
    rt::Queue<int> q;
    auto a = rt::spawn(getOne(&q));
    spinFor(5ms);
    q.putNowait(7); // handed to `a`, whose resume is now queued
    a->cancel();
    REQUIRE(runUntilFinished(a).reached);
    CHECK(a->state() == TaskState::Cancelled);
    CHECK(q.size() == 1);
    CHECK(q.getNowait() == 7);
}

namespace {
Task<int> takeOne(rt::Queue<int> *q, std::vector<int> *got)
{
    got->push_back(co_await q->get());
    co_return 0;
}
Task<int> putOne(rt::Queue<int> *q, int item)
{
    co_await q->put(item);
    co_return item;
}
} // namespace

TEST_CASE("a running producer takes a freed place before the woken one, which waits again")
{
    // asyncio's put loops `while self.full()`: the get wakes the waiting putter (1),
    // which runs an iteration later; the producer that runs first (2) fills the place.
    rt::Loop loop(QStringLiteral("main"));
    rt::Queue<int> q(1);
    q.putNowait(0);
    std::vector<int> got;
    auto waiting = rt::spawn(putOne(&q, 1));
    auto taker = rt::spawn(takeOne(&q, &got));
    auto running = rt::spawn(putOne(&q, 2));
    REQUIRE(runUntilFinished(running).reached);
    CHECK(waiting->state() == TaskState::Running);
    CHECK(q.getNowait() == 2);
    REQUIRE(runUntilFinished(waiting).reached);
    CHECK(q.getNowait() == 1);
    CHECK(got == std::vector{0});
}

TEST_CASE("a running consumer takes an item before the woken getter, which waits again")
{
    rt::Loop loop(QStringLiteral("main"));
    rt::Queue<int> q;
    std::vector<int> first, second;
    auto waiting = rt::spawn(takeOne(&q, &first));
    spinFor(5ms); // it waits on the empty queue
    auto producer = rt::spawn(putOne(&q, 7));
    auto running = rt::spawn(takeOne(&q, &second));
    REQUIRE(runUntilFinished(running).reached);
    CHECK(second == std::vector{7});
    CHECK(waiting->state() == TaskState::Running);
    q.putNowait(8);
    REQUIRE(runUntilFinished(waiting).reached);
    CHECK(first == std::vector{8});
}

TEST_CASE("a woken getter cancelled before it runs passes the wake-up on")
{
    rt::Loop loop(QStringLiteral("main"));
    rt::Queue<int> q;
    std::vector<int> got1, got2;
    auto g1 = rt::spawn(takeOne(&q, &got1));
    auto g2 = rt::spawn(takeOne(&q, &got2));
    spinFor(5ms); // both wait, g1 first
    q.putNowait(5); // wakes g1
    g1->cancel();
    REQUIRE(runUntilFinished(g1).reached);
    REQUIRE(runUntilFinished(g2).reached);
    CHECK(g1->state() == TaskState::Cancelled);
    CHECK(got2 == std::vector{5});
}

TEST_CASE("a queue told its owner names it in its awaits and journals each put, get and task_done")
{
    // docs/spec/stuck.md: the await chain names a get's queue and counts the items
    // taken and never done.
    rt::Loop loop(QStringLiteral("main"));
    rt::Queue<int> q;
    auto owner = rt::spawn(sleepThenReturn(10s, 0));
    auto getter = rt::spawn(getOne(&q));
    REQUIRE(runUntil([&] { return getter->state() == TaskState::Running; }).reached); // parked at get
    q.journalDepthAs(*owner.core());
    (void)drainAll(loop);
    q.putNowait(7);
    auto joiner = rt::spawn(joinQueue(&q)); // waits: the item is not done
    REQUIRE(runUntilFinished(getter).reached);
    REQUIRE(runUntil([&] { return joiner->state() == TaskState::Running; }).reached);
    q.taskDone();
    REQUIRE(runUntilFinished(joiner).reached);
    const rt::JournalBatch b = drainAll(loop);

    std::vector<rt::QueueChange> changes;
    for (const rt::Event &e : b.events) {
        if (e.type == rt::EventType::QueueDepth) {
            CHECK(e.task == owner->id());
            changes.push_back(rt::QueueChange(e.kind));
        }
        if (e.type == rt::EventType::Suspended && e.task == joiner->id()) {
            CHECK(rt::AwaitKind(e.kind) == rt::AwaitKind::QueueJoin);
            CHECK(e.arg == owner->id());
        }
    }
    CHECK(changes == std::vector{rt::QueueChange::Put, rt::QueueChange::Get, rt::QueueChange::TaskDone});
    owner->cancel();
    REQUIRE(runUntilIdle(loop).reached);
}

TEST_CASE("a get on a queue told its owner journals the owner's id as its argument")
{
    rt::Loop loop(QStringLiteral("main"));
    {
        rt::Queue<int> named;
        auto keeper = rt::spawn(sleepThenReturn(10s, 0));
        named.journalDepthAs(*keeper.core());
        auto waiting = rt::spawn(getOne(&named));
        REQUIRE(runUntil([&] { return waiting->state() == TaskState::Running; }).reached);
        const rt::JournalBatch events = drainAll(loop);
        const auto suspended = std::find_if(events.events.begin(), events.events.end(), [&](const rt::Event &e) {
            return e.type == rt::EventType::Suspended && e.task == waiting->id();
        });
        REQUIRE(suspended != events.events.end());
        CHECK(rt::AwaitKind(suspended->kind) == rt::AwaitKind::QueueGet);
        CHECK(suspended->arg == keeper->id());
        waiting->cancel();
        keeper->cancel();
        REQUIRE(runUntilIdle(loop).reached);
    }
}

#include "helpers.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <bit>
#include <random>
#include <set>

using namespace coroscope;
using namespace coroscope::testing;
using rt::EventType;
using rt::TaskState;

namespace {
Task<int> failsAtOnce()
{
    throw rt::TaskError(QStringLiteral("broken"));
    co_return 0;
}
Task<int> awaitsChild(std::chrono::milliseconds d)
{
    const int v = co_await sleepThenReturn(d, 21);
    co_return v * 2;
}
Task<int> yieldsThenReturns(std::vector<int> *order, int id)
{
    order->push_back(id);
    co_await rt::sleep(0ms);
    order->push_back(id + 100);
    co_return id;
}
} // namespace

TEST_CASE("a spawned task goes pending, running, done and keeps its result")
{
    rt::Loop loop(QStringLiteral("main"));
    auto t = rt::spawn(sleepThenReturn(20ms, 7), {QStringLiteral("seven"), {}, 0});
    CHECK(t->state() == TaskState::Pending);
    CHECK(t->id() > 0);
    CHECK(t->name() == QStringLiteral("seven"));
    runUntil([&] { return t->state() == TaskState::Running; });
    CHECK(t->state() == TaskState::Running);
    REQUIRE(runUntilFinished(t).reached);
    CHECK(t->state() == TaskState::Done);
    CHECK(t.result() == 7);

    const auto events = drainAll(loop);
    CHECK(eventTypesOf(events, t->id()) ==
          std::vector{EventType::Created, EventType::Started, EventType::Suspended, EventType::Resumed, EventType::Done});
}

Task<int> returnsWithText()
{
    rt::Loop::currentTask()->setResultText(QStringLiteral("[1,2]"));
    co_return 3;
}

TEST_CASE("a result text and a spawn tag reach the journal")
{
    rt::Loop loop(QStringLiteral("main"));
    auto t = rt::spawn(returnsWithText(), {QString(), {}, 0, 7});
    REQUIRE(runUntilFinished(t).reached);
    const auto b = drainAll(loop);
    REQUIRE(b.events.size() >= 2);
    CHECK(b.events.front().type == EventType::Created);
    CHECK(b.events.front().kind == 7);
    CHECK(b.events.back().type == EventType::Done);
    CHECK(b.text(b.events.back()) == QStringLiteral("[1,2]"));
}

TEST_CASE("a task that throws ends failed with the error's text")
{
    rt::Loop loop(QStringLiteral("main"));
    auto t = rt::spawn(failsAtOnce());
    REQUIRE(runUntilFinished(t).reached);
    CHECK(t->state() == TaskState::Failed);
    CHECK(t->errorText() == QStringLiteral("broken"));
    CHECK_THROWS_AS(t.result(), rt::TaskError);
    const auto events = drainAll(loop);
    REQUIRE(!events.events.empty());
    CHECK(events.events.back().type == EventType::Failed);
    CHECK(events.text(events.events.back()) == QStringLiteral("broken"));
}

TEST_CASE("asking the result of an unfinished task raises InvalidStateError")
{
    rt::Loop loop(QStringLiteral("main"));
    auto t = rt::spawn(sleepThenReturn(10ms, 1));
    CHECK_THROWS_AS(t.result(), rt::InvalidStateError);
    REQUIRE(runUntilFinished(t).reached);
}

TEST_CASE("awaiting a coroutine runs it as a child task and returns its result")
{
    rt::Loop loop(QStringLiteral("main"));
    auto parent = rt::spawn(awaitsChild(10ms));
    REQUIRE(runUntilFinished(parent).reached);
    CHECK(parent.result() == 42);
    const auto events = drainAll(loop);
    std::uint64_t childParent = 0;
    for (const rt::Event &e : events.events) {
        if (e.type == EventType::Created && e.task != parent->id())
            childParent = e.arg;
    }
    CHECK(childParent == parent->id());
}

TEST_CASE("sleep(0) lets every other ready task run before the task goes on")
{
    rt::Loop loop(QStringLiteral("main"));
    std::vector<int> order;
    auto a = rt::spawn(yieldsThenReturns(&order, 1));
    auto b = rt::spawn(yieldsThenReturns(&order, 2));
    REQUIRE(runUntilIdle(loop).reached);
    CHECK(order == std::vector{1, 2, 101, 102});
}

TEST_CASE("task ids are unique and follow creation order")
{
    rt::Loop loop(QStringLiteral("main"));
    auto a = rt::spawn(sleepThenReturn(1ms, 1));
    auto b = rt::spawn(sleepThenReturn(1ms, 2));
    CHECK(b->id() == a->id() + 1);
    REQUIRE(runUntilIdle(loop).reached);
}

TEST_CASE("a sleep never ends before its time and ends close to it")
{
    rt::Loop loop(QStringLiteral("main"));
    const auto t0 = rt::monotonicNs();
    auto t = rt::spawn(sleepThenReturn(120ms, 1));
    REQUIRE(runUntilFinished(t).reached);
    const double tookMs = double(rt::monotonicNs() - t0) / 1e6;
    CHECK(tookMs >= 120.0);
    CHECK(tookMs < 400.0);
}

namespace {
Task<int> sleepsThenNotes(std::chrono::milliseconds first, std::chrono::milliseconds second, std::int64_t *endNs)
{
    if (first.count() > 0)
        co_await rt::sleep(first);
    co_await rt::sleep(second);
    *endNs = rt::monotonicNs();
    co_return 0;
}
} // namespace

TEST_CASE("a sleep of more than 256 ms ends on time when a later shorter sleep is due after it")
{
    // The timer wheel's level 0 reaches 256 ms. The 300 ms sleep waits in level 1
    // for its slot's cascade (slots are aligned on 256 ms of the clock: start where
    // that cascade comes 260-280 ms later); a 250 ms sleep started 200 ms later goes
    // into level 0, due 150 ms after the first; a 220 ms sleep wakes the loop in
    // between, and the loop sleeps until the wheel's next wake. The margins are wide:
    // a loaded machine wakes the loop late, but never 150 ms late.
    rt::Loop loop(QStringLiteral("main"));
    REQUIRE(runUntil([] {
        const std::int64_t offsetInSlot = (rt::monotonicMs() + 300) % 256;
        return offsetInSlot >= 20 && offsetInSlot < 40;
    }).reached);
    std::int64_t longEnd = 0, laterEnd = 0, wakeEnd = 0;
    const std::int64_t t0 = rt::monotonicNs();
    auto longer = rt::spawn(sleepsThenNotes(0ms, 300ms, &longEnd));
    auto later = rt::spawn(sleepsThenNotes(200ms, 250ms, &laterEnd));
    auto wake = rt::spawn(sleepsThenNotes(0ms, 220ms, &wakeEnd));
    REQUIRE(runUntilIdle(loop).reached);
    const double longMs = double(longEnd - t0) / 1e6;
    const double laterMs = double(laterEnd - t0) / 1e6;
    CHECK(longMs >= 300.0);
    CHECK(longMs < 380.0);
    CHECK(laterMs - longMs >= 80.0);
}

TEST_CASE("a named task's out-of-line fields are pooled like its frame and go back when it ends")
{
    rt::Loop loop(QStringLiteral("main"));
    const auto before = rt::detail::livePooledBlocks();
    {
        auto plain = rt::spawn(sleepThenReturn(1ms, 1));
        CHECK(rt::detail::livePooledBlocks() == before + 1);
        rt::SpawnOptions named;
        named.name = QStringLiteral("sleeper[7]");
        auto withName = rt::spawn(sleepThenReturn(1ms, 2), named);
        CHECK(rt::detail::livePooledBlocks() == before + 3);
        REQUIRE(runUntilFinished(withName).reached);
        REQUIRE(runUntilIdle(loop).reached);
        CHECK(withName->name() == QStringLiteral("sleeper[7]"));
        CHECK(plain->name().isEmpty());
    }
    CHECK(rt::detail::livePooledBlocks() == before);
}

namespace {
Task<int> sleepThenReturnNumber(std::chrono::milliseconds d, double number)
{
    co_await rt::sleep(d);
    rt::Loop::currentTask()->setResultNumber(number);
    co_return 0;
}
} // namespace

TEST_CASE("a repeat's copy holds only its frame: its shared name and its number result live in the task")
{
    // A million copies of a sleep each had a 96-byte block of extras for these two.
    rt::Loop loop(QStringLiteral("main"));
    const auto before = rt::detail::livePooledBlocks();
    {
        rt::SpawnOptions copy;
        copy.name = QStringLiteral("sleepers");
        copy.copyIndex = 7;
        auto seventh = rt::spawn(sleepThenReturnNumber(1ms, 1.5), copy);
        copy.copyIndex = 8;
        auto eighth = rt::spawn(sleepThenReturnNumber(1ms, 2.5), copy);
        CHECK(rt::detail::livePooledBlocks() == before + 2);
        REQUIRE(runUntilFinished(eighth).reached);
        REQUIRE(runUntilIdle(loop).reached);
        CHECK(rt::detail::livePooledBlocks() == before + 2);
        CHECK(seventh->name() == QStringLiteral("sleepers[7]"));
        CHECK(eighth->name() == QStringLiteral("sleepers[8]"));
    }
    CHECK(rt::detail::livePooledBlocks() == before);
}

TEST_CASE("a task ends with the number result it set, journalled as the number")
{
    rt::Loop loop(QStringLiteral("main"));
    auto t = rt::spawn(sleepThenReturnNumber(1ms, 0.25));
    REQUIRE(runUntilFinished(t).reached);
    rt::JournalBatch b;
    loop.journal().publish();
    loop.journal().drain(b);
    const auto done = std::find_if(b.events.begin(), b.events.end(), [](const rt::Event &e) { return e.type == EventType::Done; });
    REQUIRE(done != b.events.end());
    CHECK((done->flags & rt::kNumberResult) != 0);
    CHECK(std::bit_cast<double>(done->arg) == 0.25);
}

TEST_CASE("no timer and no frame is left once every task has ended")
{
    const auto blocksBefore = rt::detail::livePooledBlocks();
    {
        rt::Loop loop(QStringLiteral("main"));
        std::vector<Task<int>> tasks;
        for (int i = 0; i < 200; ++i)
            tasks.push_back(rt::spawn(sleepThenReturn(std::chrono::milliseconds(1 + i % 30), i)));
        tasks[5]->cancel();
        tasks[17]->cancel();
        REQUIRE(runUntilIdle(loop).reached);
        CHECK(loop.timerCount() == 0);
        CHECK(loop.liveTaskCount() == 0);
    }
    CHECK(rt::detail::livePooledBlocks() == blocksBefore);
}

TEST_CASE("tasks let go of later are released a chunk at a time, outside any step, and all of them in the end")
{
    // A repeat's million finished copies freed in its last step held the loop 50-100 ms
    // (docs/spec/taskset-format.md, "Big results").
    rt::Loop loop(QStringLiteral("main"));
    const auto before = rt::detail::livePooledBlocks();
    constexpr int kTasks = 10'000;
    std::vector<Task<int>> tasks;
    for (int i = 0; i < kTasks; ++i)
        tasks.push_back(rt::spawn(sleepThenReturn(0ms, i)));
    REQUIRE(runUntilIdle(loop).reached);
    CHECK(rt::detail::livePooledBlocks() == before + kTasks);
    loop.journal().publish();
    rt::JournalBatch b;
    loop.journal().drain(b);

    rt::releaseLater(std::move(tasks));
    CHECK(loop.releasesPending());
    CHECK(rt::detail::livePooledBlocks() == before + kTasks); // none in the caller's step
    REQUIRE(runUntil([&] { return !loop.releasesPending(); }).reached);
    CHECK(rt::detail::livePooledBlocks() == before);
    // No step ran for it: nothing journalled, no stall.
    loop.journal().publish();
    loop.journal().drain(b);
    CHECK(b.events.empty());
}

TEST_CASE("a task group counts its tasks, says when empty, and cancels them all")
{
    rt::Loop loop(QStringLiteral("main"));
    int emptied = 0;
    rt::TaskGroup group(loop, [&] { ++emptied; });
    std::vector<Task<int>> tasks;
    for (int i = 0; i < 5; ++i)
        tasks.push_back(rt::spawn(sleepThenReturn(10s, i), {QString(), {}, 0, 0, &group}));
    auto outsider = rt::spawn(sleepThenReturn(30ms, 9));
    CHECK(group.liveCount() == 5);
    group.cancelAll(rt::CancelReason::deadline());
    REQUIRE(runUntil([&] { return emptied == 1; }).reached);
    for (auto &t : tasks)
        CHECK(t->cancelReason().kind == rt::CancelKind::Deadline);
    CHECK(outsider->state() != TaskState::Cancelled);

    SECTION("a task that joins after cancelAll is cancelled before it starts")
    {
        int steps = 0;
        auto late = rt::spawn(sleepThenReturn(1ms, 1), {QString(), {}, 0, 0, &group});
        REQUIRE(runUntilFinished(late).reached);
        CHECK(late->state() == TaskState::Cancelled);
        CHECK(late->cancelReason().kind == rt::CancelKind::Deadline);
        CHECK(steps == 0);
    }
    REQUIRE(runUntilIdle(loop).reached);
}

TEST_CASE("findTasks finds exactly the unfinished tasks asked for, dense or sparse")
{
    rt::Loop loop(QStringLiteral("main"));
    std::vector<Task<int>> tasks;
    for (int i = 0; i < 300; ++i)
        tasks.push_back(rt::spawn(sleepThenReturn(i % 3 == 0 ? 1ms : 10s, i), {}));
    REQUIRE(runUntil([&] { return loop.liveTaskCount() == 200; }).reached);

    std::mt19937 rng(7);
    for (int round = 0; round < 200; ++round) {
        // Ids near the tasks' (some not made, some finished), from a few to all.
        std::vector<std::uint64_t> ids;
        const std::uint64_t first = tasks.front()->id();
        const std::size_t want = 1 + rng() % (round % 2 ? 8 : 320);
        for (std::size_t i = 0; i < want; ++i)
            ids.push_back(first - 5 + rng() % (round % 3 ? 310 : 100000));
        std::sort(ids.begin(), ids.end());
        ids.erase(std::unique(ids.begin(), ids.end()), ids.end());

        std::set<std::uint64_t> expected;
        for (const auto &t : tasks) {
            if (!t->finished() && std::binary_search(ids.begin(), ids.end(), t->id()))
                expected.insert(t->id());
        }
        std::vector<std::uint64_t> got;
        for (const rt::TaskRef &t : loop.findTasks(ids))
            got.push_back(t->id());
        // In creation order, each once.
        CHECK(got == std::vector<std::uint64_t>(expected.begin(), expected.end()));
    }
}

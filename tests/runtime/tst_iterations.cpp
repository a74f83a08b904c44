// The loop's iterations are asyncio's _run_once, and every await resumes as many
// iterations after what it waits for as in asyncio (docs/spec/taskset-format.md,
// Fine points, "Iterations"). A ticker task that yields every iteration and runs
// first in each one numbers the iterations.

#include "helpers.h"

#include <catch2/catch.hpp>

#include <thread>

using namespace coroscope;
using namespace coroscope::testing;

namespace {

struct Ticks {
    int now = 0;
    bool stop = false;
};

// Runs first in every iteration: spawned first, it schedules its next step before
// anything else of the iteration can schedule one.
Task<int> ticker(Ticks *t)
{
    while (!t->stop) {
        ++t->now;
        co_await rt::sleep(0ms);
    }
    co_return 0;
}

// Ends in its second step and notes that iteration.
Task<int> endsAfterAYield(Ticks *t, int *endedAt)
{
    co_await rt::sleep(0ms);
    *endedAt = t->now;
    co_return 1;
}

template<typename Await>
Task<int> measure(Ticks *t, int *endedAt, int *resumedAt, Await await)
{
    co_await await(rt::spawn(endsAfterAYield(t, endedAt)));
    *resumedAt = t->now;
    t->stop = true;
    co_return 0;
}

// The iterations between a child's end and its awaiter's resumption.
template<typename Await>
int hopsOf(Await await)
{
    rt::Loop loop(QStringLiteral("main"));
    Ticks ticks;
    int endedAt = -1;
    int resumedAt = -1;
    auto tick = rt::spawn(ticker(&ticks));
    auto m = rt::spawn(measure(&ticks, &endedAt, &resumedAt, await));
    REQUIRE(runUntilFinished(m).reached);
    REQUIRE(runUntilFinished(tick).reached);
    REQUIRE(endedAt > 0);
    return resumedAt - endedAt;
}

void busyFor(std::chrono::milliseconds d)
{
    const auto end = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < end) {
    }
}

Task<int> sleepThenNote(std::chrono::milliseconds d, std::vector<QString> *order, QString what)
{
    co_await rt::sleep(d);
    order->push_back(what);
    co_return 0;
}

// Stalls its first step, then notes each of `steps` further steps.
Task<int> stallThenYield(std::chrono::milliseconds stall, int steps, std::vector<QString> *order)
{
    busyFor(stall);
    for (int i = 1; i <= steps; ++i) {
        co_await rt::sleep(0ms);
        order->push_back(QStringLiteral("A%1").arg(i));
    }
    co_return 0;
}

} // namespace

TEST_CASE("a timer that came due runs at the next iteration's start, after the steps that were ready")
{
    // asyncio: the timer is moved to the ready queue behind A's step of iteration 2;
    // it wakes B, which resumes in iteration 3 behind A's next step.
    rt::Loop loop(QStringLiteral("main"));
    std::vector<QString> order;
    auto b = rt::spawn(sleepThenNote(1ms, &order, QStringLiteral("B")));
    auto a = rt::spawn(stallThenYield(5ms, 4, &order));
    REQUIRE(runUntilIdle(loop).reached);
    CHECK(order == std::vector<QString>{QStringLiteral("A1"), QStringLiteral("A2"), QStringLiteral("B"),
                                        QStringLiteral("A3"), QStringLiteral("A4")});
}

namespace {
// Stalls its first step, then waits with a zero timeout on a child that takes long.
Task<int> stallThenZeroTimeout(std::chrono::milliseconds stall, std::vector<QString> *order)
{
    busyFor(stall);
    auto child = rt::spawn(sleepThenReturn(1s, 1));
    (void)co_await rt::wait(rt::taskList(child), rt::ReturnWhen::AllCompleted, 0ms);
    order->push_back(QStringLiteral("zero timeout"));
    child->cancel();
    co_return 0;
}
} // namespace

TEST_CASE("a zero timeout made after a stall fires after the timers that came due during it")
{
    // asyncio's call_later(0) is due at the time it is made: after the 20 ms sleep
    // that came due during the 60 ms stall, so the sleeper wakes first.
    rt::Loop loop(QStringLiteral("main"));
    std::vector<QString> order;
    auto b = rt::spawn(sleepThenNote(20ms, &order, QStringLiteral("sleep")));
    auto a = rt::spawn(stallThenZeroTimeout(60ms, &order));
    REQUIRE(runUntilIdle(loop).reached);
    CHECK(order == std::vector<QString>{QStringLiteral("sleep"), QStringLiteral("zero timeout")});
}

TEST_CASE("a zero timeout fires in the next iteration, however much is ready")
{
    // wait(timeout=0): the timer fires at the end of the next iteration and the
    // waiter resumes in the one after; a child that needs three steps is pending.
    rt::Loop loop(QStringLiteral("main"));
    bool pendingOne = false;
    auto w = rt::spawn([](bool *pending) -> Task<int> {
        auto child = rt::spawn([]() -> Task<int> {
            co_await rt::sleep(0ms);
            co_await rt::sleep(0ms);
            co_return 1;
        }());
        auto r = co_await rt::wait(rt::taskList(child), rt::ReturnWhen::AllCompleted, 0ms);
        *pending = r.pending.size() == 1;
        co_return 0;
    }(&pendingOne));
    REQUIRE(runUntilIdle(loop).reached);
    CHECK(pendingOne);
}

TEST_CASE("each await resumes as many iterations after the child's end as in asyncio")
{
    SECTION("co_await task: the awaiter's wake-up is the done-callback (1)")
    {
        CHECK(hopsOf([](Task<int> c) -> rt::TaskAwaiter<int> { return c.operator co_await(); }) == 1);
    }
    SECTION("co_await task with a done-callback added first: still 1")
    {
        CHECK(hopsOf([](Task<int> c) {
                  c->addDoneCallback([](rt::TaskCore &) {}, QStringLiteral("{}"));
                  return c.operator co_await();
              }) == 1);
    }
    SECTION("gather: its done-callback sets its future, which wakes the awaiter (2)")
    {
        CHECK(hopsOf([](Task<int> c) { return rt::gather(rt::taskList(c)); }) == 2);
    }
    SECTION("wait: _on_completion, then the waiter (2)")
    {
        CHECK(hopsOf([](Task<int> c) { return rt::wait(rt::taskList(c)); }) == 2);
    }
    SECTION("shield(task): the shield's callback, then the waiter (2)")
    {
        CHECK(hopsOf([](Task<int> c) { return rt::shield(c); }) == 2);
    }
    SECTION("shield(gather): gather's callback, the shield's, then the waiter (3)")
    {
        CHECK(hopsOf([](Task<int> c) { return rt::gather(rt::taskList(c), rt::Shield); }) == 3);
    }
}

#include "helpers.h"

#include <QFuture>
#include <QPromise>
#include <QBuffer>

#include <algorithm>

#include <catch2/catch.hpp>

using namespace coroscope;
using namespace coroscope::testing;
using rt::CancelKind;
using rt::EventType;
using rt::TaskState;

namespace {
Task<int> countsSteps(int *steps)
{
    ++*steps;
    co_await rt::sleep(10ms);
    ++*steps;
    co_return 1;
}

// Catches the cancellation, awaits a cleanup (outside the catch block), re-raises.
Task<int> cleansUpThenReraises(bool *cleanedUp)
{
    std::exception_ptr cancelled;
    try {
        co_await rt::sleep(10s);
    } catch (const rt::Cancelled &) {
        cancelled = std::current_exception();
    }
    if (cancelled) {
        co_await rt::sleep(20ms); // async cleanup; no second Cancelled here
        *cleanedUp = true;
        std::rethrow_exception(cancelled);
    }
    co_return 0;
}

Task<int> swallowsCancel()
{
    try {
        co_await rt::sleep(10s);
    } catch (const rt::Cancelled &) {
        co_return -1;
    }
    co_return 0;
}

Task<int> countsCancelsAcrossAwaits(int *cancelsSeen)
{
    for (int i = 0; i < 3; ++i) {
        try {
            co_await rt::sleep(30ms);
        } catch (const rt::Cancelled &) {
            ++*cancelsSeen;
        }
    }
    co_return *cancelsSeen;
}

Task<int> gathersThree(std::vector<Task<int>> *children)
{
    *children = rt::taskList(sleepThenReturn(10s, 1), sleepThenReturn(10s, 2), sleepThenReturn(10s, 3));
    auto r = co_await rt::gather(*children);
    co_return int(r.size());
}

Task<int> getsFromQueue(rt::Queue<int> *q)
{
    co_return co_await q->get();
}

Task<int> awaitsFuture(QFuture<int> f)
{
    co_return co_await rt::awaitFuture(f);
}

Task<int> awaitsReadyRead(QBuffer *buffer)
{
    co_await rt::awaitSignal(buffer, &QIODevice::readyRead);
    co_return 1;
}

Task<int> cancelsOther(Task<int> other)
{
    co_await rt::sleep(5ms);
    other->cancel(rt::CancelReason::byTaskId(rt::Loop::currentTask()->id()));
    co_return 0;
}
} // namespace

TEST_CASE("cancelling a task before it starts means it never runs")
{
    rt::Loop loop(QStringLiteral("main"));
    int steps = 0;
    auto t = rt::spawn(countsSteps(&steps));
    CHECK(t->cancel());
    REQUIRE(runUntilFinished(t).reached);
    CHECK(steps == 0);
    CHECK(t->state() == TaskState::Cancelled);
    CHECK(t->cancelReason().kind == CancelKind::User);
    CHECK_THROWS_AS(t.result(), rt::Cancelled);
    CHECK(eventTypesOf(drainAll(loop), t->id()) ==
          std::vector{EventType::Created, EventType::CancelRequested, EventType::Cancelled});
}

TEST_CASE("cancelling a sleeping task raises Cancelled at its sleep at once")
{
    rt::Loop loop(QStringLiteral("main"));
    int steps = 0;
    auto t = rt::spawn(countsSteps(&steps));
    runUntil([&] { return steps == 1; });
    const auto t0 = rt::monotonicNs();
    CHECK(t->cancel());
    REQUIRE(runUntilFinished(t).reached);
    CHECK((rt::monotonicNs() - t0) < 5'000'000);
    CHECK(steps == 1);
    CHECK(t->state() == TaskState::Cancelled);
    CHECK(loop.timerCount() == 0);
}

TEST_CASE("a cancelled task can clean up asynchronously and re-raise")
{
    rt::Loop loop(QStringLiteral("main"));
    bool cleanedUp = false;
    auto t = rt::spawn(cleansUpThenReraises(&cleanedUp));
    runUntil([&] { return t->state() == TaskState::Running; });
    t->cancel();
    REQUIRE(runUntilFinished(t).reached);
    CHECK(cleanedUp);
    CHECK(t->state() == TaskState::Cancelled);
}

TEST_CASE("a task that swallows its cancellation ends done")
{
    rt::Loop loop(QStringLiteral("main"));
    auto t = rt::spawn(swallowsCancel());
    runUntil([&] { return t->state() == TaskState::Running; });
    t->cancel();
    REQUIRE(runUntilFinished(t).reached);
    CHECK(t->state() == TaskState::Done);
    CHECK(t.result() == -1);
    CHECK(t->cancelRequested());
}

TEST_CASE("one cancel raises Cancelled exactly once")
{
    rt::Loop loop(QStringLiteral("main"));
    int seen = 0;
    auto t = rt::spawn(countsCancelsAcrossAwaits(&seen));
    runUntil([&] { return t->state() == TaskState::Running; });
    t->cancel();
    t->cancel(); // a second request before the first is delivered adds nothing
    REQUIRE(runUntilFinished(t).reached);
    CHECK(t.result() == 1);
}

TEST_CASE("cancelling a task at a gather cancels the children first, with reason parent")
{
    rt::Loop loop(QStringLiteral("main"));
    std::vector<Task<int>> children;
    auto t = rt::spawn(gathersThree(&children));
    runUntil([&] { return children.size() == 3 && children[2]->state() == TaskState::Running; });
    t->cancel();
    REQUIRE(runUntilFinished(t).reached);
    CHECK(t->state() == TaskState::Cancelled);
    CHECK(t->cancelReason().kind == CancelKind::User);
    for (auto &c : children) {
        CHECK(c->state() == TaskState::Cancelled);
        CHECK(c->cancelReason().kind == CancelKind::Parent);
    }
}

TEST_CASE("cancelling a task at queue.get leaves the queue usable")
{
    rt::Loop loop(QStringLiteral("main"));
    rt::Queue<int> q;
    auto getter = rt::spawn(getsFromQueue(&q));
    runUntil([&] { return getter->state() == TaskState::Running; });
    getter->cancel();
    REQUIRE(runUntilFinished(getter).reached);
    CHECK(getter->state() == TaskState::Cancelled);
    q.putNowait(5);
    auto second = rt::spawn(getsFromQueue(&q));
    REQUIRE(runUntilFinished(second).reached);
    CHECK(second.result() == 5);
}

TEST_CASE("cancelling a task at an awaited QFuture ends it at once and drops the late result")
{
    rt::Loop loop(QStringLiteral("main"));
    QPromise<int> promise;
    QFuture<int> future = promise.future();
    promise.start();
    auto t = rt::spawn(awaitsFuture(future));
    runUntil([&] { return t->state() == TaskState::Running; });
    t->cancel();
    REQUIRE(runUntilFinished(t, 1s).reached);
    CHECK(t->state() == TaskState::Cancelled);
    CHECK(future.isCanceled());
    promise.addResult(3); // arrives late: nobody may touch the ended task
    promise.finish();
    spinFor(30ms);
    CHECK(t->state() == TaskState::Cancelled);
}

TEST_CASE("an awaited QFuture's result reaches the task")
{
    rt::Loop loop(QStringLiteral("main"));
    QPromise<int> promise;
    promise.start();
    auto t = rt::spawn(awaitsFuture(promise.future()));
    runUntil([&] { return t->state() == TaskState::Running; });
    promise.addResult(11);
    promise.finish();
    REQUIRE(runUntilFinished(t).reached);
    CHECK(t.result() == 11);
}

TEST_CASE("the first cancellation reason stays and names the cancelling task")
{
    rt::Loop loop(QStringLiteral("main"));
    auto victim = rt::spawn(sleepThenReturn(10s, 0));
    auto killer = rt::spawn(cancelsOther(victim));
    REQUIRE(runUntilFinished(victim).reached);
    victim->cancel(rt::CancelReason::deadline());
    CHECK(victim->cancelReason().kind == CancelKind::Task);
    CHECK(victim->cancelReason().byTask == killer->id());
    const auto events = drainAll(loop);
    int requests = 0;
    for (const rt::Event &e : events.events) {
        if (e.task == victim->id() && e.type == EventType::CancelRequested) {
            ++requests;
            CHECK(e.kind == std::uint8_t(CancelKind::Task));
            CHECK(e.arg == killer->id());
        }
    }
    CHECK(requests == 1);
}

TEST_CASE("cancel returns false for a finished task")
{
    rt::Loop loop(QStringLiteral("main"));
    auto t = rt::spawn(sleepThenReturn(1ms, 1));
    REQUIRE(runUntilFinished(t).reached);
    CHECK_FALSE(t->cancel());
    CHECK(t->state() == TaskState::Done);
}

TEST_CASE("cancelAll cancels every unfinished task of the loop with the given reason")
{
    rt::Loop loop(QStringLiteral("main"));
    std::vector<Task<int>> tasks;
    for (int i = 0; i < 50; ++i)
        tasks.push_back(rt::spawn(sleepThenReturn(10s, i)));
    spinFor(10ms);
    loop.cancelAll(rt::CancelReason::deadline());
    REQUIRE(runUntilIdle(loop).reached);
    for (auto &t : tasks) {
        CHECK(t->state() == TaskState::Cancelled);
        CHECK(t->cancelReason().kind == CancelKind::Deadline);
    }
}

TEST_CASE("a task resumes at the next emission of an awaited signal")
{
    rt::Loop loop(QStringLiteral("main"));
    QBuffer buffer;
    buffer.open(QIODevice::ReadWrite);
    auto t = rt::spawn(awaitsReadyRead(&buffer));
    runUntil([&] { return t->state() == TaskState::Running; });
    spinFor(10ms);
    CHECK(t->state() == TaskState::Running);
    buffer.write("x");
    REQUIRE(runUntilFinished(t).reached);
    CHECK(t.result() == 1);
}

namespace {
Task<int> leafSleeper(std::chrono::milliseconds d)
{
    co_await rt::sleep(d);
    co_return 1;
}
} // namespace

TEST_CASE("a task that does not catch Cancelled ends cancelled at its next step, without resuming")
{
    rt::Loop loop(QStringLiteral("main"));
    rt::SpawnOptions leaf;
    leaf.catchesCancel = false;
    auto t = rt::spawn(leafSleeper(10s), leaf);
    runUntil([&] { return t->state() == TaskState::Running; });
    CHECK(t->cancel());
    CHECK(t->state() == TaskState::Running); // as in asyncio: it ends at its next step
    CHECK(t->cancel());                      // so a second cancel still returns true
    REQUIRE(runUntilFinished(t).reached);
    CHECK(t->state() == TaskState::Cancelled);
    CHECK(t->cancelReason().kind == CancelKind::User);
    CHECK(loop.timerCount() == 0);
    CHECK(eventTypesOf(drainAll(loop), t->id()) ==
          std::vector{EventType::Created, EventType::Started, EventType::Suspended, EventType::CancelRequested,
                      EventType::Cancelled});
}

namespace {
Task<int> failsInCancelHandler()
{
    try {
        co_await rt::sleep(10s);
    } catch (const rt::Cancelled &) {
        throw rt::TaskError(QStringLiteral("cleanup broke"));
    }
    co_return 0;
}
} // namespace

TEST_CASE("a task that fails inside its cancel handler ends failed with that error, and the loop goes on")
{
    rt::Loop loop(QStringLiteral("main"));
    auto t = rt::spawn(failsInCancelHandler());
    auto other = rt::spawn(sleepThenReturn(30ms, 5));
    runUntil([&] { return t->state() == TaskState::Running; });
    t->cancel();
    REQUIRE(runUntilFinished(t).reached);
    CHECK(t->state() == TaskState::Failed);
    CHECK(t->errorText() == QStringLiteral("cleanup broke"));
    CHECK(t->cancelReason().kind == CancelKind::User); // the request is still on record
    REQUIRE(runUntilFinished(other).reached);
    CHECK(other.result() == 5);
}

namespace {
// Cancels itself (asyncio: asyncio.current_task().cancel()), then awaits `child`.
Task<int> cancelsItselfThenAwaits(Task<int> child, bool *passedTheAwait)
{
    (void)rt::Loop::currentTask()->cancel();
    const int r = co_await child;
    *passedTheAwait = true;
    co_return r;
}

Task<int> cancelsItselfThenSleeps(bool *passedTheAwait)
{
    (void)rt::Loop::currentTask()->cancel();
    co_await rt::sleep(10ms);
    *passedTheAwait = true;
    co_return 1;
}

Task<int> cancelsItselfThenReturns()
{
    (void)rt::Loop::currentTask()->cancel();
    co_return 1;
}

Task<int> awaitsTask(Task<int> child)
{
    co_return co_await child;
}
} // namespace

TEST_CASE("a task that cancels itself gets Cancelled at its next await, which it cancels")
{
    rt::Loop loop(QStringLiteral("main"));
    bool passed = false;
    SECTION("awaiting a child: the child is cancelled first, with reason parent")
    {
        auto child = rt::spawn(sleepThenReturn(10s, 1));
        auto t = rt::spawn(cancelsItselfThenAwaits(child, &passed));
        REQUIRE(runUntilFinished(t, 2s).reached);
        CHECK(t->state() == TaskState::Cancelled);
        CHECK(t->cancelReason().kind == CancelKind::User);
        CHECK(child->state() == TaskState::Cancelled);
        CHECK(child->cancelReason().kind == CancelKind::Parent);
    }
    SECTION("awaiting a sleep: it parks on the sleep, which is cancelled")
    {
        auto t = rt::spawn(cancelsItselfThenSleeps(&passed));
        REQUIRE(runUntilFinished(t, 2s).reached);
        CHECK(t->state() == TaskState::Cancelled);
        const auto types = eventTypesOf(drainAll(loop), t->id());
        CHECK(std::count(types.begin(), types.end(), EventType::Suspended) == 1);
        CHECK(loop.timerCount() == 0);
    }
    CHECK_FALSE(passed);
}

TEST_CASE("a task that cancels itself and then returns ends cancelled, not done")
{
    rt::Loop loop(QStringLiteral("main"));
    auto t = rt::spawn(cancelsItselfThenReturns());
    REQUIRE(runUntilFinished(t).reached);
    CHECK(t->state() == TaskState::Cancelled);
    CHECK(t->cancelReason().kind == CancelKind::User);
    CHECK_THROWS_AS(t.result(), rt::Cancelled);
    const auto types = eventTypesOf(drainAll(loop), t->id());
    CHECK(std::count(types.begin(), types.end(), EventType::Done) == 0);
    CHECK(std::count(types.begin(), types.end(), EventType::Cancelled) == 1);
}

TEST_CASE("a done-callback of the awaited child that cancels the awaiting task ends that task cancelled")
{
    // The child has ended, but the task waiting on it wakes only after the child's
    // done-callbacks: asyncio's Task.cancel() then finds nothing to cancel under it
    // and raises CancelledError in the task itself.
    rt::Loop loop(QStringLiteral("main"));
    auto child = rt::spawn(sleepThenReturn(10ms, 1));
    auto parent = rt::spawn(awaitsTask(child));
    rt::TaskCore *target = parent.core();
    bool cancelAnswered = false;
    child->addDoneCallback([target, &cancelAnswered](rt::TaskCore &) { cancelAnswered = target->cancel(); },
                           QStringLiteral("cancel the awaiting task"));
    REQUIRE(runUntilFinished(parent).reached);
    CHECK(cancelAnswered);
    CHECK(child->state() == TaskState::Done);
    CHECK(parent->state() == TaskState::Cancelled);
    CHECK(parent->cancelReason().kind == CancelKind::User);
}

TEST_CASE("a done-callback that cancels a running task of the loop ends it cancelled at its await")
{
    rt::Loop loop(QStringLiteral("main"));
    auto other = rt::spawn(sleepThenReturn(10ms, 1));
    auto running = rt::spawn(sleepThenReturn(10s, 2));
    rt::TaskCore *target = running.core();
    other->addDoneCallback([target](rt::TaskCore &) { (void)target->cancel(); }, QStringLiteral("cancel"));
    REQUIRE(runUntilFinished(running, 2s).reached);
    CHECK(running->state() == TaskState::Cancelled);
    CHECK(other->state() == TaskState::Done);
}

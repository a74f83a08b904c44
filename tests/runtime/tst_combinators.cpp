#include "helpers.h"

#include <catch2/catch.hpp>

#include <QJsonArray>

#include <random>

using namespace coroscope;
using namespace coroscope::testing;
using rt::CancelKind;
using rt::ReturnWhen;
using rt::TaskState;

namespace {
Task<std::vector<int>> gatherOf(std::vector<Task<int>> tasks)
{
    co_return co_await rt::gather(std::move(tasks));
}

Task<std::vector<int>> gatherReturnExceptions(std::vector<Task<int>> tasks, std::vector<TaskState> *states)
{
    auto done = co_await rt::gather(std::move(tasks), rt::ReturnExceptions);
    std::vector<int> values;
    for (auto &t : done) {
        states->push_back(t->state());
        values.push_back(t->state() == TaskState::Done ? t.result() : -1);
    }
    co_return values;
}

struct WaitOutcome {
    std::vector<std::uint64_t> done, pending;
};
Task<int> waitOf(std::vector<Task<int>> tasks, ReturnWhen when, std::optional<std::chrono::milliseconds> timeout,
                 WaitOutcome *out)
{
    auto r = co_await rt::wait(std::move(tasks), when, timeout);
    for (auto &t : r.done)
        out->done.push_back(t->id());
    for (auto &t : r.pending)
        out->pending.push_back(t->id());
    co_return int(r.done.size());
}

Task<int> asCompletedOf(std::vector<Task<int>> tasks, std::optional<std::chrono::milliseconds> timeout,
                        std::vector<int> *results, std::vector<double> *atMs)
{
    const auto t0 = rt::monotonicNs();
    rt::AsCompleted<int> ac(std::move(tasks), timeout);
    while (ac.hasNext()) {
        results->push_back(co_await ac.next());
        atMs->push_back(double(rt::monotonicNs() - t0) / 1e6);
    }
    co_return int(results->size());
}

Task<int> waitForOf(Task<int> task, std::chrono::milliseconds timeout)
{
    co_return co_await rt::waitFor(std::move(task), timeout);
}
} // namespace

TEST_CASE("gather returns results in the children's order, after the slowest")
{
    rt::Loop loop(QStringLiteral("main"));
    const auto t0 = rt::monotonicNs();
    auto g = rt::spawn(gatherOf(rt::taskList(sleepThenReturn(60ms, 1), sleepThenReturn(20ms, 2), sleepThenReturn(40ms, 4))));
    REQUIRE(runUntilFinished(g).reached);
    CHECK(g.result() == std::vector{1, 2, 4});
    CHECK(rt::monotonicNs() - t0 >= 60'000'000);
}

TEST_CASE("gather fails with the first child's error and leaves the others running")
{
    rt::Loop loop(QStringLiteral("main"));
    auto slow = sleepThenReturn(80ms, 1);
    auto g = rt::spawn(gatherOf(rt::taskList(slow, sleepThenFail(10ms, QStringLiteral("first")),
                                             sleepThenFail(30ms, QStringLiteral("second")))));
    REQUIRE(runUntilFinished(g).reached);
    CHECK(g->state() == TaskState::Failed);
    CHECK(g->errorText() == QStringLiteral("first"));
    CHECK(slow->state() == TaskState::Running);
    REQUIRE(runUntilFinished(slow).reached);
    CHECK(slow->state() == TaskState::Done);
}

TEST_CASE("gather with a cancelled child ends cancelled with the child's reason")
{
    rt::Loop loop(QStringLiteral("main"));
    auto victim = sleepThenReturn(10s, 1);
    auto g = rt::spawn(gatherOf(rt::taskList(victim, sleepThenReturn(10ms, 2))));
    runUntil([&] { return victim->state() == TaskState::Running; });
    victim->cancel(rt::CancelReason::timeout());
    REQUIRE(runUntilFinished(g).reached);
    CHECK(g->state() == TaskState::Cancelled);
    CHECK(g->cancelReason().kind == CancelKind::Timeout);
}

TEST_CASE("gather with return_exceptions waits for all and gives every outcome")
{
    rt::Loop loop(QStringLiteral("main"));
    std::vector<TaskState> states;
    auto victim = sleepThenReturn(10s, 3);
    auto g = rt::spawn(gatherReturnExceptions(
        rt::taskList(sleepThenReturn(30ms, 1), sleepThenFail(5ms, QStringLiteral("bad")), victim), &states));
    runUntil([&] { return victim->state() == TaskState::Running; });
    victim->cancel();
    REQUIRE(runUntilFinished(g).reached);
    CHECK(g.result() == std::vector{1, -1, -1});
    CHECK(states == std::vector{TaskState::Done, TaskState::Failed, TaskState::Cancelled});
}

TEST_CASE("wait with each return_when gives done and pending without cancelling")
{
    rt::Loop loop(QStringLiteral("main"));
    WaitOutcome out;
    auto fast = sleepThenReturn(10ms, 1);
    auto failing = sleepThenFail(30ms, QStringLiteral("e"));
    auto slow = sleepThenReturn(150ms, 3);
    ReturnWhen when = ReturnWhen::AllCompleted;
    std::vector<std::uint64_t> expectDone, expectPending;

    SECTION("FIRST_COMPLETED returns after the fastest")
    {
        when = ReturnWhen::FirstCompleted;
    }
    SECTION("FIRST_EXCEPTION returns after the first failure")
    {
        when = ReturnWhen::FirstException;
    }
    SECTION("ALL_COMPLETED returns after all")
    {
        when = ReturnWhen::AllCompleted;
    }
    auto w = rt::spawn(waitOf(rt::taskList(fast, failing, slow), when, std::nullopt, &out));
    REQUIRE(runUntilFinished(w).reached);
    switch (when) {
    case ReturnWhen::FirstCompleted:
        expectDone = {fast->id()};
        expectPending = {failing->id(), slow->id()};
        break;
    case ReturnWhen::FirstException:
        expectDone = {fast->id(), failing->id()};
        expectPending = {slow->id()};
        break;
    case ReturnWhen::AllCompleted:
        expectDone = {fast->id(), failing->id(), slow->id()};
        break;
    }
    CHECK(out.done == expectDone);
    CHECK(out.pending == expectPending);
    CHECK(w->state() == TaskState::Done);
    // Pending children were left running.
    REQUIRE(runUntilIdle(loop).reached);
    CHECK(slow->state() == TaskState::Done);
}

TEST_CASE("wait with a timeout returns what is done by then and leaves the rest running")
{
    rt::Loop loop(QStringLiteral("main"));
    WaitOutcome out;
    auto fast = sleepThenReturn(10ms, 1);
    auto slow = sleepThenReturn(200ms, 2);
    ReturnWhen when = GENERATE(ReturnWhen::AllCompleted, ReturnWhen::FirstException);
    auto w = rt::spawn(waitOf(rt::taskList(fast, slow), when, 50ms, &out));
    REQUIRE(runUntilFinished(w).reached);
    CHECK(out.done == std::vector{fast->id()});
    CHECK(out.pending == std::vector{slow->id()});
    CHECK(slow->state() == TaskState::Running);
    REQUIRE(runUntilIdle(loop).reached);
    CHECK(loop.timerCount() == 0);
}

TEST_CASE("wait FIRST_COMPLETED with a timeout that passes first returns nothing done")
{
    rt::Loop loop(QStringLiteral("main"));
    WaitOutcome out;
    auto slow = sleepThenReturn(150ms, 2);
    auto w = rt::spawn(waitOf(rt::taskList(slow), ReturnWhen::FirstCompleted, 20ms, &out));
    REQUIRE(runUntilFinished(w).reached);
    CHECK(out.done.empty());
    CHECK(out.pending == std::vector{slow->id()});
    REQUIRE(runUntilIdle(loop).reached);
}

TEST_CASE("as_completed gives results in completion order")
{
    rt::Loop loop(QStringLiteral("main"));
    std::vector<int> results;
    std::vector<double> at;
    auto t = rt::spawn(asCompletedOf(
        rt::taskList(sleepThenReturn(120ms, 4), sleepThenReturn(30ms, 1), sleepThenReturn(60ms, 2)), std::nullopt,
        &results, &at));
    REQUIRE(runUntilFinished(t).reached);
    CHECK(results == std::vector{1, 2, 4});
    REQUIRE(at.size() == 3);
    CHECK(at[0] >= 30.0);
    CHECK(at[1] >= 60.0);
    CHECK(at[2] >= 120.0);
}

TEST_CASE("as_completed raises TimeoutError after its timeout and the rest keep running")
{
    rt::Loop loop(QStringLiteral("main"));
    std::vector<int> results;
    std::vector<double> at;
    auto slow = sleepThenReturn(150ms, 9);
    auto t = rt::spawn(asCompletedOf(rt::taskList(sleepThenReturn(10ms, 1), slow), 50ms, &results, &at));
    REQUIRE(runUntilFinished(t).reached);
    CHECK(results == std::vector{1});
    CHECK(t->state() == TaskState::Failed);
    CHECK(t->errorText() == QStringLiteral("timeout"));
    CHECK(slow->state() == TaskState::Running);
    REQUIRE(runUntilIdle(loop).reached);
    CHECK(slow->state() == TaskState::Done);
}

TEST_CASE("wait_for returns the result when the child finishes in time")
{
    rt::Loop loop(QStringLiteral("main"));
    auto t = rt::spawn(waitForOf(sleepThenReturn(10ms, 5), 500ms));
    REQUIRE(runUntilFinished(t).reached);
    CHECK(t.result() == 5);
    CHECK(loop.timerCount() == 0);
}

TEST_CASE("wait_for's timeout cancels the inner task, then raises TimeoutError")
{
    rt::Loop loop(QStringLiteral("main"));
    auto inner = sleepThenReturn(10s, 5);
    auto t = rt::spawn(waitForOf(inner, 30ms));
    REQUIRE(runUntilFinished(t).reached);
    CHECK(t->state() == TaskState::Failed);
    CHECK(t->errorText() == QStringLiteral("timeout"));
    CHECK(inner->state() == TaskState::Cancelled);
    CHECK(inner->cancelReason().kind == CancelKind::Timeout);
}

TEST_CASE("wait_for with timeout 0 cancels the child before it starts")
{
    rt::Loop loop(QStringLiteral("main"));
    auto inner = sleepThenReturn(10ms, 5);
    auto t = rt::spawn(waitForOf(inner, 0ms));
    REQUIRE(runUntilFinished(t).reached);
    CHECK(t->errorText() == QStringLiteral("timeout"));
    CHECK(inner->state() == TaskState::Cancelled);
    const auto events = drainAll(loop);
    CHECK(eventTypesOf(events, inner->id()) ==
          std::vector{rt::EventType::Created, rt::EventType::CancelRequested, rt::EventType::Cancelled});
}

TEST_CASE("cancelling a task in wait_for cancels the child with reason parent")
{
    rt::Loop loop(QStringLiteral("main"));
    auto inner = sleepThenReturn(10s, 5);
    auto t = rt::spawn(waitForOf(inner, 5s));
    runUntil([&] { return inner->state() == TaskState::Running; });
    t->cancel();
    REQUIRE(runUntilFinished(t).reached);
    CHECK(t->state() == TaskState::Cancelled);
    CHECK(inner->state() == TaskState::Cancelled);
    CHECK(inner->cancelReason().kind == CancelKind::Parent);
    CHECK(loop.timerCount() == 0);
}

namespace {
// A child of a gather by copy index: ends after `ms` with `value`, or fails when
// `value` is negative.
Task<QJsonValue> copyThatEnds(int ms, int value)
{
    co_await rt::sleep(std::chrono::milliseconds(ms));
    if (value < 0)
        throw rt::TaskError(QStringLiteral("copy %1").arg(-value));
    co_return QJsonValue(value);
}

struct GatherOutcome {
    QJsonArray results;
    QString error; // empty when the gather succeeded
    bool cancelled = false;
};

// The copies gathered one at a time as a repeat does (add()), by copy index, or with
// a slot a child.
Task<int> gatherInto(std::vector<Task<QJsonValue>> copies, bool byCopyIndex, GatherOutcome *out)
{
    try {
        if (byCopyIndex) {
            auto gathering = rt::gather(std::vector<Task<QJsonValue>>(), rt::Shield, rt::IntoJsonArray, rt::ByCopyIndex);
            for (auto &c : copies)
                gathering.add(std::move(c));
            out->results = co_await gathering;
        } else {
            out->results = co_await rt::gather(std::move(copies), rt::Shield, rt::IntoJsonArray);
        }
    } catch (const rt::Cancelled &) {
        out->cancelled = true;
    } catch (const std::exception &e) {
        out->error = QString::fromUtf8(e.what());
    }
    co_return 0;
}
} // namespace

TEST_CASE("a gather by copy index ends as a gather with a slot a child, on random children")
{
    rt::Loop loop(QStringLiteral("main"));
    std::mt19937 rng(GENERATE(1u, 2u, 3u, 4u, 5u, 6u, 7u, 8u));
    const int n = std::uniform_int_distribution<int>(0, 40)(rng);
    std::vector<Task<QJsonValue>> copies;
    std::vector<Task<QJsonValue>> toCancel;
    for (int i = 0; i < n; ++i) {
        // Some end at once, some fail, some are cancelled from outside; ties in time are
        // common (ms 0-5), so that several children end in one iteration.
        const int kind = std::uniform_int_distribution<int>(0, 9)(rng);
        const int ms = std::uniform_int_distribution<int>(0, 5)(rng);
        auto c = copyThatEnds(ms, kind == 0 ? -(i + 1) : i * 10);
        rt::SpawnOptions options;
        options.name = QStringLiteral("c");
        options.copyIndex = std::uint32_t(i);
        (void)rt::spawn(c, options);
        if (kind == 1)
            toCancel.push_back(c);
        copies.push_back(std::move(c));
    }
    GatherOutcome indexed, slotted;
    auto a = rt::spawn(gatherInto(copies, true, &indexed));
    auto b = rt::spawn(gatherInto(copies, false, &slotted));
    loop.callSoon([&] {
        for (auto &c : toCancel)
            c->cancel();
    });
    REQUIRE(runUntilFinished(a).reached);
    REQUIRE(runUntilFinished(b).reached);
    CHECK(indexed.cancelled == slotted.cancelled);
    CHECK(indexed.error == slotted.error);
    CHECK(indexed.results == slotted.results);
    if (!indexed.cancelled && indexed.error.isEmpty())
        CHECK(indexed.results.size() == n);
}

TEST_CASE("a gather by copy index refuses a child whose copy index is not its place")
{
    rt::Loop loop(QStringLiteral("main"));
    auto gathering = rt::gather(std::vector<Task<QJsonValue>>(), rt::Shield, rt::IntoJsonArray, rt::ByCopyIndex);
    rt::SpawnOptions options;
    options.name = QStringLiteral("c");
    options.copyIndex = 1;
    auto misplaced = rt::spawn(copyThatEnds(0, 1), options);
    CHECK_THROWS_AS(gathering.add(misplaced), std::invalid_argument);
    CHECK_THROWS_AS(gathering.add(rt::spawn(copyThatEnds(0, 1))), std::invalid_argument);
    runUntilFinished(misplaced);
}

TEST_CASE("cancelling a task at a gather by copy index raises Cancelled in it and leaves the copies running")
{
    rt::Loop loop(QStringLiteral("main"));
    std::vector<Task<QJsonValue>> copies;
    for (int i = 0; i < 3; ++i) {
        rt::SpawnOptions options;
        options.name = QStringLiteral("c");
        options.copyIndex = std::uint32_t(i);
        copies.push_back(rt::spawn(copyThatEnds(i == 0 ? 0 : 10'000, i), options));
    }
    GatherOutcome out;
    auto g = rt::spawn(gatherInto(copies, true, &out));
    runUntil([&] { return copies[0]->finished() && copies[1]->state() == TaskState::Running; });
    // Shielded, as a repeat awaits its copies: the repeat itself cancels them after.
    g->cancel();
    REQUIRE(runUntilFinished(g).reached);
    CHECK(out.cancelled);
    CHECK(copies[0]->state() == TaskState::Done);
    CHECK(copies[1]->state() == TaskState::Running);
    CHECK(copies[2]->state() == TaskState::Running);
    for (auto &c : copies)
        c->cancel();
    REQUIRE(runUntilFinished(copies[2]).reached);
}

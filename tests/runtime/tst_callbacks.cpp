#include "helpers.h"

#include <catch2/catch.hpp>

using namespace coroscope;
using namespace coroscope::testing;
using rt::TaskState;

namespace {
struct Fired {
    QString label;
    std::uint64_t task;
    TaskState stateSeen;
};

Task<int> awaitsAndRecords(Task<int> child, std::vector<QString> *order)
{
    co_await child;
    order->push_back(QStringLiteral("parent resumed"));
    co_return 0;
}

void record(std::vector<Fired> *out, QString label, rt::TaskCore &t)
{
    out->push_back({label, t.id(), t.state()});
}
} // namespace

TEST_CASE("done-callbacks run once each, after the task ends, in registration order")
{
    rt::Loop loop(QStringLiteral("main"));
    std::vector<Fired> fired;
    auto t = rt::spawn(sleepThenReturn(10ms, 1));
    t->addDoneCallback([&](rt::TaskCore &c) { record(&fired, QStringLiteral("first"), c); });
    t->addDoneCallback([&](rt::TaskCore &c) { record(&fired, QStringLiteral("second"), c); });
    t->addDoneCallback([&](rt::TaskCore &c) { record(&fired, QStringLiteral("third"), c); });
    spinFor(2ms);
    CHECK(fired.empty());
    REQUIRE(runUntilIdle(loop).reached);
    spinFor(10ms);
    REQUIRE(fired.size() == 3);
    CHECK(fired[0].label == QStringLiteral("first"));
    CHECK(fired[1].label == QStringLiteral("second"));
    CHECK(fired[2].label == QStringLiteral("third"));
    for (const Fired &f : fired)
        CHECK(f.stateSeen == TaskState::Done);
}

TEST_CASE("done-callbacks run on failed and on cancelled tasks too")
{
    rt::Loop loop(QStringLiteral("main"));
    std::vector<Fired> fired;
    auto failed = rt::spawn(sleepThenFail(5ms, QStringLiteral("x")));
    auto cancelled = rt::spawn(sleepThenReturn(10s, 1));
    failed->addDoneCallback([&](rt::TaskCore &c) { record(&fired, QStringLiteral("failed"), c); });
    cancelled->addDoneCallback([&](rt::TaskCore &c) { record(&fired, QStringLiteral("cancelled"), c); });
    cancelled->cancel();
    REQUIRE(runUntil([&] { return fired.size() == 2; }).reached);
    for (const Fired &f : fired)
        CHECK(f.stateSeen == (f.label == QStringLiteral("failed") ? TaskState::Failed : TaskState::Cancelled));
}

TEST_CASE("a callback added to a finished task runs soon, never inline")
{
    rt::Loop loop(QStringLiteral("main"));
    auto t = rt::spawn(sleepThenReturn(1ms, 1));
    REQUIRE(runUntilFinished(t).reached);
    int calls = 0;
    t->addDoneCallback([&](rt::TaskCore &) { ++calls; });
    CHECK(calls == 0);
    REQUIRE(runUntil([&] { return calls == 1; }).reached);
    spinFor(10ms);
    CHECK(calls == 1);
}

TEST_CASE("a callback with bound arguments receives them, like functools.partial")
{
    rt::Loop loop(QStringLiteral("main"));
    auto t = rt::spawn(sleepThenReturn(1ms, 1));
    std::vector<QString> got;
    t->addPartialCallback(
        [&](int n, QString s, rt::TaskCore &c) { got.push_back(QString::number(n) + s + QString::number(c.id())); },
        2, QStringLiteral("x"));
    REQUIRE(runUntil([&] { return !got.empty(); }).reached);
    CHECK(got == std::vector{QStringLiteral("2x") + QString::number(t->id())});
}

TEST_CASE("a child's done-callbacks run before the task awaiting it resumes")
{
    rt::Loop loop(QStringLiteral("main"));
    std::vector<QString> order;
    auto child = rt::spawn(sleepThenReturn(5ms, 1));
    child->addDoneCallback([&](rt::TaskCore &) { order.push_back(QStringLiteral("callback")); });
    auto parent = rt::spawn(awaitsAndRecords(child, &order));
    REQUIRE(runUntilIdle(loop).reached);
    CHECK(order == std::vector{QStringLiteral("callback"), QStringLiteral("parent resumed")});
}

TEST_CASE("each callback firing is journalled with its index")
{
    rt::Loop loop(QStringLiteral("main"));
    auto t = rt::spawn(sleepThenReturn(1ms, 1));
    t->addDoneCallback([](rt::TaskCore &) {}, QStringLiteral("first"));
    t->addDoneCallback([](rt::TaskCore &) {}); // internal: no index, no event
    t->addDoneCallback([](rt::TaskCore &) {}, QStringLiteral("second"));
    REQUIRE(runUntilIdle(loop).reached);
    spinFor(5ms);
    std::vector<std::uint64_t> indexes;
    for (const rt::Event &e : drainAll(loop).events) {
        if (e.type == rt::EventType::Callback && e.task == t->id())
            indexes.push_back(e.arg);
    }
    CHECK(indexes == std::vector<std::uint64_t>{0, 1});
}

TEST_CASE("a callback that throws is reported and the loop goes on")
{
    rt::Loop loop(QStringLiteral("main"));
    auto t = rt::spawn(sleepThenReturn(1ms, 1));
    bool secondRan = false;
    t->addDoneCallback([](rt::TaskCore &) { throw std::runtime_error("callback broke"); });
    t->addDoneCallback([&](rt::TaskCore &) { secondRan = true; });
    REQUIRE(runUntil([&] { return secondRan; }).reached);
    CHECK(t->state() == TaskState::Done);
}

TEST_CASE("a callback's description is journalled when it is added")
{
    rt::Loop loop(QStringLiteral("main"));
    auto t = rt::spawn(sleepThenReturn(1ms, 1));
    t->addDoneCallback([](rt::TaskCore &) {}, QStringLiteral("{\"kind\":\"log\"}"));
    REQUIRE(runUntilIdle(loop).reached);
    const auto b = drainAll(loop);
    bool found = false;
    for (const rt::Event &e : b.events) {
        if (e.type == rt::EventType::CallbackAdded && e.task == t->id()) {
            found = true;
            CHECK(e.arg == 0);
            CHECK(b.text(e) == QStringLiteral("{\"kind\":\"log\"}"));
        }
    }
    CHECK(found);
}

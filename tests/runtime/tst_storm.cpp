#include "helpers.h"

#include <catch2/catch.hpp>

#include <map>
#include <numeric>
#include <random>

using namespace coroscope;
using namespace coroscope::testing;
using rt::TaskState;

namespace {
Task<int> stormTask(std::chrono::milliseconds d, bool fails)
{
    co_await rt::sleep(d);
    if (fails)
        throw rt::TaskError(QStringLiteral("storm"));
    co_return 1;
}
} // namespace

TEST_CASE("20,000 tasks with random cancels each end in exactly one final state")
{
    const auto blocksBefore = rt::detail::livePooledBlocks();
    {
        rt::Loop loop(QStringLiteral("main"));
        std::mt19937 rng(20'000);
        std::vector<Task<int>> tasks;
        tasks.reserve(20'000);
        std::map<std::uint64_t, int> finalEvents;
        for (int i = 0; i < 20'000; ++i) {
            tasks.push_back(rt::spawn(stormTask(std::chrono::milliseconds(rng() % 200), rng() % 10 == 0)));
            tasks.back()->addDoneCallback([&finalEvents](rt::TaskCore &t) { ++finalEvents[t.id()]; });
        }
        // Cancel a third of them at random moments: before start, mid-sleep, after the end.
        std::vector<std::size_t> order(tasks.size());
        std::iota(order.begin(), order.end(), 0);
        std::shuffle(order.begin(), order.end(), rng);
        order.resize(tasks.size() / 3);
        std::size_t next = 0;
        for (; next < order.size() / 3; ++next)
            tasks[order[next]]->cancel();
        while (next < order.size()) {
            spinFor(5ms);
            for (std::size_t k = 0; k < 400 && next < order.size(); ++k, ++next)
                tasks[order[next]]->cancel();
        }
        REQUIRE(runUntilIdle(loop, 20s).reached);
        spinFor(10ms);
        std::size_t done = 0, failed = 0, cancelled = 0;
        for (auto &t : tasks) {
            REQUIRE(t->finished());
            done += t->state() == TaskState::Done;
            failed += t->state() == TaskState::Failed;
            cancelled += t->state() == TaskState::Cancelled;
        }
        CHECK(done + failed + cancelled == tasks.size());
        CHECK(cancelled > 0);
        CHECK(failed > 0);
        CHECK(finalEvents.size() == tasks.size());
        for (const auto &[id, count] : finalEvents)
            REQUIRE(count == 1);

        std::map<std::uint64_t, int> terminalEvents;
        for (const rt::Event &e : drainAll(loop).events) {
            if (e.type == rt::EventType::Done || e.type == rt::EventType::Failed || e.type == rt::EventType::Cancelled)
                ++terminalEvents[e.task];
        }
        CHECK(terminalEvents.size() == tasks.size());
        for (const auto &[id, count] : terminalEvents)
            REQUIRE(count == 1);
        CHECK(loop.timerCount() == 0);
    }
    CHECK(rt::detail::livePooledBlocks() == blocksBefore);
}

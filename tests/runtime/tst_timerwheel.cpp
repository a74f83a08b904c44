#include "runtime/timerwheel.h"

#include <catch2/catch.hpp>

#include <random>
#include <vector>

using coroscope::rt::TimerNode;
using coroscope::rt::TimerWheel;

namespace {
struct Probe : TimerNode {
    std::int64_t firedAt = -1;
    static TimerWheel *wheel;
};
TimerWheel *Probe::wheel = nullptr;

void recordFire(TimerNode *n)
{
    auto *p = static_cast<Probe *>(n);
    p->firedAt = Probe::wheel->currentMs();
}
} // namespace

TEST_CASE("the timer wheel fires every timer exactly at its due millisecond")
{
    const std::int64_t start = GENERATE(0, 255, 1'000'003, 16'383);
    TimerWheel wheel(start);
    Probe::wheel = &wheel;
    std::mt19937_64 rng(7);
    std::vector<Probe> probes(5000);
    for (auto &p : probes) {
        p.fire = &recordFire;
        // Spread over every level: up to about 20 minutes.
        const std::int64_t delta = std::int64_t(rng() % 4 == 0 ? rng() % 1'300'000 : rng() % 20'000) + 1;
        wheel.add(&p, start + delta);
    }
    CHECK(wheel.size() == probes.size());
    // Advance in uneven steps, as a real loop would.
    std::int64_t now = start;
    while (wheel.size() > 0) {
        const std::int64_t next = wheel.nextWakeMs();
        REQUIRE(next > now);
        now = next + std::int64_t(rng() % 3);
        wheel.advance(now);
    }
    for (const auto &p : probes) {
        REQUIRE(p.firedAt >= p.dueMs);
        REQUIRE(p.firedAt <= p.dueMs + 2);
    }
}

TEST_CASE("a removed timer never fires and the wheel empties")
{
    TimerWheel wheel(0);
    Probe::wheel = &wheel;
    std::vector<Probe> probes(100);
    for (std::size_t i = 0; i < probes.size(); ++i) {
        probes[i].fire = &recordFire;
        wheel.add(&probes[i], std::int64_t(10 + i * 100));
    }
    for (std::size_t i = 0; i < probes.size(); i += 2)
        wheel.remove(&probes[i]);
    CHECK(wheel.size() == 50);
    wheel.advance(20'000);
    CHECK(wheel.size() == 0);
    CHECK(wheel.nextWakeMs() == -1);
    for (std::size_t i = 0; i < probes.size(); ++i)
        CHECK((probes[i].firedAt >= 0) == (i % 2 == 1));
}

TEST_CASE("a timer due in the past fires on the next advance")
{
    TimerWheel wheel(500);
    Probe::wheel = &wheel;
    Probe p;
    p.fire = &recordFire;
    wheel.add(&p, 100);
    wheel.advance(501);
    CHECK(p.firedAt == 501);
}

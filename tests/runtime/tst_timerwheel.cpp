#include "runtime/timerwheel.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
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

// Checked on every operation of the property test: a REQUIRE each would cost more
// than the wheel, so a failure is reported (with its line) only when it happens.
#define EXPECT(cond)                                                                                             \
    do {                                                                                                         \
        if (!(cond))                                                                                             \
            FAIL("expected " #cond " at line " << __LINE__);                                                     \
    } while (false)

namespace {
// A node of the property test, mirrored in a plain ordered reference: the tick at
// which it must fire, mapped to the node.
struct Checked : TimerNode {
    using Reference = std::multimap<std::int64_t, Checked *>;
    Reference::iterator entry;
    bool scheduled = false;
    bool addedDue = false; // added at or before the current tick: fires at the next advance
};

struct WheelModel {
    explicit WheelModel(std::int64_t start, std::size_t nodes) : wheel(start), pool(nodes)
    {
        for (Checked &n : pool)
            n.fire = &WheelModel::onFire;
        current = this;
    }
    ~WheelModel() { current = nullptr; }

    void add(Checked &n, std::int64_t due)
    {
        if (n.scheduled)
            reference.erase(n.entry);
        // A due at or before the wheel's current tick fires at the next advance, before
        // the nodes still in the wheel (asyncio's call_later(0)).
        n.entry = reference.emplace(due, &n);
        n.scheduled = true;
        n.addedDue = due <= wheel.currentMs();
        wheel.add(&n, due);
    }
    void remove(Checked &n)
    {
        if (n.scheduled)
            reference.erase(n.entry);
        n.scheduled = false;
        wheel.remove(&n);
    }
    // Advances to `to`, then checks that nothing due by then is left.
    void advance(std::int64_t to)
    {
        // An advance to the wheel's own next wake must fire exactly the nodes due then.
        exact = to == wheel.nextWakeMs();
        from = wheel.currentMs();
        target = to;
        wheel.advance(to);
        EXPECT(wheel.currentMs() == to);
        if (!reference.empty())
            EXPECT(reference.begin()->first > to);
        checkNextWake();
    }
    void checkNextWake() const
    {
        EXPECT(wheel.size() == reference.size());
        const std::int64_t next = wheel.nextWakeMs();
        if (reference.empty()) {
            EXPECT(next == -1);
        } else {
            // Nodes added already due need no wake (the loop runs them next); the
            // wheel must wake no later than the earliest of the others.
            const auto inWheel = reference.upper_bound(wheel.currentMs());
            if (inWheel != reference.end()) {
                EXPECT(next > wheel.currentMs());
                EXPECT(next <= inWheel->first);
            }
        }
    }

    static void onFire(TimerNode *node)
    {
        auto &n = static_cast<Checked &>(*node);
        WheelModel &m = *current;
        ++m.fired;
        EXPECT(n.scheduled);
        // Never early, in the first advance that reaches it (never late), in due order,
        // and at its tick exactly when the advance went to the wheel's next wake.
        const std::int64_t due = n.entry->first;
        EXPECT(due <= m.target);
        EXPECT(n.addedDue || due > m.from);
        EXPECT(due == m.reference.begin()->first);
        if (m.exact && !n.addedDue)
            EXPECT(due == m.target);
        m.reference.erase(n.entry);
        n.scheduled = false;
    }

    TimerWheel wheel;
    std::vector<Checked> pool;
    Checked::Reference reference;
    std::int64_t target = 0;
    std::int64_t from = 0;
    bool exact = false;
    std::size_t fired = 0;
    static WheelModel *current;
};
WheelModel *WheelModel::current = nullptr;

// How far ahead a new timer is due: every level, a few in the past, some far beyond
// the top level's range (2^32 ms).
std::int64_t randomDelay(std::mt19937_64 &rng)
{
    const auto in = [&rng](std::int64_t lo, std::int64_t hi) { return lo + std::int64_t(rng() % std::uint64_t(hi - lo + 1)); };
    switch (rng() % 8) {
    case 0: return in(-50, 0);
    case 1: return in(1, 255);
    case 2: return in(250, 270); // either side of level 0's reach
    case 3: return in(256, std::int64_t(1) << 14);
    case 4: return in(std::int64_t(1) << 14, std::int64_t(1) << 20);
    case 5: return in(std::int64_t(1) << 20, std::int64_t(1) << 26);
    case 6: return in(std::int64_t(1) << 26, std::int64_t(1) << 32);
    default: return in(std::int64_t(1) << 32, std::int64_t(1) << 35);
    }
}
} // namespace

TEST_CASE("the timer wheel agrees with an ordered reference over a million random operations")
{
    // Starts on and beside level boundaries, and far from zero.
    const std::int64_t start = GENERATE(std::int64_t(0), std::int64_t(255), std::int64_t(16'383),
                                        (std::int64_t(1) << 32) - 3, std::int64_t(1'000'000'007));
    std::mt19937_64 rng(std::uint64_t(start) * 31 + 5);
    WheelModel m(start, 4000);
    constexpr int kOperations = 200'000; // per start: a million in all
    for (int op = 0; op < kOperations; ++op) {
        Checked &n = m.pool[rng() % m.pool.size()];
        switch (rng() % 10) {
        case 0:
        case 1:
        case 2:
        case 3: m.add(n, m.wheel.currentMs() + randomDelay(rng)); break;
        case 4: m.remove(n); break;
        case 5:
        case 6:
        case 7: {
            // As a loop does: sleep until the wheel's next wake, sometimes a bit late.
            const std::int64_t next = m.wheel.nextWakeMs();
            if (next >= 0)
                m.advance(next + (rng() % 4 == 0 ? std::int64_t(rng() % 3) : 0));
            break;
        }
        case 8: m.advance(m.wheel.currentMs() + std::int64_t(rng() % 600)); break;
        default: m.advance(m.wheel.currentMs() + std::int64_t(rng() % (std::uint64_t(1) << (rng() % 36)))); break;
        }
        m.checkNextWake();
    }
    // Then every node left, far-future ones included, fires at its tick.
    while (m.wheel.size() > 0)
        m.advance(std::max(m.wheel.nextWakeMs(), m.wheel.currentMs()));
    CHECK(m.reference.empty());
    CHECK(m.fired > std::size_t(kOperations) / 10);
}

TEST_CASE("a timer armed beyond level 0 fires at its due tick when a later level-0 timer exists")
{
    // The wheel's reach is 256 ticks: the first timer waits in level 1 for its slot's
    // cascade at tick 1280, the second goes straight into level 0.
    TimerWheel wheel(1024);
    Probe::wheel = &wheel;
    Probe early, late;
    early.fire = late.fire = &recordFire;
    wheel.add(&early, 1024 + 260);
    wheel.advance(1024 + 20);
    wheel.add(&late, 1024 + 20 + 250);
    CHECK(wheel.nextWakeMs() == 1280);
    wheel.advance(wheel.nextWakeMs());
    CHECK(wheel.nextWakeMs() == 1284);
    wheel.advance(wheel.nextWakeMs());
    CHECK(early.firedAt == 1284);
    CHECK(late.firedAt == -1);
}

#include "runtime/ringqueue.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <deque>
#include <random>

using coroscope::rt::RingQueue;

namespace {
struct Entry {
    std::uint64_t value;
    std::int32_t tag;
};

bool sameContents(const RingQueue<Entry> &ring, const std::deque<Entry> &reference)
{
    if (ring.size() != reference.size() || ring.empty() != reference.empty())
        return false;
    for (std::size_t i = 0; i < reference.size(); ++i) {
        if (ring[i].value != reference[i].value || ring[i].tag != reference[i].tag)
            return false;
    }
    return reference.empty() || ring.front().value == reference.front().value;
}
} // namespace

TEST_CASE("the ring queue holds what a deque holds after any mix of pushes, pops, swaps and clears")
{
    const std::uint64_t seed = GENERATE(1, 2, 3);
    std::mt19937_64 rng(seed);
    RingQueue<Entry> ring, other;
    std::deque<Entry> reference, otherReference;
    std::uint64_t next = 0;
    for (int op = 0; op < 1000; ++op) {
        const unsigned kind = unsigned(rng() % 100);
        if (kind < 45) {
            // Bursts as well as single pushes: the ring wraps, grows while wrapped,
            // and passes the size it lets go of when it empties.
            const std::size_t n = rng() % 8 == 0 ? std::size_t(rng() % 70'000) : 1;
            for (std::size_t i = 0; i < n; ++i) {
                const Entry e{next++, std::int32_t(rng() % 7) - 3};
                ring.push_back(e);
                reference.push_back(e);
            }
        } else if (kind < 97) {
            const std::size_t n = rng() % 8 == 0 ? std::size_t(rng() % 70'000) : 1;
            bool sameFronts = true;
            for (std::size_t i = 0; i < n && !reference.empty(); ++i) {
                sameFronts = sameFronts && ring.front().value == reference.front().value;
                ring.pop_front();
                reference.pop_front();
            }
            REQUIRE(sameFronts);
        } else if (kind < 99) {
            ring.swap(other);
            reference.swap(otherReference);
        } else {
            ring.clear();
            reference.clear();
        }
        REQUIRE(ring.size() == reference.size());
        if (op % 25 == 0 || reference.size() < 64) {
            REQUIRE(sameContents(ring, reference));
            REQUIRE(sameContents(other, otherReference));
        }
    }
    CHECK(sameContents(ring, reference));
    CHECK(sameContents(other, otherReference));
}

TEST_CASE("a ring queue that grew past what it keeps lets its storage go when it empties")
{
    RingQueue<Entry> ring;
    for (std::uint64_t i = 0; i < 4 * RingQueue<Entry>::kKeepEntries; ++i)
        ring.push_back(Entry{i, 0});
    CHECK(ring.capacity() >= 4 * RingQueue<Entry>::kKeepEntries);
    while (ring.size() > 1)
        ring.pop_front();
    CHECK(ring.capacity() >= 4 * RingQueue<Entry>::kKeepEntries); // busy: kept
    ring.pop_front();
    CHECK(ring.capacity() == 0);

    for (std::uint64_t i = 0; i < 1000; ++i)
        ring.push_back(Entry{i, 0});
    while (!ring.empty())
        ring.pop_front();
    CHECK(ring.capacity() > 0); // small: kept for the next iteration
}

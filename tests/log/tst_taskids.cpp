// TaskIds (the record's run-local id order) against a plain sorted map on random runs:
// mostly one loop's contiguous ids, with gaps, late tasks and a second loop's tasks.

#include "log/detail/taskids.h"

#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <set>

using coroscope::log::detail::TaskIds;

TEST_CASE("task ids answer what a plain sorted map of the same tasks answers", "[taskids]")
{
    for (unsigned seed = 1; seed <= 200; ++seed) {
        CAPTURE(seed);
        std::mt19937 rng(seed);
        const auto chance = [&](int percent) { return std::uniform_int_distribution<int>(0, 99)(rng) < percent; };
        TaskIds ids;
        if (chance(50))
            ids.reserve(std::uniform_int_distribution<std::size_t>(0, 300)(rng));
        std::map<std::uint64_t, std::uint32_t> plain; // runtime id -> arrival row
        std::set<std::uint64_t> used;
        const int breakPercent = std::uniform_int_distribution<int>(0, 3)(rng) == 0 ? 0 : 2;
        std::uint64_t next = std::uniform_int_distribution<std::uint64_t>(1, 1000)(rng);
        const int tasks = std::uniform_int_distribution<int>(0, 300)(rng);
        for (int i = 0; i < tasks; ++i) {
            std::uint64_t id = next;
            if (chance(breakPercent)) // a gap, or an id from before (a late task, another loop's)
                id = chance(50) ? next + std::uniform_int_distribution<std::uint64_t>(1, 5)(rng)
                                : std::uniform_int_distribution<std::uint64_t>(1, next + 5)(rng);
            if (!used.insert(id).second)
                continue;
            next = std::max(next, id + 1);
            const bool late = !plain.empty() && id < plain.rbegin()->first;
            const auto row = std::uint32_t(plain.size());
            CHECK(ids.add(id, row) == late);
            plain.emplace(id, row);
        }
        if (breakPercent == 0)
            CHECK(ids.implied());
        REQUIRE(ids.size() == plain.size());
        std::size_t position = 0;
        for (const auto &[id, row] : plain) {
            CHECK(ids.idAt(position) == id);
            CHECK(ids.rowAt(position) == row);
            CHECK(ids.position(id) == position);
            ++position;
        }
        for (std::uint64_t absent : {std::uint64_t(0), next, next + 7}) {
            if (!used.count(absent))
                CHECK(ids.position(absent) == ids.size());
        }
    }
}

#pragma once

// StateIndex: the state of every row of a table plus one Fenwick tree (binary indexed
// tree) per task state, so that filtering by a set of states needs no scan:
// "how many rows in states M come before row r" and "which row is the k-th in states
// M" are O(5 log n) each.
//
// A state mask is an OR of stateBit(state): 1 pending, 2 running, 4 done, 8 failed,
// 16 cancelled (kAllStates = 31), the TaskListModel's `stateFilter` bits.
//
// Threading: none of its own (its owner's thread). Cost: append and setState are
// O(log n) (append is amortised: the trees double their capacity, a copy, no
// rebuild); rebuild is O(n); memory 21 bytes a row at most (1 state byte, 5 trees of
// 32-bit counts with up to 2x capacity).

#include "runtime/types.h"

#include <array>
#include <cstdint>
#include <vector>

namespace coroscope::monitor {

inline constexpr int kStateCount = 5;
inline constexpr unsigned kAllStates = 31;

[[nodiscard]] constexpr unsigned stateBit(rt::TaskState s) noexcept { return 1u << unsigned(s); }

class StateIndex
{
public:
    [[nodiscard]] int size() const noexcept { return int(m_states.size()); }
    [[nodiscard]] rt::TaskState state(int row) const { return rt::TaskState(m_states[std::size_t(row)]); }

    void append(rt::TaskState state);
    // Room for `rows` rows, so that growing to that many never copies nor grows the
    // trees (O(size + rows) now).
    void reserve(std::size_t rows);
    void setState(int row, rt::TaskState state);
    // Replaces every row (used after rows were inserted before the end).
    void rebuild(std::vector<std::uint8_t> states);

    // Rows in [0, row) whose state is in mask.
    [[nodiscard]] int countBefore(int row, unsigned mask) const noexcept;
    [[nodiscard]] int count(unsigned mask) const noexcept { return countBefore(size(), mask); }
    // The row of the k-th (from 0) row whose state is in mask; -1 if there are not that many.
    [[nodiscard]] int nth(int k, unsigned mask) const noexcept;

private:
    void add(int state, std::size_t row, std::int32_t delta) noexcept;
    void rebuildTrees(std::size_t capacity);
    void grow(); // doubles the capacity in O(capacity) without a rebuild

    std::vector<std::uint8_t> m_states;
    std::size_t m_capacity = 0; // a power of two (or 0); the trees have m_capacity + 1 slots
    std::array<std::vector<std::int32_t>, kStateCount> m_trees;
};

} // namespace coroscope::monitor

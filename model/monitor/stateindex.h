#pragma once

// StateIndex: the state of every row of a table plus, per task state, a count per
// block of kBlock rows and a Fenwick tree (binary indexed tree) over those blocks, so
// that filtering by a set of states needs no full scan: "how many rows in states M
// come before row r" and "which row is the k-th in states M" are O(5 log(n / kBlock))
// plus a scan of at most kBlock state bytes.
//
// A state mask is an OR of stateBit(state): 1 pending, 2 running, 4 done, 8 failed,
// 16 cancelled (kAllStates = 31), the TaskListModel's `stateFilter` bits.
//
// Why blocks: a tree per row (21 bytes a row, 20 levels at a million rows) would make each
// state change touch 40 cache lines scattered over 20 MB, 12 % of applying a
// journal event; the block trees of a million rows fit in 320 KB.
//
// Threading: none of its own (its owner's thread). Cost: a batch (update) moves the
// trees once per run of rows in one block, or rebuilds them from the block counts in
// O(n / kBlock) when that is cheaper (a busy tick of a million-task run changes more
// rows than there are blocks); growth doubles the trees' capacity (a copy, no
// rebuild). append and setState are batches of one: O(log(n / kBlock)), append
// amortised. rebuild is O(n); memory about 1.4 bytes a row (1 state byte, 5 block
// counts per kBlock rows, 5 trees of 32-bit counts over blocks with up to 2x capacity).

#include "runtime/types.h"

#include <array>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <span>
#include <utility>
#include <vector>

namespace coroscope::monitor {

namespace detail {
// An allocator whose memory comes zeroed from calloc (for large blocks: fresh pages
// the kernel zeroes when first touched) and that leaves value-initialised elements to
// that zero instead of writing it. A vector of a million counters made with it costs
// nothing until it is used. Only valid while elements are never value-initialised on
// memory that held other values (no resize(n) after shrinking; assign and resize with
// a value are fine).
template<typename T>
struct ZeroedAllocator {
    using value_type = T;
    ZeroedAllocator() = default;
    template<typename U>
    ZeroedAllocator(const ZeroedAllocator<U> &) noexcept {}
    [[nodiscard]] T *allocate(std::size_t n)
    {
        if (void *p = std::calloc(n, sizeof(T)))
            return static_cast<T *>(p);
        throw std::bad_alloc();
    }
    void deallocate(T *p, std::size_t) noexcept { std::free(p); }
    template<typename U>
    void construct(U *) noexcept {} // already zero
    template<typename U, typename... Args>
    void construct(U *p, Args &&...args)
    {
        ::new (static_cast<void *>(p)) U(std::forward<Args>(args)...);
    }
    friend bool operator==(const ZeroedAllocator &, const ZeroedAllocator &) noexcept { return true; }
};
} // namespace detail

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
    // Each change in order (a row may repeat: its last state wins), then each of
    // `appended` as a new row.
    void update(std::span<const std::pair<int, rt::TaskState>> changes, std::span<const rt::TaskState> appended);
    // Replaces every row (used after rows were inserted before the end).
    void rebuild(std::vector<std::uint8_t> states);

    // Rows in [0, row) whose state is in mask.
    [[nodiscard]] int countBefore(int row, unsigned mask) const noexcept;
    [[nodiscard]] int count(unsigned mask) const noexcept { return countBefore(size(), mask); }
    // The row of the k-th (from 0) row whose state is in mask; -1 if there are not that many.
    [[nodiscard]] int nth(int k, unsigned mask) const noexcept;

    static constexpr std::size_t kBlock = 64;

private:
    void add(int state, std::size_t block, std::int32_t delta) noexcept;
    void rebuildTrees(std::size_t capacity);
    void buildTrees(std::size_t capacity); // from m_blockCounts
    void grow(); // doubles the trees' capacity (in blocks) in O(capacity) without a rebuild
    // Rows in [from, to) of one block whose state is in mask (a scan of the state bytes).
    [[nodiscard]] int countIn(std::size_t from, std::size_t to, unsigned mask) const noexcept;

    std::vector<std::uint8_t> m_states;
    // Per block, per state: its rows in that state (block * kStateCount + state).
    std::vector<std::uint8_t> m_blockCounts;
    std::size_t m_capacity = 0; // in blocks, a power of two (or 0); the trees have m_capacity + 1 slots
    using Tree = std::vector<std::int32_t, detail::ZeroedAllocator<std::int32_t>>;
    std::array<Tree, kStateCount> m_trees;
};

} // namespace coroscope::monitor

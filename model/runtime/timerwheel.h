#pragma once

// A hierarchical timer wheel with 1 ms ticks: O(1) insert and cancel, so a million
// sleeping tasks cost a million list links, not a million QTimers. Level 0 has 256
// one-millisecond slots; levels 1-4 have 64 slots each, every level 64 times coarser,
// and their entries cascade down as time reaches them. Dues beyond the top level's
// range (2^32 ms, about 50 days) wait in its slots and go round again.
// collect() costs one step per tick at which a node comes due or a slot that holds
// nodes cascades, not one per elapsed millisecond; nextWakeMs() scans at most 512 slots.
//
// Threading: owned by one Loop and used only on that loop's thread.
// Nodes are intrusive and owned by whoever waits (usually an awaiter inside a
// coroutine frame); a node must be removed before it is destroyed.
//
// Expiry is in two steps, as in asyncio's _run_once (docs/spec/taskset-format.md,
// Fine points, "Iterations"): collect() moves every node that is due into the
// expired list, earliest first, and the loop fires them one by one with
// popExpired() as the last callbacks of that iteration. A node added already due
// (dueMs at or before currentMs()) waits for the next collect(), like a
// call_later(0). A node in the expired list still counts in size() and can be
// removed, like a cancelled TimerHandle that is already in the ready queue.

#include <array>
#include <cstddef>
#include <cstdint>

namespace coroscope::rt {

struct TimerNode {
    TimerNode *prev = nullptr;
    TimerNode *next = nullptr;
    std::int64_t dueMs = 0;
    // Called when the node expires; the node is already unlinked.
    void (*fire)(TimerNode *) = nullptr;

    [[nodiscard]] bool linked() const noexcept { return next != nullptr; }
};

class TimerWheel
{
public:
    explicit TimerWheel(std::int64_t nowMs);
    TimerWheel(const TimerWheel &) = delete;
    TimerWheel &operator=(const TimerWheel &) = delete;

    // Schedules node to fire at dueMs (a time in the past fires on the next collect).
    void add(TimerNode *node, std::int64_t dueMs);
    // Unlinks node, wherever it is; harmless if it is not linked.
    void remove(TimerNode *node) noexcept;
    // Moves every node due at or before nowMs to the end of the expired list,
    // earliest first (those added already due before the others).
    void collect(std::int64_t nowMs);
    // Unlinks and returns the first expired node, or nullptr.
    [[nodiscard]] TimerNode *popExpired() noexcept;
    [[nodiscard]] bool hasExpired() const noexcept { return m_expired.head.next != &m_expired.head; }
    // collect(nowMs), then fires every expired node.
    void advance(std::int64_t nowMs);

    // The time at which collect() next has work to do (a node comes due, or a slot
    // that holds nodes cascades), or -1 when the wheel holds none. Never later than the
    // earliest due node: a loop that sleeps until then collects every node in time.
    [[nodiscard]] std::int64_t nextWakeMs() const;
    // Every linked node: in the wheel, added already due, or expired and not yet fired.
    [[nodiscard]] std::size_t size() const noexcept { return m_size; }
    [[nodiscard]] std::int64_t currentMs() const noexcept { return m_tick; }

private:
    static constexpr int kLevels = 5;
    static constexpr int kL0Slots = 256;
    static constexpr int kSlots = 64;

    struct Slot {
        TimerNode head; // circular sentinel
    };

    void place(TimerNode *node);
    void cascade(int level, std::size_t slot);
    // Moves every node of `from` to the end of the expired list (counts unchanged).
    void spliceToExpired(Slot &from) noexcept;
    static void linkBefore(TimerNode *sentinel, TimerNode *node) noexcept;
    static bool empty(const Slot &s) noexcept { return s.head.next == &s.head; }

    // Every node due at or before m_tick has left the wheel: it is in m_overdue (added
    // already due) or in m_expired (collected). So a linked node is in the wheel
    // exactly when its dueMs is after m_tick.
    std::int64_t m_tick;
    // Every linked node, wherever it is (counting the wheel's alone would walk each
    // slot that expires).
    std::size_t m_size = 0;
    Slot m_overdue; // sorted by dueMs
    Slot m_expired;
    std::array<Slot, kL0Slots> m_l0;
    std::array<std::array<Slot, kSlots>, kLevels - 1> m_upper;
};

} // namespace coroscope::rt

#pragma once

// A hierarchical timer wheel with 1 ms ticks: O(1) insert and cancel, so a million
// sleeping tasks cost a million list links, not a million QTimers. Level 0 has 256
// one-millisecond slots; levels 1-4 have 64 slots each, every level 64 times coarser,
// and their entries cascade down as time reaches them. Dues beyond the top level's
// range (2^32 ms, about 50 days) wait in its slots and go round again.
// advance() costs one step per tick at which a node fires or a slot that holds nodes
// cascades, not one per elapsed millisecond; nextWakeMs() scans at most 512 slots.
//
// Threading: owned by one Loop and used only on that loop's thread.
// Nodes are intrusive and owned by whoever waits (usually an awaiter inside a
// coroutine frame); a node must be removed before it is destroyed.

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

    // Schedules node to fire at dueMs (a time in the past fires on the next advance).
    void add(TimerNode *node, std::int64_t dueMs);
    // Unlinks node; harmless if it is not linked.
    void remove(TimerNode *node) noexcept;
    // Fires every node due at or before nowMs, earliest tick first.
    void advance(std::int64_t nowMs);

    // The time at which advance() next has work to do (a firing, or the cascade of a
    // slot that holds nodes), or -1 when the wheel is empty. Never later than the
    // earliest due node: a loop that sleeps until then fires every node in time.
    [[nodiscard]] std::int64_t nextWakeMs() const;
    [[nodiscard]] std::size_t size() const noexcept { return m_size; }
    [[nodiscard]] std::int64_t currentMs() const noexcept { return m_tick; }

private:
    static constexpr int kLevels = 5;
    static constexpr int kL0Slots = 256;
    static constexpr int kSlots = 64;

    struct Slot {
        TimerNode head; // circular sentinel
    };

    // Links node into the slot for its due tick, or for `earliest` if it is due before.
    void place(TimerNode *node, std::int64_t earliest);
    void cascade(int level, std::size_t slot);
    static void linkBefore(TimerNode *sentinel, TimerNode *node) noexcept;
    static bool empty(const Slot &s) noexcept { return s.head.next == &s.head; }

    std::int64_t m_tick; // every node due at or before m_tick has fired
    std::size_t m_size = 0;
    std::array<Slot, kL0Slots> m_l0;
    std::array<std::array<Slot, kSlots>, kLevels - 1> m_upper;
};

} // namespace coroscope::rt

#pragma once

// RingQueue: a FIFO of trivially copyable entries in one power-of-two ring.
//
// Why not std::deque: the loop's ready queue takes a million entries in one step
// when a million tasks are woken (a subtree cancelled, a million timers due), and
// std::deque allocates a 512-byte block every 32 entries on the way in and frees it
// on the way out: a malloc and a free (and fresh pages) on the hot path. The ring
// grows by doubling and keeps its storage while it is busy; a ring that has grown
// past kKeepEntries is let go when it empties, so a one-off burst does not hold
// its memory for the rest of the run.

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <type_traits>
#include <utility>

namespace coroscope::rt {

template<typename T>
class RingQueue
{
    static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);

public:
    static constexpr std::size_t kKeepEntries = std::size_t(1) << 16;

    RingQueue() = default;
    RingQueue(const RingQueue &) = delete;
    RingQueue &operator=(const RingQueue &) = delete;

    [[nodiscard]] std::size_t size() const noexcept { return m_size; }
    [[nodiscard]] bool empty() const noexcept { return m_size == 0; }
    [[nodiscard]] std::size_t capacity() const noexcept { return m_mask ? m_mask + 1 : 0; }

    [[nodiscard]] const T &front() const noexcept { return m_slots[m_head]; }
    [[nodiscard]] const T &operator[](std::size_t i) const noexcept { return m_slots[(m_head + i) & m_mask]; }

    void push_back(const T &value)
    {
        if (m_size == capacity())
            grow();
        m_slots[(m_head + m_size) & m_mask] = value;
        ++m_size;
    }

    void pop_front() noexcept
    {
        m_head = (m_head + 1) & m_mask;
        if (--m_size == 0) {
            m_head = 0;
            if (capacity() > kKeepEntries)
                release();
        }
    }

    void clear() noexcept
    {
        m_size = 0;
        m_head = 0;
        if (capacity() > kKeepEntries)
            release();
    }

    void swap(RingQueue &o) noexcept
    {
        std::swap(m_slots, o.m_slots);
        std::swap(m_mask, o.m_mask);
        std::swap(m_head, o.m_head);
        std::swap(m_size, o.m_size);
    }

private:
    void grow()
    {
        const std::size_t newCapacity = std::max<std::size_t>(16, capacity() * 2);
        std::unique_ptr<T[]> grown(new T[newCapacity]);
        // The entries in order from the head: the part up to the ring's end, then the wrapped part.
        const std::size_t first = std::min(m_size, capacity() - m_head);
        if (m_size > 0) {
            std::memcpy(grown.get(), m_slots.get() + m_head, first * sizeof(T));
            std::memcpy(grown.get() + first, m_slots.get(), (m_size - first) * sizeof(T));
        }
        m_slots = std::move(grown);
        m_mask = newCapacity - 1;
        m_head = 0;
    }
    void release() noexcept
    {
        m_slots.reset();
        m_mask = 0;
    }

    std::unique_ptr<T[]> m_slots;
    std::size_t m_mask = 0; // capacity - 1 while there is storage
    std::size_t m_head = 0;
    std::size_t m_size = 0;
};

} // namespace coroscope::rt

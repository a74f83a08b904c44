#include "stateindex.h"

#include <algorithm>
#include <bit>

namespace coroscope::monitor {

void StateIndex::add(int state, std::size_t row, std::int32_t delta) noexcept
{
    Tree &tree = m_trees[std::size_t(state)];
    for (std::size_t i = row + 1; i <= m_capacity; i += i & (~i + 1))
        tree[i] += delta;
}

void StateIndex::rebuildTrees(std::size_t capacity)
{
    m_capacity = capacity;
    for (auto &tree : m_trees)
        tree.assign(capacity + 1, 0);
    // Linear construction: add each slot to its parent once.
    for (std::size_t i = 1; i <= m_states.size(); ++i)
        ++m_trees[m_states[i - 1]][i];
    for (auto &tree : m_trees) {
        for (std::size_t i = 1; i <= capacity; ++i) {
            const std::size_t parent = i + (i & (~i + 1));
            if (parent <= capacity)
                tree[parent] += tree[i];
        }
    }
}

void StateIndex::grow()
{
    // Node i of a Fenwick tree sums rows (i - lowbit(i), i] whatever the capacity, so
    // doubling keeps nodes 1..C; of the new ones only node 2C covers a row so far, and
    // it covers all of them.
    const std::size_t capacity = 2 * m_capacity;
    for (auto &tree : m_trees) {
        std::int64_t all = 0;
        for (std::size_t i = m_capacity; i > 0; i &= i - 1)
            all += tree[i];
        tree.resize(capacity + 1, 0);
        tree[capacity] = std::int32_t(all);
    }
    m_capacity = capacity;
}

void StateIndex::reserve(std::size_t rows)
{
    m_states.reserve(rows);
    // The trees take their final size now: growing them later zeroes (faults in)
    // megabytes in the middle of a tick.
    const std::size_t capacity = std::bit_ceil(std::max<std::size_t>(rows, 1024));
    if (capacity <= m_capacity)
        return;
    if (!m_states.empty()) {
        rebuildTrees(capacity);
        return;
    }
    // Empty: all-zero trees, made without writing them (see ZeroedAllocator), so a
    // run's launch does not fault in 20 MB for its million rows up front.
    m_capacity = capacity;
    for (auto &tree : m_trees)
        tree = Tree(capacity + 1);
}

void StateIndex::append(rt::TaskState state)
{
    if (m_capacity == 0) {
        m_states.push_back(std::uint8_t(state));
        rebuildTrees(1024);
        return;
    }
    if (m_states.size() == m_capacity)
        grow();
    m_states.push_back(std::uint8_t(state));
    add(int(state), m_states.size() - 1, 1);
}

void StateIndex::setState(int row, rt::TaskState state)
{
    std::uint8_t &current = m_states[std::size_t(row)];
    if (current == std::uint8_t(state))
        return;
    add(current, std::size_t(row), -1);
    add(int(state), std::size_t(row), 1);
    current = std::uint8_t(state);
}

void StateIndex::rebuild(std::vector<std::uint8_t> states)
{
    m_states = std::move(states);
    rebuildTrees(std::bit_ceil(std::max<std::size_t>(m_states.size(), 1024)));
}

int StateIndex::countBefore(int row, unsigned mask) const noexcept
{
    std::int64_t sum = 0;
    for (int s = 0; s < kStateCount; ++s) {
        if (!(mask & (1u << s)))
            continue;
        const Tree &tree = m_trees[std::size_t(s)];
        for (auto i = std::size_t(row); i > 0; i &= i - 1)
            sum += tree[i];
    }
    return int(sum);
}

int StateIndex::nth(int k, unsigned mask) const noexcept
{
    if (k < 0 || m_capacity == 0)
        return -1;
    std::size_t pos = 0;
    std::int64_t rest = k;
    for (std::size_t step = m_capacity; step > 0; step >>= 1) {
        const std::size_t next = pos + step;
        if (next > m_capacity)
            continue;
        std::int64_t here = 0;
        for (int s = 0; s < kStateCount; ++s) {
            if (mask & (1u << s))
                here += m_trees[std::size_t(s)][next];
        }
        if (here <= rest) {
            pos = next;
            rest -= here;
        }
    }
    // pos rows hold exactly k matches; the match we want is row pos (0-based).
    return pos < m_states.size() ? int(pos) : -1;
}

} // namespace coroscope::monitor

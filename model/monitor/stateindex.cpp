#include "stateindex.h"

#include <algorithm>
#include <array>
#include <bit>

namespace coroscope::monitor {

namespace {
constexpr std::size_t kInitialBlocks = 16; // the trees' first capacity: 1024 rows
constexpr std::size_t blocksFor(std::size_t rows) { return (rows + StateIndex::kBlock - 1) / StateIndex::kBlock; }
} // namespace

void StateIndex::add(int state, std::size_t block, std::int32_t delta) noexcept
{
    Tree &tree = m_trees[std::size_t(state)];
    for (std::size_t i = block + 1; i <= m_capacity; i += i & (~i + 1))
        tree[i] += delta;
}

void StateIndex::rebuildTrees(std::size_t capacity)
{
    const std::size_t blocks = blocksFor(m_states.size());
    m_blockCounts.assign(blocks * kStateCount, 0);
    for (std::size_t row = 0; row < m_states.size(); ++row)
        ++m_blockCounts[row / kBlock * kStateCount + m_states[row]];
    buildTrees(capacity);
}

void StateIndex::buildTrees(std::size_t capacity)
{
    m_capacity = capacity;
    const std::size_t blocks = m_blockCounts.size() / kStateCount;
    // Linear construction: each block's count in its slot, then each slot added to its parent once.
    for (std::size_t s = 0; s < m_trees.size(); ++s) {
        Tree &tree = m_trees[s];
        tree.assign(capacity + 1, 0);
        for (std::size_t b = 0; b < blocks; ++b)
            tree[b + 1] = m_blockCounts[b * kStateCount + s];
        for (std::size_t i = 1; i <= capacity; ++i) {
            const std::size_t parent = i + (i & (~i + 1));
            if (parent <= capacity)
                tree[parent] += tree[i];
        }
    }
}

void StateIndex::grow()
{
    // Node i of a Fenwick tree sums blocks (i - lowbit(i), i] whatever the capacity, so
    // doubling keeps nodes 1..C; of the new ones only node 2C covers a block so far,
    // and it covers all of them.
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
    m_blockCounts.reserve(blocksFor(rows) * kStateCount);
    // The trees take their final size now: growing them later copies them in the
    // middle of a tick.
    const std::size_t capacity = std::bit_ceil(std::max(blocksFor(rows), kInitialBlocks));
    if (capacity <= m_capacity)
        return;
    if (!m_states.empty()) {
        rebuildTrees(capacity);
        return;
    }
    // Empty: all-zero trees, made without writing them (see ZeroedAllocator).
    m_capacity = capacity;
    for (auto &tree : m_trees)
        tree = Tree(capacity + 1);
}

void StateIndex::append(rt::TaskState state)
{
    update({}, std::span(&state, 1));
}

void StateIndex::setState(int row, rt::TaskState state)
{
    const std::pair<int, rt::TaskState> change{row, state};
    update(std::span(&change, 1), {});
}

void StateIndex::update(std::span<const std::pair<int, rt::TaskState>> changes,
                        std::span<const rt::TaskState> appended)
{
    if (changes.empty() && appended.empty())
        return;
    const std::size_t rows = m_states.size() + appended.size();
    if (m_capacity == 0) { // the first rows (none to change yet): one build
        for (const rt::TaskState state : appended)
            m_states.push_back(std::uint8_t(state));
        rebuildTrees(std::bit_ceil(std::max(blocksFor(rows), kInitialBlocks)));
        return;
    }
    while (blocksFor(rows) > m_capacity)
        grow();
    // A state change walks log2(capacity) slots in two trees; a rebuild passes over
    // every slot of the five trees about three times. Rebuild when the walks cost more.
    const std::size_t moves = changes.size() + appended.size() / kBlock;
    const bool rebuild = moves * std::size_t(std::bit_width(m_capacity)) > 8 * m_capacity;

    // Otherwise each run of moves within one block moves the trees once, by its net count.
    std::size_t runBlock = m_capacity;
    std::array<std::int32_t, kStateCount> net{};
    const auto flush = [&] {
        for (int s = 0; s < kStateCount; ++s) {
            if (net[std::size_t(s)] != 0)
                add(s, runBlock, net[std::size_t(s)]);
        }
        net.fill(0);
    };
    const auto move = [&](std::size_t block, int from, int to) {
        if (from >= 0)
            --m_blockCounts[block * kStateCount + std::size_t(from)];
        ++m_blockCounts[block * kStateCount + std::size_t(to)];
        if (rebuild)
            return;
        if (block != runBlock) {
            flush();
            runBlock = block;
        }
        if (from >= 0)
            --net[std::size_t(from)];
        ++net[std::size_t(to)];
    };
    for (const auto &[row, state] : changes) {
        std::uint8_t &current = m_states[std::size_t(row)];
        if (current == std::uint8_t(state))
            continue;
        move(std::size_t(row) / kBlock, current, int(state));
        current = std::uint8_t(state);
    }
    for (const rt::TaskState state : appended) {
        const std::size_t row = m_states.size();
        if (row % kBlock == 0)
            m_blockCounts.resize(m_blockCounts.size() + kStateCount, 0);
        m_states.push_back(std::uint8_t(state));
        move(row / kBlock, -1, int(state));
    }
    if (rebuild)
        buildTrees(m_capacity);
    else
        flush();
}

void StateIndex::rebuild(std::vector<std::uint8_t> states)
{
    m_states = std::move(states);
    rebuildTrees(std::bit_ceil(std::max(blocksFor(m_states.size()), kInitialBlocks)));
}

int StateIndex::countIn(std::size_t from, std::size_t to, unsigned mask) const noexcept
{
    int n = 0;
    for (std::size_t row = from; row < to; ++row)
        n += int((mask >> m_states[row]) & 1u);
    return n;
}

int StateIndex::countBefore(int row, unsigned mask) const noexcept
{
    const std::size_t block = std::size_t(row) / kBlock;
    std::int64_t sum = 0;
    for (int s = 0; s < kStateCount; ++s) {
        if (!(mask & (1u << s)))
            continue;
        const Tree &tree = m_trees[std::size_t(s)];
        for (std::size_t i = std::min(block, m_capacity); i > 0; i &= i - 1)
            sum += tree[i];
    }
    return int(sum) + countIn(block * kBlock, std::size_t(row), mask);
}

int StateIndex::nth(int k, unsigned mask) const noexcept
{
    if (k < 0 || m_capacity == 0)
        return -1;
    // The last block before which at most k rows match: the k-th match is in it, if anywhere.
    std::size_t block = 0;
    std::int64_t rest = k;
    for (std::size_t step = m_capacity; step > 0; step >>= 1) {
        const std::size_t next = block + step;
        if (next > m_capacity)
            continue;
        std::int64_t here = 0;
        for (int s = 0; s < kStateCount; ++s) {
            if (mask & (1u << s))
                here += m_trees[std::size_t(s)][next];
        }
        if (here <= rest) {
            block = next;
            rest -= here;
        }
    }
    const std::size_t end = std::min(m_states.size(), (block + 1) * kBlock);
    for (std::size_t row = block * kBlock; row < end; ++row) {
        if ((mask >> m_states[row]) & 1u) {
            if (rest == 0)
                return int(row);
            --rest;
        }
    }
    return -1;
}

} // namespace coroscope::monitor

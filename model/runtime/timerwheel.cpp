#include "timerwheel.h"

namespace coroscope::rt {

namespace {
// Bit shift of one slot at each upper level (level 1 .. 4).
constexpr int shiftOf(int level) { return 8 + 6 * (level - 1); }
} // namespace

TimerWheel::TimerWheel(std::int64_t nowMs)
    : m_tick(nowMs)
{
    for (Slot *s : {&m_overdue, &m_expired})
        s->head.prev = s->head.next = &s->head;
    for (Slot &s : m_l0)
        s.head.prev = s.head.next = &s.head;
    for (auto &level : m_upper)
        for (Slot &s : level)
            s.head.prev = s.head.next = &s.head;
}

void TimerWheel::linkBefore(TimerNode *sentinel, TimerNode *node) noexcept
{
    node->prev = sentinel->prev;
    node->next = sentinel;
    sentinel->prev->next = node;
    sentinel->prev = node;
}

void TimerWheel::add(TimerNode *node, std::int64_t dueMs)
{
    remove(node);
    node->dueMs = dueMs;
    if (dueMs <= m_tick) {
        // Already due: fired by the next collect(), in due order.
        TimerNode *after = m_overdue.head.prev;
        while (after != &m_overdue.head && after->dueMs > dueMs)
            after = after->prev;
        linkBefore(after->next, node);
    } else {
        place(node);
    }
    ++m_size;
}

void TimerWheel::place(TimerNode *node)
{
    // A node cascading down at its own due tick lands in the level-0 slot that this
    // tick moves next; add() never places a node that is already due.
    const std::int64_t due = node->dueMs;
    if (due - m_tick < kL0Slots) {
        linkBefore(&m_l0[std::size_t(due) & (kL0Slots - 1)].head, node);
        return;
    }
    // The lowest level whose slot for `due` will be cascaded before `due` arrives.
    for (int level = 1; level < kLevels; ++level) {
        const int shift = shiftOf(level);
        if ((due >> shift) - (m_tick >> shift) < kSlots || level == kLevels - 1) {
            linkBefore(&m_upper[level - 1][std::size_t(due >> shift) & (kSlots - 1)].head, node);
            return;
        }
    }
}

void TimerWheel::remove(TimerNode *node) noexcept
{
    if (!node->linked())
        return;
    node->prev->next = node->next;
    node->next->prev = node->prev;
    node->prev = node->next = nullptr;
    --m_size;
}

void TimerWheel::cascade(int level, std::size_t slot)
{
    TimerNode &head = m_upper[level - 1][slot].head;
    TimerNode *n = head.next;
    head.prev = head.next = &head;
    while (n != &head) {
        TimerNode *next = n->next;
        place(n);
        n = next;
    }
}

void TimerWheel::advance(std::int64_t nowMs)
{
    collect(nowMs);
    while (TimerNode *n = popExpired())
        n->fire(n);
}

TimerNode *TimerWheel::popExpired() noexcept
{
    if (!hasExpired())
        return nullptr;
    TimerNode *n = m_expired.head.next;
    remove(n);
    return n;
}

void TimerWheel::collect(std::int64_t nowMs)
{
    // Nodes added already due come first: they are due before any in the wheel.
    spliceToExpired(m_overdue);
    while (m_tick < nowMs) {
        // Nothing comes due or cascades before nextWakeMs(): jump over the idle ticks.
        const std::int64_t next = nextWakeMs();
        if (next < 0 || next > nowMs) {
            m_tick = nowMs;
            return;
        }
        const std::int64_t t = m_tick = next;
        // Cascade from the top down, so an entry can fall through several levels
        // in the same tick.
        for (int level = kLevels - 1; level >= 1; --level) {
            const int shift = shiftOf(level);
            if ((t & ((std::int64_t(1) << shift) - 1)) == 0)
                cascade(level, std::size_t(t >> shift) & (kSlots - 1));
        }
        // The slot's nodes are due now (t == their dueMs): move them all, in order.
        spliceToExpired(m_l0[std::size_t(t) & (kL0Slots - 1)]);
    }
}

void TimerWheel::spliceToExpired(Slot &from) noexcept
{
    if (empty(from))
        return;
    TimerNode *first = from.head.next;
    TimerNode *last = from.head.prev;
    first->prev = m_expired.head.prev;
    m_expired.head.prev->next = first;
    last->next = &m_expired.head;
    m_expired.head.prev = last;
    from.head.prev = from.head.next = &from.head;
}

std::int64_t TimerWheel::nextWakeMs() const
{
    if (m_size == 0)
        return -1;
    // Level 0 holds the nodes due within 256 ticks, each in the slot of its due tick.
    std::int64_t next = -1;
    for (std::int64_t d = 1; d <= kL0Slots; ++d) {
        if (!empty(m_l0[std::size_t(m_tick + d) & (kL0Slots - 1)])) {
            next = m_tick + d;
            break;
        }
    }
    // A node of an upper level is due no earlier than the tick at which its slot
    // cascades (the start of the slot's span), and may be due right then: the wheel
    // must wake there too, whatever level 0 holds. Only occupied slots count, so an
    // upper level adds at most one wake per cascade of a slot that holds nodes.
    for (int level = 1; level < kLevels; ++level) {
        const int shift = shiftOf(level);
        const std::int64_t current = m_tick >> shift;
        for (std::int64_t k = 1; k <= kSlots; ++k) {
            const std::int64_t at = (current + k) << shift;
            if (next >= 0 && at >= next)
                break;
            if (!empty(m_upper[std::size_t(level - 1)][std::size_t(current + k) & (kSlots - 1)])) {
                next = at;
                break;
            }
        }
    }
    return next;
}

} // namespace coroscope::rt

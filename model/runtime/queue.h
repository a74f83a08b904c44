#pragma once

// asyncio.Queue (3.11): FIFO with an optional capacity (0 = unbounded), put/get that
// wait when full/empty, task_done and join for producer-consumer work.
//
// Fairness is asyncio's, not FIFO's (docs/spec/taskset-format.md, Fine points,
// "Queue fairness"): put_nowait / get_nowait wake the longest-waiting getter /
// putter, which runs one iteration later and checks again (`while self.empty()`):
// if a running task took the item or the free place first, it waits again at the
// back of the line. A woken waiter that is cancelled before it runs passes the
// wake-up on to the next one.
//
// Loop thread only: the queue and its waiters belong to one loop.
//
// Depth: a queue told its owner (journalDepthAs) journals a QueueDepth event for that
// task at every put, get and task_done (and one when told), so a monitor can plot the
// number of items in it (docs/spec/taskset-format.md, "Queue depth") and tell which
// items were taken and never done (docs/spec/stuck.md). Its get, put and join awaits
// journal the owner's id as their argument (0 for a queue not told), so that a task's
// await names its queue. A queue not told costs one branch per put, get or task_done.

#include "task.h"

#include <deque>
#include <optional>
#include <stdexcept>

namespace coroscope::rt {

class QueueEmpty final : public std::runtime_error
{
public:
    QueueEmpty() : std::runtime_error("queue is empty") {}
};
class QueueFull final : public std::runtime_error
{
public:
    QueueFull() : std::runtime_error("queue is full") {}
};

namespace detail {
// A node of an intrusive FIFO of parked awaiters.
struct Parked {
    Parked *prev = nullptr;
    Parked *next = nullptr;
    bool queued = false;
};
class ParkedList
{
public:
    void push(Parked *p) noexcept
    {
        p->prev = m_tail;
        p->next = nullptr;
        (m_tail ? m_tail->next : m_head) = p;
        m_tail = p;
        p->queued = true;
    }
    void remove(Parked *p) noexcept
    {
        if (!p->queued)
            return;
        (p->prev ? p->prev->next : m_head) = p->next;
        (p->next ? p->next->prev : m_tail) = p->prev;
        p->prev = p->next = nullptr;
        p->queued = false;
    }
    [[nodiscard]] Parked *popFront() noexcept
    {
        Parked *p = m_head;
        if (p)
            remove(p);
        return p;
    }
    [[nodiscard]] bool empty() const noexcept { return m_head == nullptr; }

private:
    Parked *m_head = nullptr;
    Parked *m_tail = nullptr;
};
} // namespace detail

template<typename T>
class Queue
{
public:
    explicit Queue(std::size_t capacity = 0) : m_capacity(capacity) {}
    Queue(const Queue &) = delete;
    Queue &operator=(const Queue &) = delete;

    [[nodiscard]] std::size_t size() const noexcept { return m_items.size(); }
    [[nodiscard]] std::size_t capacity() const noexcept { return m_capacity; }
    [[nodiscard]] bool empty() const noexcept { return m_items.empty(); }
    [[nodiscard]] bool full() const noexcept { return m_capacity > 0 && m_items.size() >= m_capacity; }
    [[nodiscard]] std::size_t unfinished() const noexcept { return m_unfinished; }

    // Journals the depth as `owner`'s from now on (owner: an attached task that
    // outlives the queue's use, on this queue's loop).
    void journalDepthAs(const TaskCore &owner)
    {
        m_owner = &owner;
        journalDepth(QueueChange::Made);
    }

    void putNowait(T item)
    {
        if (full())
            throw QueueFull();
        m_items.push_back(std::move(item));
        ++m_unfinished;
        if (m_owner)
            journalDepth(QueueChange::Put);
        wakeupNext(m_getters);
    }
    [[nodiscard]] T getNowait()
    {
        if (m_items.empty())
            throw QueueEmpty();
        T item = std::move(m_items.front());
        m_items.pop_front();
        if (m_owner)
            journalDepth(QueueChange::Get);
        wakeupNext(m_putters);
        return item;
    }
    void taskDone()
    {
        if (m_unfinished == 0)
            throw std::logic_error("task_done() called too many times");
        if (m_owner)
            journalDepth(QueueChange::TaskDone);
        if (--m_unfinished == 0) {
            while (detail::Parked *p = m_joiners.popFront())
                static_cast<JoinAwaiter *>(p)->m_self->wake();
        }
    }

private:
    // What get and put have in common: park in a line, be woken, check again.
    class Waiter : public Suspension, protected detail::Parked
    {
    public:
        Waiter(Queue &q, detail::ParkedList &line) noexcept : m_q(q), m_line(line) {}
        Waiter(const Waiter &) = delete;

    protected:
        virtual ~Waiter() { m_line.remove(this); }
        [[nodiscard]] virtual bool blocked() const = 0;
        [[nodiscard]] detail::ParkedList &line() const noexcept { return m_line; }

        template<typename P>
        bool park(std::coroutine_handle<P> h, AwaitKind kind)
        {
            m_self = &detail::taskOf(h);
            if (!m_self->beginSuspend(this, kind, m_q.ownerId()))
                return false;
            line().push(this);
            return true;
        }
        // After a wake-up that ends in Cancelled: asyncio's `except: ...
        // if not blocked and not getter.cancelled(): self._wakeup_next(...)`.
        void throwIfCancelled()
        {
            if (!m_self)
                return;
            try {
                m_self->throwIfCancelled();
            } catch (const Cancelled &) {
                line().remove(this);
                if (m_woken && !blocked())
                    m_q.wakeupNext(line());
                throw;
            }
        }

    public:
        bool waitsAgain(TaskCore &) override
        {
            if (!blocked())
                return false;
            m_woken = false;
            line().push(this); // at the back of the line
            return true;
        }
        bool cancelWait(TaskCore &) override
        {
            line().remove(this);
            return false;
        }

    protected:
        friend class Queue;
        Queue &m_q;
        detail::ParkedList &m_line;
        TaskCore *m_self = nullptr;
        bool m_woken = false;
    };

    [[nodiscard]] std::uint64_t ownerId() const noexcept { return m_owner ? m_owner->id() : 0; }
    void journalDepth(QueueChange change)
    {
        m_owner->loop()->journal().append(EventType::QueueDepth, m_owner->id(), m_items.size(), std::uint8_t(change),
                                          0, m_capacity);
    }

    void wakeupNext(detail::ParkedList &line)
    {
        if (detail::Parked *p = line.popFront()) {
            auto *w = static_cast<Waiter *>(p);
            w->m_woken = true;
            w->m_self->wake();
        }
    }

public:
    class GetAwaiter final : public Waiter
    {
    public:
        explicit GetAwaiter(Queue &q) noexcept : Waiter(q, q.m_getters) {}
        ~GetAwaiter() = default;
        [[nodiscard]] bool await_ready() const noexcept { return !this->m_q.empty(); }
        template<typename P>
        bool await_suspend(std::coroutine_handle<P> h)
        {
            return this->park(h, AwaitKind::QueueGet);
        }
        T await_resume()
        {
            this->throwIfCancelled();
            return this->m_q.getNowait();
        }

    private:
        [[nodiscard]] bool blocked() const override { return this->m_q.empty(); }
    };

    class PutAwaiter final : public Waiter
    {
    public:
        PutAwaiter(Queue &q, T item) : Waiter(q, q.m_putters), m_item(std::move(item)) {}
        ~PutAwaiter() = default;
        [[nodiscard]] bool await_ready()
        {
            if (this->m_q.full())
                return false;
            this->m_q.putNowait(std::move(*m_item));
            m_item.reset();
            return true;
        }
        template<typename P>
        bool await_suspend(std::coroutine_handle<P> h)
        {
            return this->park(h, AwaitKind::QueuePut);
        }
        void await_resume()
        {
            this->throwIfCancelled();
            if (m_item) {
                this->m_q.putNowait(std::move(*m_item));
                m_item.reset();
            }
        }

    private:
        [[nodiscard]] bool blocked() const override { return this->m_q.full(); }
        std::optional<T> m_item;
    };

    class JoinAwaiter final : public Suspension, private detail::Parked
    {
    public:
        explicit JoinAwaiter(Queue &q) noexcept : m_q(q) {}
        JoinAwaiter(const JoinAwaiter &) = delete;
        ~JoinAwaiter() { m_q.m_joiners.remove(this); }
        [[nodiscard]] bool await_ready() const noexcept { return m_q.m_unfinished == 0; }
        template<typename P>
        bool await_suspend(std::coroutine_handle<P> h)
        {
            m_self = &detail::taskOf(h);
            if (!m_self->beginSuspend(this, AwaitKind::QueueJoin, m_q.ownerId()))
                return false;
            m_q.m_joiners.push(this);
            return true;
        }
        void await_resume()
        {
            if (m_self)
                m_self->throwIfCancelled();
        }
        bool cancelWait(TaskCore &) override
        {
            m_q.m_joiners.remove(this);
            return false;
        }

    private:
        friend class Queue;
        Queue &m_q;
        TaskCore *m_self = nullptr;
    };

    [[nodiscard]] GetAwaiter get() noexcept { return GetAwaiter(*this); }
    [[nodiscard]] PutAwaiter put(T item) { return PutAwaiter(*this, std::move(item)); }
    [[nodiscard]] JoinAwaiter join() noexcept { return JoinAwaiter(*this); }

private:
    std::size_t m_capacity;
    std::size_t m_unfinished = 0;
    const TaskCore *m_owner = nullptr; // journalDepthAs
    std::deque<T> m_items;
    detail::ParkedList m_getters;
    detail::ParkedList m_putters;
    detail::ParkedList m_joiners;
};

} // namespace coroscope::rt

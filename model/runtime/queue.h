#pragma once

// asyncio.Queue: FIFO with an optional capacity (0 = unbounded), put/get that wait
// when full/empty, task_done and join for producer-consumer work.
//
// An item put while a getter waits is handed straight to the longest-waiting getter;
// a getter cancelled after receiving an item gives it back to the front of the
// queue, so no item is lost. A putter that was given a place and then cancelled
// raises Cancelled with its item already queued.
//
// Loop thread only: the queue and its waiters belong to one loop.

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

    void putNowait(T item)
    {
        if (full())
            throw QueueFull();
        ++m_unfinished;
        deliver(std::move(item));
    }
    [[nodiscard]] T getNowait()
    {
        if (m_items.empty())
            throw QueueEmpty();
        T item = std::move(m_items.front());
        m_items.pop_front();
        admitPutter();
        return item;
    }
    void taskDone()
    {
        if (m_unfinished == 0)
            throw std::logic_error("task_done() called too many times");
        if (--m_unfinished == 0) {
            while (detail::Parked *p = m_joiners.popFront())
                static_cast<JoinAwaiter *>(p)->m_self->wake();
        }
    }

    class GetAwaiter final : public Suspension, private detail::Parked
    {
    public:
        explicit GetAwaiter(Queue &q) noexcept : m_q(q) {}
        GetAwaiter(const GetAwaiter &) = delete;
        ~GetAwaiter()
        {
            m_q.m_getters.remove(this);
            if (m_item)
                m_q.giveBack(std::move(*m_item));
        }
        [[nodiscard]] bool await_ready() const noexcept { return !m_q.m_items.empty(); }
        template<typename P>
        bool await_suspend(std::coroutine_handle<P> h)
        {
            m_self = &detail::taskOf(h);
            if (!m_self->beginSuspend(this, AwaitKind::QueueGet, 0))
                return false;
            m_q.m_getters.push(this);
            return true;
        }
        T await_resume()
        {
            if (m_self) {
                try {
                    m_self->throwIfCancelled();
                } catch (const Cancelled &) {
                    if (m_item)
                        m_q.giveBack(*std::exchange(m_item, std::nullopt));
                    throw;
                }
            }
            if (m_item)
                return *std::exchange(m_item, std::nullopt);
            return m_q.getNowait();
        }
        bool cancelWait(TaskCore &) override
        {
            m_q.m_getters.remove(this);
            return false;
        }

    private:
        friend class Queue;
        Queue &m_q;
        TaskCore *m_self = nullptr;
        std::optional<T> m_item;
    };

    class PutAwaiter final : public Suspension, private detail::Parked
    {
    public:
        PutAwaiter(Queue &q, T item) : m_q(q), m_item(std::move(item)) {}
        PutAwaiter(const PutAwaiter &) = delete;
        ~PutAwaiter() { m_q.m_putters.remove(this); }
        [[nodiscard]] bool await_ready()
        {
            if (m_q.full())
                return false;
            m_q.putNowait(std::move(*m_item));
            m_item.reset();
            return true;
        }
        template<typename P>
        bool await_suspend(std::coroutine_handle<P> h)
        {
            m_self = &detail::taskOf(h);
            if (!m_self->beginSuspend(this, AwaitKind::QueuePut, 0))
                return false;
            m_q.m_putters.push(this);
            return true;
        }
        void await_resume()
        {
            if (m_self)
                m_self->throwIfCancelled();
        }
        bool cancelWait(TaskCore &) override
        {
            m_q.m_putters.remove(this);
            return false;
        }

    private:
        friend class Queue;
        Queue &m_q;
        TaskCore *m_self = nullptr;
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
            if (!m_self->beginSuspend(this, AwaitKind::QueueJoin, 0))
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
    // Hands item to the longest-waiting getter, or queues it.
    void deliver(T item)
    {
        if (detail::Parked *p = m_getters.popFront()) {
            auto *g = static_cast<GetAwaiter *>(p);
            g->m_item.emplace(std::move(item));
            g->m_self->wake();
            return;
        }
        m_items.push_back(std::move(item));
    }
    // An item a cancelled getter had received goes back to the front.
    void giveBack(T item)
    {
        if (detail::Parked *p = m_getters.popFront()) {
            auto *g = static_cast<GetAwaiter *>(p);
            g->m_item.emplace(std::move(item));
            g->m_self->wake();
            return;
        }
        m_items.push_front(std::move(item));
    }
    // A place freed up: the longest-waiting putter's item goes in.
    void admitPutter()
    {
        if (full())
            return;
        if (detail::Parked *p = m_putters.popFront()) {
            auto *w = static_cast<PutAwaiter *>(p);
            ++m_unfinished;
            m_items.push_back(std::move(*w->m_item));
            w->m_item.reset();
            w->m_self->wake();
        }
    }

    std::size_t m_capacity;
    std::size_t m_unfinished = 0;
    std::deque<T> m_items;
    detail::ParkedList m_getters;
    detail::ParkedList m_putters;
    detail::ParkedList m_joiners;
};

} // namespace coroscope::rt

#pragma once

// Awaiting QCoro's awaitables inside a Coroscope task.
//
//   co_await awaitQCoro(someQCoroTask, onCancel)  any QCoro::Task<T>
//   co_await awaitFuture(future)                   a QFuture<T>, through QCoro
//   co_await awaitSignal(object, &Class::signal)   the next emission of a signal
//
// QCoro has no cancellation: a detached QCoro driver awaits the QCoro side and
// reports back on the loop. Cancelling the Coroscope task ends it cancelled at once
// and runs the per-type hook (QFuture::cancel, QProcess::kill, QNetworkReply::abort);
// the late result, if any, is dropped when it arrives. The driver must complete on
// the loop's thread, which holds for QCoro's Qt awaitables created there.

#include "task.h"

#include <QCoroFuture>
#include <QCoroSignal>
#include <QCoroTask>
#include <QFuture>
#include <QPointer>

#include <functional>
#include <memory>
#include <optional>
#include <type_traits>

namespace coroscope::rt {

namespace detail {
template<typename T>
struct BridgeLink {
    TaskCore *task = nullptr;
    bool abandoned = false;
    std::optional<std::conditional_t<std::is_void_v<T>, bool, T>> value;
    std::exception_ptr error;
};

template<typename T>
QCoro::Task<void> driveQCoro(QCoro::Task<T> work, std::shared_ptr<BridgeLink<T>> link)
{
    try {
        if constexpr (std::is_void_v<T>) {
            co_await std::move(work);
            link->value.emplace(true);
        } else {
            link->value.emplace(co_await std::move(work));
        }
    } catch (...) {
        link->error = std::current_exception();
    }
    if (!link->abandoned)
        link->task->wake();
}
} // namespace detail

template<typename T>
class QCoroAwaiter final : public Suspension
{
public:
    QCoroAwaiter(QCoro::Task<T> work, std::function<void()> onCancel)
        : m_work(std::move(work)), m_onCancel(std::move(onCancel))
    {
    }
    QCoroAwaiter(const QCoroAwaiter &) = delete;
    ~QCoroAwaiter()
    {
        if (m_link)
            m_link->abandoned = true;
    }

    [[nodiscard]] bool await_ready() const noexcept { return false; }
    template<typename P>
    bool await_suspend(std::coroutine_handle<P> h)
    {
        m_self = &detail::taskOf(h);
        if (!m_self->beginSuspend(this, AwaitKind::Future, 0))
            return false;
        m_link = std::make_shared<detail::BridgeLink<T>>();
        m_link->task = m_self;
        // The driver is detached on purpose: it ends when the QCoro side does.
        [[maybe_unused]] auto driver = detail::driveQCoro<T>(std::move(m_work), m_link);
        return true;
    }
    T await_resume()
    {
        if (m_self)
            m_self->throwIfCancelled();
        auto link = std::exchange(m_link, nullptr);
        link->abandoned = true;
        if (link->error)
            std::rethrow_exception(link->error);
        if constexpr (!std::is_void_v<T>)
            return std::move(*link->value);
    }
    bool cancelWait(TaskCore &) override
    {
        m_link->abandoned = true;
        if (m_onCancel)
            m_onCancel();
        return false;
    }

private:
    QCoro::Task<T> m_work;
    std::function<void()> m_onCancel;
    TaskCore *m_self = nullptr;
    std::shared_ptr<detail::BridgeLink<T>> m_link;
};

template<typename T>
[[nodiscard]] QCoroAwaiter<T> awaitQCoro(QCoro::Task<T> work, std::function<void()> onCancel = {})
{
    return QCoroAwaiter<T>(std::move(work), std::move(onCancel));
}

namespace detail {
// Awaits the future as QFuture<void> so that a cancelled future (which has no
// result to read) ends in Cancelled instead of reading a missing result.
template<typename T>
QCoro::Task<T> awaitFutureQCoro(QFuture<T> future)
{
    co_await QFuture<void>(future);
    if (future.isCanceled())
        throw Cancelled(CancelReason::user());
    if constexpr (!std::is_void_v<T>)
        co_return future.result();
}
} // namespace detail

// Cancelling the awaiting task cancels the future too (QFuture::cancel).
template<typename T>
[[nodiscard]] QCoroAwaiter<T> awaitFuture(QFuture<T> future)
{
    return QCoroAwaiter<T>(detail::awaitFutureQCoro<T>(future), [future]() mutable { future.cancel(); });
}

namespace detail {
template<typename T, typename Signal>
QCoro::Task<void> awaitSignalQCoro(QPointer<T> object, Signal signal)
{
    co_await qCoro(object.data(), signal);
}
} // namespace detail

// Resumes at the next emission of `signal` (its arguments are not passed on).
// Cancelling the awaiting task only stops listening for the result. Avoid signals
// with a QPrivateSignal argument (QTimer::timeout): QCoro 0.8 binds a reference to
// the null pointer Qt passes for it, which UBSan reports.
template<typename T, typename Signal>
[[nodiscard]] QCoroAwaiter<void> awaitSignal(T *object, Signal signal)
{
    return QCoroAwaiter<void>(detail::awaitSignalQCoro<T>(QPointer<T>(object), signal), {});
}

} // namespace coroscope::rt

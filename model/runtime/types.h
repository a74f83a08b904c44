#pragma once

// Vocabulary shared by the whole runtime: task states, cancellation reasons, the
// exceptions a task sees at an await point, and what a task can be waiting on.
// Plain values only; no threading rules apply.

#include <QString>

#include <cstdint>
#include <exception>

namespace coroscope::rt {

enum class TaskState : std::uint8_t { Pending, Running, Done, Failed, Cancelled };

[[nodiscard]] constexpr bool isFinal(TaskState s) noexcept
{
    return s == TaskState::Done || s == TaskState::Failed || s == TaskState::Cancelled;
}
[[nodiscard]] QString toString(TaskState s);

enum class CancelKind : std::uint8_t { None, User, Parent, Timeout, Deadline, Task };

// Why a task was cancelled. For CancelKind::Task, byTask is the id of the task that
// asked (the log spells it `task:<name of that task>`).
struct CancelReason {
    CancelKind kind = CancelKind::None;
    std::uint64_t byTask = 0;

    [[nodiscard]] static constexpr CancelReason user() { return {CancelKind::User, 0}; }
    [[nodiscard]] static constexpr CancelReason parent() { return {CancelKind::Parent, 0}; }
    [[nodiscard]] static constexpr CancelReason timeout() { return {CancelKind::Timeout, 0}; }
    [[nodiscard]] static constexpr CancelReason deadline() { return {CancelKind::Deadline, 0}; }
    [[nodiscard]] static constexpr CancelReason byTaskId(std::uint64_t id) { return {CancelKind::Task, id}; }
    friend constexpr bool operator==(CancelReason, CancelReason) = default;
};

// "user", "parent", "timeout", "deadline", "task" (the caller appends ":<name>").
[[nodiscard]] QString toString(CancelKind k);

// Raised inside a task at the await it is suspended on when the task is cancelled
// (asyncio.CancelledError). A task may catch it, clean up and rethrow, or swallow it.
class Cancelled final : public std::exception
{
public:
    explicit Cancelled(CancelReason reason) noexcept : m_reason(reason) {}
    [[nodiscard]] const char *what() const noexcept override { return "cancelled"; }
    [[nodiscard]] CancelReason reason() const noexcept { return m_reason; }

private:
    CancelReason m_reason;
};

// Raised by wait_for and as_completed when their timeout passes (asyncio.TimeoutError).
class TimeoutError final : public std::exception
{
public:
    [[nodiscard]] const char *what() const noexcept override { return "timeout"; }
};

// An error with a message, the C++ side of `raise RuntimeError(message)`.
class TaskError final : public std::exception
{
public:
    explicit TaskError(QString message) : m_message(std::move(message)), m_utf8(m_message.toUtf8()) {}
    [[nodiscard]] const char *what() const noexcept override { return m_utf8.constData(); }
    [[nodiscard]] const QString &message() const noexcept { return m_message; }

private:
    QString m_message;
    QByteArray m_utf8;
};

// Raised when a result is asked of a task that has not finished (asyncio.InvalidStateError).
class InvalidStateError final : public std::exception
{
public:
    [[nodiscard]] const char *what() const noexcept override { return "task has not finished"; }
};

// The text of an exception as the log shows it in `error`.
[[nodiscard]] QString errorText(const std::exception_ptr &error);

// What a suspended task waits on. The journal stores the kind and one number; the
// monitor turns them into text such as "sleep 2s" or "gather 3".
enum class AwaitKind : std::uint8_t {
    None,
    Yield,      // sleep(0): one loop iteration
    Sleep,      // arg: milliseconds
    Task,       // arg: id of the awaited task
    Gather,     // arg: number of children
    Wait,       // arg: number of children
    AsCompleted,// arg: number still to come
    WaitFor,    // arg: id of the awaited task
    QueueGet,
    QueuePut,
    QueueJoin,
    Executor,   // CPU work on the thread pool
    Threadsafe, // a coroutine on another loop; arg: remote task id once known
    Future,     // a QFuture or other QCoro awaitable
};

[[nodiscard]] QString describeAwait(AwaitKind kind, std::uint64_t arg);

} // namespace coroscope::rt

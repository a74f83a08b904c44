#include "types.h"

#include "clock.h"

#include <QtGlobal>

#ifdef Q_OS_UNIX
#include <time.h>
#endif

namespace coroscope::rt {

QString toString(TaskState s)
{
    switch (s) {
    case TaskState::Pending: return QStringLiteral("pending");
    case TaskState::Running: return QStringLiteral("running");
    case TaskState::Done: return QStringLiteral("done");
    case TaskState::Failed: return QStringLiteral("failed");
    case TaskState::Cancelled: return QStringLiteral("cancelled");
    }
    return {};
}

QString toString(CancelKind k)
{
    switch (k) {
    case CancelKind::None: return {};
    case CancelKind::User: return QStringLiteral("user");
    case CancelKind::Parent: return QStringLiteral("parent");
    case CancelKind::Timeout: return QStringLiteral("timeout");
    case CancelKind::Deadline: return QStringLiteral("deadline");
    case CancelKind::Task: return QStringLiteral("task");
    }
    return {};
}

QString errorText(const std::exception_ptr &error)
{
    if (!error)
        return {};
    try {
        std::rethrow_exception(error);
    } catch (const TaskError &e) {
        return e.message();
    } catch (const std::exception &e) {
        return QString::fromUtf8(e.what());
    } catch (...) {
        return QStringLiteral("unknown error");
    }
}

static QString secondsText(std::uint64_t ms)
{
    if (ms % 1000 == 0)
        return QString::number(ms / 1000) + QLatin1Char('s');
    return QString::number(double(ms) / 1000.0, 'g', 6) + QLatin1Char('s');
}

QString describeAwait(AwaitKind kind, std::uint64_t arg)
{
    switch (kind) {
    case AwaitKind::None: return {};
    case AwaitKind::Yield: return QStringLiteral("sleep 0s");
    case AwaitKind::Sleep: return QStringLiteral("sleep ") + secondsText(arg);
    case AwaitKind::Task: return QStringLiteral("task ") + QString::number(arg);
    case AwaitKind::Gather: return QStringLiteral("gather ") + QString::number(arg);
    case AwaitKind::Wait: return QStringLiteral("wait ") + QString::number(arg);
    case AwaitKind::AsCompleted: return QStringLiteral("as_completed ") + QString::number(arg);
    case AwaitKind::WaitFor: return QStringLiteral("wait_for ") + QString::number(arg);
    case AwaitKind::QueueGet: return QStringLiteral("queue.get");
    case AwaitKind::QueuePut: return QStringLiteral("queue.put");
    case AwaitKind::QueueJoin: return QStringLiteral("queue.join");
    case AwaitKind::Executor: return QStringLiteral("pool");
    case AwaitKind::Threadsafe: return QStringLiteral("threadsafe");
    case AwaitKind::Future: return QStringLiteral("future");
    }
    return {};
}

std::int64_t monotonicNs() noexcept
{
    using namespace std::chrono;
    static const auto epoch = steady_clock::now();
    return duration_cast<nanoseconds>(steady_clock::now() - epoch).count();
}

std::int64_t threadCpuNs() noexcept
{
#ifdef Q_OS_UNIX
    timespec t{};
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) == 0)
        return std::int64_t(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
#endif
    return 0;
}

} // namespace coroscope::rt

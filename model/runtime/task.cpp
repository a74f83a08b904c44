#include "task.h"

#include "logging.h"
#include "taskgroup.h"

#include <QStringBuilder>

#include <atomic>
#include <bit>
#include <typeinfo>

#if defined(__GLIBCXX__)
#include <cxxabi.h>
#endif

namespace coroscope::rt {

namespace {
std::atomic<std::uint64_t> g_nextTaskId{1};
} // namespace

// Every task's frame holds one: a sleeping task's whole cost is its frame (pooled in
// 32-byte classes, docs/spec/runtime-package.md, "A sleeping task's bytes"). At 104
// bytes the task-set interpreter's sleep frame falls into the 256-byte class instead
// of 224: 32 MB more at a million sleepers.
static_assert(sizeof(TaskCore) <= 96, "a task's fixed fields keep a sleeping task's frame in the 224-byte class");

QString TaskCore::name() const
{
    if (m_copyIndex != kNoCopyIndex)
        return m_loop->copyName(m_copyName) % QLatin1Char('[') % QString::number(m_copyIndex) % QLatin1Char(']');
    return m_extras ? m_extras->name : QString();
}

void TaskCore::setResultText(const QString &text)
{
    extras().resultText = text;
    m_result = ResultKind::Text;
}

void TaskCore::setResultValue(const QJsonValue &value)
{
    extras().resultValue = value;
    m_result = ResultKind::Value;
}

CancelReason TaskCore::cancelReason() const noexcept
{
    // Only a cancel by a task keeps who: the others need not reach into the extras.
    return {m_cancelKind, m_cancelKind == CancelKind::Task && m_extras ? m_extras->cancelledBy : 0};
}

TaskCore::Extras &TaskCore::extras()
{
    if (!m_extras)
        m_extras = std::make_unique<Extras>();
    return *m_extras;
}

void TaskCore::setCancelReason(CancelReason reason)
{
    m_cancelKind = reason.kind;
    if (reason.kind == CancelKind::Task)
        extras().cancelledBy = reason.byTask;
}

void TaskCore::attach(Loop &loop, const SpawnOptions &options)
{
    Q_ASSERT(!m_loop);
    m_loop = &loop;
    m_id = g_nextTaskId.fetch_add(1, std::memory_order_relaxed);
    std::uint64_t parentId = 0;
    if (options.parent) {
        parentId = *options.parent;
    } else if (TaskCore *current = Loop::currentTask(); current && current->m_loop == &loop) {
        parentId = current->m_id;
    }
    // An indexed name travels as its shared base and the index, unless the event's
    // second argument is taken by an origin (then as its whole text).
    const bool indexed = options.copyIndex && options.origin == 0;
    if (options.copyIndex) {
        m_copyName = loop.copyNameIndex(options.name);
        m_copyIndex = *options.copyIndex;
    } else if (!options.name.isEmpty()) {
        extras().name = options.name;
    }
    m_catchesCancel = options.catchesCancel;
    loop.registerTask(this);
    Journal &j = loop.journal();
    if (indexed)
        j.append(EventType::Created, m_id, parentId, options.tag, j.addString(options.name), *options.copyIndex, -1,
                 kIndexedName);
    else
        j.append(EventType::Created, m_id, parentId, options.tag,
                 j.addString(options.copyIndex ? name() : options.name), options.origin);
    j.publishIfLarge();
    loop.scheduleResume(this);
    if (options.group) {
        m_group = options.group;
        m_group->joined(*this);
    }
}

bool TaskCore::beginSuspend(Suspension *at, AwaitKind kind, std::uint64_t arg)
{
    m_suspension = at;
    m_loop->journal().append(EventType::Suspended, m_id, arg, std::uint8_t(kind));
    return true;
}

void TaskCore::throwIfCancelled()
{
    if (!m_mustCancel)
        return;
    m_mustCancel = false;
    throw Cancelled(cancelReason());
}

bool TaskCore::cancel(CancelReason reason)
{
    if (finished())
        return false;
    if (m_cancelKind == CancelKind::None) {
        setCancelReason(reason);
        m_loop->journal().append(EventType::CancelRequested, m_id, reason.byTask, std::uint8_t(reason.kind));
        m_loop->journal().publishIfLarge();
    }
    if (m_state == TaskState::Pending) {
        // Never started: the loop ends it cancelled instead of running it.
        m_mustCancel = true;
        return true;
    }
    if (m_suspension && !m_resumeScheduled) {
        cancelAwait();
        return true;
    }
    // Running right now, or already woken: Cancelled is raised at the next await (the
    // await point is cancelled when the step ends, see stepEnded()), or the task ends
    // cancelled if it returns first (finish()).
    m_mustCancel = true;
    return true;
}

void TaskCore::cancelAwait()
{
    if (m_suspension->cancelWait(*this))
        return; // the awaiter wakes the task once what it waits on has ended
    m_mustCancel = true;
    wake();
}

void TaskCore::stepEnded()
{
    if (!m_mustCancel || finished() || !m_suspension || m_resumeScheduled)
        return;
    m_mustCancel = false;
    cancelAwait();
}

std::size_t TaskCore::callbackCount() const noexcept
{
    return m_extras ? m_extras->callbacks : 0;
}

void TaskCore::addDoneCallback(Callback callback, const QString &description)
{
    Extras &x = extras();
    if (m_waiter0 && !finished()) {
        // (Once finished, the waiter's done-callback is queued already, as kWaiter0.)
        x.entries.push_back(DoneEntry{std::exchange(m_waiter0, nullptr), {}, 0, false});
    }
    // Only described callbacks are the user's: they get an index and are journalled.
    const bool described = !description.isEmpty();
    const std::uint32_t index = described ? x.callbacks++ : 0;
    if (described && m_loop) {
        Journal &j = m_loop->journal();
        j.append(EventType::CallbackAdded, m_id, index, 0, j.addString(description));
    }
    x.entries.push_back(DoneEntry{nullptr, std::move(callback), index, described});
    if (finished())
        m_loop->scheduleDoneEntry(this, std::int32_t(x.entries.size() - 1));
}

void TaskCore::addWaiter(DoneWaiter *waiter)
{
    Q_ASSERT(!finished());
    if (!m_waiter0 && (!m_extras || m_extras->entries.empty())) {
        m_waiter0 = waiter;
        return;
    }
    Extras &x = extras();
    if (m_waiter0)
        x.entries.push_back(DoneEntry{std::exchange(m_waiter0, nullptr), {}, 0, false});
    x.entries.push_back(DoneEntry{waiter, {}, 0, false});
}

void TaskCore::removeWaiter(DoneWaiter *waiter) noexcept
{
    if (m_waiter0 == waiter) {
        m_waiter0 = nullptr;
        return;
    }
    if (!m_extras)
        return;
    for (DoneEntry &e : m_extras->entries) {
        if (e.waiter == waiter) {
            e.waiter = nullptr;
            return;
        }
    }
}

void TaskCore::captureException() noexcept
{
#if defined(__GLIBCXX__)
    // libstdc++ tells the current exception's type without a rethrow (a rethrow is a
    // second full unwind, the larger part of a cancellation's cost).
    if (const std::type_info *type = abi::__cxa_current_exception_type(); type && *type == typeid(Cancelled)) {
        std::exception_ptr current = std::current_exception();
        const auto *cancelled = static_cast<const Cancelled *>(*reinterpret_cast<void *const *>(&current));
        if (m_cancelKind == CancelKind::None)
            setCancelReason(cancelled->reason());
        m_state = TaskState::Cancelled;
        return;
    }
#endif
    try {
        throw;
    } catch (const Cancelled &c) {
        // Ends cancelled. A task that was not asked to stop takes the reason of the
        // cancellation that reached it (a child's, through gather or an await).
        if (m_cancelKind == CancelKind::None)
            setCancelReason(c.reason());
        m_state = TaskState::Cancelled;
    } catch (const std::bad_alloc &) {
        // Memory exhaustion is the process's, not a result of this task: it ends the
        // process through std::terminate with the exception current, so the program's
        // terminate handler can say so (docs/spec/runtime-package.md, "Memory").
        std::terminate();
    } catch (...) {
        extras().error = std::current_exception(); // (no memory: std::terminate, as above)
        m_state = TaskState::Failed;
    }
}

void TaskCore::endCancelledWithoutResuming()
{
    m_state = TaskState::Cancelled;
    finish();
}

void TaskCore::finish()
{
    // Returned while a cancellation was due: asyncio's Task.__step ends it cancelled.
    if (m_state == TaskState::Running || m_state == TaskState::Pending)
        m_state = m_mustCancel ? TaskState::Cancelled : TaskState::Done;
    m_suspension = nullptr;
    m_mustCancel = false;

    Journal &j = m_loop->journal();
    switch (m_state) {
    case TaskState::Done:
        if (m_result == ResultKind::Number)
            j.append(EventType::Done, m_id, std::bit_cast<std::uint64_t>(m_resultNumber), 0, 0, 0, -1, kNumberResult);
        else if (m_result == ResultKind::Text)
            j.append(EventType::Done, m_id, 0, 0, j.addString(m_extras->resultText));
        else if (m_result == ResultKind::Value)
            j.append(EventType::Done, m_id, 0, 0, j.addValue(m_extras->resultValue), 0, -1, kValueResult);
        else
            j.append(EventType::Done, m_id);
        break;
    case TaskState::Failed: j.append(EventType::Failed, m_id, 0, 0, j.addString(errorText())); break;
    case TaskState::Cancelled: {
        const CancelReason r = cancelReason();
        j.append(EventType::Cancelled, m_id, r.byTask, std::uint8_t(r.kind));
        break;
    }
    default: break;
    }
    j.publishIfLarge();

    // asyncio's __schedule_callbacks: every done-callback runs in the next iteration,
    // in the order they were added (docs/spec/taskset-format.md, "Iterations").
    if (m_waiter0) {
        // The common case: one awaiter and no callbacks.
        if (m_waiter0->wakesOnly)
            std::exchange(m_waiter0, nullptr)->onTaskDone(*this);
        else
            m_loop->scheduleDoneEntry(this, kWaiter0);
    } else if (m_extras) {
        for (std::size_t i = 0; i < m_extras->entries.size(); ++i) {
            DoneEntry &e = m_extras->entries[i];
            if (e.waiter && e.waiter->wakesOnly)
                std::exchange(e.waiter, nullptr)->onTaskDone(*this);
            else
                m_loop->scheduleDoneEntry(this, std::int32_t(i));
        }
    }
    m_loop->unregisterTask(this);
}

void TaskCore::runDoneEntry(std::int32_t tag)
{
    if (tag == kWaiter0) {
        if (DoneWaiter *w = std::exchange(m_waiter0, nullptr))
            w->onTaskDone(*this);
        return;
    }
    DoneEntry &e = m_extras->entries[std::size_t(tag)];
    if (DoneWaiter *w = std::exchange(e.waiter, nullptr)) {
        w->onTaskDone(*this);
        return;
    }
    if (!e.callback)
        return;
    Callback callback = std::move(e.callback);
    e.callback = nullptr;
    const std::uint32_t index = e.callbackIndex; // `e` may move if the callback adds callbacks
    const bool described = e.described;
    if (described)
        m_loop->journal().append(EventType::Callback, m_id, index);
    try {
        callback(*this);
    } catch (const std::bad_alloc &) {
        std::terminate(); // as in captureException
    } catch (...) {
        // asyncio's "Exception in callback": reported, and the loop goes on.
        const QString error = rt::errorText(std::current_exception());
        if (described) {
            Journal &j = m_loop->journal();
            j.append(EventType::CallbackFailed, m_id, index, 0, j.addString(error));
        } else {
            qCWarning(lcRuntime, "done-callback of task %llu raised: %s", static_cast<unsigned long long>(m_id),
                      qUtf8Printable(error));
        }
    }
}

void rethrowIfUnsuccessful(const TaskCore &task)
{
    switch (task.state()) {
    case TaskState::Done: return;
    case TaskState::Failed: std::rethrow_exception(task.error());
    case TaskState::Cancelled: throw Cancelled(task.cancelReason());
    default: throw InvalidStateError();
    }
}

namespace detail {
void ensureAttached(TaskCore &task)
{
    if (!task.attached())
        task.attach(*Loop::current(), {});
}
} // namespace detail

} // namespace coroscope::rt

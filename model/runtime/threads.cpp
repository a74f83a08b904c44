#include "threads.h"

#include <QEventLoop>

#include <algorithm>
#include <atomic>
#include <cerrno>

#ifdef Q_OS_LINUX
#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace coroscope::rt {

namespace {
std::atomic<int> g_taskThreadNice{0};
} // namespace

void setTaskThreadNice(int increment)
{
    g_taskThreadNice.store(std::clamp(increment, 0, 19), std::memory_order_relaxed);
}

int taskThreadNice()
{
    return g_taskThreadNice.load(std::memory_order_relaxed);
}

void nameThisThread(const QString &name)
{
#ifdef Q_OS_LINUX
    // What top, perf and gdb show; the kernel keeps 15 bytes.
    (void)::pthread_setname_np(::pthread_self(), name.toUtf8().left(15).constData());
#else
    Q_UNUSED(name)
#endif
}

void lowerThisThreadPriority(int increment)
{
#ifdef Q_OS_LINUX
    if (increment <= 0)
        return;
    // On Linux a thread is a task with a nice value of its own.
    const auto tid = id_t(::syscall(SYS_gettid));
    errno = 0;
    const int current = ::getpriority(PRIO_PROCESS, tid);
    if (errno == 0)
        (void)::setpriority(PRIO_PROCESS, tid, std::min(19, current + increment));
#else
    Q_UNUSED(increment)
#endif
}

CpuPool::CpuPool(int threads)
{
    m_workers.reserve(std::size_t(threads));
    for (int i = 0; i < threads; ++i)
        m_workers.emplace_back([this] { work(); });
}

CpuPool::~CpuPool()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    for (auto &t : m_workers)
        t.join();
}

void CpuPool::submit(std::function<void()> job)
{
    {
        std::lock_guard lock(m_mutex);
        m_jobs.push_back(std::move(job));
    }
    m_wake.notify_one();
}

void CpuPool::waitForIdle()
{
    std::unique_lock lock(m_mutex);
    m_idle.wait(lock, [this] { return m_jobs.empty() && m_busy == 0; });
}

void CpuPool::work()
{
    lowerThisThreadPriority(taskThreadNice());
    std::unique_lock lock(m_mutex);
    for (;;) {
        m_wake.wait(lock, [this] { return m_stopping || !m_jobs.empty(); });
        if (m_jobs.empty())
            return; // stopping, and nothing left to do
        std::function<void()> job = std::move(m_jobs.front());
        m_jobs.pop_front();
        ++m_busy;
        lock.unlock();
        job();
        job = nullptr;
        lock.lock();
        --m_busy;
        if (m_jobs.empty() && m_busy == 0)
            m_idle.notify_all();
    }
}

int defaultPoolThreadCount()
{
    // asyncio's default executor: ThreadPoolExecutor(max_workers=min(32, cpu_count + 4)).
    return std::min(32, std::max(1, QThread::idealThreadCount()) + 4);
}

CpuPool &cpuPool()
{
    // Leaked on purpose: a static pool would join its threads at exit, and so keep a
    // finished run's process alive until abandoned pool work had run to its end.
    static CpuPool *pool = new CpuPool(defaultPoolThreadCount());
    return *pool;
}

LoopThread::LoopThread(QString name)
{
    std::mutex mutex;
    std::condition_variable upCondition;
    bool up = false;
    m_thread = std::thread([&, name] {
        lowerThisThreadPriority(taskThreadNice());
        QEventLoop events;
        Loop threadLoop(name);
        {
            std::lock_guard lock(mutex);
            m_loop = &threadLoop;
            m_events = &events;
            m_qthread = QThread::currentThread();
            m_qthread->setObjectName(name);
            nameThisThread(QStringLiteral("loop ") + name);
            up = true;
            // Notify under the lock: the constructor destroys the condition
            // variable as soon as it wakes.
            upCondition.notify_one();
        }
        events.exec();
    });
    std::unique_lock lock(mutex);
    upCondition.wait(lock, [&] { return up; });
}

LoopThread::~LoopThread() { stop(); }

void LoopThread::stop()
{
    if (!m_thread.joinable())
        return;
    QEventLoop *events = m_events;
    m_loop->callSoonThreadsafe([events] { events->quit(); });
    m_thread.join();
    m_loop = nullptr;
}

} // namespace coroscope::rt

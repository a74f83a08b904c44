#include "threads.h"

#include <QEventLoop>
#include <QSemaphore>

namespace coroscope::rt {

QThreadPool &cpuPool()
{
    static QThreadPool *pool = [] {
        auto *p = new QThreadPool; // lives for the whole process, like the global pool
        p->setObjectName(QStringLiteral("pool"));
        p->setMaxThreadCount(std::max(2, QThread::idealThreadCount()));
        return p;
    }();
    return *pool;
}

LoopThread::LoopThread(QString name)
{
    QSemaphore ready;
    Loop *loop = nullptr;
    m_thread.reset(QThread::create([&ready, &loop, name] {
        Loop threadLoop(name);
        loop = &threadLoop;
        ready.release();
        QEventLoop events;
        events.exec();
    }));
    m_thread->setObjectName(name);
    m_thread->start();
    ready.acquire();
    m_loop = loop;
}

LoopThread::~LoopThread() { stop(); }

void LoopThread::stop()
{
    if (!m_thread || m_thread->isFinished())
        return;
    m_thread->quit();
    m_thread->wait();
}

} // namespace coroscope::rt

#include "run.h"

#include <QMetaObject>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <condition_variable>
#include <memory>
#include <mutex>

namespace coroscope::session {

namespace {
// What the GUI thread waits for while callbacks on loop threads finish: `count` of
// them call done(). Shared with the callbacks, so one that comes after a wait timed
// out still finds it.
class Countdown
{
public:
    explicit Countdown(std::size_t count) : m_left(count) {}
    void done()
    {
        std::lock_guard lock(m_mutex);
        if (m_left > 0)
            --m_left;
        m_zero.notify_all();
    }
    void wait()
    {
        std::unique_lock lock(m_mutex);
        m_zero.wait(lock, [this] { return m_left == 0; });
    }
    [[nodiscard]] bool waitFor(std::chrono::milliseconds timeout)
    {
        std::unique_lock lock(m_mutex);
        return m_zero.wait_for(lock, timeout, [this] { return m_left == 0; });
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_zero;
    std::size_t m_left;
};
} // namespace

Run::Run(taskset::TaskSet set, bool keepOpen, QObject *parent)
    : QObject(parent)
    , m_setName(set.name)
    , m_thread(std::make_unique<rt::LoopThread>(QStringLiteral("main")))
{
    // Create and start the run on its loop, and wait until it exists: from then on
    // every command can be queued behind it.
    connect(this, &Run::startedOnLoop, this, [this](std::int64_t start) { Q_EMIT started(start); },
            Qt::QueuedConnection);
    connect(this, &Run::finishedOnLoop, this, [this](std::int64_t end) {
        // finished() comes in the middle of a loop's slice: the rest of that slice's
        // events (a last task's callbacks) are published only when it ends.
        m_running = false;
        m_endNs = end;
        m_endPending = true;
        publishJournals();
        takeFromJournals();
        if (m_backlog.empty()) { // nothing left to apply: the table is complete now
            m_endPending = false;
            Q_EMIT ended(end);
        }
    }, Qt::QueuedConnection);
    auto created = std::make_shared<Countdown>(1);
    rt::Loop &loop = m_thread->loop();
    loop.callSoonThreadsafe([this, created, keepOpen, set = std::move(set)]() mutable {
        auto *run = new taskset::TaskSetRun(std::move(set), *rt::Loop::current());
        run->setKeepOpen(keepOpen);
        QObject::connect(run, &taskset::TaskSetRun::finished, run,
                         [this, run] {
                             std::lock_guard posting(m_postMutex);
                             Q_EMIT finishedOnLoop(run->endNs(), QPrivateSignal());
                         });
        run->start();
        const std::int64_t start = run->startNs();
        {
            std::lock_guard posting(m_postMutex);
            Q_EMIT startedOnLoop(start, QPrivateSignal());
        }
        m_run = run;
        m_startNs = start;
        {
            std::lock_guard loopsLock(m_loopsMutex);
            m_loops = run->journals();
        }
        created->done(); // its lock publishes the fields above to the waiting thread
    });
    created->wait();
}

bool Run::event(QEvent *e)
{
    {
        std::lock_guard reading(m_postMutex);
    }
    return QObject::event(e);
}

Run::~Run()
{
    // Cancel every task and delete the run on its loop only once the run says all
    // have ended (finished(), a step after the last one): a cancelled task ends at its
    // next step, and a task spawned by a done-callback may still come. Deleting it at
    // once would make those tasks end into a deleted run (a use after free when the
    // dashboard closes mid-run). A task may block its loop for a while; after kStopWait the run is left
    // to the process's end (its loop thread stops below, so nothing runs it again).
    constexpr auto kStopWait = std::chrono::seconds(3);
    auto gone = std::make_shared<Countdown>(1);
    taskset::TaskSetRun *run = m_run;
    m_thread->loop().callSoonThreadsafe([run, gone] {
        const auto remove = [run, gone] {
            delete run;
            gone->done();
        };
        run->setKeepOpen(false);
        if (run->tasksLive() == 0) {
            remove();
            return;
        }
        QObject::connect(
            run, &taskset::TaskSetRun::finished, run,
            [remove] { rt::Loop::current()->callSoon(remove); }, // not inside the run's own signal
            Qt::SingleShotConnection);
        run->stop();
    });
    if (!gone->waitFor(kStopWait))
        qWarning("run of %s: tasks still running %lld s after being cancelled; left as they are",
                 qPrintable(m_setName), static_cast<long long>(kStopWait.count()));
    m_thread->stop();
}

std::vector<taskset::TaskSetRun::LoopJournal> Run::loops() const
{
    std::lock_guard lock(m_loopsMutex);
    return m_loops;
}

void Run::takeFromJournals()
{
    const std::vector<taskset::TaskSetRun::LoopJournal> loops = this->loops();
    m_backlog.take([&](const auto &take) {
        for (const auto &j : loops) {
            j.loop->journal().drainEach(m_batch, [&](rt::JournalBatch &batch) {
                if (!batch.events.empty())
                    take(j.name, batch);
            });
        }
    });
}

bool Run::pump(std::int64_t budgetNs, const Apply &apply, std::size_t sliceEvents)
{
    const std::int64_t start = rt::monotonicNs();
    if (m_backlog.empty())
        takeFromJournals();
    while (!m_backlog.empty()) {
        m_backlog.applyNext(sliceEvents, apply);
        if (m_backlog.empty() && !m_endPending)
            takeFromJournals(); // more, unless the end waits: its events are all taken
        if (budgetNs >= 0 && rt::monotonicNs() - start >= budgetNs)
            break;
    }
    if (!m_backlog.empty())
        return false;
    if (m_endPending) {
        m_endPending = false;
        Q_EMIT ended(m_endNs);
    }
    return true;
}

void Run::publishJournals()
{
    const std::vector<taskset::TaskSetRun::LoopJournal> loops = this->loops();
    auto published = std::make_shared<Countdown>(loops.size());
    for (const auto &j : loops) {
        j.loop->callSoonThreadsafe([published] {
            rt::Loop::current()->journal().publish();
            published->done();
        });
    }
    published->wait();
}

std::vector<std::pair<QString, std::int64_t>> Run::longestSteps() const
{
    std::vector<std::pair<QString, std::int64_t>> out;
    for (const auto &j : loops())
        out.emplace_back(j.name, j.loop->maxStallNs());
    return out;
}

std::vector<std::pair<QString, rt::Loop::Step>> Run::currentSteps() const
{
    std::vector<std::pair<QString, rt::Loop::Step>> out;
    for (const auto &j : loops())
        out.emplace_back(j.name, j.loop->currentStep());
    return out;
}

void Run::post(std::function<void(taskset::TaskSetRun &)> fn)
{
    taskset::TaskSetRun *run = m_run;
    m_thread->loop().callSoonThreadsafe([run, fn = std::move(fn)] { fn(*run); });
}

void Run::stop()
{
    post([](taskset::TaskSetRun &run) { run.stop(rt::CancelReason::user()); });
}

void Run::cancel(std::vector<std::uint64_t> user, std::vector<std::uint64_t> parent)
{
    post([user = std::move(user), parent = std::move(parent)](taskset::TaskSetRun &run) { run.cancel(user, parent); });
}

void Run::spawn(std::shared_ptr<const taskset::Node> node, std::uint64_t parentRuntimeId,
                std::function<void(std::uint64_t)> spawned)
{
    m_running = true;
    m_endPending = false; // an end not announced yet is stale: the run goes on
    post([node, parentRuntimeId, spawned = std::move(spawned)](taskset::TaskSetRun &run) {
        const std::uint64_t id = run.spawn(node, parentRuntimeId);
        if (spawned)
            spawned(id);
    });
}

void Run::addCallback(std::uint64_t runtimeId, taskset::Callback callback, std::uint32_t nextIndex)
{
    post([runtimeId, callback = std::move(callback), nextIndex](taskset::TaskSetRun &run) {
        run.addCallback(runtimeId, callback, nextIndex);
    });
}

} // namespace coroscope::session

#include "liverun.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QMetaObject>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <condition_variable>
#include <memory>
#include <mutex>

namespace coroscope::monitor {

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

LiveRun::LiveRun(taskset::TaskSet set, bool keepOpen, QObject *parent)
    : QObject(parent)
    , m_setName(set.name)
    , m_thread(std::make_unique<rt::LoopThread>(QStringLiteral("main")))
{
    // Create and start the run on its loop, and wait until it exists: from then on
    // every command can be queued behind it.
    connect(this, &LiveRun::startedOnLoop, this, [this](std::int64_t start) { Q_EMIT started(start); },
            Qt::QueuedConnection);
    connect(this, &LiveRun::finishedOnLoop, this, [this](std::int64_t end) {
        m_running = false;
        Q_EMIT finished(end);
    }, Qt::QueuedConnection);
    auto created = std::make_shared<Countdown>(1);
    rt::Loop &loop = m_thread->loop();
    loop.callSoonThreadsafe([this, created, keepOpen, set = std::move(set)]() mutable {
        auto *run = new taskset::TaskSetRun(std::move(set), *rt::Loop::current());
        run->setKeepOpen(keepOpen);
        QObject::connect(run, &taskset::TaskSetRun::finished, run,
                         [this, run] { Q_EMIT finishedOnLoop(run->endNs(), QPrivateSignal()); });
        run->start();
        const std::int64_t start = run->startNs();
        Q_EMIT startedOnLoop(start, QPrivateSignal());
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

LiveRun::~LiveRun()
{
    // Cancel every task and delete the run on its loop only once the run says all
    // have ended (finished(), a step after the last one): a cancelled task ends at its
    // next step, and a task spawned by a done-callback may still come. Deleting it at
    // once made those tasks end into a deleted run (closing the dashboard mid-run
    // crashed). A task may block its loop for a while; after kStopWait the run is left
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

void LiveRun::drain(const Sink &sink)
{
    std::vector<taskset::TaskSetRun::LoopJournal> loops;
    {
        std::lock_guard lock(m_loopsMutex);
        loops = m_loops;
    }
    for (const auto &j : loops) {
        j.loop->journal().drainEach(m_batch, [&](rt::JournalBatch &batch) {
            if (!batch.events.empty())
                sink(j.name, batch);
        });
    }
}

void LiveRun::publishJournals()
{
    std::vector<taskset::TaskSetRun::LoopJournal> loops;
    {
        std::lock_guard lock(m_loopsMutex);
        loops = m_loops;
    }
    auto published = std::make_shared<Countdown>(loops.size());
    for (const auto &j : loops) {
        j.loop->callSoonThreadsafe([published] {
            rt::Loop::current()->journal().publish();
            published->done();
        });
    }
    published->wait();
}

std::vector<std::pair<QString, std::int64_t>> LiveRun::longestSteps() const
{
    std::lock_guard lock(m_loopsMutex);
    std::vector<std::pair<QString, std::int64_t>> out;
    for (const auto &j : m_loops)
        out.emplace_back(j.name, j.loop->maxStallNs());
    return out;
}

std::vector<std::pair<QString, rt::Loop::Step>> LiveRun::currentSteps() const
{
    std::lock_guard lock(m_loopsMutex);
    std::vector<std::pair<QString, rt::Loop::Step>> out;
    for (const auto &j : m_loops)
        out.emplace_back(j.name, j.loop->currentStep());
    return out;
}

void LiveRun::post(std::function<void(taskset::TaskSetRun &)> fn)
{
    taskset::TaskSetRun *run = m_run;
    m_thread->loop().callSoonThreadsafe([run, fn = std::move(fn)] { fn(*run); });
}

void LiveRun::stop()
{
    post([](taskset::TaskSetRun &run) { run.stop(rt::CancelReason::user()); });
}

namespace {
// On the calling loop: cancels the tasks `user` with reason user and `parent` with
// reason parent (both sorted ascending), in creation order, and hands the ids it does
// not find here to `next` (the worker loop, whose tasks are cancelled on its own
// thread).
void cancelHere(std::vector<std::uint64_t> user, std::vector<std::uint64_t> parent, rt::Loop *next)
{
    std::vector<std::uint64_t> all;
    all.reserve(user.size() + parent.size());
    std::merge(user.begin(), user.end(), parent.begin(), parent.end(), std::back_inserter(all));
    std::vector<std::uint64_t> done;
    done.reserve(all.size());
    std::vector<rt::TaskRef> found = rt::Loop::current()->findTasks(all);
    for (rt::TaskRef &held : found) {
        const rt::TaskRef t = std::move(held); // let go of each as soon as it is cancelled
        done.push_back(t->id());
        const bool byUser = std::binary_search(user.begin(), user.end(), t->id());
        t->cancel(byUser ? rt::CancelReason::user() : rt::CancelReason::parent());
    }
    if (!next || done.size() == user.size() + parent.size())
        return;
    std::sort(done.begin(), done.end());
    const auto elsewhere = [&](std::vector<std::uint64_t> &ids) {
        std::vector<std::uint64_t> left;
        std::set_difference(ids.begin(), ids.end(), done.begin(), done.end(), std::back_inserter(left));
        return left;
    };
    next->callSoonThreadsafe([user = elsewhere(user), parent = elsewhere(parent)]() mutable {
        cancelHere(std::move(user), std::move(parent), nullptr);
    });
}
} // namespace

rt::Loop *LiveRun::workerLoop() const
{
    std::lock_guard lock(m_loopsMutex);
    return m_loops.size() > 1 ? m_loops[1].loop : nullptr;
}

void LiveRun::cancelTasks(std::vector<std::uint64_t> runtimeIds)
{
    std::sort(runtimeIds.begin(), runtimeIds.end());
    post([runtimeIds = std::move(runtimeIds), worker = workerLoop()](taskset::TaskSetRun &) mutable {
        cancelHere(std::move(runtimeIds), {}, worker);
    });
}

void LiveRun::cancelSubtree(std::uint64_t rootRuntimeId, std::vector<std::uint64_t> descendants)
{
    std::sort(descendants.begin(), descendants.end());
    post([rootRuntimeId, descendants = std::move(descendants), worker = workerLoop()](taskset::TaskSetRun &) mutable {
        cancelHere({rootRuntimeId}, std::move(descendants), worker);
    });
}

void LiveRun::spawn(std::shared_ptr<const taskset::Node> node, std::uint64_t parentRuntimeId,
                    std::function<void(std::uint64_t)> spawned)
{
    m_running = true;
    post([node, parentRuntimeId, spawned = std::move(spawned)](taskset::TaskSetRun &run) {
        const std::uint64_t id = run.spawn(node, parentRuntimeId);
        if (spawned)
            spawned(id);
    });
}

void LiveRun::addCallback(std::uint64_t runtimeId, taskset::Callback callback, std::uint32_t nextIndex)
{
    post([runtimeId, callback, nextIndex](taskset::TaskSetRun &run) {
        if (run.addCallback(runtimeId, callback))
            return;
        // The task has ended (or lives on the worker loop, where its end is a moment
        // away): as asyncio does for a done task, the callback runs soon.
        QJsonObject d;
        switch (callback.kind) {
        case taskset::Callback::Kind::Log:
            d.insert(QStringLiteral("kind"), QStringLiteral("log"));
            d.insert(QStringLiteral("message"), callback.message);
            break;
        case taskset::Callback::Kind::Partial:
            d.insert(QStringLiteral("kind"), QStringLiteral("partial"));
            d.insert(QStringLiteral("args"), callback.args);
            break;
        case taskset::Callback::Kind::Spawn: d.insert(QStringLiteral("kind"), QStringLiteral("spawn")); break;
        }
        rt::Loop *loop = rt::Loop::current();
        rt::Journal &j = loop->journal();
        j.append(rt::EventType::CallbackAdded, runtimeId, nextIndex, 0,
                 j.addString(QString::fromUtf8(QJsonDocument(d).toJson(QJsonDocument::Compact))));
        loop->callSoon([&run, runtimeId, callback, nextIndex] {
            rt::Loop::current()->journal().append(rt::EventType::Callback, runtimeId, nextIndex);
            if (callback.kind == taskset::Callback::Kind::Spawn && callback.task)
                (void)run.spawn(callback.task, 0, runtimeId);
        });
    });
}

} // namespace coroscope::monitor

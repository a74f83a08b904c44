#include "helpers.h"

#include <QThread>

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <future>
#include <memory>
#include <thread>

using namespace coroscope;
using namespace coroscope::testing;
using rt::TaskState;

namespace {
// Real CPU work for about `ms` milliseconds of wall time.
std::uint64_t spin(int ms)
{
    const auto end = rt::monotonicNs() + std::int64_t(ms) * 1'000'000;
    std::uint64_t x = 1;
    while (rt::monotonicNs() < end) {
        for (int i = 0; i < 1000; ++i)
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    }
    return x;
}

Task<std::uint64_t> cpuOnPool(int ms, std::atomic<QThread *> *ranOn)
{
    co_return co_await rt::runInExecutor([ms, ranOn] {
        *ranOn = QThread::currentThread();
        return spin(ms);
    });
}

Task<int> onWorker(std::chrono::milliseconds d, QThread **ranOn)
{
    *ranOn = QThread::currentThread();
    co_await rt::sleep(d);
    co_return 7;
}

Task<int> awaitRemote(rt::ConcurrentFuture<int> f)
{
    co_return co_await f;
}

// Pool work that runs until `gate` opens (the gate outlives the work).
Task<int> awaitsGatedWork(rt::CpuPool *pool, const std::shared_future<void> *gate, std::atomic<bool> *started)
{
    const int r = co_await rt::runInExecutor(
        [gate, started] {
            *started = true;
            gate->wait();
            return 1;
        },
        *pool);
    co_return r;
}

Task<int> blocksTheLoop(int ms)
{
    spin(ms);
    co_return ms;
}
} // namespace

TEST_CASE("pool work runs on another thread, two jobs in parallel")
{
    rt::Loop loop(QStringLiteral("main"));
    std::atomic<QThread *> a{nullptr};
    std::atomic<QThread *> b{nullptr};
    const auto t0 = rt::monotonicNs();
    auto ja = rt::spawn(cpuOnPool(300, &a));
    auto jb = rt::spawn(cpuOnPool(300, &b));
    REQUIRE(runUntilIdle(loop).reached);
    const double tookMs = double(rt::monotonicNs() - t0) / 1e6;
    CHECK(ja->state() == TaskState::Done);
    CHECK(jb->state() == TaskState::Done);
    CHECK(a.load() != QThread::currentThread());
    CHECK(b.load() != QThread::currentThread());
    CHECK(a.load() != b.load());
    CHECK(tookMs < 500.0); // serial would be >= 600 ms
}

TEST_CASE("cancelling a task that awaits pool work ends it at once and drops the result")
{
    rt::Loop loop(QStringLiteral("main"));
    std::atomic<QThread *> ranOn{nullptr};
    auto job = rt::spawn(cpuOnPool(150, &ranOn));
    runUntil([&] { return ranOn.load() != nullptr; });
    const auto t0 = rt::monotonicNs();
    job->cancel();
    REQUIRE(runUntilFinished(job).reached);
    CHECK(rt::monotonicNs() - t0 < 100'000'000);
    CHECK(job->state() == TaskState::Cancelled);
    rt::cpuPool().waitForIdle();
    spinFor(10ms); // the late result arrives and is dropped
    CHECK(job->state() == TaskState::Cancelled);
}

TEST_CASE("a coroutine runs on another loop's thread and its result comes back")
{
    rt::Loop loop(QStringLiteral("main"));
    rt::LoopThread worker(QStringLiteral("worker"));
    QThread *ranOn = nullptr;
    SECTION("awaited from a task")
    {
        auto future = rt::runCoroutineThreadsafe(worker.loop(), onWorker(20ms, &ranOn));
        auto t = rt::spawn(awaitRemote(future));
        REQUIRE(runUntilFinished(t).reached);
        CHECK(t.result() == 7);
    }
    SECTION("blocked on from a plain thread")
    {
        auto future = rt::runCoroutineThreadsafe(worker.loop(), onWorker(20ms, &ranOn));
        CHECK(future.result(2s) == 7);
        CHECK(future.done());
    }
    CHECK(ranOn == worker.qthread());
}

TEST_CASE("cancelling a task awaiting another loop ends it at once and cancels the remote task")
{
    rt::Loop loop(QStringLiteral("main"));
    rt::LoopThread worker(QStringLiteral("worker"));
    QThread *ranOn = nullptr;
    auto future = rt::runCoroutineThreadsafe(worker.loop(), onWorker(10s, &ranOn));
    auto t = rt::spawn(awaitRemote(future));
    runUntil([&] { return t->state() == TaskState::Running; });
    t->cancel();
    REQUIRE(runUntilFinished(t, 1s).reached);
    CHECK(t->state() == TaskState::Cancelled);
    CHECK_THROWS_AS(future.result(2s), rt::Cancelled);
    try {
        (void)future.result();
    } catch (const rt::Cancelled &c) {
        CHECK(c.reason().kind == rt::CancelKind::Parent);
    }
}

TEST_CASE("call_soon_threadsafe runs a function on the loop's own thread")
{
    rt::Loop loop(QStringLiteral("main"));
    rt::LoopThread worker(QStringLiteral("worker"));
    std::atomic<QThread *> ranOn{nullptr};
    worker.loop().callSoonThreadsafe([&] { ranOn = QThread::currentThread(); });
    REQUIRE(runUntil([&] { return ranOn.load() != nullptr; }).reached);
    CHECK(ranOn.load() == worker.qthread());
}

namespace {
// Holds the loop until another thread has made its call, then makes a function ready.
Task<int> readiesAfterACall(rt::Loop *loop, std::atomic<bool> *running, std::atomic<bool> *called,
                            std::vector<QString> *order)
{
    *running = true;
    while (!called->load())
        QThread::yieldCurrentThread();
    loop->callSoon([order] { order->push_back(QStringLiteral("made ready by the step")); });
    co_return 0;
}
} // namespace

TEST_CASE("a call from another thread during a step runs before what the step makes ready afterwards")
{
    // asyncio's call_soon_threadsafe appends to the ready queue at once: the call
    // comes before anything the running step schedules after it.
    rt::Loop loop(QStringLiteral("main"));
    std::vector<QString> order;
    std::atomic<bool> running{false};
    std::atomic<bool> called{false};
    auto t = rt::spawn(readiesAfterACall(&loop, &running, &called, &order));
    std::thread other([&] {
        while (!running.load())
            QThread::yieldCurrentThread();
        loop.callSoonThreadsafe([&order] { order.push_back(QStringLiteral("called from another thread")); });
        called = true;
    });
    REQUIRE(runUntil([&] { return order.size() == 2; }).reached);
    other.join();
    CHECK(order == std::vector<QString>{QStringLiteral("called from another thread"), QStringLiteral("made ready by the step")});
}

TEST_CASE("a step that blocks the loop is journalled as a stall naming the task")
{
    rt::Loop loop(QStringLiteral("main"));
    auto t = rt::spawn(blocksTheLoop(80));
    auto quick = rt::spawn(sleepThenReturn(1ms, 1));
    REQUIRE(runUntilIdle(loop).reached);
    std::vector<rt::Event> stalls;
    for (const rt::Event &e : drainAll(loop).events) {
        if (e.type == rt::EventType::Stall)
            stalls.push_back(e);
    }
    REQUIRE(stalls.size() == 1);
    CHECK(stalls[0].task == t->id());
    CHECK(stalls[0].arg >= 80'000'000);
    CHECK(loop.maxStallNs() >= 80'000'000);
}

TEST_CASE("the pool has as many threads as asyncio's default executor")
{
    // ThreadPoolExecutor's default: min(32, cpu_count + 4) (docs/spec/taskset-format.md, "Pool").
    CHECK(rt::cpuPool().threadCount() == std::min(32, QThread::idealThreadCount() + 4));
    CHECK(rt::defaultPoolThreadCount() == rt::cpuPool().threadCount());
}

TEST_CASE("a loop may end while pool work its cancelled task awaited still computes")
{
    rt::CpuPool pool(1);
    std::promise<void> open;
    const std::shared_future<void> gate = open.get_future().share();
    std::atomic<bool> started{false};
    auto loop = std::make_unique<rt::Loop>(QStringLiteral("main"));
    {
        auto t = rt::spawn(awaitsGatedWork(&pool, &gate, &started));
        REQUIRE(runUntil([&] { return started.load(); }).reached);
        t->cancel();
        REQUIRE(runUntilFinished(t).reached);
        CHECK(t->state() == TaskState::Cancelled);
    }
    loop.reset();
    // The work ends now and reports to a loop that is gone: its report is dropped.
    open.set_value();
    pool.waitForIdle();
    rt::Loop next(QStringLiteral("next"));
    auto after = rt::spawn(sleepThenReturn(1ms, 3));
    REQUIRE(runUntilFinished(after).reached);
    CHECK(after.result() == 3);
}

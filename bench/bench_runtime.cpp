// Runtime benchmarks: the workloads W1..W4 below, one per run, printed as one
// JSON line so scripts can take medians. The journal stays on (drained by a reader
// thread 30 times a second, as the dashboard does) unless --no-journal is given.
//
//   coroscope_bench w1 N        N tasks sleep 1000 + r % 1001 ms, gathered
//   coroscope_bench w2 N        spawn N tasks sleeping 60 s, cancel all
//   coroscope_bench w3 ITEMS    ITEMS through a queue (capacity 1000, 1 producer, 8 consumers)
//   coroscope_bench w4 N        N tasks sleep r % 101 ms, consumed with as_completed,
//                               each with a counting done-callback

#include "runtime/probe.h"
#include "runtime/runtime.h"

#include <QCoreApplication>
#include <QTextStream>
#include <QTimer>

#include <sys/resource.h>
#include <time.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <optional>
#include <thread>

using namespace coroscope::rt;
using namespace std::chrono_literals;

namespace {

struct Lcg {
    std::uint32_t x = 12345;
    std::uint32_t next()
    {
        x = x * 1664525u + 1013904223u;
        return x >> 8;
    }
};

// --raise-cancelled: cancellation raises Cancelled in every task, even leaves.
bool g_raiseCancelled = false;

double msSince(std::int64_t t0) { return double(monotonicNs() - t0) / 1e6; }

long peakRssKiB()
{
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

long currentRssKiB()
{
    std::ifstream statm("/proc/self/statm");
    long pages = 0, resident = 0;
    statm >> pages >> resident;
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

// Drains the journal from another thread, like the dashboard's model tick (batch by
// batch, as session::Run does: drainEach, no merging).
class Drainer
{
public:
    explicit Drainer(Journal &j) : m_thread([this, &j] {
        JournalBatch b;
        const auto count = [this](JournalBatch &batch) { m_events += batch.events.size(); };
        while (!m_stop.load()) {
            j.drainEach(b, count);
            std::this_thread::sleep_for(33ms);
        }
        j.drainEach(b, count);
    })
    {
    }
    ~Drainer() { stop(); }
    std::uint64_t stop()
    {
        if (m_thread.joinable()) {
            m_stop = true;
            m_thread.join();
        }
        return m_events;
    }

private:
    std::atomic<bool> m_stop{false};
    std::uint64_t m_events = 0;
    std::thread m_thread;
};

Task<int> sleeper(std::int64_t ms)
{
    co_await sleep(std::chrono::milliseconds(ms));
    co_return 1;
}

Task<int> w1Root(std::size_t n, double *spawnMs, long *rssSleepingKiB)
{
    const auto t0 = monotonicNs();
    Lcg lcg;
    std::vector<Task<int>> tasks;
    tasks.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
        tasks.push_back(spawn(sleeper(1000 + lcg.next() % 1001)));
    *spawnMs = msSince(t0);
    co_await sleep(900ms); // every task has started and sleeps now
    *rssSleepingKiB = currentRssKiB();
    auto r = co_await gather(std::move(tasks));
    co_return int(r.size());
}

Task<int> w2Root(std::size_t n, double *spawnMs, double *cancelMs)
{
    auto t0 = monotonicNs();
    std::vector<Task<int>> tasks;
    tasks.reserve(n);
    SpawnOptions leaf;
    leaf.catchesCancel = g_raiseCancelled; // a sleeper has no handler for Cancelled
    for (std::size_t i = 0; i < n; ++i)
        tasks.push_back(spawn(sleeper(60'000), leaf));
    co_await sleep(0ms); // let them all start (cancel at the await, not before start)
    while (tasks.back()->state() == TaskState::Pending)
        co_await sleep(1ms);
    *spawnMs = msSince(t0);
    t0 = monotonicNs();
    for (auto &t : tasks)
        t->cancel();
    auto r = co_await gather(std::move(tasks), ReturnExceptions);
    *cancelMs = msSince(t0);
    co_return int(r.size());
}

Task<int> producer(Queue<int> *q, int items)
{
    for (int i = 0; i < items; ++i)
        co_await q->put(i);
    co_return items;
}

Task<int> consumer(Queue<int> *q, std::uint64_t *consumed)
{
    for (;;) {
        (void)co_await q->get();
        ++*consumed;
        q->taskDone();
    }
}

Task<int> w3Root(int items, double *ms)
{
    const auto t0 = monotonicNs();
    Queue<int> q(1000);
    std::uint64_t consumed = 0;
    std::vector<Task<int>> consumers;
    for (int i = 0; i < 8; ++i)
        consumers.push_back(spawn(consumer(&q, &consumed)));
    co_await spawn(producer(&q, items));
    co_await q.join();
    *ms = msSince(t0);
    for (auto &c : consumers)
        c->cancel();
    (void)co_await gather(std::move(consumers), ReturnExceptions);
    co_return int(consumed);
}

Task<int> w4Root(std::size_t n, double *ms)
{
    const auto t0 = monotonicNs();
    Lcg lcg;
    std::size_t callbacks = 0;
    std::vector<Task<int>> tasks;
    tasks.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        tasks.push_back(spawn(sleeper(lcg.next() % 101)));
        tasks.back()->addDoneCallback([&callbacks](TaskCore &) { ++callbacks; });
    }
    AsCompleted<int> ac(std::move(tasks));
    int sum = 0;
    while (ac.hasNext())
        sum += co_await ac.next();
    while (callbacks < n)
        co_await sleep(0ms);
    *ms = msSince(t0);
    co_return sum;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = QCoreApplication::arguments();
    if (args.size() < 3) {
        QTextStream(stderr) << "usage: coroscope_bench w1|w2|w3|w4 N [--no-journal] [--raise-cancelled]\n";
        return 2;
    }
    const QString workload = args[1];
    const std::size_t n = args[2].toULongLong();
    const bool journal = !args.contains(QStringLiteral("--no-journal"));
    g_raiseCancelled = args.contains(QStringLiteral("--raise-cancelled"));

    Loop loop(QStringLiteral("main"));
    loop.journal().setEnabled(journal);
    // With COROSCOPE_PROBE=1 the probe is the journal's reader (runtime/probe.h), in
    // the drainer's place: what it costs is the difference (bench/compare.sh --probe).
    const bool probed = probe::active();
    std::optional<Drainer> drainer;
    if (!probed)
        drainer.emplace(loop.journal());
    const long rssBaseKiB = currentRssKiB();
    const auto t0 = monotonicNs();

    double a = 0, b = 0;
    long rssSleeping = 0;
    Task<int> root;
    if (workload == QLatin1String("w1"))
        root = spawn(w1Root(n, &a, &rssSleeping));
    else if (workload == QLatin1String("w2"))
        root = spawn(w2Root(n, &a, &b));
    else if (workload == QLatin1String("w3"))
        root = spawn(w3Root(int(n), &a));
    else if (workload == QLatin1String("w4"))
        root = spawn(w4Root(n, &a));
    else
        return 2;

    QObject::connect(&loop, &Loop::allTasksFinished, &app, &QCoreApplication::quit);
    app.exec();
    const double wallMs = msSince(t0);
    const std::uint64_t events = drainer ? drainer->stop() : 0;

    QString line = QStringLiteral("{\"workload\":\"%1\",\"n\":%2,\"journal\":%3,\"wall_ms\":%4,\"peak_rss_kib\":%5,\"events\":%6,\"probe\":%7")
                       .arg(workload)
                       .arg(n)
                       .arg(journal ? QStringLiteral("true") : QStringLiteral("false"))
                       .arg(wallMs, 0, 'f', 1)
                       .arg(peakRssKiB())
                       .arg(events)
                       .arg(probed ? QStringLiteral("true") : QStringLiteral("false"));
    if (workload == QLatin1String("w1"))
        line += QStringLiteral(",\"spawn_ms\":%1,\"rss_sleeping_kib\":%2,\"bytes_per_sleeping_task\":%3")
                    .arg(a, 0, 'f', 1)
                    .arg(rssSleeping)
                    .arg(double(rssSleeping - rssBaseKiB) * 1024.0 / double(n), 0, 'f', 0);
    if (workload == QLatin1String("w2"))
        line += QStringLiteral(",\"spawn_ms\":%1,\"cancel_ms\":%2").arg(a, 0, 'f', 1).arg(b, 0, 'f', 1);
    if (workload == QLatin1String("w3"))
        line += QStringLiteral(",\"ms\":%1,\"items_per_s\":%2").arg(a, 0, 'f', 1).arg(double(n) / (a / 1000.0), 0, 'f', 0);
    if (workload == QLatin1String("w4"))
        line += QStringLiteral(",\"ms\":%1").arg(a, 0, 'f', 1);
    // CPU: the loop's thread (this one) and the process's, with the reader's thread (the
    // drainer's or the probe's): on 2 cores the two differ in what they cost the loop.
    const auto cpuMs = [](clockid_t clock) {
        timespec t{};
        clock_gettime(clock, &t);
        return double(t.tv_sec) * 1e3 + double(t.tv_nsec) / 1e6;
    };
    line += QStringLiteral(",\"loop_cpu_ms\":%1,\"cpu_ms\":%2")
                .arg(cpuMs(CLOCK_THREAD_CPUTIME_ID), 0, 'f', 1)
                .arg(cpuMs(CLOCK_PROCESS_CPUTIME_ID), 0, 'f', 1);
    line += QStringLiteral(",\"result\":%1}").arg(root->state() == TaskState::Done ? root.result() : -1);
    QTextStream(stdout) << line << '\n';
    return 0;
}

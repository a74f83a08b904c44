// Cancel subtree without a window: the `million` set run as the dashboard runs it
// (a session::Run whose journals a RunRecord applies on this thread), and S seconds
// after the start the subtree of its first task cancelled as the dashboard's Cancel
// subtree does (the record finds the unfinished descendants, the run cancels them).
//   build/release/bench/coroscope_bench_cancel [--at S] [--set NAME]   (S = 3)
// Prints one JSON line: "cancelled" tasks; "wall_ms" from the request to the end of
// the last of them on the loop's clock; "loop_cpu_ms", the CPU the run's main loop
// thread spent in that time (schedstat: a busy machine barely moves it, where the
// loop's low priority makes the wall time mostly the load); "find_ms", this thread's
// part (finding the subtree).

#include "log/runrecord.h"
#include "runtime/clock.h"
#include "session/run.h"
#include "taskset/builtins.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QTextStream>
#include <QTimer>

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>
#include <vector>

using namespace coroscope;

namespace {

// CPU time of this process's thread named `name` (rt::nameThisThread), in ns.
std::optional<std::int64_t> threadCpuNs(const QByteArray &name)
{
    const QDir tasks(QStringLiteral("/proc/self/task"));
    for (const QString &tid : tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile comm(tasks.filePath(tid + QStringLiteral("/comm")));
        if (!comm.open(QIODevice::ReadOnly) || comm.readAll().trimmed() != name)
            continue;
        QFile stat(tasks.filePath(tid + QStringLiteral("/schedstat")));
        if (!stat.open(QIODevice::ReadOnly))
            return std::nullopt;
        return stat.readAll().split(' ').value(0).toLongLong();
    }
    return std::nullopt;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    const auto option = [&](const QString &name, const QString &fallback) {
        const qsizetype at = args.indexOf(name);
        return at >= 0 && at + 1 < args.size() ? args[at + 1] : fallback;
    };
    const double atS = option(QStringLiteral("--at"), QStringLiteral("3")).toDouble();
    const QString setName = option(QStringLiteral("--set"), QStringLiteral("million"));
    taskset::ParseResult parsed = taskset::loadSet(setName);
    if (!parsed.ok()) {
        QTextStream(stderr) << "coroscope_bench_cancel: " << taskset::unknownSetMessage(setName) << "\n";
        return 2;
    }
    taskset::TaskSet &set = *parsed.set;

    log::RunRecord record(log::RunRecord::Spool::None);
    record.reserve(taskset::estimateRun(set).tasks);
    session::Run run(std::move(set), false);
    const session::Run::Apply apply = [&](const QString &loop, const rt::JournalBatch &events) {
        record.apply(loop, events);
    };

    // The loop thread's CPU time, sampled every tick: the value at the end of the
    // last cancelled task is read off these afterwards.
    std::vector<std::pair<std::int64_t, std::int64_t>> loopCpu; // (monotonic ns, cpu ns)
    const auto sampleLoopCpu = [&] {
        if (const auto cpu = threadCpuNs("loop main"))
            loopCpu.emplace_back(rt::monotonicNs(), *cpu);
    };
    std::vector<std::uint64_t> cancelled; // runtime ids
    std::int64_t requestedNs = -1;
    std::int64_t findNs = 0;
    QTimer tick;
    tick.setInterval(5);
    QObject::connect(&tick, &QTimer::timeout, [&] {
        sampleLoopCpu();
        run.pump(5'000'000, apply, 4096);
    });
    QObject::connect(&run, &session::Run::ended, &app, [&] { QCoreApplication::quit(); });
    tick.start();
    QTimer::singleShot(int(atS * 1000), [&] {
        run.pump(-1, apply, 4096);
        sampleLoopCpu();
        requestedNs = rt::monotonicNs();
        std::vector<std::uint64_t> descendants = record.unfinishedDescendants(1);
        const std::uint64_t root = record.row(record.arrivalRowOf(1)).runtimeId;
        findNs = rt::monotonicNs() - requestedNs;
        cancelled = descendants;
        cancelled.push_back(root);
        run.cancel({root}, std::move(descendants));
    });
    QTimer::singleShot(300'000, [] { QCoreApplication::exit(3); });
    const int rc = app.exec();
    if (rc != 0 || requestedNs < 0)
        return rc != 0 ? rc : 3;

    std::int64_t lastNs = requestedNs;
    std::size_t ended = 0;
    for (const std::uint64_t runtimeId : cancelled) {
        const std::uint64_t local = record.localId(runtimeId);
        const auto view = local ? record.task(local) : std::nullopt;
        if (view && view->state == rt::TaskState::Cancelled && view->finishedNs) {
            ++ended;
            lastNs = std::max(lastNs, record.startNs() + *view->finishedNs);
        }
    }
    // CPU at the request and at the first sample after the last end.
    const auto cpuAt = [&](std::int64_t ns) {
        const auto it = std::lower_bound(loopCpu.begin(), loopCpu.end(), std::make_pair(ns, std::int64_t(0)));
        return it == loopCpu.end() ? loopCpu.back().second : it->second;
    };
    // The window on the monotonic clock, for `perf record -k CLOCK_MONOTONIC` and
    // `perf report --time START,END`.
    const std::int64_t toSteadyNs =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count() -
        rt::monotonicNs();
    QTextStream(stderr) << QStringLiteral("window %1,%2\n")
                               .arg(double(requestedNs + toSteadyNs) / 1e9, 0, 'f', 6)
                               .arg(double(lastNs + toSteadyNs) / 1e9, 0, 'f', 6);
    const double loopCpuMs = loopCpu.empty() ? -1 : double(cpuAt(lastNs) - cpuAt(requestedNs)) / 1e6;
    QTextStream(stdout) << QStringLiteral("{\"set\":\"%1\",\"tasks\":%2,\"cancelled\":%3,\"wall_ms\":%4,"
                                          "\"loop_cpu_ms\":%5,\"find_ms\":%6}\n")
                               .arg(setName)
                               .arg(record.taskCount())
                               .arg(ended)
                               .arg(double(lastNs - requestedNs) / 1e6, 0, 'f', 1)
                               .arg(loopCpuMs, 0, 'f', 1)
                               .arg(double(findNs) / 1e6, 0, 'f', 1);
    return 0;
}

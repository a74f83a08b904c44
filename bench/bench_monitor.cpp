// The dashboard's model side without a window: how fast the GUI thread can apply
// journal events to the TaskStore (with the list, tree, stats and run models
// attached) and how long a tick's endTick() takes at a given row count. The events
// are those of the `million` set: every task created, started and suspended on a
// sleep, then resumed and done, in loop-sized batches, the ends with the table
// filtered to a histogram's range (each tick's endTick apart: filtered_end_tick_ms).
// Then how long filtering the table to a range takes (every row tested: a drag's release).
//   build/release/bench/coroscope_bench_monitor [N]   (default 1000000)
// Prints one JSON line; times are thread CPU time (not wall), so a busy machine
// barely moves them.

#include "monitor/histogrammodel.h"
#include "monitor/runlistmodel.h"
#include "monitor/tasklistmodel.h"
#include "monitor/taskstats.h"
#include "monitor/taskstore.h"
#include "monitor/tasktreemodel.h"
#include "runtime/clock.h"

#include <QCoreApplication>
#include <QTextStream>

#include <algorithm>
#include <vector>

using namespace coroscope;

namespace {

double median(std::vector<double> v)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    // Reads every journal it makes (docs/spec/runtime-package.md, "Who reads a journal").
    rt::Journal::setEnabledByDefault(true);
    const std::uint64_t n = argc > 1 ? std::stoull(argv[1]) : 1'000'000;
    constexpr std::uint64_t kTasksPerBatch = 4096; // about what a loop publishes per slice while spawning
    constexpr std::uint64_t kBatchesPerTick = 8;

    monitor::TaskStore store;
    monitor::TaskListModel list(&store);
    monitor::TaskTreeModel tree(&store);
    monitor::TaskStats stats(&store);
    monitor::RunListModel runs(&store);
    monitor::HistogramModel histograms(&store, &list);
    // Like the dashboard's runs: events spooled to disk for the json export.
    const int run = store.addRun(QStringLiteral("million"), {}, 0, log::RunRecord::Spool::Events);
    const std::int64_t reserveStart = rt::monotonicNs();
    store.reserve(run, n); // as TaskMonitor::launch does with the set's estimate
    const double reserveMs = double(rt::monotonicNs() - reserveStart) / 1e6;
    const QString loop = QStringLiteral("main");

    rt::Journal journal;
    rt::JournalBatch batch;
    std::vector<double> applyNsPerEvent, applyMs, tickMs, filteredTickMs;
    std::uint64_t events = 0;
    std::int64_t applyNs = 0;
    std::int64_t t = 1;
    const auto phase = [&](auto emit) {
        std::uint64_t batches = 0;
        for (std::uint64_t first = 1; first <= n; first += kTasksPerBatch) {
            for (std::uint64_t id = first; id < std::min(n + 1, first + kTasksPerBatch); ++id)
                emit(id, ++t);
            journal.publish();
            journal.drain(batch);
            const std::int64_t c0 = rt::threadCpuNs();
            store.apply(run, loop, batch);
            const std::int64_t spent = rt::threadCpuNs() - c0;
            applyNs += spent;
            events += batch.events.size();
            applyNsPerEvent.push_back(double(spent) / double(batch.events.size()));
            applyMs.push_back(double(spent) / 1e6);
            if (++batches % kBatchesPerTick == 0) {
                const std::int64_t c1 = rt::threadCpuNs();
                store.endTick();
                (list.rangeFiltered() ? filteredTickMs : tickMs).push_back(double(rt::threadCpuNs() - c1) / 1e6);
            }
        }
        const std::int64_t c1 = rt::threadCpuNs();
        store.endTick();
        (list.rangeFiltered() ? filteredTickMs : tickMs).push_back(double(rt::threadCpuNs() - c1) / 1e6);
    };
    const auto sleepTag = std::uint8_t(log::OpTag::Sleep);
    phase([&](std::uint64_t id, std::int64_t tNs) {
        journal.append(rt::EventType::Created, id, 0, sleepTag, 0, 0, tNs);
        journal.append(rt::EventType::Started, id, 0, 0, 0, 0, tNs);
        journal.append(rt::EventType::Suspended, id, 1000, std::uint8_t(rt::AwaitKind::Sleep), 0, 0, tNs);
    });
    // The ends with the table filtered to every duration: each task that ends joins it,
    // re-tested in the tick that publishes its end (TaskListModel::refilterChanged).
    histograms.select(int(log::Measure::Duration), 0, log::kBucketCount - 1);
    const int filteredBefore = list.count();
    phase([&](std::uint64_t id, std::int64_t tNs) {
        journal.append(rt::EventType::Resumed, id, 0, 0, 0, 0, tNs);
        journal.append(rt::EventType::Done, id, 0, 0, 0, 0, tNs);
    });

    const int filteredAfter = list.count();
    histograms.clearSelection();
    // Every task's steps fell in the first bucket (a ns apart): the whole table passes.
    const std::int64_t f0 = rt::threadCpuNs();
    histograms.select(int(log::Measure::StepHold), 0, 0);
    const double rangeFilterMs = double(rt::threadCpuNs() - f0) / 1e6;
    const int filtered = list.count();

    QTextStream(stdout) << QStringLiteral("{\"range_filter_ms\":%1,\"range_filtered\":%2,"
                                          "\"filtered_end_tick_ms\":{\"median\":%3,\"worst\":%4,\"rows\":[%5,%6]},")
                               .arg(rangeFilterMs, 0, 'f', 1)
                               .arg(filtered)
                               .arg(median(filteredTickMs), 0, 'f', 3)
                               .arg(*std::max_element(filteredTickMs.begin(), filteredTickMs.end()), 0, 'f', 3)
                               .arg(filteredBefore)
                               .arg(filteredAfter);
    QTextStream(stdout) << QStringLiteral("\"tasks\":%1,\"events\":%2,\"apply_ns_per_event\":{\"median\":%3,\"mean\":%4},"
                                          "\"apply_batch_ms\":{\"median\":%9,\"worst\":%10},\"end_tick_ms\":{\"median\":%5,\"worst\":%6},\"reserve_ms\":%11,\"rows\":%7,\"done\":%8}\n")
                               .arg(n)
                               .arg(events)
                               .arg(median(applyNsPerEvent), 0, 'f', 1)
                               .arg(double(applyNs) / double(std::max<std::uint64_t>(events, 1)), 0, 'f', 1)
                               .arg(median(tickMs), 0, 'f', 3)
                               .arg(*std::max_element(tickMs.begin(), tickMs.end()), 0, 'f', 3)
                               .arg(store.rowCount())
                               .arg(stats.done())
                               .arg(median(applyMs), 0, 'f', 3)
                               .arg(*std::max_element(applyMs.begin(), applyMs.end()), 0, 'f', 3)
                               .arg(reserveMs, 0, 'f', 2);
    return store.rowCount() == int(n) && stats.done() == std::int64_t(n) && filtered == int(n) && filteredBefore == 0
        && filteredAfter == int(n) ? 0 : 1;
}

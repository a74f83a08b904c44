// Inputs on which a quadratic algorithm takes seconds to minutes, timed at such sizes:
//   - 200,000 callbacks on one task: added to and fired in the run's record (the
//     command line and the dashboard), and a json log holding them opened again
//     (read, then loaded into the dashboard's TaskStore);
//   - a task set whose `result` object has 400,000 keys in reverse order, validated.
//   build/release/bench/coroscope_bench_hostile [CALLBACKS] [KEYS]
// Prints one JSON line of times in ms: the main thread's CPU time, so that a busy
// machine barely moves them (as bench_monitor). Each should be well under a second.

#include "log/exporters.h"
#include "log/logreader.h"
#include "log/runrecord.h"
#include "monitor/taskstore.h"
#include "runtime/clock.h"
#include "runtime/journal.h"
#include "taskset/taskset.h"

#include <QCoreApplication>
#include <QTemporaryDir>
#include <QTextStream>

#include <string>

using namespace coroscope;

namespace {

double msSince(std::int64_t startNs)
{
    return double(rt::threadCpuNs() - startNs) / 1e6;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    // Reads every journal it makes (docs/spec/runtime-package.md, "Who reads a journal").
    rt::Journal::setEnabledByDefault(true);
    const std::uint64_t callbacks = argc > 1 ? std::stoull(argv[1]) : 200'000;
    const std::uint64_t keys = argc > 2 ? std::stoull(argv[2]) : 400'000;
    const QString loop = QStringLiteral("main");

    // One task, `callbacks` callbacks added, the task done, every callback fired.
    rt::Journal journal;
    rt::JournalBatch batch;
    const std::uint32_t description = journal.addString(QStringLiteral(R"({"kind":"log","message":"m"})"));
    journal.append(rt::EventType::Created, 1, 0, 0, 0, 0, 1);
    journal.append(rt::EventType::Started, 1, 0, 0, 0, 0, 2);
    for (std::uint64_t i = 0; i < callbacks; ++i)
        journal.append(rt::EventType::CallbackAdded, 1, i, 0, description, 0, 3);
    journal.append(rt::EventType::Done, 1, 0, 0, 0, 0, 4);
    for (std::uint64_t i = 0; i < callbacks; ++i)
        journal.append(rt::EventType::Callback, 1, i, 0, 0, 0, 5);
    journal.publish();
    journal.drain(batch);

    log::RunRecord record(log::RunRecord::Spool::Events);
    record.setRunInfo(QStringLiteral("callbacks"), {}, 0);
    std::int64_t start = rt::threadCpuNs();
    record.apply(loop, batch);
    record.setFinished(10);
    const double recordMs = msSince(start);

    QTemporaryDir dir;
    const QString log = dir.filePath(QStringLiteral("callbacks.json"));
    start = rt::threadCpuNs();
    const log::ExportResult exported = log::exportJson(record, log);
    const double exportMs = msSince(start);

    start = rt::threadCpuNs();
    log::LogReadResult read = log::LogReader::readFile(log);
    const double readMs = msSince(start);
    start = rt::threadCpuNs();
    monitor::TaskStore store;
    if (read.log)
        store.loadLog(*read.log);
    const double loadMs = msSince(start);

    // A set whose sleep returns an object of `keys` keys, written in reverse order.
    QByteArray set = R"({"format":"coroscope.taskset/1","name":"keys","tasks":[{"op":"sleep","seconds":0,"result":{)";
    for (std::uint64_t i = keys; i > 0; --i) {
        set += "\"k" + QByteArray::number(qulonglong(i)) + "\":" + QByteArray::number(qulonglong(i));
        set += i > 1 ? "," : "";
    }
    set += "}}]}";
    start = rt::threadCpuNs();
    const taskset::ParseResult parsed = taskset::parseTaskSet(set, QStringLiteral("keys.json"));
    const double validateMs = msSince(start);

    QTextStream(stdout) << "{\"callbacks\":" << callbacks << ",\"record_ms\":" << recordMs
                        << ",\"export_ms\":" << exportMs << ",\"read_ms\":" << readMs << ",\"load_ms\":" << loadMs
                        << ",\"keys\":" << keys << ",\"set_bytes\":" << set.size() << ",\"validate_ms\":" << validateMs
                        << ",\"ok\":" << (exported.ok() && read.ok() && parsed.ok() ? "true" : "false") << "}\n";
    return exported.ok() && read.ok() && parsed.ok() ? 0 : 1;
}

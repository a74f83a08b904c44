// The attached client's cost per frame: ProbeReader + RunRecord::apply, as
// `coroscope attach` runs them (fed 1 MiB at a time, each batch applied and cleared),
// on the frames the C++ probe writes for W1 (docs/spec/probe-protocol.md):
//
//   coroscope_bench_probereader [N]
//
// N tasks (default 600,000) created, started and suspended on a sleep, then a resync
// whose snapshot is N `ended` entries (frames of at most 1 MiB). Prints the reader's
// and the table's CPU ms for each phase, and the tasks done (N when all were read).

#include "log/probereader.h"
#include "log/runrecord.h"

#include <QByteArray>
#include <QCoreApplication>
#include <QTextStream>

#include <cstdio>
#include <ctime>

using namespace coroscope;

namespace {

// The thread's CPU time: on a shared machine, wall time is mostly the wait for a core.
double cpuMs()
{
    timespec t{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) * 1e3 + double(t.tv_nsec) / 1e6;
}

struct Phase {
    double readMs = 0;
    double applyMs = 0;
};

Phase feed(log::ProbeReader &reader, log::RunRecord &record, const QByteArray &stream)
{
    Phase phase;
    constexpr qsizetype kPiece = qsizetype(1) << 20;
    for (qsizetype at = 0; at < stream.size(); at += kPiece) {
        const double t0 = cpuMs();
        reader.feed(stream.constData() + at, std::min(kPiece, stream.size() - at));
        const double t1 = cpuMs();
        record.apply(QStringLiteral("main"), reader.batch());
        reader.batch().clear();
        const double t2 = cpuMs();
        phase.readMs += t1 - t0;
        phase.applyMs += t2 - t1;
    }
    return phase;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const qsizetype n = argc > 1 ? QByteArray(argv[1]).toLongLong() : 600000;
    if (n <= 0) {
        std::fprintf(stderr, "usage: coroscope_bench_probereader [N]\n");
        return 2;
    }

    QByteArray events(R"({"protocol":"coroscope.probe/1","pid":1,"program":"bench","argv":["bench"],)"
                      R"("started_at":"2026-12-07T00:00:00.000Z","runtime":"coroscope","resync":true})"
                      "\n{\"type\":\"snapshot_end\"}\n");
    for (qsizetype id = 1; id <= n; ++id) {
        const QByteArray i = QByteArray::number(id);
        const QByteArray t = QByteArray::number(double(id) / 1000, 'f', 3);
        events += R"({"t_ms":)" + t + R"(,"task":)" + i + R"(,"type":"created","name":"task#)" + i
                  + R"(","op":"task","parent":null,"loop":"main"})" "\n";
        events += R"({"t_ms":)" + t + R"(,"task":)" + i + R"(,"type":"started"})" "\n";
        events += R"({"t_ms":)" + t + R"(,"task":)" + i + R"(,"type":"suspended","await":"sleep 1.5s"})" "\n";
    }
    QByteArray ends("{\"type\":\"resync\"}\n");
    QByteArray frame;
    for (qsizetype id = 1; id <= n; ++id) {
        const QByteArray i = QByteArray::number(id);
        const QByteArray entry = '[' + i + R"(,"done",)" + QByteArray::number(2000 + double(id) / 1000, 'f', 3)
                                 + R"(,null,"task#)" + i + R"(",null,)" + QByteArray::number(double(id) / 1000, 'f', 3) + ']';
        if (!frame.isEmpty() && frame.size() + entry.size() + 4 > log::ProbeReader::kMaxFrame) {
            ends += frame + "]}\n";
            frame.clear();
        }
        frame += (frame.isEmpty() ? QByteArray(R"({"type":"ended","tasks":[)") : QByteArray(",")) + entry;
    }
    ends += frame + "]}\n{\"type\":\"snapshot_end\"}\n";

    log::ProbeReader reader;
    reader.acceptResync();
    log::RunRecord record(log::RunRecord::Spool::None);
    const Phase made = feed(reader, record, events);
    const Phase ended = feed(reader, record, ends);
    QTextStream out(stdout);
    out << "tasks " << n << ": created+started+suspended read " << qRound(made.readMs) << " ms, table "
        << qRound(made.applyMs) << " ms; ended read " << qRound(ended.readMs) << " ms, table " << qRound(ended.applyMs)
        << " ms; done " << record.count(rt::TaskState::Done) << (reader.failed() ? QStringLiteral(" error: ") + reader.error() : QString())
        << '\n';
    return reader.failed() || qsizetype(record.count(rt::TaskState::Done)) != n ? 1 : 0;
}

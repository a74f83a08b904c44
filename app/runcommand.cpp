#include "runcommand.h"

#include "journal/exporters.h"
#include "journal/jsonlwriter.h"
#include "journal/runrecord.h"
#include "taskset/builtins.h"
#include "taskset/tasksetrun.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QFileInfo>
#include <QSocketNotifier>
#include <QTextStream>
#include <QTimer>

#include <algorithm>
#include <csignal>
#include <unistd.h>

namespace coroscope::app {

namespace {

using rt::TaskState;

int g_signalPipe[2] = {-1, -1};

void onSigint(int)
{
    const char c = 1;
    [[maybe_unused]] const auto n = ::write(g_signalPipe[1], &c, 1);
}

QString formatName(journal::LogFormat f)
{
    switch (f) {
    case journal::LogFormat::Json: return QStringLiteral("json");
    case journal::LogFormat::Jsonl: return QStringLiteral("jsonl");
    case journal::LogFormat::Csv: return QStringLiteral("csv");
    case journal::LogFormat::Trace: return QStringLiteral("trace");
    }
    return {};
}

std::optional<journal::LogFormat> formatFromName(const QString &name)
{
    for (auto f : {journal::LogFormat::Json, journal::LogFormat::Jsonl, journal::LogFormat::Csv, journal::LogFormat::Trace}) {
        if (formatName(f) == name)
            return f;
    }
    return std::nullopt;
}

QString seconds(std::int64_t ns)
{
    return QString::number(double(ns) / 1e9, 'f', 2) + QStringLiteral(" s");
}

QString countsLine(const journal::RunRecord &record)
{
    return QStringLiteral("pending %1  running %2  done %3  failed %4  cancelled %5")
        .arg(record.count(TaskState::Pending))
        .arg(record.count(TaskState::Running))
        .arg(record.count(TaskState::Done))
        .arg(record.count(TaskState::Failed))
        .arg(record.count(TaskState::Cancelled));
}

// Exports the log in a format written at the end (jsonl is written live).
bool exportAtEnd(const journal::RunRecord &record, const QString &path, journal::LogFormat format, QTextStream &err)
{
    journal::ExportResult r;
    switch (format) {
    case journal::LogFormat::Json: r = journal::exportJson(record, path); break;
    case journal::LogFormat::Csv: r = journal::exportCsv(record, path); break;
    case journal::LogFormat::Trace: r = journal::exportTrace(record, path); break;
    case journal::LogFormat::Jsonl: return true;
    }
    if (!r.ok()) {
        err << "coroscope: could not export " << path << ": " << *r.error << '\n';
        return false;
    }
    return true;
}

void printSummary(const journal::RunRecord &record, QTextStream &out)
{
    const std::int64_t duration = record.endNs().value_or(rt::monotonicNs()) - record.startNs();
    out << "\n" << record.setName() << ": " << record.taskCount() << " tasks in " << seconds(duration) << '\n';
    out << "  " << countsLine(record) << '\n';

    // The slowest tasks that ended, by lifetime.
    struct Slow {
        std::int64_t ns;
        std::uint64_t id;
    };
    std::vector<Slow> slow;
    for (std::uint64_t id = 1; id <= record.taskCount(); ++id) {
        const auto t = record.task(id);
        if (t && t->finishedNs)
            slow.push_back({*t->finishedNs - t->createdNs, id});
        if (slow.size() > 64) {
            std::partial_sort(slow.begin(), slow.begin() + 5, slow.end(), [](auto &a, auto &b) { return a.ns > b.ns; });
            slow.resize(5);
        }
    }
    std::sort(slow.begin(), slow.end(), [](auto &a, auto &b) { return a.ns > b.ns; });
    if (slow.size() > 5)
        slow.resize(5);
    if (!slow.empty()) {
        out << "  slowest:";
        for (const Slow &s : slow)
            out << "  " << record.name(s.id) << " (" << seconds(s.ns) << ')';
        out << '\n';
    }
    for (const journal::LoopView &loop : record.loops()) {
        out << "  loop " << loop.name << ": longest step " << QString::number(double(loop.maxStepNs) / 1e6, 'f', 1)
            << " ms, " << loop.stalls.size() << " stall(s)";
        if (!loop.stalls.empty()) {
            const auto worst = std::max_element(loop.stalls.begin(), loop.stalls.end(),
                                                [](auto &a, auto &b) { return a.durationNs < b.durationNs; });
            out << ", worst " << QString::number(double(worst->durationNs) / 1e6, 'f', 1) << " ms in "
                << (worst->task ? record.name(worst->task) : QStringLiteral("a callback"));
        }
        out << '\n';
    }
}

} // namespace

int runCommand(const RunOptions &options)
{
    QTextStream out(stdout);
    QTextStream err(stderr);

    taskset::ParseResult parsed = taskset::loadSet(options.set);
    if (!parsed.ok()) {
        for (const auto &d : parsed.errors)
            err << d.toString() << '\n';
        return 2;
    }

    // A run this large is allowed, but say what it will cost before it starts
    // (about 0.8 KB per task in memory while it runs: runtime, record, journal).
    if (const std::uint64_t tasks = taskset::estimatedTaskCount(*parsed.set); tasks > 2'000'000) {
        err << "coroscope: " << parsed.set->name << " creates up to " << tasks << " tasks; expect about "
            << QString::number(double(tasks) * 800.0 / double(1 << 30), 'f', 1)
            << " GiB of memory and a long run (Ctrl-C stops it and still writes the log)\n";
    }

    std::optional<journal::LogFormat> format;
    if (!options.exportPath.isEmpty()) {
        format = options.format.isEmpty() ? journal::formatForPath(options.exportPath) : formatFromName(options.format);
        if (!format) {
            err << "coroscope: "
                << (options.format.isEmpty()
                        ? QStringLiteral("cannot tell the format from \"%1\"; use --format json|jsonl|csv|trace").arg(options.exportPath)
                        : QStringLiteral("unknown format \"%1\"; use json, jsonl, csv or trace").arg(options.format))
                << '\n';
            return 2;
        }
        const QFileInfo dir(QFileInfo(options.exportPath).absolutePath());
        if (!dir.isDir() || !dir.isWritable()) {
            err << "coroscope: cannot write to " << dir.filePath() << '\n';
            return 2;
        }
    } else if (!options.format.isEmpty()) {
        err << "coroscope: --format needs --export FILE\n";
        return 2;
    }

    rt::Loop loop(QStringLiteral("main"));
    taskset::TaskSetRun run(std::move(*parsed.set), loop);
    journal::RunRecord record(format == journal::LogFormat::Json ? journal::RunRecord::Spool::Events
                                                                 : journal::RunRecord::Spool::None);
    journal::JsonlWriter jsonl;
    if (format == journal::LogFormat::Jsonl) {
        if (auto e = jsonl.open(options.exportPath)) {
            err << "coroscope: " << *e << '\n';
            return 2;
        }
    }

    const bool live = options.progress && ::isatty(STDERR_FILENO);
    bool interrupted = false;
    bool failedWrite = false;
    rt::JournalBatch batch;
    auto drain = [&] {
        for (const auto &j : run.journals()) {
            j.loop->journal().drain(batch);
            if (batch.events.empty())
                continue;
            record.apply(j.name, batch);
            if (jsonl.isOpen() && !failedWrite) {
                if (auto e = jsonl.write(record, j.name, batch)) {
                    err << "\ncoroscope: writing " << options.exportPath << " failed: " << *e << '\n';
                    failedWrite = true;
                }
            }
        }
    };
    auto progress = [&] {
        if (!live)
            return;
        err << "\r\x1b[2K" << seconds(rt::monotonicNs() - run.startNs()) << "  " << countsLine(record)
            << (interrupted ? QStringLiteral("  (stopping)") : QString());
        err.flush();
    };

    QTimer tick;
    QObject::connect(&tick, &QTimer::timeout, [&] {
        drain();
        progress();
    });

    // Ctrl-C: cancel every task (reason user), still write the log, exit 130.
    // A second Ctrl-C leaves at once.
    std::unique_ptr<QSocketNotifier> sigint;
    if (::pipe(g_signalPipe) == 0) {
        sigint = std::make_unique<QSocketNotifier>(g_signalPipe[0], QSocketNotifier::Read);
        QObject::connect(sigint.get(), &QSocketNotifier::activated, [&] {
            char c;
            [[maybe_unused]] const auto n = ::read(g_signalPipe[0], &c, 1);
            if (interrupted) {
                err << "\ncoroscope: interrupted twice, leaving now\n";
                ::_exit(130);
            }
            interrupted = true;
            run.stop(rt::CancelReason::user());
        });
        std::signal(SIGINT, onSigint);
    }

    QObject::connect(&run, &taskset::TaskSetRun::finished, [&] { QCoreApplication::exit(0); });
    record.setRunInfo(run.set().name, QDateTime::currentDateTimeUtc(), rt::monotonicNs());
    run.start();
    record.setRunInfo(run.set().name, QDateTime::currentDateTimeUtc(), run.startNs());
    tick.start(33);
    QCoreApplication::exec();
    tick.stop();
    std::signal(SIGINT, SIG_DFL);

    loop.journal().publish();
    drain();
    for (const auto &j : run.journals())
        record.setLoopMaxStepNs(j.name, j.loop->maxStallNs());
    record.setFinished(run.endNs());
    if (live)
        err << "\r\x1b[2K";

    bool exported = !failedWrite;
    if (format && *format != journal::LogFormat::Jsonl)
        exported = exportAtEnd(record, options.exportPath, *format, err) && exported;
    jsonl.close();

    printSummary(record, out);
    if (format && exported)
        out << "  log: " << options.exportPath << " (" << formatName(*format) << ")\n";
    out.flush();
    if (!exported)
        return 1;
    return interrupted ? 130 : 0;
}

int listCommand()
{
    QTextStream out(stdout);
    const auto sets = taskset::builtinSets();
    int width = 0;
    for (const auto &s : sets)
        width = std::max(width, int(s.name.size()));
    for (const auto &s : sets)
        out << s.name.leftJustified(width + 2) << s.description << '\n';
    return 0;
}

int validateCommand(const QStringList &files)
{
    QTextStream out(stdout);
    QTextStream err(stderr);
    if (files.isEmpty()) {
        err << "coroscope: validate needs at least one FILE\n";
        return 2;
    }
    bool allGood = true;
    for (const QString &f : files) {
        const auto parsed = taskset::loadTaskSetFile(f);
        if (parsed.ok()) {
            out << f << ": ok (" << parsed.set->name << ")\n";
            continue;
        }
        allGood = false;
        for (const auto &d : parsed.errors)
            err << d.toString() << '\n';
    }
    return allGood ? 0 : 2;
}

} // namespace coroscope::app

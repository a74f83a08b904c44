#include "runcommand.h"

#include "log/exporters.h"
#include "log/jsonlwriter.h"
#include "log/logtarget.h"
#include "log/runrecord.h"
#include "session/run.h"
#include "taskset/builtins.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSocketNotifier>
#include <QTextStream>
#include <QTimer>

#include <algorithm>
#include <csignal>
#include <unistd.h>

namespace coroscope::app {

namespace {

using log::localFilePath;
using taskset::printable;
using rt::TaskState;

int g_signalPipe[2] = {-1, -1};

void onSigint(int)
{
    const char c = 1;
    [[maybe_unused]] const auto n = ::write(g_signalPipe[1], &c, 1);
}

QString seconds(std::int64_t ns)
{
    return QString::number(double(ns) / 1e9, 'f', 2) + QStringLiteral(" s");
}


// Exports the log in a format written at the end (jsonl is written live).
bool exportAtEnd(const log::RunRecord &record, const QString &path, log::LogFormat format, QTextStream &err)
{
    if (format == log::LogFormat::Jsonl)
        return true;
    const log::ExportResult r = log::exportLog(record, path, format);
    if (!r.ok()) {
        err << "coroscope: could not export " << printable(path) << ": " << printable(*r.error) << '\n';
        return false;
    }
    return true;
}

// What a run's summary says, gathered in one pass over the tasks.
struct Summary {
    struct Slow {
        std::int64_t ns;
        std::uint64_t id;
    };
    struct Ended {
        std::uint64_t id;
        QString why; // the error (failed) or the cancel reason (cancelled)
    };
    static constexpr std::size_t kListed = 10;  // failed and cancelled tasks named in the text
    static constexpr std::size_t kListedJson = 1000;
    std::int64_t durationNs = 0;
    std::vector<Slow> slowest;                  // the five slowest tasks that ended, by lifetime
    std::vector<Ended> failed, cancelled;       // the first kListedJson of each, by id
};

Summary summarize(const log::RunRecord &record)
{
    Summary s;
    s.durationNs = record.endNs().value_or(rt::monotonicNs()) - record.startNs();
    const auto slower = [](const Summary::Slow &a, const Summary::Slow &b) { return a.ns > b.ns; };
    // The table's rows, not TaskViews: a million runs' summary builds no string a task.
    for (std::uint64_t id = 1; id <= record.taskCount(); ++id) {
        const std::uint32_t at = record.arrivalRowOf(id);
        const log::RunRecord::TaskRow &t = record.row(at);
        if (t.finishedNs != log::RunRecord::kNone)
            s.slowest.push_back({t.finishedNs - t.createdNs, id});
        if (s.slowest.size() > 64) {
            std::partial_sort(s.slowest.begin(), s.slowest.begin() + 5, s.slowest.end(), slower);
            s.slowest.resize(5);
        }
        if (t.state == TaskState::Failed && s.failed.size() < Summary::kListedJson)
            s.failed.push_back({id, record.outcomeAt(at)});
        else if (t.state == TaskState::Cancelled && s.cancelled.size() < Summary::kListedJson)
            s.cancelled.push_back({id, record.cancelReasonAt(at)});
    }
    std::sort(s.slowest.begin(), s.slowest.end(), slower);
    if (s.slowest.size() > 5)
        s.slowest.resize(5);
    return s;
}

QString ms(std::int64_t ns)
{
    return QString::number(double(ns) / 1e6, 'f', 1);
}

void printSummary(const log::RunRecord &record, const Summary &s, QTextStream &out)
{
    out << "\n" << printable(record.setName()) << ": " << record.taskCount() << " tasks in " << seconds(s.durationNs) << '\n';
    out << "  " << countsLine(record) << '\n';
    if (!s.slowest.empty()) {
        out << "  slowest:";
        for (const Summary::Slow &slow : s.slowest)
            out << "  " << printable(record.name(slow.id)) << " (" << seconds(slow.ns) << ')';
        out << '\n';
    }
    // Each failed and cancelled task with its error or reason (the first few).
    const auto list = [&](const char *what, const std::vector<Summary::Ended> &tasks, TaskState state) {
        const std::size_t total = record.count(state);
        if (total == 0)
            return;
        out << "  " << what << ":\n";
        for (std::size_t i = 0; i < tasks.size() && i < Summary::kListed; ++i)
            out << "    " << printable(record.name(tasks[i].id)) << ": " << printable(tasks[i].why) << '\n';
        if (total > Summary::kListed)
            out << "    ... and " << total - Summary::kListed << " more\n";
    };
    list("failed", s.failed, TaskState::Failed);
    list("cancelled", s.cancelled, TaskState::Cancelled);
    for (const log::LoopView &loop : record.loops()) {
        out << "  loop " << printable(loop.name) << ": longest step " << ms(loop.maxStepNs) << " ms, " << loop.stalls.size()
            << " stall(s)";
        if (!loop.stalls.empty()) {
            const auto worst = std::max_element(loop.stalls.begin(), loop.stalls.end(),
                                                [](auto &a, auto &b) { return a.durationNs < b.durationNs; });
            out << ", worst " << ms(worst->durationNs) << " ms in "
                << (worst->task ? printable(record.name(worst->task)) : QStringLiteral("a callback"));
        }
        out << '\n';
    }
}

// The same summary as one JSON object (README, "The command line").
QJsonObject summaryJson(const log::RunRecord &record, const Summary &s)
{
    QJsonObject counts;
    for (auto [state, name] : {std::pair(TaskState::Pending, "pending"), std::pair(TaskState::Running, "running"),
                               std::pair(TaskState::Done, "done"), std::pair(TaskState::Failed, "failed"),
                               std::pair(TaskState::Cancelled, "cancelled")})
        counts.insert(QLatin1String(name), double(record.count(state)));
    QJsonArray slowest;
    for (const Summary::Slow &slow : s.slowest)
        slowest.append(QJsonObject{{QStringLiteral("id"), double(slow.id)},
                                   {QStringLiteral("name"), record.name(slow.id)},
                                   {QStringLiteral("seconds"), double(slow.ns) / 1e9}});
    const auto ended = [&](const std::vector<Summary::Ended> &tasks, const char *key) {
        QJsonArray out;
        for (const Summary::Ended &t : tasks)
            out.append(QJsonObject{{QStringLiteral("id"), double(t.id)},
                                   {QStringLiteral("name"), record.name(t.id)},
                                   {QLatin1String(key), t.why}});
        return out;
    };
    QJsonArray loops;
    for (const log::LoopView &loop : record.loops()) {
        QJsonObject l{{QStringLiteral("name"), loop.name},
                      {QStringLiteral("longest_step_ms"), double(loop.maxStepNs) / 1e6},
                      {QStringLiteral("stalls"), double(loop.stalls.size())}};
        if (!loop.stalls.empty()) {
            const auto worst = std::max_element(loop.stalls.begin(), loop.stalls.end(),
                                                [](auto &a, auto &b) { return a.durationNs < b.durationNs; });
            l.insert(QStringLiteral("worst_stall_ms"), double(worst->durationNs) / 1e6);
            l.insert(QStringLiteral("worst_stall_task"), worst->task ? QJsonValue(record.name(worst->task)) : QJsonValue());
        }
        loops.append(l);
    }
    return {{QStringLiteral("set"), record.setName()},
            {QStringLiteral("tasks"), double(record.taskCount())},
            {QStringLiteral("seconds"), double(s.durationNs) / 1e9},
            {QStringLiteral("counts"), counts},
            {QStringLiteral("slowest"), slowest},
            {QStringLiteral("failed"), ended(s.failed, "error")},
            {QStringLiteral("cancelled"), ended(s.cancelled, "reason")},
            {QStringLiteral("loops"), loops}};
}

// Writes a live run's events to the live jsonl file as they reach the record, and
// says so once if a write fails (later lines are dropped).
class JsonlFeed
{
public:
    JsonlFeed(log::JsonlWriter &jsonl, QString path, QTextStream &err)
        : m_jsonl(jsonl), m_path(std::move(path)), m_err(err)
    {
    }

    void write(const log::RunRecord &record, const QString &loop, const rt::JournalBatch &events)
    {
        if (!m_jsonl.isOpen() || m_writeFailed)
            return;
        if (auto e = m_jsonl.write(record, loop, events)) {
            m_err << "\ncoroscope: writing " << printable(m_path) << " failed: " << printable(*e) << '\n';
            m_writeFailed = true;
        }
    }
    [[nodiscard]] bool writeFailed() const noexcept { return m_writeFailed; }

private:
    log::JsonlWriter &m_jsonl;
    QString m_path;
    QTextStream &m_err;
    bool m_writeFailed = false;
};

} // namespace

int runCommand(const RunOptions &options)
{
    QTextStream out(stdout);
    QTextStream err(stderr);

    const QString setPath = localFilePath(options.set);
    if (const QString unknown = taskset::unknownSetMessage(setPath); !unknown.isEmpty()) {
        err << "coroscope: " << printable(unknown) << '\n';
        return 2;
    }
    taskset::ParseResult parsed = taskset::loadSet(setPath);
    if (!parsed.ok()) {
        for (const auto &d : parsed.errors)
            err << d.toString() << '\n';
        return 2;
    }

    // A run far beyond the memory there is would only die of it: refuse it unless
    // --force. A large run that fits is allowed, but say what it will cost first.
    const auto [tasks, bytes] = taskset::estimateRun(*parsed.set);
    const auto gib = [](double b) { return QString::number(b / double(1 << 30), 'f', 1) + QStringLiteral(" GiB"); };
    if (const std::optional<double> available = taskset::availableMemoryBytes(); available && bytes > *available && !options.force) {
        err << "coroscope: " << printable(parsed.set->name) << " creates up to " << tasks << " tasks, about " << gib(bytes)
            << " of memory, and only " << gib(*available)
            << " is available; nothing ran (--force runs it all the same)\n";
        return 2;
    }
    if (tasks > taskset::kLargeRunTasks) {
        err << "coroscope: " << printable(parsed.set->name) << " creates up to " << tasks << " tasks; expect about "
            << gib(bytes) << " of memory and a long run (Ctrl-C stops it and still writes the log)\n";
        err.flush(); // before anything can run out of memory
    }

    std::optional<log::LogFormat> format;
    if (!options.exportPath.isEmpty()) {
        format = options.format.isEmpty() ? log::formatForPath(options.exportPath) : log::formatFromName(options.format);
        if (!format) {
            err << "coroscope: "
                << (options.format.isEmpty()
                        ? QStringLiteral("cannot tell the format from \"%1\"; use --format json|jsonl|csv|trace").arg(options.exportPath)
                        : QStringLiteral("unknown format \"%1\"; use json, jsonl, csv or trace").arg(options.format))
                << '\n';
            return 2;
        }
        // The run's own set file is never overwritten by its log (under any spelling).
        const QString setFile = taskset::setFilePath(localFilePath(options.set));
        if (auto why = log::checkLogTarget(options.exportPath, setFile.startsWith(QLatin1Char(':')) ? QStringList() : QStringList{setFile})) {
            err << "coroscope: " << printable(*why) << '\n';
            return 2;
        }
    } else if (!options.format.isEmpty()) {
        err << "coroscope: --format needs --export FILE\n";
        return 2;
    }

    log::RunRecord record(format == log::LogFormat::Json ? log::RunRecord::Spool::Events
                                                                 : log::RunRecord::Spool::None);
    log::JsonlWriter jsonl;
    if (format == log::LogFormat::Jsonl) {
        if (auto e = jsonl.open(options.exportPath)) {
            err << "coroscope: " << printable(*e) << '\n';
            return 2;
        }
    }

    // Ctrl-C: cancel every task (reason user), still write the log, exit 130.
    // A second Ctrl-C leaves at once. The handler only writes to a pipe, from
    // whichever thread the signal lands on; this thread reads it. It is installed
    // before the run starts, so that an early Ctrl-C still reaches the run.
    const bool catchSigint = ::pipe(g_signalPipe) == 0;
    if (catchSigint)
        std::signal(SIGINT, onSigint);

    // The run's tasks go on a loop thread of their own ("main" in the log, plus its
    // "worker" for threadsafe sets); this thread drains the journals into the
    // record and the live jsonl file, draws the progress line and takes signals,
    // so none of that holds up the tasks.
    // Room for the tasks the set will make: the table never copies itself as it grows.
    record.reserve(taskset::estimateRun(*parsed.set).tasks);
    auto live = std::make_unique<session::Run>(std::move(*parsed.set), false);
    record.setRunInfo(live->setName(), QDateTime::currentDateTimeUtc(), live->startNs());

    const bool progressLine = options.progress && ::isatty(STDERR_FILENO);
    bool interrupted = false;
    bool finishing = false;
    std::int64_t endNs = 0;
    std::int64_t drawnNs = 0;
    JsonlFeed feed(jsonl, options.exportPath, err);
    // Slices of a few thousand events, so that the jsonl text written at once stays small.
    constexpr std::size_t kSliceEvents = 4096;
    const session::Run::Apply apply = [&](const QString &loop, const rt::JournalBatch &events) {
        record.apply(loop, events);
        feed.write(record, loop, events);
    };
    auto progress = [&] {
        const std::int64_t now = rt::monotonicNs();
        if (!progressLine || now - drawnNs < 30'000'000)
            return;
        drawnNs = now;
        err << "\r\x1b[2K" << seconds(now - live->startNs()) << "  " << countsLine(record)
            << (interrupted ? QStringLiteral("  (stopping)") : QString());
        err.flush();
    };

    // Every 33 ms, apply what the loops have published; while there is a backlog,
    // keep at it in slices of 25 ms, between which signals and the progress line get
    // their turn. Once the run has finished and the backlog is gone, leave.
    constexpr int kTickMs = 33;
    constexpr std::int64_t kBudgetNs = 25'000'000;
    QTimer tick;
    QObject::connect(&tick, &QTimer::timeout, [&] {
        const bool caughtUp = live->pump(kBudgetNs, apply, kSliceEvents);
        progress();
        if (caughtUp && finishing) {
            tick.stop();
            QCoreApplication::exit(0);
            return;
        }
        const int interval = caughtUp ? kTickMs : 0;
        if (tick.interval() != interval)
            tick.setInterval(interval);
    });

    std::unique_ptr<QSocketNotifier> sigint;
    if (catchSigint) {
        sigint = std::make_unique<QSocketNotifier>(g_signalPipe[0], QSocketNotifier::Read);
        QObject::connect(sigint.get(), &QSocketNotifier::activated, [&] {
            char c;
            [[maybe_unused]] const auto n = ::read(g_signalPipe[0], &c, 1);
            if (interrupted) {
                err << "\ncoroscope: interrupted twice, leaving now\n";
                err.flush(); // _exit flushes nothing
                ::_exit(130);
            }
            interrupted = true;
            live->stop();
        });
    }

    QObject::connect(live.get(), &session::Run::ended, [&](std::int64_t end) {
        endNs = end;
        finishing = true;
        tick.start(0);
    });
    tick.start(kTickMs);
    QCoreApplication::exec();
    tick.stop();
    sigint.reset();
    std::signal(SIGINT, SIG_DFL);

    for (const auto &[loopName, longest] : live->longestSteps())
        record.setLoopMaxStepNs(loopName, longest);
    record.setFinished(endNs);
    const bool failedWrite = feed.writeFailed();
    live.reset(); // ends the run's loop threads
    if (progressLine)
        err << "\r\x1b[2K";

    bool exported = !failedWrite;
    if (format && *format != log::LogFormat::Jsonl)
        exported = exportAtEnd(record, options.exportPath, *format, err) && exported;
    jsonl.close();

    const Summary summary = summarize(record);
    if (options.summaryJson) {
        QJsonObject json = summaryJson(record, summary);
        if (format && exported)
            json.insert(QStringLiteral("log"), QJsonObject{{QStringLiteral("path"), options.exportPath},
                                                           {QStringLiteral("format"), log::formatName(*format)}});
        json.insert(QStringLiteral("interrupted"), interrupted);
        out << QJsonDocument(json).toJson(QJsonDocument::Compact) << '\n';
    } else {
        printSummary(record, summary, out);
        if (format && exported)
            out << "  log: " << printable(options.exportPath) << " (" << log::formatName(*format) << ")\n";
    }
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
        const auto parsed = taskset::loadTaskSetFile(localFilePath(f));
        if (parsed.ok()) {
            out << printable(f) << ": ok (" << printable(parsed.set->name) << ")\n";
            continue;
        }
        allGood = false;
        for (const auto &d : parsed.errors)
            err << d.toString() << '\n';
    }
    return allGood ? 0 : 2;
}

QString countsLine(const log::RunRecord &record)
{
    return QStringLiteral("pending %1  running %2  done %3  failed %4  cancelled %5")
        .arg(record.count(TaskState::Pending))
        .arg(record.count(TaskState::Running))
        .arg(record.count(TaskState::Done))
        .arg(record.count(TaskState::Failed))
        .arg(record.count(TaskState::Cancelled));
}

} // namespace coroscope::app

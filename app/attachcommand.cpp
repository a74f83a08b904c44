#include "attachcommand.h"

#include "runcommand.h"

#include "log/exporters.h"
#include "log/logtarget.h"
#include "log/probereader.h"
#include "log/runrecord.h"
#include "session/probeclient.h"
#include "taskset/taskset.h"

#include <QFileInfo>
#include <QTextStream>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <optional>

namespace coroscope::app {

namespace {

using taskset::printable;
using Clock = std::chrono::steady_clock;

volatile std::sig_atomic_t g_stop = 0;

void onSigint(int)
{
    g_stop = 1;
}

struct Command {
    QString type;    // cancel, add_callback
    QString name;    // the task's
    QString message; // add_callback
    bool sent = false;
    bool answered = false;
};

int usage(const QString &message)
{
    QTextStream(stderr) << "coroscope attach: " << message
                        << "\nusage: coroscope attach --list | PID|--socket PATH [--seconds S] [--export FILE] "
                           "[--format F] [--cancel NAME]... [--callback NAME=MESSAGE]...\n";
    return 2;
}

int listEndpoints()
{
    QTextStream out(stdout);
    QString problem;
    const std::vector<session::ProbeEndpoint> endpoints = session::listProbeEndpoints(&problem);
    if (!problem.isEmpty()) {
        QTextStream(stderr) << "coroscope attach: not listing " << printable(problem) << '\n';
        return 2;
    }
    if (endpoints.empty()) {
        out << "no watched program (run one with: python3 -m coroscope_probe script.py)\n";
        return 0;
    }
    out << "PID      STARTED (UTC)             PROGRAM\n";
    for (const session::ProbeEndpoint &e : endpoints) {
        out << QString::number(e.hello.pid).leftJustified(8) << ' '
            << e.hello.startedAt.toUTC().toString(Qt::ISODateWithMs).leftJustified(25) << ' '
            << printable(e.hello.argv.isEmpty() ? e.hello.program : e.hello.argv.join(QLatin1Char(' '))) << '\n';
    }
    return 0;
}

} // namespace

int attachCommand(const QStringList &args)
{
    if (args.size() == 1 && args.first() == QLatin1String("--list"))
        return listEndpoints();

    QString socketPath;
    std::optional<qint64> pid;
    std::optional<double> seconds;
    QString exportPath;
    QString formatText;
    std::vector<Command> commands;
    for (qsizetype i = 0; i < args.size(); ++i) {
        const QString &a = args[i];
        const auto value = [&]() -> std::optional<QString> {
            if (i + 1 >= args.size() || args[i + 1].isEmpty())
                return std::nullopt;
            return args[++i];
        };
        if (a == QLatin1String("--list")) {
            return usage(QStringLiteral("--list takes nothing else"));
        } else if (a == QLatin1String("--socket") || a == QLatin1String("--export") || a == QLatin1String("--format") ||
                   a == QLatin1String("--seconds") || a == QLatin1String("--cancel") || a == QLatin1String("--callback")) {
            const std::optional<QString> v = value();
            if (!v)
                return usage(a + QStringLiteral(" needs a value"));
            if (a == QLatin1String("--socket")) {
                socketPath = *v;
            } else if (a == QLatin1String("--export")) {
                exportPath = *v;
            } else if (a == QLatin1String("--format")) {
                formatText = *v;
            } else if (a == QLatin1String("--seconds")) {
                bool ok = false;
                seconds = v->toDouble(&ok);
                if (!ok || !std::isfinite(*seconds) || *seconds <= 0 || *seconds > 1e6)
                    return usage(QStringLiteral("--seconds needs a number of seconds above 0"));
            } else if (a == QLatin1String("--cancel")) {
                commands.push_back(Command{QStringLiteral("cancel"), *v, {}});
            } else {
                const qsizetype eq = v->indexOf(QLatin1Char('='));
                if (eq <= 0)
                    return usage(QStringLiteral("--callback needs NAME=MESSAGE"));
                commands.push_back(Command{QStringLiteral("add_callback"), v->left(eq), v->mid(eq + 1)});
            }
        } else if (a.startsWith(QLatin1Char('-'))) {
            return usage(QStringLiteral("unknown option ") + a);
        } else if (!pid) {
            bool ok = false;
            pid = a.toLongLong(&ok);
            if (!ok || *pid <= 0)
                return usage(QStringLiteral("PID must be a process id, not ") + a);
        } else {
            return usage(QStringLiteral("attach takes one PID"));
        }
    }
    if (pid.has_value() == !socketPath.isEmpty())
        return usage(QStringLiteral("name one program: a PID (see --list) or --socket PATH"));

    QTextStream out(stdout);
    QTextStream err(stderr);
    std::optional<log::LogFormat> format;
    if (!exportPath.isEmpty()) {
        format = formatText.isEmpty() ? log::formatForPath(exportPath) : log::formatFromName(formatText);
        if (!format)
            return usage(formatText.isEmpty() ? QStringLiteral("cannot tell the format from \"%1\"; use --format json|jsonl|csv|trace").arg(exportPath)
                                              : QStringLiteral("unknown format \"%1\"; use json, jsonl, csv or trace").arg(formatText));
        if (const auto why = log::checkLogTarget(exportPath, {}))
            return usage(*why);
    } else if (!formatText.isEmpty()) {
        return usage(QStringLiteral("--format needs --export FILE"));
    }

    if (pid) {
        // The folder is checked as the probe checks it: nobody else may have put the socket there.
        if (const auto why = session::untrustedDirReason(session::probeEndpointDir())) {
            err << "coroscope attach: no program " << *pid << " to attach to: " << printable(*why) << '\n';
            return 2;
        }
        socketPath = session::probeEndpointPath(*pid);
    }
    session::ProbeConnection connection;
    if (const auto why = connection.open(socketPath)) {
        err << "coroscope attach: cannot attach: " << printable(*why) << '\n';
        return 2;
    }
    log::ProbeReader reader;
    if (const auto why = connection.attach(reader)) {
        err << "coroscope attach: " << printable(socketPath) << ": " << printable(*why) << '\n';
        return 2;
    }
    const log::ProbeHello hello = *reader.hello();

    // The json and jsonl logs list the events; the csv table and the trace need the table only.
    const bool events = format == log::LogFormat::Json || format == log::LogFormat::Jsonl;
    log::RunRecord record(events ? log::RunRecord::Spool::Events : log::RunRecord::Spool::None);
    record.setRunInfo(hello.program, hello.startedAt, 0);
    std::int64_t lastNs = 0;

    g_stop = 0;
    struct sigaction action{};
    struct sigaction previous{};
    action.sa_handler = onSigint; // no SA_RESTART: poll returns at once
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, &previous);

    const std::optional<Clock::time_point> until =
        seconds ? std::optional(Clock::now() + std::chrono::microseconds(std::llround(*seconds * 1e6))) : std::nullopt;
    int status = 0;
    bool ended = false;
    bool attached = false;
    while (!g_stop) {
        int waitMs = 200;
        if (until) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*until - Clock::now()).count();
            if (left <= 0)
                break;
            waitMs = int(std::min<std::int64_t>(waitMs, left + 1));
        }
        const bool open = connection.readInto(reader, waitMs);
        rt::JournalBatch &batch = reader.batch();
        for (const rt::Event &e : batch.events)
            lastNs = std::max(lastNs, e.tNs);
        record.apply(QStringLiteral("main"), batch);
        batch.clear();
        if (reader.failed()) {
            err << "coroscope attach: " << printable(reader.error()) << '\n';
            status = 1;
            break;
        }
        for (const log::ProbeAck &ack : reader.takeAcks()) {
            if (!ack.seq || *ack.seq < 0 || std::size_t(*ack.seq) >= commands.size())
                continue;
            Command &c = commands[std::size_t(*ack.seq)];
            c.answered = true;
            if (!ack.error.isEmpty()) {
                err << "coroscope attach: " << c.type << ' ' << printable(c.name) << ": " << printable(ack.error) << '\n';
                status = 1;
            } else {
                out << (c.type == QLatin1String("cancel") ? "cancelled " : "added a log callback to ") << printable(c.name) << Qt::endl;
            }
        }
        if (reader.snapshotDone() && !attached) {
            attached = true;
            out << "attached to " << printable(hello.program) << " (pid " << hello.pid << "), recording"
                << (until ? QStringLiteral(" for %1 s").arg(*seconds) : QStringLiteral(" until it ends or Ctrl-C")) << Qt::endl;
        }
        // A command goes out once its task is known and unfinished (it may come later);
        // callbacks before cancellations, so that a callback sees its task's end.
        for (std::size_t n = 0; reader.snapshotDone() && n < 2 * commands.size(); ++n) {
            const std::size_t i = n % commands.size();
            Command &c = commands[i];
            if (c.sent || (n < commands.size()) != (c.type == QLatin1String("add_callback")))
                continue;
            const std::optional<std::uint64_t> task = reader.taskNamed(c.name);
            if (!task || rt::isFinal(record.state(record.localId(*task))))
                continue;
            c.sent = connection.send(c.type == QLatin1String("add_callback")
                                         ? session::probeLogCallbackFrame(*task, c.message, qint64(i))
                                         : session::probeCancelFrame(*task, qint64(i)));
        }
        if (!open) {
            ended = true;
            break;
        }
    }
    ::sigaction(SIGINT, &previous, nullptr);
    if (!connection.closed())
        connection.send(session::probeDetachFrame());
    connection.close();

    for (const Command &c : commands) {
        if (!c.sent) {
            err << "coroscope attach: " << c.type << ' ' << printable(c.name) << ": no unfinished task of that name appeared\n";
            status = 1;
        } else if (!c.answered) {
            err << "coroscope attach: " << c.type << ' ' << printable(c.name) << ": sent, but no answer came before the end\n";
            status = 1;
        }
    }
    record.setFinished(lastNs);
    out << printable(hello.program) << " (pid " << hello.pid << "): " << record.taskCount() << " tasks, "
        << countsLine(record) << (ended ? "; the program has ended" : "; detached, the program runs on");
    if (reader.resyncs() > 0)
        out << " (fell behind and was resynced " << reader.resyncs() << (reader.resyncs() == 1 ? " time)" : " times)");
    out << '\n';
    if (format) {
        const log::ExportResult r = log::exportLog(record, exportPath, *format, log::ExportOptions{lastNs});
        if (!r.ok()) {
            err << "coroscope attach: could not export " << printable(exportPath) << ": " << printable(*r.error) << '\n';
            return 1;
        }
        out << "  log: " << printable(exportPath) << " (" << log::formatName(*format) << ")\n";
    }
    return status;
}

} // namespace coroscope::app

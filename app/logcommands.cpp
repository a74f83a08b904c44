#include "logcommands.h"

#include "log/jsonlreader.h"
#include "log/logreader.h"
#include "log/logreplay.h"
#include "log/rundiff.h"
#include "log/warnings.h"
#include "taskset/taskset.h"

#include <QTextStream>

#include <algorithm>
#include <tuple>

namespace coroscope::app {

using taskset::printable;

int diffCommand(const QStringList &args)
{
    QTextStream out(stdout);
    QTextStream err(stderr);
    QStringList files;
    double toleranceMs = log::kDefaultDiffToleranceMs;
    for (qsizetype i = 0; i < args.size(); ++i) {
        const QString &a = args[i];
        if (a == QLatin1String("--tolerance-ms")) {
            bool ok = false;
            toleranceMs = i + 1 < args.size() ? args[++i].toDouble(&ok) : 0;
            if (!ok || !(toleranceMs >= 0) || toleranceMs > 1e12) {
                err << "coroscope: --tolerance-ms needs a number of milliseconds >= 0\n";
                return 2;
            }
        } else if (a.startsWith(QLatin1Char('-')) && a.size() > 1) {
            err << "coroscope: unknown option " << printable(a) << '\n';
            return 2;
        } else {
            files << a;
        }
    }
    if (files.size() != 2) {
        err << "coroscope: diff compares two json logs: coroscope diff A.json B.json [--tolerance-ms MS]\n";
        return 2;
    }
    std::vector<log::RunLog> logs;
    for (const QString &f : files) {
        log::LogReadResult r = log::LogReader::readFile(f);
        if (!r.ok()) {
            err << "coroscope: " << printable(r.error) << '\n';
            return 2;
        }
        logs.push_back(std::move(*r.log));
    }
    const log::RunDiffResult diff = log::diffRuns(logs[0], logs[1], toleranceMs);
    out << "A: " << printable(files[0]) << "\nB: " << printable(files[1]) << '\n';
    for (const QString &line : log::formatRunDiff(diff, toleranceMs))
        out << printable(line) << '\n';
    out.flush();
    if (out.status() != QTextStream::Ok) {
        err << "coroscope: could not write the differences to standard output\n";
        return 2;
    }
    return diff.agree() ? 0 : 1;
}

int lintCommand(const QStringList &args)
{
    QTextStream out(stdout);
    QTextStream err(stderr);
    if (args.size() != 1 || (args[0].startsWith(QLatin1Char('-')) && args[0].size() > 1)) {
        err << "coroscope: lint reads one log: coroscope lint LOG (a .json or .jsonl log)\n";
        return 2;
    }
    const log::LogReadResult read = log::readLogFile(args[0]);
    if (!read.ok()) {
        err << "coroscope: " << printable(read.error) << '\n';
        return 2;
    }
    // docs/spec/warnings.md: the log's run rebuilt, every rule decided at the run's end.
    log::RunRecord record(log::RunRecord::Spool::None);
    log::WarningScanner scanner(record);
    log::replayLog(*read.log, record, &scanner);
    scanner.finish(log::logMsToNs(read.log->durationMs));
    std::vector<log::Warning> warnings = scanner.warnings();
    std::stable_sort(warnings.begin(), warnings.end(), [&](const log::Warning &a, const log::Warning &b) {
        return std::tuple(a.atNs, a.kind, scanner.taskId(a)) < std::tuple(b.atNs, b.kind, scanner.taskId(b));
    });
    for (const log::Warning &w : warnings)
        out << printable(scanner.line(w)) << '\n';
    out.flush();
    if (out.status() != QTextStream::Ok) {
        err << "coroscope: could not write the warnings to standard output\n";
        return 2;
    }
    return 0;
}

} // namespace coroscope::app

#include "logcommands.h"

#include "log/logreader.h"
#include "log/rundiff.h"
#include "taskset/taskset.h"

#include <QTextStream>

namespace coroscope::app {

using taskset::printable;

int diffCommand(const QStringList &args)
{
    QTextStream out(stdout);
    QTextStream err(stderr);
    QStringList files;
    double toleranceMs = 60;
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

} // namespace coroscope::app

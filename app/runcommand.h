#pragma once

// The command line's verbs: run a task set headless, list the built-in sets,
// validate files. Each returns the process exit code: 0 ok, 1 internal error
// (e.g. the log could not be written), 2 bad input or arguments (nothing run),
// 130 a run stopped by Ctrl-C (its log still written).

#include <QString>
#include <QStringList>

namespace coroscope::log {
class RunRecord;
}

namespace coroscope::app {

struct RunOptions {
    QString set;        // a built-in name or a path
    QString exportPath; // empty: no log file
    QString format;     // empty: from exportPath's extension
    bool progress = true;
    bool force = false; // run even a set whose estimate exceeds the memory available
    bool summaryJson = false; // the summary as one JSON object instead of text
};

[[nodiscard]] int runCommand(const RunOptions &options);
[[nodiscard]] int listCommand();
[[nodiscard]] int validateCommand(const QStringList &files);

// `pending 1  running 2  done 3  failed 0  cancelled 1`: the table's counts per state.
[[nodiscard]] QString countsLine(const log::RunRecord &record);

} // namespace coroscope::app

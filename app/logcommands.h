#pragma once

// The command line's verbs on logs already written: compare two runs, list a run's warnings. Each returns
// the process exit code.

#include <QStringList>

namespace coroscope::app {

// coroscope diff A.json B.json [--tolerance-ms MS]: 0 the runs agree, 1 they differ,
// 2 bad input or arguments.
[[nodiscard]] int diffCommand(const QStringList &args);

// coroscope lint LOG: the run's warnings (docs/spec/warnings.md), one line each; 0
// whatever they are, 2 a missing or malformed log or bad arguments.
[[nodiscard]] int lintCommand(const QStringList &args);

} // namespace coroscope::app

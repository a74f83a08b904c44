#pragma once

// The command line's verbs on logs already written: compare two runs. Each returns
// the process exit code.

#include <QStringList>

namespace coroscope::app {

// coroscope diff A.json B.json [--tolerance-ms MS]: 0 the runs agree, 1 they differ,
// 2 bad input or arguments.
[[nodiscard]] int diffCommand(const QStringList &args);

} // namespace coroscope::app

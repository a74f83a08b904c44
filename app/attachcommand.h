#pragma once

// coroscope attach: watch a program that runs a probe (docs/spec/probe-protocol.md).
//
//   coroscope attach --list
//   coroscope attach PID|--socket PATH [--seconds S] [--export FILE] [--format F]
//                    [--cancel NAME]... [--callback NAME=MESSAGE]...
//
// Records the program's tasks for S seconds, until the program ends, or until Ctrl-C,
// then detaches (the program runs on) and writes the log. Exit codes: 0 recorded,
// 1 a command was refused or never found its task, the probe sent bad data, or the log
// could not be written, 2 bad arguments or nothing to attach to.

#include <QStringList>

namespace coroscope::app {

[[nodiscard]] int attachCommand(const QStringList &args);

} // namespace coroscope::app

#pragma once

// Where a log goes: the checks made before a run about its --export path, and how a
// path that is not a regular file is written (docs/spec/log-format.md, "Writing a log").
//
// A regular file (or a path that does not exist yet) is replaced atomically: written
// next to it, then renamed over it. Anything else that exists (a character or block
// device, a FIFO, a socket) is written in place and never replaced: /dev/null stays
// /dev/null, and /dev/full reports its error.
//
// Threading: any thread. Cost: a few stat calls.

#include <QString>
#include <QStringList>

#include <optional>

namespace coroscope::log {

// True when `path` (symlinks followed) exists and is not a regular file or directory.
[[nodiscard]] bool isSpecialFile(const QString &path);

// Why a log cannot be written to `path`, or nullopt: an empty path, a directory, a
// file that cannot be written, a missing or read-only folder for a regular file, or
// a file that is one of `inputs` (the same file under any spelling or symlink).
[[nodiscard]] std::optional<QString> checkLogTarget(const QString &path, const QStringList &inputs);

// `path` made safe to hand to QFile: a path that starts with ':' is a file of the
// working directory, never a Qt resource.
[[nodiscard]] QString localFilePath(const QString &path);

} // namespace coroscope::log

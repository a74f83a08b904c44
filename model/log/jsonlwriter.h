#pragma once

// JsonlWriter: the `jsonl` log written while the run goes on. Open it at the run's
// start, then after each RunRecord::apply(loop, batch) hand it the same batch: it
// appends one line per event (the `created` line also carries the task's name, op
// and parent) and flushes them to the OS, so a killed process loses at most the
// line being written.
//
// Ids are the RunRecord's at the time a line is written. They are the final ids
// unless a task created on one loop reaches the record after a later task of
// another loop (see RunRecord); then the stream keeps the ids it already wrote.
//
// A regular file is locked (flock, exclusive) while it is open, so that two runs never
// interleave their lines in one file: the second one's open() fails. A device or FIFO
// is written in place, unlocked (logtarget.h).
//
// Threading: the RunRecord's thread. Cost: one write(2) per batch.

#include "log/runrecord.h"

#include <QString>

#include <optional>

namespace coroscope::log {

class JsonlWriter
{
public:
    JsonlWriter() = default;
    JsonlWriter(const JsonlWriter &) = delete;
    JsonlWriter &operator=(const JsonlWriter &) = delete;

    ~JsonlWriter() { close(); }

    // Creates the file, or truncates it once its lock is held. Returns an error
    // message on failure, also when another process holds the lock.
    [[nodiscard]] std::optional<QString> open(const QString &path);
    [[nodiscard]] bool isOpen() const { return m_fd >= 0; }

    // Writes the lines of `batch`, which came from loop `loopName` and has already
    // been applied to `record`, and flushes them. Returns an error message on failure.
    [[nodiscard]] std::optional<QString> write(const RunRecord &record, const QString &loopName,
                                               const rt::JournalBatch &batch);

    void close();

private:
    int m_fd = -1;
    QString m_path;
};

} // namespace coroscope::log

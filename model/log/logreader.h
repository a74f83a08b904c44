#pragma once

// LogReader: reads a `coroscope.log/1` json log back (the dashboard's replay).
//
// A file that is not such a log is refused with one clear message naming the file and
// the JSON Pointer of the first problem, e.g. `run.json: /tasks/3/id: expected an
// integer >= 1, got "x"`. No input makes it crash or throw: it checks every type, the
// nesting depth is bounded by the JSON parser, and files over 2 GiB are refused.
//
// Threading: stateless; any thread. Cost: linear in the file (the whole document is
// parsed with QJsonDocument, then converted; expect roughly 3-4x the file's size in
// memory while reading).

#include "runtime/journal.h"
#include "runtime/types.h"

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>

#include <cstdint>
#include <optional>
#include <vector>

namespace coroscope::log {

struct LogCallback {
    QJsonObject description;        // the callback's keys (kind, message, args, …) without fired_ms, error
    std::optional<double> firedMs;
    std::optional<QString> error;   // what it raised when it fired (a log without the key: nothing)
};

struct LogTask {
    std::int64_t id = 0;
    QString name;
    QString op;
    std::optional<std::int64_t> parent;
    std::optional<std::int64_t> origin;
    QString loop;
    rt::TaskState state = rt::TaskState::Pending;
    double createdMs = 0;
    std::optional<double> startedMs;
    std::optional<double> finishedMs;
    QJsonValue result;              // Null when there is none
    std::optional<QString> error;
    std::optional<QString> cancelReason;
    std::vector<LogCallback> callbacks;
    // A queue node's queue at the log's end (a log without `queue`: none known).
    struct Queue {
        std::uint64_t capacity = 0, depth = 0, peak = 0, puts = 0, gets = 0, taskDones = 0;
    };
    std::optional<Queue> queue;
};

struct LogEvent {
    double tMs = 0;
    std::optional<std::int64_t> task;
    rt::EventType type = rt::EventType::Created; // never CallbackAdded
    QString text;                   // suspended: await; cancel_requested: reason; failed, callback_failed: error; stall: loop
    std::optional<double> number;   // callback, callback_failed: index; stall: ms; suspended: a sleep's ms
    std::optional<std::int64_t> on; // suspended: the task awaited, or the queue's owner
};

struct LogStall {
    double tMs = 0;
    double ms = 0;
    std::optional<std::int64_t> task;
};

struct LogLoop {
    QString name;
    double maxStallMs = 0;
    std::vector<LogStall> stalls;
};

struct RunLog {
    QString set;
    QDateTime startedAt;            // invalid if the log has none
    double durationMs = 0;
    std::vector<LogTask> tasks;
    std::vector<LogEvent> events;
    std::vector<LogLoop> loops;
};

struct LogReadResult {
    std::optional<RunLog> log;
    QString error;                  // set when log is empty
    [[nodiscard]] bool ok() const noexcept { return log.has_value(); }
};

class LogReader
{
public:
    static constexpr qint64 kMaxFileSize = qint64(2) * 1024 * 1024 * 1024;

    // A run's loops, the pool aside (a task keeps its loop's index in 8 bits).
    static constexpr qsizetype kMaxLoops = 255;

    // Reads at most maxBytes (more is refused), whatever the file says its size is.
    [[nodiscard]] static LogReadResult readFile(const QString &path, qint64 maxBytes = kMaxFileSize);
    // `source` names the data in messages (usually the file's path).
    [[nodiscard]] static LogReadResult parse(const QByteArray &data, const QString &source);
};

} // namespace coroscope::log

#pragma once

// Reading a log back, whatever its kind: a `json` log (LogReader), a `jsonl` event
// stream (read here, including one cut short by a crash: everything up to its last
// whole line), and a clear refusal of the formats Coroscope writes but cannot replay
// (a Chrome trace, a csv table). docs/spec/log-format.md, "Reading a log back".
//
// Threading: stateless; any thread. Cost: linear in the file; a jsonl log is read line
// by line (one small JSON document each), so it needs about the RunLog's memory.

#include "log/logreader.h"

namespace coroscope::log {

// By the file's name: .jsonl -> parseJsonlLog, .trace.json and .csv -> refused with a
// message that says what the file is, anything else -> LogReader::readFile.
[[nodiscard]] LogReadResult readLogFile(const QString &path);

// A `jsonl` log as a RunLog: tasks from their `created` lines, states and times from
// the events that follow; of the events, only the `cancel_requested` ones are kept. The set is named `setName` (a jsonl log does not name it).
// `source` names the data in messages (`run.jsonl: line 3: ...`).
[[nodiscard]] LogReadResult parseJsonlLog(const QByteArray &data, const QString &source, const QString &setName);

} // namespace coroscope::log

#pragma once

// Writing a run's log to a file, in the formats of docs/spec/log-format.md:
// `json` (the whole run), `jsonl` (the event stream; written after the fact here, or
// live with JsonlWriter), `csv` (the task table) and `trace` (Chrome Trace Event
// Format, for Perfetto and chrome://tracing).
//
// Every exporter streams: it writes the file piece by piece (the json log's events
// come from the RunRecord's EventSpool), never holding the document in memory. A
// regular file is written through QSaveFile, so a failed or interrupted export leaves
// any previous file at that path untouched; a device or FIFO is written in place
// (logtarget.h). Errors come back as values, never as exceptions.
//
// Threading: call from the thread that owns the RunRecord. Cost: linear in tasks and
// events; a run that has not finished is exported as it stands at `nowNs`.

#include "log/runrecord.h"

#include <QString>

#include <cstdint>
#include <optional>

namespace coroscope::log {

enum class LogFormat { Json, Jsonl, Csv, Trace };

// `.trace.json` → trace, `.json` → json, `.jsonl` → jsonl, `.csv` → csv (any case).
[[nodiscard]] std::optional<LogFormat> formatForPath(const QString &path);
// The format's name on the command line (`--format`): json, jsonl, csv, trace.
[[nodiscard]] QString formatName(LogFormat format);
[[nodiscard]] std::optional<LogFormat> formatFromName(const QString &name);

struct ExportOptions {
    // "Now" for a run without setFinished(): its duration, and the end of the trace
    // slices of unfinished tasks. Default: rt::monotonicNs() at the export.
    std::optional<std::int64_t> nowNs;
};

struct ExportResult {
    std::optional<QString> error; // empty on success
    [[nodiscard]] bool ok() const noexcept { return !error; }
};

[[nodiscard]] ExportResult exportJson(const RunRecord &record, const QString &path, const ExportOptions &options = {});
[[nodiscard]] ExportResult exportJsonl(const RunRecord &record, const QString &path);
// CSV's duration_ms is finished_ms - created_ms (empty while unfinished).
[[nodiscard]] ExportResult exportCsv(const RunRecord &record, const QString &path);
[[nodiscard]] ExportResult exportTrace(const RunRecord &record, const QString &path, const ExportOptions &options = {});

// The exporter chosen by formatForPath(path); an unknown extension is an error.
[[nodiscard]] ExportResult exportLog(const RunRecord &record, const QString &path, const ExportOptions &options = {});
// The exporter of `format`, whatever the path's extension.
[[nodiscard]] ExportResult exportLog(const RunRecord &record, const QString &path, LogFormat format,
                                     const ExportOptions &options = {});

} // namespace coroscope::log

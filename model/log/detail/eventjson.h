#pragma once

// Internal to coroscope_log: do not include from outside model/log.
// The JSON object of one log event, shared by the json exporter and the jsonl writer.

#include "runtime/journal.h"

#include <QByteArray>
#include <QString>

namespace coroscope::log {
class RunRecord;
}

namespace coroscope::log::detail {

struct EventJsonOptions {
    bool taskDetails = false; // jsonl: `created` also names the task's name, op, parent, loop; `done` its result
};

// Appends `{"t_ms":…,"task":…,"type":…,…}` for `e`, which came from the journal of
// loop `loopName` and has been applied to `record` (texts such as a failure's error
// come from the record). Returns false (appending nothing) for events the log does
// not show: callback_added, and events of tasks that are not part of the run.
bool appendEventJson(QByteArray &out, const RunRecord &record, const QString &loopName, const rt::Event &e,
                     EventJsonOptions options = {});

} // namespace coroscope::log::detail

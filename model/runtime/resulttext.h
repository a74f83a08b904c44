#pragma once

// The JSON text of a task's result, as journalled and as the logs write it: exactly what QJsonDocument's
// compact writer makes of the value, written directly for null, booleans, numbers
// and arrays (every sleep of the million set ends with a number, and wrapping each
// one in an array and a document would cost a fifth of the run's CPU; the repeat's result
// is an array of a million). Strings and objects go through QJsonDocument.
// Recursion follows the nesting of the task set's nodes, which its reader bounds.
//
// A result journalled as its value (kValueResult, journal.h) is rendered by its reader
// with this, never by the loop that made it (docs/spec/taskset-format.md, "Big results").
// Any thread; the value may be shared with another thread (Qt's implicit sharing).

#include <QJsonValue>
#include <QString>

namespace coroscope::rt {

// With limit >= 0, stops once the text has more than `limit` characters: the result
// then begins with the first `limit` + 1 characters of the whole text (a cell or the
// probe shows the start of a million-element list without writing all of it).
[[nodiscard]] QString resultText(const QJsonValue &v, qsizetype limit = -1);
// The text of a result that is a plain number (rt::kNumberResult): the same as
// resultText(QJsonValue(value)).
[[nodiscard]] QString numberText(double value);

} // namespace coroscope::rt

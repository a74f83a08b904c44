#pragma once

// The JSON text of a task's result, as journalled and as the logs write it: exactly what QJsonDocument's
// compact writer makes of the value, written directly for null, booleans, numbers
// and arrays (every sleep of the million set ends with a number, and wrapping each
// one in an array and a document would cost a fifth of the run's CPU; the repeat's result
// is an array of a million). Strings and objects go through QJsonDocument.
// Recursion follows the nesting of the task set's nodes, which its reader bounds.

#include <QJsonValue>
#include <QString>

namespace coroscope::log {

[[nodiscard]] QString resultText(const QJsonValue &v);
// The text of a result that is a plain number (rt::kNumberResult): the same as
// resultText(QJsonValue(value)).
[[nodiscard]] QString numberText(double value);

} // namespace coroscope::log

#pragma once

// Internal to coroscope_interpreter: do not include from outside model/taskset.
// The JSON text a task's result is journalled with: exactly what QJsonDocument's
// compact writer makes of the value, written directly for null, booleans, numbers
// and arrays (every sleep of the million set ends with a number, and wrapping each
// one in an array and a document would cost a fifth of the run's CPU; the repeat's result
// is an array of a million). Strings and objects go through QJsonDocument.
// Recursion follows the nesting of the task set's nodes, which its reader bounds.

#include <QJsonValue>
#include <QString>

namespace coroscope::taskset::detail {

[[nodiscard]] QString resultText(const QJsonValue &v);

} // namespace coroscope::taskset::detail

#pragma once

// Internal to coroscope_taskset: do not include from outside model/taskset.
//
// Checks a parsed JSON document against `coroscope.taskset/1` and builds the
// TaskSet. Adds every problem it finds to `errors` and returns the set only when
// `errors` is still empty at the end. Recursion follows the
// task tree and stops at the nesting limit of 64, plus at most kMaxJsonDepth for
// `result` and `args` values.

#include "taskset/detail/diagnosticlist.h"
#include "taskset/detail/jsondocument.h"
#include "taskset/taskset.h"

#include <optional>

namespace coroscope::taskset::detail {

inline constexpr int kMaxNodeDepth = 64;
inline constexpr std::int64_t kMaxRepeatCount = 10'000'000;

[[nodiscard]] std::optional<TaskSet> validateTaskSet(const JsonDocument &doc, DiagnosticList &errors);

} // namespace coroscope::taskset::detail

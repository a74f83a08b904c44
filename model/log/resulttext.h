#pragma once

// The log writes a task's result as the runtime journals it: one renderer, the
// runtime's (runtime/resulttext.h).

#include "runtime/resulttext.h"

namespace coroscope::log {

using rt::numberText;
using rt::resultText;

} // namespace coroscope::log

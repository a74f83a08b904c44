#pragma once

// The runtime's monotonic clock: nanoseconds since the process first asked for the
// time. Any thread may call it; it costs one vDSO clock read.

#include <chrono>
#include <cstdint>

namespace coroscope::rt {

[[nodiscard]] std::int64_t monotonicNs() noexcept;

[[nodiscard]] inline std::int64_t monotonicMs() noexcept { return monotonicNs() / 1'000'000; }

} // namespace coroscope::rt

#pragma once

// The runtime's monotonic clock: nanoseconds since the process first asked for the
// time. Any thread may call it; it costs one vDSO clock read.

#include <chrono>
#include <cstdint>

namespace coroscope::rt {

[[nodiscard]] std::int64_t monotonicNs() noexcept;

[[nodiscard]] inline std::int64_t monotonicMs() noexcept { return monotonicNs() / 1'000'000; }

// CPU time the calling thread has used (user + system), in ns; 0 where the platform
// cannot tell. Unlike wall time it does not grow while the thread waits for a core,
// so it tells work from waiting on a busy machine.
[[nodiscard]] std::int64_t threadCpuNs() noexcept;

} // namespace coroscope::rt

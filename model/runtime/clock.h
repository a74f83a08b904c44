#pragma once

// The runtime's monotonic clock: nanoseconds since the process first asked for the
// time. Any thread may call it; it costs one vDSO clock read.

#include <chrono>
#include <cmath>
#include <cstdint>

namespace coroscope::rt {

[[nodiscard]] std::int64_t monotonicNs() noexcept;

[[nodiscard]] inline std::int64_t monotonicMs() noexcept { return monotonicNs() / 1'000'000; }

// CPU time the calling thread has used (user + system), in ns; 0 where the platform
// cannot tell. Unlike wall time it does not grow while the thread waits for a core,
// so it tells work from waiting on a busy machine.
[[nodiscard]] std::int64_t threadCpuNs() noexcept;

// The longest duration the runtime holds: 10^9 s (about 31.7 years), which means
// "never in practice". Longer ones saturate to it (docs/spec/taskset-format.md,
// "Durations"): at this size, the monotonic clock plus a duration in ns cannot
// overflow for another 250 years of uptime.
inline constexpr std::int64_t kMaxDurationMs = 1'000'000'000'000;

// A duration clamped to [0, kMaxDurationMs]; below 0 is 0.
[[nodiscard]] constexpr std::chrono::milliseconds clampDuration(std::chrono::milliseconds d) noexcept
{
    return std::chrono::milliseconds(d.count() < 0 ? 0 : d.count() > kMaxDurationMs ? kMaxDurationMs : d.count());
}

// Seconds (a task set's durations) to whole milliseconds, rounded to nearest and
// clamped like clampDuration(); NaN is 0. The one conversion from seconds.
[[nodiscard]] inline std::chrono::milliseconds secondsToMs(double seconds) noexcept
{
    if (!(seconds > 0))
        return std::chrono::milliseconds(0);
    if (seconds >= double(kMaxDurationMs) / 1000.0)
        return std::chrono::milliseconds(kMaxDurationMs);
    return std::chrono::milliseconds(std::llround(seconds * 1000.0));
}

} // namespace coroscope::rt

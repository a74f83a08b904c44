#pragma once

// Pooled allocation of coroutine frames. Frames come in a few size classes from
// per-thread free lists carved out of 64 KiB blocks, so spawning a million tasks
// costs a million pointer pops instead of a million malloc calls. A frame may be
// freed on another thread than the one that allocated it; it then joins that
// thread's free list. Blocks go back to the system only when the process ends.
//
// Under a sanitizer build the pool steps aside and every frame is a plain
// operator new, so AddressSanitizer sees each frame's lifetime.

#include <cstddef>
#include <cstdint>

namespace coroscope::rt::detail {

[[nodiscard]] void *allocateFrame(std::size_t size);
void releaseFrame(void *frame, std::size_t size) noexcept;

// Frames allocated and not yet released, over all threads. Tests use it to prove
// that every task's frame was destroyed.
[[nodiscard]] std::int64_t liveFrames() noexcept;

} // namespace coroscope::rt::detail

#pragma once

// Pooled allocation of coroutine frames and of other per-task blocks. Blocks come in
// a few size classes from per-thread free lists carved out of 64 KiB blocks, so
// spawning a million tasks costs a million pointer pops instead of a million malloc
// calls, and a million tasks ending together give their memory back to the pool
// instead of leaving a million holes in the C library's heap (sorting those holes
// stalls whichever thread allocates next, the GUI's included). A block may be freed
// on another thread than the one that allocated it; it then joins that thread's
// free list. Blocks go back to the system only when the process ends.
//
// Under a sanitizer build the pool steps aside and every frame is a plain
// operator new, so AddressSanitizer sees each frame's lifetime.

#include <cstddef>
#include <cstdint>

namespace coroscope::rt::detail {

[[nodiscard]] void *allocatePooled(std::size_t size);
void releasePooled(void *block, std::size_t size) noexcept;

// Blocks allocated and not yet released, over all threads (counted under a sanitizer
// too). Tests use it to prove that every task's frame and fields were destroyed.
[[nodiscard]] std::int64_t livePooledBlocks() noexcept;
// Bytes allocated minus bytes released by the calling thread, each block counted at
// its pooled size (a multiple of 32 up to 1 KiB; under a sanitizer too). Tests use it
// to bound what a task costs, on a loop that allocates and frees on one thread.
[[nodiscard]] std::int64_t pooledBytesThisThread() noexcept;

} // namespace coroscope::rt::detail

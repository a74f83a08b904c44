#include "framepool.h"

#include <array>
#include <atomic>
#include <new>

namespace coroscope::rt::detail {

namespace {

std::atomic<std::int64_t> g_liveBlocks{0};
thread_local std::int64_t t_bytes = 0;

// The size a block takes in the pool (its size class), or its own size if larger.
std::size_t pooledSize(std::size_t size) { return size <= 1024 ? (size + 31) / 32 * 32 : size; }

#ifndef COROSCOPE_SANITIZER
constexpr std::size_t kGranule = 32;
constexpr std::size_t kClasses = 32; // frames up to 1 KiB are pooled
constexpr std::size_t kBlockSize = 64 * 1024;

struct FreeNode {
    FreeNode *next;
};

struct ThreadPool {
    std::array<FreeNode *, kClasses> heads{};
    char *blockCursor = nullptr;
    std::size_t blockLeft = 0;

    void *carve(std::size_t bytes)
    {
        if (blockLeft < bytes) {
            blockCursor = static_cast<char *>(::operator new(kBlockSize));
            blockLeft = kBlockSize;
        }
        void *p = blockCursor;
        blockCursor += bytes;
        blockLeft -= bytes;
        return p;
    }
};

thread_local ThreadPool t_pool;

std::size_t sizeClass(std::size_t size) { return (size + kGranule - 1) / kGranule - 1; }
#endif

} // namespace

void *allocatePooled(std::size_t size)
{
    g_liveBlocks.fetch_add(1, std::memory_order_relaxed);
    t_bytes += std::int64_t(pooledSize(size));
#ifndef COROSCOPE_SANITIZER
    const std::size_t cls = sizeClass(size);
    if (cls < kClasses) {
        ThreadPool &pool = t_pool;
        if (FreeNode *node = pool.heads[cls]) {
            pool.heads[cls] = node->next;
            return node;
        }
        return pool.carve((cls + 1) * kGranule);
    }
#endif
    return ::operator new(size);
}

void releasePooled(void *block, std::size_t size) noexcept
{
    g_liveBlocks.fetch_sub(1, std::memory_order_relaxed);
    t_bytes -= std::int64_t(pooledSize(size));
#ifndef COROSCOPE_SANITIZER
    const std::size_t cls = sizeClass(size);
    if (cls < kClasses) {
        ThreadPool &pool = t_pool;
        auto *node = static_cast<FreeNode *>(block);
        node->next = pool.heads[cls];
        pool.heads[cls] = node;
        return;
    }
#endif
    ::operator delete(block, size);
}

std::int64_t livePooledBlocks() noexcept { return g_liveBlocks.load(std::memory_order_relaxed); }

std::int64_t pooledBytesThisThread() noexcept { return t_bytes; }

} // namespace coroscope::rt::detail

#pragma once

// Helpers that drive the test thread's Qt event loop, QCoro-style: a test runs its
// coroutines on a Loop, and the helpers spin the event loop until a condition holds
// or a timeout passes, while a heartbeat timer proves the loop kept ticking.

#include "runtime/runtime.h"

#include <chrono>
#include <functional>

namespace coroscope::testing {

struct RunStats {
    bool reached = false;       // the condition held before the timeout
    std::int64_t longestGapMs = 0; // longest gap between two heartbeats (5 ms apart)
    int heartbeats = 0;
};

// Spins the event loop until done() is true or timeout passes.
RunStats runUntil(const std::function<bool()> &done, std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Spins until every task of loop has finished.
RunStats runUntilIdle(rt::Loop &loop, std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Spins until task has finished.
template<typename T>
RunStats runUntilFinished(const rt::Task<T> &task, std::chrono::milliseconds timeout = std::chrono::seconds(10))
{
    return runUntil([&] { return task->finished(); }, timeout);
}

// Spins for a fixed time (lets timers and other threads act).
void spinFor(std::chrono::milliseconds duration);

} // namespace coroscope::testing

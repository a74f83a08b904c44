#pragma once

// Small coroutines the runtime tests build on.

#include "runtime/runtime.h"
#include "support/looprunner.h"

#include <chrono>
#include <vector>

namespace coroscope::testing {

using namespace std::chrono_literals;
using rt::Task;

inline Task<int> sleepThenReturn(std::chrono::milliseconds d, int value)
{
    co_await rt::sleep(d);
    co_return value;
}

inline Task<int> sleepThenFail(std::chrono::milliseconds d, QString message)
{
    co_await rt::sleep(d);
    throw rt::TaskError(message);
}

// All events of the loop's journal so far.
inline rt::JournalBatch drainAll(rt::Loop &loop)
{
    rt::JournalBatch all;
    loop.journal().publish();
    loop.journal().drain(all);
    return all;
}

inline std::vector<rt::EventType> eventTypesOf(const rt::JournalBatch &b, std::uint64_t task)
{
    std::vector<rt::EventType> out;
    for (const rt::Event &e : b.events) {
        if (e.task == task)
            out.push_back(e.type);
    }
    return out;
}

} // namespace coroscope::testing

#pragma once

// The op of a task as the task-set interpreter tags it in the journal
// (rt::SpawnOptions::tag, the `kind` of a Created event), and its name in the logs.
// kPoolBit marks a task whose work runs on the CPU pool (its log `loop` is "pool").

#include <QString>

#include <cstdint>

namespace coroscope::log {

enum class OpTag : std::uint8_t {
    None = 0,
    Sleep,
    Fail,
    Cpu,
    Block,
    Gather,
    Wait,
    AsCompleted,
    WaitFor,
    Sequence,
    Queue,
    Threadsafe,
    Cancel,
    Repeat,
    Producer,
    Consumer,
};

inline constexpr std::uint8_t kPoolBit = 0x80;

[[nodiscard]] constexpr OpTag opOfTag(std::uint8_t tag) noexcept { return OpTag(tag & ~kPoolBit); }
[[nodiscard]] constexpr bool runsOnPool(std::uint8_t tag) noexcept { return (tag & kPoolBit) != 0; }

[[nodiscard]] inline QString opName(OpTag op)
{
    switch (op) {
    case OpTag::None: return QStringLiteral("task");
    case OpTag::Sleep: return QStringLiteral("sleep");
    case OpTag::Fail: return QStringLiteral("fail");
    case OpTag::Cpu: return QStringLiteral("cpu");
    case OpTag::Block: return QStringLiteral("block");
    case OpTag::Gather: return QStringLiteral("gather");
    case OpTag::Wait: return QStringLiteral("wait");
    case OpTag::AsCompleted: return QStringLiteral("as_completed");
    case OpTag::WaitFor: return QStringLiteral("wait_for");
    case OpTag::Sequence: return QStringLiteral("sequence");
    case OpTag::Queue: return QStringLiteral("queue");
    case OpTag::Threadsafe: return QStringLiteral("threadsafe");
    case OpTag::Cancel: return QStringLiteral("cancel");
    case OpTag::Repeat: return QStringLiteral("repeat");
    case OpTag::Producer: return QStringLiteral("producer");
    case OpTag::Consumer: return QStringLiteral("consumer");
    }
    return QStringLiteral("task");
}

} // namespace coroscope::log

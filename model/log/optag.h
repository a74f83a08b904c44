#pragma once

// The op of a task as the task-set interpreter tags it in the journal
// (rt::SpawnOptions::tag, the `kind` of a Created event), and its name in the logs.
// The ops, their tag bytes and their names come from the one table in ops/ops.h.
// kPoolBit marks a task whose work runs on the CPU pool (its log `loop` is "pool").

#include "ops/ops.h"

#include <QString>
#include <QStringView>

#include <cstdint>

namespace coroscope::log {

enum class OpTag : std::uint8_t {
    None = 0,
#define COROSCOPE_OPTAG_ENUMERATOR(name, tag, spelling) name = tag,
    COROSCOPE_FILE_OPS(COROSCOPE_OPTAG_ENUMERATOR) COROSCOPE_WORKER_OPS(COROSCOPE_OPTAG_ENUMERATOR)
#undef COROSCOPE_OPTAG_ENUMERATOR
};

inline constexpr std::uint8_t kPoolBit = 0x80;

[[nodiscard]] constexpr OpTag opOfTag(std::uint8_t tag) noexcept { return OpTag(tag & ~kPoolBit); }
[[nodiscard]] constexpr bool runsOnPool(std::uint8_t tag) noexcept { return (tag & kPoolBit) != 0; }

// The op's name in logs; "task" for None and for a tag no op has.
[[nodiscard]] inline QString opName(OpTag op)
{
    switch (op) {
#define COROSCOPE_OPTAG_NAME(name, tag, spelling)                                                                      \
    case OpTag::name: return QStringLiteral(spelling);
        COROSCOPE_FILE_OPS(COROSCOPE_OPTAG_NAME)
        COROSCOPE_WORKER_OPS(COROSCOPE_OPTAG_NAME)
#undef COROSCOPE_OPTAG_NAME
    case OpTag::None: break;
    }
    return QStringLiteral("task");
}

namespace detail {
template <typename Text>
[[nodiscard]] OpTag opTagFromName(Text name)
{
#define COROSCOPE_OPTAG_FROM_NAME(op, tag, spelling)                                                                   \
    if (name == QLatin1String(spelling))                                                                               \
        return OpTag::op;
    COROSCOPE_FILE_OPS(COROSCOPE_OPTAG_FROM_NAME)
    COROSCOPE_WORKER_OPS(COROSCOPE_OPTAG_FROM_NAME)
#undef COROSCOPE_OPTAG_FROM_NAME
    return OpTag::None;
}
} // namespace detail

// The op a log names `name`; None for "task" and for a name no op has.
[[nodiscard]] inline OpTag opTagFromName(QStringView name)
{
    return detail::opTagFromName(name);
}
// The same for Latin-1 text read in place (a probe's frame), without a QString.
[[nodiscard]] inline OpTag opTagFromName(QLatin1String name)
{
    return detail::opTagFromName(name);
}

} // namespace coroscope::log

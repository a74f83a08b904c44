#pragma once

// Every op a task can have, declared once; every mapping between an op's enumerator,
// its journal tag and its spelling is derived from these lists (docs/spec/log-format.md,
// "Ops"). An entry is X(Enumerator, tag, "spelling"):
// - Enumerator names taskset::Op (file ops only, in this order) and log::OpTag;
// - tag is the byte journalled with the task's Created event (log::OpTag's value); it
//   never changes, nor is one reused, so that logs written before read the same;
// - spelling is the op's name in task-set files and in logs.
// Header only and without dependencies, so that the task-set parser (Qt Core only) and
// the log (on the runtime) share it without either including the other. Tag 0 is no op
// (log::OpTag::None, a task spawned outside a task set).

#include <array>
#include <cstdint>
#include <string_view>

// The thirteen ops a task-set file names (docs/spec/taskset-format.md).
#define COROSCOPE_FILE_OPS(X)                                                                                          \
    X(Sleep, 1, "sleep")                                                                                               \
    X(Fail, 2, "fail")                                                                                                 \
    X(Cpu, 3, "cpu")                                                                                                   \
    X(Block, 4, "block")                                                                                               \
    X(Gather, 5, "gather")                                                                                             \
    X(Wait, 6, "wait")                                                                                                 \
    X(AsCompleted, 7, "as_completed")                                                                                  \
    X(WaitFor, 8, "wait_for")                                                                                          \
    X(Sequence, 9, "sequence")                                                                                         \
    X(Queue, 10, "queue")                                                                                              \
    X(Threadsafe, 11, "threadsafe")                                                                                    \
    X(Cancel, 12, "cancel")                                                                                            \
    X(Repeat, 13, "repeat")

// The tasks the interpreter spawns on its own for a queue node; no file names them.
#define COROSCOPE_WORKER_OPS(X)                                                                                        \
    X(Producer, 14, "producer")                                                                                        \
    X(Consumer, 15, "consumer")

namespace coroscope::ops {

struct OpEntry {
    std::uint8_t tag;
    std::string_view spelling;
};

// The file ops in declaration order: index i is taskset::Op(i).
inline constexpr std::array kFileOps{
#define COROSCOPE_OPS_ENTRY(name, tag, spelling) OpEntry{tag, spelling},
    COROSCOPE_FILE_OPS(COROSCOPE_OPS_ENTRY)
#undef COROSCOPE_OPS_ENTRY
};

} // namespace coroscope::ops

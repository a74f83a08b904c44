#pragma once

// The built-in task sets: the tour of the ideas in docs/concepts.md, shipped inside
// the program (resources/tasksets/*.json). User files load the same way.

#include "taskset/taskset.h"

#include <QString>

#include <cstdint>
#include <optional>
#include <vector>

namespace coroscope::taskset {

struct BuiltinSet {
    QString name;
    QString description;
    QString path; // a Qt resource path
};

// Every built-in set, in the order of the tour (the README's list, which starts with
// lifecycle and ends with million), then any other by name. Reads and parses them
// once per call.
[[nodiscard]] std::vector<BuiltinSet> builtinSets();

// A built-in set's name, or else a file path.
[[nodiscard]] ParseResult loadSet(const QString &nameOrPath);
// The file loadSet(nameOrPath) reads (a built-in's is a resource path, ":/...").
[[nodiscard]] QString setFilePath(const QString &nameOrPath);

// When `nameOrPath` is neither a built-in set nor an existing file: what to tell the
// user ("no built-in set or file named "gather"; the closest built-in sets: ...", the
// three nearest by edit distance). Empty otherwise.
[[nodiscard]] QString unknownSetMessage(const QString &nameOrPath);

// What tasks cost: how many, and the memory they take while a run goes on (runtime,
// record and journal: 800 bytes a task; docs/spec/taskset-format.md, "Memory"). Callers
// read both from here, never multiply.
struct RunEstimate {
    std::uint64_t tasks = 0;
    double bytes = 0;
};
// A run of `set`, at most: every node, repeat copies, queue workers, tasks made by
// spawn callbacks, the count saturating at UINT64_MAX. Lets a caller warn before a run
// of ten million tasks.
[[nodiscard]] RunEstimate estimateRun(const TaskSet &set);
// `tasks` tasks held, e.g. by the runs already in the dashboard.
[[nodiscard]] RunEstimate estimateTasks(std::uint64_t tasks);
// Above this many tasks a run is announced (command line) or confirmed (dashboard).
inline constexpr std::uint64_t kLargeRunTasks = 2'000'000;

// The memory a new run may still take, in bytes: the system's MemAvailable, or the
// process's address-space or data limit left when lower. nullopt when unknown.
[[nodiscard]] std::optional<double> availableMemoryBytes();

} // namespace coroscope::taskset

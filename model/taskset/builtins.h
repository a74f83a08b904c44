#pragma once

// The built-in task sets: the tour of the ideas in docs/concepts.md, shipped inside
// the program (resources/tasksets/*.json). User files load the same way.

#include "taskset/taskset.h"

#include <QString>

#include <vector>

namespace coroscope::taskset {

struct BuiltinSet {
    QString name;
    QString description;
    QString path; // a Qt resource path
};

// Every built-in set, sorted by name. Reads and parses them once per call.
[[nodiscard]] std::vector<BuiltinSet> builtinSets();

// A built-in set's name, or else a file path.
[[nodiscard]] ParseResult loadSet(const QString &nameOrPath);

} // namespace coroscope::taskset

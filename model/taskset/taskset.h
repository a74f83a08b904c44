#pragma once

// Task sets (`coroscope.taskset/1`, see spec/taskset-format.md): one JSON file that
// describes a tree of asyncio-style tasks, read here into an immutable tree of Nodes.
// This library only reads and validates; running a set is the interpreter's job.
//
// Contract:
//  - parseTaskSet and loadTaskSetFile never throw and never assert on their input:
//    any bytes give either a TaskSet and no Diagnostic, or Diagnostics and no TaskSet.
//  - Every problem in a file is reported at once, sorted by position (line, then
//    column). Lines and columns count from 1, columns in characters (Unicode code
//    points; a UTF-8 BOM is skipped and not counted). A value's error is reported at
//    its first character with its JSON pointer; an unknown or duplicate key at the
//    key; a missing key at the `{` of its object, with that object's pointer; an
//    error about the whole file (empty, too large, unreadable) at 1:1 with the
//    pointer "/". Past 1000 errors only the first 1000 by position are kept, and a
//    last one, "too many errors: N more not shown", says how many were left out.
//  - Cost: time and memory linear in the file's size. The reader never recurses on
//    the file's nesting: JSON nested deeper than 512 levels is refused, so no input
//    can exhaust the stack. Files larger than 64 MiB are refused before being read.
//  - Threading: plain functions on values, no shared state; any thread may call them.
//    A TaskSet is a value; its Nodes are immutable and shared between copies, so any
//    number of threads may read one TaskSet at once.

#include "ops/ops.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonValue>
#include <QString>

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <vector>

namespace coroscope::taskset {

// The ops a file names, in the order of the one op table (ops/ops.h).
enum class Op {
#define COROSCOPE_OP_ENUMERATOR(name, tag, spelling) name,
    COROSCOPE_FILE_OPS(COROSCOPE_OP_ENUMERATOR)
#undef COROSCOPE_OP_ENUMERATOR
};

// The op's spelling in a file: "sleep", "as_completed", "wait_for", ...
[[nodiscard]] QString opName(Op op);
// The op a file spells `name`, if any.
[[nodiscard]] std::optional<Op> opFromName(QStringView name);
// The byte the interpreter journals for a task of `op` (log::OpTag's value).
[[nodiscard]] constexpr std::uint8_t opTag(Op op) { return ops::kFileOps[std::size_t(op)].tag; }

// A duration in seconds: fixed (`a`), or drawn uniformly from [a, b] by each task
// made from the node (`{"uniform": [a, b]}`, 0 <= a <= b).
struct Duration {
    double a = 0;
    double b = 0;
    bool uniform = false;

    // A fixed duration returns `a` and draws nothing from `rng`.
    [[nodiscard]] double draw(std::mt19937_64 &rng) const;
};

enum class ReturnWhen { AllCompleted, FirstCompleted, FirstException };
enum class Where { Pool, Loop };
enum class RepeatAwait { Gather, None };

struct Node;

struct Callback {
    enum class Kind { Log, Partial, Spawn, Raise };
    Kind kind = Kind::Log;
    QString message;                  // Log; Raise: the error it raises
    QJsonArray args;                  // Partial; empty when not given
    std::shared_ptr<const Node> task; // Spawn: a new top-level task, one level deeper than its owner
};

// One task of the file. Only the fields of its `op` are meaningful; the others keep
// their defaults.
struct Node {
    Op op = Op::Sleep;
    QString name; // empty when not given, and always empty on a repeat's template root
    std::vector<Callback> callbacks;

    Duration seconds;    // sleep, fail (default 0), block
    QJsonValue result = QJsonValue(QJsonValue::Undefined); // sleep: `result` when given
    bool hasResult = false;
    QString message;     // fail

    double workMs = 0;   // cpu, > 0
    Where where = Where::Pool;

    std::vector<std::shared_ptr<const Node>> children; // gather, wait (at least one), as_completed, sequence
    std::shared_ptr<const Node> child;                 // wait_for, threadsafe
    bool returnExceptions = false;                     // gather
    ReturnWhen returnWhen = ReturnWhen::AllCompleted;  // wait
    std::optional<Duration> timeout;                   // wait, as_completed, wait_for; null or absent -> nullopt

    // queue: all six keys are required in the file
    std::int64_t capacity = 0; // 0 = unbounded
    std::int64_t producers = 1;
    std::int64_t consumers = 1;
    std::int64_t items = 0;
    Duration produceSeconds;
    Duration consumeSeconds;

    QString target; // cancel: names a task outside any repeat template
    Duration after; // cancel, default 0

    std::int64_t count = 0;          // repeat, 0 to 10,000,000
    std::shared_ptr<const Node> task; // repeat: the template
    RepeatAwait repeatAwait = RepeatAwait::Gather;

    int line = 0;    // where the node's `{` is
    int column = 0;
    QString pointer; // the node's JSON pointer, e.g. "/tasks/0/children/2"
};

struct TaskSet {
    QString name;
    QString description;
    std::optional<double> deadline; // seconds; nullopt when null or absent
    std::uint64_t seed = 1;
    std::vector<std::shared_ptr<const Node>> tasks;
    QString sourcePath; // set by loadTaskSetFile, empty from parseTaskSet
};

struct Diagnostic {
    QString file;
    int line = 0;
    int column = 0;
    QString pointer;
    QString message;

    // "FILE:LINE:COLUMN: POINTER: message"
    [[nodiscard]] QString toString() const;
};

struct ParseResult {
    std::optional<TaskSet> set;      // only when there is no error
    std::vector<Diagnostic> errors;  // sorted by (line, column)

    [[nodiscard]] bool ok() const { return set.has_value() && errors.empty(); }
};

inline constexpr std::int64_t kMaxFileSize = std::int64_t(64) * 1024 * 1024;

// Text from a file (a task's name, a key in a pointer) made safe to print on a
// terminal: C0 and C1 control characters, DEL and the bidirectional controls become
// \uXXXX, so that no ESC sequence, CR or NUL reaches the terminal and no name can
// forge a line of its own. Everything else, backslashes included, is kept.
[[nodiscard]] QString printable(QStringView text);

// Reads a task set from UTF-8 bytes. `fileName` only fills Diagnostic::file.
[[nodiscard]] ParseResult parseTaskSet(const QByteArray &utf8, const QString &fileName);

// Reads the file at `path`, refusing one larger than 64 MiB before reading it.
// A file that cannot be read gives one Diagnostic saying why.
[[nodiscard]] ParseResult loadTaskSetFile(const QString &path);

} // namespace coroscope::taskset

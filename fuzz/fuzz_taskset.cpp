// libFuzzer target: any bytes as a task-set file. parseTaskSet promises never to
// throw, crash or assert, and to give either a set or errors, never both.

#include "taskset/taskset.h"

#include <QByteArray>
#include <QString>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace coroscope::taskset;
    const QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    const ParseResult result = parseTaskSet(bytes, QStringLiteral("fuzz.json"));
    // The contract: a set and no error, or errors and no set.
    if (result.set.has_value() == !result.errors.empty())
        std::abort();
    for (const Diagnostic &d : result.errors) {
        if (d.line < 1 || d.column < 1 || d.pointer.isEmpty() || d.message.isEmpty())
            std::abort();
        (void)d.toString();
    }
    return 0;
}

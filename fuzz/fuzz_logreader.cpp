// libFuzzer target: any bytes as a `coroscope.log/1` json log. LogReader::parse
// promises never to crash or throw: a log, or one message naming the problem.

#include "log/logreader.h"

#include <QByteArray>
#include <QString>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace coroscope::log;
    const QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    const LogReadResult result = LogReader::parse(bytes, QStringLiteral("fuzz.json"));
    // The contract: a log, or an error message, never both nor neither.
    if (result.ok() == !result.error.isEmpty())
        std::abort();
    return 0;
}

// libFuzzer target: any bytes as what a watched program's probe sends
// (docs/spec/probe-protocol.md). The reader promises never to crash or throw: frames
// become events for the run's task table, or the stream is refused with one message.
// The bytes are fed in two pieces (split by the first byte) to cover frames cut
// across reads, and every event is applied to a RunRecord, as `coroscope attach` does.
// An odd first byte makes the reader one that asked for resync (spec: "Falling behind:
// resync"), so that resyncs and ended frames are read too.

#include "log/probereader.h"
#include "log/runrecord.h"

#include <QByteArray>
#include <QString>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace coroscope::log;
    ProbeReader reader;
    RunRecord record(RunRecord::Spool::None);
    if (size > 0 && (data[0] & 1))
        reader.acceptResync();
    const auto *bytes = reinterpret_cast<const char *>(data);
    const std::size_t split = size == 0 ? 0 : std::min<std::size_t>(size, data[0]);
    const bool ok = reader.feed(bytes, qsizetype(split)) && reader.feed(bytes + split, qsizetype(size - split));
    // The contract: refused with a message, or read without one.
    if (ok == reader.failed() || reader.failed() == reader.error().isEmpty())
        std::abort();
    record.apply(QStringLiteral("main"), reader.batch());
    for (std::uint64_t id = 1; id <= record.taskCount(); ++id)
        (void)record.task(id);
    return 0;
}

// libFuzzer target: the duration arithmetic, from a file's number to a timer. The
// input is the text of a `sleep`'s `seconds` (a number, or {"uniform": [a, b]});
// when the set is valid, every duration it can draw goes through rt::secondsToMs
// and the runtime's due-time arithmetic onto a timer wheel. Checks: the result is
// in [0, kMaxDurationMs], the conversion never decreases, no signed overflow
// (UBSan), and the wheel never fires a timer before it is due.
// The first 16 bytes, when there are that many, are also read as two raw doubles.

#include "runtime/clock.h"
#include "runtime/timerwheel.h"
#include "taskset/taskset.h"

#include <QByteArray>
#include <QString>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>

namespace {

using coroscope::rt::kMaxDurationMs;
using coroscope::rt::secondsToMs;

std::int64_t checkedMs(double seconds)
{
    const std::int64_t ms = secondsToMs(seconds).count();
    if (ms < 0 || ms > kMaxDurationMs)
        std::abort();
    return ms;
}

// What SleepAwaiter and OwnedTimer compute, on a wheel that then runs past the due
// time in a few large steps: the timer must fire, never before its due time.
void schedule(std::int64_t ms, std::int64_t nowNs)
{
    const std::int64_t clamped = coroscope::rt::clampDuration(std::chrono::milliseconds(ms)).count();
    const std::int64_t dueMs = (nowNs + clamped * 1'000'000 + 999'999) / 1'000'000;
    coroscope::rt::TimerWheel wheel(nowNs / 1'000'000);
    struct Node : coroscope::rt::TimerNode {
        std::int64_t firedAt = -1;
        std::int64_t now = 0;
    } node;
    node.fire = [](coroscope::rt::TimerNode *n) {
        auto *self = static_cast<Node *>(n);
        self->firedAt = self->now;
    };
    wheel.add(&node, dueMs);
    // Jump towards the due time along the wheel's own wake-ups (at most 64 steps).
    for (int step = 0; step < 64 && node.firedAt < 0; ++step) {
        const std::int64_t next = wheel.nextWakeMs();
        if (next < 0)
            std::abort(); // the node is linked, so the wheel has work
        node.now = next;
        wheel.advance(next);
        if (node.firedAt >= 0 && node.firedAt < dueMs)
            std::abort();
    }
    wheel.remove(&node);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    constexpr std::int64_t kNowNs = 123'456'789'000; // a process two minutes old
    if (size >= 16) {
        double a = 0, b = 0;
        std::memcpy(&a, data, 8);
        std::memcpy(&b, data + 8, 8);
        const std::int64_t ma = checkedMs(a), mb = checkedMs(b);
        if (!std::isnan(a) && !std::isnan(b) && a <= b && ma > mb)
            std::abort();
        schedule(ma, kNowNs);
    }

    const QByteArray text(reinterpret_cast<const char *>(data), qsizetype(size));
    const QByteArray set = R"({"format":"coroscope.taskset/1","name":"f","tasks":[{"op":"sleep","seconds":)" + text + "}]}";
    const coroscope::taskset::ParseResult parsed = coroscope::taskset::parseTaskSet(set, QStringLiteral("fuzz.json"));
    if (!parsed.ok())
        return 0;
    const coroscope::taskset::Duration &d = parsed.set->tasks.at(0)->seconds;
    std::mt19937_64 rng(size);
    for (const double s : {d.a, d.b, d.draw(rng)}) {
        if (!(s >= 0) || std::isinf(s))
            std::abort(); // the validator holds only finite durations >= 0
        schedule(checkedMs(s), kNowNs);
    }
    if (checkedMs(d.a) > checkedMs(d.b))
        std::abort();
    return 0;
}

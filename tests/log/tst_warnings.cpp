// The warnings of a live run (docs/spec/warnings.md): the scanner follows a record as
// journal batches arrive and decides the time rules as time passes. The rules end to
// end, from real runs' logs, are tests/cli/test_lint.py.

#include "log/optag.h"
#include "log/runrecord.h"
#include "log/warnings.h"

#include <catch2/catch.hpp>

using namespace coroscope;
using namespace coroscope::log;
using rt::EventType;

namespace {

constexpr std::int64_t kMs = 1'000'000;

// A record and its scanner, fed event by event (times in ms).
struct Live {
    explicit Live(WarningThresholds t = {}) : scanner(record, t) {}

    void event(EventType type, std::uint64_t task, double tMs, std::uint64_t arg = 0, std::uint8_t kind = 0,
               const QString &text = {})
    {
        rt::JournalBatch b;
        std::uint32_t index = 0;
        if (!text.isEmpty()) {
            b.strings.push_back(text);
            index = 1;
        }
        b.events.push_back(rt::Event{std::int64_t(tMs * kMs), task, arg, 0, index, type, kind, 0});
        record.apply(QStringLiteral("main"), b, &scanner);
    }
    void create(std::uint64_t task, double tMs, std::uint64_t parent = 0, OpTag op = OpTag::Sleep)
    {
        event(EventType::Created, task, tMs, parent, std::uint8_t(op), QStringLiteral("t%1").arg(task));
    }
    [[nodiscard]] QStringList lines() const
    {
        QStringList out;
        for (const Warning &w : scanner.warnings())
            out << scanner.line(w);
        return out;
    }

    RunRecord record{RunRecord::Spool::None};
    WarningScanner scanner;
};

} // namespace

TEST_CASE("a task still pending is named once the pending threshold has passed, not before")
{
    Live run;
    run.create(1, 0);
    run.scanner.advance(999 * kMs);
    CHECK(run.scanner.warnings().empty());
    run.scanner.advance(1000 * kMs);
    REQUIRE(run.lines() == QStringList{QStringLiteral("pending task 1 \"t1\": still pending 1.000 s after its creation at 0.0 ms")});
    SECTION("and not again when it starts later")
    {
        run.event(EventType::Started, 1, 1500);
        run.scanner.advance(5000 * kMs);
        CHECK(run.scanner.warnings().size() == 1);
    }
}

TEST_CASE("advance decides at most the number asked of each queue, the rest at the next calls, as one call would")
{
    // Ten tasks pending past the threshold, ten cancels not honoured (five honoured late).
    const auto fill = [](Live &run) {
        for (std::uint64_t t = 1; t <= 20; ++t)
            run.create(t, 0);
        for (std::uint64_t t = 11; t <= 20; ++t) {
            run.event(EventType::Started, t, 1);
            run.event(EventType::CancelRequested, t, 10, 0, std::uint8_t(rt::CancelKind::User));
        }
        for (std::uint64_t t = 11; t <= 15; ++t)
            run.event(EventType::Cancelled, t, 500, 0, std::uint8_t(rt::CancelKind::User));
    };
    Live whole;
    fill(whole);
    whole.scanner.advance(2000 * kMs);
    REQUIRE(whole.scanner.warnings().size() == 20);

    Live sliced;
    fill(sliced);
    sliced.scanner.advance(2000 * kMs, 3);
    CHECK(sliced.scanner.warnings().size() == 6); // three of each queue
    for (int call = 0; call < 3; ++call)
        sliced.scanner.advance(2000 * kMs, 3);
    CHECK(sliced.scanner.warnings().size() == 20);
    CHECK(sliced.lines().size() == whole.lines().size());
    QStringList a = sliced.lines(), b = whole.lines();
    a.sort();
    b.sort();
    CHECK(a == b);
}

TEST_CASE("a task that starts within the pending threshold is no warning")
{
    Live run;
    run.create(1, 0);
    run.event(EventType::Started, 1, 999);
    run.scanner.advance(10'000 * kMs);
    CHECK(run.scanner.warnings().empty());
}

TEST_CASE("a cancel request still not honoured after 100 ms is named as time passes it")
{
    Live run;
    run.create(1, 0);
    run.event(EventType::Started, 1, 1);
    run.event(EventType::CancelRequested, 1, 10, 0, std::uint8_t(rt::CancelKind::User));
    run.scanner.advance(109 * kMs);
    CHECK(run.scanner.warnings().empty());
    run.scanner.advance(110 * kMs);
    CHECK(run.lines() ==
          QStringList{QStringLiteral("cancel-not-honoured task 1 \"t1\": cancel (user) requested at 10.0 ms, still "
                                     "not honoured 100.0 ms later")});
}

TEST_CASE("a cancel honoured within 100 ms is no warning, and only the first request counts")
{
    Live run;
    run.create(1, 0);
    run.event(EventType::Started, 1, 1);
    run.event(EventType::CancelRequested, 1, 10, 0, std::uint8_t(rt::CancelKind::User));
    run.event(EventType::CancelRequested, 1, 50, 0, std::uint8_t(rt::CancelKind::Deadline));
    run.event(EventType::Cancelled, 1, 109, 0, std::uint8_t(rt::CancelKind::User));
    run.scanner.advance(1000 * kMs);
    CHECK(run.scanner.warnings().empty());
}

TEST_CASE("a task that ends done after a cancel request swallowed it")
{
    Live run;
    run.create(1, 0, 0, OpTag::WaitFor);
    run.event(EventType::Started, 1, 1);
    run.event(EventType::CancelRequested, 1, 10, 0, std::uint8_t(rt::CancelKind::User));
    run.event(EventType::Done, 1, 11, 0, 0, QStringLiteral("1"));
    CHECK(run.lines() == QStringList{QStringLiteral(
                             "cancel-swallowed task 1 \"t1\": ended done at 11.0 ms after a cancel request (user)")});
}

TEST_CASE("a stall shorter than the threshold is no warning; one as long is")
{
    Live run;
    run.create(1, 0);
    run.event(EventType::Stall, 1, 100, 49 * kMs);
    CHECK(run.scanner.warnings().empty());
    run.event(EventType::Stall, 1, 200, 50 * kMs);
    CHECK(run.lines() == QStringList{QStringLiteral("stall task 1 \"t1\": held loop main for 50.0 ms from 150.0 ms")});
}

TEST_CASE("a fan-out is named once, when the child over the limit arrives")
{
    WarningThresholds t;
    t.fanOut = 3;
    Live run(t);
    run.create(1, 0, 0, OpTag::Repeat);
    for (std::uint64_t child = 2; child <= 4; ++child)
        run.create(child, 1, 1);
    CHECK(run.scanner.warnings().empty());
    run.create(5, 2, 1);
    run.create(6, 3, 1);
    REQUIRE(run.scanner.warnings().size() == 1);
    CHECK(run.scanner.taskId(run.scanner.warnings().front()) == 1);
    // The line gives the count as it is now.
    CHECK(run.lines().front() == QStringLiteral("fan-out task 1 \"t1\": has 5 children, over 3 from 2.0 ms"));
}

TEST_CASE("a failed child of gather is retrieved; a failed top-level task and a child of wait are not")
{
    Live run;
    run.create(1, 0, 0, OpTag::Gather);
    run.create(2, 0, 1, OpTag::Fail);
    run.create(3, 0, 0, OpTag::Wait);
    run.create(4, 0, 3, OpTag::Fail);
    for (std::uint64_t t : {2, 4, 1})
        run.event(EventType::Failed, t, 5, 0, 0, QStringLiteral("boom"));
    QStringList named;
    for (const Warning &w : run.scanner.warnings())
        named << run.record.name(run.scanner.taskId(w));
    CHECK(named == QStringList{QStringLiteral("t4"), QStringLiteral("t1")});
}

TEST_CASE("the thresholds read as the dashboard shows them")
{
    CHECK(describeThresholds({}) ==
          QStringLiteral("stall \u2265 50 ms \u00B7 pending \u2265 1 s \u00B7 cancel honoured within 100 ms "
                         "\u00B7 fan-out > 10,000"));
}

TEST_CASE("a callback that raised names its task, the callback and what it raised, once per callback")
{
    Live run;
    run.create(1, 0);
    run.event(EventType::CallbackAdded, 1, 0, 0, 0, QStringLiteral(R"({"kind":"log","message":"fine"})"));
    run.event(EventType::CallbackAdded, 1, 0, 1, 0, QStringLiteral(R"({"kind":"raise","message":"boom"})"));
    run.event(EventType::Started, 1, 1);
    run.event(EventType::Done, 1, 10);
    run.event(EventType::Callback, 1, 10.5, 0);
    CHECK(run.scanner.warnings().empty());
    run.event(EventType::Callback, 1, 10.6, 1);
    run.event(EventType::CallbackFailed, 1, 10.8, 1, 0, QStringLiteral("boom"));
    // A second report of the same callback is not a second failure.
    run.event(EventType::CallbackFailed, 1, 10.9, 1, 0, QStringLiteral("boom"));
    REQUIRE(run.lines()
            == QStringList{QStringLiteral(R"(callback-failed task 1 "t1": callback 1 (raise) raised "boom" at 10.6 ms after the task ended done)")});
    CHECK(run.scanner.warnings()[0].atNs == std::int64_t(10.6 * kMs)); // when it fired, not when it was reported
    CHECK(run.record.task(1)->callbacks[1].error == QStringLiteral("boom"));
    CHECK_FALSE(run.record.task(1)->callbacks[0].error.has_value());
    CHECK(run.record.state(1) == rt::TaskState::Done);
}

// RunHistory (docs/spec/time-travel.md): the table at any time t of a generated run
// equals a plain recomputation from the run's events with t_ms <= t, whatever the order
// of the seeks, and the history at the run's end is the task table itself.

#include "log/runhistory.h"
#include "log/runrecord.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>

using namespace coroscope;
using namespace coroscope::log;
using rt::AwaitKind;
using rt::EventType;
using rt::TaskState;

namespace {

constexpr std::int64_t kStartNs = 7'000'000'000;
constexpr std::int64_t kMs = 1'000'000;

struct Generated {
    std::vector<std::pair<int, rt::Event>> events; // (loop, event), in time order (stable)
    std::int64_t endNs = 0;                        // since the start
};

// A run of `tasks` tasks over two loops, times on a 1 ms grid so that many events tie.
// Each task: created, mostly started, suspended and resumed a few times (on a sleep, a
// gather or another task), maybe asked to cancel, and mostly ended done, failed or
// cancelled (some never end, some end while still suspended).
Generated generate(std::uint32_t seed, int tasks)
{
    std::mt19937 rng(seed);
    auto chance = [&](int percent) { return int(rng() % 100) < percent; };
    auto pick = [&](int n) { return int(rng() % std::uint32_t(n)); };
    std::vector<std::pair<int, rt::Event>> all;
    std::int64_t created = 0;
    for (int i = 0; i < tasks; ++i) {
        const std::uint64_t id = 1000 + std::uint64_t(i);
        const int loop = i % 2;
        created += pick(3);
        std::int64_t t = created;
        auto put = [&](EventType type, std::uint64_t arg = 0, std::uint8_t kind = 0) {
            all.push_back({loop, rt::Event{kStartNs + t * kMs, id, arg, 0, 0, type, kind, 0}});
            t += pick(4);
        };
        put(EventType::Created);
        if (!chance(90))
            continue;
        put(EventType::Started);
        const int suspends = pick(4);
        for (int s = 0; s < suspends; ++s) {
            const int which = pick(3);
            const AwaitKind kind = which == 0 ? AwaitKind::Sleep : which == 1 ? AwaitKind::Gather : AwaitKind::Task;
            const std::uint64_t arg = kind == AwaitKind::Task ? 1000 + std::uint64_t(pick(i + 1)) : std::uint64_t(pick(5000));
            put(EventType::Suspended, arg, std::uint8_t(kind));
            if (chance(25))
                put(EventType::CancelRequested, 0, std::uint8_t(rt::CancelKind::User));
            if (s + 1 < suspends || chance(70))
                put(EventType::Resumed);
        }
        if (chance(85)) {
            const int end = pick(3);
            put(end == 0 ? EventType::Done : end == 1 ? EventType::Failed : EventType::Cancelled, 0,
                end == 2 ? std::uint8_t(rt::CancelKind::User) : 0);
        }
    }
    // Time order; a task's own events keep their order at equal times.
    std::stable_sort(all.begin(), all.end(), [](const auto &a, const auto &b) { return a.second.tNs < b.second.tNs; });
    Generated g;
    g.events = std::move(all);
    g.endNs = g.events.back().second.tNs - kStartNs;
    return g;
}

// The loops' journals as batches of random sizes, the two loops' batches interleaved
// (as the dashboard drains them), into a record that spools its events.
void feed(const Generated &g, RunRecord &record, std::uint32_t seed)
{
    std::mt19937 rng(seed);
    record.setRunInfo(QStringLiteral("generated"), QDateTime::currentDateTimeUtc(), kStartNs);
    std::array<std::vector<rt::Event>, 2> perLoop;
    for (const auto &[loop, e] : g.events)
        perLoop[std::size_t(loop)].push_back(e);
    std::array<std::size_t, 2> at{};
    const QString names[2] = {QStringLiteral("main"), QStringLiteral("worker")};
    while (at[0] < perLoop[0].size() || at[1] < perLoop[1].size()) {
        const std::size_t loop = rng() % 2;
        rt::JournalBatch batch;
        const std::size_t n = std::min<std::size_t>(1 + rng() % 300, perLoop[loop].size() - at[loop]);
        batch.events.assign(perLoop[loop].begin() + std::ptrdiff_t(at[loop]),
                            perLoop[loop].begin() + std::ptrdiff_t(at[loop] + n));
        at[loop] += n;
        record.apply(names[loop], batch);
    }
}

// The plain recomputation: every event with tNs <= t applied in time order, by the
// rules as the spec states them. Per runtime id: state (-1 = not created) and await.
struct Plain {
    int state = -1;
    AwaitKind kind = AwaitKind::None;
    std::uint64_t arg = 0;
};

std::map<std::uint64_t, Plain> recompute(const Generated &g, std::int64_t tNs)
{
    std::map<std::uint64_t, Plain> tasks;
    for (const auto &[loop, e] : g.events) {
        if (e.tNs - kStartNs > tNs)
            break;
        Plain &p = tasks[e.task];
        if (e.type == EventType::Created) {
            if (p.state < 0)
                p.state = int(TaskState::Pending);
            continue;
        }
        if (p.state < 0)
            continue;
        switch (e.type) {
        case EventType::Started: p.state = int(TaskState::Running); break;
        case EventType::Suspended: p.kind = AwaitKind(e.kind); p.arg = e.arg; break;
        case EventType::Resumed: p.kind = AwaitKind::None; break;
        case EventType::Done: p.state = int(TaskState::Done); p.kind = AwaitKind::None; break;
        case EventType::Failed: p.state = int(TaskState::Failed); p.kind = AwaitKind::None; break;
        case EventType::Cancelled: p.state = int(TaskState::Cancelled); p.kind = AwaitKind::None; break;
        default: break;
        }
    }
    return tasks;
}

// Whether the frame says what the recomputation says, for every row of the record.
void requireSame(const RunHistory &history, const RunHistory::Frame &frame, const RunRecord &record,
                 const std::map<std::uint64_t, Plain> &plain)
{
    std::array<std::size_t, 5> counts{};
    for (std::size_t row = 0; row < record.taskCount(); ++row) {
        const auto it = plain.find(record.row(row).runtimeId);
        const int expected = it == plain.end() ? -1 : it->second.state;
        const std::uint8_t got = frame.stateByte(row);
        INFO("row " << row << " at " << frame.tNs << " ns");
        REQUIRE(int(got == RunHistory::kNotCreated ? -1 : got) == expected);
        if (expected >= 0)
            ++counts[std::size_t(expected)];
        const AwaitKind kind = it == plain.end() ? AwaitKind::None : it->second.kind;
        const QString text = kind == AwaitKind::None ? QString() : record.awaitText(kind, it->second.arg);
        REQUIRE(history.awaitText(history.awaitAt(frame, std::uint32_t(row)), record).toStdString() == text.toStdString());
    }
    REQUIRE(frame.counts == counts);
}

} // namespace

TEST_CASE("the history's state at any time equals a plain recomputation from the events up to then")
{
    const std::uint32_t seed = GENERATE(1u, 2u, 3u);
    const Generated g = generate(seed, 3000);
    RunRecord record;
    feed(g, record, seed);
    QString error;
    const RunHistory history = RunHistory::fromRecord(record, &error);
    REQUIRE(error.isEmpty());
    REQUIRE(history.eventCount() == g.events.size());
    REQUIRE(history.snapshotCount() > 2); // the seeks below start from several snapshots

    std::mt19937 rng(seed * 7919u);
    std::vector<std::int64_t> times;
    for (int i = 0; i < 60; ++i)
        times.push_back(std::int64_t(rng() % std::uint64_t(g.endNs + 4 * kMs)) - 2 * kMs);
    for (int i = 0; i < 30; ++i) // exactly at an event: it counts as happened
        times.push_back(g.events[rng() % g.events.size()].second.tNs - kStartNs);
    times.push_back(-1);
    times.push_back(0);
    times.push_back(g.endNs);
    std::shuffle(times.begin(), times.end(), rng);

    SECTION("one frame moved back and forth")
    {
        RunHistory::Frame frame;
        for (const std::int64_t t : times) {
            history.seek(frame, t);
            requireSame(history, frame, record, recompute(g, t));
        }
    }
    SECTION("a fresh frame for every time")
    {
        for (std::size_t i = 0; i < times.size(); i += 9) {
            RunHistory::Frame frame;
            history.seek(frame, times[i]);
            requireSame(history, frame, record, recompute(g, times[i]));
        }
    }
    SECTION("played forward in small steps")
    {
        RunHistory::Frame frame;
        for (std::int64_t t = -kMs; t <= g.endNs + kMs; t += g.endNs / 50) {
            history.seek(frame, t);
            requireSame(history, frame, record, recompute(g, t));
        }
    }
}

TEST_CASE("the history at the run's end is the task table")
{
    const Generated g = generate(11, 2000);
    RunRecord record;
    feed(g, record, 11);
    const RunHistory history = RunHistory::fromRecord(record);
    RunHistory::Frame frame;
    history.seek(frame, g.endNs);
    for (std::size_t row = 0; row < record.taskCount(); ++row) {
        REQUIRE(TaskState(frame.stateByte(row)) == record.row(row).state);
        REQUIRE(history.awaitText(history.awaitAt(frame, std::uint32_t(row)), record) == record.awaitingAt(row));
    }
    for (int s = 0; s < 5; ++s)
        REQUIRE(frame.counts[std::size_t(s)] == record.count(TaskState(s)));
}

TEST_CASE("a task's previous and next events and the first failure are found from any time")
{
    RunHistory history;
    history.add(0, 0, EventType::Created);
    history.add(0, 1, EventType::Created);
    history.add(5 * kMs, 0, EventType::Started);
    history.add(7 * kMs, 1, EventType::Started);
    history.add(9 * kMs, 0, EventType::Failed);
    history.add(12 * kMs, 1, EventType::Cancelled);

    REQUIRE(history.eventOf(0, 0, true) == 5 * kMs);
    REQUIRE(history.eventOf(0, 5 * kMs, true) == 9 * kMs);
    REQUIRE(history.eventOf(0, 9 * kMs, true) == std::nullopt);
    REQUIRE(history.eventOf(0, 9 * kMs, false) == 5 * kMs);
    REQUIRE(history.eventOf(1, 11 * kMs, false) == 7 * kMs);
    REQUIRE(history.eventOf(1, 0, false) == std::nullopt);
    REQUIRE(history.first(EventType::Failed) == 9 * kMs);
    REQUIRE(history.first(EventType::Cancelled) == 12 * kMs);
    REQUIRE(history.first(EventType::Done) == std::nullopt);
}

TEST_CASE("a record that keeps no events has no history, and says so")
{
    RunRecord record(RunRecord::Spool::None);
    QString error;
    const RunHistory history = RunHistory::fromRecord(record, &error);
    REQUIRE(history.eventCount() == 0);
    REQUIRE_FALSE(error.isEmpty());
}

// How long things take (docs/spec/histograms.md): the histograms a record's observer
// keeps as batches arrive agree with a plain recomputation from the tasks' events, on
// random runs (differential), and a run read back from its json log gives the same.

#include "log/exporters.h"
#include "log/histograms.h"
#include "log/logreader.h"
#include "log/logreplay.h"
#include "log/runhistory.h"
#include "log/runrecord.h"

#include <QTemporaryDir>

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <vector>

using namespace coroscope;
using namespace coroscope::log;
using rt::EventType;
using rt::TaskState;

namespace {

// The record's observer, forwarding what the histograms follow (as TaskStore's does).
struct Follow final : RunRecord::Observer {
    explicit Follow(TaskHistograms &h) : histograms(h) {}
    void created(std::uint32_t) override {}
    void touched(std::uint32_t) override {}
    void stateChanged(std::uint32_t row, TaskState from, TaskState to) override { histograms.stateChanged(row, from, to); }
    void renumbered() override {}
    void stepEvent(std::uint32_t row, EventType type, std::int64_t tNs) override { histograms.stepEvent(row, type, tNs); }
    TaskHistograms &histograms;
};

// One generated task: its events in order, and what a plain reading of them says.
struct Generated {
    std::uint64_t id = 0;
    std::uint8_t tag = 0;
    int loop = 0;
    std::vector<rt::Event> events;
    TaskState state = TaskState::Pending;
    std::optional<std::int64_t> durationNs, waitNs;
    std::vector<std::int64_t> holdsNs;
};

// The buckets' lower edges written out plainly: 1, 2, 5 times each power of ten from 1 µs.
std::vector<std::int64_t> plainEdges()
{
    std::vector<std::int64_t> edges;
    for (std::int64_t decade = 1'000; edges.size() < std::size_t(kBucketCount - 1); decade *= 10) {
        for (std::int64_t m : {1, 2, 5}) {
            if (edges.size() < std::size_t(kBucketCount - 1))
                edges.push_back(decade * m);
        }
    }
    return edges;
}

int plainBucket(std::int64_t ns)
{
    static const std::vector<std::int64_t> edges = plainEdges();
    int bucket = 0;
    for (std::int64_t e : edges)
        bucket += ns >= e ? 1 : 0;
    return bucket;
}

// A random run: tasks with random waits, steps and gaps from under a µs to minutes
// (some exactly on an edge), ending in every state, some still pending or running, some
// cancelled while suspended. `grainNs` rounds every time (a log keeps µs).
class Generator
{
public:
    Generator(unsigned seed, std::int64_t grainNs) : m_rng(seed), m_grain(grainNs) {}

    std::vector<Generated> run(int tasks)
    {
        std::vector<Generated> out;
        std::int64_t created = 0;
        for (int i = 0; i < tasks; ++i) {
            created += span(0.5);
            out.push_back(task(std::uint64_t(i + 1), created));
        }
        return out;
    }

private:
    std::int64_t span(double maxLog10Ms)
    {
        static const std::vector<std::int64_t> edges = plainEdges();
        std::int64_t ns = 0;
        if (std::uniform_int_distribution<int>(0, 9)(m_rng) == 0)
            ns = edges[std::uniform_int_distribution<std::size_t>(0, 14)(m_rng)];
        else
            ns = std::int64_t(std::pow(10.0, std::uniform_real_distribution<double>(-4.0, maxLog10Ms)(m_rng)) * 1e6);
        return std::max<std::int64_t>(m_grain, ns / m_grain * m_grain);
    }
    int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(m_rng); }

    Generated task(std::uint64_t id, std::int64_t createdNs)
    {
        Generated g;
        g.id = id;
        g.tag = std::uint8_t(pick(kOpSlots));
        g.loop = pick(2);
        auto add = [&](EventType type, std::int64_t t, std::uint8_t kind = 0) {
            g.events.push_back(rt::Event{t, id, 0, 0, 0, type, kind, 0});
        };
        g.events.push_back(rt::Event{createdNs, id, 0, 0, 1, EventType::Created, g.tag, 0});
        const int fate = pick(10);
        std::int64_t t = createdNs;
        if (fate == 0)
            return g; // still pending
        if (fate == 1) {
            add(EventType::Cancelled, t + span(2), std::uint8_t(rt::CancelKind::User));
            g.state = TaskState::Cancelled;
            return g;
        }
        t += span(3);
        g.waitNs = t - createdNs;
        const std::int64_t started = t;
        add(EventType::Started, t);
        g.state = TaskState::Running;
        const int steps = pick(4);
        for (int s = 0; s < steps; ++s) {
            const std::int64_t hold = span(2.5);
            t += hold;
            g.holdsNs.push_back(hold);
            add(EventType::Suspended, t, std::uint8_t(rt::AwaitKind::Sleep));
            t += span(4);
            if (s == steps - 1 && pick(4) == 0) {
                // Cancelled where it waits: it ends without a step of its own.
                add(EventType::Cancelled, t, std::uint8_t(rt::CancelKind::User));
                g.state = TaskState::Cancelled;
                g.durationNs = t - started;
                return g;
            }
            add(EventType::Resumed, t);
        }
        const int end = pick(5);
        if (end == 0) {
            // Still running; maybe suspended now.
            if (pick(2) == 0) {
                const std::int64_t hold = span(1);
                g.holdsNs.push_back(hold);
                add(EventType::Suspended, t + hold, std::uint8_t(rt::AwaitKind::Sleep));
            }
            return g;
        }
        const std::int64_t hold = span(2);
        t += hold;
        g.holdsNs.push_back(hold);
        const EventType type = end <= 2 ? EventType::Done : end == 3 ? EventType::Failed : EventType::Cancelled;
        add(type, t, type == EventType::Cancelled ? std::uint8_t(rt::CancelKind::User) : 0);
        g.state = *(type == EventType::Done ? std::optional(TaskState::Done)
                    : type == EventType::Failed ? std::optional(TaskState::Failed)
                                                : std::optional(TaskState::Cancelled));
        g.durationNs = t - started;
        return g;
    }

    std::mt19937 m_rng;
    std::int64_t m_grain;
};

// Applies the tasks' events to `record` the way loops publish them: each loop's events in
// time order, in batches of random size, the two loops' batches interleaved at random.
void applyAsLoops(const std::vector<Generated> &tasks, RunRecord &record, RunRecord::Observer &observer, unsigned seed)
{
    std::mt19937 rng(seed);
    std::array<std::vector<rt::Event>, 2> streams;
    for (const Generated &g : tasks)
        streams[std::size_t(g.loop)].insert(streams[std::size_t(g.loop)].end(), g.events.begin(), g.events.end());
    for (auto &s : streams)
        std::stable_sort(s.begin(), s.end(), [](const rt::Event &a, const rt::Event &b) { return a.tNs < b.tNs; });
    std::array<std::size_t, 2> at{};
    const std::array<QString, 2> names{QStringLiteral("main"), QStringLiteral("worker")};
    while (at[0] < streams[0].size() || at[1] < streams[1].size()) {
        std::size_t loop = std::uniform_int_distribution<std::size_t>(0, 1)(rng);
        if (at[loop] == streams[loop].size())
            loop = 1 - loop;
        const std::size_t n = std::min(streams[loop].size() - at[loop], std::uniform_int_distribution<std::size_t>(1, 40)(rng));
        rt::JournalBatch batch;
        batch.strings.push_back(QStringLiteral("t"));
        batch.events.assign(streams[loop].begin() + std::ptrdiff_t(at[loop]), streams[loop].begin() + std::ptrdiff_t(at[loop] + n));
        at[loop] += n;
        record.apply(names[loop], batch, &observer);
    }
}

// The plain recomputation: counts per (measure, op, state, bucket) from the generated tasks.
std::map<std::tuple<int, int, int, int>, std::uint64_t> plainCounts(const std::vector<Generated> &tasks)
{
    std::map<std::tuple<int, int, int, int>, std::uint64_t> counts;
    for (const Generated &g : tasks) {
        const int op = opSlot(g.tag);
        const int st = int(g.state);
        if (g.durationNs)
            ++counts[{int(Measure::Duration), op, st, plainBucket(*g.durationNs)}];
        if (g.waitNs)
            ++counts[{int(Measure::Wait), op, st, plainBucket(*g.waitNs)}];
        for (std::int64_t h : g.holdsNs)
            ++counts[{int(Measure::StepHold), op, st, plainBucket(h)}];
    }
    return counts;
}

void requireSameCounts(const TaskHistograms &h, const std::vector<Generated> &tasks)
{
    const auto plain = plainCounts(tasks);
    std::size_t mismatches = 0;
    for (int m = 0; m < kMeasureCount; ++m) {
        for (int op = 0; op < kOpSlots; ++op) {
            for (int st = 0; st < kStateSlots; ++st) {
                for (int b = 0; b < kBucketCount; ++b) {
                    const auto it = plain.find({m, op, st, b});
                    const std::uint64_t want = it == plain.end() ? 0 : it->second;
                    const std::uint64_t got = h.count(Measure(m), op, TaskState(st), b);
                    if (got != want) {
                        ++mismatches;
                        UNSCOPED_INFO("measure " << m << " op " << op << " state " << st << " bucket " << b << ": "
                                                 << got << " counted, " << want << " recomputed");
                    }
                }
            }
        }
    }
    REQUIRE(mismatches == 0);
}

} // namespace

TEST_CASE("the buckets are 1-2-5 times each power of ten from 1 µs: under 1 µs first and from 500 s last", "[histograms]")
{
    CHECK(bucketOf(-5) == 0);
    CHECK(bucketOf(999) == 0);
    CHECK(bucketOf(1'000) == 1);
    CHECK(bucketOf(1'999) == 1);
    CHECK(bucketOf(2'000) == 2);
    CHECK(bucketOf(5'000'000) == 12);
    CHECK(bucketOf(499'999'999'999) == kBucketCount - 2);
    CHECK(bucketOf(500'000'000'000) == kBucketCount - 1);
    CHECK(bucketOf(INT64_MAX) == kBucketCount - 1);
    for (int b = 0; b < kBucketCount; ++b)
        CHECK(bucketOf(bucketLowNs(b)) == b);
    CHECK(bucketText(0) == QStringLiteral("< 1 µs"));
    CHECK(bucketText(12) == QStringLiteral("5–10 ms"));
    CHECK(bucketText(9) == QStringLiteral("500 µs–1 ms"));
    CHECK(bucketText(kBucketCount - 1) == QStringLiteral("≥ 500 s"));
}

TEST_CASE("histograms followed batch by batch count what a plain recomputation of random runs counts", "[histograms]")
{
    for (unsigned seed = 1; seed <= 25; ++seed) {
        CAPTURE(seed);
        const std::vector<Generated> tasks = Generator(seed, 1).run(400);
        RunRecord record(RunRecord::Spool::None);
        TaskHistograms histograms(record);
        Follow follow(histograms);
        applyAsLoops(tasks, record, follow, seed);
        requireSameCounts(histograms, tasks);

        // Each task's buckets, as the table's range filter reads them.
        std::size_t wrongRows = 0;
        for (std::uint32_t row = 0; row < record.taskCount(); ++row) {
            const Generated &g = tasks[record.row(row).runtimeId - 1];
            std::uint32_t steps = 0;
            for (std::int64_t h : g.holdsNs)
                steps |= 1u << plainBucket(h);
            const std::uint32_t duration = g.durationNs ? 1u << plainBucket(*g.durationNs) : 0;
            const std::uint32_t wait = g.waitNs ? 1u << plainBucket(*g.waitNs) : 0;
            if (histograms.bucketsOf(Measure::StepHold, row) != steps || histograms.bucketsOf(Measure::Duration, row) != duration
                || histograms.bucketsOf(Measure::Wait, row) != wait)
                ++wrongRows;
        }
        REQUIRE(wrongRows == 0);
    }
}

TEST_CASE("a running task's first ended step needs no link: a thousand sleepers with one step each take none", "[histograms]")
{
    RunRecord record(RunRecord::Spool::None);
    TaskHistograms histograms(record);
    Follow follow(histograms);
    constexpr std::uint64_t kTasks = 1000;
    constexpr int kHoldBucket = 4; // 10-20 µs
    const auto applyToAll = [&](std::initializer_list<EventType> types, std::int64_t atNs) {
        rt::JournalBatch batch;
        batch.strings.push_back(QStringLiteral("sleeper"));
        for (std::uint64_t id = 1; id <= kTasks; ++id) {
            std::int64_t t = atNs;
            for (EventType type : types) {
                batch.events.push_back(rt::Event{t, id, 0, 0, type == EventType::Created ? 1u : 0u, type, 0, 0});
                t += 15'000; // each step holds the loop 15 µs
            }
        }
        record.apply(QStringLiteral("main"), batch, &follow);
    };
    const auto holds = [&](TaskState state) { return histograms.count(Measure::StepHold, 0, state, kHoldBucket); };
    REQUIRE(bucketOf(15'000) == kHoldBucket);

    applyToAll({EventType::Created, EventType::Started, EventType::Suspended}, 1'000'000);
    CHECK(histograms.linkedSteps() == 0);
    CHECK(holds(TaskState::Running) == kTasks);

    applyToAll({EventType::Resumed, EventType::Suspended}, 2'000'000);
    CHECK(histograms.linkedSteps() == 2 * kTasks);
    CHECK(holds(TaskState::Running) == 2 * kTasks);

    applyToAll({EventType::Resumed, EventType::Done}, 3'000'000);
    CHECK(histograms.linkedSteps() == 0);
    CHECK(holds(TaskState::Running) == 0);
    CHECK(holds(TaskState::Done) == 3 * kTasks);
    CHECK(histograms.bucketsOf(Measure::StepHold, 0) == 1u << kHoldBucket);
}

TEST_CASE("a run read back from its json log has the histograms it had live", "[histograms]")
{
    for (unsigned seed = 101; seed <= 105; ++seed) {
        CAPTURE(seed);
        // The log keeps µs: times on whole µs survive the trip exactly.
        const std::vector<Generated> tasks = Generator(seed, 1'000).run(300);
        RunRecord live(RunRecord::Spool::Events);
        live.setRunInfo(QStringLiteral("random"), QDateTime::currentDateTimeUtc(), 0);
        TaskHistograms liveHistograms(live);
        Follow follow(liveHistograms);
        applyAsLoops(tasks, live, follow, seed);

        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("run.json"));
        REQUIRE(exportJson(live, path).ok());
        const LogReadResult read = LogReader::readFile(path);
        REQUIRE(read.ok());

        // As the dashboard loads a log (TaskStore::loadLog): the replay, then its steps.
        RunRecord loaded(RunRecord::Spool::None);
        TaskHistograms histograms(loaded);
        struct StatesOnly final : RunRecord::Observer {
            explicit StatesOnly(TaskHistograms &h) : histograms(h) {}
            void created(std::uint32_t) override {}
            void touched(std::uint32_t) override {}
            void stateChanged(std::uint32_t row, TaskState from, TaskState to) override { histograms.stateChanged(row, from, to); }
            void renumbered() override {}
            TaskHistograms &histograms;
        } states(histograms);
        replayLog(*read.log, loaded, &states);
        histograms.addSteps(RunHistory::fromLog(*read.log, loaded));
        requireSameCounts(histograms, tasks);
    }
}

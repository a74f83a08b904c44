// A subtree's unfinished tasks (RunRecord::unfinishedDescendants and its sliced form,
// DescendantScan) and a task's first children (ChildScan): checked against a plain walk
// of a parent map on random forests.

#include "log/runrecord.h"

#include <catch2/catch.hpp>

#include <QDateTime>

#include <map>
#include <random>
#include <set>

using namespace coroscope;

namespace {

struct Forest {
    std::vector<std::uint64_t> parent; // runtime ids; parent[i] of task i + 1 (0: a root)
    std::vector<bool> finished;
};

// `tasks` tasks, each a child of an earlier one (or a root), some finished.
Forest randomForest(std::mt19937 &random, std::uint64_t tasks)
{
    Forest f;
    std::uniform_int_distribution<int> percent(0, 99);
    for (std::uint64_t id = 1; id <= tasks; ++id) {
        std::uint64_t parent = 0;
        if (id > 1 && percent(random) < 85) {
            // Mostly a recent task, as sets make children in bursts; sometimes any.
            const std::uint64_t span = percent(random) < 70 ? std::min<std::uint64_t>(id - 1, 5) : id - 1;
            parent = id - 1 - std::uniform_int_distribution<std::uint64_t>(0, span - 1)(random);
        }
        f.parent.push_back(parent);
        f.finished.push_back(percent(random) < 30);
    }
    return f;
}

// The forest as a run's table. Runtime ids are the creation order here, plus an offset
// so that a runtime id is never mistaken for a local one.
constexpr std::uint64_t kOffset = 1000;

void fill(log::RunRecord &record, const Forest &f)
{
    rt::Journal journal;
    const std::uint32_t name = journal.addString(QStringLiteral("t"));
    for (std::size_t i = 0; i < f.parent.size(); ++i)
        journal.append(rt::EventType::Created, kOffset + i + 1, f.parent[i] ? kOffset + f.parent[i] : 0, 0, name, 0, 0);
    for (std::size_t i = 0; i < f.parent.size(); ++i) {
        journal.append(rt::EventType::Started, kOffset + i + 1, 0, 0, 0, 0, 1);
        if (f.finished[i])
            journal.append(rt::EventType::Done, kOffset + i + 1, 0, 0, 0, 0, 2);
    }
    journal.publish();
    rt::JournalBatch batch;
    journal.drain(batch);
    record.setRunInfo(QStringLiteral("forest"), QDateTime::currentDateTimeUtc(), 0);
    record.apply(QStringLiteral("main"), batch);
}

// The plain answer: every task whose chain of parents reaches `root`, unfinished, in
// creation order (runtime ids).
std::vector<std::uint64_t> reference(const Forest &f, std::uint64_t root)
{
    std::vector<std::uint64_t> out;
    for (std::uint64_t id = 1; id <= f.parent.size(); ++id) {
        std::uint64_t up = f.parent[id - 1];
        while (up != 0 && up != root)
            up = f.parent[up - 1];
        if (up == root && root != 0 && !f.finished[id - 1])
            out.push_back(kOffset + id);
    }
    return out;
}

} // namespace

TEST_CASE("a subtree's unfinished tasks are found whole, and the same a slice at a time, on random forests")
{
    std::mt19937 random(20261207);
    for (int round = 0; round < 40; ++round) {
        const std::uint64_t tasks = std::uniform_int_distribution<std::uint64_t>(1, 400)(random);
        const Forest f = randomForest(random, tasks);
        log::RunRecord record(log::RunRecord::Spool::None);
        fill(record, f);
        REQUIRE(record.taskCount() == tasks);
        for (int pick = 0; pick < 5; ++pick) {
            const std::uint64_t root = std::uniform_int_distribution<std::uint64_t>(1, tasks)(random);
            const std::vector<std::uint64_t> want = reference(f, root);
            INFO("round " << round << ", " << tasks << " tasks, root " << root);
            CHECK(record.unfinishedDescendants(root) == want);

            const std::size_t slice = std::uniform_int_distribution<std::size_t>(1, 50)(random);
            log::RunRecord::DescendantScan scan(record, root);
            std::vector<std::uint64_t> sliced;
            std::size_t slices = 0;
            while (!scan.scan(record, slice)) {
                ++slices;
                REQUIRE(slices <= tasks); // each slice moves on
                const std::vector<std::uint64_t> part = scan.take();
                sliced.insert(sliced.end(), part.begin(), part.end());
            }
            const std::vector<std::uint64_t> last = scan.take();
            sliced.insert(sliced.end(), last.begin(), last.end());
            CHECK(sliced == want);
            CHECK(scan.done());
            CHECK(scan.scan(record, slice)); // a finished scan stays finished and finds nothing more
            CHECK(scan.take().empty());
        }
    }
}

TEST_CASE("a scan covers the tasks the table held when it began, however the table grows")
{
    std::mt19937 random(7);
    const Forest before = randomForest(random, 200);
    log::RunRecord record(log::RunRecord::Spool::None);
    fill(record, before);
    log::RunRecord::DescendantScan scan(record, 1);
    REQUIRE_FALSE(scan.scan(record, 10));

    // A child of task 1 created after the scan began.
    rt::Journal journal;
    journal.append(rt::EventType::Created, kOffset + 201, kOffset + 1, 0, journal.addString(QStringLiteral("late")), 0, 0);
    journal.publish();
    rt::JournalBatch batch;
    journal.drain(batch);
    record.apply(QStringLiteral("main"), batch);
    REQUIRE(record.taskCount() == 201);

    while (!scan.scan(record, 10)) {
    }
    std::vector<std::uint64_t> found = scan.take();
    CHECK(std::find(found.begin(), found.end(), kOffset + 201) == found.end());
    CHECK(record.unfinishedDescendants(1).back() == kOffset + 201);
}

TEST_CASE("a scan of a task the table does not hold finds nothing")
{
    log::RunRecord record(log::RunRecord::Spool::None);
    std::mt19937 random(3);
    fill(record, randomForest(random, 10));
    for (const std::uint64_t id : {std::uint64_t(0), std::uint64_t(11), std::uint64_t(1) << 40}) {
        log::RunRecord::DescendantScan scan(record, id);
        CHECK(scan.done());
        CHECK(scan.scan(record, 5));
        CHECK(scan.take().empty());
        CHECK(record.unfinishedDescendants(id).empty());
    }
}

TEST_CASE("a task's first children are found in creation order, resumed as the table grows, on random forests")
{
    std::mt19937 random(GENERATE(11u, 12u, 13u));
    const Forest all = randomForest(random, 3000);
    // The table holds the first part, then all of it: the scan resumes where it stopped.
    Forest first = all;
    first.parent.resize(1000);
    first.finished.resize(1000);
    log::RunRecord record(log::RunRecord::Spool::None);
    fill(record, first);
    const auto children = [&all](std::uint64_t id, std::uint64_t filed, std::size_t most) {
        std::vector<std::uint64_t> out; // local ids: the creation order here
        for (std::uint64_t child = id + 1; child <= filed && out.size() < most; ++child) {
            if (all.parent[child - 1] == id)
                out.push_back(child);
        }
        return out;
    };
    for (int round = 0; round < 40; ++round) {
        const std::uint64_t id = std::uniform_int_distribution<std::uint64_t>(1, 1000)(random);
        const std::size_t most = std::uniform_int_distribution<std::size_t>(1, 8)(random);
        INFO("task " << id << ", at most " << most);
        log::RunRecord::ChildScan scan(record, id);
        CHECK(scan.scan(record, most) == children(id, 1000, most));
    }
    log::RunRecord::ChildScan early(record, 1);
    const std::vector<std::uint64_t> before = early.scan(record, 1000);
    CHECK(before == children(1, 1000, 1000));

    rt::Journal journal;
    const std::uint32_t name = journal.addString(QStringLiteral("t"));
    for (std::size_t i = 1000; i < all.parent.size(); ++i)
        journal.append(rt::EventType::Created, kOffset + i + 1, all.parent[i] ? kOffset + all.parent[i] : 0, 0, name, 0, 0);
    journal.publish();
    rt::JournalBatch batch;
    journal.drain(batch);
    record.apply(QStringLiteral("main"), batch);
    REQUIRE(record.taskCount() == 3000);
    CHECK(early.scan(record, 1000) == children(1, 3000, 1000));
    // A task the table does not hold has none.
    for (const std::uint64_t id : {std::uint64_t(0), std::uint64_t(3001)}) {
        log::RunRecord::ChildScan none(record, id);
        CHECK(none.scan(record, 5).empty());
    }
}

#include "histograms.h"

#include <algorithm>
#include <climits>
#include <utility>

namespace coroscope::log {

using rt::EventType;
using rt::TaskState;

namespace {

constexpr std::int64_t kNone = RunRecord::kNone;

// The lower edges of buckets 1..kBucketCount-1 (docs/spec/histograms.md, "Buckets").
constexpr std::array<std::int64_t, kBucketCount - 1> kEdges = [] {
    std::array<std::int64_t, kBucketCount - 1> edges{};
    std::int64_t decade = 1'000; // 1 µs
    for (std::size_t i = 0; i < edges.size(); ++i) {
        constexpr std::int64_t kSteps[3] = {1, 2, 5};
        edges[i] = decade * kSteps[i % 3];
        if (i % 3 == 2)
            decade *= 10;
    }
    return edges;
}();
static_assert(kEdges.back() == 500'000'000'000, "the last edge is 500 s");

} // namespace

int bucketOf(std::int64_t ns) noexcept
{
    return int(std::upper_bound(kEdges.begin(), kEdges.end(), ns) - kEdges.begin());
}

std::int64_t bucketLowNs(int bucket) noexcept
{
    if (bucket <= 0)
        return 0;
    if (bucket >= kBucketCount)
        return INT64_MAX;
    return kEdges[std::size_t(bucket - 1)];
}

QString edgeText(int bucket)
{
    const std::int64_t ns = bucketLowNs(bucket);
    if (ns == INT64_MAX)
        return QStringLiteral("∞");
    if (ns == 0)
        return QStringLiteral("0");
    if (ns < 1'000'000)
        return QStringLiteral("%1 µs").arg(ns / 1'000);
    if (ns < 1'000'000'000)
        return QStringLiteral("%1 ms").arg(ns / 1'000'000);
    return QStringLiteral("%1 s").arg(ns / 1'000'000'000);
}

QString bucketText(int bucket)
{
    if (bucket <= 0)
        return QStringLiteral("< %1").arg(edgeText(1));
    if (bucket >= kBucketCount - 1)
        return QStringLiteral("≥ %1").arg(edgeText(kBucketCount - 1));
    // "1–2 ms" when both edges have the same unit, else "500 µs–1 ms".
    const QString low = edgeText(bucket);
    const QString high = edgeText(bucket + 1);
    const qsizetype space = low.indexOf(QLatin1Char(' '));
    if (low.mid(space) == high.mid(high.indexOf(QLatin1Char(' '))))
        return low.left(space) + QStringLiteral("–") + high;
    return low + QStringLiteral("–") + high;
}

QString measureKey(Measure m)
{
    switch (m) {
    case Measure::Duration: return QStringLiteral("duration");
    case Measure::Wait: return QStringLiteral("wait");
    case Measure::StepHold: return QStringLiteral("step");
    }
    return {};
}

int opSlot(std::uint8_t tag) noexcept
{
    const auto op = int(opOfTag(tag));
    return op < kOpSlots ? op : 0;
}

TaskHistograms::TaskHistograms(const RunRecord &record)
    : m_record(record), m_counts(std::size_t(kMeasureCount) * kOpSlots * kStateSlots * kBucketCount, 0)
{
}

TaskHistograms::TaskSteps &TaskHistograms::steps(std::uint32_t row)
{
    const std::size_t chunk = row / kChunk;
    while (m_steps.size() <= chunk)
        m_steps.push_back(std::make_unique<std::array<TaskSteps, kChunk>>());
    return (*m_steps[chunk])[row % kChunk];
}

const TaskHistograms::TaskSteps *TaskHistograms::stepsIfAny(std::uint32_t row) const
{
    const std::size_t chunk = row / kChunk;
    return chunk < m_steps.size() ? &(*m_steps[chunk])[row % kChunk] : nullptr;
}

std::uint32_t TaskHistograms::bucketsOf(Measure measure, std::uint32_t arrivalRow) const
{
    const RunRecord::TaskRow &r = m_record.row(arrivalRow);
    switch (measure) {
    case Measure::Duration:
        if (r.startedNs == kNone || r.finishedNs == kNone)
            return 0;
        return 1u << bucketOf(r.finishedNs - r.startedNs);
    case Measure::Wait:
        if (r.startedNs == kNone)
            return 0;
        return 1u << bucketOf(r.startedNs - r.createdNs);
    case Measure::StepHold:
        if (const TaskSteps *t = stepsIfAny(arrivalRow))
            return t->mask;
        return 0;
    }
    return 0;
}

void TaskHistograms::stateChanged(std::uint32_t row, TaskState from, TaskState to)
{
    const RunRecord::TaskRow &r = m_record.row(row);
    const int op = opSlot(r.tag);
    m_opsSeen |= 1u << op;
    // Its wait counts from its start, under the state it is in; it moves with the task.
    if (r.startedNs != kNone) {
        const int wait = bucketOf(r.startedNs - r.createdNs);
        if (from != TaskState::Pending)
            --m_counts[index(Measure::Wait, op, int(from), wait)];
        ++m_counts[index(Measure::Wait, op, int(to), wait)];
    }
    if (!rt::isFinal(to))
        return;
    if (r.startedNs != kNone && r.finishedNs != kNone)
        ++m_counts[index(Measure::Duration, op, int(to), bucketOf(r.finishedNs - r.startedNs))];
    // Its ended steps move to its final state, and their list goes back to the free list.
    const TaskSteps *t = stepsIfAny(row);
    if (!t || t->head == 0)
        return;
    std::uint32_t head = std::exchange(steps(row).head, 0);
    const auto move = [&](std::uint32_t bucket) {
        --m_counts[index(Measure::StepHold, op, int(from), int(bucket))];
        ++m_counts[index(Measure::StepHold, op, int(to), int(bucket))];
    };
    if (head & kOneStep) {
        move(head & ~kOneStep);
        return;
    }
    while (head != 0) {
        StepLink &l = m_links[head - 1];
        move(l.bucket);
        const std::uint32_t next = l.next;
        l.next = m_freeLinks;
        m_freeLinks = head;
        head = next;
    }
}

void TaskHistograms::stepEvent(std::uint32_t row, EventType type, std::int64_t tNs)
{
    switch (type) {
    case EventType::Started:
    case EventType::Resumed:
        steps(row).openNs = tNs;
        break;
    case EventType::Suspended:
    case EventType::Done:
    case EventType::Failed:
    case EventType::Cancelled:
        endStep(row, tNs);
        break;
    default:
        break;
    }
}

void TaskHistograms::endStep(std::uint32_t row, std::int64_t tNs)
{
    TaskSteps &t = steps(row);
    if (t.openNs == kNone)
        return; // ended while suspended (cancelled there), or never started
    const int bucket = bucketOf(tNs - std::exchange(t.openNs, kNone));
    const RunRecord::TaskRow &r = m_record.row(row);
    const int op = opSlot(r.tag);
    ++m_counts[index(Measure::StepHold, op, int(r.state), bucket)];
    t.mask |= 1u << bucket;
    if (rt::isFinal(r.state))
        return;
    // A step of a task still running: remembered, so that it moves with the task's state.
    if (t.head == 0) {
        t.head = kOneStep | std::uint32_t(bucket);
        return;
    }
    if (t.head & kOneStep) {
        const std::uint32_t first = t.head & ~kOneStep;
        t.head = 0;
        link(t.head, first);
    }
    link(t.head, std::uint32_t(bucket));
}

void TaskHistograms::link(std::uint32_t &head, std::uint32_t bucket)
{
    std::uint32_t at = m_freeLinks;
    if (at != 0) {
        m_freeLinks = m_links[at - 1].next;
    } else {
        m_links.push_back({});
        at = std::uint32_t(m_links.size());
    }
    m_links[at - 1] = StepLink{head, bucket};
    head = at;
}

std::size_t TaskHistograms::linkedSteps() const noexcept
{
    std::size_t free = 0;
    for (std::uint32_t l = m_freeLinks; l != 0; l = m_links[l - 1].next)
        ++free;
    return m_links.size() - free;
}

void TaskHistograms::addSteps(const RunHistory &history)
{
    for (std::size_t i = 0; i < history.eventCount(); ++i) {
        const RunHistory::Step &s = history.step(i);
        stepEvent(s.row, s.type, s.tNs);
    }
}

void TaskHistograms::addTo(Measure measure, std::uint32_t opMask, unsigned stateMask, Buckets &out) const
{
    for (int op = 0; op < kOpSlots; ++op) {
        if (!(opMask & (1u << op)))
            continue;
        for (int st = 0; st < kStateSlots; ++st) {
            if (!(stateMask & (1u << st)))
                continue;
            const std::uint64_t *c = &m_counts[index(measure, op, st, 0)];
            for (int b = 0; b < kBucketCount; ++b)
                out[std::size_t(b)] += c[b];
        }
    }
}

} // namespace coroscope::log

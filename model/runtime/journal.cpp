#include "journal.h"

#include "clock.h"

namespace coroscope::rt {

namespace {
// The spares' capacity together, per journal (10 MiB). A loop publishes a slice's
// events at a time, a few thousand, some twenty batches between two reads of the
// dashboard; a burst's batch, larger than this, is not kept.
constexpr std::size_t kSpareEvents = 256 * 1024;
// A long step's events go out in batches of about this many (1.5 MiB) as they are
// appended (publishIfLarge): a step that journals a million events (a repeat cancelling its
// copies) would otherwise grow one buffer by doubling, copying it and faulting in
// fresh pages on the loop, and the reader would see none of it until the step ends.
constexpr std::size_t kPublishEvents = 32 * 1024;
} // namespace

namespace {
std::atomic<bool> g_enabledByDefault{false}; // docs/spec/runtime-package.md, "Who reads a journal"
}

Journal::Journal()
    : m_spare(kSpareEvents)
{
}

void Journal::setEnabledByDefault(bool on) noexcept { g_enabledByDefault.store(on, std::memory_order_relaxed); }

bool Journal::enabledByDefault() noexcept { return g_enabledByDefault.load(std::memory_order_relaxed); }

std::size_t Journal::heldEvents()
{
    std::size_t n = m_local.events.size();
    std::lock_guard lock(m_mutex);
    n += m_shared.events.size();
    for (const JournalBatch &b : m_queued)
        n += b.events.size();
    return n;
}

bool SpareBatches::keep(JournalBatch &batch)
{
    const std::size_t capacity = batch.events.capacity();
    if (capacity == 0 || m_events + capacity > m_budget)
        return false;
    batch.clear();
    m_batches.push_back(std::move(batch));
    m_events += capacity;
    return true;
}

bool SpareBatches::takeInto(JournalBatch &into)
{
    if (m_batches.empty())
        return false;
    into = std::move(m_batches.back());
    m_batches.pop_back();
    m_events -= into.events.capacity();
    return true;
}

QString toString(EventType t)
{
    switch (t) {
    case EventType::Created: return QStringLiteral("created");
    case EventType::Started: return QStringLiteral("started");
    case EventType::Suspended: return QStringLiteral("suspended");
    case EventType::Resumed: return QStringLiteral("resumed");
    case EventType::CancelRequested: return QStringLiteral("cancel_requested");
    case EventType::Done: return QStringLiteral("done");
    case EventType::Failed: return QStringLiteral("failed");
    case EventType::Cancelled: return QStringLiteral("cancelled");
    case EventType::Callback: return QStringLiteral("callback");
    case EventType::Stall: return QStringLiteral("stall");
    case EventType::CallbackAdded: return QStringLiteral("callback_added");
    case EventType::QueueDepth: return QStringLiteral("queue_depth");
    case EventType::CallbackFailed: return QStringLiteral("callback_failed");
    }
    return {};
}

void JournalBatch::assignSlice(const JournalBatch &from, std::size_t first, std::size_t count)
{
    clear();
    events.assign(from.events.begin() + std::ptrdiff_t(first), from.events.begin() + std::ptrdiff_t(first + count));
    // Events in a row often name one string (a repeat's copies): it is copied once.
    std::uint32_t lastFrom = 0;
    for (Event &e : events) {
        if (e.text == 0)
            continue;
        if (e.flags & kValueResult) {
            values.push_back(from.values[e.text - 1]);
            e.text = std::uint32_t(values.size());
            continue;
        }
        if (e.text != lastFrom) {
            lastFrom = e.text;
            strings.push_back(from.strings[e.text - 1]);
        }
        e.text = std::uint32_t(strings.size());
    }
}

void Journal::append(EventType type, std::uint64_t task, std::uint64_t arg, std::uint8_t kind,
                     std::uint32_t text, std::uint64_t arg2, std::int64_t tNs, std::uint8_t flags)
{
    if (!enabled())
        return;
    m_local.events.push_back(Event{tNs < 0 ? monotonicNs() : tNs, task, arg, arg2, text, type, kind, flags});
}

void Journal::publishIfLarge()
{
    if (m_local.events.size() >= kPublishEvents)
        publish();
}

std::uint32_t Journal::addValue(const QJsonValue &v)
{
    if (!enabled())
        return 0;
    m_local.values.push_back(v);
    return std::uint32_t(m_local.values.size());
}

std::uint32_t Journal::addString(const QString &s)
{
    if (!enabled() || s.isEmpty())
        return 0;
    if (!m_local.strings.empty() && sameStringData(m_local.strings.back(), s))
        return std::uint32_t(m_local.strings.size());
    m_local.strings.push_back(s);
    return std::uint32_t(m_local.strings.size());
}

void Journal::publish()
{
    if (m_local.events.empty())
        return;
    {
        std::lock_guard lock(m_mutex);
        if (m_shared.events.empty() && m_shared.strings.empty())
            std::swap(m_shared, m_local); // the reader's emptied buffer comes back
        else {
            m_queued.push_back(std::move(m_local));
            m_spare.takeInto(m_local);
        }
    }
    m_local.clear();
}

std::vector<JournalBatch> Journal::takePublished(JournalBatch &out)
{
    out.clear();
    std::vector<JournalBatch> queued;
    std::lock_guard lock(m_mutex);
    std::swap(out, m_shared);
    queued.swap(m_queued);
    m_queued.swap(m_queuedSpare);
    return queued;
}

namespace {
// Appends `from` to `to`, its events' string and value indices moved past to's.
void appendBatch(JournalBatch &to, JournalBatch &from)
{
    const auto offset = std::uint32_t(to.strings.size());
    const auto valueOffset = std::uint32_t(to.values.size());
    const std::size_t first = to.events.size();
    to.events.insert(to.events.end(), from.events.begin(), from.events.end());
    if (offset != 0 || valueOffset != 0) {
        for (std::size_t i = first; i < to.events.size(); ++i) {
            if (to.events[i].text != 0)
                to.events[i].text += (to.events[i].flags & kValueResult) ? valueOffset : offset;
        }
    }
    for (QString &s : from.strings)
        to.strings.push_back(std::move(s));
    for (QJsonValue &v : from.values)
        to.values.push_back(std::move(v));
}
} // namespace

void Journal::recycle(std::vector<JournalBatch> &&taken)
{
    std::lock_guard lock(m_mutex);
    for (JournalBatch &b : taken)
        m_spare.keep(b);
    taken.clear();
    if (taken.capacity() > m_queuedSpare.capacity())
        std::swap(taken, m_queuedSpare);
}

void Journal::drain(JournalBatch &out)
{
    std::vector<JournalBatch> queued = takePublished(out);
    for (JournalBatch &later : queued)
        appendBatch(out, later);
    recycle(std::move(queued));
}

void Journal::drainEach(JournalBatch &out, const std::function<void(JournalBatch &)> &take)
{
    std::vector<JournalBatch> queued = takePublished(out);
    take(out);
    for (JournalBatch &later : queued)
        take(later);
    recycle(std::move(queued));
}

} // namespace coroscope::rt

#include "journal.h"

#include "clock.h"


namespace coroscope::rt {

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
    }
    return {};
}

void JournalBatch::assignSlice(const JournalBatch &from, std::size_t first, std::size_t count)
{
    clear();
    events.assign(from.events.begin() + std::ptrdiff_t(first), from.events.begin() + std::ptrdiff_t(first + count));
    for (Event &e : events) {
        if (e.text != 0) {
            strings.push_back(from.strings[e.text - 1]);
            e.text = std::uint32_t(strings.size());
        }
    }
}

void Journal::append(EventType type, std::uint64_t task, std::uint64_t arg, std::uint8_t kind,
                     std::uint32_t text, std::uint64_t arg2, std::int64_t tNs)
{
    if (!enabled())
        return;
    m_local.events.push_back(Event{tNs < 0 ? monotonicNs() : tNs, task, arg, arg2, text, type, kind});
}

std::uint32_t Journal::addString(const QString &s)
{
    if (!enabled() || s.isEmpty())
        return 0;
    m_local.strings.push_back(s);
    return std::uint32_t(m_local.strings.size());
}

void Journal::publish()
{
    if (m_local.events.empty())
        return;
    std::unique_lock lock(m_mutex);
    if (m_shared.events.empty() && m_shared.strings.empty()) {
        std::swap(m_shared, m_local);
    } else {
        // Appended with the vector's own geometric growth: reserving exactly what this
        // publish needs would reallocate (copy and fault in) the whole shared buffer on
        // every publish while the reader is slow to drain.
        const auto offset = std::uint32_t(m_shared.strings.size());
        const std::size_t first = m_shared.events.size();
        m_shared.events.insert(m_shared.events.end(), m_local.events.begin(), m_local.events.end());
        if (offset != 0) {
            for (std::size_t i = first; i < m_shared.events.size(); ++i) {
                if (m_shared.events[i].text != 0)
                    m_shared.events[i].text += offset;
            }
        }
        for (QString &s : m_local.strings)
            m_shared.strings.push_back(std::move(s));
    }
    lock.unlock();
    m_local.clear();
}

void Journal::drain(JournalBatch &out)
{
    out.clear();
    std::lock_guard lock(m_mutex);
    std::swap(out, m_shared);
}

} // namespace coroscope::rt

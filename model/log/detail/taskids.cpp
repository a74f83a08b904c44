#include "taskids.h"

#include <algorithm>

namespace coroscope::log::detail {

std::size_t TaskIds::position(std::uint64_t runtimeId) const noexcept
{
    if (!m_written)
        return runtimeId >= m_first && runtimeId - m_first < m_count ? std::size_t(runtimeId - m_first) : m_count;
    if (m_ids.empty())
        return 0;
    // Fast path: the ids of one run are usually contiguous.
    const std::uint64_t guess = runtimeId - m_ids.front();
    if (runtimeId >= m_ids.front() && guess < m_ids.size() && m_ids[guess] == runtimeId)
        return std::size_t(guess);
    const auto it = std::lower_bound(m_ids.begin(), m_ids.end(), runtimeId);
    if (it == m_ids.end() || *it != runtimeId)
        return m_ids.size();
    return std::size_t(it - m_ids.begin());
}

bool TaskIds::add(std::uint64_t runtimeId, std::uint32_t row)
{
    if (!m_written) {
        if (m_count == 0 && row == 0) {
            m_first = runtimeId;
            m_count = 1;
            return false;
        }
        if (runtimeId == m_first + m_count && row == m_count) {
            ++m_count;
            return false;
        }
        writeOut();
    }
    if (m_ids.empty() || runtimeId > m_ids.back()) {
        m_ids.push_back(runtimeId);
        m_rows.push_back(row);
        return false;
    }
    const auto it = std::lower_bound(m_ids.begin(), m_ids.end(), runtimeId);
    const auto at = it - m_ids.begin();
    m_ids.insert(it, runtimeId);
    m_rows.insert(m_rows.begin() + at, row);
    return true;
}

void TaskIds::writeOut()
{
    m_ids.reserve(std::max(m_reserve, m_count + 1));
    m_rows.reserve(std::max(m_reserve, m_count + 1));
    for (std::size_t p = 0; p < m_count; ++p) {
        m_ids.push_back(m_first + p);
        m_rows.push_back(std::uint32_t(p));
    }
    m_written = true;
}

} // namespace coroscope::log::detail

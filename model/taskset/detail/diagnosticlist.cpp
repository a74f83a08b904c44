#include "diagnosticlist.h"

#include <algorithm>

namespace coroscope::taskset::detail {

namespace {

void sortByPosition(std::vector<Diagnostic> &items)
{
    std::stable_sort(items.begin(), items.end(), [](const Diagnostic &a, const Diagnostic &b) {
        return std::pair(a.line, a.column) < std::pair(b.line, b.column);
    });
}

} // namespace

bool DiagnosticList::admit(int line, int column)
{
    if (m_cutoff && !(Position(line, column) < *m_cutoff)) {
        ++m_dropped;
        return false;
    }
    return true;
}

void DiagnosticList::push(Diagnostic d)
{
    m_items.push_back(std::move(d));
    if (m_items.size() >= 2 * kMaxErrors)
        trim();
}

void DiagnosticList::trim()
{
    sortByPosition(m_items);
    if (m_items.size() <= kMaxErrors)
        return;
    m_dropped += m_items.size() - kMaxErrors;
    m_items.resize(kMaxErrors);
    m_cutoff = Position(m_items.back().line, m_items.back().column);
}

std::vector<Diagnostic> DiagnosticList::take(const QString &file)
{
    trim();
    if (m_dropped > 0) {
        const Diagnostic &last = m_items.back();
        m_items.push_back(Diagnostic{QString(), last.line, last.column, QStringLiteral("/"),
                                     QStringLiteral("too many errors: %1 more not shown").arg(m_dropped)});
    }
    for (Diagnostic &d : m_items)
        d.file = file;
    m_dropped = 0;
    m_cutoff.reset();
    return std::move(m_items);
}

} // namespace coroscope::taskset::detail

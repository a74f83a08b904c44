#pragma once

// Internal to coroscope_taskset: do not include from outside model/taskset.
//
// The errors found in one file. It keeps only the first kMaxErrors by position, so a
// hostile file (64 MiB of duplicate keys is ten million errors) costs bounded memory
// and time; take() adds a last note saying how many were left out. One reader owns
// a list; no threading rules beyond that.

#include "taskset/taskset.h"

#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

namespace coroscope::taskset::detail {

class DiagnosticList
{
public:
    static constexpr std::size_t kMaxErrors = 1000;

    void add(Diagnostic d)
    {
        if (admit(d.line, d.column))
            push(std::move(d));
    }

    // Adds the error that make() builds, calling make() only if the error is kept.
    template<typename Make>
    void add(int line, int column, Make &&make)
    {
        if (admit(line, column))
            push(make());
    }

    // True when no error was found, kept or not.
    [[nodiscard]] bool empty() const { return m_items.empty() && m_dropped == 0; }

    // The kept errors sorted by (line, column), each naming `file`.
    [[nodiscard]] std::vector<Diagnostic> take(const QString &file);

private:
    using Position = std::pair<int, int>;

    // Whether an error at this position can still be among the first kMaxErrors;
    // counts it as left out when not.
    bool admit(int line, int column);
    void push(Diagnostic d);
    void trim();

    std::vector<Diagnostic> m_items;
    std::size_t m_dropped = 0;
    std::optional<Position> m_cutoff; // once trimmed: errors at or after it are left out
};

} // namespace coroscope::taskset::detail

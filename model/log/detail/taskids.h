#pragma once

// TaskIds: a run's tasks in run-local id order, for RunRecord. Position p (run-local
// id p + 1) holds the p-th smallest runtime id of the run and the arrival row of that
// task (the record keeps its rows in arrival order).
//
// While every task has arrived in id order with ids one apart, both columns are implied
// by the first id and the count, and nothing is kept per task: that is one loop's run
// (a million-task repeat: 12 MB saved). The first task that breaks the pattern (another
// loop's task, a late one, a gap) writes both columns out, 12 bytes a task from then on.
//
// Threading: the record's. Cost: O(1) reads; add() O(1) at the end, O(tasks) when a
// task takes a position before the end (a late task) or writes the columns out.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace coroscope::log::detail {

class TaskIds
{
public:
    // Room for `tasks` in the written-out columns, taken when they are written out.
    void reserve(std::size_t tasks) { m_reserve = tasks; }

    [[nodiscard]] std::size_t size() const noexcept { return m_written ? m_ids.size() : m_count; }
    [[nodiscard]] std::uint64_t idAt(std::size_t position) const
    {
        return m_written ? m_ids[position] : m_first + position;
    }
    [[nodiscard]] std::uint32_t rowAt(std::size_t position) const
    {
        return m_written ? m_rows[position] : std::uint32_t(position);
    }
    // The position of `runtimeId`; size() if the run has no such task.
    [[nodiscard]] std::size_t position(std::uint64_t runtimeId) const noexcept;
    // Adds the task with `runtimeId` (not yet added), which arrived as row `row`.
    // True if it took a position before the end (its id is smaller than another's:
    // the ids, so the run-local ids, of the tasks after it grow by one).
    bool add(std::uint64_t runtimeId, std::uint32_t row);
    // Whether the columns are implied (nothing kept per task).
    [[nodiscard]] bool implied() const noexcept { return !m_written; }

private:
    void writeOut();

    std::uint64_t m_first = 0; // implied: ids m_first .. m_first + m_count - 1, rows 0 .. m_count - 1
    std::size_t m_count = 0;
    bool m_written = false;
    std::size_t m_reserve = 0;
    std::vector<std::uint64_t> m_ids;  // written out: ascending runtime ids
    std::vector<std::uint32_t> m_rows; // the arrival row of each
};

} // namespace coroscope::log::detail

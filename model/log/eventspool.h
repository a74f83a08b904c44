#pragma once

// EventSpool: the run's events kept on disk instead of in memory, so that the json
// log of a million tasks never holds its `events` array in RAM.
//
// Each loop ("stream") gets its own temporary file of raw rt::Event records (40
// bytes each, this process's byte order; the string index is not kept). A loop's
// journal is appended by one thread in time order, so each file is in time order;
// forEach() merges the files by time (a k-way merge, ties by stream order), which
// gives the whole run in time order however the loops' batches interleaved. Ids and
// names are not resolved here: run-local ids can only be given once every task is
// known, so the exporters render the JSON form when they read the spool.
//
// Threading: one thread (the RunRecord's) appends and reads. Full buffers are written
// by a writer thread that all spools share, in the order they filled: a million tasks'
// run is some 200 MB of events, and the kernel's copy of them into the page cache took
// 5-8 % of the thread that applies the events (the dashboard's GUI thread) while a run
// spawned. At most kMostPending buffers of a spool wait for the writer; a spool whose
// writes fall that far behind waits for them. forEach, error() and the destructor wait
// for the spool's writes in flight.
// Cost: a copy into a 40 KiB buffer per stream per event, one hand-off per full buffer
// (a QIODevice write per event costs more than the rest of applying it); forEach then
// reads every file once, through a 64 KiB buffer per stream.

#include "runtime/journal.h"

#include <QString>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

class QTemporaryFile;

namespace coroscope::log {

class EventSpool
{
public:
    EventSpool();
    ~EventSpool();
    EventSpool(const EventSpool &) = delete;
    EventSpool &operator=(const EventSpool &) = delete;

    // Appends one event of stream `stream` (0, 1, ...: streams are made on first use).
    void append(std::size_t stream, const rt::Event &event);

    // Number of events appended so far.
    [[nodiscard]] std::uint64_t size() const noexcept { return m_count; }

    // The first failure (temporary file not created, disk full), if any; waits for
    // the writes in flight.
    [[nodiscard]] const std::optional<QString> &error() const;

    // Calls visit(stream, event) for every event in time order; stops early when
    // visit returns false. Returns an error message if a file could not be read.
    using Visitor = std::function<bool(std::size_t stream, const rt::Event &event)>;
    [[nodiscard]] std::optional<QString> forEach(const Visitor &visit) const;

    struct Pending; // the writes in flight, shared with the writer thread

private:
    void fail(const QString &message) const;
    void handOff(std::size_t stream);
    void waitForWrites() const; // and takes their first failure
    [[nodiscard]] bool flush(std::size_t stream) const;

    std::shared_ptr<Pending> m_pending;
    std::vector<std::unique_ptr<QTemporaryFile>> m_files;
    mutable std::vector<std::vector<rt::Event>> m_buffers; // per stream, not yet written
    std::uint64_t m_count = 0;
    mutable std::optional<QString> m_error;
};

} // namespace coroscope::log

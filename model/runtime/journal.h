#pragma once

// The event journal of one loop: every task transition appends one fixed-size Event.
//
// Threading: the loop's thread appends (append, addString) into a private batch
// without locking, and publishes it with publish(), which holds a mutex only for a
// swap (the reader took the last batch) or to queue the batch behind the one not
// yet taken (a move, never a copy: appending a burst's hundreds of thousands of
// events under the mutex would keep a reader, the dashboard's GUI thread, waiting up
// to 12 ms, behind a loop thread that runs at a lower priority). Any thread may call
// drain() or drainEach() at any time; they hold the same mutex for a swap. In the
// steady state (a reader draining regularly) the buffers keep their capacity and
// appending allocates nothing. A queued batch's buffers come back too: what the
// reader leaves in a queued batch (its capacity, or a spent batch it swapped in) is
// kept as a spare that publish() appends into next, so the loop thread does not
// allocate anew and the reader does not free memory from the loop thread's malloc
// arena (whose lock the loop thread holds while it allocates: the dashboard's GUI
// thread waited on it in its tick).
//
// Strings (task names, error texts) are rare and travel beside the events in the
// batch; Event::text indexes them (1-based, 0 = none).

#include "types.h"

#include <QJsonValue>
#include <QString>

#include <atomic>
#include <functional>
#include <mutex>
#include <cstdint>
#include <vector>

namespace coroscope::rt {

enum class EventType : std::uint8_t {
    Created,         // arg: parent id (0 = none); arg2: origin id, or with kIndexedName
                     // the copy index; kind: the spawner's tag; text: name
    Started,
    Suspended,       // kind: AwaitKind; arg: what it awaits (ms, count, task id)
    Resumed,
    CancelRequested, // kind: CancelKind; arg: id of the cancelling task (CancelKind::Task)
    Done,            // text: the result's text, if the task set one (TaskCore::setResultText);
                     // with kNumberResult, arg: the result, a double's bits (setResultNumber);
                     // with kValueResult, text: the result's value (setResultValue)
    Failed,          // text: error
    Cancelled,       // kind: CancelKind; arg: id of the cancelling task (CancelKind::Task)
    Callback,        // arg: index of the callback on the task
    Stall,           // arg: duration in ns; the task that held the loop
    CallbackAdded,   // arg: index of the callback on the task; text: its description
    QueueDepth,      // task: the queue's owner; kind: QueueChange; arg: items in the queue
                     // after it; arg2: its capacity (0 = unbounded). Live only: never in a
                     // log (docs/spec/taskset-format.md, "Queue depth").
    CallbackFailed,  // arg: index of the callback on the task; text: what it raised. Right
                     // after its Callback event: the callback raised (asyncio's "Exception in
                     // callback"), the loop went on (docs/spec/log-format.md).
};

// What a QueueDepth event follows: the queue's making, a put, a get, or a task_done
// (which leaves the depth as it was; docs/spec/stuck.md counts them).
enum class QueueChange : std::uint8_t { Made, Put, Get, TaskDone };

[[nodiscard]] QString toString(EventType t);

// Whether two strings are one string's copies (the same characters in memory, as a
// repeat's copies' shared name, heap or literal): a test that costs no comparison.
[[nodiscard]] inline bool sameStringData(const QString &a, const QString &b) noexcept
{
    return a.constData() == b.constData() && a.size() == b.size();
}

struct Event {
    std::int64_t tNs;   // rt::monotonicNs()
    std::uint64_t task; // task id
    std::uint64_t arg;
    std::uint64_t arg2;
    std::uint32_t text; // 1-based index into the batch's strings; 0 = none
    EventType type;
    std::uint8_t kind;
    std::uint8_t flags; // EventFlag bits
};

// A million tasks of one repeat share a name and give numbers as results: these say
// so in the event instead of a string per task (the journal, and the tables built
// from it, then hold no per-task text).
enum EventFlag : std::uint8_t {
    kIndexedName = 1,  // Created: the name is `text[arg2]` (the task has no origin)
    kNumberResult = 2, // Done: the result is the number std::bit_cast<double>(arg)
    kValueResult = 4,  // Done: the result is the value JournalBatch::value(e), whose text
                       // (rt::resultText) its reader renders: a million-element list is
                       // journalled without writing its text on the loop
                       // (docs/spec/taskset-format.md, "Big results")
};
static_assert(sizeof(Event) == 40, "journal events are meant to stay small");

struct JournalBatch {
    std::vector<Event> events;
    std::vector<QString> strings;
    // The results journalled as values (kValueResult): implicitly shared with the loop
    // that made them, which never changes them (a change would detach its copy).
    std::vector<QJsonValue> values;

    [[nodiscard]] const QString &text(const Event &e) const
    {
        static const QString none;
        return e.text == 0 || (e.flags & kValueResult) ? none : strings[e.text - 1];
    }
    [[nodiscard]] const QJsonValue &value(const Event &e) const
    {
        static const QJsonValue none;
        return e.text == 0 || !(e.flags & kValueResult) ? none : values[e.text - 1];
    }
    void clear()
    {
        events.clear();
        strings.clear();
        values.clear();
    }
    // Becomes events [first, first + count) of `from`, with only the strings they name
    // (to apply a large batch a slice at a time).
    void assignSlice(const JournalBatch &from, std::size_t first, std::size_t count);
};

// Emptied batches kept for their capacity, up to a budget of events' capacity
// together, to be filled again instead of allocating: the journal's spares and the
// dashboard backlog's spent batches. Not thread-safe (its owner's lock or thread).
class SpareBatches
{
public:
    explicit SpareBatches(std::size_t budgetEvents) : m_budget(budgetEvents) {}
    // Clears `batch` and keeps its buffers if they fit the budget; false (and `batch`
    // left as it was) if not.
    bool keep(JournalBatch &batch);
    // Moves a kept batch into `into` (whose own contents are dropped); false if none.
    bool takeInto(JournalBatch &into);

private:
    std::vector<JournalBatch> m_batches;
    std::size_t m_events = 0; // their events' capacity together
    std::size_t m_budget;
};

class Journal
{
public:
    Journal();
    Journal(const Journal &) = delete;
    Journal &operator=(const Journal &) = delete;

    // Loop thread only.
    void append(EventType type, std::uint64_t task, std::uint64_t arg = 0, std::uint8_t kind = 0,
                std::uint32_t text = 0, std::uint64_t arg2 = 0, std::int64_t tNs = -1, std::uint8_t flags = 0);
    // The string's index in the batch; a string that shares its data with the last
    // one added (a repeat's copies' common name) is not added again.
    [[nodiscard]] std::uint32_t addString(const QString &s);
    // The value's index in the batch's values, for an event with kValueResult (a
    // shared copy: O(1) however large the value).
    [[nodiscard]] std::uint32_t addValue(const QJsonValue &v);
    void publish();
    // Publishes if the batch has grown large (a step that cancels or ends a million
    // tasks). A string's index is valid until the batch is published, so this is
    // called only where no index is held for a later append: the runtime calls it
    // after its own appends.
    void publishIfLarge();

    // Any thread: moves every published event into out (which is cleared first).
    void drain(JournalBatch &out);
    // Any thread: hands each published batch to `take`, oldest first, without merging
    // them (`out`, cleared first, holds the first; `take` may swap a batch's contents
    // away). For a reader that queues batches anyway: no event is copied.
    void drainEach(JournalBatch &out, const std::function<void(JournalBatch &)> &take);

    // A journal records only while it is enabled, and it is enabled by whoever reads
    // it (docs/spec/runtime-package.md, "Who reads a journal"): a program that nobody
    // watches must not keep every event of its run. Events dropped while disabled are
    // not counted anywhere; the runtime still works.
    void setEnabled(bool on) noexcept { m_enabled.store(on, std::memory_order_relaxed); }
    [[nodiscard]] bool enabled() const noexcept { return m_enabled.load(std::memory_order_relaxed); }
    // Whether journals made from now on start enabled: false, but in a process that
    // reads every journal it makes (the test suites). Any thread.
    static void setEnabledByDefault(bool on) noexcept;
    [[nodiscard]] static bool enabledByDefault() noexcept;

    // Loop thread only: the events appended and not yet taken by a reader.
    [[nodiscard]] std::size_t heldEvents();

private:
    JournalBatch m_local;  // loop thread
    std::mutex m_mutex; // std::mutex, not QMutex: ThreadSanitizer sees it
    JournalBatch m_shared; // guarded by m_mutex
    std::vector<JournalBatch> m_queued;      // guarded by m_mutex: published after m_shared, not yet taken
    std::vector<JournalBatch> m_queuedSpare; // guarded by m_mutex: the last list taken, emptied, for m_queued
    SpareBatches m_spare;                    // guarded by m_mutex: emptied batches, for publish()

    // Swaps m_shared into out and returns the queued batches (under the mutex).
    [[nodiscard]] std::vector<JournalBatch> takePublished(JournalBatch &out);
    // Keeps what is left in the reader's queued batches as spares, and the emptied
    // list for the next batches queued (under the mutex).
    void recycle(std::vector<JournalBatch> &&taken);
    std::atomic<bool> m_enabled{enabledByDefault()};
};

} // namespace coroscope::rt

#pragma once

// TaskStore: the GUI-side table of every task of every run, fed from the loops'
// journal batches. The list, tree, stats and run models all read it.
//
// Rows. A run's tasks are its log::RunRecord: the one table that turns journal
// events into task state (also what the log exporters read); the store keeps only
// what the views need on top, learnt from the record as it applies events
// (RunRecord::Observer). "Global rows" number all tasks of all runs in ARRIVAL
// order: a task takes the next global row when the batch with its Created event is
// applied, whatever its run (in the order the record receives them), and keeps it. So several live runs can
// grow at once and every tick is still an append. A task key is
// (qint64(runId) << 32) | localId. Times are ns since the run's start.
// Mapping: a key and a record row per global row, and per run the global row of
// each record row (rowOfLocal() goes through the record's local id -> row map); a
// run's rows are walked by local id 1..run(runId)->taskCount().
//
// Ticks. apply() only records; endTick() emits one ticked(TickChange) that sums up
// everything applied since the previous tick (rows appended at the end, the range of
// rows whose data changed, the first row of every kind of state transition, counts).
// Models update themselves from that one signal. Rows never move, so a tick is an
// append; the one exception is a task created on one loop that arrives after a later
// one of another loop (see RunRecord): it still takes the next row, but an earlier
// run-local id, and the ids (so the keys) of its run's later tasks grow by one. Then
// the tick says reset instead and the models rebuild (rare). Transitions and changed
// rows are only reported for rows the previous tick announced.
//
// Filtering: a StateIndex (Fenwick trees per state over blocks of global rows)
// answers "k-th row in states M" and "rows in M before r" in O(log n). It describes
// the rows as the last tick published them: apply() notes the rows whose state
// changed and endTick() moves them (once each, however many transitions) and adds
// the new rows. So a filtered view's row mapping only moves when its model is told,
// even when events are applied in slices between ticks. The per-state counts follow
// every apply().
//
// Threading: GUI thread only (one thread owns it: apply, endTick, all queries).
// Cost: apply is O(events), plus O(tasks of the run) when a late task shifts its
// ids; endTick is O(log n) per row that changed state or arrived since the last tick
// (the state index); the per-row accessors are O(1) reads of the record's row and
// build no TaskView.
// Memory: 20 bytes a task on top of the record's (a key, a record row, a revision
// stamp, the run's row map) and the state index.
//
// Time travel (docs/spec/time-travel.md): with the playhead on a run, the per-row
// accessors, exists(), filterRow(), treeRow() and runCount() read that run's history
// at the playhead's time (one state byte a task in the playhead's frame) instead of
// its record; the state index and count() stay live (a travelled table is filtered
// row by row, as a run-filtered one is). A run's history is built on first use and
// kept with the run (bench/RESULTS.md, "Time travel": about 28 bytes an event).

#include "monitor/stateindex.h"

#include "log/histograms.h"
#include "log/logreader.h"
#include "log/optag.h"
#include "log/runhistory.h"
#include "log/runrecord.h"
#include "log/warnings.h"
#include "runtime/journal.h"
#include "runtime/types.h"

#include <QDateTime>
#include <QObject>
#include <QString>

#include <array>
#include <climits>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace coroscope::monitor {

// What changed between two ticks. Rows are global rows after the tick.
struct TickChange {
    bool reset = false;        // keys of existing rows changed (a late task): rebuild from scratch
    int appendedFirst = 0;     // rows [appendedFirst, appendedFirst + appendedCount) are new
    int appendedCount = 0;
    int changedFirst = 0;      // rows that existed before the tick and whose data changed
    int changedLast = -1;      // (any field), as one range; empty when changedLast < changedFirst
    // transitionFirst[from * 5 + to]: the first pre-existing row that went from state
    // `from` to state `to` during the tick (INT_MAX = none).
    std::array<int, 25> transitionFirst{};
    std::array<std::int64_t, kStateCount> counts{}; // per rt::TaskState, after the tick
    std::int64_t total = 0;
    std::int64_t finished = 0; // tasks that reached a final state during the tick
    std::int64_t nowNs = 0;    // the store's clock at the tick (rt::monotonicNs() by default)
    bool runsChanged = false;  // a run was added, finished, or got tasks

    [[nodiscard]] bool hasChanged() const noexcept { return changedLast >= changedFirst; }
    [[nodiscard]] bool anyRunning() const noexcept { return counts[std::size_t(rt::TaskState::Running)] > 0; }
    // The first pre-existing row whose membership of the state set `mask` changed
    // (INT_MAX = none).
    [[nodiscard]] int firstMembershipChange(unsigned mask) const noexcept;
};

using log::QueueDepth;

class TaskStore : public QObject
{
    Q_OBJECT

public:
    explicit TaskStore(QObject *parent = nullptr);
    ~TaskStore() override;

    // Runs -------------------------------------------------------------------------
    // A new empty run; returns its id (1, 2, ...). startNs is on rt::monotonicNs().
    int addRun(const QString &setName, const QDateTime &startedAt, std::int64_t startNs,
               log::RunRecord::Spool spool = log::RunRecord::Spool::None);
    void apply(int runId, const QString &loopName, const rt::JournalBatch &batch);
    // Room for `tasks` more tasks of run `runId` (e.g. a set's estimate), so that its
    // rows never copy the tables while they grow: a copy of a million rows' arrays
    // takes about 80 ms in one tick. Costs address space, not memory.
    void reserve(int runId, std::size_t tasks);
    void setRunFinished(int runId, std::int64_t endNs);
    // A finished run that has a live task again (one spawned into it) is running again.
    void setRunRunning(int runId);
    // A finished run read back from a log (replay), added like addRun + apply +
    // setRunFinished (its tasks take rows in id order), then ticks. Returns its id.
    // `source` names where it came from (its file's path): the run is a past run, read
    // only. Its tasks count in count() (the table shows them) but not in liveCount().
    int loadLog(const log::RunLog &log, const QString &source = {});
    // A run watched in another program over its probe (docs/spec/probe-protocol.md);
    // `program` names it ("worker.py (pid 1234)"). Its tasks are live until
    // setRunFinished (detached, or the program ended); from then on they run nowhere
    // here: like a loaded run's, they count in count() but not in liveCount().
    void setRunAttached(int runId, const QString &program);
    // Forgets a run that is not running (finished, or read from a log): its tasks leave
    // every row, the rows after them move up (arrival order kept), its memory is freed,
    // and a reset tick follows at once (so no model reads a moved row before it knows),
    // then runRemoved(runId). Its id is never given again. False (nothing done) for a
    // running or unknown run. O(tasks of every run).
    bool removeRun(int runId);
    void endTick();

    // The highest run id given so far (removed runs leave their ids unused: run() is
    // null for them).
    [[nodiscard]] int runCount() const noexcept { return int(m_runs.size()); }
    [[nodiscard]] const log::RunRecord *run(int runId) const;
    // The run's warnings (docs/spec/warnings.md): found as events are applied, the time
    // rules decided at each tick (a running run) or at the run's end; null if no run.
    [[nodiscard]] const log::WarningScanner *warnings(int runId) const;
    // How long its tasks took (docs/spec/histograms.md), as of the last apply; null if no run.
    [[nodiscard]] const log::TaskHistograms *histograms(int runId) const;
    [[nodiscard]] bool isRunning(int runId) const;
    // A past run read back from a log (loadLog), not one that ran here.
    [[nodiscard]] bool isLoaded(int runId) const;
    // The file a loaded run was read from; empty for a run that ran here.
    [[nodiscard]] QString loadedFrom(int runId) const;
    // The program an attached run watches (setRunAttached); empty for any other run.
    [[nodiscard]] QString attachedTo(int runId) const;
    // Whether the run's unfinished tasks run nowhere here: it was read from a log, or it
    // is an attached run that has finished.
    [[nodiscard]] bool isPast(int runId) const;
    // The run's tasks in `state`, as of the last apply.
    [[nodiscard]] std::int64_t runCount(int runId, rt::TaskState state) const;
    // Global row of a run's task `localId` (1..run(runId)->taskCount()); -1 if unknown.
    [[nodiscard]] int rowOfLocal(int runId, std::uint64_t localId) const;

    // Rows and keys ---------------------------------------------------------------
    [[nodiscard]] int rowCount() const noexcept { return m_rowCount; }
    // Rows the last tick announced (rowCount() minus rows applied since).
    [[nodiscard]] int publishedRowCount() const noexcept { return m_publishedRows; }
    // Something was applied or added since the last tick (endTick() has news to publish).
    [[nodiscard]] bool hasUnpublished() const noexcept { return m_touched || m_structural || m_deciding; }
    [[nodiscard]] qint64 keyOfRow(int row) const;   // -1 if out of range
    [[nodiscard]] int rowOfKey(qint64 key) const;   // -1 if unknown
    [[nodiscard]] static qint64 makeKey(int runId, std::uint64_t localId) noexcept
    {
        return (qint64(runId) << 32) | qint64(localId);
    }
    [[nodiscard]] static int runIdOfKey(qint64 key) noexcept { return int(key >> 32); }
    [[nodiscard]] static std::uint64_t localIdOfKey(qint64 key) noexcept { return std::uint64_t(key & 0xffffffff); }

    // Per-row fields (row = global row; no bounds check beyond an assert).
    [[nodiscard]] int runIdOfRow(int row) const;
    [[nodiscard]] std::uint64_t localIdOfRow(int row) const;
    [[nodiscard]] QString name(int row) const;
    [[nodiscard]] log::OpTag op(int row) const;
    [[nodiscard]] QString opName(int row) const { return log::opName(op(row)); }
    [[nodiscard]] rt::TaskState state(int row) const;
    [[nodiscard]] QString loop(int row) const;
    [[nodiscard]] QString awaiting(int row) const;          // "" when not suspended
    [[nodiscard]] std::int64_t createdNs(int row) const;
    [[nodiscard]] std::optional<std::int64_t> startedNs(int row) const;
    // What a timeline draws of a row, in one lookup: absolute rt::monotonicNs() times
    // (log::RunRecord::kNone when not yet), state, run and loop index.
    struct TimelineRow {
        std::int64_t startedNs;
        std::int64_t finishedNs;
        rt::TaskState state;
        int runId;
        std::uint8_t loopIndex; // into the run's RunRecord::loops(), or RunRecord::kPoolLoop
    };
    [[nodiscard]] TimelineRow timelineRow(int row) const;
    [[nodiscard]] std::optional<std::int64_t> finishedNs(int row) const;
    // Finished (or the run's end, or the last tick's clock) minus started; empty if not started.
    [[nodiscard]] std::optional<std::int64_t> durationNs(int row) const;
    // Result JSON (done) or error (failed); with limit >= 0 cut past that many characters
    // (RunRecord::outcomeAt).
    [[nodiscard]] QString resultText(int row, qsizetype limit = -1) const;
    [[nodiscard]] QString cancelReason(int row) const;      // "" unless cancelled
    [[nodiscard]] qint64 parentKey(int row) const;          // -1 = none
    [[nodiscard]] int callbackCount(int row) const;

    // Queues -------------------------------------------------------------------------
    // The depth of the queue task `key` owns (a queue node's task); nullptr if none.
    [[nodiscard]] const QueueDepth *queueDepth(qint64 key) const;
    // The keys of run runId's tasks that own a queue, in id order.
    [[nodiscard]] std::vector<qint64> queueOwners(int runId) const;

    // Counts and filtering ----------------------------------------------------------
    [[nodiscard]] std::int64_t count(rt::TaskState state) const noexcept { return m_counts[std::size_t(state)]; }
    // Tasks of runs that are not past (isPast: a log's or a detached program's
    // unfinished tasks are not running anywhere).
    [[nodiscard]] std::int64_t liveCount(rt::TaskState state) const noexcept
    {
        return m_counts[std::size_t(state)] - m_pastCounts[std::size_t(state)];
    }
    [[nodiscard]] const StateIndex &stateIndex() const noexcept { return m_index; }
    [[nodiscard]] std::int64_t nowNs() const noexcept { return m_nowNs; } // the clock at the last tick

    // Revisions: endTick() counts the ticks that published anything (rows, events,
    // runs); every row remembers the revision that published its last change.
    [[nodiscard]] quint64 revision() const noexcept { return m_revision; }
    // Appends the rows below `count` whose data changed in a tick after revision
    // `since` (O(count), 4 bytes read a row).
    void rowsChangedSince(quint64 since, int count, std::vector<int> &out) const;

    // Time travel (docs/spec/time-travel.md) ----------------------------------------
    // Shows run `runId` as it was tNs after its start: until setLive(), state(),
    // awaiting(), the times, texts and runCount() of its rows read its history at that
    // time, and exists() hides its tasks not created yet; then a reset tick. Other runs
    // and everything applied meanwhile stay live underneath. The history is taken from
    // the run's spool on first use, and again when tNs passes its end while the run
    // recorded more (O(events)); a loaded run's comes from its log. The reset tick is
    // the views' only: it publishes nothing applied since the last tick and moves no
    // revision. Returns the error (nothing changed) when the run has no history.
    QString setPlayhead(int runId, std::int64_t tNs);
    // Back to the live state (a reset tick); nothing when already live.
    void setLive();
    [[nodiscard]] int playheadRun() const noexcept { return m_playhead ? m_playhead->runId : 0; } // 0 = live
    [[nodiscard]] std::int64_t playheadNs() const noexcept { return m_playhead ? m_playhead->frame.tNs : 0; }
    // The history setPlayhead() uses for the run (null before its first use).
    [[nodiscard]] const log::RunHistory *history(int runId) const;
    // The run's history up to now: taken (again) from its spool when the run recorded
    // more since (O(events)); the playhead, if on the run, keeps its time. Null with
    // the error when the run keeps no events.
    const log::RunHistory *takeHistory(int runId, QString *error = nullptr);
    // Whether the row's task exists at the playhead (always at Live).
    [[nodiscard]] bool exists(int row) const;
    // What a filter asks of a row, in one lookup: its run, its state and whether it
    // exists (as state(), runIdOfRow() and exists() would say).
    struct FilterRow {
        int runId;
        rt::TaskState state;
        bool exists;
    };
    [[nodiscard]] FilterRow filterRow(int row) const;
    // What the tree files a row by, in one lookup: whether it exists (as exists()) and
    // its parent's runtime id (0 = none; parentKey() resolves it, or parentKeyOf()).
    struct TreeRow {
        std::uint64_t parentRuntimeId;
        bool exists;
    };
    [[nodiscard]] TreeRow treeRow(int row) const;
    // What a histogram range filter asks of a row, in one lookup: the buckets its task
    // has a value of `measure` in (log::TaskHistograms::bucketsOf), its op slot and its
    // state as recorded (the histograms count the run as recorded, not at the playhead).
    struct HistogramRow {
        std::uint32_t buckets;
        int op;
        rt::TaskState state;
    };
    [[nodiscard]] HistogramRow histogramRow(int row, log::Measure measure) const;
    // The key of run runId's task with that runtime id; -1 if it is not part of the run.
    [[nodiscard]] qint64 keyOfRuntime(int runId, std::uint64_t runtimeId) const;
    // The run's tasks (at the playhead: those created by then).
    [[nodiscard]] std::int64_t runTotal(int runId) const;

    // Tests replace the clock read at every tick (default rt::monotonicNs()).
    void setClock(std::function<std::int64_t()> clock);

Q_SIGNALS:
    void ticked(const coroscope::monitor::TickChange &change);
    void runAdded(int runId);     // emitted by addRun, before any of its tasks tick
    void runFinished(int runId);
    void runRemoved(int runId);   // after its reset tick

private:
    struct Run;
    struct Cursor;
    class Feed;

    [[nodiscard]] Run &runRef(int runId);
    [[nodiscard]] const Run *runPtr(int runId) const;
    [[nodiscard]] Cursor locate(int row) const;
    void renumber(Run &run);
    // The run is past from now on: its counts join m_pastCounts.
    void markPast(Run &run);
    void noteChanged(int row);
    void syncIndex();
    // The playhead's frame when the cursor's run is the one travelled, else null.
    [[nodiscard]] const log::RunHistory::Frame *frameOf(const Cursor &c) const;
    [[nodiscard]] rt::TaskState stateOf(const Cursor &c) const;
    void publishReset();

    struct Playhead {
        int runId = 0;
        const log::RunHistory *history = nullptr;
        log::RunHistory::Frame frame;
    };
    std::optional<Playhead> m_playhead;

    std::vector<std::unique_ptr<Run>> m_runs; // runId - 1; null once removed
    std::vector<std::uint32_t> m_recordRows;  // per global row: its task's arrival row in its run's record
    std::vector<qint64> m_keys;               // per global row: its task's key
    std::vector<std::uint32_t> m_stamps;      // per global row: revision of its last change
    int m_rowCount = 0;
    StateIndex m_index;                       // per global row, as of the last tick
    std::vector<std::pair<int, rt::TaskState>> m_indexDirty; // state changes since, in order (rows may repeat)
    std::vector<rt::TaskState> m_indexAppended;              // endTick's rows new to the index (kept for its capacity)
    std::array<std::int64_t, kStateCount> m_counts{};
    std::array<std::int64_t, kStateCount> m_pastCounts{}; // the past runs' share of m_counts (isPast)

    // What the current tick has seen so far.
    TickChange m_pending;
    bool m_structural = false;  // keys of existing rows changed: the tick is a reset
    int m_publishedRows = 0;    // rows the last tick announced
    quint64 m_revision = 0;
    bool m_touched = false;     // something to publish since the last tick
    bool m_deciding = false;    // a finished run's warnings are still being decided (a slice a tick)

    std::function<std::int64_t()> m_clock;
    std::int64_t m_nowNs = 0;
};

} // namespace coroscope::monitor

#pragma once

// TaskMonitor: the one object QML talks to (see CONTRACT.md). It owns the task store
// and its models, and the live runs, each on a loop thread of its own.
//
// Threading: GUI thread only. Tasks never run here: commands are queued to the
// runs' loops; the monitor drains every run's journals into the store in short
// slices, and about 30 times a second the store publishes one batched change per
// model.
// Errors come back as values (lists of messages); no exception reaches QML.

#include "session/probesession.h"
#include "session/run.h"
#include "monitor/runlistmodel.h"
#include "monitor/taskdetailsdata.h"
#include "monitor/tasklistmodel.h"
#include "monitor/taskstats.h"
#include "monitor/timelinesource.h"
#include "monitor/taskstore.h"
#include "monitor/tasktreemodel.h"
#include "monitor/histogrammodel.h"
#include "monitor/warninglistmodel.h"
#include "taskset/builtins.h"

#include <QObject>
#include <QTimer>
#include <QUrl>
#include <QVariantList>
#include <QVariantMap>
#include <QtQml/qqmlregistration.h>

#include <functional>
#include <map>
#include <memory>

namespace coroscope::monitor {

class TaskMonitor : public QObject, public TimelineSource
{
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(coroscope::monitor::TaskListModel *tasks READ tasks CONSTANT FINAL)
    Q_PROPERTY(coroscope::monitor::TaskTreeModel *tree READ tree CONSTANT FINAL)
    Q_PROPERTY(coroscope::monitor::TaskStats *stats READ stats CONSTANT FINAL)
    Q_PROPERTY(coroscope::monitor::RunListModel *runs READ runs CONSTANT FINAL)
    // Every run's warnings and the loops not responding now (docs/spec/warnings.md).
    Q_PROPERTY(coroscope::monitor::WarningListModel *warnings READ warnings CONSTANT FINAL)
    // How long the scope's tasks took, and the range that filters the table (docs/spec/histograms.md).
    Q_PROPERTY(coroscope::monitor::HistogramModel *histograms READ histograms CONSTANT FINAL)
    Q_PROPERTY(QVariantList builtinSets READ builtinSets CONSTANT FINAL)
    Q_PROPERTY(QVariantList loops READ loops NOTIFY loopsChanged FINAL)
    Q_PROPERTY(double nowMs READ nowMs NOTIFY ticked FINAL)
    // The run the views show (table, counters, timeline), 0 = every run. Scoped, times
    // are relative to that run's start.
    Q_PROPERTY(int scopeRunId READ scopeRunId WRITE setScopeRunId NOTIFY scopeChanged FINAL)
    // Whether a run in the scope is live (has tasks to run here): the clock moves.
    Q_PROPERTY(bool live READ isLive NOTIFY liveChanged FINAL)
    // Why Cancel all cannot act though tasks are live, or "": no run launched here has
    // a live task, and an attached program is open (Cancel all stops the runs launched
    // here only; docs/spec/probe-protocol.md, "The dashboard").
    Q_PROPERTY(QString cancelAllReason READ cancelAllReason NOTIFY ticked FINAL)
    // Time travel (docs/spec/time-travel.md): the scoped run as it was playheadMs after
    // its start, in the table, tree, counters and details; < 0 = Live.
    Q_PROPERTY(double playheadMs READ playheadMs NOTIFY playheadChanged FINAL)
    // The scoped run's last recorded event (ms), where playing stops; < 0 = none.
    Q_PROPERTY(double historyEndMs READ historyEndMs NOTIFY playheadChanged FINAL)

public:
    explicit TaskMonitor(QObject *parent = nullptr);
    ~TaskMonitor() override;

    [[nodiscard]] TaskListModel *tasks() { return &m_tasks; }
    [[nodiscard]] TaskTreeModel *tree() { return &m_tree; }
    [[nodiscard]] TaskStats *stats() { return &m_stats; }
    [[nodiscard]] RunListModel *runs() { return &m_runs; }
    [[nodiscard]] WarningListModel *warnings() { return &m_warnings; }
    [[nodiscard]] HistogramModel *histograms() { return &m_histograms; }
    [[nodiscard]] const TaskStore &store() const { return m_store; }
    [[nodiscard]] QVariantList builtinSets() const { return m_builtins; }
    [[nodiscard]] QVariantList loops() const { return m_loops; }
    // The scope's clock: ms since its origin (see originNs()) up to now while a run of
    // the scope is live, else up to the end of its latest run (it stands still).
    [[nodiscard]] double nowMs() const override;
    [[nodiscard]] int scopeRunId() const noexcept { return m_scope; }
    void setScopeRunId(int runId);
    [[nodiscard]] bool isLive() const noexcept { return m_isLive; }
    [[nodiscard]] QString cancelAllReason() const;

    // Time travel (timetravel.cpp) ---------------------------------------------------
    [[nodiscard]] double playheadMs() const;
    [[nodiscard]] double historyEndMs() const;
    // Moves the playhead of the scoped run to `ms` (clamped at 0); returns the error
    // (nothing changed), e.g. when no run is scoped.
    Q_INVOKABLE QString setPlayheadMs(double ms);
    // Back to now (the live state).
    Q_INVOKABLE void goLive();
    // Moves the playhead to the task's previous or next event (from the playhead, or
    // from now at Live); returns the new playhead (ms), or -1 when there is none.
    Q_INVOKABLE double stepTaskEvent(qint64 taskKey, bool forward);
    // Moves the playhead to the scoped run's first "stall" (its start), "failure" or
    // "cancellation"; returns the new playhead (ms), or -1 when there is none.
    Q_INVOKABLE double jumpToFirst(const QString &what);

    Q_INVOKABLE QStringList launchBuiltin(const QString &name);
    Q_INVOKABLE QStringList openSetFile(const QUrl &url);
    // Cancels every task of a run launched here; detaches an attached run (detachRun).
    Q_INVOKABLE void stopRun(int runId);
    // Forgets a run that is not live (finished, or read from a log): its tasks leave
    // every view, its loop threads end and the memory it held is freed (the scope goes
    // back to every run if it was that run's). Returns the error, empty when removed.
    Q_INVOKABLE QString removeRun(int runId);
    // Spawns a task: a child of parentTaskKey (>= 0), else a root task of run runId
    // when that run was launched here (it runs again if it had finished), else one of
    // the playground. spawned(key) follows once the new task reaches the table.
    Q_INVOKABLE QStringList spawnTask(const QString &op, const QVariantMap &params, qint64 parentTaskKey,
                                      int runId = -1);
    // Where Spawn puts a task by default, given the selected task (-1: none) and run
    // (-1: none): {parentKey: the selected task if it is running or pending in a live
    // run, else -1; runId: the selected task's run, else the selected run, if launched
    // here, else -1 (the playground); where: that run's title or "the playground"}.
    Q_INVOKABLE QVariantMap spawnTarget(qint64 selectedTaskKey, int selectedRunId) const;
    Q_INVOKABLE void cancelTask(qint64 taskKey);
    // The subtree is found a slice at a time between the event loop's other work (a
    // million tasks take tens of milliseconds to look at), then cancelled at once.
    Q_INVOKABLE void cancelSubtree(qint64 taskKey);
    // Stops every run launched here; attached programs are left alone (their tasks are
    // cancelled one by one, or a subtree at a time).
    Q_INVOKABLE void cancelAll();
    Q_INVOKABLE QStringList addCallback(qint64 taskKey, const QString &kind, const QString &text);
    Q_INVOKABLE QString exportLog(int runId, const QUrl &url);
    // Reads a .json or .jsonl log back as a past, read-only run (logOpened names it);
    // returns the error, empty when it opened.
    // The file name Export suggests: <set>-<run>.json (the set's name kept to
    // letters, digits, '.', '_' and '-').
    Q_INVOKABLE QString exportFileName(int runId) const;
    // The folder Export suggests before the user has chosen one: the home folder.
    Q_INVOKABLE QString exportFolder() const;
    Q_INVOKABLE QString openLog(const QUrl &url);
    // Why the task's run cannot be acted on (cancel, callback, child), for a tooltip;
    // empty when it can (a live run's task, or an attached program's).
    Q_INVOKABLE QString readOnlyReason(qint64 taskKey) const;

    // Attaching to a program (attach.cpp, docs/spec/probe-protocol.md) ----------------
    // The programs that can be attached now, the same listing as `coroscope attach
    // --list`: {programs: [{pid, program, command, startedAt (QDateTime), path}] by pid,
    // problem: why the folder was not listed, or ""}. Blocks while it asks each socket
    // for its hello (an answering probe answers at once; up to a second each for one
    // that does not).
    Q_INVOKABLE QVariantMap attachablePrograms() const;
    // Attaches to the program whose probe listens at `path`: it becomes a run named
    // "PROGRAM (pid PID)" with its loop as a lane and its tasks in every view, live;
    // programAttached(runId) follows. Cancel, Cancel subtree and log callbacks on its
    // tasks go to the program as commands; Spawn is not available. Returns the error,
    // empty when attached.
    Q_INVOKABLE QString attachProgram(const QString &path);
    // Stops watching an attached run (stopRun does the same): it stays as a finished,
    // read-only record, and the program runs on. Returns the error, empty when detached.
    Q_INVOKABLE QString detachRun(int runId);
    // Why Spawn cannot act for the selected task (-1: none), else the selected run (-1:
    // none), for a tooltip: the run is an attached program's. Empty when it can.
    Q_INVOKABLE QString spawnUnavailableReason(qint64 selectedTaskKey, int selectedRunId) const;
    // Everything about one task, for the details pane (qml::TaskDetails reads it each
    // tick): its fields, its events and callbacks, its first kMaxDetailsChildren
    // children (moreChildren: it has more). None when no task has that key.
    [[nodiscard]] std::optional<TaskDetailsData> taskDetails(qint64 taskKey) const;

    // Publishes what was applied since the last tick: the store's one batched change
    // per model, lanes, loops (the timer does it 30 times a second). Applies nothing:
    // events are applied by applySlice().
    void tick();
    // Applies pending journal events for about 2 ms (some 20,000 events), taking new
    // ones from the runs' loops when none are left. While events are pending a timer
    // runs it every 5 ms between the event loop's other work, so a burst (a million
    // tasks made in a second) never blocks the GUI thread long, and the view runs
    // only a tick or so behind.
    void applySlice();
    // Applies every event drained so far, however long it takes, and publishes (before an export).
    void catchUp();

    // How long the GUI thread spent in each tick and each apply slice, the oldest
    // dropped after a few thousand: for benchmarks.
    struct Timings {
        std::vector<std::int64_t> startNs; // when it began (rt::monotonicNs)
        std::vector<std::int64_t> wallNs;  // wall time
        std::vector<std::int64_t> cpuNs;   // the GUI thread's CPU time in it (the rest: waiting for a core)
    };
    [[nodiscard]] const Timings &tickTimings() const { return m_tickTimings; }
    [[nodiscard]] const Timings &sliceTimings() const { return m_sliceTimings; }
    [[nodiscard]] const Timings &subtreeScanTimings() const { return m_subtreeScanTimings; }
    // Tests make the slices of Cancel subtree's scan exact: `tasks` looked at in each.
    void setSubtreeScanSlice(std::size_t tasks) { m_scanSliceTasks = tasks; }

    // TimelineSource: one bar per task, one lane per loop of each run.
    [[nodiscard]] int barCount() const override;
    [[nodiscard]] Bar bar(int index) const override;
    [[nodiscard]] int laneCount() const override { return int(m_lanes.size()); }
    [[nodiscard]] QString laneName(int lane) const override;
    [[nodiscard]] int stallCount(int lane) const override;
    [[nodiscard]] Stall stall(int lane, int index) const override;
    [[nodiscard]] quint64 timelineRevision() const override { return m_store.revision() + m_viewRevisions; }
    [[nodiscard]] QString barName(int index) const override;
    bool changedBars(quint64 since, int count, std::vector<int> &out) const override;
    // One counter per queue of the scope's runs (its owner's depth), in its owner's lane.
    [[nodiscard]] int counterCount() const override { return int(m_counters.size()); }
    [[nodiscard]] Counter counter(int index) const override;
    void counterColumns(int index, double fromMs, double toMs, int columns, std::vector<float> &out) const override;
    // Launches a parsed set; returns its run id.
    int launch(taskset::TaskSet set);

    // Launch estimates: what a run would cost, asked before launching it (the dashboard
    // asks the user to confirm a run above kConfirmTasks, or a run of at least
    // kConfirmWithHeld tasks that would take the tasks held, with the runs already there,
    // above kConfirmTasks: a second million). Each parses the set and launches nothing.
    // Returns {name (the set's), tasks, bytes (double), heldTasks, heldBytes (what the
    // runs already there hold), confirm (bool), errors (QStringList, as
    // launchBuiltin/openSetFile would give; tasks and bytes are 0 then)}. `tasks` and
    // `bytes` are taskset::estimateRun's (at most), heldBytes taskset::estimateTasks's.
    static constexpr std::uint64_t kConfirmTasks = taskset::kLargeRunTasks;
    static constexpr std::uint64_t kConfirmWithHeld = 500'000;
    Q_INVOKABLE QVariantMap estimateBuiltin(const QString &name) const;
    // Tests lower the thresholds (defaults kConfirmTasks, kConfirmWithHeld).
    void setConfirmThresholds(std::uint64_t tasks, std::uint64_t withHeld)
    {
        m_confirmTasks = tasks;
        m_confirmWithHeld = withHeld;
    }
    Q_INVOKABLE QVariantMap estimateSetFile(const QUrl &url) const;

Q_SIGNALS:
    void ticked();
    void loopsChanged();
    // A run ended (every task it created has finished).
    void runFinished(int runId);
    void logOpened(int runId);
    void programAttached(int runId);
    // Something to tell the user that no call returned: an attached program has ended,
    // was detached, or refused a command.
    void notice(const QString &message);
    // A run was removed (removeRun): its tasks are gone from every view.
    void runRemoved(int runId);
    void scopeChanged();
    void liveChanged();
    void playheadChanged();
    // A task spawned through spawnTask() is in the store (its row is in the table).
    void spawned(qint64 taskKey);
    // Emitted on a run's loop thread when a task spawned through spawnTask() has its
    // runtime id; queued to the GUI thread by a connection made once (a functor posted
    // per call would be freed by Qt on the loop thread, a race ThreadSanitizer reports).
    // The runs' loop threads end before this object does.
    void spawnedOnLoop(int runId, quint64 runtimeId, QPrivateSignal);

private:
    // Feeds every run's events to the store until `budgetNs` has passed (< 0: all of
    // them; 0: a slice each). True once every run has caught up.
    bool applyPending(std::int64_t budgetNs);
    [[nodiscard]] bool allCaughtUp() const;
    void publish();
    void finishRuns();
    static void record(Timings &timings, std::int64_t startNs, std::int64_t startCpuNs);
    // One slice of each Cancel subtree still looking for its tasks; cancels those found.
    void scanSubtrees();
    void cancelFound(qint64 taskKey, const std::vector<std::uint64_t> &descendants);

    void updateLoops();
    // The details as of the playhead when it is on the task's run (timetravel.cpp).
    void travelDetails(TaskDetailsData &d) const;
    void updateLanes();
    // Each run's time base and end for the timeline; re-reads every bar when they moved.
    void updateRunTimes();
    [[nodiscard]] bool runIsActive(int runId) const;
    [[nodiscard]] bool anyRunActive() const;
    [[nodiscard]] bool inScope(int runId) const { return m_scope == 0 || m_scope == runId; }
    // Where a run's times start on the timeline: its own start when scoped to it or when
    // it was loaded from a log; else the first live run's start (one wall-clock axis).
    [[nodiscard]] std::int64_t originNs(int runId) const;
    // Every bar is re-read at the next build (lanes, time bases or scope moved).
    void rereadBars();
    [[nodiscard]] int laneOf(int runId, std::uint8_t loopIndex) const;

    struct Lane {
        int runId;
        std::uint8_t loopIndex; // RunRecord::loops() index, or RunRecord::kPoolLoop
        QString loop;
        QString title;
        std::vector<Stall> stalls;
        std::optional<Stall> hang; // the step holding the loop now, growing (updateLoops)
    };
    [[nodiscard]] session::Run *liveRunOf(qint64 taskKey, std::uint64_t *runtimeId) const;

    // An attached program (attach.cpp): its session while attached, and after it ended
    // why its run is read only.
    struct Attached {
        std::unique_ptr<session::ProbeSession> session;
        QString program;            // "PROGRAM (pid PID)", the run's name
        std::int64_t startNs = 0;   // the probe's start on rt::monotonicNs()
        QString pastReason;         // readOnlyReason once it is no longer attached
        struct Command {
            QString what;           // "cancel NAME", for a message
            bool quiet = false;     // a refusal is expected (a subtree's task ending first)
        };
        std::map<qint64, Command> commands; // by seq, until acked
    };
    // The open session of the task's run, and the task's id in the program; null if
    // the task is not an attached program's, or that program is no longer attached.
    [[nodiscard]] Attached *attachedOf(qint64 taskKey, std::uint64_t *probeId);
    void applyProbeEvents(int runId);
    void onProbeAcked(int runId, qint64 seq, const QString &error);
    // The run ends (now): `reason` becomes its readOnlyReason, `message` a notice.
    void endAttached(int runId, const QString &reason, const QString &message);
    // Sends a command to the task's program; the error, empty when sent.
    QString sendToProgram(qint64 taskKey, const QString &what, bool quiet,
                          const std::function<std::optional<qint64>(session::ProbeSession &, std::uint64_t)> &send);
    [[nodiscard]] session::Run &playground();

    // The children taskDetails() lists, for the task the details pane shows: that
    // pane asks every tick, and walking a million-task run for them each time would cost
    // the tick milliseconds, so the record's scan is kept and resumed.
    struct ChildScan {
        qint64 parentKey = -1;
        const log::RunRecord *record = nullptr;
        log::RunRecord::ChildScan scan; // one more child than the pane lists at most
    };
    // Children the details list (a link each; the tree shows them all).
    static constexpr std::size_t kMaxDetailsChildren = 50;
    [[nodiscard]] const std::vector<std::uint64_t> &childrenOf(qint64 taskKey, const log::RunRecord &record) const;

    TaskStore m_store;
    mutable ChildScan m_childScan;
    TaskListModel m_tasks;
    TaskTreeModel m_tree;
    TaskStats m_stats;
    RunListModel m_runs;
    WarningListModel m_warnings;
    HistogramModel m_histograms;
    std::vector<WarningListModel::Hang> m_hangs; // updateLoops: the loops not responding now
    QVariantList m_builtins;
    QVariantList m_loops;
    std::map<int, std::unique_ptr<session::Run>> m_live;
    std::map<int, Attached> m_attached; // by run id, until the run is removed
    int m_playgroundRun = 0;
    // Tasks spawned through spawnTask() whose creation has not reached the store yet:
    // (run, runtime id); spawned() is emitted for each once it has.
    std::vector<std::pair<int, std::uint64_t>> m_spawnedAwaited;
    std::int64_t m_firstStartNs = -1;
    std::vector<Lane> m_lanes;
    struct CounterLane {
        qint64 key;   // the queue's owner
        int lane;
    };
    std::vector<CounterLane> m_counters; // updateLanes
    quint64 m_lanesRevision = 0; // the timelineRevision() at which bars were last all invalidated
    quint64 m_viewRevisions = 0; // added to the store's revision: bumped when bars move without it
    struct RunTime {
        std::int64_t originNs = 0;
        std::int64_t endNs = log::RunRecord::kNone; // for tasks that never finished; kNone: now
        bool shown = false;
        bool operator==(const RunTime &) const = default;
    };
    std::vector<RunTime> m_runTimes; // per runId - 1
    int m_scope = 0;
    bool m_isLive = false;
    std::uint64_t m_confirmTasks = kConfirmTasks;
    std::uint64_t m_confirmWithHeld = kConfirmWithHeld;
    Timings m_tickTimings;
    Timings m_sliceTimings;
    Timings m_subtreeScanTimings;
    struct SubtreeCancel {
        qint64 taskKey;
        const log::RunRecord *record; // the run's record when the scan began
        log::RunRecord::DescendantScan scan;
    };
    std::vector<SubtreeCancel> m_subtreeCancels; // in the order asked
    QTimer m_subtreeScan;                        // runs scanSubtrees() while any is left
    std::size_t m_scanSliceTasks = 0;            // 0: as many as fit in kApplySliceNs
    bool m_appliedSinceTick = false;
    std::map<int, std::int64_t> m_finishing; // runs whose every event is applied, shown finished at the next tick
    int m_nextPumped = 0; // the run whose turn it is to be fed first (runs share the time)
    QTimer m_tick;
    QTimer m_apply; // runs applySlice() while events are pending
};

} // namespace coroscope::monitor

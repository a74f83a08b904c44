#include "runcomparison.h"

#include <algorithm>

namespace coroscope::monitor {

namespace {

double msOf(std::int64_t ns) { return double(ns) / 1e6; }

} // namespace

// ComparedRun ----------------------------------------------------------------------

ComparedRun::ComparedRun(QObject *parent)
    : QObject(parent)
{
}

const log::RunRecord *ComparedRun::record() const
{
    return m_store && m_runId > 0 ? m_store->run(m_runId) : nullptr;
}

void ComparedRun::setRun(const TaskStore *store, int runId)
{
    m_store = store;
    m_runId = runId;
    m_lanes.clear();
    m_marks.clear();
    m_lengthMs = 0;
    if (const log::RunRecord *run = record()) {
        const std::vector<log::LoopView> loops = run->loops();
        for (std::size_t index = 0; index < loops.size(); ++index) {
            Lane lane{std::uint8_t(index), loops[index].name, {}};
            for (const log::StallView &s : loops[index].stalls)
                lane.stalls.push_back({msOf(s.startNs), msOf(s.durationNs),
                                       s.task ? run->name(s.task) : QStringLiteral("a callback")});
            m_lanes.push_back(std::move(lane));
        }
        if (run->hasPoolWork())
            m_lanes.push_back({log::RunRecord::kPoolLoop, QStringLiteral("pool"), {}});
        std::int64_t endNs = run->endNs().value_or(run->startNs());
        for (std::size_t row = 0; row < run->taskCount(); ++row)
            endNs = std::max(endNs, run->row(row).finishedNs);
        m_lengthMs = msOf(endNs - run->startNs());
    }
    ++m_revision;
    Q_EMIT ticked();
}

void ComparedRun::setMarks(std::vector<std::uint8_t> marks)
{
    m_marks = std::move(marks);
    ++m_revision;
    Q_EMIT ticked();
}

QString ComparedRun::setName() const
{
    const log::RunRecord *run = record();
    return run ? run->setName() : QString();
}

int ComparedRun::barCount() const
{
    const log::RunRecord *run = record();
    return run ? int(run->taskCount()) : 0;
}

TimelineSource::Bar ComparedRun::bar(int index) const
{
    const log::RunRecord *run = record();
    const auto id = std::uint64_t(index) + 1;
    const log::RunRecord::TaskRow &r = run->row(run->arrivalRowOf(id));
    Bar b;
    b.startMs = r.startedNs == log::RunRecord::kNone ? -1 : msOf(r.startedNs - run->startNs());
    b.endMs = r.finishedNs == log::RunRecord::kNone ? -1 : msOf(r.finishedNs - run->startNs());
    b.state = int(r.state);
    b.lane = -1;
    for (std::size_t l = 0; l < m_lanes.size(); ++l) {
        if (m_lanes[l].loopIndex == r.loop)
            b.lane = int(l);
    }
    b.key = TaskStore::makeKey(m_runId, id);
    b.mark = std::size_t(index) < m_marks.size() ? m_marks[std::size_t(index)] : 0;
    return b;
}

QString ComparedRun::laneName(int lane) const
{
    return lane >= 0 && lane < laneCount() ? m_lanes[std::size_t(lane)].name : QString();
}

int ComparedRun::stallCount(int lane) const
{
    return lane >= 0 && lane < laneCount() ? int(m_lanes[std::size_t(lane)].stalls.size()) : 0;
}

TimelineSource::Stall ComparedRun::stall(int lane, int index) const
{
    return m_lanes[std::size_t(lane)].stalls[std::size_t(index)];
}

QString ComparedRun::barName(int index) const
{
    const log::RunRecord *run = record();
    return run ? run->name(std::uint64_t(index) + 1) : QString();
}

// RunComparison --------------------------------------------------------------------

RunComparison::RunComparison(QObject *parent)
    : QAbstractListModel(parent)
{
}

RunComparison::~RunComparison() = default;

void RunComparison::setMonitor(TaskMonitor *monitor)
{
    if (m_monitor == monitor)
        return;
    disconnect(m_finished);
    disconnect(m_removed);
    m_monitor = monitor;
    if (monitor) {
        // A run that ends can be compared; a removed run's table is gone.
        m_finished = connect(monitor, &TaskMonitor::runFinished, this, [this](int runId) {
            if (runId == m_runA || runId == m_runB)
                recompare();
        });
        m_removed = connect(monitor, &TaskMonitor::runRemoved, this, [this](int runId) {
            if (runId == m_runA)
                m_runA = 0;
            if (runId == m_runB)
                m_runB = 0;
            if (m_runA == 0 || m_runB == 0)
                Q_EMIT runsChanged();
            recompare();
        });
    }
    Q_EMIT monitorChanged();
    recompare();
}

void RunComparison::setRunA(int runId)
{
    if (m_runA == runId)
        return;
    m_runA = runId;
    Q_EMIT runsChanged();
    recompare();
}

void RunComparison::setRunB(int runId)
{
    if (m_runB == runId)
        return;
    m_runB = runId;
    Q_EMIT runsChanged();
    recompare();
}

void RunComparison::setToleranceMs(double ms)
{
    ms = std::max(0.0, ms);
    if (m_toleranceMs == ms)
        return;
    m_toleranceMs = ms;
    Q_EMIT toleranceChanged();
    recompare();
}

double RunComparison::spanMs() const
{
    return std::max(m_sideA.nowMs(), m_sideB.nowMs());
}

void RunComparison::recompare()
{
    const TaskStore *store = m_monitor ? &m_monitor->store() : nullptr;
    const log::RunRecord *a = store && m_runA > 0 ? store->run(m_runA) : nullptr;
    const log::RunRecord *b = store && m_runB > 0 ? store->run(m_runB) : nullptr;
    beginResetModel();
    m_rows.clear();
    m_selected = -1;
    m_compared = false;
    m_sideA.setRun(store, a ? m_runA : 0);
    m_sideB.setRun(store, b ? m_runB : 0);
    if (!a || !b) {
        m_summary = tr("Choose two runs to compare");
    } else if (store->isRunning(m_runA) || store->isRunning(m_runB)) {
        m_summary = tr("Run #%1 is still running: it is compared once it ends")
                        .arg(store->isRunning(m_runA) ? m_runA : m_runB);
    } else {
        const log::RunDiffResult diff = log::diffRuns(*a, *b, m_toleranceMs);
        for (const log::TaskDiff &d : diff.changed) {
            m_rows.push_back({d.path, QStringLiteral("changed"), log::describeTaskDiff(d),
                              TaskStore::makeKey(m_runA, d.idA), TaskStore::makeKey(m_runB, d.idB)});
        }
        for (std::size_t i = 0; i < diff.onlyInAIds.size(); ++i) {
            m_rows.push_back({diff.onlyInA[qsizetype(i)], QStringLiteral("onlyA"), tr("only in A"),
                              TaskStore::makeKey(m_runA, diff.onlyInAIds[i]), -1});
        }
        for (std::size_t i = 0; i < diff.onlyInBIds.size(); ++i) {
            m_rows.push_back({diff.onlyInB[qsizetype(i)], QStringLiteral("onlyB"), tr("only in B"), -1,
                              TaskStore::makeKey(m_runB, diff.onlyInBIds[i])});
        }
        m_summary = log::summarizeRunDiff(diff, m_toleranceMs);
        m_compared = true;
    }
    endResetModel();
    remark();
    Q_EMIT comparedChanged();
    Q_EMIT selectionChanged();
}

void RunComparison::remark()
{
    std::vector<std::uint8_t> marksA(std::size_t(m_sideA.barCount()), 0);
    std::vector<std::uint8_t> marksB(std::size_t(m_sideB.barCount()), 0);
    const auto mark = [](std::vector<std::uint8_t> &marks, qint64 key, std::uint8_t how) {
        const std::uint64_t id = key < 0 ? 0 : TaskStore::localIdOfKey(key);
        if (id >= 1 && id <= marks.size())
            marks[id - 1] = how;
    };
    for (const Row &r : m_rows) {
        mark(marksA, r.keyA, 1);
        mark(marksB, r.keyB, 1);
    }
    if (m_selected >= 0) {
        mark(marksA, m_rows[std::size_t(m_selected)].keyA, 2);
        mark(marksB, m_rows[std::size_t(m_selected)].keyB, 2);
    }
    m_sideA.setMarks(std::move(marksA));
    m_sideB.setMarks(std::move(marksB));
}

void RunComparison::setSelectedRow(int row)
{
    if (row < -1 || row >= count())
        row = -1;
    if (m_selected == row)
        return;
    m_selected = row;
    remark();
    Q_EMIT selectionChanged();
}

qint64 RunComparison::selectedKeyA() const
{
    return m_selected >= 0 ? m_rows[std::size_t(m_selected)].keyA : -1;
}

qint64 RunComparison::selectedKeyB() const
{
    return m_selected >= 0 ? m_rows[std::size_t(m_selected)].keyB : -1;
}

int RunComparison::rowOfKey(qint64 key) const
{
    if (key < 0)
        return -1;
    const auto it = std::find_if(m_rows.begin(), m_rows.end(), [key](const Row &r) { return r.keyA == key || r.keyB == key; });
    return it == m_rows.end() ? -1 : int(it - m_rows.begin());
}

int RunComparison::newestRunOtherThan(int runId) const
{
    if (!m_monitor)
        return -1;
    const TaskStore &store = m_monitor->store();
    for (int id = store.runCount(); id >= 1; --id) {
        if (id != runId && store.run(id))
            return id;
    }
    return -1;
}

int RunComparison::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : count();
}

QVariant RunComparison::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() < 0 || index.row() >= count())
        return {};
    const Row &r = m_rows[std::size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
    case PathRole:
        return r.path;
    case KindRole:
        return r.kind;
    case WhatRole:
        return r.what;
    case KeyARole:
        return r.keyA;
    case KeyBRole:
        return r.keyB;
    default:
        return {};
    }
}

QHash<int, QByteArray> RunComparison::roleNames() const
{
    return {{PathRole, "path"}, {KindRole, "kind"}, {WhatRole, "what"}, {KeyARole, "keyA"}, {KeyBRole, "keyB"}};
}

} // namespace coroscope::monitor

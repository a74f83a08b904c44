// TaskMonitor: attaching to a program watched by a probe (docs/spec/probe-protocol.md,
// "The dashboard"). The program's task table is a run of the store like any other:
// the probe's events, their times moved onto the store's clock, are applied as they
// come; commands go to the program and their effects come back as events.

#include "taskmonitor.h"

#include "session/probeclient.h"

#include <QDateTime>
#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcMonitor)

namespace coroscope::monitor {

QVariantMap TaskMonitor::attachablePrograms() const
{
    QString problem;
    QVariantList programs;
    for (const session::ProbeEndpoint &e : session::listProbeEndpoints(&problem)) {
        programs.append(QVariantMap{
            {QStringLiteral("pid"), e.hello.pid},
            {QStringLiteral("program"), e.hello.program},
            {QStringLiteral("command"), e.hello.argv.isEmpty() ? e.hello.program : e.hello.argv.join(QLatin1Char(' '))},
            {QStringLiteral("startedAt"), e.hello.startedAt},
            {QStringLiteral("path"), e.path},
        });
    }
    return {{QStringLiteral("programs"), programs}, {QStringLiteral("problem"), problem}};
}

QString TaskMonitor::attachProgram(const QString &path)
{
    QString error;
    std::unique_ptr<session::ProbeSession> probe = session::ProbeSession::attach(path, &error);
    if (!probe)
        return tr("Could not attach: %1").arg(error);
    const log::ProbeHello &hello = probe->hello();
    for (const auto &[runId, a] : m_attached) {
        if (a.session->isOpen() && a.session->hello().pid == hello.pid)
            return tr("%1 is attached already: run #%2").arg(a.program).arg(runId);
    }
    Attached a;
    a.program = tr("%1 (pid %2)").arg(hello.program).arg(hello.pid);
    // The probe's times count from its start: on the store's clock that start is as
    // long before now as the hello's started_at is before the wall clock's now.
    const qint64 ageMs = hello.startedAt.isValid() ? std::max<qint64>(0, hello.startedAt.msecsTo(QDateTime::currentDateTimeUtc())) : 0;
    a.startNs = rt::monotonicNs() - ageMs * 1'000'000;
    const int runId = m_store.addRun(a.program, hello.startedAt, a.startNs, log::RunRecord::Spool::Events);
    m_store.setRunAttached(runId, a.program);
    session::ProbeSession *s = probe.get();
    connect(s, &session::ProbeSession::eventsReady, this, [this, runId] { applyProbeEvents(runId); });
    connect(s, &session::ProbeSession::acked, this,
            [this, runId](qint64 seq, const QString &why) { onProbeAcked(runId, seq, why); });
    connect(s, &session::ProbeSession::closed, this, [this, runId](const QString &refusal) {
        const QString &program = m_attached.at(runId).program;
        if (refusal.isEmpty())
            endAttached(runId, tr("%1 has ended: its run shows what happened until then").arg(program),
                        tr("%1 has ended").arg(program));
        else
            endAttached(runId, tr("%1 sent what Coroscope cannot read: its run shows what came before").arg(program),
                        tr("Stopped watching %1: %2").arg(program, refusal));
    });
    a.session = std::move(probe);
    m_attached.emplace(runId, std::move(a));
    applyProbeEvents(runId); // what came with the hello
    qCInfo(lcMonitor, "run %d: attached to %s", runId, qPrintable(m_attached.at(runId).program));
    Q_EMIT programAttached(runId);
    return {};
}

void TaskMonitor::applyProbeEvents(int runId)
{
    Attached &a = m_attached.at(runId);
    rt::JournalBatch &batch = a.session->reader().batch();
    if (batch.events.empty())
        return;
    for (rt::Event &e : batch.events)
        e.tNs += a.startNs;
    m_store.apply(runId, QStringLiteral("main"), batch);
    batch.clear();
    m_appliedSinceTick = true;
}

void TaskMonitor::onProbeAcked(int runId, qint64 seq, const QString &error)
{
    Attached &a = m_attached.at(runId);
    const auto it = a.commands.find(seq);
    if (it == a.commands.end())
        return;
    if (!error.isEmpty() && !it->second.quiet)
        Q_EMIT notice(tr("%1 refused to %2: %3").arg(a.program, it->second.what, error));
    a.commands.erase(it);
}

void TaskMonitor::endAttached(int runId, const QString &reason, const QString &message)
{
    Attached &a = m_attached.at(runId);
    a.pastReason = reason;
    a.commands.clear();
    m_finishing[runId] = rt::monotonicNs(); // shown finished with the next tick
    qCInfo(lcMonitor, "run %d: %s", runId, qPrintable(message));
    Q_EMIT notice(message);
}

QString TaskMonitor::detachRun(int runId)
{
    const auto it = m_attached.find(runId);
    if (it == m_attached.end() || !it->second.session->isOpen())
        return tr("Run #%1 is not attached to a program").arg(runId);
    it->second.session->detach();
    endAttached(runId, tr("Detached from %1: its run shows what happened while attached").arg(it->second.program),
                tr("Detached from %1: it runs on").arg(it->second.program));
    return {};
}

TaskMonitor::Attached *TaskMonitor::attachedOf(qint64 taskKey, std::uint64_t *probeId)
{
    const int runId = TaskStore::runIdOfKey(taskKey);
    const auto it = m_attached.find(runId);
    const log::RunRecord *record = m_store.run(runId);
    if (it == m_attached.end() || !record || !it->second.session->isOpen())
        return nullptr;
    const auto view = record->task(TaskStore::localIdOfKey(taskKey));
    if (!view)
        return nullptr;
    *probeId = view->runtimeId;
    return &it->second;
}

QString TaskMonitor::sendToProgram(
    qint64 taskKey, const QString &what, bool quiet,
    const std::function<std::optional<qint64>(session::ProbeSession &, std::uint64_t)> &send)
{
    std::uint64_t id = 0;
    Attached *a = attachedOf(taskKey, &id);
    if (!a)
        return tr("That task's program is no longer attached");
    const std::optional<qint64> seq = send(*a->session, id);
    if (!seq)
        return tr("%1 is gone: nothing was sent").arg(a->program);
    a->commands.emplace(*seq, Attached::Command{what, quiet});
    return {};
}

QString TaskMonitor::spawnUnavailableReason(qint64 selectedTaskKey, int selectedRunId) const
{
    const int runId = selectedTaskKey >= 0 ? TaskStore::runIdOfKey(selectedTaskKey) : selectedRunId;
    if (runId > 0 && !m_store.attachedTo(runId).isEmpty())
        return tr("Spawn is not available for an attached program");
    return {};
}

} // namespace coroscope::monitor

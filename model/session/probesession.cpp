#include "probesession.h"

namespace coroscope::session {

namespace {
// Reads per wake-up (64 KiB each): a snapshot of 10,000 tasks comes in a few wake-ups,
// and the event loop gets its turn between them.
constexpr int kReadsPerWakeUp = 4;
} // namespace

std::unique_ptr<ProbeSession> ProbeSession::attach(const QString &path, QString *error, int timeoutMs)
{
    std::unique_ptr<ProbeSession> session(new ProbeSession);
    std::optional<QString> why = session->m_connection.open(path);
    if (!why)
        why = session->m_connection.attach(session->m_reader, timeoutMs);
    if (why) {
        if (error)
            *error = *why;
        return nullptr;
    }
    session->m_notifier = std::make_unique<QSocketNotifier>(session->m_connection.fd(), QSocketNotifier::Read);
    connect(session->m_notifier.get(), &QSocketNotifier::activated, session.get(), &ProbeSession::onReadable);
    return session;
}

ProbeSession::~ProbeSession()
{
    shut();
}

std::optional<qint64> ProbeSession::cancel(std::uint64_t task)
{
    const qint64 seq = m_nextSeq;
    if (!isOpen() || !m_connection.send(probeCancelFrame(task, seq)))
        return std::nullopt;
    ++m_nextSeq;
    return seq;
}

std::optional<qint64> ProbeSession::addLogCallback(std::uint64_t task, const QString &message)
{
    const qint64 seq = m_nextSeq;
    if (!isOpen() || !m_connection.send(probeLogCallbackFrame(task, message, seq)))
        return std::nullopt;
    ++m_nextSeq;
    return seq;
}

void ProbeSession::detach()
{
    if (isOpen())
        m_connection.send(probeDetachFrame(), 200);
    shut();
}

void ProbeSession::shut()
{
    m_notifier.reset(); // before its descriptor closes
    m_connection.close();
}

void ProbeSession::onReadable()
{
    bool open = true;
    for (int i = 0; i < kReadsPerWakeUp && open && !m_reader.failed(); ++i)
        open = m_connection.readInto(m_reader, 0);
    for (const log::ProbeAck &ack : m_reader.takeAcks()) {
        if (ack.seq)
            Q_EMIT acked(*ack.seq, ack.error);
    }
    if (!m_reader.batch().events.empty())
        Q_EMIT eventsReady();
    if (m_reader.failed() || !open) {
        shut();
        Q_EMIT closed(m_reader.failed() ? m_reader.error() : QString());
    }
}

} // namespace coroscope::session

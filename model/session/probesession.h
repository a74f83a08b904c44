#pragma once

// session::ProbeSession: a program watched over its probe (docs/spec/probe-protocol.md),
// attached for a consumer with an event loop (the dashboard). Only the handshake
// blocks (the probe answers at once; a probe that does not is given up after a
// deadline); afterwards a QSocketNotifier reads what the probe sends when it comes,
// and eventsReady() hands the decoded events over in reader().batch() (times since
// the probe's start, ids the probe's). A command is one small frame, answered later
// by acked(). The program is never harmed: detaching or destroying the session closes
// the connection, which the probe forgets.
//
// Threading: the thread that made it, whose event loop reads the socket. Cost: one
// read of at most 64 KiB per wake-up, a few per event-loop pass.

#include "log/probereader.h"
#include "session/probeclient.h"

#include <QObject>
#include <QSocketNotifier>

#include <cstdint>
#include <memory>
#include <optional>

namespace coroscope::session {

class ProbeSession final : public QObject
{
    Q_OBJECT

public:
    // Connects to the endpoint at `path`, reads its hello and attaches; null, with the
    // reason in *error, when it cannot (no such endpoint, the program has ended, not
    // a probe, no hello within timeoutMs).
    [[nodiscard]] static std::unique_ptr<ProbeSession> attach(const QString &path, QString *error,
                                                              int timeoutMs = 2000);
    ~ProbeSession() override;

    [[nodiscard]] const log::ProbeHello &hello() const { return *m_reader.hello(); }
    // Events decoded and not yet taken (the consumer clears the batch), acks, the
    // snapshot's end, names. Events may be waiting right after attach().
    [[nodiscard]] log::ProbeReader &reader() noexcept { return m_reader; }
    // Connected: not detached, and the probe has not closed or been refused.
    [[nodiscard]] bool isOpen() const noexcept { return !m_connection.closed(); }

    // Commands (spec: "Client -> probe"). Each returns its seq, which acked() carries,
    // or nullopt when it could not be sent (the session has closed).
    [[nodiscard]] std::optional<qint64> cancel(std::uint64_t task);
    [[nodiscard]] std::optional<qint64> addLogCallback(std::uint64_t task, const QString &message);
    // Says detach and closes; nothing more is read and closed() does not follow.
    void detach();

Q_SIGNALS:
    // reader().batch() has events.
    void eventsReady();
    void acked(qint64 seq, const QString &error);
    // The connection ended: the probe closed it (the program ended; `refusal` empty) or
    // its stream was refused (`refusal`: the reader's error). Events that came before
    // are in the batch, signalled first.
    void closed(const QString &refusal);

private:
    ProbeSession() = default;
    void onReadable();
    void shut();

    ProbeConnection m_connection;
    log::ProbeReader m_reader;
    std::unique_ptr<QSocketNotifier> m_notifier;
    qint64 m_nextSeq = 0;
};

} // namespace coroscope::session

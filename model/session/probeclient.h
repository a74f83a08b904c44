#pragma once

// The client side of attaching to a watched program (docs/spec/probe-protocol.md): where
// the probes' endpoints are, which of them answer, and one connection to a probe.
//
// ProbeConnection is a plain blocking Unix-socket client whose every wait has a
// deadline (poll), so a probe that hangs cannot hang Coroscope; it never writes more
// than a command at a time. Threading: one thread owns a connection. Cost: a system
// call per read or write; listing connects to each socket of the folder once.

#include "log/probereader.h"

#include <QByteArray>
#include <QString>

#include <cstdint>
#include <optional>
#include <vector>

namespace coroscope::session {

// `$XDG_RUNTIME_DIR/coroscope`, or `/tmp/coroscope-UID` when XDG_RUNTIME_DIR is unset,
// empty or relative (spec: "Endpoint: who can attach").
[[nodiscard]] QString probeEndpointDir();
// Why the folder may not be trusted (not a directory, a symlink, another user's, not
// mode 0700), or nullopt.
[[nodiscard]] std::optional<QString> untrustedDirReason(const QString &dir);
// DIR/PID.sock
[[nodiscard]] QString probeEndpointPath(qint64 pid);

struct ProbeEndpoint {
    QString path;
    log::ProbeHello hello;
};

// The endpoints that answer with a hello, by pid; stale sockets (nobody listening) and
// anything that is not a probe are skipped. An untrusted folder lists nothing and sets
// `problem`.
[[nodiscard]] std::vector<ProbeEndpoint> listProbeEndpoints(QString *problem = nullptr, int timeoutMs = 1000);

// The frames Coroscope sends (spec: "Handshake", "Client -> probe"), without their newline.
// `resync`: the client asks to be resynced when it falls behind (spec: "Falling behind: resync").
[[nodiscard]] QByteArray probeAttachFrame(bool resync = false);
[[nodiscard]] QByteArray probeDetachFrame();
[[nodiscard]] QByteArray probeCancelFrame(std::uint64_t task, qint64 seq);
[[nodiscard]] QByteArray probeLogCallbackFrame(std::uint64_t task, const QString &message, qint64 seq);

class ProbeConnection
{
public:
    ProbeConnection() = default;
    ~ProbeConnection();
    ProbeConnection(const ProbeConnection &) = delete;
    ProbeConnection &operator=(const ProbeConnection &) = delete;

    // Connects; an error message on failure (no such endpoint, stale, refused).
    [[nodiscard]] std::optional<QString> open(const QString &path);
    // Waits up to timeoutMs for bytes and feeds them to `reader`. Returns false when the
    // probe closed the connection or an error happened (then closed() is true);
    // true otherwise (also when nothing came in time). -1: wait without a deadline
    // until bytes come, the peer closes, or a signal arrives.
    bool readInto(log::ProbeReader &reader, int timeoutMs);
    // The handshake on an open connection: reads the probe's hello into `reader`
    // (waiting up to timeoutMs) and answers `attach`, after which the snapshot comes;
    // asks for resync when the probe offers it (and tells `reader` so).
    // The error when no hello came, the reader refused it, or the answer could not go.
    [[nodiscard]] std::optional<QString> attach(log::ProbeReader &reader, int timeoutMs = 5000);
    // Sends one frame (the newline is added); false if the probe has gone.
    bool send(const QByteArray &json, int timeoutMs = 2000);
    void close();
    [[nodiscard]] bool closed() const noexcept { return m_fd < 0; }
    [[nodiscard]] int fd() const noexcept { return m_fd; }

private:
    int m_fd = -1;
};

} // namespace coroscope::session

#include "probeclient.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <chrono>

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace coroscope::session {

namespace {

QString systemError(int error)
{
    return QString::fromLocal8Bit(std::strerror(error));
}

} // namespace

QString probeEndpointDir()
{
    const QString runtime = qEnvironmentVariable("XDG_RUNTIME_DIR");
    if (!runtime.isEmpty() && runtime.startsWith(QLatin1Char('/')))
        return runtime + QStringLiteral("/coroscope");
    return QStringLiteral("/tmp/coroscope-%1").arg(::getuid());
}

std::optional<QString> untrustedDirReason(const QString &dir)
{
    struct stat st{};
    if (::lstat(QFile::encodeName(dir).constData(), &st) != 0)
        return QStringLiteral("%1: %2").arg(dir, systemError(errno));
    if (!S_ISDIR(st.st_mode))
        return QStringLiteral("%1 is not a directory").arg(dir);
    if (st.st_uid != ::getuid())
        return QStringLiteral("%1 belongs to another user").arg(dir);
    if ((st.st_mode & 07777) != 0700)
        return QStringLiteral("%1 has mode %2, not 700").arg(dir).arg(st.st_mode & 07777, 0, 8);
    return std::nullopt;
}

QString probeEndpointPath(qint64 pid)
{
    return probeEndpointDir() + QStringLiteral("/%1.sock").arg(pid);
}

std::vector<ProbeEndpoint> listProbeEndpoints(QString *problem, int timeoutMs)
{
    std::vector<ProbeEndpoint> out;
    const QString dir = probeEndpointDir();
    if (!QFileInfo::exists(dir))
        return out; // no probe has ever run as this user
    if (const auto why = untrustedDirReason(dir)) {
        if (problem)
            *problem = *why;
        return out;
    }
    const QStringList names = QDir(dir).entryList({QStringLiteral("*.sock")}, QDir::System | QDir::Files, QDir::Name);
    for (const QString &name : names) {
        ProbeConnection connection;
        const QString path = dir + QLatin1Char('/') + name;
        if (connection.open(path))
            continue; // stale: its process died without removing it
        log::ProbeReader reader;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
        while (!reader.hello() && !reader.failed() && std::chrono::steady_clock::now() < deadline) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (!connection.readInto(reader, int(std::max<std::int64_t>(1, left.count()))))
                break;
        }
        if (reader.hello())
            out.push_back(ProbeEndpoint{path, *reader.hello()});
    }
    std::sort(out.begin(), out.end(), [](const ProbeEndpoint &a, const ProbeEndpoint &b) { return a.hello.pid < b.hello.pid; });
    return out;
}

QByteArray probeAttachFrame(bool resync)
{
    QJsonObject attach{{QStringLiteral("type"), QStringLiteral("attach")},
                       {QStringLiteral("protocol"), QLatin1String(log::ProbeReader::kProtocol)}};
    if (resync)
        attach.insert(QStringLiteral("resync"), true);
    return QJsonDocument(attach).toJson(QJsonDocument::Compact);
}

QByteArray probeDetachFrame()
{
    return QByteArrayLiteral("{\"type\":\"detach\"}");
}

QByteArray probeCancelFrame(std::uint64_t task, qint64 seq)
{
    return QJsonDocument(QJsonObject{{QStringLiteral("type"), QStringLiteral("cancel")},
                                     {QStringLiteral("task"), double(task)},
                                     {QStringLiteral("seq"), double(seq)}})
        .toJson(QJsonDocument::Compact);
}

QByteArray probeLogCallbackFrame(std::uint64_t task, const QString &message, qint64 seq)
{
    return QJsonDocument(QJsonObject{{QStringLiteral("type"), QStringLiteral("add_callback")},
                                     {QStringLiteral("task"), double(task)},
                                     {QStringLiteral("kind"), QStringLiteral("log")},
                                     {QStringLiteral("message"), message},
                                     {QStringLiteral("seq"), double(seq)}})
        .toJson(QJsonDocument::Compact);
}

ProbeConnection::~ProbeConnection()
{
    close();
}

std::optional<QString> ProbeConnection::open(const QString &path)
{
    close();
    const QByteArray native = QFile::encodeName(path);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (std::size_t(native.size()) >= sizeof address.sun_path)
        return QStringLiteral("%1: path too long for a Unix socket").arg(path);
    std::memcpy(address.sun_path, native.constData(), std::size_t(native.size()));
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return QStringLiteral("socket: %1").arg(systemError(errno));
    if (::connect(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0) {
        const int error = errno;
        ::close(fd);
        if (error == ECONNREFUSED)
            return QStringLiteral("%1: nobody listens (the program has ended)").arg(path);
        return QStringLiteral("%1: %2").arg(path, systemError(error));
    }
    m_fd = fd;
    return std::nullopt;
}

std::optional<QString> ProbeConnection::attach(log::ProbeReader &reader, int timeoutMs)
{
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    while (!reader.hello() && !reader.failed() && std::chrono::steady_clock::now() < deadline && readInto(reader, 100)) {
    }
    if (!reader.hello())
        return reader.failed() ? reader.error() : QStringLiteral("no hello from a probe");
    const bool resync = reader.hello()->resync;
    if (resync)
        reader.acceptResync();
    if (!send(probeAttachFrame(resync)))
        return QStringLiteral("the probe closed the connection");
    return std::nullopt;
}

bool ProbeConnection::readInto(log::ProbeReader &reader, int timeoutMs)
{
    if (m_fd < 0)
        return false;
    pollfd p{m_fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, timeoutMs);
    if (ready < 0)
        return errno == EINTR;
    if (ready == 0)
        return true;
    // What has come, up to 1 MiB: a probe sending a resync fills its large send
    // buffer faster than 64 KiB reads, each a round of poll, would empty it.
    char buffer[65536];
    for (qsizetype total = 0; total < (qsizetype(1) << 20);) {
        const ssize_t n = ::recv(m_fd, buffer, sizeof buffer, total ? MSG_DONTWAIT : 0);
        if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
            return true;
        if (n <= 0) {
            close();
            return false;
        }
        reader.feed(buffer, qsizetype(n));
        total += n;
        if (reader.failed())
            return true;
    }
    return true;
}

bool ProbeConnection::send(const QByteArray &json, int timeoutMs)
{
    if (m_fd < 0)
        return false;
    const QByteArray frame = json + '\n';
    qsizetype sent = 0;
    while (sent < frame.size()) {
        pollfd p{m_fd, POLLOUT, 0};
        const int ready = ::poll(&p, 1, timeoutMs);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready <= 0)
            return false;
        const ssize_t n = ::send(m_fd, frame.constData() + sent, std::size_t(frame.size() - sent), MSG_NOSIGNAL);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0) {
            close();
            return false;
        }
        sent += n;
    }
    return true;
}

void ProbeConnection::close()
{
    if (m_fd >= 0)
        ::close(m_fd);
    m_fd = -1;
}

} // namespace coroscope::session

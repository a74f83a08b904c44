#pragma once

// ProbeReader: the bytes a watched program's probe sends (docs/spec/probe-protocol.md,
// `coroscope.probe/1`) as journal events for the run's task table. It checks and
// translates; the RunRecord the events are applied to alone decides task state.
//
// Feed it whatever arrives, in pieces of any size. The first frame must be the probe's
// hello; every later event becomes one rt::Event in batch() (all of them on the loop
// "main", ids the probe's task ids), replies become acks. Anything malformed (a frame
// over 1 MiB, not a JSON object, an unknown type, a field of the wrong type, an event
// of a task not created) refuses the stream: error() names the frame, and nothing
// more is read. No input makes it crash or throw.
//
// Resync (spec: "Falling behind: resync"): a client that asked for it with
// acceptResync() also reads `resync`, the snapshot after it (whose events bring the
// tasks it knows up to date: nothing is created twice, started again or ended twice)
// and its `ended` frames; without acceptResync() a `resync` is refused.
//
// Threading: one thread owns it. Cost: linear in the bytes; it keeps the name and id
// of every task it has seen (for `task:NAME` reasons and lookups by name).

#include "log/optag.h"
#include "runtime/journal.h"

#include <QByteArray>
#include <QDateTime>
#include <QHash>
#include <QJsonValue>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace coroscope::log {

struct ProbeHello {
    qint64 pid = 0;
    QString program;
    QStringList argv;
    QDateTime startedAt;   // t_ms counts from here
    QString python;
    bool resync = false;   // the probe offers to resync a client that falls behind
};

// A probe's answer to a command (`ack`).
struct ProbeAck {
    std::optional<qint64> seq;
    QString error;         // empty: the command was carried out
};

class ProbeReader
{
public:
    static constexpr qsizetype kMaxFrame = qsizetype(1) << 20; // bytes, newline included
    static constexpr const char *kProtocol = "coroscope.probe/1";

    // False once the stream is refused (then error() says why).
    bool feed(const char *data, qsizetype size);
    bool feed(const QByteArray &bytes) { return feed(bytes.constData(), bytes.size()); }

    [[nodiscard]] bool failed() const noexcept { return !m_error.isEmpty(); }
    [[nodiscard]] const QString &error() const noexcept { return m_error; }
    [[nodiscard]] const std::optional<ProbeHello> &hello() const noexcept { return m_hello; }
    // The probe has sent the snapshot of its tasks (then events as they happen).
    [[nodiscard]] bool snapshotDone() const noexcept { return m_snapshotDone; }
    // The events decoded since the last takeBatch(), for RunRecord::apply("main", …).
    [[nodiscard]] rt::JournalBatch &batch() noexcept { return m_batch; }
    [[nodiscard]] std::vector<ProbeAck> takeAcks() { return std::exchange(m_acks, {}); }
    // The newest task created with this name, if any.
    [[nodiscard]] std::optional<std::uint64_t> taskNamed(const QString &name) const;
    [[nodiscard]] qint64 frames() const noexcept { return m_frames; }
    // The client asked the probe to resync it (attach with "resync":true).
    void acceptResync() noexcept { m_resyncAccepted = true; }
    // How many resyncs have begun.
    [[nodiscard]] qint64 resyncs() const noexcept { return m_resyncs; }

private:
    // Returns an error message, or an empty string.
    QString frame(std::string_view text);
    QString event(const class QJsonObject &o, const QString &type);
    QString ended(const class QJsonObject &o);
    struct EndedEntry {
        std::uint64_t id;
        rt::EventType type;
        std::int64_t tNs;
        std::pair<rt::CancelKind, std::uint64_t> cancel;
        QString name;               // or, read in place, asciiName
        std::string_view asciiName; // into the frame's text: a QString only for a task not known
        std::optional<std::uint64_t> parent;
        std::int64_t createdNs;
    };
    bool endedFast(std::string_view text);
    bool eventFast(std::string_view text);
    void step(rt::EventType type, std::int64_t tNs, std::uint64_t task, std::uint8_t &flags, std::uint64_t arg = 0,
              std::uint8_t kind = 0, std::uint32_t text = 0);
    void suspended(std::int64_t tNs, std::uint64_t task, std::uint8_t &flags, const QString &await,
                   std::optional<std::uint64_t> awaitTask);
    void applyEnded(const std::vector<EndedEntry> &entries);
    std::uint32_t addString(const QString &s);
    std::optional<std::pair<rt::CancelKind, std::uint64_t>> cancelOf(const class QJsonValue &reason) const;
    void create(std::int64_t tNs, std::uint64_t task, const QString &name, OpTag op,
                std::optional<std::uint64_t> parent);

    // What the reader knows of a task: enough to bring it up to date at a resync.
    enum TaskFlag : std::uint8_t { kStarted = 1, kEnded = 2, kCancelAsked = 4, kCreated = 8 };
    // A created task's flags, or null.
    std::uint8_t *flagsOf(std::uint64_t task);
    std::uint8_t &addTask(std::uint64_t task);

    QByteArray m_partial;
    QString m_error;
    qint64 m_frames = 0;
    std::optional<ProbeHello> m_hello;
    bool m_snapshotDone = false;
    rt::JournalBatch m_batch;
    std::vector<ProbeAck> m_acks;
    bool m_resyncAccepted = false;
    bool m_inResync = false; // between `resync` and its snapshot_end
    qint64 m_resyncs = 0;
    // Every task created: its TaskFlags (kCreated among them). The probes number their
    // tasks 1, 2, 3, ..., so by id in an array of at most 4 bytes a task (plus 1 MiB);
    // an id above that goes in the map (probe-protocol.md, "The reader").
    std::vector<std::uint8_t> m_denseTasks;
    std::unordered_map<std::uint64_t, std::uint8_t> m_sparseTasks;
    std::size_t m_taskCount = 0;
    std::vector<EndedEntry> m_entries; // endedFast()'s, kept for their capacity
    QHash<QString, std::uint64_t> m_idOfName;
};

} // namespace coroscope::log

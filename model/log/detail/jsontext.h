#pragma once

// Internal to coroscope_log: do not include from outside model/log.
// Small helpers that write JSON text into a byte buffer (UTF-8), and a buffered
// writer that hands the buffer to a QIODevice in large chunks.

#include <QByteArray>
#include <QString>
#include <QStringView>

#include <cstdint>

class QIODevice;

namespace coroscope::log::detail {

// `"..."` with JSON escapes (quote, backslash, control characters).
void appendJsonString(QByteArray &out, QStringView s);

// A number given in thousandths, written with at most three decimals ("12.0", "0.05").
void appendThousandths(QByteArray &out, std::int64_t thousandths);

// Milliseconds with three decimals at most, from nanoseconds (rounded half away from zero).
void appendMs(QByteArray &out, std::int64_t ns);
[[nodiscard]] std::int64_t nsToThousandthsOfMs(std::int64_t ns) noexcept;

// Microseconds with three decimals at most (exact), from nanoseconds.
void appendUs(QByteArray &out, std::int64_t ns);

// Writes to a device through a 256 KiB buffer; remembers the first failure.
class BufferedWriter
{
public:
    explicit BufferedWriter(QIODevice &device) : m_device(device) {}

    [[nodiscard]] QByteArray &buffer() noexcept { return m_buffer; }
    void maybeFlush() { if (m_buffer.size() >= kChunk) flush(); }
    bool flush();
    [[nodiscard]] bool ok() const noexcept { return m_ok; }
    // The device's error text at the first failure ("" while ok()).
    [[nodiscard]] const QString &error() const noexcept { return m_error; }

private:
    static constexpr qsizetype kChunk = 256 * 1024;
    QIODevice &m_device;
    QByteArray m_buffer;
    bool m_ok = true;
    QString m_error;
};

} // namespace coroscope::log::detail

#include "jsontext.h"

#include <QIODevice>

namespace coroscope::log::detail {

void appendJsonString(QByteArray &out, QStringView s)
{
    static const char hex[] = "0123456789abcdef";
    out.append('"');
    const QByteArray utf8 = s.toUtf8();
    for (const char c : utf8) {
        const auto u = static_cast<unsigned char>(c);
        switch (c) {
        case '"': out.append("\\\""); break;
        case '\\': out.append("\\\\"); break;
        case '\n': out.append("\\n"); break;
        case '\r': out.append("\\r"); break;
        case '\t': out.append("\\t"); break;
        case '\b': out.append("\\b"); break;
        case '\f': out.append("\\f"); break;
        default:
            if (u < 0x20) {
                out.append("\\u00");
                out.append(hex[u >> 4]);
                out.append(hex[u & 0xf]);
            } else {
                out.append(c);
            }
        }
    }
    out.append('"');
}

void appendThousandths(QByteArray &out, std::int64_t v)
{
    // Work on the magnitude as unsigned so that INT64_MIN cannot overflow.
    const bool negative = v < 0;
    const std::uint64_t mag = negative ? std::uint64_t(0) - std::uint64_t(v) : std::uint64_t(v);
    if (negative)
        out.append('-');
    out.append(QByteArray::number(static_cast<qulonglong>(mag / 1000)));
    unsigned frac = unsigned(mag % 1000);
    out.append('.');
    if (frac == 0) {
        out.append('0');
        return;
    }
    char digits[3] = {char('0' + frac / 100), char('0' + frac / 10 % 10), char('0' + frac % 10)};
    int n = 3;
    while (digits[n - 1] == '0')
        --n;
    out.append(digits, n);
}

std::int64_t nsToThousandthsOfMs(std::int64_t ns) noexcept
{
    // Round half away from zero, as Python's round() does for these magnitudes.
    return ns >= 0 ? (ns + 500) / 1000 : -((-(ns + 1) + 501) / 1000);
}

void appendMs(QByteArray &out, std::int64_t ns)
{
    appendThousandths(out, nsToThousandthsOfMs(ns));
}

void appendUs(QByteArray &out, std::int64_t ns)
{
    appendThousandths(out, ns);
}

bool BufferedWriter::flush()
{
    if (m_ok && !m_buffer.isEmpty() && m_device.write(m_buffer) != m_buffer.size()) {
        m_ok = false;
        m_error = m_device.errorString();
    }
    m_buffer.clear();
    return m_ok;
}

} // namespace coroscope::log::detail

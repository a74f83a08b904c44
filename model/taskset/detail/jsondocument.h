#pragma once

// Internal to coroscope_taskset: do not include from outside model/taskset.
//
// A strict JSON (RFC 8259) reader that remembers where every value and every key
// starts: 1-based line and column, columns counted in Unicode code points. It never
// recurses on the input: containers are read with an explicit stack, and nesting
// deeper than kMaxJsonDepth stops the reading with an error. The document is flat
// (containers refer to their entries by index), so destroying it does not recurse
// either. Duplicate keys are reported but do not stop the reading.
// A finished document is immutable; any thread may read it.

#include "taskset/detail/diagnosticlist.h"

#include <QByteArray>
#include <QJsonValue>
#include <QLatin1String>
#include <QString>

#include <cstdint>
#include <span>
#include <vector>

namespace coroscope::taskset::detail {

inline constexpr int kMaxJsonDepth = 512;

enum class JsonKind : std::uint8_t { Null, Bool, Number, String, Array, Object };

struct JsonValue {
    JsonKind kind = JsonKind::Null;
    bool boolean = false;
    int line = 0;
    int column = 0;
    double number = 0;
    // Array: its items are m_items[first, first + count); Object: its members are
    // m_members[first, first + count); String: its text is m_text[first, first + count);
    // Number: its spelling is m_source[first, first + count).
    std::uint32_t first = 0;
    std::uint32_t count = 0;
};

struct JsonMember {
    std::uint32_t key = 0;       // the key is m_text[key, key + keyLength)
    std::uint32_t keyLength = 0;
    std::uint32_t value = 0;     // index in m_values
    int line = 0;            // where the key's opening quote is
    int column = 0;
};

class JsonDocument
{
public:
    [[nodiscard]] const JsonValue &root() const { return m_values.front(); }
    [[nodiscard]] const JsonValue &item(const JsonValue &array, std::uint32_t i) const
    {
        return m_values[m_items[array.first + i]];
    }
    [[nodiscard]] std::span<const JsonMember> members(const JsonValue &object) const
    {
        return {m_members.data() + object.first, object.count};
    }
    [[nodiscard]] const JsonValue &value(const JsonMember &member) const { return m_values[member.value]; }
    [[nodiscard]] QStringView key(const JsonMember &member) const
    {
        return QStringView(m_text).mid(member.key, member.keyLength);
    }
    [[nodiscard]] QStringView string(const JsonValue &s) const { return QStringView(m_text).mid(s.first, s.count); }
    [[nodiscard]] QLatin1String spelling(const JsonValue &number) const
    {
        return QLatin1String(m_source.constData() + number.first, qsizetype(number.count));
    }

    // The value as Qt JSON; integers that fit stay integers. Recurses at most
    // kMaxJsonDepth deep.
    [[nodiscard]] QJsonValue toQJsonValue(const JsonValue &v) const;
    // A short rendering for messages: `"2"`, `-1`, `null`, `[3, 1]`, `an object`.
    [[nodiscard]] QString describe(const JsonValue &v) const;

private:
    friend class JsonReader;

    QByteArray m_source;
    std::vector<JsonValue> m_values; // the root first
    std::vector<std::uint32_t> m_items;
    std::vector<JsonMember> m_members;
    QString m_text; // every string and key, decoded, one after the other
};

struct JsonParse {
    JsonDocument document; // usable only when complete
    bool complete = false; // false after an error that stopped the reading
};

// Reads `utf8` (a leading BOM is skipped) and adds its errors to `errors`. Stops at
// the first syntax error.
[[nodiscard]] JsonParse parseJson(const QByteArray &utf8, DiagnosticList &errors);

// `text` in double quotes for a message, escaped, cut after 40 characters.
[[nodiscard]] QString quoted(QStringView text);

// A key as a JSON pointer token for a message: "~" -> "~0", "/" -> "~1", and cut
// after 100 characters, so that no pointer in a message is huge.
[[nodiscard]] QString pointerToken(QStringView key);

} // namespace coroscope::taskset::detail

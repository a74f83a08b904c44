#include "jsondocument.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QSet>
#include <QStringList>

#include <algorithm>
#include <charconv>
#include <limits>

namespace coroscope::taskset::detail {

namespace {

constexpr std::uint32_t kNoKey = std::numeric_limits<std::uint32_t>::max();
constexpr int kMaxShownChars = 40;

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

// For a JSON number that from_chars found out of range: true when it is too small
// (its leading digit's power of ten is negative), false when it is too large.
bool underflows(const char *p, const char *end)
{
    if (p < end && *p == '-')
        ++p;
    std::int64_t power = -1; // of the leading nonzero digit, before the exponent
    std::int64_t place = 0;  // power of ten of the digit at p
    const char *dot = std::find(p, end, '.');
    const char *e = std::find_if(p, end, [](char c) { return c == 'e' || c == 'E'; });
    place = (dot < e ? dot : e) - p - 1;
    bool found = false;
    for (const char *q = p; q < e && !found; ++q) {
        if (*q == '.')
            continue;
        if (*q != '0') {
            power = place;
            found = true;
        }
        --place;
    }
    std::int64_t exponent = 0;
    bool negative = false;
    const char *q = e < end ? e + 1 : end;
    if (q < end && (*q == '-' || *q == '+'))
        negative = *q++ == '-';
    for (; q < end; ++q)
        exponent = std::min<std::int64_t>(exponent * 10 + (*q - '0'), 1'000'000'000);
    return power + (negative ? -exponent : exponent) < 0;
}

bool isWordChar(char c)
{
    return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

int hexValue(char c)
{
    if (isDigit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// Decodes one UTF-8 sequence at `p` (n bytes left). Returns the code point and sets
// `length`, or returns -1 for an invalid sequence (overlong, surrogate, > U+10FFFF).
char32_t decodeUtf8(const unsigned char *p, std::size_t n, int &length)
{
    const unsigned char b = p[0];
    char32_t cp = 0;
    char32_t min = 0;
    if (b < 0x80) {
        length = 1;
        return b;
    } else if ((b & 0xE0) == 0xC0) {
        length = 2, cp = b & 0x1F, min = 0x80;
    } else if ((b & 0xF0) == 0xE0) {
        length = 3, cp = b & 0x0F, min = 0x800;
    } else if ((b & 0xF8) == 0xF0) {
        length = 4, cp = b & 0x07, min = 0x10000;
    } else {
        return char32_t(-1);
    }
    if (n < std::size_t(length))
        return char32_t(-1);
    for (int i = 1; i < length; ++i) {
        if ((p[i] & 0xC0) != 0x80)
            return char32_t(-1);
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return char32_t(-1);
    return cp;
}

void appendCodePoint(QString &out, char32_t cp)
{
    if (cp < 0x10000) {
        out.append(QChar(char16_t(cp)));
    } else {
        out.append(QChar(QChar::highSurrogate(cp)));
        out.append(QChar(QChar::lowSurrogate(cp)));
    }
}

} // namespace

QString quoted(QStringView text)
{
    QString out = QStringLiteral("\"");
    const QStringView shown = text.left(kMaxShownChars);
    for (QChar c : shown) {
        if (c == u'"' || c == u'\\')
            out += u'\\';
        if (c.unicode() < 0x20)
            out += QStringLiteral("\\u%1").arg(c.unicode(), 4, 16, QLatin1Char('0'));
        else
            out += c;
    }
    if (shown.size() < text.size())
        out += QLatin1String("...");
    return out + u'"';
}

QString pointerToken(QStringView key)
{
    constexpr qsizetype kMaxTokenChars = 100;
    QString out = key.left(kMaxTokenChars).toString();
    if (key.size() > kMaxTokenChars)
        out += QLatin1String("...");
    out.replace(u'~', QLatin1String("~0"));
    out.replace(u'/', QLatin1String("~1"));
    return out;
}

// Reads one document. The cursor (m_pos, m_line, m_column) moves forward only;
// every open container is one Frame on m_stack, and the entries of the open
// containers wait on the scratch stacks until their container closes.
class JsonReader
{
public:
    JsonReader(const QByteArray &utf8, DiagnosticList &errors)
        : m_errors(errors)
        , m_data(reinterpret_cast<const unsigned char *>(utf8.constData()))
        , m_size(std::size_t(utf8.size()))
    {
        m_doc.m_source = utf8;
    }

    JsonParse run()
    {
        if (m_size >= 3 && m_data[0] == 0xEF && m_data[1] == 0xBB && m_data[2] == 0xBF)
            m_pos = 3;
        skipWhitespace();
        if (atEnd()) {
            addError(1, 1, QString(), QStringLiteral("empty file"));
            return finish(false);
        }
        State state = State::Value;
        for (;;) {
            skipWhitespace();
            bool ok = true;
            switch (state) {
            case State::Value:
                ok = readValue(state);
                break;
            case State::Key:
                ok = readKey();
                state = State::Value;
                break;
            case State::AfterValue:
                if (m_stack.empty()) {
                    if (atEnd())
                        return finish(true);
                    ok = fail(QStringLiteral("unexpected text after the end of the JSON value"));
                    break;
                }
                ok = readSeparator(state);
                break;
            }
            if (!ok)
                return finish(false);
        }
    }

private:
    enum class State { Value, Key, AfterValue };

    struct Frame {
        JsonKind kind = JsonKind::Array;
        std::uint32_t value = 0;      // the container, in m_values
        std::size_t scratchStart = 0; // its entries start here on the scratch stack
        std::uint32_t entries = 0;
        std::uint32_t key = kNoKey;   // Object: the last key read, in m_text
        std::uint32_t keyLength = 0;
        int keyLine = 0;
        int keyColumn = 0;
    };

    // --- cursor ---

    [[nodiscard]] bool atEnd() const { return m_pos >= m_size; }
    [[nodiscard]] char peek() const { return char(m_data[m_pos]); }
    void advance(std::size_t asciiBytes = 1)
    {
        m_pos += asciiBytes;
        m_column += int(asciiBytes);
    }

    void skipWhitespace()
    {
        while (!atEnd()) {
            const char c = peek();
            if (c == '\n') {
                ++m_pos;
                ++m_line;
                m_column = 1;
            } else if (c == ' ' || c == '\t' || c == '\r') {
                advance();
            } else {
                return;
            }
        }
    }

    // --- errors ---

    // The JSON pointer of where the cursor is: each open container adds the entry
    // open in it; the innermost adds it only while that entry is being read.
    [[nodiscard]] QString pointer(bool withPendingEntry) const
    {
        QString out;
        for (std::size_t i = 0; i < m_stack.size(); ++i) {
            const Frame &f = m_stack[i];
            const bool innermost = i + 1 == m_stack.size();
            if (innermost && !withPendingEntry)
                break;
            if (f.kind == JsonKind::Array)
                out += u'/' + QString::number(innermost ? f.entries : f.entries - 1);
            else if (f.key != kNoKey)
                out += u'/' + pointerToken(QStringView(m_doc.m_text).mid(f.key, f.keyLength));
        }
        return out;
    }

    void addError(int line, int column, const QString &ptr, const QString &message)
    {
        m_errors.add(Diagnostic{QString(), line, column, ptr.isEmpty() ? QStringLiteral("/") : ptr, message});
    }

    // A syntax error at the cursor; always returns false, to stop the reading.
    bool fail(const QString &message, bool inEntry = true)
    {
        addError(m_line, m_column, pointer(inEntry), message);
        return false;
    }
    bool failAt(int line, int column, const QString &message)
    {
        addError(line, column, pointer(true), message);
        return false;
    }

    JsonParse finish(bool complete)
    {
        JsonParse result;
        result.complete = complete;
        result.document = std::move(m_doc);
        return result;
    }

    // --- values ---

    std::uint32_t addValue(JsonKind kind, int line, int column)
    {
        const auto index = std::uint32_t(m_doc.m_values.size());
        JsonValue v;
        v.kind = kind;
        v.line = line;
        v.column = column;
        m_doc.m_values.push_back(v);
        if (!m_stack.empty()) {
            Frame &parent = m_stack.back();
            if (parent.kind == JsonKind::Array)
                m_itemScratch.push_back(index);
            else
                m_memberScratch.push_back(
                    JsonMember{parent.key, parent.keyLength, index, parent.keyLine, parent.keyColumn});
            ++parent.entries;
        }
        return index;
    }

    bool readValue(State &next)
    {
        if (atEnd())
            return fail(QStringLiteral("unexpected end of file"));
        const int line = m_line;
        const int column = m_column;
        const char c = peek();
        next = State::AfterValue;
        switch (c) {
        case '{':
        case '[':
            return open(c == '{' ? JsonKind::Object : JsonKind::Array, next);
        case '"': {
            std::uint32_t first = 0;
            std::uint32_t length = 0;
            if (!readString(first, length))
                return false;
            JsonValue &v = m_doc.m_values[addValue(JsonKind::String, line, column)];
            v.first = first;
            v.count = length;
            return true;
        }
        case ']':
            if (!m_stack.empty() && m_stack.back().kind == JsonKind::Array)
                return fail(QStringLiteral("trailing comma before ']'"), false);
            break;
        case '/':
            return fail(QStringLiteral("comments are not allowed in JSON"));
        default:
            break;
        }
        if (c == '-' || isDigit(c))
            return readNumber();
        if (isWordChar(c))
            return readWord();
        return fail(unexpectedCharacter());
    }

    bool open(JsonKind kind, State &next)
    {
        if (m_stack.size() >= std::size_t(kMaxJsonDepth))
            return fail(QStringLiteral("JSON nesting deeper than %1").arg(kMaxJsonDepth));
        Frame frame;
        frame.kind = kind;
        frame.value = addValue(kind, m_line, m_column);
        frame.scratchStart = kind == JsonKind::Array ? m_itemScratch.size() : m_memberScratch.size();
        m_stack.push_back(frame);
        advance();
        skipWhitespace();
        const char close = kind == JsonKind::Array ? ']' : '}';
        if (!atEnd() && peek() == close) {
            advance();
            closeContainer();
            next = State::AfterValue;
        } else {
            next = kind == JsonKind::Array ? State::Value : State::Key;
        }
        return true;
    }

    bool readKey()
    {
        Frame &frame = m_stack.back();
        frame.key = kNoKey; // until it is read, errors point at the object
        if (atEnd())
            return fail(QStringLiteral("unexpected end of file"), false);
        if (peek() == '}')
            return fail(QStringLiteral("trailing comma before '}'"), false);
        if (peek() != '"')
            return fail(QStringLiteral("expected a key in double quotes"), false);
        frame.keyLine = m_line;
        frame.keyColumn = m_column;
        std::uint32_t key = 0;
        std::uint32_t keyLength = 0;
        if (!readString(key, keyLength))
            return false;
        frame.key = key;
        frame.keyLength = keyLength;
        skipWhitespace();
        if (atEnd() || peek() != ':')
            return fail(QStringLiteral("expected ':' after the key"));
        advance();
        return true;
    }

    bool readSeparator(State &next)
    {
        const bool isArray = m_stack.back().kind == JsonKind::Array;
        const char close = isArray ? ']' : '}';
        if (atEnd())
            return fail(QStringLiteral("unexpected end of file"), false);
        if (peek() == ',') {
            advance();
            next = isArray ? State::Value : State::Key;
            return true;
        }
        if (peek() == close) {
            advance();
            closeContainer();
            next = State::AfterValue;
            return true;
        }
        return fail(isArray ? QStringLiteral("expected ',' or ']'") : QStringLiteral("expected ',' or '}'"), false);
    }

    void closeContainer()
    {
        const Frame &frame = m_stack.back();
        JsonValue &v = m_doc.m_values[frame.value];
        v.count = frame.entries;
        if (frame.kind == JsonKind::Array) {
            v.first = std::uint32_t(m_doc.m_items.size());
            m_doc.m_items.insert(m_doc.m_items.end(), m_itemScratch.begin() + qsizetype(frame.scratchStart),
                                 m_itemScratch.end());
            m_itemScratch.resize(frame.scratchStart);
        } else {
            v.first = std::uint32_t(m_doc.m_members.size());
            m_doc.m_members.insert(m_doc.m_members.end(), m_memberScratch.begin() + qsizetype(frame.scratchStart),
                                   m_memberScratch.end());
            m_memberScratch.resize(frame.scratchStart);
            reportDuplicateKeys(v);
        }
        m_stack.pop_back();
    }

    void reportDuplicateKeys(const JsonValue &object)
    {
        if (object.count < 2)
            return;
        QSet<QStringView> seen;
        for (const JsonMember &m : m_doc.members(object)) {
            const QStringView key = m_doc.key(m);
            if (seen.contains(key)) {
                m_errors.add(m.line, m.column, [&] {
                    return Diagnostic{QString(), m.line, m.column, pointer(false) + u'/' + pointerToken(key),
                                      QStringLiteral("duplicate key %1").arg(quoted(key))};
                });
            } else {
                seen.insert(key);
            }
        }
    }

    // Reads a string at the cursor (on its opening quote) onto the end of m_text.
    bool readString(std::uint32_t &first, std::uint32_t &length)
    {
        QString &out = m_doc.m_text;
        first = std::uint32_t(out.size());
        const int line = m_line;
        const int column = m_column;
        advance();
        for (;;) {
            if (atEnd())
                return failAt(line, column, QStringLiteral("unterminated string"));
            const unsigned char b = m_data[m_pos];
            if (b == '"') {
                advance();
                length = std::uint32_t(out.size()) - first;
                return true;
            }
            if (b == '\\') {
                if (!readEscape(out))
                    return false;
            } else if (b == '\n') {
                return failAt(line, column, QStringLiteral("unterminated string"));
            } else if (b < 0x20) {
                return fail(QStringLiteral("control character U+%1 in a string must be escaped")
                                .arg(int(b), 4, 16, QLatin1Char('0')));
            } else if (b < 0x80) {
                std::size_t end = m_pos + 1;
                while (end < m_size && m_data[end] >= 0x20 && m_data[end] < 0x80 && m_data[end] != '"'
                       && m_data[end] != '\\')
                    ++end;
                out.append(QLatin1String(reinterpret_cast<const char *>(m_data + m_pos), qsizetype(end - m_pos)));
                advance(end - m_pos);
            } else {
                int bytes = 0;
                const char32_t cp = decodeUtf8(m_data + m_pos, m_size - m_pos, bytes);
                if (cp == char32_t(-1))
                    return fail(QStringLiteral("invalid UTF-8"));
                appendCodePoint(out, cp);
                m_pos += std::size_t(bytes);
                ++m_column;
            }
        }
    }

    bool readEscape(QString &out)
    {
        if (m_pos + 1 >= m_size)
            return fail(QStringLiteral("unterminated string"));
        const char e = char(m_data[m_pos + 1]);
        char16_t unit = 0;
        switch (e) {
        case '"': unit = u'"'; break;
        case '\\': unit = u'\\'; break;
        case '/': unit = u'/'; break;
        case 'b': unit = u'\b'; break;
        case 'f': unit = u'\f'; break;
        case 'n': unit = u'\n'; break;
        case 'r': unit = u'\r'; break;
        case 't': unit = u'\t'; break;
        case 'u': return readUnicodeEscape(out);
        default:
            return fail(QStringLiteral("invalid escape in a string"));
        }
        out.append(QChar(unit));
        advance(2);
        return true;
    }

    // Reads "\uXXXX" at m_pos + offset; -1 when it is not one.
    [[nodiscard]] int hexEscapeAt(std::size_t at) const
    {
        if (at + 6 > m_size || m_data[at] != '\\' || m_data[at + 1] != 'u')
            return -1;
        int value = 0;
        for (std::size_t i = at + 2; i < at + 6; ++i) {
            const int h = hexValue(char(m_data[i]));
            if (h < 0)
                return -1;
            value = value * 16 + h;
        }
        return value;
    }

    bool readUnicodeEscape(QString &out)
    {
        const int unit = hexEscapeAt(m_pos);
        if (unit < 0)
            return fail(QStringLiteral("invalid \\u escape: expected four hex digits"));
        if (QChar::isLowSurrogate(char32_t(unit)))
            return fail(QStringLiteral("invalid \\u escape: lone surrogate"));
        if (!QChar::isHighSurrogate(char32_t(unit))) {
            out.append(QChar(char16_t(unit)));
            advance(6);
            return true;
        }
        const int low = hexEscapeAt(m_pos + 6);
        if (low < 0 || !QChar::isLowSurrogate(char32_t(low)))
            return fail(QStringLiteral("invalid \\u escape: lone surrogate"));
        out.append(QChar(char16_t(unit)));
        out.append(QChar(char16_t(low)));
        advance(12);
        return true;
    }

    bool readNumber()
    {
        const std::size_t start = m_pos;
        std::size_t p = m_pos;
        const auto digitsFrom = [this](std::size_t at) {
            while (at < m_size && isDigit(char(m_data[at])))
                ++at;
            return at;
        };
        bool valid = true;
        if (m_data[p] == '-')
            ++p;
        if (p < m_size && m_data[p] == '0')
            ++p;
        else if (p < m_size && isDigit(char(m_data[p])))
            p = digitsFrom(p);
        else
            valid = false;
        if (valid && p < m_size && m_data[p] == '.') {
            const std::size_t fraction = p + 1;
            p = digitsFrom(fraction);
            valid = p > fraction;
        }
        if (valid && p < m_size && (m_data[p] == 'e' || m_data[p] == 'E')) {
            std::size_t exponent = p + 1;
            if (exponent < m_size && (m_data[exponent] == '+' || m_data[exponent] == '-'))
                ++exponent;
            p = digitsFrom(exponent);
            valid = p > exponent;
        }
        if (valid && p < m_size && (isWordChar(char(m_data[p])) || m_data[p] == '.'))
            valid = false;
        if (!valid)
            return fail(QStringLiteral("invalid number"));

        const char *first = reinterpret_cast<const char *>(m_data + start);
        double number = 0;
        const auto [end, ec] = std::from_chars(first, first + (p - start), number);
        if (ec == std::errc::result_out_of_range && underflows(first, first + (p - start)))
            number = 0; // valid JSON that no double can hold but 0 (e.g. 1e-400)
        else if (ec != std::errc() || end != first + (p - start))
            return fail(QStringLiteral("number out of range"));
        JsonValue &v = m_doc.m_values[addValue(JsonKind::Number, m_line, m_column)];
        v.number = number;
        v.first = std::uint32_t(start);
        v.count = std::uint32_t(p - start);
        advance(p - start);
        return true;
    }

    bool readWord()
    {
        std::size_t end = m_pos;
        while (end < m_size && isWordChar(char(m_data[end])))
            ++end;
        const QLatin1String word(reinterpret_cast<const char *>(m_data + m_pos), qsizetype(end - m_pos));
        if (word == QLatin1String("null") || word == QLatin1String("true") || word == QLatin1String("false")) {
            JsonValue &v = m_doc.m_values[addValue(word == QLatin1String("null") ? JsonKind::Null : JsonKind::Bool,
                                                   m_line, m_column)];
            v.boolean = word == QLatin1String("true");
            advance(end - m_pos);
            return true;
        }
        return fail(QStringLiteral("invalid value %1").arg(quoted(QString(word))));
    }

    [[nodiscard]] QString unexpectedCharacter() const
    {
        int length = 0;
        const char32_t cp = decodeUtf8(m_data + m_pos, m_size - m_pos, length);
        if (cp == char32_t(-1))
            return QStringLiteral("invalid UTF-8");
        if (cp < 0x20 || cp == 0x7F)
            return QStringLiteral("unexpected character U+%1").arg(int(cp), 4, 16, QLatin1Char('0'));
        QString shown;
        appendCodePoint(shown, cp);
        return QStringLiteral("unexpected character '%1'").arg(shown);
    }

    DiagnosticList &m_errors;
    const unsigned char *m_data;
    std::size_t m_size;
    std::size_t m_pos = 0;
    int m_line = 1;
    int m_column = 1;

    JsonDocument m_doc;
    std::vector<Frame> m_stack;
    std::vector<std::uint32_t> m_itemScratch;
    std::vector<JsonMember> m_memberScratch;
};

JsonParse parseJson(const QByteArray &utf8, DiagnosticList &errors)
{
    return JsonReader(utf8, errors).run();
}

QJsonValue JsonDocument::toQJsonValue(const JsonValue &v) const
{
    switch (v.kind) {
    case JsonKind::Null:
        return QJsonValue(QJsonValue::Null);
    case JsonKind::Bool:
        return QJsonValue(v.boolean);
    case JsonKind::Number: {
        const QLatin1String text = spelling(v);
        qint64 integer = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), integer);
        if (ec == std::errc() && end == text.data() + text.size())
            return QJsonValue(integer);
        return QJsonValue(v.number);
    }
    case JsonKind::String:
        return QJsonValue(string(v).toString());
    case JsonKind::Array: {
        QJsonArray array;
        for (std::uint32_t i = 0; i < v.count; ++i)
            array.append(toQJsonValue(item(v, i)));
        return array;
    }
    case JsonKind::Object: {
        // QJsonObject keeps its keys sorted and makes room for each insert by moving
        // the keys after it: fed in sorted order, every insert is an append, so the
        // object is built in n log n, not n^2 (keys in reverse order).
        const std::span<const JsonMember> all = members(v);
        std::vector<const JsonMember *> sorted;
        sorted.reserve(all.size());
        for (const JsonMember &m : all)
            sorted.push_back(&m);
        std::stable_sort(sorted.begin(), sorted.end(),
                         [this](const JsonMember *a, const JsonMember *b) { return key(*a) < key(*b); });
        QJsonObject object;
        for (std::size_t i = 0; i < sorted.size(); ++i) {
            if (i > 0 && key(*sorted[i]) == key(*sorted[i - 1]))
                continue; // a duplicate key is an error; keep the first
            object.insert(key(*sorted[i]).toString(), toQJsonValue(value(*sorted[i])));
        }
        return object;
    }
    }
    return {};
}

QString JsonDocument::describe(const JsonValue &v) const
{
    switch (v.kind) {
    case JsonKind::Null:
        return QStringLiteral("null");
    case JsonKind::Bool:
        return v.boolean ? QStringLiteral("true") : QStringLiteral("false");
    case JsonKind::Number: {
        const QLatin1String text = spelling(v);
        return text.size() > kMaxShownChars ? QString(text.left(kMaxShownChars)) + QLatin1String("...")
                                            : QString(text);
    }
    case JsonKind::String:
        return quoted(string(v));
    case JsonKind::Array: {
        constexpr std::uint32_t kMaxShownItems = 4;
        if (v.count > kMaxShownItems)
            return QStringLiteral("an array");
        QStringList parts;
        for (std::uint32_t i = 0; i < v.count; ++i) {
            const JsonValue &e = item(v, i);
            if (e.kind == JsonKind::Array || e.kind == JsonKind::Object)
                return QStringLiteral("an array");
            parts.append(describe(e));
        }
        return u'[' + parts.join(QLatin1String(", ")) + u']';
    }
    case JsonKind::Object:
        return v.count == 0 ? QStringLiteral("{}") : QStringLiteral("an object");
    }
    return {};
}

} // namespace coroscope::taskset::detail

#include "resulttext.h"

#include <QCborValue>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>

#include <cmath>

namespace coroscope::rt {

namespace {

// Past `limit` (>= 0) characters the text is cut: the callers stop appending.
bool over(const QString &out, qsizetype limit)
{
    return limit >= 0 && out.size() > limit;
}

void appendText(QString &out, const QJsonValue &v, qsizetype limit)
{
    switch (v.type()) {
    case QJsonValue::Null:
        out += QLatin1String("null");
        return;
    case QJsonValue::Bool:
        out += v.toBool() ? QLatin1String("true") : QLatin1String("false");
        return;
    case QJsonValue::Double: {
        // A QJsonValue number is stored as an integer or a double, and the writer
        // spells the two differently (1000000000000000000 vs 1e+18).
        const QCborValue stored = QCborValue::fromJsonValue(v);
        if (stored.isInteger()) {
            out += QString::number(stored.toInteger());
            return;
        }
        const double d = stored.toDouble();
        out += std::isfinite(d) ? QString::number(d, 'g', QLocale::FloatingPointShortest) : QStringLiteral("null");
        return;
    }
    case QJsonValue::Array: { // a gather's or a repeat's results: often a million numbers
        const QJsonArray a = v.toArray();
        out += QLatin1Char('[');
        for (qsizetype i = 0; i < a.size() && !over(out, limit); ++i) {
            if (i > 0)
                out += QLatin1Char(',');
            appendText(out, a.at(i), limit);
        }
        out += QLatin1Char(']');
        return;
    }
    default:
        break;
    }
    // Strings and objects: QJsonDocument only writes arrays and objects, so wrap the
    // value and unwrap its text.
    const QByteArray wrapped = QJsonDocument(QJsonArray{v}).toJson(QJsonDocument::Compact);
    out += QString::fromUtf8(wrapped.mid(1, wrapped.size() - 2));
}

} // namespace

QString resultText(const QJsonValue &v, qsizetype limit)
{
    QString out;
    appendText(out, v, limit);
    if (over(out, limit))
        out.truncate(limit + 1);
    return out;
}

QString numberText(double value)
{
    return resultText(QJsonValue(value));
}

} // namespace coroscope::rt

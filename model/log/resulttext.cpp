#include "resulttext.h"

#include <QCborValue>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>

#include <cmath>

namespace coroscope::log {

namespace {

void appendText(QString &out, const QJsonValue &v)
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
        for (qsizetype i = 0; i < a.size(); ++i) {
            if (i > 0)
                out += QLatin1Char(',');
            appendText(out, a.at(i));
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

QString resultText(const QJsonValue &v)
{
    QString out;
    appendText(out, v);
    return out;
}

QString numberText(double value)
{
    return resultText(QJsonValue(value));
}

} // namespace coroscope::log

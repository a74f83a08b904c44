#include "numberformat.h"

#include <cmath>
#include <utility>

namespace coroscope::qml {

NumberFormat::NumberFormat(QObject *parent) : QObject(parent) {}

QLocale NumberFormat::groupingLocale()
{
    QLocale locale;
    locale.setNumberOptions(locale.numberOptions() & ~QLocale::OmitGroupSeparator);
    return locale;
}

QString NumberFormat::countText(double n, const QLocale &locale)
{
    if (!std::isfinite(n))
        return QStringLiteral("\u2014");
    const QString digits = locale.toString(qint64(std::llround(std::abs(n))));
    return n <= -0.5 ? QChar(0x2212) + digits : digits;
}

QString NumberFormat::time(const QVariant &ms) const
{
    bool ok = false;
    const double value = ms.isNull() ? -1 : ms.toDouble(&ok);
    return timeText(ok ? value : -1);
}

QString NumberFormat::timeText(double ms)
{
    if (!(ms >= 0) || !std::isfinite(ms))
        return QStringLiteral("\u2014");
    if (ms < 1000)
        return QString::number(ms, 'f', 1) + QStringLiteral(" ms");
    if (ms < 60000)
        return QString::number(ms / 1000, 'f', 3) + QStringLiteral(" s");
    const double minutes = std::floor(ms / 60000);
    const double seconds = std::floor(std::fmod(ms, 60000) / 100) / 10;
    return tr("%1 min %2 s")
        .arg(QString::number(minutes, 'f', 0),
             (seconds < 10 ? QStringLiteral("0") : QString()) + QString::number(seconds, 'f', 1));
}

QString NumberFormat::runText(int runId, const QString &name)
{
    return tr("#%1 %2").arg(QString::number(runId), name);
}

NumberText::NumberText(QObject *parent) : QObject(parent)
{
    update();
}

void NumberText::setValue(double value)
{
    // The same value, NaN included (a NaN never equals itself).
    if (value == m_value || (std::isnan(value) && std::isnan(m_value)))
        return;
    m_value = value;
    Q_EMIT valueChanged();
    update();
}

void NumberText::setKind(Kind kind)
{
    if (kind == m_kind)
        return;
    m_kind = kind;
    Q_EMIT kindChanged();
    update();
}

void NumberText::setPattern(const QString &pattern)
{
    if (pattern == m_pattern)
        return;
    m_pattern = pattern;
    Q_EMIT patternChanged();
    update();
}

void NumberText::update()
{
    const QString number = m_kind == Kind::Time ? NumberFormat::timeText(m_value)
                                                : NumberFormat::countText(m_value, m_locale);
    QString text = m_pattern.arg(number);
    if (text == m_text)
        return;
    m_text = std::move(text);
    Q_EMIT textChanged();
}

} // namespace coroscope::qml

#include "numberformat.h"

#include <cmath>

namespace coroscope::qml {

NumberFormat::NumberFormat(QObject *parent) : QObject(parent)
{
    m_locale.setNumberOptions(m_locale.numberOptions() & ~QLocale::OmitGroupSeparator);
}

QString NumberFormat::count(double n) const
{
    if (!std::isfinite(n))
        return QStringLiteral("\u2014");
    const QString digits = m_locale.toString(qint64(std::llround(std::abs(n))));
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

} // namespace coroscope::qml

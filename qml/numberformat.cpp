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

} // namespace coroscope::qml

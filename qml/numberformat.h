#pragma once

// NumberFormat: whole numbers as people read them, with the locale's group separator
// ("1,000,001"), for Format.count().
//
// In C++ because the dashboard writes a dozen counts on every tick (the counters, the
// status bar, the table's "shown", the timeline's lanes), and the JavaScript version
// built each string a digit at a time: most of the JS heap's garbage, whose collections
// (stop-the-world, 2-4 ms) were the longest of the model's ticks. Here a count is one
// string.
//
// Threading: GUI thread (a QML singleton). Cost: one QLocale::toString.

#include <QLocale>
#include <QObject>
#include <QString>
#include <QtQml/qqmlregistration.h>

namespace coroscope::qml {

class NumberFormat : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    QML_SINGLETON

public:
    explicit NumberFormat(QObject *parent = nullptr);

    // `n` rounded to a whole number, its digits grouped; a minus sign (U+2212) if negative.
    Q_INVOKABLE QString count(double n) const;

private:
    QLocale m_locale; // the default locale, grouping on even where it omits it (C)
};

} // namespace coroscope::qml

#pragma once

// NumberFormat: whole numbers as people read them, with the locale's group separator
// ("1,000,001"), for Format.count(), times ("12.3 ms", "1.234 s", "2 min 03.4 s") and
// runs ("#2 gather-basics"), for Format.time() and Format.run() and the table's cells
// (TaskRowCells), which so read exactly as the rest of the dashboard.
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
    // A time or a duration in ms (see timeText); none (null, undefined) is "\u2014".
    Q_INVOKABLE QString time(const QVariant &ms) const;
    // `ms` as "12.3 ms" (under a second), "1.234 s" (under a minute), "2 min 03.4 s"
    // (tenths cut, not rounded, so a minute never reads "60.0 s"); "\u2014" if NaN or negative.
    [[nodiscard]] static QString timeText(double ms);
    // A run as the launcher lists it: "#2 gather-basics".
    Q_INVOKABLE QString run(int runId, const QString &name) const { return runText(runId, name); }
    [[nodiscard]] static QString runText(int runId, const QString &name);

private:
    QLocale m_locale; // the default locale, grouping on even where it omits it (C)
};

} // namespace coroscope::qml

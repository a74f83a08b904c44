#pragma once

// NumberFormat: whole numbers as people read them, with the locale's group separator
// ("1,000,001"), for Format.count(), times ("12.3 ms", "1.234 s", "2 min 03.4 s") and
// runs ("#2 gather-basics"), for Format.time() and Format.run() and the table's cells
// (TaskRowCells), which so read exactly as the rest of the dashboard.
//
// In C++ because the dashboard writes a dozen counts on every tick (the counters, the
// status bar, the table's "shown", the timeline's lanes), and JavaScript builds each
// such string a digit at a time: most of the JS heap's garbage, whose collections
// (stop-the-world, 2-4 ms) are then the longest of the model's ticks. Here a count is
// one string.
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
    Q_INVOKABLE QString count(double n) const { return countText(n, m_locale); }
    [[nodiscard]] static QString countText(double n, const QLocale &locale);
    // The default locale, grouping digits even where it would omit it (C).
    [[nodiscard]] static QLocale groupingLocale();
    // A time or a duration in ms (see timeText); none (null, undefined) is "\u2014".
    Q_INVOKABLE QString time(const QVariant &ms) const;
    // `ms` as "12.3 ms" (under a second), "1.234 s" (under a minute), "2 min 03.4 s"
    // (tenths cut, not rounded, so a minute never reads "60.0 s"); "\u2014" if NaN or negative.
    [[nodiscard]] static QString timeText(double ms);
    // A run as the launcher lists it: "#2 gather-basics".
    Q_INVOKABLE QString run(int runId, const QString &name) const { return runText(runId, name); }
    [[nodiscard]] static QString runText(int runId, const QString &name);

private:
    QLocale m_locale = groupingLocale();
};

// NumberText: a count or a time written as NumberFormat does, as a property: QML binds
// `value` (and a translated `pattern`, "%1 shown", set once) and shows `text`. For the
// labels that change on every tick: the counters, the status bar, "N shown".
//
// Why not Format.count(n) or qsTr(...).arg(...) in those bindings: Qt 6.4's QML compiler
// leaves qsTr() and arg() to the interpreter, and calls a C++ method through a JavaScript
// function object it builds for the call, so each of those strings and calls is garbage
// on the JS heap, and a million-task run's ticks would make a collection (1-2 ms of the
// GUI thread, inside a tick) every couple of seconds. A compiled binding that reads a QString
// property allocates nothing there.
//
// `text` changes (and its label lays out again) only when the written text does: a time
// that moves within its last digit, or a count set to the same value, emits nothing.
//
// Threading: GUI thread. Cost: one NumberFormat call per new value.
class NumberText : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(double value READ value WRITE setValue NOTIFY valueChanged FINAL)
    Q_PROPERTY(Kind kind READ kind WRITE setKind NOTIFY kindChanged FINAL)
    Q_PROPERTY(QString pattern READ pattern WRITE setPattern NOTIFY patternChanged FINAL)
    Q_PROPERTY(QString text READ text NOTIFY textChanged FINAL)

public:
    enum class Kind { Count, Time }; // NumberFormat.count or NumberFormat.time (ms)
    Q_ENUM(Kind)

    explicit NumberText(QObject *parent = nullptr);

    [[nodiscard]] double value() const noexcept { return m_value; }
    void setValue(double value);
    [[nodiscard]] Kind kind() const noexcept { return m_kind; }
    void setKind(Kind kind);
    // Where the number goes: "%1" (the default) is the number alone.
    [[nodiscard]] QString pattern() const { return m_pattern; }
    void setPattern(const QString &pattern);
    [[nodiscard]] QString text() const { return m_text; }

Q_SIGNALS:
    void valueChanged();
    void kindChanged();
    void patternChanged();
    void textChanged();

private:
    void update();

    double m_value = 0;
    Kind m_kind = Kind::Count;
    QString m_pattern = QStringLiteral("%1");
    QString m_text;
    QLocale m_locale = NumberFormat::groupingLocale();
};

} // namespace coroscope::qml

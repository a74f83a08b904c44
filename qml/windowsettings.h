#pragma once

// WindowSettings: what the dashboard remembers between sessions, in QSettings (the
// application's organisation and name): the window's geometry, the layout of its split
// views (SplitView::saveState()) and the files it opened last (recentFiles, newest
// first, at most kMaxRecent; each "log:PATH" or "set:PATH").
//
// Main.qml calls restore() once the window exists and save() when it closes.
// Threading: GUI thread. Cost: a settings read at restore(), a write at save() and at
// each noteFile().

#include <QObject>
#include <QStringList>
#include <QUrl>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>

#include <QWindow>

namespace coroscope::qml {

class WindowSettings : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(QStringList recentFiles READ recentFiles NOTIFY recentFilesChanged FINAL)

public:
    static constexpr int kMaxRecent = 8;

    explicit WindowSettings(QObject *parent = nullptr);

    [[nodiscard]] QStringList recentFiles() const { return m_recent; }

    // Puts the window where it was (if that is on a screen) and the split views as they were.
    Q_INVOKABLE void restore(QWindow *window, const QVariantList &splitViews);
    Q_INVOKABLE void save(QWindow *window, const QVariantList &splitViews) const;
    // `kind` is "log" or "set"; the file moves to the front of recentFiles.
    Q_INVOKABLE void noteFile(const QString &kind, const QUrl &file);

Q_SIGNALS:
    void recentFilesChanged();

private:
    QStringList m_recent;
};

} // namespace coroscope::qml

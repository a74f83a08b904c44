#include "windowsettings.h"

#include <QGuiApplication>
#include <QScreen>
#include <QSettings>
#include <QWindow>

namespace coroscope::qml {

namespace {
QString splitKey(int index)
{
    return QStringLiteral("window/split%1").arg(index);
}
} // namespace

WindowSettings::WindowSettings(QObject *parent) : QObject(parent)
{
    m_recent = QSettings().value(QStringLiteral("recentFiles")).toStringList();
}

void WindowSettings::restore(QWindow *window, const QVariantList &splitViews)
{
    QSettings settings;
    if (window) {
        const QRect geometry = settings.value(QStringLiteral("window/geometry")).toRect();
        // Only where a screen shows it (the screens may have changed since).
        bool onScreen = false;
        for (const QScreen *screen : QGuiApplication::screens())
            onScreen = onScreen || screen->availableGeometry().intersects(geometry);
        if (geometry.isValid() && onScreen)
            window->setGeometry(geometry.intersected(window->screen()->availableVirtualGeometry()));
        if (settings.value(QStringLiteral("window/maximized")).toBool())
            window->showMaximized();
    }
    for (int i = 0; i < splitViews.size(); ++i) {
        QObject *split = splitViews[i].value<QObject *>();
        const QVariant state = settings.value(splitKey(i));
        if (split && state.isValid()) {
            bool ok = false;
            QMetaObject::invokeMethod(split, "restoreState", Q_RETURN_ARG(bool, ok), Q_ARG(QVariant, state));
        }
    }
}

void WindowSettings::save(QWindow *window, const QVariantList &splitViews) const
{
    QSettings settings;
    if (window) {
        const bool maximized = window->windowStates() & Qt::WindowMaximized;
        settings.setValue(QStringLiteral("window/maximized"), maximized);
        if (!maximized)
            settings.setValue(QStringLiteral("window/geometry"), window->geometry());
    }
    for (int i = 0; i < splitViews.size(); ++i) {
        QObject *split = splitViews[i].value<QObject *>();
        QVariant state;
        if (split && QMetaObject::invokeMethod(split, "saveState", Q_RETURN_ARG(QVariant, state)))
            settings.setValue(splitKey(i), state);
    }
}

void WindowSettings::noteFile(const QString &kind, const QUrl &file)
{
    const QString entry = kind + QLatin1Char(':') + (file.isLocalFile() ? file.toLocalFile() : file.toString());
    m_recent.removeAll(entry);
    m_recent.prepend(entry);
    while (m_recent.size() > kMaxRecent)
        m_recent.removeLast();
    QSettings().setValue(QStringLiteral("recentFiles"), m_recent);
    Q_EMIT recentFilesChanged();
}

} // namespace coroscope::qml

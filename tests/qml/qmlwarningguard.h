#pragma once

// QmlWarningGuard: while it lives, records every warning QML or Qt Quick prints, so a
// dashboard test can fail on it. Some of them never reach QQmlApplicationEngine::warnings
// (a view that cannot create a delegate prints "QQmlComponent: Component is not ready"
// straight through qWarning), so this installs a message handler.
//
// A warning counts when it is qWarning or worse and comes from a qt.qml* / qt.quick* /
// qml / js category, from a .qml file, or from a QQml* / QQuick* class (by its
// "QQmlComponent: ..." prefix), or names a qrc:/ or .qml location. Platform noise
// (qt.qpa.*, XDG_RUNTIME_DIR) does not count. The previous handler still prints all.
//
// Threading: messages may arrive from any thread (the monitor's loop threads log);
// the list is guarded by a mutex. One guard at a time (it replaces the handler).

#include <QMutex>
#include <QMutexLocker>
#include <QString>
#include <QStringList>
#include <QtGlobal>

#include <atomic>
#include <cstring>

namespace coroscope::test {

class QmlWarningGuard
{
public:
    QmlWarningGuard()
    {
        Q_ASSERT(!s_current.load());
        s_current = this;
        m_previous = qInstallMessageHandler(&QmlWarningGuard::handle);
    }
    ~QmlWarningGuard()
    {
        qInstallMessageHandler(m_previous);
        s_current = nullptr;
    }
    QmlWarningGuard(const QmlWarningGuard &) = delete;
    QmlWarningGuard &operator=(const QmlWarningGuard &) = delete;

    [[nodiscard]] QStringList warnings() const
    {
        QMutexLocker lock(&m_mutex);
        return m_warnings;
    }

    [[nodiscard]] static bool fromQmlOrQuick(QtMsgType type, const QMessageLogContext &context, const QString &message)
    {
        if (type == QtDebugMsg || type == QtInfoMsg)
            return false;
        const char *category = context.category ? context.category : "";
        const auto startsWith = [](const char *s, const char *prefix) { return std::strncmp(s, prefix, std::strlen(prefix)) == 0; };
        if (startsWith(category, "qt.qpa"))
            return false;
        if (startsWith(category, "qt.qml") || startsWith(category, "qt.quick") || std::strcmp(category, "qml") == 0
            || std::strcmp(category, "js") == 0)
            return true;
        if (context.file && QString::fromUtf8(context.file).endsWith(QLatin1String(".qml")))
            return true;
        return message.startsWith(QLatin1String("QQml")) || message.startsWith(QLatin1String("QQuick"))
               || message.contains(QLatin1String("qrc:/")) || message.contains(QLatin1String(".qml:"));
    }

private:
    static void handle(QtMsgType type, const QMessageLogContext &context, const QString &message)
    {
        QmlWarningGuard *guard = s_current.load();
        if (!guard)
            return;
        if (fromQmlOrQuick(type, context, message)) {
            QMutexLocker lock(&guard->m_mutex);
            guard->m_warnings.append(message);
        }
        if (guard->m_previous) // Qt's default handler when none was installed before
            guard->m_previous(type, context, message);
    }

    static inline std::atomic<QmlWarningGuard *> s_current = nullptr;
    QtMessageHandler m_previous = nullptr;
    mutable QMutex m_mutex;
    QStringList m_warnings;
};

} // namespace coroscope::test

// The dashboard driven as a user drives it: the real Main.qml with the real TaskMonitor,
// clicks and keys sent to the window at the items' places (found by objectName), and
// checks on what the window shows (a view's count, a label's text). Each wait spins the
// event loop until the condition holds or 15 s pass; QML or Quick must not warn.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "monitor/runcomparison.h"
#include "monitor/taskmonitor.h"
#include "qml/taskrowcells.h"
#include "qmlwarningguard.h"

#include <QPointer>
#include <QProcess>
#include <QProcessEnvironment>
#include <QClipboard>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QGuiApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QImage>
#include <QMap>
#include <QQmlApplicationEngine>
#include <QQmlError>
#include <QQuickItem>
#include <QQuickWindow>
#include <QRegularExpression>
#include <QSet>
#include <QSettings>
#include <QStandardPaths>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QtQml/qqmlextensionplugin.h>

#include <algorithm>
#include <functional>

Q_IMPORT_QML_PLUGIN(CoroscopePlugin)
Q_IMPORT_QML_PLUGIN(Coroscope_WidgetsPlugin)
Q_IMPORT_QML_PLUGIN(Coroscope_MonitorPlugin)

namespace {

using coroscope::monitor::TaskMonitor;
using coroscope::monitor::TaskStore;
using coroscope::monitor::RunListModel;

constexpr int kTimeoutMs = 15000;
constexpr int kListViewContain = 4; // ListView.Contain

// Spins the event loop until `done` holds or the time is up; returns whether it held.
bool waitFor(const std::function<bool()> &done, int timeoutMs = kTimeoutMs)
{
    const QDeadlineTimer deadline(timeoutMs);
    while (!done()) {
        if (deadline.hasExpired())
            return done();
        QTest::qWait(10);
    }
    return true;
}

#define REQUIRE_EVENTUALLY(cond) REQUIRE(waitFor([&] { return bool(cond); }))
#define CHECK_EVENTUALLY(cond) CHECK(waitFor([&] { return bool(cond); }))

QString textOf(const QObject *o)
{
    return o ? o->property("text").toString() : QString();
}

// Whether `item` or one of its descendants shows exactly `text` (as a Text, a control's
// text, or a cell of a table row, which paints its cells).
bool showsText(const QQuickItem *item, const QString &text)
{
    if (!item)
        return false;
    if (item->isVisible() && textOf(item) == text)
        return true;
    if (const auto *cells = qobject_cast<const coroscope::qml::TaskRowCells *>(item)) {
        for (int column = 0; column < cells->columnCount(); ++column) {
            if (cells->isVisible() && cells->shownText(column) == text)
                return true;
        }
    }
    const auto children = item->childItems();
    return std::any_of(children.begin(), children.end(), [&](const QQuickItem *c) { return showsText(c, text); });
}

QList<QQuickItem *> descendants(QQuickItem *item)
{
    QList<QQuickItem *> out;
    for (QQuickItem *c : item->childItems())
        out += QList<QQuickItem *>{c} + descendants(c);
    return out;
}

void collect(QQuickItem *item, const QString &name, QList<QQuickItem *> &out)
{
    if (item->objectName() == name)
        out.append(item);
    for (QQuickItem *c : item->childItems())
        collect(c, name, out);
}

// The dashboard loaded the way the app loads it, with its monitor; tears down with no
// task left running.
class Dashboard
{
public:
    Dashboard()
    {
        m_engine.addImportPath(QStringLiteral("qrc:/"));
        QObject::connect(&m_engine, &QQmlApplicationEngine::warnings, [this](const QList<QQmlError> &list) {
            for (const QQmlError &e : list)
                m_engineWarnings.append(e.toString());
        });
        m_engine.load(QUrl(QStringLiteral("qrc:/Coroscope/Main.qml")));
        REQUIRE(m_engine.rootObjects().size() == 1);
        window = qobject_cast<QQuickWindow *>(m_engine.rootObjects().first());
        REQUIRE(window);
        REQUIRE(QTest::qWaitForWindowExposed(window));
        window->requestActivate();
        REQUIRE(QTest::qWaitForWindowActive(window));
        monitor = window->findChild<TaskMonitor *>();
        REQUIRE(monitor);
    }
    ~Dashboard()
    {
        monitor->cancelAll();
        waitFor([this] { return stat("running") + stat("pending") == 0; });
    }
    Dashboard(const Dashboard &) = delete;
    Dashboard &operator=(const Dashboard &) = delete;

    [[nodiscard]] qint64 stat(const char *name) const { return monitor->stats()->property(name).toLongLong(); }

    // Every item so named, in the visual tree (open popups included) or the object tree.
    [[nodiscard]] QList<QQuickItem *> items(const QString &name) const
    {
        QList<QQuickItem *> out;
        collect(window->contentItem(), name, out);
        for (QQuickItem *i : window->findChildren<QQuickItem *>(name)) {
            if (!out.contains(i))
                out.append(i);
        }
        return out;
    }
    // Those of items(name) that are visible now.
    [[nodiscard]] QList<QQuickItem *> visibleItems(const QString &name) const
    {
        QList<QQuickItem *> shown = items(name);
        shown.removeIf([](const QQuickItem *i) { return !i->isVisible(); });
        return shown;
    }
    // The one visible item so named (waits for it to show).
    [[nodiscard]] QQuickItem *item(const QString &name) const
    {
        QQuickItem *found = nullptr;
        const bool shown = waitFor([&] {
            const QList<QQuickItem *> visible = visibleItems(name);
            found = visible.isEmpty() ? nullptr : visible.back();
            return found != nullptr;
        });
        INFO("item " << name.toStdString());
        REQUIRE(shown);
        return found;
    }
    [[nodiscard]] QObject *object(const QString &name) const
    {
        QObject *o = window->findChild<QObject *>(name);
        INFO("object " << name.toStdString());
        REQUIRE(o);
        return o;
    }

    // A left click at `local` in `item` (its centre by default), once it is enabled.
    void click(QQuickItem *target, QPointF local = {-1, -1}) const
    {
        REQUIRE(target);
        REQUIRE_EVENTUALLY(target->isVisible() && target->isEnabled() && target->width() > 0 && target->height() > 0);
        if (local.x() < 0)
            local = QPointF(target->width() / 2, target->height() / 2);
        const QPoint at = target->mapToScene(local).toPoint();
        REQUIRE(window->contentItem()->contains(at));
        QTest::mouseClick(window, Qt::LeftButton, Qt::NoModifier, at);
    }
    // Replaces a text field's text by typing, as a user does (click, select all, type).
    void type(QQuickItem *field, const QString &text) const
    {
        click(field);
        REQUIRE_EVENTUALLY(field->hasActiveFocus());
        QTest::keyClick(window, Qt::Key_A, Qt::ControlModifier);
        for (const QChar c : text) // QTest::keyClicks takes no QWindow in Qt 6.4
            QTest::keyClick(window, c.toLatin1());
        REQUIRE_EVENTUALLY(textOf(field) == text);
    }

    // The table (a ListView) and what it shows.
    [[nodiscard]] QQuickItem *table() const { return item(QStringLiteral("taskTable")); }
    [[nodiscard]] int tableCount() const { return table()->property("count").toInt(); }
    [[nodiscard]] QString shownLabel() const { return textOf(item(QStringLiteral("shownCount"))); }
    // A role of the model's row (the row the table shows at that index).
    [[nodiscard]] QVariant cell(int row, const QByteArray &role) const
    {
        auto *tasks = monitor->tasks();
        return tasks->data(tasks->index(row), tasks->roleNames().key(role));
    }
    [[nodiscard]] int rowNamed(const QString &name) const
    {
        for (int row = 0; row < monitor->tasks()->count(); ++row) {
            if (cell(row, "name").toString() == name)
                return row;
        }
        return -1;
    }
    [[nodiscard]] QSet<qint64> shownKeys() const
    {
        QSet<qint64> keys;
        for (int row = 0; row < monitor->tasks()->count(); ++row)
            keys.insert(monitor->tasks()->keyAt(row));
        return keys;
    }
    // The table's delegate for the task `key`, scrolled into view; null while not shown.
    [[nodiscard]] QQuickItem *rowItem(qint64 key) const
    {
        const int row = monitor->tasks()->rowOfKey(key);
        if (row < 0)
            return nullptr;
        QQuickItem *view = table();
        QMetaObject::invokeMethod(view, "positionViewAtIndex", Q_ARG(int, row), Q_ARG(int, kListViewContain));
        QQuickItem *delegate = nullptr;
        QMetaObject::invokeMethod(view, "itemAtIndex", Q_RETURN_ARG(QQuickItem *, delegate), Q_ARG(int, row));
        return delegate && delegate->isVisible() && delegate->property("taskKey").toLongLong() == key ? delegate : nullptr;
    }
    // Clicks the task's row (in its ID column, always in view) to select it.
    void selectTask(qint64 key) const
    {
        QQuickItem *row = nullptr;
        REQUIRE_EVENTUALLY((row = rowItem(key)) != nullptr);
        click(row, QPointF(row->height(), row->height() / 2));
        REQUIRE_EVENTUALLY(window->property("selectedKey").toLongLong() == key);
    }
    [[nodiscard]] QQuickItem *detailsFieldItem(const QString &field) const
    {
        const QList<QQuickItem *> shown = visibleItems(QStringLiteral("detailsField_") + field);
        return shown.isEmpty() ? nullptr : shown.front();
    }
    [[nodiscard]] QString detailsField(const QString &field) const
    {
        const QQuickItem *shown = detailsFieldItem(field);
        return shown ? textOf(shown) : QString();
    }

    // Selects a built-in set in the launcher and clicks Launch; waits for its run.
    void launch(const QString &setName) const
    {
        const QVariantList sets = monitor->builtinSets();
        int index = -1;
        for (int i = 0; i < sets.size(); ++i) {
            if (sets[i].toMap().value(QStringLiteral("name")).toString() == setName)
                index = i;
        }
        REQUIRE(index >= 0);
        QQuickItem *list = item(QStringLiteral("builtinSetList"));
        QMetaObject::invokeMethod(list, "positionViewAtIndex", Q_ARG(int, index), Q_ARG(int, kListViewContain));
        click(item(QStringLiteral("builtinSet_") + setName));
        REQUIRE_EVENTUALLY(list->property("currentIndex").toInt() == index);
        const int runsBefore = monitor->runs()->rowCount();
        click(item(QStringLiteral("launchButton")));
        REQUIRE_EVENTUALLY(monitor->runs()->rowCount() == runsBefore + 1);
    }

    // A popup's standard button (its text, e.g. "OK") in its footer.
    [[nodiscard]] QQuickItem *dialogButton(QObject *dialog, const QString &text) const
    {
        auto *footer = dialog->property("footer").value<QQuickItem *>();
        REQUIRE(footer);
        for (QQuickItem *i : descendants(footer)) {
            if (i->isVisible() && textOf(i) == text && i->metaObject()->indexOfSignal("clicked()") >= 0)
                return i;
        }
        FAIL("no button " << text.toStdString());
        return nullptr;
    }
    void waitOpened(QObject *dialog) const { REQUIRE_EVENTUALLY(dialog->property("opened").toBool()); }
    void accept(QObject *dialog) const
    {
        click(dialogButton(dialog, QStringLiteral("OK")));
        REQUIRE_EVENTUALLY(!dialog->property("visible").toBool());
    }

    // Spawns a top-level sleep through the Spawn dialog; returns the new task's key.
    [[nodiscard]] qint64 spawnSleep(const QString &seconds, const QString &result) const
    {
        const QSet<qint64> before = shownKeys();
        click(item(QStringLiteral("spawnAction")));
        QObject *dialog = object(QStringLiteral("spawnDialog"));
        waitOpened(dialog);
        REQUIRE(item(QStringLiteral("spawnOp"))->property("currentText").toString() == QLatin1String("sleep"));
        type(item(QStringLiteral("spawnSeconds")), seconds);
        type(item(QStringLiteral("spawnResult")), result);
        accept(dialog);
        qint64 key = -1;
        REQUIRE_EVENTUALLY([&] {
            for (qint64 k : shownKeys()) {
                if (!before.contains(k))
                    key = k;
            }
            return key >= 0;
        }());
        return key;
    }

    // The visible button that reads `text` (in the window or an open popup), e.g. a
    // Qt dialog's, which has no object name.
    [[nodiscard]] QQuickItem *overlayButton(const QString &text) const
    {
        QQuickItem *found = nullptr;
        const bool shown = waitFor([&] {
            for (QQuickItem *i : descendants(window->contentItem())) {
                if (i->isVisible() && textOf(i) == text && i->metaObject()->indexOfSignal("clicked()") >= 0)
                    found = i;
            }
            return found != nullptr;
        });
        INFO("a popup's button " << text.toStdString());
        REQUIRE(shown);
        return found;
    }
    // In the open FileDialog `name` (Qt's own, drawn in QML): goes to `folder`, clicks
    // the file's line, then the dialog's Open button.
    void chooseFile(const QString &name, const QString &folder, const QString &fileName) const
    {
        QObject *dialog = object(name);
        REQUIRE_EVENTUALLY(dialog->property("visible").toBool());
        dialog->setProperty("currentFolder", QUrl::fromLocalFile(folder));
        click(listedFile(QStringLiteral("fileDialogDelegate"), fileName));
        click(overlayButton(QStringLiteral("Open")));
        REQUIRE_EVENTUALLY(!dialog->property("visible").toBool());
    }
    // The line of a file or folder in an open Qt file or folder dialog (its delegates'
    // object names start with `prefix`).
    [[nodiscard]] QQuickItem *listedFile(const QString &prefix, const QString &fileName) const
    {
        QQuickItem *line = nullptr;
        REQUIRE_EVENTUALLY([&] {
            for (QQuickItem *i : descendants(window->contentItem())) {
                if (i->isVisible() && i->objectName().startsWith(prefix) && i->property("fileName").toString() == fileName)
                    line = i;
            }
            return line != nullptr;
        }());
        return line;
    }

    [[nodiscard]] QStringList warnings() const { return m_engineWarnings + m_printed.warnings(); }

    // With COROSCOPE_SCREENSHOT_DIR set, saves what the window shows there as NAME.png
    // (to look at the dashboard as a test leaves it).
    void screenshot(const QString &name) const
    {
        const QString dir = qEnvironmentVariable("COROSCOPE_SCREENSHOT_DIR");
        if (!dir.isEmpty())
            window->grabWindow().save(QDir(dir).filePath(name + QStringLiteral(".png")));
    }

    QQuickWindow *window = nullptr;
    TaskMonitor *monitor = nullptr;

private:
    coroscope::test::QmlWarningGuard m_printed;
    QStringList m_engineWarnings;
    QQmlApplicationEngine m_engine;
};

} // namespace

namespace {

const QString kSet = QStringLiteral("gather-basics");
const QStringList kSetTasks{QStringLiteral("main"),     QStringLiteral("one"),   QStringLiteral("two"),
                            QStringLiteral("four"),     QStringLiteral("tolerant"), QStringLiteral("fine"),
                            QStringLiteral("broken"),   QStringLiteral("strict"), QStringLiteral("survivor"),
                            QStringLiteral("first-failure")};

qint64 keyNamed(const Dashboard &d, const QString &name)
{
    const int row = d.rowNamed(name);
    return row < 0 ? -1 : d.monitor->tasks()->keyAt(row);
}

QString rowState(const Dashboard &d, qint64 key)
{
    const QQuickItem *row = d.rowItem(key);
    return row ? row->property("taskState").toString() : QString();
}

// Opens the Add callback dialog on the selected task, types a log message, accepts.
void addLogCallback(const Dashboard &d, const QString &message)
{
    d.click(d.item(QStringLiteral("addCallbackAction")));
    QObject *dialog = d.object(QStringLiteral("callbackDialog"));
    d.waitOpened(dialog);
    REQUIRE(d.item(QStringLiteral("callbackKind"))->property("currentValue").toString() == QLatin1String("log"));
    d.type(d.item(QStringLiteral("callbackText")), message);
    d.accept(dialog);
}

// The details pane's callback line that names `message`, if shown.
QQuickItem *callbackLine(const Dashboard &d, const QString &message)
{
    for (QQuickItem *line : d.visibleItems(QStringLiteral("callbackRow"))) {
        if (line->property("title").toString().contains(message))
            return line;
    }
    return nullptr;
}

void checkNoWarnings(const Dashboard &d)
{
    const QStringList warnings = d.warnings();
    INFO(warnings.join(QLatin1Char('\n')).toStdString());
    CHECK(warnings.isEmpty());
}

} // namespace

TEST_CASE("launching a built-in set from the launcher shows its tasks in the table")
{
    Dashboard d;
    CHECK(d.tableCount() == 0);
    d.launch(kSet);
    CHECK_FALSE(d.object(QStringLiteral("launchConfirmDialog"))->property("visible").toBool()); // small: no question

    REQUIRE_EVENTUALLY(d.tableCount() == kSetTasks.size());
    CHECK_EVENTUALLY(d.shownLabel() == QStringLiteral("%1 shown").arg(kSetTasks.size()));
    CHECK(showsText(d.item(QStringLiteral("sortHeader_name")), QStringLiteral("Name"))); // the column headers show
    for (const QString &name : kSetTasks) {
        INFO("task " << name.toStdString());
        const qint64 key = keyNamed(d, name);
        REQUIRE(key >= 0);
        CHECK_EVENTUALLY(showsText(d.rowItem(key), name));
    }
    checkNoWarnings(d);
}

TEST_CASE("the tree files tasks only while it is shown, and shows the run's tasks when opened")
{
    Dashboard d;
    const coroscope::monitor::TaskTreeModel &tree = *d.monitor->tree();
    CHECK_FALSE(tree.isActive()); // the table is shown
    d.launch(kSet);
    REQUIRE_EVENTUALLY(d.tableCount() == kSetTasks.size());
    CHECK(tree.rowCount() == 0);

    d.click(d.item(QStringLiteral("treeTab")));
    REQUIRE_EVENTUALLY(tree.isActive());
    CHECK(tree.rowCount() > 0);
    const auto treeShows = [&](const QString &name) {
        const QList<QQuickItem *> rows = d.items(QStringLiteral("treeRow"));
        return std::any_of(rows.begin(), rows.end(), [&](const QQuickItem *row) { return showsText(row, name); });
    };
    CHECK_EVENTUALLY(treeShows(QStringLiteral("main")));

    d.click(d.item(QStringLiteral("tableTab")));
    REQUIRE_EVENTUALLY(!tree.isActive());
    checkNoWarnings(d);
}

TEST_CASE("pressing Delete on a selected running task shows it cancelled with reason user")
{
    Dashboard d;
    d.launch(kSet);
    REQUIRE_EVENTUALLY(d.tableCount() == kSetTasks.size());
    // A task of the set may end before the key press on a loaded machine: a long sleep won't.
    const qint64 key = d.spawnSleep(QStringLiteral("600"), QStringLiteral("\"never\""));
    REQUIRE_EVENTUALLY(rowState(d, key) == QLatin1String("running"));

    d.selectTask(key);
    CHECK_EVENTUALLY(d.detailsField(QStringLiteral("state")) == QLatin1String("running"));
    QTest::keyClick(d.window, Qt::Key_Delete);

    REQUIRE_EVENTUALLY(rowState(d, key) == QLatin1String("cancelled"));
    CHECK_EVENTUALLY(showsText(d.rowItem(key), QStringLiteral("user")));
    CHECK_EVENTUALLY(d.detailsField(QStringLiteral("state")) == QLatin1String("cancelled"));
    CHECK_EVENTUALLY(d.detailsField(QStringLiteral("cancelReason")) == QLatin1String("user"));
    checkNoWarnings(d);
}

TEST_CASE("a callback added through the dialog is listed in the details, then shown fired")
{
    Dashboard d;

    SECTION("on a live task: it fires when the task ends")
    {
        const QString message = QStringLiteral("ui-test live callback");
        const qint64 key = d.spawnSleep(QStringLiteral("600"), QStringLiteral("\"never\""));
        REQUIRE_EVENTUALLY(rowState(d, key) == QLatin1String("running"));
        d.selectTask(key);
        addLogCallback(d, message);

        REQUIRE_EVENTUALLY(callbackLine(d, message) != nullptr);
        CHECK(showsText(callbackLine(d, message), QStringLiteral("not fired yet")));
        CHECK(rowState(d, key) == QLatin1String("running"));

        QTest::keyClick(d.window, Qt::Key_Delete); // ending the task fires its callback
        CHECK_EVENTUALLY(showsText(callbackLine(d, message), QStringLiteral("fired")));
    }
    SECTION("on a finished task: it fires at once")
    {
        const QString message = QStringLiteral("ui-test finished callback");
        d.launch(kSet);
        qint64 key = -1;
        REQUIRE_EVENTUALLY((key = keyNamed(d, QStringLiteral("one"))) >= 0);
        REQUIRE_EVENTUALLY(rowState(d, key) == QLatin1String("done"));
        d.selectTask(key);
        addLogCallback(d, message);

        REQUIRE_EVENTUALLY(callbackLine(d, message) != nullptr);
        CHECK_EVENTUALLY(showsText(callbackLine(d, message), QStringLiteral("fired")));
        // Written for people, not as its JSON log form.
        CHECK(callbackLine(d, message)->property("title").toString() == QStringLiteral("log \"%1\"").arg(message));
        d.screenshot(QStringLiteral("details-callbacks"));
    }
    checkNoWarnings(d);
}

TEST_CASE("spawning a task from the Spawn dialog adds a row to the table")
{
    Dashboard d;
    d.launch(kSet);
    REQUIRE_EVENTUALLY(d.tableCount() == kSetTasks.size());

    const qint64 key = d.spawnSleep(QStringLiteral("0.2"), QStringLiteral("\"spawned\""));

    CHECK_EVENTUALLY(d.tableCount() == kSetTasks.size() + 1);
    CHECK_EVENTUALLY(d.shownLabel() == QStringLiteral("%1 shown").arg(kSetTasks.size() + 1));
    CHECK_EVENTUALLY(showsText(d.rowItem(key), QStringLiteral("sleep")));
    CHECK_EVENTUALLY(rowState(d, key) == QLatin1String("done"));
    checkNoWarnings(d);
}

TEST_CASE("the state chips and the search field change how many tasks the table shows")
{
    Dashboard d;
    d.launch(kSet);
    REQUIRE_EVENTUALLY(d.tableCount() == kSetTasks.size() && d.stat("running") + d.stat("pending") == 0);
    const int total = d.tableCount();
    QMap<QString, int> perState;
    for (int row = 0; row < total; ++row)
        ++perState[d.cell(row, "state").toString()];
    const int done = perState.value(QStringLiteral("done"));
    const int failed = perState.value(QStringLiteral("failed"));
    REQUIRE(done > 0);
    REQUIRE(failed > 0);

    const auto shows = [&](int n) {
        return d.tableCount() == n && d.shownLabel() == QStringLiteral("%1 shown").arg(n);
    };

    SECTION("a state chip hides that state, All shows every state again")
    {
        d.click(d.item(QStringLiteral("stateChip_done")));
        CHECK_EVENTUALLY(shows(total - done));
        d.click(d.item(QStringLiteral("stateChip_failed")));
        CHECK_EVENTUALLY(shows(total - done - failed));
        d.click(d.item(QStringLiteral("allStatesButton")));
        CHECK_EVENTUALLY(shows(total));
    }
    SECTION("typing in the search field keeps the names that contain it")
    {
        const QString typed = QStringLiteral("fi");
        const auto matching = int(std::count_if(kSetTasks.begin(), kSetTasks.end(),
                                                [&](const QString &n) { return n.contains(typed, Qt::CaseInsensitive); }));
        REQUIRE(matching > 0);
        REQUIRE(matching < total);
        d.type(d.item(QStringLiteral("searchField")), typed);
        CHECK_EVENTUALLY(shows(matching));
        CHECK(d.rowNamed(QStringLiteral("fine")) >= 0);
        CHECK(d.rowNamed(QStringLiteral("four")) < 0);

        // Erasing the text shows every task again.
        QTest::keyClick(d.window, Qt::Key_A, Qt::ControlModifier);
        QTest::keyClick(d.window, Qt::Key_Backspace);
        CHECK_EVENTUALLY(shows(total));
    }
    checkNoWarnings(d);
}

TEST_CASE("exporting the launched run writes a log that parses")
{
    Dashboard d;
    d.launch(kSet);
    REQUIRE_EVENTUALLY(d.tableCount() == kSetTasks.size());
    // The run Export writes: the launcher's newest run, known once its run list has laid
    // out the new row (a view's count follows its model at the view's next polish).
    QObject *launcher = d.object(QStringLiteral("launcherPage"));
    REQUIRE_EVENTUALLY(launcher->property("exportRunId").toInt() >= 1);
    const int runId = launcher->property("exportRunId").toInt();

    // What the Export dialog's accepted handler calls (a FileDialog can't be driven headless).
    QTemporaryDir dir;
    REQUIRE(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("run.json"));
    CHECK(d.monitor->exportLog(runId, QUrl::fromLocalFile(path)).isEmpty());

    QFile file(path);
    REQUIRE(file.open(QIODevice::ReadOnly));
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &error);
    INFO(error.errorString().toStdString());
    REQUIRE(error.error == QJsonParseError::NoError);
    REQUIRE(doc.isObject());
    CHECK(doc.object().value(QStringLiteral("format")).toString() == QLatin1String("coroscope.log/1"));
    QStringList names;
    for (const QJsonValue &task : doc.object().value(QStringLiteral("tasks")).toArray())
        names.append(task.toObject().value(QStringLiteral("name")).toString());
    names.sort();
    QStringList expected = kSetTasks;
    expected.sort();
    CHECK(names == expected);
    checkNoWarnings(d);
}

TEST_CASE("the run column tells the rows of two runs apart and sorts the table by run")
{
    Dashboard d;
    d.launch(kSet);
    d.launch(kSet);
    REQUIRE_EVENTUALLY(d.tableCount() == 2 * kSetTasks.size());
    CHECK(showsText(d.item(QStringLiteral("sortHeader_runId")), QStringLiteral("Run")));

    // The same task name in each run, told apart by the run column.
    const auto keyIn = [&](const QString &name, int runId) {
        for (int row = 0; row < d.monitor->tasks()->count(); ++row) {
            if (d.cell(row, "name").toString() == name && d.cell(row, "runId").toInt() == runId)
                return d.monitor->tasks()->keyAt(row);
        }
        return qint64(-1);
    };
    for (int runId : {1, 2}) {
        INFO("run " << runId);
        const qint64 key = keyIn(QStringLiteral("main"), runId);
        REQUIRE(key >= 0);
        CHECK_EVENTUALLY(showsText(d.rowItem(key), QStringLiteral("#%1 %2").arg(runId).arg(kSet)));
    }

    // Clicking the header sorts by run, again reverses: the newest run comes first.
    QQuickItem *header = d.item(QStringLiteral("sortHeader_runId"));
    d.click(header);
    REQUIRE_EVENTUALLY(d.monitor->tasks()->sortRole() == QLatin1String("runId"));
    CHECK(d.monitor->tasks()->sortAscending());
    d.click(header);
    REQUIRE_EVENTUALLY(!d.monitor->tasks()->sortAscending());
    CHECK(showsText(header, QStringLiteral("Run \u25BE")));
    const int rows = d.tableCount();
    CHECK(d.cell(0, "runId").toInt() == 2);
    CHECK(d.cell(rows - 1, "runId").toInt() == 1);
    CHECK_EVENTUALLY(showsText(d.rowItem(d.monitor->tasks()->keyAt(0)), QStringLiteral("#2 %1").arg(kSet)));
    d.screenshot(QStringLiteral("run-column-sorted"));
    checkNoWarnings(d);
}

TEST_CASE("the details pane lists the children, and their links stay while the children run")
{
    Dashboard d;
    d.launch(kSet);
    qint64 main = -1;
    REQUIRE_EVENTUALLY((main = keyNamed(d, QStringLiteral("main"))) >= 0);
    REQUIRE_EVENTUALLY(keyNamed(d, QStringLiteral("four")) >= 0);
    d.selectTask(main);
    const auto links = [&] { return d.visibleItems(QStringLiteral("childLink")); };
    REQUIRE_EVENTUALLY(links().size() == 3);
    QStringList names;
    for (QQuickItem *link : links())
        names.append(link->property("modelData").toMap().value(QStringLiteral("name")).toString());
    CHECK(names == QStringList{QStringLiteral("one"), QStringLiteral("two"), QStringLiteral("four")});
    // While "one" ends and the others run on, every tick re-reads the task: the links
    // are the same items (not made again on each tick), and the one that ended says so.
    QList<QPointer<QQuickItem>> before;
    for (QQuickItem *link : links())
        before.append(link);
    REQUIRE_EVENTUALLY(before[0] && before[0]->property("taskState").toString() == QLatin1String("done"));
    CHECK(before[1]->property("taskState").toString() == QLatin1String("running"));
    for (const QPointer<QQuickItem> &link : before)
        CHECK_FALSE(link.isNull());
    CHECK(links().size() == 3);
    d.screenshot(QStringLiteral("details-children"));
    checkNoWarnings(d);
}

TEST_CASE("the details pane keeps its field rows while the task ends, hiding what no longer applies")
{
    Dashboard d;
    d.launch(kSet);
    qint64 key = -1;
    REQUIRE_EVENTUALLY((key = keyNamed(d, QStringLiteral("two"))) >= 0);
    d.selectTask(key);
    REQUIRE_EVENTUALLY(d.detailsField(QStringLiteral("state")) == QLatin1String("running"));
    REQUIRE_EVENTUALLY(d.detailsField(QStringLiteral("awaiting")) == QLatin1String("sleep 2s"));
    const QPointer<QQuickItem> state = d.detailsFieldItem(QStringLiteral("state"));
    REQUIRE(state);
    REQUIRE_EVENTUALLY(d.detailsField(QStringLiteral("state")) == QLatin1String("done"));
    CHECK(state); // the same row, its text moved (rows are not made again on each change)
    CHECK(d.detailsFieldItem(QStringLiteral("state")) == state.data());
    CHECK(d.detailsField(QStringLiteral("awaiting")).isEmpty()); // its row hidden once done
    CHECK(d.detailsField(QStringLiteral("result")) == QLatin1String("2"));
    checkNoWarnings(d);
}

TEST_CASE("a queue's depth shows in its task's details and as a line in the timeline, rising and falling")
{
    Dashboard d;
    d.launch(QStringLiteral("producer-consumer"));
    qint64 jobs = -1;
    REQUIRE_EVENTUALLY((jobs = keyNamed(d, QStringLiteral("jobs"))) >= 0);
    d.selectTask(jobs);
    const QRegularExpression depth(QStringLiteral("^(\\d) of 3 items \u00B7 peak (\\d)$"));
    int highest = 0;
    // Rises while the producers outrun the consumers, then falls back to empty.
    REQUIRE_EVENTUALLY([&] {
        const auto m = depth.match(d.detailsField(QStringLiteral("queueDepth")));
        if (m.hasMatch())
            highest = std::max(highest, m.captured(1).toInt());
        return highest >= 2;
    }());
    REQUIRE_EVENTUALLY(d.detailsField(QStringLiteral("state")) == QLatin1String("done"));
    const auto end = depth.match(d.detailsField(QStringLiteral("queueDepth")));
    REQUIRE(end.hasMatch());
    CHECK(end.captured(1) == QLatin1String("0"));
    CHECK(end.captured(2).toInt() >= highest);

    // The timeline: a labelled strip under the header of the lane the task runs on.
    QList<QQuickItem *> counters;
    REQUIRE_EVENTUALLY((counters = d.visibleItems(QStringLiteral("timelineCounterLabel"))).size() == 1);
    CHECK(textOf(counters.front()) == QStringLiteral("jobs: queue depth 0 / 3"));
    const QList<QQuickItem *> lanes = d.visibleItems(QStringLiteral("timelineLaneLabel"));
    REQUIRE(lanes.size() == 1);
    CHECK(counters.front()->y() >= lanes.front()->y() + lanes.front()->height());
    d.screenshot(QStringLiteral("queue-depth"));

    // A worker of the queue owns none: no such field.
    d.selectTask(keyNamed(d, QStringLiteral("jobs.consumer-1")));
    REQUIRE_EVENTUALLY(d.detailsField(QStringLiteral("name")) == QLatin1String("jobs.consumer-1"));
    CHECK(d.detailsFieldItem(QStringLiteral("queueDepth")) == nullptr);
    checkNoWarnings(d);
}

// A consumer cancelled while it holds the queue's only item: the queue node's join can
// never end, and so the gather above it (docs/spec/stuck.md).
const char *const kStuckSet = R"({"format": "coroscope.taskset/1", "name": "stuck-queue",
  "description": "A consumer is cancelled holding an item: the queue's join never ends.",
  "tasks": [{"op": "gather", "name": "main", "children": [
    {"op": "sleep", "name": "slow", "seconds": 300},
    {"op": "queue", "name": "jobs", "capacity": 0, "producers": 1, "consumers": 2, "items": 1,
     "produce_seconds": 0, "consume_seconds": 300},
    {"op": "cancel", "name": "stop", "target": "jobs.consumer-1", "after": 0.05}]}]})";

TEST_CASE("the details pane says why a stuck task is stuck: a hop selects its task, Copy puts the line on the clipboard")
{
    Dashboard d;
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("stuck-queue.json"));
    {
        QFile file(path);
        REQUIRE(file.open(QIODevice::WriteOnly));
        file.write(kStuckSet);
    }
    REQUIRE(d.monitor->openSetFile(QUrl::fromLocalFile(path)).isEmpty());
    qint64 main = -1;
    REQUIRE_EVENTUALLY((main = keyNamed(d, QStringLiteral("main"))) >= 0);
    d.selectTask(main);
    const auto hopTexts = [&] {
        QStringList texts;
        for (QQuickItem *hop : d.visibleItems(QStringLiteral("chainHop")))
            texts.append(hop->property("hopText").toString());
        return texts;
    };
    const QString never = QStringLiteral("1 item was taken by a consumer that ended without task_done");
    REQUIRE_EVENTUALLY(!d.visibleItems(QStringLiteral("chainVerdict")).isEmpty());
    CHECK(hopTexts()
          == QStringList{QStringLiteral("main"), QStringLiteral("gather(3)"), QStringLiteral("jobs"),
                         QStringLiteral("queue.join(jobs): 1 item not done, 1 consumer alive")});
    QList<QQuickItem *> hops = d.visibleItems(QStringLiteral("chainHop"));
    REQUIRE(hops.size() == 4);
    CHECK(hops[3]->property("neverEnds").toString() == never);
    CHECK(showsText(hops[3], QStringLiteral("\u2192 queue.join(jobs): 1 item not done, 1 consumer alive \u2014 never ends: ") + never));
    d.screenshot(QStringLiteral("stuck-chain"));

    QGuiApplication::clipboard()->clear();
    d.click(d.item(QStringLiteral("detailsCopyChain")));
    CHECK_EVENTUALLY(QGuiApplication::clipboard()->text()
                     == QStringLiteral("main \u2192 gather(3) \u2192 jobs \u2192 queue.join(jobs): 1 item not done, "
                                       "1 consumer alive \u2014 never ends: ") + never);

    // The task hop moves the selection to that task.
    d.click(hops[2]);
    REQUIRE_EVENTUALLY(d.window->property("selectedKey").toLongLong() == keyNamed(d, QStringLiteral("jobs")));
    CHECK_EVENTUALLY(d.detailsField(QStringLiteral("name")) == QLatin1String("jobs"));
    CHECK_EVENTUALLY(hopTexts().value(0) == QLatin1String("jobs"));
    checkNoWarnings(d);
}

TEST_CASE("the details pane names its fields for people and writes times as the table does")
{
    Dashboard d;
    const QRegularExpression time(QStringLiteral("^\\d+\\.\\d ms$|^\\d+\\.\\d{3} s$"));

    SECTION("a finished task: every time, the same text in the table and the details")
    {
        d.launch(kSet);
        qint64 key = -1;
        REQUIRE_EVENTUALLY((key = keyNamed(d, QStringLiteral("one"))) >= 0);
        REQUIRE_EVENTUALLY(rowState(d, key) == QLatin1String("done"));
        d.selectTask(key);
        QQuickItem *details = d.item(QStringLiteral("detailsPage"));
        REQUIRE_EVENTUALLY(d.detailsField(QStringLiteral("state")) == QLatin1String("done"));

        for (const char *label : {"Run", "ID", "Op", "Created", "Started", "Finished", "Duration", "Result"}) {
            INFO("label " << label);
            CHECK(showsText(details, QString::fromLatin1(label)));
        }
        for (const char *raw : {"run", "id", "createdMs", "startedMs", "finishedMs", "durationMs", "runId",
                                "cancelReason", "error"}) {
            INFO("raw field name " << raw);
            CHECK_FALSE(showsText(details, QString::fromLatin1(raw)));
        }
        CHECK(d.detailsField(QStringLiteral("run")) == QStringLiteral("#1 %1").arg(kSet));
        for (const char *field : {"createdMs", "startedMs", "finishedMs", "durationMs"}) {
            INFO("field " << field << ": " << d.detailsField(QString::fromLatin1(field)).toStdString());
            CHECK(time.match(d.detailsField(QString::fromLatin1(field))).hasMatch());
        }
        // "one" sleeps 1 s: seconds with milliseconds.
        const QString duration = d.detailsField(QStringLiteral("durationMs"));
        CHECK(QRegularExpression(QStringLiteral("^1\\.\\d{3} s$")).match(duration).hasMatch());
        // The table's Started and Duration cells read exactly as the details do.
        CHECK_EVENTUALLY(showsText(d.rowItem(key), d.detailsField(QStringLiteral("startedMs"))));
        CHECK_EVENTUALLY(showsText(d.rowItem(key), duration));
        d.screenshot(QStringLiteral("details-finished"));
    }
    SECTION("a running task: no finish time yet is a dash")
    {
        const qint64 key = d.spawnSleep(QStringLiteral("600"), QStringLiteral("\"never\""));
        REQUIRE_EVENTUALLY(rowState(d, key) == QLatin1String("running"));
        d.selectTask(key);
        REQUIRE_EVENTUALLY(d.detailsField(QStringLiteral("state")) == QLatin1String("running"));
        CHECK(d.detailsField(QStringLiteral("finishedMs")) == QStringLiteral("\u2014"));
        CHECK(d.detailsField(QStringLiteral("durationMs")) == QLatin1String("still running"));
        CHECK(time.match(d.detailsField(QStringLiteral("startedMs"))).hasMatch());
        CHECK(showsText(d.item(QStringLiteral("detailsPage")), QStringLiteral("Awaiting")));
    }
    checkNoWarnings(d);
}

TEST_CASE("Esc in the search field clears the search and keeps the focus; a second Esc clears the selection")
{
    Dashboard d;
    d.launch(kSet);
    REQUIRE_EVENTUALLY(d.tableCount() == kSetTasks.size());
    qint64 key = -1;
    REQUIRE_EVENTUALLY((key = keyNamed(d, QStringLiteral("fine"))) >= 0);
    d.selectTask(key);

    QQuickItem *search = d.item(QStringLiteral("searchField"));
    d.type(search, QStringLiteral("fi"));
    REQUIRE_EVENTUALLY(d.tableCount() < kSetTasks.size());

    QTest::keyClick(d.window, Qt::Key_Escape);
    CHECK_EVENTUALLY(textOf(search).isEmpty());
    CHECK_EVENTUALLY(d.tableCount() == kSetTasks.size());
    CHECK(d.monitor->tasks()->search().isEmpty());
    CHECK(search->hasActiveFocus());
    CHECK(d.window->property("selectedKey").toLongLong() == key); // the window's Esc did not run

    // The field is empty now: Esc is the window's again.
    QTest::keyClick(d.window, Qt::Key_Escape);
    CHECK_EVENTUALLY(d.window->property("selectedKey").toLongLong() == -1);
    checkNoWarnings(d);
}

TEST_CASE("a set file of ten million tasks asks first: Cancel runs nothing, Launch runs it")
{
    Dashboard d;
    // A repeat of 10,000,000 sleeps behind a gate that fails at once: the sequence never
    // reaches the repeat, so even a launch creates two tasks, never ten million.
    QTemporaryDir dir;
    REQUIRE(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("ten-million.json"));
    {
        QFile file(path);
        REQUIRE(file.open(QIODevice::WriteOnly));
        file.write(R"({
  "format": "coroscope.taskset/1",
  "name": "ten-million",
  "description": "ten million sleeps behind a gate that stays shut",
  "tasks": [
    { "op": "sequence", "name": "gated", "children": [
        { "op": "fail", "name": "gate", "seconds": 0, "message": "the gate stays shut" },
        { "op": "repeat", "name": "sleeper", "count": 10000000, "task": { "op": "sleep", "seconds": 1 } }
    ] }
  ]
})");
    }
    // What the Open set dialog's accepted handler calls (a FileDialog can't be driven headless).
    REQUIRE(QMetaObject::invokeMethod(d.window, "launchFile", Q_ARG(QUrl, QUrl::fromLocalFile(path))));

    QObject *dialog = d.object(QStringLiteral("launchConfirmDialog"));
    d.waitOpened(dialog);
    QString text = textOf(d.item(QStringLiteral("launchConfirmText")));
    INFO(text.toStdString());
    CHECK(text.contains(QLatin1String("ten-million")));
    CHECK(text.contains(QLatin1String("7.5 GiB"))); // 10,000,003 tasks at about 800 bytes each
    // The count is grouped with the locale's separator (10,000,003 or 10 000 003): drop it.
    text.remove(QRegularExpression(QStringLiteral("(?<=\\d)[,.'\\s\u00a0\u2009\u202f](?=\\d{3}(?:\\D|$))")));
    CHECK(text.contains(QLatin1String(" 10000003 tasks")));
    CHECK(d.monitor->runs()->rowCount() == 0); // nothing runs while the question is open
    d.screenshot(QStringLiteral("launch-confirm"));

    SECTION("Cancel: no run, no task")
    {
        d.click(d.dialogButton(dialog, QStringLiteral("Cancel")));
        REQUIRE_EVENTUALLY(!dialog->property("visible").toBool());
        // A launched run would make the monitor tick (some ten times in this while).
        QSignalSpy ticks(d.monitor, &TaskMonitor::ticked);
        QTest::qWait(350);
        CHECK(ticks.count() == 0);
        CHECK(d.monitor->runs()->rowCount() == 0);
        CHECK(d.stat("total") == 0);
        CHECK(d.tableCount() == 0);
    }
    SECTION("Launch: the run starts")
    {
        d.click(d.dialogButton(dialog, QStringLiteral("Launch")));
        REQUIRE_EVENTUALLY(!dialog->property("visible").toBool());
        REQUIRE_EVENTUALLY(d.monitor->runs()->rowCount() == 1);
        REQUIRE_EVENTUALLY(d.tableCount() == 2 && d.stat("failed") == 2);
        CHECK(d.rowNamed(QStringLiteral("gate")) >= 0);
        CHECK(d.rowNamed(QStringLiteral("gated")) >= 0);
    }
    checkNoWarnings(d);
}

// Past runs and run scoping ---------------------------------------------------------

namespace {

// A past run as a json log: "main" still running when the log was written (so was
// "waiter"), "sleeper" done, and the loop stalled from the run's start for 600 ms.
const QByteArray kPastLog = R"({"format":"coroscope.log/1","set":"past","started_at":"2026-11-27T16:20:38.123Z","duration_ms":2000,
"tasks":[
{"id":1,"name":"main","op":"gather","parent":null,"origin":null,"loop":"main","state":"running","created_ms":0,"started_ms":0.1,"finished_ms":null,"result":null,"error":null,"cancel_reason":null,"callbacks":[]},
{"id":2,"name":"sleeper","op":"sleep","parent":1,"origin":null,"loop":"main","state":"done","created_ms":0.1,"started_ms":0.2,"finished_ms":1500,"result":42,"error":null,"cancel_reason":null,"callbacks":[]},
{"id":3,"name":"waiter","op":"sleep","parent":1,"origin":null,"loop":"main","state":"running","created_ms":0.2,"started_ms":0.3,"finished_ms":null,"result":null,"error":null,"cancel_reason":null,"callbacks":[]}
],
"events":[],
"loops":[{"name":"main","max_stall_ms":600,"stalls":[{"t_ms":0,"ms":600,"task":2}]}]}
)";

QString writeFile(const QTemporaryDir &dir, const QString &name, const QByteArray &data)
{
    const QString path = dir.filePath(name);
    QFile file(path);
    REQUIRE(file.open(QIODevice::WriteOnly));
    REQUIRE(file.write(data) == data.size());
    return path;
}

// Opens a log as the Open log dialog does (a FileDialog can't be driven headless).
void openLog(const Dashboard &d, const QString &path)
{
    const int runs = d.monitor->runs()->rowCount();
    REQUIRE(QMetaObject::invokeMethod(d.window, "openLog", Q_ARG(QUrl, QUrl::fromLocalFile(path))));
    REQUIRE_EVENTUALLY(d.monitor->runs()->rowCount() == runs + 1);
}

int scopeOf(const Dashboard &d)
{
    return d.monitor->property("scopeRunId").toInt();
}

QQuickItem *timeline(const Dashboard &d)
{
    return d.item(QStringLiteral("timeline"));
}

QStringList laneTitles(const Dashboard &d)
{
    QStringList titles;
    for (QQuickItem *label : d.visibleItems(QStringLiteral("timelineLaneLabel")))
        titles.append(textOf(label));
    return titles;
}

QStringList barLabels(const Dashboard &d)
{
    QStringList names;
    for (QQuickItem *label : d.visibleItems(QStringLiteral("timelineBarLabel")))
        names.append(textOf(label));
    return names;
}

// Waits until every task of every run has ended and the run list shows each run finished.
void waitAllEnded(const Dashboard &d, int tasks)
{
    REQUIRE_EVENTUALLY(d.stat("total") == tasks && d.stat("running") + d.stat("pending") == 0);
    const auto *runs = d.monitor->runs();
    REQUIRE_EVENTUALLY([&] {
        for (int row = 0; row < runs->rowCount(); ++row) {
            if (runs->data(runs->index(row), coroscope::monitor::RunListModel::RunningRole).toBool())
                return false;
        }
        return true;
    }());
}

} // namespace

TEST_CASE("an opened json log is a past run: marked as loaded, on its own clock, fitted, nothing of it live")
{
    Dashboard d;
    QTemporaryDir dir;
    REQUIRE(dir.isValid());
    // A live run first, finished: the past run must not land in its lanes or on its clock.
    d.launch(kSet);
    waitAllEnded(d, int(kSetTasks.size()));
    openLog(d, writeFile(dir, QStringLiteral("past.json"), kPastLog));

    // The run list marks it as read from its file.
    REQUIRE_EVENTUALLY(d.visibleItems(QStringLiteral("run_2")).size() == 1);
    QQuickItem *run = d.item(QStringLiteral("run_2"));
    QList<QQuickItem *> lines;
    collect(run, QStringLiteral("runLine"), lines);
    REQUIRE(lines.size() == 1);
    CHECK_EVENTUALLY(textOf(lines.front()).contains(QLatin1String("loaded from past.json")));

    // The views show it alone: its three tasks, its lane, its two seconds.
    CHECK(scopeOf(d) == 2);
    CHECK_EVENTUALLY(d.tableCount() == 3);
    CHECK_EVENTUALLY(laneTitles(d) == QStringList{QStringLiteral("#2 past \u00B7 main \u00B7 3 tasks \u00B7 1 stall")});
    QQuickItem *line = timeline(d);
    CHECK_EVENTUALLY(line->property("effectiveStartMs").toDouble() == 0.0
                     && line->property("effectiveEndMs").toDouble() == Approx(2000.0));
    CHECK_EVENTUALLY(d.visibleItems(QStringLiteral("timelineStallLabel")).size() == 1);

    // Two of its tasks were running when the log was written: none is live now.
    CHECK(d.stat("total") == 3);
    CHECK(d.stat("running") == 0);
    CHECK(d.stat("pending") == 0);
    CHECK(d.stat("done") == 1);
    CHECK_FALSE(d.monitor->property("live").toBool());

    // Back to all runs: still nothing running, the live run's tasks beside it.
    d.click(d.item(QStringLiteral("allRunsItem")));
    REQUIRE_EVENTUALLY(scopeOf(d) == 0);
    CHECK_EVENTUALLY(d.tableCount() == int(kSetTasks.size()) + 3);
    CHECK(d.stat("running") == 0);
    CHECK_EVENTUALLY(laneTitles(d).size() == 2);
    d.screenshot(QStringLiteral("past-run"));
    checkNoWarnings(d);
}

// A past run with two warnings (docs/spec/warnings.md): `hog` held the loop 600 ms,
// `lost` failed at the top level where nothing awaits it.
const QByteArray kWarnedLog = R"({"format":"coroscope.log/1","set":"warned","started_at":"2026-11-27T16:20:38.123Z","duration_ms":2000,
"tasks":[
{"id":1,"name":"main","op":"gather","parent":null,"origin":null,"loop":"main","state":"done","created_ms":0,"started_ms":0.1,"finished_ms":700,"result":[0.6],"error":null,"cancel_reason":null,"callbacks":[]},
{"id":2,"name":"hog","op":"block","parent":1,"origin":null,"loop":"main","state":"done","created_ms":0.1,"started_ms":0.2,"finished_ms":600.2,"result":0.6,"error":null,"cancel_reason":null,"callbacks":[]},
{"id":3,"name":"lost","op":"fail","parent":null,"origin":null,"loop":"main","state":"failed","created_ms":0.2,"started_ms":600.3,"finished_ms":600.4,"result":null,"error":"boom","cancel_reason":null,"callbacks":[]}
],
"events":[],
"loops":[{"name":"main","max_stall_ms":600,"stalls":[{"t_ms":0.2,"ms":600,"task":2}]}]}
)";

TEST_CASE("the status bar counts the warnings and opens their list, whose lines select their tasks")
{
    Dashboard d;
    QTemporaryDir dir;
    REQUIRE(dir.isValid());
    CHECK(d.visibleItems(QStringLiteral("warningsCount")).isEmpty()); // no warnings, no count
    openLog(d, writeFile(dir, QStringLiteral("warned.json"), kWarnedLog));

    QQuickItem *count = d.item(QStringLiteral("warningsCount"));
    CHECK_EVENTUALLY(textOf(count) == QStringLiteral("\u26A0 2 warnings"));
    CHECK(d.visibleItems(QStringLiteral("warningList")).isEmpty());
    d.click(count);

    // The list, with the thresholds in its header.
    QQuickItem *list = d.item(QStringLiteral("warningList"));
    REQUIRE_EVENTUALLY(list->property("count").toInt() == 2);
    CHECK(textOf(d.item(QStringLiteral("warningThresholds"))).contains(QStringLiteral("pending \u2265 1 s")));
    const auto lineOf = [&](const QString &task) -> QQuickItem * {
        for (QQuickItem *line : d.visibleItems(QStringLiteral("warning_0")) + d.visibleItems(QStringLiteral("warning_1"))) {
            if (line->property("task").toString() == task)
                return line;
        }
        return nullptr;
    };
    QQuickItem *lost = nullptr;
    REQUIRE_EVENTUALLY((lost = lineOf(QStringLiteral("lost"))) != nullptr);
    CHECK(lost->property("kind").toString() == QLatin1String("error-not-retrieved"));
    CHECK(lost->property("detail").toString().contains(QLatin1String("\"boom\", never retrieved: a top-level task")));
    QQuickItem *hog = lineOf(QStringLiteral("hog"));
    REQUIRE(hog);
    CHECK(hog->property("kind").toString() == QLatin1String("stall"));

    // A click on a line selects its task (the details pane shows it).
    const int runId = d.monitor->runs()->newestRunId();
    d.click(lost);
    CHECK_EVENTUALLY(d.window->property("selectedKey").toLongLong() == TaskStore::makeKey(runId, 3));
    d.click(hog);
    CHECK_EVENTUALLY(d.window->property("selectedKey").toLongLong() == TaskStore::makeKey(runId, 2));
    d.screenshot(QStringLiteral("warnings"));
    checkNoWarnings(d);
}

TEST_CASE("a past run's tasks offer no action, and the disabled actions say why")
{
    Dashboard d;
    QTemporaryDir dir;
    REQUIRE(dir.isValid());
    openLog(d, writeFile(dir, QStringLiteral("past.json"), kPastLog));
    qint64 key = -1;
    REQUIRE_EVENTUALLY((key = keyNamed(d, QStringLiteral("waiter"))) >= 0);
    d.selectTask(key);
    REQUIRE_EVENTUALLY(d.detailsField(QStringLiteral("state")) == QLatin1String("running"));

    for (const char *name : {"cancelAction", "cancelSubtreeAction", "addCallbackAction", "detailsCancel",
                             "detailsCancelSubtree", "detailsAddCallback", "detailsSpawnChild"}) {
        INFO("action " << name);
        QQuickItem *action = d.item(QString::fromLatin1(name));
        CHECK_EVENTUALLY(!action->property("active").toBool());
        CHECK(action->property("toolTip").toString().contains(QLatin1String("past run, read from past.json")));
    }
    // Hovering a disabled action shows why.
    QQuickItem *callback = d.item(QStringLiteral("addCallbackAction"));
    QTest::mouseMove(d.window, callback->mapToScene(QPointF(callback->width() / 2, callback->height() / 2)).toPoint());
    CHECK_EVENTUALLY(callback->property("toolTipShown").toBool());

    // Del (cancel) does nothing to it, and the monitor refuses a callback with the reason.
    QTest::keyClick(d.window, Qt::Key_Delete);
    CHECK(d.monitor->addCallback(key, QStringLiteral("log"), QStringLiteral("x")).join(QString()).contains(
        QLatin1String("past run")));
    CHECK(d.detailsField(QStringLiteral("state")) == QLatin1String("running"));
    checkNoWarnings(d);
}

TEST_CASE("a jsonl log opens, also one cut short by a crash; a trace is refused saying what it is")
{
    Dashboard d;
    QTemporaryDir dir;
    REQUIRE(dir.isValid());
    d.launch(kSet);
    waitAllEnded(d, int(kSetTasks.size()));
    const QString jsonl = dir.filePath(QStringLiteral("run.jsonl"));
    REQUIRE(d.monitor->exportLog(1, QUrl::fromLocalFile(jsonl)).isEmpty());
    QFile file(jsonl);
    REQUIRE(file.open(QIODevice::ReadOnly));
    const QByteArray whole = file.readAll();

    SECTION("the whole log: every task, in its final state, with its result")
    {
        openLog(d, jsonl);
        REQUIRE_EVENTUALLY(d.tableCount() == int(kSetTasks.size()));
        qint64 key = -1;
        REQUIRE_EVENTUALLY((key = keyNamed(d, QStringLiteral("two"))) >= 0);
        CHECK(TaskStore::runIdOfKey(key) == 2);
        d.selectTask(key);
        CHECK_EVENTUALLY(d.detailsField(QStringLiteral("state")) == QLatin1String("done"));
        CHECK(d.detailsField(QStringLiteral("result")) == QLatin1String("2"));
        CHECK(d.stat("done") + d.stat("failed") + d.stat("cancelled") == int(kSetTasks.size()));
    }
    SECTION("cut in the middle of a line: everything up to the last whole line")
    {
        // Up to the middle of the line that creates the third task.
        qsizetype cut = 0;
        for (int created = 0; created < 3;) {
            cut = whole.indexOf("\"type\":\"created\"", cut + 1);
            REQUIRE(cut > 0);
            ++created;
        }
        openLog(d, writeFile(dir, QStringLiteral("crashed.jsonl"), whole.left(cut)));
        CHECK_EVENTUALLY(d.tableCount() == 2);
        CHECK(d.stat("running") + d.stat("pending") == 0); // not live, whatever the log says
    }
    SECTION("a Chrome trace is refused with what it is")
    {
        const QString trace = dir.filePath(QStringLiteral("run.trace.json"));
        REQUIRE(d.monitor->exportLog(1, QUrl::fromLocalFile(trace)).isEmpty());
        const QString error = d.monitor->openLog(QUrl::fromLocalFile(trace));
        INFO(error.toStdString());
        CHECK(error.contains(QLatin1String("run.trace.json is a Chrome trace")));
        CHECK(d.monitor->runs()->rowCount() == 1);
    }
    checkNoWarnings(d);
}

TEST_CASE("selecting a run in the run list scopes the table, the counters and the timeline to it")
{
    Dashboard d;
    d.launch(kSet);
    d.launch(kSet);
    const int perRun = int(kSetTasks.size());
    waitAllEnded(d, 2 * perRun);
    CHECK_EVENTUALLY(laneTitles(d).size() == 2);

    d.click(d.item(QStringLiteral("run_2")));
    REQUIRE_EVENTUALLY(scopeOf(d) == 2);
    CHECK_EVENTUALLY(d.tableCount() == perRun);
    CHECK_EVENTUALLY(d.shownLabel() == QStringLiteral("%1 shown").arg(perRun));
    CHECK(d.stat("total") == perRun);
    for (int row = 0; row < d.tableCount(); ++row)
        CHECK(d.cell(row, "runId").toInt() == 2);
    CHECK_EVENTUALLY(laneTitles(d).size() == 1);
    CHECK(laneTitles(d).front().startsWith(QStringLiteral("#2 %1").arg(kSet)));
    // Its times start at its own start: the timeline ends with the run (about 4 s), the
    // first run's head start not added.
    const double runMs = d.monitor->nowMs();
    const auto *record = d.monitor->store().run(2);
    REQUIRE(record->endNs());
    CHECK(runMs == Approx(double(*record->endNs() - record->startNs()) / 1e6));

    d.click(d.item(QStringLiteral("allRunsItem")));
    REQUIRE_EVENTUALLY(scopeOf(d) == 0);
    CHECK_EVENTUALLY(d.tableCount() == 2 * perRun);
    CHECK(d.stat("total") == 2 * perRun);
    CHECK_EVENTUALLY(laneTitles(d).size() == 2);
    checkNoWarnings(d);
}

TEST_CASE("selecting a run in the run list scopes the tree to it too, and the run list shows what is scoped")
{
    Dashboard d;
    d.launch(kSet);
    d.launch(kSet);
    waitAllEnded(d, 2 * int(kSetTasks.size()));
    d.click(d.item(QStringLiteral("treeTab")));
    const coroscope::monitor::TaskTreeModel &tree = *d.monitor->tree();
    REQUIRE_EVENTUALLY(tree.isActive());
    const auto treeRuns = [&] {
        QSet<int> runs;
        for (int row = 0; row < tree.rowCount(); ++row)
            runs.insert(TaskStore::runIdOfKey(qint64(tree.index(row, 0).internalId())));
        return runs;
    };
    const QSet<int> both{1, 2};
    const QSet<int> first{1};
    const QSet<int> second{2};
    CHECK(treeRuns() == both);

    d.click(d.item(QStringLiteral("run_2")));
    REQUIRE_EVENTUALLY(d.monitor->scopeRunId() == 2);
    CHECK_EVENTUALLY(treeRuns() == second);
    // One owner: the run list highlights the monitor's scope, however it was set.
    CHECK(d.item(QStringLiteral("run_2"))->property("current").toBool());
    d.monitor->setScopeRunId(1);
    CHECK_EVENTUALLY(d.item(QStringLiteral("run_1"))->property("current").toBool());
    CHECK_FALSE(d.item(QStringLiteral("run_2"))->property("current").toBool());
    CHECK_EVENTUALLY(treeRuns() == first);

    d.click(d.item(QStringLiteral("allRunsItem")));
    REQUIRE_EVENTUALLY(d.monitor->scopeRunId() == 0);
    CHECK_EVENTUALLY(treeRuns() == both);
    checkNoWarnings(d);
}

TEST_CASE("with no run live the timeline stands still: the clock stops and nothing ticks")
{
    Dashboard d;
    d.launch(kSet);
    waitAllEnded(d, int(kSetTasks.size()));
    REQUIRE_EVENTUALLY(!d.monitor->property("live").toBool());
    QQuickItem *line = timeline(d);
    const double end = d.monitor->nowMs();
    QSignalSpy ticks(d.monitor, &TaskMonitor::ticked);
    QSignalSpy layouts(line, SIGNAL(layoutChanged()));
    QTest::qWait(300); // a build the last tick asked for may still come
    ticks.clear();
    layouts.clear();
    QTest::qWait(500); // some fifteen ticks of a live run's clock
    CHECK(ticks.count() == 0);
    CHECK(layouts.count() == 0);
    CHECK(d.monitor->nowMs() == end);
    CHECK(line->property("effectiveEndMs").toDouble() == Approx(end));
    checkNoWarnings(d);
}

TEST_CASE("bars carry their task's name, hovering one names its task, Fit shows the whole run")
{
    Dashboard d;
    QTemporaryDir dir;
    REQUIRE(dir.isValid());
    openLog(d, writeFile(dir, QStringLiteral("past.json"), kPastLog));
    QQuickItem *line = timeline(d);
    CHECK_EVENTUALLY(barLabels(d).contains(QStringLiteral("sleeper")));
    CHECK(barLabels(d).contains(QStringLiteral("main")));

    QQuickItem *label = nullptr;
    for (QQuickItem *l : d.visibleItems(QStringLiteral("timelineBarLabel"))) {
        if (textOf(l) == QLatin1String("waiter"))
            label = l;
    }
    REQUIRE(label);
    QObject *tip = d.object(QStringLiteral("timelineBarTip"));
    QTest::mouseMove(d.window, label->mapToScene(QPointF(label->width() / 2, label->height() / 2)).toPoint());
    CHECK_EVENTUALLY(tip->property("visible").toBool() && textOf(tip) == QLatin1String("waiter"));

    // Zoomed in on the first tenth: fewer names; Fit: the whole run again.
    line->setProperty("viewStartMs", 0.0);
    line->setProperty("viewEndMs", 200.0);
    CHECK_EVENTUALLY(line->property("effectiveEndMs").toDouble() == Approx(200.0));
    d.click(d.item(QStringLiteral("timelineFit")));
    CHECK_EVENTUALLY(line->property("effectiveEndMs").toDouble() == Approx(2000.0));
    CHECK(textOf(d.item(QStringLiteral("timelineFit"))) == QLatin1String("Fit")); // nothing live to follow
    checkNoWarnings(d);
}

TEST_CASE("a stall mark never covers its lane's title")
{
    Dashboard d;
    QTemporaryDir dir;
    REQUIRE(dir.isValid());
    openLog(d, writeFile(dir, QStringLiteral("past.json"), kPastLog)); // stalled from its start
    QQuickItem *title = nullptr;
    REQUIRE_EVENTUALLY(!d.visibleItems(QStringLiteral("timelineLaneLabel")).isEmpty()
                       && (title = d.visibleItems(QStringLiteral("timelineLaneLabel")).front()) != nullptr);
    REQUIRE_EVENTUALLY(d.visibleItems(QStringLiteral("timelineStallLabel")).size() == 1);
    const QColor stall = timeline(d)->property("stallColor").value<QColor>();
    const QImage image = d.window->grabWindow();
    const qreal dpr = image.devicePixelRatio();
    const QRectF rect = title->mapRectToScene(QRectF(0, 0, title->width(), title->height()));
    int stallPixels = 0;
    for (int y = int(rect.top() * dpr) + 2; y < int(rect.bottom() * dpr) - 2; ++y) {
        for (int x = int(rect.left() * dpr) + 2; x < int(rect.right() * dpr) - 2; ++x) {
            const QColor c = image.pixelColor(x, y);
            if (std::abs(c.red() - stall.red()) + std::abs(c.green() - stall.green()) + std::abs(c.blue() - stall.blue()) < 24)
                ++stallPixels;
        }
    }
    d.screenshot(QStringLiteral("stall-title"));
    CHECK(stallPixels == 0);
    checkNoWarnings(d);
}

namespace {
// The run list's Remove button of run `runId`.
QQuickItem *removeButton(const Dashboard &d, int runId)
{
    QQuickItem *run = d.item(QStringLiteral("run_%1").arg(runId));
    for (QQuickItem *i : descendants(run)) {
        if (i->objectName() == QLatin1String("runRemove"))
            return i;
    }
    FAIL("no Remove button on run " << runId);
    return nullptr;
}
} // namespace

TEST_CASE("removing a finished run from the run list takes its tasks out of every view; a live run cannot be")
{
    Dashboard d;
    d.launch(kSet);
    waitAllEnded(d, int(kSetTasks.size()));
    d.launch(kSet); // live for 4 s
    REQUIRE_EVENTUALLY(d.stat("total") == 2 * kSetTasks.size());
    REQUIRE_EVENTUALLY(d.tableCount() == 2 * kSetTasks.size());
    QQuickItem *timelineItem = timeline(d);
    REQUIRE_EVENTUALLY(timelineItem->property("barCount").toInt() == 2 * kSetTasks.size());

    // The live run's button is there but does nothing, and says why when hovered.
    QQuickItem *liveRemove = removeButton(d, 2);
    CHECK_FALSE(liveRemove->property("active").toBool());
    QTest::mouseMove(d.window, liveRemove->mapToScene(QPointF(liveRemove->width() / 2, liveRemove->height() / 2)).toPoint());
    CHECK_EVENTUALLY(liveRemove->property("toolTipShown").toBool());
    CHECK(liveRemove->property("toolTip").toString().contains(QStringLiteral("stop it first")));

    QQuickItem *finishedRemove = removeButton(d, 1);
    CHECK(finishedRemove->property("active").toBool());
    d.click(finishedRemove);
    REQUIRE_EVENTUALLY(d.monitor->runs()->rowCount() == 1);
    CHECK_EVENTUALLY(d.items(QStringLiteral("run_1")).isEmpty()); // its delegate goes at the next deferred delete
    CHECK_EVENTUALLY(d.tableCount() == kSetTasks.size());
    CHECK(d.stat("total") == kSetTasks.size());
    CHECK_EVENTUALLY(timelineItem->property("barCount").toInt() == kSetTasks.size());
    CHECK(d.monitor->store().rowCount() == kSetTasks.size());
    for (const qint64 key : d.shownKeys())
        CHECK(TaskStore::runIdOfKey(key) == 2);
    // The tree too: only run 2's top tasks.
    d.click(d.item(QStringLiteral("treeTab")));
    const coroscope::monitor::TaskTreeModel &tree = *d.monitor->tree();
    REQUIRE_EVENTUALLY(tree.isActive());
    REQUIRE(tree.rowCount() > 0);
    for (int row = 0; row < tree.rowCount(); ++row)
        CHECK(TaskStore::runIdOfKey(qint64(tree.index(row, 0).internalId())) == 2);
    d.screenshot(QStringLiteral("run-removed"));
    checkNoWarnings(d);
}

TEST_CASE("a large run on top of the runs already held asks first, saying what they hold")
{
    Dashboard d;
    // Thresholds of a million-task dashboard scaled down: a run "asks" when, with at
    // least 5 tasks of its own, it would bring the tasks held above 20.
    d.monitor->setConfirmThresholds(20, 5);
    QObject *dialog = d.object(QStringLiteral("launchConfirmDialog"));
    d.launch(kSet); // 10 tasks: no question
    d.launch(kSet); // 10 + 10: still none
    waitAllEnded(d, 2 * int(kSetTasks.size()));
    CHECK_FALSE(dialog->property("visible").toBool());

    // A third: 10 more on top of the 20 held.
    d.click(d.item(QStringLiteral("launchButton")));
    d.waitOpened(dialog);
    const QString held = textOf(d.item(QStringLiteral("launchConfirmHeld")));
    INFO(held.toStdString());
    CHECK(held.contains(QLatin1String("hold 20 tasks")));
    CHECK(d.monitor->runs()->rowCount() == 2); // nothing runs while the question is open
    d.click(d.dialogButton(dialog, QStringLiteral("Cancel")));
    REQUIRE_EVENTUALLY(!dialog->property("visible").toBool());
    CHECK(d.monitor->runs()->rowCount() == 2);
    checkNoWarnings(d);
}

TEST_CASE("every file dialog opens from the control a person clicks and does its job")
{
    Dashboard d;
    QTemporaryDir dir;
    REQUIRE(dir.isValid());

    SECTION("Open set in the tool bar and Open file in the launcher launch the chosen set file")
    {
        const QString path = dir.filePath(QStringLiteral("one-sleep.json"));
        {
            QFile file(path);
            REQUIRE(file.open(QIODevice::WriteOnly));
            file.write(R"({ "format": "coroscope.taskset/1", "name": "one-sleep",
  "tasks": [ { "op": "sleep", "name": "napper", "seconds": 0.1 } ] })");
        }
        d.click(d.item(QStringLiteral("openSetAction")));
        d.chooseFile(QStringLiteral("openSetDialog"), dir.path(), QStringLiteral("one-sleep.json"));
        REQUIRE_EVENTUALLY(d.monitor->runs()->rowCount() == 1);
        CHECK_EVENTUALLY(d.rowNamed(QStringLiteral("napper")) >= 0);

        d.click(d.item(QStringLiteral("openFileButton")));
        d.chooseFile(QStringLiteral("openSetDialog"), dir.path(), QStringLiteral("one-sleep.json"));
        REQUIRE_EVENTUALLY(d.monitor->runs()->rowCount() == 2);
    }
    SECTION("Export suggests <set>-<run>.json, writes it on Enter and says where it went; Open log shows it")
    {
        d.launch(kSet);
        REQUIRE_EVENTUALLY(d.tableCount() == kSetTasks.size());
        QObject *launcher = d.object(QStringLiteral("launcherPage"));
        REQUIRE_EVENTUALLY(launcher->property("exportRunId").toInt() == 1);

        d.click(d.item(QStringLiteral("exportAction")));
        QObject *dialog = d.object(QStringLiteral("exportDialog"));
        d.waitOpened(dialog);
        QQuickItem *name = d.item(QStringLiteral("exportFileName"));
        CHECK(textOf(name) == QStringLiteral("%1-1.json").arg(kSet));
        CHECK(showsText(dialog->property("footer").value<QQuickItem *>(), QStringLiteral("Save")));
        CHECK_FALSE(showsText(dialog->property("footer").value<QQuickItem *>(), QStringLiteral("Open")));

        // Browse opens Qt's folder dialog in the folder typed; choosing a folder there
        // fills the field.
        REQUIRE(QDir(dir.path()).mkdir(QStringLiteral("logs")));
        const QString logs = dir.filePath(QStringLiteral("logs"));
        d.type(d.item(QStringLiteral("exportFolder")), dir.path());
        d.click(d.item(QStringLiteral("exportBrowse")));
        QObject *folderDialog = d.object(QStringLiteral("exportFolderDialog"));
        REQUIRE_EVENTUALLY(folderDialog->property("visible").toBool());
        d.click(d.listedFile(QStringLiteral("folderDialogDelegate"), QStringLiteral("logs")));
        d.screenshot(QStringLiteral("export-folder-dialog"));
        d.click(d.overlayButton(QStringLiteral("Open")));
        REQUIRE_EVENTUALLY(!folderDialog->property("visible").toBool());
        CHECK_EVENTUALLY(textOf(d.item(QStringLiteral("exportFolder"))) == logs);

        // The name typed over the suggestion, then Enter.
        d.type(name, QStringLiteral("exported.json"));
        QTest::keyClick(d.window, Qt::Key_Return);
        REQUIRE_EVENTUALLY(!dialog->property("visible").toBool());
        const QString path = QDir(logs).filePath(QStringLiteral("exported.json"));
        REQUIRE_EVENTUALLY(QFile::exists(path));
        CHECK_EVENTUALLY(textOf(d.item(QStringLiteral("statusMessage"))).contains(path));

        d.click(d.item(QStringLiteral("openLogAction")));
        d.chooseFile(QStringLiteral("openLogDialog"), logs, QStringLiteral("exported.json"));
        REQUIRE_EVENTUALLY(d.monitor->runs()->rowCount() == 2); // the log, as a past run
    }
    checkNoWarnings(d);
}

TEST_CASE("a loop held by a blocking step shows in the status bar while it lasts: the task and a growing time")
{
    Dashboard d;
    const QSet<qint64> before = d.shownKeys();
    d.click(d.item(QStringLiteral("spawnAction")));
    QObject *dialog = d.object(QStringLiteral("spawnDialog"));
    d.waitOpened(dialog);
    d.click(d.item(QStringLiteral("spawnOp")));
    d.click(d.overlayButton(QStringLiteral("block")));
    REQUIRE_EVENTUALLY(d.item(QStringLiteral("spawnOp"))->property("currentText").toString() == QLatin1String("block"));
    d.type(d.item(QStringLiteral("spawnSeconds")), QStringLiteral("3"));
    d.accept(dialog);

    // The status bar's loop line while the step holds the loop: its time in seconds or ms.
    const QRegularExpression hung(QStringLiteral("^not responding for ([0-9.]+) (ms|s) \u00B7 held by (.+)$"));
    const auto heldFor = [&](QString *task) {
        for (QQuickItem *line : d.visibleItems(QStringLiteral("loopHealth"))) {
            const QRegularExpressionMatch m = hung.match(textOf(line));
            if (m.hasMatch()) {
                if (task)
                    *task = m.captured(3);
                return m.captured(1).toDouble() * (m.captured(2) == QLatin1String("s") ? 1000.0 : 1.0);
            }
        }
        return -1.0;
    };
    QString task;
    double first = -1;
    REQUIRE_EVENTUALLY((first = heldFor(&task)) >= 0);
    // The task is named as the table names it.
    qint64 key = -1;
    REQUIRE_EVENTUALLY([&] {
        for (qint64 k : d.shownKeys()) {
            if (!before.contains(k))
                key = k;
        }
        return key >= 0;
    }());
    CHECK(task == d.cell(d.monitor->tasks()->rowOfKey(key), "name").toString());
    CHECK_EVENTUALLY(rowState(d, key) == QLatin1String("running"));
    // The timeline's lane of that loop marks it too, as a stall that grows with it.
    const auto laneMark = [&] {
        const coroscope::monitor::TimelineSource &timeline = *d.monitor;
        for (int lane = 0; lane < timeline.laneCount(); ++lane) {
            const int n = timeline.stallCount(lane);
            if (n > 0 && timeline.stall(lane, n - 1).culprit == task)
                return timeline.stall(lane, n - 1).durationMs;
        }
        return -1.0;
    };
    double marked = -1;
    REQUIRE_EVENTUALLY((marked = laneMark()) >= 100);
    // It grows while the step lasts.
    CHECK_EVENTUALLY(heldFor(nullptr) >= first + 500);
    CHECK_EVENTUALLY(laneMark() >= marked + 500);
    d.screenshot(QStringLiteral("loop-not-responding"));
    // Once the step ends, the line reports the stall it was.
    REQUIRE_EVENTUALLY(rowState(d, key) == QLatin1String("done"));
    CHECK_EVENTUALLY(heldFor(nullptr) < 0);
    checkNoWarnings(d);
}

namespace {

// Writes a task-set file of one short sleep named `task` into `dir`; returns its path.
QString shortSetFile(const QTemporaryDir &dir, const QString &task)
{
    const QString path = dir.filePath(task + QStringLiteral(".json"));
    QFile file(path);
    REQUIRE(file.open(QIODevice::WriteOnly));
    file.write(QStringLiteral(R"({ "format": "coroscope.taskset/1", "name": "short",
  "tasks": [ { "op": "sleep", "name": "%1", "seconds": 0.1 } ] })").arg(task).toUtf8());
    return path;
}

// Whether the table shows the task's row in its viewport now, without scrolling it.
bool rowInView(const Dashboard &d, qint64 key)
{
    const int row = d.monitor->tasks()->rowOfKey(key);
    QQuickItem *view = d.table();
    QQuickItem *delegate = nullptr;
    QMetaObject::invokeMethod(view, "itemAtIndex", Q_RETURN_ARG(QQuickItem *, delegate), Q_ARG(int, row));
    if (row < 0 || !delegate || !delegate->isVisible())
        return false;
    const double top = view->property("contentY").toDouble();
    return delegate->y() >= top - 1 && delegate->y() + delegate->height() <= top + view->height() + 1;
}

qint64 parentOf(const Dashboard &d, qint64 key)
{
    const int row = d.monitor->store().rowOfKey(key);
    return row < 0 ? -2 : d.monitor->store().parentKey(row);
}

// Opens Spawn, keeps its defaults but a sleep of `seconds`, accepts; returns the new
// task's key, once the window has selected it.
qint64 spawnWithDefaults(const Dashboard &d, const QString &seconds)
{
    d.click(d.item(QStringLiteral("spawnAction")));
    QObject *dialog = d.object(QStringLiteral("spawnDialog"));
    d.waitOpened(dialog);
    d.type(d.item(QStringLiteral("spawnSeconds")), seconds);
    const qint64 before = d.window->property("selectedKey").toLongLong();
    d.accept(dialog);
    qint64 key = -1;
    REQUIRE_EVENTUALLY((key = d.window->property("selectedKey").toLongLong()) != before && key >= 0);
    return key;
}

} // namespace

TEST_CASE("Spawn makes a root task of the selected run or a child of a running task and shows the new task selected")
{
    Dashboard d;
    QTemporaryDir dir;
    REQUIRE(dir.isValid());

    SECTION("a finished run with a task spawned into it runs again, with its Stop button")
    {
        REQUIRE(QMetaObject::invokeMethod(d.window, "launchFile",
                                          Q_ARG(QUrl, QUrl::fromLocalFile(shortSetFile(dir, QStringLiteral("quick"))))));
        REQUIRE_EVENTUALLY(d.monitor->runs()->rowCount() == 1 && !d.monitor->store().isRunning(1));
        QQuickItem *run = d.item(QStringLiteral("run_1"));
        CHECK(d.visibleItems(QStringLiteral("runStop")).isEmpty());
        d.click(run); // the run is selected; no task is
        REQUIRE_EVENTUALLY(d.object(QStringLiteral("launcherPage"))->property("selectedRunId").toInt() == 1);

        d.click(d.item(QStringLiteral("spawnAction")));
        QObject *dialog = d.object(QStringLiteral("spawnDialog"));
        d.waitOpened(dialog);
        CHECK_FALSE(d.item(QStringLiteral("spawnAsChild"))->property("checked").toBool());
        CHECK(textOf(d.item(QStringLiteral("spawnWhere"))).contains(QLatin1String("#1 short")));
        d.type(d.item(QStringLiteral("spawnSeconds")), QStringLiteral("600"));
        d.accept(dialog);

        qint64 key = -1;
        REQUIRE_EVENTUALLY((key = d.window->property("selectedKey").toLongLong()) >= 0);
        CHECK(coroscope::monitor::TaskStore::runIdOfKey(key) == 1); // in the selected run, not the playground
        CHECK(d.monitor->runs()->rowCount() == 1);
        CHECK(parentOf(d, key) == -1);
        CHECK_EVENTUALLY(d.visibleItems(QStringLiteral("runStop")).size() == 1);
        CHECK_EVENTUALLY(rowInView(d, key));
    }
    SECTION("a child of the selected task only while it runs; the new task is selected and scrolled to")
    {
        d.launch(kSet);
        qint64 main = -1, one = -1;
        REQUIRE_EVENTUALLY((main = keyNamed(d, QStringLiteral("main"))) >= 0 && (one = keyNamed(d, QStringLiteral("one"))) >= 0);
        REQUIRE_EVENTUALLY(rowState(d, one) == QLatin1String("done"));
        REQUIRE(rowState(d, main) == QLatin1String("running"));

        // A done task takes no child: a root task of its run.
        d.selectTask(one);
        d.click(d.item(QStringLiteral("spawnAction")));
        QObject *dialog = d.object(QStringLiteral("spawnDialog"));
        d.waitOpened(dialog);
        QQuickItem *asChild = d.item(QStringLiteral("spawnAsChild"));
        CHECK_FALSE(asChild->property("checked").toBool());
        CHECK_FALSE(asChild->isEnabled());
        d.click(d.dialogButton(dialog, QStringLiteral("Cancel")));
        REQUIRE_EVENTUALLY(!dialog->property("visible").toBool());

        // A running one: its child by default.
        d.selectTask(main);
        const qint64 child = spawnWithDefaults(d, QStringLiteral("600"));
        CHECK(coroscope::monitor::TaskStore::runIdOfKey(child) == 1);
        CHECK_EVENTUALLY(parentOf(d, child) == main);
        CHECK_EVENTUALLY(rowInView(d, child));

        // The new task is the last of more rows than the table shows, the table at its
        // top: it is scrolled to.
        const QString many = dir.filePath(QStringLiteral("many.json"));
        {
            QFile file(many);
            REQUIRE(file.open(QIODevice::WriteOnly));
            file.write(R"({ "format": "coroscope.taskset/1", "name": "many",
  "tasks": [ { "op": "repeat", "name": "sleepers", "count": 100, "task": { "op": "sleep", "seconds": 600 } } ] })");
        }
        REQUIRE(QMetaObject::invokeMethod(d.window, "launchFile", Q_ARG(QUrl, QUrl::fromLocalFile(many))));
        REQUIRE_EVENTUALLY(d.tableCount() > 100);
        d.selectTask(d.monitor->tasks()->keyAt(0));
        REQUIRE_FALSE(rowInView(d, d.monitor->tasks()->keyAt(d.tableCount() - 1)));
        const qint64 last = spawnWithDefaults(d, QStringLiteral("600"));
        CHECK_EVENTUALLY(rowInView(d, last));
    }
    checkNoWarnings(d);
}

TEST_CASE("Cancel all is enabled only while a task is live")
{
    Dashboard d;
    QQuickItem *cancelAll = d.item(QStringLiteral("cancelAllAction"));
    CHECK_FALSE(cancelAll->property("active").toBool());
    const qint64 key = d.spawnSleep(QStringLiteral("600"), QStringLiteral("\"never\""));
    REQUIRE_EVENTUALLY(rowState(d, key) == QLatin1String("running"));
    CHECK_EVENTUALLY(cancelAll->property("active").toBool());
    d.click(cancelAll);
    REQUIRE_EVENTUALLY(rowState(d, key) == QLatin1String("cancelled"));
    CHECK_EVENTUALLY(!cancelAll->property("active").toBool());
    checkNoWarnings(d);
}

TEST_CASE("the Table/Tree switch highlights the view that is shown")
{
    Dashboard d;
    QQuickItem *table = d.item(QStringLiteral("tableTab"));
    QQuickItem *tree = d.item(QStringLiteral("treeTab"));
    CHECK(table->property("highlighted").toBool());
    CHECK_FALSE(tree->property("highlighted").toBool());
    d.click(tree);
    REQUIRE_EVENTUALLY(d.monitor->tree()->isActive());
    CHECK(tree->property("highlighted").toBool());
    CHECK_FALSE(table->property("highlighted").toBool());
    d.screenshot(QStringLiteral("tree-switch"));
    checkNoWarnings(d);
}

TEST_CASE("the launcher lists the sets in the tour's order and shows a cut-off description whole when hovered")
{
    Dashboard d;
    const QVariantList sets = d.monitor->builtinSets();
    REQUIRE(sets.size() >= 13);
    CHECK(sets.first().toMap().value(QStringLiteral("name")).toString() == QLatin1String("lifecycle"));
    CHECK(sets.last().toMap().value(QStringLiteral("name")).toString() == QLatin1String("million"));
    QQuickItem *list = d.item(QStringLiteral("builtinSetList"));
    QQuickItem *first = nullptr;
    QMetaObject::invokeMethod(list, "itemAtIndex", Q_RETURN_ARG(QQuickItem *, first), Q_ARG(int, 0));
    REQUIRE(first);
    CHECK(first->objectName() == QLatin1String("builtinSet_lifecycle"));

    // The first set whose description the launcher cuts off.
    QQuickItem *cut = nullptr;
    QString whole;
    for (int i = 0; i < sets.size() && !cut; ++i) {
        QMetaObject::invokeMethod(list, "positionViewAtIndex", Q_ARG(int, i), Q_ARG(int, kListViewContain));
        QQuickItem *delegate = d.item(QStringLiteral("builtinSet_") + sets[i].toMap().value(QStringLiteral("name")).toString());
        for (QQuickItem *label : descendants(delegate)) {
            if (label->objectName() == QLatin1String("setDescription") && label->property("truncated").toBool()) {
                cut = delegate;
                whole = sets[i].toMap().value(QStringLiteral("description")).toString();
            }
        }
    }
    REQUIRE(cut);
    QTest::mouseMove(d.window, cut->mapToScene(QPointF(cut->width() / 2, cut->height() / 2)).toPoint());
    CHECK_EVENTUALLY([&] {
        for (QQuickItem *i : descendants(d.window->contentItem())) {
            if (i->isVisible() && textOf(i) == whole && i->objectName() != QLatin1String("setDescription"))
                return true;
        }
        return false;
    }());
    d.screenshot(QStringLiteral("set-description-tooltip"));
    checkNoWarnings(d);
}

namespace {
// Whether the whole of `item` lies in the window (so a user can reach it).
bool inWindow(const Dashboard &d, const QQuickItem *item)
{
    const QRectF r = item->mapRectToScene(QRectF(0, 0, item->width(), item->height()));
    return item->isVisible() && r.width() > 0 && r.left() >= -0.5 && r.top() >= -0.5
        && r.right() <= d.window->width() + 0.5 && r.bottom() <= d.window->height() + 0.5;
}
} // namespace

TEST_CASE("at the default size the table shows Started, Duration and Result; at 1024x700 every control is in the window")
{
    Dashboard d;
    REQUIRE(d.window->width() == 1440); // Theme.windowWidth (the Xvfb screen is larger)
    QQuickItem *table = d.table();
    const qreal tableRight = table->mapToScene(QPointF(table->width(), 0)).x();
    for (const char *role : {"startedMs", "durationMs", "resultText"}) {
        INFO("column " << role);
        QQuickItem *header = d.item(QStringLiteral("sortHeader_") + QString::fromLatin1(role));
        // Its title shows whole in the table's width.
        CHECK(header->mapToScene(QPointF(header->implicitWidth(), 0)).x() <= tableRight);
    }

    d.window->resize(1024, 700);
    REQUIRE_EVENTUALLY(d.window->width() == 1024 && d.window->height() == 700);
    QStringList names{QStringLiteral("launchAction"), QStringLiteral("spawnAction"), QStringLiteral("cancelAction"),
                      QStringLiteral("cancelSubtreeAction"), QStringLiteral("addCallbackAction"),
                      QStringLiteral("recentButton"), QStringLiteral("detailsToggle"), QStringLiteral("tableTab"),
                      QStringLiteral("treeTab"), QStringLiteral("searchField"), QStringLiteral("allStatesButton"),
                      QStringLiteral("launchButton"), QStringLiteral("timelineFit"), QStringLiteral("counter_total")};
    for (const char *state : {"pending", "running", "done", "failed", "cancelled"})
        names << QStringLiteral("stateChip_") + QLatin1String(state) << QStringLiteral("counter_") + QLatin1String(state);
    for (const QString &name : names) {
        INFO("control " << name.toStdString());
        CHECK_EVENTUALLY(inWindow(d, d.item(name)));
    }
    d.screenshot(QStringLiteral("small-window"));

    // The table scrolls sideways to its last column.
    CHECK(table->property("contentWidth").toDouble() > table->width());
    // The details pane folds away, and the table takes its room.
    const qreal before = table->width();
    d.click(d.item(QStringLiteral("detailsToggle")));
    CHECK_EVENTUALLY(!d.item(QStringLiteral("tasksPage"))->window() || !d.items(QStringLiteral("detailsPage")).front()->isVisible());
    CHECK_EVENTUALLY(table->width() > before + 100);
    checkNoWarnings(d);
}

namespace {
// Whether the whole of `item` lies inside `pane` (drawn there, not under a neighbour).
bool inside(const QQuickItem *item, const QQuickItem *pane)
{
    const QRectF r = item->mapRectToScene(QRectF(0, 0, item->width(), item->height()));
    const QRectF p = pane->mapRectToScene(QRectF(0, 0, pane->width(), pane->height()));
    return item->isVisible() && r.width() > 0 && p.adjusted(-0.5, -0.5, 0.5, 0.5).contains(r);
}
} // namespace

TEST_CASE("at 1024x700 the table shows a useful number of rows and every timeline control is inside its pane")
{
    Dashboard d;
    d.window->resize(1024, 700);
    REQUIRE_EVENTUALLY(d.window->width() == 1024 && d.window->height() == 700);
    d.launch(kSet);
    REQUIRE_EVENTUALLY(d.tableCount() == kSetTasks.size());

    // Rows the table shows whole, top to bottom (it scrolls sideways).
    QQuickItem *table = d.table();
    const auto wholeRows = [&] {
        const QRectF view = table->mapRectToScene(QRectF(0, 0, table->width(), table->height()));
        int rows = 0;
        for (QQuickItem *row : d.visibleItems(QStringLiteral("taskRow"))) {
            const QRectF r = row->mapRectToScene(QRectF(0, 0, row->width(), row->height()));
            rows += r.top() >= view.top() - 0.5 && r.bottom() <= view.bottom() + 0.5 ? 1 : 0;
        }
        return rows;
    };
    CHECK_EVENTUALLY(wholeRows() >= 6);
    INFO("rows shown whole: " << wholeRows());

    QQuickItem *timelinePage = d.item(QStringLiteral("timelinePage"));
    for (const char *name : {"timelineFit", "timelineZoomIn", "timelineZoomOut"}) {
        INFO("control " << name);
        CHECK_EVENTUALLY(inside(d.item(QString::fromLatin1(name)), timelinePage));
    }
    QQuickItem *tasksPage = d.item(QStringLiteral("tasksPage"));
    for (const char *name : {"searchField", "allStatesButton", "counter_total", "counter_cancelled"}) {
        INFO("control " << name);
        CHECK_EVENTUALLY(inside(d.item(QString::fromLatin1(name)), tasksPage));
    }
    d.screenshot(QStringLiteral("small-window-rows"));
    checkNoWarnings(d);
}

TEST_CASE("typing in the search field of a big run never waits for the whole table: the filter comes in slices")
{
    Dashboard d;
    QTemporaryDir dir;
    REQUIRE(dir.isValid());
    constexpr int kTasks = 300000;
    const QString set = writeFile(dir, QStringLiteral("big.json"), QByteArray(R"({
  "format": "coroscope.taskset/1", "name": "big", "description": "many sleepers",
  "tasks": [ { "op": "repeat", "name": "s", "count": 300000, "task": { "op": "sleep", "seconds": 120 } } ]
})"));
    REQUIRE(QMetaObject::invokeMethod(d.window, "launchFile", Q_ARG(QUrl, QUrl::fromLocalFile(set))));
    REQUIRE(waitFor([&] { return d.tableCount() == kTasks + 1; }, 120000));

    QQuickItem *search = d.item(QStringLiteral("searchField"));
    d.click(search);
    REQUIRE_EVENTUALLY(search->hasActiveFocus());
    // "7]": the names s[...7], a tenth of them.
    QTest::keyClick(d.window, '7');
    // The key was handled without testing every name: rows are still coming.
    CHECK(d.monitor->tasks()->isSearching());
    CHECK(d.tableCount() < kTasks / 10);
    QTest::keyClick(d.window, ']');
    REQUIRE(waitFor([&] { return !d.monitor->tasks()->isSearching(); }, 60000));
    CHECK(d.tableCount() == kTasks / 10);
    checkNoWarnings(d);
}

TEST_CASE("the window's size, its split layout and the files opened come back in the next session")
{
    QSettings().clear();
    QTemporaryDir dir;
    REQUIRE(dir.isValid());
    const QString log = writeFile(dir, QStringLiteral("past.json"), kPastLog);
    {
        Dashboard d;
        d.window->resize(1100, 760);
        REQUIRE_EVENTUALLY(d.window->width() == 1100 && d.window->height() == 760);
        openLog(d, log);
        d.window->close(); // as the user closes it
    }
    {
        Dashboard d;
        CHECK_EVENTUALLY(d.window->width() == 1100 && d.window->height() == 760);
        CHECK(QSettings().contains(QStringLiteral("window/split0"))); // the split layout was kept
        // The log is in the Recent menu, and opens again from there.
        d.click(d.item(QStringLiteral("recentButton")));
        QQuickItem *entry = nullptr;
        REQUIRE_EVENTUALLY((entry = d.visibleItems(QStringLiteral("recentFile")).value(0)) != nullptr);
        CHECK(textOf(entry) == QLatin1String("Log: past.json"));
        d.click(entry);
        CHECK_EVENTUALLY(d.monitor->runs()->rowCount() == 1);
        checkNoWarnings(d);
    }
    QSettings().clear(); // the next tests start with the default layout
}

// Time travel (docs/spec/time-travel.md) ---------------------------------------------

namespace {

// A past run with its events: "main" gathers; "sleeper" sleeps 1 s and is done at
// 1000.5 ms; "late" is created at 500 ms and fails at 1500 ms, failing "main" too.
const QByteArray kTravelLog = R"({"format":"coroscope.log/1","set":"travel","started_at":"2026-11-27T16:20:38.123Z","duration_ms":2000,
"tasks":[
{"id":1,"name":"main","op":"gather","parent":null,"origin":null,"loop":"main","state":"failed","created_ms":0,"started_ms":0.1,"finished_ms":1500,"result":null,"error":"boom","cancel_reason":null,"callbacks":[]},
{"id":2,"name":"sleeper","op":"sleep","parent":1,"origin":null,"loop":"main","state":"done","created_ms":0.3,"started_ms":0.4,"finished_ms":1000.5,"result":42,"error":null,"cancel_reason":null,"callbacks":[]},
{"id":3,"name":"late","op":"fail","parent":1,"origin":null,"loop":"main","state":"failed","created_ms":500,"started_ms":500.1,"finished_ms":1500,"result":null,"error":"boom","cancel_reason":null,"callbacks":[]}
],
"events":[
{"t_ms":0,"task":1,"type":"created"},{"t_ms":0.1,"task":1,"type":"started"},
{"t_ms":0.2,"task":1,"type":"suspended","await":"gather 2"},
{"t_ms":0.3,"task":2,"type":"created"},{"t_ms":0.4,"task":2,"type":"started"},
{"t_ms":0.5,"task":2,"type":"suspended","await":"sleep 1s"},
{"t_ms":500,"task":3,"type":"created"},{"t_ms":500.1,"task":3,"type":"started"},
{"t_ms":1000.5,"task":2,"type":"resumed"},{"t_ms":1000.5,"task":2,"type":"done"},
{"t_ms":1500,"task":3,"type":"failed","error":"boom"},
{"t_ms":1500,"task":1,"type":"resumed"},{"t_ms":1500,"task":1,"type":"failed","error":"boom"}
],
"loops":[{"name":"main","max_stall_ms":0,"stalls":[]}]}
)";

// Presses on the time axis at `fromMs` and drags to `toMs`, as a user scrubs.
void scrubAxis(const Dashboard &d, double fromMs, double toMs)
{
    QQuickItem *axis = d.item(QStringLiteral("timelineAxis"));
    QQuickItem *line = timeline(d);
    const auto sceneAt = [&](double ms) {
        double x = 0;
        REQUIRE(QMetaObject::invokeMethod(line, "xForMs", Q_RETURN_ARG(double, x), Q_ARG(double, ms)));
        const QPointF scene = line->mapToScene(QPointF(x, 0));
        return QPoint(int(std::lround(scene.x())), int(std::lround(axis->mapToScene(QPointF(0, axis->height() / 2)).y())));
    };
    const QPoint from = sceneAt(fromMs);
    const QPoint to = sceneAt(toMs);
    QTest::mousePress(d.window, Qt::LeftButton, Qt::NoModifier, from);
    for (int step = 1; step <= 4; ++step)
        QTest::mouseMove(d.window, from + (to - from) * step / 4);
    QTest::mouseRelease(d.window, Qt::LeftButton, Qt::NoModifier, to);
}

double playheadMs(const Dashboard &d)
{
    return d.monitor->property("playheadMs").toDouble();
}

} // namespace

TEST_CASE("dragging the playhead shows the run as it was then; steps, jumps and Live move it")
{
    Dashboard d;
    QTemporaryDir dir;
    REQUIRE(dir.isValid());
    openLog(d, writeFile(dir, QStringLiteral("travel.json"), kTravelLog));
    REQUIRE_EVENTUALLY(scopeOf(d) == 1);
    REQUIRE_EVENTUALLY(d.tableCount() == 3 && d.stat("failed") == 2);
    CHECK(textOf(d.item(QStringLiteral("playheadTime"))).startsWith(QLatin1String("Live")));
    CHECK_FALSE(d.item(QStringLiteral("playheadLive"))->isEnabled());
    REQUIRE_EVENTUALLY(timeline(d)->property("effectiveEndMs").toDouble() == Approx(2000.0)); // fitted

    // Dragged on the axis to about 250 ms: "late" is not created yet, the others run.
    scrubAxis(d, 1800, 250);
    REQUIRE_EVENTUALLY(playheadMs(d) > 5 && playheadMs(d) < 495);
    CHECK_EVENTUALLY(d.tableCount() == 2);
    CHECK(d.rowNamed(QStringLiteral("late")) < 0);
    CHECK_EVENTUALLY(d.stat("running") == 2);
    CHECK(d.stat("total") == 2);
    CHECK(d.stat("failed") == 0);
    CHECK(d.item(QStringLiteral("playheadLine"))->isVisible());
    CHECK(textOf(d.item(QStringLiteral("playheadTime"))).startsWith(QLatin1String("At ")));

    // The selected task's details as of then: running, asleep.
    const qint64 sleeper = d.monitor->tasks()->keyAt(d.rowNamed(QStringLiteral("sleeper")));
    d.selectTask(sleeper);
    CHECK_EVENTUALLY(d.detailsField(QStringLiteral("state")) == QLatin1String("running"));
    CHECK_EVENTUALLY(d.detailsField(QStringLiteral("awaiting")) == QLatin1String("sleep 1s"));

    // Its next event: done at 1000.5 ms (resumed at the same time).
    d.click(d.item(QStringLiteral("playheadNext")));
    REQUIRE_EVENTUALLY(playheadMs(d) == Approx(1000.5));
    CHECK_EVENTUALLY(d.detailsField(QStringLiteral("state")) == QLatin1String("done"));
    CHECK_EVENTUALLY(d.stat("done") == 1 && d.stat("running") == 2);

    // Its previous event: asleep since 0.5 ms.
    d.click(d.item(QStringLiteral("playheadPrev")));
    REQUIRE_EVENTUALLY(playheadMs(d) == Approx(0.5));
    CHECK_EVENTUALLY(d.detailsField(QStringLiteral("awaiting")) == QLatin1String("sleep 1s"));

    // The first failure: both failed tasks ended then.
    d.click(d.item(QStringLiteral("playheadFirstFailure")));
    REQUIRE_EVENTUALLY(playheadMs(d) == Approx(1500));
    CHECK_EVENTUALLY(d.stat("failed") == 2 && d.tableCount() == 3);

    // Dragging the line itself, back to 700 ms: "late" runs, "sleeper" still sleeps.
    QQuickItem *line = d.item(QStringLiteral("playheadLine"));
    const QPoint grab = line->mapToScene(QPointF(line->width() / 2, line->height() / 2)).toPoint();
    double x700 = 0;
    REQUIRE(QMetaObject::invokeMethod(timeline(d), "xForMs", Q_RETURN_ARG(double, x700), Q_ARG(double, 700.0)));
    const QPoint to(int(std::lround(timeline(d)->mapToScene(QPointF(x700, 0)).x())), grab.y());
    QTest::mousePress(d.window, Qt::LeftButton, Qt::NoModifier, grab);
    for (int step = 1; step <= 6; ++step)
        QTest::mouseMove(d.window, grab + (to - grab) * step / 6);
    QTest::mouseRelease(d.window, Qt::LeftButton, Qt::NoModifier, to);
    REQUIRE_EVENTUALLY(playheadMs(d) > 505 && playheadMs(d) < 995);
    CHECK_EVENTUALLY(d.stat("running") == 3 && d.stat("failed") == 0 && d.tableCount() == 3);
    d.screenshot(QStringLiteral("playhead"));

    // Live: the run as it ended.
    d.click(d.item(QStringLiteral("playheadLive")));
    REQUIRE_EVENTUALLY(playheadMs(d) < 0);
    CHECK_EVENTUALLY(d.stat("failed") == 2 && d.stat("done") == 1 && d.tableCount() == 3);
    CHECK_EVENTUALLY(d.detailsField(QStringLiteral("state")) == QLatin1String("done"));
    checkNoWarnings(d);
}

TEST_CASE("playing from the playhead moves it forward until the run's last event")
{
    Dashboard d;
    QTemporaryDir dir;
    REQUIRE(dir.isValid());
    openLog(d, writeFile(dir, QStringLiteral("travel.json"), kTravelLog));
    REQUIRE_EVENTUALLY(scopeOf(d) == 1);
    // 10x: the run's 1.5 s of events play in 0.15 s.
    QQuickItem *speed = d.item(QStringLiteral("playheadSpeed"));
    const int tenfold = speed->property("count").toInt() - 1;
    REQUIRE(QMetaObject::invokeMethod(speed, "activated", Q_ARG(int, tenfold)));
    speed->setProperty("currentIndex", tenfold);
    d.click(d.item(QStringLiteral("playheadPlay")));
    REQUIRE_EVENTUALLY(playheadMs(d) >= 0);
    REQUIRE_EVENTUALLY(playheadMs(d) == Approx(1500));
    CHECK_FALSE(d.object(QStringLiteral("playheadPlayer"))->property("running").toBool());
    CHECK(d.stat("failed") == 2);
    checkNoWarnings(d);
}

// Comparing two runs (docs/spec/diff.md) ------------------------------------------

namespace {

// Two runs of one set: in B the second fetch failed, slow finished 120 ms later and
// extra is new; main and the first fetch are the same.
const QByteArray kShopLogA = R"({"format":"coroscope.log/1","set":"shop","started_at":"2026-12-07T10:00:00.000Z","duration_ms":300,
"tasks":[
{"id":1,"name":"main","op":"gather","parent":null,"origin":null,"loop":"main","state":"done","created_ms":0,"started_ms":0.1,"finished_ms":300,"result":[1,2],"error":null,"cancel_reason":null,"callbacks":[]},
{"id":2,"name":"fetch","op":"sleep","parent":1,"origin":null,"loop":"main","state":"done","created_ms":0.1,"started_ms":0.2,"finished_ms":100,"result":1,"error":null,"cancel_reason":null,"callbacks":[]},
{"id":3,"name":"fetch","op":"sleep","parent":1,"origin":null,"loop":"main","state":"done","created_ms":0.1,"started_ms":0.2,"finished_ms":200,"result":2,"error":null,"cancel_reason":null,"callbacks":[]},
{"id":4,"name":"slow","op":"sleep","parent":1,"origin":null,"loop":"main","state":"cancelled","created_ms":0.1,"started_ms":0.2,"finished_ms":300,"result":null,"error":null,"cancel_reason":"parent","callbacks":[]}
],
"events":[],
"loops":[{"name":"main","max_stall_ms":0,"stalls":[]}]}
)";
const QByteArray kShopLogB = R"({"format":"coroscope.log/1","set":"shop","started_at":"2026-12-07T10:05:00.000Z","duration_ms":420,
"tasks":[
{"id":1,"name":"main","op":"gather","parent":null,"origin":null,"loop":"main","state":"done","created_ms":0,"started_ms":0.1,"finished_ms":300,"result":[1,2],"error":null,"cancel_reason":null,"callbacks":[]},
{"id":2,"name":"fetch","op":"sleep","parent":1,"origin":null,"loop":"main","state":"done","created_ms":0.1,"started_ms":0.2,"finished_ms":100,"result":1,"error":null,"cancel_reason":null,"callbacks":[]},
{"id":3,"name":"fetch","op":"fail","parent":1,"origin":null,"loop":"main","state":"failed","created_ms":0.1,"started_ms":0.2,"finished_ms":200,"result":null,"error":"boom","cancel_reason":null,"callbacks":[]},
{"id":4,"name":"slow","op":"sleep","parent":1,"origin":null,"loop":"main","state":"cancelled","created_ms":0.1,"started_ms":0.2,"finished_ms":420,"result":null,"error":null,"cancel_reason":"parent","callbacks":[]},
{"id":5,"name":"extra","op":"sleep","parent":1,"origin":null,"loop":"main","state":"done","created_ms":0.1,"started_ms":0.2,"finished_ms":50,"result":null,"error":null,"cancel_reason":null,"callbacks":[]}
],
"events":[],
"loops":[{"name":"main","max_stall_ms":0,"stalls":[]}]}
)";

coroscope::monitor::RunComparison *comparisonOf(const Dashboard &d)
{
    auto *c = qobject_cast<coroscope::monitor::RunComparison *>(d.object(QStringLiteral("runComparison")));
    REQUIRE(c);
    return c;
}

// The differences the Compare view lists, as "path: what" lines.
QStringList listedDifferences(const Dashboard &d)
{
    QQuickItem *list = d.item(QStringLiteral("differenceList"));
    QStringList lines;
    for (int row = 0; row < list->property("count").toInt(); ++row) {
        QMetaObject::invokeMethod(list, "positionViewAtIndex", Q_ARG(int, row), Q_ARG(int, kListViewContain));
        QQuickItem *line = nullptr;
        QMetaObject::invokeMethod(list, "itemAtIndex", Q_RETURN_ARG(QQuickItem *, line), Q_ARG(int, row));
        REQUIRE(line);
        QList<QQuickItem *> path;
        QList<QQuickItem *> what;
        collect(line, QStringLiteral("differencePath"), path);
        collect(line, QStringLiteral("differenceWhat"), what);
        REQUIRE((path.size() == 1 && what.size() == 1));
        lines << textOf(path.front()) + QStringLiteral(": ") + textOf(what.front());
    }
    return lines;
}

// The run-local ids of the tasks a side's timeline frames (mark 1) and selects (mark 2).
std::vector<int> marksOf(const coroscope::monitor::ComparedRun &side)
{
    std::vector<int> marks;
    for (int i = 0; i < side.barCount(); ++i)
        marks.push_back(side.bar(i).mark);
    return marks;
}

// Picks run `runId` in the Compare view's A or B list, as a user does.
void chooseRun(const Dashboard &d, const QString &letter, int runId)
{
    QQuickItem *choice = d.item(QStringLiteral("compareRun") + letter);
    d.click(choice);
    REQUIRE_EVENTUALLY(choice->property("popup").value<QObject *>()->property("opened").toBool());
    d.click(d.item(QStringLiteral("compareChoice%1_%2").arg(letter).arg(runId)));
    REQUIRE_EVENTUALLY(!choice->property("popup").value<QObject *>()->property("visible").toBool());
}

} // namespace

TEST_CASE("comparing two opened logs lists what changed, marks those tasks in both aligned timelines; a click selects one")
{
    Dashboard d;
    QTemporaryDir dir;
    REQUIRE(dir.isValid());
    openLog(d, writeFile(dir, QStringLiteral("shop-a.json"), kShopLogA));
    openLog(d, writeFile(dir, QStringLiteral("shop-b.json"), kShopLogB));
    // Run A is the one selected in the run list; B is the newest other one.
    d.click(d.item(QStringLiteral("run_1")));
    REQUIRE_EVENTUALLY(scopeOf(d) == 1);
    d.click(d.item(QStringLiteral("compareAction")));
    QObject *dialog = d.object(QStringLiteral("compareDialog"));
    d.waitOpened(dialog);
    auto *comparison = comparisonOf(d);
    CHECK(comparison->runA() == 1);
    CHECK(comparison->runB() == 2);

    CHECK_EVENTUALLY(textOf(d.item(QStringLiteral("compareSummary"))) == QStringLiteral("3 differences"));
    CHECK(listedDifferences(d)
          == QStringList{QStringLiteral("main / fetch #2: state: done -> failed; result: 2 -> null; error: none -> \"boom\""),
                         QStringLiteral("main / slow: finished +120.0 ms"), QStringLiteral("main / extra: only in B")});
    // Framed: fetch #2 and slow in A; those and extra in B.
    CHECK(marksOf(*comparison->sideA()) == std::vector<int>{0, 0, 1, 1});
    CHECK(marksOf(*comparison->sideB()) == std::vector<int>{0, 0, 1, 1, 1});

    // Both timelines draw their run on one axis: the longer run whole, from each start.
    QQuickItem *lineA = d.item(QStringLiteral("compareTimelineA"));
    QQuickItem *lineB = d.item(QStringLiteral("compareTimelineB"));
    CHECK_EVENTUALLY(lineA->property("barCount").toInt() == 4);
    CHECK_EVENTUALLY(lineB->property("barCount").toInt() == 5);
    CHECK_EVENTUALLY(lineA->property("effectiveEndMs").toDouble() == Approx(420));
    CHECK(lineB->property("effectiveEndMs").toDouble() == Approx(420));
    // Zooming zooms both.
    d.click(d.item(QStringLiteral("compareZoomIn")));
    REQUIRE_EVENTUALLY(lineA->property("effectiveEndMs").toDouble() < 420);
    CHECK(lineB->property("effectiveStartMs").toDouble() == Approx(lineA->property("effectiveStartMs").toDouble()));
    CHECK(lineB->property("effectiveEndMs").toDouble() == Approx(lineA->property("effectiveEndMs").toDouble()));
    d.click(d.item(QStringLiteral("compareFit")));
    REQUIRE_EVENTUALLY(lineA->property("effectiveEndMs").toDouble() == Approx(420));

    // A click on a difference selects its task in both timelines and in the window.
    d.click(d.item(QStringLiteral("difference_1")));
    REQUIRE_EVENTUALLY(comparison->selectedRow() == 1);
    CHECK(marksOf(*comparison->sideA()) == std::vector<int>{0, 0, 1, 2});
    CHECK(marksOf(*comparison->sideB()) == std::vector<int>{0, 0, 1, 2, 1});
    CHECK(d.window->property("selectedKey").toLongLong() == TaskStore::makeKey(1, 4));
    d.screenshot(QStringLiteral("diff-view"));

    // A wider tolerance forgives slow's 120 ms.
    QQuickItem *tolerance = d.item(QStringLiteral("compareTolerance"));
    CHECK(tolerance->property("value").toInt() == 60);
    tolerance->forceActiveFocus();
    QTest::keyClick(d.window, Qt::Key_A, Qt::ControlModifier);
    for (const char c : {'2', '0', '0'})
        QTest::keyClick(d.window, c);
    QTest::keyClick(d.window, Qt::Key_Return);
    REQUIRE_EVENTUALLY(comparison->toleranceMs() == 200);
    CHECK_EVENTUALLY(textOf(d.item(QStringLiteral("compareSummary"))) == QStringLiteral("2 differences"));
    CHECK(marksOf(*comparison->sideA()) == std::vector<int>{0, 0, 1, 0});

    // Run A against itself: the runs agree, nothing is framed.
    chooseRun(d, QStringLiteral("B"), 1);
    CHECK_EVENTUALLY(textOf(d.item(QStringLiteral("compareSummary"))) == QStringLiteral("The runs agree"));
    CHECK(d.item(QStringLiteral("differenceList"))->property("count").toInt() == 0);
    CHECK(marksOf(*comparison->sideB()) == std::vector<int>{0, 0, 0, 0});
    checkNoWarnings(d);
}

TEST_CASE("a launched run, once it has ended, compared with itself agrees")
{
    Dashboard d;
    d.launch(kSet);
    waitAllEnded(d, int(kSetTasks.size()));
    d.click(d.item(QStringLiteral("compareAction")));
    d.waitOpened(d.object(QStringLiteral("compareDialog")));
    auto *comparison = comparisonOf(d);
    // One run: nothing to compare it with yet.
    CHECK(comparison->runA() == 1);
    CHECK_FALSE(comparison->isCompared());
    chooseRun(d, QStringLiteral("B"), 1);
    CHECK_EVENTUALLY(textOf(d.item(QStringLiteral("compareSummary"))) == QStringLiteral("The runs agree"));
    CHECK(comparison->summary().startsWith(QStringLiteral("the runs agree: %1 tasks").arg(kSetTasks.size())));
    CHECK(d.item(QStringLiteral("compareTimelineA"))->property("barCount").toInt() == int(kSetTasks.size()));
    checkNoWarnings(d);
}

TEST_CASE("at 1024x700 the Compare view shows every control, both timelines and the differences in the window")
{
    Dashboard d;
    d.window->resize(1024, 700);
    REQUIRE_EVENTUALLY(d.window->width() == 1024 && d.window->height() == 700);
    QTemporaryDir dir;
    REQUIRE(dir.isValid());
    openLog(d, writeFile(dir, QStringLiteral("shop-a.json"), kShopLogA));
    openLog(d, writeFile(dir, QStringLiteral("shop-b.json"), kShopLogB));
    d.click(d.item(QStringLiteral("compareAction")));
    d.waitOpened(d.object(QStringLiteral("compareDialog")));
    REQUIRE_EVENTUALLY(textOf(d.item(QStringLiteral("compareSummary"))) == QStringLiteral("3 differences"));
    for (const char *name : {"compareRunA", "compareRunB", "compareTolerance", "compareSummary", "compareZoomOut",
                             "compareZoomIn", "compareFit", "compareAxis", "compareTimelineA", "compareTimelineB",
                             "difference_0", "difference_1", "difference_2"}) {
        INFO("control " << name);
        CHECK_EVENTUALLY(inWindow(d, d.item(QString::fromLatin1(name))));
    }
    // The opened log is the selected run, so A; every task of both runs has a row of
    // its own, none folded into density, and carries its name.
    CHECK(comparisonOf(d)->runA() == 2);
    QQuickItem *lineA = d.item(QStringLiteral("compareTimelineA"));
    CHECK_EVENTUALLY(lineA->property("barCount").toInt() == 5);
    CHECK_FALSE(lineA->property("aggregated").toBool());
    CHECK_FALSE(d.item(QStringLiteral("compareTimelineB"))->property("aggregated").toBool());
    CHECK_EVENTUALLY(qobject_cast<QAbstractItemModel *>(lineA->property("barLabels").value<QObject *>())->rowCount() == 5);
    d.screenshot(QStringLiteral("diff-view-small"));
    checkNoWarnings(d);
}

// Histograms (docs/spec/histograms.md) ------------------------------------------------

namespace {

// A past run whose steps hold the loop from 3 µs to 120 ms: "main" 50 µs then 20 µs,
// "quick" 5 µs then 3 µs, "slow-step" 120 ms, "mid" 2 ms then 500 µs.
const QByteArray kStepsLog = R"({"format":"coroscope.log/1","set":"steps","started_at":"2026-11-27T16:20:38.123Z","duration_ms":300.02,
"tasks":[
{"id":1,"name":"main","op":"gather","parent":null,"origin":null,"loop":"main","state":"done","created_ms":0,"started_ms":0,"finished_ms":300.02,"result":null,"error":null,"cancel_reason":null,"callbacks":[]},
{"id":2,"name":"quick","op":"sleep","parent":1,"origin":null,"loop":"main","state":"done","created_ms":0.01,"started_ms":0.02,"finished_ms":100.003,"result":null,"error":null,"cancel_reason":null,"callbacks":[]},
{"id":3,"name":"slow-step","op":"block","parent":1,"origin":null,"loop":"main","state":"done","created_ms":0.02,"started_ms":10,"finished_ms":130,"result":null,"error":null,"cancel_reason":null,"callbacks":[]},
{"id":4,"name":"mid","op":"sleep","parent":1,"origin":null,"loop":"main","state":"done","created_ms":0.03,"started_ms":20,"finished_ms":200.5,"result":null,"error":null,"cancel_reason":null,"callbacks":[]}
],
"events":[
{"t_ms":0,"task":1,"type":"created"},{"t_ms":0,"task":1,"type":"started"},
{"t_ms":0.01,"task":2,"type":"created"},{"t_ms":0.02,"task":2,"type":"started"},{"t_ms":0.02,"task":3,"type":"created"},
{"t_ms":0.025,"task":2,"type":"suspended","await":"sleep 100ms"},{"t_ms":0.03,"task":4,"type":"created"},
{"t_ms":0.05,"task":1,"type":"suspended","await":"gather 3"},
{"t_ms":10,"task":3,"type":"started"},{"t_ms":20,"task":4,"type":"started"},{"t_ms":22,"task":4,"type":"suspended","await":"sleep 178ms"},
{"t_ms":100,"task":2,"type":"resumed"},{"t_ms":100.003,"task":2,"type":"done"},
{"t_ms":130,"task":3,"type":"done"},
{"t_ms":200,"task":4,"type":"resumed"},{"t_ms":200.5,"task":4,"type":"done"},
{"t_ms":300,"task":1,"type":"resumed"},{"t_ms":300.02,"task":1,"type":"done"}
],
"loops":[{"name":"main","max_stall_ms":120,"stalls":[]}]}
)";

// The bucket of a time in ns, counted plainly: 1, 2, 5 times each power of ten from 1 µs.
int plainBucketOf(std::int64_t ns)
{
    int bucket = 0;
    for (std::int64_t decade = 1'000; bucket < 27; decade *= 10) {
        for (std::int64_t m : {1, 2, 5}) {
            if (bucket < 27 && ns >= decade * m)
                ++bucket;
        }
        if (ns < decade * 10)
            break;
    }
    return bucket;
}

// Presses on bucket `from` of a histogram and drags to bucket `to`, as a user selects.
void dragHistogram(const Dashboard &d, const QString &key, int from, int to)
{
    const auto centre = [&](int bucket) {
        QQuickItem *slot = d.item(QStringLiteral("histogramBucket_%1_%2").arg(key).arg(bucket));
        return slot->mapToScene(QPointF(slot->width() / 2, slot->height() / 2)).toPoint();
    };
    // A view just shown may still be laid out: press only where the bars have settled.
    QPoint a, b;
    REQUIRE(waitFor([&] {
        const QPoint before[] = {centre(from), centre(to)};
        QTest::qWait(50);
        a = centre(from);
        b = centre(to);
        return a == before[0] && b == before[1];
    }));
    QTest::mouseMove(d.window, a);
    QTest::mousePress(d.window, Qt::LeftButton, Qt::NoModifier, a);
    for (int step = 1; step <= 4; ++step)
        QTest::mouseMove(d.window, a + (b - a) * step / 4);
    QTest::mouseRelease(d.window, Qt::LeftButton, Qt::NoModifier, b);
}

} // namespace

TEST_CASE("dragging across a live run's duration histogram shows exactly the tasks in that range; Clear shows all again")
{
    Dashboard d;
    // CPU work on the pool and inline on the loop: steps from µs to a stall's 100s of ms.
    d.launch(QStringLiteral("cpu-vs-io"));
    const auto *runs = d.monitor->runs();
    REQUIRE_EVENTUALLY(!runs->data(runs->index(0), coroscope::monitor::RunListModel::RunningRole).toBool());
    waitAllEnded(d, int(d.stat("total")));
    const int all = d.tableCount();
    // Every task's duration bucket, from the table's Duration (ms of whole ns: exact).
    QMap<qint64, int> bucketOf;
    for (int row = 0; row < all; ++row) {
        const QVariant ms = d.cell(row, "durationMs");
        if (ms.isValid() && d.cell(row, "state").toString() != QLatin1String("pending"))
            bucketOf.insert(d.monitor->tasks()->keyAt(row), plainBucketOf(std::llround(ms.toDouble() * 1e6)));
    }
    REQUIRE(bucketOf.size() >= 2);
    QList<int> buckets = bucketOf.values();
    std::sort(buckets.begin(), buckets.end());
    // From the shortest bucket up to the one below the longest: some tasks, not all.
    const int first = buckets.front();
    const int last = std::max(first, buckets.back() - 1);
    QSet<qint64> expected;
    for (auto it = bucketOf.cbegin(); it != bucketOf.cend(); ++it) {
        if (it.value() >= first && it.value() <= last)
            expected.insert(it.key());
    }
    REQUIRE(!expected.isEmpty());
    REQUIRE(expected.size() < all);

    d.click(d.item(QStringLiteral("histogramsTab")));
    REQUIRE_EVENTUALLY(textOf(d.item(QStringLiteral("histogramTitle_duration")))
                       == QStringLiteral("%1 tasks").arg(bucketOf.size()));
    dragHistogram(d, QStringLiteral("duration"), first, last);
    REQUIRE_EVENTUALLY(d.monitor->histograms()->selectedMeasure() == 0);
    CHECK(d.monitor->histograms()->selectedFirst() == first);
    CHECK(d.monitor->histograms()->selectedLast() == last);
    REQUIRE_EVENTUALLY(d.tableCount() == expected.size());
    CHECK(d.shownKeys() == expected);
    CHECK(textOf(d.item(QStringLiteral("histogramSelection"))).startsWith(QStringLiteral("Table: duration")));
    d.screenshot(QStringLiteral("histograms"));
    // On a small screen every control of the view, and the table's chip, stay in the window.
    d.window->resize(1024, 700);
    REQUIRE_EVENTUALLY(d.window->width() == 1024 && d.window->height() == 700);
    for (const char *name : {"histogramsTab", "histogramOp", "histogramState", "histogramClear", "histogram_duration",
                             "histogram_wait", "histogram_step", "rangeFilterChip", "taskTable"}) {
        INFO("control " << name);
        CHECK_EVENTUALLY(inWindow(d, d.item(QString::fromLatin1(name))));
    }
    // And the table under the histograms still shows some of its rows whole.
    const auto wholeRows = [&] {
        const QRectF view = d.table()->mapRectToScene(QRectF(0, 0, d.table()->width(), d.table()->height()));
        int rows = 0;
        for (QQuickItem *row : d.visibleItems(QStringLiteral("taskRow"))) {
            const QRectF r = row->mapRectToScene(QRectF(0, 0, row->width(), row->height()));
            rows += r.top() >= view.top() - 0.5 && r.bottom() <= view.bottom() + 0.5 ? 1 : 0;
        }
        return rows;
    };
    CHECK_EVENTUALLY(wholeRows() >= 4);
    d.screenshot(QStringLiteral("histograms-1024x700"));

    // The table's own view says it is filtered, and the chip there clears it too.
    d.click(d.item(QStringLiteral("tableTab")));
    d.click(d.item(QStringLiteral("rangeFilterChip")));
    REQUIRE_EVENTUALLY(d.tableCount() == all);
    CHECK(d.visibleItems(QStringLiteral("rangeFilterChip")).isEmpty());

    d.click(d.item(QStringLiteral("histogramsTab")));
    dragHistogram(d, QStringLiteral("duration"), first, last);
    REQUIRE_EVENTUALLY(d.tableCount() == expected.size());
    d.click(d.item(QStringLiteral("histogramClear")));
    REQUIRE_EVENTUALLY(d.tableCount() == all);
    checkNoWarnings(d);
}

TEST_CASE("with one run of an opened log scoped, a step range shows that run's tasks with a step in it")
{
    Dashboard d;
    QTemporaryDir dir;
    REQUIRE(dir.isValid());
    const QString path = writeFile(dir, QStringLiteral("steps.json"), kStepsLog);
    openLog(d, path);
    openLog(d, path);
    d.monitor->setScopeRunId(2);
    REQUIRE_EVENTUALLY(scopeOf(d) == 2 && d.tableCount() == 4);
    d.click(d.item(QStringLiteral("histogramsTab")));
    // One run's 7 steps, not both runs' 14.
    REQUIRE_EVENTUALLY(textOf(d.item(QStringLiteral("histogramTitle_step")))== QLatin1String("7 steps"));
    // 1 ms up to 200 ms: "mid" (2 ms) and "slow-step" (120 ms); not "main" (50 µs,
    // 20 µs) nor "quick" (5 µs, 3 µs).
    dragHistogram(d, QStringLiteral("step"), plainBucketOf(1'000'000), plainBucketOf(199'000'000));
    REQUIRE_EVENTUALLY(d.tableCount() == 2);
    CHECK(d.shownKeys() == QSet<qint64>{TaskStore::makeKey(2, 3), TaskStore::makeKey(2, 4)});

    SECTION("the state selector narrows the histograms and the range to that state")
    {
        QQuickItem *state = d.item(QStringLiteral("histogramState"));
        REQUIRE(QMetaObject::invokeMethod(state, "activated", Q_ARG(int, 4))); // failed
        REQUIRE_EVENTUALLY(textOf(d.item(QStringLiteral("histogramTitle_step")))== QLatin1String("0 steps"));
        REQUIRE_EVENTUALLY(d.tableCount() == 0);
    }
    SECTION("unscoped, the range takes in both runs' tasks")
    {
        d.monitor->setScopeRunId(0);
        REQUIRE_EVENTUALLY(d.tableCount() == 4);
        CHECK(textOf(d.item(QStringLiteral("histogramTitle_step")))== QLatin1String("14 steps"));
    }
    checkNoWarnings(d);
}

TEST_CASE("a histogram's bars are made once: when the measured range empties and fills again, the same bars show")
{
    Dashboard d;
    QTemporaryDir dir;
    REQUIRE(dir.isValid());
    openLog(d, writeFile(dir, QStringLiteral("steps.json"), kStepsLog));
    d.click(d.item(QStringLiteral("histogramsTab")));
    REQUIRE_EVENTUALLY(textOf(d.item(QStringLiteral("histogramTitle_step"))) == QLatin1String("7 steps"));
    // "slow-step" held its loop 120 ms: the [100 ms, 200 ms) bucket has a bar.
    const int bucket = plainBucketOf(120'000'000);
    const QString slotName = QStringLiteral("histogramBucket_step_%1").arg(bucket);
    const QPointer<QQuickItem> bar = d.item(slotName);
    REQUIRE(bar);
    REQUIRE_EVENTUALLY(bar->isVisible());
    const auto shownBars = [&] { return d.visibleItems(QStringLiteral("histogramBucket_step_%1").arg(bucket)).size(); };
    CHECK(shownBars() == 1);

    QQuickItem *state = d.item(QStringLiteral("histogramState"));
    REQUIRE(QMetaObject::invokeMethod(state, "activated", Q_ARG(int, 4))); // failed: none
    REQUIRE_EVENTUALLY(textOf(d.item(QStringLiteral("histogramTitle_step"))) == QLatin1String("0 steps"));
    CHECK_EVENTUALLY(shownBars() == 0);
    REQUIRE(QMetaObject::invokeMethod(state, "activated", Q_ARG(int, 0))); // every state again
    REQUIRE_EVENTUALLY(textOf(d.item(QStringLiteral("histogramTitle_step"))) == QLatin1String("7 steps"));
    REQUIRE_EVENTUALLY(shownBars() == 1);
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    // The very item that showed the bucket before: nothing was destroyed and remade.
    CHECK(bar);
    CHECK(d.item(slotName) == bar.data());
    checkNoWarnings(d);
}

namespace {

// Attaching (docs/spec/probe-protocol.md, "The dashboard") -----------------------------

// A real asyncio program run through the Python probe, with a private
// XDG_RUNTIME_DIR (the dashboard lists the same folder while it lives). It says
// "ready" once its tasks are in each state, then obeys lines on its stdin: "go" ends
// the task `waiter`, "quit" (or the end of stdin) ends the program.
class WatchedProgram
{
public:
    static constexpr const char *kScript = R"(
import asyncio, sys, time

async def sleeper():
    try:
        await asyncio.sleep(3600)
    except asyncio.CancelledError:
        print("sleeper got CancelledError", file=sys.stderr, flush=True)
        raise

async def finisher():
    return 42

async def failer():
    raise ValueError("boom")

async def kept():
    await asyncio.sleep(3600)

async def keeper():
    child = asyncio.create_task(kept(), name="kept")
    await asyncio.get_running_loop().create_future()

async def main():
    loop = asyncio.get_running_loop()
    lines = asyncio.Queue()
    loop.add_reader(sys.stdin.fileno(), lambda: lines.put_nowait(sys.stdin.readline().strip()))
    go = loop.create_future()
    async def waiter():
        return await go
    tasks = [asyncio.create_task(sleeper(), name="sleeper"), asyncio.create_task(waiter(), name="waiter"),
             asyncio.create_task(keeper(), name="keeper"),
             asyncio.create_task(finisher(), name="finisher"), asyncio.create_task(failer(), name="failer")]
    await asyncio.wait(tasks[3:])
    await asyncio.sleep(0)  # keeper has made kept
    print("ready", flush=True)
    while (line := await lines.get()) not in ("quit", ""):
        if line == "go":
            go.set_result("went")
        elif line == "block":
            time.sleep(0.08)    # holds the loop: a stall
    print("survived", flush=True)

asyncio.run(main())
)";

    WatchedProgram() : m_previousRuntimeDir(qgetenv("XDG_RUNTIME_DIR"))
    {
        REQUIRE(m_dir.isValid());
        qputenv("XDG_RUNTIME_DIR", QFile::encodeName(m_dir.path()));
        const QString script = m_dir.filePath(QStringLiteral("watched.py"));
        QFile file(script);
        REQUIRE(file.open(QIODevice::WriteOnly));
        file.write(kScript);
        file.close();
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("PYTHONPATH"), QStringLiteral(COROSCOPE_PROBE_PYTHONPATH));
        m_process.setProcessEnvironment(env);
        m_process.start(QStringLiteral(COROSCOPE_PYTHON), {QStringLiteral("-m"), QStringLiteral("coroscope_probe"), script});
        REQUIRE(m_process.waitForStarted());
        m_pid = m_process.processId();
        INFO(errorText().toStdString());
        REQUIRE(waitFor([this] { return outputText().contains(QLatin1String("ready\n")); }));
    }
    ~WatchedProgram()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.closeWriteChannel();
            if (!m_process.waitForFinished(kTimeoutMs))
                m_process.kill();
            m_process.waitForFinished();
        }
        if (m_previousRuntimeDir.isNull())
            qunsetenv("XDG_RUNTIME_DIR");
        else
            qputenv("XDG_RUNTIME_DIR", m_previousRuntimeDir);
    }
    WatchedProgram(const WatchedProgram &) = delete;
    WatchedProgram &operator=(const WatchedProgram &) = delete;

    // Kept from the start: QProcess says 0 once it has seen the program end.
    [[nodiscard]] qint64 pid() const { return m_pid; }
    [[nodiscard]] bool isRunning() const { return m_process.state() == QProcess::Running; }
    [[nodiscard]] int exitCode() const { return m_process.exitCode(); }
    void tell(const char *line) { m_process.write(QByteArray(line) + '\n'); }
    // Everything it has written so far.
    [[nodiscard]] QString outputText()
    {
        m_out += m_process.readAllStandardOutput();
        return QString::fromUtf8(m_out);
    }
    [[nodiscard]] QString errorText()
    {
        m_err += m_process.readAllStandardError();
        return QString::fromUtf8(m_err);
    }

private:
    QByteArray m_previousRuntimeDir;
    QTemporaryDir m_dir;
    QProcess m_process;
    qint64 m_pid = 0;
    QByteArray m_out;
    QByteArray m_err;
};

// Opens Attach…, picks the program and attaches; returns its run's id.
int attachThroughDialog(const Dashboard &d, const WatchedProgram &program)
{
    const int runsBefore = d.monitor->runs()->rowCount();
    d.click(d.item(QStringLiteral("attachAction")));
    QObject *dialog = d.object(QStringLiteral("attachDialog"));
    d.waitOpened(dialog);
    QQuickItem *entry = d.item(QStringLiteral("attachProgram_%1").arg(program.pid()));
    CHECK(showsText(entry, QString::number(program.pid())));
    QList<QQuickItem *> commands;
    collect(entry, QStringLiteral("attachProgramCommand"), commands);
    REQUIRE(commands.size() == 1);
    CHECK(textOf(commands.front()).endsWith(QLatin1String("watched.py")));
    d.click(entry);
    d.screenshot(QStringLiteral("attach-dialog"));
    d.click(d.item(QStringLiteral("attachButton")));
    REQUIRE_EVENTUALLY(!dialog->property("visible").toBool());
    REQUIRE(d.monitor->runs()->rowCount() == runsBefore + 1);
    return d.monitor->runs()->newestRunId();
}

QString runName(const Dashboard &d, int runId)
{
    RunListModel *runs = d.monitor->runs();
    return runs->data(runs->index(runs->rowOfRun(runId)), RunListModel::NameRole).toString();
}

bool runIsRunning(const Dashboard &d, int runId)
{
    RunListModel *runs = d.monitor->runs();
    return runs->data(runs->index(runs->rowOfRun(runId)), RunListModel::RunningRole).toBool();
}

QString stateNamed(const Dashboard &d, const char *name)
{
    const int row = d.rowNamed(QString::fromLatin1(name));
    return row < 0 ? QString() : d.cell(row, "state").toString();
}

QString statusMessage(const Dashboard &d)
{
    return d.window->property("statusMessage").toString();
}

} // namespace

TEST_CASE("Attach lists a watched program; its tasks show live, Cancel and Add callback act in it, Spawn says why not, "
          "and Detach leaves it running",
          "[attach]")
{
    WatchedProgram program;
    Dashboard d;
    const int runId = attachThroughDialog(d, program);
    const QString title = QStringLiteral("watched.py (pid %1)").arg(program.pid());
    CHECK(runName(d, runId) == title);
    CHECK(scopeOf(d) == runId);

    // Its tasks, in the states the program has them in; its loop is a lane.
    REQUIRE_EVENTUALLY(d.rowNamed(QStringLiteral("kept")) >= 0);
    CHECK_EVENTUALLY(stateNamed(d, "sleeper") == QLatin1String("running"));
    CHECK(stateNamed(d, "waiter") == QLatin1String("running"));
    CHECK(stateNamed(d, "finisher") == QLatin1String("done"));
    CHECK(stateNamed(d, "failer") == QLatin1String("failed"));
    const QString lane = QStringLiteral("#%1 %2 \u00B7 main \u00B7 ").arg(runId).arg(title);
    CHECK_EVENTUALLY(laneTitles(d).size() == 1 && laneTitles(d).front().startsWith(lane));
    d.screenshot(QStringLiteral("attached-run"));

    // Spawn cannot put a task into another program, and says so.
    const qint64 sleeper = keyNamed(d, QStringLiteral("sleeper"));
    d.selectTask(sleeper);
    for (const char *name : {"spawnAction", "detailsSpawnChild"}) {
        INFO("action " << name);
        QQuickItem *spawn = d.item(QString::fromLatin1(name));
        CHECK_EVENTUALLY(!spawn->property("active").toBool());
        CHECK(spawn->property("toolTip").toString() == QLatin1String("Spawn is not available for an attached program"));
    }

    // A log callback added from the dialog is announced back, and fires in the program
    // when its task ends there.
    const qint64 waiter = keyNamed(d, QStringLiteral("waiter"));
    d.selectTask(waiter);
    d.click(d.item(QStringLiteral("addCallbackAction")));
    QObject *callbackDialog = d.object(QStringLiteral("callbackDialog"));
    d.waitOpened(callbackDialog);
    d.type(d.item(QStringLiteral("callbackText")), QStringLiteral("hello from the dashboard"));
    d.accept(callbackDialog);
    REQUIRE_EVENTUALLY(d.cell(d.rowNamed(QStringLiteral("waiter")), "callbackCount").toInt() == 1);
    program.tell("go");
    CHECK_EVENTUALLY(program.errorText().contains(QLatin1String("coroscope: task waiter: hello from the dashboard")));
    CHECK_EVENTUALLY(stateNamed(d, "waiter") == QLatin1String("done"));

    // Cancel ends the task in the program with CancelledError.
    d.selectTask(sleeper);
    d.click(d.item(QStringLiteral("cancelAction")));
    REQUIRE_EVENTUALLY(stateNamed(d, "sleeper") == QLatin1String("cancelled"));
    CHECK(d.cell(d.rowNamed(QStringLiteral("sleeper")), "cancelReason").toString() == QLatin1String("user"));
    CHECK_EVENTUALLY(program.errorText().contains(QLatin1String("sleeper got CancelledError")));

    // Cancel subtree reaches a child its parent does not await.
    d.selectTask(keyNamed(d, QStringLiteral("keeper")));
    d.click(d.item(QStringLiteral("cancelSubtreeAction")));
    CHECK_EVENTUALLY(stateNamed(d, "keeper") == QLatin1String("cancelled"));
    CHECK_EVENTUALLY(stateNamed(d, "kept") == QLatin1String("cancelled"));

    // Detach: the run stays, finished and read only; the program runs on.
    QQuickItem *detach = d.item(QStringLiteral("runStop"));
    CHECK(textOf(detach) == QLatin1String("Detach"));
    d.click(detach);
    REQUIRE_EVENTUALLY(!runIsRunning(d, runId));
    CHECK(statusMessage(d) == QStringLiteral("Detached from %1: it runs on").arg(title));
    QQuickItem *cancel = d.item(QStringLiteral("cancelAction"));
    CHECK_EVENTUALLY(!cancel->property("active").toBool());
    CHECK(cancel->property("toolTip").toString().startsWith(QStringLiteral("Detached from %1").arg(title)));
    CHECK(d.stat("running") == 0); // its unfinished tasks run nowhere here now
    REQUIRE(program.isRunning());
    program.tell("quit");
    REQUIRE_EVENTUALLY(!program.isRunning());
    CHECK(program.exitCode() == 0);
    CHECK(program.outputText().endsWith(QLatin1String("survived\n")));
    checkNoWarnings(d);
}

TEST_CASE("Cancel all says why it cannot act while only an attached program's tasks are live, and leaves them alone",
          "[attach]")
{
    WatchedProgram program;
    Dashboard d;
    attachThroughDialog(d, program);
    d.monitor->setScopeRunId(0);
    REQUIRE_EVENTUALLY(stateNamed(d, "sleeper") == QLatin1String("running"));
    QQuickItem *cancelAll = d.item(QStringLiteral("cancelAllAction"));
    CHECK_EVENTUALLY(!cancelAll->property("active").toBool());
    CHECK(cancelAll->property("toolTip").toString()
          == QLatin1String("Cancel all stops the runs launched here: cancel an attached program's tasks with Cancel or Cancel subtree"));

    // With a run launched here, it stops that run only.
    const qint64 key = d.spawnSleep(QStringLiteral("600"), QStringLiteral("\"never\""));
    REQUIRE_EVENTUALLY(rowState(d, key) == QLatin1String("running"));
    CHECK_EVENTUALLY(cancelAll->property("active").toBool());
    CHECK(cancelAll->property("toolTip").toString() == QLatin1String("Cancel every live task launched here, like Ctrl-C"));
    d.click(cancelAll);
    REQUIRE_EVENTUALLY(rowState(d, key) == QLatin1String("cancelled"));
    CHECK_EVENTUALLY(!cancelAll->property("active").toBool());
    CHECK(stateNamed(d, "sleeper") == QLatin1String("running"));
    CHECK_FALSE(program.errorText().contains(QLatin1String("CancelledError")));
    checkNoWarnings(d);
}

TEST_CASE("an attached program's stall shows in the status bar's loop line like a launched run's", "[attach]")
{
    WatchedProgram program;
    Dashboard d;
    const int runId = attachThroughDialog(d, program);
    REQUIRE_EVENTUALLY(d.rowNamed(QStringLiteral("kept")) >= 0);
    const auto loopLine = [&] {
        const QList<QQuickItem *> lines = d.visibleItems(QStringLiteral("loopHealth"));
        return lines.size() == 1 ? textOf(lines.front()) : QString();
    };
    CHECK_EVENTUALLY(loopLine() == QLatin1String("healthy"));
    program.tell("block");
    REQUIRE_EVENTUALLY(loopLine().startsWith(QStringLiteral("1 stall \u00B7 max ")));
    CHECK(loopLine().contains(QLatin1String("last: Task-1 (")));
    const QVariantMap loop = d.monitor->loops().value(0).toMap();
    CHECK(loop.value(QStringLiteral("runId")).toInt() == runId);
    CHECK(loop.value(QStringLiteral("run")).toString() == QStringLiteral("watched.py (pid %1)").arg(program.pid()));
    CHECK_FALSE(loop.value(QStringLiteral("healthy")).toBool());
    d.screenshot(QStringLiteral("attached-stall"));
    checkNoWarnings(d);
}

TEST_CASE("an attached program that ends ends its run cleanly, saying so", "[attach]")
{
    WatchedProgram program;
    Dashboard d;
    const int runId = attachThroughDialog(d, program);
    REQUIRE_EVENTUALLY(d.rowNamed(QStringLiteral("kept")) >= 0);
    program.tell("quit");
    REQUIRE_EVENTUALLY(!runIsRunning(d, runId));
    CHECK(statusMessage(d) == QStringLiteral("watched.py (pid %1) has ended").arg(program.pid()));
    // The run keeps every task it saw. (What the program's exit itself does to its tasks
    // may or may not come before the probe closes: not checked.)
    for (const char *name : {"sleeper", "waiter", "keeper", "kept", "finisher", "failer"})
        CHECK(d.rowNamed(QString::fromLatin1(name)) >= 0);
    CHECK(stateNamed(d, "finisher") == QLatin1String("done"));
    d.selectTask(keyNamed(d, QStringLiteral("finisher")));
    QQuickItem *callback = d.item(QStringLiteral("addCallbackAction"));
    CHECK_EVENTUALLY(!callback->property("active").toBool());
    CHECK(callback->property("toolTip").toString().contains(QLatin1String("has ended")));
    checkNoWarnings(d);
}

TEST_CASE("attaching to a program that has ended since it was listed says so in the dialog; Refresh drops it",
          "[attach]")
{
    WatchedProgram program;
    Dashboard d;
    d.click(d.item(QStringLiteral("attachAction")));
    QObject *dialog = d.object(QStringLiteral("attachDialog"));
    d.waitOpened(dialog);
    QQuickItem *entry = d.item(QStringLiteral("attachProgram_%1").arg(program.pid()));
    program.tell("quit");
    REQUIRE_EVENTUALLY(!program.isRunning());
    d.click(entry);
    d.click(d.item(QStringLiteral("attachButton")));
    CHECK(textOf(d.item(QStringLiteral("attachError"))).startsWith(QLatin1String("Could not attach: ")));
    CHECK(dialog->property("visible").toBool());
    CHECK(d.monitor->runs()->rowCount() == 0);
    d.click(d.item(QStringLiteral("attachRefresh")));
    CHECK_EVENTUALLY(d.visibleItems(QStringLiteral("attachProgram_%1").arg(program.pid())).isEmpty());
    CHECK(d.item(QStringLiteral("attachEmpty"))->isVisible());
    CHECK(d.visibleItems(QStringLiteral("attachError")).isEmpty());
    checkNoWarnings(d);
}

TEST_CASE("the Attach dialog says how to start a watched program when none runs", "[attach]")
{
    QTemporaryDir dir;
    REQUIRE(dir.isValid());
    const QByteArray previous = qgetenv("XDG_RUNTIME_DIR");
    qputenv("XDG_RUNTIME_DIR", QFile::encodeName(dir.path()));
    {
        Dashboard d;
        d.click(d.item(QStringLiteral("attachAction")));
        d.waitOpened(d.object(QStringLiteral("attachDialog")));
        CHECK(textOf(d.item(QStringLiteral("attachEmpty")))
              == QLatin1String("No programs are being watched. Start one with COROSCOPE_PROBE=1 or python3 -m coroscope_probe"));
        CHECK_FALSE(d.item(QStringLiteral("attachButton"))->isEnabled());
        d.click(d.item(QStringLiteral("attachRefresh")));
        CHECK(d.item(QStringLiteral("attachEmpty"))->isVisible());
        checkNoWarnings(d);
    }
    qputenv("XDG_RUNTIME_DIR", previous);
}

int main(int argc, char **argv)
{
    QGuiApplication app(argc, argv);
    // Settings go to a test location, never the user's.
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("coroscope-tests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_dashboard_ui"));
    QSettings().clear();
    return Catch::Session().run(argc, argv);
}

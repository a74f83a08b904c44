pragma ComponentBehavior: Bound
import QtQuick
import Coroscope
import QtQuick.Controls.Fusion
import QtQuick.Layouts
import QtQuick.Dialogs

// The dashboard window: launcher on the left, the live tasks (table or tree) and the
// timeline in the middle, the selected task's details on the right, loop health at
// the bottom. Every action lives in the tool bar and has a shortcut.
ApplicationWindow {
    id: window

    property real selectedKey: -1
    readonly property bool hasSelection: window.selectedKey >= 0

    function showErrors(title: string, errors: var) {
        if (errors && errors.length > 0)
            errorsDialog.show(title, errors)
    }
    // What launching a built-in set (by name) or a set file (builtin empty) would cost.
    function estimate(builtin: string, file: url): var {
        return builtin.length > 0 ? monitor.estimateBuiltin(builtin) : monitor.estimateSetFile(file)
    }
    // Launches it, after the user confirms when it would create very many tasks.
    function launchChecked(builtin: string, file: url) {
        const estimate = window.estimate(builtin, file)
        const title = builtin.length > 0 ? qsTr("%1 was not launched").arg(builtin) : qsTr("The task set was not launched")
        if (estimate.errors.length > 0)
            window.showErrors(title, estimate.errors)
        else if (estimate.confirm)
            launchConfirmDialog.ask(String(estimate.name), builtin, file, estimate)
        else
            window.launchNow(builtin, file)
    }
    function launchNow(builtin: string, file: url) {
        if (builtin.length > 0)
            window.showErrors(qsTr("%1 was not launched").arg(builtin), monitor.launchBuiltin(builtin))
        else
            window.showErrors(qsTr("The task set was not launched"), monitor.openSetFile(file))
    }
    // What the Open set dialog does with the file it was given.
    function launchFile(file: url) {
        window.launchChecked("", file)
    }
    function select(key: real) {
        window.selectedKey = key
    }
    function cancelSelected() {
        if (window.hasSelection)
            monitor.cancelTask(window.selectedKey)
    }
    function cancelSelectedSubtree() {
        if (window.hasSelection)
            monitor.cancelSubtree(window.selectedKey)
    }
    function openSpawn() {
        spawnDialog.parentKey = window.selectedKey
        spawnDialog.open()
    }
    function openCallback() {
        if (!window.hasSelection)
            return
        callbackDialog.taskKey = window.selectedKey
        callbackDialog.open()
    }

    width: Theme.windowWidth
    height: Theme.windowHeight
    minimumWidth: Theme.windowMinWidth
    minimumHeight: Theme.windowMinHeight
    visible: true
    title: qsTr("Coroscope")
    color: Theme.window

    TaskMonitor {
        id: monitor
    }

    header: ToolBar {
        RowLayout {
            anchors.fill: parent
            anchors.leftMargin: Theme.spacingM
            anchors.rightMargin: Theme.spacingM
            spacing: Theme.spacingS

            ToolButton {
                objectName: "launchAction"
                text: qsTr("\u25B6 Launch")
                enabled: launcher.canLaunch
                onClicked: launcher.launchSelected()
                ToolTip.visible: hovered
                ToolTip.delay: Theme.toolTipDelay
                ToolTip.text: qsTr("Launch the selected built-in set (Ctrl+L)")
            }
            ToolButton {
                text: qsTr("Open set\u2026")
                onClicked: openSetDialog.open()
                ToolTip.visible: hovered
                ToolTip.delay: Theme.toolTipDelay
                ToolTip.text: qsTr("Launch a task-set file (Ctrl+O)")
            }
            ToolSeparator {}
            ToolButton {
                objectName: "spawnAction"
                text: qsTr("Spawn\u2026")
                onClicked: window.openSpawn()
                ToolTip.visible: hovered
                ToolTip.delay: Theme.toolTipDelay
                ToolTip.text: qsTr("Spawn one task, optionally as a child of the selected task (Ctrl+N)")
            }
            ToolButton {
                text: qsTr("Cancel")
                enabled: window.hasSelection
                onClicked: window.cancelSelected()
                ToolTip.visible: hovered
                ToolTip.delay: Theme.toolTipDelay
                ToolTip.text: qsTr("Cancel the selected task (Del)")
            }
            ToolButton {
                text: qsTr("Cancel subtree")
                enabled: window.hasSelection
                onClicked: window.cancelSelectedSubtree()
                ToolTip.visible: hovered
                ToolTip.delay: Theme.toolTipDelay
                ToolTip.text: qsTr("Cancel the selected task and everything under it (Shift+Del)")
            }
            ToolButton {
                text: qsTr("Cancel all")
                onClicked: monitor.cancelAll()
                ToolTip.visible: hovered
                ToolTip.delay: Theme.toolTipDelay
                ToolTip.text: qsTr("Cancel every live task, like Ctrl-C")
            }
            ToolButton {
                objectName: "addCallbackAction"
                text: qsTr("Add callback\u2026")
                enabled: window.hasSelection
                onClicked: window.openCallback()
                ToolTip.visible: hovered
                ToolTip.delay: Theme.toolTipDelay
                ToolTip.text: qsTr("Attach a done-callback to the selected task")
            }
            ToolSeparator {}
            ToolButton {
                text: qsTr("Export\u2026")
                enabled: launcher.exportRunId >= 0
                onClicked: exportDialog.open()
                ToolTip.visible: hovered
                ToolTip.delay: Theme.toolTipDelay
                ToolTip.text: qsTr("Write the selected run's log: .json, .jsonl, .csv or .trace.json (Ctrl+E)")
            }
            ToolButton {
                text: qsTr("Open log\u2026")
                onClicked: openLogDialog.open()
                ToolTip.visible: hovered
                ToolTip.delay: Theme.toolTipDelay
                ToolTip.text: qsTr("Show a finished run from a .json log")
            }
            Item {
                Layout.fillWidth: true
            }
            TabBar {
                id: viewSwitch
                TabButton {
                    objectName: "tableTab"
                    text: qsTr("Table")
                    width: implicitWidth
                }
                TabButton {
                    objectName: "treeTab"
                    text: qsTr("Tree")
                    width: implicitWidth
                }
            }
        }
    }

    SplitView {
        anchors.fill: parent
        orientation: Qt.Horizontal

        LauncherPage {
            id: launcher
            objectName: "launcherPage"
            monitor: monitor
            SplitView.preferredWidth: Theme.sidebarWidth
            SplitView.minimumWidth: Theme.sidebarMinWidth
            onLaunchRequested: name => window.launchChecked(name, "")
            onOpenFileRequested: openSetDialog.open()
        }

        SplitView {
            orientation: Qt.Vertical
            SplitView.fillWidth: true

            TasksPage {
                id: tasksPage
                objectName: "tasksPage"
                monitor: monitor
                selectedKey: window.selectedKey
                treeMode: viewSwitch.currentIndex === 1
                SplitView.fillHeight: true
                SplitView.minimumHeight: Theme.tableMinHeight
                onTaskSelected: key => window.select(key)
            }
            TimelinePage {
                monitor: monitor
                selectedKey: window.selectedKey
                SplitView.preferredHeight: Theme.timelineHeight
                SplitView.minimumHeight: Theme.timelineMinHeight
                onTaskSelected: key => window.select(key)
            }
        }

        DetailsPage {
            objectName: "detailsPage"
            monitor: monitor
            taskKey: window.selectedKey
            SplitView.preferredWidth: Theme.detailsWidth
            SplitView.minimumWidth: Theme.detailsMinWidth
            onTaskSelected: key => window.select(key)
            onCancelRequested: window.cancelSelected()
            onCancelSubtreeRequested: window.cancelSelectedSubtree()
            onCallbackRequested: window.openCallback()
            onSpawnChildRequested: window.openSpawn()
        }
    }

    footer: StatusBarPane {
        stats: monitor.stats
        loops: monitor.loops
        nowMs: monitor.nowMs
    }

    FileDialog {
        id: openSetDialog
        title: qsTr("Open a task set")
        fileMode: FileDialog.OpenFile
        nameFilters: [qsTr("Task sets (*.json)"), qsTr("All files (*)")]
        onAccepted: window.launchFile(openSetDialog.selectedFile)
    }
    FileDialog {
        id: exportDialog
        title: qsTr("Export the run's log")
        fileMode: FileDialog.SaveFile
        defaultSuffix: "json"
        nameFilters: [qsTr("JSON log (*.json)"), qsTr("JSON lines (*.jsonl)"), qsTr("CSV (*.csv)"),
            qsTr("Chrome trace (*.trace.json)")]
        onAccepted: {
            const error = monitor.exportLog(launcher.exportRunId, exportDialog.selectedFile)
            if (error.length > 0)
                window.showErrors(qsTr("The log was not written"), [error])
        }
    }
    FileDialog {
        id: openLogDialog
        title: qsTr("Open a log")
        fileMode: FileDialog.OpenFile
        nameFilters: [qsTr("JSON log (*.json)"), qsTr("All files (*)")]
        onAccepted: {
            const error = monitor.openLog(openLogDialog.selectedFile)
            if (error.length > 0)
                window.showErrors(qsTr("The log could not be read"), [error])
        }
    }

    ErrorsDialog {
        id: errorsDialog
    }
    LaunchConfirmDialog {
        id: launchConfirmDialog
        objectName: "launchConfirmDialog"
        onLaunchConfirmed: (builtin, file) => window.launchNow(builtin, file)
    }
    SpawnDialog {
        id: spawnDialog
        objectName: "spawnDialog"
        onSpawnRequested: (op, params, parentKey) => window.showErrors(qsTr("The task was not spawned"),
                                                                       monitor.spawnTask(op, params, parentKey))
    }
    CallbackDialog {
        id: callbackDialog
        objectName: "callbackDialog"
        onCallbackRequested: (taskKey, kind, text) => window.showErrors(qsTr("The callback was not added"),
                                                                        monitor.addCallback(taskKey, kind, text))
    }

    Shortcut {
        sequence: "Ctrl+L"
        onActivated: launcher.launchSelected()
    }
    Shortcut {
        sequence: "Ctrl+O"
        onActivated: openSetDialog.open()
    }
    Shortcut {
        sequence: "Ctrl+E"
        enabled: launcher.exportRunId >= 0
        onActivated: exportDialog.open()
    }
    Shortcut {
        sequence: "Ctrl+F"
        onActivated: tasksPage.focusSearch()
    }
    Shortcut {
        sequence: "Ctrl+N"
        onActivated: window.openSpawn()
    }
    Shortcut {
        sequence: "Del"
        onActivated: window.cancelSelected()
    }
    Shortcut {
        sequence: "Shift+Del"
        onActivated: window.cancelSelectedSubtree()
    }
    Shortcut {
        sequence: "Esc"
        onActivated: window.select(-1)
    }
}

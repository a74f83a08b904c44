pragma ComponentBehavior: Bound
import QtQuick
import Coroscope
import Coroscope.Monitor
import QtQuick.Controls.Fusion
import QtQuick.Layouts
import QtQuick.Dialogs

// The dashboard window: launcher on the left, the live tasks (table or tree) and the
// timeline in the middle, the selected task's details on the right, loop health at
// the bottom. Every action lives in the tool bar and has a shortcut.
ApplicationWindow {
    id: window

    // The selected task's key, -1 none: a real holds every key exactly (docs/spec/task-keys.md).
    property real selectedKey: -1
    // What the last action that ended quietly did (e.g. where an export went).
    property string statusMessage: ""
    readonly property bool hasSelection: window.selectedKey >= 0
    // Runs ended so far: an attached program's tasks become read only when its run ends.
    property int runsEnded: 0
    // Why the selected task cannot be acted on (a past run's), "" when it can.
    readonly property string readOnlyReason: window.hasSelection && window.runsEnded >= 0
                                             ? monitor.readOnlyReason(window.selectedKey) : ""
    readonly property bool canAct: window.hasSelection && window.readOnlyReason.length === 0
    // Why Spawn cannot act for the selection (an attached program's), "" when it can.
    readonly property string spawnReason: monitor.spawnUnavailableReason(window.selectedKey, launcher.selectedRunId)

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
        if (builtin.length > 0) {
            window.showErrors(qsTr("%1 was not launched").arg(builtin), monitor.launchBuiltin(builtin))
            return
        }
        const errors = monitor.openSetFile(file)
        if (errors.length === 0)
            settings.noteFile("set", file)
        window.showErrors(qsTr("The task set was not launched"), errors)
    }
    // The split views whose layout the next session restores.
    readonly property var splitViews: [mainSplit, middleSplit]
    // What the Open set dialog does with the file it was given.
    function launchFile(file: url) {
        window.launchChecked("", file)
    }
    function select(key: real) {
        window.selectedKey = key
    }
    function cancelSelected() {
        if (window.canAct)
            monitor.cancelTask(window.selectedKey)
    }
    function cancelSelectedSubtree() {
        if (window.canAct)
            monitor.cancelSubtree(window.selectedKey)
    }
    function openSpawn() {
        if (window.spawnReason.length > 0)
            return
        // A past run's task cannot take a child: the spawned task goes to the top level.
        spawnDialog.ask(monitor.spawnTarget(window.canAct ? window.selectedKey : -1, launcher.selectedRunId))
    }
    function openExport() {
        const runId = launcher.exportRunId
        if (runId >= 0)
            exportDialog.ask(runId, monitor.exportFileName(runId), monitor.exportFolder())
    }
    function openCallback() {
        if (!window.canAct)
            return
        callbackDialog.taskKey = window.selectedKey
        callbackDialog.open()
    }

    // The default size, or the screen's when it is smaller.
    width: Math.min(Theme.windowWidth, Math.max(Theme.windowMinWidth, Screen.desktopAvailableWidth))
    height: Math.min(Theme.windowHeight, Math.max(Theme.windowMinHeight, Screen.desktopAvailableHeight))
    minimumWidth: Theme.windowMinWidth
    minimumHeight: Theme.windowMinHeight
    visible: true
    title: qsTr("Coroscope")
    color: Theme.window

    TaskMonitor {
        id: monitor
        // A task spawned from the dialog is selected and scrolled to.
        onSpawned: key => {
            window.select(key)
            tasksPage.showTask(key)
        }
    }
    // Geometry, split layout and recent files, from the last session and for the next.
    WindowSettings {
        id: settings
        objectName: "windowSettings"
    }
    Component.onCompleted: settings.restore(window, window.splitViews)
    onClosing: settings.save(window, window.splitViews)

    header: ToolBar {
        RowLayout {
            anchors.fill: parent
            anchors.leftMargin: Theme.spacingM
            anchors.rightMargin: Theme.spacingM
            spacing: Theme.spacingS
            // The actions wrap onto a second line in a narrow window, so that every
            // one stays reachable; the Table/Tree switch keeps the right edge.
            Flow {
                Layout.fillWidth: true
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
                    objectName: "openSetAction"
                    text: qsTr("Open set\u2026")
                    onClicked: openSetDialog.open()
                    ToolTip.visible: hovered
                    ToolTip.delay: Theme.toolTipDelay
                    ToolTip.text: qsTr("Launch a task-set file (Ctrl+O)")
                }
                ToolSeparator {}
                ActionButton {
                    objectName: "spawnAction"
                    text: qsTr("Spawn\u2026")
                    active: window.spawnReason.length === 0
                    onClicked: window.openSpawn()
                    toolTip: window.spawnReason.length > 0 ? window.spawnReason
                                                           : qsTr("Spawn one task, optionally as a child of the selected task (Ctrl+N)")
                }
                ActionButton {
                    objectName: "cancelAction"
                    text: qsTr("Cancel")
                    active: window.canAct
                    onClicked: window.cancelSelected()
                    toolTip: window.readOnlyReason.length > 0 ? window.readOnlyReason : qsTr("Cancel the selected task (Del)")
                }
                ActionButton {
                    objectName: "cancelSubtreeAction"
                    text: qsTr("Cancel subtree")
                    active: window.canAct
                    onClicked: window.cancelSelectedSubtree()
                    toolTip: window.readOnlyReason.length > 0 ? window.readOnlyReason
                                                              : qsTr("Cancel the selected task and everything under it (Shift+Del)")
                }
                ActionButton {
                    objectName: "cancelAllAction"
                    text: qsTr("Cancel all")
                    active: monitor.stats.running + monitor.stats.pending > 0 && monitor.cancelAllReason.length === 0
                    onClicked: monitor.cancelAll()
                    toolTip: monitor.cancelAllReason.length > 0 ? monitor.cancelAllReason
                                                                : qsTr("Cancel every live task launched here, like Ctrl-C")
                }
                ActionButton {
                    objectName: "addCallbackAction"
                    text: qsTr("Add callback\u2026")
                    active: window.canAct
                    onClicked: window.openCallback()
                    toolTip: window.readOnlyReason.length > 0 ? window.readOnlyReason
                                                              : qsTr("Attach a done-callback to the selected task")
                }
                ToolSeparator {}
                ToolButton {
                    objectName: "exportAction"
                    text: qsTr("Export\u2026")
                    enabled: launcher.exportRunId >= 0
                    onClicked: window.openExport()
                    ToolTip.visible: hovered
                    ToolTip.delay: Theme.toolTipDelay
                    ToolTip.text: qsTr("Write the selected run's log: .json, .jsonl, .csv or .trace.json (Ctrl+E)")
                }
                ToolButton {
                    objectName: "openLogAction"
                    text: qsTr("Open log\u2026")
                    onClicked: openLogDialog.open()
                    ToolTip.visible: hovered
                    ToolTip.delay: Theme.toolTipDelay
                    ToolTip.text: qsTr("Show a past run from its .json or .jsonl log, read only")
                }
                ToolButton {
                    objectName: "compareAction"
                    text: qsTr("Compare\u2026")
                    enabled: monitor.runs.newestRunId > 0
                    onClicked: compareDialog.compare(launcher.selectedRunId)
                    ToolTip.visible: hovered
                    ToolTip.delay: Theme.toolTipDelay
                    ToolTip.text: qsTr("Compare the selected run with another: their timelines aligned, the tasks that differ marked")
                }
                ToolButton {
                    objectName: "attachAction"
                    text: qsTr("Attach\u2026")
                    onClicked: attachDialog.open()
                    ToolTip.visible: hovered
                    ToolTip.delay: Theme.toolTipDelay
                    ToolTip.text: qsTr("Watch and steer a program of yours that runs with a Coroscope probe")
                }
                ToolButton {
                    id: recentButton
                    objectName: "recentButton"
                    text: qsTr("Recent \u25BE")
                    enabled: settings.recentFiles.length > 0
                    onClicked: recentMenu.open()
                    ToolTip.visible: hovered
                    ToolTip.delay: Theme.toolTipDelay
                    ToolTip.text: qsTr("Open a log or launch a set file again")
                    Menu {
                        id: recentMenu
                        y: recentButton.height
                        Repeater {
                            model: settings.recentFiles
                            delegate: MenuItem {
                                id: recentItem
                                required property string modelData
                                readonly property bool isLog: recentItem.modelData.startsWith("log:")
                                readonly property string path: recentItem.modelData.substring(recentItem.modelData.indexOf(":") + 1)
                                objectName: "recentFile"
                                text: (recentItem.isLog ? qsTr("Log: %1") : qsTr("Set: %1")).arg(Format.fileName(recentItem.path))
                                onTriggered: {
                                    const file = "file://" + recentItem.path
                                    if (recentItem.isLog)
                                        window.openLog(file)
                                    else
                                        window.launchFile(file)
                                }
                            }
                        }
                    }
                }
                ToolButton {
                    id: detailsToggle
                    objectName: "detailsToggle"
                    text: qsTr("Details")
                    checkable: true
                    checked: true
                    ToolTip.visible: hovered
                    ToolTip.delay: Theme.toolTipDelay
                    ToolTip.text: detailsToggle.checked ? qsTr("Hide the details pane (more room for the table)")
                                                        : qsTr("Show the selected task's details")
                }
            }
            // Table or tree: the shown one is highlighted (Fusion's tab bar drew the
            // unselected tab as the raised one, against the tool bar).
            RowLayout {
                id: viewSwitch
                readonly property int currentIndex: treeTab.checked ? 1 : 0
                spacing: 0
                ButtonGroup {
                    buttons: [tableTab, treeTab, warningsTab, histogramsTab]
                }
                Button {
                    id: tableTab
                    objectName: "tableTab"
                    text: qsTr("Table")
                    checkable: true
                    checked: true
                    highlighted: tableTab.checked
                }
                Button {
                    id: treeTab
                    objectName: "treeTab"
                    text: qsTr("Tree")
                    checkable: true
                    highlighted: treeTab.checked
                }
                Button {
                    id: warningsTab
                    objectName: "warningsTab"
                    text: monitor.warnings.count > 0 ? qsTr("Warnings (%1)").arg(Format.count(monitor.warnings.count))
                                                     : qsTr("Warnings")
                    checkable: true
                    highlighted: warningsTab.checked
                }
                Button {
                    id: histogramsTab
                    objectName: "histogramsTab"
                    text: qsTr("Histograms")
                    checkable: true
                    highlighted: histogramsTab.checked
                }
            }
        }
    }

    SplitView {
        id: mainSplit
        objectName: "mainSplit"
        anchors.fill: parent
        orientation: Qt.Horizontal

        LauncherPage {
            id: launcher
            objectName: "launcherPage"
            monitor: monitor
            SplitView.preferredWidth: Math.round(Math.max(Theme.sidebarMinWidth,
                                                          Math.min(Theme.sidebarWidth, window.width * Theme.sidebarShare)))
            SplitView.minimumWidth: Theme.sidebarMinWidth
            onLaunchRequested: name => window.launchChecked(name, "")
            onOpenFileRequested: openSetDialog.open()
        }

        SplitView {
            id: middleSplit
            orientation: Qt.Vertical
            SplitView.fillWidth: true

            // Above the table it filters; the timeline makes room for them.
            HistogramsPage {
                objectName: "histogramsPage"
                monitor: monitor
                visible: histogramsTab.checked
                SplitView.preferredHeight: implicitHeight
                SplitView.minimumHeight: implicitHeight
            }
            TasksPage {
                id: tasksPage
                objectName: "tasksPage"
                monitor: monitor
                selectedKey: window.selectedKey
                treeMode: viewSwitch.currentIndex === 1
                visible: !warningsTab.checked
                SplitView.fillHeight: true
                SplitView.minimumHeight: Theme.tableMinHeight
                onTaskSelected: key => window.select(key)
            }
            WarningsPage {
                id: warningsPage
                objectName: "warningsPage"
                monitor: monitor
                selectedKey: window.selectedKey
                visible: warningsTab.checked
                SplitView.fillHeight: true
                SplitView.minimumHeight: Theme.tableMinHeight
                onTaskSelected: key => window.select(key)
            }
            TimelinePage {
                id: timelinePage
                objectName: "timelinePage"
                monitor: monitor
                visible: !histogramsTab.checked
                selectedKey: window.selectedKey
                SplitView.preferredHeight: Math.round(Math.max(Theme.timelineMinHeight,
                                                               Math.min(Theme.timelineHeight, window.height * Theme.timelineShare)))
                SplitView.minimumHeight: Theme.timelineMinHeight
                onTaskSelected: key => window.select(key)
            }
        }

        DetailsPage {
            objectName: "detailsPage"
            visible: detailsToggle.checked
            monitor: monitor
            taskKey: window.selectedKey
            SplitView.preferredWidth: Math.round(Math.max(Theme.detailsMinWidth,
                                                          Math.min(Theme.detailsWidth, window.width * Theme.detailsShare)))
            SplitView.minimumWidth: Theme.detailsMinWidth
            readOnlyReason: window.readOnlyReason
            spawnReason: window.spawnReason
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
        message: window.statusMessage
        warningCount: monitor.warnings.count
        onWarningsRequested: warningsTab.checked = true
    }

    FileDialog {
        id: openSetDialog
        objectName: "openSetDialog"
        title: qsTr("Open a task set")
        fileMode: FileDialog.OpenFile
        nameFilters: [qsTr("Task sets (*.json)"), qsTr("All files (*)")]
        onAccepted: window.launchFile(openSetDialog.selectedFile)
    }
    ExportDialog {
        id: exportDialog
        objectName: "exportDialog"
        onExportRequested: (runId, file) => {
            const error = monitor.exportLog(runId, file)
            if (error.length > 0)
                window.showErrors(qsTr("The log was not written"), [error])
            else
                window.statusMessage = qsTr("Log of run #%1 written to %2").arg(runId).arg(exportDialog.path())
        }
    }
    CompareDialog {
        id: compareDialog
        monitor: monitor
        onTaskSelected: key => window.select(key)
    }
    FileDialog {
        id: openLogDialog
        objectName: "openLogDialog"
        title: qsTr("Open a log")
        fileMode: FileDialog.OpenFile
        nameFilters: [qsTr("Logs (*.json *.jsonl)"), qsTr("All files (*)")]
        onAccepted: window.openLog(openLogDialog.selectedFile)
    }
    // What the Open log dialog does with the file it was given.
    function openLog(file: url) {
        const error = monitor.openLog(file)
        if (error.length > 0)
            window.showErrors(qsTr("The log could not be read"), [error])
        else
            settings.noteFile("log", file)
    }
    Connections {
        target: monitor
        // A log opened: show that run alone, all of it.
        function onLogOpened(runId: int) {
            monitor.scopeRunId = runId
            timelinePage.fit()
        }
        function onScopeChanged() {
            timelinePage.fit()
        }
        // A removed run's task is selected no more (a key is (runId << 32) | id).
        function onRunRemoved(runId: int) {
            if (window.selectedKey >= 0 && Math.floor(window.selectedKey / 4294967296) === runId)
                window.selectedKey = -1
        }
    }

    ErrorsDialog {
        id: errorsDialog
    }
    AttachDialog {
        id: attachDialog
        objectName: "attachDialog"
        monitor: monitor
    }
    // An attached program: its run alone; what happens to it later, in the status bar.
    Connections {
        target: monitor
        function onProgramAttached(runId: int) {
            monitor.scopeRunId = runId
        }
        function onNotice(message: string) {
            window.statusMessage = message
        }
        function onRunFinished() {
            window.runsEnded += 1
        }
    }
    LaunchConfirmDialog {
        id: launchConfirmDialog
        objectName: "launchConfirmDialog"
        onLaunchConfirmed: (builtin, file) => window.launchNow(builtin, file)
    }
    SpawnDialog {
        id: spawnDialog
        objectName: "spawnDialog"
        onSpawnRequested: (op, params, parentKey, runId) => window.showErrors(qsTr("The task was not spawned"),
                                                                              monitor.spawnTask(op, params, parentKey, runId))
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
        onActivated: window.openExport()
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

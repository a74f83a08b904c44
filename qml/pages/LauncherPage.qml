pragma ComponentBehavior: Bound
import QtQuick
import Coroscope
import Coroscope.Monitor
import QtQuick.Controls.Fusion
import QtQuick.Layouts

// The launcher: built-in task sets (each names the idea it shows) and every run,
// live, finished or loaded from a log, with a Stop button each. Selecting a run scopes
// the views to it (times from its start) and picks what Export writes; "All runs"
// shows every run again.
Pane {
    id: page

    required property TaskMonitor monitor
    // The run the views are scoped to, -1 for all of them.
    readonly property int selectedRunId: page.monitor.scopeRunId > 0 ? page.monitor.scopeRunId : -1
    // The run Export writes: the selected one, else the newest.
    readonly property int exportRunId: page.selectedRunId >= 0 ? page.selectedRunId : runList.newestRunId
    readonly property bool canLaunch: setList.currentIndex >= 0

    // The window launches (after asking, for a very large set).
    signal launchRequested(string name)
    signal openFileRequested()

    function launchSelected() {
        if (setList.currentIndex < 0)
            return
        page.launchRequested(String(page.monitor.builtinSets[setList.currentIndex].name))
    }

    padding: Theme.spacingM
    background: Rectangle {
        color: Theme.surface
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: Theme.spacingM

        SectionLabel {
            text: qsTr("Task sets")
        }

        ListView {
            id: setList
            objectName: "builtinSetList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            Layout.minimumHeight: Theme.rowHeight * 3
            clip: true
            model: page.monitor.builtinSets
            currentIndex: 0
            keyNavigationEnabled: true
            boundsBehavior: Flickable.StopAtBounds
            ScrollBar.vertical: ScrollBar {}
            delegate: BuiltinSetDelegate {
                width: setList.width
                current: ListView.isCurrentItem
                onClicked: setList.currentIndex = index
                onLaunchRequested: {
                    setList.currentIndex = index
                    page.launchSelected()
                }
            }
        }

        RowLayout {
            Layout.fillWidth: true
            spacing: Theme.spacingS
            Button {
                objectName: "launchButton"
                Layout.fillWidth: true
                text: qsTr("Launch")
                highlighted: true
                enabled: page.canLaunch
                onClicked: page.launchSelected()
            }
            Button {
                objectName: "openFileButton"
                Layout.fillWidth: true
                text: qsTr("Open file\u2026")
                onClicked: page.openFileRequested()
            }
        }

        SectionLabel {
            Layout.topMargin: Theme.spacingM
            text: qsTr("Runs")
        }

        ItemDelegate {
            id: allRuns
            objectName: "allRunsItem"
            Layout.fillWidth: true
            visible: runList.count > 0
            text: qsTr("All runs")
            font.pixelSize: Theme.fontSizeM
            leftPadding: Theme.spacingM
            background: Rectangle {
                radius: Theme.radiusM
                color: page.selectedRunId < 0 ? Theme.selection : (allRuns.hovered ? Theme.hover : Theme.transparent)
            }
            onClicked: page.monitor.scopeRunId = 0
            ToolTip.visible: hovered
            ToolTip.delay: Theme.toolTipDelay
            ToolTip.text: qsTr("Show every run on one clock; select a run to see it alone")
        }

        ListView {
            id: runList
            objectName: "runList"

            readonly property int newestRunId: page.monitor.runs.newestRunId

            Layout.fillWidth: true
            Layout.preferredHeight: Theme.listMaxHeight
            clip: true
            model: page.monitor.runs
            boundsBehavior: Flickable.StopAtBounds
            ScrollBar.vertical: ScrollBar {}
            delegate: RunDelegate {
                id: runDelegate
                objectName: "run_" + runDelegate.runId
                width: runList.width
                current: runDelegate.runId === page.selectedRunId
                onClicked: page.monitor.scopeRunId = (runDelegate.runId === page.selectedRunId ? 0 : runDelegate.runId)
                onStopRequested: page.monitor.stopRun(runDelegate.runId)
                onRemoveRequested: page.monitor.removeRun(runDelegate.runId)
            }

            Label {
                anchors.centerIn: parent
                visible: runList.count === 0
                text: qsTr("No runs yet: launch a set")
                color: Theme.mutedText
                font.pixelSize: Theme.fontSizeS
            }
        }
    }
}

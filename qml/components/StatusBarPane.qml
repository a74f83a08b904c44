pragma ComponentBehavior: Bound
import QtQuick
import Coroscope
import Coroscope.Monitor
import QtQuick.Controls.Fusion
import QtQuick.Layouts

// The status bar: each loop's health (stalls, the longest, the last culprit) and the
// overall counts. It shows what it is given (the monitor's stats, loops and clock).
ToolBar {
    id: root

    required property TaskStats stats
    // TaskMonitor.loops: one map per loop (runId, run, name, healthy, stalls, ...).
    required property var loops
    required property real nowMs
    // What the last quiet action did (e.g. "Log of run #1 written to ..."), or "".
    property string message: ""
    // How many warnings the Warnings list holds (TaskMonitor.warnings.count).
    property int warningCount: 0

    // The warning count was clicked: show the Warnings list.
    signal warningsRequested()

    position: ToolBar.Footer
    implicitHeight: Theme.controlHeight

    RowLayout {
        anchors.fill: parent
        anchors.leftMargin: Theme.spacingL
        anchors.rightMargin: Theme.spacingL
        spacing: Theme.spacingXl

        Repeater {
            model: root.loops
            delegate: RowLayout {
                id: loopItem
                required property var modelData
                readonly property bool healthy: Boolean(loopItem.modelData.healthy)
                spacing: Theme.spacingS
                Rectangle {
                    implicitWidth: Theme.dotSize
                    implicitHeight: Theme.dotSize
                    radius: Theme.dotSize / 2
                    color: loopItem.healthy ? Theme.healthy : Theme.stall
                }
                Label {
                    text: Format.run(Number(loopItem.modelData.runId), String(loopItem.modelData.run)) + " \u00b7 "
                          + String(loopItem.modelData.name)
                    font.bold: true
                    font.pixelSize: Theme.fontSizeS
                    color: Theme.text
                }
                Label {
                    id: stallLine
                    objectName: "loopHealth"
                    readonly property int stalls: Number(loopItem.modelData.stalls)
                    // A step holding the loop now (TaskMonitor.loops' hungMs, hungTask).
                    readonly property bool hung: loopItem.modelData.hungMs !== undefined
                    text: stallLine.hung
                          ? qsTr("not responding for %1 \u00B7 held by %2").arg(Format.time(loopItem.modelData.hungMs))
                                .arg(String(loopItem.modelData.hungTask))
                          : stallLine.stalls === 0
                          ? qsTr("healthy")
                          : (stallLine.stalls === 1 ? qsTr("1 stall \u00B7 max %2 \u00B7 last: %3 (%4)")
                                          : qsTr("%1 stalls \u00B7 max %2 \u00B7 last: %3 (%4)")
                                                .arg(Format.count(stallLine.stalls)))
                              .arg(Format.time(loopItem.modelData.maxStallMs))
                              .arg(String(loopItem.modelData.lastStallTask))
                              .arg(Format.time(loopItem.modelData.lastStallMs))
                    font.pixelSize: Theme.fontSizeS
                    font.bold: stallLine.hung
                    color: loopItem.healthy ? Theme.mutedText : Theme.stall
                }
            }
        }
        Label {
            visible: root.loops.length === 0
            text: qsTr("No loop running")
            font.pixelSize: Theme.fontSizeS
            color: Theme.mutedText
        }
        ToolButton {
            id: warningsButton
            objectName: "warningsCount"
            visible: root.warningCount > 0
            implicitHeight: Theme.controlHeight - 2 * Theme.spacingXs
            text: root.warningCount === 1 ? qsTr("\u26A0 1 warning")
                                           : qsTr("\u26A0 %1 warnings").arg(Format.count(root.warningCount))
            font.pixelSize: Theme.fontSizeS
            palette.buttonText: Theme.failed
            onClicked: root.warningsRequested()
            ToolTip.visible: hovered
            ToolTip.delay: Theme.toolTipDelay
            ToolTip.text: qsTr("Show the warnings")
        }
        Label {
            objectName: "statusMessage"
            Layout.fillWidth: true
            text: root.message
            elide: Text.ElideMiddle
            horizontalAlignment: Text.AlignRight
            font.pixelSize: Theme.fontSizeS
            color: Theme.text
        }
        Label {
            objectName: "statusCounts"
            // The rate is a count of tasks (those that finished in the last second).
            text: totalText.text + " \u00B7 " + runningText.text + " \u00B7 " + rateText.text
                  + " \u00B7 " + clockText.text
            font.pixelSize: Theme.fontSizeS
            font.family: Theme.monoFamily
            color: Theme.mutedText

            NumberText {
                id: totalText
                pattern: qsTr("%1 tasks")
                value: root.stats.total
            }
            NumberText {
                id: runningText
                pattern: qsTr("%1 running")
                value: root.stats.running
            }
            NumberText {
                id: rateText
                pattern: qsTr("%1/s")
                value: root.stats.tasksPerSecond
            }
            NumberText {
                id: clockText
                kind: NumberText.Time
                value: root.nowMs
            }
        }
    }
}

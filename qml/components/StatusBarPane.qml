pragma ComponentBehavior: Bound
import QtQuick
import Coroscope
import QtQuick.Controls
import QtQuick.Layouts

// The status bar: each loop's health (stalls, the longest, the last culprit) and the
// overall counts. It shows what it is given (the monitor's stats, loops and clock).
ToolBar {
    id: root

    required property TaskStats stats
    // TaskMonitor.loops: one map per loop (runId, run, name, healthy, stalls, ...).
    required property var loops
    required property real nowMs

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
                    text: Number(loopItem.modelData.stalls) === 0
                          ? qsTr("healthy")
                          : qsTr("%1 stalls \u00B7 max %2 \u00B7 last: %3 (%4)")
                              .arg(Format.count(Number(loopItem.modelData.stalls)))
                              .arg(Format.time(loopItem.modelData.maxStallMs))
                              .arg(String(loopItem.modelData.lastStallTask))
                              .arg(Format.time(loopItem.modelData.lastStallMs))
                    font.pixelSize: Theme.fontSizeS
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
        Item {
            Layout.fillWidth: true
        }
        Label {
            objectName: "statusCounts"
            // Counts go through Format.count: a number passed to arg() as it is reads
            // "1e+06" or "1.00001e+06" past a million. The rate is a count of tasks
            // (those that finished in the last second), so it is whole too.
            text: qsTr("%1 tasks \u00B7 %2 running \u00B7 %3/s \u00B7 %4")
                    .arg(Format.count(root.stats.total))
                    .arg(Format.count(root.stats.running))
                    .arg(Format.count(root.stats.tasksPerSecond))
                    .arg(Format.time(root.nowMs))
            font.pixelSize: Theme.fontSizeS
            font.family: Theme.monoFamily
            color: Theme.mutedText
        }
    }
}

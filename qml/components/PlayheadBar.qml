pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls.Fusion
import QtQuick.Layouts
import Coroscope
import Coroscope.Monitor

// The playhead's controls (docs/spec/time-travel.md): where it is, the selected task's
// previous and next event, the run's first stall, failure or cancellation, play at
// 0.1x-10x, and Live. The playhead belongs to the scoped run: with every run shown the
// controls wait for one to be picked. Seeks are coalesced to one per frame, so a drag
// never queues more table rebuilds than the screen shows.
RowLayout {
    id: bar

    required property TaskMonitor monitor
    property real selectedKey: -1
    readonly property bool travelling: bar.monitor.playheadMs >= 0
    readonly property bool hasRun: bar.monitor.scopeRunId > 0
    property real speed: 1
    property real pendingMs: -1

    // Moves the playhead to `ms` at the next frame (the latest asked wins).
    function seek(ms: real) {
        bar.pendingMs = Math.max(0, ms)
        if (!coalesce.running)
            coalesce.start()
    }
    function jump(what: string) {
        player.stop()
        bar.monitor.jumpToFirst(what)
    }

    spacing: Theme.spacingS

    Timer {
        id: coalesce
        interval: 0
        onTriggered: {
            if (bar.pendingMs >= 0)
                bar.monitor.setPlayheadMs(bar.pendingMs)
            bar.pendingMs = -1
        }
    }
    Timer {
        id: player
        objectName: "playheadPlayer"
        property real lastWall: 0
        interval: Theme.playIntervalMs
        repeat: true
        onRunningChanged: player.lastWall = Date.now()
        onTriggered: {
            const now = Date.now()
            const next = bar.monitor.playheadMs + (now - player.lastWall) * bar.speed
            player.lastWall = now
            // A live run plays on up to now, then is Live; a finished one stops at its end.
            const end = bar.monitor.historyEndMs
            if (bar.monitor.live && next >= bar.monitor.nowMs) {
                player.stop()
                bar.monitor.goLive()
            } else if (!bar.monitor.live && end >= 0 && next >= end) {
                bar.monitor.setPlayheadMs(end)
                player.stop()
            } else {
                bar.monitor.setPlayheadMs(next)
            }
        }
    }
    Connections {
        target: bar.monitor
        function onScopeChanged() {
            player.stop()
        }
    }

    Label {
        objectName: "playheadTime"
        Layout.minimumWidth: 0
        text: !bar.hasRun ? qsTr("Pick a run to travel through its past")
                          : bar.travelling ? qsTr("At %1").arg(Format.time(bar.monitor.playheadMs))
                                           : qsTr("Live \u00B7 drag the time axis to go back")
        color: bar.travelling ? Theme.playhead : Theme.mutedText
        font.pixelSize: Theme.fontSizeS
        font.bold: bar.travelling
        elide: Text.ElideRight
        Layout.fillWidth: true
    }
    ToolButton {
        objectName: "playheadPrev"
        text: qsTr("\u25C2 Event")
        enabled: bar.hasRun && bar.selectedKey >= 0
        onClicked: {
            player.stop()
            bar.monitor.stepTaskEvent(bar.selectedKey, false)
        }
        ToolTip.visible: hovered
        ToolTip.delay: Theme.toolTipDelay
        ToolTip.text: qsTr("The selected task's previous event")
    }
    ToolButton {
        objectName: "playheadNext"
        text: qsTr("Event \u25B8")
        enabled: bar.hasRun && bar.selectedKey >= 0
        onClicked: {
            player.stop()
            bar.monitor.stepTaskEvent(bar.selectedKey, true)
        }
        ToolTip.visible: hovered
        ToolTip.delay: Theme.toolTipDelay
        ToolTip.text: qsTr("The selected task's next event")
    }
    Label {
        text: qsTr("First:")
        color: Theme.mutedText
        font.pixelSize: Theme.fontSizeS
    }
    ToolButton {
        objectName: "playheadFirstStall"
        text: qsTr("stall")
        enabled: bar.hasRun
        onClicked: bar.jump("stall")
        ToolTip.visible: hovered
        ToolTip.delay: Theme.toolTipDelay
        ToolTip.text: qsTr("Jump to the run's first stall")
    }
    ToolButton {
        objectName: "playheadFirstFailure"
        text: qsTr("failure")
        enabled: bar.hasRun
        onClicked: bar.jump("failure")
        ToolTip.visible: hovered
        ToolTip.delay: Theme.toolTipDelay
        ToolTip.text: qsTr("Jump to the run's first failed task")
    }
    ToolButton {
        objectName: "playheadFirstCancel"
        text: qsTr("cancelled")
        enabled: bar.hasRun
        onClicked: bar.jump("cancellation")
        ToolTip.visible: hovered
        ToolTip.delay: Theme.toolTipDelay
        ToolTip.text: qsTr("Jump to the run's first cancelled task")
    }
    ToolButton {
        objectName: "playheadPlay"
        text: player.running ? qsTr("\u275A\u275A") : qsTr("\u25B6")
        enabled: bar.hasRun
        onClicked: {
            if (player.running) {
                player.stop()
                return
            }
            // From Live, or from the end, playing starts at the run's start.
            const end = bar.monitor.historyEndMs
            if (!bar.travelling || (end >= 0 && bar.monitor.playheadMs >= end))
                bar.monitor.setPlayheadMs(0)
            player.start()
        }
        ToolTip.visible: hovered
        ToolTip.delay: Theme.toolTipDelay
        ToolTip.text: player.running ? qsTr("Pause") : qsTr("Play from the playhead")
    }
    ComboBox {
        id: speedBox
        objectName: "playheadSpeed"
        model: Theme.playSpeeds.map(s => s + "\u00D7")
        currentIndex: Theme.playSpeeds.indexOf(1)
        enabled: bar.hasRun
        implicitWidth: Theme.playSpeedWidth
        onActivated: index => bar.speed = Theme.playSpeeds[index]
    }
    Button {
        objectName: "playheadLive"
        text: qsTr("Live")
        flat: true
        highlighted: !bar.travelling
        enabled: bar.travelling
        onClicked: {
            player.stop()
            bar.monitor.goLive()
        }
        ToolTip.visible: hovered
        ToolTip.delay: Theme.toolTipDelay
        ToolTip.text: qsTr("Back to now")
    }
}

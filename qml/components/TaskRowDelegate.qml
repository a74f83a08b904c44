import QtQuick
import Coroscope
import QtQuick.Controls

// One row of the live task table. The state role is read through `model` because an
// Item already has a `state` property.
ItemDelegate {
    id: root

    required property int index
    required property var model
    required property real taskKey
    required property int runId
    required property string run
    required property int taskId
    required property string name
    required property string op
    required property string loop
    required property string awaiting
    required property var startedMs
    required property var durationMs
    required property string resultText
    required property string cancelReason
    property bool selected: false
    readonly property string taskState: String(root.model.state)

    height: Theme.rowHeight
    padding: 0
    hoverEnabled: true

    background: Rectangle {
        color: root.selected ? Theme.selection
                             : (root.hovered ? Theme.hover : (root.index % 2 ? Theme.alternateBase : Theme.base))
    }

    contentItem: Row {
        Label {
            objectName: "runCell"
            width: Theme.colRun
            height: root.height
            leftPadding: Theme.spacingM
            verticalAlignment: Text.AlignVCenter
            text: Format.run(root.runId, root.run)
            elide: Text.ElideRight
            font.pixelSize: Theme.fontSizeS
            color: Theme.mutedText
        }
        Label {
            width: Theme.colId
            height: root.height
            leftPadding: Theme.spacingM
            verticalAlignment: Text.AlignVCenter
            text: root.taskId
            font.family: Theme.monoFamily
            font.pixelSize: Theme.fontSizeS
            color: Theme.mutedText
        }
        Label {
            width: Theme.colName
            height: root.height
            leftPadding: Theme.spacingM
            verticalAlignment: Text.AlignVCenter
            text: root.name
            elide: Text.ElideRight
            color: Theme.text
        }
        Label {
            width: Theme.colOp
            height: root.height
            leftPadding: Theme.spacingM
            verticalAlignment: Text.AlignVCenter
            text: root.op
            elide: Text.ElideRight
            color: Theme.mutedText
        }
        Item {
            width: Theme.colState
            height: root.height
            StateBadge {
                x: Theme.spacingM
                anchors.verticalCenter: parent.verticalCenter
                stateName: root.taskState
            }
        }
        Label {
            width: Theme.colLoop
            height: root.height
            leftPadding: Theme.spacingM
            verticalAlignment: Text.AlignVCenter
            text: root.loop
            elide: Text.ElideRight
            color: Theme.mutedText
        }
        Label {
            width: Theme.colAwaiting
            height: root.height
            leftPadding: Theme.spacingM
            verticalAlignment: Text.AlignVCenter
            text: root.awaiting
            elide: Text.ElideRight
            color: Theme.text
        }
        Label {
            width: Theme.colStarted
            height: root.height
            leftPadding: Theme.spacingM
            verticalAlignment: Text.AlignVCenter
            text: Format.time(root.startedMs)
            font.family: Theme.monoFamily
            font.pixelSize: Theme.fontSizeS
            color: Theme.mutedText
        }
        Label {
            width: Theme.colDuration
            height: root.height
            leftPadding: Theme.spacingM
            verticalAlignment: Text.AlignVCenter
            text: Format.time(root.durationMs)
            font.family: Theme.monoFamily
            font.pixelSize: Theme.fontSizeS
            color: root.taskState === "running" ? Theme.running : Theme.text
        }
        Label {
            width: Theme.colResult
            height: root.height
            leftPadding: Theme.spacingM
            verticalAlignment: Text.AlignVCenter
            text: root.resultText
            elide: Text.ElideRight
            color: root.taskState === "failed" ? Theme.failed : Theme.text
        }
        Label {
            width: Theme.colReason
            height: root.height
            leftPadding: Theme.spacingM
            verticalAlignment: Text.AlignVCenter
            text: root.cancelReason
            elide: Text.ElideRight
            color: Theme.cancelled
        }
    }
}

import QtQuick
import QtQuick.Templates as T
import Coroscope

// One row of the live task table. The state role is read through `model` because an
// Item already has a `state` property.
// The first launch creates a screenful of rows in one frame, so a row is kept light:
// the Templates' ItemDelegate (the style's would only add a content item and a
// background that are replaced here anyway) and plain Text cells (a Label adds palette,
// font and accessibility inheritance per cell). Both are known at build time, so
// qmlcachegen compiles the bindings to C++ (types of QtQuick.Controls are chosen at run
// time and are not), instead of the engine interpreting them, then JIT-compiling them.
// Cells are plain text: a task named "<b>x</b>" reads as written.
T.ItemDelegate {
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
        Text {
            textFormat: Text.PlainText
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
        Text {
            textFormat: Text.PlainText
            width: Theme.colId
            height: root.height
            leftPadding: Theme.spacingM
            verticalAlignment: Text.AlignVCenter
            text: root.taskId
            font.family: Theme.monoFamily
            font.pixelSize: Theme.fontSizeS
            color: Theme.mutedText
        }
        Text {
            textFormat: Text.PlainText
            width: Theme.colName
            height: root.height
            leftPadding: Theme.spacingM
            verticalAlignment: Text.AlignVCenter
            text: root.name
            elide: Text.ElideRight
            color: Theme.text
        }
        Text {
            textFormat: Text.PlainText
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
        Text {
            textFormat: Text.PlainText
            width: Theme.colLoop
            height: root.height
            leftPadding: Theme.spacingM
            verticalAlignment: Text.AlignVCenter
            text: root.loop
            elide: Text.ElideRight
            color: Theme.mutedText
        }
        Text {
            textFormat: Text.PlainText
            width: Theme.colAwaiting
            height: root.height
            leftPadding: Theme.spacingM
            verticalAlignment: Text.AlignVCenter
            text: root.awaiting
            elide: Text.ElideRight
            color: Theme.text
        }
        Text {
            textFormat: Text.PlainText
            width: Theme.colStarted
            height: root.height
            leftPadding: Theme.spacingM
            verticalAlignment: Text.AlignVCenter
            text: Format.time(root.startedMs)
            font.family: Theme.monoFamily
            font.pixelSize: Theme.fontSizeS
            color: Theme.mutedText
        }
        Text {
            textFormat: Text.PlainText
            width: Theme.colDuration
            height: root.height
            leftPadding: Theme.spacingM
            verticalAlignment: Text.AlignVCenter
            text: Format.time(root.durationMs)
            font.family: Theme.monoFamily
            font.pixelSize: Theme.fontSizeS
            color: root.taskState === "running" ? Theme.running : Theme.text
        }
        Text {
            textFormat: Text.PlainText
            width: Theme.colResult
            height: root.height
            leftPadding: Theme.spacingM
            verticalAlignment: Text.AlignVCenter
            text: root.resultText
            elide: Text.ElideRight
            color: root.taskState === "failed" ? Theme.failed : Theme.text
        }
        Text {
            textFormat: Text.PlainText
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

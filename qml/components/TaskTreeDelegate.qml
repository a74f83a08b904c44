import QtQuick
import Coroscope
import QtQuick.Controls.Fusion
import QtQuick.Layouts

// One node of the task tree: expander, state glyph, name, what it awaits, duration.
ItemDelegate {
    id: root

    required property TreeView treeView
    required property bool isTreeNode
    required property bool expanded
    required property bool hasChildren
    required property int depth
    required property int row
    required property var model
    property real selectedKey: -1
    readonly property real taskKey: Number(root.model.taskKey)
    readonly property string taskState: String(root.model.state)

    signal taskClicked(real key)

    implicitHeight: Theme.rowHeight
    padding: 0
    leftPadding: Theme.spacingM + root.depth * Theme.treeIndent
    hoverEnabled: true
    onPressed: root.taskClicked(root.taskKey)
    onDoubleClicked: root.treeView.toggleExpanded(root.row)

    background: Rectangle {
        color: root.taskKey === root.selectedKey ? Theme.selection : (root.hovered ? Theme.hover : Theme.base)
    }

    contentItem: RowLayout {
        spacing: Theme.spacingS
        ToolButton {
            Layout.preferredWidth: Theme.treeIndent
            Layout.preferredHeight: Theme.rowHeight
            padding: 0
            flat: true
            text: root.hasChildren ? (root.expanded ? "\u25BE" : "\u25B8") : ""
            enabled: root.hasChildren
            onClicked: root.treeView.toggleExpanded(root.row)
        }
        Label {
            text: Theme.stateGlyph(root.taskState)
            color: Theme.stateColor(root.taskState)
            font.bold: true
        }
        Label {
            text: String(root.model.name)
            color: Theme.text
            elide: Text.ElideRight
            Layout.maximumWidth: Theme.colName
        }
        Label {
            text: "#" + String(root.model.taskId) + " \u00B7 " + String(root.model.op)
            color: Theme.mutedText
            font.pixelSize: Theme.fontSizeS
        }
        Label {
            Layout.fillWidth: true
            text: String(root.model.awaiting)
            color: Theme.mutedText
            font.pixelSize: Theme.fontSizeS
            elide: Text.ElideRight
        }
        Label {
            text: Format.time(root.model.durationMs)
            color: root.taskState === "running" ? Theme.running : Theme.mutedText
            font.family: Theme.monoFamily
            font.pixelSize: Theme.fontSizeS
            Layout.rightMargin: Theme.spacingM
        }
    }
}

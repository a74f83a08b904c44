import QtQuick
import Coroscope
import QtQuick.Controls.Fusion
import QtQuick.Layouts

// One warning of the Warnings list (WarningListModel's roles): its kind, the task it
// names (a link: clicking the line selects that task), what happened, and its run.
ItemDelegate {
    id: root

    required property int index
    required property string kind
    required property real taskKey
    required property string task
    required property string detail
    required property string run
    property bool selected: false

    signal taskActivated(real key)

    objectName: "warning_" + root.index
    width: ListView.view ? ListView.view.width : implicitWidth
    padding: Theme.spacingXs
    leftPadding: Theme.spacingM
    rightPadding: Theme.spacingM
    hoverEnabled: true
    enabled: root.taskKey >= 0
    onClicked: root.taskActivated(root.taskKey)

    background: Rectangle {
        color: root.selected ? Theme.selection : root.hovered ? Theme.hover : Theme.transparent
    }
    contentItem: RowLayout {
        spacing: Theme.spacingM
        Label {
            Layout.preferredWidth: Theme.colName
            text: root.kind
            color: root.kind === "not-responding" || root.kind === "stall" ? Theme.stall : Theme.failed
            font.family: Theme.monoFamily
            font.pixelSize: Theme.fontSizeS
            font.bold: true
            elide: Text.ElideRight
        }
        Label {
            Layout.preferredWidth: Theme.colName
            text: root.task
            color: root.taskKey >= 0 ? Theme.link : Theme.mutedText
            font.pixelSize: Theme.fontSizeS
            font.underline: root.hovered && root.taskKey >= 0
            elide: Text.ElideRight
        }
        Label {
            Layout.fillWidth: true
            text: root.detail
            color: Theme.text
            font.pixelSize: Theme.fontSizeS
            elide: Text.ElideRight
            ToolTip.visible: root.hovered && truncated
            ToolTip.delay: Theme.toolTipDelay
            ToolTip.text: root.detail
        }
        Label {
            Layout.preferredWidth: Theme.colRun
            text: root.run
            color: Theme.mutedText
            font.pixelSize: Theme.fontSizeS
            elide: Text.ElideRight
            horizontalAlignment: Text.AlignRight
        }
    }
}

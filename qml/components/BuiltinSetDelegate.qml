import QtQuick
import Coroscope
import QtQuick.Controls.Fusion
import QtQuick.Layouts

// One built-in task set in the launcher: its name, the idea it shows, a launch button.
ItemDelegate {
    id: root

    required property int index
    required property var modelData
    property bool current: false
    // Whether the description's lines are cut off (set by its label).
    property bool descriptionCut: false

    signal launchRequested()

    objectName: "builtinSet_" + String(root.modelData.name)
    highlighted: root.current
    padding: Theme.spacingM
    onDoubleClicked: root.launchRequested()
    // The whole description when its lines are cut off.
    hoverEnabled: true
    ToolTip.visible: root.hovered && root.descriptionCut
    ToolTip.delay: Theme.toolTipDelay
    ToolTip.text: String(root.modelData.description)

    background: Rectangle {
        radius: Theme.radiusM
        color: root.current ? Theme.selection : (root.hovered ? Theme.hover : Theme.transparent)
    }

    contentItem: RowLayout {
        spacing: Theme.spacingM
        ColumnLayout {
            Layout.fillWidth: true
            spacing: Theme.spacingXs
            Label {
                Layout.fillWidth: true
                text: String(root.modelData.name)
                font.pixelSize: Theme.fontSizeM
                font.bold: true
                color: Theme.text
                elide: Text.ElideRight
            }
            Label {
                objectName: "setDescription"
                onTruncatedChanged: root.descriptionCut = truncated
                Layout.fillWidth: true
                text: String(root.modelData.description)
                font.pixelSize: Theme.fontSizeS
                color: Theme.mutedText
                wrapMode: Text.WordWrap
                maximumLineCount: 3
                elide: Text.ElideRight
            }
        }
        ToolButton {
            text: "\u25B6"
            visible: root.current || root.hovered
            onClicked: root.launchRequested()
            ToolTip.visible: hovered
            ToolTip.delay: Theme.toolTipDelay
            ToolTip.text: qsTr("Launch")
        }
    }
}

import QtQuick
import Coroscope
import QtQuick.Controls.Fusion
import QtQuick.Layouts

// A clickable reference to another task ({taskKey, name, state}): moves the selection.
ItemDelegate {
    id: root

    required property var modelData
    property string prefix
    readonly property string taskState: root.modelData && root.modelData.state ? String(root.modelData.state) : ""

    signal activated(real key)

    padding: Theme.spacingXs
    leftPadding: Theme.spacingS
    hoverEnabled: true
    onClicked: root.activated(Number(root.modelData.taskKey))

    background: Rectangle {
        radius: Theme.radiusS
        color: root.hovered ? Theme.hover : Theme.transparent
    }
    contentItem: RowLayout {
        spacing: Theme.spacingS
        Label {
            text: root.prefix
            color: Theme.mutedText
            font.pixelSize: Theme.fontSizeS
            Layout.preferredWidth: Theme.fieldLabelWidth / 2
        }
        Label {
            text: Theme.stateGlyph(root.taskState)
            color: Theme.stateColor(root.taskState)
            visible: root.taskState.length > 0
            font.pixelSize: Theme.fontSizeS
        }
        Label {
            Layout.fillWidth: true
            text: root.modelData && root.modelData.name !== undefined ? String(root.modelData.name) : ""
            color: Theme.link
            font.pixelSize: Theme.fontSizeS
            font.underline: root.hovered
            elide: Text.ElideRight
        }
    }
}

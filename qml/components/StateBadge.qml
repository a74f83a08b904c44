import QtQuick
import Coroscope
import QtQuick.Controls
import QtQuick.Layouts

// A task's state: its glyph and name in the state's colour, on a tinted pill.
Rectangle {
    id: root

    property string stateName

    implicitWidth: badgeRow.implicitWidth + 2 * Theme.spacingM
    implicitHeight: Theme.chipHeight - 2 * Theme.spacingXs
    radius: height / 2
    color: Qt.rgba(root.stateColor.r, root.stateColor.g, root.stateColor.b, 0.16)
    readonly property color stateColor: Theme.stateColor(root.stateName)

    RowLayout {
        id: badgeRow
        anchors.centerIn: parent
        spacing: Theme.spacingS
        Label {
            text: Theme.stateGlyph(root.stateName)
            color: root.stateColor
            font.pixelSize: Theme.fontSizeS
            font.bold: true
        }
        Label {
            text: root.stateName
            color: root.stateColor
            font.pixelSize: Theme.fontSizeS
        }
    }
}

import QtQuick
import Coroscope

// A task's state: its glyph and name in the state's colour, on a tinted pill.
Rectangle {
    id: root

    property string stateName

    implicitWidth: badgeRow.implicitWidth + 2 * Theme.spacingM
    implicitHeight: Theme.chipHeight - 2 * Theme.spacingXs
    radius: height / 2
    color: Qt.rgba(root.stateColor.r, root.stateColor.g, root.stateColor.b, Theme.badgeTint)
    readonly property color stateColor: Theme.stateColor(root.stateName)

    // A Row of Texts: the badge sits in every table row, where a layout's polish and a
    // Label's style inheritance cost more than this fixed arrangement needs.
    Row {
        id: badgeRow
        anchors.centerIn: parent
        spacing: Theme.spacingS
        Text {
            text: Theme.stateGlyph(root.stateName)
            color: root.stateColor
            font.pixelSize: Theme.fontSizeS
            font.bold: true
        }
        Text {
            text: root.stateName
            color: root.stateColor
            font.pixelSize: Theme.fontSizeS
        }
    }
}

import QtQuick
import Coroscope
import QtQuick.Controls.Fusion

// One column header of the task table; clicking sorts by its role, again reverses.
AbstractButton {
    id: root

    property string role
    property string sortRole
    property bool ascending: true
    readonly property bool sorted: root.sortRole === root.role

    hoverEnabled: true
    leftPadding: Theme.spacingM
    rightPadding: Theme.spacingS

    background: Rectangle {
        color: root.hovered ? Theme.hover : Theme.transparent
        Rectangle {
            anchors.right: parent.right
            anchors.verticalCenter: parent.verticalCenter
            width: Theme.stroke
            height: parent.height / 2
            color: Theme.border
        }
    }
    contentItem: Label {
        text: root.text + (root.sorted ? (root.ascending ? " \u25B4" : " \u25BE") : "")
        font.pixelSize: Theme.fontSizeS
        font.bold: root.sorted
        color: root.sorted ? Theme.text : Theme.mutedText
        verticalAlignment: Text.AlignVCenter
        elide: Text.ElideRight
    }
}

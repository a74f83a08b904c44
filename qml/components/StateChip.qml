import QtQuick
import Coroscope
import QtQuick.Controls.Fusion

// A state filter chip: the state's glyph and name, filled with its colour when on.
AbstractButton {
    id: root

    property string stateName
    readonly property color stateColor: Theme.stateColor(root.stateName)

    checkable: true
    implicitHeight: Theme.chipHeight
    implicitWidth: root.implicitContentWidth + 2 * Theme.spacingL
    hoverEnabled: true

    ToolTip.visible: root.hovered
    ToolTip.delay: Theme.toolTipDelay
    ToolTip.text: root.checked ? qsTr("Hide %1 tasks").arg(root.stateName) : qsTr("Show %1 tasks").arg(root.stateName)

    background: Rectangle {
        radius: height / 2
        color: root.checked ? root.stateColor : Theme.transparent
        border.color: root.stateColor
        border.width: Theme.stroke
        opacity: root.hovered ? 0.85 : 1
        Behavior on color {
            ColorAnimation {
                duration: Theme.animFast
            }
        }
    }
    contentItem: Label {
        text: Theme.stateGlyph(root.stateName) + " " + root.stateName
        horizontalAlignment: Text.AlignHCenter
        verticalAlignment: Text.AlignVCenter
        font.pixelSize: Theme.fontSizeS
        color: root.checked ? Theme.chipText : root.stateColor
    }
}

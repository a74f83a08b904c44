import QtQuick
import Coroscope
import QtQuick.Controls.Fusion

// A tool button whose tooltip shows even while it cannot act, so that it can say why
// (a disabled control gets no hover). `active` is what `enabled` is to a button.
Item {
    id: root

    property alias text: button.text
    property alias flat: button.flat
    property bool active: true
    property string toolTip: ""
    readonly property bool toolTipShown: hover.hovered && root.toolTip.length > 0

    signal clicked()

    implicitWidth: button.implicitWidth
    implicitHeight: button.implicitHeight

    ToolButton {
        id: button
        anchors.fill: parent
        enabled: root.active
        onClicked: root.clicked()
    }
    HoverHandler {
        id: hover
    }
    ToolTip.visible: root.toolTipShown
    ToolTip.delay: Theme.toolTipDelay
    ToolTip.text: root.toolTip
}

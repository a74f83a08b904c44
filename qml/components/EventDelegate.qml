import QtQuick
import Coroscope
import QtQuick.Controls.Fusion
import QtQuick.Layouts

// One timed line of a task's history (an event, or a callback and when it fired).
RowLayout {
    id: root

    property real timeMs: -1
    property string title
    property string detail
    property color accent: Theme.mutedText

    spacing: Theme.spacingM

    Label {
        Layout.preferredWidth: Theme.colStarted
        Layout.alignment: Qt.AlignTop
        text: Format.time(root.timeMs)
        font.family: Theme.monoFamily
        font.pixelSize: Theme.fontSizeS
        color: Theme.mutedText
    }
    Rectangle {
        Layout.alignment: Qt.AlignTop
        Layout.topMargin: Theme.spacingS
        implicitWidth: Theme.dotSize
        implicitHeight: Theme.dotSize
        radius: Theme.dotSize / 2
        color: root.accent
    }
    ColumnLayout {
        Layout.fillWidth: true
        spacing: 0
        Label {
            Layout.fillWidth: true
            text: root.title
            color: Theme.text
            font.pixelSize: Theme.fontSizeS
            font.bold: true
            wrapMode: Text.WrapAnywhere
        }
        Label {
            Layout.fillWidth: true
            visible: root.detail.length > 0
            text: root.detail
            color: Theme.mutedText
            font.pixelSize: Theme.fontSizeS
            wrapMode: Text.WrapAnywhere
        }
    }
}

pragma ComponentBehavior: Bound
import QtQuick
import Coroscope
import QtQuick.Controls.Fusion
import QtQuick.Templates as T
import QtQuick.Layouts

// Every error of a failed action (a bad task-set file lists each one as
// FILE:LINE:COL: /pointer: message); nothing ran.
Dialog {
    id: root

    property var errors: []

    function show(heading: string, list: var) {
        root.title = heading
        root.errors = list
        root.open()
    }

    modal: true
    anchors.centerIn: T.Overlay.overlay
    width: Math.min(Theme.errorsDialogWidth, parent ? parent.width - 2 * Theme.spacingXxl : Theme.errorsDialogWidth)
    height: Math.min(Theme.errorsDialogHeight, parent ? parent.height - 2 * Theme.spacingXxl : Theme.errorsDialogHeight)
    standardButtons: Dialog.Close

    ColumnLayout {
        anchors.fill: parent
        spacing: Theme.spacingM
        Label {
            Layout.fillWidth: true
            text: root.errors.length === 1 ? qsTr("1 error; nothing was run.") : qsTr("%1 errors; nothing was run.").arg(root.errors.length)
            color: Theme.mutedText
            wrapMode: Text.WordWrap
        }
        ScrollView {
            Layout.fillWidth: true
            Layout.fillHeight: true
            TextArea {
                readOnly: true
                selectByMouse: true
                wrapMode: TextEdit.WrapAnywhere
                font.family: Theme.monoFamily
                font.pixelSize: Theme.fontSizeS
                color: Theme.failed
                text: root.errors.join("\n")
            }
        }
    }
}

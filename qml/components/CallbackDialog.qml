pragma ComponentBehavior: Bound
import QtQuick
import Coroscope
import QtQuick.Controls.Fusion
import QtQuick.Templates as T
import QtQuick.Layouts

// Attach a done-callback to a task, live or finished: log a message, call with bound
// arguments (functools.partial), or spawn a follow-up task. It fires once, after the
// task ends, in the order callbacks were added.
Dialog {
    id: root

    property real taskKey: -1

    signal callbackRequested(real taskKey, string kind, string text)

    title: qsTr("Add a done-callback")
    modal: true
    anchors.centerIn: T.Overlay.overlay
    width: Theme.dialogWidth
    standardButtons: Dialog.Ok | Dialog.Cancel

    onAccepted: root.callbackRequested(root.taskKey, kindBox.currentValue, textField.text)

    GridLayout {
        anchors.fill: parent
        columns: 2
        columnSpacing: Theme.spacingL
        rowSpacing: Theme.spacingM

        Label {
            text: qsTr("Kind")
            Layout.preferredWidth: Theme.fieldLabelWidth
        }
        ComboBox {
            id: kindBox
            objectName: "callbackKind"
            Layout.fillWidth: true
            textRole: "label"
            valueRole: "kind"
            model: [
                { kind: "log", label: qsTr("Log a message"), hint: qsTr("Message"), value: qsTr("task finished") },
                { kind: "partial", label: qsTr("Call with bound arguments (partial)"), hint: qsTr("Arguments, a JSON array"), value: "[\"tag\", 42]" },
                { kind: "spawn", label: qsTr("Spawn a follow-up task"), hint: qsTr("Operation of the follow-up"), value: "sleep" }
            ]
            onActivated: textField.text = String(kindBox.model[kindBox.currentIndex].value)
        }
        Label {
            text: String(kindBox.model[kindBox.currentIndex].hint)
            Layout.preferredWidth: Theme.fieldLabelWidth
            wrapMode: Text.WordWrap
        }
        TextField {
            id: textField
            objectName: "callbackText"
            Layout.fillWidth: true
            text: qsTr("task finished")
            selectByMouse: true
        }
        Label {
            Layout.columnSpan: 2
            Layout.fillWidth: true
            wrapMode: Text.WordWrap
            color: Theme.mutedText
            font.pixelSize: Theme.fontSizeS
            text: qsTr("A callback added to a task that already ended fires at once, like asyncio's add_done_callback.")
        }
    }
}

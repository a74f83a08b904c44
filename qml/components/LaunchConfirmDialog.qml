pragma ComponentBehavior: Bound
import QtQuick
import Coroscope
import QtQuick.Controls.Fusion
import QtQuick.Templates as T
import QtQuick.Layouts

// Asks before a run that would create very many tasks (TaskMonitor's estimate says
// when): how many, and about how much memory. Launch runs it; Cancel runs nothing.
Dialog {
    id: root

    // What to launch: a built-in set's name, or else a set file.
    property string builtinName
    property url fileUrl
    property string setName
    property real tasks: 0
    property real bytes: 0
    property real heldTasks: 0
    property real heldBytes: 0

    signal launchConfirmed(string builtinName, url fileUrl)

    function ask(name: string, builtin: string, file: url, estimate: var) {
        root.setName = name
        root.builtinName = builtin
        root.fileUrl = file
        root.tasks = Number(estimate.tasks)
        root.bytes = Number(estimate.bytes)
        root.heldTasks = Number(estimate.heldTasks)
        root.heldBytes = Number(estimate.heldBytes)
        root.open()
    }

    title: qsTr("Launch a very large run?")
    modal: true
    anchors.centerIn: T.Overlay.overlay
    width: Theme.dialogWidth
    standardButtons: Dialog.Ok | Dialog.Cancel
    // Ok says what it does; Cancel has the focus, so Enter does not start the big run.
    Component.onCompleted: root.standardButton(Dialog.Ok).text = qsTr("Launch")
    onOpened: root.standardButton(Dialog.Cancel).forceActiveFocus()
    onAccepted: root.launchConfirmed(root.builtinName, root.fileUrl)

    ColumnLayout {
        anchors.fill: parent
        spacing: Theme.spacingM
        Label {
            objectName: "launchConfirmText"
            Layout.fillWidth: true
            wrapMode: Text.WordWrap
            text: qsTr("%1 creates up to %2 tasks; expect about %3 of memory while it runs.")
                    .arg(root.setName).arg(Format.count(root.tasks)).arg(Format.bytes(root.bytes))
            color: Theme.text
        }
        Label {
            objectName: "launchConfirmHeld"
            Layout.fillWidth: true
            visible: root.heldTasks > 0
            wrapMode: Text.WordWrap
            text: qsTr("The runs already here hold %1 tasks (about %2): about %3 in all.")
                    .arg(Format.count(root.heldTasks)).arg(Format.bytes(root.heldBytes))
                    .arg(Format.bytes(root.heldBytes + root.bytes))
            color: Theme.text
        }
        Label {
            Layout.fillWidth: true
            wrapMode: Text.WordWrap
            text: qsTr("Its tasks start at once. Stop in the run list cancels them all.")
            color: Theme.mutedText
            font.pixelSize: Theme.fontSizeS
        }
    }
}

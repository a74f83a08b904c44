pragma ComponentBehavior: Bound
import QtQuick
import Coroscope
import QtQuick.Controls.Fusion
import QtQuick.Templates as T
import QtQuick.Layouts

// Spawn one task: sleep, fail, cpu or block, with its parameters (sensible defaults):
// a root task of the selected run (or of the playground), or a child of the selected
// task while that task runs (TaskMonitor.spawnTarget).
Dialog {
    id: root

    // The selected task, if it can take a child; else -1.
    property real parentKey: -1
    // The run a root task goes to (-1: the playground), and its title.
    property int runId: -1
    property string where: ""

    signal spawnRequested(string op, var params, real parentKey, int runId)

    // Opens the dialog for a target, as TaskMonitor.spawnTarget gives it.
    function ask(target: var) {
        root.parentKey = Number(target.parentKey)
        root.runId = Number(target.runId)
        root.where = String(target.where)
        asChild.checked = root.parentKey >= 0
        root.open()
    }

    title: qsTr("Spawn a task")
    modal: true
    anchors.centerIn: T.Overlay.overlay
    width: Theme.dialogWidth
    standardButtons: Dialog.Ok | Dialog.Cancel

    onAccepted: {
        const op = opBox.currentText
        const params = {}
        if (op === "sleep" || op === "fail" || op === "block")
            params.seconds = Number(seconds.text)
        if (op === "sleep")
            params.result = result.text
        if (op === "fail")
            params.message = message.text
        if (op === "cpu")
            params.work_ms = Number(workMs.text)
        if (op === "cpu")
            params.where = whereBox.currentText
        root.spawnRequested(op, params, asChild.checked ? root.parentKey : -1, root.runId)
    }

    GridLayout {
        anchors.fill: parent
        columns: 2
        columnSpacing: Theme.spacingL
        rowSpacing: Theme.spacingM

        Label {
            text: qsTr("Operation")
            Layout.preferredWidth: Theme.fieldLabelWidth
        }
        ComboBox {
            id: opBox
            objectName: "spawnOp"
            Layout.fillWidth: true
            model: ["sleep", "fail", "cpu", "block"]
        }
        Label {
            Layout.columnSpan: 2
            Layout.fillWidth: true
            wrapMode: Text.WordWrap
            color: Theme.mutedText
            font.pixelSize: Theme.fontSizeS
            text: opBox.currentText === "sleep" ? qsTr("Awaits a timer, then returns its result: I/O-bound, the loop stays free.")
                : opBox.currentText === "fail" ? qsTr("Sleeps, then raises an error: the task ends failed.")
                : opBox.currentText === "cpu" ? qsTr("Computes for a while: inline it stalls the loop, on the pool it runs in parallel.")
                : qsTr("Blocks its loop (like time.sleep in async def): the loop stalls and names this task.")
        }

        Label {
            text: qsTr("Seconds")
            visible: seconds.visible
        }
        TextField {
            id: seconds
            objectName: "spawnSeconds"
            Layout.fillWidth: true
            visible: opBox.currentText === "sleep" || opBox.currentText === "fail" || opBox.currentText === "block"
            text: "2"
            validator: DoubleValidator {
                bottom: 0
            }
        }
        Label {
            text: qsTr("Result")
            visible: result.visible
        }
        TextField {
            id: result
            objectName: "spawnResult"
            Layout.fillWidth: true
            visible: opBox.currentText === "sleep"
            text: "\"ok\""
            placeholderText: qsTr("JSON value")
        }
        Label {
            text: qsTr("Error message")
            visible: message.visible
        }
        TextField {
            id: message
            Layout.fillWidth: true
            visible: opBox.currentText === "fail"
            text: qsTr("boom")
        }
        Label {
            text: qsTr("Work (ms)")
            visible: workMs.visible
        }
        TextField {
            id: workMs
            objectName: "spawnWorkMs"
            Layout.fillWidth: true
            visible: opBox.currentText === "cpu"
            text: "500"
            validator: IntValidator {
                bottom: 0
            }
        }
        Label {
            text: qsTr("Where")
            visible: whereBox.visible
        }
        ComboBox {
            id: whereBox
            Layout.fillWidth: true
            visible: opBox.currentText === "cpu"
            model: ["loop", "pool"]
        }
        CheckBox {
            id: asChild
            objectName: "spawnAsChild"
            Layout.columnSpan: 2
            enabled: root.parentKey >= 0
            text: root.parentKey >= 0 ? qsTr("As a child of the selected task")
                                      : qsTr("As a child of the selected task (it must be running)")
        }
        Label {
            objectName: "spawnWhere"
            Layout.columnSpan: 2
            Layout.fillWidth: true
            wrapMode: Text.WordWrap
            color: Theme.mutedText
            font.pixelSize: Theme.fontSizeS
            text: asChild.checked ? qsTr("In the selected task's run.") : qsTr("A root task of %1.").arg(root.where)
        }
    }
}

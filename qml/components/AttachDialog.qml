pragma ComponentBehavior: Bound
import QtQuick
import Coroscope
import Coroscope.Monitor
import QtQuick.Controls.Fusion
import QtQuick.Templates as T
import QtQuick.Layouts

// Attach to a program of this user that runs with a Coroscope probe
// (docs/spec/probe-protocol.md): the live ones (pid, program, started; sockets whose
// program has ended are left out), listed when the dialog opens and on Refresh.
// Attach (or a double click) makes the chosen one a run; a refusal shows here.
Dialog {
    id: root

    required property TaskMonitor monitor
    // TaskMonitor.attachablePrograms(), as last listed.
    property var programs: []
    property string problem: ""
    property string error: ""

    function refresh() {
        root.show(root.monitor.attachablePrograms())
    }
    function show(listed: var) {
        root.programs = listed.programs
        root.problem = String(listed.problem)
        root.error = ""
        programList.currentIndex = root.programs.length > 0 ? 0 : -1
    }
    function attachCurrent() {
        if (programList.currentIndex < 0)
            return
        const failed = root.monitor.attachProgram(String(root.programs[programList.currentIndex].path))
        if (failed.length > 0)
            root.error = failed
        else
            root.close()
    }

    title: qsTr("Attach to a program")
    modal: true
    anchors.centerIn: T.Overlay.overlay
    width: Math.min(Theme.attachDialogWidth, parent ? parent.width - 2 * Theme.spacingXxl : Theme.attachDialogWidth)
    onOpened: root.refresh()

    // Reset is Refresh, Apply is Attach: Apply closes the dialog only once attached
    // (a refusal shows here).
    standardButtons: Dialog.Reset | Dialog.Apply | Dialog.Close
    onReset: root.refresh()
    onApplied: root.attachCurrent()
    Component.onCompleted: {
        const refresh = root.standardButton(Dialog.Reset)
        refresh.text = qsTr("Refresh")
        refresh.objectName = "attachRefresh"
        const attach = root.standardButton(Dialog.Apply)
        attach.text = qsTr("Attach")
        attach.objectName = "attachButton"
        attach.highlighted = true
        attach.enabled = Qt.binding(() => programList.currentIndex >= 0)
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: Theme.spacingM

        Label {
            Layout.fillWidth: true
            wrapMode: Text.WordWrap
            color: Theme.mutedText
            text: qsTr("Your programs that run with a Coroscope probe. Attaching shows their tasks live; detaching leaves them running.")
        }
        RowLayout {
            Layout.fillWidth: true
            spacing: Theme.spacingM
            Label {
                Layout.preferredWidth: Theme.pidColumnWidth
                text: qsTr("PID")
                font.bold: true
            }
            Label {
                Layout.fillWidth: true
                text: qsTr("Program")
                font.bold: true
            }
            Label {
                Layout.preferredWidth: Theme.startedColumnWidth
                text: qsTr("Started")
                font.bold: true
            }
        }
        ListView {
            id: programList
            objectName: "attachList"
            Layout.fillWidth: true
            Layout.preferredHeight: Theme.listMaxHeight
            clip: true
            model: root.programs
            boundsBehavior: Flickable.StopAtBounds
            ScrollBar.vertical: ScrollBar {}
            delegate: ItemDelegate {
                id: programRow
                required property int index
                required property var modelData
                objectName: "attachProgram_" + programRow.modelData.pid
                width: programList.width
                background: Rectangle {
                    radius: Theme.radiusM
                    color: programRow.ListView.isCurrentItem ? Theme.selection
                                                             : (programRow.hovered ? Theme.hover : Theme.transparent)
                }
                onClicked: programList.currentIndex = programRow.index
                onDoubleClicked: {
                    programList.currentIndex = programRow.index
                    root.attachCurrent()
                }
                contentItem: RowLayout {
                    spacing: Theme.spacingM
                    Label {
                        Layout.preferredWidth: Theme.pidColumnWidth
                        text: String(programRow.modelData.pid)
                        font.family: Theme.monoFamily
                    }
                    Label {
                        objectName: "attachProgramCommand"
                        Layout.fillWidth: true
                        text: String(programRow.modelData.command)
                        elide: Text.ElideRight
                    }
                    Label {
                        Layout.preferredWidth: Theme.startedColumnWidth
                        text: Qt.formatDateTime(programRow.modelData.startedAt, "yyyy-MM-dd hh:mm:ss")
                        color: Theme.mutedText
                    }
                }
            }

            Label {
                objectName: "attachEmpty"
                anchors.fill: parent
                anchors.margins: Theme.spacingL
                visible: programList.count === 0 && root.problem.length === 0
                horizontalAlignment: Text.AlignHCenter
                verticalAlignment: Text.AlignVCenter
                wrapMode: Text.WordWrap
                color: Theme.mutedText
                text: qsTr("No programs are being watched. Start one with COROSCOPE_PROBE=1 or python3 -m coroscope_probe")
            }
        }
        Label {
            objectName: "attachProblem"
            Layout.fillWidth: true
            visible: root.problem.length > 0
            wrapMode: Text.WordWrap
            color: Theme.failed
            text: qsTr("Not listed: %1").arg(root.problem)
        }
        Label {
            objectName: "attachError"
            Layout.fillWidth: true
            visible: root.error.length > 0
            wrapMode: Text.WordWrap
            color: Theme.failed
            text: root.error
        }
    }
}

import QtQuick
import Coroscope
import QtQuick.Controls.Fusion
import QtQuick.Layouts

// One run in the launcher: name, task count, start time, live or finished, Stop; a
// past run read from a log says so (and which file). Remove forgets a run that is not
// live (its tasks leave every view, its memory is freed); while it runs it says why not.
// An attached program's run has Detach for Stop (the program runs on).
ItemDelegate {
    id: root

    required property int index
    required property int runId
    required property string name
    required property bool running
    required property int taskCount
    required property date startedAt
    required property bool loaded
    required property string loadedFrom
    required property bool attached
    property bool current: false

    signal stopRequested()
    signal removeRequested()

    objectName: "run_" + root.runId
    padding: Theme.spacingS
    leftPadding: Theme.spacingM

    background: Rectangle {
        radius: Theme.radiusM
        color: root.current ? Theme.selection : (root.hovered ? Theme.hover : Theme.transparent)
    }

    contentItem: RowLayout {
        spacing: Theme.spacingM
        Rectangle {
            implicitWidth: Theme.dotSize
            implicitHeight: Theme.dotSize
            radius: Theme.dotSize / 2
            color: root.loaded || (root.attached && !root.running) ? Theme.mutedText : root.running ? Theme.running : Theme.done
        }
        ColumnLayout {
            Layout.fillWidth: true
            spacing: 0
            Label {
                Layout.fillWidth: true
                text: Format.run(root.runId, root.name)
                font.pixelSize: Theme.fontSizeM
                color: Theme.text
                elide: Text.ElideRight
            }
            // While the run is live, its Stop button (and the dot's colour) say so: the
            // line leaves out "running", so that a million-task run's line fits beside
            // the button in the sidebar's default width (an attached run's Detach button
            // says it is attached).
            Label {
                objectName: "runLine"
                Layout.fillWidth: true
                text: root.loaded ? qsTr("%1 tasks \u00B7 loaded from %2").arg(Format.count(root.taskCount))
                                        .arg(Format.fileName(root.loadedFrom))
                    : root.attached ? (root.running ? qsTr("%1 tasks") : qsTr("%1 tasks \u00B7 no longer attached"))
                                          .arg(Format.count(root.taskCount))
                    : root.running ? qsTr("%1 tasks \u00B7 %2").arg(Format.count(root.taskCount))
                                         .arg(Qt.formatTime(root.startedAt, "hh:mm:ss"))
                                   : qsTr("%1 tasks \u00B7 %2 \u00B7 finished").arg(Format.count(root.taskCount))
                                         .arg(Qt.formatTime(root.startedAt, "hh:mm:ss"))
                font.pixelSize: Theme.fontSizeS
                color: Theme.mutedText
                elide: Text.ElideRight
                ToolTip.visible: root.loaded && root.hovered
                ToolTip.delay: Theme.toolTipDelay
                ToolTip.text: qsTr("A past run, read from %1: nothing in it runs").arg(root.loadedFrom)
            }
        }
        Button {
            objectName: "runStop"
            text: root.attached ? qsTr("Detach") : qsTr("Stop")
            visible: root.running
            flat: true
            // As wide as its word (the style's buttons are wider), so the line beside it
            // keeps room for "· running" in a narrow sidebar.
            leftPadding: Theme.spacingM
            rightPadding: Theme.spacingM
            Layout.preferredWidth: implicitContentWidth + leftPadding + rightPadding
            onClicked: root.stopRequested()
            ToolTip.visible: hovered
            ToolTip.delay: Theme.toolTipDelay
            ToolTip.text: root.attached ? qsTr("Stop watching this program: it runs on, and its run stays as it was")
                                        : qsTr("Cancel every task of this run")
        }
        ActionButton {
            objectName: "runRemove"
            text: "\u2715"
            flat: true
            active: !root.running
            onClicked: root.removeRequested()
            toolTip: root.running ? (root.attached ? qsTr("An attached program's run cannot be removed: detach it first")
                                                   : qsTr("A live run cannot be removed: stop it first, or let it finish"))
                                  : qsTr("Remove this run: its tasks leave every view and its memory is freed")
        }
    }
}

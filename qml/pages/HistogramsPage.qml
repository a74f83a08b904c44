pragma ComponentBehavior: Bound
import QtQuick
import Coroscope
import Coroscope.Monitor
import QtQuick.Controls.Fusion
import QtQuick.Layouts

// How long things take (docs/spec/histograms.md): for the tasks in scope, of one op
// and one state (or all), histograms of their durations, of how long they waited for
// their loop before their first step, and of how long each step held the loop. A range
// dragged across one filters the task table under it to the tasks in it; Clear (or
// the chip in the table's filter row) lifts the filter.
Pane {
    id: page

    required property TaskMonitor monitor
    readonly property HistogramModel histograms: page.monitor.histograms

    // A selector's entries: "every ..." first, then the names; and a name's entry.
    function entries(all: string, names: var): var {
        const out = [all]
        for (let i = 0; i < names.length; ++i)
            out.push(names[i])
        return out
    }
    function entryOf(names: var, name: string): int {
        for (let i = 0; i < names.length; ++i) {
            if (names[i] === name)
                return i + 1
        }
        return 0
    }

    padding: Theme.spacingM
    background: Rectangle {
        color: Theme.window
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: Theme.spacingS

        RowLayout {
            Layout.fillWidth: true
            spacing: Theme.spacingM
            // On a narrow pane the selectors and the selection need the room.
            SectionLabel {
                visible: page.width >= Theme.histogramsTitleMinWidth
                text: qsTr("How long things take")
            }
            ComboBox {
                id: opBox
                objectName: "histogramOp"
                // "every op" first, then the ops measured so far.
                model: page.entries(qsTr("every op"), page.histograms.ops)
                currentIndex: page.entryOf(page.histograms.ops, page.histograms.op)
                onActivated: index => page.histograms.op = index === 0 ? "" : page.histograms.ops[index - 1]
                font.pixelSize: Theme.fontSizeS
                implicitHeight: Theme.controlHeight
            }
            ComboBox {
                id: stateBox
                objectName: "histogramState"
                model: page.entries(qsTr("every state"), Theme.stateNames)
                currentIndex: page.entryOf(Theme.stateNames, page.histograms.state)
                onActivated: index => page.histograms.state = index === 0 ? "" : Theme.stateNames[index - 1]
                font.pixelSize: Theme.fontSizeS
                implicitHeight: Theme.controlHeight
            }
            Label {
                objectName: "histogramSelection"
                Layout.fillWidth: true
                text: page.histograms.selectionText.length > 0
                      ? qsTr("Table: %1 (%2 tasks)").arg(page.histograms.selectionText).arg(Format.count(page.monitor.tasks.count))
                      : qsTr("Drag across bars to show those tasks in the table")
                color: page.histograms.selectionText.length > 0 ? Theme.text : Theme.mutedText
                font.pixelSize: Theme.fontSizeS
                elide: Text.ElideRight
            }
            Button {
                objectName: "histogramClear"
                text: qsTr("Clear")
                enabled: page.histograms.selectedMeasure >= 0
                onClicked: page.histograms.clearSelection()
                implicitHeight: Theme.controlHeight
            }
        }

        RowLayout {
            Layout.fillWidth: true
            Layout.fillHeight: true
            spacing: Theme.spacingL
            // A hidden page reads no counts: the charts' bindings would run on every tick
            // of a run for nothing on screen.
            HistogramChart {
                Layout.fillWidth: true
                Layout.fillHeight: true
                model: page.histograms
                measure: 0
                key: "duration"
                title: qsTr("Duration")
                unit: qsTr("tasks")
                unitOne: qsTr("task")
                counts: page.visible ? page.histograms.durations : []
            }
            HistogramChart {
                Layout.fillWidth: true
                Layout.fillHeight: true
                model: page.histograms
                measure: 1
                key: "wait"
                title: qsTr("Wait for loop")
                unit: qsTr("tasks")
                unitOne: qsTr("task")
                counts: page.visible ? page.histograms.waits : []
            }
            HistogramChart {
                Layout.fillWidth: true
                Layout.fillHeight: true
                model: page.histograms
                measure: 2
                key: "step"
                title: qsTr("Step held loop")
                unit: qsTr("steps")
                unitOne: qsTr("step")
                counts: page.visible ? page.histograms.steps : []
            }
        }
    }
}

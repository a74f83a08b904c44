pragma ComponentBehavior: Bound
import QtQuick
import Coroscope
import Coroscope.Monitor
import Coroscope.Widgets
import QtQuick.Controls.Fusion
import QtQuick.Templates as T
import QtQuick.Layouts

// Two runs compared (docs/spec/diff.md): run A's timeline above run B's on one time
// axis from each run's start (wheel zooms both around the pointer, drag pans both,
// Fit shows the longer run whole), the tasks that differ framed in both, and the list
// of differences, as `coroscope diff` finds them, with the tolerance it uses (adjustable).
// Clicking a difference (or a framed bar) selects its task in both timelines and in
// the window (taskSelected).
Dialog {
    id: root

    required property TaskMonitor monitor
    // The shared view (ms from each run's start); end <= start: the longer run whole.
    property real viewStartMs: 0
    property real viewEndMs: 0
    readonly property real shownStartMs: root.viewEndMs > root.viewStartMs ? root.viewStartMs : 0
    readonly property real shownEndMs: root.viewEndMs > root.viewStartMs ? root.viewEndMs
                                                                        : Math.max(Theme.minViewMs, comparison.spanMs)
    readonly property alias comparison: comparison

    signal taskSelected(real key)

    // Opens on run `runA` (<= 0: the newest but one, or the only one) against the
    // newest other run.
    function compare(runA: int) {
        const newest = root.monitor.runs.newestRunId
        const before = comparison.newestRunOtherThan(newest)
        const a = runA > 0 ? runA : before > 0 ? before : newest
        comparison.runA = a
        comparison.runB = comparison.newestRunOtherThan(a)
        root.fit()
        root.open()
    }
    function fit() {
        root.viewStartMs = 0
        root.viewEndMs = 0
    }
    function zoom(factor: real, anchorX: real, width: real) {
        const start = root.shownStartMs
        const end = root.shownEndMs
        const ratio = width > 0 ? anchorX / width : 0.5
        const anchor = start + (end - start) * ratio
        const span = Math.max(Theme.minViewMs, (end - start) * factor)
        const newStart = Math.max(0, anchor - span * ratio)
        root.viewStartMs = newStart
        root.viewEndMs = newStart + span
    }
    function selectRow(row: int) {
        comparison.selectedRow = row
        differenceList.currentIndex = row
        if (row >= 0)
            differenceList.positionViewAtIndex(row, ListView.Contain)
        const key = comparison.selectedKeyA >= 0 ? comparison.selectedKeyA : comparison.selectedKeyB
        if (key >= 0)
            root.taskSelected(key)
    }

    objectName: "compareDialog"
    title: qsTr("Compare runs")
    modal: true
    anchors.centerIn: T.Overlay.overlay
    width: parent ? parent.width - 2 * Theme.spacingL : implicitWidth
    height: parent ? parent.height - 2 * Theme.spacingL : implicitHeight
    standardButtons: Dialog.Close
    padding: Theme.spacingM

    RunComparison {
        id: comparison
        objectName: "runComparison"
        monitor: root.monitor
    }

    // One run's timeline: its title above, its bars (names on those wide enough).
    component RunTimeline: ColumnLayout {
        id: side
        required property string letter
        required property ComparedRun source
        readonly property alias timeline: timeline
        spacing: Theme.spacingXs
        Label {
            Layout.fillWidth: true
            elide: Text.ElideRight
            text: side.letter + " \u00B7 " + (side.source.runId > 0 ? Format.run(side.source.runId, side.source.setName)
                                                                     : qsTr("no run"))
            font.pixelSize: Theme.fontSizeS
            font.bold: true
            color: Theme.text
        }
        Rectangle {
            Layout.fillWidth: true
            Layout.fillHeight: true
            Layout.minimumHeight: Theme.compareTimelineMinHeight
            color: Theme.base
            border.color: Theme.border
            border.width: Theme.stroke
            radius: Theme.radiusS
            clip: true
            TaskTimeline {
                id: timeline
                objectName: "compareTimeline" + side.letter
                anchors.fill: parent
                anchors.margins: Theme.stroke
                monitor: side.source
                viewStartMs: root.shownStartMs
                viewEndMs: root.shownEndMs
                rowHeight: Theme.timelineRowHeight
                labelRowHeight: Theme.timelineLabelRowHeight
                labelMinWidth: Theme.timelineLabelMinWidth
                laneHeaderHeight: Theme.timelineLaneHeader
                tickSpacing: Theme.timelineTickSpacing
                pendingColor: Theme.pending
                runningColor: Theme.running
                doneColor: Theme.done
                failedColor: Theme.failed
                cancelledColor: Theme.cancelled
                stallColor: Theme.stall
                gridColor: Theme.timelineGrid
                laneColor: Theme.timelineLane
                counterColor: Theme.counter
                markColor: Theme.diffMark
                selectedColor: Theme.diffSelected

                Repeater {
                    model: timeline.lanes
                    delegate: Label {
                        id: laneLabel
                        required property string name
                        required property real laneY
                        required property real headerHeight
                        x: Theme.spacingS
                        y: laneLabel.laneY
                        visible: laneLabel.name.length > 0
                        height: laneLabel.headerHeight
                        verticalAlignment: Text.AlignVCenter
                        text: laneLabel.name
                        color: Theme.text
                        font.pixelSize: Theme.fontSizeXs
                        font.bold: true
                    }
                }
                Repeater {
                    model: timeline.barLabels
                    delegate: Label {
                        id: barLabel
                        required property real labelX
                        required property real labelY
                        required property real labelWidth
                        required property real labelHeight
                        required property string name
                        x: barLabel.labelX + Theme.spacingXs
                        y: barLabel.labelY
                        width: barLabel.labelWidth - 2 * Theme.spacingXs
                        height: barLabel.labelHeight
                        verticalAlignment: Text.AlignVCenter
                        elide: Text.ElideRight
                        text: barLabel.name
                        color: Theme.barText
                        font.pixelSize: Theme.fontSizeXs
                    }
                }
                WheelHandler {
                    acceptedDevices: PointerDevice.Mouse | PointerDevice.TouchPad
                    onWheel: event => root.zoom(event.angleDelta.y > 0 ? 1 / Theme.zoomStep : Theme.zoomStep,
                                                point.position.x, timeline.width)
                }
                DragHandler {
                    id: pan
                    target: null
                    property real startMs: 0
                    property real endMs: 0
                    onActiveChanged: {
                        if (pan.active) {
                            pan.startMs = root.shownStartMs
                            pan.endMs = root.shownEndMs
                        }
                    }
                    onTranslationChanged: {
                        if (!pan.active || timeline.width <= 0)
                            return
                        const shift = -pan.translation.x * (pan.endMs - pan.startMs) / timeline.width
                        const start = Math.max(0, pan.startMs + shift)
                        root.viewStartMs = start
                        root.viewEndMs = start + (pan.endMs - pan.startMs)
                    }
                }
                HoverHandler {
                    id: barHover
                }
                ToolTip {
                    readonly property string taskName: barHover.hovered
                        ? timeline.taskNameAt(barHover.point.position.x, barHover.point.position.y) : ""
                    x: barHover.point.position.x + Theme.spacingM
                    y: barHover.point.position.y + Theme.spacingM
                    visible: taskName.length > 0
                    text: taskName
                    delay: Theme.toolTipDelay
                }
                TapHandler {
                    onTapped: eventPoint => {
                        const key = timeline.taskKeyAt(eventPoint.position.x, eventPoint.position.y)
                        const row = comparison.rowOfKey(key)
                        if (row >= 0)
                            root.selectRow(row)
                        else if (key >= 0)
                            root.taskSelected(key)
                    }
                }
            }
        }
    }

    // A run picker: every run of the run list.
    component RunChoice: ComboBox {
        id: choice
        required property string letter
        required property int runId
        signal chosen(int runId)
        Layout.fillWidth: true
        Layout.minimumWidth: 0
        model: root.monitor.runs
        textRole: "name"
        valueRole: "runId"
        // Re-found when runs come and go.
        currentIndex: {
            void choice.count
            return choice.indexOfValue(choice.runId)
        }
        displayText: choice.letter + ": " + (choice.currentIndex >= 0 ? Format.run(choice.runId, choice.currentText) : qsTr("no run"))
        onActivated: index => choice.chosen(choice.valueAt(index))
        delegate: ItemDelegate {
            id: choiceItem
            required property int index
            required property int runId
            required property string name
            objectName: "compareChoice" + choice.letter + "_" + choiceItem.runId
            width: choice.width
            text: Format.run(choiceItem.runId, choiceItem.name)
            highlighted: choice.highlightedIndex === choiceItem.index
        }
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: Theme.spacingS

        RowLayout {
            Layout.fillWidth: true
            spacing: Theme.spacingM
            RunChoice {
                objectName: "compareRunA"
                letter: "A"
                runId: comparison.runA
                onChosen: runId => comparison.runA = runId
            }
            RunChoice {
                objectName: "compareRunB"
                letter: "B"
                runId: comparison.runB
                onChosen: runId => comparison.runB = runId
            }
            Label {
                text: qsTr("Tolerance (ms)")
                color: Theme.mutedText
                font.pixelSize: Theme.fontSizeS
            }
            SpinBox {
                objectName: "compareTolerance"
                Layout.preferredWidth: Theme.toleranceFieldWidth
                from: 0
                to: 600000
                stepSize: 10
                editable: true
                value: comparison.toleranceMs
                onValueModified: comparison.toleranceMs = value
                ToolTip.visible: hovered
                ToolTip.delay: Theme.toolTipDelay
                ToolTip.text: qsTr("A finish time that moved by more than this is a difference (as coroscope diff --tolerance-ms; default %1)")
                                  .arg(comparison.defaultToleranceMs)
            }
        }

        RowLayout {
            Layout.fillWidth: true
            spacing: Theme.spacingM
            Label {
                objectName: "compareSummary"
                Layout.fillWidth: true
                Layout.minimumWidth: 0
                text: !comparison.compared ? comparison.summary
                    : comparison.agree ? qsTr("The runs agree") : comparison.count === 1 ? qsTr("1 difference")
                    : qsTr("%1 differences").arg(Format.count(comparison.count))
                color: comparison.compared && !comparison.agree ? Theme.failed : Theme.text
                font.bold: true
                elide: Text.ElideRight
                ToolTip.visible: summaryHover.hovered
                ToolTip.delay: Theme.toolTipDelay
                ToolTip.text: comparison.summary
                HoverHandler {
                    id: summaryHover
                }
            }
            Label {
                text: Format.time(root.shownStartMs) + " \u2013 " + Format.time(root.shownEndMs)
                color: Theme.mutedText
                font.pixelSize: Theme.fontSizeS
                font.family: Theme.monoFamily
            }
            ToolButton {
                objectName: "compareZoomOut"
                text: qsTr("\u2212")
                onClicked: root.zoom(Theme.zoomStep, sideA.timeline.width / 2, sideA.timeline.width)
                ToolTip.visible: hovered
                ToolTip.delay: Theme.toolTipDelay
                ToolTip.text: qsTr("Zoom out both (wheel)")
            }
            ToolButton {
                objectName: "compareZoomIn"
                text: qsTr("+")
                onClicked: root.zoom(1 / Theme.zoomStep, sideA.timeline.width / 2, sideA.timeline.width)
                ToolTip.visible: hovered
                ToolTip.delay: Theme.toolTipDelay
                ToolTip.text: qsTr("Zoom in both (wheel)")
            }
            Button {
                objectName: "compareFit"
                text: qsTr("Fit")
                flat: true
                onClicked: root.fit()
                ToolTip.visible: hovered
                ToolTip.delay: Theme.toolTipDelay
                ToolTip.text: qsTr("Show the longer run whole, both from their starts")
            }
        }

        SplitView {
            Layout.fillWidth: true
            Layout.fillHeight: true
            orientation: Qt.Vertical

            ColumnLayout {
                SplitView.fillHeight: true
                SplitView.minimumHeight: 2 * Theme.compareTimelineMinHeight + Theme.timelineAxisHeight
                spacing: Theme.spacingXs
                // The shared time axis (ms from each run's start).
                Item {
                    objectName: "compareAxis"
                    Layout.fillWidth: true
                    implicitHeight: Theme.timelineAxisHeight
                    clip: true
                    Repeater {
                        model: sideA.timeline.ticks
                        delegate: Label {
                            id: tick
                            required property real tickX
                            required property string label
                            x: tick.tickX + Theme.spacingXs
                            height: Theme.timelineAxisHeight
                            verticalAlignment: Text.AlignBottom
                            text: tick.label
                            color: Theme.mutedText
                            font.pixelSize: Theme.fontSizeXs
                            font.family: Theme.monoFamily
                        }
                    }
                }
                RunTimeline {
                    id: sideA
                    Layout.fillWidth: true
                    Layout.fillHeight: true
                    letter: "A"
                    source: comparison.sideA
                }
                RunTimeline {
                    id: sideB
                    Layout.fillWidth: true
                    Layout.fillHeight: true
                    letter: "B"
                    source: comparison.sideB
                }
            }

            ListView {
                id: differenceList
                objectName: "differenceList"
                SplitView.preferredHeight: Math.round(root.height * Theme.compareListShare)
                SplitView.minimumHeight: Theme.compareListMinHeight
                clip: true
                model: comparison
                currentIndex: comparison.selectedRow
                ScrollBar.vertical: ScrollBar {}
                delegate: ItemDelegate {
                    id: difference
                    required property int index
                    required property string path
                    required property string kind
                    required property string what
                    objectName: "difference_" + difference.index
                    width: ListView.view.width
                    padding: Theme.spacingXs
                    leftPadding: Theme.spacingS
                    highlighted: difference.index === comparison.selectedRow
                    onClicked: root.selectRow(difference.index)
                    contentItem: RowLayout {
                        spacing: Theme.spacingM
                        Label {
                            objectName: "differencePath"
                            Layout.preferredWidth: Math.round(difference.width * 0.35)
                            text: difference.path
                            elide: Text.ElideMiddle
                            font.pixelSize: Theme.fontSizeS
                            font.family: Theme.monoFamily
                            color: Theme.text
                        }
                        Label {
                            objectName: "differenceWhat"
                            Layout.fillWidth: true
                            text: difference.what
                            elide: Text.ElideRight
                            font.pixelSize: Theme.fontSizeS
                            color: difference.kind === "changed" ? Theme.text : Theme.mutedText
                        }
                    }
                    ToolTip.visible: hovered
                    ToolTip.delay: Theme.toolTipDelay
                    ToolTip.text: difference.path + "\n" + difference.what
                }
                Label {
                    anchors.centerIn: parent
                    visible: comparison.compared && comparison.agree
                    text: comparison.summary
                    color: Theme.mutedText
                    width: parent.width - 2 * Theme.spacingL
                    horizontalAlignment: Text.AlignHCenter
                    wrapMode: Text.WordWrap
                }
            }
        }
    }
}

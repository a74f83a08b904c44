pragma ComponentBehavior: Bound
import QtQuick
import Coroscope
import Coroscope.Monitor
import QtQuick.Controls.Fusion
import QtQuick.Layouts
import Coroscope.Widgets

// The timeline: one bar per task in a lane per loop, stalls marked in each lane's
// header with the culprit's name where it has room (and in a tooltip). Wheel zooms
// around the pointer, drag pans, a click selects the task under it, hovering a bar
// names its task, and bars wide enough carry their task's name. "Fit" shows the whole
// scope (every run, or the one selected in the run list) and, while a run is live,
// follows it ("Follow live"); with no run live the clock stands still.
// Time travel (docs/spec/time-travel.md): pressing or dragging on the time axis, or
// dragging the playhead's line, shows the scoped run as it was then (PlayheadBar holds
// the other controls).
Pane {
    id: page

    required property TaskMonitor monitor
    property real selectedKey: -1

    signal taskSelected(real key)

    function zoom(factor: real, anchorX: real) {
        const start = timeline.effectiveStartMs
        const end = timeline.effectiveEndMs
        const anchor = timeline.msForX(anchorX)
        const span = Math.max(Theme.minViewMs, (end - start) * factor)
        const ratio = timeline.width > 0 ? anchorX / timeline.width : 0.5
        const newStart = Math.max(0, anchor - span * ratio)
        timeline.viewStartMs = newStart
        timeline.viewEndMs = newStart + span
    }
    function fit() {
        timeline.viewStartMs = 0
        timeline.viewEndMs = 0
    }

    padding: 0
    background: Rectangle {
        color: Theme.window
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        RowLayout {
            Layout.fillWidth: true
            Layout.leftMargin: Theme.spacingL
            Layout.rightMargin: Theme.spacingL
            Layout.topMargin: Theme.spacingS
            spacing: Theme.spacingM
            SectionLabel {
                text: qsTr("Timeline")
            }
            Label {
                text: barsText.text
                color: Theme.mutedText
                font.pixelSize: Theme.fontSizeS
                NumberText {
                    id: barsText
                    pattern: timeline.aggregated ? qsTr("%1 tasks \u00B7 density view") : qsTr("%1 tasks")
                    value: timeline.barCount
                }
            }
            // Follows the clock while live: NumberText keeps it off the JS heap. It takes
            // the room left and gives it up first (elided) on a narrow pane, so the
            // buttons stay in the pane.
            Label {
                Layout.fillWidth: true
                Layout.minimumWidth: 0
                horizontalAlignment: Text.AlignRight
                elide: Text.ElideLeft
                text: startText.text + " \u2013 " + endText.text
                color: Theme.mutedText
                font.pixelSize: Theme.fontSizeS
                font.family: Theme.monoFamily
                NumberText {
                    id: startText
                    kind: NumberText.Time
                    value: timeline.effectiveStartMs
                }
                NumberText {
                    id: endText
                    kind: NumberText.Time
                    value: timeline.effectiveEndMs
                }
            }
            ToolButton {
                objectName: "timelineZoomOut"
                text: qsTr("\u2212")
                onClicked: page.zoom(Theme.zoomStep, timeline.width / 2)
                ToolTip.visible: hovered
                ToolTip.delay: Theme.toolTipDelay
                ToolTip.text: qsTr("Zoom out (wheel)")
            }
            ToolButton {
                objectName: "timelineZoomIn"
                text: qsTr("+")
                onClicked: page.zoom(1 / Theme.zoomStep, timeline.width / 2)
                ToolTip.visible: hovered
                ToolTip.delay: Theme.toolTipDelay
                ToolTip.text: qsTr("Zoom in (wheel)")
            }
            Button {
                objectName: "timelineFit"
                text: page.monitor.live ? qsTr("Follow live") : qsTr("Fit")
                flat: true
                checkable: false
                highlighted: timeline.following
                onClicked: page.fit()
                ToolTip.visible: hovered
                ToolTip.delay: Theme.toolTipDelay
                ToolTip.text: page.monitor.live ? qsTr("Show the whole run up to now, and follow it")
                                                : qsTr("Show the whole run")
            }
        }

        PlayheadBar {
            id: playheadBar
            objectName: "playheadBar"
            Layout.fillWidth: true
            Layout.leftMargin: Theme.spacingL
            Layout.rightMargin: Theme.spacingL
            monitor: page.monitor
            selectedKey: page.selectedKey
        }

        // Time axis: pressing or dragging on it moves the playhead there.
        Item {
            objectName: "timelineAxis"
            Layout.fillWidth: true
            Layout.leftMargin: Theme.spacingL
            Layout.rightMargin: Theme.spacingL
            implicitHeight: Theme.timelineAxisHeight
            clip: true
            Repeater {
                model: timeline.ticks
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
            MouseArea {
                id: axisScrub
                anchors.fill: parent
                enabled: page.monitor.scopeRunId > 0
                cursorShape: Qt.SizeHorCursor
                function scrub(x: real) {
                    playheadBar.seek(timeline.msForX(axisScrub.mapToItem(timeline, x, 0).x))
                }
                onPressed: mouse => axisScrub.scrub(mouse.x)
                onPositionChanged: mouse => axisScrub.scrub(mouse.x)
            }
        }

        Rectangle {
            Layout.fillWidth: true
            Layout.fillHeight: true
            Layout.leftMargin: Theme.spacingL
            Layout.rightMargin: Theme.spacingL
            Layout.bottomMargin: Theme.spacingM
            color: Theme.base
            border.color: Theme.border
            border.width: Theme.stroke
            radius: Theme.radiusS
            clip: true

            TaskTimeline {
                id: timeline
                objectName: "timeline"
                anchors.fill: parent
                anchors.margins: Theme.stroke
                monitor: page.monitor
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
                counterHeight: Theme.timelineCounterHeight

                // Lane names, at the left of each lane's header band.
                Repeater {
                    id: laneNames
                    model: timeline.lanes
                    delegate: Label {
                        id: laneLabel
                        required property string name
                        required property real laneY
                        required property real headerHeight
                        required property int taskCount
                        required property int stalls
                        objectName: "timelineLaneLabel"
                        x: Theme.spacingS
                        y: laneLabel.laneY
                        // The timeline keeps one empty lane while no run has a loop.
                        visible: laneLabel.name.length > 0
                        height: laneLabel.headerHeight
                        verticalAlignment: Text.AlignVCenter
                        text: qsTr("%1 \u00B7 %2 tasks%3").arg(laneLabel.name)
                                .arg(Format.count(laneLabel.taskCount))
                                .arg(laneLabel.stalls > 0
                                     ? (laneLabel.stalls === 1 ? qsTr(" \u00B7 1 stall")
                                        : qsTr(" \u00B7 %1 stalls").arg(Format.count(laneLabel.stalls))) : "")
                        color: Theme.text
                        font.pixelSize: Theme.fontSizeXs
                        font.bold: true
                        // The lane's own band behind the title: a stall mark under it never hides it.
                        leftPadding: Theme.spacingXs
                        rightPadding: Theme.spacingXs
                        background: Rectangle {
                            color: Theme.timelineLane
                        }
                    }
                }
                // Counters (a queue's depth): what each strip counts and its latest value.
                Repeater {
                    model: timeline.counters
                    delegate: Label {
                        id: counterLabel
                        required property string name
                        required property real counterY
                        required property real counterHeight
                        required property real current
                        required property real capacity
                        objectName: "timelineCounterLabel"
                        // At the right end: the line starts at the left with its run.
                        x: timeline.width - counterLabel.width - Theme.spacingS
                        y: counterLabel.counterY
                        height: counterLabel.counterHeight
                        verticalAlignment: Text.AlignVCenter
                        text: counterLabel.capacity > 0
                              ? qsTr("%1 %2 / %3").arg(counterLabel.name).arg(Format.count(counterLabel.current))
                                  .arg(Format.count(counterLabel.capacity))
                              : qsTr("%1 %2").arg(counterLabel.name).arg(Format.count(counterLabel.current))
                        color: Theme.counter
                        font.pixelSize: Theme.fontSizeXs
                        leftPadding: Theme.spacingXs
                        rightPadding: Theme.spacingXs
                        background: Rectangle {
                            color: Theme.base
                            opacity: 0.8
                        }
                    }
                }
                // Task names on bars wide and tall enough to carry them.
                Repeater {
                    model: timeline.barLabels
                    delegate: Label {
                        id: barLabel
                        required property real labelX
                        required property real labelY
                        required property real labelWidth
                        required property real labelHeight
                        required property string name
                        objectName: "timelineBarLabel"
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
                // Stalls: over each mark (drawn by the timeline) a hover area with the
                // details in a tooltip, and the culprit's name right of the mark where it
                // has room: clear of its lane's label, and up to the lane's next mark
                // (elided to fit, hidden with less than timelineStallLabelMinWidth). So no
                // text of a header band covers another or a mark; every mark shows.
                Repeater {
                    id: stallMarks
                    model: timeline.stallMarks
                    delegate: Item {
                        id: stall
                        required property int index
                        required property int lane
                        required property real markX
                        required property real markWidth
                        required property real markY
                        required property real markHeight
                        required property real durationMs
                        required property int count
                        required property string culprit

                        // The next mark's delegate, null after the last (marks come in
                        // lane order, left to right; rows change in place or at the end).
                        readonly property var next: stallMarks.count > stall.index + 1
                                                    ? stallMarks.itemAt(stall.index + 1) : null
                        readonly property bool lastInLane: stall.next === null || Number(stall.next.lane) !== stall.lane
                        // Where the lane's label ends.
                        readonly property real laneLabelRight: {
                            const label = laneNames.count > stall.lane ? laneNames.itemAt(stall.lane) : null
                            return label !== null && label.visible ? label.x + label.width : 0
                        }
                        readonly property real textX: stall.markX + stall.markWidth + Theme.spacingXs
                        // From the name's start to the next mark (or the timeline's end).
                        readonly property real room: (stall.lastInLane ? timeline.width
                                                                       : Number(stall.next.markX) - Theme.spacingXs)
                                                     - stall.textX
                        readonly property bool textShown: stall.textX >= stall.laneLabelRight + Theme.spacingM
                                                          && stall.room >= Theme.timelineStallLabelMinWidth

                        // At least timelineStallHitWidth wide, centred on a narrow mark.
                        readonly property real hitPad: Math.max(0, (Theme.timelineStallHitWidth - stall.markWidth) / 2)
                        x: stall.markX - stall.hitPad
                        y: stall.markY
                        width: stall.markWidth + 2 * stall.hitPad
                        height: stall.markHeight

                        Label {
                            id: culpritText
                            objectName: "timelineStallLabel"
                            x: stall.textX - stall.x
                            width: Math.min(culpritText.implicitWidth, stall.room)
                            height: stall.markHeight
                            visible: stall.textShown
                            verticalAlignment: Text.AlignVCenter
                            elide: Text.ElideRight
                            text: "\u26A0 " + stall.culprit + " " + Format.time(stall.durationMs)
                            color: Theme.stall
                            font.pixelSize: Theme.fontSizeXs
                            font.bold: true
                            HoverHandler {
                                id: textHover
                            }
                        }
                        HoverHandler {
                            id: markHover
                        }
                        ToolTip.visible: markHover.hovered || textHover.hovered
                        ToolTip.delay: Theme.toolTipDelay
                        ToolTip.text: stall.count === 1
                                      ? qsTr("The loop was blocked for %1 by %2")
                                          .arg(Format.time(stall.durationMs)).arg(stall.culprit)
                                      : qsTr("The loop was blocked for %1 in %2 stalls here, the longest by %3")
                                          .arg(Format.time(stall.durationMs)).arg(Format.count(stall.count))
                                          .arg(stall.culprit)
                    }
                }

                // The playhead: a line at its time, dragged by a band wider than the line.
                Item {
                    id: playhead
                    objectName: "playheadLine"
                    readonly property real lineX: {
                        // Re-placed when the view moves, not only when the playhead does.
                        void timeline.effectiveStartMs
                        void timeline.effectiveEndMs
                        void timeline.width
                        return timeline.xForMs(page.monitor.playheadMs)
                    }
                    visible: page.monitor.playheadMs >= 0
                    x: playhead.lineX - width / 2
                    width: Theme.playheadGrabWidth
                    height: timeline.height
                    z: 1
                    Rectangle {
                        anchors.horizontalCenter: parent.horizontalCenter
                        width: Theme.playheadWidth
                        height: parent.height
                        color: Theme.playhead
                    }
                    HoverHandler {
                        cursorShape: Qt.SizeHorCursor
                    }
                    DragHandler {
                        id: playheadDrag
                        target: null
                        grabPermissions: PointerHandler.CanTakeOverFromAnything
                        property real startX: 0
                        onActiveChanged: playheadDrag.startX = playhead.lineX
                        onTranslationChanged: {
                            if (playheadDrag.active)
                                playheadBar.seek(timeline.msForX(playheadDrag.startX + playheadDrag.translation.x))
                        }
                    }
                }

                WheelHandler {
                    acceptedDevices: PointerDevice.Mouse | PointerDevice.TouchPad
                    onWheel: event => {
                        const factor = event.angleDelta.y > 0 ? 1 / Theme.zoomStep : Theme.zoomStep
                        page.zoom(factor, point.position.x)
                    }
                }
                DragHandler {
                    id: pan
                    target: null
                    property real startMs: 0
                    property real endMs: 0
                    onActiveChanged: {
                        if (pan.active) {
                            pan.startMs = timeline.effectiveStartMs
                            pan.endMs = timeline.effectiveEndMs
                        }
                    }
                    onTranslationChanged: {
                        if (!pan.active || timeline.width <= 0)
                            return
                        const shift = -pan.translation.x * (pan.endMs - pan.startMs) / timeline.width
                        const start = Math.max(0, pan.startMs + shift)
                        timeline.viewStartMs = start
                        timeline.viewEndMs = start + (pan.endMs - pan.startMs)
                    }
                }
                // Hovering a bar names its task.
                HoverHandler {
                    id: barHover
                }
                ToolTip {
                    id: barTip
                    objectName: "timelineBarTip"
                    readonly property string taskName: barHover.hovered
                        ? timeline.taskNameAt(barHover.point.position.x, barHover.point.position.y) : ""
                    x: barHover.point.position.x + Theme.spacingM
                    y: barHover.point.position.y + Theme.spacingM
                    visible: barTip.taskName.length > 0
                    text: barTip.taskName
                    delay: Theme.toolTipDelay
                }
                TapHandler {
                    onTapped: (eventPoint, button) => {
                        const key = timeline.taskKeyAt(eventPoint.position.x, eventPoint.position.y)
                        if (key >= 0)
                            page.taskSelected(key)
                    }
                }
            }
        }
    }
}

pragma ComponentBehavior: Bound
import QtQuick
import Coroscope
import QtQuick.Controls
import QtQuick.Layouts
import Coroscope.Widgets

// The timeline: one bar per task in a lane per loop, stalls marked in each lane's
// header with the culprit's name. Wheel zooms around the pointer, drag pans, a click
// selects the task under it; "Follow live" returns to the whole run up to now.
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
    function followLive() {
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
                text: timeline.aggregated ? qsTr("%1 tasks \u00B7 density view").arg(timeline.barCount)
                                          : qsTr("%1 tasks").arg(timeline.barCount)
                color: Theme.mutedText
                font.pixelSize: Theme.fontSizeS
            }
            Item {
                Layout.fillWidth: true
            }
            Label {
                text: qsTr("%1 \u2013 %2").arg(Format.time(timeline.effectiveStartMs)).arg(Format.time(timeline.effectiveEndMs))
                color: Theme.mutedText
                font.pixelSize: Theme.fontSizeS
                font.family: Theme.monoFamily
            }
            ToolButton {
                text: qsTr("\u2212")
                onClicked: page.zoom(Theme.zoomStep, timeline.width / 2)
                ToolTip.visible: hovered
                ToolTip.delay: Theme.toolTipDelay
                ToolTip.text: qsTr("Zoom out (wheel)")
            }
            ToolButton {
                text: qsTr("+")
                onClicked: page.zoom(1 / Theme.zoomStep, timeline.width / 2)
                ToolTip.visible: hovered
                ToolTip.delay: Theme.toolTipDelay
                ToolTip.text: qsTr("Zoom in (wheel)")
            }
            Button {
                text: qsTr("Follow live")
                flat: true
                checkable: false
                highlighted: timeline.following
                onClicked: page.followLive()
            }
        }

        // Time axis
        Item {
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
                anchors.fill: parent
                anchors.margins: Theme.stroke
                monitor: page.monitor
                rowHeight: Theme.timelineRowHeight
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

                // Lane names, at the left of each lane's header band.
                Repeater {
                    model: timeline.lanes
                    delegate: Label {
                        id: laneLabel
                        required property string name
                        required property real laneY
                        required property real headerHeight
                        required property int taskCount
                        required property int stalls
                        x: Theme.spacingS
                        y: laneLabel.laneY
                        // The timeline keeps one empty lane while no run has a loop.
                        visible: laneLabel.name.length > 0
                        height: laneLabel.headerHeight
                        verticalAlignment: Text.AlignVCenter
                        text: qsTr("%1 \u00B7 %2 tasks%3").arg(laneLabel.name)
                                .arg(laneLabel.taskCount)
                                .arg(laneLabel.stalls > 0
                                     ? (laneLabel.stalls === 1 ? qsTr(" \u00B7 1 stall")
                                        : qsTr(" \u00B7 %1 stalls").arg(laneLabel.stalls)) : "")
                        color: Theme.text
                        font.pixelSize: Theme.fontSizeXs
                        font.bold: true
                    }
                }
                // Stall culprits, next to their mark.
                Repeater {
                    model: timeline.stallMarks
                    delegate: Label {
                        id: stallLabel
                        required property real markX
                        required property real markWidth
                        required property real markY
                        required property real markHeight
                        required property real durationMs
                        required property int count
                        required property string culprit
                        x: stallLabel.markX + stallLabel.markWidth + Theme.spacingXs
                        y: stallLabel.markY
                        height: stallLabel.markHeight
                        verticalAlignment: Text.AlignVCenter
                        text: "\u26A0 " + stallLabel.culprit + " " + Format.time(stallLabel.durationMs)
                        color: Theme.stall
                        font.pixelSize: Theme.fontSizeXs
                        font.bold: true
                        ToolTip.visible: stallHover.hovered
                        ToolTip.text: qsTr("The loop was blocked for %1 by %2 (%3 stalls here)")
                                        .arg(Format.time(stallLabel.durationMs))
                                        .arg(stallLabel.culprit)
                                        .arg(stallLabel.count)
                        HoverHandler {
                            id: stallHover
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

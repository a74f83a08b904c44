pragma ComponentBehavior: Bound
import QtQuick
import Coroscope
import Coroscope.Monitor
import QtQuick.Controls.Fusion
import QtQuick.Layouts

// One histogram of the Histograms view (docs/spec/histograms.md): a bar per bucket from
// the first to the last bucket with a count (one empty bucket either side), the edges
// under them, the count of a bucket on hover, and a range chosen by dragging across
// the bars (a click chooses one), which the model turns into the table's filter.
Item {
    id: chart

    required property HistogramModel model
    required property int measure       // 0 duration, 1 wait, 2 step hold
    required property string key        // "duration", "wait", "step": object names
    required property string title
    required property string unit       // what a count counts: "tasks", "steps"
    required property string unitOne    // and one of them: "task", "step"
    required property var counts

    // The buckets shown: [shownFirst, shownLast]; none while nothing is measured.
    readonly property var range: {
        let first = -1
        let last = -1
        for (let b = 0; b < chart.counts.length; ++b) {
            if (chart.counts[b] > 0) {
                if (first < 0)
                    first = b
                last = b
            }
        }
        if (first < 0)
            return [0, -1]
        first = Math.max(0, first - 1)
        last = Math.min(chart.counts.length - 1, last + 1)
        // A few buckets at least, so that a lone bar is not as wide as the chart.
        while (last - first + 1 < Theme.histogramMinBuckets && (first > 0 || last < chart.counts.length - 1)) {
            if (last < chart.counts.length - 1)
                ++last
            if (last - first + 1 < Theme.histogramMinBuckets && first > 0)
                --first
        }
        return [first, last]
    }
    readonly property int shownFirst: chart.range[0]
    readonly property int shownLast: chart.range[1]
    readonly property int shownCount: Math.max(0, chart.shownLast - chart.shownFirst + 1)
    readonly property int bucketCount: chart.model.bucketCount
    readonly property real slotWidth: plot.width / Math.max(1, chart.shownCount)
    readonly property real highest: {
        let most = 0
        for (let b = chart.shownFirst; b <= chart.shownLast; ++b)
            most = Math.max(most, chart.counts[b])
        return most
    }
    readonly property real total: chart.counts.reduce((sum, c) => sum + c, 0)
    // A drag in progress: its first and current bucket.
    property int dragFrom: -1
    property int dragTo: -1
    readonly property bool selected: chart.model.selectedMeasure === chart.measure
    readonly property int markFirst: chart.dragFrom >= 0 ? Math.min(chart.dragFrom, chart.dragTo)
                                                         : chart.selected ? chart.model.selectedFirst : -1
    readonly property int markLast: chart.dragFrom >= 0 ? Math.max(chart.dragFrom, chart.dragTo)
                                                        : chart.selected ? chart.model.selectedLast : -1

    function countText(n: real): string {
        return Format.count(n) + " " + (n === 1 ? chart.unitOne : chart.unit)
    }
    function bucketAt(x: real): int {
        return chart.shownFirst + Math.max(0, Math.min(chart.shownCount - 1, Math.floor(x / chart.slotWidth)))
    }

    implicitHeight: Theme.histogramHeight

    ColumnLayout {
        anchors.fill: parent
        spacing: Theme.spacingXs

        // The title, and how many it counts (muted, at the right: it stays whole).
        RowLayout {
            Layout.fillWidth: true
            spacing: Theme.spacingS
            Label {
                Layout.fillWidth: true
                text: chart.title
                font.pixelSize: Theme.fontSizeS
                font.bold: true
                elide: Text.ElideRight
            }
            Label {
                objectName: "histogramTitle_" + chart.key
                text: chart.countText(chart.total)
                color: Theme.mutedText
                font.pixelSize: Theme.fontSizeS
            }
        }
        Item {
            id: plot
            objectName: "histogram_" + chart.key
            Layout.fillWidth: true
            Layout.fillHeight: true

            Rectangle {
                anchors.fill: parent
                color: Theme.surface
                border.color: Theme.divider
                border.width: Theme.stroke
                radius: Theme.radiusS
            }
            // The selected (or dragged) range behind its bars.
            Rectangle {
                readonly property int from: Math.max(chart.markFirst, chart.shownFirst)
                readonly property int to: Math.min(chart.markLast, chart.shownLast)
                visible: chart.markFirst >= 0 && from <= to
                x: (from - chart.shownFirst) * chart.slotWidth
                width: (to - from + 1) * chart.slotWidth
                height: plot.height
                color: Theme.selection
            }
            // A slot per bucket, made once: a Repeater remakes all its items when its
            // count changes, and the shown range grows with the run (a frame's worth of
            // work on the first tick of a launch, and again at each new bucket).
            Repeater {
                model: chart.bucketCount
                delegate: Item {
                    id: slot
                    required property int index
                    readonly property int bucket: slot.index
                    readonly property real count: chart.counts[slot.bucket] ?? 0
                    objectName: "histogramBucket_" + chart.key + "_" + slot.bucket
                    visible: slot.bucket >= chart.shownFirst && slot.bucket <= chart.shownLast
                    x: (slot.bucket - chart.shownFirst) * chart.slotWidth
                    width: chart.slotWidth
                    height: plot.height
                    Rectangle {
                        readonly property real tall: chart.highest > 0 ? slot.count / chart.highest : 0
                        anchors.bottom: parent.bottom
                        anchors.horizontalCenter: parent.horizontalCenter
                        width: Math.max(Theme.stroke, slot.width - Theme.histogramBarGap)
                        // A bucket with any count shows at least a sliver.
                        height: slot.count > 0 ? Math.max(Theme.histogramMinBar, tall * (plot.height - Theme.spacingS)) : 0
                        color: slot.bucket >= chart.markFirst && slot.bucket <= chart.markLast ? Theme.accent : Theme.histogramBar
                        radius: Theme.radiusS / 2
                    }
                }
            }
            Label {
                visible: chart.shownCount === 0
                anchors.centerIn: parent
                text: qsTr("Nothing measured yet")
                color: Theme.mutedText
                font.pixelSize: Theme.fontSizeS
            }
            MouseArea {
                id: mouse
                anchors.fill: parent
                enabled: chart.shownCount > 0
                hoverEnabled: true
                preventStealing: true
                readonly property int hoveredBucket: mouse.containsMouse ? chart.bucketAt(mouse.mouseX) : -1
                onPressed: event => {
                    chart.dragFrom = chart.bucketAt(event.x)
                    chart.dragTo = chart.dragFrom
                }
                onPositionChanged: event => {
                    if (mouse.pressed)
                        chart.dragTo = chart.bucketAt(event.x)
                }
                onReleased: {
                    const from = chart.dragFrom
                    const to = chart.dragTo
                    chart.dragFrom = -1
                    chart.dragTo = -1
                    if (from >= 0)
                        chart.model.select(chart.measure, from, to)
                }
                onCanceled: {
                    chart.dragFrom = -1
                    chart.dragTo = -1
                }
                ToolTip.visible: mouse.hoveredBucket >= 0
                ToolTip.delay: Theme.toolTipDelay
                ToolTip.text: mouse.hoveredBucket < 0 ? ""
                    : qsTr("%1: %2").arg(chart.model.bucketText(mouse.hoveredBucket))
                                    .arg(chart.countText(chart.counts[mouse.hoveredBucket]))
            }
        }
        // The edges under the bars: every other one when they would crowd.
        Item {
            Layout.fillWidth: true
            implicitHeight: Theme.fontSizeXs + Theme.spacingXs
            Repeater {
                model: chart.bucketCount + 1
                delegate: Label {
                    id: edge
                    required property int index
                    // Its place among the shown buckets' edges (0: the first one's left).
                    readonly property int shownIndex: edge.index - chart.shownFirst
                    readonly property int every: Math.max(1, Math.ceil(Theme.histogramEdgeSpacing / Math.max(1, chart.slotWidth)))
                    visible: edge.shownIndex > 0 && edge.shownIndex < chart.shownCount && edge.shownIndex % edge.every === 0
                    // Centred under its edge, but never past the chart's sides.
                    x: Math.round(Math.max(0, Math.min(plot.width - edge.width, edge.shownIndex * chart.slotWidth - edge.width / 2)))
                    text: chart.model.edgeText(edge.index)
                    color: Theme.mutedText
                    font.pixelSize: Theme.fontSizeXs
                }
            }
        }
    }
}

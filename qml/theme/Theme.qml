pragma Singleton
import QtQuick

// Design tokens: every colour, size and duration the dashboard uses. Colours follow
// the system palette, so the dashboard is light or dark with the desktop; state
// colours come in a light and a dark variant that both read on their background.
QtObject {
    id: theme

    readonly property SystemPalette palette: SystemPalette {
        colorGroup: SystemPalette.Active
    }
    readonly property bool dark: theme.palette.window.hslLightness < 0.5

    // Surfaces and text
    readonly property color window: theme.palette.window
    readonly property color base: theme.palette.base
    readonly property color alternateBase: theme.dark ? "#262a31" : "#f4f6f9"
    readonly property color surface: theme.dark ? "#1f2228" : "#f7f8fa"
    readonly property color surfaceRaised: theme.dark ? "#2a2e36" : "#ffffff"
    readonly property color text: theme.palette.windowText
    readonly property color mutedText: theme.dark ? "#9aa3af" : "#5b6472"
    readonly property color border: theme.dark ? "#3a3f48" : "#d7dbe2"
    readonly property color divider: theme.dark ? "#30343c" : "#e6e9ee"
    readonly property color accent: theme.palette.highlight
    readonly property color accentText: theme.palette.highlightedText
    readonly property color selection: theme.dark ? "#2d4a73" : "#dbe8fb"
    readonly property color hover: theme.dark ? "#2b3038" : "#eef1f5"
    readonly property color link: theme.dark ? "#7fb2ff" : "#1d5fd1"
    readonly property color timelineLane: theme.dark ? "#262a31" : "#eef1f5"
    readonly property color barText: "#ffffff"            // a task's name on its bar (on every state colour)
    readonly property color timelineGrid: theme.dark ? "#343943" : "#dde1e7"
    readonly property color transparent: "transparent"

    // Task states (pending, running, done, failed, cancelled) and loop stalls
    readonly property color pending: theme.dark ? "#a3acb9" : "#6b7280"
    readonly property color running: theme.dark ? "#5ea8ff" : "#2563eb"
    readonly property color done: theme.dark ? "#4fd18b" : "#15803d"
    readonly property color failed: theme.dark ? "#ff7b7b" : "#dc2626"
    readonly property color cancelled: theme.dark ? "#f5b942" : "#b45309"
    readonly property color stall: theme.dark ? "#f472b6" : "#c026d3"
    // A counter (a queue's depth) drawn in the timeline
    readonly property color counter: theme.dark ? "#22d3ee" : "#0e7490"
    readonly property color healthy: theme.done
    readonly property color chipText: theme.dark ? "#101215" : "#ffffff"
    // A state badge's pill: its state's colour at this opacity.
    readonly property real badgeTint: 0.16

    readonly property var stateNames: ["pending", "running", "done", "failed", "cancelled"]
    function stateBit(state: string): int {
        return 1 << theme.stateNames.indexOf(state)
    }
    readonly property int allStates: 31

    function stateColor(state: string): color {
        switch (state) {
        case "pending": return theme.pending
        case "running": return theme.running
        case "done": return theme.done
        case "failed": return theme.failed
        case "cancelled": return theme.cancelled
        }
        return theme.mutedText
    }
    function stateGlyph(state: string): string {
        switch (state) {
        case "pending": return "\u25CB"   // white circle
        case "running": return "\u25B6"   // play
        case "done": return "\u2713"      // check
        case "failed": return "\u2715"    // cross
        case "cancelled": return "\u2298" // circled slash
        }
        return "?"
    }

    // Spacing, radii, strokes
    readonly property int spacingXs: 2
    readonly property int spacingS: 4
    readonly property int spacingM: 8
    readonly property int spacingL: 12
    readonly property int spacingXl: 16
    readonly property int spacingXxl: 24
    readonly property int radiusS: 3
    readonly property int radiusM: 6
    readonly property int radiusL: 10
    readonly property int stroke: 1
    readonly property int dotSize: 8

    // Type
    readonly property int fontSizeXs: 10
    readonly property int fontSizeS: 11
    readonly property int fontSizeM: 13
    readonly property int fontSizeL: 16
    readonly property int fontSizeXl: 22
    readonly property string monoFamily: "monospace"

    // Layout
    readonly property int windowWidth: 1440
    readonly property int windowHeight: 900
    readonly property int windowMinWidth: 960
    readonly property int windowMinHeight: 600
    readonly property int sidebarWidth: 290
    readonly property int sidebarMinWidth: 220
    readonly property int detailsWidth: 360
    readonly property int detailsMinWidth: 260
    readonly property int timelineHeight: 260
    readonly property int timelineMinHeight: 140
    // On a small window the side panes and the timeline take these shares of it (at
    // most their sizes above, at least their minimums), so the table keeps rows.
    readonly property real sidebarShare: 0.2
    readonly property real detailsShare: 0.26
    readonly property real timelineShare: 0.3
    // Below this height the tasks page shows its counters on one line each, without
    // sparklines, so the table keeps rows.
    readonly property int countersCompactBelow: 520
    readonly property int counterCompactHeight: 34
    readonly property int tableMinHeight: 200
    readonly property int rowHeight: 26
    readonly property int headerHeight: 28
    readonly property int chipHeight: 24
    readonly property int controlHeight: 30
    readonly property int searchWidth: 220
    readonly property int counterWidth: 132
    readonly property int counterMinWidth: 96
    readonly property int counterHeight: 64
    readonly property int sparklineHeight: 22
    readonly property real sparklineLineWidth: 1.5
    readonly property real sparklineFill: 0.18
    readonly property int dialogWidth: 460
    readonly property int errorsDialogWidth: 640
    readonly property int errorsDialogHeight: 360
    readonly property int attachDialogWidth: 640
    readonly property int pidColumnWidth: 70
    readonly property int startedColumnWidth: 150
    readonly property int fieldLabelWidth: 110
    readonly property int treeIndent: 16
    readonly property int listMaxHeight: 220

    // Table columns
    readonly property int colRun: 128
    readonly property int colId: 64
    readonly property int colName: 170
    readonly property int colOp: 110
    readonly property int colState: 112
    readonly property int colLoop: 80
    readonly property int colAwaiting: 150
    readonly property int colStarted: 88
    readonly property int colDuration: 92
    readonly property int colResult: 220
    readonly property int colReason: 120
    readonly property int tableWidth: theme.colRun + theme.colId + theme.colName + theme.colOp + theme.colState
                                      + theme.colLoop + theme.colAwaiting + theme.colStarted
                                      + theme.colDuration + theme.colResult + theme.colReason

    // Timeline
    readonly property real timelineRowHeight: 6
    readonly property real timelineLaneHeader: 20
    readonly property real timelineCounterHeight: 24  // a queue's depth strip under its lane's header
    readonly property real timelineLabelRowHeight: 16   // rows grow to this while they fit: a name fits
    readonly property real timelineLabelMinWidth: 48    // a bar this wide carries its task's name
    readonly property real timelineTickSpacing: 96
    readonly property int timelineAxisHeight: 18
    // A stall mark narrower than this is hovered (for its tooltip) over this width.
    readonly property real timelineStallHitWidth: 8
    // A stall's culprit name is shown only with at least this much room before the next mark.
    readonly property real timelineStallLabelMinWidth: 40
    // The playhead (time travel): its line, the width it is grabbed by, how often
    // playing moves it, and the speeds it plays at.
    readonly property color playhead: theme.dark ? "#fbbf24" : "#d97706"
    readonly property real playheadWidth: 2
    readonly property real playheadGrabWidth: 12
    readonly property int playIntervalMs: 33
    readonly property var playSpeeds: [0.1, 0.25, 0.5, 1, 2, 5, 10]
    readonly property int playSpeedWidth: 76
    readonly property real zoomStep: 1.25
    readonly property real minViewMs: 10
    // Comparing two runs (CompareDialog): the frame of a task that differs and of the
    // selected difference's task, and the share of the dialog the differences take.
    readonly property color diffMark: theme.dark ? "#ffffff" : "#111827"
    readonly property color diffSelected: theme.stall
    readonly property real compareListShare: 0.25
    readonly property int compareListMinHeight: 90
    readonly property int compareTimelineMinHeight: 70
    readonly property int toleranceFieldWidth: 110

    // Histograms (docs/spec/histograms.md): a chart's height, the fewest buckets it
    // shows, the gap between bars, the shortest bar of a bucket with a count, the room
    // an edge label needs, and the bars' colour (the selected ones take the accent).
    readonly property int histogramHeight: 150
    readonly property int histogramMinBuckets: 6
    readonly property real histogramBarGap: 2
    readonly property real histogramMinBar: 2
    readonly property real histogramEdgeSpacing: 44
    readonly property color histogramBar: theme.dark ? "#5b7fb0" : "#8fb0dc"
    readonly property int histogramsTitleMinWidth: 760 // the Histograms view shows its title from this width

    // Durations (ms)
    readonly property int animFast: 120
    readonly property int animNormal: 200
    readonly property int toolTipDelay: 500
}

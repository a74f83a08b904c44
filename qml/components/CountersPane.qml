pragma ComponentBehavior: Bound
import QtQuick
import Coroscope
import Coroscope.Monitor
import QtQuick.Controls.Fusion

// Live counters: one card per state with a sparkline of its recent counts, then the
// total and the finishing rate. Cards wrap onto more lines rather than run past the
// pane's edge when the middle column is narrow. `compact` (a short page): each card is
// one line (glyph, title, count), three to a line filling the width, so the table
// below keeps its rows.
Pane {
    id: root

    required property TaskStats stats
    property bool compact: false
    // As many cards to a line as fit (six, else three, else two). Compact cards share
    // their line; the others do when all six fit one line, and keep their width else.
    readonly property int perLine: {
        const fits = n => n * Theme.counterMinWidth + (n - 1) * Theme.spacingM <= root.availableWidth
        return fits(6) ? 6 : fits(3) ? 3 : 2
    }
    readonly property real sharedWidth: Math.floor((root.availableWidth - (root.perLine - 1) * Theme.spacingM) / root.perLine)
    readonly property real cardWidth: root.compact ? root.sharedWidth
        : root.perLine === 6 ? Math.min(Theme.counterWidth, root.sharedWidth) : Theme.counterWidth

    // A state's count, by the state's name (the cards are a Repeater over the names).
    function stat(name: string): real {
        return Number(root.stats[name])
    }

    padding: root.compact ? Theme.spacingM : Theme.spacingL
    background: Rectangle {
        color: Theme.window
    }

    // Cards of one width that wrap onto another line when the pane is narrow, so
    // every counter shows at any window width.
    Flow {
        id: cards
        width: root.availableWidth
        spacing: Theme.spacingM

        Repeater {
            model: Theme.stateNames
            delegate: CounterCard {
                id: card
                required property string modelData
                objectName: "counter_" + card.modelData
                width: root.cardWidth
                compact: root.compact
                title: card.modelData
                accent: Theme.stateColor(card.modelData)
                glyph: Theme.stateGlyph(card.modelData)
                value: root.stat(card.modelData)
                // The sparkline reads the state's history from the stats itself.
                historySource: root.stats
                historySeries: Theme.stateBit(card.modelData)
            }
        }
        CounterCard {
            objectName: "counter_total"
            width: root.cardWidth
            compact: root.compact
            title: qsTr("total")
            accent: Theme.accent
            glyph: "\u03A3"
            value: root.stats.total
            detail: rateText.text
            NumberText {
                id: rateText
                pattern: qsTr("%1 tasks/s")
                value: root.stats.tasksPerSecond
            }
        }
    }
}

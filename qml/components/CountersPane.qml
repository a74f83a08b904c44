pragma ComponentBehavior: Bound
import QtQuick
import Coroscope
import QtQuick.Controls.Fusion

// Live counters: one card per state with a sparkline of its recent counts, then the
// total and the finishing rate. Cards wrap onto more lines rather than run past the
// pane's edge when the middle column is narrow.
Pane {
    id: root

    required property TaskStats stats

    // A state's count, by the state's name (the cards are a Repeater over the names).
    function stat(name: string): real {
        return Number(root.stats[name])
    }

    padding: Theme.spacingL
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
                width: Theme.counterWidth
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
            width: Theme.counterWidth
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

pragma ComponentBehavior: Bound
import QtQuick
import Coroscope
import QtQuick.Controls
import QtQuick.Layouts

// Live counters: one card per state with a sparkline of its recent counts, then the
// total and the finishing rate. Cards narrow (down to a minimum) rather than run past
// the pane's edge when the middle column is narrow.
Pane {
    id: root

    required property TaskStats stats
    // Bumped on each stats change so the sparklines re-read their history.
    property int revision: 0

    // TaskStats counts are qint64, which qmllint 6.4 cannot type: read them by name.
    function stat(name: string): real {
        return Number(root.stats[name])
    }

    padding: Theme.spacingL
    background: Rectangle {
        color: Theme.window
    }

    Connections {
        target: root.stats
        function onChanged() {
            root.revision++
        }
    }

    RowLayout {
        anchors.fill: parent
        spacing: Theme.spacingM

        Repeater {
            model: Theme.stateNames
            delegate: CounterCard {
                id: card
                required property string modelData
                Layout.fillWidth: true
                Layout.minimumWidth: Theme.counterMinWidth
                Layout.maximumWidth: Theme.counterWidth
                title: card.modelData
                accent: Theme.stateColor(card.modelData)
                glyph: Theme.stateGlyph(card.modelData)
                value: root.stat(card.modelData)
                history: root.revision >= 0 ? root.stats.history(card.modelData) : []
            }
        }
        CounterCard {
            Layout.fillWidth: true
            Layout.minimumWidth: Theme.counterMinWidth
            Layout.maximumWidth: Theme.counterWidth
            title: qsTr("total")
            accent: Theme.accent
            glyph: "\u03A3"
            value: root.stat("total")
            history: []
            detail: qsTr("%1 tasks/s").arg(root.stats.tasksPerSecond.toFixed(1))
        }
        Item {
            Layout.fillWidth: true
        }
    }
}

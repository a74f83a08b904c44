import QtQuick
import Coroscope
import QtQuick.Controls.Fusion
import QtQuick.Layouts
import Coroscope.Widgets

// One live counter: a coloured glyph and title, the count, and a sparkline; compact,
// one line: glyph, title and count (no sparkline, no detail).
Rectangle {
    id: root

    property string title
    property string glyph
    property color accent: Theme.accent
    property real value: 0
    // A SeriesSource (e.g. TaskStats) and which of its series to draw; no sparkline
    // without one.
    property QtObject historySource: null
    property int historySeries: 0
    property string detail
    property bool compact: false

    NumberText {
        id: valueText
        value: root.value
    }

    implicitWidth: Theme.counterWidth
    implicitHeight: root.compact ? Theme.counterCompactHeight : Theme.counterHeight
    radius: Theme.radiusL
    color: Theme.surfaceRaised
    border.color: Theme.border
    border.width: Theme.stroke

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: Theme.spacingM
        spacing: Theme.spacingXs

        RowLayout {
            spacing: Theme.spacingS
            Label {
                text: root.glyph
                color: root.accent
                font.pixelSize: Theme.fontSizeS
                font.bold: true
            }
            Label {
                Layout.fillWidth: true
                text: root.title
                color: Theme.mutedText
                font.pixelSize: Theme.fontSizeS
                font.capitalization: Font.Capitalize
                elide: Text.ElideRight
            }
            Label {
                visible: root.compact
                text: valueText.text
                color: Theme.text
                font.pixelSize: Theme.fontSizeM
                font.bold: true
            }
        }
        RowLayout {
            visible: !root.compact
            spacing: Theme.spacingM
            Label {
                text: valueText.text
                color: Theme.text
                font.pixelSize: Theme.fontSizeL
                font.bold: true
            }
            Sparkline {
                Layout.fillWidth: true
                Layout.preferredHeight: Theme.sparklineHeight
                visible: root.historySource !== null
                source: root.historySource
                series: root.historySeries
                color: root.accent
                lineWidth: Theme.sparklineLineWidth
                fillOpacity: Theme.sparklineFill
            }
            Label {
                Layout.fillWidth: true
                visible: root.detail.length > 0
                text: root.detail
                color: Theme.mutedText
                font.pixelSize: Theme.fontSizeS
                elide: Text.ElideRight
            }
        }
    }
}

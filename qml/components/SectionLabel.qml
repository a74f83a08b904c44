import QtQuick
import Coroscope
import QtQuick.Controls.Fusion

// A small upper-case heading that opens a section of a pane.
Label {
    font.pixelSize: Theme.fontSizeS
    font.bold: true
    font.capitalization: Font.AllUppercase
    font.letterSpacing: Theme.spacingXs / 2
    color: Theme.mutedText
}

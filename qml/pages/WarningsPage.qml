pragma ComponentBehavior: Bound
import QtQuick
import Coroscope
import Coroscope.Monitor
import QtQuick.Controls.Fusion
import QtQuick.Layouts

// The Warnings list (docs/spec/warnings.md): every run's warnings and the loops not
// responding now, each naming its task; clicking one selects that task. The header
// shows the thresholds the rules use.
Pane {
    id: page

    required property TaskMonitor monitor
    property real selectedKey: -1

    signal taskSelected(real key)

    padding: 0

    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        RowLayout {
            Layout.fillWidth: true
            Layout.margins: Theme.spacingM
            spacing: Theme.spacingL
            SectionLabel {
                objectName: "warningsTitle"
                text: page.monitor.warnings.count === 1 ? qsTr("1 warning")
                                                        : qsTr("%1 warnings").arg(Format.count(page.monitor.warnings.count))
            }
            Label {
                objectName: "warningThresholds"
                Layout.fillWidth: true
                text: qsTr("Thresholds: %1").arg(page.monitor.warnings.thresholds)
                color: Theme.mutedText
                font.pixelSize: Theme.fontSizeS
                elide: Text.ElideRight
                horizontalAlignment: Text.AlignRight
            }
        }
        Rectangle {
            Layout.fillWidth: true
            implicitHeight: Theme.stroke
            color: Theme.divider
        }
        ListView {
            id: list
            objectName: "warningList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: page.monitor.warnings
            reuseItems: true
            boundsBehavior: Flickable.StopAtBounds
            ScrollBar.vertical: ScrollBar {}
            delegate: WarningDelegate {
                id: warning
                selected: page.selectedKey >= 0 && warning.taskKey === page.selectedKey
                onTaskActivated: key => page.taskSelected(key)
            }
        }
        Label {
            objectName: "noWarnings"
            visible: list.count === 0
            Layout.fillWidth: true
            Layout.margins: Theme.spacingL
            text: qsTr("No warnings")
            color: Theme.mutedText
            horizontalAlignment: Text.AlignHCenter
        }
    }
}

pragma ComponentBehavior: Bound
import QtQuick
import Coroscope
import Coroscope.Monitor
import QtQuick.Controls.Fusion
import QtQuick.Layouts

// The live tasks: counters per state, state filter chips and a name search, then the
// table (sortable by any column) or the parent/child tree.
Pane {
    id: page

    required property TaskMonitor monitor
    property real selectedKey: -1
    property bool treeMode: false

    signal taskSelected(real key)

    // The table's columns, for its header and its rows (TaskRowCells shows each role).
    // The run column sorts by runId (TaskListModel sorts numbers and a few text roles;
    // run order is the order that matters).
    // What people read first comes first (state, when, how long, what it gave), so that
    // it shows at the window's default size; the rest is a sideways scroll away.
    readonly property var columns: [
        { role: "runId", title: qsTr("Run"), width: Theme.colRun },
        { role: "taskId", title: qsTr("ID"), width: Theme.colId },
        { role: "name", title: qsTr("Name"), width: Theme.colName },
        { role: "state", title: qsTr("State"), width: Theme.colState },
        { role: "startedMs", title: qsTr("Started"), width: Theme.colStarted },
        { role: "durationMs", title: qsTr("Duration"), width: Theme.colDuration },
        { role: "resultText", title: qsTr("Result / error"), width: Theme.colResult },
        { role: "op", title: qsTr("Op"), width: Theme.colOp },
        { role: "loop", title: qsTr("Loop"), width: Theme.colLoop },
        { role: "awaiting", title: qsTr("Awaiting"), width: Theme.colAwaiting },
        { role: "cancelReason", title: qsTr("Cancel reason"), width: Theme.colReason }
    ]

    // How every row of the table looks (one object, which each row reads in C++).
    TaskTableStyle {
        id: rowStyle
        columns: page.columns
        smallFont: Qt.font({ pixelSize: Theme.fontSizeS })
        monoFont: Qt.font({ family: Theme.monoFamily, pixelSize: Theme.fontSizeS })
        text: Theme.text
        mutedText: Theme.mutedText
        base: Theme.base
        alternateBase: Theme.alternateBase
        hover: Theme.hover
        selection: Theme.selection
        stateNames: Theme.stateNames
        stateColors: Theme.stateNames.map(name => Theme.stateColor(name))
        stateGlyphs: Theme.stateNames.map(name => Theme.stateGlyph(name))
        padding: Theme.spacingM
        badgeHeight: Theme.chipHeight - 2 * Theme.spacingXs
        badgeSpacing: Theme.spacingS
        badgeTint: Theme.badgeTint
    }

    function focusSearch() {
        search.forceActiveFocus()
        search.selectAll()
    }
    function toggleSort(role: string) {
        const tasks = page.monitor.tasks
        if (tasks.sortRole === role)
            tasks.sortAscending = !tasks.sortAscending
        else {
            tasks.sortRole = role
            tasks.sortAscending = true
        }
    }

    padding: 0
    background: Rectangle {
        color: Theme.window
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        CountersPane {
            Layout.fillWidth: true
            stats: page.monitor.stats
            compact: page.height < Theme.countersCompactBelow
        }

        // The chips, the count and the search wrap onto a second line when narrow.
        Flow {
            Layout.fillWidth: true
            Layout.leftMargin: Theme.spacingL
            Layout.rightMargin: Theme.spacingL
            Layout.topMargin: Theme.spacingS
            Layout.bottomMargin: Theme.spacingM
            spacing: Theme.spacingS

            Repeater {
                model: Theme.stateNames
                delegate: StateChip {
                    id: chip
                    required property string modelData
                    objectName: "stateChip_" + chip.modelData
                    stateName: chip.modelData
                    checked: (page.monitor.tasks.stateFilter & Theme.stateBit(chip.modelData)) !== 0
                    onToggled: page.monitor.tasks.stateFilter = page.monitor.tasks.stateFilter ^ Theme.stateBit(chip.modelData)
                }
            }
            ToolButton {
                objectName: "allStatesButton"
                text: qsTr("All")
                font.pixelSize: Theme.fontSizeS
                enabled: page.monitor.tasks.stateFilter !== Theme.allStates
                onClicked: page.monitor.tasks.stateFilter = Theme.allStates
            }
            Label {
                objectName: "shownCount"
                height: search.height
                verticalAlignment: Text.AlignVCenter
                leftPadding: Theme.spacingM
                text: shownText.text
                color: Theme.mutedText
                font.pixelSize: Theme.fontSizeS
                NumberText {
                    id: shownText
                    pattern: qsTr("%1 shown")
                    value: page.monitor.tasks.count
                }
            }
            // A histogram's range filters the table too (HistogramsPage): shown, and undone, here.
            ToolButton {
                objectName: "rangeFilterChip"
                visible: page.monitor.histograms.selectedMeasure >= 0
                height: search.height
                text: qsTr("%1  ✕").arg(page.monitor.histograms.selectionText)
                font.pixelSize: Theme.fontSizeS
                onClicked: page.monitor.histograms.clearSelection()
                ToolTip.visible: hovered
                ToolTip.delay: Theme.toolTipDelay
                ToolTip.text: qsTr("Show every task again (the histograms' range filters the table)")
            }
            TextField {
                id: search
                objectName: "searchField"
                width: Theme.searchWidth
                placeholderText: qsTr("Search names (Ctrl+F)")
                selectByMouse: true
                text: page.monitor.tasks.search
                onTextEdited: page.monitor.tasks.search = search.text
                // Esc clears the search, and focus stays here: the field claims the key
                // from the window's Esc shortcut while it has text. With the field empty,
                // Esc goes to the window (clears the selection).
                Keys.onShortcutOverride: event => event.accepted = event.key === Qt.Key_Escape && search.text.length > 0
                Keys.onEscapePressed: {
                    search.clear()
                    page.monitor.tasks.search = ""
                }
            }
        }

        Rectangle {
            Layout.fillWidth: true
            implicitHeight: Theme.stroke
            color: Theme.divider
        }

        StackLayout {
            Layout.fillWidth: true
            Layout.fillHeight: true
            currentIndex: page.treeMode ? 1 : 0

            // The table: a sticky header with clickable sort, rows reused as they scroll.
            // The header is an item above the list that follows its horizontal scroll, not
            // the ListView's `header`: Qt 6.4's ListView creates a header in a context of its
            // own, which a Bound component (pragma ComponentBehavior: Bound) refuses
            // ("QQmlComponent: Component is not ready"), so the header would never show.
            ColumnLayout {
                spacing: 0

                Item {
                    Layout.fillWidth: true
                    implicitHeight: Theme.headerHeight
                    clip: true
                    z: 2

                    Rectangle {
                        x: -table.contentX
                        width: Math.max(table.width, Theme.tableWidth)
                        height: Theme.headerHeight
                        color: Theme.surface
                        Row {
                            anchors.fill: parent
                            Repeater {
                                model: page.columns
                                delegate: SortHeaderDelegate {
                                    id: headerCell
                                    required property var modelData
                                    objectName: "sortHeader_" + headerCell.role
                                    role: String(modelData.role)
                                    text: String(modelData.title)
                                    width: Number(modelData.width)
                                    height: Theme.headerHeight
                                    sortRole: page.monitor.tasks.sortRole
                                    ascending: page.monitor.tasks.sortAscending
                                    onClicked: page.toggleSort(headerCell.role)
                                }
                            }
                        }
                        Rectangle {
                            anchors.bottom: parent.bottom
                            width: parent.width
                            height: Theme.stroke
                            color: Theme.border
                        }
                    }
                }

                ListView {
                    id: table
                    objectName: "taskTable"
                    Layout.fillWidth: true
                    Layout.fillHeight: true
                    clip: true
                    model: page.monitor.tasks
                    reuseItems: true
                    contentWidth: Theme.tableWidth
                    flickableDirection: Flickable.AutoFlickIfNeeded
                    boundsBehavior: Flickable.StopAtBounds
                    currentIndex: -1
                    keyNavigationEnabled: false
                    ScrollBar.vertical: ScrollBar {}
                    ScrollBar.horizontal: ScrollBar {}

                    delegate: TaskRowDelegate {
                        id: rowDelegate
                        objectName: "taskRow"
                        tasks: page.monitor.tasks
                        tableStyle: rowStyle
                        width: Math.max(table.width, Theme.tableWidth)
                        selected: rowDelegate.taskKey === page.selectedKey
                        onClicked: {
                            table.forceActiveFocus()
                            page.taskSelected(rowDelegate.taskKey)
                        }
                    }

                    Keys.onUpPressed: page.moveSelection(-1)
                    Keys.onDownPressed: page.moveSelection(1)

                    Label {
                        anchors.centerIn: parent
                        visible: table.count === 0
                        text: page.monitor.stats.total > 0 ? qsTr("No task matches the filter")
                                                             : qsTr("No tasks yet: launch a set or spawn a task")
                        color: Theme.mutedText
                    }
                }
            }

            // The tree: children under the task that spawned them. Its model files new
            // tasks only while the tree is shown (a hidden one costs no tick time).
            Binding {
                target: page.monitor.tree
                property: "active"
                value: tree.visible
            }
            TreeView {
                id: tree
                clip: true
                model: page.monitor.tree
                boundsBehavior: Flickable.StopAtBounds
                columnWidthProvider: () => tree.width
                ScrollBar.vertical: ScrollBar {}
                delegate: TaskTreeDelegate {
                    objectName: "treeRow"
                    selectedKey: page.selectedKey
                    onTaskClicked: key => page.taskSelected(key)
                }
            }
        }
    }

    // Scrolls the table to the task, if the filter shows it.
    function showTask(key: real) {
        const row = page.monitor.tasks.rowOfKey(key)
        if (row >= 0)
            table.positionViewAtIndex(row, ListView.Contain)
    }
    function moveSelection(delta: int) {
        const tasks = page.monitor.tasks
        const row = Math.max(0, Math.min(tasks.count - 1, tasks.rowOfKey(page.selectedKey) + delta))
        if (row >= 0 && row < tasks.count) {
            page.taskSelected(tasks.keyAt(row))
            table.positionViewAtIndex(row, ListView.Contain)
        }
    }
}

import QtQuick
import QtQuick.Templates as T
import Coroscope
import Coroscope.Monitor

// One row of the live task table: a TaskRowCells (C++) paints the background and every
// cell from the row of `tasks` at `index`, in the look of `tableStyle`.
// The first launch creates a screenful of rows in one frame, and every tick changes some
// of them: as a Row of Text items a row would be 17 items, whose creation is the
// longest frame of a million-task run, and whose string properties feed the JS heap's
// garbage collector on every tick. The Templates' ItemDelegate gives the row its click, hover
// and accessibility; the cells say what they show to assistive technology.
// Cells are plain text: a task named "<b>x</b>" reads as written.
T.ItemDelegate {
    id: root

    required property int index
    required property real taskKey
    required property TaskListModel tasks
    required property TaskTableStyle tableStyle
    property bool selected: false
    readonly property alias taskState: cells.taskState

    height: Theme.rowHeight
    padding: 0
    hoverEnabled: true
    Accessible.name: cells.accessibleText

    // A child rather than the contentItem, which the control would create late (deferred).
    TaskRowCells {
        id: cells
        objectName: "taskRowCells"
        width: root.width
        height: root.height
        model: root.tasks
        row: root.index
        tableStyle: root.tableStyle
        selected: root.selected
        hovered: root.hovered
    }
}

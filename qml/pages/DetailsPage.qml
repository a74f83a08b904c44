pragma ComponentBehavior: Bound
import QtQuick
import Coroscope
import Coroscope.Monitor
import QtQuick.Controls.Fusion
import QtQuick.Layouts

// The selected task: every field, its event history with times, its callbacks and
// when they fired, and its parent and children (click one to move the selection).
// Re-read from the monitor on every tick while a task is selected (TaskDetails keeps
// what did not change, so the lists' delegates stay).
Pane {
    id: page

    required property TaskMonitor monitor
    property real taskKey: -1
    // Why the task cannot be acted on (a past run's), "" when it can.
    property string readOnlyReason: ""
    // Why Spawn child cannot act (the task is an attached program's), "" when it can.
    property string spawnReason: ""
    readonly property bool hasTask: page.taskKey >= 0 && taskDetails.hasTask
    readonly property string taskState: page.hasTask ? taskDetails.state : ""
    // The field rows, in this order, with the label people read. Times are ms after the
    // run's start. Each row's text reads its own property of TaskDetails, so it is
    // re-evaluated only when that field changes, and the rows stay while values move.
    readonly property list<string> fieldKeys: ["run", "id", "name", "op", "state", "loop", "awaiting", "createdMs",
                                               "startedMs", "finishedMs", "durationMs", "result", "error",
                                               "cancelReason", "originKey", "queueDepth"]
    readonly property var fieldLabels: ({
        run: qsTr("Run"),
        id: qsTr("ID"),
        name: qsTr("Name"),
        op: qsTr("Op"),
        state: qsTr("State"),
        loop: qsTr("Loop"),
        awaiting: qsTr("Awaiting"),
        createdMs: qsTr("Created"),
        startedMs: qsTr("Started"),
        finishedMs: qsTr("Finished"),
        durationMs: qsTr("Duration"),
        result: qsTr("Result"),
        error: qsTr("Error"),
        cancelReason: qsTr("Cancel reason"),
        originKey: qsTr("Spawned by"),
        queueDepth: qsTr("Queue depth")
    })
    // Shown only when they say something.
    readonly property var optionalFields: ["awaiting", "error", "cancelReason", "originKey", "queueDepth"]

    signal taskSelected(real key)
    signal cancelRequested()
    signal cancelSubtreeRequested()
    signal callbackRequested()
    signal spawnChildRequested()

    function fieldText(key: string): string {
        switch (key) {
        case "run":
            return Format.run(taskDetails.runId, taskDetails.run)
        case "id":
            return String(taskDetails.taskId)
        case "name":
            return page.display(taskDetails.name)
        case "op":
            return page.display(taskDetails.op)
        case "state":
            return page.display(taskDetails.state)
        case "loop":
            return page.display(taskDetails.loop)
        case "awaiting":
            return page.display(taskDetails.awaiting)
        case "createdMs":
            return page.timeText(taskDetails.createdMs)
        case "startedMs":
            return page.timeText(taskDetails.startedMs)
        case "finishedMs":
            return page.timeText(taskDetails.finishedMs)
        case "durationMs":
            if (isNaN(taskDetails.startedMs))
                return "\u2014"
            if (isNaN(taskDetails.finishedMs))
                return qsTr("still running")
            return Format.time(taskDetails.finishedMs - taskDetails.startedMs)
        case "result":
            return page.display(taskDetails.result)
        case "error":
            return page.display(taskDetails.error)
        case "cancelReason":
            return page.display(taskDetails.cancelReason)
        case "originKey":
            return taskDetails.originKey < 0 ? "\u2014"
                                             : qsTr("a callback of task %1").arg(page.localId(taskDetails.originKey))
        case "queueDepth": {
            // docs/spec/taskset-format.md, "Queue depth": items in the queue now.
            if (taskDetails.queueDepth < 0)
                return "\u2014"
            const depth = taskDetails.queueCapacity > 0
                ? qsTr("%1 of %2 items").arg(Format.count(taskDetails.queueDepth)).arg(Format.count(taskDetails.queueCapacity))
                : qsTr("%1 items (unbounded)").arg(Format.count(taskDetails.queueDepth))
            return qsTr("%1 \u00B7 peak %2").arg(depth).arg(Format.count(taskDetails.queuePeak))
        }
        }
        return ""
    }
    function display(value: string): string {
        return value === "" ? "\u2014" : value
    }
    // A time that has not come (NaN) reads as "—".
    function timeText(ms: real): string {
        return isNaN(ms) ? "\u2014" : Format.time(ms)
    }
    // The run-local id in a task key (docs/spec/task-keys.md: exact in a double).
    function localId(key: real): real {
        return key % 4294967296
    }

    padding: 0
    background: Rectangle {
        color: Theme.surface
    }

    TaskDetails {
        id: taskDetails
        monitor: page.monitor
        taskKey: page.taskKey
    }

    Label {
        anchors.centerIn: parent
        width: parent.width - 2 * Theme.spacingXl
        visible: !page.hasTask
        horizontalAlignment: Text.AlignHCenter
        wrapMode: Text.WordWrap
        text: qsTr("Select a task in the table, the tree or the timeline to see everything about it")
        color: Theme.mutedText
    }

    ScrollView {
        id: scroller
        anchors.fill: parent
        visible: page.hasTask
        contentWidth: availableWidth

        ColumnLayout {
            width: scroller.availableWidth
            spacing: Theme.spacingM

            // Title: glyph, name, state
            RowLayout {
                Layout.fillWidth: true
                Layout.margins: Theme.spacingL
                Layout.bottomMargin: 0
                spacing: Theme.spacingM
                Label {
                    text: Theme.stateGlyph(page.taskState)
                    color: Theme.stateColor(page.taskState)
                    font.pixelSize: Theme.fontSizeXl
                    font.bold: true
                }
                ColumnLayout {
                    Layout.fillWidth: true
                    spacing: 0
                    Label {
                        Layout.fillWidth: true
                        text: page.display(taskDetails.name)
                        font.pixelSize: Theme.fontSizeL
                        font.bold: true
                        color: Theme.text
                        elide: Text.ElideRight
                    }
                    StateBadge {
                        stateName: page.taskState
                    }
                }
            }

            Flow {
                Layout.fillWidth: true
                Layout.leftMargin: Theme.spacingL
                Layout.rightMargin: Theme.spacingL
                spacing: Theme.spacingS
                ActionButton {
                    objectName: "detailsCancel"
                    flat: false
                    text: qsTr("Cancel")
                    active: page.readOnlyReason.length === 0 && (page.taskState === "pending" || page.taskState === "running")
                    toolTip: page.readOnlyReason.length > 0 ? page.readOnlyReason
                             : page.taskState === "pending" || page.taskState === "running" ? qsTr("Cancel this task") : qsTr("The task has ended")
                    onClicked: page.cancelRequested()
                }
                ActionButton {
                    objectName: "detailsCancelSubtree"
                    flat: false
                    text: qsTr("Cancel subtree")
                    active: page.readOnlyReason.length === 0
                    toolTip: page.readOnlyReason.length > 0 ? page.readOnlyReason
                                                            : qsTr("Cancel this task and everything under it")
                    onClicked: page.cancelSubtreeRequested()
                }
                ActionButton {
                    objectName: "detailsAddCallback"
                    flat: false
                    text: qsTr("Add callback\u2026")
                    active: page.readOnlyReason.length === 0
                    toolTip: page.readOnlyReason.length > 0 ? page.readOnlyReason : qsTr("Attach a done-callback to this task")
                    onClicked: page.callbackRequested()
                }
                ActionButton {
                    objectName: "detailsSpawnChild"
                    flat: false
                    text: qsTr("Spawn child\u2026")
                    active: page.readOnlyReason.length === 0 && page.spawnReason.length === 0
                    toolTip: page.readOnlyReason.length > 0 ? page.readOnlyReason
                             : page.spawnReason.length > 0 ? page.spawnReason : qsTr("Spawn a task as this task's child")
                    onClicked: page.spawnChildRequested()
                }
            }

            SectionLabel {
                Layout.leftMargin: Theme.spacingL
                Layout.topMargin: Theme.spacingM
                text: qsTr("Fields")
            }
            Repeater {
                model: page.fieldKeys
                delegate: RowLayout {
                    id: field
                    required property string modelData
                    visible: page.optionalFields.indexOf(field.modelData) < 0 || page.fieldText(field.modelData) !== "\u2014"
                    Layout.fillWidth: true
                    Layout.leftMargin: Theme.spacingL
                    Layout.rightMargin: Theme.spacingL
                    spacing: Theme.spacingL
                    Label {
                        Layout.preferredWidth: Theme.fieldLabelWidth
                        Layout.alignment: Qt.AlignTop
                        text: String(page.fieldLabels[field.modelData])
                        color: Theme.mutedText
                        font.pixelSize: Theme.fontSizeS
                    }
                    Label {
                        objectName: "detailsField_" + field.modelData
                        Layout.fillWidth: true
                        text: page.fieldText(field.modelData)
                        color: field.modelData === "error" ? Theme.failed : Theme.text
                        font.pixelSize: Theme.fontSizeS
                        wrapMode: Text.WrapAnywhere
                    }
                }
            }

            // Why is it stuck? (docs/spec/stuck.md): the await chain while the task is
            // pending or running, one hop a line; a task hop selects that task.
            RowLayout {
                Layout.fillWidth: true
                Layout.leftMargin: Theme.spacingL
                Layout.rightMargin: Theme.spacingL
                Layout.topMargin: Theme.spacingM
                visible: chainRows.count > 0
                SectionLabel {
                    Layout.fillWidth: true
                    text: qsTr("Why is it stuck?")
                }
                ActionButton {
                    objectName: "detailsCopyChain"
                    text: qsTr("Copy")
                    toolTip: qsTr("Copy the chain as one line of text")
                    onClicked: taskDetails.copyChain()
                }
            }
            Label {
                objectName: "chainVerdict"
                Layout.fillWidth: true
                Layout.leftMargin: Theme.spacingL
                Layout.rightMargin: Theme.spacingL
                visible: chainRows.count > 0 && taskDetails.chainNeverEnds
                text: qsTr("This task can never end by what it awaits")
                color: Theme.failed
                font.pixelSize: Theme.fontSizeS
                font.bold: true
                wrapMode: Text.WordWrap
            }
            Repeater {
                id: chainRows
                model: taskDetails.chain
                delegate: ItemDelegate {
                    id: hop
                    objectName: "chainHop"
                    required property int index
                    required property real taskKey
                    required property string hopText
                    required property string neverEnds
                    readonly property bool isTask: hop.taskKey >= 0
                    Layout.fillWidth: true
                    Layout.leftMargin: Theme.spacingL
                    Layout.rightMargin: Theme.spacingL
                    padding: Theme.spacingXs
                    leftPadding: Theme.spacingS
                    hoverEnabled: hop.isTask
                    onClicked: {
                        if (hop.isTask)
                            page.taskSelected(hop.taskKey)
                    }
                    background: Rectangle {
                        radius: Theme.radiusS
                        color: hop.hovered && hop.isTask ? Theme.hover : Theme.transparent
                    }
                    contentItem: Label {
                        text: (hop.index > 0 ? "\u2192 " : "") + hop.hopText
                              + (hop.neverEnds.length > 0 ? qsTr(" \u2014 never ends: %1").arg(hop.neverEnds) : "")
                        color: hop.neverEnds.length > 0 ? Theme.failed : hop.isTask ? Theme.link : Theme.text
                        font.pixelSize: Theme.fontSizeS
                        font.underline: hop.hovered && hop.isTask
                        wrapMode: Text.WordWrap
                    }
                }
            }

            SectionLabel {
                Layout.leftMargin: Theme.spacingL
                Layout.topMargin: Theme.spacingM
                text: qsTr("Parent and children")
            }
            LinkDelegate {
                Layout.fillWidth: true
                Layout.leftMargin: Theme.spacingL
                Layout.rightMargin: Theme.spacingL
                visible: page.hasTask && taskDetails.parentKey >= 0
                prefix: qsTr("parent")
                modelData: page.hasTask ? page.parentEntry() : ({})
                onActivated: key => page.taskSelected(key)
            }
            Label {
                Layout.leftMargin: Theme.spacingL
                visible: page.hasTask && taskDetails.parentKey < 0
                text: qsTr("No parent: spawned at the top level")
                color: Theme.mutedText
                font.pixelSize: Theme.fontSizeS
            }
            Repeater {
                id: childRows
                model: taskDetails.children
                delegate: LinkDelegate {
                    id: childLink
                    objectName: "childLink"
                    required property real taskKey
                    required property string name
                    required property string taskState
                    modelData: ({ taskKey: childLink.taskKey, name: childLink.name, state: childLink.taskState })
                    Layout.fillWidth: true
                    Layout.leftMargin: Theme.spacingL
                    Layout.rightMargin: Theme.spacingL
                    prefix: qsTr("child")
                    onActivated: key => page.taskSelected(key)
                }
            }

            Label {
                objectName: "moreChildren"
                Layout.leftMargin: Theme.spacingL
                Layout.rightMargin: Theme.spacingL
                Layout.fillWidth: true
                visible: page.hasTask && taskDetails.moreChildren
                text: qsTr("The first %1 children; the tree lists them all").arg(childRows.count)
                wrapMode: Text.WordWrap
                color: Theme.mutedText
                font.pixelSize: Theme.fontSizeS
            }

            SectionLabel {
                Layout.leftMargin: Theme.spacingL
                Layout.topMargin: Theme.spacingM
                text: qsTr("Callbacks")
            }
            Label {
                Layout.leftMargin: Theme.spacingL
                visible: callbackRows.count === 0
                text: qsTr("None attached")
                color: Theme.mutedText
                font.pixelSize: Theme.fontSizeS
            }
            Repeater {
                id: callbackRows
                model: taskDetails.callbacks
                delegate: EventDelegate {
                    id: callbackRow
                    required property string description
                    required property var firedMs
                    objectName: "callbackRow"
                    Layout.fillWidth: true
                    Layout.leftMargin: Theme.spacingL
                    Layout.rightMargin: Theme.spacingL
                    timeMs: callbackRow.firedMs === null || callbackRow.firedMs === undefined
                            ? -1 : Number(callbackRow.firedMs)
                    title: Format.callback(callbackRow.description)
                    detail: timeMs < 0 ? qsTr("not fired yet") : qsTr("fired")
                    accent: timeMs < 0 ? Theme.pending : Theme.done
                }
            }

            SectionLabel {
                Layout.leftMargin: Theme.spacingL
                Layout.topMargin: Theme.spacingM
                text: qsTr("Events")
            }
            Repeater {
                model: taskDetails.events
                delegate: EventDelegate {
                    id: eventRow
                    required property real tMs
                    required property string type
                    required property string eventDetail
                    Layout.fillWidth: true
                    Layout.leftMargin: Theme.spacingL
                    Layout.rightMargin: Theme.spacingL
                    timeMs: eventRow.tMs
                    title: eventRow.type
                    detail: eventRow.type === "callback" ? Format.callback(eventRow.eventDetail) : page.display(eventRow.eventDetail)
                    accent: Theme.stateColor(eventRow.type)
                }
            }
            Item {
                Layout.preferredHeight: Theme.spacingL
            }
        }
    }

    function parentEntry(): var {
        return {
            taskKey: taskDetails.parentKey,
            name: taskDetails.parentName,
            state: ""
        }
    }
}

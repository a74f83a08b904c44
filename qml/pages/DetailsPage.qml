pragma ComponentBehavior: Bound
import QtQuick
import Coroscope
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
    readonly property var details: taskDetails.fields
    readonly property bool hasTask: page.taskKey >= 0 && page.details.taskKey !== undefined
    readonly property string taskState: page.hasTask ? String(page.details.state) : ""
    // The fields, in this order, with the label people read (a field taskDetails adds
    // later follows, its name spelled out). Times are ms after the run's start.
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
    readonly property var timeFields: ["createdMs", "startedMs", "finishedMs", "durationMs"]
    // Shown only when they say something.
    readonly property var optionalFields: ["awaiting", "error", "cancelReason", "originKey", "queueDepth"]

    signal taskSelected(real key)
    signal cancelRequested()
    signal cancelSubtreeRequested()
    signal callbackRequested()
    signal spawnChildRequested()

    // The field rows: a list that changes only when the task's map has other keys (a
    // new selection), so the Repeater keeps its rows while the values move; a field
    // that says nothing (optionalFields) hides its row.
    property var shownFields: []
    onDetailsChanged: page.updateShownFields()
    Component.onCompleted: page.updateShownFields()
    function updateShownFields() {
        const keys = page.fieldKeys()
        if (JSON.stringify(keys) !== JSON.stringify(page.shownFields))
            page.shownFields = keys
    }
    function fieldKeys(): var {
        // Not hasTask: this runs on detailsChanged, maybe before hasTask has followed.
        if (page.taskKey < 0 || page.details.taskKey === undefined)
            return []
        // Shown elsewhere (title, links, lists) or folded into another field.
        const skip = ["events", "callbacks", "children", "moreChildren", "parentKey", "parentName", "taskKey", "runId",
                      "queueCapacity", "queuePeak"]
        // (A null time arrives as undefined, but its field still shows, as "—".)
        const known = Object.keys(page.fieldLabels)
        const given = Object.keys(page.details)
        const keys = known.filter(k => page.timeFields.indexOf(k) >= 0 || given.indexOf(k) >= 0)
            .concat(given.filter(k => skip.indexOf(k) < 0 && known.indexOf(k) < 0).sort())
        return keys
    }
    function fieldLabel(key: string): string {
        const label = page.fieldLabels[key]
        if (label !== undefined)
            return String(label)
        // someNewField -> "Some new field"
        const words = key.replace(/([A-Z])/g, " $1").toLowerCase()
        return words.charAt(0).toUpperCase() + words.slice(1)
    }
    function fieldText(key: string): string {
        const d = page.details
        if (key === "run")
            return Format.run(Number(d.runId), String(d.run))
        if (key === "durationMs") {
            if (d.startedMs === null || d.startedMs === undefined)
                return "\u2014"
            if (d.finishedMs === null || d.finishedMs === undefined)
                return qsTr("still running")
            return Format.time(Number(d.finishedMs) - Number(d.startedMs))
        }
        if (page.timeFields.indexOf(key) >= 0)
            return Format.time(d[key])
        if (key === "queueDepth") {
            // docs/spec/taskset-format.md, "Queue depth": items in the queue now.
            if (d.queueDepth === null || d.queueDepth === undefined)
                return "\u2014"
            const depth = Number(d.queueCapacity) > 0
                ? qsTr("%1 of %2 items").arg(Format.count(d.queueDepth)).arg(Format.count(d.queueCapacity))
                : qsTr("%1 items (unbounded)").arg(Format.count(d.queueDepth))
            return qsTr("%1 \u00B7 peak %2").arg(depth).arg(Format.count(d.queuePeak))
        }
        if (key === "originKey")
            return Number(d.originKey) < 0 ? "\u2014" : qsTr("a callback of task %1").arg(Number(d.originKey) & 0xffffffff)
        return page.display(d[key])
    }
    function display(value: var): string {
        if (value === null || value === undefined || value === "")
            return "\u2014"
        if (typeof value === "object")
            return JSON.stringify(value)
        return String(value)
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
                        text: page.display(page.details.name)
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
                    active: page.readOnlyReason.length === 0
                    toolTip: page.readOnlyReason.length > 0 ? page.readOnlyReason : qsTr("Spawn a task as this task's child")
                    onClicked: page.spawnChildRequested()
                }
            }

            SectionLabel {
                Layout.leftMargin: Theme.spacingL
                Layout.topMargin: Theme.spacingM
                text: qsTr("Fields")
            }
            Repeater {
                model: page.shownFields
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
                        text: page.fieldLabel(field.modelData)
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

            SectionLabel {
                Layout.leftMargin: Theme.spacingL
                Layout.topMargin: Theme.spacingM
                text: qsTr("Parent and children")
            }
            LinkDelegate {
                Layout.fillWidth: true
                Layout.leftMargin: Theme.spacingL
                Layout.rightMargin: Theme.spacingL
                visible: page.hasTask && Number(page.details.parentKey) >= 0
                prefix: qsTr("parent")
                modelData: page.hasTask ? page.parentEntry() : ({})
                onActivated: key => page.taskSelected(key)
            }
            Label {
                Layout.leftMargin: Theme.spacingL
                visible: page.hasTask && Number(page.details.parentKey) < 0
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
                visible: page.hasTask && page.details.moreChildren === true
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
                    required property var tMs
                    required property string type
                    required property var eventDetail
                    Layout.fillWidth: true
                    Layout.leftMargin: Theme.spacingL
                    Layout.rightMargin: Theme.spacingL
                    timeMs: Number(eventRow.tMs)
                    title: eventRow.type
                    detail: eventRow.type === "callback" ? Format.callback(String(eventRow.eventDetail)) : page.display(eventRow.eventDetail)
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
            taskKey: Number(page.details.parentKey),
            name: page.details.parentName !== undefined ? String(page.details.parentName)
                                                        : qsTr("task %1").arg(Number(page.details.parentKey) & 0xffffffff),
            state: page.details.parentState !== undefined ? String(page.details.parentState) : ""
        }
    }
}

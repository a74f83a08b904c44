pragma ComponentBehavior: Bound
import QtQuick
import Coroscope
import QtQuick.Controls.Fusion
import QtQuick.Dialogs
import QtQuick.Templates as T
import QtQuick.Layouts

// Where to write a run's log: a folder (typed, or chosen with Browse) and a file name,
// suggested as <set>-<run>.json; the extension picks the format. Save, or Enter in
// either field, writes it. (Qt 6.4's own save dialog labels its button Open, ignores
// Enter and cannot suggest a name that does not exist yet.)
Dialog {
    id: root

    property int runId: -1
    // The file's folder as a local path; kept from one export to the next.
    property string folder: ""

    signal exportRequested(int runId, url file)

    // Opens the dialog for a run, suggesting `fileName` in the last folder used.
    function ask(run: int, fileName: string, defaultFolder: string) {
        root.runId = run
        if (root.folder.length === 0)
            root.folder = defaultFolder
        folderField.text = root.folder
        nameField.text = fileName
        root.open()
        nameField.forceActiveFocus()
        // The name without its extension is selected, ready to be typed over.
        nameField.select(0, Math.max(0, fileName.indexOf(".")))
    }
    function path(): string {
        const dir = folderField.text.trim()
        return dir.endsWith("/") ? dir + nameField.text.trim() : dir + "/" + nameField.text.trim()
    }
    // A local path as a file: URL (each part encoded, so # and ? stay in the name).
    function fileUrl(localPath: string): string {
        return "file://" + localPath.split("/").map(part => encodeURIComponent(part)).join("/")
    }

    title: qsTr("Export the run's log")
    modal: true
    anchors.centerIn: T.Overlay.overlay
    width: Theme.dialogWidth
    standardButtons: Dialog.Save | Dialog.Cancel

    onAccepted: {
        root.folder = folderField.text.trim()
        root.exportRequested(root.runId, root.fileUrl(root.path()))
    }

    GridLayout {
        anchors.fill: parent
        columns: 3
        columnSpacing: Theme.spacingL
        rowSpacing: Theme.spacingM

        Label {
            text: qsTr("Folder")
            Layout.preferredWidth: Theme.fieldLabelWidth
        }
        TextField {
            id: folderField
            objectName: "exportFolder"
            Layout.fillWidth: true
            selectByMouse: true
            onAccepted: root.accept()
        }
        Button {
            objectName: "exportBrowse"
            text: qsTr("Browse\u2026")
            onClicked: {
                folderDialog.currentFolder = root.fileUrl(folderField.text.trim())
                folderDialog.open()
            }
        }
        Label {
            text: qsTr("File name")
            Layout.preferredWidth: Theme.fieldLabelWidth
        }
        TextField {
            id: nameField
            objectName: "exportFileName"
            Layout.fillWidth: true
            Layout.columnSpan: 2
            selectByMouse: true
            onAccepted: root.accept()
        }
        Label {
            Layout.columnSpan: 3
            Layout.fillWidth: true
            wrapMode: Text.WordWrap
            color: Theme.mutedText
            font.pixelSize: Theme.fontSizeS
            text: qsTr("The extension picks the format: .json (the whole run), .jsonl (one event a line), .csv (one task a line) or .trace.json (Perfetto, chrome://tracing).")
        }
    }

    FolderDialog {
        id: folderDialog
        objectName: "exportFolderDialog"
        title: qsTr("The folder to write the log in")
        onAccepted: folderField.text = decodeURIComponent(String(folderDialog.selectedFolder).replace(/^file:\/\//, ""))
    }
}

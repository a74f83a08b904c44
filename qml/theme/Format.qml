pragma Singleton
import QtQuick
import Coroscope

// How the dashboard writes times, sizes, counts and run names for people: one helper
// per kind, used by every view, so the table, the details and the timeline agree.
QtObject {
    id: format

    // A time or a duration in ms (times are after the run's start): "12.3 ms",
    // "1.234 s", "2 min 03.4 s"; none (null, undefined, negative) is "—". In C++
    // (NumberFormat), which the table's cells use too.
    function time(ms: var): string {
        return NumberFormat.time(ms)
    }

    // A whole number with the locale's group separator: "10,000,000" (NumberFormat, in
    // C++: counts are written a dozen times a tick, and building them here would make
    // most of the JS heap's garbage).
    function count(n: real): string {
        return NumberFormat.count(n)
    }

    // A size in bytes, binary units, one decimal: "512.0 MiB", "7.5 GiB".
    function bytes(b: real): string {
        const units = ["B", "KiB", "MiB", "GiB", "TiB"]
        let v = Math.max(0, b)
        let unit = 0
        while (v >= 1024 && unit < units.length - 1) {
            v /= 1024
            ++unit
        }
        return (unit === 0 ? v.toFixed(0) : v.toFixed(1)) + " " + units[unit]
    }

    // A callback as people read it, from its log form ({"kind": "log", ...}):
    // 'log "fetched"', 'partial(2, "x")', 'spawn sleep'; anything else as it is.
    function callback(description: string): string {
        let c = null
        try {
            c = JSON.parse(description)
        } catch (e) {
            return description
        }
        if (c === null || typeof c !== "object")
            return description
        if (c.kind === "log")
            return "log " + JSON.stringify(String(c.message))
        if (c.kind === "partial")
            return "partial(" + (Array.isArray(c.args) ? c.args.map(a => JSON.stringify(a)).join(", ") : "") + ")"
        if (c.kind === "spawn")
            return "spawn " + (c.task && c.task.op ? String(c.task.op) : "")
        return description
    }

    // A file's name without its folders: "/tmp/run.json" -> "run.json".
    function fileName(path: string): string {
        return path.substring(path.lastIndexOf("/") + 1)
    }

    // A run as the launcher lists it: "#2 gather-basics" (NumberFormat, in C++, which the
    // table's cells use too).
    function run(runId: int, name: string): string {
        return NumberFormat.run(runId, name)
    }
}

#pragma once

// The probe: lets Coroscope attach to this program and watch its loops' tasks
// (`coroscope attach PID`), over the wire docs/spec/probe-protocol.md defines
// (`coroscope.probe/1`, the same as the Python probe's).
//
// Opting in: COROSCOPE_PROBE=1 in the environment when the first Loop is made, or
// install(). Every Loop made from then on is watched; install() also watches the
// calling thread's loop. A program that does neither pays one relaxed atomic load
// per Loop made, nothing else.
//
// What it does: a thread of the probe's own serves a Unix socket
// ($XDG_RUNTIME_DIR/coroscope/PID.sock, else /tmp/coroscope-UID/PID.sock) and becomes
// the reader of each watched loop's journal (journal.h), which it enables (tasks a
// loop made before it was watched are not seen: docs/spec/runtime-package.md, "Who
// reads a journal"): it drains them about 30
// times a second into a table of the tasks (every unfinished one and the last 10,000
// finished), from which a client that attaches gets its snapshot, then every event
// as it happens. Commands (cancel, add a callback) reach a loop only through its
// callSoonThreadsafe. Nothing the probe does blocks a running loop (a loop being made
// or going waits for a drain in progress) or throws into the program; a client that
// sends garbage is dropped, and so is one that stops reading unless it asked to be
// resynced (docs/spec/probe-protocol.md, "Falling behind: resync": nothing more is
// queued for it, what waits beyond its next checkpoint is cut, the ends are kept, about
// 70 bytes a task, and once it has read what waited it gets what it missed as a
// snapshot, taken from the table in pieces as its socket drains, so that the journals
// are drained between pieces ("Streaming"); at exit the same cut is made when that
// snapshot is the shorter).
//
// So a program that drains its loops' journals itself (Coroscope's own sessions)
// must not be watched: it calls disable() first.
//
// Cost (docs/spec/runtime-package.md, "The probe"): with nobody attached, the drain
// and the table on the probe's thread, about 80 bytes per unfinished task; attached,
// each event is also written as one JSON line per client.

namespace coroscope::rt {
class Loop;
}

namespace coroscope::rt::probe {

// Starts serving (once; later calls do nothing but watch the calling thread's loop)
// and watches every Loop made from now on. False if the probe is disabled or cannot
// serve (it says why once on stderr; the program runs on unwatched).
bool install();

// This process reads its journals itself: COROSCOPE_PROBE is ignored and install()
// does nothing. Call it before the first Loop is made.
void disable();

// Whether loops made now are watched (COROSCOPE_PROBE=1 or install(), not disabled).
[[nodiscard]] bool active();

namespace detail {
// The Loop's own hooks: a loop made while the probe is active is watched, and a
// watched loop is forgotten (its journal drained a last time) before it goes.
// Loop thread only.
void watch(Loop &loop);
void forget(Loop &loop);
} // namespace detail

} // namespace coroscope::rt::probe

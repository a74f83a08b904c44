"""coroscope_probe: publishes a Python program's asyncio tasks to Coroscope.

    python3 -m coroscope_probe script.py [args]      # or, in the program:
    import coroscope_probe; coroscope_probe.install()

The wire, the endpoint and every rule below are in docs/spec/probe-protocol.md.

How it works: a task factory makes every task of the watched loops a _ProbeTask, the
pure-Python asyncio Task with its step wrapped, so that each step is seen: the first
one is `started`, the later ones `resumed`, and what the task awaits when the step
returns is `suspended`, unless it finished. A step over 50 ms is a `stall`.

Threads: events are made on the loop's thread and handed, under one short lock, to a
serving thread of the probe's own, which alone touches the sockets. Commands from
Coroscope reach the loop only through call_soon_threadsafe. Nothing the probe does
raises into the program or waits on a client: a client that sends garbage is dropped,
and so is one that stops reading, unless it asked to be resynced (spec: "Falling behind:
resync"): then the probe stops queueing for it and, once it has read what waited, sends
it what it missed as a snapshot.
"""
import asyncio
import atexit
import datetime
import itertools
import json
import os
import select
import socket
import stat
import sys
import threading
import time
import types
import weakref
from collections import deque

__all__ = ["install", "endpoint_dir"]

PROTOCOL = "coroscope.probe/1"
MAX_FRAME = 1 << 20            # bytes, newline included
MAX_UNSENT = 16 << 20          # bytes waiting for one client before it is dropped
MAX_TEXT = 1000                # characters of a name, result, error or message
KEEP_FINISHED = 10_000         # finished tasks the snapshot still shows
KEEP_STALLS = 1_000            # stalls the snapshot still shows
STALL_SECONDS = 0.050
MAX_IN_FLIGHT = 64             # commands of one client waiting for the loop
MAX_ENDED = 2_000_000          # ends kept for the clients behind (resync)

_Coroutine = types.CoroutineType
_probe = None
_install_lock = threading.Lock()


def endpoint_dir():
    """The folder of the endpoints (spec: "Endpoint: who can attach")."""
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if runtime and os.path.isabs(runtime):
        return os.path.join(runtime, "coroscope")
    return "/tmp/coroscope-%d" % os.getuid()


def _private_dir(path):
    """Makes `path` (mode 0700) if missing; returns why it may not be used, or None."""
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
        st = os.lstat(path)
    except OSError as e:
        return "%s: %s" % (path, e.strerror or e)
    if not stat.S_ISDIR(st.st_mode):
        return "%s is not a directory" % path
    if st.st_uid != os.getuid():
        return "%s belongs to another user" % path
    if stat.S_IMODE(st.st_mode) != 0o700:
        return "%s has mode %o, not 700" % (path, stat.S_IMODE(st.st_mode))
    return None


def _cut(text):
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT]


def _result_value(result):
    try:
        text = json.dumps(result, allow_nan=False)
    except Exception:
        text = None
    if text is not None and len(text) <= MAX_TEXT:
        return result
    try:
        return _cut(repr(result))
    except Exception:
        return "<unprintable %s>" % type(result).__name__


def _error_text(error):
    try:
        message = str(error)
    except Exception:
        message = "<unprintable>"
    name = type(error).__name__
    return _cut("%s: %s" % (name, message) if message else name)


def _seconds(delay):
    return "%gs" % delay


class _Record:
    """What the snapshot needs of one task."""
    __slots__ = ("id", "created", "started", "callbacks", "cancel", "final", "suspended", "reason", "serial")

    def __init__(self, created):
        self.id = created["task"]
        self.created = created
        self.started = None
        self.callbacks = []     # [callback_added event, callback event or None]
        self.cancel = None      # the last cancel_requested event
        self.final = None       # done / failed / cancelled
        self.suspended = None
        self.reason = None
        self.serial = None      # its end's number, once finished


class _Client:
    __slots__ = ("sock", "inbuf", "out", "limit", "attached", "closing", "dead", "in_flight",
                 "resync", "behind", "resyncing", "ends_at_cut", "stalls_at_cut", "held")

    def __init__(self, sock):
        self.sock = sock
        self.inbuf = bytearray()
        self.out = bytearray()
        self.limit = MAX_UNSENT     # unsent bytes before it is dropped (the snapshot aside)
        self.attached = False
        self.closing = False    # close once `out` is sent
        self.dead = False
        self.in_flight = 0      # commands handed to the loop, not yet answered
        # Resync (spec: "Falling behind: resync"): it asked for it; it is behind (nothing
        # more is queued for it until `out` is sent); the ends and stalls counted when it
        # fell behind; the answers held for it meanwhile.
        self.resync = False
        self.behind = False
        self.resyncing = False  # its resync is being serialised: what happens queues after it
        self.ends_at_cut = 0
        self.stalls_at_cut = 0
        self.held = bytearray()


class _BadInput(Exception):
    pass


class _Probe:
    def __init__(self):
        self.t0 = time.perf_counter()
        self.started_at = datetime.datetime.now(datetime.timezone.utc)
        self.lock = threading.Lock()
        self.ids = itertools.count(1)
        self.records = {}                       # id -> _Record, in id order
        self.finished = deque()                 # ids of finished tasks, oldest first
        self.stalls = deque(maxlen=KEEP_STALLS)  # stall events, oldest first
        self.ends = 0                           # tasks ended so far: the next end's serial
        self.stall_count = 0
        # The ends since the first client now behind fell behind (serials from
        # ended_base on): (id, final event, created event); empty while none is behind.
        self.ended = []
        self.ended_base = 0
        self.behind = 0                         # clients behind
        self.tasks = weakref.WeakValueDictionary()  # id -> live task
        self.clients = []
        self.cancelling = None                  # the task whose cancel() is running
        self.coroscope_cancel = False           # a cancel command is running
        self.loops = weakref.WeakSet()
        self.path = None
        self.pid = None
        self.inode = None
        self.server = None
        self.wake_r = self.wake_w = None
        self.thread = None
        self.stopping = False

    # -- the loop's side ----------------------------------------------------------------

    def now_ms(self, now=None):
        """Milliseconds since the probe started, from perf_counter (monotonic)."""
        return round(((time.perf_counter() if now is None else now) - self.t0) * 1000.0, 3)

    def instrument(self, loop):
        if loop in self.loops:
            return
        if loop.get_task_factory() is not None:
            sys.stderr.write("coroscope_probe: this loop has a task factory of its own; its tasks are not watched\n")
            return
        loop.set_task_factory(_factory)
        self.loops.add(loop)

    def task_made(self, task):
        task._probe_id = next(self.ids)
        task._probe_created = self.now_ms()
        task._probe_announced = False
        task._probe_callbacks = 0
        task._probe_step = None     # when its current step began; None before the first
        try:
            parent = asyncio.current_task(task.get_loop())
        except RuntimeError:
            parent = None
        task._probe_parent = getattr(parent, "_probe_id", None)

    def announce(self, task):
        """Sends `created` the first time an event of the task is due (its name is
        known by then: create_task names a task after its factory returns)."""
        if task._probe_announced:
            return
        task._probe_announced = True
        parent = task._probe_parent
        event = {"t_ms": task._probe_created, "task": task._probe_id, "type": "created",
                 "name": _cut(task.get_name()), "op": "task",
                 "parent": parent if parent in self.records else None, "loop": "main"}
        self.tasks[task._probe_id] = task
        with self.lock:
            self.records[task._probe_id] = _Record(event)
            self.publish(event)

    def step_begins(self, task):
        self.announce(task)
        first = task._probe_step is None
        now = time.perf_counter()
        event = {"t_ms": self.now_ms(now), "task": task._probe_id, "type": "started" if first else "resumed"}
        task._probe_step = now
        with self.lock:
            record = self.records.get(task._probe_id)
            if record is not None:
                if first:
                    record.started = event
                record.suspended = None
            self.publish(event)

    def step_ends(self, task):
        end = time.perf_counter()
        took = end - task._probe_step
        now = self.now_ms(end)
        tid = task._probe_id
        if task.done():
            event = {"t_ms": now, "task": tid}
            if task.cancelled():
                event["type"] = "cancelled"
                event["reason"] = getattr(task, "_probe_reason", None) or "user"
            elif task.exception() is not None:
                event["type"] = "failed"
                event["error"] = _error_text(task.exception())
            else:
                event["type"] = "done"
                event["result"] = _result_value(task.result())
        else:
            event = {"t_ms": now, "task": tid, "type": "suspended"}
            event.update(_describe_await(task))
        with self.lock:
            record = self.records.get(tid)
            if record is not None:
                if task.done():
                    record.final = event
                    record.serial = self.ends
                    self.ends += 1
                    if self.behind:
                        self.ended.append((tid, event, record.created))
                        if len(self.ended) > MAX_ENDED:
                            for c in self.clients:
                                if c.behind:
                                    self.forget_behind(c)
                                    c.dead = True
                    self.finished.append(tid)
                    while len(self.finished) > KEEP_FINISHED:
                        self.records.pop(self.finished.popleft(), None)
                else:
                    record.suspended = event
            self.publish(event)
            if took > STALL_SECONDS:
                stall = {"t_ms": now, "task": tid, "type": "stall", "loop": "main", "ms": round(took * 1000.0, 3)}
                self.stalls.append(stall)
                self.stall_count += 1
                self.publish(stall)

    def cancel_requested(self, task):
        """Before task.cancel() runs (spec: the reasons of `cancel_requested`)."""
        self.announce(task)
        if self.cancelling is not None:
            reason = "parent"
        elif self.coroscope_cancel:
            reason = "user"
        else:
            try:
                current = asyncio.current_task(task.get_loop())
            except RuntimeError:
                current = None
            reason = "task:" + _cut(current.get_name()) if current is not None else "user"
        task._probe_reason = reason
        event = {"t_ms": self.now_ms(), "task": task._probe_id, "type": "cancel_requested", "reason": reason}
        with self.lock:
            record = self.records.get(task._probe_id)
            if record is not None:
                record.cancel = event
            self.publish(event)

    def add_log_callback(self, task, message):
        index = task._probe_callbacks
        task._probe_callbacks += 1
        tid = task._probe_id
        added = {"t_ms": self.now_ms(), "task": tid, "type": "callback_added", "index": index,
                 "callback": {"kind": "log", "message": message}}
        with self.lock:
            record = self.records.get(tid)
            if record is not None:
                record.callbacks.append([added, None])
            self.publish(added)

        def fire(done_task):
            try:
                sys.stderr.write("coroscope: task %s: %s\n" % (done_task.get_name(), message))
                sys.stderr.flush()
            except Exception:
                pass
            fired = {"t_ms": self.now_ms(), "task": tid, "type": "callback", "index": index}
            with self.lock:
                record = self.records.get(tid)
                if record is not None and index < len(record.callbacks):
                    record.callbacks[index][1] = fired
                self.publish(fired)

        task.add_done_callback(fire)

    # -- the wire (called with self.lock held) ------------------------------------------

    def publish(self, event):
        if not self.clients:
            return
        frame = _frame(event)
        woke = False
        for c in self.clients:
            if c.attached and not c.dead and not c.behind:
                c.out += frame
                if len(c.out) > c.limit:
                    # The event crossing the limit is still queued: the ends and stalls
                    # counted so far are exactly those in what was queued.
                    if c.resync:
                        self.fall_behind(c)
                    else:
                        c.dead = True
                woke = True
        if woke:
            self.wake()

    def fall_behind(self, c):
        """What waits for it is sent; nothing more is queued until then (lock held)."""
        if self.behind == 0:
            self.ended = []
            self.ended_base = self.ends
        self.behind += 1
        c.behind = True
        c.ends_at_cut = self.ends
        c.stalls_at_cut = self.stall_count

    def forget_behind(self, c):
        if not c.behind:
            return
        c.behind = False
        c.held = bytearray()
        self.behind -= 1
        if self.behind == 0:
            self.ended = []

    def resync_events(self, c):
        """What a client behind missed (lock held; serialised after it, see resync()):
        the unfinished tasks and the kept ones that ended since it fell behind, each
        other end since as an `ended` entry, in id order; the stalls since; the end."""
        items = []
        for r in self.records.values():
            if r.serial is None or r.serial >= c.ends_at_cut:
                items.append((r.id, r))
        ring_from = self.ends - len(self.finished)
        start = max(c.ends_at_cut, self.ended_base)
        for tid, final, created in self.ended[start - self.ended_base:max(0, ring_from - self.ended_base)]:
            items.append((tid, [tid, final["type"], final["t_ms"], final.get("reason"),
                                created["name"], created["parent"], created["t_ms"]]))
        items.sort(key=lambda item: item[0])
        events = [{"type": "resync"}]
        for _, item in items:
            if isinstance(item, list):
                events.append(item)
            else:
                self.record_events(item, events)
        since = min(self.stall_count - c.stalls_at_cut, len(self.stalls))
        if since > 0:
            events.extend(list(self.stalls)[-since:])
        events.append({"type": "snapshot_end"})
        return events

    def snapshot_events(self):
        """The events that rebuild the table (called with self.lock held). The event
        dicts are never changed once made, so they can be serialised after the lock."""
        events = []
        for r in self.records.values():
            self.record_events(r, events)
        events.extend(self.stalls)
        events.append({"type": "snapshot_end"})
        return events

    @staticmethod
    def record_events(r, events):
        """One task's part of a snapshot."""
        events.append(r.created)
        if r.started is not None:
            events.append(r.started)
        for added, fired in r.callbacks:
            events.append(added)
        if r.cancel is not None:
            events.append(r.cancel)
        if r.final is not None:
            events.append(r.final)
        elif r.suspended is not None:
            events.append(r.suspended)
        for added, fired in r.callbacks:
            if fired is not None:
                events.append(fired)

    def wake(self):
        try:
            self.wake_w.send(b"x")
        except OSError:
            pass    # full (a wake-up is pending anyway) or closing

    # -- the serving thread -------------------------------------------------------------

    def serve(self):
        where = endpoint_dir()
        why = _private_dir(where)
        if why is not None:
            sys.stderr.write("coroscope_probe: not serving: %s\n" % why)
            return
        self.pid = os.getpid()
        self.path = os.path.join(where, "%d.sock" % self.pid)
        try:
            try:
                os.unlink(self.path)        # a dead process's socket with our pid
            except FileNotFoundError:
                pass
            self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.server.bind(self.path)
            os.chmod(self.path, 0o600)
            self.inode = os.stat(self.path).st_ino
            self.server.listen(8)
            self.server.setblocking(False)
            self.wake_r, self.wake_w = socket.socketpair()
            self.wake_r.setblocking(False)
            self.wake_w.setblocking(False)
        except OSError as e:
            sys.stderr.write("coroscope_probe: not serving: %s: %s\n" % (self.path, e.strerror or e))
            return
        self.thread = threading.Thread(target=self.run, name="coroscope_probe", daemon=True)
        self.thread.start()
        atexit.register(self.stop)

    def stop(self):
        self.stopping = True
        self.wake()
        if self.thread is not None and self.thread is not threading.current_thread():
            self.thread.join(timeout=2.0)     # its flush() takes at most a second
        try:
            # A forked child exits with the parent's socket still the parent's.
            if self.pid == os.getpid() and self.inode is not None and os.stat(self.path).st_ino == self.inode:
                os.unlink(self.path)
        except OSError:
            pass

    def run(self):
        try:
            self.loop_forever()
            self.flush()
        except Exception as e:      # never into the program: stop serving, say why
            try:
                sys.stderr.write("coroscope_probe: stopped serving: %r\n" % (e,))
            except Exception:
                pass
        finally:
            with self.lock:
                clients, self.clients = self.clients, []
            for c in clients:
                _close(c.sock)
            _close(self.server)

    def loop_forever(self):
        poller = select.poll()
        poller.register(self.server, select.POLLIN)
        poller.register(self.wake_r, select.POLLIN)
        by_fd = {}
        while not self.stopping:
            self.resync_caught_up()
            with self.lock:
                for c in list(self.clients):
                    if c.dead or (c.closing and not c.out):
                        self.forget_behind(c)
                        self.clients.remove(c)
                        by_fd.pop(c.sock.fileno(), None)
                        poller.unregister(c.sock)
                        _close(c.sock)
                        continue
                    poller.modify(c.sock, (0 if c.closing else select.POLLIN) | (select.POLLOUT if c.out else 0))
            for fd, mask in poller.poll():
                if fd == self.wake_r.fileno():
                    try:
                        while self.wake_r.recv(4096):
                            pass
                    except OSError:
                        pass
                elif fd == self.server.fileno():
                    self.accept(poller, by_fd)
                elif fd in by_fd:
                    c = by_fd[fd]
                    if mask & (select.POLLIN | select.POLLHUP | select.POLLERR):
                        self.receive(c)
                    if mask & select.POLLOUT and not c.dead:
                        self.send(c)

    def resync_caught_up(self):
        """Resyncs each client that was behind and has been sent all it was owed."""
        with self.lock:
            caught_up = [(c, self.resync_events(c), self.take_held(c)) for c in self.clients
                         if c.behind and not c.dead and not c.closing and not c.out]
        for c, events, held in caught_up:
            self.resync(c, events, held)

    def flush(self):
        """At exit: what the program did last, and the answers it gave, still reach the
        clients (one behind is resynced first), for up to a second."""
        until = time.monotonic() + 1.0
        while time.monotonic() < until:
            self.resync_caught_up()
            with self.lock:
                waiting = {c.sock.fileno(): c for c in self.clients if not c.dead and c.out}
            if not waiting:
                return
            poller = select.poll()
            for fd in waiting:
                poller.register(fd, select.POLLOUT)
            for fd, mask in poller.poll(100):
                if mask & (select.POLLERR | select.POLLHUP | select.POLLNVAL):
                    waiting[fd].dead = True
                elif mask & select.POLLOUT:
                    self.send(waiting[fd])

    def take_held(self, c):
        """A client caught up is no longer behind: what happens from now on queues for
        it (after its resync, which resync() puts first). Lock held."""
        held = bytes(c.held)
        self.forget_behind(c)
        c.resyncing = True
        return held

    def resync(self, c, events, held):
        payload = bytearray()
        entries = []        # the `ended` frame being filled

        def close_frame():
            if entries:
                payload.extend(b'{"type":"ended","tasks":[' + b",".join(entries) + b"]}\n")
                entries.clear()

        size = 0
        for e in events:
            if isinstance(e, list):
                entry = json.dumps(e, separators=(",", ":")).encode("ascii")
                if entries and size + len(entry) + 40 > MAX_FRAME:
                    close_frame()
                if not entries:
                    size = 0
                entries.append(entry)
                size += len(entry) + 1
            else:
                close_frame()
                payload.extend(_frame(e))
        close_frame()
        payload.extend(held)
        with self.lock:
            c.out[:0] = payload
            c.limit = len(c.out) + MAX_UNSENT
            c.resyncing = False
        self.wake()

    def accept(self, poller, by_fd):
        try:
            sock, _ = self.server.accept()
        except OSError:
            return
        sock.setblocking(False)
        c = _Client(sock)
        c.out += _frame(self.hello())
        with self.lock:
            self.clients.append(c)
        by_fd[sock.fileno()] = c
        poller.register(sock, select.POLLIN | select.POLLOUT)

    def hello(self):
        return {"protocol": PROTOCOL, "pid": os.getpid(),
                "program": os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "python",
                "argv": [str(a) for a in sys.argv],
                "started_at": self.started_at.strftime("%Y-%m-%dT%H:%M:%S.") +
                              "%03dZ" % (self.started_at.microsecond // 1000),
                "python": "%d.%d.%d" % sys.version_info[:3], "resync": True}

    def send(self, c):
        with self.lock:
            data = bytes(c.out[:1 << 16])
        try:
            n = c.sock.send(data)
        except BlockingIOError:
            return
        except OSError:
            c.dead = True
            return
        with self.lock:
            del c.out[:n]

    def receive(self, c):
        try:
            data = c.sock.recv(1 << 16)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            c.dead = True       # the client left (detached, killed): forget it
            return
        if c.closing:
            return
        c.inbuf += data
        try:
            while True:
                end = c.inbuf.find(b"\n")
                if end < 0:
                    if len(c.inbuf) >= MAX_FRAME:
                        raise _BadInput("a frame longer than %d bytes" % MAX_FRAME)
                    return
                if end + 1 > MAX_FRAME:
                    raise _BadInput("a frame longer than %d bytes" % MAX_FRAME)
                line = bytes(c.inbuf[:end])
                del c.inbuf[:end + 1]
                self.command(c, _parse(line))
                if c.closing:
                    return
        except _BadInput as e:
            self.refuse(c, str(e))

    def refuse(self, c, message):
        with self.lock:
            c.out += _frame({"type": "error", "message": message})
            c.closing = True
            c.attached = False
        c.inbuf.clear()

    def command(self, c, message):
        kind = message.get("type")
        if not c.attached:
            if kind != "attach":
                raise _BadInput("expected {\"type\":\"attach\",\"protocol\":\"%s\"} first" % PROTOCOL)
            if message.get("protocol") != PROTOCOL:
                raise _BadInput("protocol %s is not spoken here (%s)" % (json.dumps(message.get("protocol")), PROTOCOL))
            resync = message.get("resync", False)
            if type(resync) is not bool:
                raise _BadInput("resync: expected true or false")
            # The loop thread waits on the lock only while the events are gathered, not
            # while they are serialised; what happens meanwhile queues after the snapshot.
            with self.lock:
                events = self.snapshot_events()
                c.attached = True
                c.resync = resync
            snapshot = b"".join(_frame(e) for e in events)
            with self.lock:
                c.out[:0] = snapshot
                c.limit = len(c.out) + MAX_UNSENT
            return
        seq = message.get("seq")
        if seq is not None and (type(seq) is not int):
            raise _BadInput("seq: expected an integer")
        if kind == "detach":
            with self.lock:
                c.closing = True
                c.attached = False
            return
        if kind not in ("cancel", "add_callback"):
            raise _BadInput("type: expected attach, cancel, add_callback or detach, got %s" % json.dumps(kind))
        tid = message.get("task")
        if type(tid) is not int:
            raise _BadInput("task: expected a task id (an integer)")
        if kind == "add_callback":
            if message.get("kind") != "log":
                raise _BadInput("kind: expected \"log\"")
            text = message.get("message")
            if not isinstance(text, str):
                raise _BadInput("message: expected a string")
            apply = lambda task: self.add_log_callback(task, _cut(text))
        else:
            apply = self.cancel_from_coroscope
        self.on_loop(c, seq, tid, apply)

    def on_loop(self, c, seq, tid, apply):
        if c.in_flight >= MAX_IN_FLIGHT:
            raise _BadInput("more than %d commands waiting for their answers" % MAX_IN_FLIGHT)
        task = self.tasks.get(tid)
        if task is None:
            return self.ack(c, seq, "no task %d" % tid, command=False)
        loop = task.get_loop()

        def run():
            error = None
            try:
                if task.done():
                    error = "task %d has finished" % tid
                else:
                    apply(task)
            except Exception as e:
                error = _error_text(e)
            self.ack(c, seq, error)

        with self.lock:
            c.in_flight += 1
        try:
            loop.call_soon_threadsafe(run)
        except RuntimeError:
            self.ack(c, seq, "the task's loop has stopped")

    def cancel_from_coroscope(self, task):
        self.coroscope_cancel = True
        try:
            task.cancel()
        finally:
            self.coroscope_cancel = False

    def ack(self, c, seq, error, command=True):
        reply = {"type": "ack", "seq": seq}
        if error is not None:
            reply["error"] = error
        with self.lock:
            if command:
                c.in_flight -= 1
            if c.behind:
                c.held += _frame(reply)
                if len(c.held) > MAX_UNSENT:
                    self.forget_behind(c)
                    c.dead = True
            elif not c.dead and not c.closing:
                c.out += _frame(reply)
                if len(c.out) > c.limit:
                    c.dead = True
        self.wake()


def _frame(message):
    return (json.dumps(message, separators=(",", ":")) + "\n").encode("ascii")


def _parse(line):
    try:
        message = json.loads(line.decode("utf-8"))
    except UnicodeDecodeError:
        raise _BadInput("a frame that is not UTF-8")
    except Exception:   # ValueError, RecursionError
        raise _BadInput("a frame that is not JSON")
    if not isinstance(message, dict):
        raise _BadInput("a frame that is not a JSON object")
    return message


def _close(sock):
    try:
        if sock is not None:
            sock.close()
    except OSError:
        pass


def _describe_await(task):
    """`await` (and `await_task`) of a suspended event, in the log's words."""
    waiter = task._fut_waiter
    if waiter is None:
        return {"await": "sleep 0s"}
    if isinstance(waiter, (asyncio.Task, asyncio.tasks._PyTask)):
        out = {"await": "task " + _cut(waiter.get_name())}
        if getattr(waiter, "_probe_id", None) is not None:
            out["await_task"] = waiter._probe_id
        return out
    children = getattr(waiter, "_children", None)
    if type(waiter).__name__ == "_GatheringFuture" and children is not None:
        return {"await": "gather %d" % len(children)}
    # The innermost coroutine of the chain the task awaits through.
    inner, link = None, task.get_coro()
    while type(link) is _Coroutine:
        inner, link = link, link.cr_await
    if inner is not None:
        name = inner.cr_code.co_name
        module = inner.cr_frame.f_globals.get("__name__", "") if inner.cr_frame is not None else ""
        if module == "asyncio.tasks" and name == "sleep":
            delay = inner.cr_frame.f_locals.get("delay")
            if isinstance(delay, (int, float)) and delay >= 0:
                return {"await": "sleep " + _seconds(delay)}
        if module == "asyncio.queues" and name in ("get", "put", "join"):
            return {"await": "queue." + name}
    return {"await": "future"}


class _ProbeTask(asyncio.tasks._PyTask):
    """asyncio's pure-Python Task with its step and cancel() seen by the probe. Its
    __step is looked up on the instance (self._Task__step) wherever the base schedules it."""

    def __init__(self, coro, *, loop=None, name=None, context=None):
        super().__init__(coro, loop=loop, name=name, context=context)
        _probe.task_made(self)

    def _Task__step(self, exc=None):
        probe = _probe
        probe.step_begins(self)
        try:
            super()._Task__step(exc)
        finally:
            probe.step_ends(self)

    def cancel(self, msg=None):
        if self.done():
            return False
        probe = _probe
        probe.cancel_requested(self)
        outer, probe.cancelling = probe.cancelling, self
        try:
            return super().cancel(msg)
        finally:
            probe.cancelling = outer


def _factory(loop, coro, context=None):
    return _ProbeTask(coro, loop=loop, context=context)


class _Policy(asyncio.DefaultEventLoopPolicy):
    def new_event_loop(self):
        loop = super().new_event_loop()
        _probe.instrument(loop)
        return loop


def install():
    """Watches this program's asyncio loops: the running one if called from a task,
    and every loop made afterwards through the default policy (asyncio.run).
    Serves Coroscope on DIR/PID.sock (docs/spec/probe-protocol.md). Idempotent."""
    global _probe
    with _install_lock:
        if _probe is None:
            _probe = _Probe()
            _probe.serve()
            if type(asyncio.get_event_loop_policy()) is asyncio.DefaultEventLoopPolicy:
                asyncio.set_event_loop_policy(_Policy())
        try:
            _probe.instrument(asyncio.get_running_loop())
        except RuntimeError:
            pass

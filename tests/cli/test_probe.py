"""coroscope_probe on its own: the wire as docs/spec/probe-protocol.md writes it, read
by a plain socket client (what travels, the reasons and await words, the answers)."""
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import unittest

SOURCE = os.environ.get("COROSCOPE_SOURCE", os.path.join(os.path.dirname(__file__), "..", ".."))
DEADLINE = 60

# Tasks suspended on a gather, a task and a queue; SIGUSR1 cancels `outer` from inside
# the task `canceller`; SIGHUP blocks the loop on a FIFO; SIGUSR2 ends the program.
PROGRAM = r'''
import asyncio, os, signal, sys

async def leaf():
    await asyncio.sleep(3600)

async def outer():
    await asyncio.gather(asyncio.create_task(leaf(), name="leaf1"),
                         asyncio.create_task(leaf(), name="leaf2"))

async def waiter(target):
    await target

async def canceller(target):
    target.cancel()

async def hold_the_loop():
    print("holding", flush=True)
    with open(os.environ["FIFO"], "rb") as fifo:   # blocks the loop until the test writes
        fifo.read(1)

async def main():
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    o = asyncio.create_task(outer(), name="outer")
    asyncio.create_task(waiter(asyncio.create_task(leaf(), name="target")), name="waiter")
    asyncio.create_task(asyncio.Queue().get(), name="getter")
    loop.add_signal_handler(signal.SIGUSR1, lambda: asyncio.create_task(canceller(o), name="canceller"))
    loop.add_signal_handler(signal.SIGUSR2, stop.set_result, None)
    loop.add_signal_handler(signal.SIGHUP, lambda: asyncio.create_task(hold_the_loop()))
    for _ in range(3):
        await asyncio.sleep(0)
    print("ready", flush=True)
    await stop

asyncio.run(main())
'''


class Client:
    """A line-at-a-time client of a probe's socket."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(DEADLINE)
        self.sock.connect(path)
        self.buf = b""

    def frame(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(1 << 16)
            if not data:
                return None
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def send(self, message):
        self.sock.sendall(json.dumps(message).encode() + b"\n")

    def until(self, test):
        """Frames up to and including the first for which test(frame) holds."""
        seen = []
        while True:
            f = self.frame()
            if f is None:
                raise AssertionError("the probe closed the connection; seen: %r" % seen[-5:])
            seen.append(f)
            if test(f):
                return seen

    def attach(self):
        hello = self.frame()
        self.send({"type": "attach", "protocol": "coroscope.probe/1"})
        return hello, self.until(lambda f: f.get("type") == "snapshot_end")

    def close(self):
        self.sock.close()


class ProbeTest(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        script = os.path.join(tmp.name, "program.py")
        with open(script, "w") as f:
            f.write(PROGRAM)
        self.fifo = os.path.join(tmp.name, "fifo")
        os.mkfifo(self.fifo)
        env = dict(os.environ, XDG_RUNTIME_DIR=tmp.name, PYTHONPATH=os.path.join(SOURCE, "python"),
                   FIFO=self.fifo)
        self.program = subprocess.Popen([sys.executable, "-m", "coroscope_probe", script, "an arg"],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0, env=env)
        self.addCleanup(lambda: self.program.poll() is None and self.program.kill())
        ready, _, _ = select.select([self.program.stdout], [], [], DEADLINE)
        self.assertTrue(ready)
        self.assertEqual(self.program.stdout.readline(), b"ready\n")
        self.client = Client(os.path.join(tmp.name, "coroscope", "%d.sock" % self.program.pid))
        self.addCleanup(self.client.close)

    def tearDown(self):
        self.program.send_signal(signal.SIGUSR2)
        out, err = self.program.communicate(timeout=DEADLINE)
        self.assertEqual(self.program.returncode, 0, err)

    def test_the_hello_says_who_is_watched_and_the_snapshot_holds_every_task(self):
        hello, snapshot = self.client.attach()
        self.assertEqual(hello["protocol"], "coroscope.probe/1")
        self.assertEqual(hello["pid"], self.program.pid)
        self.assertEqual(hello["program"], "program.py")
        self.assertEqual(hello["argv"][1:], ["an arg"])
        self.assertRegex(hello["started_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        names = {f["name"] for f in snapshot if f.get("type") == "created"}
        self.assertEqual(names, {"Task-1", "outer", "leaf1", "leaf2", "waiter", "target", "getter"})

    def test_a_suspended_task_says_what_it_awaits_in_the_logs_words(self):
        _, snapshot = self.client.attach()
        ids = {f["name"]: f["task"] for f in snapshot if f.get("type") == "created"}
        awaits = {f["task"]: f for f in snapshot if f.get("type") == "suspended"}
        self.assertEqual(awaits[ids["outer"]]["await"], "gather 2")
        self.assertEqual(awaits[ids["leaf1"]]["await"], "sleep 3600s")
        self.assertEqual(awaits[ids["waiter"]]["await"], "task target")
        self.assertEqual(awaits[ids["waiter"]]["await_task"], ids["target"])
        self.assertEqual(awaits[ids["getter"]]["await"], "queue.get")

    def test_a_cancel_from_a_task_names_it_and_the_awaited_children_say_parent(self):
        _, snapshot = self.client.attach()
        ids = {f["name"]: f["task"] for f in snapshot if f.get("type") == "created"}
        self.program.send_signal(signal.SIGUSR1)
        events = self.client.until(lambda f: f.get("type") == "cancelled" and f.get("task") == ids["outer"])
        reasons = {f["task"]: f["reason"] for f in events if f.get("type") == "cancel_requested"}
        self.assertEqual(reasons[ids["outer"]], "task:canceller")
        self.assertEqual(reasons[ids["leaf1"]], "parent")
        self.assertEqual(reasons[ids["leaf2"]], "parent")
        self.assertEqual(events[-1]["reason"], "task:canceller")

    def test_commands_are_answered_with_their_seq_and_a_reason_when_refused(self):
        _, snapshot = self.client.attach()
        ids = {f["name"]: f["task"] for f in snapshot if f.get("type") == "created"}
        self.client.send({"type": "cancel", "task": 999, "seq": 1})
        self.assertEqual(self.client.until(lambda f: f.get("type") == "ack")[-1],
                         {"type": "ack", "seq": 1, "error": "no task 999"})
        self.client.send({"type": "cancel", "task": ids["target"], "seq": 2})
        self.assertEqual(self.client.until(lambda f: f.get("type") == "ack")[-1], {"type": "ack", "seq": 2})
        self.client.until(lambda f: f.get("type") == "cancelled" and f["task"] == ids["target"])
        self.client.send({"type": "add_callback", "task": ids["target"], "kind": "log", "message": "late", "seq": 3})
        self.assertEqual(self.client.until(lambda f: f.get("type") == "ack")[-1],
                         {"type": "ack", "seq": 3, "error": "task %d has finished" % ids["target"]})

    def test_another_protocol_is_refused_with_an_error_and_the_connection_closed(self):
        self.client.frame()
        self.client.send({"type": "attach", "protocol": "coroscope.probe/2"})
        refusal = self.client.frame()
        self.assertEqual(refusal["type"], "error")
        self.assertIn("coroscope.probe/2", refusal["message"])
        self.assertIsNone(self.client.frame())

    def test_the_hello_offers_resync_and_an_attach_that_asks_for_it_with_a_non_boolean_is_refused(self):
        self.assertIs(self.client.frame()["resync"], True)
        self.client.send({"type": "attach", "protocol": "coroscope.probe/1", "resync": "yes"})
        self.assertEqual(self.client.frame(), {"type": "error", "message": "resync: expected true or false"})
        self.assertIsNone(self.client.frame())

    def test_a_client_cannot_flood_a_busy_loop_with_commands(self):
        _, snapshot = self.client.attach()
        target = next(f["task"] for f in snapshot if f.get("name") == "target")
        self.program.send_signal(signal.SIGHUP)
        self.assertEqual(self.program.stdout.readline(), b"holding\n")
        self.client.sock.sendall(b"".join(json.dumps({"type": "cancel", "task": target, "seq": i}).encode() + b"\n"
                                          for i in range(65)))
        refusal = self.client.until(lambda f: f.get("type") == "error")[-1]
        self.assertEqual(refusal["message"], "more than 64 commands waiting for their answers")
        with open(self.fifo, "wb") as fifo:
            fifo.write(b"x")    # the loop runs on, and answers another client
        other = Client(self.client.sock.getpeername())
        self.addCleanup(other.close)
        other.attach()
        other.send({"type": "cancel", "task": 999, "seq": 1})
        self.assertEqual(other.until(lambda f: f.get("type") == "ack")[-1]["error"], "no task 999")

    def test_two_clients_are_served_at_once_and_one_leaving_does_not_disturb_the_other(self):
        _, snapshot = self.client.attach()
        second = Client(self.client.sock.getpeername())
        self.addCleanup(second.close)
        _, again = second.attach()
        self.assertEqual([f for f in again if f.get("type") == "created"],
                         [f for f in snapshot if f.get("type") == "created"])
        second.send({"type": "detach"})
        # What the probe sent before it read the detach may still come; then it closes
        # (a probe that never closes fails here on the socket's timeout).
        while second.frame() is not None:
            pass
        self.client.send({"type": "cancel", "task": 999, "seq": 7})
        self.assertEqual(self.client.until(lambda f: f.get("type") == "ack")[-1]["seq"], 7)


if __name__ == "__main__":
    unittest.main()

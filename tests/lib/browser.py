"""The Python half of the browser tests: runs a driver in tests/web (a
node script on tests/web/driver.mjs, which has the protocol) against a
switchboard, does what it asks for, prints its steps and notes as they
come and returns what it said.

Needs node, tests/web/node_modules (npm ci there; scripts/deps.sh does
it) and Chromium (/usr/bin/chromium or $CHROMIUM)."""
import json
import os
import queue
import shutil
import subprocess
import threading
import time

import sbtest
from sbtest import check

WEB_TESTS = os.path.join(sbtest.ROOT, "tests", "web")
SHOTS = os.path.join(sbtest.ROOT, "build", "screenshots")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def prerequisites():
    """Fails the test saying what is missing to run a browser."""
    missing = []
    if not shutil.which("node"):
        missing.append("node")
    if not os.path.isdir(os.path.join(WEB_TESTS, "node_modules",
                                      "playwright-core")):
        missing.append("tests/web/node_modules (cd tests/web && npm ci)")
    if not os.access(CHROMIUM, os.X_OK):
        missing.append(CHROMIUM + " (apt-get install chromium)")
    check(not missing, "missing: " + ", ".join(missing) +
          " (scripts/deps.sh installs them)")


class Run:
    """What a driver said: steps [(name, ok, error)], done (its last
    {"done"} object, {} if it never got there), its exit status and
    stderr."""

    def __init__(self, steps, done, rc, stderr):
        self.steps, self.done, self.rc, self.stderr = steps, done, rc, stderr
        self.console = done.get("console", [])
        self.failed = [s for s in steps if not s[1]]

    def check_passed(self, sb, steps=None):
        """Fails the test unless every step passed and the driver exited
        0 (and, where steps is given, it ran that many), saying what the
        driver and sb's log said."""
        check(self.rc == 0 and not self.failed and
              (steps is None or len(self.steps) == steps),
              "browser steps failed:", self.failed, self.steps,
              "exit", self.rc, self.stderr[-3000:],
              "\nconsole:", self.console, "\nlog:\n", sb.logtext()[-3000:])


def run(sb, script, on_need, timeout, procs=(), **env):
    """Runs tests/web/<script> with SB_URL (sb's), SHOTS, CHROMIUM and env
    in its environment. For each {"need": name} it calls on_need(name),
    then answers "ok". procs: the list where on_need puts what it starts
    in the background; those still running when the driver ends are
    stopped. Fails after timeout seconds. Returns a Run."""
    env = dict(os.environ, SB_URL="http://127.0.0.1:%d" % sb.http_port,
               SHOTS=SHOTS, CHROMIUM=CHROMIUM, **env)
    proc = subprocess.Popen(["node", os.path.join(WEB_TESTS, script)],
                            cwd=sbtest.ROOT, env=env, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    steps, done = [], {}
    # a thread reads the lines: select() on a buffered pipe misses lines
    # that the buffer already holds
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(l) for l in proc.stdout] +
                     [lines.put(None)], daemon=True).start()
    deadline = time.time() + timeout
    try:
        while True:
            try:
                line = lines.get(timeout=max(deadline - time.time(), 0.01))
            except queue.Empty:
                raise AssertionError("%s still running after %ds; steps "
                                     "so far: %s" % (script, timeout, steps))
            if line is None:
                break
            try:
                msg = json.loads(line)
            except ValueError:
                print(script + ": " + line.rstrip())
                continue
            if "need" in msg:
                on_need(msg["need"])
                proc.stdin.write("ok\n")
                proc.stdin.flush()
            elif "step" in msg:
                steps.append((msg["step"], msg["ok"], msg.get("error")))
                print("  step %-36s %s%s" % (
                    msg["step"], "ok" if msg["ok"] else "FAILED",
                    "" if msg["ok"] else ": " + str(msg.get("error"))),
                    flush=True)
            elif "note" in msg:
                print("  note: " + msg["note"], flush=True)
            elif msg.get("done"):
                done = msg
        rc = proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for p in procs:
            if p.poll() is None:
                p.terminate()
                p.wait(5)
    return Run(steps, done, rc, proc.stderr.read())

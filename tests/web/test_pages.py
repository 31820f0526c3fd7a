#!/usr/bin/env python3
"""The agent and supervisor pages in a real browser (Debian's headless
Chromium, driven by playwright-core from pages.mjs), against a real
switchboard with SIPp as the trunk and the agent's phone: login, a call
waiting while the agent is on break (the supervisor's waiting count goes
to 1), Available, the offer, Accept, the call panel (and a reload keeps
it), hang up, wrap-up with a disposition that the call record then has.
Screenshots: build/screenshots/agent.png and supervisor.png.

Needs node, tests/web/node_modules (npm ci here; scripts/deps.sh does it)
and /usr/bin/chromium; without them the test fails saying what is
missing."""
import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import sbtest  # noqa: E402
from sbtest import SippAgent, Switchboard, check, free_port, sipp  # noqa

HERE = os.path.dirname(os.path.abspath(__file__))
WEB = os.path.join(sbtest.ROOT, "web")
SHOTS = os.path.join(sbtest.ROOT, "build", "screenshots")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
NUMBER = "+15550100"
CALLER = "15550123"
RUN_S = 150

PROVISION = {
    "queues": [{"id": "billing", "name": "Billing", "skills": {"billing": 3},
                "push_timeout_s": 20, "max_wait_s": 120, "wrapup_s": 60}],
    "agents": [
        {"id": "alice", "name": "Alice Ng", "password": "alice-web-1",
         "sip": {"username": "alice", "password": "alice-sip"},
         "skills": {"billing": 5}, "queues": [{"id": "billing"}]},
        {"id": "sam", "name": "Sam Boss", "role": "supervisor",
         "password": "sam-web-123"},
    ],
    "trunks": [{"id": "carrier", "allow": ["127.0.0.1/32"]}],
    "routes": [{"number": NUMBER, "queue": "billing"}],
}


def prerequisites():
    missing = []
    if not shutil.which("node"):
        missing.append("node")
    if not os.path.isdir(os.path.join(HERE, "node_modules",
                                      "playwright-core")):
        missing.append("tests/web/node_modules (cd tests/web && npm ci)")
    if not os.access(CHROMIUM, os.X_OK):
        missing.append(CHROMIUM + " (apt-get install chromium)")
    check(not missing, "missing: " + ", ".join(missing) +
          " (scripts/deps.sh installs them)")


def run_pages(sb, on_need, script="pages.mjs"):
    """Runs script (pages.mjs); calls on_need(name) for each {"need"}
    line and answers it. Returns (steps [(name, ok, error)], console
    errors, exit status, stderr)."""
    env = dict(os.environ, SB_URL="http://127.0.0.1:%d" % sb.http_port,
               AGENT="alice", AGENT_PW="alice-web-1", SUP="sam",
               SUP_PW="sam-web-123", SHOTS=SHOTS, CHROMIUM=CHROMIUM,
               CALLER=CALLER)
    proc = subprocess.Popen(["node", os.path.join(HERE, script)],
                            cwd=sbtest.ROOT, env=env, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    steps, console = [], []
    # a thread reads the lines: select() on a buffered pipe misses lines
    # that the buffer already holds
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(l) for l in proc.stdout] +
                     [lines.put(None)], daemon=True).start()
    deadline = time.time() + RUN_S
    try:
        while True:
            left = deadline - time.time()
            try:
                line = lines.get(timeout=max(left, 0.01))
            except queue.Empty:
                raise AssertionError("pages.mjs still running after %ds; "
                                     "steps so far: %s" % (RUN_S, steps))
            if line is None:
                break
            try:
                msg = json.loads(line)
            except ValueError:
                print("pages.mjs: " + line.rstrip())
                continue
            if "need" in msg:
                on_need(msg["need"])
                proc.stdin.write("ok\n")
                proc.stdin.flush()
            elif "step" in msg:
                steps.append((msg["step"], msg["ok"], msg.get("error")))
                print("  step %-28s %s%s" % (msg["step"],
                      "ok" if msg["ok"] else "FAILED",
                      "" if msg["ok"] else ": " + str(msg.get("error"))),
                      flush=True)
            elif msg.get("done"):
                console = msg.get("console", [])
        rc = proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return steps, console, rc, proc.stderr.read()


def test_agent_takes_a_call_and_the_supervisor_watches():
    prerequisites()
    with Switchboard(PROVISION, args=["--web-root", WEB]) as sb, \
            SippAgent("agent.xml", calls=1, keys={"ring_ms": 4000},
                      timeout=RUN_S) as phone:
        cp = sipp(sb.sip_port, "register.xml", "-p", free_port(), "-m", 1,
                  keys={"user": "alice", "password": "alice-sip",
                        "contact_port": phone.port})
        check(cp.returncode == 0, "register", cp.stdout[-2000:])
        # on break: the call will wait until the page makes her available
        st, body = sb.api("PUT", "/api/v1/agents/alice/status",
                          {"status": "break"})
        check(st == 200, st, body)

        callers = []

        def on_need(what):
            check(what == "call", what)
            callers.append(sipp(sb.sip_port, "caller_hears_bye.xml", "-p",
                                free_port(), "-m", 1, background=True,
                                timeout=RUN_S,
                                keys={"dest": NUMBER, "from": CALLER}))

        try:
            steps, console, rc, err = run_pages(sb, on_need)
        finally:
            for c in callers:
                if c.poll() is None:
                    c.terminate()
                    c.wait(5)
        failed = [s for s in steps if not s[1]]
        check(rc == 0 and not failed, "browser steps failed:", failed,
              "exit", rc, err[-3000:], "\nlog:\n", sb.logtext()[-3000:])
        check(not console, "console errors:", console)

        # the record has what the wrap-up form sent
        def saved():
            calls = sb.calls()
            return calls and calls[0]["ended"] and calls[0].get(
                "disposition") and calls[0]
        rec = sb.wait_for(saved, what="the disposition in the record")
        check(rec["agent"] == "alice" and rec["disposition"] == "resolved"
              and rec["notes"] == "billing question answered", rec)
        check(rec["hangup_by"] == "agent", rec)
        check(callers and callers[0].wait(20) == 0,
              callers and callers[0].stdout.read()[-2000:])
        check(phone.wait(20) == 0, phone.output())
        for f in ("agent.png", "supervisor.png"):
            check(os.path.getsize(os.path.join(SHOTS, f)) > 1000, f)


if __name__ == "__main__":
    sys.exit(sbtest.run(globals(), "web"))

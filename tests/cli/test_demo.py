#!/usr/bin/env python3
"""make demo's script as a newcomer runs it: it starts switchboard with the
demo provisioning, the agents' phones and three customer streams; calls
are answered by the right queues' agents with speech flowing both ways;
it prints the page URLs and logins; Ctrl-C stops everything it started."""
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import sbtest  # noqa: E402
from sbtest import ROOT, check, free_port  # noqa: E402

SKILLED = {"billing": {"alice", "carmen", "dev", "erin"},
           "support": {"bob", "dev", "felipe"},
           "spanish": {"carmen", "felipe"}}


def children_of(pid):
    """Every live descendant of pid."""
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], text=True,
                         stdout=subprocess.PIPE).stdout
    kids = {}
    pairs = [tuple(map(int, l.split())) for l in out.strip().splitlines()]
    for p, pp in pairs:
        kids.setdefault(pp, []).append(p)
    found, todo = [], [pid]
    while todo:
        for k in kids.get(todo.pop(), []):
            found.append(k)
            todo.append(k)
    return found


def test_demo_calls_flow_and_ctrl_c_stops_everything():
    d = tempfile.mkdtemp(prefix="sbdemo-")
    http = free_port(udp_too=False)
    env = dict(os.environ, DEMO_DIR=d, DEMO_SIP="127.0.0.1:%d" % free_port(),
               DEMO_HTTP="127.0.0.1:%d" % http, DEMO_CALL_EVERY_MS="2000",
               DEMO_TALK_MS="6000", DEMO_CALLS="20",
               DEMO_PORT_BASE=str(random.randrange(22000, 31000, 400)))
    p = subprocess.Popen([os.path.join(ROOT, "demo", "run.sh")], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, start_new_session=True)
    try:
        deadline = time.time() + 60
        banner = ""
        while "Ctrl-C stops everything" not in banner:
            check(time.time() < deadline and p.poll() is None,
                  "no banner", banner)
            banner += p.stdout.readline()
        for what in ("http://127.0.0.1:%d/agent.html" % http,
                     "http://127.0.0.1:%d/supervisor.html" % http,
                     "alice / alice-web-1", "sam / sam-web-1"):
            check(what in banner, what, banner)

        def answered():
            req = urllib.request.Request(
                "http://127.0.0.1:%d/api/v1/calls?limit=100" % http,
                headers={"Authorization": "Bearer demo-admin-token"})
            with urllib.request.urlopen(req, timeout=5) as r:
                calls = json.load(r)["calls"]
            done = [c for c in calls if c["ended"] and c["answered"]]
            queues = {c["queue"] for c in done}
            return done if len(queues) == 3 else None
        done = None
        while not done:
            check(time.time() < deadline + 40, "no answered calls in "
                  "every queue")
            time.sleep(1)
            done = answered()
        for c in done:
            check(c["agent"] in SKILLED[c["queue"]], c)
            legs = {l["role"]: l for l in c["legs"] if l["final_code"]
                    == 200}
            # ~8 s of speech each way: hundreds of packets, not a handful
            check(legs["caller"]["rtp_in"] > 100 and
                  legs["agent"]["rtp_in"] > 100, c["legs"])
        kids = children_of(p.pid)
        check(len(kids) >= 5, "switchboard, phones and 3 caller streams",
              kids)
    finally:
        p.send_signal(signal.SIGINT)     # Ctrl-C
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            raise
    time.sleep(0.5)
    left = [k for k in kids if os.path.exists("/proc/%d" % k)
            and "zombie" not in open("/proc/%d/status" % k).read().lower()]
    check(not left, "still running after Ctrl-C", left)
    # the database was closed cleanly (WAL checkpointed by switchboard)
    db = sqlite3.connect(os.path.join(d, "switchboard.db"))
    check(db.execute("PRAGMA integrity_check").fetchone()[0] == "ok")


if __name__ == "__main__":
    sys.exit(sbtest.run(globals(), "cli"))

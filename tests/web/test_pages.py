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
missing (tests/lib/browser.py)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import browser  # noqa: E402
import sbtest  # noqa: E402
from browser import SHOTS, prerequisites  # noqa: E402
from sbtest import SippAgent, Switchboard, check, free_port, sipp  # noqa

WEB = os.path.join(sbtest.ROOT, "web")
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


def run_pages(sb, on_need, procs, script="pages.mjs"):
    """Runs a driver of the agent and supervisor pages (pages.mjs,
    nba_pages.mjs) as alice and sam: see browser.run."""
    return browser.run(sb, script, on_need, RUN_S, procs, AGENT="alice",
                       AGENT_PW="alice-web-1", SUP="sam",
                       SUP_PW="sam-web-123", CALLER=CALLER)


def on_break(sb, phone):
    """alice's phone (a SippAgent) registered and alice on break: a call
    waits until her page makes her available. Also test_opencti's."""
    cp = sipp(sb.sip_port, "register.xml", "-p", free_port(), "-m", 1,
              keys={"user": "alice", "password": "alice-sip",
                    "contact_port": phone.port})
    check(cp.returncode == 0, "register", cp.stdout[-2000:])
    st, body = sb.api("PUT", "/api/v1/agents/alice/status",
                      {"status": "break"})
    check(st == 200, st, body)


def call_billing(sb, timeout=RUN_S):
    """CALLER calls NUMBER (the billing queue), in the background, and
    stays until the agent hangs up."""
    return sipp(sb.sip_port, "caller_hears_bye.xml", "-p", free_port(),
                "-m", 1, background=True, timeout=timeout,
                keys={"dest": NUMBER, "from": CALLER})


def test_agent_takes_a_call_and_the_supervisor_watches():
    prerequisites()
    with Switchboard(PROVISION, args=["--web-root", WEB]) as sb, \
            SippAgent("agent.xml", calls=1, keys={"ring_ms": 4000},
                      timeout=RUN_S) as phone:
        on_break(sb, phone)
        callers = []

        def on_need(what):
            check(what == "call", what)
            callers.append(call_billing(sb))

        r = run_pages(sb, on_need, callers)
        r.check_passed(sb)
        check(not r.console, "console errors:", r.console)

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

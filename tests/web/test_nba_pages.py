#!/usr/bin/env python3
"""Next best action in a real browser (nba_pages.mjs, as test_pages.py):
the caller sounds upset, then says "I want to cancel my subscription";
on the agent page (its stream open, so Accept takes the call) the
retention card shows with the words it came from and the Transcript
pane has the caller's words as a "Customer:" line (both again after a
reload), the customer's mood shows on the call panel, and the
supervisor's live calls flag the call negative; Accept on the card is stored and counted in
GET /api/v1/nba/stats. Screenshots: build/screenshots/
agent-nba.png and supervisor-nba.png."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "sip"))
import sbtest  # noqa: E402
from sbtest import (SippAgent, Switchboard, check, free_media_port,  # noqa
                    free_port, register, sipp)
from browser import prerequisites  # noqa: E402
from test_pages import CALLER, RUN_S, WEB, run_pages  # noqa: E402
from test_transcribe import with_wav  # noqa: E402
import test_nba  # noqa: E402  (tests/sip: its provisioning and audio)

PROVISION = dict(test_nba.PROVISION)
PROVISION["agents"] = test_nba.PROVISION["agents"] + [
    {"id": "sam", "role": "supervisor", "password": "sam-web-123"}]


def test_card_why_accept_and_sentiment():
    prerequisites()
    tmp = tempfile.mkdtemp(prefix="sbtest-nba-web-")
    wav = test_nba.speech_wav(os.path.join(tmp, "customer.wav"),
                              [test_nba.UPSET, test_nba.SENTENCE])
    with Switchboard(PROVISION, args=["--web-root", WEB] + test_nba.ASR) \
            as sb, SippAgent("agent_autoanswer.xml", calls=1,
                             rtp_echo=False, timeout=RUN_S) as phone:
        register(sb, "alice", phone.port)
        callers = []

        def on_need(what):
            check(what == "call", what)
            callers.append(sipp(sb.sip_port,
                                with_wav("caller_speaks.xml", wav),
                                "-p", free_port(), "-mp",
                                free_media_port(), "-m", 1,
                                background=True, timeout=RUN_S,
                                keys={"dest": test_nba.NUMBER,
                                      "from": CALLER, "talk_ms": 25000}))

        r = run_pages(sb, on_need, callers, "nba_pages.mjs")
        r.check_passed(sb, steps=7)
        check(not r.console, "console errors:", r.console)

        st, body = sb.api("GET", "/api/v1/nba/stats")
        check(st == 200 and body["recommendations"] == [
            {"id": "calm_customer", "shown": 1, "accepted": 0,
             "dismissed": 0},
            {"id": "retention_offer", "shown": 1, "accepted": 1,
             "dismissed": 0}], st, body)


if __name__ == "__main__":
    sys.exit(sbtest.run(globals(), "web/nba"))

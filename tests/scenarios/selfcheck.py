#!/usr/bin/env python3
"""Self-check of the peer tooling, WITHOUT switchboard: every caller
scenario is run straight against the agent scenario (or baresip) it pairs
with, on loopback, and RTP is counted on the wire. Run it by hand after a
SIPp/baresip upgrade or a scenario edit (needs root: SIPp's pcap play and
the RTP capture use raw sockets):

    python3 tests/scenarios/selfcheck.py [NAME-FILTER]

Not named test_*.py on purpose: tests/run.sh does not run it.
"""
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from sbtest import (SippAgent, check, free_media_port, free_port, run,  # noqa
                    sipp, sipp_stats)
from rtpcount import RtpCapture, write_pcap  # noqa: E402

G711A = "/usr/share/sip-tester/g711a.pcap"       # 236 packets, PT 8
TMP = tempfile.mkdtemp(prefix="selfcheck-")


def caller(agent, scenario, keys, *args, timeout=30, media_port=None):
    """Run a caller scenario against a SippAgent; returns (cp, media_port)."""
    mp = media_port or free_media_port()
    cp = sipp(agent.port, scenario, "-p", free_port(), "-mp", mp, "-m", 1,
              *args, keys=keys, timeout=timeout, cwd=TMP)
    return cp, mp


def out(cp):
    return cp.stdout.decode(errors="replace")[-3000:]


def test_caller_agent_rtp_echo():
    mp = free_media_port()
    with SippAgent("agent.xml", calls=1, keys={"ring_ms": 200}) as ag:
        with RtpCapture(ports=[mp, ag.media_port]) as cap:
            cp, _ = caller(ag, "caller.xml", {"dest": "agent7", "pcap": G711A,
                                               "talk_ms": 7500}, media_port=mp)
        check(cp.returncode == 0, out(cp))
        check(ag.wait(10) == 0, ag.output())
        check(ag.calls()[0][0] == "agent7", ag.calls())
    sent = cap.count(src_port=mp, dst_port=ag.media_port)
    echoed = cap.count(src_port=ag.media_port, dst_port=mp)
    print("  caller sent %d, agent echoed %d (pcap has 236)" % (sent, echoed))
    check(sent == 236 and echoed == 236, cap.summary())


def test_default_pcmu_pcap_echo():
    mp = free_media_port()
    with SippAgent("agent.xml", calls=1, keys={"ring_ms": 0}) as ag:
        with RtpCapture(ports=[mp, ag.media_port]) as cap:
            cp, _ = caller(ag, "caller.xml", {"dest": "agent7",
                                               "talk_ms": 5500}, media_port=mp)
        check(cp.returncode == 0, out(cp))
        check(ag.wait(10) == 0, ag.output())
    sent = cap.count(src_port=mp, dst_port=ag.media_port, pt=0)
    echoed = cap.count(src_port=ag.media_port, dst_port=mp, pt=0)
    print("  caller sent %d PCMU, agent echoed %d (default pcap has 250)"
          % (sent, echoed))
    check(sent == 250 and echoed == 250, cap.summary())


def test_one_agent_process_many_users_parallel():
    users = ["agent%d" % i for i in range(1, 6)]
    with SippAgent("agent.xml", calls=len(users), keys={"ring_ms": 300}) as ag:
        procs = [sipp(ag.port, "caller.xml", "-p", free_port(),
                      "-mp", free_media_port(), "-m", 1, background=True,
                      keys={"dest": u, "talk_ms": 1000}, cwd=TMP)
                 for u in users]
        rcs = [p.wait(30) for p in procs]
        check(rcs == [0] * len(users), rcs)
        check(ag.wait(10) == 0, ag.output())
        check(sorted(u for u, _ in ag.calls()) == users, ag.calls())
        st = sipp_stats(ag.output())
        check(st["successful"] == len(users), st)


def test_agent_hangs_up():
    with SippAgent("agent_hangs_up.xml", keys={"talk_ms": 1500}) as ag:
        cp, _ = caller(ag, "caller_hears_bye.xml", {"dest": "bob"})
        check(cp.returncode == 0, out(cp))
        check(ag.wait(10) == 0, ag.output())


def test_agent_hold():
    with SippAgent("agent_hold.xml", keys={"talk_ms": 500}) as ag:
        cp, _ = caller(ag, "caller_hears_bye.xml", {"dest": "bob"})
        check(cp.returncode == 0, out(cp))
        check(ag.wait(10) == 0, ag.output())


def test_cancel_no_answer():
    with SippAgent("agent_noanswer.xml", rtp_echo=False) as ag:
        cp, _ = caller(ag, "caller_cancel.xml", {"dest": "bob",
                                                  "ring_ms": 300})
        check(cp.returncode == 0, out(cp))
        check(ag.wait(10) == 0, ag.output())


def test_busy_expect_486():
    with SippAgent("agent_busy.xml", rtp_echo=False) as ag:
        cp, _ = caller(ag, "caller_expect.xml", {"dest": "bob",
                                                  "expect": 486})
        check(cp.returncode == 0, out(cp))
        check(ag.wait(10) == 0, ag.output())


def test_expect_mismatch_fails():
    with SippAgent("agent_busy.xml", rtp_echo=False) as ag:
        cp, _ = caller(ag, "caller_expect.xml", {"dest": "bob",
                                                  "expect": 404})
        check(cp.returncode == 1, "expected failure", out(cp))
        check(b'strcmp code:"486" and expect:"404"' in cp.stdout, out(cp))
        ag.wait(10)


def test_expect_200_answered():
    with SippAgent("agent.xml", keys={"ring_ms": 0}) as ag:
        cp, _ = caller(ag, "caller_expect.xml", {"dest": "bob",
                                                  "expect": 200})
        check(cp.returncode == 0, out(cp))
        check(ag.wait(10) == 0, ag.output())


def test_dtmf_sipp_pcap_and_generated():
    gen = os.path.join(TMP, "dtmf.pcap")
    info = write_pcap(gen, packets=25, pt=0, dtmf="12#")
    for pcap, digits in (("/usr/share/sip-tester/dtmf_2833_1.pcap", "1"),
                         (gen, "12#")):
        mp = free_media_port()
        with SippAgent("agent.xml", keys={"ring_ms": 0}) as ag:
            with RtpCapture(ports=[mp, ag.media_port]) as cap:
                cp, _ = caller(ag, "caller_dtmf.xml",
                               {"dest": "bob", "pre_ms": 500,
                                "dtmf_pcap": pcap,
                                "talk_ms": int(info["duration"] * 1000) + 500},
                               media_port=mp)
            check(cp.returncode == 0, out(cp))
            check(ag.wait(10) == 0, ag.output())
        got = cap.digits(src_port=mp), cap.digits(src_port=ag.media_port)
        print("  %s: digits caller->agent %r, echoed %r, PT101 packets %d"
              % (os.path.basename(pcap), got[0], got[1],
                 cap.count(src_port=mp, pt=101)))
        check(got == (digits, digits), got, cap.summary())


def test_caller_baresip_auto_answer():
    from baresip import Baresip, wav_stats
    tone = os.path.join(TMP, "tone1k.pcap")
    write_pcap(tone, packets=150, pt=0, tone_hz=1000)
    mp = free_media_port()
    with Baresip("carol", max_seconds=40) as ph:
        with RtpCapture(ports=[mp]) as cap:
            cp = sipp(ph.sip_port, "caller.xml", "-p", free_port(),
                      "-mp", mp, "-m", 1, cwd=TMP,
                      keys={"dest": "carol", "pcap": tone, "talk_ms": 3500})
        check(cp.returncode == 0, out(cp))
        ph.wait_event("CALL_CLOSED", timeout=5)
        time.sleep(0.3)
        recs = ph.recordings()
        check(len(recs) == 1 and recs[0][1], recs)
        secs, rms, freq = wav_stats(recs[0][1])
    to_caller = cap.count(dst_port=mp)
    print("  caller sent %d, baresip sent %d; baresip heard %.1fs rms %.0f"
          " ~%.0f Hz" % (cap.count(src_port=mp), to_caller, secs, rms, freq))
    check(cap.count(src_port=mp) == 150 and to_caller > 100, cap.summary())
    check(rms > 1000 and abs(freq - 1000) < 50, secs, rms, freq)


def test_baresip_hangs_up():
    from baresip import Baresip
    with Baresip("carol", answermode="manual", max_seconds=40) as ph:
        p = sipp(ph.sip_port, "caller_hears_bye.xml", "-p", free_port(),
                 "-mp", free_media_port(), "-m", 1, cwd=TMP,
                 background=True, keys={"dest": "carol"})
        ph.wait_event("CALL_INCOMING", timeout=5)
        ph.accept()
        ph.wait_event("CALL_ESTABLISHED", timeout=5)
        time.sleep(1)
        ph.hangup()
        check(p.wait(20) == 0, p.stdout.read().decode(errors="replace"))


if __name__ == "__main__":
    try:
        rc = run(globals(), "selfcheck")
    finally:
        subprocess.run(["rm", "-rf", TMP])
    sys.exit(rc)

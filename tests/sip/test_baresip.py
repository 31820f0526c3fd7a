"""baresip, a real softphone, as the agent's phone: it registers with
digest auth, auto-answers the routed call, hears the caller through the
relay, and the caller hears it."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import sbtest  # noqa: E402
from sbtest import Switchboard, check, free_media_port, free_port, sipp  # noqa
from baresip import Baresip, wav_stats  # noqa: E402
from rtpcount import RtpCapture  # noqa: E402

PROVISION = {
    "agents": [{"id": "carmen", "name": "Carmen Ruiz",
                "sip": {"username": "carmen", "password": "carmen-sip-pw"},
                "skills": {"spanish": 9}}],
    "queues": [{"id": "spanish", "skills": {"spanish": 5},
                "push_timeout_s": 10, "max_wait_s": 30}],
    "trunks": [{"id": "carrier", "allow": ["127.0.0.1/32"]}],
    "routes": [{"number": "+15550300", "queue": "spanish"}],
}


def test_baresip_agent_answers_and_audio_flows_both_ways():
    with Switchboard(PROVISION) as sb, \
            Baresip("carmen", registrar=("127.0.0.1", sb.sip_port),
                    password="carmen-sip-pw", tone_hz=1000.0) as phone:
        check(phone.registered(), phone.logtext()[-2000:])
        mp = free_media_port()
        with RtpCapture(ports=[mp]) as cap:
            cp = sipp(sb.sip_port, "caller.xml", "-p", free_port(), "-m", 1,
                      "-mp", mp, keys={"dest": "+15550300",
                                       "talk_ms": 5500})
        check(cp.returncode == 0, cp.stdout[-3000:])
        phone.wait_event("CALL_CLOSED", timeout=10)

        # the caller got the phone's audio back through switchboard
        got = cap.count(dst_port=mp)
        check(got >= 200, "caller received", got, cap.summary())

        rec = None
        for _ in range(100):
            calls = sb.calls()
            if calls and calls[0]["ended"]:
                rec = calls[0]
                break
            time.sleep(0.05)
        check(rec and rec["agent"] == "carmen" and
              rec["end_reason"] == "completed", rec)
        agent_leg = [l for l in rec["legs"] if l["role"] == "agent"][0]
        check(agent_leg["final_code"] == 200 and
              agent_leg["rtp_in"] >= 200 and agent_leg["rtp_out"] >= 200,
              agent_leg)

        # what baresip heard is the caller's 440 Hz tone
        recs = phone.recordings()
        check(recs and recs[-1][1], "no recording", recs)
        seconds, rms, hz = wav_stats(recs[-1][1])
        check(seconds >= 3 and rms > 1000 and 400 < hz < 480,
              "heard", seconds, rms, hz)


if __name__ == "__main__":
    sys.exit(sbtest.run(globals(), "sip"))

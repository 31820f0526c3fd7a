"""The first routed call, end to end with real peers on loopback: SIPp as the
carrier's trunk and as agents' phones, switchboard in between.

Each test starts its own switchboard with the provisioning below and checks
what a user sees: SIP status codes at the caller, which phone rang, RTP that
crossed switchboard, and the call record the API returns."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import sbtest  # noqa: E402
from sbtest import (SippAgent, Switchboard, check, free_media_port,  # noqa
                    free_port, last_call, register, sipp)
from rtpcount import RtpCapture  # noqa: E402

BILLING = "+15550100"
SPANISH = "+15550300"

PROVISION = {
    "agents": [
        {"id": "alice", "name": "Alice Ng", "password": "alice-web-pw",
         "sip": {"username": "alice", "password": "alice-sip"},
         "skills": {"english": 8, "billing": 5}},
        {"id": "bob", "name": "Bob", "sip": {"username": "bob",
                                             "password": "bob-sip"},
         "skills": {"billing": 4}},
        {"id": "carmen", "name": "Carmen", "sip": {"username": "carmen",
                                                   "password": "carmen-sip"},
         "skills": {"spanish": 9, "billing": 1}},
    ],
    "queues": [
        {"id": "billing", "name": "Billing", "skills": {"billing": 3},
         "push_timeout_s": 3, "max_wait_s": 20},
        {"id": "spanish", "name": "Spanish", "skills": {"spanish": 5},
         "push_timeout_s": 3, "max_wait_s": 3},
    ],
    "trunks": [{"id": "carrier", "allow": ["127.0.0.1/32"]}],
    "routes": [{"number": BILLING, "queue": "billing"},
               {"number": SPANISH, "queue": "spanish"}],
}

def call(sb, scenario="caller.xml", dest=BILLING, background=False,
         local_ip="127.0.0.1", media_port=None, timeout=30, **keys):
    keys["dest"] = dest
    args = ["-p", free_port(), "-m", 1]
    if media_port:
        args += ["-mp", media_port]
    return sipp(sb.sip_port, scenario, *args, keys=keys, timeout=timeout,
                background=background, local_ip=local_ip)


def agent_legs(rec):
    return [(l["agent"], l["final_code"]) for l in rec["legs"]
            if l["role"] == "agent"]


def test_register_right_and_wrong_password():
    with Switchboard(PROVISION) as sb:
        register(sb, "alice", free_port())
        st, body = sb.api("GET", "/api/v1/agents/alice")
        check(st == 200, st, body)
        # wrong password from another address: 401, 401, then 403
        cp = sipp(sb.sip_port, "register_bad.xml", "-p", free_port(),
                  "-m", 1, local_ip="127.0.0.2",
                  keys={"user": "bob", "contact_port": free_port(),
                        "bad_401s": 2})
        check(cp.returncode == 0, cp.stdout[-2000:])
        # still locked out from there, even with the right password
        cp = sipp(sb.sip_port, "register.xml", "-p", free_port(), "-m", 1,
                  local_ip="127.0.0.2",
                  keys={"user": "bob", "password": "bob-sip",
                        "contact_port": free_port()})
        check(cp.returncode != 0, "locked-out address registered")
        # the agent itself is not locked out elsewhere
        register(sb, "bob", free_port())
        # an unknown user gets the same treatment as a wrong password
        cp = sipp(sb.sip_port, "register_bad.xml", "-p", free_port(),
                  "-m", 1, local_ip="127.0.0.3",
                  keys={"user": "mallory", "contact_port": free_port(),
                        "bad_401s": 2})
        check(cp.returncode == 0, cp.stdout[-2000:])
        log = sb.logtext()
        check("alice-sip" not in log and "bob-sip" not in log,
              "a password reached the log")


def test_trunk_call_answered_and_caller_hangs_up_with_media():
    with Switchboard(PROVISION) as sb, \
            SippAgent("agent.xml", calls=1) as phone:
        register(sb, "alice", phone.port)
        mp = free_media_port()
        with RtpCapture(ports=[mp, phone.media_port]) as cap:
            cp = call(sb, media_port=mp, talk_ms=6000)
        check(cp.returncode == 0, cp.stdout[-3000:])
        check(phone.wait(10) == 0, phone.output())
        check([c[0] for c in phone.calls()] == ["alice"], phone.calls())

        # 250 packets sent by the caller reach the phone through the relay,
        # and its echo comes back through the relay to the caller
        sent = cap.count(src_port=mp)
        at_phone = cap.count(dst_port=phone.media_port)
        back = cap.count(dst_port=mp)
        # (SIPp's pcap player now and then drops the last packet itself)
        check(sent >= 248, "caller sent", sent, cap.summary())
        check(at_phone >= sent - 1, "phone got", at_phone, cap.summary())
        check(back >= at_phone - 2, "caller got back", back, cap.summary())
        # never directly: every packet to the phone came from switchboard
        for (sip, sport, dip, dport), flow in cap.flows.items():
            if dport == phone.media_port:
                check(sport != mp, "RTP bypassed the relay")

        rec = last_call(sb)
        check(rec["queue"] == "billing" and rec["agent"] == "alice", rec)
        check(rec["end_reason"] == "completed" and
              rec["hangup_by"] == "caller", rec)
        check(rec["caller_code"] == 200 and rec["to"] == BILLING, rec)
        check(rec["trunk"] == "carrier" and rec["from_number"] == "15550001",
              rec)
        check(agent_legs(rec) == [("alice", 200)], rec["legs"])
        for field in ("arrived", "offered", "answered", "ended"):
            check(rec[field], field, rec)
        check(rec["arrived"] <= rec["offered"] <= rec["answered"] <=
              rec["ended"], rec)
        caller = rec["legs"][0]
        check(caller["role"] == "caller" and caller["final_code"] == 200 and
              caller["rtp_in"] >= sent - 1 and caller["rtp_out"] >= back - 1,
              caller)
        st, one = sb.api("GET", "/api/v1/calls/" + rec["id"])
        check(st == 200 and one["id"] == rec["id"], st, one)


def test_agent_hangs_up():
    with Switchboard(PROVISION) as sb, \
            SippAgent("agent_hangs_up.xml", calls=1,
                      keys={"talk_ms": 800}) as phone:
        register(sb, "alice", phone.port)
        cp = call(sb, "caller_hears_bye.xml")
        check(cp.returncode == 0, cp.stdout[-3000:])
        check(phone.wait(10) == 0, phone.output())
        rec = last_call(sb)
        check(rec["end_reason"] == "completed" and
              rec["hangup_by"] == "agent", rec)
        check(rec["duration_s"] is not None and rec["duration_s"] >= 0.5,
              rec)


def test_cancel_while_ringing():
    with Switchboard(PROVISION) as sb, \
            SippAgent("agent_noanswer.xml", calls=1) as phone:
        register(sb, "alice", phone.port)
        cp = call(sb, "caller_cancel.xml", ring_ms=700)
        check(cp.returncode == 0, cp.stdout[-3000:])
        # the phone saw our CANCEL and answered 487
        check(phone.wait(10) == 0, phone.output())
        rec = last_call(sb)
        check(rec["end_reason"] == "cancelled" and
              rec["hangup_by"] == "caller" and rec["caller_code"] == 487,
              rec)
        check(rec["answered"] is None, rec)
        check(agent_legs(rec) == [("alice", 487)], rec["legs"])


def test_busy_agent_then_next_agent_answers():
    with Switchboard(PROVISION) as sb, \
            SippAgent("agent_busy.xml", calls=1) as busy, \
            SippAgent("agent.xml", calls=1) as ok:
        # alice registers first, so she has been idle longest: she is
        # tried first, is busy, and bob gets the call
        register(sb, "alice", busy.port)
        time.sleep(0.05)
        register(sb, "bob", ok.port)
        cp = call(sb)
        check(cp.returncode == 0, cp.stdout[-3000:])
        check(busy.wait(10) == 0 and ok.wait(10) == 0,
              busy.output(), ok.output())
        rec = last_call(sb)
        check(agent_legs(rec) == [("alice", 486), ("bob", 200)],
              rec["legs"])
        check(rec["agent"] == "bob" and rec["end_reason"] == "completed",
              rec)
        # the explanation: alice declined; then she was skipped for it
        st, body = sb.api("GET", "/api/v1/calls/%s/routing" % rec["id"])
        check(st == 200, st, body)
        first, second = body["decisions"]
        check([(o["agent"], o["outcome"]) for o in first["offers"]] ==
              [("alice", "declined")], first)
        check(second["trigger"] == "returned" and
              [o["agent"] for o in second["offers"]] == ["bob"], second)
        check([s["code"] for s in second["skipped"]] ==
              ["declined_recently"], second["skipped"])


def test_no_answer_within_push_timeout_goes_to_next_agent():
    with Switchboard(PROVISION) as sb, \
            SippAgent("agent_noanswer.xml", calls=1) as silent, \
            SippAgent("agent.xml", calls=1) as ok:
        register(sb, "alice", silent.port)
        time.sleep(0.05)
        register(sb, "bob", ok.port)
        t0 = time.time()
        cp = call(sb)
        check(cp.returncode == 0, cp.stdout[-3000:])
        check(silent.wait(10) == 0, silent.output())
        rec = last_call(sb)
        check(agent_legs(rec) == [("alice", 487), ("bob", 200)],
              rec["legs"])
        # push_timeout_s is 3 in this queue
        check(time.time() - t0 >= 3, "rerouted before the push timeout")


def test_skills_pick_the_qualified_agent():
    with Switchboard(PROVISION) as sb, \
            SippAgent("agent.xml", calls=1) as phone:
        # alice and bob lack spanish; carmen has it
        register(sb, "alice", phone.port)
        register(sb, "bob", phone.port)
        register(sb, "carmen", phone.port)
        cp = call(sb, dest=SPANISH)
        check(cp.returncode == 0, cp.stdout[-3000:])
        check(phone.wait(10) == 0, phone.output())
        check([c[0] for c in phone.calls()] == ["carmen"], phone.calls())
        # and billing's minimum level 3 excludes carmen's level 1
        rec = last_call(sb)
        check(rec["agent"] == "carmen" and rec["queue"] == "spanish", rec)


def test_caller_waits_until_an_agent_registers():
    with Switchboard(PROVISION) as sb, \
            SippAgent("agent.xml", calls=1) as phone:
        waiting = call(sb, background=True)
        def queued():
            calls = sb.calls()
            return calls and calls[0]["offered"] is None and \
                not calls[0]["ended"]
        sb.wait_for(queued, what="the call to wait in the queue")
        time.sleep(1)
        check(waiting.poll() is None, "caller gave up while queued")
        register(sb, "alice", phone.port)
        out = waiting.communicate(timeout=30)[0].decode(errors="replace")
        check(waiting.returncode == 0, out[-3000:])
        rec = last_call(sb)
        check(rec["agent"] == "alice" and rec["caller_code"] == 200, rec)
        check(rec["wait_s"] >= 1.0, rec)


def test_nobody_answers_within_max_wait_480():
    with Switchboard(PROVISION) as sb:
        t0 = time.time()
        cp = call(sb, "caller_expect.xml", dest=SPANISH, expect=480)
        check(cp.returncode == 0, cp.stdout[-3000:])
        check(time.time() - t0 >= 3, "480 before max_wait_s")
        rec = last_call(sb)
        check(rec["end_reason"] == "no_agent" and rec["caller_code"] == 480,
              rec)


def test_not_from_a_trunk_is_refused_403_and_rings_nobody():
    with Switchboard(PROVISION) as sb, \
            SippAgent("agent.xml", calls=1) as phone:
        register(sb, "alice", phone.port)
        cp = call(sb, "caller_expect.xml", expect=403, local_ip="127.0.0.9")
        check(cp.returncode == 0, cp.stdout[-3000:])
        time.sleep(0.3)
        check(phone.calls() == [], "a phone rang", phone.calls())
        check(sb.calls() == [], sb.calls())
        check("refused: not from a trunk" in sb.logtext(), sb.logtext())


def test_unknown_number_404():
    with Switchboard(PROVISION) as sb:
        cp = call(sb, "caller_expect.xml", dest="+15559999", expect=404)
        check(cp.returncode == 0, cp.stdout[-3000:])
        rec = last_call(sb)
        check(rec["end_reason"] == "no_route" and rec["caller_code"] == 404
              and rec["queue"] is None, rec)


def test_hold_reinvite_passes_through():
    with Switchboard(PROVISION) as sb, \
            SippAgent("agent_hold.xml", calls=1) as phone:
        register(sb, "alice", phone.port)
        mp = free_media_port()
        cp = call(sb, "caller_hears_bye.xml", media_port=mp)
        # agent_hold checks its answers (recvonly on hold, sendrecv on
        # resume); caller_hears_bye answers the re-INVITEs we forward
        check(cp.returncode == 0, cp.stdout[-3000:])
        check(phone.wait(10) == 0, phone.output())
        log = sb.logtext()
        check("agent side is now sendonly" in log and
              "agent side is now sendrecv" in log, log[-2000:])
        rec = last_call(sb)
        check(rec["hangup_by"] == "agent", rec)


def test_media_follows_a_reinvite_to_a_new_port():
    with Switchboard(PROVISION) as sb:
        mp_agent = free_media_port()
        with SippAgent("agent_moves_media.xml", calls=1,
                       media_port=mp_agent,
                       keys={"new_port": mp_agent + 2,
                             "talk_ms": 2000}) as phone:
            register(sb, "alice", phone.port)
            mp = free_media_port()
            with RtpCapture(ports=[mp, mp_agent, mp_agent + 2]) as cap:
                cp = call(sb, "caller_hears_bye.xml", media_port=mp)
            check(cp.returncode == 0, cp.stdout[-3000:])
            check(phone.wait(10) == 0, phone.output())
        old = cap.count(dst_port=mp_agent)
        new = cap.count(dst_port=mp_agent + 2)
        # 2 s on the first port, then the rest of the 5 s tone on the new
        check(old >= 50 and new >= 50, "old", old, "new", new,
              cap.summary())
        # and the echo from the new port reaches the caller
        check(cap.count(dst_port=mp) >= old + new - 10, cap.summary())


def test_dtmf_events_pass_through():
    with Switchboard(PROVISION) as sb, \
            SippAgent("agent.xml", calls=1) as phone:
        register(sb, "alice", phone.port)
        mp = free_media_port()
        with RtpCapture(ports=[mp, phone.media_port]) as cap:
            cp = call(sb, "caller_dtmf.xml", media_port=mp, talk_ms=1500)
        check(cp.returncode == 0, cp.stdout[-3000:])
        check(cap.digits(dst_port=phone.media_port) == "1", cap.summary())


def test_tcp_phone_and_tcp_trunk():
    with Switchboard(PROVISION) as sb, \
            SippAgent("agent.xml", calls=1, args=["-t", "t1"]) as phone:
        # registered over TCP from another connection; the Contact names
        # the phone's own TCP listener on the same IP
        cp = sipp(sb.sip_port, "register.xml", "-p", free_port(), "-m", 1,
                  "-t", "t1", keys={"user": "alice", "password": "alice-sip",
                                    "contact_port": phone.port})
        check(cp.returncode == 0, cp.stdout[-2000:])
        cp = sipp(sb.sip_port, "caller.xml", "-p", free_port(), "-m", 1,
                  "-t", "t1", keys={"dest": BILLING})
        check(cp.returncode == 0, cp.stdout[-3000:])
        check(phone.wait(10) == 0, phone.output())
        rec = last_call(sb)
        check(rec["agent"] == "alice" and rec["end_reason"] == "completed",
              rec)


def test_restart_keeps_provisioning_registrations_and_records():
    with Switchboard(PROVISION) as sb, \
            SippAgent("agent.xml", calls=2) as phone:
        register(sb, "alice", phone.port)
        check(call(sb).returncode == 0)
        first = last_call(sb)

        # restart without the provisioning file: everything must come
        # from the database
        sb.provision = None
        rc = sb.restart()
        check(rc == 0, "exit status", rc)
        for kind, n in (("agents", 3), ("queues", 2), ("trunks", 1),
                        ("routes", 2)):
            st, body = sb.api("GET", "/api/v1/" + kind)
            check(st == 200 and len(body[kind]) == n, kind, body)
        calls = sb.calls()
        check([c["id"] for c in calls] == [first["id"]], calls)
        check(calls[0] == first, calls[0], first)

        # the phone's registration survived too: no REGISTER, call works
        cp = call(sb)
        check(cp.returncode == 0, cp.stdout[-3000:])
        check(phone.wait(10) == 0, phone.output())
        check(len(sb.calls()) == 2)


def test_sigterm_ends_live_call_cleanly():
    with Switchboard(PROVISION) as sb, \
            SippAgent("agent.xml", calls=1) as phone:
        register(sb, "alice", phone.port)
        caller = call(sb, "caller_hears_bye.xml", background=True)
        sb.wait_for(lambda: sb.calls() and sb.calls()[0]["answered"],
                    what="answer")
        rc = sb.stop()
        check(rc == 0, "exit status", rc)
        # both parties got a BYE and answered it
        out = caller.communicate(timeout=15)[0].decode(errors="replace")
        check(caller.returncode == 0, out[-3000:])
        check(phone.wait(10) == 0, phone.output())
        sb.provision = None
        sb.start()
        rec = sb.calls()[0]
        check(rec["end_reason"] == "shutdown" and rec["hangup_by"] ==
              "system" and rec["ended"], rec)


if __name__ == "__main__":
    sys.exit(sbtest.run(globals(), "sip"))

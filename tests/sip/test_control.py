"""The agent's call controls (POST /api/v1/calls/{id}/...), end to end: SIPp
as the trunk's caller and as the agent's phone, switchboard in between, the
controls driven through the HTTP API, and what the caller gets checked on
the wire (SIP from the scenarios' own checks, RTP with RtpCapture)."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sbtest import (ADMIN_TOKEN, SippAgent, Switchboard, check,  # noqa
                    finish, free_media_port, free_port, is_error, record,
                    register, sipp)
from rtpcount import RtpCapture  # noqa: E402
from wsclient import WsClient  # noqa: E402

BILLING = "+15550100"
WRAPUP = "+15550200"

PROVISION = {
    "agents": [
        {"id": "alice", "name": "Alice", "password": "alice-web-pw",
         "sip": {"username": "alice", "password": "alice-sip"},
         "skills": {"billing": 5}},
        {"id": "bob", "name": "Bob", "password": "bob-web-pw",
         "sip": {"username": "bob", "password": "bob-sip"},
         "skills": {"sales": 5}},
    ],
    "queues": [
        {"id": "billing", "skills": {"billing": 3}, "push_timeout_s": 5,
         "max_wait_s": 30},
        {"id": "care", "skills": {"billing": 3}, "push_timeout_s": 5,
         "max_wait_s": 30, "wrapup_s": 30},
    ],
    "trunks": [{"id": "carrier", "allow": ["127.0.0.1/32"]}],
    "routes": [{"number": BILLING, "queue": "billing"},
               {"number": WRAPUP, "queue": "care"}],
}

def call(sb, scenario, dest=BILLING, media_port=None, **keys):
    keys["dest"] = dest
    args = ["-p", free_port(), "-m", 1]
    if media_port:
        args += ["-mp", media_port]
    return sipp(sb.sip_port, scenario, *args, keys=keys, timeout=30,
                background=True)


def live_call(sb, state="answered"):
    """The id of the newest call record that is answered and not ended
    (state "answered"), or not answered yet (state "waiting")."""
    def f():
        for c in sb.calls():
            if c["ended"]:
                continue
            if (state == "answered") == bool(c["answered"]):
                return c["id"]
        return None
    return sb.wait_for(f, what="a live call (%s)" % state)


def ctl(sb, cid, what, body=None, token=None):
    kw = {"token": token} if token else {}
    return sb.api("POST", "/api/v1/calls/%s/%s" % (cid, what),
                  body if body is not None else {}, **kw)


def runtime(sb, agent):
    st, body = sb.api("GET", "/api/v1/agents/" + agent)
    check(st == 200, st, body)
    return body["runtime"]


# -- a. hang up ---------------------------------------------------------------
def test_hangup_ends_both_sides_and_errors():
    with Switchboard(PROVISION) as sb:
        # not answered yet: nobody to control, 409 for every control
        caller = call(sb, "caller_hears_bye.xml")
        cid = live_call(sb, "waiting")
        for what in ("hangup", "mute", "unmute", "hold", "resume"):
            st, body = ctl(sb, cid, what)
            check(st == 409 and is_error(body, "conflict") and
                  "queue" in body["error"]["message"], what, st, body)
        st, body = ctl(sb, cid, "dtmf", {"digits": "1"})
        check(st == 409 and is_error(body, "conflict"), st, body)
        st, body = ctl(sb, cid, "wrapup", {"disposition": "x"})
        check(st == 409 and is_error(body, "conflict"), st, body)

        with SippAgent("agent.xml", calls=1) as phone:
            register(sb, "alice", phone.port)
            cid2 = live_call(sb)
            check(cid2 == cid, cid, cid2)

            st, body = ctl(sb, cid, "hangup", {"now": True})
            check(st == 400 and is_error(body, "unknown_field", "now"),
                  st, body)
            st, body = sb.api("POST", "/api/v1/calls/%s/hangup" % cid,
                              raw=b"{")
            check(st == 400 and is_error(body, "invalid_json"), st, body)
            st, body = ctl(sb, "c0000nosuchcall", "hangup")
            check(st == 404 and is_error(body, "not_found"), st, body)

            st, body = ctl(sb, cid, "hangup")
            check(st == 200 and body == {"id": cid, "state": "ended"},
                  st, body)
            rc, out = finish(caller)
            check(rc == 0, "caller did not hear BYE", out)
            check(phone.wait(10) == 0, phone.output())

        rec = record(sb, cid)
        check(rec["end_reason"] == "completed" and
              rec["hangup_by"] == "agent" and rec["agent"] == "alice", rec)
        check(rec["disposition"] is None and rec["notes"] is None, rec)
        # only its record is left
        st, body = ctl(sb, cid, "hangup")
        check(st == 409 and is_error(body, "conflict") and
              "ended" in body["error"]["message"], st, body)


# -- b. wrap-up ---------------------------------------------------------------
def test_wrapup_holds_the_agent_until_disposition():
    with Switchboard(PROVISION) as sb, \
            SippAgent("agent.xml", calls=2) as phone:
        register(sb, "alice", phone.port)
        first = call(sb, "caller.xml", dest=WRAPUP, talk_ms=500)
        cid = live_call(sb)
        rc, out = finish(first)
        check(rc == 0, out)
        record(sb, cid)

        rt = runtime(sb, "alice")
        check(rt["load"] == 1 and rt["wrap_up"]["call"] == cid and
              rt["wrap_up"]["until"].endswith("Z"), rt)
        st, body = sb.api("GET", "/api/v1/calls/%s/routing" % cid)
        check(st == 200, st, body)

        # a second call waits: alice is not offered it while wrapping up
        second = call(sb, "caller.xml", dest=WRAPUP, talk_ms=500)
        time.sleep(1.5)
        check(len(phone.calls()) == 1, phone.calls())

        # bad input: 400 naming the field, nothing changed
        for body, code, field in (
                ({}, "missing_field", "disposition"),
                ({"disposition": ""}, "invalid_field", "disposition"),
                ({"disposition": "x" * 65}, "invalid_field", "disposition"),
                ({"disposition": 5}, "invalid_field", "disposition"),
                ({"disposition": "a\nb"}, "invalid_field", "disposition"),
                ({"disposition": "sale", "notes": "n" * 2001},
                 "invalid_field", "notes"),
                ({"disposition": "sale", "notes": 3}, "invalid_field",
                 "notes"),
                ({"disposition": "sale", "note": "x"}, "unknown_field",
                 "note")):
            st, reply = ctl(sb, cid, "wrapup", body)
            check(st == 400 and is_error(reply, code, field), body, st,
                  reply)
        check(runtime(sb, "alice").get("wrap_up", {}).get("call") == cid)
        for what in ("hangup", "mute", "hold"):
            st, reply = ctl(sb, cid, what)
            check(st == 409 and "wrap-up" in reply["error"]["message"],
                  what, st, reply)

        notes = "called about the \"gold\" plan; é ✓\n" + "n" * 1950
        st, body = ctl(sb, cid, "wrapup", {"disposition": "sale",
                                           "notes": notes})
        check(st == 200 and body == {"id": cid, "state": "ended"}, st, body)
        rec = record(sb, cid, lambda r: r["disposition"])
        check(rec["disposition"] == "sale" and rec["notes"] == notes, rec)

        # the second call now reaches alice
        rc, out = finish(second)
        check(rc == 0, out)
        check(len(phone.calls()) == 2, phone.calls())
        check(phone.wait(10) == 0, phone.output())


def test_wrapup_ends_when_its_time_is_up():
    prov = dict(PROVISION)
    prov["queues"] = [dict(q) for q in PROVISION["queues"]]
    prov["queues"][1]["wrapup_s"] = 1
    with Switchboard(prov) as sb, \
            SippAgent("agent.xml", calls=1) as phone:
        register(sb, "alice", phone.port)
        first = call(sb, "caller.xml", dest=WRAPUP, talk_ms=300)
        cid = live_call(sb)
        # no disposition: the queue's 1 s ends the wrap-up
        rc, out = finish(first)
        check(rc == 0, out)
        record(sb, cid)
        t0 = time.time()
        sb.wait_for(lambda: "wrap_up" not in runtime(sb, "alice"),
                    timeout=5, what="wrap-up to time out")
        check(time.time() - t0 <= 2.5, time.time() - t0)
        check(runtime(sb, "alice")["load"] == 0)
        rec = record(sb, cid)
        check(rec["disposition"] is None, rec)
        st, body = ctl(sb, cid, "wrapup", {"disposition": "late"})
        check(st == 409 and is_error(body, "conflict"), st, body)
        check(phone.wait(10) == 0, phone.output())


def test_disposition_during_the_call_skips_wrapup():
    with Switchboard(PROVISION) as sb, \
            SippAgent("agent.xml", calls=1) as phone:
        register(sb, "alice", phone.port)
        caller = call(sb, "caller_hears_bye.xml", dest=WRAPUP)
        cid = live_call(sb)
        st, body = ctl(sb, cid, "wrapup", {"disposition": "callback"})
        check(st == 200 and body["state"] == "answered", st, body)
        st, body = ctl(sb, cid, "hangup")
        check(st == 200 and body["state"] == "ended", st, body)
        rc, out = finish(caller)
        check(rc == 0, out)
        check("wrap_up" not in runtime(sb, "alice"))
        rec = record(sb, cid)
        check(rec["disposition"] == "callback" and rec["notes"] is None,
              rec)
        check(phone.wait(10) == 0, phone.output())


def test_stopping_ends_a_wrapup_cleanly():
    with Switchboard(PROVISION) as sb, \
            SippAgent("agent.xml", calls=1) as phone:
        register(sb, "alice", phone.port)
        first = call(sb, "caller.xml", dest=WRAPUP, talk_ms=300)
        cid = live_call(sb)
        rc, out = finish(first)
        check(rc == 0, out)
        record(sb, cid)
        check(runtime(sb, "alice")["wrap_up"]["call"] == cid)
        # SIGTERM: the wrap-up ends, the record is saved, exit status 0
        # (under SANITIZE=1 also: nothing leaked)
        check(sb.restart() == 0)
        check("wrap_up" not in runtime(sb, "alice"))
        rec = record(sb, cid)
        check(rec["end_reason"] == "completed", rec)
        check(phone.wait(10) == 0, phone.output())


# -- c. mute ------------------------------------------------------------------
def test_mute_stops_the_agents_audio_to_the_caller():
    with Switchboard(PROVISION) as sb, \
            SippAgent("agent.xml", calls=1) as phone:
        register(sb, "alice", phone.port)
        mp = free_media_port()
        with RtpCapture(ports=[mp, phone.media_port]) as cap:
            caller = call(sb, "caller_hears_bye.xml", media_port=mp)
            cid = live_call(sb)
            time.sleep(0.8)
            before = cap.count(dst_port=mp)
            st, body = ctl(sb, cid, "mute")
            check(st == 200 and body["muted"] is True and
                  body["state"] == "answered" and body["agent"] == "alice",
                  st, body)
            st, body = ctl(sb, cid, "mute")      # again: no change
            check(st == 200 and body["muted"] is True, st, body)
            time.sleep(0.3)                     # in flight when muted
            m0, p0 = cap.count(dst_port=mp), cap.count(dst_port=phone.media_port)
            time.sleep(1.0)
            m1, p1 = cap.count(dst_port=mp), cap.count(dst_port=phone.media_port)
            st, body = ctl(sb, cid, "unmute")
            check(st == 200 and body["muted"] is False, st, body)
            time.sleep(1.0)
            m2 = cap.count(dst_port=mp)
            st, _ = ctl(sb, cid, "hangup")
            check(st == 200, st)
            rc, out = finish(caller)
        check(rc == 0, out)
        check(before >= 20, "before mute", before, cap.summary())
        # the caller still reaches the agent, the agent's echo does not
        # come back while muted, and does after
        check(p1 - p0 >= 40, "caller to agent while muted", p1 - p0)
        check(m1 - m0 <= 1, "agent to caller while muted", m1 - m0,
              cap.summary())
        check(m2 - m1 >= 35, "agent to caller after unmute", m2 - m1)
        check(phone.wait(10) == 0, phone.output())


# -- d. hold ------------------------------------------------------------------
def test_hold_and_resume_reinvite_the_caller():
    with Switchboard(PROVISION) as sb, \
            SippAgent("agent.xml", calls=1) as phone:
        register(sb, "alice", phone.port)
        mp = free_media_port()
        ws = WsClient(sb.http_port, "/api/v1/events", token=ADMIN_TOKEN)
        with RtpCapture(ports=[mp]) as cap:
            caller = call(sb, "caller_held.xml", media_port=mp)
            cid = live_call(sb)
            time.sleep(0.5)
            st, body = ctl(sb, cid, "hold")
            check(st == 200 and body["held"] is True, st, body)
            sb.wait_for(lambda: "caller held" in sb.logtext(),
                        what="hold")
            time.sleep(0.5)
            h0 = cap.count(dst_port=mp)
            time.sleep(1.0)
            h1 = cap.count(dst_port=mp)
            st, body = ctl(sb, cid, "hold")      # again: no re-INVITE
            check(st == 200 and body["held"] is True, st, body)
            st, body = ctl(sb, cid, "resume")
            check(st == 200 and body["held"] is False, st, body)
            time.sleep(1.0)
            h2 = cap.count(dst_port=mp)
            # the stream said so, once each (the second hold was a no-op)
            evs = ws.recv_until(lambda m: m["type"] == "call.resumed")
            kinds = [m["type"] for m in evs
                     if m["type"] in ("call.held", "call.resumed")]
            check(kinds == ["call.held", "call.resumed"], kinds)
            check(evs[-1]["data"]["call"] == cid and
                  evs[-1]["data"]["agent"] == "alice", evs[-1])
            ws.close()
            st, _ = ctl(sb, cid, "hangup")
            check(st == 200, st)
            rc, out = finish(caller)
        # caller_held.xml checked sendonly, then sendrecv
        check(rc == 0, "caller's SDP checks", out)
        check(h1 - h0 <= 1, "agent audio while held", h1 - h0)
        check(h2 - h1 >= 35, "agent audio after resume", h2 - h1)
        check(phone.wait(10) == 0, phone.output())


# -- e. DTMF ------------------------------------------------------------------
def test_dtmf_reaches_the_caller_as_rfc4733_events():
    with Switchboard(PROVISION) as sb, \
            SippAgent("agent.xml", calls=1) as phone:
        register(sb, "alice", phone.port)
        mp = free_media_port()
        with RtpCapture(ports=[mp], event_pts=(101,)) as cap:
            caller = call(sb, "caller_hears_bye.xml", media_port=mp)
            cid = live_call(sb)
            for body, code in (({}, "missing_field"),
                               ({"digits": ""}, "invalid_field"),
                               ({"digits": "12x"}, "invalid_field"),
                               ({"digits": "1" * 33}, "invalid_field"),
                               ({"digits": 12}, "invalid_field")):
                st, reply = ctl(sb, cid, "dtmf", body)
                check(st == 400 and is_error(reply, code, "digits"), body,
                      st, reply)
            st, body = ctl(sb, cid, "dtmf", {"digits": "12#"})
            check(st == 200 and body["state"] == "answered", st, body)
            time.sleep(1.5)
            st, _ = ctl(sb, cid, "hangup")
            rc, out = finish(caller)
        check(rc == 0, out)
        # switchboard -> caller, PT 101 as the caller offered it
        check(cap.digits(dst_port=mp) == "12#", cap.summary())
        flows = cap.select(dst_port=mp)
        ends = [e for f in flows.values() for e in f.events if e[2]]
        check(len(ends) == 9 and all(e[3] == 800 for e in ends), ends)
        check(phone.wait(10) == 0, phone.output())


# -- f. transfer --------------------------------------------------------------
def test_transfer_input_errors_and_number_without_outbound_trunk():
    with Switchboard(PROVISION) as sb, \
            SippAgent("agent.xml", calls=1) as phone:
        register(sb, "alice", phone.port)
        caller = call(sb, "caller_hears_bye.xml")
        cid = live_call(sb)
        st, body = ctl(sb, cid, "transfer", {})
        check(st == 400 and is_error(body, "missing_field"), st, body)
        st, body = ctl(sb, cid, "transfer", {"queue": "care",
                                             "agent": "bob"})
        check(st == 400 and is_error(body, "invalid_field"), st, body)
        # the carrier trunk has no "outbound": no number is permitted
        # (test_outbound.py dials through one that has)
        st, body = ctl(sb, cid, "transfer", {"number": "+15550999"})
        check(st == 403 and is_error(body, "forbidden", "number") and
              "no trunk permits calls to +15550999" in
              body["error"]["message"], st, body)
        st, body = ctl(sb, cid, "transfer", {"number": "15550999"})
        check(st == 400 and is_error(body, "invalid_field", "number"),
              st, body)
        st, _ = ctl(sb, cid, "hangup")
        check(st == 200, st)
        rc, out = finish(caller)
        check(rc == 0, out)
        check(phone.wait(10) == 0, phone.output())


# -- who may ------------------------------------------------------------------
def test_only_the_calls_agent_or_a_supervisor():
    with Switchboard(PROVISION) as sb, \
            SippAgent("agent.xml", calls=1) as phone:
        tokens = {}
        for agent in ("alice", "bob"):
            st, body = sb.api("POST", "/api/v1/login",
                              {"id": agent,
                               "password": agent + "-web-pw"}, token=None)
            check(st == 200 and body.get("token"), st, body)
            tokens[agent] = body["token"]
        register(sb, "alice", phone.port)
        caller = call(sb, "caller_hears_bye.xml")
        cid = live_call(sb)
        st, body = ctl(sb, cid, "mute", token=tokens["bob"])
        check(st == 403 and is_error(body, "forbidden"), st, body)
        st, body = ctl(sb, cid, "mute", token=tokens["alice"])
        check(st == 200 and body["muted"] is True, st, body)
        st, body = ctl(sb, cid, "hangup", token=tokens["bob"])
        check(st == 403, st, body)
        st, body = ctl(sb, cid, "hangup", token=tokens["alice"])
        check(st == 200, st, body)
        rc, out = finish(caller)
        check(rc == 0, out)
        check(phone.wait(10) == 0, phone.output())


if __name__ == "__main__":
    from sbtest import run
    sys.exit(run(globals(), "sip/test_control"))

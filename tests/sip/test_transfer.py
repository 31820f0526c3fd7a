"""Blind transfer (POST /api/v1/calls/{id}/transfer), end to end: SIPp as
the caller and the agents' phones. The transferring agent's phone gets BYE,
the caller stays connected (no re-INVITE: caller_hears_bye.xml fails on
anything but a BYE at the end), the call is routed again, and the caller's
RTP reaches the next agent's phone and comes back (RtpCapture)."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sbtest import (ADMIN_TOKEN, SippAgent, Switchboard, check,  # noqa
                    finish, free_media_port, free_port, is_error, record,
                    register, sipp)
from rtpcount import RtpCapture  # noqa: E402
from wsclient import WsClient  # noqa: E402

NUMBER = "+15550100"

PROVISION = {
    "agents": [
        {"id": "alice", "password": "alice-web-pw",
         "sip": {"username": "alice", "password": "alice-sip"},
         "queues": [{"id": "billing"}]},
        {"id": "bob", "password": "bob-web-pw",
         "sip": {"username": "bob", "password": "bob-sip"},
         "queues": [{"id": "support"}]},
        {"id": "carol",
         "sip": {"username": "carol", "password": "carol-sip"},
         "queues": [{"id": "support"}]},
        {"id": "dave",
         "sip": {"username": "dave", "password": "dave-sip"},
         "queues": []},
    ],
    "queues": [
        {"id": "billing", "push_timeout_s": 5, "max_wait_s": 30},
        {"id": "support", "push_timeout_s": 5, "max_wait_s": 30},
    ],
    "trunks": [{"id": "carrier", "allow": ["127.0.0.1/32"]}],
    "routes": [{"number": NUMBER, "queue": "billing"}],
}


def login(sb, agent):
    st, body = sb.api("POST", "/api/v1/login",
                      {"id": agent, "password": agent + "-web-pw"},
                      token=None)
    check(st == 200, st, body)
    return body["token"]


def caller(sb, media_port=None):
    args = ["-p", free_port(), "-m", 1]
    if media_port:
        args += ["-mp", media_port]
    return sipp(sb.sip_port, "caller_hears_bye.xml", *args,
                keys={"dest": NUMBER}, timeout=30, background=True)


def ctl(sb, cid, what, body=None, token=ADMIN_TOKEN):
    return sb.api("POST", "/api/v1/calls/%s/%s" % (cid, what),
                  body if body is not None else {}, token=token)


def state(sb, cid):
    st, body = sb.api("GET", "/api/v1/calls/" + cid)
    check(st == 200, st, body)
    return body


def answered_by(sb, agent):
    def f():
        for c in sb.calls():
            if not c["ended"] and c["agent"] == agent:
                return c["id"]
        return None
    return sb.wait_for(f, what="a call answered by " + agent)


def test_transfer_to_a_queue_moves_the_caller_to_the_next_agent():
    with Switchboard(PROVISION) as sb, \
            SippAgent("agent.xml", calls=1) as alice_phone, \
            SippAgent("agent.xml", calls=1) as bob_phone:
        ws = WsClient(sb.http_port, "/api/v1/events", token=ADMIN_TOKEN)
        ws.recv_json()
        alice = login(sb, "alice")
        register(sb, "alice", alice_phone.port)
        register(sb, "bob", bob_phone.port)
        mp = free_media_port()
        with RtpCapture(ports=[mp, alice_phone.media_port,
                               bob_phone.media_port]) as cap:
            proc = caller(sb, mp)
            cid = answered_by(sb, "alice")
            time.sleep(1.0)
            a0 = cap.count(dst_port=alice_phone.media_port)
            check(a0 >= 20, "caller to alice", a0, cap.summary())

            st, body = ctl(sb, cid, "transfer", {"queue": "support"},
                           token=alice)
            check(st == 200 and body["state"] in ("queued", "offering")
                  and body["agent"] is None, st, body)
            ev = ws.recv_until(lambda m: m["type"] == "call.transferred")
            check(ev[-1]["data"] == {"call": cid, "from_agent": "alice",
                                     "to_queue": "support"}, ev[-1])
            # alice's phone got BYE: its scenario is over
            check(alice_phone.wait(10) == 0, alice_phone.output())
            # alice can no longer control it
            st, body = ctl(sb, cid, "hold", token=alice)
            check(st == 403, st, body)

            answered_by(sb, "bob")
            time.sleep(0.5)
            b0 = cap.count(dst_port=bob_phone.media_port)
            c0 = cap.count(dst_port=mp)
            time.sleep(1.0)
            b1 = cap.count(dst_port=bob_phone.media_port)
            c1 = cap.count(dst_port=mp)
            st, _ = ctl(sb, cid, "hangup")
            check(st == 200, st)
            rc, out = finish(proc)
        check(rc == 0, "the caller saw more than one BYE", out)
        check(b1 - b0 >= 35, "caller to bob", b1 - b0, cap.summary())
        check(c1 - c0 >= 35, "bob (echo) to caller", c1 - c0)
        check(bob_phone.wait(10) == 0, bob_phone.output())

        rec = record(sb, cid)
        legs = [(l["agent"], l["final_code"]) for l in rec["legs"]
                if l["role"] == "agent"]
        check(legs == [("alice", 200), ("bob", 200)], rec)
        check(rec["queue"] == "support" and rec["agent"] == "bob" and
              rec["end_reason"] == "completed", rec)
        al, bl = [l for l in rec["legs"] if l["role"] == "agent"]
        check(al["ended"] and al["ended"] <= bl["answered"], rec)
        check(al["rtp_in"] >= 20 and bl["rtp_in"] >= 35 and
              bl["rtp_out"] >= 35, al, bl)
        # alice is free again
        st, a = sb.api("GET", "/api/v1/agents/alice")
        check(a["runtime"]["load"] == 0, a["runtime"])
        ws.close()


def test_transfer_to_an_agent_rings_only_that_agent():
    with Switchboard(PROVISION) as sb, \
            SippAgent("agent.xml", calls=1) as alice_phone, \
            SippAgent("agent.xml", calls=1) as team_phone:
        register(sb, "alice", alice_phone.port)
        # carol registers first: idle longest, she would get a queue
        # transfer to support; an agent transfer is bob's alone
        register(sb, "carol", team_phone.port)
        time.sleep(0.2)
        register(sb, "bob", team_phone.port)
        proc = caller(sb)
        cid = answered_by(sb, "alice")
        time.sleep(0.3)
        st, body = ctl(sb, cid, "transfer", {"agent": "bob"})
        check(st == 200, st, body)
        answered_by(sb, "bob")
        check([c[0] for c in team_phone.calls()] == ["bob"],
              team_phone.calls())
        time.sleep(0.3)
        st, _ = ctl(sb, cid, "hangup")
        check(st == 200, st)
        rc, out = finish(proc)
        check(rc == 0, out)
        check(alice_phone.wait(10) == 0, alice_phone.output())
        check(team_phone.wait(10) == 0, team_phone.output())
        rec = record(sb, cid)
        check(rec["queue"] == "support" and rec["agent"] == "bob", rec)
        st, expl = sb.api("GET", "/api/v1/calls/%s/routing" % cid)
        check(st == 200 and {"skill": "@bob", "min": 1} in
              expl["decisions"][0]["requires"], expl)


def test_transfer_errors_change_nothing():
    with Switchboard(PROVISION) as sb, \
            SippAgent("agent.xml", calls=1) as phone:
        alice = login(sb, "alice")
        bob = login(sb, "bob")
        register(sb, "alice", phone.port)
        proc = caller(sb)
        cid = answered_by(sb, "alice")
        for body, st_want, code, field in (
                ({"queue": "nosuch"}, 400, "invalid_field", "queue"),
                ({"agent": "nosuch"}, 400, "invalid_field", "agent"),
                ({"agent": "alice"}, 409, "conflict", None),
                ({"agent": "dave"}, 409, "conflict", None),
                ({"number": "+15550999"}, 403, "forbidden", "number"),
                ({"number": "+1"}, 400, "invalid_field", "number"),
                ({"queue": 5}, 400, "invalid_field", "queue")):
            st, reply = ctl(sb, cid, "transfer", body, token=alice)
            check(st == st_want and is_error(reply, code, field), body,
                  st, reply)
        st, reply = ctl(sb, cid, "transfer", {"queue": "support"},
                        token=bob)
        check(st == 403 and is_error(reply, "forbidden"), st, reply)
        st, body = sb.api("GET", "/api/v1/calls/%s" % cid)
        check(body["agent"] == "alice" and body["queue"] == "billing" and
              not body["ended"], body)
        time.sleep(0.2)
        st, _ = ctl(sb, cid, "hangup")
        check(st == 200, st)
        rc, out = finish(proc)
        check(rc == 0, out)
        check(phone.wait(10) == 0, phone.output())


if __name__ == "__main__":
    from sbtest import run
    sys.exit(run(globals(), "sip/test_transfer"))

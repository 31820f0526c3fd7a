"""Desktop offers (POST /api/v1/calls/{id}/accept | decline), end to end:
an agent whose own event stream is open (its web page: tests/lib/wsclient.py
here) gets the offer there and its phone is NOT rung; Accept rings the phone
with the auto-answer hint (agent_autoanswer.xml checks Call-Info
answer-after=0 and Alert-Info info=alert-autoanswer, else fails); Decline
hands the call to the next agent; an agent without a page is rung at once,
as always."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sbtest import (ADMIN_TOKEN, SippAgent, Switchboard, check,  # noqa
                    finish, free_port, is_error, record, register, sipp)
from wsclient import WsClient  # noqa: E402

NUMBER = "+15550100"
RINGALL = "+15550101"


def provision(push_timeout_s=5, decline_block_s=30):
    return {
        "agents": [
            {"id": "alice", "password": "alice-web-pw",
             "sip": {"username": "alice", "password": "alice-sip"},
             "queues": [{"id": "billing", "position": 0},
                        {"id": "all"}]},
            {"id": "bob", "password": "bob-web-pw",
             "sip": {"username": "bob", "password": "bob-sip"},
             "queues": [{"id": "billing", "position": 1},
                        {"id": "all"}]},
        ],
        "queues": [
            {"id": "billing", "strategy": "top-down",
             "push_timeout_s": push_timeout_s, "max_wait_s": 30,
             "decline_block_s": decline_block_s},
            {"id": "all", "strategy": "ring-all",
             "push_timeout_s": push_timeout_s, "max_wait_s": 30},
        ],
        "trunks": [{"id": "carrier", "allow": ["127.0.0.1/32"]}],
        "routes": [{"number": NUMBER, "queue": "billing"},
                   {"number": RINGALL, "queue": "all"}],
    }


def login(sb, agent):
    st, body = sb.api("POST", "/api/v1/login",
                      {"id": agent, "password": agent + "-web-pw"},
                      token=None)
    check(st == 200 and body.get("token"), st, body)
    return body["token"]


def desktop(sb, token):
    """The agent's page: its own event stream, open."""
    ws = WsClient(sb.http_port, "/api/v1/events", token=token)
    check(ws.recv_json()["type"] == "hello")
    return ws


def caller(sb, dest=NUMBER, scenario="caller_hears_bye.xml"):
    return sipp(sb.sip_port, scenario, "-p", free_port(), "-m", 1,
                keys={"dest": dest}, timeout=30, background=True)


def event(ws, type_, timeout=10, **match):
    msgs = ws.recv_until(lambda m: m.get("type") == type_ and all(
        m["data"].get(k) == v for k, v in match.items()), timeout=timeout)
    return msgs[-1]["data"]


def ctl(sb, cid, what, token, body=None):
    return sb.api("POST", "/api/v1/calls/%s/%s" % (cid, what),
                  body if body is not None else {}, token=token)


def agent_legs(rec):
    return [(l["agent"], l["final_code"]) for l in rec["legs"]
            if l["role"] == "agent"]


def test_accept_rings_the_phone_with_the_auto_answer_hint():
    with Switchboard(provision()) as sb, \
            SippAgent("agent_autoanswer.xml", calls=1) as phone:
        alice = login(sb, "alice")
        bob = login(sb, "bob")
        ws = desktop(sb, alice)
        register(sb, "alice", phone.port)
        proc = caller(sb)
        offered = event(ws, "call.offered")
        cid = offered["call"]
        check(offered["agent"] == "alice" and
              offered["accept_via"] == "desktop", offered)
        time.sleep(0.7)
        check(phone.calls() == [], "phone rung before Accept",
              phone.calls())

        # only alice may: the admin token and bob get 403; a body: 400
        st, body = ctl(sb, cid, "accept", ADMIN_TOKEN)
        check(st == 403 and is_error(body, "forbidden"), st, body)
        st, body = ctl(sb, cid, "accept", bob)
        check(st == 403 and is_error(body, "forbidden"), st, body)
        st, body = ctl(sb, cid, "accept", alice, {"now": True})
        check(st == 400 and is_error(body, "unknown_field"), st, body)
        st, body = ctl(sb, "c0000nosuchcall", "accept", alice)
        check(st == 404 and is_error(body, "not_found"), st, body)

        st, body = ctl(sb, cid, "accept", alice)
        check(st == 200 and body["id"] == cid, st, body)
        answered = event(ws, "call.answered")
        check(answered["agent"] == "alice", answered)
        check(len(phone.calls()) == 1, phone.calls())
        for what in ("accept", "decline"):
            st, body = ctl(sb, cid, what, alice)
            check(st == 409 and is_error(body, "conflict") and
                  "already" in body["error"]["message"], what, st, body)

        time.sleep(0.5)         # the caller's ACK first
        st, _ = sb.api("POST", "/api/v1/calls/%s/hangup" % cid, {},
                       token=alice)
        check(st == 200, st)
        rc, out = finish(proc)
        check(rc == 0, out)
        # the phone checked the hint (agent_autoanswer.xml)
        check(phone.wait(10) == 0, phone.output())
        rec = record(sb, cid)
        check(rec["agent"] == "alice" and agent_legs(rec) ==
              [("alice", 200)], rec)
        ws.close()


def test_decline_hands_the_call_to_the_next_agent():
    with Switchboard(provision()) as sb, \
            SippAgent("agent.xml", calls=1) as phone:
        alice = login(sb, "alice")
        ws = desktop(sb, alice)
        admin = WsClient(sb.http_port, "/api/v1/events", token=ADMIN_TOKEN)
        admin.recv_json()
        # both phones on one SIPp: it logs which user was rung
        register(sb, "alice", phone.port)
        register(sb, "bob", phone.port)
        proc = caller(sb)
        cid = event(ws, "call.offered", agent="alice")["call"]
        st, body = ctl(sb, cid, "decline", alice)
        check(st == 200 and body["id"] == cid, st, body)
        ended = event(ws, "call.offer_ended")
        check(ended["outcome"] == "declined", ended)
        # bob has no page open: his phone is rung as ever
        offered = event(admin, "call.offered", agent="bob")
        check(offered["accept_via"] == "phone", offered)
        # alice's offer is over: 409; bob cannot accept from a page
        st, body = ctl(sb, cid, "accept", alice)
        check(st == 409 and is_error(body, "conflict"), st, body)
        event(admin, "call.answered", agent="bob")
        check([c[0] for c in phone.calls()] == ["bob"], phone.calls())
        time.sleep(0.5)         # the caller's ACK first
        st, _ = sb.api("POST", "/api/v1/calls/%s/hangup" % cid, {})
        check(st == 200, st)
        rc, out = finish(proc)
        check(rc == 0, out)
        check(phone.wait(10) == 0, phone.output())
        rec = record(sb, cid)
        check(agent_legs(rec) == [("alice", 603), ("bob", 200)], rec)
        ws.close()
        admin.close()


def test_phone_offer_and_timeout_and_closing_the_page():
    # decline block 0: alice is offered the call again at once
    with Switchboard(provision(push_timeout_s=1, decline_block_s=0)) as sb, \
            SippAgent("agent.xml", calls=1,
                      keys={"ring_ms": 600}) as phone:
        alice = login(sb, "alice")
        ws = desktop(sb, alice)
        second = desktop(sb, alice)     # a second tab
        st, _ = sb.api("PUT", "/api/v1/agents/bob/status",
                       {"status": "break"})
        check(st == 200)
        register(sb, "alice", phone.port)
        proc = caller(sb)
        cid = event(ws, "call.offered")["call"]
        # no Accept within push_timeout_s: the offer times out; no ring
        ended = event(ws, "call.offer_ended", timeout=5)
        check(ended["outcome"] == "timeout", ended)
        check(phone.calls() == [], phone.calls())
        # one tab closed: still a desktop; both closed: the phone rings
        second.close()
        time.sleep(1.5)
        check(phone.calls() == [], phone.calls())
        ws.close()
        sb.wait_for(lambda: phone.calls(), what="alice's phone to ring")
        st, body = ctl(sb, cid, "accept", alice)
        check(st == 409 and "phone" in body["error"]["message"], st, body)
        rec = record(sb, cid, lambda r: r["answered"])
        check(rec["agent"] == "alice", rec)
        time.sleep(0.3)         # the caller's ACK first
        st, _ = sb.api("POST", "/api/v1/calls/%s/hangup" % cid, {})
        check(st == 200, st)
        rc, out = finish(proc)
        check(rc == 0, out)
        check(phone.wait(10) == 0, phone.output())
        rec = record(sb, cid)
        legs = agent_legs(rec)
        check(legs[0] == ("alice", 408) and legs[-1] == ("alice", 200) and
              set(legs[1:-1]) <= {("alice", 408)}, rec)


def test_ring_all_first_accept_wins():
    with Switchboard(provision()) as sb, \
            SippAgent("agent_autoanswer.xml", calls=1) as phone:
        tokens = {a: login(sb, a) for a in ("alice", "bob")}
        pages = {a: desktop(sb, t) for a, t in tokens.items()}
        register(sb, "alice", phone.port)
        register(sb, "bob", phone.port)
        proc = caller(sb, RINGALL)
        cid = None
        for a, ws in pages.items():
            o = event(ws, "call.offered")
            check(o["accept_via"] == "desktop" and o["agent"] == a, o)
            cid = o["call"]
        st, body = ctl(sb, cid, "accept", tokens["bob"])
        check(st == 200, st, body)
        ended = event(pages["alice"], "call.offer_ended")
        check(ended["outcome"] == "withdrawn", ended)
        st, body = ctl(sb, cid, "accept", tokens["alice"])
        check(st == 409 and is_error(body, "conflict"), st, body)
        event(pages["bob"], "call.answered")
        check([c[0] for c in phone.calls()] == ["bob"], phone.calls())
        time.sleep(0.5)         # the caller's ACK first
        st, _ = sb.api("POST", "/api/v1/calls/%s/hangup" % cid, {})
        check(st == 200, st)
        rc, out = finish(proc)
        check(rc == 0, out)
        check(phone.wait(10) == 0, phone.output())
        rec = record(sb, cid)
        check(sorted(agent_legs(rec)) == [("alice", 487), ("bob", 200)],
              rec)
        for ws in pages.values():
            ws.close()


if __name__ == "__main__":
    from sbtest import run
    sys.exit(run(globals(), "sip/test_desktop"))

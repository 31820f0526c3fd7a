"""Outbound calls through a trunk, end to end: click-to-dial (POST
/api/v1/calls) and blind transfer to a number. SIPp plays the agent's
phone (agent_autoanswer.xml: the INVITE must carry the auto-answer hint),
the carrier behind the trunk's outbound uri (carrier.xml: the Request-URI
user must be the number and the From user the trunk's caller_id, else the
call fails) and, for a transfer, the caller. RtpCapture counts the media
through the relay both ways.

A phone (or anyone not in a trunk's allow list) that INVITEs an external
number directly is still refused by the trunk gate with a stateless 403:
test_invite_from_outside_a_trunk_is_refused here, and
tests/sip/test_calls.py test_not_from_a_trunk_is_refused_403_and_rings_nobody.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import sbtest  # noqa: E402
from sbtest import (ADMIN_TOKEN, SippAgent, Switchboard, check,  # noqa
                    free_media_port, free_port, is_error, register, sipp)
from rtpcount import RtpCapture  # noqa: E402
from wsclient import WsClient  # noqa: E402

NUMBER = "+15550100"      # inbound route
CALLER_ID = "+15550199"   # the trunk's outbound caller id
CUSTOMER = "+15551234"


def provision(carrier_port, max_wait_s=30):
    return {
        "agents": [
            {"id": "alice", "password": "alice-web-pw",
             "sip": {"username": "alice", "password": "alice-sip"},
             "queues": [{"id": "billing"}]},
            {"id": "bob", "password": "bob-web-pw",
             "sip": {"username": "bob", "password": "bob-sip"},
             "queues": [{"id": "billing"}]},
        ],
        "queues": [{"id": "billing", "push_timeout_s": 5,
                    "max_wait_s": max_wait_s}],
        "trunks": [
            {"id": "carrier", "allow": ["127.0.0.1/32"],
             "outbound": {"uri": "sip:127.0.0.1:%d" % carrier_port,
                          "prefixes": ["+1555"],
                          "caller_id": CALLER_ID}},
            {"id": "inbound-only", "allow": ["127.0.0.2/32"]},
        ],
        "routes": [{"number": NUMBER, "queue": "billing"}],
    }


def login(sb, agent):
    st, body = sb.api("POST", "/api/v1/login",
                      {"id": agent, "password": agent + "-web-pw"},
                      token=None)
    check(st == 200, st, body)
    return body["token"]


def dial(sb, token, to=CUSTOMER):
    return sb.api("POST", "/api/v1/calls", {"to": to}, token=token)


def record(sb, cid, pred=lambda r: r["ended"]):
    return sbtest.record(sb, cid, pred, timeout=20)


def legs(rec):
    return [(l["role"], l["agent"], l["final_code"]) for l in rec["legs"]]


def carrier(to=CUSTOMER, scenario="carrier.xml", **keys):
    k = {"to": to, "from": CALLER_ID} if scenario == "carrier.xml" else {}
    k.update(keys)
    return SippAgent(scenario, calls=1, keys=k, rtp_echo=False)


def event(ws, type_, **match):
    msgs = ws.recv_until(lambda m: m.get("type") == type_ and all(
        m["data"].get(k) == v for k, v in match.items()), timeout=15)
    return msgs[-1]["data"]


def test_click_to_dial_bridges_the_agent_and_the_customer():
    with carrier(talk_ms=5500) as far, \
            Switchboard(provision(far.port)) as sb, \
            SippAgent("agent_autoanswer.xml", calls=1) as phone:
        alice = login(sb, "alice")
        ws = WsClient(sb.http_port, "/api/v1/events", token=alice)
        check(ws.recv_json()["type"] == "hello")
        register(sb, "alice", phone.port)
        with RtpCapture(ports=[far.media_port, phone.media_port]) as cap:
            st, body = dial(sb, alice)
            check(st == 201 and set(body) == {"call"}, st, body)
            cid = body["call"]
            ev = event(ws, "call.dialing")
            check(ev == {"call": cid, "agent": "alice", "to": CUSTOMER,
                         "trunk": "carrier"}, ev)
            ev = event(ws, "call.answered")
            check(ev["call"] == cid and ev["direction"] == "outbound" and
                  ev["to"] == CUSTOMER, ev)
            # on the call: its unit is taken, the agent may control it
            st, a = sb.api("GET", "/api/v1/agents/alice")
            check(a["runtime"]["load"] == 1, a["runtime"])
            st, c = sb.api("POST", "/api/v1/calls/%s/mute" % cid, {},
                           token=alice)
            check(st == 200 and c["state"] == "answered" and c["muted"],
                  st, c)
            st, c = sb.api("POST", "/api/v1/calls/%s/unmute" % cid, {},
                           token=alice)
            check(st == 200, st, c)
            # the customer hangs up after 5.5 s: both legs end
            check(far.wait(30) == 0, far.output())
            check(phone.wait(10) == 0, phone.output())
            ev = event(ws, "call.ended", call=cid)
            check(ev["reason"] == "completed" and ev["by"] == "customer",
                  ev)
        sent = cap.count(src_port=far.media_port)
        check(sent == 250, "carrier sent", sent, cap.summary())
        check(cap.count(dst_port=phone.media_port) >= 240,
              "to the agent", cap.summary())
        check(cap.count(src_port=phone.media_port) >= 240,
              "agent echo", cap.summary())
        check(cap.count(dst_port=far.media_port) >= 240,
              "back to the carrier", cap.summary())

        rec = record(sb, cid)
        check(rec["direction"] == "outbound" and rec["to"] == CUSTOMER and
              rec["trunk"] == "carrier" and rec["agent"] == "alice" and
              rec["from_number"] == CALLER_ID and rec["queue"] is None,
              rec)
        check(rec["end_reason"] == "completed" and
              rec["hangup_by"] == "customer" and rec["caller_code"] == 200,
              rec)
        check(legs(rec) == [("agent", "alice", 200),
                            ("customer", None, 200)], rec)
        cust = rec["legs"][1]
        check(cust["uri"] == "sip:%s@127.0.0.1:%d" % (CUSTOMER, far.port),
              cust)
        check(cust["rtp_in"] >= 240 and rec["legs"][0]["rtp_in"] >= 240,
              rec)
        check(rec in sb.calls(agent="alice"), sb.calls())
        st, a = sb.api("GET", "/api/v1/agents/alice")
        check(a["runtime"]["load"] == 0, a["runtime"])
        ws.close()


def test_dial_refusals_ring_nothing():
    with carrier() as far, \
            Switchboard(provision(far.port)) as sb, \
            SippAgent("agent_autoanswer.xml", calls=1) as phone:
        alice = login(sb, "alice")
        bob = login(sb, "bob")
        register(sb, "alice", phone.port)
        for token, body, st_want, code, field in (
                # no trunk's prefix: the inbound-only trunk permits none
                (alice, {"to": "+442071234567"}, 403, "forbidden", "to"),
                (alice, {"to": "5551234"}, 400, "invalid_field", "to"),
                (alice, {"to": "+12"}, 400, "invalid_field", "to"),
                (alice, {"to": "+1555123456789012"}, 400, "invalid_field",
                 "to"),
                (alice, {}, 400, "missing_field", "to"),
                (alice, {"to": CUSTOMER, "x": 1}, 400, "unknown_field",
                 "x"),
                (ADMIN_TOKEN, {"to": CUSTOMER}, 403, "forbidden", None),
                # bob has no registered phone
                (bob, {"to": CUSTOMER}, 409, "conflict", None)):
            st, reply = sb.api("POST", "/api/v1/calls", body, token=token)
            check(st == st_want and is_error(reply, code, field), body,
                  st, reply)
        st, reply = dial(sb, alice, "+442071234567")
        check("no trunk permits calls to +442071234567" in
              reply["error"]["message"], reply)
        st, reply = dial(sb, bob)
        check("not registered" in reply["error"]["message"], reply)
        st, reply = dial(sb, None)
        check(st == 401, st, reply)
        time.sleep(0.5)
        check(phone.calls() == [] and far.calls() == [], phone.calls(),
              far.calls())
        check(sb.calls() == [], sb.calls())


def test_agent_phone_busy_never_calls_the_carrier():
    with carrier() as far, \
            Switchboard(provision(far.port)) as sb, \
            SippAgent("agent_busy.xml", calls=1) as phone:
        alice = login(sb, "alice")
        register(sb, "alice", phone.port)
        st, body = dial(sb, alice)
        check(st == 201, st, body)
        rec = record(sb, body["call"])
        check(rec["end_reason"] == "agent_failed", rec)
        check(legs(rec) == [("agent", "alice", 486)], rec)
        check(phone.wait(10) == 0, phone.output())
        time.sleep(0.3)
        check(far.calls() == [], far.calls())
        st, a = sb.api("GET", "/api/v1/agents/alice")
        check(a["runtime"]["load"] == 0, a["runtime"])


def test_customer_busy_ends_the_agent_leg():
    with carrier(scenario="agent_busy.xml") as far, \
            Switchboard(provision(far.port)) as sb, \
            SippAgent("agent_autoanswer.xml", calls=1) as phone:
        alice = login(sb, "alice")
        register(sb, "alice", phone.port)
        st, body = dial(sb, alice)
        check(st == 201, st, body)
        rec = record(sb, body["call"])
        check(rec["end_reason"] == "busy" and rec["caller_code"] == 486,
              rec)
        check(legs(rec) == [("agent", "alice", 200),
                            ("customer", None, 486)], rec)
        check(far.wait(10) == 0, far.output())
        # the agent's phone got BYE
        check(phone.wait(10) == 0, phone.output())
        check([c[0] for c in far.calls()] == [CUSTOMER], far.calls())


def test_agent_cancels_while_the_customer_rings():
    with carrier(scenario="agent_noanswer.xml") as far, \
            Switchboard(provision(far.port)) as sb, \
            SippAgent("agent_autoanswer.xml", calls=1) as phone:
        alice = login(sb, "alice")
        register(sb, "alice", phone.port)
        st, body = dial(sb, alice)
        check(st == 201, st, body)
        cid = body["call"]
        sb.wait_for(lambda: far.calls(), what="the carrier rung")
        st, c = sb.api("GET", "/api/v1/calls/" + cid)
        st, c = sb.api("POST", "/api/v1/calls/%s/hold" % cid, {},
                       token=alice)
        check(st == 409 and "dialled" in c["error"]["message"], st, c)
        st, c = sb.api("POST", "/api/v1/calls/%s/hangup" % cid, {},
                       token=alice)
        check(st == 200, st, c)
        rec = record(sb, cid)
        check(rec["end_reason"] == "cancelled" and
              rec["hangup_by"] == "agent", rec)
        # the carrier's INVITE was CANCELled, the phone got BYE
        check(far.wait(10) == 0, far.output())
        check(phone.wait(10) == 0, phone.output())


def test_no_inbound_offer_while_on_an_outbound_call():
    with carrier(talk_ms=3000) as far, \
            Switchboard(provision(far.port)) as sb, \
            SippAgent("agent_autoanswer.xml", calls=1) as phone:
        alice = login(sb, "alice")
        register(sb, "alice", phone.port)
        st, body = dial(sb, alice)
        check(st == 201, st, body)
        cid = body["call"]
        record(sb, cid, lambda r: r["answered"])
        # a caller for alice's queue waits 1.5 s and gives up: nobody
        # was offered it (alice is alice's only free agent... and busy)
        cp = sipp(sb.sip_port, "caller_cancel.xml", "-p", free_port(),
                  "-m", 1, keys={"dest": NUMBER, "ring_ms": 1500})
        check(cp.returncode == 0, cp.stdout[-2000:])
        inbound = [c for c in sb.calls() if c["id"] != cid][0]
        check(inbound["end_reason"] == "cancelled" and
              inbound["direction"] == "inbound" and
              [l["role"] for l in inbound["legs"]] == ["caller"], inbound)
        st, q = sb.api("GET", "/api/v1/queues/billing/stats")
        check(st == 200 and q["agents_available"] == 0, q)
        check(far.wait(20) == 0, far.output())
        check(phone.wait(10) == 0, phone.output())
        check(record(sb, cid)["end_reason"] == "completed")


def test_transfer_to_a_number():
    with carrier(to="+15557777", talk_ms=5500) as far, \
            Switchboard(provision(far.port)) as sb, \
            SippAgent("agent.xml", calls=1) as phone:
        alice = login(sb, "alice")
        ws = WsClient(sb.http_port, "/api/v1/events", token=ADMIN_TOKEN)
        ws.recv_json()
        register(sb, "alice", phone.port)
        mp = free_media_port()
        with RtpCapture(ports=[mp, far.media_port]) as cap:
            proc = sipp(sb.sip_port, "caller_hears_bye.xml", "-p",
                        free_port(), "-m", 1, "-mp", mp,
                        keys={"dest": NUMBER}, timeout=30, background=True)
            cid = event(ws, "call.answered")["call"]
            time.sleep(0.3)
            st, body = sb.api("POST", "/api/v1/calls/%s/transfer" % cid,
                              {"number": "+15557777"}, token=alice)
            check(st == 200 and body["state"] == "dialing" and
                  body["agent"] is None, st, body)
            ev = event(ws, "call.transferred")
            check(ev == {"call": cid, "from_agent": "alice",
                         "to_number": "+15557777"}, ev)
            check(phone.wait(10) == 0, phone.output())   # alice: BYE
            record(sb, cid, lambda r: any(
                l["role"] == "external" and l["answered"]
                for l in r["legs"]))
            c0 = cap.count(dst_port=mp)
            # the carrier talks 5.5 s, then hangs up: the caller gets BYE
            check(far.wait(20) == 0, far.output())
            out, _ = proc.communicate(timeout=20)
            check(proc.returncode == 0, out[-3000:])
            c1 = cap.count(dst_port=mp)
        check(cap.count(src_port=far.media_port) == 250, cap.summary())
        check(c1 - c0 >= 100, "carrier to caller", c1 - c0, cap.summary())
        check(cap.count(dst_port=far.media_port) >= 50, "caller to carrier",
              cap.summary())
        rec = record(sb, cid)
        check(legs(rec) == [("caller", None, 200), ("agent", "alice", 200),
                            ("external", None, 200)], rec)
        check(rec["end_reason"] == "completed" and
              rec["hangup_by"] == "external" and rec["agent"] is None and
              rec["direction"] == "inbound", rec)
        check(rec["legs"][2]["uri"] ==
              "sip:+15557777@127.0.0.1:%d" % far.port, rec)
        st, a = sb.api("GET", "/api/v1/agents/alice")
        check(a["runtime"]["load"] == 0, a["runtime"])
        ws.close()


def test_invite_from_outside_a_trunk_is_refused():
    """A phone (127.0.0.9 is in no trunk's allow list) that INVITEs an
    external number gets the trunk gate's 403; the carrier is never
    called."""
    with carrier() as far, Switchboard(provision(far.port)) as sb:
        cp = sipp(sb.sip_port, "caller_expect.xml", "-p", free_port(),
                  "-m", 1, keys={"dest": CUSTOMER, "expect": 403},
                  local_ip="127.0.0.9")
        check(cp.returncode == 0, cp.stdout[-3000:])
        time.sleep(0.3)
        check(far.calls() == [] and sb.calls() == [], far.calls())


if __name__ == "__main__":
    from sbtest import run
    sys.exit(run(globals(), "sip/test_outbound"))

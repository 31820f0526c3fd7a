#!/usr/bin/env python3
"""The live event stream, GET /api/v1/events (a WebSocket): the handshake
and its refusals, hello, a real call's events in order with their
sequence numbers, replay after a reconnect (since=), resync, the frame
rules (masking, ping/pong, close, sizes), a client that never reads, and
what an agent's stream shows compared with an admin's."""
import http.client
import json
import os
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import sbtest  # noqa: E402
import wsclient  # noqa: E402
from sbtest import (ADMIN_TOKEN, SippAgent, Switchboard, check,  # noqa
                    free_port, register, sipp)
from wsclient import Closed, HandshakeError, WsClient  # noqa: E402

NUMBER = "+15550100"
EVENTS = "/api/v1/events"


def provision():
    return {
        "agents": [
            {"id": "alice", "password": "alice-web-1",
             "sip": {"username": "alice", "password": "alice-sip"},
             "skills": {"billing": 5}, "queues": [{"id": "billing"}]},
            {"id": "bob", "password": "bob-web-12",
             "sip": {"username": "bob", "password": "bob-sip"},
             "skills": {"billing": 5}, "queues": [{"id": "billing"}]},
        ],
        "queues": [{"id": "billing", "name": "Billing",
                    "skills": {"billing": 3}, "push_timeout_s": 3,
                    "max_wait_s": 30}],
        "trunks": [{"id": "carrier", "allow": ["127.0.0.1/32"]}],
        "routes": [{"number": NUMBER, "queue": "billing"}],
    }


def call(sb, **keys):
    keys.setdefault("dest", NUMBER)
    return sipp(sb.sip_port, "caller.xml", "-p", free_port(), "-m", 1,
                keys=keys)


def admin_ws(sb, path=EVENTS, **kw):
    ws = WsClient(sb.http_port, path, token=ADMIN_TOKEN, **kw)
    hello = ws.recv_json()
    check(hello["type"] == "hello", hello)
    return ws, hello


def login(sb, agent, password):
    st, body = sb.api("POST", "/api/v1/login",
                      {"id": agent, "password": password}, token=None)
    check(st == 200 and body.get("token"), st, body)
    return body["token"]


def types(msgs):
    return [m["type"] for m in msgs]


def call_events(msgs, call_id=None):
    return [m for m in msgs if m["type"].startswith("call.") and
            (call_id is None or m["data"]["call"] == call_id)]


def test_handshake_and_hello_with_the_admin_token():
    with Switchboard() as sb:
        ws, hello = admin_ws(sb)
        check(ws.headers.get("upgrade", "").lower() == "websocket",
              ws.headers)
        check("content-length" not in ws.headers, ws.headers)
        d = hello["data"]
        check(len(d["stream"]) == 16 and d["seq"] == 0 and
              d["role"] == "admin" and d["agent"] is None, hello)
        check("seq" not in hello, hello)
        # RFC 6455's own example key and answer
        ws2 = WsClient(sb.http_port, EVENTS, token=ADMIN_TOKEN,
                       key="dGhlIHNhbXBsZSBub25jZQ==")
        check(ws2.headers["sec-websocket-accept"] ==
              "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", ws2.headers)
        # the same stream id for everyone until a restart
        check(ws2.recv_json()["data"]["stream"] == d["stream"])
        ws.close()
        ws2.close()
        sb.restart()
        ws3, hello3 = admin_ws(sb)
        check(hello3["data"]["stream"] != d["stream"], hello3, hello)
        ws3.close()


def test_handshake_refusals():
    with Switchboard() as sb:
        def refused(**kw):
            try:
                WsClient(sb.http_port, kw.pop("path", EVENTS), **kw)
            except HandshakeError as e:
                return e
            raise AssertionError("accepted: %r" % kw)

        e = refused()
        check(e.status == 401 and e.body["error"]["code"] ==
              "unauthorized", e.status, e.body)
        e = refused(token="wrong")
        check(e.status == 401, e.status, e.body)
        e = refused(token=ADMIN_TOKEN, version="8")
        check(e.status == 426 and
              e.headers.get("sec-websocket-version") == "13", e.status,
              e.headers)
        e = refused(token=ADMIN_TOKEN, version=None)
        check(e.status == 426, e.status)
        e = refused(token=ADMIN_TOKEN, key="short")
        check(e.status == 400 and e.body["error"]["code"] ==
              "bad_request", e.status, e.body)
        e = refused(token=ADMIN_TOKEN, path=EVENTS + "?since=x")
        check(e.status == 400 and e.body["error"]["field"] == "since",
              e.status, e.body)
        e = refused(token=ADMIN_TOKEN,
                    headers={"Origin": "https://evil.example"})
        check(e.status == 403, e.status, e.body)
        # the page's own origin is fine
        ws = WsClient(sb.http_port, EVENTS, token=ADMIN_TOKEN, headers={
            "Origin": "http://127.0.0.1:%d" % sb.http_port})
        ws.close()
        # a page that can send neither header nor cookie (framed by a
        # CRM) names its token in the handshake's query (RFC 6750 2.3)
        ws = WsClient(sb.http_port, EVENTS + "?since=0&access_token=" +
                      ADMIN_TOKEN)
        check(ws.recv_json()["data"]["role"] == "admin")
        ws.close()
        e = refused(path=EVENTS + "?access_token=wrong")
        check(e.status == 401, e.status, e.body)
        # ... and nowhere else: a token in any other URL would end up in
        # history and logs
        st, body = sb.api("GET", "/api/v1/queues?access_token=" +
                          ADMIN_TOKEN, token=None)
        check(st == 401, st, body)
        # a plain GET (no Upgrade) is a 400 with the usual JSON error
        st, body = sb.api("GET", EVENTS)
        check(st == 400 and body["error"]["code"] == "bad_request",
              st, body)
        st, body = sb.api("POST", EVENTS, {})
        check(st == 405, st, body)


def test_a_call_gives_offered_ringing_answered_ended_in_seq_order():
    with Switchboard(provision()) as sb, \
            SippAgent("agent.xml", calls=1, keys={"ring_ms": 200}) as ag:
        ws, hello = admin_ws(sb)
        register(sb, "alice", ag.port)
        cp = call(sb)
        check(cp.returncode == 0, cp.stdout[-3000:])
        msgs = ws.recv_until(lambda m: m["type"] == "call.ended")
        msgs += ws.recv_quiet(1.5)
        seqs = [m["seq"] for m in msgs]
        # the admin sees everything: one gap-free run from hello's seq
        check(seqs == list(range(hello["data"]["seq"] + 1,
                                 hello["data"]["seq"] + 1 + len(msgs))),
              seqs)
        check(all(m["at"].endswith("Z") for m in msgs), msgs)
        calls = call_events(msgs)
        check(types(calls) == ["call.offered", "call.ringing",
                               "call.answered", "call.ended"],
              types(msgs))
        offered, ringing, answered, ended = [m["data"] for m in calls]
        check(offered["agent"] == "alice" and offered["queue"] ==
              "billing" and offered["from"] == "15550001" and
              offered["push_timeout_s"] == 3 and
              offered["waited_s"] >= 0, offered)
        check(ringing["agent"] == "alice", ringing)
        check(answered == {**answered, "agent": "alice",
                           "queue": "billing"}, answered)
        check(ended["agent"] == "alice" and ended["reason"] ==
              "completed" and ended["by"] == "caller", ended)
        check(len({c["call"] for c in (offered, ringing, answered,
                                       ended)}) == 1, calls)
        # alice: present on registering, load 1 with the offer, 0 after
        st = [m["data"] for m in msgs if m["type"] == "agent.status"]
        check(all(s["agent"] == "alice" for s in st), st)
        check(st[0]["present"] is True, st)
        loads = [s["load"] for s in st]
        check(1 in loads and loads[-1] == 0, loads)
        check("status" in st[0] and "capacity" in st[0], st[0])
        q = [m["data"] for m in msgs if m["type"] == "queue.stats"]
        check(q and all(s["queue"] == "billing" for s in q), msgs)
        check(q[-1]["waiting"] == 0 and q[-1]["agents_available"] == 1, q)
        check(ag.wait(10) == 0, ag.output())
        ws.close()


def test_reconnect_with_since_replays_exactly_what_was_missed():
    with Switchboard(provision()) as sb, \
            SippAgent("agent.xml", calls=1, keys={"ring_ms": 300}) as ag:
        ref, hello = admin_ws(sb)        # reads everything: the reference
        page, _ = admin_ws(sb)           # the page that reloads mid-call
        stream = hello["data"]["stream"]
        register(sb, "alice", ag.port)
        result = {}
        t = threading.Thread(target=lambda: result.update(cp=call(sb)))
        t.start()
        seen = page.recv_until(lambda m: m["type"] == "call.offered")
        last = seen[-1]["seq"]
        page.close()                     # reload
        got = ref.recv_until(lambda m: m["type"] == "call.ended")
        got += ref.recv_quiet(1.5)
        t.join()
        check(result["cp"].returncode == 0, result["cp"].stdout[-2000:])
        missed = [m for m in got if m["seq"] > last]
        check(missed and call_events(missed)[-1]["type"] == "call.ended",
              missed)

        again, hello2 = admin_ws(sb, "%s?since=%d&stream=%s" %
                                 (EVENTS, last, stream))
        check(hello2["data"]["stream"] == stream and
              hello2["data"]["seq"] == got[-1]["seq"], hello2, got[-1])
        replay = again.recv_quiet(1.0)
        check(replay == missed, "replay", [m["seq"] for m in replay],
              "missed", [m["seq"] for m in missed])
        again.close()

        # since = the current seq: nothing to replay, then live events
        cur, _ = admin_ws(sb, "%s?since=%d" % (EVENTS, got[-1]["seq"]))
        check(cur.recv_quiet(0.5) == [])
        st, _ = sb.api("PUT", "/api/v1/agents/alice/status",
                       {"status": "break"})
        check(st == 200)
        live = cur.recv_until(lambda m: m["type"] == "agent.status")
        check(live[0]["seq"] == got[-1]["seq"] + 1, live, got[-1])
        check(live[-1]["data"]["status"] == "break", live)
        cur.close()
        ref.close()


def test_since_from_another_stream_or_the_future_gets_resync():
    with Switchboard(provision()) as sb:
        for status in ("break", "available", "lunch"):
            st, _ = sb.api("PUT", "/api/v1/agents/alice/status",
                           {"status": status})
            check(st == 200)
        ref, hello = admin_ws(sb, EVENTS + "?since=0")
        kept = ref.recv_quiet(0.5)
        check([m["seq"] for m in kept] == list(range(1, len(kept) + 1))
              and len(kept) >= 3, kept)
        stream = hello["data"]["stream"]
        for q in ("?since=1&stream=0123456789abcdef",
                  "?since=%d" % (kept[-1]["seq"] + 100)):
            ws, _ = admin_ws(sb, EVENTS + q)
            first = ws.recv_json()
            check(first["type"] == "resync" and "seq" not in first and
                  first["data"] == {"stream": stream, "oldest": 1}, first)
            # then everything kept, for the state the client refetches
            check(ws.recv_quiet(0.5) == kept, q)
            ws.close()
        # a since from this stream and in range: no resync
        ws, _ = admin_ws(sb, EVENTS + "?since=1&stream=" + stream)
        check(ws.recv_quiet(0.5) == kept[1:])
        ws.close()
        ref.close()


def expect_close(ws, code):
    """Reads until the server's close frame; its code."""
    try:
        while True:
            ws.recv(timeout=5)
    except Closed as c:
        check(c.code == code, "close code", c.code, "want", code, c.reason)
    # then the server closes the TCP connection
    ws.sock.settimeout(5)
    try:
        while ws.sock.recv(4096):
            pass
    except ConnectionResetError:
        pass


def test_frame_rules_masking_ping_pong_close_and_sizes():
    with Switchboard() as sb:
        ws, _ = admin_ws(sb)
        ws.send(wsclient.OP_PING, b"are you there")
        check(ws.recv_frame() == (wsclient.OP_PONG, b"are you there"))
        # pongs and text from the client are ignored; the stream lives on
        ws.send(wsclient.OP_PONG, b"x")
        ws.send(wsclient.OP_TEXT, "hello server")
        ws.send(wsclient.OP_PING, b"2")
        check(ws.recv_frame() == (wsclient.OP_PONG, b"2"))
        # a frame cut in three writes is put together
        data = wsclient.frame(wsclient.OP_PING, b"pieces")
        for part in (data[:1], data[1:5], data[5:]):
            ws.send_raw(part)
            time.sleep(0.05)
        check(ws.recv_frame() == (wsclient.OP_PONG, b"pieces"))
        # a close is echoed with its code
        ws.send(wsclient.OP_CLOSE, struct.pack("!H", 1000) + b"bye")
        op, payload = ws.recv_frame()
        check(op == wsclient.OP_CLOSE and payload[:2] ==
              struct.pack("!H", 1000), op, payload)
        ws.sock.settimeout(5)
        check(ws.sock.recv(10) == b"", "TCP closed after the close")

        cases = [
            (wsclient.frame(wsclient.OP_PING, b"x", mask=False), 1002),
            (wsclient.frame(wsclient.OP_TEXT, b"x", mask=False), 1002),
            (wsclient.frame(wsclient.OP_BINARY, b"\x00\x01"), 1003),
            (wsclient.frame(wsclient.OP_TEXT, b"part", fin=False), 1003),
            (wsclient.frame(wsclient.OP_CONT, b"more"), 1003),
            (wsclient.frame(wsclient.OP_TEXT, b"x" * 5000), 1009),
            (wsclient.frame(wsclient.OP_TEXT, b"", length=1 << 40), 1009),
            (wsclient.frame(wsclient.OP_PING, b"p" * 126), 1002),
            (wsclient.frame(wsclient.OP_TEXT, b"x", rsv=4), 1002),
            (wsclient.frame(0x3, b"x"), 1002),
            (wsclient.frame(wsclient.OP_CLOSE, struct.pack("!H", 1005)),
             1002),
        ]
        for data, code in cases:
            ws, _ = admin_ws(sb)
            ws.send_raw(data)
            expect_close(ws, code)
        # the server is still fine
        ws, _ = admin_ws(sb)
        ws.send(wsclient.OP_PING, b"ok")
        check(ws.recv_frame() == (wsclient.OP_PONG, b"ok"))
        ws.close()


def test_a_client_that_never_reads_is_cut_and_others_keep_receiving():
    """A client with a tiny receive window never reads; the events pile
    up on the server until its unsent output passes 1 MiB, and it is cut.
    A reading client gets every event meanwhile."""
    with Switchboard(provision()) as sb:
        slow = WsClient(sb.http_port, EVENTS, token=ADMIN_TOKEN,
                        rcvbuf=4096)
        fast, _ = admin_ws(sb)
        got = []

        def reader():
            try:
                while True:
                    got.append(fast.recv_json(timeout=10))
                    if got[-1]["type"] == "agent.status" and \
                            got[-1]["data"].get("status") == "done":
                        return
            except Exception as e:  # noqa: BLE001
                got.append({"type": "error", "error": repr(e)})

        t = threading.Thread(target=reader)
        t.start()
        c = http.client.HTTPConnection("127.0.0.1", sb.http_port,
                                       timeout=10)
        hdr = {"Authorization": "Bearer " + ADMIN_TOKEN,
               "Content-Type": "application/json"}
        c.request("POST", "/api/v1/statuses", json.dumps(
            {"id": "done", "routable": False}), hdr)
        check(c.getresponse().read() is not None)
        n = 0
        deadline = time.time() + 60
        while "does not read; cut" not in sb.logtext() and \
                time.time() < deadline:
            for _ in range(200):
                c.request("PUT", "/api/v1/agents/alice/status", json.dumps(
                    {"status": ("break", "available")[n % 2]}), hdr)
                r = c.getresponse()
                r.read()
                check(r.status == 200, r.status)
                n += 1
        check("does not read; cut" in sb.logtext(), "never cut after", n)
        c.request("PUT", "/api/v1/agents/alice/status",
                  json.dumps({"status": "done"}), hdr)
        c.getresponse().read()
        c.close()
        t.join(30)
        check(got and got[-1]["type"] == "agent.status", got[-3:])
        statuses = [m for m in got if m["type"] == "agent.status" and
                    m["data"]["agent"] == "alice"]
        # every change, in order (creating "done" may add one before)
        want = [("break", "available")[i % 2] for i in range(n)] + ["done"]
        check([m["data"]["status"] for m in statuses][-len(want):] ==
              want and len(statuses) <= len(want) + 1, len(statuses), n)
        seqs = [m["seq"] for m in got]
        check(seqs == sorted(seqs) and len(set(seqs)) == len(seqs))
        # the slow one: what was in flight, then the end of the stream
        slow.sock.settimeout(10)
        total = 0
        try:
            while True:
                chunk = slow.sock.recv(1 << 20)
                if not chunk:
                    break
                total += len(chunk)
        except (ConnectionResetError, socket.timeout):
            pass
        check(total < 3 * 1024 * 1024, "the slow client got", total)
        # its reconnection works (from the start of what is kept)
        again, hello = admin_ws(sb, EVENTS + "?since=%d" % seqs[-1])
        check(hello["data"]["seq"] == seqs[-1], hello)
        again.close()
        fast.close()


def test_an_agent_sees_its_own_events_and_queue_stats_only():
    with Switchboard(provision()) as sb, \
            SippAgent("agent.xml", calls=1, keys={"ring_ms": 200}) as ag:
        alice_token = login(sb, "alice", "alice-web-1")
        alice = WsClient(sb.http_port, EVENTS, token=alice_token)
        hello = alice.recv_json()
        check(hello["data"]["role"] == "agent" and
              hello["data"]["agent"] == "alice", hello)
        # bob's page: the browser sends the session cookie, no header
        bob = WsClient(sb.http_port, EVENTS, headers={
            "Cookie": "sb_session=" + login(sb, "bob", "bob-web-12")})
        check(bob.recv_json()["data"]["agent"] == "bob")
        admin, _ = admin_ws(sb)
        st, _ = sb.api("PUT", "/api/v1/agents/bob/status",
                       {"status": "break"})
        check(st == 200)
        register(sb, "alice", ag.port)
        result = {}
        t = threading.Thread(target=lambda: result.update(cp=call(sb)))
        t.start()
        # alice's page is open, so the offer waits for Accept there
        # (src/call/desktop.c) before her phone rings
        a = alice.recv_until(lambda m: m["type"] == "call.offered")
        st, body = sb.api("POST", "/api/v1/calls/%s/accept" %
                          a[-1]["data"]["call"], {}, token=alice_token)
        check(st == 200, st, body)
        t.join()
        check(result["cp"].returncode == 0, result["cp"].stdout[-3000:])
        seen = {}
        for name, ws in (("admin", admin), ("alice", alice), ("bob", bob)):
            msgs = ws.recv_quiet(2.0)
            seen[name] = msgs
        a += seen["alice"]
        seen["alice"] = a
        ct = types(call_events(a))
        check(ct[0] == "call.offered" and "call.answered" in ct and
              ct[-1] == "call.ended", ct)
        check(all(m["data"]["agent"] == "alice" for m in a
                  if m["type"] != "queue.stats"), a)
        check("queue.stats" in types(a), types(a))
        b = seen["bob"]
        check(not call_events(b), types(b))
        check(all(m["data"]["agent"] == "bob" for m in b
                  if m["type"] == "agent.status"), b)
        check([m["data"]["status"] for m in b
               if m["type"] == "agent.status"] == ["break"], b)
        check("queue.stats" in types(b), types(b))
        # the admin saw all of it, in one numbering
        adm = [m["seq"] for m in seen["admin"]]
        check(set(m["seq"] for m in a + b) <= set(adm), adm)
        for ws in (alice, bob, admin):
            ws.close()
        check(ag.wait(10) == 0, ag.output())


if __name__ == "__main__":
    sys.exit(sbtest.run(globals(), "api/test_events"))

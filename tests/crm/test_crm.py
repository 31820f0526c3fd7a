#!/usr/bin/env python3
"""CRM sync end to end: a real switchboard with real SIPp calls, talking
to a loopback stand-in for Salesforce's Telephony Integration REST API
(sfstub.py, which verifies the JWT and validates every body) and to a
webhook receiver that verifies signatures. Covers the happy path, the
transcript messages, Salesforce down then back, 429 + Retry-After, a
restart with a full outbox, the client-side rate limit, the JWT's
refresh, bad keys and bad settings at start-up, and webhooks."""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)
import sbtest  # noqa: E402
from sbtest import (SippAgent, Switchboard, check, free_port,  # noqa: E402
                    free_media_port, register, sipp)
import sfstub  # noqa: E402

NUMBER = "+15550100"
ORG = "00DRM000000GuTE"
CC = "SwitchboardCC"
SECRET = "whsec-test-0123456789abcdef"

PROVISION = {
    "agents": [
        {"id": "alice", "password": "alice-web-1",
         "sip": {"username": "alice", "password": "alice-sip"},
         "skills": {"billing": 5}, "queues": [{"id": "billing"}]},
    ],
    "queues": [{"id": "billing", "name": "Billing",
                "skills": {"billing": 3}, "push_timeout_s": 3,
                "max_wait_s": 20}],
    "trunks": [{"id": "carrier", "allow": ["127.0.0.1/32"]}],
    "routes": [{"number": NUMBER, "queue": "billing"}],
}

_keydir = tempfile.mkdtemp(prefix="sbtest-crm-keys-")
KEY = os.path.join(_keydir, "sf.pem")
PUBLIC = sfstub.make_key(KEY)


def sf_args(stub, *more, key=KEY):
    return ["--sf-url", stub.url, "--sf-org-id", ORG,
            "--sf-call-center", CC, "--sf-key", key,
            "--outbox-retry-min-ms", "200",
            "--outbox-retry-max-ms", "1000"] + list(more)


def new_stub(**kw):
    return sfstub.Stub(PUBLIC, ORG, CC, **kw)


def answered_call(sb, talk_ms=1500):
    """One call answered by alice's SIPp phone; returns the call id."""
    with SippAgent("agent.xml", calls=1) as phone:
        register(sb, "alice", phone.port)
        cp = sipp(sb.sip_port, "caller.xml", "-p", free_port(), "-m", 1,
                  keys={"dest": NUMBER, "talk_ms": talk_ms})
        check(cp.returncode == 0, cp.stdout[-2000:])
        check(phone.wait(15) == 0, phone.output())
    calls = sb.calls()
    check(calls, "no call recorded")
    return calls[0]["id"]


def abandoned_calls(sb, n):
    """n calls that ring in the queue (nobody is registered) and hang up."""
    cp = sipp(sb.sip_port, "caller_cancel.xml", "-p", free_port(), "-m", n,
              "-r", 10, "-l", n, keys={"dest": NUMBER, "ring_ms": 300})
    check(cp.returncode == 0, cp.stdout[-2000:])
    return [c["id"] for c in sb.wait_for(
        lambda: len([c for c in sb.calls() if c.get("ended")]) >= n
        and sb.calls(), what="%d ended calls" % n)]


def unrouted_calls(sb, n, rate=50):
    """n calls to a number with no route: refused (404) at once, each
    still a VoiceCall (created and ended) in Salesforce."""
    cp = sipp(sb.sip_port, "caller_expect.xml", "-p", free_port(), "-m", n,
              "-r", rate, "-l", n,
              keys={"dest": "+15559999", "from": "15550001",
                    "expect": 404})
    check(cp.returncode == 0, cp.stdout[-2000:])


def health(sb):
    st, body = sb.api("GET", "/api/v1/health", token=None)
    check(st == 200, st, body)
    return body["crm"]


def kinds(recs):
    return [r["kind"] for r in recs]


def test_happy_path_create_answer_end():
    stub = new_stub()
    try:
        with Switchboard(PROVISION, args=sf_args(stub)) as sb:
            h = health(sb)
            check(h["salesforce"] and
                  h["outbox"]["depth"] == 0, h)
            t0 = time.time()
            cid = answered_call(sb, talk_ms=2000)
            stub.wait(lambda s: len([a for a in s.accepted
                                     if a["call"] == cid]) >= 3,
                      what="create, answer and end")
            recs = stub.of_call(cid)
            check(kinds(recs) == ["create", "update", "update"],
                  kinds(recs))
            create, answer, end = [r["body"] for r in recs]
            check(create["vendorCallKey"] == cid and
                  create["initiationMethod"] == "Inbound" and
                  create["callCenterApiName"] == CC and
                  create["to"] == NUMBER and
                  create["from"] == "15550001" and
                  create["participants"] == [{"participantKey":
                                              "15550001",
                                              "type": "END_USER"}],
                  create)
            start = time.mktime(time.strptime(create["startTime"][:19],
                                              "%Y-%m-%dT%H:%M:%S")) - \
                time.timezone
            check(abs(start - t0) < 10, create["startTime"], t0)
            check(answer["agent"] == "alice" and
                  answer["queue"] == "billing" and "acceptTime" in answer,
                  answer)
            check(recs[1]["path"].endswith("/voiceCalls/" + cid), recs[1])

            def ts(v):
                return time.mktime(time.strptime(v[:19],
                                                 "%Y-%m-%dT%H:%M:%S")) + \
                    float("0" + v[19:-1])
            dur = ts(end["endTime"]) - ts(end["startTime"])
            check(1.5 <= dur <= 15, end)
            check(1 <= end["agentInteractionDuration"] <= 10, end)
            check(end["agent"] == "alice", end)
            check(not stub.refused, stub.refused)
            # every request carried a fresh token the stub verified
            for r in recs:
                c = r["claims"]
                check(c["iss"] == ORG and c["sub"] == CC and
                      c["exp"] - c["iat"] == 120, c)
            sb.wait_for(lambda: health(sb)["outbox"]["depth"] == 0,
                        what="empty outbox")
            h = health(sb)["outbox"]
            check(h["delivered"] >= 3 and h["failed"] == 0, h)
            log = sb.logtext()
            check(recs[0]["claims"]["jti"] not in log and
                  "PRIVATE KEY" not in log, "secret in the log")
    finally:
        stub.close()


def test_transfer_makes_a_child_voice_call():
    prov = json.loads(json.dumps(PROVISION))
    prov["agents"].append({"id": "bob", "password": "bob-web-12",
                           "sip": {"username": "bob",
                                   "password": "bob-sip"},
                           "queues": [{"id": "support"}]})
    prov["queues"].append({"id": "support", "push_timeout_s": 5,
                           "max_wait_s": 30})
    stub = new_stub()
    try:
        with Switchboard(prov, args=sf_args(stub)) as sb, \
                SippAgent("agent.xml", calls=1) as alice_phone, \
                SippAgent("agent.xml", calls=1) as bob_phone:
            register(sb, "alice", alice_phone.port)
            register(sb, "bob", bob_phone.port)
            proc = sipp(sb.sip_port, "caller_hears_bye.xml", "-p",
                        free_port(), "-m", 1, keys={"dest": NUMBER},
                        timeout=30, background=True)

            def answered_by(agent):
                for c in sb.calls():
                    if not c["ended"] and c["agent"] == agent:
                        return c["id"]
                return None
            cid = sb.wait_for(lambda: answered_by("alice"),
                              what="alice answers")
            time.sleep(0.3)
            st, body = sb.api("POST", "/api/v1/calls/%s/transfer" % cid,
                              {"agent": "bob"})
            check(st == 200, st, body)
            sb.wait_for(lambda: answered_by("bob"), what="bob answers")
            time.sleep(0.3)
            st, _ = sb.api("POST", "/api/v1/calls/%s/hangup" % cid, {})
            check(st == 200, st)
            proc.communicate(timeout=20)
            check(proc.returncode == 0, "caller failed")
            stub.wait(lambda s: len([a for a in s.accepted
                                     if a["call"] == cid]) >= 6,
                      what="six requests")
            time.sleep(0.5)
            recs = stub.of_call(cid)
            got = [(r["kind"], r["key"]) for r in recs]
            child = cid + "-t1"
            check(got == [("create", cid), ("update", cid),
                          ("update", cid), ("create", child),
                          ("update", child), ("update", child)], got)
            check(recs[2]["body"]["agent"] == "alice" and
                  "endTime" in recs[2]["body"], recs[2])
            c = recs[3]["body"]
            check(c["initiationMethod"] == "Transfer" and
                  c["parentVoiceCallId"] == cid and c["to"] == "bob", c)
            check(recs[4]["body"]["agent"] == "bob", recs[4])
            check(recs[5]["body"]["agent"] == "bob" and
                  "endTime" in recs[5]["body"], recs[5])
            check(not stub.refused, stub.refused)
    finally:
        stub.close()


def test_click_to_dial_is_an_outbound_voice_call():
    sys.path.insert(0, os.path.join(HERE, "..", "sip"))
    import test_outbound as to
    stub = new_stub()
    try:
        with to.carrier(talk_ms=1500) as far, \
                Switchboard(to.provision(far.port),
                            args=sf_args(stub)) as sb, \
                SippAgent("agent_autoanswer.xml", calls=1) as phone:
            alice = to.login(sb, "alice")
            register(sb, "alice", phone.port)
            st, body = to.dial(sb, alice)
            check(st == 201, st, body)
            cid = body["call"]
            check(far.wait(30) == 0, far.output())
            check(phone.wait(10) == 0, phone.output())
            stub.wait(lambda s: len([a for a in s.accepted
                                     if a["call"] == cid]) >= 3,
                      what="create, answer, end")
            recs = stub.of_call(cid)
            check(kinds(recs) == ["create", "update", "update"],
                  kinds(recs))
            c = recs[0]["body"]
            check(c["initiationMethod"] == "Outbound" and
                  c["to"] == to.CUSTOMER and c["from"] == to.CALLER_ID and
                  c["participants"] == [{"participantKey": to.CUSTOMER,
                                         "type": "END_USER"}], c)
            check(recs[1]["body"]["agent"] == "alice" and
                  "queue" not in recs[1]["body"], recs[1])
            check(not stub.refused, stub.refused)
    finally:
        stub.close()


def test_disposition_goes_to_the_configured_field():
    prov = json.loads(json.dumps(PROVISION))
    prov["queues"][0]["wrapup_s"] = 60
    stub = new_stub()
    try:
        with Switchboard(prov, args=sf_args(
                stub, "--sf-disposition-field", "Disposition__c")) as sb:
            cid = answered_call(sb, talk_ms=1000)
            st, body = sb.api("POST", "/api/v1/calls/%s/wrapup" % cid,
                              {"disposition": "sale", "notes": "n"})
            check(st == 200, st, body)
            stub.wait(lambda s: len([a for a in s.accepted
                                     if a["call"] == cid]) >= 4,
                      what="the disposition update")
            recs = stub.of_call(cid)
            check(kinds(recs) == ["create", "update", "update", "update"],
                  kinds(recs))
            attrs = json.loads(recs[3]["body"]["callAttributes"])
            check(attrs == {"Disposition__c": "sale"} and
                  set(recs[3]["body"]) == {"callAttributes"}, recs[3])
            check(not stub.refused, stub.refused)
    finally:
        stub.close()


def test_transcript_finals_become_messages():
    sys.path.insert(0, os.path.join(HERE, "..", "sip"))
    import test_transcribe as tt
    tmp = tempfile.mkdtemp(prefix="sbtest-crm-asr-")
    cwav = tt.speech_wav(os.path.join(tmp, "customer.wav"),
                         *tt.CUSTOMER[:2])
    awav = tt.speech_wav(os.path.join(tmp, "agent.wav"), *tt.AGENT[:2])
    stub = new_stub()
    try:
        with Switchboard(PROVISION, args=sf_args(stub) + tt.ASR) as sb, \
                SippAgent(tt.with_wav("agent_speaks.xml", awav), calls=1,
                          rtp_echo=False) as phone:
            register(sb, "alice", phone.port)
            cp = sipp(sb.sip_port, tt.with_wav("caller_speaks.xml", cwav),
                      "-p", free_port(), "-mp", free_media_port(), "-m", 1,
                      keys={"dest": NUMBER, "talk_ms": 7000})
            check(cp.returncode == 0, cp.stdout[-3000:])
            check(phone.wait(10) == 0, phone.output())
            cid = sb.calls()[0]["id"]

            def both(s):
                ms = [a["body"] for a in s.accepted
                      if a["call"] == cid and a["kind"] == "message"]
                return ({m["senderType"] for m in ms} >=
                        {"END_USER", "HUMAN_AGENT"} and len(ms) >= 4)
            stub.wait(both, timeout=30, what="messages of both legs")
            time.sleep(1)
            recs = stub.of_call(cid)
            check(recs[0]["kind"] == "create", kinds(recs))
            msgs = [r for r in recs if r["kind"] == "message"]
            create_t = recs[0]["body"]["startTime"]
            for r in msgs:
                b = r["body"]
                check(r["path"].endswith("/voiceCalls/%s/messages" % cid),
                      r["path"])
                want = "15550001" if b["senderType"] == "END_USER" \
                    else "alice"
                check(b["participantId"] == want, b)
                check(b["messageId"].startswith(cid + "-"), b)
                check(b["endTime"] > b["startTime"] > 1e12, b)
            ids = [r["body"]["messageId"] for r in msgs]
            check(len(ids) == len(set(ids)), "messageId repeated", ids)
            cust = " ".join(r["body"]["content"] for r in msgs
                            if r["body"]["senderType"] == "END_USER")
            check(tt.words_in_order(cust, tt.CUSTOMER[2]), cust)
            # the stored transcript and the messages say the same
            st, tr = sb.api("GET", "/api/v1/calls/%s/transcript" % cid)
            check(st == 200, st)
            check(sorted(s["text"] for s in tr["segments"] if s["text"])
                  == sorted(r["body"]["content"] for r in msgs),
                  tr, msgs)
            check(not stub.refused, stub.refused, create_t)
    finally:
        stub.close()
        shutil.rmtree(tmp, ignore_errors=True)


def test_salesforce_down_then_back_nothing_lost_order_kept():
    stub = new_stub()
    port = stub.port
    stub.stop()                  # down: connection refused
    try:
        with Switchboard(PROVISION, args=sf_args(stub)) as sb:
            cid = answered_call(sb, talk_ms=1000)
            unrouted_calls(sb, 3)
            # 3 rows for the answered call, 2 (create, end) per refusal
            sb.wait_for(lambda: health(sb)["outbox"]["depth"] == 9,
                        timeout=10, what="9 rows waiting")
            time.sleep(1.5)      # a few retries fail
            h = health(sb)["outbox"]
            check(h["depth"] == 9 and h["retried"] >= 2 and
                  h["last_error"] and h["oldest_age_s"] >= 1, h)
            stub.port = port
            stub.start()         # back
            stub.wait(lambda s: len(s.accepted) == 9, timeout=20,
                      what="all 9 delivered")
            sb.wait_for(lambda: health(sb)["outbox"]["depth"] == 0,
                        what="outbox drained")
            check(kinds(stub.of_call(cid)) ==
                  ["create", "update", "update"], stub.accepted)
            others = {a["call"] for a in stub.accepted} - {cid}
            check(len(others) == 3, others)
            for c in others:
                check(kinds(stub.of_call(c)) == ["create", "update"],
                      stub.of_call(c))
            check(not stub.refused and not stub.duplicates,
                  stub.refused, stub.duplicates)
    finally:
        stub.close()


def test_a_failing_call_does_not_hold_up_the_others():
    stub = new_stub()
    try:
        with Switchboard(PROVISION, args=sf_args(stub)) as sb:
            first = answered_call(sb, talk_ms=500)
            stub.wait(lambda s: len(s.accepted) == 3, what="first call")
            # the next call's id is not known before it exists: make
            # every request about a call refused until we pick one
            sb.wait_for(lambda: health(sb)["outbox"]["depth"] == 0,
                        what="drained")
            stub.queue_answers(*[(503, [])] * 8)
            unrouted_calls(sb, 1)
            sick = sb.wait_for(lambda: [c["id"] for c in sb.calls()
                                        if c["id"] != first],
                               what="second call")[0]
            stub.sicken(sick, 50)
            with stub.lock:
                stub.canned = []
            unrouted_calls(sb, 2)
            # the two healthy calls get through while the sick one waits
            stub.wait(lambda s: len({a["call"] for a in s.accepted} -
                                    {first}) == 2, timeout=15,
                      what="two other calls delivered")
            check(not stub.of_call(sick), stub.of_call(sick))
            check(health(sb)["outbox"]["depth"] == 2, health(sb))
            with stub.lock:
                stub.sick[sick] = 0
            stub.wait(lambda s: len([a for a in s.accepted
                                     if a["call"] == sick]) == 2,
                      timeout=15, what="the sick call, in the end")
            check(kinds(stub.of_call(sick)) == ["create", "update"],
                  stub.of_call(sick))
    finally:
        stub.close()


def test_429_retry_after_is_honoured():
    stub = new_stub()
    try:
        with Switchboard(PROVISION, args=sf_args(stub)) as sb:
            stub.queue_answers((429, [("Retry-After", "2")]))
            unrouted_calls(sb, 1)
            stub.wait(lambda s: len(s.accepted) == 2, timeout=15,
                      what="create and end after the 429")
            t429 = [t for t, st in stub.answered if st == 429]
            check(len(t429) == 1, stub.answered)
            waited = stub.accepted[0]["t"] - t429[0]
            # retry_min_ms is 200: without Retry-After it would have
            # come back within 0.2 s
            check(1.9 <= waited <= 6.0, "waited %.2fs" % waited)
            print("  429 Retry-After 2: retried after %.2fs" % waited)
            check(kinds(stub.accepted) == ["create", "update"],
                  stub.accepted)
    finally:
        stub.close()


def test_401_is_retried_with_a_new_token():
    stub = new_stub()
    try:
        with Switchboard(PROVISION, args=sf_args(stub)) as sb:
            stub.queue_answers((401, []))
            unrouted_calls(sb, 1)
            stub.wait(lambda s: len(s.accepted) == 2,
                      what="create and end after the 401")
            h = health(sb)["outbox"]
            check(h["failed"] == 0 and h["retried"] == 1 and
                  "401" in h["last_error"], h)
            check(kinds(stub.accepted) == ["create", "update"],
                  stub.accepted)
    finally:
        stub.close()


def test_refusal_is_parked_and_shown():
    stub = new_stub()
    try:
        with Switchboard(PROVISION, args=sf_args(stub)) as sb:
            stub.queue_answers((400, []))
            unrouted_calls(sb, 1)
            # the create is refused (400) and parked; the call's next row
            # still goes, and is refused too (404: no such VoiceCall)
            sb.wait_for(lambda: health(sb)["outbox"]["failed"] == 2,
                        what="two parked rows")
            time.sleep(1.5)      # retry_min_ms is 200: no retries come
            check(len(stub.answered) == 2 and not stub.accepted,
                  stub.answered, stub.accepted)
            h = health(sb)["outbox"]
            check(h["depth"] == 0 and "404" in (h["last_error"] or ""), h)
            db = sqlite3.connect(sb.db)
            rows = db.execute("SELECT kind, status, error FROM outbox "
                              "WHERE failed = 1 ORDER BY id").fetchall()
            db.close()
            check([(k, st) for k, st, _ in rows] ==
                  [("create", 400), ("update", 404)], rows)
            check("no voice call" in rows[1][2], rows)
            st, body = sb.api("GET", "/api/v1/outbox")
            check(st == 200 and [(r["kind"], r["status"]) for r in
                                 body["failed"]] ==
                  [("update", 404), ("create", 400)], st, body)
            check(body["failed"][1]["path"] == "/voiceCalls" and
                  "CANNED" in body["failed"][1]["error"], body)
            tok = sb.api("POST", "/api/v1/login", {"id": "alice",
                         "password": "alice-web-1"}, token=None)[1]
            st, _ = sb.api("GET", "/api/v1/outbox", token=tok["token"])
            check(st == 403, st)
    finally:
        stub.close()


def test_restart_with_full_outbox():
    stub = new_stub()
    port = stub.port
    stub.stop()
    try:
        sb = Switchboard(PROVISION, args=sf_args(stub))
        try:
            unrouted_calls(sb, 2)
            sb.wait_for(lambda: health(sb)["outbox"]["depth"] == 4,
                        what="4 rows")
            rc = sb.stop()
            check(rc == 0, rc)
            db = sqlite3.connect(sb.db)
            rows = db.execute("SELECT kind, okey FROM outbox WHERE "
                              "failed = 0 ORDER BY id").fetchall()
            db.close()
            check(len(rows) == 4 and sorted(k for k, _ in rows) ==
                  ["create", "create", "update", "update"], rows)
            stub.port = port
            stub.start()
            sb.start()
            stub.wait(lambda s: len(s.accepted) == 4, timeout=20,
                      what="rows delivered after the restart")
            sb.wait_for(lambda: health(sb)["outbox"]["depth"] == 0,
                        what="outbox drained")
            for c in {a["call"] for a in stub.accepted}:
                check(kinds(stub.of_call(c)) == ["create", "update"],
                      stub.accepted)
            check(not stub.duplicates and not stub.refused,
                  stub.duplicates, stub.refused)
            db = sqlite3.connect(sb.db)
            n = db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
            db.close()
            check(n == 0, n)
        finally:
            sb.close()
    finally:
        stub.close()


def test_new_calls_are_paced_at_the_rate_limit():
    stub = new_stub()
    rate, n = 2, 8
    try:
        with Switchboard(PROVISION, args=sf_args(
                stub, "--sf-calls-per-s", str(rate))) as sb:
            unrouted_calls(sb, n, rate=50)
            stub.wait(lambda s: len([a for a in s.accepted
                                     if a["kind"] == "create"]) == n,
                      timeout=30, what="%d creates" % n)
            ts = sorted(a["t"] for a in stub.accepted
                        if a["kind"] == "create")
            span = ts[-1] - ts[0]
            # a second's worth of burst, then `rate` per second
            check(span >= (n - rate) / rate - 0.3, "span %.2f" % span, ts)
            for i, t in enumerate(ts):
                inside = [u for u in ts[i:] if u - t <= 1.0]
                check(len(inside) <= 2 * rate, "window", ts)
            print("  %d creates at %d/s took %.2fs" % (n, rate, span))
            # updates are not held back by the creates' bucket
            check(not stub.refused, stub.refused)
    finally:
        stub.close()


def test_jwt_is_refreshed_before_it_expires():
    stub = new_stub()
    try:
        with Switchboard(PROVISION, args=sf_args(
                stub, "--sf-jwt-lifetime-s", "4")) as sb:
            for _ in range(3):
                unrouted_calls(sb, 1)
                time.sleep(2.2)
            stub.wait(lambda s: len(s.accepted) == 6, what="6 requests")
            jtis = {a["claims"]["jti"] for a in stub.accepted}
            check(len(jtis) >= 2, "one token for 6 s", jtis)
            for a in stub.accepted:
                c = a["claims"]
                check(c["exp"] - c["iat"] == 4 and
                      c["exp"] - a["t"] > 0, c, a["t"])
            check(not stub.refused, stub.refused)
    finally:
        stub.close()


def start_fails(args, *words):
    """switchboard serve with args must exit non-zero at once, saying
    words on stderr."""
    d = tempfile.mkdtemp(prefix="sbtest-crm-bad-")
    try:
        cp = subprocess.run(
            [sbtest.BIN, "serve", "--sip-listen",
             "127.0.0.1:%d" % free_port(), "--http-listen",
             "127.0.0.1:%d" % free_port(udp_too=False), "--db",
             os.path.join(d, "sb.db"), "--admin-token",
             sbtest.ADMIN_TOKEN] + args, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, timeout=20)
        out = cp.stdout.decode(errors="replace")
        check(cp.returncode != 0, "started anyway", out)
        for w in words:
            check(w in out, repr(w), "not in", out)
        return out
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_bad_key_or_settings_fail_at_start():
    stub = new_stub()
    d = tempfile.mkdtemp(prefix="sbtest-crm-keys2-")
    try:
        start_fails(sf_args(stub, key=os.path.join(d, "missing.pem")),
                    "sf_key", "cannot read")
        junk = os.path.join(d, "junk.pem")
        with open(junk, "w") as f:
            f.write("not a key\n")
        start_fails(sf_args(stub, key=junk), "not a PEM private key")
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        eck = os.path.join(d, "ec.pem")
        with open(eck, "wb") as f:
            f.write(ec.generate_private_key(ec.SECP256R1()).private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption()))
        start_fails(sf_args(stub, key=eck), "RSA key is needed")
        small = os.path.join(d, "small.pem")
        sfstub.make_key(small, bits=1024)
        start_fails(sf_args(stub, key=small), "1024 bits")
        out = start_fails(["--sf-url", stub.url, "--sf-key", KEY],
                          "sf_org_id")
        check("BEGIN" not in out, out)
        start_fails(sf_args(stub, "--sf-jwt-lifetime-s", "600"),
                    "sf-jwt-lifetime-s")
        start_fails(["--webhook-url", stub.hook_url], "webhook_secret")
        start_fails(["--webhook-url", "ftp://x", "--webhook-secret",
                     SECRET], "http(s)://")
    finally:
        stub.close()
        shutil.rmtree(d, ignore_errors=True)


def test_webhooks_are_signed_and_ordered():
    stub = new_stub(webhook_secret=SECRET)
    try:
        with Switchboard(PROVISION, args=[
                "--webhook-url", stub.hook_url, "--webhook-secret", SECRET,
                "--outbox-retry-min-ms", "200"]) as sb:
            h = health(sb)
            check(h["webhooks"] and not h["salesforce"], h)
            stub.queue_answers((503, []))     # first one retried
            cid = answered_call(sb, talk_ms=1000)
            stub.wait(lambda s: any(b["type"] == "call.ended"
                                    for _, b, _, _ in s.hooks),
                      what="call.ended webhook")
            evs = [b for _, b, _, _ in stub.hooks
                   if b["data"]["call"] == cid]
            types = [e["type"] for e in evs]
            check(types[0] == "call.offered" and "call.answered" in types
                  and types.index("call.answered") <
                  types.index("call.ended"), types)
            check(len({e["id"] for e in evs}) == len(evs), evs)
            # the stub verified every signature; a changed body fails
            _, body, sig, raw = stub.hooks[0]
            check(sfstub.verify_webhook(SECRET, sig, raw))
            check(not sfstub.verify_webhook(SECRET, sig, raw + b" "))
            check(not sfstub.verify_webhook("other-secret-0123456", sig,
                                            raw))
            check(SECRET not in sb.logtext())
            check(not [r for r in stub.refused if r[3] != 503],
                  stub.refused)
    finally:
        stub.close()


if __name__ == "__main__":
    try:
        sys.exit(sbtest.run(globals(), "crm"))
    finally:
        shutil.rmtree(_keydir, ignore_errors=True)

#!/usr/bin/env python3
"""Next best action end to end: a SIPp caller whose audio (flite's kal
voice, 8 kHz u-law) first sounds upset, then says "I want to cancel my
subscription", twice, on the billing queue; pocketsphinx transcribes it
in switchboard, and the agent's own event stream (its page) gets
nba.sentiment for each utterance (the call flagged negative once), the
sentiment rule's recommendation, and nba.recommendation for the
retention offer once, soon after the utterance's transcript.final.
Accept is recorded, shows in GET /api/v1/nba/stats, and another agent
may not answer it.

The two latencies are printed (NBA-LATENCY lines): final -> recommendation
(server event times) and the utterance's end in the audio ->
recommendation, which includes the decoding."""
import datetime
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import sbtest  # noqa: E402
from sbtest import (ADMIN_TOKEN, SippAgent, Switchboard, check,  # noqa
                    free_media_port, free_port, register, sipp)
from wsclient import WsClient  # noqa: E402
import subprocess  # noqa: E402
from test_transcribe import with_wav  # noqa: E402

NUMBER = "+15550100"
SENTENCE = "I want to cancel my subscription"
# no intent, clearly negative. ("this is ridiculous I am so frustrated"
# was heard as "the has ridiculous i cancel frustrated" once the
# call-center language model was the default: a domain model pulls
# unclear words toward its own, see docs/NOTES.md "ASR")
UPSET = "this is ridiculous and I am really frustrated"

PROVISION = {
    "agents": [
        {"id": "alice", "password": "alice-web-1",
         "sip": {"username": "alice", "password": "alice-sip"},
         "skills": {"billing": 5}},
        {"id": "bob", "password": "bob-web-12", "skills": {"billing": 5}},
    ],
    "queues": [{"id": "billing", "skills": {"billing": 3},
                "push_timeout_s": 5, "max_wait_s": 20}],
    "trunks": [{"id": "carrier", "allow": ["127.0.0.1/32"]}],
    "routes": [{"number": NUMBER, "queue": "billing"}],
    "intents": [
        {"id": "cancel_subscription",
         "examples": ["I want to cancel my subscription",
                      "please cancel my plan",
                      "I would like to end my membership",
                      "how do I cancel my account",
                      "stop my subscription now",
                      "I want to terminate my contract"],
         "keywords": ["cancel", "subscription"]},
        {"id": "billing_dispute",
         "examples": ["I was charged twice this month",
                      "there is a wrong charge on my bill",
                      "my invoice amount is incorrect",
                      "why did you bill me extra",
                      "I see a duplicate payment on my card",
                      "refund the overcharge on my statement"]},
    ],
    "recommendations": [
        {"id": "retention_offer", "title": "Offer 20% retention discount",
         "body": "Offer 20% off for three months before cancelling.",
         "action": {"type": "article", "target": "KB-1042"},
         "when": {"intent": "cancel_subscription", "min_confidence": 0.6,
                  "queue": "billing", "after_s": 0}},
        {"id": "calm_customer", "title": "Acknowledge the frustration",
         "action": {"type": "script",
                    "target": "I understand, let me sort this out now."},
         "when": {"sentiment_below": -0.3,
                  "data": {"direction": "inbound", "trunk": "carrier"}}},
        # what the call knows does not match: never fires
        {"id": "vip_line", "title": "VIP line",
         "action": {"type": "transfer", "target": "vip"},
         "when": {"sentiment_below": -0.3, "data": {"to": "+15550999"}}},
    ],
}

ASR = ["--asr-backend", "pocketsphinx", "--asr-workers", "2"]


def speech_wav(path, sentences):
    """8 kHz u-law WAV: 1 s silence, then each sentence and 1.2 s of
    silence (one utterance each), as test_transcribe.py's. flite, not
    espeak-ng: pocketsphinx on the telephone band got this sentence word
    for word from flite's kal voice, and never from any espeak-ng voice
    tried (docs/NOTES.md, next best action)."""
    padded = []
    for i, s in enumerate(sentences):
        p = "%s.%d.wav" % (path, i)
        subprocess.run(["flite", "-voice", "kal", "-t", s, "-o", p],
                       check=True)
        subprocess.run(["sox", p, p + ".pad.wav", "pad", "0", "1.2"],
                       check=True)
        padded.append(p + ".pad.wav")
    subprocess.run(["sox"] + padded + [path + ".8k.wav", "rate", "8000",
                    "channels", "1", "pad", "1.0", "0"], check=True)
    subprocess.run(["sox", path + ".8k.wav", "-e", "u-law", path],
                   check=True)
    return path


def at(msg):
    return datetime.datetime.strptime(
        msg["at"], "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()


def token(sb, agent, password):
    st, body = sb.api("POST", "/api/v1/login",
                      {"id": agent, "password": password}, token=None)
    check(st == 200, st, body)
    return body["token"]


def test_cancel_call_gets_the_retention_offer_once_and_accept_counts():
    tmp = tempfile.mkdtemp(prefix="sbtest-nba-")
    wav = speech_wav(os.path.join(tmp, "customer.wav"),
                     [UPSET, SENTENCE, SENTENCE])
    with Switchboard(PROVISION, args=ASR) as sb, \
            SippAgent("agent_autoanswer.xml", calls=1,
                      rtp_echo=False) as phone:
        alice = token(sb, "alice", "alice-web-1")
        bob = token(sb, "bob", "bob-web-12")
        # alice's page: her own stream, so the offer waits for Accept
        ws = WsClient(sb.http_port, "/api/v1/events", token=alice)
        check(ws.recv_json()["type"] == "hello")
        register(sb, "alice", phone.port)
        caller = sipp(sb.sip_port, with_wav("caller_speaks.xml", wav),
                      "-p", free_port(), "-mp", free_media_port(), "-m", 1,
                      keys={"dest": NUMBER, "talk_ms": 16000}, timeout=40,
                      background=True)

        msgs = ws.recv_until(lambda m: m["type"] == "call.offered",
                             timeout=10)
        cid = msgs[-1]["data"]["call"]
        st, body = sb.api("POST", "/api/v1/calls/%s/accept" % cid, {},
                          token=alice)
        check(st == 200, st, body)

        def customer_finals():
            return [m for m in msgs if m["type"] == "transcript.final" and
                    m["data"]["call"] == cid and
                    m["data"]["role"] == "customer" and m["data"]["text"]]

        def done(m):
            msgs.append(m)
            return m["type"] == "call.ended" and len(customer_finals()) >= 3
        try:
            ws.recv_until(done, timeout=25)
        except (AssertionError, OSError):
            pass
        msgs += ws.recv_quiet(wait=2.5)
        out, _ = caller.communicate(timeout=30)
        check(caller.returncode == 0, out[-3000:])
        check(phone.wait(10) == 0, phone.output())

        answered = [m for m in msgs if m["type"] == "call.answered"]
        check(answered, "not answered", msgs)
        finals = customer_finals()
        texts = [f["data"]["text"] for f in finals]
        print("transcribed:", texts)
        check(len(finals) >= 3, "finals", texts)

        recs = [m for m in msgs if m["type"] == "nba.recommendation" and
                m["data"]["call"] == cid]
        check(sorted(r["data"]["recommendation"] for r in recs) ==
              ["calm_customer", "retention_offer"],
              "each once, not repeated", recs, texts)
        calm = [r["data"] for r in recs
                if r["data"]["recommendation"] == "calm_customer"][0]
        check(calm["text"] == texts[0] and calm["intent"] is None and
              calm["action"]["type"] == "script", calm)
        rec = [r for r in recs
               if r["data"]["recommendation"] == "retention_offer"][0]
        d = rec["data"]
        check(d["recommendation"] == "retention_offer" and
              d["agent"] == "alice" and
              d["title"] == "Offer 20% retention discount" and
              d["action"] == {"type": "article", "target": "KB-1042"} and
              d["intent"] == "cancel_subscription" and
              0.6 <= d["confidence"] <= 1, d)
        check(d["text"] in texts and d["drivers"] and
              all(w["word"] for w in d["drivers"]), d)
        # the bank's needs it sounded like, the other half of why
        check("cancel_subscription" in d["needs"], d)

        # the final it came from, and how long after
        fin = [f for f in finals if f["data"]["text"] == d["text"]][0]
        check(msgs.index(fin) < msgs.index(rec), "order")
        after_final = at(rec) - at(fin)
        utter_end = at(answered[0]) + fin["data"]["end_s"]
        after_end = at(rec) - utter_end
        print("NBA-LATENCY final->recommendation %.3f s, utterance end->"
              "recommendation %.3f s" % (after_final, after_end))
        check(0 <= after_final <= 2.0, after_final)

        sent = [m for m in msgs if m["type"] == "nba.sentiment" and
                m["data"]["call"] == cid and
                m["data"]["role"] == "customer"]
        check(len(sent) >= len(finals), "sentiment per utterance", sent)
        ended = [i for i, m in enumerate(msgs) if m["type"] == "call.ended"]
        for m in sent:
            s = m["data"]
            check(-1 <= s["score"] <= 1 and isinstance(s["negative"], bool)
                  and isinstance(s["words"], list), s)
            # a slow machine may decode the last one after the hang-up:
            # then there is no running score any more
            live = not ended or msgs.index(m) < ended[0]
            check((s["running"] is not None) == live, live, s)
        sent = [m["data"] for m in sent]
        # the upset utterance turns the call negative, once
        check(sent[0]["score"] < -0.3 and sent[0]["negative"] and
              sent[0]["running"] < -0.3, sent[0])
        check([s["turned_negative"] for s in sent].count(True) == 1, sent)

        # bob may not answer alice's recommendation; alice may, once
        path = "/api/v1/calls/%s/recommendations/retention_offer/" % cid
        st, body = sb.api("POST", path + "accept", token=bob)
        check(st == 403, st, body)
        ws2 = WsClient(sb.http_port, "/api/v1/events", token=ADMIN_TOKEN)
        check(ws2.recv_json()["type"] == "hello")
        st, body = sb.api("POST", path + "accept", token=alice)
        check(st == 200 and body["outcome"] == "accepted", st, body)
        st, body = sb.api("POST", path + "dismiss", token=alice)
        check(st == 409, st, body)
        fb = ws2.recv_until(lambda m: m["type"] == "nba.feedback",
                            timeout=5)[-1]["data"]
        check(fb["call"] == cid and fb["recommendation"] ==
              "retention_offer" and fb["outcome"] == "accepted" and
              fb["by"] == "alice", fb)
        ws2.close()
        ws.close()

        # what alice was shown, for her page after a reload
        st, body = sb.api("GET", "/api/v1/calls/%s/recommendations" % cid,
                          token=alice)
        check(st == 200 and body["call"] == cid, st, body)
        shown = {r["recommendation"]: r for r in body["recommendations"]}
        check([r["recommendation"] for r in body["recommendations"]] ==
              ["calm_customer", "retention_offer"], body)
        check(shown["retention_offer"]["outcome"] == "accepted" and
              shown["calm_customer"]["outcome"] is None, body)
        check(shown["retention_offer"]["text"] == d["text"] and
              shown["retention_offer"]["drivers"] == d["drivers"] and
              shown["retention_offer"]["needs"] == d["needs"] and
              shown["retention_offer"]["title"] == d["title"], body, d)
        st, body = sb.api("GET", "/api/v1/calls/%s/recommendations" % cid,
                          token=bob)
        check(st == 403, st, body)

        st, body = sb.api("GET", "/api/v1/nba/stats")
        check(st == 200 and body["recommendations"] == [
            {"id": "calm_customer", "shown": 1, "accepted": 0,
             "dismissed": 0},
            {"id": "retention_offer", "shown": 1, "accepted": 1,
             "dismissed": 0}], st, body)


def test_an_utterance_decoded_after_the_hang_up_recommends_nothing():
    """The caller hangs up just as the sentence ends: the utterance is
    decoded after the call ended, so its sentiment is shown without a
    running score and nothing is recommended; switchboard goes on."""
    tmp = tempfile.mkdtemp(prefix="sbtest-nba-")
    wav = speech_wav(os.path.join(tmp, "customer.wav"), [SENTENCE])
    # u-law: 8000 bytes a second; the WAV ends with 1.2 s of silence
    speech_end_ms = int((os.path.getsize(wav) - 60) / 8) - 1200
    with Switchboard(PROVISION, args=ASR) as sb, \
            SippAgent("agent.xml", calls=1, rtp_echo=False) as phone:
        ws = WsClient(sb.http_port, "/api/v1/events", token=ADMIN_TOKEN)
        check(ws.recv_json()["type"] == "hello")
        register(sb, "alice", phone.port)
        cp = sipp(sb.sip_port, with_wav("caller_speaks.xml", wav),
                  "-p", free_port(), "-mp", free_media_port(), "-m", 1,
                  keys={"dest": NUMBER, "talk_ms": speech_end_ms + 100})
        check(cp.returncode == 0, cp.stdout[-3000:])
        msgs = ws.recv_until(lambda m: m["type"] == "nba.sentiment",
                             timeout=15)
        msgs += ws.recv_quiet(wait=1.0)
        ws.close()
        types = [m["type"] for m in msgs]
        check("call.ended" in types and
              types.index("call.ended") < types.index("nba.sentiment"),
              "the final came after the end", types)
        sent = [m["data"] for m in msgs if m["type"] == "nba.sentiment"]
        check(all(s["running"] is None and s["negative"] is False
                  for s in sent), sent)
        check("nba.recommendation" not in types, types)
        st, body = sb.api("GET", "/api/v1/nba/stats")
        check(st == 200 and body == {"recommendations": []}, st, body)
        check(sb.api("GET", "/api/v1/health")[0] == 200)


if __name__ == "__main__":
    sys.exit(sbtest.run(globals(), "sip/nba"))

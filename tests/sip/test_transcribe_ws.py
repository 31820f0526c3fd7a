"""Transcription backends per queue, and the ws backend end to end:
espeak-ng speech streamed into real calls from both sides (SIPp), each
direction streamed by switchboard over a WebSocket to a local
Vosk-style server (tests/lib/asrserver.py) that checks the audio it
gets and answers scripted text; a queue on pocketsphinx at the same
time; a server that is down; what provisioning accepts."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
sys.path.insert(0, os.path.dirname(__file__))
import sbtest  # noqa: E402
import test_transcribe as tt  # noqa: E402
from asrserver import AsrServer, closed_port  # noqa: E402
from sbtest import (ADMIN_TOKEN, SippAgent, Switchboard, check,  # noqa
                    free_media_port, free_port, register, sipp)
from wsclient import WsClient  # noqa: E402

WS_NUMBER = "+15550300"
PS_NUMBER = "+15550100"

# what the server answers, per role: not what was said, so the words
# can only have come from it
SCRIPT = {"customer": ["zulu one alpha", "yankee two bravo"],
          "agent": ["xray three charlie", "whiskey four delta"]}


def provision(url, ps_backend=None):
    ps = {"id": "billing", "name": "Billing", "skills": {"billing": 3},
          "push_timeout_s": 3, "max_wait_s": 20}
    if ps_backend:
        ps["transcription"] = {"backend": ps_backend}
    return {
        "agents": [
            {"id": "alice", "password": "alice-web-1",
             "sip": {"username": "alice", "password": "alice-sip"},
             "skills": {"billing": 5}},
            {"id": "bob", "password": "bob-web-12",
             "sip": {"username": "bob", "password": "bob-sip"},
             "skills": {"billing": 5}},
        ],
        "queues": [ps,
                   {"id": "cloud", "name": "Cloud", "skills": {"billing": 3},
                    "push_timeout_s": 3, "max_wait_s": 20,
                    "transcription": {"backend": "ws", "url": url}}],
        "trunks": [{"id": "carrier", "allow": ["127.0.0.1/32"]}],
        "routes": [{"number": PS_NUMBER, "queue": "billing"},
                   {"number": WS_NUMBER, "queue": "cloud"}],
    }


def wavs():
    tmp = tempfile.mkdtemp(prefix="sbtest-asrws-")
    cwav = tt.speech_wav(os.path.join(tmp, "customer.wav"),
                         *tt.CUSTOMER[:2])
    awav = tt.speech_wav(os.path.join(tmp, "agent.wav"), *tt.AGENT[:2])
    return cwav, awav


def wav_seconds(path):
    out = subprocess.run(["soxi", "-D", path], stdout=subprocess.PIPE,
                         universal_newlines=True, check=True).stdout
    return float(out)


def call(sb, wav, number, talk_ms=7000, background=False):
    return sipp(sb.sip_port, tt.with_wav("caller_speaks.xml", wav),
                "-p", free_port(), "-mp", free_media_port(), "-m", 1,
                keys={"dest": number, "talk_ms": talk_ms},
                background=background)


def of_call(msgs, call_id, kind):
    return [m["data"] for m in msgs if m["type"] == kind and
            m["data"]["call"] == call_id]


def check_ws_call(sb, srv, msgs, call_id, cwav, awav, agent="alice"):
    """The scripted words came back in order, on the right legs, with
    the times of the speech the server heard; stored and served."""
    sessions = [s for s in srv.sessions if s.query.get("call") == call_id]
    check(len(sessions) == 2, "one connection per direction",
          [(s.path, s.query) for s in srv.sessions])
    fin = of_call(msgs, call_id, "transcript.final")
    for sess in sessions:
        role = sess.role
        leg = "a" if role == "customer" else "b"
        wav = cwav if role == "customer" else awav
        check(sess.path == "/asr/cloud" and sess.query.get("leg") == leg,
              sess.path, sess.query)
        # what a Vosk server needs, checked as it arrived
        check(not sess.errors, role, sess.errors)
        check(sess.config == {"sample_rate": 8000} and sess.eof,
              role, sess.config, sess.eof)
        # all of the party's audio, nothing invented: SIPp played the
        # WAV once (1 s silence, speech, pauses) within the 7 s call
        played = wav_seconds(wav)
        check(abs(sess.seconds - played) < 0.5, role, sess.seconds, played)
        # speech where the WAV has speech: its two sentences, the first
        # after the WAV's 1 s of silence
        check(len(sess.segments) == 2, role, sess.segments)
        check(0.6 < sess.segments[0][0] < 1.6, role, sess.segments)
        # frames of ~160 ms, as promised
        sizes = [n for _, n in sess.frames]
        check(sizes and all(n % 2 == 0 for n in sizes), sizes)
        check(sorted(sizes)[len(sizes) // 2] == 2560, role, sizes)

        fs = [f for f in fin if f["role"] == role]
        check([f["text"] for f in fs] == SCRIPT[role], role, fs)
        prev_end = 0
        for f, (start, end) in zip(fs, sess.segments):
            check(f["leg"] == leg and f["agent"] == agent and
                  not f["gap"], f)
            # the server's word times, placed in the call: the stream
            # began with the call's media, so they agree within a frame
            check(abs(f["start_s"] - start) < 0.25 and
                  abs(f["end_s"] - end) < 0.25, f, start, end)
            check(f["start_s"] >= prev_end, "order", fs)
            prev_end = f["end_s"]
            n = len(f["text"].split())
            conf = sum((0.9, 0.7)[i % 2] for i in range(n)) / n
            check(abs(f["confidence"] - conf) < 0.002, f, conf)
        ps = [p for p in of_call(msgs, call_id, "transcript.partial")
              if p["role"] == role]
        check(ps, "no partials", role)
        for p in ps:
            check(any(f["text"].startswith(p["text"]) for f in fs), p, fs)

    st, tr = sb.api("GET", "/api/v1/calls/%s/transcript" % call_id)
    check(st == 200, st, tr)
    for role in ("customer", "agent"):
        check([s["text"] for s in tr["segments"] if s["role"] == role] ==
              SCRIPT[role], role, tr)
    st, txt = sb.api("GET", "/api/v1/calls/%s/transcript?format=txt" %
                     call_id)
    check(st == 200 and "customer: zulu one alpha" in txt and
          "agent: whiskey four delta" in txt, st, txt)


def test_ws_backend_both_legs_scripted_stored_and_served():
    cwav, awav = wavs()
    with AsrServer(SCRIPT) as srv, \
            Switchboard(provision(srv.url("/asr/cloud"))) as sb, \
            SippAgent(tt.with_wav("agent_speaks.xml", awav), calls=1,
                      rtp_echo=False) as phone:
        ws = WsClient(sb.http_port, "/api/v1/events", token=ADMIN_TOKEN)
        check(ws.recv_json()["type"] == "hello")
        register(sb, "alice", phone.port)
        cp = call(sb, cwav, WS_NUMBER)
        check(cp.returncode == 0, cp.stdout[-3000:])
        check(phone.wait(10) == 0, phone.output())
        srv.wait_closed(2)

        msgs = ws.recv_until(lambda m: m["type"] == "call.answered",
                             timeout=10)
        call_id = msgs[-1]["data"]["call"]

        tt.collect(ws, msgs, lambda ms: len(of_call(ms, call_id,
                   "transcript.final")) >= 4, 10)
        check_ws_call(sb, srv, msgs, call_id, cwav, awav)
        check(not srv.errors, srv.errors)


def test_pocketsphinx_and_ws_queues_at_once():
    """Two calls at the same time, one per queue: the ws one's words
    come from the server, the pocketsphinx one's from the audio; the
    server default (off here) does not matter to queues that name a
    backend."""
    cwav, awav = wavs()
    with AsrServer(SCRIPT) as srv, \
            Switchboard(provision(srv.url("/asr/cloud"), "pocketsphinx"),
                        args=["--asr-workers", "2"]) as sb, \
            SippAgent(tt.with_wav("agent_speaks.xml", awav), calls=2,
                      rtp_echo=False) as phone:
        ws = WsClient(sb.http_port, "/api/v1/events", token=ADMIN_TOKEN)
        check(ws.recv_json()["type"] == "hello")
        register(sb, "alice", phone.port)
        register(sb, "bob", phone.port)
        callers = [call(sb, cwav, n, background=True)
                   for n in (WS_NUMBER, PS_NUMBER)]
        for c in callers:
            out = c.communicate(timeout=40)[0]
            check(c.returncode == 0, out[-3000:])
        check(phone.wait(10) == 0, phone.output())
        srv.wait_closed(2)

        msgs = ws.recv_quiet(wait=4)
        ws.close()
        answered = {m["data"]["queue"]: m["data"]["call"] for m in msgs
                    if m["type"] == "call.answered"}
        check(set(answered) == {"billing", "cloud"}, answered)
        ws_call, ps_call = answered["cloud"], answered["billing"]
        agent = [m["data"]["agent"] for m in msgs
                 if m["type"] == "call.answered" and
                 m["data"]["call"] == ws_call][0]
        check_ws_call(sb, srv, msgs, ws_call, cwav, awav, agent)

        fs = of_call(msgs, ps_call, "transcript.final")
        for role, (_, _, keys) in (("customer", tt.CUSTOMER),
                                   ("agent", tt.AGENT)):
            text = " ".join(f["text"] for f in fs if f["role"] == role)
            check(tt.words_in_order(text, keys), role, repr(text), keys)
            check(not [w for w in text.split()
                       if w in ("zulu", "xray", "whiskey", "yankee")], text)


def test_ws_server_down_gives_gaps_and_keeps_the_call():
    """Nobody listens at the URL: a few tries, then a gap for each
    direction; the call itself carries every packet and ends cleanly."""
    cwav, awav = wavs()
    url = "ws://127.0.0.1:%d/asr" % closed_port()
    with Switchboard(provision(url)) as sb, \
            SippAgent(tt.with_wav("agent_speaks.xml", awav), calls=1,
                      rtp_echo=False) as phone:
        ws = WsClient(sb.http_port, "/api/v1/events", token=ADMIN_TOKEN)
        check(ws.recv_json()["type"] == "hello")
        register(sb, "alice", phone.port)
        cp = call(sb, cwav, WS_NUMBER)
        check(cp.returncode == 0, cp.stdout[-3000:])
        check(phone.wait(10) == 0, phone.output())
        msgs = ws.recv_quiet(wait=2)
        ws.close()

        ended = [m for m in msgs if m["type"] == "call.ended"]
        check(ended, msgs)
        call_id = ended[0]["data"]["call"]
        fin = of_call(msgs, call_id, "transcript.final")
        check(sorted(f["role"] for f in fin) == ["agent", "customer"] and
              all(f["gap"] and f["text"] == "" for f in fin), fin)
        # the whole call is one gap per direction, from its start
        check(all(f["start_s"] < 0.5 and f["end_s"] > 5 for f in fin), fin)

        rec = sb.wait_for(lambda: [c for c in sb.calls() if c["ended"]],
                          what="the call record")[0]
        caller = rec["legs"][0]
        agent = [leg for leg in rec["legs"] if leg["role"] == "agent"][0]
        packets = int(wav_seconds(cwav) * 50)
        check(caller["rtp_in"] >= min(packets, 7000 // 20) - 10 and
              agent["rtp_out"] >= caller["rtp_in"] - 1, packets, rec)

        st, txt = sb.api("GET", "/api/v1/calls/%s/transcript?format=txt" %
                         call_id)
        check(st == 200 and "[audio dropped]" in txt, st, txt)
        st, _ = sb.api("GET", "/api/v1/health", token=None)
        check(st == 200, st)
        log = sb.logtext()
        # bounded: three tries after the first, per direction
        check(log.count("giving up") == 2, log[-3000:])


def test_ws_server_lost_mid_call_reconnects_with_a_gap():
    """The server drops each connection a while after it opened (3 s for
    the agent's, 4 s for the customer's: each then has speech left):
    switchboard marks the audio it could not send as a gap, connects
    again, and what the later connections hear is placed at the right
    time in the call."""
    cwav, awav = wavs()
    with AsrServer(SCRIPT, close_after_s={"agent": 3.0,
                                             "customer": 4.0}) as srv, \
            Switchboard(provision(srv.url("/asr/cloud"))) as sb, \
            SippAgent(tt.with_wav("agent_speaks.xml", awav), calls=1,
                      rtp_echo=False) as phone:
        ws = WsClient(sb.http_port, "/api/v1/events", token=ADMIN_TOKEN)
        check(ws.recv_json()["type"] == "hello")
        register(sb, "alice", phone.port)
        cp = call(sb, cwav, WS_NUMBER)
        check(cp.returncode == 0, cp.stdout[-3000:])
        check(phone.wait(10) == 0, phone.output())
        msgs = ws.recv_quiet(wait=3)
        ws.close()

        call_id = [m for m in msgs if m["type"] == "call.ended"][0][
            "data"]["call"]
        fin = of_call(msgs, call_id, "transcript.final")
        for role in ("customer", "agent"):
            sess = [s for s in srv.sessions if s.role == role]
            check(len(sess) >= 2, role, "reconnected", len(sess))
            fs = [f for f in fin if f["role"] == role]
            gaps = [f for f in fs if f["gap"]]
            check(gaps, role, "no gap", fs)
            check(all(0 < g["end_s"] - g["start_s"] < 2 for g in gaps), gaps)
            # what a later connection heard is placed where it was said
            # in the call: that connection began about when the server
            # saw it open (the call's media began with the first)
            placed = 0
            for s in sess[1:]:
                base = s.opened - sess[0].opened
                for start, end in s.segments:
                    near = [f for f in fs if not f["gap"] and
                            abs(f["start_s"] - (base + start)) < 0.4]
                    check(near, role, base, start, fs)
                    placed += 1
            check(placed, role, "nothing heard after a reconnect",
                  [s.segments for s in sess])
            # and the gaps lie between connections, not over speech
            # that was transcribed
            for g in gaps:
                for f in fs:
                    if not f["gap"]:
                        check(g["end_s"] <= f["start_s"] + 0.05 or
                              g["start_s"] >= f["end_s"] - 0.05, g, f)
        check(log_ok(sb), sb.logtext()[-2000:])
        st, _ = sb.api("GET", "/api/v1/health", token=None)
        check(st == 200, st)


def test_ws_server_stalls_audio_is_dropped_not_queued():
    """The server stops reading 1 s into each connection: what
    switchboard holds for it stays bounded (2 s of audio beyond the
    kernel's buffers), the rest is dropped as a gap, and the call's
    media is untouched; at the end the eof waits 5 s at most."""
    cwav, awav = wavs()
    with AsrServer(SCRIPT, stall_after_s=1.0, stall_for_s=20) as srv, \
            Switchboard(provision(srv.url("/asr/cloud"))) as sb, \
            SippAgent(tt.with_wav("agent_speaks.xml", awav), calls=1,
                      rtp_echo=False) as phone:
        ws = WsClient(sb.http_port, "/api/v1/events", token=ADMIN_TOKEN)
        check(ws.recv_json()["type"] == "hello")
        register(sb, "alice", phone.port)
        cp = call(sb, cwav, WS_NUMBER)
        check(cp.returncode == 0, cp.stdout[-3000:])
        check(phone.wait(10) == 0, phone.output())
        msgs = ws.recv_quiet(wait=7)
        ws.close()

        call_id = [m for m in msgs if m["type"] == "call.ended"][0][
            "data"]["call"]
        fin = of_call(msgs, call_id, "transcript.final")
        for role in ("customer", "agent"):
            gaps = [f for f in fin if f["role"] == role and f["gap"]]
            played = wav_seconds(cwav if role == "customer" else awav)
            # one gap, from when 1 s (read by the server) + ~1 s (the
            # kernel's) + 2 s (ours) of audio had gone out, to the end
            check(len(gaps) == 1 and 2.5 < gaps[0]["start_s"] < 5.5 and
                  gaps[0]["end_s"] > played - 0.3, role, gaps, played)
        rec = sb.wait_for(lambda: [c for c in sb.calls() if c["ended"]],
                          what="the call record")[0]
        caller = rec["legs"][0]
        agent = [leg for leg in rec["legs"] if leg["role"] == "agent"][0]
        packets = int(wav_seconds(cwav) * 50)
        check(caller["rtp_in"] >= min(packets, 7000 // 20) - 10 and
              agent["rtp_out"] >= caller["rtp_in"] - 1, packets, rec)
        check("no last result" in sb.logtext(), sb.logtext()[-2000:])


def log_ok(sb):
    return "giving up" not in sb.logtext()


def test_transcription_settings_are_validated():
    with AsrServer(SCRIPT) as srv, \
            Switchboard(provision(srv.url("/asr/cloud"))) as sb:
        st, q = sb.api("GET", "/api/v1/queues/cloud")
        check(st == 200 and q["transcription"] ==
              {"backend": "ws", "url": srv.url("/asr/cloud")}, q)

        bad = [
            ({"backend": "cloud"}, "transcription.backend"),
            ({"backend": "ws", "url": "http://127.0.0.1:1/x"},
             "transcription.url"),
            ({"backend": "ws", "url": "ws://asr.example.com/x"},
             "transcription.url"),
            ({"backend": "ws", "url": "ws://127.0.0.1:99999/x"},
             "transcription.url"),
            ({"backend": "ws"}, "transcription.url"),      # no asr_ws_url
            ({"backend": "pocketsphinx", "url": srv.url()},
             "transcription.url"),
            ({"backend": "ws", "url": srv.url(), "vocabulary": ["x"]},
             "transcription.vocabulary"),
            ({"backend": "pocketsphinx", "vocabulary": ["a"] * 501},
             "transcription.vocabulary"),
            ({"backend": "pocketsphinx", "vocabulary": ["a" * 101]},
             "transcription.vocabulary[0]"),
            ({"backend": "pocketsphinx", "vocabulary": ["ok", "two\nlines"]},
             "transcription.vocabulary[1]"),
            ({"backend": "pocketsphinx", "vocabulary": ["ok", 3]},
             "transcription.vocabulary[1]"),
            ({"backend": "pocketsphinx", "vocabulary": "refund"},
             "transcription.vocabulary"),
            ({"backend": "pocketsphinx", "words": []}, None),
            ({"backend": "pocketsphinx", "sounds_like": {"esim": "e sim"}},
             "transcription.sounds_like"),          # no vocabulary
            ({"backend": "pocketsphinx", "vocabulary": ["esim"],
              "sounds_like": {"e sim": "e sim"}},
             "transcription.sounds_like.e sim"),
            ({"backend": "pocketsphinx", "vocabulary": ["esim"],
              "sounds_like": {"esim": 3}}, "transcription.sounds_like.esim"),
            ({"backend": "pocketsphinx", "vocabulary": ["esim"],
              "sounds_like": {"esim": "!!"}},
             "transcription.sounds_like.esim"),
            ({"backend": "pocketsphinx", "vocabulary": ["esim"],
              "sounds_like": ["esim"]}, "transcription.sounds_like"),
        ]
        for t, field in bad:
            st, e = sb.api("PATCH", "/api/v1/queues/billing",
                           {"transcription": t})
            check(st == 400 and "error" in e, t, st, e)
            if field:
                check(e["error"]["field"] == field, t, e)
            check(e["error"]["message"], e)
        # nothing accepted was lost
        st, q = sb.api("GET", "/api/v1/queues/billing")
        check(st == 200 and "transcription" not in q, q)

        good = {"backend": "pocketsphinx",
                "vocabulary": ["account balance", "Zürich office",
                               "esim card"],
                "sounds_like": {"esim": "e sim", "x25": "x twenty five"}}
        st, q = sb.api("PATCH", "/api/v1/queues/billing",
                       {"transcription": good})
        check(st == 200 and q["transcription"] == good, st, q)
        st, q = sb.api("GET", "/api/v1/queues/billing")
        check(q["transcription"] == good, q)

    # the server's own options: a default nobody can use is refused
    for args, what in ((["--asr-backend", "ws"], "asr_ws_url"),
                       (["--asr-backend", "whisper"], "asr_backend"),
                       (["--asr-ws-url", "http://127.0.0.1/"],
                        "asr_ws_url")):
        try:
            Switchboard(None, args=args).stop()
        except RuntimeError as e:
            check(what in str(e), args, str(e))
        else:
            check(False, "started with", args)


def test_ws_server_default_url_and_backend():
    """asr_backend ws with asr_ws_url: queues that say nothing use it."""
    cwav, awav = wavs()
    with AsrServer(SCRIPT) as srv:
        prov = provision(srv.url("/asr/cloud"))
        del prov["queues"][1]["transcription"]["url"]
        prov["queues"][1]["transcription"] = {"backend": "ws"}
        with Switchboard(prov, args=["--asr-backend", "ws",
                                     "--asr-ws-url",
                                     srv.url("/asr/default")]) as sb, \
                SippAgent(tt.with_wav("agent_speaks.xml", awav), calls=1,
                          rtp_echo=False) as phone:
            register(sb, "alice", phone.port)
            cp = call(sb, cwav, PS_NUMBER, talk_ms=3000)
            check(cp.returncode == 0, cp.stdout[-3000:])
            check(phone.wait(10) == 0, phone.output())
            sess = srv.wait_closed(2)
            check(len(sess) == 2 and
                  all(s.path == "/asr/default" and not s.errors
                      for s in sess), [(s.path, s.errors) for s in sess])


if __name__ == "__main__":
    sys.exit(sbtest.run(globals(), "sip/transcribe_ws"))

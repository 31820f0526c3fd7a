"""SIP edge cases a careless B2BUA gets wrong, each shown with real peers on
loopback: late and repeated 2xx, BYE in an early dialog, INVITE
retransmissions after the ACK, spoofed CANCELs and INVITEs from outside the
trunks, Record-Route, re-INVITE overlap and offerless re-INVITEs, BYE
before ACK, and RTP from a stranger. Each test states the behaviour it
expects and the RFC section it comes from. Several began as
use-after-free reports: run them under BUILD=build/san too.

The caller (a trunk) and, where a test needs to misbehave on purpose, the
agent's phone are small SIP peers written here over plain UDP sockets, so
the exact message sequence is under the test's control; the other agents
are SIPp (tests/scenarios/agent*.xml) as in test_calls.py. Agents register
with SIPp's register.xml (digest) and a Contact pointing at the peer.

Run: python3 tests/sip/test_rfc_edges.py [name-substring]
"""
import os
import random
import re
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import sbtest  # noqa: E402
from sbtest import SippAgent, Switchboard, check, free_port, register  # noqa

BILLING = "+15550100"

PROVISION = {
    "agents": [
        {"id": "alice", "name": "Alice", "sip": {"username": "alice",
                                                 "password": "alice-sip"},
         "skills": {"billing": 5}},
    ],
    "queues": [
        {"id": "billing", "name": "Billing", "skills": {"billing": 3},
         "push_timeout_s": 5, "max_wait_s": 30},
    ],
    "trunks": [{"id": "carrier", "allow": ["127.0.0.1/32"]}],
    "routes": [{"number": BILLING, "queue": "billing"}],
}


# -- a minimal SIP peer over UDP ---------------------------------------------
COMPACT = {"i": "call-id", "f": "from", "t": "to", "v": "via", "m": "contact",
           "l": "content-length", "c": "content-type"}


def rand_hex(n=16):
    return "%0*x" % (n, random.getrandbits(4 * n))


class Msg:
    def __init__(self, data, src, t):
        text = data.decode(errors="replace")
        head, _, self.body = text.partition("\r\n\r\n")
        lines = head.split("\r\n")
        self.first = lines[0]
        self.headers = []
        for line in lines[1:]:
            if not line:
                continue
            if line[0] in " \t" and self.headers:
                n, v = self.headers[-1]
                self.headers[-1] = (n, v + " " + line.strip())
                continue
            n, _, v = line.partition(":")
            n = n.strip().lower()
            self.headers.append((COMPACT.get(n, n), v.strip()))
        self.src = src
        self.time = t
        self.raw = data
        parts = self.first.split(" ", 2)
        self.is_req = parts[0] != "SIP/2.0"
        if self.is_req:
            self.method, self.ruri, self.code = parts[0], parts[1], None
        else:
            self.code = int(parts[1])
            self.method = self.cseq[1]

    def hdrs(self, name):
        name = name.lower()
        return [v for n, v in self.headers if n == name]

    def hdr(self, name):
        h = self.hdrs(name)
        return h[0] if h else None

    @property
    def cseq(self):
        n, m = self.hdr("cseq").split()
        return int(n), m

    @property
    def callid(self):
        return self.hdr("call-id")

    @staticmethod
    def _tag(v):
        if v is None:
            return None
        tail = v.rsplit(">", 1)[-1] if "<" in v else v
        m = re.search(r";\s*tag=([^;\s>]+)", tail)
        return m.group(1) if m else None

    @property
    def to_tag(self):
        return self._tag(self.hdr("to"))

    @property
    def from_tag(self):
        return self._tag(self.hdr("from"))

    @property
    def branch(self):
        m = re.search(r"branch=([^;\s,]+)", self.hdr("via") or "")
        return m.group(1) if m else None

    def contact_uri(self):
        c = self.hdr("contact") or ""
        m = re.search(r"<([^>]+)>", c)
        return m.group(1) if m else c.split(";")[0]

    def sdp(self):
        return parse_sdp(self.body)

    def __repr__(self):
        return "<%s %s>" % (self.first, self.callid)


def parse_sdp(body):
    out = {"dir": "sendrecv", "port": None, "ip": None}
    for line in body.splitlines():
        if line.startswith("m=audio"):
            out["port"] = int(line.split()[1])
        elif line.startswith("c="):
            out["ip"] = line.split()[-1]
        elif line[2:] in ("sendrecv", "sendonly", "recvonly", "inactive"):
            out["dir"] = line[2:]
    return out


def make_sdp(port, direction="sendrecv", version=1, ip="127.0.0.1"):
    return ("v=0\r\n"
            "o=review 4242 %d IN IP4 %s\r\n"
            "s=-\r\n"
            "c=IN IP4 %s\r\n"
            "t=0 0\r\n"
            "m=audio %d RTP/AVP 0 101\r\n"
            "a=rtpmap:0 PCMU/8000\r\n"
            "a=rtpmap:101 telephone-event/8000\r\n"
            "a=fmtp:101 0-15\r\n"
            "a=ptime:20\r\n"
            "a=%s\r\n") % (version, ip, ip, port, direction)


MIRROR = {"sendonly": "recvonly", "recvonly": "sendonly",
          "sendrecv": "sendrecv", "inactive": "inactive"}


class Peer:
    """One UDP socket; received messages queue up in arrival order and are
    taken out by wait(pred)."""

    def __init__(self, ip="127.0.0.1", port=None):
        self.ip = ip
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((ip, port or 0))
        self.port = self.sock.getsockname()[1]
        self.inbox = []
        self.log = []          # (time, direction, first line) for failures

    def send(self, text, dst):
        data = text.encode() if isinstance(text, str) else text
        self.sock.sendto(data, dst)
        self.log.append((time.time(), ">", data.split(b"\r\n", 1)[0]))

    def pump(self, timeout):
        r, _, _ = select.select([self.sock], [], [], max(timeout, 0))
        if not r:
            return False
        data, src = self.sock.recvfrom(65535)
        if data.strip():
            m = Msg(data, src, time.time())
            self.inbox.append(m)
            self.log.append((m.time, "<", m.first))
        return True

    def wait(self, pred, timeout=5.0):
        deadline = time.time() + timeout
        while True:
            for m in self.inbox:
                if pred(m):
                    self.inbox.remove(m)
                    return m
            left = deadline - time.time()
            if left <= 0:
                return None
            self.pump(left)

    def expect(self, pred, timeout=5.0, what="message"):
        m = self.wait(pred, timeout)
        check(m is not None, "peer %d: no %s within %ss; seen: %s" %
              (self.port, what, timeout, self.history()))
        return m

    def drain(self, seconds):
        end = time.time() + seconds
        while time.time() < end:
            self.pump(end - time.time())

    def history(self):
        t0 = self.log[0][0] if self.log else 0
        return "; ".join("%+.3f %s %s" % (t - t0, d, l.decode(errors="replace")
                                          if isinstance(l, bytes) else l)
                         for t, d, l in self.log[-40:])

    def close(self):
        self.sock.close()

    # -- UAS helpers --------------------------------------------------------
    def respond(self, req, code, reason, to_tag=None, body="", extra=()):
        lines = ["SIP/2.0 %d %s" % (code, reason)]
        lines += ["Via: " + v for v in req.hdrs("via")]
        lines.append("From: " + req.hdr("from"))
        to = req.hdr("to")
        if to_tag and not req.to_tag:
            to += ";tag=" + to_tag
        lines.append("To: " + to)
        lines.append("Call-ID: " + req.callid)
        lines.append("CSeq: " + req.hdr("cseq"))
        lines.append("Contact: <sip:peer@%s:%d>" % (self.ip, self.port))
        lines += list(extra)
        if body:
            lines.append("Content-Type: application/sdp")
        lines.append("Content-Length: %d" % len(body.encode()))
        text = "\r\n".join(lines) + "\r\n\r\n" + body
        self.send(text, req.src)
        return text


class Uac:
    """A dialog we start (the trunk's call, or nothing more): INVITE, ACK,
    in-dialog requests, CANCEL."""

    def __init__(self, peer, sb_port, dest=BILLING, from_user="15550001"):
        self.peer = peer
        self.sb = ("127.0.0.1", sb_port)
        self.callid = rand_hex(20) + "@review"
        self.ftag = rand_hex(8)
        self.from_hdr = "<sip:%s@%s>;tag=%s" % (from_user, peer.ip, self.ftag)
        self.to_hdr = "<sip:%s@127.0.0.1>" % dest
        self.ruri = "sip:%s@127.0.0.1:%d" % (dest, sb_port)
        self.cseq = 0
        self.rtag = None
        self.target = None
        self.invite_text = None
        self.invite_branch = None
        self.invite_cseq = None

    def _request(self, method, ruri, cseq, branch, to, body="", extra=(),
                 via_host=None):
        lines = ["%s %s SIP/2.0" % (method, ruri),
                 "Via: SIP/2.0/UDP %s:%d;branch=%s;rport" %
                 (via_host or self.peer.ip, self.peer.port, branch),
                 "Max-Forwards: 70",
                 "From: " + self.from_hdr,
                 "To: " + to,
                 "Call-ID: " + self.callid,
                 "CSeq: %d %s" % (cseq, method),
                 "Contact: <sip:caller@%s:%d>" % (self.peer.ip, self.peer.port)]
        lines += list(extra)
        if body:
            lines.append("Content-Type: application/sdp")
        lines.append("Content-Length: %d" % len(body.encode()))
        return "\r\n".join(lines) + "\r\n\r\n" + body

    def invite(self, body, extra=()):
        self.cseq += 1
        self.invite_cseq = self.cseq
        self.invite_branch = "z9hG4bK" + rand_hex(16)
        self.invite_text = self._request("INVITE", self.ruri, self.cseq,
                                         self.invite_branch, self.to_hdr,
                                         body, extra)
        self.peer.send(self.invite_text, self.sb)

    def to_with_tag(self):
        return self.to_hdr + (";tag=" + self.rtag if self.rtag else "")

    def final(self, timeout=10, cseq=None):
        """The next final response to our INVITE (cseq)."""
        cseq = cseq or self.invite_cseq
        return self.peer.expect(
            lambda m: not m.is_req and m.callid == self.callid and
            m.cseq == (cseq, "INVITE") and m.code >= 200, timeout,
            "final response to INVITE %d" % cseq)

    def established(self, resp):
        self.rtag = resp.to_tag
        self.target = resp.contact_uri()

    def ack(self, resp, body=""):
        """ACK for a 2xx: a new transaction, in the dialog."""
        self.established(resp) if not self.rtag else None
        text = self._request("ACK", self.target, resp.cseq[0],
                             "z9hG4bK" + rand_hex(16), self.to_with_tag(),
                             body)
        self.peer.send(text, self.sb)

    def ack_non2xx(self, resp):
        text = self._request("ACK", self.ruri, resp.cseq[0],
                             self.invite_branch,
                             self.to_hdr + ";tag=%s" % resp.to_tag)
        self.peer.send(text, self.sb)

    def request(self, method, body="", to_tag=None):
        """An in-dialog request; returns its CSeq."""
        self.cseq += 1
        to = self.to_hdr + ";tag=" + (to_tag or self.rtag)
        text = self._request(method, self.target or self.ruri, self.cseq,
                             "z9hG4bK" + rand_hex(16), to, body)
        self.peer.send(text, self.sb)
        return self.cseq

    def cancel_text(self, via_host=None):
        return self._request("CANCEL", self.ruri, self.invite_cseq,
                             self.invite_branch, self.to_hdr,
                             via_host=via_host)

    def response_to(self, cseq, method, timeout=5):
        return self.peer.expect(
            lambda m: not m.is_req and m.callid == self.callid and
            m.cseq == (cseq, method) and m.code >= 200, timeout,
            "final response to %s %d" % (method, cseq))

    def answer_request(self, req, code=200, body=""):
        self.peer.respond(req, code, "OK" if code == 200 else "Error",
                          body=body)


def is_req(method, callid=None):
    return lambda m: m.is_req and m.method == method and \
        (callid is None or m.callid == callid)


def establish(sb, caller, phone, media_port):
    """Caller (Uac) -> switchboard -> our phone peer (registered as alice),
    which answers; returns (the agent-side INVITE, the phone's to-tag)."""
    caller.invite(make_sdp(media_port))
    inv = phone.expect(is_req("INVITE"), 5, "INVITE at the phone")
    tag = rand_hex(8)
    phone.respond(inv, 180, "Ringing", to_tag=tag)
    phone.respond(inv, 200, "OK", to_tag=tag, body=make_sdp(free_port()))
    phone.expect(is_req("ACK", inv.callid), 5, "ACK for the phone's 200")
    ok = caller.final()
    check(ok.code == 200, ok.first)
    caller.ack(ok)
    return inv, tag


def rtp_packet(seq, ssrc=0x1234, pt=0):
    return struct.pack("!BBHII", 0x80, pt, seq & 0xffff, seq * 160, ssrc) + \
        b"\xff" * 160


def count_udp(sock, seconds):
    n = 0
    end = time.time() + seconds
    while True:
        left = end - time.time()
        if left <= 0:
            return n
        r, _, _ = select.select([sock], [], [], left)
        if r:
            sock.recvfrom(4096)
            n += 1


# -- the tests ----------------------------------------------------------------

def test_bye_in_early_dialog_gets_487_for_the_invite():
    """RFC 3261 15 and 15.1.2: a caller MAY send BYE in an early dialog
    (our 180 carried a to-tag). The BYE gets its 200 and the pending INVITE
    still gets a final answer, 487, so neither side's transaction hangs."""
    with Switchboard(PROVISION) as sb:
        peer = Peer()
        try:
            c = Uac(peer, sb.sip_port)
            c.invite(make_sdp(free_port()))
            ring = peer.expect(lambda m: not m.is_req and m.code == 180, 5,
                               "180")
            check(ring.to_tag, "180 without a to-tag", ring.first)
            bye = c.request("BYE", to_tag=ring.to_tag)
            r = c.response_to(bye, "BYE")
            check(r.code == 200, r.first)
            fin = peer.wait(lambda m: not m.is_req and
                            m.cseq == (c.invite_cseq, "INVITE") and
                            m.code >= 200, 3)
            check(fin is not None and fin.code == 487,
                  "INVITE not answered 487 after an early-dialog BYE:",
                  fin.first if fin else "no final response",
                  peer.history())
            c.ack_non2xx(fin)
        finally:
            peer.close()


def test_record_route_is_copied_into_dialog_forming_responses():
    """RFC 3261 12.1.1: a UAS MUST copy every Record-Route of the request
    into each response that establishes a dialog (180 with a to-tag, 200).
    Without it a trunk behind a record-routing proxy (Kamailio, an SBC)
    builds an empty route set and sends ACK/BYE past the proxy."""
    rr = "<sip:127.0.0.1:%d;lr;ftag=review>"
    with Switchboard(PROVISION) as sb, \
            SippAgent("agent.xml", calls=1, keys={"ring_ms": 200}) as phone:
        register(sb, "alice", phone.port)
        peer = Peer()
        try:
            c = Uac(peer, sb.sip_port)
            route = rr % peer.port
            c.invite(make_sdp(free_port()),
                     extra=["Record-Route: " + route])
            ring = peer.expect(lambda m: not m.is_req and m.code == 180, 5,
                               "180")
            ok = c.final()
            check(ok.code == 200, ok.first)
            c.ack(ok)
            c.request("BYE")
            check(route in ring.hdrs("record-route"),
                  "180 lacks Record-Route:", ring.raw.decode())
            check(route in ok.hdrs("record-route"),
                  "200 lacks Record-Route:", ok.raw.decode())
        finally:
            peer.close()


def test_invite_retransmission_after_the_ack_is_absorbed():
    """RFC 6026 7.1 (Accepted state, Timer L = 64*T1): after a 2xx the
    INVITE server transaction stays and absorbs late retransmissions of
    the INVITE, even after the ACK. Otherwise a retransmission that
    arrives late (100 Trying lost, UDP reordering) becomes a second call
    and rings an agent again."""
    with Switchboard(PROVISION) as sb, \
            SippAgent("agent.xml", calls=2, keys={"ring_ms": 0}) as phone:
        register(sb, "alice", phone.port)
        peer = Peer()
        try:
            c = Uac(peer, sb.sip_port)
            c.invite(make_sdp(free_port()))
            ok = c.final()
            check(ok.code == 200, ok.first)
            c.ack(ok)
            time.sleep(0.2)
            peer.send(c.invite_text, c.sb)      # the late retransmission
            peer.drain(1.5)
            other = [m for m in peer.inbox if not m.is_req and
                     m.callid == c.callid and m.cseq[1] == "INVITE" and
                     m.to_tag and m.to_tag != ok.to_tag]
            c.request("BYE")
            check(not other, "a retransmitted INVITE started another "
                  "dialog:", other, peer.history())
            check(len(phone.calls()) == 1, "the phone rang again",
                  phone.calls())
            check(len(sb.calls()) == 1, "a second call record", sb.calls())
        finally:
            peer.close()


def test_cancel_from_outside_the_trunk_does_not_end_the_call():
    """A CANCEL carries no credentials and branches are often predictable
    (SIPp's, many SBCs'): a CANCEL whose source is not the INVITE's does not
    match (481, RFC 3261 9.2) and the queued caller keeps waiting."""
    with Switchboard(PROVISION) as sb:
        peer = Peer()
        evil = Peer(ip="127.0.0.9")
        try:
            c = Uac(peer, sb.sip_port)
            c.invite(make_sdp(free_port()))
            peer.expect(lambda m: not m.is_req and m.code == 180, 5, "180")
            # a copy of the trunk's CANCEL, Via included, from 127.0.0.9
            evil.send(c.cancel_text(), c.sb)
            r = evil.wait(lambda m: not m.is_req, 2)
            fin = peer.wait(lambda m: not m.is_req and m.code >= 200 and
                            m.cseq == (c.invite_cseq, "INVITE"), 1.5)
            calls = sb.calls()
            check(fin is None, "the caller's INVITE was ended by a "
                  "stranger's CANCEL:", fin and fin.first,
                  "(CANCEL got %s)" % (r and r.first))
            check(calls and not calls[0]["ended"], calls)
            # the real caller cancels
            peer.send(c.cancel_text(), c.sb)
            fin = c.final()
            c.ack_non2xx(fin)
        finally:
            peer.close()
            evil.close()


def test_quick_hold_and_resume_both_reach_the_caller():
    """The agent holds and resumes while our hold re-INVITE to the caller
    is still unanswered: once the caller answers the hold, switchboard
    sends the resume (sendrecv) too, so the caller is not left on hold."""
    with Switchboard(PROVISION) as sb, \
            SippAgent("agent_hold.xml", calls=1,
                      keys={"ring_ms": 0, "talk_ms": 1000}) as phone:
        register(sb, "alice", phone.port)
        peer = Peer()
        try:
            c = Uac(peer, sb.sip_port)
            c.invite(make_sdp(free_port()))
            ok = c.final()
            check(ok.code == 200, ok.first)
            c.ack(ok)
            dirs = []
            answered = set()
            deadline = time.time() + 8
            while time.time() < deadline:
                m = peer.wait(lambda m: m.is_req and m.callid == c.callid,
                              deadline - time.time())
                if m is None:
                    break
                if m.method == "BYE":
                    c.answer_request(m)
                    break
                if m.method != "INVITE" or m.cseq[0] in answered:
                    continue            # ACKs, retransmissions
                answered.add(m.cseq[0])
                d = m.sdp()["dir"]
                dirs.append(d)
                if len(dirs) == 1:
                    time.sleep(1.3)     # slow to answer the hold
                c.answer_request(m, body=make_sdp(free_port(), MIRROR[d],
                                                  version=len(dirs) + 1))
            check(dirs == ["sendonly", "sendrecv"],
                  "re-INVITEs the caller got:", dirs)
        finally:
            peer.close()


def _two_python_parties(sb):
    caller_peer = Peer()
    phone = Peer()
    register(sb, "alice", phone.port)
    c = Uac(caller_peer, sb.sip_port)
    inv, tag = establish(sb, c, phone, free_port())
    # the caller holds: switchboard answers it and re-INVITEs the phone
    cs = c.request("INVITE", make_sdp(free_port(), "sendonly", 2))
    r = c.response_to(cs, "INVITE")
    check(r.code == 200, r.first)
    c.ack(r)
    reinv = phone.expect(is_req("INVITE", inv.callid), 5,
                         "re-INVITE at the phone")
    return caller_peer, phone, c, inv, tag, reinv


def test_2xx_to_our_reinvite_after_hangup_is_acked():
    """RFC 3261 13.2.2.4: the UAC core MUST ACK every 2xx to its INVITE,
    also when the call ended while our re-INVITE to the phone was pending
    (else the phone retransmits its 200 for 32 s)."""
    with Switchboard(PROVISION) as sb:
        cp, phone, c, inv, tag, reinv = _two_python_parties(sb)
        try:
            bye = c.request("BYE")
            check(c.response_to(bye, "BYE").code == 200)
            pb = phone.expect(is_req("BYE", inv.callid), 5, "BYE at phone")
            phone.respond(pb, 200, "OK")
            # only now does the phone answer the re-INVITE
            phone.respond(reinv, 200, "OK", to_tag=tag,
                          body=make_sdp(free_port(), "recvonly", 2))
            ack = phone.wait(lambda m: m.is_req and m.method == "ACK" and
                             m.cseq[0] == reinv.cseq[0], 2)
            check(ack is not None, "200 to our re-INVITE not ACKed:",
                  phone.history())
        finally:
            cp.close()
            phone.close()


def test_retransmitted_2xx_to_our_reinvite_after_call_end():
    """RFC 3261 13.2.2.4: a retransmitted 2xx to our re-INVITE is ACKed
    again and nothing else happens, even after the call has ended and its
    legs are gone (this once reached a freed leg: run under BUILD=build/san
    too)."""
    with Switchboard(PROVISION) as sb:
        cp, phone, c, inv, tag, reinv = _two_python_parties(sb)
        try:
            ok = phone.respond(reinv, 200, "OK", to_tag=tag,
                               body=make_sdp(free_port(), "recvonly", 2))
            phone.expect(lambda m: m.is_req and m.method == "ACK" and
                         m.cseq[0] == reinv.cseq[0], 2, "ACK")
            bye = c.request("BYE")
            check(c.response_to(bye, "BYE").code == 200)
            pb = phone.expect(is_req("BYE", inv.callid), 5, "BYE at phone")
            phone.respond(pb, 200, "OK")
            time.sleep(0.5)         # the record is saved, legs are freed
            phone.send(ok, reinv.src)    # our ACK "was lost"
            ack = phone.wait(lambda m: m.is_req and m.method == "ACK" and
                             m.cseq[0] == reinv.cseq[0], 2)
            st, _ = sb.api("GET", "/api/v1/health", token=None)
            check(st == 200, "switchboard died")
            check(ack is not None, "retransmitted 200 not ACKed",
                  phone.history())
        finally:
            cp.close()
            phone.close()


def answered_call(sb, peer, media_port):
    """A call from a Python caller (media at media_port) answered by the
    registered agent: returns (the Uac, the relay's address for it)."""
    c = Uac(peer, sb.sip_port)
    c.invite(make_sdp(media_port))
    ok = c.final()
    check(ok.code == 200, ok.first)
    c.ack(ok)
    relay = ok.sdp()
    return c, (relay["ip"], relay["port"])


def test_stray_rtp_first_does_not_hijack_the_callers_media():
    """RTP bleed: a stranger who sprays the relay's (guessable) ports
    before the caller's first packet must not take over the stream. Packets
    from the address the caller's SDP gave are relayed even when a stray
    packet came first (cf. rtpengine strict-source, Asterisk strictrtp)."""
    with Switchboard(PROVISION) as sb, \
            SippAgent("agent.xml", calls=1, keys={"ring_ms": 0}) as phone:
        register(sb, "alice", phone.port)
        peer = Peer()
        rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        rtp.bind(("127.0.0.1", 0))
        evil = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        evil.bind(("127.0.0.1", 0))
        try:
            c, dst = answered_call(sb, peer, rtp.getsockname()[1])
            evil.sendto(rtp_packet(1, ssrc=0xbad), dst)
            time.sleep(0.1)
            for i in range(25):
                rtp.sendto(rtp_packet(100 + i), dst)
                time.sleep(0.02)
            back = count_udp(rtp, 1.0)
            stolen = count_udp(evil, 0.2)
            c.request("BYE")
            check(back >= 20, "caller got %d of 25 echoes back; the "
                  "stranger got %d" % (back, stolen))
        finally:
            peer.close()
            rtp.close()
            evil.close()


def test_no_bye_to_the_caller_before_its_ack():
    """RFC 3261 15: the callee's UA MUST NOT send BYE on a confirmed dialog
    until it has received the ACK for its 2xx (or the server transaction
    timed out). When the agent hangs up right after answering, the
    caller's BYE waits for the caller's ACK."""
    with Switchboard(PROVISION) as sb, \
            SippAgent("agent_hangs_up.xml", calls=1,
                      keys={"ring_ms": 0, "talk_ms": 100}) as phone:
        register(sb, "alice", phone.port)
        peer = Peer()
        try:
            c = Uac(peer, sb.sip_port)
            c.invite(make_sdp(free_port()))
            ok = c.final()
            check(ok.code == 200, ok.first)
            c.established(ok)
            # the caller is slow to ACK (it is allowed 64*T1)
            peer.drain(1.5)
            early = peer.wait(is_req("BYE", c.callid), 0)
            acked = time.time()
            c.ack(ok)
            bye = early or peer.expect(is_req("BYE", c.callid), 5, "BYE")
            c.answer_request(bye)
            check(early is None, "BYE came %.2fs before our ACK:" %
                  (acked - bye.time), peer.history())
        finally:
            peer.close()


def test_sdp_answer_in_ack_moves_the_media():
    """RFC 3264 / RFC 3261 13.2.1: a re-INVITE without SDP makes our 200
    the offer and the ACK carries the answer; when that answer moves the
    caller's media port, the relay follows it."""
    with Switchboard(PROVISION) as sb, \
            SippAgent("agent.xml", calls=1, keys={"ring_ms": 0}) as phone:
        register(sb, "alice", phone.port)
        peer = Peer()
        old = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        old.bind(("127.0.0.1", 0))
        new = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        new.bind(("127.0.0.1", 0))
        try:
            c, dst = answered_call(sb, peer, old.getsockname()[1])
            for i in range(5):
                old.sendto(rtp_packet(i), dst)
                time.sleep(0.02)
            check(count_udp(old, 0.5) >= 3, "no echo on the first port")
            # re-INVITE without an offer; the answer goes in the ACK
            cs = c.request("INVITE")
            r = c.response_to(cs, "INVITE")
            check(r.code == 200 and r.sdp()["port"], r.first)
            c.ack(r, body=make_sdp(new.getsockname()[1], version=2))
            time.sleep(0.1)
            for i in range(20):
                new.sendto(rtp_packet(50 + i, ssrc=0x5678), dst)
                time.sleep(0.02)
            back = count_udp(new, 1.0)
            c.request("BYE")
            check(back >= 15, "echo on the port the ACK's answer gave:",
                  back, "of 20")
        finally:
            peer.close()
            old.close()
            new.close()


def test_2xx_after_the_phones_final_error():
    """A phone that sends a 2xx after its own 486 (buggy or hostile, or a
    forking front-end): the stray 2xx is ACKed and the dialog it made is
    ended with a BYE (RFC 3261 13.2.2.4); the caller keeps waiting. (This
    once reached a freed leg: run under BUILD=build/san too.)"""
    with Switchboard(PROVISION) as sb:
        phone = Peer()
        cp = Peer()
        try:
            register(sb, "alice", phone.port)
            c = Uac(cp, sb.sip_port)
            c.invite(make_sdp(free_port()))
            inv = phone.expect(is_req("INVITE"), 5, "INVITE at the phone")
            tag = rand_hex(8)
            phone.respond(inv, 486, "Busy Here", to_tag=tag)
            phone.expect(is_req("ACK", inv.callid), 2, "ACK for 486")
            time.sleep(0.2)     # the call has moved on; the leg is freed
            phone.respond(inv, 200, "OK", to_tag=tag,
                          body=make_sdp(free_port()))
            ack = phone.wait(lambda m: m.is_req and m.method == "ACK" and
                             m.callid == inv.callid, 2)
            bye = phone.wait(is_req("BYE", inv.callid), 2)
            if bye:
                phone.respond(bye, 200, "OK")
            st, _ = sb.api("GET", "/api/v1/health", token=None)
            check(st == 200, "switchboard died")
            check(ack is not None and bye is not None,
                  "stray 2xx not ACKed and BYEd:", phone.history())
        finally:
            phone.close()
            cp.close()


def test_invite_from_outside_the_trunks_is_answered_once():
    """An INVITE from an address no trunk allows is answered once, with a
    stateless 403 and no 100 Trying and no retransmissions (RFC 3261
    8.2.7): with spoofed UDP sources, a stateful answer would be a
    reflection amplifier and a memory sink."""
    with Switchboard(PROVISION) as sb:
        p = Peer(ip="127.0.0.9")
        try:
            c = Uac(p, sb.sip_port)
            c.invite(make_sdp(9))
            p.drain(2.5)
            got = [m.first for m in p.inbox]
            check(got == ["SIP/2.0 403 Forbidden"],
                  "responses to one non-trunk INVITE in 2.5 s:", got)
        finally:
            p.close()


if __name__ == "__main__":
    sys.exit(sbtest.run(globals(), "sip"))

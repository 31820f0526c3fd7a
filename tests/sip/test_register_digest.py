"""Digest authentication details SIPp cannot exercise (it only does MD5 and
reads only the first challenge): SHA-256 (RFC 8760), the offered order,
stale nonces, nonces bound to the client's address, Contact handling,
423 Interval Too Brief, and unregistering. A small, strict SIP client
written here plays the phone over UDP."""
import hashlib
import os
import random
import re
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import sbtest  # noqa: E402
from sbtest import Switchboard, check  # noqa: E402

PROVISION = {
    "agents": [{"id": "dana", "sip": {"username": "dana",
                                      "password": "dana-sip-pw"}}],
    "queues": [], "trunks": [], "routes": [],
}


class Phone:
    """Just enough SIP over UDP to REGISTER and read the answer."""

    def __init__(self, sb, ip="127.0.0.1", user="dana"):
        self.sb = sb
        self.user = user
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((ip, 0))
        self.sock.settimeout(3)
        self.ip, self.port = self.sock.getsockname()
        self.callid = "%x@%s" % (random.getrandbits(64), ip)
        self.cseq = 0

    def register(self, auth=None, expires=300, contact=None, extra=""):
        self.cseq += 1
        contact = contact or "<sip:%s@%s:%d>" % (self.user, self.ip,
                                                 self.port)
        msg = ("REGISTER sip:127.0.0.1:%d SIP/2.0\r\n"
               "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK%x;rport\r\n"
               "Max-Forwards: 70\r\n"
               "From: <sip:%s@127.0.0.1>;tag=%x\r\n"
               "To: <sip:%s@127.0.0.1>\r\n"
               "Call-ID: %s\r\nCSeq: %d REGISTER\r\n"
               "Contact: %s\r\n%s%sExpires: %d\r\n"
               "Content-Length: 0\r\n\r\n" %
               (self.sb.sip_port, self.ip, self.port,
                random.getrandbits(48), self.user, random.getrandbits(32),
                self.user, self.callid, self.cseq, contact,
                "Authorization: %s\r\n" % auth if auth else "", extra,
                expires))
        self.sock.sendto(msg.encode(), ("127.0.0.1", self.sb.sip_port))
        data, _ = self.sock.recvfrom(65535)
        return Response(data.decode())

    def close(self):
        self.sock.close()


class Response:
    def __init__(self, text):
        head = text.split("\r\n\r\n", 1)[0].split("\r\n")
        self.code = int(head[0].split()[1])
        self.headers = [(h.split(":", 1)[0].strip().lower(),
                         h.split(":", 1)[1].strip()) for h in head[1:]]

    def all(self, name):
        return [v for k, v in self.headers if k == name.lower()]

    def challenges(self):
        out = []
        for v in self.all("www-authenticate"):
            params = dict(re.findall(r'(\w+)="?([^",]*)"?', v))
            out.append(params)
        return out


def digest(ch, user, password, method="REGISTER",
           uri="sip:127.0.0.1", nc="00000001", cnonce="0a4f113b"):
    h = hashlib.sha256 if ch["algorithm"] == "SHA-256" else hashlib.md5
    H = lambda s: h(s.encode()).hexdigest()   # noqa: E731
    ha1 = H("%s:%s:%s" % (user, ch["realm"], password))
    ha2 = H("%s:%s" % (method, uri))
    resp = H("%s:%s:%s:%s:auth:%s" % (ha1, ch["nonce"], nc, cnonce, ha2))
    return ('Digest username="%s", realm="%s", nonce="%s", uri="%s", '
            'response="%s", algorithm=%s, qop=auth, nc=%s, cnonce="%s"' %
            (user, ch["realm"], ch["nonce"], uri, resp, ch["algorithm"],
             nc, cnonce))


def test_sha256_first_when_configured():
    with Switchboard(PROVISION,
                     args=["--digest-algorithms", "SHA-256,MD5"]) as sb:
        p = Phone(sb)
        r = p.register()
        check(r.code == 401, r.code)
        chs = r.challenges()
        check([c["algorithm"] for c in chs] == ["SHA-256", "MD5"], chs)
        check(all(c["qop"] == "auth" and c["realm"] == "switchboard"
                  for c in chs), chs)
        r = p.register(auth=digest(chs[0], "dana", "dana-sip-pw"))
        check(r.code == 200, r.code)
        check(any("expires=300" in c for c in r.all("contact")),
              r.all("contact"))
        # MD5 works as well when offered
        r = p.register(auth=digest(chs[1], "dana", "dana-sip-pw"))
        check(r.code == 200, r.code)
        p.close()


def test_md5_only_by_default_and_no_downgrade_to_unoffered():
    with Switchboard(PROVISION) as sb:
        p = Phone(sb)
        chs = p.register().challenges()
        check([c["algorithm"] for c in chs] == ["MD5"], chs)
        # a SHA-256 answer to an MD5-only challenge is not accepted
        sha = dict(chs[0], algorithm="SHA-256")
        r = p.register(auth=digest(sha, "dana", "dana-sip-pw"))
        check(r.code == 401, r.code)
        r = p.register(auth=digest(chs[0], "dana", "dana-sip-pw"))
        check(r.code == 200, r.code)
        p.close()


def test_wrong_sha256_password_then_403():
    with Switchboard(PROVISION, args=["--digest-algorithms", "SHA-256",
                                      "--auth-max-failures", "3"]) as sb:
        p = Phone(sb, ip="127.0.0.5")
        codes = []
        ch = p.register().challenges()[0]
        for _ in range(4):
            r = p.register(auth=digest(ch, "dana", "not-the-password"))
            codes.append(r.code)
            if r.code == 401:
                ch = r.challenges()[0]
        check(codes == [401, 401, 403, 403], codes)
        # the right password from the locked address is refused too
        r = p.register(auth=digest(ch, "dana", "dana-sip-pw"))
        check(r.code == 403, r.code)
        p.close()
        # another address is not locked
        q = Phone(sb, ip="127.0.0.6")
        ch = q.register().challenges()[0]
        check(q.register(auth=digest(ch, "dana", "dana-sip-pw")).code == 200)
        q.close()
        check("dana-sip-pw" not in sb.logtext())


def test_nonce_is_bound_to_the_client_address_and_expires():
    with Switchboard(PROVISION, args=["--nonce-ttl", "1"]) as sb:
        p = Phone(sb, ip="127.0.0.7")
        ch = p.register().challenges()[0]
        # replayed from another address: a fresh challenge, not a 200
        q = Phone(sb, ip="127.0.0.8")
        r = q.register(auth=digest(ch, "dana", "dana-sip-pw"))
        check(r.code == 401, r.code)
        q.close()
        time.sleep(2.2)
        r = p.register(auth=digest(ch, "dana", "dana-sip-pw"))
        check(r.code == 401 and r.challenges()[0].get("stale") == "true",
              r.code, r.challenges())
        ch = r.challenges()[0]
        check(p.register(auth=digest(ch, "dana", "dana-sip-pw")).code == 200)
        p.close()


def test_expires_limits_and_unregister():
    with Switchboard(PROVISION) as sb:
        p = Phone(sb)
        ch = p.register().challenges()[0]
        auth = lambda: digest(ch, "dana", "dana-sip-pw")  # noqa: E731
        r = p.register(auth=auth(), expires=10)
        check(r.code == 423 and r.all("min-expires") == ["60"], r.code,
              r.headers)
        r = p.register(auth=auth(), expires=999999)
        check(r.code == 200, r.code)
        check(any("expires=3600" in c for c in r.all("contact")),
              r.all("contact"))
        # a second phone for the same agent: both listed
        r = p.register(auth=auth(), contact="<sip:dana@127.0.0.1:5999>")
        check(r.code == 200 and len(r.all("contact")) == 2, r.all("contact"))
        # remove one, then all with '*'
        r = p.register(auth=auth(), contact="<sip:dana@127.0.0.1:5999>",
                       expires=0)
        check(r.code == 200 and len(r.all("contact")) == 1, r.all("contact"))
        r = p.register(auth=auth(), contact="*", expires=0)
        check(r.code == 200 and r.all("contact") == [], r.all("contact"))
        # '*' with a non-zero Expires is a client error
        r = p.register(auth=auth(), contact="*", expires=60)
        check(r.code == 400, r.code)
        p.close()


def test_authenticated_user_must_match_the_registered_one():
    prov = dict(PROVISION)
    prov["agents"] = PROVISION["agents"] + [
        {"id": "eve", "sip": {"username": "eve", "password": "eve-sip-pw"}}]
    with Switchboard(prov) as sb:
        # eve authenticates with her own password but registers dana's AOR
        p = Phone(sb, user="dana", ip="127.0.0.9")
        ch = p.register().challenges()[0]
        r = p.register(auth=digest(ch, "eve", "eve-sip-pw"))
        check(r.code in (401, 403), r.code)
        p.close()


if __name__ == "__main__":
    sys.exit(sbtest.run(globals(), "sip"))

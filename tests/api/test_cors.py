"""CORS for pages of other sites (api_allowed_origins): the Service Cloud
Voice connector runs in a Salesforce frame and calls the API and the
events stream from there. Only listed origins get answers a browser
accepts; the list is empty by default; a bad entry stops the start."""
import http.client
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import sbtest  # noqa: E402
from sbtest import ADMIN_TOKEN, BIN, Switchboard, check, free_port  # noqa
from wsclient import HandshakeError, WsClient  # noqa: E402

SF = "https://acme.lightning.force.com"
SF2 = "https://acme--c.vf.force.com:8443"
EVIL = "https://evil.example"
EVENTS = "/api/v1/events"

PROVISION = {"agents": [{"id": "alice", "password": "alice-web-pw"}]}


def request(sb, method, path, headers=None, body=None):
    """(status, {lower-case header: value}, parsed body or None)"""
    c = http.client.HTTPConnection("127.0.0.1", sb.http_port, timeout=10)
    try:
        data = json.dumps(body).encode() if body is not None else None
        h = dict(headers or {})
        if data is not None:
            h["Content-Type"] = "application/json"
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        raw = r.read()
        hdrs = {}
        for k, v in r.getheaders():
            # a browser refuses a CORS header given twice
            assert k.lower() not in hdrs, ("twice", k, r.getheaders())
            hdrs[k.lower()] = v
        return r.status, hdrs, json.loads(raw) if raw else None
    finally:
        c.close()


def preflight(sb, origin, method="POST", path="/api/v1/login"):
    return request(sb, "OPTIONS", path, {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization, content-type"})


def test_listed_origins_get_cors_answers():
    with Switchboard(PROVISION, args=["--api-allowed-origins",
                                      SF + " " + SF2]) as sb:
        for origin in (SF, SF2):
            st, h, _ = preflight(sb, origin)
            check(st == 204, origin, st, h)
            check(h.get("access-control-allow-origin") == origin, h)
            methods = [m.strip() for m in
                       h["access-control-allow-methods"].split(",")]
            check(set(methods) >= {"GET", "POST", "PUT", "PATCH",
                                   "DELETE"}, methods)
            allowed = h["access-control-allow-headers"].lower()
            check("authorization" in allowed and "content-type" in allowed,
                  h)
            check("access-control-allow-credentials" not in h, h)
            check("origin" in h.get("vary", "").lower(), h)

        # a preflight needs no credentials, on any API path
        st, h, _ = preflight(sb, SF, "PUT", "/api/v1/agents/alice/status")
        check(st == 204 and h["access-control-allow-origin"] == SF, st, h)

        # the actual requests: the origin echoed, errors too
        st, h, body = request(sb, "POST", "/api/v1/login",
                              {"Origin": SF},
                              {"id": "alice", "password": "alice-web-pw"})
        check(st == 200 and body["token"], st, body)
        check(h.get("access-control-allow-origin") == SF, h)
        token = body["token"]
        st, h, body = request(sb, "GET", "/api/v1/me", {
            "Origin": SF, "Authorization": "Bearer " + token})
        check(st == 200 and body["agent"]["id"] == "alice", st, body)
        check(h.get("access-control-allow-origin") == SF, h)
        st, h, body = request(sb, "GET", "/api/v1/me", {"Origin": SF})
        check(st == 401 and body["error"]["code"] == "unauthorized", st)
        check(h.get("access-control-allow-origin") == SF, h)
        check("www-authenticate" in
              h.get("access-control-expose-headers", "").lower(), h)

        # the events stream from the listed page, token in the query
        ws = WsClient(sb.http_port, EVENTS + "?access_token=" + token,
                      headers={"Origin": SF})
        hello = ws.recv_json()
        check(hello["type"] == "hello" and
              hello["data"]["agent"] == "alice", hello)
        ws.close()


def test_other_origins_are_refused():
    with Switchboard(PROVISION, args=["--api-allowed-origins", SF]) as sb:
        st, h, body = preflight(sb, EVIL)
        check(st == 403 and body["error"]["code"] == "forbidden", st, body)
        check("access-control-allow-origin" not in h, h)
        check("api_allowed_origins" in body["error"]["message"], body)
        # a listed host on another scheme or port is another origin
        for other in ("http://acme.lightning.force.com", SF + ":444"):
            st, h, _ = preflight(sb, other)
            check(st == 403 and "access-control-allow-origin" not in h,
                  other, st, h)

        # a simple request still runs (a browser hides the answer from
        # the page), but carries nothing that would let a browser show it
        st, h, _ = request(sb, "GET", "/api/v1/health", {"Origin": EVIL})
        check(st == 200 and "access-control-allow-origin" not in h, st, h)
        try:
            WsClient(sb.http_port, EVENTS, token=ADMIN_TOKEN,
                     headers={"Origin": EVIL})
            raise AssertionError("the stream opened for " + EVIL)
        except HandshakeError as e:
            check(e.status == 403, e.status, e.body)
        # the server's own pages as before
        ws = WsClient(sb.http_port, EVENTS, token=ADMIN_TOKEN, headers={
            "Origin": "http://127.0.0.1:%d" % sb.http_port})
        ws.close()


def test_no_origin_is_allowed_by_default():
    with Switchboard(PROVISION) as sb:
        st, h, body = preflight(sb, SF)
        check(st == 403 and "access-control-allow-origin" not in h, st, h)
        st, h, _ = request(sb, "GET", "/api/v1/health", {"Origin": SF})
        check(st == 200 and "access-control-allow-origin" not in h, h)
        try:
            WsClient(sb.http_port, EVENTS, token=ADMIN_TOKEN,
                     headers={"Origin": SF})
            raise AssertionError("the stream opened for " + SF)
        except HandshakeError as e:
            check(e.status == 403, e.status)
        # an OPTIONS that is no preflight is an ordinary request: 401
        st, _, body = request(sb, "OPTIONS", "/api/v1/me")
        check(st == 401, st, body)


def test_a_bad_entry_stops_the_start():
    for bad in ("*", "https://acme.example/path", "acme.example",
                "ftp://acme.example", "https://acme.example:99999x"):
        cp = subprocess.run([BIN, "serve", "--http-listen",
                             "127.0.0.1:%d" % free_port(False),
                             "--sip-listen", "127.0.0.1:%d" % free_port(),
                             "--db", ":memory:",
                             "--admin-token", ADMIN_TOKEN,
                             "--api-allowed-origins", bad],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            timeout=20)
        out = cp.stdout.decode(errors="replace")
        check(cp.returncode != 0 and "api_allowed_origins" in out, bad,
              cp.returncode, out[-500:])


if __name__ == "__main__":
    sys.exit(sbtest.run(globals(), "api/test_cors"))

#!/usr/bin/env python3
"""Agents and supervisors logging in, and what each role may do: sessions
by bearer token and by cookie, logout, throttled wrong passwords (per id
and address, other addresses unaffected), sessions ended by a password
change or the agent's deletion, and every 401/403 rule of the API."""
import http.client
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import sbtest  # noqa: E402
from sbtest import Switchboard, check  # noqa: E402

PROVISION = {
    "queues": [{"id": "billing", "skills": {"billing": 3}}],
    "agents": [
        {"id": "alice", "password": "alice-web-1",
         "skills": {"billing": 5}},
        {"id": "bob", "password": "bob-web-12", "skills": {"billing": 5}},
        {"id": "sam", "name": "Sam Boss", "role": "supervisor",
         "password": "sam-web-123"},
        {"id": "ada", "role": "admin", "password": "ada-web-1234"},
        {"id": "nopw", "skills": {"billing": 5}},
    ],
}


def raw(sb, method, path, body=None, headers=None, source="127.0.0.1"):
    """(status, headers dict (lower-case names), parsed body) from a given
    source address; the reason phrase goes into headers as ":reason"."""
    c = http.client.HTTPConnection("127.0.0.1", sb.http_port, timeout=10,
                                   source_address=(source, 0))
    data = json.dumps(body).encode() if body is not None else None
    h = {"Content-Type": "application/json"} if data else {}
    h.update(headers or {})
    c.request(method, path, body=data, headers=h)
    r = c.getresponse()
    payload = r.read()
    hdrs = {k.lower(): v for k, v in r.getheaders()}
    hdrs[":reason"] = r.reason
    c.close()
    return r.status, hdrs, json.loads(payload) if payload else None


def login(sb, agent, password, source="127.0.0.1"):
    st, hdrs, body = raw(sb, "POST", "/api/v1/login",
                         {"id": agent, "password": password}, source=source)
    return st, hdrs, body


def token(sb, agent, password):
    st, _, body = login(sb, agent, password)
    check(st == 200, st, body)
    return body["token"]


def test_login_gives_a_token_and_an_httponly_cookie():
    with Switchboard(PROVISION) as sb:
        st, hdrs, body = login(sb, "alice", "alice-web-1")
        check(st == 200, st, body)
        check(body["agent"] == {"id": "alice", "name": "alice",
                                "role": "agent"}, body)
        tok = body["token"]
        check(len(tok) == 64, tok)
        cookie = hdrs["set-cookie"]
        check(cookie.startswith("sb_session=" + tok + ";"), cookie)
        for attr in ("HttpOnly", "SameSite=Strict", "Path=/"):
            check(attr in cookie, attr, cookie)
        # the bearer token and the cookie both work
        st, me = sb.api("GET", "/api/v1/me", token=tok)
        check(st == 200 and me["agent"]["id"] == "alice" and
              me["role"] == "agent", st, me)
        st, _, me = raw(sb, "GET", "/api/v1/me",
                        headers={"Cookie": "theme=dark; sb_session=" + tok})
        check(st == 200 and me["agent"]["id"] == "alice", st, me)
        # the admin token is the admin
        st, me = sb.api("GET", "/api/v1/me")
        check(st == 200 and me == {"role": "admin", "agent": None}, me)
        # the password never appears in the log
        sb.stop()
        log = open(sb.log_path).read()
        check("alice-web-1" not in log and tok not in log)


def test_wrong_credentials_401_and_bad_bodies_400():
    with Switchboard(PROVISION) as sb:
        for agent, pw in (("alice", "wrong-pass"), ("nobody", "whatever1"),
                          ("nopw", "anything1")):
            st, hdrs, body = login(sb, agent, pw)
            check(st == 401 and body["error"]["code"] == "unauthorized",
                  agent, st, body)
            check("token" not in body)
        for bad, code in (({"id": "alice"}, "missing_field"),
                          ({"id": "alice", "password": "alice-web-1",
                            "remember": True}, "unknown_field"),
                          ({"id": 5, "password": "x"}, "invalid_field")):
            st, _, body = raw(sb, "POST", "/api/v1/login", bad)
            check(st == 400 and body["error"]["code"] == code, bad, body)
        st, body = sb.api("POST", "/api/v1/login", raw=b'{"id":', token=None)
        check(st == 400 and "error" in body, st, body)
        # a session-looking token that is not one, and no token at all
        for tok in ("0" * 64, "nonsense"):
            st, body = sb.api("GET", "/api/v1/me", token=tok)
            check(st == 401, tok, st, body)
        st, body = sb.api("GET", "/api/v1/me", token=None)
        check(st == 401 and body["error"]["code"] == "unauthorized")


def test_failed_logins_are_throttled_per_id_and_address():
    with Switchboard(PROVISION) as sb:
        for _ in range(5):
            st, _, _ = login(sb, "alice", "wrong-pass")
            check(st == 401, st)
        # locked now, even with the right password
        st, hdrs, body = login(sb, "alice", "alice-web-1")
        check(st == 429 and body["error"]["code"] == "too_many_attempts",
              st, body)
        check(0 < int(hdrs["retry-after"]) <= 30, hdrs)
        check(hdrs[":reason"] == "Too Many Requests", hdrs)
        # another agent from the same address, and alice from another
        # address, are not locked out
        check(login(sb, "bob", "bob-web-12")[0] == 200)
        check(login(sb, "alice", "alice-web-1", source="127.0.0.2")[0]
              == 200)


def test_logout_password_change_and_deletion_end_sessions():
    with Switchboard(PROVISION) as sb:
        tok = token(sb, "alice", "alice-web-1")
        st, hdrs, _ = raw(sb, "POST", "/api/v1/logout",
                          headers={"Authorization": "Bearer " + tok})
        check(st == 204 and "Max-Age=0" in hdrs["set-cookie"], st, hdrs)
        check(sb.api("GET", "/api/v1/me", token=tok)[0] == 401)

        tok = token(sb, "alice", "alice-web-1")
        st, body = sb.api("PATCH", "/api/v1/agents/alice",
                          {"password": "alice-web-2"})
        check(st == 200, st, body)
        check(sb.api("GET", "/api/v1/me", token=tok)[0] == 401)
        check(login(sb, "alice", "alice-web-1")[0] == 401)
        tok = token(sb, "alice", "alice-web-2")
        # a change that keeps the password keeps the session
        check(sb.api("PATCH", "/api/v1/agents/alice",
                     {"capacity": 2})[0] == 200)
        check(sb.api("GET", "/api/v1/me", token=tok)[0] == 200)

        check(sb.api("DELETE", "/api/v1/agents/alice")[0] in (200, 204))
        check(sb.api("GET", "/api/v1/me", token=tok)[0] == 401)


def test_what_each_role_may_do():
    with Switchboard(PROVISION) as sb:
        agent = token(sb, "alice", "alice-web-1")
        sup = token(sb, "sam", "sam-web-123")
        admin = token(sb, "ada", "ada-web-1234")

        def st(method, path, tok, body=None):
            return sb.api(method, path, body, token=tok)[0]

        new_agent = {"id": "zed", "password": "zed-web-12"}
        # an agent: its own things, the queues and statuses
        check(st("GET", "/api/v1/agents/alice", agent) == 200)
        check(st("GET", "/api/v1/agents/bob", agent) == 403)
        check(st("GET", "/api/v1/agents", agent) == 403)
        check(st("GET", "/api/v1/trunks", agent) == 403)
        check(st("GET", "/api/v1/queues", agent) == 200)
        check(st("GET", "/api/v1/statuses", agent) == 200)
        check(st("GET", "/api/v1/queues/billing/stats", agent) == 200)
        check(st("PUT", "/api/v1/agents/alice/status", agent,
                 {"status": "break"}) == 200)
        check(st("PUT", "/api/v1/agents/bob/status", agent,
                 {"status": "break"}) == 403)
        check(st("POST", "/api/v1/agents", agent, new_agent) == 403)
        check(st("PATCH", "/api/v1/queues/billing", agent,
                 {"max_wait_s": 10}) == 403)
        check(st("GET", "/api/v1/calls/c1/routing", agent) == 403)
        check(st("GET", "/api/v1/calls?agent=bob", agent) == 403)
        st_, body = sb.api("GET", "/api/v1/calls", token=agent)
        check(st_ == 200, st_, body)
        check(st("GET", "/api/v1/calls/nope", agent) == 403)
        # a 403 says what is needed, as JSON
        code, body = sb.api("POST", "/api/v1/agents", new_agent,
                            token=agent)
        check(code == 403 and body["error"]["code"] == "forbidden" and
              "admin" in body["error"]["message"], body)

        # a supervisor: everyone's state, no configuration
        check(st("GET", "/api/v1/agents", sup) == 200)
        check(st("GET", "/api/v1/trunks", sup) == 200)
        check(st("PUT", "/api/v1/agents/bob/status", sup,
                 {"status": "lunch"}) == 200)
        check(st("GET", "/api/v1/calls?agent=bob", sup) == 200)
        check(st("GET", "/api/v1/calls/nope/routing", sup) == 404)
        check(st("POST", "/api/v1/agents", sup, new_agent) == 403)
        check(st("DELETE", "/api/v1/agents/bob", sup) == 403)

        # an agent with the admin role: everything
        check(st("POST", "/api/v1/agents", admin, new_agent) == 201)
        # nothing a refused request asked for happened
        check(sb.api("GET", "/api/v1/agents/bob")[1]["runtime"]["status"]
              == "lunch")
        check(sb.api("GET", "/api/v1/queues/billing")[1]["max_wait_s"]
              != 10)


def test_role_is_validated_and_returned():
    with Switchboard(PROVISION) as sb:
        st, body = sb.api("POST", "/api/v1/agents",
                          {"id": "x", "role": "boss"})
        check(st == 400 and body["error"]["field"] == "role", st, body)
        st, body = sb.api("GET", "/api/v1/agents/sam")
        check(st == 200 and body["role"] == "supervisor", body)
        # a role change takes effect on the next request of a session
        tok = token(sb, "bob", "bob-web-12")
        check(sb.api("GET", "/api/v1/agents", token=tok)[0] == 403)
        check(sb.api("PATCH", "/api/v1/agents/bob",
                     {"role": "supervisor"})[0] == 200)
        check(sb.api("GET", "/api/v1/agents", token=tok)[0] == 200)


if __name__ == "__main__":
    sys.exit(sbtest.run(globals(), "api"))

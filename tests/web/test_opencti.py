#!/usr/bin/env python3
"""The Open CTI softphone (web/opencti/) as Salesforce would run it: in
an iframe of a Lightning page from another site, loading sforce.opencti
from that site. Salesforce cannot be reached from here, so a stand-in
"org" on a second loopback address (127.0.0.2) serves the Lightning page
and, at the org's opencti_min.js path, a test double of sforce.opencti
(opencti_double.js) that records every call and checks it against the
Open CTI Developer Guide's signatures. Everything else is real: a
switchboard, SIPp as the trunk's caller, the agent's phone and the
carrier, headless Debian Chromium driven by opencti.mjs.

Flow: the page loads (notifyInitializationComplete, onClickToDial), the
agent signs in inside the frame (bearer token: the frame is cross-site,
no cookie), a reload inside the frame
(the session kept, or where third-party storage is blocked a clean
sign-in again; opened on its own, where storage is allowed, the token
survives a reload and not a sign-out), Available, a SIPp call is offered
(setSoftphonePanelVisibility + searchAndScreenPop by the caller's number),
Accept, mute/hold, hang up, wrap-up (saveLog with the Task: refused once,
then saved again from the softphone), then the
double's click-to-dial reaches the SIPp carrier. Also: the softphone's
CSP (opencti_origins) and an unlisted org's script refused."""
import http.client
import http.server
import os
import sys
import threading
import time
import urllib.parse
from html import escape

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import browser  # noqa: E402
import sbtest  # noqa: E402
from browser import prerequisites  # noqa: E402
from sbtest import SippAgent, Switchboard, check  # noqa: E402
from test_pages import CALLER, NUMBER, call_billing, on_break  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
WEB = os.path.join(sbtest.ROOT, "web")
DOUBLE = os.path.join(HERE, "opencti_double.js")
CALLER_ID = "+15550199"
CUSTOMER = "+15551234"
CONTACT_ID = "003000000000001AAA"
ACCOUNT_ID = "001000000000002AAA"
ORG_HOST = "127.0.0.2"
RUN_S = 180


def provision(carrier_port):
    return {
        "queues": [{"id": "billing", "name": "Billing",
                    "push_timeout_s": 20, "max_wait_s": 120,
                    "wrapup_s": 60}],
        "agents": [{"id": "alice", "name": "Alice Ng",
                    "password": "alice-web-1",
                    "sip": {"username": "alice", "password": "alice-sip"},
                    "queues": [{"id": "billing"}]}],
        "trunks": [{"id": "carrier", "allow": ["127.0.0.1/32"],
                    "outbound": {"uri": "sip:127.0.0.1:%d" % carrier_port,
                                 "prefixes": ["+1555"],
                                 "caller_id": CALLER_ID}}],
        "routes": [{"number": NUMBER, "queue": "billing"}],
    }


class OrgHandler(http.server.BaseHTTPRequestHandler):
    """The stand-in org: a Lightning page that frames ?phone=URL, and
    the double at every /support/api/<ver>/lightning/opencti_min.js."""

    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        parts = u.path.split("/")
        if (len(parts) == 6 and parts[1:3] == ["support", "api"] and
                parts[4:] == ["lightning", "opencti_min.js"]):
            with open(DOUBLE, "rb") as f:
                body = f.read()
            self.reply(200, "text/javascript", body)
        elif u.path == "/lightning/page/home":
            phone = urllib.parse.parse_qs(u.query).get("phone", [""])[0]
            body = ('<!doctype html><title>Lightning</title>'
                    '<iframe id="softphone" src="%s" width="340" '
                    'height="700"></iframe>' % escape(phone)).encode()
            self.reply(200, "text/html; charset=utf-8", body)
        elif u.path == "/favicon.ico":
            self.reply(204, "image/x-icon", b"")
        else:
            self.reply(404, "text/plain", b"not found")

    def reply(self, status, ctype, body):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


class Org:
    def __init__(self):
        self.srv = http.server.ThreadingHTTPServer((ORG_HOST, 0),
                                                   OrgHandler)
        self.url = "http://%s:%d" % (ORG_HOST, self.srv.server_address[1])
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.srv.shutdown()
        self.srv.server_close()


def get(sb, path):
    c = http.client.HTTPConnection("127.0.0.1", sb.http_port, timeout=10)
    c.request("GET", path)
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, r.getheader("Content-Security-Policy") or "", body


def csp(sb, path):
    st, pol, _ = get(sb, path)
    return st, pol


def directives(policy):
    out = {}
    for d in policy.split(";"):
        words = d.split()
        if words:
            out[words[0]] = words[1:]
    return out


def test_csp_lets_only_the_listed_orgs_into_the_softphone():
    org = "https://acme.lightning.force.com"
    with Switchboard(args=["--web-root", WEB, "--opencti-origins",
                           org + " http://127.0.0.2:8080"]) as sb:
        st, pol = csp(sb, "/opencti/softphone.html")
        check(st == 200, st)
        d = directives(pol)
        check(d["script-src"] == ["'self'", org, "http://127.0.0.2:8080"],
              pol)
        check(d["frame-ancestors"] == ["'self'", org,
                                       "http://127.0.0.2:8080"], pol)
        check(d["connect-src"] == ["'self'", "ws:", "wss:"], pol)
        for path in ("/opencti/softphone.js", "/opencti/softphone.css"):
            st, pol, body = get(sb, path)
            check(st == 200 and body and org in pol, path, st, pol)
        # no inline code: the policy would block it
        _, _, body = get(sb, "/opencti/softphone.html")
        check(b"<script>" not in body and b"style=" not in body and
              b" on" + b"click=" not in body, body[:200])
        # every other page keeps its own scripts only
        st, pol = csp(sb, "/agent.html")
        d = directives(pol)
        check(st == 200 and d["script-src"] == ["'self'"] and
              d["frame-ancestors"] == ["'self'"], pol)
    # without the setting the softphone page is served like the others
    with Switchboard(args=["--web-root", WEB]) as sb:
        st, pol = csp(sb, "/opencti/softphone.html")
        check(st == 200 and directives(pol)["script-src"] == ["'self'"],
              pol)
    # anything but plain origins is refused at start, saying which setting
    for bad in ("https://acme.example/x", "'unsafe-inline'",
                "https://a.example; script-src *", "http://acme.example",
                "https://*.force.com"):
        try:
            sb = Switchboard(args=["--opencti-origins", bad])
        except RuntimeError as e:
            check("opencti_origins" in str(e), bad, e)
        else:
            sb.close()
            raise AssertionError("opencti_origins %r was accepted" % bad)


def calls_of(done, method):
    return [c["args"] for c in done.get("calls", []) if c["method"] == method]


def test_softphone_in_a_lightning_frame_with_the_opencti_double():
    prerequisites()
    with Org() as org, \
            SippAgent("carrier.xml", calls=1, rtp_echo=False,
                      timeout=RUN_S, keys={"to": CUSTOMER,
                                           "from": CALLER_ID,
                                           "talk_ms": 3000}) as far, \
            Switchboard(provision(far.port),
                        args=["--web-root", WEB,
                              "--opencti-origins", org.url]) as sb, \
            SippAgent("agent.xml", calls=2, keys={"ring_ms": 300},
                      timeout=RUN_S) as phone:
        on_break(sb, phone)
        callers = []

        def on_need(what):
            if what == "call":
                callers.append(call_billing(sb, RUN_S))
            elif what == "carrier":
                sb.wait_for(lambda: far.calls(), timeout=30,
                            what="the carrier's INVITE")
            else:
                raise AssertionError("unknown need " + what)

        r = browser.run(sb, "opencti.mjs", on_need, RUN_S, callers,
                        ORG_URL=org.url, BAD_ORG="http://127.0.0.3:9",
                        AGENT="alice", AGENT_PW="alice-web-1",
                        CALLER=CALLER, CONTACT_ID=CONTACT_ID,
                        CUSTOMER=CUSTOMER, ACCOUNT_ID=ACCOUNT_ID)
        r.check_passed(sb, steps=11)
        done = r.done
        check(not done.get("violations"), "Open CTI misuse:",
              done.get("violations"))
        check(not r.console, "console errors:", r.console)

        # each documented call, as the double recorded it (functions
        # appear as "<function>")
        check(calls_of(done, "notifyInitializationComplete") ==
              [{"callback": "<function>"}], done["calls"])
        check(calls_of(done, "onClickToDial") ==
              [{"listener": "<function>"}], done["calls"])
        check(calls_of(done, "setSoftphonePanelVisibility")[0] ==
              {"visible": True, "callback": "<function>"}, done["calls"])
        pops = calls_of(done, "searchAndScreenPop")
        check(pops == [{"searchParams": CALLER, "callType": "inbound",
                        "deferred": False, "callback": "<function>"}], pops)

        recs = sb.calls()
        inbound = [r for r in recs if r.get("direction") != "outbound"]
        outbound = [r for r in recs if r.get("direction") == "outbound"]
        check(len(inbound) == 1 and len(outbound) == 1, recs)
        rec = inbound[0]
        check(rec["agent"] == "alice" and rec["disposition"] == "resolved",
              rec)
        # the first was refused (failNext), the second is the same Task
        logs = calls_of(done, "saveLog")
        check(len(logs) == 2 and logs[0] == logs[1] and
              set(logs[0]) == {"value", "callback"}, logs)
        task = logs[0]["value"]
        t_ans = time.mktime(time.strptime(rec["answered"][:19],
                                          "%Y-%m-%dT%H:%M:%S"))
        t_end = time.mktime(time.strptime(rec["ended"][:19],
                                          "%Y-%m-%dT%H:%M:%S"))
        want = {
            "entityApiName": "Task",
            "Subject": "Call from " + CALLER,
            "CallType": "Inbound",
            "CallDisposition": "resolved",
            "CallObject": rec["id"],
            "Status": "Completed",
            "ActivityDate": time.strftime("%Y-%m-%d"),
            "Description": "billing question answered",
            "WhoId": CONTACT_ID,
        }
        dur = task.pop("CallDurationInSeconds")
        check(task == want, "task", task, "want", want)
        check(isinstance(dur, int) and dur >= 1 and
              abs(dur - (t_end - t_ans)) <= 1, dur, rec)

        # click-to-dial: the carrier was called, as the trunk's caller id
        out = outbound[0]
        check(out["agent"] == "alice" and out["to"] == CUSTOMER, out)
        check(far.wait(30) == 0, far.output())
        check(callers and callers[0].wait(20) == 0,
              callers and callers[0].stdout.read()[-2000:])
        check(phone.wait(20) == 0, phone.output())


if __name__ == "__main__":
    sys.exit(sbtest.run(globals(), "web"))

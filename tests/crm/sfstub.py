"""sfstub — a stand-in for Salesforce's Telephony Integration REST API
(and a webhook receiver), on loopback, for tests/crm.

Salesforce cannot be reached from the tests, so this server checks what
switchboard sends as strictly as Salesforce documents it (Service Cloud
Voice developer guide: "Telephony Integration REST API Authorization",
"Create a Voice Call Record", "Update a Voice Call Record", "Create a
Transcript"):

- Authorization: Bearer <JWT>: header alg RS256, the RS256 signature
  verified with the public key of the contact center's certificate;
  claims iss (org id), sub (call center API name), aud
  (https://scrt.salesforce.com), exp in the future and at most 3 minutes
  after iat, iat not in the future. Anything else: 401.
- Content-Type: application/json.
- POST /telephony/v1/voiceCalls: the documented fields with their types,
  initiationMethod and participant types from the documented enums,
  required ones present, unknown ones refused (400), a parentVoiceCallId
  naming a known call.
- PATCH /telephony/v1/voiceCalls/{key}: key created before (404), the
  documented optional fields only, typed; callAttributes a string holding
  a JSON object.
- POST /telephony/v1/voiceCalls/{key}/messages: key the first record of a
  conversation (not a transfer's), fields and senderType enum as
  documented, endTime >= startTime.
- POST /hook: X-Switchboard-Signature verified (HMAC-SHA256 of
  "t.body", t within 5 minutes).

Each accepted request is recorded (time, method, path, body, claims);
refusals are recorded too, so a test can show none happened. A test can
queue canned answers (status, headers) for the next requests, and stop
and start the server on the same port (Salesforce down).
"""
import base64
import hashlib
import hmac
import json
import re
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

AUD = "https://scrt.salesforce.com"
BASE = "/telephony/v1"
JWT_MAX_LIFETIME = 180
SKEW = 5

CREATE_FIELDS = {
    # name: (type, required)
    "callCenterApiName": (str, True),
    "vendorCallKey": (str, True),
    "to": (str, True),
    "from": (str, True),
    "initiationMethod": (str, True),
    "startTime": (str, True),
    "participants": (list, True),
    "parentVoiceCallId": (str, False),
    "callAttributes": (str, False),
    "callOrigin": (str, False),
    "queue": (str, False),
}
INITIATION = {"Inbound", "Outbound", "Transfer", "Callback"}
PARTICIPANT_TYPES = {"END_USER", "HUMAN_AGENT", "VIRTUAL_AGENT"}

UPDATE_FIELDS = {
    "startTime": str, "endTime": str, "enqueueTime": str, "acceptTime": str,
    "fromNumber": str, "totalHoldDuration": int, "longestHoldDuration": int,
    "numberOfHolds": int, "queue": str, "agent": str,
    "agentInteractionDuration": int, "recordingLocation": str,
    "totalRecordingDuration": int, "callAttributes": str,
    "disconnectReason": str,
}
TIME_FIELDS = {"startTime", "endTime", "enqueueTime", "acceptTime"}

MESSAGE_FIELDS = {
    "participantId": str, "messageId": str, "startTime": int,
    "endTime": int, "content": str, "senderType": str,
}
SENDER_TYPES = {"END_USER", "HUMAN_AGENT", "VIRTUAL_AGENT"}

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$")


class Refused(Exception):
    def __init__(self, status, msg):
        super().__init__(msg)
        self.status = status
        self.msg = msg


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def make_key(path, bits=2048):
    """An RSA private key as PEM at path; returns the public key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    with open(path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return key.public_key()


def sign_webhook(secret, t, body):
    return hmac.new(secret.encode(), b"%d." % t + body,
                    hashlib.sha256).hexdigest()


def verify_webhook(secret, header, body, now=None):
    """True when header is 't=<unix>,v1=<hex>' for body, t fresh."""
    now = time.time() if now is None else now
    parts = dict(p.split("=", 1) for p in (header or "").split(",")
                 if "=" in p)
    try:
        t = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - t) > 300:
        return False
    return hmac.compare_digest(parts.get("v1", ""),
                               sign_webhook(secret, t, body))


def check_iso(name, v):
    if not isinstance(v, str) or not ISO.match(v):
        raise Refused(400, "%s: not an ISO 8601 UTC date-time: %r"
                      % (name, v))
    datetime.strptime(v[:19], "%Y-%m-%dT%H:%M:%S")


class Stub:
    def __init__(self, public_key, org_id, call_center, port=0,
                 webhook_secret=None):
        self.public_key = public_key
        self.org_id = org_id
        self.call_center = call_center
        self.webhook_secret = webhook_secret
        self.lock = threading.Lock()
        self.accepted = []      # dicts: t, method, path, body, claims
        self.refused = []       # (t, method, path, status, message)
        self.hooks = []         # (t, body dict, header, raw bytes)
        self.calls = {}         # vendorCallKey -> create body
        self.message_ids = set()
        self.duplicates = []
        self.canned = []        # [(status, headers)] for next requests
        self.sick = {}          # call id -> 503s still to answer
        self.answered = []      # (t, status) of every answer
        self.port = port
        self.server = None
        self.start()

    # -- control ------------------------------------------------------
    def start(self):
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                stub.handle(self)

            def do_PATCH(self):
                stub.handle(self)

            def do_GET(self):
                stub.reply(self, 405, {"message": "method"})

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever,
                         daemon=True).start()

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def close(self):
        self.stop()

    @property
    def url(self):
        return "http://127.0.0.1:%d%s" % (self.port, BASE)

    @property
    def hook_url(self):
        return "http://127.0.0.1:%d/hook" % self.port

    def sicken(self, call_id, n):
        """Answer the next n requests about call_id with 503."""
        with self.lock:
            self.sick[call_id] = n

    def queue_answers(self, *answers):
        with self.lock:
            self.canned.extend(answers)

    def wait(self, pred, timeout=20, what="condition"):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                v = pred(self)
            if v:
                return v
            time.sleep(0.05)
        raise AssertionError("stub: timed out waiting for %s; accepted %r "
                             "refused %r" % (what, self.accepted,
                                             self.refused))

    def of_call(self, call_id):
        """Accepted requests that concern one switchboard call."""
        with self.lock:
            return [a for a in self.accepted
                    if a["call"] == call_id]

    # -- checks -------------------------------------------------------
    def check_jwt(self, auth):
        if not auth or not auth.startswith("Bearer "):
            raise Refused(401, "no bearer token")
        parts = auth[7:].split(".")
        if len(parts) != 3:
            raise Refused(401, "not a JWS compact token")
        try:
            header = json.loads(b64url_decode(parts[0]))
            claims = json.loads(b64url_decode(parts[1]))
            sig = b64url_decode(parts[2])
        except ValueError:
            raise Refused(401, "token does not decode")
        if header.get("alg") != "RS256":
            raise Refused(401, "alg must be RS256: %r" % header)
        if set(header) - {"alg", "typ", "kid"}:
            raise Refused(401, "unknown JWT header fields %r" % header)
        try:
            self.public_key.verify(sig, ("%s.%s" % (parts[0], parts[1]))
                                   .encode(), padding.PKCS1v15(),
                                   hashes.SHA256())
        except InvalidSignature:
            raise Refused(401, "bad signature")
        now = time.time()
        for k, want in (("iss", self.org_id), ("sub", self.call_center),
                        ("aud", AUD)):
            if claims.get(k) != want:
                raise Refused(401, "claim %s: %r, want %r"
                              % (k, claims.get(k), want))
        exp, iat = claims.get("exp"), claims.get("iat")
        if not isinstance(exp, int) or not isinstance(iat, int):
            raise Refused(401, "exp and iat must be integers")
        if exp <= now - SKEW:
            raise Refused(401, "expired %.1fs ago" % (now - exp))
        if iat > now + SKEW:
            raise Refused(401, "iat in the future")
        if exp - iat > JWT_MAX_LIFETIME or exp > now + JWT_MAX_LIFETIME + \
                SKEW:
            raise Refused(401, "lifetime over 3 minutes")
        if set(claims) - {"iss", "sub", "aud", "exp", "iat", "jti"}:
            raise Refused(401, "unknown claims %r" % claims)
        return claims

    def check_create(self, body):
        for k, v in body.items():
            if k not in CREATE_FIELDS:
                raise Refused(400, "unknown field %s" % k)
            if not isinstance(v, CREATE_FIELDS[k][0]):
                raise Refused(400, "%s: wrong type" % k)
        for k, (_, req) in CREATE_FIELDS.items():
            if req and k not in body:
                raise Refused(400, "missing %s" % k)
        if body["callCenterApiName"] != self.call_center:
            raise Refused(400, "unknown call center")
        if body["initiationMethod"] not in INITIATION:
            raise Refused(400, "initiationMethod %r" %
                          body["initiationMethod"])
        check_iso("startTime", body["startTime"])
        if not body["participants"]:
            raise Refused(400, "participants: at least one")
        for p in body["participants"]:
            if not isinstance(p, dict) or set(p) != {"participantKey",
                                                     "type"}:
                raise Refused(400, "participant %r" % p)
            if p["type"] not in PARTICIPANT_TYPES or \
                    not isinstance(p["participantKey"], str):
                raise Refused(400, "participant %r" % p)
        parent = body.get("parentVoiceCallId")
        if body["initiationMethod"] == "Transfer":
            if parent not in self.calls:
                raise Refused(400, "transfer without a known parent")
        elif parent is not None:
            raise Refused(400, "parentVoiceCallId on a first record")
        if body.get("callAttributes") is not None:
            json.loads(body["callAttributes"])

    def check_update(self, key, body):
        if key not in self.calls:
            raise Refused(404, "no voice call %s" % key)
        if not body:
            raise Refused(400, "empty update")
        for k, v in body.items():
            if k not in UPDATE_FIELDS:
                raise Refused(400, "unknown field %s" % k)
            t = UPDATE_FIELDS[k]
            if not isinstance(v, t) or isinstance(v, bool):
                raise Refused(400, "%s: wrong type" % k)
            if k in TIME_FIELDS:
                check_iso(k, v)
        if "callAttributes" in body:
            try:
                attrs = json.loads(body["callAttributes"])
            except ValueError:
                raise Refused(400, "callAttributes: not JSON")
            if not isinstance(attrs, dict):
                raise Refused(400, "callAttributes: not an object")

    def check_message(self, key, body):
        call = self.calls.get(key)
        if call is None:
            raise Refused(404, "no voice call %s" % key)
        if call.get("parentVoiceCallId"):
            raise Refused(400, "messages go to the first record's key")
        for k, v in body.items():
            if k not in MESSAGE_FIELDS:
                raise Refused(400, "unknown field %s" % k)
            if not isinstance(v, MESSAGE_FIELDS[k]) or isinstance(v, bool):
                raise Refused(400, "%s: wrong type" % k)
        for k in MESSAGE_FIELDS:
            if k not in body:
                raise Refused(400, "missing %s" % k)
        if body["senderType"] not in SENDER_TYPES:
            raise Refused(400, "senderType %r" % body["senderType"])
        if body["endTime"] < body["startTime"] or not body["content"]:
            raise Refused(400, "bad times or empty content")

    # -- serving ------------------------------------------------------
    def reply(self, h, status, obj, headers=()):
        data = json.dumps(obj).encode()
        h.send_response(status)
        for k, v in headers:
            h.send_header(k, v)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)
        with self.lock:
            self.answered.append((time.time(), status))

    def handle(self, h):
        n = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(n) if n else b""
        now = time.time()
        path = h.path
        with self.lock:
            canned = self.canned.pop(0) if self.canned else None
            for cid, left in self.sick.items():
                if left and cid in path + raw.decode(errors="replace"):
                    canned = (503, [])
                    self.sick[cid] = left - 1
                    break
        if canned:
            status, headers = canned
            with self.lock:
                self.refused.append((now, h.command, path, status,
                                     "canned"))
            self.reply(h, status, [{"errorCode": "CANNED",
                                    "message": "test answer"}], headers)
            return
        try:
            if path == "/hook":
                self.handle_hook(h, raw, now)
                return
            rec = self.handle_api(h, path, raw)
        except Refused as e:
            with self.lock:
                self.refused.append((now, h.command, path, e.status, e.msg))
            self.reply(h, e.status, [{"errorCode": "INVALID",
                                      "message": e.msg}])
            return
        rec["t"] = now
        with self.lock:
            self.accepted.append(rec)
        self.reply(h, 201 if h.command == "POST" else 200,
                   {"success": True})

    def handle_hook(self, h, raw, now):
        sig = h.headers.get("X-Switchboard-Signature")
        if not self.webhook_secret or \
                not verify_webhook(self.webhook_secret, sig, raw):
            raise Refused(401, "bad webhook signature")
        body = json.loads(raw)
        with self.lock:
            self.hooks.append((now, body, sig, raw))
        self.reply(h, 200, {})

    def handle_api(self, h, path, raw):
        claims = self.check_jwt(h.headers.get("Authorization"))
        if h.headers.get("Content-Type", "").split(";")[0] != \
                "application/json":
            raise Refused(415, "Content-Type must be application/json")
        try:
            body = json.loads(raw)
        except ValueError:
            raise Refused(400, "body is not JSON")
        if not isinstance(body, dict):
            raise Refused(400, "body is not an object")
        if not path.startswith(BASE + "/voiceCalls"):
            raise Refused(404, "no such resource")
        rest = path[len(BASE + "/voiceCalls"):]
        m = re.match(r"^/([^/]+)(/messages)?$", rest)
        rec = {"method": h.command, "path": path, "body": body,
               "claims": claims}
        with self.lock:
            if h.command == "POST" and rest == "":
                self.check_create(body)
                key = body["vendorCallKey"]
                if key in self.calls:
                    self.duplicates.append(rec)
                self.calls[key] = body
                rec["kind"] = "create"
                rec["key"] = key
            elif h.command == "PATCH" and m and not m.group(2):
                key = m.group(1)
                self.check_update(key, body)
                rec["kind"] = "update"
                rec["key"] = key
            elif h.command == "POST" and m and m.group(2):
                key = m.group(1)
                self.check_message(key, body)
                if body["messageId"] in self.message_ids:
                    self.duplicates.append(rec)
                self.message_ids.add(body["messageId"])
                rec["kind"] = "message"
                rec["key"] = key
            else:
                raise Refused(405, "method")
        # switchboard's call id: the key without a transfer's "-t<n>"
        rec["call"] = re.sub(r"-t\d+$", "", rec["key"])
        return rec

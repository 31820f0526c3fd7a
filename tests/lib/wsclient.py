"""wsclient — a small RFC 6455 client on the standard library, for the
event stream's tests (tests/api/test_events.py).

A library client (python3-websocket) would hide what these tests must
control: unmasked or oversized frames, fragments, a client that never
reads, the raw handshake reply. So frames are built and read here.

    ws = WsClient(port, "/api/v1/events?since=12", token=ADMIN_TOKEN)
    hello = ws.recv_json()
    ws.close()
"""
import base64
import hashlib
import json
import os
import socket
import struct
import time

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

OP_CONT, OP_TEXT, OP_BINARY = 0x0, 0x1, 0x2
OP_CLOSE, OP_PING, OP_PONG = 0x8, 0x9, 0xa


class HandshakeError(Exception):
    def __init__(self, status, headers, body):
        Exception.__init__(self, "handshake answered %d: %s" % (status, body))
        self.status = status
        self.headers = headers
        self.body = body


class Closed(Exception):
    """The server closed the stream: code (None without one), reason."""
    def __init__(self, code=None, reason=""):
        Exception.__init__(self, "closed %s %s" % (code, reason))
        self.code = code
        self.reason = reason


def frame(opcode, payload=b"", fin=True, mask=True, rsv=0, length=None):
    """One client frame. length: a false length to announce."""
    if isinstance(payload, str):
        payload = payload.encode()
    n = len(payload) if length is None else length
    b0 = (0x80 if fin else 0) | (rsv << 4) | opcode
    mbit = 0x80 if mask else 0
    if n < 126:
        head = struct.pack("!BB", b0, mbit | n)
    elif n < 65536:
        head = struct.pack("!BBH", b0, mbit | 126, n)
    else:
        head = struct.pack("!BBQ", b0, mbit | 127, n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    body = bytes(c ^ key[i & 3] for i, c in enumerate(payload))
    return head + key + body


class WsClient:
    def __init__(self, port, path="/api/v1/events", token=None,
                 headers=None, rcvbuf=None, timeout=10, key=None,
                 version="13"):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            # before connect, so the window is small from the start
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF,
                                 rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect(("127.0.0.1", port))
        self.buf = b""
        self.key = key or base64.b64encode(os.urandom(16)).decode()
        lines = ["GET %s HTTP/1.1" % path,
                 "Host: 127.0.0.1:%d" % port,
                 "Upgrade: websocket",
                 "Connection: Upgrade",
                 "Sec-WebSocket-Key: %s" % self.key]
        if version is not None:
            lines.append("Sec-WebSocket-Version: %s" % version)
        if token:
            lines.append("Authorization: Bearer %s" % token)
        for k, v in (headers or {}).items():
            lines.append("%s: %s" % (k, v))
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.status, self.headers, body = self._read_response()
        if self.status != 101:
            self.sock.close()
            raise HandshakeError(self.status, self.headers, body)
        want = base64.b64encode(hashlib.sha1(self.key.encode() +
                                             GUID).digest()).decode()
        got = self.headers.get("sec-websocket-accept")
        if got != want:
            raise AssertionError("Sec-WebSocket-Accept %r, want %r" %
                                 (got, want))

    # -- raw bytes --------------------------------------------------------
    def _fill(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise Closed(None, "eof")
            self.buf += chunk

    def _take(self, n):
        self._fill(n)
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _read_response(self):
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise Closed(None, "eof in handshake")
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode().split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for l in lines[1:]:
            k, v = l.split(":", 1)
            headers[k.strip().lower()] = v.strip()
        n = int(headers.get("content-length", "0"))
        body = self._take(n) if n else b""
        try:
            body = json.loads(body) if body else None
        except ValueError:
            pass
        return status, headers, body

    # -- frames -----------------------------------------------------------
    def send_raw(self, data):
        self.sock.sendall(data)

    def send(self, opcode, payload=b"", **kw):
        self.sock.sendall(frame(opcode, payload, **kw))

    def recv_frame(self):
        """(opcode, payload) of the next frame from the server, which must
        be unmasked and whole."""
        b0, b1 = self._take(2)
        if b1 & 0x80:
            raise AssertionError("the server masked a frame")
        if not b0 & 0x80:
            raise AssertionError("the server fragmented a message")
        n = b1 & 0x7f
        if n == 126:
            n = struct.unpack("!H", self._take(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._take(8))[0]
        return b0 & 0x0f, self._take(n)

    def recv(self, timeout=None):
        """The next text message as a str; answers pings on the way.
        Raises Closed on a close frame (after echoing it)."""
        if timeout is not None:
            self.sock.settimeout(timeout)
        while True:
            op, payload = self.recv_frame()
            if op == OP_TEXT:
                return payload.decode()
            if op == OP_PING:
                self.send(OP_PONG, payload)
            elif op == OP_CLOSE:
                code = struct.unpack("!H", payload[:2])[0] \
                    if len(payload) >= 2 else None
                try:
                    self.send(OP_CLOSE, payload[:2])
                except OSError:
                    pass
                raise Closed(code, payload[2:].decode(errors="replace"))

    def recv_json(self, timeout=None):
        return json.loads(self.recv(timeout))

    def recv_until(self, pred, timeout=10):
        """Messages (parsed) up to and including the first for which
        pred is true."""
        out = []
        deadline = time.time() + timeout
        while True:
            left = deadline - time.time()
            if left <= 0:
                raise AssertionError("timed out; got %r" % out)
            out.append(self.recv_json(timeout=left))
            if pred(out[-1]):
                return out

    def recv_quiet(self, wait=0.5):
        """Messages that arrive within wait seconds of each other."""
        out = []
        while True:
            try:
                out.append(self.recv_json(timeout=wait))
            except socket.timeout:
                return out

    def close(self, code=1000):
        try:
            self.send(OP_CLOSE, struct.pack("!H", code))
        except OSError:
            pass
        self.sock.close()

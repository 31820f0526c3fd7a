"""A small speech-recognition server speaking Vosk-server's WebSocket
protocol, on loopback, for testing switchboard's ws backend (python3
stdlib only).

It checks what it receives as a real server would need it: the
handshake (RFC 6455, masked client frames), a text {"config":
{"sample_rate": N}} before any audio, binary frames of whole 16-bit
samples, {"eof": 1} at the end. It finds the utterances in the audio
itself (an energy VAD like switchboard's own), and answers each with
the next scripted sentence for the connection's role (the role= query
parameter switchboard adds): {"partial": "..."} while it goes on, then
{"text": "...", "result": [{"word","start","end","conf"}...]} with the
times of the speech it really heard.

Each connection leaves a Session the test inspects: path, query,
sample rate, samples, frame sizes, speech segments, errors."""
import base64
import hashlib
import json
import socket
import socketserver
import struct
import threading
import time
import urllib.parse

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
SPEECH_LEVEL = 300      # mean |sample| of a 20 ms frame, as switchboard
HANGOVER_S = 0.6
CONFS = (0.9, 0.7)      # word confidences, alternating


class Session:
    def __init__(self, path):
        url = urllib.parse.urlsplit(path)
        self.path = url.path
        self.query = dict(urllib.parse.parse_qsl(url.query))
        self.role = self.query.get("role", "")
        self.errors = []
        self.config = None
        self.rate = None
        self.samples = 0
        self.frames = []            # (arrival time, bytes)
        self.segments = []          # (start_s, end_s) of speech heard
        self.sent = []              # messages sent back
        self.eof = False
        self.closed = False
        self.opened = time.time()

    @property
    def seconds(self):
        return self.samples / self.rate if self.rate else 0.0


class _Handler(socketserver.BaseRequestHandler):
    def handle(self):
        srv = self.server.owner
        sock = self.request
        sock.settimeout(30)
        try:
            sess = self._handshake(sock)
        except (OSError, ValueError) as e:
            srv._note_error("handshake: %s" % e)
            return
        with srv.lock:
            srv.sessions.append(sess)
        try:
            _Conversation(srv, sess, sock).run()
        except (OSError, ValueError) as e:
            if not sess.eof:
                sess.errors.append("connection: %s" % e)
        finally:
            sess.closed = True
            try:
                sock.close()
            except OSError:
                pass

    def _handshake(self, sock):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                raise ValueError("closed during the handshake")
            data += chunk
            if len(data) > 16384:
                raise ValueError("handshake too long")
        head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
        lines = head.split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        hdrs = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            hdrs[k.strip().lower()] = v.strip()
        if method != "GET" or hdrs.get("upgrade", "").lower() != \
                "websocket" or hdrs.get("sec-websocket-version") != "13" \
                or "sec-websocket-key" not in hdrs:
            sock.sendall(b"HTTP/1.1 400 Bad Request\r\n"
                         b"Content-Length: 0\r\n\r\n")
            raise ValueError("not a WebSocket handshake: %r" % head)
        accept = base64.b64encode(hashlib.sha1(
            (hdrs["sec-websocket-key"] + GUID).encode()).digest()).decode()
        sock.sendall(("HTTP/1.1 101 Switching Protocols\r\n"
                      "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Accept: %s\r\n\r\n" % accept).encode())
        return Session(path)


class _Conversation:
    def __init__(self, srv, sess, sock):
        self.srv, self.sess, self.sock = srv, sess, sock
        self.buf = b""
        self.frame = bytearray()     # samples not yet VAD-ed (20 ms)
        self.pos = 0                 # samples VAD-ed
        self.speech_start = None
        self.last_voice = None
        self.next_partial = None
        self.n_utt = 0

    def recv_exact(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ValueError("closed by the client")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def send(self, opcode, payload):
        n = len(payload)
        if n < 126:
            head = struct.pack("!BB", 0x80 | opcode, n)
        elif n < 65536:
            head = struct.pack("!BBH", 0x80 | opcode, 126, n)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 127, n)
        self.sock.sendall(head + payload)

    def send_json(self, obj):
        self.sess.sent.append(obj)
        self.send(1, json.dumps(obj).encode())

    def run(self):
        sess = self.sess
        while True:
            b0, b1 = self.recv_exact(2)
            fin, opcode = b0 & 0x80, b0 & 0x0f
            n = b1 & 0x7f
            if n == 126:
                n = struct.unpack("!H", self.recv_exact(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self.recv_exact(8))[0]
            if not b1 & 0x80:
                sess.errors.append("an unmasked client frame")
                return
            key = self.recv_exact(4)
            data = bytes(c ^ key[i % 4] for i, c in
                         enumerate(self.recv_exact(n)))
            if not fin:
                sess.errors.append("a fragmented frame")
            if opcode == 8:
                return
            if opcode == 9:
                self.send(10, data)
            elif opcode == 1:
                if self.text(data):
                    return
            elif opcode == 2:
                self.audio(data)
            else:
                sess.errors.append("opcode %d" % opcode)
            if self.srv.stall_after_s is not None and \
                    time.time() - sess.opened > self.srv.stall_after_s:
                # stop reading: the client's buffers fill up
                sess.errors.append("stalled by the server on purpose")
                time.sleep(self.srv.stall_for_s)
                return
            after = self.srv.close_after_s
            if isinstance(after, dict):
                after = after.get(sess.role)
            if after is not None and time.time() - sess.opened > after:
                sess.errors.append("closed by the server on purpose")
                self.send(8, struct.pack("!H", 1011))
                return

    def text(self, data):
        sess = self.sess
        try:
            msg = json.loads(data)
        except ValueError:
            sess.errors.append("text that is not JSON: %r" % data[:80])
            return False
        if "config" in msg:
            if sess.config is not None or sess.samples:
                sess.errors.append("config not first, or twice")
            sess.config = msg["config"]
            sess.rate = msg["config"].get("sample_rate")
            if sess.rate not in (8000, 16000):
                sess.errors.append("sample_rate %r" % sess.rate)
            return False
        if msg.get("eof") == 1:
            # Vosk's asr_server.py matches these very bytes
            if data != b'{"eof" : 1}':
                sess.errors.append("eof spelled %r" % data)
            sess.eof = True
            self.end_utterance(final=True)
            self.send(8, struct.pack("!H", 1000))
            return True
        sess.errors.append("unexpected text %r" % msg)
        return False

    def audio(self, data):
        sess = self.sess
        sess.frames.append((time.time(), len(data)))
        if sess.config is None:
            sess.errors.append("audio before the config")
            sess.rate = 8000
        if len(data) % 2:
            sess.errors.append("a frame of %d bytes: not whole 16-bit "
                               "samples" % len(data))
            data = data[:-1]
        sess.samples += len(data) // 2
        self.frame += data
        step = sess.rate // 50 * 2          # 20 ms of bytes
        while len(self.frame) >= step:
            chunk, self.frame = self.frame[:step], self.frame[step:]
            pcm = struct.unpack("<%dh" % (step // 2), bytes(chunk))
            level = sum(abs(x) for x in pcm) / len(pcm)
            self.vad(level >= SPEECH_LEVEL, self.pos / sess.rate)
            self.pos += step // 2

    def script(self):
        lines = self.srv.script.get(self.sess.role, [])
        return lines[self.n_utt] if self.n_utt < len(lines) else \
            "extra utterance %d" % self.n_utt

    def vad(self, voiced, t):
        if voiced:
            if self.speech_start is None:
                self.speech_start = t
                self.next_partial = t + self.srv.partial_every_s
            self.last_voice = t + 0.02
        if self.speech_start is None:
            return
        if t - self.last_voice >= HANGOVER_S:
            self.end_utterance(final=False)
        elif t >= self.next_partial:
            self.next_partial = t + self.srv.partial_every_s
            words = self.script().split()
            done = (t - self.speech_start) / 1.5     # a guess of progress
            k = max(1, min(len(words), int(done * len(words)) + 1))
            self.send_json({"partial": " ".join(words[:k])})

    def end_utterance(self, final):
        if self.speech_start is None:
            if final:
                self.send_json({"text": ""})
            return
        start, end = self.speech_start, self.last_voice
        self.speech_start = None
        if end - start < 0.15:               # a click, as switchboard
            return
        self.sess.segments.append((start, end))
        words = self.script().split()
        self.n_utt += 1
        step = (end - start) / len(words)
        result = [{"word": w, "start": round(start + i * step, 3),
                   "end": round(start + (i + 1) * step, 3),
                   "conf": CONFS[i % 2]} for i, w in enumerate(words)]
        self.send_json({"result": result, "text": " ".join(words)})


class _Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


class AsrServer:
    """script: {role: [sentence, ...]}, the answer to each utterance of
    a connection of that role in turn. close_after_s (seconds, or
    {role: seconds}): drop each connection that long after it opened.
    stall_after_s: stop reading each connection that long after it
    opened, for stall_for_s, then drop it."""

    def __init__(self, script, partial_every_s=0.3, close_after_s=None,
                 stall_after_s=None, stall_for_s=15):
        self.script = script
        self.stall_after_s = stall_after_s
        self.stall_for_s = stall_for_s
        self.partial_every_s = partial_every_s
        self.close_after_s = close_after_s
        self.lock = threading.Lock()
        self.sessions = []
        self.errors = []
        self.srv = _Server(("127.0.0.1", 0), _Handler,
                           bind_and_activate=False)
        if stall_after_s is not None:
            # a small window, so that a stall fills the client's
            # buffers within seconds, not megabytes
            self.srv.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF,
                                       4096)
        self.srv.server_bind()
        self.srv.server_activate()
        self.srv.owner = self
        self.port = self.srv.server_address[1]
        self.thread = threading.Thread(target=self.srv.serve_forever,
                                       kwargs={"poll_interval": 0.1},
                                       daemon=True)
        self.thread.start()

    def url(self, path="/asr"):
        return "ws://127.0.0.1:%d%s" % (self.port, path)

    def _note_error(self, e):
        with self.lock:
            self.errors.append(e)

    def wait_closed(self, n, timeout=15):
        """Waits until n sessions have ended; returns them."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                done = [s for s in self.sessions if s.closed]
            if len(done) >= n:
                return done
            time.sleep(0.05)
        with self.lock:
            return [s for s in self.sessions if s.closed]

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def closed_port():
    """A loopback TCP port nobody listens on (a server that is down)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port

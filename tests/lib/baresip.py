"""baresip — a real softphone as an agent, headless, for integration tests.

Debian's baresip 1.0.0 (baresip-core, libre 1.1.0) runs without any audio
device: the microphone is a WAV file (aufile module), the speaker is ALSA's
"null" PCM (discards), and the sndfile filter records what was sent and
received to WAV files. No console module is loaded (stdio.so would fail
without a terminal anyway); the process is driven through ctrl_tcp
(netstring JSON on 127.0.0.1) and bounded by baresip's own -t SECONDS.

    from baresip import Baresip
    with Baresip("carol", registrar=("127.0.0.1", sb.sip_port),
                 password="secret") as phone:       # waits for REGISTER_OK
        ... call the queue; phone auto-answers ...
        phone.wait_event("CALL_ESTABLISHED", timeout=10)
        phone.hangup()                               # or let the far end
        phone.recordings()   # [(enc.wav, dec.wav)] per call: what it sent/heard
    # leaving the block stops baresip and removes its temp dir (SBTEST_KEEP=1
    # keeps it): look at recordings inside the block, after the call ended.

Facts a test must know (checked against baresip 1.0.0 / libre 1.1.0):
- REGISTER digest: MD5 only. A 401 with ANY WWW-Authenticate whose
  algorithm is not MD5 (e.g. SHA-256, even listed after MD5) makes libre give
  up ("Register: Function not implemented", ENOSYS; re v1.1.0
  src/sip/auth.c auth_handler). qop "auth" is used when offered.
- A wrong password is retried on every new 401 straight away, up to 16
  times (re src/sipreg/reg.c resets the auth state per 401;
  src/sip/request.c sip_request_loops), so a "403 after N bad digests" rule
  is hit at once; after a failure it retries only after 30-60 s (failwait).
- The digest uri is the REGISTER Request-URI including ";transport=udp".
- The registered Contact user is NOT the account user: libre appends
  "-0x<pointer>", e.g. <sip:carol-0x55eb2bd525a0@127.0.0.1:33000>, and the
  expiry is a Contact ";expires=<regint>" parameter, not an Expires header.
  INVITEs to either sip:carol@... or the contact URI are accepted.
- On stop it unregisters (REGISTER with expires=0, re-authenticated).
"""
import json
import math
import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
import wave

try:
    from sbtest import free_port
except ImportError:                         # used outside the harness
    import random

    def free_port(udp_too=True):
        for _ in range(200):
            port = random.randint(20000, 39999)
            try:
                t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                t.bind(("127.0.0.1", port))
                if udp_too:
                    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    u.bind(("127.0.0.1", port))
                    u.close()
                t.close()
                return port
            except OSError:
                continue
        raise RuntimeError("no free port")

BARESIP = os.environ.get("BARESIP", "baresip")
MODULE_PATH = os.environ.get("BARESIP_MODULES", "/usr/lib/baresip/modules")


def write_wav(path, seconds=5.0, freq=440.0, amplitude=8000, rate=8000):
    """A mono 16-bit WAV tone (8 kHz by default: what aufile needs for G.711
    with ausrc_srate 8000). freq 0 writes silence."""
    n = int(seconds * rate)
    w = wave.open(path, "wb")
    w.setnchannels(1)
    w.setsampwidth(2)
    w.setframerate(rate)
    w.writeframes(b"".join(
        struct.pack("<h", int(amplitude * math.sin(2 * math.pi * freq * i / rate)))
        for i in range(n)))
    w.close()
    return path


def wav_stats(path):
    """(seconds, rms, zero-crossing frequency in Hz) of a mono 16-bit WAV, to
    check that a recording holds the expected tone (or anything at all)."""
    w = wave.open(path)
    n = w.getnframes()
    rate = w.getframerate()
    data = w.readframes(n)
    w.close()
    if n == 0:
        return 0.0, 0.0, 0.0
    s = struct.unpack("<%dh" % n, data[:2 * n])
    rms = math.sqrt(sum(x * x for x in s) / n)
    zc = sum(1 for a, b in zip(s, s[1:]) if (a < 0) != (b < 0))
    return n / rate, rms, zc / 2.0 / (n / rate)


class Baresip:
    """One headless baresip process on 127.0.0.1.

    user: account user. registrar: (host, port) to REGISTER to with digest
    (password, regint seconds), or None for a phone that only receives
    direct calls (account domain is then its own listen address).
    answermode: "auto" (answer at once), "manual" (ring until accept()),
    "early". wav: file to send as microphone (8 kHz mono s16), default: a
    generated tone of tone_hz for 60 s. max_seconds: baresip quits by itself
    after this long (-t), whatever happens. A free SIP port (UDP+TCP), ctrl
    port and a 100-port RTP range are chosen unless given.
    """

    def __init__(self, user="carol", registrar=None, password=None,
                 regint=60, answermode="auto", wav=None, tone_hz=440.0,
                 max_seconds=120, sip_port=None, ctrl_port=None,
                 rtp_ports=None, workdir=None, account_params=(),
                 extra_config=(), wait_registered=True, start=True):
        self.user = user
        self.registrar = registrar
        self.password = password
        self.regint = regint
        self.answermode = answermode
        self.tone_hz = tone_hz
        self.max_seconds = max_seconds
        self.sip_port = sip_port or free_port()
        self.ctrl_port = ctrl_port or free_port(udp_too=False)
        if rtp_ports is None:
            base = 2 * (free_port() // 2)
            rtp_ports = (base, base + 99)
        self.rtp_ports = rtp_ports
        self.own_dir = workdir is None
        self.dir = workdir or tempfile.mkdtemp(prefix="baresip-")
        self.rec_dir = os.path.join(self.dir, "rec")
        os.makedirs(self.rec_dir, exist_ok=True)
        self.wav = wav or write_wav(os.path.join(self.dir, "mic.wav"),
                                    seconds=60, freq=tone_hz)
        self.account_params = list(account_params)
        self.extra_config = list(extra_config)
        self.log_path = os.path.join(self.dir, "baresip.log")
        self.proc = None
        self.ctrl = None
        self.events = []          # every ctrl_tcp event dict, in order
        self.responses = {}       # token -> response dict
        self._cv = threading.Condition()
        self._token = 0
        self._reader = None
        if start:
            try:
                self.start(wait_registered=wait_registered)
            except BaseException:
                self.close()
                raise

    # -- configuration ------------------------------------------------------
    def aor(self):
        if self.registrar:
            return "sip:%s@%s:%d" % (self.user, self.registrar[0],
                                     self.registrar[1])
        return "sip:%s@127.0.0.1:%d" % (self.user, self.sip_port)

    def uri(self):
        """Where to send an INVITE to this phone directly."""
        return "sip:%s@127.0.0.1:%d" % (self.user, self.sip_port)

    def write_config(self):
        lines = [
            "poll_method\t\tepoll",
            "sip_listen\t\t127.0.0.1:%d" % self.sip_port,
            # an address, not "lo": libre 1.1 finds no address on "lo"
            "net_interface\t\t127.0.0.1",
            "call_local_timeout\t120",
            "call_max_calls\t\t4",
            "audio_player\t\talsa,null",
            "audio_source\t\taufile,%s" % self.wav,
            "audio_alert\t\talsa,null",
            "ausrc_srate\t\t8000",
            "ausrc_channels\t\t1",
            "auplay_srate\t\t8000",
            "auplay_channels\t\t1",
            "rtp_ports\t\t%d-%d" % tuple(self.rtp_ports),
            "rtp_timeout\t\t0",
            "module_path\t\t%s" % MODULE_PATH,
            "module\t\t\tg711.so",
            "module\t\t\taufile.so",
            "module\t\t\talsa.so",
            "module\t\t\tsndfile.so",
            "module_tmp\t\taccount.so",
            "module_app\t\tmenu.so",
            "module_app\t\tctrl_tcp.so",
            "ctrl_tcp_listen\t\t127.0.0.1:%d" % self.ctrl_port,
            "snd_path\t\t%s" % self.rec_dir,
        ] + self.extra_config
        with open(os.path.join(self.dir, "config"), "w") as f:
            f.write("\n".join(lines) + "\n")
        params = ["answermode=%s" % self.answermode,
                  "audio_codecs=PCMU/8000/1,PCMA/8000/1"]
        if self.registrar:
            params.append("regint=%d" % self.regint)
            if self.password is not None:
                params.append("auth_pass=%s" % self.password)
        else:
            params.append("regint=0")
        params += self.account_params
        with open(os.path.join(self.dir, "accounts"), "w") as f:
            f.write("<%s;transport=udp>;%s\n" % (self.aor(), ";".join(params)))
        # an empty contacts file stops baresip writing its template
        open(os.path.join(self.dir, "contacts"), "w").close()

    # -- life cycle ---------------------------------------------------------
    def start(self, wait_registered=True, timeout=10):
        self.write_config()
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [BARESIP, "-f", self.dir, "-t", str(int(self.max_seconds))],
            stdin=subprocess.DEVNULL, stdout=self.log,
            stderr=subprocess.STDOUT, cwd=self.dir)
        deadline = time.time() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("baresip exited with %d:\n%s"
                                   % (self.proc.returncode, self.logtext()))
            try:
                self.ctrl = socket.create_connection(
                    ("127.0.0.1", self.ctrl_port), timeout=1)
                break
            except OSError:
                if time.time() > deadline:
                    raise RuntimeError("baresip ctrl_tcp not up:\n"
                                       + self.logtext())
                time.sleep(0.05)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        if self.registrar and wait_registered:
            self.wait_registered(timeout=max(1, deadline - time.time()))
        return self

    def logtext(self):
        try:
            self.log.flush()
        except (AttributeError, ValueError):
            pass
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def stop(self, timeout=5):
        """Ask baresip to quit (it unregisters first), then SIGTERM, then
        SIGKILL. Returns the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                self.command("quit", timeout=1, wait=False)
            except OSError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
        rc = self.proc.returncode
        self.proc = None
        if self.ctrl:
            try:
                self.ctrl.close()
            except OSError:
                pass
            self.ctrl = None
        self.log.close()
        return rc

    def close(self):
        try:
            self.stop()
        finally:
            if self.own_dir and not os.environ.get("SBTEST_KEEP"):
                shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- ctrl_tcp -----------------------------------------------------------
    def _read(self):
        buf = b""
        sock = self.ctrl
        sock.settimeout(None)
        while True:
            try:
                data = sock.recv(65536)
            except OSError:
                break
            if not data:
                break
            buf += data
            while True:                        # netstrings: LEN ":" JSON ","
                colon = buf.find(b":")
                if colon < 0 or not buf[:colon].isdigit():
                    break
                n = int(buf[:colon])
                if len(buf) < colon + 1 + n + 1:
                    break
                payload = buf[colon + 1:colon + 1 + n]
                buf = buf[colon + 2 + n:]
                try:
                    msg = json.loads(payload)
                except ValueError:
                    continue
                with self._cv:
                    if msg.get("event"):
                        msg["time"] = time.time()
                        self.events.append(msg)
                    elif msg.get("response"):
                        self.responses[msg.get("token")] = msg
                    self._cv.notify_all()
        with self._cv:
            self._cv.notify_all()

    def command(self, cmd, params="", timeout=5, wait=True):
        """Run a baresip command (menu module: dial, hangup, accept,
        reginfo, callstat, quit, ...). Returns its response dict
        ({"ok": bool, "data": text}) or None if wait is False."""
        with self._cv:
            self._token += 1
            token = "t%d" % self._token
        body = json.dumps({"command": cmd, "params": params,
                           "token": token}).encode()
        self.ctrl.sendall(b"%d:%s," % (len(body), body))
        if not wait:
            return None
        deadline = time.time() + timeout
        with self._cv:
            while token not in self.responses:
                left = deadline - time.time()
                if left <= 0:
                    raise AssertionError("baresip: no response to %r" % cmd)
                self._cv.wait(left)
            return self.responses.pop(token)

    def wait_event(self, etype, timeout=10, since=0, pred=None):
        """Wait for an event of type etype (REGISTER_OK, REGISTER_FAIL,
        CALL_INCOMING, CALL_RINGING, CALL_ESTABLISHED, CALL_CLOSED, ...),
        looking at events from index `since` on. Returns the event dict."""
        deadline = time.time() + timeout
        with self._cv:
            while True:
                for ev in self.events[since:]:
                    if ev.get("type") == etype and (pred is None or pred(ev)):
                        return ev
                left = deadline - time.time()
                if left <= 0 or self.proc is None or \
                        self.proc.poll() is not None:
                    raise AssertionError(
                        "baresip: no %s event in %.1fs; events: %s\n%s"
                        % (etype, timeout, [e.get("type") for e in self.events],
                           self.logtext()[-3000:]))
                self._cv.wait(min(left, 0.2))

    def registered(self):
        """True if reginfo says the account's registration is OK."""
        r = self.command("reginfo")
        return bool(r and "OK" in r.get("data", ""))

    def register_error(self):
        """The last registration error line of the log, or None. baresip
        logs 'reg: <aor>: 403 Forbidden ()' or 'reg: <aor>: Register: <why>'
        (no event reaches ctrl_tcp if it happened before we connected)."""
        err = None
        for line in self.logtext().splitlines():
            i = line.find("reg: ")
            if i >= 0:
                err = line[i:].replace("\x1b[;m", "").strip()
        return err

    def wait_registered(self, timeout=10):
        """Until REGISTER_OK (event, or reginfo if the event came before the
        ctrl connection). Raises on REGISTER_FAIL, a 'reg:' error in the log,
        or timeout."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self._cv:
                types = [ev.get("type") for ev in self.events]
            if "REGISTER_OK" in types or self.registered():
                return True
            err = self.register_error()
            if "REGISTER_FAIL" in types or err:
                raise AssertionError("baresip: registration failed: %s\n%s"
                                     % (err, self.logtext()[-3000:]))
            time.sleep(0.1)
        raise AssertionError("baresip: not registered in %.1fs\n%s"
                             % (timeout, self.logtext()[-3000:]))

    def hangup(self):
        return self.command("hangup")

    def accept(self):
        """Answer the ringing call (answermode=manual)."""
        return self.command("accept")

    def dial(self, uri):
        return self.command("dial", uri)

    # -- results ------------------------------------------------------------
    def recordings(self):
        """[(enc_wav, dec_wav)] per call, oldest first: enc is what the phone
        sent (its microphone), dec what it received and decoded."""
        files = sorted(os.listdir(self.rec_dir))
        out = []
        for f in files:
            if f.endswith("-enc.wav"):
                dec = f[:-len("-enc.wav")] + "-dec.wav"
                out.append((os.path.join(self.rec_dir, f),
                            os.path.join(self.rec_dir, dec)
                            if dec in files else None))
        return out

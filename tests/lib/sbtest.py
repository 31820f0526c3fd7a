"""sbtest — the harness every integration test uses.

It starts a real switchboard process on free loopback ports with its own
database in a temporary directory, talks to its HTTP API, and runs SIPp
(or other peers) against it. Each test is a function named test_*; run()
executes them in order and prints one "PASS <name>" or "FAIL <name>" line
per test, which tests/run.sh counts.
"""
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
BIN = os.path.join(BUILD, "switchboard")
SCENARIOS = os.path.join(ROOT, "tests", "scenarios")
ADMIN_TOKEN = "test-admin-token-0123456789"


def free_port(udp_too=True):
    """A port free for TCP (and UDP) on 127.0.0.1, below the kernel's
    ephemeral range (32768-60999), so no client socket takes it between
    this check and the peer's bind."""
    for _ in range(200):
        port = random.randint(20000, 32767)
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


class Switchboard:
    """One switchboard process. Use as a context manager or call stop()."""

    def __init__(self, provision=None, args=(), workdir=None, db=None,
                 sip_port=None, http_port=None):
        self.own_dir = workdir is None
        self.dir = workdir or tempfile.mkdtemp(prefix="sbtest-")
        self.db = db or os.path.join(self.dir, "switchboard.db")
        self.sip_port = sip_port or free_port()
        self.http_port = http_port or free_port(udp_too=False)
        base = random.randrange(40000, 59000, 200)
        self.rtp = (base, base + 199)
        self.log_path = os.path.join(self.dir, "switchboard.log")
        self.args = list(args)
        self.provision = provision
        self.proc = None
        # Ports are picked free, then bound by the server a moment later:
        # another suite on the machine may take one in between. Ports we
        # picked are picked again; ports a test gave are its business.
        for attempt in range(3):
            try:
                self.start()
                return
            except RuntimeError as e:
                if (attempt == 2 or sip_port or http_port or
                        "Address already in use" not in str(e)):
                    raise
                self.log.close()
                os.unlink(self.log_path)
                self.sip_port = free_port()
                self.http_port = free_port(udp_too=False)
                base = random.randrange(40000, 59000, 200)
                self.rtp = (base, base + 199)

    def start(self):
        cmd = [BIN, "serve",
               "--sip-listen", "127.0.0.1:%d" % self.sip_port,
               "--http-listen", "127.0.0.1:%d" % self.http_port,
               "--db", self.db,
               "--admin-token", ADMIN_TOKEN,
               "--rtp-ports", "%d-%d" % self.rtp,
               # ~90 MB and a core's worth of start-up per decoder: only
               # the tests that transcribe ask for it (a later option
               # wins)
               "--asr-backend", "off"] + self.args
        if self.provision is not None:
            path = os.path.join(self.dir, "provision.json")
            with open(path, "w") as f:
                json.dump(self.provision, f)
            cmd += ["--provision", path]
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(cmd, stdout=self.log,
                                     stderr=subprocess.STDOUT, cwd=self.dir)
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("switchboard exited with %d:\n%s" %
                                   (self.proc.returncode, self.logtext()))
            try:
                st, _ = self.api("GET", "/api/v1/health", token=None)
                if st == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("switchboard did not come up:\n" + self.logtext())

    def logtext(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Stop the process; returns its exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise RuntimeError("switchboard ignored signal %d" % sig)
        rc = self.proc.returncode
        self.proc = None
        self.log.close()
        return rc

    def restart(self):
        rc = self.stop()
        self.start()
        return rc

    def close(self, check_exit=True):
        """Stop and clean up. A non-zero exit status (a crash, or a
        sanitizer's report under SANITIZE=1) fails the test."""
        try:
            rc = self.stop()
            if check_exit and rc not in (0, None):
                raise AssertionError("switchboard exited with %d:\n%s" %
                                     (rc, self.logtext()[-4000:]))
        finally:
            if self.own_dir and not os.environ.get("SBTEST_KEEP"):
                shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *exc):
        # don't hide the test's own failure behind the exit status
        self.close(check_exit=exc_type is None)

    # -- HTTP -------------------------------------------------------------
    def api(self, method, path, body=None, token=ADMIN_TOKEN, raw=None,
            headers=None):
        """Returns (status, parsed JSON or None)."""
        url = "http://127.0.0.1:%d%s" % (self.http_port, path)
        data = raw if raw is not None else (
            json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", "Bearer " + token)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                payload = r.read()
                status = r.status
        except urllib.error.HTTPError as e:
            payload = e.read()
            status = e.code
        try:
            return status, json.loads(payload) if payload else None
        except ValueError:
            return status, payload.decode(errors="replace")

    def wait_for(self, pred, timeout=10, what="condition"):
        deadline = time.time() + timeout
        while time.time() < deadline:
            v = pred()
            if v:
                return v
            time.sleep(0.05)
        raise AssertionError("timed out waiting for " + what)

    def calls(self, **query):
        q = "&".join("%s=%s" % kv for kv in query.items())
        st, body = self.api("GET", "/api/v1/calls" + ("?" + q if q else ""))
        assert st == 200, (st, body)
        return body["calls"]


def record(sb, cid, pred=lambda r: r["ended"], timeout=10):
    """GET /api/v1/calls/{cid} once pred(record) holds (by default: once
    its end is saved); fails the test after timeout seconds."""
    def f():
        st, r = sb.api("GET", "/api/v1/calls/" + cid)
        return r if st == 200 and pred(r) else None
    return sb.wait_for(f, timeout=timeout, what="record of " + cid)


def last_call(sb, **filters):
    """The newest call record (GET /api/v1/calls?filters), once its end
    is saved."""
    def done():
        calls = sb.calls(**filters)
        return calls[0] if calls and calls[0]["ended"] else None
    return sb.wait_for(done, what="call record")


def is_error(body, code, field=None):
    """Whether an API answer is exactly the error body,
    {"error":{"code","message"[,"field"]}}, with this code (and, if given,
    this field)."""
    if not isinstance(body, dict) or set(body) != {"error"}:
        return False
    e = body["error"]
    if e.get("code") != code or not isinstance(e.get("message"), str):
        return False
    return field is None or e.get("field") == field


# -- SIPp ------------------------------------------------------------------
def default_pcap():
    """Path of a PCMU (PT 0) pcap, 250 packets = 5 s of a 440 Hz tone,
    written once per machine into the temp dir: the default audio of the
    caller scenarios. PCMU because the agent scenarios answer PCMU only
    (SIPp's own g711a.pcap is PCMA, PT 8: off-codec on such a call)."""
    path = os.path.join(tempfile.gettempdir(),
                        "sbtest-pcmu-440hz-250.%d.pcap" % os.getuid())
    if not os.path.exists(path):
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from rtpcount import write_pcap
        tmp = "%s.%d" % (path, os.getpid())
        write_pcap(tmp, packets=250, pt=0, tone_hz=440.0)
        os.replace(tmp, path)
    return path


# Defaults for the -key values of tests/scenarios/*.xml (see the README
# there). A callable default is called when it is needed. Keys a test must always give (user, password, contact_port, dest)
# have no default: SIPp refuses to load a scenario with a missing key.
SCENARIO_KEYS = {
    "register.xml": {"expires": "300"},
    "register_many.xml": {"expires": "300"},
    "unregister.xml": {},
    "register_bad.xml": {"password": "wrong-password", "expires": "60",
                         "bad_401s": "2"},
    "caller.xml": {"from": "15550001", "talk_ms": "1000",
                   "pcap": default_pcap},
    "caller_hears_bye.xml": {"from": "15550001", "pcap": default_pcap},
    "caller_held.xml": {"from": "15550001", "pcap": default_pcap},
    "caller_cancel.xml": {"from": "15550001", "ring_ms": "500"},
    "caller_expect.xml": {"from": "15550001"},
    "caller_dtmf.xml": {"from": "15550001", "talk_ms": "1000",
                        "pre_ms": "500",
                        "pcap": default_pcap,
                        "dtmf_pcap": "/usr/share/sip-tester/dtmf_2833_1.pcap"},
    "agent.xml": {"ring_ms": "100"},
    "agent_hangs_up.xml": {"ring_ms": "100", "talk_ms": "1000"},
    "agent_hold.xml": {"ring_ms": "100", "talk_ms": "500"},
    "agent_moves_media.xml": {"ring_ms": "100", "talk_ms": "1500"},
    "agent_busy.xml": {},
    "carrier.xml": {"ring_ms": "100", "talk_ms": "1000",
                    "pcap": default_pcap},
    "agent_noanswer.xml": {},
    "caller_speaks.xml": {"from": "15550001", "talk_ms": "1000"},
    "agent_speaks.xml": {"ring_ms": "100"},
}


def key_args(scenario, keys=None, args=()):
    """-key NAME VALUE arguments: `keys` (a dict) first, then the defaults
    of SCENARIO_KEYS[scenario] for names given neither in keys nor as
    '-key NAME ...' in args (SIPp uses the first -key of a name)."""
    given = dict(keys or {})
    args = [str(a) for a in args]
    named = {args[i + 1] for i, a in enumerate(args[:-1]) if a == "-key"}
    out = []
    for k, v in given.items():
        out += ["-key", str(k), str(v)]
    for k, v in SCENARIO_KEYS.get(os.path.basename(scenario), {}).items():
        if k not in given and k not in named:
            out += ["-key", k, str(v() if callable(v) else v)]
    return out


def free_media_port(avoid=None):
    """An even UDP port P with P and P+2 free on 127.0.0.1: SIPp's -mp binds
    both (audio and "video" echo sockets). avoid: a port picked already for
    the same SIPp, free now but about to be bound."""
    for _ in range(200):
        port = random.randrange(20000, 32760, 2)
        if avoid is not None and port - 1 <= int(avoid) <= port + 3:
            continue
        socks = []
        try:
            for p in (port, port + 1, port + 2):
                u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                socks.append(u)
                u.bind(("127.0.0.1", p))
            return port
        except OSError:
            continue
        finally:
            for u in socks:
                u.close()
    raise RuntimeError("no free media port")


def sipp(target_port, scenario, *args, timeout=30, local_ip="127.0.0.1",
         background=False, cwd=None, keys=None):
    """Run SIPp with a scenario file from tests/scenarios (or a built-in
    name like 'uac'). Returns the CompletedProcess, or the Popen if
    background. -nostdin and -bg-free: SIPp exits by itself (-m) or on
    timeout (-timeout). target_port None runs a UAS (no remote host: it
    waits for requests on its -p port). keys: {name: value} for the
    scenario's [name] keywords; defaults from SCENARIO_KEYS fill the rest."""
    cmd = ["sipp"]
    if target_port is not None:
        cmd.append("127.0.0.1:%d" % target_port)
    cmd += ["-i", local_ip,
            "-nostdin", "-timeout", "%ds" % timeout, "-timeout_error"]
    if scenario.endswith(".xml"):
        cmd += ["-sf", os.path.join(SCENARIOS, scenario)]
    else:
        cmd += ["-sn", scenario]
    cmd += [str(a) for a in args]
    if scenario.endswith(".xml"):
        cmd += key_args(scenario, keys, args)
    if background:
        return subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, cwd=cwd)
    return subprocess.run(cmd, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=timeout + 15,
                          cwd=cwd)


def register(sb, user, contact_port, password=None):
    """Register agent `user`'s phone with sb through register.xml (digest,
    one SIPp run): the Contact is 127.0.0.1:contact_port, the port of the
    phone process (a SippAgent's .port). password: the SIP password,
    default user + "-sip" as the tests' provisioning has it. Fails the
    test unless the REGISTER gets its 200."""
    if password is None:
        password = user + "-sip"
    cp = sipp(sb.sip_port, "register.xml", "-p", free_port(), "-m", 1,
              keys={"user": user, "password": password,
                    "contact_port": contact_port})
    check(cp.returncode == 0, "register", user, cp.stdout[-2000:])


def finish(proc, timeout=20):
    """Wait for a background sipp(): (exit status, the end of its
    output)."""
    out, _ = proc.communicate(timeout=timeout)
    return proc.returncode, out.decode(errors="replace")[-3000:]


def sipp_stats(output):
    """Cumulative counters from the statistics screen SIPp prints when it
    exits: {"successful": n, "failed": n, "created": n} (None if absent).
    output: a CompletedProcess, bytes or str."""
    if hasattr(output, "stdout"):
        output = output.stdout
    if isinstance(output, bytes):
        output = output.decode(errors="replace")
    out = {"successful": None, "failed": None, "created": None}
    for line in (output or "").splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) < 3:
            continue
        name = {"Successful call": "successful", "Failed call": "failed",
                "Total Calls created": "created"}.get(cells[0])
        if name and cells[-1].isdigit():
            out[name] = int(cells[-1])
    return out


class SippAgent:
    """A SIPp phone (UAS: agent*.xml) running in the background on its own
    free port (self.port: what register*.xml puts in the Contact, via
    contact_port) and media port (self.media_port, -mp; echoed with
    rtp_echo). One process answers any number of agents' INVITEs; it exits
    after `calls` calls (-m) or `timeout` seconds.

        with SippAgent("agent.xml", calls=2, keys={"ring_ms": 200}) as ag:
            sipp(sb.sip_port, "register.xml", keys={"user": "alice",
                 "password": "pw", "contact_port": ag.port})
            ... place calls ...
            check(ag.wait(30) == 0, ag.output())
            ag.calls()   # [(ruri_user, call_id)] in arrival order
    """

    def __init__(self, scenario="agent.xml", calls=1, keys=None,
                 rtp_echo=True, port=None, media_port=None, timeout=60,
                 args=(), local_ip="127.0.0.1"):
        self.scenario = scenario
        self.port = port or free_port()
        self.media_port = media_port or free_media_port(avoid=self.port)
        self.dir = tempfile.mkdtemp(prefix="sipp-agent-")
        self.log_file = os.path.join(self.dir, "calls.log")
        self.error_file = os.path.join(self.dir, "errors.log")
        a = ["-p", self.port, "-mp", self.media_port, "-m", calls,
             "-trace_logs", "-log_file", self.log_file,
             "-trace_err", "-error_file", self.error_file]
        if rtp_echo:
            a.append("-rtp_echo")
        self.proc = sipp(None, scenario, *(a + list(args)), timeout=timeout,
                         local_ip=local_ip, background=True, cwd=self.dir,
                         keys=keys)
        self._out = None
        # ready when SIPp holds its port (UDP, or TCP with -t t1)
        kind = socket.SOCK_STREAM if "t1" in [str(a) for a in args] \
            else socket.SOCK_DGRAM
        deadline = time.time() + 5
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("sipp %s exited: %s" % (scenario,
                                                           self.output()))
            u = socket.socket(socket.AF_INET, kind)
            try:
                u.bind((local_ip, self.port))
            except OSError:
                return
            finally:
                u.close()
            time.sleep(0.02)
        raise RuntimeError("sipp %s did not bind %d" % (scenario, self.port))

    def wait(self, timeout=None):
        """Exit status (0: every call succeeded)."""
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise AssertionError("sipp %s still running after %ss:\n%s"
                                 % (self.scenario, timeout, self.output()))
        return self.proc.returncode

    def output(self):
        if self._out is None and self.proc.poll() is not None:
            self._out = self.proc.stdout.read().decode(errors="replace")
            try:
                with open(self.error_file) as f:
                    self._out += "\n-- errors --\n" + f.read()
            except OSError:
                pass
        return self._out or "(running)"

    def calls(self):
        """[(request-uri user, call-id)] of the INVITEs received so far."""
        try:
            with open(self.log_file) as f:
                return [tuple(l.split()[1:3]) for l in f
                        if l.startswith("CALL ")]
        except OSError:
            return []

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def close(self):
        try:
            self.stop()
            self.output()
        finally:
            if not os.environ.get("SBTEST_KEEP"):
                shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def check(cond, *msg):
    if not cond:
        raise AssertionError(" ".join(str(m) for m in msg) or "check failed")


# -- runner ----------------------------------------------------------------
def run(namespace, prefix):
    """Run every test_* in namespace (a module's globals()), in file order.
    A name on the command line selects tests by substring."""
    only = sys.argv[1:] 
    tests = [(n, f) for n, f in namespace.items()
             if n.startswith("test_") and callable(f)]
    failed = 0
    for name, fn in tests:
        if only and not any(o in name for o in only):
            continue
        t0 = time.time()
        try:
            fn()
            print("PASS %s/%s (%.1fs)" % (prefix, name, time.time() - t0),
                  flush=True)
        except Exception:
            failed += 1
            print("FAIL %s/%s (%.1fs)" % (prefix, name, time.time() - t0),
                  flush=True)
            traceback.print_exc(file=sys.stdout)
            sys.stdout.flush()
    return 1 if failed else 0

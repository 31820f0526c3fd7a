"""The command line: version, help, usage errors, config-file errors, and a
clean stop on SIGINT/SIGTERM that closes the database."""
import os
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import sbtest  # noqa: E402
from sbtest import BIN, Switchboard, check  # noqa: E402


def run(*args, timeout=10):
    return subprocess.run([BIN] + list(args), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=timeout, text=True)


def test_version_and_help():
    r = run("version")
    version = open(os.path.join(sbtest.ROOT, "VERSION")).read().strip()
    check(r.returncode == 0 and r.stdout.strip() == "switchboard " + version,
          r)
    r = run("--help")
    check(r.returncode == 0, r)
    for opt in ("--sip-listen", "--http-listen", "--db", "--admin-token",
                "--provision", "--rtp-ports", "--config"):
        check(opt in r.stdout, "help lacks", opt)


def test_unknown_option_exits_2_with_usage():
    r = run("serve", "--no-such-option", "1")
    check(r.returncode == 2, r.returncode)
    check("unknown option '--no-such-option'" in r.stderr, r.stderr)
    check("usage:" in r.stderr, r.stderr)
    r = run("frobnicate")
    check(r.returncode == 2 and "unknown command" in r.stderr, r)
    r = run()
    check(r.returncode == 2 and "usage:" in r.stderr, r)


def test_bad_option_value_exits_1():
    r = run("serve", "--rtp-ports", "5000")
    check(r.returncode == 1 and "--rtp-ports" in r.stderr, r)
    r = run("serve", "--sip-listen", "nowhere")
    check(r.returncode == 1 and "IP:PORT" in r.stderr, r)
    r = run("serve", "--asr-lm", "/nonexistent/model.arpa")
    check(r.returncode == 1 and "asr_lm" in r.stderr and
          "no such file" in r.stderr, r)


def test_bad_config_names_file_line_key():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "bad.conf")
        with open(path, "w") as f:
            f.write("# comment\nsip_listen = 127.0.0.1:5999\n"
                    "log_level = loud\n")
        r = run("serve", "--config", path)
        check(r.returncode == 1, r.returncode)
        check("%s:3:" % path in r.stderr and "log_level" in r.stderr,
              r.stderr)
        with open(path, "w") as f:
            f.write("sip_listen = 127.0.0.1:5999\nfavourite_colour = red\n")
        r = run("serve", "--config", path)
        check(r.returncode == 1 and "%s:2:" % path in r.stderr and
              "favourite_colour" in r.stderr, r.stderr)
        r = run("serve", "--config", os.path.join(d, "missing.conf"))
        check(r.returncode == 1 and "missing.conf" in r.stderr, r.stderr)


def test_config_file_is_used_and_options_override_it():
    with tempfile.TemporaryDirectory() as d:
        http = sbtest.free_port(udp_too=False)
        path = os.path.join(d, "sb.conf")
        with open(path, "w") as f:
            f.write("http_listen = 127.0.0.1:%d\nadmin_token = from-file-tok"
                    "\nlog_level = warn\n" % http)
        sb = Switchboard(workdir=d, args=["--config", path], http_port=http)
        try:
            # the harness passes --admin-token, which must win over the file
            st, _ = sb.api("GET", "/api/v1/agents")
            check(st == 200, st)
            st, _ = sb.api("GET", "/api/v1/agents", token="from-file-tok")
            check(st == 401, st)
        finally:
            sb.close()


def test_signals_stop_cleanly_and_close_db():
    for sig in (signal.SIGTERM, signal.SIGINT):
        with tempfile.TemporaryDirectory() as d:
            sb = Switchboard(workdir=d)
            rc = sb.stop(sig)
            check(rc == 0, "exit status", rc, sb.logtext())
            check(not os.path.exists(sb.db + "-wal") or
                  os.path.getsize(sb.db + "-wal") == 0,
                  "WAL not checkpointed: database not closed")
            check("stopped" in sb.logtext(), sb.logtext())


def test_generated_admin_token_is_kept_private():
    with tempfile.TemporaryDirectory() as d:
        db = os.path.join(d, "sb.db")
        http = sbtest.free_port(udp_too=False)
        sip = sbtest.free_port()
        p = subprocess.Popen([BIN, "serve", "--db", db, "--http-listen",
                              "127.0.0.1:%d" % http, "--sip-listen",
                              "127.0.0.1:%d" % sip, "--rtp-ports",
                              "41000-41100"], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
        tok_path = db + ".admin-token"
        try:
            sb = Switchboard.__new__(Switchboard)
            sb.http_port = http
            deadline = 50
            while deadline and not os.path.exists(tok_path):
                deadline -= 1
                import time
                time.sleep(0.1)
            check(os.path.exists(tok_path), "no token file")
            check(os.stat(tok_path).st_mode & 0o077 == 0, "token readable")
            tok = open(tok_path).read().strip()
            check(len(tok) >= 32, tok)
            import time
            for _ in range(50):
                try:
                    st, _ = Switchboard.api(sb, "GET", "/api/v1/agents",
                                            token=tok)
                    break
                except OSError:
                    time.sleep(0.1)
            check(st == 200, st)
        finally:
            p.send_signal(signal.SIGTERM)
            out = p.communicate(timeout=10)[0]
        check(tok not in out, "token was logged")


if __name__ == "__main__":
    sys.exit(sbtest.run(globals(), "cli"))

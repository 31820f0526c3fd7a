#!/usr/bin/env python3
"""The web pages' files (src/api/static.c): served from web_root outside
/api/ without credentials, with their Content-Type and the security
headers; HEAD; / leads to the agent page; every way out of the root
(dot segments, encoded slashes and dots, absolute paths, symlinks, hidden
files, odd extensions, big files) is a 404; only GET and HEAD; a missing
web_root leaves the API working; web_frame_ancestors reaches the CSP."""
import http.client
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import sbtest  # noqa: E402
from sbtest import Switchboard, check  # noqa: E402

WEB = os.path.join(sbtest.ROOT, "web")


def raw(sb, method, path, headers=None):
    """(status, headers (lower-case names), body bytes); path sent as is."""
    c = http.client.HTTPConnection("127.0.0.1", sb.http_port, timeout=10)
    c.putrequest(method, path, skip_accept_encoding=True)
    for k, v in (headers or {}).items():
        c.putheader(k, v)
    c.endheaders()
    r = c.getresponse()
    body = r.read()
    hdrs = {k.lower(): v for k, v in r.getheaders()}
    c.close()
    return r.status, hdrs, body


def make_root(d):
    root = os.path.join(d, "web")
    os.makedirs(os.path.join(root, "img"))
    files = {"agent.html": b"<!doctype html><title>a</title>",
             "app.js": b"export const x = 1;\n",
             "style.css": b"body{}\n",
             "img/logo.svg": b"<svg xmlns='http://www.w3.org/2000/svg'/>",
             "img/logo.png": b"\x89PNG\r\n\x1a\n",
             "favicon.ico": b"\0\0\1\0",
             "notes.txt": b"not served",
             ".hidden.js": b"secret",
             "big.js": b"x" * (1024 * 1024 + 1)}
    for name, data in files.items():
        with open(os.path.join(root, name), "wb") as f:
            f.write(data)
    with open(os.path.join(d, "secret.js"), "w") as f:
        f.write("outside the root")
    os.symlink(os.path.join(d, "secret.js"), os.path.join(root, "out.js"))
    os.symlink(os.path.join(root, "app.js"), os.path.join(root, "in.js"))
    os.symlink("/etc", os.path.join(root, "etc"))
    return root, files


def test_files_types_and_security_headers():
    with tempfile.TemporaryDirectory() as d:
        root, files = make_root(d)
        with Switchboard(args=["--web-root", root]) as sb:
            for path, ctype in (("/agent.html", "text/html; charset=utf-8"),
                                ("/app.js",
                                 "text/javascript; charset=utf-8"),
                                ("/style.css", "text/css; charset=utf-8"),
                                ("/img/logo.svg", "image/svg+xml"),
                                ("/img/logo.png", "image/png"),
                                ("/favicon.ico", "image/x-icon")):
                st, h, body = raw(sb, "GET", path)
                check(st == 200, path, st, body)
                check(h["content-type"] == ctype, path, h)
                check(body == files[path[1:]], path)
                check(h["cache-control"] == "no-cache", h)
                check(h["x-content-type-options"] == "nosniff", h)
                csp = h["content-security-policy"]
                for part in ("default-src 'self'", "script-src 'self'",
                             "object-src 'none'", "frame-ancestors 'self'"):
                    check(part in csp, part, csp)
                check("unsafe-inline" not in csp, csp)
                check(h["x-frame-options"] == "SAMEORIGIN", h)
            # a query string does not matter; no credentials needed
            st, _, _ = raw(sb, "GET", "/agent.html?x=1")
            check(st == 200, st)
            # HEAD: the same headers, no body
            st, h, body = raw(sb, "HEAD", "/app.js")
            check(st == 200 and body == b"", st, body)
            check(h["content-length"] == str(len(files["app.js"])), h)
            check(h["content-type"].startswith("text/javascript"), h)
            # / leads to the agent page
            st, h, _ = raw(sb, "GET", "/")
            check(st == 302 and h["location"] == "/agent.html", st, h)
            # a link inside the root is followed
            st, _, body = raw(sb, "GET", "/in.js")
            check(st == 200 and body == files["app.js"], st)
            # the API is still the API, with its own rules
            st, h, _ = raw(sb, "GET", "/api/v1/health")
            check(st == 200 and h["content-type"] == "application/json")
            st, _, _ = raw(sb, "GET", "/api/v1/agents")
            check(st == 401, st)


def test_ways_out_of_the_root_are_404():
    with tempfile.TemporaryDirectory() as d:
        root, _ = make_root(d)
        with Switchboard(args=["--web-root", root]) as sb:
            for path in ("/../secret.js", "/img/../../secret.js",
                         "/%2e%2e/secret.js", "/..%2fsecret.js",
                         "/img%2flogo.svg", "/img/..%2F..%2Fsecret.js",
                         "/%2fetc/passwd.js", "//etc/hosts.js",
                         "/etc/passwd.js", "/etc/hostname.html",
                         "/out.js", "/.hidden.js", "/img/.svg",
                         "/notes.txt", "/agent.html/", "/agent.HTML.bak",
                         "/missing.js", "/img", "/img/", "/big.js",
                         "/agent.html%00.js", "/a/b/c/d/e.js",
                         "/\\..\\secret.js", "/agent.html;.js",
                         "/api", "/" + "a" * 300 + ".js"):
                st, h, body = raw(sb, "GET", path)
                check(st in (400, 404), path, st, body)
                check(b"outside the root" not in body, path)
                check(b"root:" not in body, path)


def test_methods_and_no_root():
    with tempfile.TemporaryDirectory() as d:
        root, _ = make_root(d)
        with Switchboard(args=["--web-root", root]) as sb:
            for met in ("POST", "PUT", "DELETE", "OPTIONS"):
                st, h, body = raw(sb, met, "/agent.html",
                                  {"Content-Length": "0"})
                check(st == 405 and h["allow"] == "GET, HEAD", met, st, h)
        # without the folder the API works and the pages are 404
        with Switchboard(args=["--web-root", os.path.join(d, "none")]) as sb:
            st, _, _ = raw(sb, "GET", "/agent.html")
            check(st == 404, st)
            st, _, _ = raw(sb, "GET", "/api/v1/health")
            check(st == 200, st)
            check("web_root" in sb.logtext(), sb.logtext()[-2000:])


def test_frame_ancestors_setting():
    with Switchboard(args=["--web-root", WEB, "--web-frame-ancestors",
                           "'self' https://example.lightning.force.com"]
                     ) as sb:
        st, h, _ = raw(sb, "GET", "/agent.html")
        check(st == 200, st)
        check("frame-ancestors 'self' https://example.lightning.force.com"
              in h["content-security-policy"], h)
        # a browser that knows only X-Frame-Options would refuse the
        # listed origin: it is not sent then
        check("x-frame-options" not in h, h)
    # a value that would add directives of its own is refused at start
    try:
        sb = Switchboard(args=["--web-frame-ancestors",
                               "'self'; script-src *"])
    except RuntimeError as e:
        check("web_frame_ancestors" in str(e), e)
    else:
        sb.close()
        raise AssertionError("a ';' in web_frame_ancestors was accepted")


def test_the_shipped_pages_are_served():
    with Switchboard(args=["--web-root", WEB]) as sb:
        for path in ("/agent.html", "/supervisor.html", "/agent.js",
                     "/supervisor.js", "/common.js", "/style.css",
                     "/favicon.svg"):
            st, h, body = raw(sb, "GET", path)
            check(st == 200 and body, path, st)
            # no inline script or style: the CSP would block it
            if path.endswith(".html"):
                check(b"<script>" not in body and b"style=" not in body and
                      b" on" + b"click=" not in body, path)


if __name__ == "__main__":
    sys.exit(sbtest.run(globals(), "api"))

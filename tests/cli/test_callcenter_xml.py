"""`switchboard callcenter-xml`: the Open CTI call center definition file
parses as XML, has Salesforce's required items in a gap-free sortOrder,
points at /opencti/softphone.html, escapes what it is given, and bad
arguments get a message and exit status 2 with nothing on stdout."""
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import sbtest  # noqa: E402
from sbtest import BIN, check  # noqa: E402

REQUIRED = ["reqInternalName", "reqDisplayName", "reqAdapterUrl",
            "reqUseApi", "reqSoftphoneHeight", "reqSoftphoneWidth"]


def run(*args):
    return subprocess.run([BIN, "callcenter-xml"] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=10, text=True)


def items(xml_text):
    root = ET.fromstring(xml_text)
    check(root.tag == "callCenter", root.tag)
    sections = root.findall("section")
    check([int(s.get("sortOrder")) for s in sections] ==
          list(range(len(sections))), "section sortOrder has gaps")
    out = {}
    for s in sections:
        its = s.findall("item")
        check([int(i.get("sortOrder")) for i in its] ==
              list(range(len(its))), "item sortOrder has gaps in",
              s.get("name"))
        for i in its:
            check(i.get("name") not in out, "twice:", i.get("name"))
            check(i.get("label"), "no label on", i.get("name"))
            out[i.get("name")] = (s.get("name"), int(i.get("sortOrder")),
                                  i.text or "")
    return out


def test_defaults_have_every_required_item():
    r = run("--url", "https://sb.example.com:8443/cc/")
    check(r.returncode == 0 and not r.stderr, r)
    it = items(r.stdout)
    for name in REQUIRED:
        check(name in it and it[name][0] == "reqGeneralInfo", name, it)
    # Salesforce fixes these two places
    check(it["reqInternalName"][1] == 0 and it["reqDisplayName"][1] == 1,
          it)
    check(it["reqAdapterUrl"][2] ==
          "https://sb.example.com:8443/cc/opencti/softphone.html", it)
    check(it["reqUseApi"][2] == "true", it)
    check(it["reqSalesforceCompatibilityMode"][2] == "Lightning", it)
    check(it["reqSoftphoneHeight"][2] == "460" and
          it["reqSoftphoneWidth"][2] == "320", it)
    check(it["reqInternalName"][2] == "switchboard", it)


def test_options_and_escaping():
    name = "Billing & Support <EU> \"2\" 'x' Köln"
    r = run("--url", "https://h.example/a&b", "--name", name,
            "--internal-name", "SbBilling2", "--height", "600",
            "--width", "400")
    check(r.returncode == 0, r)
    check("&amp;" in r.stdout and "&lt;EU&gt;" in r.stdout, r.stdout)
    it = items(r.stdout)
    check(it["reqDisplayName"][2] == name, it["reqDisplayName"])
    check(it["reqAdapterUrl"][2] ==
          "https://h.example/a&b/opencti/softphone.html", it)
    check(it["reqInternalName"][2] == "SbBilling2", it)
    check(it["reqSoftphoneHeight"][2] == "600" and
          it["reqSoftphoneWidth"][2] == "400", it)


def test_http_only_for_loopback():
    for url in ("http://127.0.0.1:8080", "http://localhost:8080/",
                "http://[::1]:8080"):
        r = run("--url", url)
        check(r.returncode == 0, url, r)
        it = items(r.stdout)
        check(it["reqAdapterUrl"][2] == url.rstrip("/") +
              "/opencti/softphone.html", it)


def test_bad_arguments_exit_2_with_a_message():
    cases = [
        (["--url", "http://sb.example.com"], "not loopback"),
        (["--url", "ftp://sb.example.com"], "https"),
        (["--url", "https://user:pw@sb.example.com"], "credentials"),
        (["--url", "https://sb.example.com/?x=1"], "query"),
        (["--url", "https://sb.example.com/#f"], "fragment"),
        (["--url", "https://"], "no host"),
        (["--url", "https://sb.example.com:99999"], "port"),
        (["--url", "https://sb example.com"], "spaces"),
        (["--url", "https://sb.example.com/<x>"], "not allowed"),
        (["--url", "https://sb.example.com", "--internal-name", "9lives"],
         "letter first"),
        (["--url", "https://sb.example.com", "--internal-name", "a-b"],
         "letters and digits"),
        (["--url", "https://sb.example.com", "--internal-name", "a" * 41],
         "40"),
        (["--url", "https://sb.example.com", "--name", "a\nb"], "control"),
        (["--url", "https://sb.example.com", "--height", "50"], "pixels"),
        (["--url", "https://sb.example.com", "--width", "3x"], "pixels"),
        (["--url"], "needs a value"),
        ([], "--url is required"),
        (["--url", "https://sb.example.com", "--frob", "1"],
         "unknown option"),
    ]
    for args, want in cases:
        r = run(*args)
        check(r.returncode == 2, args, r)
        check(want in r.stderr, args, "stderr:", r.stderr)
        check(r.stdout == "", args, "printed:", r.stdout)


def test_help():
    r = run("--help")
    check(r.returncode == 0 and "--url" in r.stdout, r)
    r = subprocess.run([BIN, "--help"], stdout=subprocess.PIPE, text=True,
                       timeout=10)
    check("callcenter-xml" in r.stdout, r.stdout)


if __name__ == "__main__":
    sys.exit(sbtest.run(globals(), "cli"))

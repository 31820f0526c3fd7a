"""switchboard audit: the Open CTI inventory of a Salesforce project.

Each fixture tree under tests/fixtures/audit/ is scanned and compared with
its .expected.json (the contract in docs/AUDIT.md, less "version" and
"root"). The other tests cover what a tree on disk can do to a scanner:
skipped folders, symlinks, malformed XML, binary and huge files, names too
long, and the exit statuses 0/1/2/3."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import sbtest  # noqa: E402
from sbtest import BIN, check  # noqa: E402

FIX = os.path.join(sbtest.ROOT, "tests", "fixtures", "audit")
TODAY = "2026-06-01"


def audit(*args, timeout=60):
    return subprocess.run([BIN, "audit"] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout, text=True)


def report(path, *args):
    r = audit(path, "--today", TODAY, *args)
    check(r.returncode in (0, 2, 3), r.returncode, r.stderr)
    d = json.loads(r.stdout)
    return r, d


def strip(d):
    d = dict(d)
    d.pop("version")
    d.pop("root")
    return d


def expected(name):
    with open(os.path.join(FIX, name + ".expected.json")) as f:
        return json.load(f)


def apis(d):
    return [(u["file"], u["line"], u["api"], u.get("aliased", False))
            for u in d["api_usages"]]


def test_fixtures_match_expected_json():
    for name in ("lightning", "classic", "clean"):
        r, d = report(os.path.join(FIX, name))
        check(r.returncode == 0, name, r.returncode, r.stderr)
        check(d["tool"] == "switchboard audit" and d["version"], d)
        got, want = strip(d), expected(name)
        for key in want:
            check(got.get(key) == want[key], name, key, "differs:\n",
                  json.dumps(got.get(key), indent=1), "\nwanted\n",
                  json.dumps(want[key], indent=1))
        check(set(got) == set(want), name, set(got) ^ set(want))


def test_lightning_tricky_cases():
    _, d = report(os.path.join(FIX, "lightning"))
    a = apis(d)
    app = "force-app/main/default/staticresources/softphone/app.js"
    # var cti = sforce.opencti; cti.screenPop(...)
    check((app, 12, "sforce.opencti.screenPop", True) in a, a)
    # const { saveLog, runApex: callApex } = sforce.opencti
    check((app, 7, "sforce.opencti.saveLog", True) in a, a)
    # let ns = window.sforce; ns.opencti.enableClickToDial
    check((app, 31, "sforce.opencti.enableClickToDial", True) in a, a)
    # comments, strings, regex literals and constants are not usages
    names = [x[2] for x in a]
    for bad in ("sforce.opencti.refreshView", "sforce.opencti.fake",
                "sforce.opencti.SCREENPOP_TYPE", "sforce.opencti.data"):
        check(bad not in names, bad, a)
    check(not any(x[0].startswith("types/") for x in a), "d.ts counted", a)
    # minified: one line, alias through window.sforce.opencti
    mini = [x for x in a if x[0].endswith("softphone_min.resource")]
    check(len(mini) == 3 and all(x[1] == 1 for x in mini), mini)
    # TypeScript optional chaining and non-null assertion
    ts = [x for x in a if x[0].endswith("dialer.ts")]
    check(("force-app/main/default/lwc/dialer/dialer.ts", 12,
           "sforce.opencti.screenPop", False) in ts, ts)
    urls = [(i["file"], i["url"], i["api_version"])
            for i in d["script_includes"]]
    check(("scripts/loader.js",
           "${host}/support/api/${apiVersion}/lightning/opencti_min.js",
           None) in urls, urls)
    check(("scripts/loader.js",
           "${host}/support/api/${API_VERSION}/interaction.js", None)
          in urls, urls)
    # the commented-out includes (44.0, 40.0) are not counted
    check(not any(u[2] in ("44.0", "40.0") for u in urls), urls)
    cc = {c["internal_name"]: c["kind"] for c in d["call_centers"]}
    check(cc == {"AcmeCTI": "open_cti_lightning", "HarborVoice": "scv"}, cc)
    check(d["summary"]["call_centers"]["scv"] == 1, d["summary"])
    check([u["container"] for u in d["utility_items"]] ==
          ["Acme_UtilityBar"], d["utility_items"])
    check([(x["apex_class"], x["method"]) for x in d["apex_targets"]] ==
          [("AcmeCallLogger", "logCall")], d["apex_targets"])


def test_classic_call_center_formats():
    _, d = report(os.path.join(FIX, "classic"))
    cc = {c["internal_name"]: c for c in d["call_centers"]}
    legacy = cc["LegacyDesk"]
    check(legacy["file"] == "docs/import/callcenter-definition.xml" and
          legacy["compatibility_mode"] == "Classic" and
          legacy.get("compatibility_mode_default") is True and
          legacy["kind"] == "open_cti_classic", legacy)
    check(legacy["adapter_url"] ==
          "https://desk.acme.example/adapter?a=1&b=2", legacy)
    # numeric suffix, misspelled compatibility item
    check(cc["Backup"]["compatibility_mode"] == "Classic_and_Lightning" and
          cc["Backup"]["kind"] == "open_cti_lightning", cc["Backup"])
    check(cc["OldPhone"]["kind"] == "open_cti_classic", cc["OldPhone"])


def test_no_open_cti_at_all():
    r, d = report(os.path.join(FIX, "clean"), "--fail-on-found")
    check(r.returncode == 0, r.returncode, r.stderr)
    for k in ("call_centers", "api_usages", "script_includes",
              "utility_items", "apex_targets"):
        check(d[k] == [], k, d[k])
    check(d["summary"]["open_cti_found"] is False and
          d["plan"]["status"] == "none", d["summary"], d["plan"])


def test_fail_on_found_exits_3():
    r = audit(os.path.join(FIX, "lightning"), "--fail-on-found",
              "--today", TODAY)
    check(r.returncode == 3, r.returncode, r.stderr)
    r = audit(os.path.join(FIX, "lightning"), "--today", TODAY)
    check(r.returncode == 0, r.returncode, r.stderr)


def test_usage_errors_exit_1():
    cases = [
        ([], "PATH is missing"),
        (["/nonexistent/audit-tree"], "No such file"),
        ([os.path.join(FIX, "lightning.expected.json")], "not a directory"),
        ([FIX, "--format", "pdf"], "--format"),
        ([FIX, "--today", "2027-02-30"], "--today"),
        ([FIX, "--out"], "needs a value"),
        ([FIX, FIX], "unexpected argument"),
        ([FIX, "--frobnicate"], "unexpected argument"),
    ]
    for args, msg in cases:
        r = audit(*args)
        check(r.returncode == 1, args, r.returncode, r.stderr)
        check(msg in r.stderr, args, r.stderr)
    r = audit("--help")
    check(r.returncode == 0 and "exit status" in r.stdout, r)


def copy_tree(name, d):
    dst = os.path.join(d, name)
    shutil.copytree(os.path.join(FIX, name), dst, symlinks=True)
    return dst


def test_skips_git_and_node_modules_and_symlinks():
    with tempfile.TemporaryDirectory() as d:
        root = copy_tree("lightning", d)
        os.makedirs(os.path.join(root, ".git"))
        with open(os.path.join(root, ".git", "hook.js"), "w") as f:
            f.write("sforce.opencti.saveLog({});\n")
        nm = os.path.join(root, "node_modules", "cti-helper")
        os.makedirs(nm)
        with open(os.path.join(nm, "index.js"), "w") as f:
            f.write("sforce.opencti.screenPop({});\n")
        outside = os.path.join(d, "outside")
        os.makedirs(outside)
        with open(os.path.join(outside, "leak.js"), "w") as f:
            f.write("sforce.opencti.publish({});\n")
        os.symlink(outside, os.path.join(root, "linked-dir"))
        os.symlink(os.path.join(outside, "leak.js"),
                   os.path.join(root, "linked.js"))

        _, base = report(root)
        got = strip(base)
        want = expected("lightning")
        check(got["api_usages"] == want["api_usages"], got["api_usages"])
        check(got["scanned_files"] == want["scanned_files"], got)

        _, withnm = report(root, "--include-node-modules")
        extra = [u for u in withnm["api_usages"]
                 if u["file"].startswith("node_modules/")]
        check(extra == [{"file": "node_modules/cti-helper/index.js",
                         "line": 1, "api": "sforce.opencti.screenPop"}],
              extra)
        check(not any(u["file"].startswith(".git") or "link" in u["file"]
                      for u in withnm["api_usages"]), withnm["api_usages"])


def test_bad_files_are_reported_and_the_scan_goes_on():
    with tempfile.TemporaryDirectory() as d:
        root = copy_tree("classic", d)
        # malformed XML: the call center is still reported, with an error
        with open(os.path.join(root, "src", "callCenters",
                               "Broken.callCenter"), "w") as f:
            f.write('<?xml version="1.0"?>\n<CallCenter>\n'
                    '  <adapterUrl>https://broken.example/</adapterUrl>\n'
                    '  <displayName>Broken</wrongName>\n')
        # binary content with a script's name
        with open(os.path.join(root, "src", "blob.js"), "wb") as f:
            f.write(b"\x00\x01sforce.opencti.saveLog\x00" * 100)
        # one 8 MB line with a usage at its very end
        with open(os.path.join(root, "src", "huge.min.js"), "w") as f:
            f.write("var a=1;" * (1 << 20))
            f.write("sforce.opencti.saveLog({});")
        # a path longer than PATH_MAX, made one level at a time
        fd = os.open(root, os.O_RDONLY)
        for _ in range(40):
            os.mkdir("d" * 120, dir_fd=fd)
            nfd = os.open("d" * 120, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = nfd
        os.close(fd)

        r, d2 = report(root)
        check(r.returncode == 2, r.returncode, r.stderr)
        errs = d2["errors"]
        check(any(e["file"] == "src/callCenters/Broken.callCenter" and
                  e["line"] == 4 and "malformed XML" in e["message"]
                  for e in errs), errs)
        check("src/callCenters/Broken.callCenter:4: malformed XML" in
              r.stderr, r.stderr)
        check(any("too long" in e["message"] for e in errs), errs)
        broken = [c for c in d2["call_centers"]
                  if c["internal_name"] == "Broken"]
        check(broken and broken[0]["kind"] == "open_cti_classic", broken)
        check({"file": "src/blob.js", "line": 0,
               "message": "binary file, not scanned"} in d2["notes"],
              d2["notes"])
        check({"file": "src/huge.min.js", "line": 1,
               "api": "sforce.opencti.saveLog"} in d2["api_usages"],
              d2["api_usages"])
        # the rest of the tree is still there
        want = expected("classic")
        for u in want["api_usages"]:
            check(u in d2["api_usages"], u)

        # --fail-on-found wins over scan errors: the finding is certain
        r = audit(root, "--today", TODAY, "--fail-on-found")
        check(r.returncode == 3, r.returncode)

        if os.geteuid() != 0:
            p = os.path.join(root, "src", "pages", "Softphone.page")
            os.chmod(p, 0)
            r, d3 = report(root)
            check(any(e["file"] == "src/pages/Softphone.page" and
                      "cannot open" in e["message"]
                      for e in d3["errors"]), d3["errors"])


def test_plan_dates_and_warnings():
    path = os.path.join(FIX, "classic")
    _, d = report(path)
    p = d["plan"]
    check(p["status"] == "on_track" and p["warning"] is None, p)
    check([x["name"] for x in p["phases"]] ==
          ["Inventory and design",
           "Pilot call center on Service Cloud Voice / switchboard",
           "Parallel run", "Cut-over", "Remove Open CTI"], p["phases"])
    check(p["phases"][0]["start"] == TODAY and
          p["phases"][-1]["end"] == p["finish"], p)
    for a, b in zip(p["phases"], p["phases"][1:]):
        check(a["end"] == b["start"], a, b)
    check(p["finish"] <= p["target_finish"] == "2028-01-03", p)
    efforts = {m["item"]: m["effort"] for m in p["mappings"]}
    check(efforts["sforce.console.cti.onCallBegin"] == "L" and
          efforts["sforce.interaction.cti.enableClickToDial"] == "S" and
          efforts["LegacyDesk"] == "L", efforts)

    r = audit(path, "--today", "2027-10-01")
    late = json.loads(r.stdout)["plan"]
    check(late["status"] == "late" and "too late" in late["warning"], late)
    r = audit(path, "--today", "2028-03-01")
    gone = json.loads(r.stdout)["plan"]
    check(gone["status"] == "retired" and gone["warning"], gone)


def test_markdown_and_html_reports():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(FIX, "classic")
        out = os.path.join(d, "plan.html")
        r = audit(path, "--today", "2027-10-01", "--format", "html",
                  "--out", out)
        check(r.returncode == 0 and r.stdout == "", r)
        html = open(out).read()
        check(html.startswith("<!DOCTYPE html>") and "<style>" in html and
              "@media print" in html and "<script" not in html, html[:200])
        for text in ("Migration plan", "Warning:", "Cut-over",
                     "sforce.console.cti.onCallBegin", "LegacyDesk",
                     "Backup &amp; Failover", "2028-02-28"):
            check(text in html, text)
        r = audit(path, "--today", TODAY, "--format", "md")
        md = r.stdout
        check(r.returncode == 0 and md.startswith("\n# Open CTI audit"), md[:80])
        for text in ("## Migration plan", "| phase | start |",
                     "sforce.interaction.cti.onClickToDial",
                     "src/pages/Softphone.page:2"):
            check(text in md, text)


if __name__ == "__main__":
    sys.exit(sbtest.run(globals(), "audit"))

"""The Service Cloud Voice connector's own tests (connectors/scv, jest):
`npm test` there starts build/switchboard (or $BUILD/switchboard) and SIPp
on loopback and plays Salesforce's side. This wrapper runs it once and
prints one PASS or FAIL line per jest test, as tests/run.sh counts them.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CONNECTOR = os.path.join(ROOT, "connectors", "scv")
PREFIX = "scv/test_connector"


def main():
    if not os.path.isdir(os.path.join(CONNECTOR, "node_modules", "jest")):
        print("FAIL %s (connectors/scv/node_modules is missing: run "
              "scripts/deps.sh)" % PREFIX)
        return 1
    fd, out = tempfile.mkstemp(prefix="scv-jest-", suffix=".json")
    os.close(fd)
    try:
        # the suite bounds itself (per-test timeouts); this bounds a hang
        cp = subprocess.run(["npm", "test", "--silent", "--", "--json",
                             "--outputFile=" + out],
                            cwd=CONNECTOR, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, timeout=840)
        try:
            with open(out) as f:
                report = json.load(f)
        except (OSError, ValueError):
            report = None
    finally:
        os.unlink(out)

    text = cp.stdout.decode(errors="replace")
    if not report:
        print("FAIL %s (jest gave no report, exit %d)" % (PREFIX,
                                                          cp.returncode))
        print(text[-4000:])
        return 1

    failed = 0
    for suite in report["testResults"]:
        for t in suite["assertionResults"]:
            name = re.sub(r"[^A-Za-z0-9]+", "_", t["title"]).strip("_")
            secs = (t.get("duration") or 0) / 1000.0
            if t["status"] == "passed":
                print("PASS %s/%s (%.1fs)" % (PREFIX, name, secs))
            else:
                failed += 1
                print("FAIL %s/%s (%.1fs)" % (PREFIX, name, secs))
                for m in t.get("failureMessages") or []:
                    print(m[-3000:])
        if suite.get("status") == "failed" and suite.get("message") and \
                not suite["assertionResults"]:
            failed += 1
            print("FAIL %s (%s)" % (PREFIX, suite["message"][-3000:]))
    if cp.returncode != 0 and not failed:
        failed += 1
        print("FAIL %s (npm test exited %d)" % (PREFIX, cp.returncode))
        print(text[-4000:])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/bin/sh
# Runs every test: the C unit suites, then each integration test file
# (tests/*/test_*.py), which start real switchboard processes and peers on
# loopback. Each test prints a PASS or FAIL line; the last line printed is
# "N passed, N failed". Exit status is non-zero if anything failed.
#
#   tests/run.sh [FILTER]   only test files whose path contains FILTER
set -u
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
export BUILD
if [ -n "${SANITIZE:-}" ]; then
	export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1"
	export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0


filter=${1:-}
if [ -z "$filter" ] || echo unit | grep -q "$filter"; then
	echo "== unit"
	# a hang is a failure too, not a stuck CI run
	if ! timeout 600 "$BUILD/unit" >>"$out" 2>&1; then status=1; fi
	grep -E '^(PASS|FAIL) ' "$out" | grep ' unit/' || true
	if [ "$status" != 0 ] && ! grep -q '^FAIL unit/' "$out"; then
		# the binary itself failed (crash, sanitizer): count it
		echo "FAIL unit (exit status)" | tee -a "$out"
		tail -20 "$out"
	fi
fi

for t in $(find tests -name 'test_*.py' | sort); do
	case "$t" in *"$filter"*) ;; *) continue ;; esac
	echo "== $t"
	if ! timeout 900 python3 "$t" >"$out.one" 2>&1; then
		status=1
		if ! grep -q '^FAIL ' "$out.one"; then
			echo "FAIL $t (exit status)" >>"$out.one"
		fi
	fi
	cat "$out.one"
	cat "$out.one" >>"$out"
done
rm -f "$out.one"

pass=$(grep -c '^PASS ' "$out")
fail=$(grep -c '^FAIL ' "$out")
echo "$pass passed, $fail failed"
[ "$status" = 0 ] && [ "$fail" = 0 ]

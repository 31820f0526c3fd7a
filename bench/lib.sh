# bench/lib.sh — shared by bench/run_*.sh (sourced, not run).
#
# Every process a bench starts is recorded here and ended by its own pid
# on exit (TERM, then KILL): nothing is ever killed by name.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
HZ=$(getconf CLK_TCK)
PIDS=()

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	sleep 1
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	PIDS=()
}

bench_init() {   # NAME: work dir in $W, cleanup on exit
	W=$(mktemp -d "/tmp/sbbench-$1.XXXXXX")
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	ulimit -n "$(ulimit -Hn)" 2>/dev/null
	# a private copy: a rebuild of build/ during the run changes nothing
	cp "$ROOT/build/switchboard" "$W/switchboard" ||
		die "build/switchboard missing: run make"
	for t in sipp sqlite3 python3 dumpcap; do
		command -v $t >/dev/null || die "$t not installed"
	done
}

track() { PIDS+=("$@"); }

# end our own child processes by pid and wait for them (KILL after 10 s)
stop_wait() {
	local p i
	for p in "$@"; do kill -TERM "$p" 2>/dev/null; done
	for p in "$@"; do
		for i in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	return 0
}

# sipp in background mode; sets SIPP_PID (from sipp's own output), tracked
sipp_bg() {
	local out
	out=$(sipp "$@" -bg 2>&1)
	SIPP_PID=$(sed -n 's/.*PID=\[\([0-9]*\)\].*/\1/p' <<<"$out")
	[ -n "$SIPP_PID" ] || { echo "$out" >&2; return 1; }
	track "$SIPP_PID"
}

# utime+stime of the given pids, in clock ticks
cpu_ticks() {
	local t=0 p v
	for p in "$@"; do
		v=$(awk '{print $14+$15}' "/proc/$p/stat" 2>/dev/null) && t=$((t + v))
	done
	echo $t
}

# busy and total ticks of the whole machine
sys_ticks() { awk '/^cpu /{b=$2+$3+$4+$7+$8+$9; print b, b+$5+$6}' /proc/stat; }

rss_kib() { awk '/^VmRSS/{print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
pss_kib() { awk '/^Pss:/{print $2}' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
# drops of the UDP socket bound to 127.0.0.1:PORT (since it was made)
udp_drops() {
	python3 -c "
import sys
for l in open('/proc/net/udp').readlines()[1:]:
    f = l.split()
    if int(f[1].split(':')[1], 16) == int(sys.argv[1]):
        print(f[-1]); break
else:
    print(0)
" "$1"
}
fd_count() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }

# Wait (up to $1 s) until the machine is quiet: less than 0.25 core busy
# over 2 s, so that other work on the box does not skew a step.
wait_quiet() {
	local limit=${1:-120} waited=0 a b c d busy
	while :; do
		read -r a b < <(sys_ticks); sleep 2; read -r c d < <(sys_ticks)
		busy=$(( (c - a) * 100 / ((d - b) > 0 ? (d - b) : 1) ))
		# busy is % of all cores; 0.25 core of 2 = 12 %
		if [ "$busy" -lt $((25 / $(nproc))) ] || [ "$waited" -ge "$limit" ]; then
			[ "$waited" -ge "$limit" ] && log "machine still busy (${busy}% of all cores) after ${limit}s: going on, results may be skewed"
			return 0
		fi
		[ "$waited" -eq 0 ] && log "machine busy (${busy}% of all cores, not ours): waiting up to ${limit}s"
		waited=$((waited + 2))
	done
}

free_udp_port() {   # a UDP+TCP port nobody uses, from $1 upwards
	local p=$1
	while ss -Hlun "sport = :$p" | grep -q . || ss -Hltn "sport = :$p" | grep -q .; do
		p=$((p + 1))
	done
	echo $p
}

# provisioning for N agents (a1..aN, password pw-aN) and the CSV for
# register_many.xml
write_provision() {   # N FILE.json FILE.csv [CAPACITY]
	python3 - "$@" <<'PY'
import json, sys
n, js, csv = int(sys.argv[1]), sys.argv[2], sys.argv[3]
cap = int(sys.argv[4]) if len(sys.argv) > 4 else 1
agents = [{"id": "a%d" % i, "sip": {"username": "a%d" % i, "password": "pw-a%d" % i},
           "skills": {"billing": 5}, "capacity": cap} for i in range(1, n + 1)]
p = {"agents": agents,
     "queues": [{"id": "billing", "skills": {"billing": 3}, "push_timeout_s": 15, "max_wait_s": 300}],
     "trunks": [{"id": "carrier", "allow": ["127.0.0.1/32"]}],
     "routes": [{"number": "+15550100", "queue": "billing"},
                {"number": "15550100", "queue": "billing"}]}
json.dump(p, open(js, "w"))
with open(csv, "w") as f:
    f.write("SEQUENTIAL\n")
    for i in range(1, n + 1):
        f.write("a%d;pw-a%d\n" % (i, i))
PY
}

# start switchboard; sets SB_PID. Args: SIP_PORT HTTP_PORT PROV RTP_RANGE
# Transcription is off: these benches measure signalling and media, and
# bench/asr measures transcription on its own.
start_switchboard() {
	rm -f "$W/sb.db" "$W/sb.db-wal" "$W/sb.db-shm"
	"$W/switchboard" serve --sip-listen "127.0.0.1:$1" \
		--http-listen "127.0.0.1:$2" --db "$W/sb.db" --admin-token tok \
		--provision "$3" --rtp-ports "$4" --log-level warn \
		--asr-backend off >"$W/switchboard.log" 2>&1 &
	SB_PID=$!
	track $SB_PID
	for _ in $(seq 50); do
		ss -Hlun "sport = :$1" | grep -q . && return 0
		sleep 0.1
	done
	die "switchboard did not start: $(tail -5 "$W/switchboard.log")"
}

# register agents a1..aN; agent i gets Contact port ports[(i-1) % nports]
# (one register_many run per port, each with its own slice of the CSV)
register_agents() {   # SB_SIP_PORT N CSV PORT...
	local sbp=$1 n=$2 csv=$3; shift 3
	local np=$# i=0 port f cnt
	for port in "$@"; do
		f="$W/agents-$port.csv"
		echo SEQUENTIAL >"$f"
		tail -n +2 "$csv" | awk -v np=$np -v i=$i 'NR % np == (i + 1) % np' >>"$f"
		cnt=$(($(wc -l <"$f") - 1))
		timeout 60 sipp "127.0.0.1:$sbp" -sf "$ROOT/tests/scenarios/register_many.xml" \
			-inf "$f" -i 127.0.0.1 -p "$(free_udp_port 16000)" -m "$cnt" -r 500 -l 100 \
			-key contact_port "$port" -key expires 3600 -nostdin \
			-timeout 50s -timeout_error >"$W/register-$port.out" 2>&1 ||
			die "registration of $cnt agents on port $port failed (see $W/register-$port.out)"
		i=$((i + 1))
	done
	local got
	got=$(sqlite3 "$W/sb.db" "select count(distinct agent) from bindings")
	[ "$got" -eq "$n" ] || die "only $got of $n agents registered"
}

#!/usr/bin/env bash
# bench/run_concurrent.sh — concurrent bridged calls with 20 ms G.711 RTP
# both ways through switchboard's relay. For each N in CALLS: a fresh
# switchboard with N agents (capacity 1), SIPp sets up N long calls
# (bench/scenarios/uac_media.xml -> switchboard -> uas_media.xml), and
# bench/rtpload plays RTP into every call from the caller side and echoes
# it on the agents' side; loss is counted at the caller over MEASURE_S
# seconds. The highest N with loss < LOSS_MAX_PCT (0.1) is the figure.
#
# Environment (defaults):
#   CALLS="1000 1500 1750 2000 2500 3000"  concurrency steps, stop at the first failure
#   RAMP_CPS=250     call set-up rate while ramping up
#   WARM_S=5         after the last call is up, before measuring
#   MEASURE_S=20     the measured window
#   LOSS_MAX_PCT=0.1
#   RETRIES=2        a failed step during which other programs used >15% of
#                    a core is run again (after waiting for quiet), at most
#                    this many times
# Prints per-step lines on stderr and ONE final line on stdout:
#   concurrent: N calls (loss x%, switchboard cpu y%, rss z MiB, w KiB/call)
set -u
. "$(dirname "$0")/lib.sh"
# 4 descriptors per call on switchboard: lift the hard limit first (root)
ulimit -Hn 262144 2>/dev/null
bench_init concurrent

CALLS=${CALLS:-"1000 1500 1750 2000 2500 3000"}
RAMP_CPS=${RAMP_CPS:-250}
WARM_S=${WARM_S:-5}
MEASURE_S=${MEASURE_S:-20}
LOSS_MAX_PCT=${LOSS_MAX_PCT:-0.1}
NCPU=$(nproc)

RTPLOAD="$ROOT/build/bench/rtpload"
[ -x "$RTPLOAD" ] && [ "$RTPLOAD" -nt "$BENCH_DIR/rtpload.c" ] ||
	make -C "$ROOT" bench >/dev/null || die "make bench failed"

SB_SIP=$(free_udp_port 15160)
SB_HTTP=$(free_udp_port 18180)
UAS_PORT=$(free_udp_port 15181)
UAC_PORT=$(free_udp_port 15191)
GEN_PORT=$(free_udp_port 14000)
ECHO_PORT=$(free_udp_port $((GEN_PORT + 2)))

log "work dir $W; $NCPU cores; fd limit $(ulimit -n); steps: $CALLS calls"
printf 'calls\tmeasured\tsent\treceived\tloss_pct\trtt_p50_us\trtt_p99_us\tsb_cpu_pct\tsb_peak_pct\trtpload_cpu_pct\tsipp_cpu_pct\tother_cpu_pct\tsb_idle_rss_kib\tsb_rss_kib\tkib_per_call\tsb_fds\tudp_rcvbuf_errors\tresult\n' >"$W/steps.tsv"

alive() { local p; for p in "$@"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }

run_step() {
	local n=$1 ramp_s hold_ms
	ramp_s=$(( (n + RAMP_CPS - 1) / RAMP_CPS ))
	# rtpload gives the ramp up to 2*ramp_s+10 s (set-ups slow down under
	# media load); every call must outlive the measured window even then
	local ramp_max=$(( 2 * ramp_s + 10 ))
	hold_ms=$(( (ramp_max + WARM_S + MEASURE_S + 5) * 1000 ))

	[ -n "${SB_PID:-}" ] && stop_wait "$SB_PID"
	[ -n "${UAS_PID:-}" ] && stop_wait "$UAS_PID"
	write_provision "$n" "$W/prov.json" "$W/agents.csv"
	start_switchboard "$SB_SIP" "$SB_HTTP" "$W/prov.json" 20000-60000
	register_agents "$SB_SIP" "$n" "$W/agents.csv" "$UAS_PORT"
	sleep 1
	local idle_rss; idle_rss=$(rss_kib "$SB_PID")
	sipp_bg -sf "$BENCH_DIR/scenarios/uas_media.xml" -key echo_port "$ECHO_PORT" \
		-i 127.0.0.1 -p "$UAS_PORT" -nostdin -timeout $((hold_ms / 1000 + ramp_s + 60))s \
		-trace_err -error_file "$W/uas-$n.err" || die "cannot start the UAS"
	UAS_PID=$SIPP_PID

	wait_quiet 90
	local ports="$W/ports-$n.txt"; rm -f "$ports"
	"$RTPLOAD" -f "$ports" -g "$GEN_PORT" -e "$ECHO_PORT" -n "$n" -w "$WARM_S" \
		-m "$MEASURE_S" -t "$ramp_max" >"$W/rtpload-$n.json" 2>"$W/rtpload-$n.log" &
	local rp=$!; track $rp
	sleep 0.3
	timeout $((hold_ms / 1000 + ramp_s + 90)) sipp "127.0.0.1:$SB_SIP" \
		-sf "$BENCH_DIR/scenarios/uac_media.xml" -s 15550100 -key gen_port "$GEN_PORT" \
		-key hold_ms "$hold_ms" -key ports_file "$ports" -i 127.0.0.1 -p "$UAC_PORT" \
		-r "$RAMP_CPS" -m "$n" -l "$n" -nostdin -timeout $((hold_ms / 1000 + ramp_s + 60))s \
		-trace_screen -screen_file "$W/uac-$n.screen" -trace_err -error_file "$W/uac-$n.err" \
		>/dev/null 2>&1 &
	local up=$!; track $up
	sleep 0.3
	local uk; uk=$(pgrep -P "$up" | head -1)

	# wait for the measured window, then sample through it
	while alive $rp && ! grep -q measuring "$W/rtpload-$n.log" 2>/dev/null; do sleep 0.2; done
	local s0 r0 k0 b0 c0 w0 s1 r1 k1 b1 c1 w1 peak=0 prev now rss=0 fds=0 mid
	s0=$(cpu_ticks "$SB_PID"); r0=$(cpu_ticks $rp); k0=$(cpu_ticks $uk "$UAS_PID")
	read -r b0 c0 < <(sys_ticks); w0=$(date +%s%N)
	prev=$s0; mid=$(( MEASURE_S / 2 ))
	local ticks=0
	while alive $rp && ! grep -q '"calls"' "$W/rtpload-$n.json" 2>/dev/null; do
		sleep 1; ticks=$((ticks + 1))
		now=$(cpu_ticks "$SB_PID")
		[ $(( (now - prev) * 100 / HZ )) -gt "$peak" ] && peak=$(( (now - prev) * 100 / HZ ))
		prev=$now
		if [ $ticks -eq $mid ]; then rss=$(rss_kib "$SB_PID"); fds=$(fd_count "$SB_PID"); fi
		[ $ticks -lt $MEASURE_S ] && { s1=$now; r1=$(cpu_ticks $rp); k1=$(cpu_ticks $uk "$UAS_PID"); read -r b1 c1 < <(sys_ticks); w1=$(date +%s%N); }
	done
	wait $rp
	[ "$rss" -eq 0 ] && rss=$(rss_kib "$SB_PID")
	local wall_ms=$(( (w1 - w0) / 1000000 ))
	[ $wall_ms -le 0 ] && wall_ms=1
	local scpu=$(( (s1 - s0) * 100000 / HZ / wall_ms ))
	local rcpu=$(( (r1 - r0) * 100000 / HZ / wall_ms ))
	local kcpu=$(( (k1 - k0) * 100000 / HZ / wall_ms ))
	local busy=$(( (b1 - b0) * 100 * NCPU / ((c1 - c0) > 0 ? (c1 - c0) : 1) ))
	local other=$(( busy - scpu - rcpu - kcpu )); [ $other -lt 0 ] && other=0

	# the calls end (BYE) after the window; SIPp's verdict and the records
	log "N=$n: measured; waiting for the calls to end"
	wait $up; local urc=$?
	local sipdrops; sipdrops=$(udp_drops "$SB_SIP")
	local invr; invr=$(awk '/INVITE ---------->/{print $4 "/" $5; exit}' "$W/uac-$n.screen" 2>/dev/null)
	local ok failed
	ok=$(awk -F'|' '/Successful call/{gsub(/ /,"",$3); v=$3} END{print v+0}' "$W/uac-$n.screen" 2>/dev/null)
	failed=$(awk -F'|' '/Failed call/{gsub(/ /,"",$3); v=$3} END{print v+0}' "$W/uac-$n.screen" 2>/dev/null)
	sleep 0.5
	local dbok relay
	dbok=$(sqlite3 "$W/sb.db" "select count(*) from calls where end_reason='completed' and caller_code=200")
	relay=$(sqlite3 "$W/sb.db" "select coalesce(sum(rtp_in),0) || ' in / ' || coalesce(sum(rtp_out),0) || ' out' from call_legs")

	local j="$W/rtpload-$n.json"
	local meas sent recv loss p50 p99 rb
	meas=$(jq -r .calls "$j"); sent=$(jq -r .sent "$j"); recv=$(jq -r .received "$j")
	loss=$(jq -r .loss_pct "$j"); p50=$(jq -r .rtt_p50_us "$j"); p99=$(jq -r .rtt_p99_us "$j")
	rb=$(jq -r .udp_rcvbuf_errors "$j")
	local dr dl; dr=$(jq -r .drops_ports_20000_60999 "$j"); dl=$(jq -r .drops_rtpload_sockets "$j")
	local perc=$(( (rss - idle_rss) / (n > 0 ? n : 1) ))

	local res=PASS why=""
	[ "$meas" != "$n" ] && why="$why only_${meas}_calls_up"
	awk -v l="$loss" -v m="$LOSS_MAX_PCT" 'BEGIN{exit !(l >= m)}' && why="$why loss=${loss}%"
	[ "$failed" -gt 0 ] || [ "$urc" -ne 0 ] && why="$why sipp_failed=$failed(rc=$urc)"
	[ "$dbok" -ne "$n" ] && why="$why records_completed=$dbok/$n"
	[ -n "$why" ] && res="FAIL:$why"

	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$meas" "$sent" "$recv" "$loss" \
		"$p50" "$p99" "$scpu" "$peak" "$rcpu" "$kcpu" "$other" "$idle_rss" "$rss" "$perc" "$fds" "$rb" "$res" >>"$W/steps.tsv"
	log "N=$n: measured $meas calls ${MEASURE_S}s: sent $sent recv $recv loss ${loss}% rtt p50 ${p50}us p99 ${p99}us; switchboard cpu ${scpu}% (peak ${peak}%) rss ${rss}KiB (idle ${idle_rss}, ${perc} KiB/call) fds $fds; rtpload ${rcpu}% sipp ${kcpu}% other ${other}%; udp rcvbuf errors $rb (socket drops: relay ports $dr, rtpload $dl); relay counters $relay; sipp ok=$ok failed=$failed, INVITE retrans/timeouts $invr, switchboard SIP socket drops $sipdrops: $res"
	cp "$j" "$W/rtpload-$n.result.json"
	[ "$res" = PASS ]
}

BEST=0
for n in $CALLS; do
	ok=0
	for try in $(seq 0 "${RETRIES:-2}"); do
		if run_step "$n"; then ok=1; break; fi
		other=$(tail -1 "$W/steps.tsv" | cut -f12)
		[ "$other" -gt 15 ] || break
		log "retrying N=$n: other programs used ${other}% CPU during the step"
		wait_quiet 180
	done
	[ $ok = 1 ] || break
	BEST=$n
done
kill -TERM "${SB_PID:-0}" "${UAS_PID:-0}" 2>/dev/null

column -t -s $'\t' "$W/steps.tsv" >&2
cp "$W/steps.tsv" "$ROOT/build/concurrent-steps.tsv" 2>/dev/null
if [ "$BEST" -gt 0 ]; then
	awk -F'\t' -v n="$BEST" '$1==n && $18=="PASS" {printf "concurrent: %d calls (loss %.4f%%, rtt p99 %.1f ms, switchboard cpu %d%%, rss %.1f MiB, %d KiB/call)\n", n, $5, $7/1000, $8, $14/1024, $15}' "$W/steps.tsv"
else
	echo "concurrent: 0 calls (no step passed; see $W)"
fi

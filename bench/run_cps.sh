#!/usr/bin/env bash
# bench/run_cps.sh — call setups per second: switchboard, then Kamailio
# (bench/kamailio.cfg, a minimal stateful proxy) under the same SIPp load,
# stepping the rate until a step has a failed call. See bench/README.md.
#
# Environment (defaults):
#   STEP_S=30           seconds per rate step
#   RATES="1000 1500 2000 2500 3000 4000 5000 6000"   rates to step through
#   REFINE=1            after the first failed step, try the midpoint once
#   AGENTS=200          registered agents (capacity 1 each)
#   HOLD_MS=50          the caller hangs up this long after the 200 (-d)
#   UAC_MAX=1250        setups/s per SIPp UAC process (more: several UACs)
#   UAS=2               SIPp UAS processes ("phones"), agents split evenly
#   SYSTEMS="switchboard kamailio"
#   RETRIES=2           a failed step during which other programs used >15% of
#                       a core is run again, at most this many times
# Prints per-step lines on stderr and ONE final line on stdout:
#   cps: switchboard N/s (p50 .. ms, p99 .. ms, cpu ..%), kamailio M/s (...), ratio R
set -u
. "$(dirname "$0")/lib.sh"
bench_init cps

STEP_S=${STEP_S:-30}
RATES=${RATES:-"1000 1500 2000 2500 3000 4000 5000 6000"}
REFINE=${REFINE:-1}
AGENTS=${AGENTS:-200}
HOLD_MS=${HOLD_MS:-50}
UAC_MAX=${UAC_MAX:-1250}
UAS=${UAS:-2}
SYSTEMS=${SYSTEMS:-"switchboard kamailio"}
NCPU=$(nproc)
command -v kamailio >/dev/null || SYSTEMS=${SYSTEMS/kamailio/}

SB_SIP=$(free_udp_port 15060)
SB_HTTP=$(free_udp_port 18080)
KAM_SIP=$(free_udp_port 15070)
UAS_PORTS=()
p=15081
for _ in $(seq "$UAS"); do p=$(free_udp_port $p); UAS_PORTS+=("$p"); p=$((p + 1)); done
UAC_BASE=$(free_udp_port 15091)

log "work dir $W; $NCPU cores; step ${STEP_S}s; agents $AGENTS; hold ${HOLD_MS}ms"
printf 'system\trate\tachieved\tok\tfailed\tretrans\tp50_ms\tp99_ms\tmax_ms\tserver_cpu_pct\tserver_peak_pct\tloadgen_cpu_pct\tuas_cpu_pct\tother_cpu_pct\tserver_rss_kib(kamailio:pss)\tserver_fds_max\tresult\n' >"$W/steps.tsv"

start_uas() {
	UAS_PIDS=()
	local port
	for port in "${UAS_PORTS[@]}"; do
		sipp_bg -sf "$BENCH_DIR/scenarios/uas_answer.xml" -i 127.0.0.1 \
			-p "$port" -nostdin -timeout 1800s -trace_err \
			-error_file "$W/uas-$port-$1.err" ||
			die "cannot start the SIPp UAS on $port"
		UAS_PIDS+=("$SIPP_PID")
	done
}

alive() { local p; for p in "$@"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }

stop_pids() { stop_wait "$@"; }

# A fresh server for every step, so that no step inherits the state (queued
# calls, transactions, heap) of the one before: sets SRV_PIDS and TARGET.
fresh_switchboard() {
	[ -n "${SB_PID:-}" ] && stop_pids "$SB_PID"
	start_switchboard "$SB_SIP" "$SB_HTTP" "$W/prov.json" 20000-60000
	register_agents "$SB_SIP" "$AGENTS" "$W/agents.csv" "${UAS_PORTS[@]}"
	SB_IDLE_RSS=$(rss_kib "$SB_PID")
	SRV_PIDS=("$SB_PID"); TARGET="127.0.0.1:$SB_SIP"
}

fresh_kamailio() {
	[ -n "${KAM_PID:-}" ] && stop_pids "$KAM_PID"
	kamailio -f "$BENCH_DIR/kamailio.cfg" -DD -E -m 4096 -M 64 \
		-A "DS_LIST=\"$W/ds.list\"" -A "LISTEN=udp:127.0.0.1:$KAM_SIP" \
		-A "CHILDREN=$NCPU" >>"$W/kamailio.log" 2>&1 &
	KAM_PID=$!; track $KAM_PID
	sleep 2
	kill -0 $KAM_PID 2>/dev/null || die "kamailio did not start: $(tail -5 "$W/kamailio.log")"
	SRV_PIDS=("$KAM_PID" $(pgrep -P "$KAM_PID"))
	track "${SRV_PIDS[@]}"
	TARGET="127.0.0.1:$KAM_SIP"
}

# one step: SYSTEM RATE; PASS/FAIL as status, appends to steps.tsv
run_step() {
	local sys=$1 rate=$2
	fresh_$sys
	local srv=("${SRV_PIDS[@]}") target=$TARGET
	local n=$(( (rate + UAC_MAX - 1) / UAC_MAX )) i per calls port
	local uacs=() uports=() t0ms s0 s1 u0 u1 a0 a1 b0 b1 c0 c1 w0 w1 cap filt
	local peak=0 fdmax=0 prev now

	wait_quiet 90
	filt=""
	for i in $(seq 0 $((n - 1))); do uports+=($((UAC_BASE + i))); filt="$filt${filt:+ or }port $((UAC_BASE + i))"; done
	cap="$W/$sys-$rate.pcap"
	dumpcap -q -P -B 64 -i lo -f "udp and ($filt)" -w "$cap" >/dev/null 2>&1 &
	local dpid=$!; track $dpid
	sleep 1.5

	t0ms=$(($(date +%s%N) / 1000000))
	s0=$(cpu_ticks "${srv[@]}"); u0=$(cpu_ticks "${UAS_PIDS[@]}")
	read -r b0 c0 < <(sys_ticks); w0=$(date +%s%N)
	for i in $(seq 0 $((n - 1))); do
		per=$(( rate / n + (i < rate % n ? 1 : 0) ))
		calls=$(( per * STEP_S ))
		timeout $((STEP_S + 60)) sipp "$target" -sn uac -s 15550100 -i 127.0.0.1 \
			-p "${uports[$i]}" -r "$per" -m "$calls" -d "$HOLD_MS" -nostdin \
			-timeout $((STEP_S + 45))s -trace_screen -screen_file "$W/$sys-$rate-uac$i.screen" \
			-trace_err -error_file "$W/$sys-$rate-uac$i.err" \
			>/dev/null 2>&1 &
		uacs+=($!); track $!
	done
	sleep 0.2
	local kids=() last=()
	for i in "${uacs[@]}"; do kids+=("$(pgrep -P "$i" | head -1)"); last+=(0); done
	a0=$(cpu_ticks "${kids[@]}" $dpid)
	prev=$s0
	while alive "${uacs[@]}"; do
		sleep 1
		now=$(cpu_ticks "${srv[@]}")
		[ $(( (now - prev) * 100 / HZ )) -gt "$peak" ] && peak=$(( (now - prev) * 100 / HZ ))
		prev=$now
		if [ "$sys" = switchboard ]; then
			i=$(fd_count "$SB_PID"); [ "$i" -gt "$fdmax" ] && fdmax=$i
		fi
		for i in "${!kids[@]}"; do
			[ -n "${kids[$i]}" ] && kill -0 "${kids[$i]}" 2>/dev/null &&
				last[$i]=$(cpu_ticks "${kids[$i]}")
		done
	done
	local rcs=()
	for i in "${uacs[@]}"; do wait "$i"; rcs+=($?); done
	s1=$(cpu_ticks "${srv[@]}"); u1=$(cpu_ticks "${UAS_PIDS[@]}")
	read -r b1 c1 < <(sys_ticks); w1=$(date +%s%N)
	a1=$(cpu_ticks $dpid); for i in "${last[@]}"; do a1=$((a1 + i)); done
	sleep 0.5
	kill -TERM $dpid 2>/dev/null; wait $dpid 2>/dev/null

	local wall_ms=$(( (w1 - w0) / 1000000 ))
	local scpu=$(( (s1 - s0) * 100000 / HZ / wall_ms ))
	local ucpu=$(( (u1 - u0) * 100000 / HZ / wall_ms ))
	local acpu=$(( (a1 - a0) * 100000 / HZ / wall_ms ))
	local busy=$(( (b1 - b0) * 100 * NCPU / ((c1 - c0) > 0 ? (c1 - c0) : 1) ))
	local other=$(( busy - scpu - ucpu - acpu ))
	[ $other -lt 0 ] && other=0

	# SIPp's own verdict, per UAC
	local ok=0 failed=0 retr=0 unexp=0 f
	for i in $(seq 0 $((n - 1))); do
		f="$W/$sys-$rate-uac$i.screen"
		ok=$((ok + $(awk -F'|' '/Successful call/{gsub(/ /,"",$3); v=$3} END{print v+0}' "$f" 2>/dev/null)))
		failed=$((failed + $(awk -F'|' '/Failed call/{gsub(/ /,"",$3); v=$3} END{print v+0}' "$f" 2>/dev/null)))
		retr=$((retr + $(awk '/INVITE ---------->/{v=$4} END{print v+0}' "$f" 2>/dev/null)))
		unexp=$((unexp + $(awk '/<----------/ && NF>=7 {s+=$NF} END{print s+0}' "$f" 2>/dev/null)))
		[ "${rcs[$i]}" -ne 0 ] && failed=$((failed > 0 ? failed : 1))
	done
	local want=$(( rate * STEP_S ))

	# switchboard's own records: every call completed with a 200
	local dbbad=0 dbn=0
	if [ "$sys" = switchboard ]; then
		sleep 0.5
		dbn=$(sqlite3 "$W/sb.db" "select count(*) from calls where arrived >= $t0ms")
		dbbad=$(sqlite3 "$W/sb.db" "select count(*) from calls where arrived >= $t0ms and not (end_reason = 'completed' and caller_code = 200)")
		[ "$dbn" -ne "$want" ] && dbbad=$((dbbad + (want > dbn ? want - dbn : dbn - want)))
	fi

	local st
	st=$(python3 "$BENCH_DIR/sipcap.py" "$cap" "$(IFS=,; echo "${uports[*]}")")
	rm -f "$cap"
	local ach p50 p99 pmax
	ach=$(jq -r .rate <<<"$st"); p50=$(jq -r .p50_ms <<<"$st"); p99=$(jq -r .p99_ms <<<"$st"); pmax=$(jq -r .max_ms <<<"$st")

	local rss=0 sdrops=0
	[ "$sys" = switchboard ] && { rss=$(rss_kib "$SB_PID"); sdrops=$(udp_drops "$SB_SIP"); }
	[ "$sys" = kamailio ] && sdrops=$(udp_drops "$KAM_SIP")
	[ "$sys" = kamailio ] && { rss=0; for i in "${srv[@]}"; do rss=$((rss + $(pss_kib "$i"))); done; }

	local res=PASS why=""
	[ "$failed" -gt 0 ] && why="$why failed=$failed"
	[ "$ok" -ne "$want" ] && why="$why ok=$ok/$want"
	[ "$unexp" -gt 0 ] && why="$why unexpected=$unexp"
	[ "$dbbad" -gt 0 ] && why="$why records_bad=$dbbad"
	awk -v a="$ach" -v r="$rate" 'BEGIN{exit !(a < 0.97 * r)}' && why="$why rate_not_held(${ach}/s)"
	[ -n "$why" ] && res="FAIL:$why"
	LAST_OTHER=$other

	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$sys" "$rate" "$ach" "$ok" "$failed" "$retr" \
		"$p50" "$p99" "$pmax" "$scpu" "$peak" "$acpu" "$ucpu" "$other" "$rss" "$fdmax" "$res" >>"$W/steps.tsv"
	log "$sys $rate/s x ${STEP_S}s: achieved ${ach}/s ok=$ok failed=$failed retrans=$retr setup p50=${p50}ms p99=${p99}ms max=${pmax}ms server cpu ${scpu}% (peak ${peak}%) uacs+capture ${acpu}% uas ${ucpu}% other ${other}% rss ${rss}KiB fds<=${fdmax} server SIP socket drops $sdrops: $res"
	[ "$res" = PASS ]
}

# a step, run again (at most RETRIES times) when it failed while other
# programs used more than 15 % of a core
try_step() {
	local t
	for t in $(seq 0 "${RETRIES:-2}"); do
		run_step "$1" "$2" && return 0
		[ "$LAST_OTHER" -gt 15 ] || return 1
		log "retrying $2/s: other programs used ${LAST_OTHER}% CPU during the step"
		wait_quiet 180
	done
	return 1
}

# step through RATES for one system; sets BEST_RATE and its row
sweep() {
	local sys=$1
	local r last_ok=0 first_bad=0
	for r in $RATES; do
		if try_step "$sys" "$r"; then
			last_ok=$r
		else
			first_bad=$r; break
		fi
	done
	if [ "$REFINE" = 1 ] && [ "$first_bad" -gt 0 ]; then
		r=$(( (last_ok + first_bad) / 2 / 50 * 50 ))
		if [ "$r" -gt "$last_ok" ] && [ "$r" -lt "$first_bad" ]; then
			try_step "$sys" "$r" && last_ok=$r
		fi
	fi
	BEST_RATE=$last_ok
}

summary_of() {   # SYSTEM RATE -> "N/s (p50 x ms, p99 y ms, cpu z%)"
	awk -F'\t' -v s="$1" -v r="$2" '$1==s && $2==r && $17=="PASS" {printf "%d/s (p50 %s ms, p99 %s ms, cpu %s%%)", r, $7, $8, $10}' "$W/steps.tsv"
}

declare -A BEST
for sys in $SYSTEMS; do
	case $sys in
	switchboard)
		write_provision "$AGENTS" "$W/prov.json" "$W/agents.csv"
		start_uas sb
		log "switchboard on $SB_SIP, $AGENTS agents on UAS ports ${UAS_PORTS[*]}"
		sweep switchboard
		BEST[switchboard]=$BEST_RATE
		log "switchboard: $(grep -c . "$W/switchboard.log") log lines (warn and above) in the last step"
		stop_pids "${UAS_PIDS[@]}" "$SB_PID"
		;;
	kamailio)
		: >"$W/ds.list"
		for port in "${UAS_PORTS[@]}"; do echo "1 sip:127.0.0.1:$port" >>"$W/ds.list"; done
		start_uas kam
		log "kamailio on $KAM_SIP ($NCPU UDP workers), UAS ports ${UAS_PORTS[*]}"
		sweep kamailio
		BEST[kamailio]=$BEST_RATE
		stop_pids "${UAS_PIDS[@]}" "$KAM_PID"
		;;
	esac
done

column -t -s $'\t' "$W/steps.tsv" >&2
cp "$W/steps.tsv" "$BENCH_DIR/../build/cps-steps.tsv" 2>/dev/null
parts=()
sb=${BEST[switchboard]:-0}; km=${BEST[kamailio]:-0}
if [ -n "${BEST[switchboard]+x}" ]; then
	[ "$sb" -gt 0 ] && parts+=("switchboard $(summary_of switchboard "$sb")") || parts+=("switchboard 0/s")
fi
if [ -n "${BEST[kamailio]+x}" ]; then
	[ "$km" -gt 0 ] && parts+=("kamailio $(summary_of kamailio "$km")") || parts+=("kamailio 0/s")
fi
if [ "$km" -gt 0 ] && [ -n "${BEST[switchboard]+x}" ]; then
	parts+=("ratio $(awk -v a="$sb" -v b="$km" 'BEGIN{printf "%.2f", a/b}')")
fi
line="cps:"
for i in "${!parts[@]}"; do line="$line${i:+$([ "$i" -gt 0 ] && echo ,)} ${parts[$i]}"; done
echo "$line"

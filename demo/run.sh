#!/bin/sh
# make demo: switchboard with demo provisioning (3 queues, 6 agents, a
# supervisor), simulated agent phones that answer and speak, and simulated
# customers calling through the trunk at a steady rate and speaking
# (espeak-ng speech, 8 kHz). Everything on loopback. Ctrl-C stops
# everything it started.
#
# Settings (environment):
#   DEMO_DIR=build/demo       database, logs, generated audio and scenarios
#   DEMO_SIP=127.0.0.1:5060   DEMO_HTTP=127.0.0.1:8080
#   DEMO_CALL_EVERY_MS=9000   each of the 3 caller streams (one per queue)
#   DEMO_TALK_MS=25000        how long a caller stays once answered
#   DEMO_CALLS=400            calls per stream at most
#   DEMO_SECONDS=             stop by itself after this long (tests)
#   DEMO_PORT_BASE=16000      SIPp phones and callers use 16000-16399
#   DEMO_ASR=pocketsphinx     live transcription (off: none)
set -eu
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
DIR=${DEMO_DIR:-build/demo}
SIP=${DEMO_SIP:-127.0.0.1:5060}
HTTP=${DEMO_HTTP:-127.0.0.1:8080}
EVERY=${DEMO_CALL_EVERY_MS:-9000}
TALK=${DEMO_TALK_MS:-25000}
CALLS=${DEMO_CALLS:-400}
BASE=${DEMO_PORT_BASE:-16000}
ADMIN=demo-admin-token
AGENTS="alice bob carmen dev erin felipe"

case "$SIP" in 127.*|\[::1\]*) ;; *)
	echo "demo: DEMO_SIP must be a loopback address" >&2; exit 2 ;; esac

mkdir -p "$DIR/audio"
pids=""

stop() {
	trap - INT TERM EXIT
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap stop EXIT
trap 'exit 130' INT TERM

# Speech: generated once, 8 kHz mu-law WAV (what SIPp streams as PCMU).
say() {   # file voice text
	[ -s "$DIR/audio/$1.wav" ] && return 0
	espeak-ng -v "$2" -s 145 -w "$DIR/audio/$1.raw.wav" "$3"
	sox "$DIR/audio/$1.raw.wav" -r 8000 -c 1 -e u-law "$DIR/audio/$1.wav"
	rm -f "$DIR/audio/$1.raw.wav"
}
say billing en-us "Hi, this is John Miller. I was charged twice for my \
subscription this month, and I would like a refund for the duplicate \
charge on my credit card."
say support en-us "Hello. My internet connection keeps dropping every \
evening. I already restarted the router, but it did not help. Can you \
send a technician?"
say spanish es "Hola, buenas tardes. Quiero cambiar mi plan y pagar la \
factura de este mes."
say agent en-us "Thank you for calling. I am sorry about that. Let me \
look at your account, and I will fix it for you right away."

# SIPp substitutes -key values in messages only: fill the templates.
fill() {  # template output audio
	sed -e "s|@AUDIO@|$DIR/audio/$3.wav|" -e "s|@TALK_MS@|$TALK|" \
	    -e "s|@RING_MS@|1500|" "demo/scenarios/$1" >"$DIR/$2"
}
fill phone.xml phone.xml agent
for q in billing support spanish; do fill caller.xml "caller-$q.xml" "$q"; done

rm -f "$DIR/switchboard.db" "$DIR/switchboard.db-wal" "$DIR/switchboard.db-shm"
"$BUILD/switchboard" serve \
	--sip-listen "$SIP" --http-listen "$HTTP" \
	--db "$DIR/switchboard.db" --admin-token "$ADMIN" \
	--asr-backend "${DEMO_ASR:-pocketsphinx}" \
	--provision demo/provision.json >"$DIR/switchboard.log" 2>&1 &
pids="$pids $!"

i=0
until curl -sf "http://$HTTP/api/v1/health" >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -gt 100 ]; then
		echo "demo: switchboard did not start; see $DIR/switchboard.log" >&2
		tail -5 "$DIR/switchboard.log" >&2
		exit 1
	fi
	sleep 0.1
done

# The agents' phones: one SIPp process answers for all of them.
PHONE=$((BASE + 10))
sipp -sf "$DIR/phone.xml" -i 127.0.0.1 -p "$PHONE" -mp "$BASE" \
	-m 100000 -nostdin -trace_err -error_file "$DIR/phone-errors.log" \
	>"$DIR/phone.log" 2>&1 &
pids="$pids $!"

printf 'SEQUENTIAL\n' >"$DIR/agents.csv"
for a in $AGENTS; do printf '%s;%s-sip-1\n' "$a" "$a" >>"$DIR/agents.csv"; done
sipp "$SIP" -sf tests/scenarios/register_many.xml -inf "$DIR/agents.csv" \
	-i 127.0.0.1 -p $((BASE + 20)) -m 6 -r 20 \
	-key contact_port "$PHONE" -key expires 3600 \
	-nostdin -timeout 20s -timeout_error >"$DIR/register.log" 2>&1 || {
	echo "demo: agents could not register; see $DIR/register.log" >&2
	exit 1
}

# Customers: one stream per queue, a call every DEMO_CALL_EVERY_MS.
n=0
for q in billing:+15550100 support:+15550200 spanish:+15550300; do
	name=${q%%:*}
	n=$((n + 1))
	sipp "$SIP" -sf "$DIR/caller-$name.xml" -s "${q#*:}" -i 127.0.0.1 \
		-p $((BASE + 100 * n + 10)) -mp $((BASE + 100 * n)) \
		-r 1 -rp "$EVERY" -l 50 -m "$CALLS" -nostdin \
		-trace_err -error_file "$DIR/caller-$name-errors.log" \
		>"$DIR/caller-$name.log" 2>&1 &
	pids="$pids $!"
done

cat <<MSG

  switchboard demo — calls are flowing
  ====================================
  Agent page        http://$HTTP/agent.html
  Supervisor page   http://$HTTP/supervisor.html

  Agent logins      alice / alice-web-1    bob / bob-web-1
                    carmen / carmen-web-1  dev / dev-web-1
                    erin / erin-web-1      felipe / felipe-web-1
  Supervisor        sam / sam-web-1
  API admin token   $ADMIN   (curl -H 'Authorization: Bearer $ADMIN' http://$HTTP/api/v1/calls)

  Three customer streams call billing, support and spanish, one call each
  every $((EVERY / 1000)) s; the six agents' phones answer and speak. Log in as an
  agent and set yourself Available: its offers then wait for your Accept.
  Logs: $DIR/*.log    Ctrl-C stops everything.

MSG

if [ -n "${DEMO_SECONDS:-}" ]; then
	sleep "$DEMO_SECONDS"
else
	wait
fi

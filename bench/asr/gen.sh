#!/bin/sh
# bench/asr/gen.sh — render bench/asr/utterances.txt as telephone audio
# for build/bench/asr: every utterance twice, once clean and once with
# white line noise at 20 dB SNR, each time with a different espeak-ng
# voice and speed (rotating through VOICES and SPEEDS), band-limited to
# 300-3400 Hz and written as raw 8 kHz u-law (what G.711 calls carry).
#
#   bench/asr/gen.sh [outdir]        (default build/asr-bench)
#
# Writes outdir/NNN-c.ul / NNN-n.ul and outdir/manifest.tsv
# (file, voice, speed, noise, text). Needs espeak-ng and sox.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-build/asr-bench}
VOICES=${VOICES:-"en-us en-us+m3 en-us+f2 en-gb"}
SPEEDS=${SPEEDS:-"140 175"}
SNR_DB=${SNR_DB:-20}

mkdir -p "$out"
tmp=$(mktemp -d /tmp/asr-gen.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

nv=$(echo $VOICES | wc -w)
ns=$(echo $SPEEDS | wc -w)
pick() { echo "$1" | tr ' ' '\n' | sed -n "$(( $2 + 1 ))p"; }

render() {  # index text voice speed noise(c|n)
	i=$1 text=$2 voice=$3 speed=$4 noise=$5
	f=$(printf '%03d-%s' "$i" "$noise")
	espeak-ng -v "$voice" -s "$speed" -w "$tmp/$f.wav" "$text"
	sox -R "$tmp/$f.wav" -r 8000 -c 1 -b 16 "$tmp/$f-8k.wav" \
		sinc 300-3400 gain -n -6
	if [ "$noise" = n ]; then
		# noise RMS = speech RMS / 10^(SNR/20); uniform white noise
		# at full scale has RMS 1/sqrt(3)
		rms=$(sox "$tmp/$f-8k.wav" -n stat 2>&1 |
			awk '/RMS +amplitude/ { print $3 }')
		dur=$(soxi -D "$tmp/$f-8k.wav")
		vol=$(awk -v r="$rms" -v s="$SNR_DB" \
			'BEGIN { printf "%.6f", r / 10 ^ (s / 20) * sqrt(3) }')
		sox -R -n -r 8000 -c 1 -b 16 "$tmp/$f-noise.wav" \
			synth "$dur" whitenoise vol "$vol"
		sox -R -m -v 1 "$tmp/$f-8k.wav" -v 1 "$tmp/$f-noise.wav" \
			"$tmp/$f-mix.wav"
		mv "$tmp/$f-mix.wav" "$tmp/$f-8k.wav"
	fi
	sox -R "$tmp/$f-8k.wav" -t raw -e mu-law -r 8000 -c 1 "$out/$f.ul"
	printf '%s.ul\t%s\t%s\t%s\t%s\n' "$f" "$voice" "$speed" \
		"$( [ "$noise" = n ] && echo "${SNR_DB}dB" || echo clean)" \
		"$text" > "$tmp/$f.tsv"
}

i=0
while IFS= read -r text; do
	[ -n "$text" ] || continue
	render $i "$text" "$(pick "$VOICES" $(( i % nv )))" \
		"$(pick "$SPEEDS" $(( i / nv % ns )))" c &
	render $i "$text" "$(pick "$VOICES" $(( (i + 1) % nv )))" \
		"$(pick "$SPEEDS" $(( (i / nv + 1) % ns )))" n &
	wait
	i=$(( i + 1 ))
done < "$here/utterances.txt"

cat "$tmp"/*.tsv > "$out/manifest.tsv"
echo "$(wc -l < "$out/manifest.tsv") utterances in $out" >&2

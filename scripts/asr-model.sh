#!/bin/sh
# scripts/asr-model.sh — adapts Debian's 16 kHz en-us acoustic model to
# telephone audio and writes the result as a model directory
# PocketSphinx loads with -hmm (build/asr/en-us-tel by default).
#
# Why: calls carry 8 kHz G.711 (300-3400 Hz); switchboard upsamples it to
# the model's 16 kHz, so the model's filterbank (130-6800 Hz) sees an
# empty upper band it never saw in training. Debian ships no 8 kHz model.
#
# How: the sentences of data/asr/adapt.txt (written for this, disjoint
# from bench/asr's) are spoken by espeak-ng and flite voices that
# bench/asr does not use, at several speeds, through the bench's
# telephone path (8 kHz, 300-3400 Hz, some with white line noise, u-law),
# then decoded and upsampled by switchboard's own code
# (build/tools/asr_ul16). SphinxTrain's bw collects statistics under the
# original model; a global MLLR transform moves the means, bw runs again
# under the result, and MAP re-estimates means, variances and mixture
# weights (ASR_ADAPT, ASR_MIXW below). Transition matrices, mdef,
# noisedict and feat.params are copied unchanged. Each step's effect on
# bench/asr: docs/PERFORMANCE.md "Acoustic adaptation".
#
#   scripts/asr-model.sh [outdir]
#
#   ASR_ADAPT     mllr | map | mllr+map (default): a global MLLR
#                 transform of the means, MAP re-estimation of means and
#                 variances, or MAP after MLLR
#   ASR_COPIES    renderings of each sentence, each with another voice
#                 (default 3)
#   ASR_MIXW      1 (default): MAP also re-estimates the mixture weights
#                 (a new sendump); 0: Debian's sendump is kept
#   ASR_KEEP=1    keep the work directory (outdir.work)
#
# Needs sphinxtrain, sphinxbase-utils, pocketsphinx-en-us, espeak-ng,
# flite, sox (scripts/deps.sh) and build/tools/asr_ul16 (make builds it).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-build/asr/en-us-tel}
ADAPT=${ASR_ADAPT:-mllr+map}
COPIES=${ASR_COPIES:-3}
MIXW=${ASR_MIXW:-1}
[ "$MIXW" = 1 ] || MIXW=
BUILD=${BUILD:-build}
ul16=${ASR_UL16:-$root/$BUILD/tools/asr_ul16}
moddir=$(pkg-config --variable=modeldir pocketsphinx 2>/dev/null ||
	echo /usr/share/pocketsphinx/model)
base=$moddir/en-us/en-us
dict=$moddir/en-us/cmudict-en-us.dict
st=/usr/lib/sphinxtrain

die() { echo "asr-model: $*" >&2; exit 1; }

case $ADAPT in mllr|map|mllr+map) ;; *) die "ASR_ADAPT=$ADAPT: mllr, map or mllr+map" ;; esac
[ -x "$ul16" ] || die "no $ul16 (make $BUILD/tools/asr_ul16)"
[ -f "$base/mdef" ] || die "no model in $base (apt-get install pocketsphinx-en-us)"
[ -x "$st/bw" ] || die "no $st/bw (apt-get install sphinxtrain)"
command -v sphinx_fe >/dev/null || die "no sphinx_fe (apt-get install sphinxbase-utils)"

work=$out.work
rm -rf "$work" "$out.tmp"
mkdir -p "$work/ul" "$work/pcm" "$work/mfc" "$work/acc0" "$work/acc1" "$out.tmp"
[ -n "${ASR_KEEP:-}" ] || trap 'rm -rf "$work" "$out.tmp"' EXIT
t0=$(date +%s)
step() { echo "asr-model: $* ($(( $(date +%s) - t0 )) s)" >&2; }

# --- 1. the adaptation set: voices and speeds bench/asr does not use ---
ESPEAK="en-us+m2 en-us+m5 en-us+m7 en-us+f1 en-us+f4 en-gb-x-rp en-029
	en-gb-scotland en-us-nyc en-gb-x-gbclan"
FLITE="kal slt rms awb"
SPEEDS="125 155 190"             # espeak-ng words per minute
STRETCH="1.15 1.0 0.85"          # flite duration_stretch, same spirit
SNRS="15 20 25"                  # dB, for the noisy copies
voices="$(echo $ESPEAK) $(echo $FLITE)"
nv=$(echo $voices | wc -w)
pick() { echo "$1" | tr ' ' '\n' | sed -n "$(( $2 % $(echo $1 | wc -w) + 1 ))p"; }

# job list: id voice speed-index noise(0 or dB) text; every other copy is
# noisy, and the voice moves on by a prime step so that sentences and
# voices do not pair up the same way in each copy
i=0
: > "$work/jobs"
while IFS= read -r text; do
	[ -n "$text" ] || continue
	c=0
	while [ $c -lt "$COPIES" ]; do
		v=$(pick "$voices" $(( i + c * 7 )))
		sp=$(( (i / nv + c) % 3 ))
		if [ $(( (i + c) % 2 )) = 1 ]; then
			noise=$(pick "$SNRS" $(( i / 2 )))
		else
			noise=0
		fi
		printf '%04d-%d\t%s\t%s\t%s\t%s\n' $i $c "$v" $sp $noise \
			"$text" >> "$work/jobs"
		c=$(( c + 1 ))
	done
	i=$(( i + 1 ))
done < "$root/data/asr/adapt.txt"

render() {  # id voice speed-index noise text
	id=$1 v=$2 sp=$3 noise=$4 text=$5
	w=$work/ul/$id
	case " $FLITE " in
	*" $v "*)
		flite -voice "$v" --setf duration_stretch="$(pick "$STRETCH" "$sp")" \
			-t "$text" -o "$w.wav" ;;
	*)
		espeak-ng -v "$v" -s "$(pick "$SPEEDS" "$sp")" -w "$w.wav" "$text" ;;
	esac
	sox -R "$w.wav" -r 8000 -c 1 -b 16 "$w-8k.wav" sinc 300-3400 gain -n -6
	if [ "$noise" != 0 ]; then
		# as bench/asr/gen.sh: noise RMS = speech RMS / 10^(SNR/20);
		# full-scale uniform white noise has RMS 1/sqrt(3)
		rms=$(sox "$w-8k.wav" -n stat 2>&1 | awk '/RMS +amplitude/ { print $3 }')
		dur=$(soxi -D "$w-8k.wav")
		vol=$(awk -v r="$rms" -v s="$noise" \
			'BEGIN { printf "%.6f", r / 10 ^ (s / 20) * sqrt(3) }')
		sox -R -n -r 8000 -c 1 -b 16 "$w-n.wav" synth "$dur" whitenoise vol "$vol"
		sox -R -m -v 1 "$w-8k.wav" -v 1 "$w-n.wav" "$w-mix.wav"
		mv "$w-mix.wav" "$w-8k.wav"
	fi
	sox -R "$w-8k.wav" -t raw -e mu-law -r 8000 -c 1 "$w.ul"
	rm -f "$w.wav" "$w-8k.wav" "$w-n.wav"
}

# two renderers, one per core of the machine this was written on
pids=
for k in 0 1; do
	awk -F'\t' -v k=$k 'NR % 2 == k' "$work/jobs" |
	while IFS="$(printf '\t')" read -r id v sp noise text; do
		render "$id" "$v" "$sp" "$noise" "$text" ||
			{ echo "asr-model: rendering $id failed" >&2; exit 1; }
	done &
	pids="$pids $!"
done
for p in $pids; do wait "$p" || die "rendering failed"; done
n=$(wc -l < "$work/jobs")
[ "$(ls "$work/ul" | grep -c '\.ul$')" = "$n" ] || die "rendering failed"
step "$n utterances rendered"

# --- 2. what the recognizer hears: switchboard's G.711 + upsampler ---
cut -f1 "$work/jobs" > "$work/ids"
set --
while read -r id; do set -- "$@" "$work/ul/$id.ul" "$work/pcm/$id.raw"; done < "$work/ids"
"$ul16" "$@"
set --
sphinx_fe -argfile "$base/feat.params" -samprate 16000 -raw yes \
	-input_endian little -c "$work/ids" -di "$work/pcm" -ei raw \
	-do "$work/mfc" -eo mfc > "$work/fe.log" 2>&1 ||
	{ tail -n 5 "$work/fe.log" >&2; die "sphinx_fe failed"; }
step "features"

# transcripts: lower case, words only, as the dictionary spells them
cut -f5- "$work/jobs" | tr 'A-Z' 'a-z' | sed "s/[^a-z' ]/ /g" |
	paste -d'\t' - "$work/ids" |
	awk -F'\t' '{ $1 = $1; printf "<s> %s </s> (%s)\n", $1, $2 }' |
	sed 's/  */ /g' > "$work/lsn"

pocketsphinx_mdef_convert -text "$base/mdef" "$work/mdef.txt" > "$work/mdef.log" 2>&1
python3 "$root/scripts/asr-sendump2mixw.py" "$base/sendump" "$work/mixture_weights"

# --- 3. statistics and re-estimation ---
bw() {  # model-dir means-file
	pids=
	for p in 1 2; do
		"$st/bw" -hmmdir "$1" -moddeffn "$work/mdef.txt" \
			-ts2cbfn .ptm. -meanfn "$2" -varfn "$base/variances" \
			-mixwfn "$work/mixture_weights" \
			-tmatfn "$base/transition_matrices" \
			-feat 1s_c_d_dd -svspec 0-12/13-25/26-38 -cmn batch \
			-agc none -dictfn "$dict" -fdictfn "$base/noisedict" \
			-ctlfn "$work/ids" -lsnfn "$work/lsn" -cepdir "$work/mfc" \
			-accumdir "$work/acc$(( p - 1 ))" -part $p -npart 2 \
			-timing no > "$work/bw$p.log" 2>&1 &
		pids="$pids $!"
	done
	for p in $pids; do
		wait "$p" || { tail -n 5 "$work"/bw?.log >&2; die "bw failed"; }
	done
}

means=$base/means
if [ "$ADAPT" != map ]; then
	bw "$base" "$means"
	"$st/mllr_solve" -meanfn "$means" -varfn "$base/variances" \
		-outmllrfn "$work/mllr_matrix" \
		-accumdir "$work/acc0,$work/acc1" \
		> "$work/mllr.log" 2>&1 || { tail -n 5 "$work/mllr.log" >&2; die "mllr_solve failed"; }
	"$st/mllr_transform" -inmeanfn "$means" \
		-outmeanfn "$work/means.mllr" -mllrmat "$work/mllr_matrix" \
		> "$work/mllrt.log" 2>&1 || { tail -n 5 "$work/mllrt.log" >&2; die "mllr_transform failed"; }
	means=$work/means.mllr
	step "MLLR"
fi
cp "$means" "$out.tmp/means"
cp "$base/variances" "$out.tmp/variances"
if [ "$ADAPT" != mllr ]; then
	rm -rf "$work/acc0" "$work/acc1"
	mkdir -p "$work/acc0" "$work/acc1"
	bw "$base" "$means"
	"$st/map_adapt" -moddeffn "$work/mdef.txt" -ts2cbfn .ptm. \
		-meanfn "$means" -varfn "$base/variances" \
		-mixwfn "$work/mixture_weights" \
		-tmatfn "$base/transition_matrices" \
		-accumdir "$work/acc0,$work/acc1" \
		-mapmeanfn "$out.tmp/means" -mapvarfn "$out.tmp/variances" \
		${MIXW:+-mapmixwfn "$work/mixw.map"} \
		> "$work/map.log" 2>&1 || { tail -n 5 "$work/map.log" >&2; die "map_adapt failed"; }
	if [ -n "$MIXW" ]; then
		"$st/mk_s2sendump" -pocketsphinx yes -moddeffn "$work/mdef.txt" \
			-mixwfn "$work/mixw.map" -sendumpfn "$out.tmp/sendump" \
			> "$work/sendump.log" 2>&1 || die "mk_s2sendump failed"
	fi
	step "MAP"
fi

for f in mdef feat.params noisedict transition_matrices sendump; do
	[ -f "$out.tmp/$f" ] || cp "$base/$f" "$out.tmp/$f"
done
{
	echo "Debian's pocketsphinx-en-us model ($base), adapted to"
	echo "8 kHz telephone audio by scripts/asr-model.sh: $ADAPT${MIXW:+ (MAP with mixture weights)}, $n utterances"
	echo "($COPIES renderings of each line of data/asr/adapt.txt)."
} > "$out.tmp/README"
rm -rf "$out"
mv "$out.tmp" "$out"
step "wrote $out ($ADAPT)"

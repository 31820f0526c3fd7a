#!/bin/sh
# bench/asr/run.sh — the transcription benchmark in one command: renders
# the utterances (bench/asr/gen.sh) unless build/asr-bench has them,
# builds build/bench/asr and runs it. Run from the repository root, on a
# quiet machine: the concurrency steps are real-time. ~10 min on 2 cores.
#
#   bench/asr/run.sh            (knobs: ASR_STEP_S, ASR_NMAX, ASR_THREADS,
#                                ASR_SKIP_LOAD, ASR_SHOW; see bench/asr.c)
set -eu
cd "$(dirname "$0")/../.."

[ -s build/asr-bench/manifest.tsv ] || bench/asr/gen.sh build/asr-bench
make -s -j2 build/bench/asr
echo "load before: $(uptime)" >&2
build/bench/asr build/asr-bench
echo "load after: $(uptime)" >&2

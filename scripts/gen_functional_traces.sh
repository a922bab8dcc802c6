#!/usr/bin/env bash
# Traces with planted, time-varying groups from our own simulator, for the functional
# pipeline: graded neurons on the C. elegans connectome; group A (AVA, AVB, AVD, AVE) gets
# shared current pulses in the first half, group B (the DB/VB motor neurons 1-4) in the
# second. Writes TRACES.csv (time_ms, one column per neuron: V).
#   scripts/gen_functional_traces.sh out.csv [seed]
set -euo pipefail
out=${1:?output CSV}
seed=${2:-1}
bin=${CONNECTOSCOPE:-target/release/connectoscope}
"$bin" simulate celegans-cook2019 --model graded --duration 4000 --dt 0.5 --seed "$seed" \
  --stim "pulses AVA*,AVB*,AVD*,AVE* amplitude=60 width=100 freq=2 start=0 stop=2000" \
  --stim "pulses DB1,DB2,DB3,DB4,VB1,VB2,VB3,VB4 amplitude=60 width=100 freq=3 start=2000 stop=4000" \
  --stim "noise all mean=0 std=2" \
  --trace all --traces "$out"

#!/usr/bin/env bash
# Traces with planted, time-varying groups from our own simulator, for the functional
# pipeline (the generator behind tests/functional.rs): LIF on the C. elegans connectome;
# group A (AVA, AVB, AVD, AVE) gets shared current pulses during 0-2 s, group B (DB1-4,
# VB1-4) during 2-4 s, every neuron gets noise (tests/fixtures/functional/two_epochs.json).
# Activity is sampled every 10 ms as calcium-like traces of the neurons that spiked.
# Writes TRACES.csv (time_s, one column per neuron) and the dynamic connectome in OUT_DIR.
#   scripts/gen_functional_traces.sh TRACES.csv OUT_DIR
set -euo pipefail
out=${1:?output CSV}
dir=${2:?output folder}
bin=${CONNECTOSCOPE:-target/release/connectoscope}
"$bin" functional --simulate celegans-cook2019 --protocol tests/fixtures/functional/two_epochs.json \
  --duration 4s --window 0.5 --step 0.25 --rank 2 --traces-out "$out" --out "$dir"

#!/usr/bin/env bash
# Regenerates tests/fixtures/kuramoto/ from the peers' NumPy/SciPy Kuramoto (../shared/peers;
# install them with python3 -m venv /tmp/peers && /tmp/peers/bin/pip install -r
# ../shared/peers/requirements.txt). The graph is the LIF fixtures' 300-neuron network.
# tests/kuramoto_numpy.rs starts from the same ω and θ0 and checks r(t) against NumPy's.
set -euo pipefail
cd "$(dirname "$0")/.."
peers=${PEERS:-../shared/peers}
py=${PY:-/tmp/peers/bin/python}
tmp=$(mktemp -d)
out=tests/fixtures/kuramoto
mkdir -p "$out"
gunzip -c tests/fixtures/lif/h300_edges.csv.gz > "$tmp/h300.csv"
"$py" "$peers/kuramoto_numpy.py" "$tmp/h300.csv" --n 300 --T 2000 --dt 0.5 --K 20 --seed 1 \
  --r-every-ms 10 --init-out "$tmp/init.csv" --r-out "$out/h300_r.csv"
gzip -9 -n -c "$tmp/init.csv" > "$out/h300_init.csv.gz"
rm -r "$tmp"
echo "fixtures written to $out"

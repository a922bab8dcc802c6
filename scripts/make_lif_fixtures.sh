#!/usr/bin/env bash
# Regenerates tests/fixtures/lif/ from NEST 3.10 (the peers in ../shared/peers; install them with
#   python3 -m venv /tmp/peers && /tmp/peers/bin/pip install -r ../shared/peers/requirements.txt).
# The fixtures are NEST's rasters; tests/lif_nest.rs checks ours are byte-identical.
set -euo pipefail
cd "$(dirname "$0")/.."
peers=${PEERS:-../shared/peers}
py=${PY:-/tmp/peers/bin/python}
tmp=$(mktemp -d)
out=tests/fixtures/lif
cargo build --release --quiet

# 1. A generated heavy-tailed 300-neuron network with DC input (integer ids = neuron names).
"$py" "$peers/gen_graph.py" --kind heavy --n 300 --e 7000 --seed 1 --out "$tmp/h300.csv"
"$py" "$peers/lif_nest.py" "$tmp/h300.csv" --n 300 --T 1000 --ie-out "$out/h300_ie.csv" --spikes-out "$tmp/h300_nest.csv"
gzip -9 -c "$tmp/h300.csv" > "$out/h300_edges.csv.gz"
gzip -9 -c "$tmp/h300_nest.csv" > "$out/h300_nest_spikes.csv.gz"

# 2. C. elegans (Cook 2019) chemical synapses, signed as connectoscope signs them (unknown ->
#    excitatory), as integer ids in connectoscope's neuron order; results mapped back to names.
./target/release/connectoscope convert celegans-cook2019 "$tmp/worm.csv" 2>/dev/null
python3 - "$tmp" <<'PY'
import csv, sys
tmp = sys.argv[1]
table = list(csv.DictReader(open(f"{tmp}/worm.neurons.csv")))
names = [r["name"] for r in table]
sign = {r["name"]: r["sign"] for r in table}
index = {n: i for i, n in enumerate(names)}
with open(f"{tmp}/worm_int.csv", "w") as out:
    out.write("pre,post,weight\n")
    for r in csv.DictReader(open(f"{tmp}/worm.csv")):
        if r["type"] == "chemical":
            w = int(float(r["weight"]))
            s = r["sign"] or sign[r["pre"]] or "+"
            out.write(f"{index[r['pre']]},{index[r['post']]},{-w if s == '-' else w}\n")
open(f"{tmp}/names.txt", "w").write("\n".join(names))
PY
"$py" "$peers/lif_nest.py" "$tmp/worm_int.csv" --n 302 --T 1000 --seed 7 --ie-out "$tmp/ie.csv" --spikes-out "$tmp/spikes.csv"
python3 - "$tmp" "$out" <<'PY'
import csv, gzip, sys
tmp, out = sys.argv[1], sys.argv[2]
names = open(f"{tmp}/names.txt").read().split("\n")
with open(f"{out}/celegans_ie.csv", "w") as o:
    o.write("neuron,I_e_pA\n")
    for r in csv.DictReader(open(f"{tmp}/ie.csv")):
        o.write(f"{names[int(r['neuron'])]},{r['I_e_pA']}\n")
with gzip.open(f"{out}/celegans_nest_spikes.csv.gz", "wt", compresslevel=9) as o:
    o.write("neuron,time_ms\n")
    for r in csv.DictReader(open(f"{tmp}/spikes.csv")):
        o.write(f"{names[int(r['neuron'])]},{r['time_ms']}\n")
PY
rm -r "$tmp"
echo "fixtures written to $out"

#!/usr/bin/env bash
# LIF speed of connectoscope against NEST 3.10 and Brian2 2.9 (cpp_standalone), all on one
# thread (and ours on two), on seeded heavy-tailed graphs of 3,000 neurons / 65k synapses and
# 139,255 / 3M, with the same I_e per neuron and 1 s of biological time at dt = 0.1 ms.
# Rasters are compared with NEST's; prints one JSON line per run and a markdown table.
#
#   scripts/bench_lif.sh                 # both sizes
#   SIZES="3000:65000" scripts/bench_lif.sh
#
# Env: PEERS (../shared/peers), PY (/tmp/peers/bin/python, with nest and brian2: see
# $PEERS/README.md), WORK (a new temp dir), REPEAT (timed runs of ours, min taken; 3),
# BIN (a built connectoscope; else `cargo build --release $CARGO_FLAGS`).
# sim_s is each tool's own timing of the simulation loop (build and I/O excluded).
set -euo pipefail
cd "$(dirname "$0")/.."
peers=${PEERS:-../shared/peers}
py=${PY:-/tmp/peers/bin/python}
work=${WORK:-$(mktemp -d)}
repeat=${REPEAT:-3}
sizes=${SIZES:-3000:65000 139255:3000000}
if [ -z "${BIN:-}" ]; then
  # shellcheck disable=SC2086
  cargo build --release --quiet --bin connectoscope ${CARGO_FLAGS:-}
  BIN=target/release/connectoscope
fi
mkdir -p "$work"
results=$work/results.jsonl
: > "$results"
export PYNEST_QUIET=1
log() { echo "+ $*" >&2; }

for size in $sizes; do
  n=${size%%:*} e=${size##*:}
  g=$work/h$n.csv
  log "graph $n neurons, $e synapses"
  "$py" "$peers/gen_graph.py" --kind heavy --n "$n" --e "$e" --seed 1 --out "$g" >/dev/null
  # Every id is a neuron, also those without synapses (they still fire on I_e).
  { echo name; seq 0 $((n - 1)); } > "$work/h$n.neurons.csv"

  log "NEST, 1 thread (writes the I_e file the others read)"
  "$py" "$peers/lif_nest.py" "$g" --n "$n" --T 1000 --threads 1 --ie-out "$work/ie$n.csv" \
    --spikes-out "$work/nest$n.csv" | tail -1 | sed "s/^{/{\"tool\": \"nest\", \"size\": \"$size\", /" >> "$results"

  log "Brian2 cpp_standalone, 1 thread"
  "$py" "$peers/lif_brian2.py" "$g" --n "$n" --T 1000 --threads 1 --mode cpp_standalone \
    --ie-in "$work/ie$n.csv" --spikes-out "$work/brian2_$n.csv" | tail -1 \
    | sed "s/^{/{\"tool\": \"brian2\", \"size\": \"$size\", /" >> "$results"

  for threads in 1 2; do
    for run in $(seq "$repeat"); do
      log "connectoscope, $threads thread(s), run $run"
      out=$work/ours${n}_t$threads.csv
      json=$( { /usr/bin/time -f '%M' -o "$work/rss" "$BIN" simulate "$g" --neurons "$work/h$n.neurons.csv" \
        --model lif --duration 1000 --ie "$work/ie$n.csv" --spikes "$out" --json --threads "$threads"; } )
      echo "${json%\}}, \"tool\": \"connectoscope\", \"size\": \"$size\", \"run\": $run, \"maxrss_mb\": $(( $(cat "$work/rss") / 1024 )), \"loadavg1\": $(cut -d' ' -f1 /proc/loadavg)}" >> "$results"
    done
  done

  for other in "brian2_$n" "ours${n}_t1" "ours${n}_t2"; do
    "$py" "$peers/compare_spikes.py" "$work/nest$n.csv" "$work/$other.csv" --n "$n" | tail -1 \
      | sed "s/^{/{\"tool\": \"compare\", \"size\": \"$size\", \"against\": \"$other\", \"identical_bytes\": $(cmp -s "$work/nest$n.csv" "$work/$other.csv" && echo true || echo false), /" >> "$results"
  done
done

"$py" - "$results" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
print("\n| size (neurons/synapses) | tool | threads | sim_s | vs Brian2 | raster = NEST | peak RSS MB | load |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for size in dict.fromkeys(r["size"] for r in rows):
    at = [r for r in rows if r["size"] == size]
    same = {r["against"]: r["identical_prefix_spikes"] == r["spikes_a"] == r["spikes_b"] for r in at if r["tool"] == "compare"}
    brian = next(r for r in at if r["tool"] == "brian2")
    runs = [("NEST 3.10", next(r for r in at if r["tool"] == "nest"), "reference")]
    runs.append(("Brian2 2.9 cpp_standalone", brian, "yes" if same[f"brian2_{size.split(':')[0]}"] else "no"))
    for t in (1, 2):
        ours = [r for r in at if r["tool"] == "connectoscope" and r["threads"] == t]
        if ours:
            best = min(ours, key=lambda r: r["sim_s"])
            best = dict(best, maxrss_mb=max(r["maxrss_mb"] for r in ours))
            key = f"ours{size.split(':')[0]}_t{t}"
            runs.append((f"connectoscope (min of {len(ours)})", best, "yes" if same[key] else "no"))
    for name, r, identical in runs:
        rss = r["maxrss_mb"] if name.startswith("connectoscope") else max(r.get("maxrss_mb", 0), r.get("maxrss_children_mb", 0))
        print(f"| {size.replace(':', '/')} | {name} | {r['threads']} | {r['sim_s']:.4f} | "
              f"{brian['sim_s'] / r['sim_s']:.2f}x | {identical} | {rss:.0f} | {r['loadavg1']} |")
PY
echo "results: $results" >&2

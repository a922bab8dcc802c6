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
# $PEERS/README.md), WORK (a new temp dir), REPEAT (timed runs, the fastest kept; 3),
# BIN (a built connectoscope; else `cargo build --release $CARGO_FLAGS`).
#
# sim_s: each tool's own timing of its simulation loop (build and I/O excluded): wall-clock
# for connectoscope and NEST, but CPU time for Brian2 without OpenMP (its network.cpp times
# the loop with std::clock()). cpu_s (where `perf` works): CPU time of the simulation alone,
# the task-clock of a run minus that of the same run with 0 ms simulated (for Brian2, of its
# compiled binary). On a busy machine wall-clock times grow with the load, CPU times barely:
# compare CPU with CPU there ("vs Brian2 (CPU)").
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
has_perf=$(perf stat -x, -e task-clock true >/dev/null 2>&1 && echo 1 || echo 0)

# Fewest task-clock seconds of REPEAT runs of a command (stdout discarded), or null.
cpu_s() {
  [ "$has_perf" = 1 ] || { echo null; return; }
  local best=""
  for _ in $(seq "$repeat"); do
    local ms
    ms=$(perf stat -x, -e task-clock "$@" 2>&1 >/dev/null | grep -E ',msec,' | cut -d, -f1)
    best=$(echo "$ms ${best:-$ms}" | awk '{print ($1 < $2) ? $1 : $2}')
  done
  echo "$best" | awk '{printf "%.4f", $1 / 1000}'
}
# "label": value, for the JSON lines.
tag() { sed "s/^{/{$1, /"; }

for size in $sizes; do
  n=${size%%:*} e=${size##*:}
  g=$work/h$n.csv
  at="\"size\": \"$size\""
  log "graph $n neurons, $e synapses"
  "$py" "$peers/gen_graph.py" --kind heavy --n "$n" --e "$e" --seed 1 --out "$g" >/dev/null
  # Every id is a neuron, also those without synapses (they still fire on I_e).
  { echo name; seq 0 $((n - 1)); } > "$work/h$n.neurons.csv"

  log "NEST, 1 thread (writes the I_e file the others read)"
  "$py" "$peers/lif_nest.py" "$g" --n "$n" --T 1000 --threads 1 --ie-out "$work/ie$n.csv" \
    --spikes-out "$work/nest$n.csv" | tail -1 | tag "\"tool\": \"nest\", $at, \"cpu_s\": null" >> "$results"

  log "Brian2 cpp_standalone, 1 thread (and its binary again for CPU time, with 1000 and 0 ms)"
  brian() {  # T, extra args; prints the JSON line, keeps the build in $work/b2_T
    "$py" "$peers/lif_brian2.py" "$g" --n "$n" --T "$1" --threads 1 --mode cpp_standalone \
      --ie-in "$work/ie$n.csv" --keep-build "${@:2}" 2> "$work/b2.err" | tail -1
    rm -rf "$work/b2_$1"
    mv "$(sed -n 's/^standalone build kept in //p' "$work/b2.err")" "$work/b2_$1"
  }
  line=$(brian 1000 --spikes-out "$work/brian2_$n.csv")
  brian 0 > /dev/null
  b2cpu=$(echo "$(cd "$work/b2_1000" && cpu_s ./main) $(cd "$work/b2_0" && cpu_s ./main)" \
    | awk '$1 == "null" {print "null"; exit} {printf "%.4f", $1 - $2}')
  rm -rf "$work/b2_1000" "$work/b2_0"
  echo "$line" | tag "\"tool\": \"brian2\", $at, \"cpu_s\": $b2cpu" >> "$results"

  ours=("$BIN" simulate "$g" --neurons "$work/h$n.neurons.csv" --model lif --ie "$work/ie$n.csv")
  for threads in 1 2; do
    idle=$(cpu_s "${ours[@]}" --threads "$threads" --duration 0)
    for run in $(seq "$repeat"); do
      log "connectoscope, $threads thread(s), run $run"
      json=$(/usr/bin/time -f '%M' -o "$work/rss" "${ours[@]}" --duration 1000 --json \
        --threads "$threads" --spikes "$work/ours${n}_t$threads.csv")
      rss=$(( $(cat "$work/rss") / 1024 ))
      echo "$json" | tag "\"tool\": \"connectoscope\", $at, \"run\": $run, \"maxrss_mb\": $rss, \"loadavg1\": $(cut -d' ' -f1 /proc/loadavg)" >> "$results"
    done
    full=$(cpu_s "${ours[@]}" --threads "$threads" --duration 1000)
    echo "{\"tool\": \"connectoscope-cpu\", $at, \"threads\": $threads, \"cpu_s\": $(echo "$full $idle" | awk '$1 == "null" {print "null"; exit} {printf "%.4f", $1 - $2}')}" >> "$results"
  done

  for other in "brian2_$n" "ours${n}_t1" "ours${n}_t2"; do
    same=$(cmp -s "$work/nest$n.csv" "$work/$other.csv" && echo true || echo false)
    "$py" "$peers/compare_spikes.py" "$work/nest$n.csv" "$work/$other.csv" --n "$n" | tail -1 \
      | tag "\"tool\": \"compare\", $at, \"against\": \"$other\", \"identical_bytes\": $same" >> "$results"
  done
done

"$py" - "$results" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
num = lambda x, f, unit="": "n/a" if x is None else format(x, f) + unit
print("\n| neurons/synapses | tool | threads | sim_s | vs Brian2 | cpu_s | vs Brian2 (CPU) "
      "| raster = NEST | peak RSS MB | load |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for size in dict.fromkeys(r["size"] for r in rows):
    at = [r for r in rows if r["size"] == size]
    n = size.split(":")[0]
    same = {r["against"]: r["identical_prefix_spikes"] == r["spikes_a"] == r["spikes_b"]
            for r in at if r["tool"] == "compare"}
    nest = next(r for r in at if r["tool"] == "nest")
    brian = next(r for r in at if r["tool"] == "brian2")
    runs = [("NEST 3.10", nest, "reference", nest["maxrss_mb"]),
            ("Brian2 2.9 cpp_standalone", brian, "yes" if same[f"brian2_{n}"] else "no",
             brian["maxrss_children_mb"])]
    for t in (1, 2):
        ours = [r for r in at if r["tool"] == "connectoscope" and r["threads"] == t]
        cpu = next(r["cpu_s"] for r in at if r["tool"] == "connectoscope-cpu" and r["threads"] == t)
        best = dict(min(ours, key=lambda r: r["sim_s"]), cpu_s=cpu)
        runs.append((f"connectoscope (fastest of {len(ours)})", best,
                     "yes" if same[f"ours{n}_t{t}"] else "no", max(r["maxrss_mb"] for r in ours)))
    for name, r, identical, rss in runs:
        cpu_ratio = None if None in (r["cpu_s"], brian["cpu_s"]) else brian["cpu_s"] / r["cpu_s"]
        print(f"| {size.replace(':', '/')} | {name} | {r['threads']} | {r['sim_s']:.4f} "
              f"| {brian['sim_s'] / r['sim_s']:.2f}x | {num(r['cpu_s'], '.4f')} | {num(cpu_ratio, '.2f', 'x')} "
              f"| {identical} | {rss:.0f} | {r['loadavg1']} |")
PY
echo "results: $results" >&2

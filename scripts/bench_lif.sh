#!/usr/bin/env bash
# LIF speed of connectoscope against Brian2 2.9 (cpp_standalone), both on one thread (and ours
# on two), with NEST 3.10 as the reference raster, on seeded heavy-tailed graphs: 3,000 neurons
# / 65k synapses for 1 s and 139,255 / 3M for 100 ms of biological time at dt = 0.1 ms, with
# the same I_e per neuron. Prints one JSON line per run and a markdown table with the ratios.
#
#   scripts/bench_lif.sh                            # both sizes
#   SIZES="3000:65000:1000" REPEAT=5 scripts/bench_lif.sh
#
# Env: SIZES (neurons:synapses:ms ...), PEERS (../shared/peers), PY (/tmp/peers/bin/python,
# with nest and brian2: see $PEERS/README.md), WORK (a new temp dir), REPEAT (rounds, the
# fastest kept; 3), BIN (a built connectoscope; else `cargo build --release $CARGO_FLAGS`).
#
# Each round runs Brian2's compiled binary and ours one after the other, so that a busy
# machine slows both alike; the fastest of the rounds is kept for each.
#   sim_s: each tool's own timing of its simulation loop (build and I/O excluded): wall-clock
#          for connectoscope and NEST, CPU time for Brian2 without OpenMP (its network.cpp
#          times the loop with std::clock()), from one run each;
#   cpu_s: CPU time of the simulation alone, the task-clock (perf; else user + system time) of
#          a run minus that of the same run with 0 ms simulated (for Brian2, of its compiled
#          binary). On a busy machine wall-clock times grow with the load, CPU times much less:
#          compare CPU with CPU there ("vs Brian2 (CPU)").
set -euo pipefail
cd "$(dirname "$0")/.."
peers=${PEERS:-../shared/peers}
py=${PY:-/tmp/peers/bin/python}
work=${WORK:-$(mktemp -d)}
repeat=${REPEAT:-3}
sizes=${SIZES:-3000:65000:1000 139255:3000000:100}
if [ -z "${BIN:-}" ]; then
  # shellcheck disable=SC2086
  cargo build --release --quiet --bin connectoscope ${CARGO_FLAGS:-}
  BIN=${CARGO_TARGET_DIR:-target}/release/connectoscope
fi
mkdir -p "$work"
results=$work/results.jsonl
: > "$results"
export PYNEST_QUIET=1
log() { echo "+ $*" >&2; }
has_perf=$(perf stat -x, -e task-clock true >/dev/null 2>&1 && echo 1 || echo 0)

# CPU seconds of one run of a command (stdout discarded).
cpu_s() {
  if [ "$has_perf" = 1 ]; then
    perf stat -x, -e task-clock "$@" 2>&1 >/dev/null | grep -E ',msec,' | cut -d, -f1 | awk '{printf "%.4f", $1 / 1000}'
  else
    /usr/bin/time -f '%U %S' -o "$work/cpu" "$@" > /dev/null
    awk '{printf "%.4f", $1 + $2}' "$work/cpu"
  fi
}
# "label": value, for the JSON lines.
tag() { sed "s/^{/{$1, /"; }

for size in $sizes; do
  IFS=: read -r n e T <<< "$size"
  g=$work/h$n.csv
  at="\"size\": \"$n:$e\", \"T_ms\": $T"
  log "graph $n neurons, $e synapses"
  "$py" "$peers/gen_graph.py" --kind heavy --n "$n" --e "$e" --seed 1 --out "$g" >/dev/null
  # Every id is a neuron, also those without synapses (they still fire on I_e).
  { echo name; seq 0 $((n - 1)); } > "$work/h$n.neurons.csv"

  log "NEST, 1 thread (writes the I_e file the others read)"
  "$py" "$peers/lif_nest.py" "$g" --n "$n" --T "$T" --threads 1 --ie-out "$work/ie$n.csv" \
    --spikes-out "$work/nest$n.csv" | tail -1 | tag "\"tool\": \"nest\", $at" >> "$results"

  log "Brian2 cpp_standalone, 1 thread (built for $T ms and for 0 ms, binaries kept)"
  brian() {  # T, extra args; prints the JSON line, keeps the build in $work/b2_T
    "$py" "$peers/lif_brian2.py" "$g" --n "$n" --T "$1" --threads 1 --mode cpp_standalone \
      --ie-in "$work/ie$n.csv" --keep-build "${@:2}" 2> "$work/b2.err" | tail -1
    rm -rf "$work/b2_$1"
    mv "$(sed -n 's/^standalone build kept in //p' "$work/b2.err")" "$work/b2_$1"
  }
  brian "$T" --spikes-out "$work/brian2_$n.csv" | tag "\"tool\": \"brian2\", $at" >> "$results"
  brian 0 > /dev/null

  ours=("$BIN" simulate "$g" --neurons "$work/h$n.neurons.csv" --model lif --ie "$work/ie$n.csv")
  for run in $(seq "$repeat"); do
    log "round $run: Brian2's binary, then connectoscope on 1 and 2 threads"
    full=$(cd "$work/b2_$T" && cpu_s ./main) idle=$(cd "$work/b2_0" && cpu_s ./main)
    echo "{\"tool\": \"brian2-cpu\", $at, \"run\": $run, \"cpu_s\": $(echo "$full $idle" | awk '{printf "%.4f", $1 - $2}')}" >> "$results"
    for threads in 1 2; do
      json=$(/usr/bin/time -f '%M' -o "$work/rss" "${ours[@]}" --duration "$T" --json \
        --threads "$threads" --spikes "$work/ours${n}_t$threads.csv")
      rss=$(( $(cat "$work/rss") / 1024 ))
      full=$(cpu_s "${ours[@]}" --threads "$threads" --duration "$T")
      idle=$(cpu_s "${ours[@]}" --threads "$threads" --duration 0)
      cpu=$(echo "$full $idle" | awk '{printf "%.4f", $1 - $2}')
      echo "$json" | tag "\"tool\": \"connectoscope\", $at, \"run\": $run, \"cpu_s\": $cpu, \"maxrss_mb\": $rss, \"loadavg1\": $(cut -d' ' -f1 /proc/loadavg)" >> "$results"
    done
  done
  rm -rf "$work/b2_$T" "$work/b2_0"

  for other in "brian2_$n" "ours${n}_t1" "ours${n}_t2"; do
    same=$(cmp -s "$work/nest$n.csv" "$work/$other.csv" && echo true || echo false)
    "$py" "$peers/compare_spikes.py" "$work/nest$n.csv" "$work/$other.csv" --n "$n" | tail -1 \
      | tag "\"tool\": \"compare\", $at, \"against\": \"$other\", \"identical_bytes\": $same" >> "$results"
  done
done

"$py" - "$results" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]


def least_cpu(runs):
    """The least CPU time of runs, leaving out those that came out ≤ 0 (a run minus its
    zero-length run, when loading the graph varied more than the loop took: noise)."""
    good = [r["cpu_s"] for r in runs if r["cpu_s"] > 0]
    return min(good) if good else None


print("\n| neurons/synapses, ms | tool | threads | sim_s | vs Brian2 | cpu_s | vs Brian2 (CPU) "
      "| raster = NEST | peak RSS MB | load |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for size in dict.fromkeys(r["size"] for r in rows):
    at = [r for r in rows if r["size"] == size]
    n, T = size.split(":")[0], at[0]["T_ms"]
    same = {r["against"]: r["identical_prefix_spikes"] == r["spikes_a"] == r["spikes_b"]
            for r in at if r["tool"] == "compare"}
    nest = next(r for r in at if r["tool"] == "nest")
    brian = dict(next(r for r in at if r["tool"] == "brian2"),
                 cpu_s=least_cpu([r for r in at if r["tool"] == "brian2-cpu"]))
    runs = [("NEST 3.10", dict(nest, cpu_s=None), "reference", nest["maxrss_mb"]),
            ("Brian2 2.9 cpp_standalone", brian, "yes" if same[f"brian2_{n}"] else "no",
             brian["maxrss_children_mb"])]
    for t in (1, 2):
        ours = [r for r in at if r["tool"] == "connectoscope" and r["threads"] == t]
        best = dict(min(ours, key=lambda r: r["sim_s"]), cpu_s=least_cpu(ours))
        runs.append((f"connectoscope (fastest of {len(ours)})", best,
                     "yes" if same[f"ours{n}_t{t}"] else "no", max(r["maxrss_mb"] for r in ours)))
    for name, r, identical, rss in runs:
        cpu = r["cpu_s"]
        cpu_ratio = "n/a" if cpu is None or brian["cpu_s"] is None else f"{brian['cpu_s'] / cpu:.2f}x"
        cpu = "n/a" if cpu is None else f"{cpu:.4f}"
        print(f"| {size.replace(':', '/')}, {T:g} | {name} | {r['threads']} | {r['sim_s']:.4f} "
              f"| {brian['sim_s'] / r['sim_s']:.2f}x | {cpu} | {cpu_ratio} "
              f"| {identical} | {rss:.0f} | {r['loadavg1']} |")
PY
echo "results: $results" >&2

#!/usr/bin/env bash
# Kuramoto RK4: connectoscope vs the peers' NumPy/SciPy (../shared/peers/kuramoto_numpy.py) on
# the same generated graphs and the same model (signed weights, in-strength normalisation,
# K = 20 rad/s, 10 ± 1 Hz, dt = 1 ms), one thread each (and ours on THREADS), in rounds that
# run the peer and ours one after the other, so that a busy machine slows both alike.
#   sim_s: the integration loop's wall time as each program reports it (graph loading
#          excluded; NumPy's loop also samples r(t) every 10 ms, a small share);
#   cpu_s: user + system CPU seconds of the run minus those of a zero-length run on the same
#          graph, i.e. the loop's CPU cost, which a busy machine disturbs less than wall time.
# Each figure is the best of REPEAT rounds; the ratios are NumPy's over ours.
#
# The memory-bandwidth bound: each round also times a STREAM-like triad (scripts/triad.c) on
# arrays far larger than the caches; bytes_per_step counts what one RK4 step streams (per
# stage: 4-byte source + 4-byte weight per connection, 85 bytes per neuron of phases, sums,
# gains, sines and cosines; 130 bytes per neuron around the stages; the (sin, cos) pairs
# gathered by index, 16 bytes per neuron, counted once a stage, i.e. as if cached), and
# bound_s = steps × bytes_per_step / triad bandwidth.
# The gather bound: the (sin, cos) pairs are read at random, which the triad does not measure.
# scripts/gather.c times the least work of the sums, a pass of e connections picking pairs from
# a table of n at random; gather_bound_s = steps × 4 stages × e × its ns per connection. On a
# graph whose pairs outgrow the L2 cache that, not the bandwidth, is what bounds the sums.
#   scripts/bench_kuramoto.sh                      # 3k/65k for 10 s, 139k/3M for 1 s (dt 1 ms)
#   SPECS="3000:65000:1000" THREADS="1 2" REPEAT=3 scripts/bench_kuramoto.sh
set -euo pipefail
cd "$(dirname "$0")/.."
peers=${PEERS:-../shared/peers}
py=${PY:-/tmp/peers/bin/python}
threads=${THREADS:-1}
repeat=${REPEAT:-3}
specs=${SPECS:-3000:65000:10000 139000:3000000:1000}
data=${DATA:-/tmp/bench_kuramoto}
mkdir -p "$data"
if [ -z "${BIN:-}" ]; then
  # shellcheck disable=SC2086
  cargo build --release --quiet --bin connectoscope ${CARGO_FLAGS:-}
  BIN=${CARGO_TARGET_DIR:-target}/release/connectoscope
fi
cc -O2 -o "$data/triad" scripts/triad.c
cc -O3 -march=native -o "$data/gather" scripts/gather.c

# Runs a command, prints "sim_s cpu_s" (sim_s from its JSON line on stdout).
measure() {
  local out
  out=$(/usr/bin/time -o "$data/time" -f "%U %S" "$@" 2>/dev/null)
  python3 -c "import json,sys; print(json.loads(sys.argv[1])['sim_s'], sum(map(float, sys.argv[2].split())))" \
    "$(grep '^{' <<< "$out" | tail -1)" "$(cat "$data/time")"
}

# "sim_s loop_cpu_s" of one run of "$@" with DUR replaced by $T (and by 0 for the idle cost).
loop() {
  local full zero
  full=$(measure "${@/DUR/$T}")
  zero=$(measure "${@/DUR/0}")
  echo "$full $zero" | awk '{printf "%s %.3f\n", $1, ($2 - $4 > 0) ? $2 - $4 : 0}'
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
for spec in $specs; do
  IFS=: read -r n e T <<< "$spec"
  csv="$data/h${n}_${e}.csv"
  [ -f "$csv" ] || "$py" "$peers/gen_graph.py" --kind heavy --n "$n" --e "$e" --seed 1 --out "$csv" > /dev/null
  rows=()
  for run in $(seq "$repeat"); do
    rows+=("numpy 1 $(loop "$py" "$peers/kuramoto_numpy.py" "$csv" --n "$n" --T DUR --dt 1 --K 20)")
    for t in $threads; do
      rows+=("ours $t $(loop "$BIN" simulate "$csv" --model kuramoto --duration DUR --dt 1 \
        --param K=20 --param signed=1 --threads "$t" --json)")
    done
    rows+=("triad 1 $("$data/triad" 40000000 3) 0")
    rows+=("gather 1 $("$data/gather" "$n" "$e" 5) 0")
    echo "  round $run done (load $(cut -d' ' -f1 /proc/loadavg))" >&2
  done
  printf '%s\n' "${rows[@]}" > "$data/rows"
  python3 - "$n" "$e" "$T" "$data/rows" <<'PY'
import sys
n, e, T = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
steps = round(T)  # dt = 1 ms
rows = [line.split() for line in open(sys.argv[4])]
best = {}
for tool, t, sim, cpu in (row for row in rows if row[0] not in ("triad", "gather")):
    b = best.setdefault((tool, t), [float("inf"), float("inf")])
    b[0], b[1] = min(b[0], float(sim)), min(b[1], float(cpu))
numpy_sim, numpy_cpu = best[("numpy", "1")]
triad = max(float(sim) for tool, _, sim, _ in rows if tool == "triad")
gather_ns = min(float(sim) for tool, _, sim, _ in rows if tool == "gather")
rounds = sum(1 for row in rows if row[0] == "triad")
gather_bound = steps * 4 * e * gather_ns * 1e-9
bytes_per_step = 4 * (8 * e + 85 * n) + 130 * n
bound = steps * bytes_per_step / (triad * 1e9)
print(f"{n}/{e}, {steps} steps: NumPy sim {numpy_sim:.3f} s, cpu {numpy_cpu:.3f} s")
for (tool, t), (sim, cpu) in best.items():
    if tool == "ours":
        print(f"  connectoscope, {t} thread(s): sim {sim:.3f} s, cpu {cpu:.3f} s: "
              f"{numpy_sim / sim:.1f}x / {numpy_cpu / max(cpu, 1e-3):.1f}x NumPy (sim / cpu); "
              f"{sim / bound:.2f}x / {cpu / bound:.2f}x the bandwidth bound, "
              f"{sim / gather_bound:.2f}x / {cpu / gather_bound:.2f}x the gather bound (sim / cpu)")
print(f"  triad {triad:.1f} GB/s (best of {rounds}); {bytes_per_step / 1e6:.1f} MB "
      f"streamed per step; bound {bound:.3f} s for {steps} steps")
print(f"  gather {gather_ns:.3f} ns per connection (best of {rounds}); "
      f"gather bound {gather_bound:.3f} s for {steps} steps")
PY
done

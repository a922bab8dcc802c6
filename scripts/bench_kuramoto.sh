#!/usr/bin/env bash
# Kuramoto RK4: connectoscope vs the peers' NumPy/SciPy (../shared/peers/kuramoto_numpy.py) on
# the same generated graphs and the same model (signed weights, in-strength normalisation,
# K = 20 rad/s, 10 ± 1 Hz, dt = 1 ms).
#   sim_s: the integration loop's wall time as each program reports it (graph loading
#          excluded; NumPy's loop also samples r(t) every 10 ms, a small share);
#   cpu_s: user + system CPU seconds of the run minus those of a zero-length run on the same
#          graph, i.e. the loop's CPU cost, which a busy machine disturbs less than wall time.
# Each figure is the best of REPEAT runs.
#   scripts/bench_kuramoto.sh                      # 3k/65k for 1000 ms, 139k/3M for 200 ms
#   THREADS="1 2" REPEAT=3 scripts/bench_kuramoto.sh
set -euo pipefail
cd "$(dirname "$0")/.."
peers=${PEERS:-../shared/peers}
py=${PY:-/tmp/peers/bin/python}
threads=${THREADS:-1 2}
repeat=${REPEAT:-1}
data=${DATA:-/tmp/bench_kuramoto}
mkdir -p "$data"
cargo build --release --quiet --bin connectoscope ${CARGO_FLAGS:-}
bin=${CARGO_TARGET_DIR:-target}/release/connectoscope

# Runs a command, prints "sim_s cpu_s" (sim_s from its JSON line on stdout).
measure() {
  local out cpu
  out=$(/usr/bin/time -o "$data/time" -f "%U %S" "$@" 2>/dev/null)
  cpu=$(awk '{print $1 + $2}' "$data/time")
  python3 -c "import json,sys; print(json.loads(sys.argv[1])['sim_s'], sys.argv[2])" "$(grep '^{' <<< "$out" | tail -1)" "$cpu"
}

# Best sim_s and loop CPU of REPEAT runs of "$@" with duration argument placeholder DUR.
best_of() {
  local runs=() zero=() t
  for _ in $(seq "$repeat"); do
    runs+=("$(measure "${@/DUR/$T}")")
    zero+=("$(measure "${@/DUR/0}")")
  done
  python3 - "${runs[@]}" -- "${zero[@]}" <<'PY'
import sys
args = sys.argv[1:]; k = args.index("--")
runs = [tuple(map(float, r.split())) for r in args[:k]]
zero = [float(z.split()[1]) for z in args[k + 1:]]
print(min(r[0] for r in runs), max(0.0, min(r[1] for r in runs) - min(zero)))
PY
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
printf "%-15s %6s %9s %9s %9s %9s  %s\n" graph T_ms numpy_sim numpy_cpu ours_sim ours_cpu "speedup sim / cpu"
for spec in "3000 65000 1000" "139000 3000000 200"; do
  set -- $spec
  n=$1 e=$2 T=$3
  csv="$data/h${n}_${e}.csv"
  [ -f "$csv" ] || "$py" "$peers/gen_graph.py" --kind heavy --n "$n" --e "$e" --seed 1 --out "$csv" > /dev/null
  read -r numpy_sim numpy_cpu < <(best_of "$py" "$peers/kuramoto_numpy.py" "$csv" --n "$n" --T DUR --dt 1 --K 20)
  for t in $threads; do
    read -r ours_sim ours_cpu < <(best_of "$bin" simulate "$csv" --model kuramoto --duration DUR --dt 1 \
      --param K=20 --param signed=1 --threads "$t" --json)
    printf "%-15s %6s %9.3f %9.3f %9.3f %9.3f  %.1fx / %.1fx (threads %s)\n" "${n}/${e}" "$T" "$numpy_sim" "$numpy_cpu" \
      "$ours_sim" "$ours_cpu" "$(python3 -c "print($numpy_sim / $ours_sim)")" \
      "$(python3 -c "print($numpy_cpu / max($ours_cpu, 1e-3))")" "$t"
  done
done

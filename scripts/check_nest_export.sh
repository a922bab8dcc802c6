#!/usr/bin/env bash
# `connectoscope export-nest` end to end with NEST 3.10 (the PyPI wheel): the exported run.py
# must write a spikes CSV byte-identical to `connectoscope simulate` with the same flags, on
# 1 and 2 NEST threads, for
#   - C. elegans (celegans-cook2019), LIF, a protocol with every item kind (dc, pulses,
#     Poisson, noise, silence mid-run, ablation from the start and from mid-run);
#   - a generated heavy-tailed graph of 20,000 neurons (peers' gen_graph.py), LIF, the same
#     kinds of items;
# then measures the Izhikevich export on C. elegans (rasters compared: not exact, see
# src/io/nest_export.rs) and the export time of a 139,000-neuron / 3.7 M-connection graph.
# Writes its findings to scripts/check_nest_export.result (committed: CI has no NEST).
#
#   scripts/check_nest_export.sh
#
# Env: PY (a Python with nest-simulator 3.10 and numpy; default /tmp/venv-15/bin/python, made
# with `python3 -m venv /tmp/venv-15 && /tmp/venv-15/bin/pip install nest-simulator numpy`),
# PEERS (../shared/peers), WORK (a new temp dir), BIN (a built connectoscope; else
# `cargo build --release --no-default-features`), BIG (0 skips the 139k export timing).
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PY:-/tmp/venv-15/bin/python}
peers=${PEERS:-../shared/peers}
work=${WORK:-$(mktemp -d)}
result=scripts/check_nest_export.result
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet --no-default-features --bin connectoscope
  BIN=${CARGO_TARGET_DIR:-target}/release/connectoscope
fi
echo "work: $work" >&2
{
  echo "# scripts/check_nest_export.sh, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "# $("$BIN" --version), NEST $("$py" -c 'import nest; print(nest.__version__)' 2>/dev/null | tail -1), numpy $("$py" -c 'import numpy; print(numpy.__version__)'), $(nproc) cores"
} > "$work/result"

# How far two rasters agree: spike counts, the first time they differ, per-neuron counts.
compare() {
  "$py" - "$1" "$2" <<'EOF'
import collections, sys
def read(path):
    rows = [line.rsplit(",", 1) for line in open(path).read().splitlines()[1:]]
    return [(float(t), n) for n, t in rows]
a, b = read(sys.argv[1]), read(sys.argv[2])
first = next((min(x[0], y[0]) for x, y in zip(a, b) if x != y), None)
ca, cb = collections.Counter(n for _, n in a), collections.Counter(n for _, n in b)
same = sum(ca[n] == cb[n] for n in set(ca) | set(cb))
print(f"{len(a)} spikes ours, {len(b)} NEST; identical up to {first} ms; "
      f"{same} of {len(set(ca) | set(cb))} firing neurons with the same count")
EOF
}

# One case: simulate, export, run NEST on 1 and 2 threads, compare bytes.
check() {
  local name=$1 exact=$2
  shift 2
  "$BIN" simulate "$@" --spikes "$work/$name.ours.csv" > /dev/null
  "$BIN" export-nest "$@" --out "$work/$name.nest" --force > /dev/null
  for threads in 1 2; do
    local t0 t1
    t0=$(date +%s.%N)
    nice -n 5 "$py" "$work/$name.nest/run.py" --threads "$threads" --spikes "$work/$name.nest$threads.csv" > /dev/null 2>&1
    t1=$(date +%s.%N)
    local spikes
    spikes=$(($(wc -l < "$work/$name.ours.csv") - 1))
    if cmp -s "$work/$name.ours.csv" "$work/$name.nest$threads.csv"; then
      echo "$name, $threads thread(s): IDENTICAL ($spikes spikes; NEST run $(printf %.1f "$(echo "$t1 - $t0" | bc)") s)"
    elif [ "$exact" = exact ]; then
      echo "$name, $threads thread(s): DIFFERENT ($spikes spikes ours, $(($(wc -l < "$work/$name.nest$threads.csv") - 1)) NEST; first differing line: $(cmp "$work/$name.ours.csv" "$work/$name.nest$threads.csv" | head -1))"
    else
      echo "$name, $threads thread(s): not identical (expected, see run.py's header): $(compare "$work/$name.ours.csv" "$work/$name.nest$threads.csv")"
    fi
  done | tee -a "$work/result"
}

cat > "$work/worm.json" <<'EOF'
{"items": [
  {"kind": "dc", "target": "all", "amplitude": 150, "start_ms": 20},
  {"kind": "pulses", "target": "class:AVA", "amplitude": 400, "width_ms": 2, "frequency_hz": 20, "start_ms": 50, "stop_ms": 600},
  {"kind": "poisson", "target": "type:sensory", "rate_hz": 300, "weight": 60},
  {"kind": "noise", "target": "all", "mean": 10, "std": 80, "start_ms": 100, "stop_ms": 800},
  {"kind": "dc", "target": "AVB*", "amplitude": -50.5, "start_ms": 150, "stop_ms": 700},
  {"kind": "silence", "target": "AVB*", "start_ms": 300, "stop_ms": 500},
  {"kind": "silence", "target": "class:AVA", "start_ms": 450},
  {"kind": "ablate", "target": "RIS"},
  {"kind": "ablate", "target": "DVA,AIY*", "start_ms": 400}
]}
EOF
check worm-lif exact celegans-cook2019 --protocol "$work/worm.json" --duration 1000 --seed 7 --ie-range 200:260

"$py" "$peers/gen_graph.py" --kind heavy --n 20000 --e 400000 --seed 3 --out "$work/g20k.csv" > /dev/null
cat > "$work/g20k.json" <<'EOF'
{"items": [
  {"kind": "dc", "target": "all", "amplitude": 120},
  {"kind": "pulses", "target": "1??", "amplitude": 300, "width_ms": 1, "frequency_hz": 40, "start_ms": 100, "stop_ms": 400},
  {"kind": "poisson", "target": "all", "rate_hz": 20, "weight": 40},
  {"kind": "noise", "target": "2???", "mean": 0, "std": 100, "start_ms": 50, "stop_ms": 350},
  {"kind": "silence", "target": "3??", "start_ms": 200, "stop_ms": 300},
  {"kind": "ablate", "target": "4??"},
  {"kind": "ablate", "target": "5??", "start_ms": 250}
]}
EOF
check g20k-lif exact "$work/g20k.csv" --protocol "$work/g20k.json" --duration 500 --seed 11 --ie-range 250:330 --J 2

cat > "$work/worm-izh.json" <<'EOF'
{"items": [
  {"kind": "dc", "target": "all", "amplitude": 2, "start_ms": 20},
  {"kind": "pulses", "target": "class:AVA", "amplitude": 10, "width_ms": 2, "frequency_hz": 20, "start_ms": 50, "stop_ms": 600},
  {"kind": "poisson", "target": "type:sensory", "rate_hz": 300, "weight": 2},
  {"kind": "noise", "target": "all", "mean": 0, "std": 3, "start_ms": 100, "stop_ms": 800},
  {"kind": "silence", "target": "AVB*", "start_ms": 300, "stop_ms": 500},
  {"kind": "ablate", "target": "RIS"},
  {"kind": "ablate", "target": "DVA,AIY*", "start_ms": 400}
]}
EOF
check worm-izhikevich measure celegans-cook2019 --model izhikevich --protocol "$work/worm-izh.json" --duration 1000 --seed 7 --ie-range 0:6

if [ "${BIG:-1}" != 0 ]; then
  "$py" "$peers/gen_graph.py" --kind heavy --n 139000 --e 3700000 --seed 5 --out "$work/g139k.csv" > /dev/null
  t0=$(date +%s.%N)
  "$BIN" info "$work/g139k.csv" > /dev/null
  t1=$(date +%s.%N)
  "$BIN" export-nest "$work/g139k.csv" --duration 1000 --ie-range 300:400 --out "$work/g139k.nest" --force > /dev/null
  t2=$(date +%s.%N)
  printf 'export of 139,000 neurons / 3.7 M connections: %.2f s in all (%.2f s of it loading the CSV, as `info` takes), %s of files\n' \
    "$(echo "$t2 - $t1" | bc)" "$(echo "$t1 - $t0" | bc)" "$(du -sh "$work/g139k.nest" | cut -f1)" | tee -a "$work/result"
fi
cp "$work/result" "$result"
echo "wrote $result" >&2

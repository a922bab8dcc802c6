#!/usr/bin/env bash
# Whole-brain load benchmark: connectoscope's Codex folder reader against pandas, on the same
# files, in one run. Prints one JSON object.
#
#   scripts/bench_load.sh [DIR]        # DIR defaults to /tmp/codex-full
#
# - Generates DIR with scripts/gen_codex.py if it has no connections.csv.gz (GEN_ARGS passes
#   e.g. "--neurons 10000 --pairs 150000 --rows 200000").
# - PYTHON must have numpy and pandas (default /tmp/benchvenv/bin/python; make it with
#   `python3 -m venv /tmp/benchvenv && /tmp/benchvenv/bin/pip install numpy pandas`).
# - REPEAT (default 5) runs each side that many times, alternating, each in a fresh process
#   (so peaks do not mix); medians and minima are reported.
# - SCHED=fifo (the default where permitted, i.e. as root) runs both sides under SCHED_FIFO,
#   so that other work on a shared machine does not preempt them; SCHED=normal does not.
#
# Ours: wall time of `connectoscope::io::load(DIR)` (all the folder's tables, CSR built) and
# the process's peak RSS. Pandas: `read_csv(connections.csv.gz)` with the dtypes it needs plus
# `groupby([pre, post]).syn_count.sum()` (sorted by pair, like our CSR), and its process's
# peak RSS; also the same with `sort=False`, pandas' faster unsorted variant.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=${1:-/tmp/codex-full}
PY=${PYTHON:-/tmp/benchvenv/bin/python}
REPEAT=${REPEAT:-5}
SCHED=${SCHED:-fifo}

if [ ! -f "$DATA/connections.csv.gz" ]; then
    # shellcheck disable=SC2086
    "$PY" "$ROOT/scripts/gen_codex.py" --out "$DATA" ${GEN_ARGS:-} >&2
fi

# The criterion bench binary doubles as the one-shot loader (CONNECTOSCOPE_LOAD=DIR); the
# desktop app is not needed for it.
BIN=$(cd "$ROOT" && cargo bench --bench load --no-default-features --no-run --message-format=json 2>/dev/null |
    "$PY" -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("executable"):
        print(m["executable"])' | tail -n 1)

RUN=()
if [ "$SCHED" = fifo ] && chrt -f 10 true 2>/dev/null; then
    RUN=(chrt -f 10)
else
    SCHED=normal
fi

PANDAS='
import resource, sys, time
import pandas as pd
t = time.perf_counter()
df = pd.read_csv(sys.argv[1] + "/connections.csv.gz", dtype={
    "pre_root_id": "int64", "post_root_id": "int64", "neuropil": "category",
    "syn_count": "int32", "nt_type": "category"})
w = df.groupby(["pre_root_id", "post_root_id"], sort=sys.argv[2] == "sorted").syn_count.sum()
s = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{{\"seconds\": {s:.3f}, \"peak_mb\": {peak:.1f}, \"connections\": {len(w)}, \"synapses\": {int(w.sum())}}}")
'

OURS=()
SORTED=()
UNSORTED=()
for _ in $(seq "$REPEAT"); do
    OURS+=("$(CONNECTOSCOPE_LOAD="$DATA" "${RUN[@]}" "$BIN")")
    SORTED+=("$("${RUN[@]}" "$PY" -c "$PANDAS" "$DATA" sorted)")
    UNSORTED+=("$("${RUN[@]}" "$PY" -c "$PANDAS" "$DATA" unsorted)")
done

"$PY" - "$DATA" "$(nproc)" "$SCHED" "$("$PY" -c 'import pandas; print(pandas.__version__)')" \
    "${OURS[@]}" "${SORTED[@]}" "${UNSORTED[@]}" <<'EOF'
import json, statistics, sys
data, cores, sched, pandas_version = sys.argv[1:5]
runs = [json.loads(a) for a in sys.argv[5:]]
k = len(runs) // 3
ours, theirs, unsorted = runs[:k], runs[k : 2 * k], runs[2 * k :]
for o, t in zip(ours, theirs + unsorted):
    assert (o["connections"], o["synapses"]) == (t["connections"], t["synapses"]), (o, t)

def summary(rs):
    s = [r["seconds"] for r in rs]
    return {"seconds_median": statistics.median(s), "seconds_min": min(s),
            "peak_mb": max(r["peak_mb"] for r in rs), "all_seconds": s}

o, p, u = summary(ours), summary(theirs), summary(unsorted)
print(json.dumps({
    "data": data, "cores": int(cores), "scheduling": sched, "pandas": pandas_version,
    "neurons": ours[0]["neurons"], "connections": ours[0]["connections"], "synapses": ours[0]["synapses"],
    "connectoscope_load": o,
    "pandas_read_csv_groupby": p,
    "pandas_read_csv_groupby_sort_false": u,
    "speedup_median": round(p["seconds_median"] / o["seconds_median"], 2),
    "speedup_min": round(p["seconds_min"] / o["seconds_min"], 2),
    "speedup_median_vs_sort_false": round(u["seconds_median"] / o["seconds_median"], 2),
}, indent=2))
EOF

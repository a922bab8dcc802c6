#!/usr/bin/env python3
"""Generates a FlyWire-Codex-shaped download folder with synthetic data, for benchmarks.

Defaults match the whole fly brain (FlyWire v783): 139,255 neurons with 18-digit root ids,
3.7 M distinct (pre, post) pairs with heavy-tailed synapse counts (>= 5, the Codex threshold),
split into ~5.3 M rows over neuropils. Writes connections.csv.gz, neurons.csv.gz,
classification.csv.gz, coordinates.csv.gz and consolidated_cell_types.csv.gz. Seeded, so the
same arguments give the same files.

    python3 scripts/gen_codex.py --out /tmp/codex-full
    python3 scripts/gen_codex.py --out /tmp/codex-small --neurons 10000 --pairs 150000 --rows 200000

Needs numpy and pandas.
"""

import argparse
import os

import numpy as np
import pandas as pd

NEUROPILS = (
    "AL_L AL_R AME_L AME_R AMMC_L AMMC_R AOTU_L AOTU_R ATL_L ATL_R AVLP_L AVLP_R BU_L BU_R "
    "CAN_L CAN_R CRE_L CRE_R EB EPA_L EPA_R FB FLA_L FLA_R GA_L GA_R GNG GOR_L GOR_R IB_L IB_R "
    "ICL_L ICL_R IPS_L IPS_R LAL_L LAL_R LA_L LA_R LH_L LH_R LOP_L LOP_R LO_L LO_R MB_CA_L "
    "MB_CA_R MB_ML_L MB_ML_R MB_PED_L MB_PED_R MB_VL_L MB_VL_R ME_L ME_R NO OCG PB PLP_L PLP_R "
    "PRW PVLP_L PVLP_R SAD SCL_L SCL_R SIP_L SIP_R SLP_L SLP_R SMP_L SMP_R SPS_L SPS_R VES_L "
    "VES_R WED_L WED_R"
).split()
NT = np.array(["ACH", "GABA", "GLUT", "DA", "SER", "OCT"])
NT_P = [0.55, 0.2, 0.17, 0.05, 0.02, 0.01]
SUPER = np.array(["optic", "central", "sensory", "visual_projection", "ascending", "descending",
                  "visual_centrifugal", "motor", "endocrine"])
SUPER_P = [0.55, 0.23, 0.12, 0.05, 0.015, 0.01, 0.015, 0.005, 0.005]


def root_ids(rng, n):
    """n distinct 18-digit ids 7205759406xxxxxxxx, in random order."""
    ids = np.unique(rng.integers(0, 10**8, size=int(n * 1.2) + 100))[:n]
    if len(ids) < n:
        raise SystemExit("too many neurons for the id range")
    rng.shuffle(ids)
    return np.int64(720575940600000000) + ids


def pairs(rng, n, m):
    """m distinct (pre, post) index pairs, pre != post, with heavy-tailed degrees."""
    w = rng.lognormal(0.0, 1.2, size=n)
    p = w / w.sum()
    keys = np.empty(0, dtype=np.int64)
    while len(keys) < m:
        k = int((m - len(keys)) * 1.3) + 1000
        pre = rng.choice(n, size=k, p=p)
        post = rng.choice(n, size=k, p=p)
        keep = pre != post
        keys = np.unique(np.concatenate([keys, pre[keep].astype(np.int64) * n + post[keep]]))
    keys = rng.permutation(keys)[:m]
    return keys // n, keys % n


def gz_csv(df, path):
    df.to_csv(path, index=False, compression={"method": "gzip", "compresslevel": 6})


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--neurons", type=int, default=139_255)
    ap.add_argument("--pairs", type=int, default=3_700_000)
    ap.add_argument("--rows", type=int, default=5_300_000)
    ap.add_argument("--seed", type=int, default=783)
    a = ap.parse_args()
    if a.rows < a.pairs:
        raise SystemExit("--rows must be at least --pairs")
    rng = np.random.default_rng(a.seed)
    os.makedirs(a.out, exist_ok=True)
    n, m = a.neurons, a.pairs
    ids = root_ids(rng, n)
    nt = rng.choice(NT, size=n, p=NT_P)

    pre, post = pairs(rng, n, m)
    # Heavy tail: Codex keeps connections of >= 5 synapses; a few have hundreds.
    syn = np.minimum(4 + rng.zipf(1.9, size=m), 2500).astype(np.int64)
    # Rows per pair: stronger connections span more neuropils.
    extra = rng.multinomial(a.rows - m, np.log1p(syn) / np.log1p(syn).sum())
    k = np.minimum(1 + extra, np.minimum(syn, len(NEUROPILS)))
    row_pair = np.repeat(np.arange(m), k)
    r = len(row_pair)
    start = np.repeat(np.cumsum(k) - k, k)
    j = np.arange(r) - start  # index of the row within its pair
    # Split each pair's count over its rows: 1 each, the rest in random shares.
    u = rng.random(r)
    share = u / np.repeat(np.add.reduceat(u, np.cumsum(k) - k), k)
    rest = np.repeat(syn - k, k)
    counts = 1 + np.floor(share * rest).astype(np.int64)
    short = syn - np.add.reduceat(counts, np.cumsum(k) - k)
    counts[np.cumsum(k) - k] += short
    neuropil = (np.repeat(rng.integers(0, len(NEUROPILS), size=m), k) + j) % len(NEUROPILS)
    order = rng.permutation(r)
    row_pair, counts, neuropil = row_pair[order], counts[order], neuropil[order]
    conn = pd.DataFrame({
        "pre_root_id": ids[pre[row_pair]],
        "post_root_id": ids[post[row_pair]],
        "neuropil": np.array(NEUROPILS)[neuropil],
        "syn_count": counts,
        "nt_type": nt[pre[row_pair]],
    })
    gz_csv(conn, os.path.join(a.out, "connections.csv.gz"))
    del conn

    scores = rng.dirichlet(np.ones(6) * 0.5, size=n)
    neurons = pd.DataFrame({
        "root_id": ids,
        "group": [f"{NEUROPILS[x]}.{NEUROPILS[y]}" for x, y in rng.integers(0, len(NEUROPILS), size=(n, 2))],
        "nt_type": nt,
        "nt_type_score": np.round(scores.max(axis=1), 2),
    })
    for c, name in enumerate(["da_avg", "ser_avg", "gaba_avg", "glut_avg", "ach_avg", "oct_avg"]):
        neurons[name] = np.round(scores[:, c], 2)
    gz_csv(neurons, os.path.join(a.out, "neurons.csv.gz"))

    sup = rng.choice(SUPER, size=n, p=SUPER_P)
    types = np.array([f"T{t}" for t in range(max(1, n // 18))])
    cell_type = types[rng.integers(0, len(types), size=n)].astype(object)
    cell_type[rng.random(n) < 0.1] = ""
    side = rng.choice(np.array(["left", "right", "center"]), size=n, p=[0.49, 0.49, 0.02])
    classification = pd.DataFrame({
        "root_id": ids,
        "flow": np.where(sup == "sensory", "afferent", np.where(sup == "motor", "efferent", "intrinsic")),
        "super_class": sup,
        "class": np.where(rng.random(n) < 0.6, rng.choice(np.array(["ALPN", "Kenyon_Cell", "LHLN", "DAN", "MBON", "CX"]), size=n), ""),
        "sub_class": "",
        "cell_type": cell_type,
        "hemibrain_type": np.where(rng.random(n) < 0.3, cell_type, ""),
        "hemilineage": np.where(rng.random(n) < 0.5, "LHl1", ""),
        "side": side,
        "nerve": np.where(sup == "sensory", "AN", ""),
    })
    gz_csv(classification, os.path.join(a.out, "classification.csv.gz"))

    consolidated = pd.DataFrame({
        "root_id": ids,
        "primary_type": types[rng.integers(0, len(types), size=n)],
        "additional_type(s)": "",
    })
    gz_csv(consolidated, os.path.join(a.out, "consolidated_cell_types.csv.gz"))

    reps = rng.integers(1, 4, size=n)
    cid = np.repeat(ids, reps)
    xyz = rng.integers([100_000, 20_000, 5_000], [1_000_000, 500_000, 300_000], size=(len(cid), 3))
    coordinates = pd.DataFrame({
        "root_id": cid,
        "position": [f"[{x} {y} {z}]" for x, y, z in xyz],
        "supervoxel_id": np.int64(78000000000000000) + rng.integers(0, 10**15, size=len(cid)),
    })
    gz_csv(coordinates, os.path.join(a.out, "coordinates.csv.gz"))
    print(f"{a.out}: {n} neurons, {m} pairs, {r} rows, {int(syn.sum())} synapses")


if __name__ == "__main__":
    main()

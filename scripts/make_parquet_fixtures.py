"""Writes the Parquet fixtures of tests/parquet.rs with pyarrow (the reference writer).

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install pyarrow pandas
    /tmp/venv/bin/python scripts/make_parquet_fixtures.py

The FlyWire tables have the columns of `Connectivity_783.parquet` as the whole-brain LIF
model of Shiu et al. (2024) uses it, with real-sized 64-bit root ids (beyond 2^53, so a float
would not keep them). pyarrow 26.0.1 and pandas wrote the committed files.
"""
import os

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "parquet")
os.makedirs(OUT, exist_ok=True)

ids = [720575940629970489, 720575940629970490, 720575940633182897, 720575940604407468]
rows = [  # pre, post, count, excitatory (1 / -1 as in the model's table)
    (0, 1, 12, 1),
    (1, 0, 3, -1),
    (0, 2, 5, 1),
    (2, 3, 7, -1),
    (3, 0, 1, 1),
    (0, 1, 2, 1),  # the same pair again: summed
]
flywire = pa.table(
    {
        "Presynaptic_ID": pa.array([ids[r[0]] for r in rows], pa.int64()),
        "Postsynaptic_ID": pa.array([ids[r[1]] for r in rows], pa.int64()),
        "Presynaptic_Index": pa.array([r[0] for r in rows], pa.int64()),
        "Postsynaptic_Index": pa.array([r[1] for r in rows], pa.int64()),
        "Connectivity": pa.array([r[2] for r in rows], pa.int64()),
        "Excitatory": pa.array([r[3] for r in rows], pa.int64()),
        "Excitatory x Connectivity": pa.array([r[2] * r[3] for r in rows], pa.int64()),
    }
)
for codec in ["snappy", "brotli"]:
    pq.write_table(flywire, os.path.join(OUT, f"flywire_{codec}.parquet"), compression=codec)

# Codex-style columns, through pandas (which adds its index metadata), gzip and zstd.
codex = pd.DataFrame(
    {
        "pre_root_id": [ids[0], ids[1], ids[2]],
        "post_root_id": [ids[1], ids[2], ids[0]],
        "neuropil": ["AL_L", "MB_CA_R", "AL_L"],
        "syn_count": [9, 4, 6],
        "nt_type": ["ACH", "GABA", "GLUT"],
    }
)
codex.to_parquet(os.path.join(OUT, "codex_gzip.parquet"), compression="gzip")
codex.to_parquet(os.path.join(OUT, "codex_zstd.parquet"), compression="zstd")

for name in sorted(os.listdir(OUT)):
    print(name, os.path.getsize(os.path.join(OUT, name)))

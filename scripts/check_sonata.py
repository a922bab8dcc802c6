"""libsonata 0.2.2 (BBP's reference reader) on connectoscope's SONATA output: node and edge
counts, names, positions, weights and delays against the same network written as CSV by
connectoscope. Writes scripts/check_sonata.result (committed: CI has no libsonata).

    /tmp/venv-15/bin/pip install libsonata==0.2.2 numpy h5py
    /tmp/venv-15/bin/python scripts/check_sonata.py [--bin target/release/connectoscope] [DATASET ...]
"""
import argparse
import csv
import os
import subprocess
import tempfile

import h5py
import libsonata
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def check(binary, dataset, work):
    out = os.path.join(work, dataset + ".sonata")
    edges_csv = os.path.join(work, dataset + ".csv")
    subprocess.run([binary, "convert", dataset, out], check=True, capture_output=True)
    subprocess.run([binary, "convert", dataset, edges_csv], check=True, capture_output=True)
    nodes = libsonata.NodeStorage(os.path.join(out, "nodes.h5")).open_population("neurons")
    edges = libsonata.EdgeStorage(os.path.join(out, "edges.h5")).open_population("neurons")
    everything = edges.select_all()
    names = list(nodes.get_attribute("name", nodes.select_all()))
    index = {n: i for i, n in enumerate(names)}
    src, tgt = edges.source_nodes(everything), edges.target_nodes(everything)
    w = edges.get_attribute("syn_weight", everything)
    delay = edges.get_attribute("delay", everything)
    # libsonata 0.2.2 has no accessor for edge_type_id: that one column through h5py.
    with h5py.File(os.path.join(out, "edges.h5"), "r") as f:
        types = f["edges/neurons/edge_type_id"][:]
    # connectoscope's CSV: pre,post,weight,...,type; electrical once per pair.
    with open(edges_csv, newline="") as f:
        rows = list(csv.DictReader(f))
    kind_of = {"chemical": 100, "electrical": 101, "other": 102}
    expected = sorted((index[r["pre"]], index[r["post"]], kind_of[r.get("type", "chemical")], abs(float(r["weight"])))
                      for r in rows)
    got = sorted(zip(src.tolist(), tgt.tolist(), np.asarray(types).tolist(), np.abs(w).tolist()))
    same_edges = [(a, b, k, x) for a, b, k, x in expected] == [(a, b, k, x) for a, b, k, x in got]
    # The indices libsonata uses (afferent / efferent) agree with the edge list.
    index_ok = all(set(edges.efferent_edges([i]).flatten()) == set(np.nonzero(src == i)[0])
                   and set(edges.afferent_edges([i]).flatten()) == set(np.nonzero(tgt == i)[0])
                   for i in range(0, nodes.size, max(1, nodes.size // 50)))
    return (f"{dataset}: libsonata {libsonata.version} reads {nodes.size} nodes, {edges.size} edges "
            f"(CSV: {len(names)} neurons, {len(rows)} rows); edges, kinds and |syn_weight| "
            f"{'IDENTICAL to' if same_edges else 'DIFFERENT from'} the CSV's; delays {sorted(set(delay.tolist()))} ms; "
            f"{int((w < 0).sum())} negative (inhibitory) weights; indices {'consistent' if index_ok else 'INCONSISTENT'}")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bin", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "release", "connectoscope"))
    p.add_argument("datasets", nargs="*", default=["celegans-cook2019", "celegans-varshney2011"])
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as work:
        lines = [check(a.bin, d, work) for d in a.datasets]
    with open(os.path.join(HERE, "check_sonata.result"), "w") as f:
        f.write("# scripts/check_sonata.py\n" + "\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

"""leidenalg 0.12 reference for directed modularity and CPM on C. elegans (Cook 2019).

Input: the directed arcs as `connectoscope communities celegans-cook2019 --directed
--projection-out arcs.csv` writes them (0-based ids, repeated pairs summed here), and the
undirected projection (`... --projection-out proj.csv`, without --directed) for CPM.
For each quality, leidenalg runs to convergence (n_iterations=-1) with seeds 1..20; the
fixture keeps the best quality, its membership, and leidenalg's own quality of it, so the Rust
test can check both our quality function (on leidenalg's membership) and our optimiser.

  /tmp/peers/bin/python scripts/make_leiden_quality_fixture.py arcs.csv proj.csv > tests/fixtures/communities/celegans_leidenalg.json
"""
import json
import sys

import igraph as ig
import leidenalg
import numpy as np

N = 302
CPM_GAMMA = 1.0

arcs = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1)
pre, post, w = arcs[:, 0].astype(int), arcs[:, 1].astype(int), arcs[:, 2]
keys, inv = np.unique(pre * N + post, return_inverse=True)
weights = np.bincount(inv, weights=w)
directed = ig.Graph(n=N, edges=np.column_stack([keys // N, keys % N]).tolist(), directed=True)
directed.es["weight"] = weights
proj = np.loadtxt(sys.argv[2], delimiter=",", skiprows=1)
undirected = ig.Graph(n=N, edges=proj[:, :2].astype(int).tolist(), directed=False)
undirected.es["weight"] = proj[:, 2]


def best(graph, cls, **kw):
    top = None
    for seed in range(1, 21):
        p = leidenalg.find_partition(graph, cls, weights="weight", n_iterations=-1, seed=seed, **kw)
        if top is None or p.quality() > top.quality():
            top = p
    return top


out = {"source": "leidenalg " + leidenalg.__version__ + ", igraph " + ig.__version__ + ", best of seeds 1..20, n_iterations=-1"}
d = best(directed, leidenalg.ModularityVertexPartition)
out["directed_modularity"] = {"quality": d.quality(), "modularity": d.modularity, "membership": d.membership}
c = best(undirected, leidenalg.CPMVertexPartition, resolution_parameter=CPM_GAMMA)
# leidenalg counts each internal undirected edge twice in CPM's quality (ours once).
out["cpm"] = {"gamma": CPM_GAMMA, "quality": c.quality(), "membership": c.membership}
json.dump(out, sys.stdout)
print()

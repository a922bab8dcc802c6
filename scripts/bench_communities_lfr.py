"""NMI against planted communities on LFR benchmark graphs (Lancichinetti, Fortunato &
Radicchi 2008): connectoscope's Leiden / Louvain / SBM beside leidenalg 0.12, on the same
graphs, one JSON line per (graph, method).

Graphs come from networkx's LFR_benchmark_graph (seeded); each is written as an edge CSV
`pre,post,weight` (ids as names) and run through `connectoscope communities FILE --out`.
leidenalg runs ModularityVertexPartition to convergence (n_iterations=-1) with the same seed.
NMI is igraph's ("nmi", as `communities::nmi`). With --starts R both sides run seeds
seed..seed+R-1 and keep the partition of highest modularity (as a user would); times are the
sum over starts (algorithm only, graph building excluded on both sides). For the SBM the
start kept is the one of shortest description length.

  /tmp/peers/bin/python scripts/bench_communities_lfr.py --bin target/release/connectoscope \
      --n 1000 --mu 0.1 0.2 0.3 0.4 0.5 0.6 --methods leiden louvain sbm
"""
import argparse
import csv
import json
import os
import subprocess
import tempfile
import time

import igraph as ig
import leidenalg
import networkx as nx


def lfr(n, mu, seed):
    g = nx.LFR_benchmark_graph(n, tau1=3, tau2=1.5, mu=mu, average_degree=20, max_degree=50,
                               min_community=20, max_community=100, seed=seed, max_iters=2000)
    # LFR can draw self-loops; modularity code differs on them, so neither side gets any.
    g.remove_edges_from(list(nx.selfloop_edges(g)))
    truth = {}
    for v in g:
        truth[v] = min(g.nodes[v]["community"])
    return g, [truth[v] for v in range(n)]


def nmi(a, b):
    return ig.compare_communities(list(a), list(b), method="nmi")


def ours(binary, edges_csv, n, method, seeds):
    best = None
    total = 0.0
    for seed in seeds:
        member, s = ours_once(binary, edges_csv, n, method, seed)
        total += s["time_s"]
        # Best start: highest modularity; for the SBM, shortest description length.
        score = -s["quality_value"] if method == "sbm" else s["modularity"]
        if best is None or score > best[2]:
            best = (member, s, score)
    return best[0], best[1], total


def ours_once(binary, edges_csv, n, method, seed):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "c.csv")
        run = subprocess.run([binary, "communities", edges_csv, "--method", method, "--seed", str(seed),
                              "--out", out, "--json"], capture_output=True, text=True, check=True)
        summary = json.loads(run.stdout)
        member = [None] * n
        with open(out) as f:
            for row in csv.DictReader(f):
                member[int(row["neuron"])] = int(row["community"])
    return member, summary


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bin", default="target/release/connectoscope")
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--mu", type=float, nargs="+", default=[0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    p.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    p.add_argument("--methods", nargs="+", default=["leiden", "louvain"])
    p.add_argument("--starts", type=int, default=1)
    a = p.parse_args()
    for mu in a.mu:
        for seed in a.seeds:
            try:
                g, truth = lfr(a.n, mu, seed)
            except nx.ExceededMaxIterations:
                print(json.dumps({"mu": mu, "seed": seed, "error": "LFR generation failed"}))
                continue
            with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
                f.write("pre,post,weight\n")
                for u, v in g.edges():
                    f.write(f"{u},{v},1\n")
                edges_csv = f.name
            base = {"n": a.n, "mu": mu, "seed": seed, "edges": g.number_of_edges(),
                    "planted": len(set(truth))}
            ig_graph = ig.Graph(n=a.n, edges=list(g.edges()))
            seeds = range(seed * 1000, seed * 1000 + a.starts)
            part, t = None, 0.0
            for s in seeds:
                t0 = time.perf_counter()
                q = leidenalg.find_partition(ig_graph, leidenalg.ModularityVertexPartition,
                                             n_iterations=-1, seed=s)
                t += time.perf_counter() - t0
                if part is None or q.modularity > part.modularity:
                    part = q
            print(json.dumps(base | {"method": "leidenalg", "nmi": round(nmi(part.membership, truth), 4),
                                     "modularity": round(part.modularity, 5),
                                     "communities": len(part), "time_s": round(t, 4)}), flush=True)
            for method in a.methods:
                member, s, t = ours(a.bin, edges_csv, a.n, method, seeds)
                print(json.dumps(base | {"method": "connectoscope-" + method,
                                         "nmi": round(nmi(member, truth), 4),
                                         "modularity": round(s["modularity"], 5),
                                         "communities": s["communities"], "time_s": round(t, 4)}),
                      flush=True)
            os.unlink(edges_csv)


if __name__ == "__main__":
    main()

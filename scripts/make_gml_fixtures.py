"""Writes the GML fixtures of tests/gml.rs with networkx and igraph (the reference writers).

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install networkx python-igraph
    /tmp/venv/bin/python scripts/make_gml_fixtures.py

networkx 3.6.1 and python-igraph 1.0.0 wrote the committed files.
"""
import os

import igraph as ig
import networkx as nx

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "gml")
os.makedirs(OUT, exist_ok=True)


def path(name):
    return os.path.join(OUT, name)


# Directed, with node and edge attributes and a label with a quote and an accent.
G = nx.DiGraph(weight_unit="synapses")
G.add_node("AVAL", cell_type="interneuron", neurotransmitter="Acetylcholine", x=1.5, y=-2.0, z=3.25)
G.add_node("AVAR", cell_type="interneuron")
G.add_node('DD"1é', cell_type="motor", neurotransmitter="GABA")
G.add_edge("AVAL", 'DD"1é', weight=3, type="chemical")
G.add_edge('DD"1é', "AVAL", weight=-1.5)
G.add_edge("AVAR", "AVAL", weight=2.0, type="AlphaSynapse")
nx.write_gml(G, path("nx_directed.gml"))

# Undirected: the classic worm network shape, edges of unknown kind.
H = nx.Graph()
H.add_edge("AIBL", "AIBR", weight=4)
H.add_edge("AIBL", "RIML", weight=1)
H.add_edge("RIML", "RIMR", weight=2)
nx.write_gml(H, path("nx_undirected.gml"))

# Multigraph: parallel edges (summed), one a gap junction.
M = nx.MultiDiGraph()
M.add_edge("a", "b", weight=1)
M.add_edge("a", "b", weight=2)
M.add_edge("b", "a", weight=5, type="electrical")
M.add_edge("b", "c", weight=1)
nx.write_gml(M, path("nx_multigraph.gml"))

# igraph: integer ids, `name` attribute, directed with parallel edges, and undirected.
g = ig.Graph(directed=True)
g.add_vertices(4)
g.vs["name"] = ["ASHL", "ASHR", "AVAL", "AVAR"]
g.vs["class"] = ["ASH", "ASH", "AVA", "AVA"]
g.add_edges([(0, 2), (1, 3), (0, 2), (2, 3)])
g.es["weight"] = [2.0, 3.0, 1.0, 4.5]
g.write_gml(path("igraph_directed.gml"))

u = ig.Graph.Ring(5)
u.vs["name"] = ["n%d" % i for i in range(5)]
u.es["weight"] = [1, 2, 3, 4, 5]
u.write_gml(path("igraph_undirected.gml"))

for name in sorted(os.listdir(OUT)):
    print(name, os.path.getsize(path(name)))

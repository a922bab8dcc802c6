"""SONATA fixtures written by the reference tools, for tests/sonata.rs:

- tests/fixtures/sonata/bmtk/: a 5-neuron network written by bmtk 1.2's NetworkBuilder (two
  node types with positions and a `layer` column; exc -> inh edges with 2 synapses each and
  syn_weight 5 in the edge type; inh -> exc with syn_weight -3, delay 2), plus the
  circuit_config.json that bmtk's build_env writes beside such files; checked with libsonata.
- tests/fixtures/sonata/two_groups/: nodes and edges written with h5py where the edges use
  two edge groups (0 and 1), which connectoscope refuses.

    python3 -m venv /tmp/venv-15 && /tmp/venv-15/bin/pip install "bmtk==1.2.*" libsonata==0.2.2 h5py
    /tmp/venv-15/bin/python scripts/make_sonata_fixtures.py
"""
import json
import os
import shutil

import h5py
import libsonata
import numpy as np
from bmtk.builder import NetworkBuilder

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "sonata")


def bmtk_network(out):
    net = NetworkBuilder("cortex")
    net.add_nodes(N=3, pop_name="exc", model_type="point_neuron", model_template="nest:iaf_psc_exp",
                  dynamics_params="exc.json", x=[0.0, 1.0, 2.0], y=[5.0, 6.0, 7.0], z=[9.0, 9.5, 10.0],
                  layer=["L2", "L4", "L4"])
    net.add_nodes(N=2, pop_name="inh", model_type="point_neuron", model_template="nest:iaf_psc_exp",
                  dynamics_params="inh.json", x=[3.0, 4.0], y=[1.0, 2.0], z=[0.0, 0.5], layer=["L2", "L5"])
    net.add_edges(source={"pop_name": "exc"}, target={"pop_name": "inh"}, connection_rule=2,
                  syn_weight=5.0, delay=1.5, model_template="static_synapse", dynamics_params="e2i.json")
    net.add_edges(source={"pop_name": "inh"}, target={"pop_name": "exc"}, connection_rule=1,
                  syn_weight=-3.0, delay=2.0, model_template="static_synapse", dynamics_params="i2e.json")
    net.build()
    net.save(output_dir=out)
    config = {
        "manifest": {"$BASE_DIR": ".", "$NETWORK_DIR": "$BASE_DIR"},
        "networks": {
            "nodes": [{"nodes_file": "$NETWORK_DIR/cortex_nodes.h5",
                       "node_types_file": "$NETWORK_DIR/cortex_node_types.csv"}],
            "edges": [{"edges_file": "$NETWORK_DIR/cortex_cortex_edges.h5",
                       "edge_types_file": "$NETWORK_DIR/cortex_cortex_edge_types.csv"}],
        },
    }
    with open(os.path.join(out, "circuit_config.json"), "w") as f:
        json.dump(config, f, indent=2)
    nodes = libsonata.NodeStorage(os.path.join(out, "cortex_nodes.h5")).open_population("cortex")
    edges = libsonata.EdgeStorage(os.path.join(out, "cortex_cortex_edges.h5")).open_population("cortex_to_cortex")
    print(f"bmtk: {nodes.size} nodes, {edges.size} edges (libsonata {libsonata.version})")


def two_groups(out):
    os.makedirs(out)
    with h5py.File(os.path.join(out, "nodes.h5"), "w") as f:
        g = f.create_group("nodes/pop")
        g["node_type_id"] = np.full(3, 100)
        g["node_group_id"] = np.zeros(3, dtype=np.int64)
        g["node_group_index"] = np.arange(3)
        f.create_group("nodes/pop/0")
    with h5py.File(os.path.join(out, "edges.h5"), "w") as f:
        g = f.create_group("edges/pop")
        g["source_node_id"] = np.array([0, 1, 2], dtype=np.uint64)
        g["target_node_id"] = np.array([1, 2, 0], dtype=np.uint64)
        for name in ("source_node_id", "target_node_id"):
            g[name].attrs["node_population"] = "pop"
        g["edge_type_id"] = np.full(3, 100)
        g["edge_group_id"] = np.array([0, 1, 0])
        g["edge_group_index"] = np.array([0, 0, 1])
        g["0/syn_weight"] = np.array([1.0, 2.0])
        g["1/syn_weight"] = np.array([3.0])
    print("two_groups: edges in groups 0 and 1")


if __name__ == "__main__":
    for name, make in [("bmtk", bmtk_network), ("two_groups", two_groups)]:
        out = os.path.join(HERE, name)
        shutil.rmtree(out, ignore_errors=True)
        make(out)

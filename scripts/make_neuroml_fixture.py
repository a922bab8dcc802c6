"""Writes tests/fixtures/neuroml/c302_like.net.nml with libNeuroML (pip `libNeuroML`), the
reference NeuroML2 writer, in the shape c302 gives its networks: one population per neuron
with an instance, a location and properties; chemical projections of connectionWD; gap
junctions as electricalConnectionInstanceW; graded synapses as continuousConnectionInstanceW;
and a population of three cells referred to as `../pop[k]`.

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install libNeuroML
    /tmp/venv/bin/python scripts/make_neuroml_fixture.py

libNeuroML 0.6.7 wrote the committed file.
"""
import os

from neuroml import (
    ConnectionWD,
    ContinuousConnectionInstanceW,
    ContinuousProjection,
    ElectricalConnectionInstanceW,
    ElectricalProjection,
    Instance,
    Location,
    Network,
    NeuroMLDocument,
    Population,
    Projection,
    Property,
)
from neuroml.writers import NeuroMLWriter

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "neuroml")
os.makedirs(OUT, exist_ok=True)

doc = NeuroMLDocument(id="c302_like")
net = Network(id="c302_like")
doc.networks.append(net)

cells = {  # name: (type, neurotransmitter, x, y, z)
    "AVAL": ("interneuron", "Acetylcholine", -0.5, -271.0, 37.0),
    "AVAR": ("interneuron", "Acetylcholine", -4.5, -271.0, 37.0),
    "VD12": ("motor", "GABA", -0.5, 345.0, -22.0),
    "DA9": ("motor", "Acetylcholine", -1.5, 321.0, -23.0),
}
for name, (kind, nt, x, y, z) in cells.items():
    pop = Population(id=name, component="GenericNeuronCell", size=1, type="populationList")
    pop.properties.append(Property(tag="type", value=kind))
    pop.properties.append(Property(tag="neurotransmitter", value=nt))
    pop.properties.append(Property(tag="color", value=".5 .5 .5"))
    inst = Instance(id=0)
    inst.location = Location(x=x, y=y, z=z)
    pop.instances.append(inst)
    net.populations.append(pop)
# A population of three cells (no instances): cells `grid[0]` .. `grid[2]`.
net.populations.append(Population(id="grid", component="GenericNeuronCell", size=3))


def cell(name):
    return "../%s/0/GenericNeuronCell" % name


chem = [  # pre, post, synapse, weight, delay
    ("AVAL", "DA9", "neuron_to_neuron_exc_syn", 3.0, "0ms"),
    ("AVAR", "DA9", "neuron_to_neuron_exc_syn", 2.0, "2ms"),
    ("VD12", "DA9", "neuron_to_neuron_inh_syn", 4.0, "0.001s"),
]
for k, (pre, post, syn, w, d) in enumerate(chem):
    proj = Projection(id="NC_%s_%s_%d" % (pre, post, k), presynaptic_population=pre,
                      postsynaptic_population=post, synapse=syn)
    proj.connection_wds.append(ConnectionWD(id=0, pre_cell_id=cell(pre), post_cell_id=cell(post),
                                            weight=w, delay=d))
    net.projections.append(proj)
# Gap junctions as c302 lists them: each pair both ways.
for pre, post in [("AVAL", "AVAR"), ("AVAR", "AVAL"), ("DA9", "VD12"), ("VD12", "DA9")]:
    ep = ElectricalProjection(id="NC_%s_%s_GJ" % (pre, post), presynaptic_population=pre,
                              postsynaptic_population=post)
    ep.electrical_connection_instance_ws.append(ElectricalConnectionInstanceW(
        id=0, pre_cell=cell(pre), post_cell=cell(post), synapse="neuron_to_neuron_elec_syn",
        weight=2.0))
    net.electrical_projections.append(ep)
# Graded synapses.
for pre, post, syn, w in [("DA9", "AVAL", "neuron_to_neuron_exc_syn", 1.5),
                          ("VD12", "AVAR", "neuron_to_neuron_inh_syn", 1.0)]:
    cp = ContinuousProjection(id="NC_%s_%s_graded" % (pre, post), presynaptic_population=pre,
                              postsynaptic_population=post)
    cp.continuous_connection_instance_ws.append(ContinuousConnectionInstanceW(
        id=0, pre_cell=cell(pre), post_cell=cell(post), pre_component="silent",
        post_component=syn, weight=w))
    net.continuous_projections.append(cp)
# Into the three-cell population.
proj = Projection(id="NC_AVAL_grid", presynaptic_population="AVAL", postsynaptic_population="grid",
                  synapse="neuron_to_neuron_exc_syn")
for k in range(3):
    proj.connection_wds.append(ConnectionWD(id=k, pre_cell_id=cell("AVAL"), post_cell_id="../grid[%d]" % k,
                                            weight=1.0, delay="0ms"))
net.projections.append(proj)

path = os.path.join(OUT, "c302_like.net.nml")
NeuroMLWriter.write(doc, path)
print(path, os.path.getsize(path))

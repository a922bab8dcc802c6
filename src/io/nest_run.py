import argparse
import json
import os

import numpy as np
import nest

HERE = os.path.dirname(os.path.abspath(__file__))

# ---- settings ----


def load(name):
    return np.load(os.path.join(HERE, name))


def nodes(pop, indices):
    """The neurons with these 0-based indices (ascending, unique), as a NodeCollection."""
    first = pop[0].global_id
    return nest.NodeCollection([int(i) + first for i in indices])


def grid_times(steps):
    """NEST times (ms) of our steps: a device's current reaches a neuron two steps after
    the time it is set at, a spike one step after its stamp; the prefix shifts both."""
    return [round((int(s) + PREFIX) * DT, 10) for s in steps]


def create_devices(pop):
    """One device per protocol item (one per target for noise and Poisson), in order."""
    count = 0
    for item in DEVICES:
        k, kind = item["item"], item["kind"]
        if kind == "poisson":
            steps, neuron, weight = (load(f"item{k}_{x}.npy") for x in ("step", "neuron", "weight"))
            order = np.argsort(neuron, kind="stable")
            steps, neuron, weight = steps[order], neuron[order], weight[order]
            targets, first = np.unique(neuron, return_index=True)
            if len(targets) == 0:
                continue
            bounds = list(first[1:]) + [len(neuron)]
            gens = nest.Create("spike_generator", len(targets))
            gens.set([{"spike_times": grid_times(steps[a:b]), "spike_weights": weight[a:b].tolist()}
                      for a, b in zip(first, bounds)])
            nest.Connect(gens, nodes(pop, targets), "one_to_one", {"weight": 1.0, "delay": DT})
            count += len(targets)
            continue
        targets = nodes(pop, load(f"item{k}_targets.npy"))
        if kind == "dc":
            params = {"amplitude": item["amplitude"], "start": (item["start"] + PREFIX - 1) * DT}
            if item["stop"] is not None:
                params["stop"] = (item["stop"] + PREFIX - 1) * DT
            gens = nest.Create("dc_generator", params=params)
            nest.Connect(gens, targets, syn_spec={"delay": DT})
        elif kind == "steps":
            times = grid_times([s - 1 for s in item["steps"]])
            gens = nest.Create("step_current_generator",
                               params={"amplitude_times": times, "amplitude_values": item["values"]})
            nest.Connect(gens, targets, syn_spec={"delay": DT})
        elif kind == "noise":
            values = load(f"item{k}_noise.npy").reshape(-1, len(targets))
            steps = list(range(item["start"], item["stop"]))
            if item["stop"] < STEPS:
                steps.append(item["stop"])
                values = np.vstack([values, np.zeros((1, len(targets)))])
            times = grid_times([s - 1 for s in steps])
            gens = nest.Create("step_current_generator", len(targets))
            gens.set([{"amplitude_times": times, "amplitude_values": values[:, j].tolist()}
                      for j in range(len(targets))])
            nest.Connect(gens, targets, "one_to_one", {"delay": DT})
        count += len(gens)
    return count


def csv_field(name):
    if any(c in name for c in ',"\n'):
        return '"' + name.replace('"', '""') + '"'
    return name


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=THREADS, help="threads per process (local_num_threads)")
    parser.add_argument("--spikes", default=os.path.join(HERE, "spikes.csv"), help="spikes CSV to write")
    args = parser.parse_args()

    nest.ResetKernel()
    if hasattr(nest, "VerbosityLevel"):
        nest.verbosity = nest.VerbosityLevel.ERROR
    else:
        nest.set_verbosity("M_ERROR")
    nest.SetKernelStatus({"resolution": DT, "local_num_threads": args.threads, "print_time": False})
    # Spikes are exchanged every step, so that a change between two Simulate calls (silencing)
    # acts on the spikes of the step just before it, as in connectoscope.
    nest.SetKernelStatus({"min_delay": DT, "max_delay": max(DT, MAX_DELAY)})

    with open(os.path.join(HERE, "neurons.json"), encoding="utf-8") as f:
        names = json.load(f)
    pop = nest.Create(MODEL, len(names), params=NEURON)
    for name in PER_NEURON:
        pop.set({name: load(f"{name}.npy").tolist()})
    if REMOVED:
        nodes(pop, REMOVED).set(V_th=1e300)
    first = pop[0].global_id

    pre, post = load("pre.npy"), load("post.npy")
    if len(pre):
        nest.Connect((pre.astype(np.int64) + first), (post.astype(np.int64) + first), "one_to_one",
                     {"synapse_model": "static_synapse", "weight": load("weight.npy"),
                      "delay": load("delay.npy")})
    create_devices(pop)
    recorder = nest.Create("spike_recorder")
    nest.Connect(pop, recorder)

    # The prefix: nothing can happen yet (no input current, state at rest).
    nest.Simulate(PREFIX * DT)
    initial = {"I_e": load("I_e.npy").tolist()}
    initial["V_m"] = [INITIAL["V_m"]] * len(names)
    if "U_m" in INITIAL:
        initial["U_m"] = [b * INITIAL["V_m"] for b in load("b.npy").tolist()]
    pop.set(initial)

    saved = {}
    done = 0
    for step, what, neurons in CHANGES:
        if step > done:
            nest.Simulate((step - done) * DT)
            done = step
        for i in neurons:
            if what == "mute" and i not in saved:
                conns = nest.GetConnections(source=pop[i], target=pop)
                if len(conns):
                    saved[i] = (conns, conns.get("weight"))
                    conns.set(weight=0.0)
            elif what == "unmute" and i in saved:
                conns, weights = saved.pop(i)
                conns.set(weight=weights)
            elif what == "ablate":
                pop[i].set(V_th=1e300)
    if STEPS > done:
        nest.Simulate((STEPS - done) * DT)

    events = recorder.get("events")
    senders = np.asarray(events["senders"], dtype=np.int64) - first
    times = np.asarray(events["times"], dtype=float)
    if nest.NumProcesses() > 1:
        from mpi4py import MPI
        parts = MPI.COMM_WORLD.gather((senders, times), root=0)
        if MPI.COMM_WORLD.Get_rank() != 0:
            return
        senders = np.concatenate([p[0] for p in parts])
        times = np.concatenate([p[1] for p in parts])
    # NEST stamps a spike at the end of its step; connectoscope's step s ends at (s + 1) * DT.
    steps = np.rint(times / DT).astype(np.int64) - 1 - PREFIX
    dropped_from = np.full(len(names), np.iinfo(np.int64).max)
    for i, step in SPIKES_DROPPED_FROM.items():
        dropped_from[i] = step
    keep = steps < dropped_from[senders]
    senders, steps = senders[keep], steps[keep]
    order = np.lexsort((senders, steps))
    fields = [csv_field(n) for n in names]
    tmp = args.spikes + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write("neuron,time_ms\n")
        f.writelines(f"{fields[i]},{(s + 1) * DT:.3f}\n"
                     for s, i in zip(steps[order].tolist(), senders[order].tolist()))
    os.replace(tmp, args.spikes)
    print(f"{len(order)} spikes written to {args.spikes}")


if __name__ == "__main__":
    main()

"""A demonstration recording shaped like a WormWideWeb dataset JSON (see
make_recording_wormwideweb.py for the keys), for the README's picture and for trying the
Recording panel: 10 minutes at 1.7 volumes per second, about 150 labelled ROIs of the bundled
worm plus unlabelled ones, and a behaviour that switches between forward runs and reversals.

The activity is synthetic, not recorded: reversal neurons (AVA, AVD, AVE, AIB, RIM, VA, DA)
rise during reversals, forward neurons (AVB, RIB, VB, DB) during forward runs, head motor
neurons (SMD, RMD, RIV) follow the head curvature; the rest drift slowly. Traces are
z-scored, as WormWideWeb's `trace_array`. Not committed (output to a path you give):

    python3 scripts/make_demo_recording.py /tmp/demo_worm.json
"""
import csv
import json
import os
import sys

import numpy as np

RATE = 1.7
FRAMES = int(600 * RATE)
REVERSAL = ("AVA", "AVD", "AVE", "AIB", "RIM", "VA", "DA")
FORWARD = ("AVB", "RIB", "VB", "DB", "PVC")
HEAD = ("SMD", "RMD", "RIV")


def neurons():
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "assets", "datasets", "celegans_neurons.csv")) as f:
        return [row["name"] for row in csv.DictReader(f)]


def smooth(x, width):
    k = np.exp(-np.arange(-3 * width, 3 * width + 1) ** 2 / (2.0 * width**2))
    return np.convolve(x, k / k.sum(), mode="same")


def main(out):
    rng = np.random.default_rng(7)
    t = np.arange(FRAMES) / RATE
    # Behaviour: forward runs of 20-60 s broken by reversals of 4-12 s.
    reversing = np.zeros(FRAMES, bool)
    events, f = [], int(15 * RATE)
    while f < FRAMES - 20:
        length = int(rng.uniform(4, 12) * RATE)
        reversing[f : f + length] = True
        events.append([f + 1, min(f + length, FRAMES)])  # 1-based, inclusive
        f += length + int(rng.uniform(20, 60) * RATE)
    state = smooth(reversing.astype(float), 2.0)
    velocity = 0.12 * (1 - state) - 0.18 * state + 0.01 * rng.standard_normal(FRAMES)
    head = smooth(rng.standard_normal(FRAMES), 3.0) * 8.0
    names = [n for n in neurons() if rng.random() < 0.5 or n.startswith(REVERSAL + FORWARD + HEAD)]
    traces = []
    for n in names:
        if n.startswith(REVERSAL):
            x = state + 0.25 * smooth(rng.standard_normal(FRAMES), 4.0)
        elif n.startswith(FORWARD):
            x = (1 - state) + 0.25 * smooth(rng.standard_normal(FRAMES), 4.0)
        elif n.startswith(HEAD):
            sign = 1 if n.endswith(("D", "DL", "DR", "L")) else -1
            x = sign * head + 0.3 * smooth(rng.standard_normal(FRAMES), 3.0)
        else:
            x = smooth(rng.standard_normal(FRAMES), 25.0) + 0.2 * rng.standard_normal(FRAMES)
        x = x + 0.1 * rng.standard_normal(FRAMES)
        traces.append((x - x.mean()) / x.std())
    unlabelled = 30
    for _ in range(unlabelled):
        x = smooth(rng.standard_normal(FRAMES), 15.0)
        traces.append((x - x.mean()) / x.std())
    labeled = {
        str(k + 1): {"label": n, "neuron_class": n.rstrip("LR") or n, "LR": "missing", "region": "head",
                     "roi_id": k + 1, "confidence": 4.0, "DV": "missing"}
        for k, n in enumerate(names)
    }
    doc = {
        "uid": "demo-synthetic",
        "dataset_type": ["neuropal", "synthetic-demo"],
        "max_t": FRAMES,
        "num_neurons": len(traces),
        "avg_timestep": 1.0 / RATE / 60.0,
        "timestamp_confocal": t.round(4).tolist(),
        "trace_array": np.round(np.array(traces), 4).tolist(),
        "trace_original": np.round(np.array(traces).T + 10.0, 4).tolist(),
        "labeled": labeled,
        "velocity": velocity.round(4).tolist(),
        "head_curvature": (head / 10.0).round(4).tolist(),
        "angular_velocity": np.zeros(FRAMES).tolist(),
        "body_curvature": np.zeros(FRAMES).tolist(),
        "pumping": np.zeros(FRAMES).tolist(),
        "reversal_events": events,
    }
    with open(out, "w") as f:
        json.dump(doc, f)


if __name__ == "__main__":
    main(sys.argv[1])

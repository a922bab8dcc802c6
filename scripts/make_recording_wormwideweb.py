"""A recording shaped like a WormWideWeb dataset JSON (Atanas et al. 2023, Flavell lab), for
tests/recordings.rs. Keys as the site documents them: `trace_array` (neurons x time, z-scored),
`trace_original` (ratiometric), `avg_timestep` (minutes per confocal volume),
`timestamp_confocal` (s), `labeled` keyed by the 1-based ROI index as a string, behaviour
(`velocity`, `head_curvature`, `angular_velocity`, `body_curvature`, `pumping`),
`reversal_events` as [start, stop] confocal frames (1-based, inclusive, as the lab's Julia
code numbers frames) and `dataset_type`. NaN is written as Python's json writes it (`NaN`).

    python3 scripts/make_recording_wormwideweb.py > tests/fixtures/recordings/wormwideweb.json
"""
import json
import sys

import numpy as np

from make_recording_fixtures_common import FRAMES, values

ROIS = 6
# ROI index (1-based) -> identity; ROIs 3 and 6 unlabelled.
LABELED = {
    "1": {"label": "AVAL", "neuron_class": "AVA", "LR": "L", "region": "head", "roi_id": 1,
          "confidence": 5.0, "DV": "missing"},
    "2": {"label": "RMDV?", "neuron_class": "RMD", "LR": "missing", "region": "head", "roi_id": 2,
          "confidence": 2.0, "DV": "V"},
    "4": {"label": "AVA", "neuron_class": "AVA", "LR": "undefined", "region": "head", "roi_id": 4,
          "confidence": 3.0, "DV": "missing"},
    "5": {"label": "FOO", "neuron_class": "FOO", "LR": "missing", "region": "head", "roi_id": 5,
          "confidence": 1.0, "DV": "missing"},
}
AVG_TIMESTEP_MIN = 0.6 / 60.0  # 0.6 s per volume


def main():
    x = values(FRAMES, ROIS).astype(np.float64)  # time x ROI
    t = np.arange(FRAMES) * 0.6
    f = np.arange(FRAMES)
    doc = {
        "uid": "2023-01-01-01",
        "dataset_type": ["neuropal", "baseline"],
        "max_t": FRAMES,
        "num_neurons": ROIS,
        "avg_timestep": AVG_TIMESTEP_MIN,
        "timestamp_confocal": t.tolist(),
        "trace_array": x.T.tolist(),
        "trace_original": (x + 10.0).tolist(),
        "labeled": LABELED,
        "velocity": ((f % 10 - 4.5) / 100.0).tolist(),
        "head_curvature": np.sin(f / 5.0).round(3).tolist(),
        "angular_velocity": (f % 7 / 10.0).tolist(),
        "body_curvature": (f % 4 / 4.0).tolist(),
        "pumping": (f % 3 * 1.5).tolist(),
        "reversal_events": [[5, 9], [30, 33]],
    }
    json.dump(doc, sys.stdout)


if __name__ == "__main__":
    main()

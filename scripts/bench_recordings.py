"""Opening recordings: connectoscope beside h5py (the HDF5 C library) and pynwb on the same
pynwb-written NWB files: 30 minutes, 180 ROIs, 3 volumes/s (5,400 frames), float32 traces
chunked with gzip + shuffle, a text label column; once for one file, once for 100 copies.
Prints one JSON line per reader and the ratios. Targets: < 0.3 s per file, < 10 s per 100.

    python3 -m venv /tmp/venv-pynwb && /tmp/venv-pynwb/bin/pip install 'pynwb==4.2.*'
    /tmp/venv-pynwb/bin/python scripts/bench_recordings.py [WORK_DIR]
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone

import h5py
import numpy as np
from hdmf.backends.hdf5.h5_utils import H5DataIO
from pynwb import NWBHDF5IO, NWBFile
from pynwb.ophys import Fluorescence, ImageSegmentation, OpticalChannel, RoiResponseSeries

ROIS, RATE, FRAMES, COPIES = 180, 3.0, 30 * 60 * 3, 100
SERIES = "processing/ophys/Fluorescence/RoiResponseSeries"


def write(path):
    rng = np.random.default_rng(1)
    walk = np.zeros(ROIS)
    data = np.empty((FRAMES, ROIS), dtype=np.float32)
    for t in range(FRAMES):
        walk = 0.97 * walk + rng.uniform(-0.5, 0.5, ROIS)
        data[t] = walk + 0.1 * rng.uniform(-0.5, 0.5, ROIS)
    nwb = NWBFile(session_description="bench", identifier="bench",
                  session_start_time=datetime(2024, 1, 1, tzinfo=timezone.utc))
    device = nwb.create_device(name="Microscope")
    plane = nwb.create_imaging_plane(name="Plane", optical_channel=OpticalChannel(
        name="GFP", description="green", emission_lambda=515.0), description="head", device=device,
        excitation_lambda=488.0, indicator="GCaMP", location="head", imaging_rate=RATE)
    seg = ImageSegmentation()
    ps = seg.create_plane_segmentation(name="PlaneSegmentation", description="ROIs", imaging_plane=plane)
    ps.add_column(name="label", description="identity")
    for r in range(ROIS):
        ps.add_roi(pixel_mask=[(r, r, 1.0)], label="" if r % 3 == 2 else f"N{r}")
    ophys = nwb.create_processing_module(name="ophys", description="ophys")
    ophys.add(seg)
    region = ps.create_roi_table_region(region=list(range(ROIS)), description="all")
    series = RoiResponseSeries(name="RoiResponseSeries", rois=region, unit="a.u.", rate=RATE,
                               data=H5DataIO(data, compression="gzip", shuffle=True, chunks=(675, ROIS)))
    ophys.add(Fluorescence(roi_response_series=series))
    with NWBHDF5IO(path, "w") as io:
        io.write(nwb)


def h5py_open(path):
    with h5py.File(path, "r") as f:
        s = f[SERIES]
        data = s["data"][:]
        rate = s["starting_time"].attrs["rate"]
        rois = s["rois"][:]
        labels = f["processing/ophys/ImageSegmentation/PlaneSegmentation/label"].asstr()[:]
        return data.shape, rate, len(rois), len(labels)


def pynwb_open(path):
    with NWBHDF5IO(path, "r") as io:
        nwb = io.read()
        s = nwb.processing["ophys"]["Fluorescence"]["RoiResponseSeries"]
        return s.data[:].shape, s.rate, list(s.rois.table["label"][:])


def timed(f, paths):
    start = time.perf_counter()
    for p in paths:
        f(p)
    return time.perf_counter() - start


def main():
    work = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="bench-recordings-")
    one, many = os.path.join(work, "one"), os.path.join(work, "many")
    os.makedirs(one, exist_ok=True)
    os.makedirs(many, exist_ok=True)
    src = os.path.join(one, "recording.nwb")
    if not os.path.exists(src):
        write(src)
    for k in range(COPIES):
        dst = os.path.join(many, f"recording{k:03}.nwb")
        if not os.path.exists(dst):
            shutil.copyfile(src, dst)
    paths = sorted(os.path.join(many, n) for n in os.listdir(many))
    h5py_open(src)  # warm the page cache
    results = {
        "h5py": {"one_s": timed(h5py_open, [src]), "hundred_s": timed(h5py_open, paths)},
        "pynwb": {"one_s": timed(pynwb_open, [src]), "hundred_s": timed(pynwb_open, paths[:10]) * 10},
    }
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ours = {}
    for key, folder in [("one_s", one), ("hundred_s", many)]:
        out = subprocess.run(["cargo", "bench", "--no-default-features", "--bench", "recording"], cwd=root,
                             env={**os.environ, "CONNECTOSCOPE_RECORDINGS": folder},
                             capture_output=True, text=True, check=True)
        line = [l for l in out.stdout.splitlines() if l.startswith("{")][-1]
        ours[key] = json.loads(line)["seconds"]
    results["connectoscope"] = ours
    print(json.dumps({"file_mb": os.path.getsize(src) / 1e6, "frames": FRAMES, "rois": ROIS}))
    for name, r in results.items():
        print(json.dumps({"reader": name, **{k: round(v, 4) for k, v in r.items()}}))
    for peer in ["h5py", "pynwb"]:
        print(json.dumps({"ratio": f"{peer} / connectoscope",
                          **{k: round(results[peer][k] / ours[k], 2) for k in ours}}))
    print("(pynwb hundred_s is 10 files x 10)")


if __name__ == "__main__":
    main()

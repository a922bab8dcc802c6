"""A plain NWB 2.x calcium-imaging file as pynwb 4.2 writes it, for tests/recordings.rs: a
RoiResponseSeries under /processing/ophys/DfOverF with irregular `timestamps`, its `rois`
region pointing at a PlaneSegmentation that has a text column `label` (so names can be matched),
a behaviour TimeSeries (`velocity`) and `reversals` intervals. Chunked, gzip + shuffle.

    python3 -m venv /tmp/venv-pynwb && /tmp/venv-pynwb/bin/pip install 'pynwb==4.2.*'
    /tmp/venv-pynwb/bin/python scripts/make_recording_nwb_plain.py tests/fixtures/recordings/plain.nwb \
        tests/fixtures/recordings/no_traces.nwb

The second file is a valid NWB file with behaviour only (no RoiResponseSeries): bad input.
"""
import sys
from datetime import datetime, timezone

import numpy as np
from hdmf.backends.hdf5.h5_utils import H5DataIO
from pynwb import NWBHDF5IO, NWBFile, TimeSeries
from pynwb.epoch import TimeIntervals
from pynwb.file import Subject
from pynwb.ophys import DfOverF, ImageSegmentation, OpticalChannel, RoiResponseSeries

from make_recording_fixtures_common import FRAMES, values

LABELS = ["AVAL", "AVBR", "", "DB1"]


def timestamps():
    # Irregular: 0.5 s steps with a 0.1 s jitter pattern.
    return 0.5 * np.arange(FRAMES) + 0.1 * (np.arange(FRAMES) % 3)


def main(out):
    nwb = NWBFile(session_description="connectoscope plain NWB fixture", identifier="plain-fixture",
                  session_start_time=datetime(2024, 1, 2, tzinfo=timezone.utc))
    nwb.subject = Subject(subject_id="animal-42", species="Caenorhabditis elegans")
    device = nwb.create_device(name="Microscope")
    plane = nwb.create_imaging_plane(name="Plane", optical_channel=OpticalChannel(name="GFP", description="green", emission_lambda=515.0),
                                     description="head", device=device, excitation_lambda=488.0,
                                     indicator="GCaMP6s", location="head", imaging_rate=2.0)
    seg = ImageSegmentation()
    ps = seg.create_plane_segmentation(name="PlaneSegmentation", description="ROIs", imaging_plane=plane)
    ps.add_column(name="label", description="neuron identity ('' = unidentified)")
    for r, label in enumerate(LABELS):
        ps.add_roi(pixel_mask=[(r, r, 1.0)], label=label)
    ophys = nwb.create_processing_module(name="ophys", description="optical physiology")
    ophys.add(seg)
    region = ps.create_roi_table_region(region=list(range(len(LABELS))), description="all ROIs")
    series = RoiResponseSeries(name="RoiResponseSeries", rois=region, unit="dF/F",
                               data=H5DataIO(values(FRAMES, len(LABELS)), compression="gzip",
                                             shuffle=True, chunks=(8, len(LABELS))),
                               timestamps=timestamps())
    ophys.add(DfOverF(roi_response_series=series))
    behavior = nwb.create_processing_module(name="behavior", description="behaviour")
    velocity = (np.arange(FRAMES) % 10 - 4.5) / 100.0
    behavior.add(TimeSeries(name="velocity", data=velocity, unit="mm/s", timestamps=timestamps()))
    reversals = TimeIntervals(name="reversals", description="backward locomotion")
    reversals.add_interval(start_time=2.0, stop_time=4.1)
    reversals.add_interval(start_time=11.0, stop_time=12.5)
    nwb.add_time_intervals(reversals)
    with NWBHDF5IO(out, "w") as io:
        io.write(nwb)


def no_traces(out):
    nwb = NWBFile(session_description="no calcium traces", identifier="no-traces",
                  session_start_time=datetime(2024, 1, 2, tzinfo=timezone.utc))
    behavior = nwb.create_processing_module(name="behavior", description="behaviour")
    behavior.add(TimeSeries(name="velocity", data=np.zeros(5), unit="mm/s", rate=1.0))
    with NWBHDF5IO(out, "w") as io:
        io.write(nwb, cache_spec=False)


if __name__ == "__main__":
    main(sys.argv[1])
    no_traces(sys.argv[2])

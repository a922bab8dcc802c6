"""A NeuroPAL whole-brain recording in the layout of the C. elegans NWB files on DANDI
(ndx-multichannel-volume 0.1.12, which pins pynwb 2.8.x), for tests/recordings.rs:

    /processing/CalciumActivity/SignalRawFluor/SignalCalciumImResponseSeries   (time x ROI)
    /processing/CalciumActivity/NeuronIDs/labels   ('' = unidentified, trailing '?' = uncertain)

The traces are chunked and stored with gzip + shuffle; labels are variable-length strings.

    python3 -m venv /tmp/venv-neuropal && /tmp/venv-neuropal/bin/pip install ndx-multichannel-volume==0.1.12
    /tmp/venv-neuropal/bin/python scripts/make_recording_nwb_neuropal.py tests/fixtures/recordings/neuropal.nwb
"""
import sys
from datetime import datetime, timezone

import numpy as np
from hdmf.backends.hdf5.h5_utils import H5DataIO
from ndx_multichannel_volume import (CElegansSubject, ImagingVolume, MultiChannelVolumeSeries,
                                     OpticalChannelPlus, OpticalChannelReferences,
                                     SegmentationLabels, VolumeSegmentation)
from pynwb import NWBHDF5IO, NWBFile
from pynwb.ophys import Fluorescence, ImageSegmentation, RoiResponseSeries

from make_recording_fixtures_common import FRAMES, values

# Exact, case, side-less (class level), uncertain, unidentified, not a neuron of the worm.
LABELS = ["AVAL", "avar", "", "RMD", "AWCL?", "", "XYZ1", "SMDVR"]
RATE = 2.5


def main(out):
    nwb = NWBFile(session_description="connectoscope NeuroPAL fixture", identifier="neuropal-fixture",
                  session_start_time=datetime(2024, 1, 2, tzinfo=timezone.utc))
    nwb.subject = CElegansSubject(subject_id="worm-7", species="http://purl.obolibrary.org/obo/NCBITaxon_6239",
                                  growth_stage="YA", cultivation_temp=20.0, sex="O",
                                  description="fixture")
    device = nwb.create_device(name="Microscope", description="spinning disk")
    channel = OpticalChannelPlus(name="GCaMP", description="GCaMP", excitation_lambda=488.0,
                                 excitation_range=[478.0, 498.0], emission_lambda=515.0,
                                 emission_range=[505.0, 525.0])
    order = OpticalChannelReferences(name="order_optical_channels", channels=["GCaMP"])
    volume = ImagingVolume(name="CalciumImVol", optical_channel_plus=[channel],
                           order_optical_channels=order, description="calcium volume", device=device,
                           location="head", grid_spacing=[0.3, 0.3, 1.5], grid_spacing_unit="um",
                           reference_frame="worm head")
    nwb.add_imaging_plane(volume)
    rois = len(LABELS)
    segmentation = VolumeSegmentation(name="TrackedNeurons", description="tracked ROIs",
                                      imaging_volume=volume)
    for r in range(rois):
        segmentation.add_roi(voxel_mask=[(r, r + 1, r + 2, 1.0)])
    imseg = ImageSegmentation(name="CalciumSeriesSegmentation")
    imseg.add_plane_segmentation(segmentation)
    region = segmentation.create_roi_table_region(description="all tracked ROIs", region=list(range(rois)))
    data = values(FRAMES, rois)
    series = RoiResponseSeries(name="SignalCalciumImResponseSeries", description="raw GCaMP signal",
                               data=H5DataIO(data, compression="gzip", shuffle=True, chunks=(16, rois)),
                               rois=region, unit="lumens", rate=RATE)
    fluor = Fluorescence(name="SignalRawFluor", roi_response_series=series)
    ids = SegmentationLabels(name="NeuronIDs", labels=LABELS, description="NeuroPAL IDs",
                             ImageSegmentation=imseg)
    module = nwb.create_processing_module(name="CalciumActivity", description="calcium activity")
    module.add(imseg)
    module.add(fluor)
    module.add(ids)
    with NWBHDF5IO(out, "w") as io:
        # No cached schema: keeps the fixture small (DANDI files carry it; the reader skips it).
        io.write(nwb, cache_spec=False)


if __name__ == "__main__":
    main(sys.argv[1])

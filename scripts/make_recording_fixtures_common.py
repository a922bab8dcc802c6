"""Shared by the recording-fixture scripts: the values every fixture stores, so the Rust tests
(tests/recordings.rs) can recompute them exactly.

value(frame, roi) = ((7 * frame + 13 * roi) % 101) / 8 - 3: exact in float32, distinct enough
to catch a transposition. NaN at the (frame, roi) cells of NAN_CELLS (dropped-out frames).
"""
import numpy as np

FRAMES = 40
NAN_CELLS = [(5, 0), (6, 0), (20, 2), (33, 1)]


def values(frames, rois):
    f = np.arange(frames)[:, None]
    r = np.arange(rois)[None, :]
    x = (((7 * f + 13 * r) % 101) / 8.0 - 3.0).astype(np.float32)
    for frame, roi in NAN_CELLS:
        if frame < frames and roi < rois:
            x[frame, roi] = np.nan
    return x  # time x ROI, as NWB stores it

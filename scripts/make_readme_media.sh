#!/usr/bin/env bash
# Regenerates the README's pictures: the first view of the app (docs/screenshot.png, in a real
# window under Xvfb) and a short GIF of live activity (docs/live.gif, rendered offscreen).
# Needs xvfb-run and Mesa's software Vulkan (as .ci/run installs).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release
bin=target/release/connectoscope
xvfb-run -a -s "-screen 0 1600x900x24" "$bin" --size 1280x800 --screenshot docs/screenshot.png
# Noise into every neuron (background: no halo), pulses into AVB (orange halos), AVA silenced
# (purple), RIS ablated (red): the spikes flash over the halos.
"$bin" render celegans-cook2019 --simulate lif --protocol docs/live_protocol.json --run-for 200ms \
    --video docs/live.gif --size 640x360 --seconds 3 --fps 8 --sim-speed 100 \
    --title "C. elegans, LIF: noise into all, pulses into AVB"
# A recording played on the worm (docs/recording.png): the synthetic demonstration recording
# (scripts/make_demo_recording.py; not real data), opened through a session that selects the
# command interneurons and goes to 250 s.
demo=$(mktemp -d)
python3 scripts/make_demo_recording.py "$demo/demo_worm.json"
python3 - "$demo" <<'PY'
import json, sys
d = sys.argv[1]
session = {
    "format": "connectoscope-session", "version": 1,
    "source": {"path": "celegans-cook2019"},
    "view": {"color_by": "recording", "size_by_degree": True, "node_scale": 1.0, "theme": "dark",
             "labels": "selection", "hops": 0, "chemical": True, "electrical": True,
             "min_weight": 0.0, "per_neuron": 6, "cap": 100000, "edge_opacity": 0.4},
    "selection": ["AVAL", "RIML", "AVBL", "SMDVL"],
    "recordings": [f"{d}/demo_worm.json"],
    "recording_time_s": 250.0,
}
json.dump(session, open(f"{d}/demo.cscope.json", "w"))
PY
xvfb-run -a -s "-screen 0 1600x900x24" "$bin" "$demo/demo.cscope.json" --size 1400x860 \
    --screenshot docs/recording.png
rm -r "$demo"

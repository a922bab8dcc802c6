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

#!/usr/bin/env bash
# Offscreen rendering speed: frames per second of `connectoscope render` (no window, no
# display) for C. elegans and a fly-brain-sized synthetic graph at 1280x720 and 1920x1080.
# Frames are rendered, read back and discarded (--encoder none), orbiting, so every frame is
# different. Prints one JSON object per run (see `render --json`). Run on the software
# renderer here and on a GPU machine when one is lent; compare within one session only.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/connectoscope
cargo build --release --quiet
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for graph in celegans-cook2019:60 synthetic:139000:3700000:12; do
  input=${graph%:*}
  frames=${graph##*:}
  for size in 1280x720 1920x1080; do
    env -u DISPLAY -u WAYLAND_DISPLAY "$bin" render "$input" --video "$out/v.mp4" --encoder none \
      --size "$size" --fps "$frames" --seconds 1 --orbit --json 2>/dev/null
  done
done

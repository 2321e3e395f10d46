#!/usr/bin/env bash
# Make the sample video post's clip: three seconds of a slow zoom into its
# poster (a CC0 sample photo), H.264 baseline, 360 px, no audio, about 9 KB.
# Run once by a maintainer (needs ffmpeg); the MP4 is committed under
# sample-snapshot/originals/ by its blake3 name, and feed.json's video post
# names it in "video": {"file": ..., "bytes": ...}.
#
# usage: bash make_clip.sh POSTER.jpg OUT.mp4
set -euo pipefail
ffmpeg -v error -y -loop 1 -i "$1" -t 3 -r 15 \
  -vf "scale=1080:1080,zoompan=z='1+0.002*on':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d=1:s=360x360:fps=15" \
  -c:v libx264 -profile:v baseline -level 3.0 -pix_fmt yuv420p -crf 30 \
  -movflags +faststart -an "$2"

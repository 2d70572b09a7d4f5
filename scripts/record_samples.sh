#!/usr/bin/env bash
# Re-extract the landmark recordings in sample_videos/recordings/ from the shared clips
# (real MediaPipe inference, default full model). Run after changing the estimator or model.
set -euo pipefail
cd "$(dirname "$0")/.."
clips=${SHARED_VIDEOS:-../shared/sample_videos}
mkdir -p sample_videos/recordings
for f in "$clips"/*.mp4; do
  name=$(basename "$f" .mp4)
  posecheck record "$f" -o "sample_videos/recordings/$name.npz"
done

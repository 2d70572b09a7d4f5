"""Print the comparison of joint angles measured in the picture and in MediaPipe's 3-D
world landmarks on the committed recordings (docs/view-and-space.md).

Usage: python scripts/compare_spaces.py   (markdown on stdout; no model needed)
Per recording: the body's yaw (posecheck.pose.view.body_yaw: 90 side-on, 0 frontal) and, per
joint on the side facing the camera (the more visible one), the 5-95 % range of the
angle in the picture (pixels) and in 3-D, and the median of 3-D minus picture.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from posecheck.pose.landmarks import Landmark
from posecheck.pose.recording import load_recording
from posecheck.pose.view import body_yaw

ROOT = Path(__file__).resolve().parents[1]
JOINTS = {"knee": ("hip", "knee", "ankle"), "hip": ("shoulder", "hip", "knee"),
          "elbow": ("shoulder", "elbow", "wrist")}  # fmt: skip


def angles(p: np.ndarray, a: int, b: int, c: int) -> np.ndarray:
    v1, v2 = p[:, a] - p[:, b], p[:, c] - p[:, b]
    lengths = np.linalg.norm(v1, axis=-1) * np.linalg.norm(v2, axis=-1)
    cos = (v1 * v2).sum(-1) / np.maximum(lengths, 1e-9)
    return np.degrees(np.arccos(np.clip(cos, -1, 1)))


def main() -> int:
    print("| recording | yaw median [10-90 %] | " + " | ".join(
        f"{j}: picture / 3-D (3-D - picture)" for j in JOINTS) + " |")  # fmt: skip
    print("|---|---|" + "---|" * len(JOINTS))
    for path in sorted((ROOT / "sample_videos" / "recordings").glob("*.npz")):
        rec = load_recording(path)
        seen = rec.present.astype(bool) & (np.abs(rec.world).sum(axis=(1, 2)) > 0)
        if not seen.any():
            continue
        world, vis = rec.world[seen], rec.visibility[seen]
        image = rec.image[seen][:, :, :2] * np.array([rec.width, rec.height])
        yaw = np.array([body_yaw(w) for w in world])
        lo, hi = np.percentile(yaw, [10, 90])
        cells = [f"{np.median(yaw):.0f} [{lo:.0f}-{hi:.0f}]"]
        for parts in JOINTS.values():
            best = None
            for side in ("LEFT", "RIGHT"):
                ix = [int(Landmark[f"{side}_{p.upper()}"]) for p in parts]
                ok = vis[:, ix].min(axis=1) >= 0.5
                if best is None or ok.sum() > best[0].sum():
                    best = (ok, ix)
            ok, ix = best
            if ok.sum() < 10:
                cells.append("-")
                continue
            ai, aw = angles(image, *ix)[ok], angles(world, *ix)[ok]
            lo_i, hi_i = np.percentile(ai, [5, 95])
            lo_w, hi_w = np.percentile(aw, [5, 95])
            diff = np.median(aw - ai)
            cells.append(f"{lo_i:.0f}-{hi_i:.0f} / {lo_w:.0f}-{hi_w:.0f} ({diff:+.0f})")
        print(f"| `{path.stem}` | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""BlazePose on the scripted lifter: detection rate and landmark error per preset.

Renders each preset of formcheck.synthetic (default 640x480, 30 fps, its
default reps), runs the pose model over it and compares the landmarks with the
drawn joints. Target (issue 3): detected in >= 98 % of frames on every preset;
median error for shoulders, elbows, wrists and hips <= 5 % of torso length.
The test suite checks the same on short clips (tests/test_synthetic.py).

    python benchmarks/synthetic_detection.py [--model full] [--size 640x480] [--fps 30] [--only NAME]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from formcheck.pose import PoseEstimator  # noqa: E402
from formcheck.synthetic import PRESETS, iter_frames, make_spec, plan_clip, truth  # noqa: E402
from formcheck.synthetic.compare import landmark_errors  # noqa: E402
from formcheck.video import Frame  # noqa: E402

GROUPS = ("shoulders", "elbows", "wrists", "hips")
TARGET_DET, TARGET_PCT = 0.98, 5.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="full")
    ap.add_argument("--size", default="640x480")
    ap.add_argument("--fps", type=float, default=30.0)
    ap.add_argument("--only", default=None, help="presets whose name contains this")
    args = ap.parse_args()
    size = tuple(int(v) for v in args.size.lower().split("x"))
    names = [n for n in PRESETS if not args.only or args.only in n]
    print(f"model {args.model}, {size[0]}x{size[1]} at {args.fps:g} fps; median error in % of torso length")
    print(f"{'preset':26s} {'frames':>6s} {'detected':>9s} " + " ".join(f"{g:>9s}" for g in GROUPS) + "  verdict")
    misses, t0 = 0, time.perf_counter()
    for name in names:
        clip = plan_clip(make_spec(name, size=size, fps=args.fps))
        with PoseEstimator(args.model) as est:
            series = est.run((Frame(i, t, img) for i, t, img in iter_frames(clip)), frame_size=size, fps=args.fps)
        r = landmark_errors(truth(clip), series.image_xy)
        ok = r["detection_rate"] >= TARGET_DET and all(r["median_pct"][g] <= TARGET_PCT for g in GROUPS)
        misses += not ok
        print(f"{name:26s} {r['frames']:6d} {r['detection_rate']:9.1%} "
              + " ".join(f"{r['median_pct'][g]:9.1f}" for g in GROUPS) + f"  {'ok' if ok else 'MISS'}", flush=True)
    print(f"\n{len(names) - misses}/{len(names)} presets within target (detected >= {TARGET_DET:.0%}, "
          f"median <= {TARGET_PCT:g} % of torso); {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

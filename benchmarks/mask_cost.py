"""What the person mask costs the pose pass: ms per frame with and without the back-contour measurement.

The same frames (a synthetic side-view row rendered once, or --clip VIDEO,
decoded and resized to the inference size outside the clock) go through a
PoseEstimator with ``back_contour=False`` and one with ``back_contour=True``,
in alternating blocks so drift in the machine's load hits both. The mask run's
time is split into inference (MediaPipe, mask included) and the contour
measurement itself (numpy). CPU time of this process is shown beside wall
time: on a shared machine it is the steadier figure.

    python benchmarks/mask_cost.py [--model full] [--frames 150] [--blocks 4] [--clip VIDEO]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from formcheck import back_contour  # noqa: E402
from formcheck.pose import DEFAULT_MAX_SIDE, PoseEstimator  # noqa: E402


def frames_of(clip: str | None, n: int) -> list[np.ndarray]:
    if clip:
        from formcheck.video import open_video

        out = []
        with open_video(clip, max_side=DEFAULT_MAX_SIDE) as src:
            for fr in src:
                out.append(fr.image)
                if len(out) >= n:
                    break
        return out
    from formcheck.synthetic import make_spec
    from formcheck.synthetic.clip import iter_frames, plan_clip

    clip_ = plan_clip(make_spec("row_side_clean", reps=3, size=(960, 720)))
    return [img for _i, _t, img in iter_frames(clip_)][:n]


def run_block(est: PoseEstimator, frames: list[np.ndarray], t0_s: float) -> tuple[float, float, float]:
    """(wall ms/frame, cpu ms/frame, contour ms/frame) over one pass."""
    contour_s = 0.0
    orig = back_contour.measure

    def timed(*a, **k):
        nonlocal contour_s
        c0 = time.perf_counter()
        r = orig(*a, **k)
        contour_s += time.perf_counter() - c0
        return r

    import formcheck.pose as pose_mod
    pose_mod.measure_back = timed
    try:
        w0, c0 = time.perf_counter(), time.process_time()
        for k, img in enumerate(frames):
            est.detect(img, t0_s + k / 30.0)
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    finally:
        pose_mod.measure_back = orig
    n = len(frames)
    return 1000 * wall / n, 1000 * cpu / n, 1000 * contour_s / n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="full")
    ap.add_argument("--frames", type=int, default=150)
    ap.add_argument("--blocks", type=int, default=4)
    ap.add_argument("--clip", default=None)
    args = ap.parse_args()
    frames = frames_of(args.clip, args.frames)
    h, w = frames[0].shape[:2]
    print(f"{len(frames)} frames of {w}x{h}, model {args.model}, {args.blocks} alternating blocks")
    res: dict[bool, list[tuple[float, float, float]]] = {False: [], True: []}
    with PoseEstimator(args.model, back_contour=False) as plain, PoseEstimator(args.model, back_contour=True) as masked:
        t = 1.0
        for b in range(args.blocks):
            order = (False, True) if b % 2 == 0 else (True, False)
            for flag in order:
                res[flag].append(run_block(masked if flag else plain, frames, t))
            t += len(frames) / 30.0 + 1.0
    for flag in (False, True):
        wall = statistics.median(r[0] for r in res[flag])
        cpu = statistics.median(r[1] for r in res[flag])
        cont = statistics.median(r[2] for r in res[flag])
        print(f"  masks {'on ' if flag else 'off'}: wall {wall:6.1f} ms/frame, cpu {cpu:6.1f} ms/frame"
              + (f" (of which the contour measurement {cont:.2f} ms)" if flag else ""))
    w_off = statistics.median(r[0] for r in res[False])
    w_on = statistics.median(r[0] for r in res[True])
    c_off = statistics.median(r[1] for r in res[False])
    c_on = statistics.median(r[1] for r in res[True])
    print(f"masks cost {w_on - w_off:+.1f} ms/frame wall ({w_on / w_off - 1:+.0%}), "
          f"{c_on - c_off:+.1f} ms/frame cpu ({c_on / c_off - 1:+.0%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

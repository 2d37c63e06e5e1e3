"""Real-footage check: formcheck on the clips in ../shared/realworld (skips when absent).

Those clips carry no redistribution licence: they are never copied into the
project. Their rep counts were made by eye (see that folder's README).

    python benchmarks/real_clips.py [--model full] [--poses-cache DIR]

Prints count vs truth, view, exercise, average tempo and faults per clip.
Targets (issue 4): every count exact; no shrug flagged on the clean cable and machine rows.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from formcheck.analysis import analyze, analyze_series  # noqa: E402
from formcheck.pose import estimate_video  # noqa: E402
from formcheck.series import PoseSeries  # noqa: E402

REALWORLD = ROOT.parent / "shared" / "realworld"
# file, reps by eye, options, clean (no shrug expected)
CLIPS = [
    ("selsplan__row.mp4", 3, {}, True),
    ("gymappai__cable_row.mp4", 3, {}, True),
    ("gymappai__omni_grip_chest_supported_rows.mp4", 4, {}, True),
    ("posturecoach__Shrug.mp4", 2, {"end_s": 7.1}, False),
    ("gymappai__lat_pulldown.mp4", 2, {}, True),
]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="full")
    ap.add_argument("--poses-cache", default=str(ROOT / ".cache" / "realworld"),
                    help="where extracted poses are kept between runs")
    args = ap.parse_args()
    if not REALWORLD.is_dir():
        print(f"skipped: {REALWORLD} is not here (real clips are for development machines only)")
        return 0
    cache = Path(args.poses_cache)
    cache.mkdir(parents=True, exist_ok=True)
    print(f"{'clip':46s} {'reps':>7s} {'view':>8s} {'exercise':>20s} {'tempo avg':>16s}  faults (reps)")
    exact = shrug_fp = 0
    t0 = time.perf_counter()
    for name, want, opts, clean in CLIPS:
        path = REALWORLD / name
        if not path.exists():
            continue
        npz = cache / f"{path.stem}.{args.model}.npz"
        if npz.exists():
            series = PoseSeries.load(npz)
        else:
            series = estimate_video(path, model=args.model)
            series.save(npz)
        if opts:
            res = analyze(npz, **opts)
        else:
            res = analyze_series(series)
        d = res.to_dict()
        faults: dict[str, list[int]] = {}
        for r in d["reps"]:
            for f in r["faults"]:
                faults.setdefault(f, []).append(r["index"])
        ok = d["rep_count"] == want
        exact += ok
        if clean and "shrug" in faults:
            shrug_fp += 1
        print(f"{name:46s} {d['rep_count']:>3d}/{want:<2d}{'ok' if ok else 'MISS':>2s} {d['view']:>8s} "
              f"{d['exercise']:>20s} {d['summary']['tempo_average_str']:>16s}  "
              + (", ".join(f"{k} {v}" for k, v in faults.items()) or "none"))
    print(f"\ncounts exact: {exact}/{len(CLIPS)}; clean sets with a shrug flagged: {shrug_fp} "
          f"(model {args.model}, {time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

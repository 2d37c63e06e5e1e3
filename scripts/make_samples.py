"""Render the sample clips shipped in sample_videos/ (synthetic lifter, with truth JSON beside each).

Usage:
    python scripts/make_samples.py [--out sample_videos] [--only row_side,row_front,shrug_front]

Each clip is under 15 s and 3 MB; ``<name>.json`` holds the ground truth (rep times, phases, faults,
per-frame joint pixels), see formcheck.synthetic.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from formcheck.synthetic import make_spec, render_clip  # noqa: E402

# name -> (preset, overrides)
SAMPLES = {
    "row_side": ("row_side_shrug", {}),        # side bent-over row, shrug on reps 4-5
    "row_front": ("row_front_shrug", {}),      # front bent-over row, shrug on reps 4-5
    "shrug_front": ("shrug_front", {}),        # dumbbell shrugs from the front, last two partial
}
MAX_BYTES = 3_000_000
MAX_SECONDS = 15.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "sample_videos"), help="output folder (default sample_videos/)")
    ap.add_argument("--only", default="", help="comma-separated sample names to render")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    out = Path(args.out)
    names = [n for n in args.only.split(",") if n] or list(SAMPLES)
    unknown = [n for n in names if n not in SAMPLES]
    if unknown:
        ap.error(f"unknown sample(s) {', '.join(unknown)}; choose from {', '.join(SAMPLES)}")
    ok = True
    for name in names:
        preset, overrides = SAMPLES[name]
        t0 = time.perf_counter()
        path = out / f"{name}.mp4"
        truth = render_clip(make_spec(preset, **overrides), path)
        size = path.stat().st_size
        faults = {r["index"]: r["faults"] for r in truth["reps"] if r["faults"]}
        print(f"{path}: {truth['duration_s']:.1f} s, {truth['frame_count']} frames, {size / 1e6:.2f} MB, "
              f"{len(truth['reps'])} reps, faults {faults or 'none'} ({time.perf_counter() - t0:.0f} s)")
        if size > MAX_BYTES or truth["duration_s"] > MAX_SECONDS:
            print(f"  too big: keep samples under {MAX_SECONDS:g} s and {MAX_BYTES / 1e6:g} MB", file=sys.stderr)
            ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

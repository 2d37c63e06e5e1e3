"""Record the pose model's output on synthetic clips, for fast end-to-end tests (tests/data/*.poses.npz).

Usage:
    python scripts/make_pose_fixtures.py [--out tests/data] [--only row_side_rounded_back]

Each fixture is the PoseSeries (with its extras, e.g. the back's outline per frame) that the full model
produced on a scripted clip rendered in memory, with the clip's recipe and its per-rep truth (times,
scripted values, faults) in ``source["synthetic"]``. Only synthetic clips: never real footage.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from formcheck.pose import PoseEstimator  # noqa: E402
from formcheck.synthetic import short_spec  # noqa: E402
from formcheck.synthetic.clip import iter_frames, plan_clip, truth  # noqa: E402
from formcheck.video import Frame  # noqa: E402

#: name -> (preset, reps kept by short_spec (its first rep and its last ones), options)
FIXTURES = {
    "row_side_rounded_back": ("row_side_rounded_back", 4, {"fps": 15.0, "size": (640, 480)}),
}


def record(name: str, out: Path, model: str = "full") -> Path:
    preset, reps, opts = FIXTURES[name]
    spec = short_spec(preset, reps, **opts)
    clip = plan_clip(spec)
    tr = truth(clip)
    with PoseEstimator(model, back_contour=True) as est:
        series = est.run((Frame(i, t, img) for i, t, img in iter_frames(clip)), frame_size=spec.size, fps=spec.fps,
                         source={"synthetic": {
                             "preset": preset, "reps_kept": reps, "options": {k: list(v) if isinstance(v, tuple) else v
                                                                               for k, v in opts.items()},
                             "exercise": spec.exercise, "view": spec.view,
                             "reps": [{k: r[k] for k in ("index", "start_s", "peak_s", "bottom_s", "end_s",
                                                          "thoracic_deg", "faults")} for r in tr["reps"]]}})
    return series.save(out / f"{name}.poses.npz")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "tests" / "data"))
    ap.add_argument("--only", default="", help="comma-separated fixture names")
    ap.add_argument("--model", default="full")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name in [n for n in args.only.split(",") if n] or list(FIXTURES):
        path = record(name, out, args.model)
        print(f"{path} ({path.stat().st_size / 1000:.0f} kB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

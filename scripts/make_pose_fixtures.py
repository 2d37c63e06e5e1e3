"""Record the pose model's output on synthetic clips, for fast end-to-end tests (tests/data/*.poses.npz).

Usage:
    python scripts/make_pose_fixtures.py [--out tests/data] [--only row_side_shrug,cut_then_set]

Each fixture is the PoseSeries the full model produced on a scripted clip, made the way a user's upload is:
the clip is rendered to an H.264 file and read back by :func:`formcheck.pose.estimate_video` (so the
fixture carries what the pose pass records beside the landmarks: the back's outline per frame, the video's
cuts and frozen stills). The clip's recipe and its per-rep truth (times, scripted values, faults) go in
``source["synthetic"]``. The tests then check the rules and the set finder on real BlazePose output without
running the model. Only synthetic clips: never real footage (no licence to copy it).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from formcheck.pose import estimate_video  # noqa: E402
from formcheck.synthetic import make_spec, render_clip, render_clip_with_cut, short_spec  # noqa: E402

#: name -> (preset, reps kept by short_spec (its first rep and its last ones), spec options, cut_from).
#: ``cut_from``: (preset, reps) of a close-up shot put before the set (the set finder must skip it).
FIXTURES: dict[str, tuple[str, int, dict, tuple[str, int] | None]] = {
    "row_side_rounded_back": ("row_side_rounded_back", 4, {"fps": 15.0, "size": (640, 480)}, None),
    "row_side_shrug": ("row_side_shrug", 4, {"fps": 15.0, "size": (480, 360)}, None),
    "row_side_swing": ("row_side_swing", 4, {"fps": 15.0, "size": (480, 360)}, None),
    "row_side_fast_eccentric": ("row_side_fast_eccentric", 4, {"fps": 15.0, "size": (480, 360)}, None),
    "row_front_shrug": ("row_front_shrug", 4, {"fps": 15.0, "size": (480, 360)}, None),
    "cable_row_rear": ("cable_row_rear", 4, {"fps": 15.0, "size": (480, 360)}, None),
    "shrug_front": ("shrug_front", 4, {"fps": 15.0, "size": (480, 360)}, None),
    "cut_then_set": ("row_side_clean", 4, {"fps": 15.0, "size": (480, 360)}, ("row_front_clean", 2)),
}
_REP_KEYS = ("index", "start_s", "peak_s", "bottom_s", "end_s", "thoracic_deg", "faults")


def record(name: str, out: Path, model: str = "full") -> Path:
    """Render fixture ``name``, run the pose pass on it and save ``out/<name>.poses.npz``; returns the path."""
    preset, reps, opts, cut_from = FIXTURES[name]
    spec = short_spec(preset, reps, **opts)
    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(tmp) / f"{name}.mp4"
        if cut_from:
            first = make_spec(cut_from[0], reps=cut_from[1], camera_distance_m=2.2, **opts)
            tr = render_clip_with_cut(first, spec, clip)
        else:
            tr = render_clip(spec, clip)
        series = estimate_video(clip, model=model)
    series.source["path"] = series.source["video"]["path"] = f"{name}.mp4"
    series.source["synthetic"] = {
        "preset": preset, "reps_kept": reps, "cut_from": list(cut_from) if cut_from else None,
        "options": {k: list(v) if isinstance(v, tuple) else v for k, v in opts.items()},
        "exercise": spec.exercise, "view": spec.view, "tempo_target": tr.get("tempo_target"),
        "cut_s": tr.get("cut_s"),
        "reps": [{k: r.get(k) for k in _REP_KEYS} for r in tr["reps"]]}
    return series.save(out / f"{name}.poses.npz")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "tests" / "data"))
    ap.add_argument("--only", default="", help="comma-separated fixture names (default: all)")
    ap.add_argument("--model", default="full")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    names = [n for n in args.only.split(",") if n] or list(FIXTURES)
    unknown = sorted(set(names) - set(FIXTURES))
    if unknown:
        ap.error(f"unknown fixture(s) {', '.join(unknown)}; choose from {', '.join(FIXTURES)}")
    for name in names:
        path = record(name, out, args.model)
        print(f"{path} ({path.stat().st_size / 1000:.0f} kB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

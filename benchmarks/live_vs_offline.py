"""Live versus offline: does a clip played through the live path count what `formcheck analyze` counts?

    python benchmarks/live_vs_offline.py [--model lite] [--frames] [--only NAME]

For the three bundled samples and the labelled real clips in ../shared/realworld (in their labelled
windows; skipped when absent), prints:

- poses: the live analysis (formcheck.analysis.online.OnlineAnalysis) fed the same poses the offline
  analysis reads, one frame at a time: its running count at the end against the offline count. This
  isolates the counting logic from the pose model.
- frames (with --frames): the whole live path (LiveSession: its own pose model at the live frame size,
  every frame, no drops) against `formcheck.analyze` with the same model: what a lifter sees live against
  what the upload says.

Target (issue 12): the same rep count on every clip.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from formcheck.analysis.core import analyse  # noqa: E402
from formcheck.analysis.online import OnlineAnalysis  # noqa: E402
from formcheck.series import PoseSeries  # noqa: E402

REALWORLD = ROOT.parent / "shared" / "realworld"
SAMPLES = ROOT / "sample_videos"


def clips() -> list[dict]:
    out = [{"id": p.stem, "path": p} for p in sorted(SAMPLES.glob("*.mp4"))]
    labels = REALWORLD / "labels.json"
    if labels.is_file():
        for c in json.loads(labels.read_text())["clips"]:
            out.append({"id": c["id"], "path": REALWORLD / c["file"], "start_s": c.get("start_s"),
                        "end_s": c.get("end_s"), "reps": c["reps"]})
    return out


def poses(path: Path, model: str, cache: Path) -> PoseSeries:
    npz = cache / f"{path.stem}.{model}.npz"
    if not npz.exists():
        from formcheck.pose import estimate_video

        estimate_video(path, model=model).save(npz)
    return PoseSeries.load(npz)


def trim(s: PoseSeries, a: float | None, b: float | None) -> PoseSeries:
    keep = np.ones(len(s), bool)
    if a is not None:
        keep &= s.times_s >= a
    if b is not None:
        keep &= s.times_s < b
    return PoseSeries(s.times_s[keep], s.frame_index[keep], s.image_xy[keep], s.world_xyz[keep],
                      s.visibility[keep], s.frame_size, s.fps, s.source)


def online_count(s: PoseSeries) -> tuple[int, list[int], float]:
    """Feed the poses one frame at a time; returns (final count, counts over time, ms per update)."""
    on = OnlineAnalysis()
    on.frame_size = s.frame_size
    counts, t0 = [], time.perf_counter()
    for i in range(len(s)):
        on.push(float(s.times_s[i]), s.image_xy[i], s.world_xyz[i], s.visibility[i])
        counts.append(on.update(float(s.times_s[i])).reps)
    return counts[-1] if counts else 0, counts, 1000 * (time.perf_counter() - t0) / max(1, len(s))


def live_frames_count(path: Path, model: str, a: float | None, b: float | None) -> int:
    from formcheck.live import LiveSession
    from formcheck.video import open_video

    with LiveSession(model) as session, open_video(path, start_s=a, end_s=b, max_side=640) as src:
        st = None
        for fr in src:
            _, st = session.process(fr.image, fr.time_s)
    return st.reps if st else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="lite")
    ap.add_argument("--frames", action="store_true", help="also run the whole live path on decoded frames")
    ap.add_argument("--only", default=None)
    ap.add_argument("--poses-cache", default=str(ROOT / ".cache" / "realworld"))
    args = ap.parse_args()
    cache = Path(args.poses_cache)
    cache.mkdir(parents=True, exist_ok=True)
    print(f"{'clip':26s} {'label':>5s} {'offline':>7s} {'live(poses)':>11s} {'ms/update':>9s}"
          + (f" {'analyze':>7s} {'live(frames)':>12s}" if args.frames else "") + "  note")
    same = same_frames = n = 0
    for c in clips():
        if args.only and args.only not in c["id"]:
            continue
        if not c["path"].exists():
            continue
        n += 1
        s = trim(poses(c["path"], args.model, cache), c.get("start_s"), c.get("end_s"))
        off = len(analyse(s).reps)
        live, counts, ms = online_count(s)
        mono = all(x <= y for x, y in zip(counts, counts[1:]))
        same += live == off
        row = f"{c['id']:26s} {c.get('reps', '-')!s:>5s} {off:>7d} {live:>11d} {ms:>9.1f}"
        note = "" if mono else "count went down!"
        if args.frames:
            from formcheck import analyze

            up = analyze(c["path"], model=args.model, start_s=c.get("start_s"), end_s=c.get("end_s")).rep_count
            lf = live_frames_count(c["path"], args.model, c.get("start_s"), c.get("end_s"))
            same_frames += lf == up
            row += f" {up:>7d} {lf:>12d}"
        print(row + ("  " + note if note else ""), flush=True)
    print(f"\nsame count, live vs offline on the same poses: {same}/{n}"
          + (f"; whole live path vs analyze: {same_frames}/{n}" if args.frames else "") + f" (model {args.model})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Inference frame size: speed and landmark agreement against full resolution.

BlazePose scales what it is given to 224x224 (person detector, whole frame)
and 256x256 (landmark model, a crop around the person), so feeding it
full-HD frames mostly buys resize work. This script runs the pose model over
the same clips with frames resized to a long side of 960, 720, 640 and 480
pixels, and at full size, and prints per size:

- the CPU cost per frame of decode+resize (swscale) and of inference
  (process CPU time, which the machine's other jobs do not inflate the way
  they inflate wall time), and the wall time of inference;
- landmark agreement with the full-size run: the distance between the two
  runs' 11 body landmarks used by the analysis (nose, ears, shoulders, elbows,
  wrists, hips), in % of the lifter's torso length (median and 95th
  percentile over frames and landmarks), and detection rate;
- the analysis outcome: rep count and tempo against the full-size run.

BlazePose in VIDEO mode tracks from frame to frame, so any change to its
input moves the landmarks a little. The row "full+-1" measures that floor: the
full-size frames with +-1 grey level of random noise. A size PASSes when its
landmark median is within 2x that floor, the rep counts match the full-size
run on every clip and the tempo phases agree within 0.1 s (median over reps,
worst phase).

Clips: the real-world clips in ../shared/realworld larger than the largest
size tested, when that folder exists (development only; never copied into the
repo), plus each of sample_videos/*.mp4 (else a synthetic side-view row)
fitted into 1920x1080 with side bars and a little grain.

    python benchmarks/max_side.py [--quick] [--model full] [--sizes 960,720,640,480]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _clips  # noqa: E402

sys.path.insert(0, str(_clips.ROOT))
from formcheck.pose import PoseEstimator  # noqa: E402
from formcheck.series import LANDMARK, PoseSeries  # noqa: E402
from formcheck.video import FileSource  # noqa: E402

KEY = ("nose", "left_ear", "right_ear", "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
       "left_wrist", "right_wrist", "left_hip", "right_hip")
KEY_IDX = [LANDMARK[n] for n in KEY]
FLOOR_FACTOR, TEMPO_TARGET = 2.0, 0.1
JITTER = "full+-1"


def clips(quick: bool, larger_than: int) -> list[Path]:
    """Clips whose long side exceeds every size tested (smaller ones would not be resized at all)."""
    big = []
    if _clips.REALWORLD.is_dir():
        from formcheck.video import probe

        big = [p for p in sorted(_clips.REALWORLD.glob("*.mp4")) if max(probe(p).width, probe(p).height) > larger_than]
    sources = _clips.sample_clips() or [_clips.synthetic_clip(size=(960, 540))]
    for src in sources[:1] if quick else sources:  # each sample fitted into 1080p (one pass, no looping)
        kw = dict(min_duration_s=1, size=(1920, 1080), grain=3.0)
        big.append(_clips.loop_clip(src, _clips.looped_name(src, **kw), fps=30000 / 1001, **kw))
    return big[:2] if quick else big


def run(path: Path, max_side: int | None, model: str, end_s: float | None, jitter: bool = False,
        chunk: int = 60):
    """One pose pass. Returns (series, decode+resize cpu s, inference cpu s, inference wall s, frames).

    Frames are decoded in chunks and then inferred, so FFmpeg's decoding threads are (nearly) idle
    while inference is timed and the two CPU figures do not mix.
    """
    rng = np.random.default_rng(0)
    src = FileSource(path, max_side=max_side, end_s=end_s, prefetch=0)
    info = src.info
    t_dec = t_inf_cpu = t_inf_wall = 0.0
    times, idx, xys, worlds, viss = [], [], [], [], []
    scale = np.array((info.width, info.height), np.float32)
    with PoseEstimator(model) as est, src:
        it = iter(src)
        while True:
            c0 = time.process_time()
            frames = [fr for _, fr in zip(range(chunk), it)]
            t_dec += time.process_time() - c0
            if not frames:
                break
            for fr in frames:
                if jitter:  # +-1 grey level: the smallest change to the model's input
                    noise = rng.integers(-1, 2, fr.image.shape, dtype=np.int16)
                    fr.image = np.clip(fr.image + noise, 0, 255).astype(np.uint8)
            c1, w0 = time.process_time(), time.perf_counter()
            for fr in frames:
                xy, world, vis = est.detect(fr.image, fr.time_s)
                times.append(fr.time_s), idx.append(fr.index), xys.append(xy * scale), worlds.append(world)
                viss.append(vis)
            t_inf_wall += time.perf_counter() - w0
            t_inf_cpu += time.process_time() - c1
    series = PoseSeries(np.array(times), np.array(idx), np.stack(xys), np.stack(worlds), np.stack(viss),
                        (info.width, info.height), info.fps, {"model": model, "path": str(path)})
    return series, t_dec, t_inf_cpu, t_inf_wall, len(times)


def torso_px(s: PoseSeries) -> float:
    sh = (s.xy("left_shoulder") + s.xy("right_shoulder")) / 2
    hip = (s.xy("left_hip") + s.xy("right_hip")) / 2
    return float(np.nanmedian(np.linalg.norm(sh - hip, axis=1)))


def outcome(s: PoseSeries):
    from formcheck.pipeline import analyze_series

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            r = analyze_series(s)
        except Exception as exc:  # noqa: BLE001 - a failed analysis is a result here
            return None, str(exc)
    return len(r.assessed), np.array([ra.rep.tempo() for ra in r.assessed], float).reshape(-1, 4)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="two clips, first 4 s of each")
    ap.add_argument("--model", default="full")
    ap.add_argument("--sizes", default="960,720,640,480")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    _clips.print_machine()
    end_s = 4.0 if args.quick else None
    order = [None, JITTER, *sizes]
    rows: dict = {m: {"dec": 0.0, "cpu": 0.0, "wall": 0.0, "n": 0, "dist": [], "det": [],
                      "reps_ok": True, "dtempo": [], "notes": []} for m in order}
    for clip in clips(args.quick, max(sizes)):
        ref = None
        for m in order:
            _clips.log(f"{clip.name}: max_side {m or 'full'}")
            s, dec, cpu, wall, n = run(clip, None if m == JITTER else m, args.model, end_s, jitter=m == JITTER)
            r = rows[m]
            r["dec"] += dec; r["cpu"] += cpu; r["wall"] += wall; r["n"] += n
            r["det"].append(s.detection_rate)
            out = outcome(s)
            if m is None:
                ref, ref_out, torso = s, out, torso_px(s)
                continue
            d = np.linalg.norm(s.image_xy[:, KEY_IDX] - ref.image_xy[:, KEY_IDX], axis=2) / torso * 100
            r["dist"].append(d[np.isfinite(d)])
            if out[0] != ref_out[0]:
                r["reps_ok"] = False
                r["notes"].append(f"{clip.name}: {out[0]} reps vs {ref_out[0]}")
            elif out[0]:
                r["dtempo"].append(np.abs(out[1] - ref_out[1]))
    print(f"\nmodel {args.model}; landmark distance in % of torso length vs the full-size run\n")
    hdr = (f"{'max_side':>8} {'frames':>6} {'dec+resize':>10} {'infer cpu':>9} {'infer wall':>10} "
           f"{'lm med':>6} {'lm p95':>6} {'det':>5} {'reps':>5} {'tempo':>6}  verdict")
    print(hdr)
    print(f"{'':>8} {'':>6} {'ms/frame':>10} {'ms/frame':>9} {'ms/frame':>10} {'%':>6} {'%':>6} {'rate':>5} "
          f"{'same':>5} {'med s':>6}")
    floor = np.median(np.concatenate(rows[JITTER]["dist"])) if rows[JITTER]["dist"] else np.nan
    for m, r in rows.items():
        n = max(r["n"], 1)
        base = (f"{m or 'full':>8} {r['n']:>6} {r['dec'] / n * 1e3:>10.1f} {r['cpu'] / n * 1e3:>9.1f} "
                f"{r['wall'] / n * 1e3:>10.1f}")
        det = f"{np.mean(r['det']):.3f}"
        if m is None:
            print(f"{base} {'ref':>6} {'ref':>6} {det:>5} {'ref':>5} {'ref':>6}")
            continue
        dist = np.concatenate(r["dist"]) if r["dist"] else np.array([np.nan])
        med, p95 = np.median(dist), np.percentile(dist, 95)
        dt = np.concatenate(r["dtempo"]) if r["dtempo"] else np.zeros((0, 4))
        dtm = float(np.nanmax(np.nanmedian(dt, axis=0))) if len(dt) else 0.0
        ok = med <= FLOOR_FACTOR * floor and r["reps_ok"] and dtm <= TEMPO_TARGET
        verdict = "floor" if m == JITTER else ("PASS" if ok else "MISS")
        print(f"{base} {med:>6.2f} {p95:>6.2f} {det:>5} {'yes' if r['reps_ok'] else 'NO':>5} {dtm:>6.2f}  {verdict}")
        for note in r["notes"]:
            print(f"{'':>10}{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

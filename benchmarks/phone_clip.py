"""Phone clip: `formcheck analyze --out` (with the annotated video) on a 60 s portrait 1080x1920 60 fps clip.

Targets (issue 15): full model end to end >= 1.0x real time on 2 cores, lite >= 2x.

The clip is built once under .cache/bench (never committed) from the scripted lifter of the bundled
samples (the row_side_shrug preset of sample_videos/row_side.mp4, rendered at 60 fps in portrait
540x960), looped to 60 s, scaled to 1080x1920, with sensor-like grain, at a phone's bit rate (16 Mbit/s).
Two encodings of the same pictures:

- ``phone``: no B-frames (I and P only, a 1 s GOP), as phone camera encoders write H.264. Every
  picture is a reference, so every one must be decoded: the harder case for formcheck's decoder.
- ``x264``: x264's defaults (B-frames with a pyramid): about half the pictures are references only to
  no one, and formcheck does not decode those it does not analyse.

Runs, per encoding and model: ``python -m formcheck analyze CLIP --out DIR --model M`` as a subprocess
(wall time from spawn to exit, CPU of the child), real time = 60 s / wall. With ``--baseline`` also the
previous behaviour in-process (every frame analysed, the video at the source's size and rate), and the
rep count and tempo of the strided run against it (the stride must not change what is found).

    python benchmarks/phone_clip.py [--models full,lite] [--encodings phone,x264] [--baseline] [--repeats 1]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _clips  # noqa: E402

sys.path.insert(0, str(_clips.ROOT))

DURATION_S = 60.0
FPS = 60
SIZE = (1080, 1920)
BITRATE = 16_000_000
TARGET_RT = {"full": 1.0, "lite": 2.0}
ENCODINGS = {
    # No B-frames, GOP 60: what phone camera encoders write.
    "phone": {"bframes": "0", "keyint": "60", "min-keyint": "60", "scenecut": "0"},
    # x264's own defaults for the preset: B-frames with a pyramid.
    "x264": {},
}


def make_clip(encoding: str, grain: float = 4.0) -> Path:
    """The 60 s 1080x1920 60 fps clip for an encoding (built once into the cache)."""
    import av
    import numpy as np

    out = _clips.CACHE / f"phone_{encoding}_{SIZE[0]}x{SIZE[1]}_{FPS}fps_{DURATION_S:g}s_{BITRATE // 1_000_000}M.mp4"
    if out.exists():
        return out
    src = _clips.synthetic_clip("row_side_shrug", reps=6, fps=FPS, size=(SIZE[0] // 2, SIZE[1] // 2))
    _clips.log(f"making {out.name} from {src.name} ({encoding} encoding)")
    t0 = time.perf_counter()
    rng = np.random.default_rng(0)
    w, h = SIZE
    noise = [rng.normal(0, grain, (h * 3 // 2, w)).astype(np.int16) for _ in range(7)]
    n_total = int(DURATION_S * FPS)
    tmp = out.with_name(out.stem + ".part.mp4")
    rate = Fraction(FPS)
    with av.open(str(tmp), "w", options={"movflags": "+faststart"}) as dst:
        st = dst.add_stream("libx264", rate=rate)
        st.width, st.height, st.pix_fmt = w, h, "yuv420p"
        st.bit_rate = BITRATE
        params = ":".join(f"{k}={v}" for k, v in ENCODINGS[encoding].items())
        st.options = {"preset": "veryfast", **({"x264-params": params} if params else {})}
        st.thread_type = "AUTO"
        n = 0
        while n < n_total:
            with av.open(str(src)) as inp:
                for frame in inp.decode(video=0):
                    if n >= n_total:
                        break
                    yuv = frame.reformat(width=w, height=h, format="yuv420p", interpolation="BICUBIC").to_ndarray()
                    yuv = np.clip(yuv.astype(np.int16) + noise[n % len(noise)], 0, 255).astype(np.uint8)
                    f = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
                    f.pts, f.time_base = n, 1 / rate
                    for pkt in st.encode(f):
                        dst.mux(pkt)
                    n += 1
        for pkt in st.encode():
            dst.mux(pkt)
    tmp.replace(out)
    mbit = out.stat().st_size * 8 / DURATION_S / 1e6
    _clips.log(f"  done in {time.perf_counter() - t0:.0f} s ({out.stat().st_size / 1e6:.0f} MB, {mbit:.1f} Mbit/s)")
    return out


def run_cli(clip: Path, out: Path, model: str) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = _clips.run_cli(["analyze", str(clip), "--out", str(out), "--model", model])
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"formcheck analyze failed ({proc.returncode}): {proc.stderr.strip()[-800:]}")
    d = json.loads((out / "results.json").read_text())
    return {"wall": wall, "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
            "frames": d["video"]["frames"], "reps": d["rep_count"], "tempo": d["summary"]["tempo_average"],
            "mp4": (out / "annotated.mp4").stat().st_size / 1e6, "video": _video_info(out / "annotated.mp4")}


def _video_info(path: Path) -> str:
    import av

    with av.open(str(path)) as c:
        s = c.streams.video[0]
        return f"{s.width}x{s.height}@{float(s.average_rate):g}"


def baseline(clip: Path, out: Path, model: str) -> dict:
    """The previous behaviour in-process: every frame analysed, the video at the source's size and rate."""
    from formcheck.pipeline import analyze_series
    from formcheck.pose import estimate_video
    from formcheck.render.outputs import write_outputs

    c0 = time.process_time()
    t0 = time.perf_counter()
    series = estimate_video(clip, model=model, max_fps=0)
    result = analyze_series(series, options={"model": model})
    write_outputs(result, out, video=True, source=clip, video_size="source")
    d = result.to_dict()
    return {"wall": time.perf_counter() - t0, "cpu": time.process_time() - c0, "frames": len(series),
            "reps": d["rep_count"], "tempo": d["summary"]["tempo_average"], "video": _video_info(out / "annotated.mp4"),
            "mp4": (out / "annotated.mp4").stat().st_size / 1e6}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", default="full,lite")
    ap.add_argument("--encodings", default="phone,x264")
    ap.add_argument("--repeats", type=int, default=1, help="CLI runs per model and encoding (median reported)")
    ap.add_argument("--baseline", action="store_true", help="also every frame at the source size (slow)")
    args = ap.parse_args()
    machine = _clips.print_machine()
    models = [m for m in args.models.split(",") if m]
    rows = []
    for enc in [e for e in args.encodings.split(",") if e]:
        clip = make_clip(enc)
        for model in models:
            runs = []
            for _ in range(args.repeats):
                with tempfile.TemporaryDirectory(prefix="phone_clip_") as tmp:
                    runs.append(run_cli(clip, Path(tmp) / "out", model))
            wall = statistics.median(r["wall"] for r in runs)
            cpu = statistics.median(r["cpu"] for r in runs)
            r = runs[0]
            row = {"enc": enc, "model": model, "wall": wall, "cpu": cpu, "rt": DURATION_S / wall,
                   "cpu_rt": DURATION_S / (cpu / 2), "frames": r["frames"], "reps": r["reps"], "tempo": r["tempo"],
                   "video": r["video"], "mp4": r["mp4"]}
            if args.baseline:
                with tempfile.TemporaryDirectory(prefix="phone_clip_base_") as tmp:
                    row["base"] = baseline(clip, Path(tmp) / "out", model)
            rows.append(row)
            print(f"  {enc:5s} {model:5s} wall {wall:6.1f} s  cpu {cpu:6.1f} s  real time {row['rt']:.2f}x", flush=True)
    load = os.getloadavg()
    print(f"\nclip: {DURATION_S:g} s, {SIZE[0]}x{SIZE[1]} portrait, {FPS} fps, {BITRATE // 1_000_000} Mbit/s; "
          "formcheck analyze --out (annotated video, key frames, report)")
    print(f"{'encoding':8s} {'model':5s} {'frames':>6s} {'wall s':>7s} {'cpu s':>7s} {'RT':>6s} {'RT@2cpu':>8s} "
          f"{'target':>6s} {'video':>16s} {'mp4 MB':>6s}  verdict")
    for r in rows:
        target = TARGET_RT.get(r["model"], 0)
        verdict = "PASS" if r["rt"] >= target else "MISS"
        print(f"{r['enc']:8s} {r['model']:5s} {r['frames']:6d} {r['wall']:7.1f} {r['cpu']:7.1f} {r['rt']:5.2f}x "
              f"{r['cpu_rt']:7.2f}x {target:5.1f}x {r['video']:>16s} {r['mp4']:6.1f}  {verdict}")
    if args.baseline:
        print("\nagainst every frame at the source size (in-process, previous behaviour):")
        print(f"{'encoding':8s} {'model':5s} {'frames':>6s} {'wall s':>7s} {'cpu s':>7s} {'RT':>6s} {'speed-up':>8s} "
              f"{'cpu':>6s} {'video':>16s} {'reps stride/all':>15s}  tempo stride | every frame")
        for r in rows:
            b = r["base"]
            print(f"{r['enc']:8s} {r['model']:5s} {b['frames']:6d} {b['wall']:7.1f} {b['cpu']:7.1f} "
                  f"{DURATION_S / b['wall']:5.2f}x {b['wall'] / r['wall']:7.2f}x {b['cpu'] / r['cpu']:5.2f}x "
                  f"{b['video']:>16s} {r['reps']:>7d}/{b['reps']:<7d}  {r['tempo']} | {b['tempo']}")
    print("\nRT = video seconds per wall second; RT@2cpu = what the run's CPU time would allow with both cores to "
          f"itself. Load average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} (at start: {machine['loadavg']}; "
          "2 cores: above 2, other jobs competed for the CPU).")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""How much the annotated video adds to `formcheck analyze --out` (target: at most 1.25x the time without it).

    python benchmarks/render_overhead.py [CLIP ...] [--repeat 3] [--model full] [--real]

Runs the real CLI in a subprocess, alternating ``--no-video`` and video runs on the same clip, and prints
the median wall time and CPU time (user + sys of the child) of each, and their ratios. Both runs write
results.json, reps.csv, poses.npz, key frames, charts and report.html; the difference is the annotated
video (the full second decode pass, drawing and H.264 encoding) against grabbing the key frames by seeking.

A second, steadier measurement runs in-process: the analysis once (pose pass timed), then the outputs
with and without the video, each timed (wall and CPU of this process), so the pose pass's run-to-run
noise does not blur the difference.

Without CLIP, a synthetic side-view row (640x480, 30 fps, 4 reps) is rendered once into .cache/bench.
``--real`` adds the clips in ../shared/realworld when that folder exists (development only; never copied).
The CPU ratio is the steadier number on a shared machine: wall time depends on what else is running.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "bench"
REALWORLD = Path(os.environ.get("FORMCHECK_REALWORLD", ROOT.parent / "shared" / "realworld"))
TARGET = 1.25


def synthetic_clip(reps: int = 4, fps: float = 30.0, size: tuple[int, int] = (640, 480)) -> Path:
    """Render (once) a synthetic side-view row with shrugs and return its path."""
    out = CACHE / f"overhead_row_side_shrug_{reps}r_{fps:g}fps_{size[0]}x{size[1]}.mp4"
    if not out.exists():
        sys.path.insert(0, str(ROOT))
        from formcheck.synthetic import make_spec, render_clip

        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.stem + ".part.mp4")
        render_clip(make_spec("row_side_shrug", reps=reps, fps=fps, size=size), tmp)
        tmp.replace(out)
        for extra in (tmp.with_suffix(".json"),):
            if extra.exists():
                extra.replace(out.with_suffix(".json"))
    return out


def run_once(clip: Path, out: Path, *, video: bool, model: str) -> tuple[float, float]:
    """(wall s, child CPU s) of one `formcheck analyze CLIP --out OUT [--no-video]`."""
    cmd = [sys.executable, "-m", "formcheck", "analyze", str(clip), "--out", str(out), "--model", model]
    if not video:
        cmd.append("--no-video")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"formcheck failed on {clip.name} (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
    if video and not (out / "annotated.mp4").exists():
        raise SystemExit(f"no annotated.mp4 written for {clip.name}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def bench(clip: Path, repeat: int, model: str) -> dict:
    walls = {False: [], True: []}
    cpus = {False: [], True: []}
    with tempfile.TemporaryDirectory(prefix="fc_overhead_") as tmp:
        for i in range(repeat):
            # Alternate the order so a machine that speeds up or slows down over time does not favour one mode.
            for video in ((False, True) if i % 2 == 0 else (True, False)):
                w, c = run_once(clip, Path(tmp) / ("video" if video else "novideo"), video=video, model=model)
                walls[video].append(w)
                cpus[video].append(c)
        size = (Path(tmp) / "video" / "annotated.mp4").stat().st_size
    med = {k: (statistics.median(walls[k]), statistics.median(cpus[k])) for k in walls}
    return {"clip": clip, "no_video": med[False], "video": med[True], "mp4_bytes": size,
            "wall_ratio": med[True][0] / med[False][0], "cpu_ratio": med[True][1] / med[False][1]}


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def breakdown(clip: Path, model: str) -> dict:
    """In-process: (wall, cpu) of the analysis, of the outputs without video and of the outputs with video."""
    from formcheck.pipeline import analyze
    from formcheck.render.outputs import write_outputs

    t0, c0 = time.perf_counter(), _cpu()
    result = analyze(clip, model=model)
    t1, c1 = time.perf_counter(), _cpu()
    with tempfile.TemporaryDirectory(prefix="fc_overhead_") as tmp:
        write_outputs(result, Path(tmp) / "warm", video=False, source=clip)  # imports, chart engine start-up
        t2, c2 = time.perf_counter(), _cpu()
        write_outputs(result, Path(tmp) / "novideo", video=False, source=clip)
        t3, c3 = time.perf_counter(), _cpu()
        write_outputs(result, Path(tmp) / "video", video=True, source=clip)
        t4, c4 = time.perf_counter(), _cpu()
    return {"analyze": (t1 - t0, c1 - c0), "out_novideo": (t3 - t2, c3 - c2), "out_video": (t4 - t3, c4 - c3),
            "frames": len(result.series)}


def cli_table(clips: list[Path], repeat: int, model: str) -> None:
    """The literal measurement: `formcheck analyze --out` with and without the video, medians of repeat runs."""
    from formcheck.video import probe

    print(f"\nformcheck analyze --out, median of {repeat} runs per mode (wall s and child CPU s)")
    print(f"{'clip':44s} {'size':>10s} {'frames':>6s}  {'no-video s':>10s} {'video s':>8s} {'ratio':>6s}   "
          f"{'cpu no-vid':>10s} {'cpu vid':>8s} {'ratio':>6s}  {'mp4':>7s}")
    for clip in clips:
        info = probe(clip)
        r = bench(clip, repeat, model)
        flag = "ok" if r["cpu_ratio"] <= TARGET else "OVER"
        print(f"{clip.name[:44]:44s} {info.width:>4d}x{info.height:<5d} {info.frame_count:>6d}  "
              f"{r['no_video'][0]:>10.2f} {r['video'][0]:>8.2f} {r['wall_ratio']:>6.2f}   "
              f"{r['no_video'][1]:>10.2f} {r['video'][1]:>8.2f} {r['cpu_ratio']:>6.2f}  "
              f"{r['mp4_bytes'] / 1e6:>5.1f}MB  {flag}")


def breakdown_table(clips: list[Path], model: str) -> None:
    """The steadier measurement: one analysis, then the outputs with and without the video."""
    print("\nin-process: analysis once, then the outputs without and with the video (wall s / CPU s)")
    for clip in clips:
        b = breakdown(clip, model)
        a, nv, v = b["analyze"], b["out_novideo"], b["out_video"]
        ratio_wall = (a[0] + v[0]) / (a[0] + nv[0])
        ratio_cpu = (a[1] + v[1]) / (a[1] + nv[1])
        flag = "ok" if ratio_cpu <= TARGET else "OVER"
        print(f"{clip.name[:44]:44s} analyze {a[0]:6.2f}/{a[1]:6.2f}  outputs: no-video {nv[0]:5.2f}/{nv[1]:5.2f}  "
              f"video {v[0]:5.2f}/{v[1]:5.2f}  ratio wall {ratio_wall:.2f} cpu {ratio_cpu:.2f} {flag}  "
              f"(video: {1000 * (v[1] - nv[1]) / b['frames']:.1f} ms CPU/frame)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("clips", nargs="*", type=Path, help="video files (default: a synthetic 640x480 row)")
    ap.add_argument("--repeat", type=int, default=3, help="CLI runs per mode (median reported; default 3)")
    ap.add_argument("--model", default="full", help="pose model (default full)")
    ap.add_argument("--real", action="store_true", help="also the clips in ../shared/realworld, if present")
    ap.add_argument("--quick", action="store_true", help="only the in-process measurement (no CLI runs)")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    clips = list(args.clips) or [synthetic_clip()]
    if args.real:
        if REALWORLD.is_dir():
            clips += sorted(REALWORLD.glob("*.mp4"))
        else:
            print(f"(no real clips at {REALWORLD}: skipped)")
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, model {args.model}; "
          f"target: with video <= {TARGET:.2f}x without")
    if not args.quick:
        cli_table(clips, args.repeat, args.model)
    breakdown_table(clips, args.model)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Batch scaling: `formcheck batch` over 8 clips with 1 and 2 local workers and with Ray on a local runtime.

Prints wall time, clips per minute and the speed-up over one worker, and checks that every run gives the
same results as the single-worker run: the same summary rows (timings aside) and byte-identical
results.json for every clip; and that one clip's results.json is byte-identical to a plain
``formcheck analyze CLIP --out`` of it.

The 8 clips are the bundled samples (sample_videos/*.mp4, 640x480, 30 fps, ~14 s; scripted lifter)
copied under 8 names into .cache/bench/batch8 (each is analysed in full: copies are real work). Every
run writes to a fresh folder, with the annotated videos (the defaults).

    python benchmarks/batch_scaling.py [--clips 8] [--no-ray] [--workers 1,2]
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _clips  # noqa: E402


def make_inputs(n: int) -> Path:
    folder = _clips.CACHE / f"batch{n}"
    samples = _clips.sample_clips() or [_clips.synthetic_clip(size=(640, 480), fps=30.0)]
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        src = samples[i % len(samples)]
        dst = folder / f"client{i + 1:02d}_{src.stem}.mp4"
        if not dst.exists():
            shutil.copy(src, dst)
    return folder


def run(args: list[str]) -> tuple[float, float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = _clips.run_cli(args)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 2):
        raise SystemExit(f"formcheck {' '.join(args[:1])} failed ({proc.returncode}): {proc.stderr.strip()[-800:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), proc.returncode


def rows(out: Path) -> dict[str, dict]:
    with open(out / "summary.csv", newline="", encoding="utf-8") as f:
        out_rows = {r["clip"]: r for r in csv.DictReader(f)}
    for r in out_rows.values():
        r.pop("elapsed_s", None)
    return out_rows


def same_as(ref: Path, other: Path) -> str:
    """'yes' when summaries (timings aside) and every results.json match byte for byte, else what differs."""
    a, b = rows(ref), rows(other)
    if a != b:
        return "no (summary differs)"
    differ = [r["clip"] for r in a.values() if r["status"] == "ok"
              and (ref / r["folder"] / "results.json").read_bytes() != (other / r["folder"] / "results.json").read_bytes()]
    return "yes" if not differ else f"no (results.json of {', '.join(differ)})"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clips", type=int, default=8)
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--no-ray", action="store_true")
    args = ap.parse_args()
    machine = _clips.print_machine()
    folder = make_inputs(args.clips)
    clips = sorted(folder.glob("*.mp4"))
    video_s = 0.0
    from formcheck.video import probe

    for c in clips:
        video_s += probe(c).duration_s
    print(f"{len(clips)} clips, {video_s:.0f} s of video in all (640x480, 30 fps), annotated videos on\n", flush=True)
    configs = [(f"--workers {w}", ["--workers", w]) for w in args.workers.split(",")]
    if not args.no_ray:
        try:
            import ray  # noqa: F401

            configs.append(("--ray --workers 2", ["--ray", "--workers", "2"]))
        except ImportError:
            print("Ray is not installed (pip install 'formcheck[cluster]'): the Ray run is left out\n")
    results = []
    with tempfile.TemporaryDirectory(prefix="batch_scaling_") as tmp:
        tmp = Path(tmp)
        for i, (label, extra) in enumerate(configs):
            out = tmp / f"run{i}"
            wall, cpu, code = run(["batch", str(folder), "--out", str(out), *extra])
            results.append((label, out, wall, cpu, code))
            print(f"  {label:18s} {wall:6.1f} s", flush=True)
        ref = results[0][1]
        single = tmp / "single"
        first = rows(ref)[clips[0].name]
        run(["analyze", str(clips[0]), "--out", str(single)])
        single_same = (single / "results.json").read_bytes() == (ref / first["folder"] / "results.json").read_bytes()
        load = os.getloadavg()
        print(f"\n{'run':18s} {'wall s':>7s} {'cpu s':>7s} {'clips/min':>9s} {'speed-up':>8s} {'exit':>4s}  "
              "same results as --workers 1")
        for label, out, wall, cpu, code in results:
            print(f"{label:18s} {wall:7.1f} {cpu:7.1f} {len(clips) / wall * 60:9.1f} {results[0][2] / wall:7.2f}x "
                  f"{code:4d}  {'(reference)' if out == ref else same_as(ref, out)}")
        print(f"\nresults.json of {clips[0].name} from `formcheck analyze --out` byte-identical to the batch's: "
              f"{'yes' if single_same else 'NO'}")
    print(f"CPU s: the child's user+sys (Ray's own processes are not children of the CLI: its CPU is not counted). "
          f"Load average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} (at start: {machine['loadavg']}; "
          "2 cores: above 2, other jobs competed for the CPU).")
    return 0


if __name__ == "__main__":
    sys.exit(main())

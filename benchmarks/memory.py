"""Memory: peak RSS of `formcheck analyze` on a 10-minute clip against a 1-minute clip.

Frames are decoded, resized and passed to the pose model one at a time (a
few are queued ahead); only the landmarks are kept (~1 kB per frame), so the
peak resident memory should barely grow with the clip's length. Target: peak
RSS(10 min) / peak RSS(1 min) <= 1.5.

The clips are 640x480, made by looping a short clip (sample_videos/row_side.mp4,
else a synthetic side-view row) with a packet copy, so they cost nothing to
make; they live in .cache/bench and are never committed. The runs
use the *lite* model so the 10-minute run stays bearable on a 2-core machine
(the pose model's own memory is a constant; the model choice does not change
how memory grows with length). Each run is ``python -m formcheck analyze CLIP
--json --model lite`` in a subprocess; its peak RSS comes from os.wait4's
rusage for that one child (ru_maxrss). A run on the first 0.5 s gives the
fixed part (interpreter, libraries, model).

    python benchmarks/memory.py [--quick] [--model lite]

--quick compares a 3-minute clip with the 1-minute one instead (same target).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _clips  # noqa: E402

TARGET = 1.5


def peak_rss(clip: Path, model: str, end_s: float | None = None) -> dict:
    """Run formcheck analyze on clip; return its peak RSS (MB), wall s, CPU s and frames."""
    cmd = [_clips.PY, "-m", "formcheck", "analyze", str(clip), "--json", "--model", model]
    if end_s is not None:
        cmd += ["--end", str(end_s)]
    t0 = time.perf_counter()
    with tempfile.TemporaryFile("w+") as errf:
        proc = subprocess.Popen(cmd, cwd=_clips.ROOT, stdout=subprocess.PIPE, stderr=errf, text=True)
        out = proc.stdout.read()
        proc.stdout.close()
        _, status, ru = os.wait4(proc.pid, 0)  # reap this one child: its own rusage, its own ru_maxrss
        proc.returncode = os.waitstatus_to_exitcode(status)
        errf.seek(0)
        err = errf.read()
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"formcheck analyze {clip.name} failed ({proc.returncode}): {err.strip()[-800:]}")
    d = json.loads(out)
    return {"rss_mb": ru.ru_maxrss / 1024, "wall": wall, "cpu": ru.ru_utime + ru.ru_stime,
            "frames": d["video"]["frames"], "reps": d["rep_count"]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="3-minute clip instead of 10")
    ap.add_argument("--model", default="lite")
    args = ap.parse_args()
    long_min = 3 if args.quick else 10
    base = _clips.base_clip(size=(640, 480), fps=30000 / 1001)
    one = _clips.loop_clip(base, _clips.looped_name(base, 60), min_duration_s=60)
    long = _clips.loop_clip(base, _clips.looped_name(base, 60 * long_min), min_duration_s=60 * long_min)
    _clips.print_machine()
    from formcheck.video import probe

    rows = []
    for label, clip, end in (("fixed (first 0.5 s)", one, 0.5), ("1 min", one, None), (f"{long_min} min", long, None)):
        info = probe(clip)
        _clips.log(f"{label}: {clip.name}")
        r = peak_rss(clip, args.model, end)
        r.update(label=label, duration=min(info.duration_s, end or info.duration_s))
        rows.append(r)
    print(f"\nmodel {args.model}; clips {probe(one).width}x{probe(one).height} @ {probe(one).fps:.2f} fps")
    print(f"{'run':>20} {'video s':>8} {'frames':>7} {'peak RSS MB':>11} {'wall s':>7} {'CPU s':>6} {'reps':>5}")
    for r in rows:
        print(f"{r['label']:>20} {r['duration']:>8.1f} {r['frames']:>7} {r['rss_mb']:>11.0f} {r['wall']:>7.0f} "
              f"{r['cpu']:>6.0f} {r['reps']:>5}")
    fixed, short, longr = rows
    ratio = longr["rss_mb"] / short["rss_mb"]
    per_min = (longr["rss_mb"] - short["rss_mb"]) / ((longr["duration"] - short["duration"]) / 60)
    print(f"\npeak RSS {long_min} min / 1 min = {ratio:.2f} (target <= {TARGET}): {'PASS' if ratio <= TARGET else 'MISS'}")
    print(f"growth: {per_min:.1f} MB per extra minute of video; fixed part {fixed['rss_mb']:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

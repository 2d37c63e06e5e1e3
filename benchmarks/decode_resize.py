"""Decode and resize cost per frame: how formcheck turns a 1080p frame into a 960-px RGB array.

Decodes the first N frames of each clip once, then times (process CPU, best
of several interleaved repeats) the ways of getting the resized RGB frame
that formcheck.video has used:

- ``to_ndarray(width=, height=, format="rgb24")`` per frame (the first
  version): PyAV builds a new swscale context, with its own thread pool, for
  every frame;
- one reusable single-threaded scaler, scale+convert in one call;
- one reusable scaler resizing in YUV 4:2:0, then converting the small frame
  to RGB (what formcheck.video does now);

and, for scale, decoding alone (FFmpeg frame threads, as formcheck sets it)
and a full-size RGB conversion with no resize. There is no target: the table
says what each step costs and how much the current path saves.

    python benchmarks/decode_resize.py [--quick] [--frames 120]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _clips  # noqa: E402

sys.path.insert(0, str(_clips.ROOT))


def main() -> int:
    import av
    from av.video.reformatter import VideoReformatter

    from formcheck.pose import DEFAULT_MAX_SIDE
    from formcheck.video import inference_size

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="the synthetic clip only, 60 frames")
    ap.add_argument("--frames", type=int, default=120)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    n = 60 if args.quick else args.frames
    from throughput import make_clip

    clips = [make_clip()]
    if not args.quick and _clips.REALWORLD.is_dir():
        clips += sorted(p for p in _clips.REALWORLD.glob("*.mp4"))
    _clips.print_machine()
    print(f"\nCPU ms per frame (best of {args.repeats}), resizing to a long side of {DEFAULT_MAX_SIDE} px")
    print(f"{'clip':<44} {'size':>9} {'decode':>6} {'per-frame':>9} {'reused':>6} {'yuv then':>8} {'saved':>5} "
          f"{'full-size':>9}")
    print(f"{'':<44} {'':>9} {'':>6} {'ctx':>9} {'1-step':>6} {'rgb (now)':>8} {'':>5} {'rgb only':>9}")
    for clip in clips:
        with av.open(str(clip)) as c:
            s = c.streams.video[0]
            s.thread_type = "AUTO"
            t0 = time.process_time()
            frames = list(itertools.islice(c.decode(s), n))
            decode = (time.process_time() - t0) / len(frames) * 1e3
        w, h = inference_size(frames[0].width, frames[0].height, DEFAULT_MAX_SIDE)
        one, yuv, rgb, full = VideoReformatter(), VideoReformatter(), VideoReformatter(), VideoReformatter()
        ways = {
            "per-frame": lambda f: f.to_ndarray(width=w, height=h, format="rgb24"),
            "one-step": lambda f: one.reformat(f, w, h, "rgb24", threads=1).to_ndarray(),
            "two-step": lambda f: rgb.reformat(yuv.reformat(f, w, h, "yuv420p", dst_color_range=f.color_range,
                                                            threads=1), w, h, "rgb24", threads=1).to_ndarray(),
            "full": lambda f: full.reformat(f, None, None, "rgb24", threads=1).to_ndarray(),
        }
        best = {k: float("inf") for k in ways}
        for _ in range(args.repeats):
            for k, fn in ways.items():
                t0 = time.process_time()
                for f in frames:
                    fn(f)
                best[k] = min(best[k], (time.process_time() - t0) / len(frames) * 1e3)
        saved = best["per-frame"] - best["two-step"]
        print(f"{clip.stem[:44]:<44} {frames[0].width:>4}x{frames[0].height:<4} {decode:>6.1f} {best['per-frame']:>9.2f} "
              f"{best['one-step']:>6.2f} {best['two-step']:>8.2f} {saved:>5.2f} {best['full']:>9.2f}")
        del frames
    return 0


if __name__ == "__main__":
    sys.exit(main())

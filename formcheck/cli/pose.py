"""``formcheck pose``: run the pose model over a video and save the landmarks."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from ..errors import FormcheckError, OptionError
from .options import check_time_range, check_writable_dir, model_arg, seconds


def add_parser(sub) -> None:
    p = sub.add_parser("pose", help="extract pose landmarks from a video to a .npz file",
                       description="Run the pose model over a video and save the landmarks (PoseSeries .npz).")
    p.add_argument("video", help="video file (mp4, mov, m4v, avi, webm, mkv, animated gif)")
    p.add_argument("-o", "--output", default=None, help="output .npz (default: VIDEO name + .poses.npz)")
    p.add_argument("--model", type=model_arg, default="full", help="lite | full | heavy | path.task (default full)")
    p.add_argument("--start", type=seconds, default=None, help="start time in seconds")
    p.add_argument("--end", type=seconds, default=None, help="end time in seconds")
    p.set_defaults(func=cmd_pose)


def cmd_pose(args) -> int:
    from ..pose import estimate_video
    from ..progress import ProgressBar

    check_time_range(args.start, args.end)
    out = Path(args.output) if args.output else Path(args.video).with_suffix(".poses.npz")
    if out.is_dir():
        raise OptionError(f"'{out}' is a folder; give a file name for the poses, e.g. {out / 'poses.npz'}.")
    check_writable_dir(out.parent, "the poses file", out)
    bar = ProgressBar("pose")
    t0 = time.perf_counter()
    try:
        series = estimate_video(args.video, model=args.model, start_s=args.start, end_s=args.end, progress=bar)
    finally:
        bar.finish()
    elapsed = time.perf_counter() - t0
    if len(series) == 0:
        raise FormcheckError("No frames were read in the chosen time range. Check --start/--end against the video's length.")
    path = series.save(out)
    span = series.times_s[-1] - series.times_s[0] + 1.0 / series.fps
    print(f"{len(series)} frames ({span:.1f} s of video), person found in {series.detection_rate:.0%} of frames, "
          f"{len(series) / elapsed:.1f} frames/s ({span / elapsed:.2f}x real time) -> {path}")
    problems = series.source.get("decode_problems")
    if problems:
        from ..damage import describe

        print(f"warning: {describe(problems, float(series.times_s[0]))}", file=sys.stderr)
    if series.detection_rate < 0.5:
        print("warning: the lifter was found in under half the frames; film with the whole body in view "
              "and good light.", file=sys.stderr)
    return 0

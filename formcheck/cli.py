"""Command line: ``formcheck pose|analyze|synth|live|models``.

The only module that calls sys.exit. User errors (FormcheckError) print one
clear message on stderr and exit 2; nothing prints a traceback unless
``--debug`` is given.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from .errors import FormcheckError, OptionError

log = logging.getLogger("formcheck")


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad options as one readable line (exit 2) like our own errors."""

    def error(self, message: str):  # noqa: D401
        self.print_usage(sys.stderr)
        self.exit(2, f"formcheck: error: {message}\nRun '{self.prog} --help' for the options.\n")


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got '{text}'") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more seconds, got {text}")
    return value


def _model_arg(text: str) -> str:
    from .pose import MODELS

    if text in MODELS or text.endswith(".task"):
        return text
    raise argparse.ArgumentTypeError(f"expected one of {', '.join(MODELS)} or a path to a .task file, got '{text}'")


def _add_pose(sub) -> None:
    p = sub.add_parser("pose", help="extract pose landmarks from a video to a .npz file",
                       description="Run the pose model over a video and save the landmarks (PoseSeries .npz).")
    p.add_argument("video", help="video file (mp4, mov, m4v, avi, webm, mkv)")
    p.add_argument("-o", "--output", default=None, help="output .npz (default: VIDEO name + .poses.npz)")
    p.add_argument("--model", type=_model_arg, default="full", help="lite | full | heavy | path.task (default full)")
    p.add_argument("--start", type=_seconds, default=None, help="start time in seconds")
    p.add_argument("--end", type=_seconds, default=None, help="end time in seconds")
    p.set_defaults(func=cmd_pose)


def cmd_pose(args) -> int:
    from .pose import estimate_video
    from .progress import ProgressBar

    out = Path(args.output) if args.output else Path(args.video).with_suffix(".poses.npz")
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
    if series.detection_rate < 0.5:
        print("warning: the lifter was found in under half the frames; film with the whole body in view "
              "and good light.", file=sys.stderr)
    return 0


def _add_models(sub) -> None:
    p = sub.add_parser("models", help="list the bundled pose models and check their checksums")
    p.set_defaults(func=cmd_models)


def cmd_models(args) -> int:
    from .pose import MODELS, models_dir, resolve_model

    ok = True
    for name, spec in MODELS.items():
        try:
            path = resolve_model(name)
            status = f"ok  {path.stat().st_size / 1e6:5.1f} MB  ~{spec.ms_per_frame} ms/frame"
        except FormcheckError as exc:
            ok, status = False, f"PROBLEM: {exc}"
        print(f"{name:6s} {status}")
    print(f"folder: {models_dir()}")
    return 0 if ok else 2


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="formcheck", description="Form checker for rows and shrugs: reps, tempo, "
                     "scapular retraction, shrug compensation.")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks and debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    _add_pose(sub)
    _add_models(sub)
    for module in ("formcheck.synthetic.cli",):
        try:
            mod = __import__(module, fromlist=["add_parser"])
        except ImportError as exc:  # optional pieces still being built must not break the CLI
            log.debug("sub-command module %s unavailable: %s", module, exc)
            continue
        mod.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING,
                        format="%(levelname)s: %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        sys.exit(2)
    try:
        code = args.func(args)
    except FormcheckError as exc:
        if args.debug:
            raise
        print(f"formcheck: {exc}", file=sys.stderr)
        code = 2
    except KeyboardInterrupt:
        print("formcheck: interrupted.", file=sys.stderr)
        code = 130
    except BrokenPipeError:
        code = 0
    except MemoryError:
        print("formcheck: ran out of memory. Trim the video with --start/--end or use a shorter clip.",
              file=sys.stderr)
        code = 1
    except Exception as exc:  # a bug of ours: say so plainly, no traceback unless --debug
        if args.debug:
            raise
        print(f"formcheck: internal error ({exc.__class__.__name__}: {exc}). Re-run with --debug and report it.",
              file=sys.stderr)
        code = 1
    sys.exit(code)


if __name__ == "__main__":
    main()

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


def _check_writable_dir(folder: Path, what: str, target: Path | None = None) -> None:
    """Fail before the slow pose pass if results could not be saved."""
    probe = folder
    while not probe.exists():
        probe = probe.parent
    import os

    if not probe.is_dir() or not os.access(probe, os.W_OK):
        raise OptionError(f"Cannot write {what} to '{target or folder}' ('{probe}' is not a writable folder). "
                          "Choose another output path.")
    # Permissions can say yes where the file system says no (read-only mounts, /proc): try it for real.
    import tempfile

    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise OptionError(f"Cannot write {what} to '{target or folder}' ({exc.strerror or exc}). "
                          "Choose another output path.") from None


def cmd_pose(args) -> int:
    from .pose import estimate_video
    from .progress import ProgressBar

    out = Path(args.output) if args.output else Path(args.video).with_suffix(".poses.npz")
    if out.is_dir():
        raise OptionError(f"'{out}' is a folder; give a file name for the poses, e.g. {out / 'poses.npz'}.")
    _check_writable_dir(out.parent, "the poses file", out)
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


def _add_analyze(sub) -> None:
    from .kinematics import EXERCISES, VIEWS

    p = sub.add_parser("analyze", help="analyse a row or shrug set: reps, tempo, faults and cues",
                       description="Analyse a set from a video (or a poses .npz from 'formcheck pose').")
    p.add_argument("video", help="video file (mp4, mov, m4v, avi, webm, mkv) or poses .npz")
    p.add_argument("--exercise", default="auto", choices=["auto", *EXERCISES], metavar="NAME",
                   help="auto (default) or one of: " + ", ".join(EXERCISES))
    p.add_argument("--view", default="auto", choices=["auto", *VIEWS], metavar="VIEW",
                   help="camera view: auto (default), side, front, rear, oblique")
    p.add_argument("--tempo", default=None, help="target tempo eccentric-pause-concentric-hold, e.g. 3-0-1-1")
    p.add_argument("--model", type=_model_arg, default="full", help="lite | full | heavy | path.task (default full)")
    p.add_argument("--start", type=_seconds, default=None, help="start time in seconds")
    p.add_argument("--end", type=_seconds, default=None, help="end time in seconds")
    p.add_argument("--profile", default=None, help="JSON file overriding thresholds (see formcheck/profiles)")
    p.add_argument("--json", action="store_true", help="print only the JSON result on stdout")
    p.add_argument("--out", default=None, help="folder for results.json, reps.csv, poses.npz, report and video")
    p.add_argument("--no-video", action="store_true", help="with --out: skip the annotated video (faster)")
    p.set_defaults(func=cmd_analyze)


def _fmt(v, nd=1, unit=""):
    return "-" if v is None else f"{v:.{nd}f}{unit}"


def print_report(result, stream=None) -> None:
    """The human-readable summary: header, per-rep table, cues, what could not be measured."""
    stream = stream or sys.stdout
    d = result.to_dict()
    s = d["summary"]
    w = stream.write
    w(f"{d['exercise_name']} seen from the {d['view']} ({d['exercise_source']}; view {d['view_source']})\n")
    w(f"{d['rep_count']} reps   tempo avg {s['tempo_average_str']} (target {s['tempo_target_str']}, "
      f"eccentric-pause-concentric-hold, s)   {s['clean_reps']} clean\n\n")
    if d["reps"]:
        w(f"{'rep':>3}  {'start':>6}  {'tempo':>15}  faults\n")
        for r in d["reps"]:
            w(f"{r['index']:>3}  {r['start_s']:>5.1f}s  {r['tempo']:>15}  {', '.join(r['faults']) or 'ok'}\n")
        w("\n")
    for c in d["cues"]:
        w(f"* {c['text']}\n")
    missing = [f"{k}: {v['why']}" for k, v in d["measurable"].items() if not v["measurable"]]
    if missing:
        w("\nNot measured from this view:\n" + "".join(f"  - {m}\n" for m in missing))
    for msg in d["warnings"]:
        w(f"note: {msg}\n")


def cmd_analyze(args) -> int:
    import json as _json

    from .analysis import analyze
    from .progress import ProgressBar

    if args.out:
        _check_writable_dir(Path(args.out), "the results")
    bar = ProgressBar("pose")
    try:
        result = analyze(args.video, exercise=args.exercise, view=args.view, tempo=args.tempo, model=args.model,
                         start_s=args.start, end_s=args.end, profile=args.profile,
                         progress=None if args.json and not sys.stderr.isatty() else bar)
    finally:
        bar.finish()
    written, write_error = {}, None
    if args.out:
        from . import outputs

        try:
            written = outputs.write_outputs(result, args.out, video=not args.no_video,
                                            source=None if str(args.video).endswith(".npz") else args.video)
        except OSError as exc:  # e.g. the disk filled up: still show the finished analysis
            write_error = exc
    if args.json:
        sys.stdout.write(result.to_json() + "\n")
    else:
        print_report(result)
        if written:
            print(f"\nwrote {', '.join(sorted(p.name for p in written.values()))} to {args.out}")
    if write_error is not None:
        raise FormcheckError(f"The analysis finished (shown above) but writing to '{args.out}' failed "
                             f"({write_error.strerror or write_error}). Free some disk space or choose another "
                             "--out, then run again.")
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
    _add_analyze(sub)
    _add_pose(sub)
    _add_models(sub)
    for module in ("formcheck.live_cli", "formcheck.synthetic.cli"):
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

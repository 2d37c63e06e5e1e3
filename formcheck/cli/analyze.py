"""``formcheck analyze``: reps, tempo, faults and cues for one set; the printed report."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import FormcheckError
from .options import add_analysis_options, check_time_range, check_writable_dir, fps_arg


def add_parser(sub) -> None:

    p = sub.add_parser("analyze", help="analyse a row or shrug set: reps, tempo, faults and cues",
                       description="Analyse a set from a video (or a poses .npz from 'formcheck pose').")
    p.add_argument("video", help="video file (mp4, mov, m4v, avi, webm, mkv, animated gif) or poses .npz")
    add_analysis_options(p)
    p.add_argument("--json", action="store_true", help="print only the JSON result on stdout")
    p.add_argument("--out", default=None, help="folder for results.json, reps.csv, poses.npz, report and video")
    p.add_argument("--no-video", action="store_true", help="with --out: skip the annotated video (faster)")
    p.add_argument("--video-size", default="720p", choices=["720p", "1080p", "source"],
                   help="annotated video size: 720p (default, at most 30 fps), 1080p, or source (original size "
                        "and every analysed frame)")
    p.add_argument("--max-fps", type=fps_arg, default=30.0, metavar="FPS",
                   help="analyse at most this many frames per second (default 30; 0: every frame)")
    p.set_defaults(func=cmd_analyze)


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def print_report(result, stream=None) -> None:
    """The human-readable summary: the verdict, a per-rep table, cues, what could not be measured."""
    from ..analysis.capabilities import CAPABILITIES
    from ..analysis.faults import FAULTS

    stream = stream or sys.stdout
    d = result.to_dict()
    s, tempo = d["summary"], d["summary"]["tempo"]
    w = stream.write
    w(f"{d['exercise_name']} seen from the {d['view']} ({d['exercise_source']}; view {d['view_source']})\n")
    if d.get("exercise_unsure"):
        names = [c["name"] for c in d["exercise_candidates"]]
        names = ", ".join(names[:-1]) + " or " + names[-1]
        opts = " or ".join(f"--exercise {c['exercise']}" for c in d["exercise_candidates"])
        w(f"Not sure which exercise this is ({names}): faults that depend on it are left out. "
          f"Say which with {opts}.\n")
    if d.get("set_window") and d["set_window"].get("text"):
        w(f"{d['set_window']['text']}\n")
    w(f"\n{s['verdict']}\n\n")
    target = f"target {tempo['target_str']}" if tempo["target_str"] else "no target set"
    steady = {True: ", steady", False: ", uneven", None: ""}[tempo["steady"]]
    w(f"{plural(d['rep_count'], 'rep')}   tempo avg {tempo['average_str']} ({target}{steady}; "
      f"eccentric-pause-concentric-hold, s)   {s['clean_reps']} of {s['judged_reps']} clean\n\n")
    if d["reps"]:
        w(f"{'rep':>3}  {'start':>6}  {'tempo':>15}  faults\n")
        for r in d["reps"]:
            faults = ", ".join(FAULTS[f].short if f in FAULTS else f for f in r["faults"]) or "clean"
            if r["checks"]:
                faults += f" (check: {', '.join(FAULTS[f].short if f in FAULTS else f for f in r['checks'])})"
            if r["partial"]:
                faults = f"not judged: {r['partial']}"
            w(f"{r['index']:>3}  {r['start_s']:>5.1f}s  {r['tempo']:>15}  {faults}\n")
        w("\n")
    for c in d["cues"]:
        w(f"* {c['text']}\n")
    missing = [f"{CAPABILITIES[k].words if k in CAPABILITIES else k}: {v['why']}"
               for k, v in d["measurable"].items() if not v["measurable"]]
    if missing:
        w("\nNot measured from this view:\n" + "".join(f"  - {m}\n" for m in missing))
    for msg in d["warnings"]:
        w(f"note: {msg}\n")


def cmd_analyze(args) -> int:

    from ..pipeline import analyze
    from ..progress import ProgressBar

    check_time_range(args.start, args.end)
    if args.out:
        from ..render.outputs import check_output_folder

        check_writable_dir(Path(args.out), "the results")
        check_output_folder(args.out, [args.video])  # before the slow pose pass: never write over the input
    bar = ProgressBar("pose")
    try:
        result = analyze(args.video, exercise=args.exercise, view=args.view, tempo=args.tempo, model=args.model,
                         start_s=args.start, end_s=args.end, profile=args.profile, max_fps=args.max_fps or None,
                         progress=None if args.json and not sys.stderr.isatty() else bar)
    finally:
        bar.finish()
    written, write_error = {}, None
    if args.out:
        from ..render import outputs

        try:
            written = outputs.write_outputs(result, args.out, video=not args.no_video, video_size=args.video_size,
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

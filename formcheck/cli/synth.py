"""``formcheck synth``: render a scripted synthetic lifter clip (MP4) with its truth JSON.

Examples::

    formcheck synth --list
    formcheck synth --preset row_side_shrug -o out/row.mp4
    formcheck synth --preset shrug_front -o s.mp4 --reps 4 --tempo 2-0-1-2 --fps 29.97 --size 640x360

Units: tempo in seconds (eccentric-pause-concentric-hold), fps in frames per
second (float), size in pixels, noise as a pixel std (0-255), shake in pixels.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from ..errors import OptionError

log = logging.getLogger(__name__)


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``synth`` sub-command on an argparse subparsers object; returns its parser."""
    p = subparsers.add_parser(
        "synth", help="render a synthetic lifter clip with exact ground truth",
        description="Render a scripted lifter (drawn with OpenCV/numpy) doing rows or shrugs, as an H.264 MP4, "
                    "with the ground truth (rep times, phases, faults, joint pixels) in a JSON file beside it.")
    p.add_argument("--preset", default=None, help="preset name (see --list)")
    p.add_argument("-o", "--output", default=None, help="output .mp4 (the truth goes to the same name .json)")
    p.add_argument("--reps", default=None, help="number of reps (1-50)")
    p.add_argument("--tempo", default=None, help="target tempo eccentric-pause-concentric-hold in s, e.g. 3-0-1-1")
    p.add_argument("--fps", default=None, help="frame rate, e.g. 30 or 29.97")
    p.add_argument("--size", default=None, help="WIDTHxHEIGHT in pixels, e.g. 640x480")
    p.add_argument("--view", default=None, help="side | front | rear | oblique")
    p.add_argument("--facing", default=None, help="left | right: where the lifter faces in side/oblique views")
    p.add_argument("--seed", default=None, help="random seed for noise and shake (integer)")
    p.add_argument("--noise", default=None, help="Gaussian pixel noise std, 0-60 (default 0)")
    p.add_argument("--shake", default=None, help="camera shake std in pixels, 0-40 (default 0)")
    p.add_argument("--setup-motion", action="store_true", help="start standing tall and move into position")
    p.add_argument("--list", action="store_true", help="list the presets and exit")
    p.set_defaults(func=run)
    return p


def _number(name: str, text, kind=float):
    if text is None:
        return None
    try:
        return kind(text)
    except (TypeError, ValueError):
        what = "a whole number" if kind is int else "a number"
        raise OptionError(f"--{name} must be {what}, got '{text}'.") from None


def run(args, stream=None) -> int:
    """Execute ``formcheck synth`` for parsed args; returns the exit code (0 on success).

    Raises:
        OptionError: a missing or bad option (the caller prints the message).
    """
    from ..synthetic.clip import list_presets, make_spec, parse_size, render_clip

    out = stream or sys.stdout
    if args.list:
        rows = list_presets()
        width = max(len(n) for n, _ in rows)
        for name, desc in rows:
            out.write(f"{name:<{width}}  {desc}\n")
        return 0
    if not args.preset:
        raise OptionError("--preset is required (see 'formcheck synth --list' for the names).")
    if not args.output:
        raise OptionError("-o/--output is required: the .mp4 file to write, e.g. -o clip.mp4.")
    target = Path(args.output)
    if target.suffix.lower() != ".mp4":
        raise OptionError(f"-o must name an .mp4 file, got '{args.output}'.")
    if target.is_dir():
        raise OptionError(f"'{target}' is a folder; give a file name such as {target / 'clip.mp4'}.")
    overrides = dict(
        reps=_number("reps", args.reps, int),
        tempo=args.tempo,
        fps=_number("fps", args.fps),
        size=parse_size(args.size) if args.size else None,
        view=args.view,
        facing=args.facing,
        seed=_number("seed", args.seed, int),
        noise=_number("noise", args.noise),
        shake=_number("shake", args.shake),
        setup_motion=True if args.setup_motion else None,
    )
    spec = make_spec(args.preset, **overrides)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OptionError(f"cannot create the folder for '{target}': {exc.strerror}. Choose another path.") from None
    truth = render_clip(spec, target)
    faults = sum(1 for r in truth["reps"] if r["faults"])
    out.write(f"wrote {target} ({truth['frame_count']} frames, {truth['duration_s']:.2f} s at {truth['fps']:g} fps, "
              f"{truth['width']}x{truth['height']}) and {target.with_suffix('.json')} "
              f"({len(truth['reps'])} rep{'' if len(truth['reps']) == 1 else 's'}, {faults} with scripted faults)\n")
    return 0

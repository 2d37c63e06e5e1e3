"""Option types shared by the sub-commands: seconds, model names, output folders."""

from __future__ import annotations

import argparse
import math
import os
import tempfile
from pathlib import Path

from ..errors import OptionError


def seconds(text: str) -> float:
    """A time in seconds on the video's clock: a finite number, 0 or more (argparse type)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got '{text}'") from None
    if not math.isfinite(value):  # float() accepts 'nan', 'inf' and '1e400'
        raise argparse.ArgumentTypeError(f"expected a number of seconds such as 12.5, got '{text}'")
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more seconds, got {text}")
    return value


def camera_index(text: str) -> int:
    """A camera number: a whole number, 0 or more (argparse type)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a camera number such as 0 or 1, got '{text}'") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more, got {text}")
    return value


def check_time_range(start_s: float | None, end_s: float | None) -> None:
    """--end must come after --start (checked here too, so a poses .npz gets the same message as a video)."""
    if start_s is not None and end_s is not None and end_s <= start_s:
        raise OptionError(f"--end ({end_s:g} s) must come after --start ({start_s:g} s).")


def model_arg(text: str) -> str:
    from ..pose import MODELS

    if text in MODELS or text.endswith(".task"):
        return text
    raise argparse.ArgumentTypeError(f"expected one of {', '.join(MODELS)} or a path to a .task file, got '{text}'")


def check_writable_dir(folder: Path, what: str, target: Path | None = None) -> None:
    """Fail before the slow pose pass if results could not be saved."""
    probe = folder
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK):
        raise OptionError(f"Cannot write {what} to '{target or folder}' ('{probe}' is not a writable folder). "
                          "Choose another output path.")
    # Permissions can say yes where the file system says no (read-only mounts, /proc): try it for real.
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise OptionError(f"Cannot write {what} to '{target or folder}' ({exc.strerror or exc}). "
                          "Choose another output path.") from None


def fps_arg(text: str) -> float:
    """--max-fps: frames per second, 0 for every frame."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of frames per second, got '{text}'") from None
    if not value >= 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected 0 (every frame) or more frames per second, got {text}")
    return value


def add_analysis_options(p: argparse.ArgumentParser, every: str = "") -> None:
    """The options that say how a set is analysed, shared by ``analyze`` and ``batch`` (``every``: a note
    added to the time options' help, e.g. " (every clip)")."""
    from ..analysis.capabilities import EXERCISES, VIEWS

    p.add_argument("--exercise", default="auto", choices=["auto", *EXERCISES], metavar="NAME",
                   help="auto (default) or one of: " + ", ".join(EXERCISES))
    p.add_argument("--view", default="auto", choices=["auto", *VIEWS], metavar="VIEW",
                   help="camera view: auto (default), side, front, rear, oblique")
    p.add_argument("--tempo", default=None, help="target tempo eccentric-pause-concentric-hold, e.g. 3-0-1-1")
    p.add_argument("--model", type=model_arg, default="full", help="lite | full | heavy | path.task (default full)")
    p.add_argument("--start", type=seconds, default=None, help=f"start time in seconds{every}")
    p.add_argument("--end", type=seconds, default=None, help=f"end time in seconds{every}")
    p.add_argument("--profile", default=None, help="JSON file overriding thresholds (see formcheck/profiles)")

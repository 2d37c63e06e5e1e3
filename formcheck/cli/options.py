"""Option types shared by the sub-commands: seconds, model names, output folders."""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from ..errors import OptionError


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got '{text}'") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more seconds, got {text}")
    return value


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

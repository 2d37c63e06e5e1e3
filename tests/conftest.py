"""Shared test helpers: synthetic videos written with PyAV, and a CLI runner.

Kept small and generic on purpose; module-specific helpers live in their test files.
"""

from __future__ import annotations

import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pytest

REPO = Path(__file__).resolve().parent.parent


def gray_frame(i: int, width: int, height: int) -> np.ndarray:
    """A flat grey RGB frame whose level encodes the frame number i (16 + 4*i mod 224)."""
    return np.full((height, width, 3), gray_level(i), np.uint8)


def gray_level(i: int) -> int:
    return 16 + (4 * i) % 224


def write_video(path: str | Path, *, n_frames: int = 10, fps: float | Fraction = 30,
                size: tuple[int, int] = (64, 48), pts_ms: Sequence[int] | None = None,
                rotation_ccw: int | None = None, gop: int | None = None,
                frame_fn: Callable[[int, int, int], np.ndarray] = gray_frame,
                codec: str = "libx264") -> Path:
    """Write a small test video with PyAV and return its path.

    Args:
        path: output file; the container is chosen from its extension.
        n_frames: number of frames (ignored when pts_ms is given: one frame per entry).
        fps: nominal frame rate (an exact Fraction for NTSC rates, e.g. Fraction(30000, 1001)).
        size: stored (width, height) in pixels; even numbers for yuv420p.
        pts_ms: explicit presentation times in ms (variable frame rate); None for constant rate.
        rotation_ccw: display-matrix rotation in degrees counter-clockwise (as PyAV reports
            ``frame.rotation``); a phone portrait clip is -90 (display = stored turned 90 deg clockwise).
        gop: keyframe interval (small values make seeking land on keyframes after 0).
        frame_fn: frame_fn(i, width, height) -> (height, width, 3) uint8 RGB image.
        codec: encoder name.
    """
    import av

    path = Path(path)
    w, h = size
    rate = Fraction(fps).limit_denominator(1001) if not isinstance(fps, Fraction) else fps
    container = av.open(str(path), mode="w")
    stream = container.add_stream(codec, rate=rate)
    stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
    if gop:
        stream.codec_context.gop_size = gop
    if pts_ms is not None:
        tb = Fraction(1, 1000)
        stream.codec_context.time_base = tb
        pts = list(pts_ms)
    else:
        tb = 1 / rate
        pts = list(range(n_frames))
    if rotation_ccw is not None:
        stream.set_display_rotation(rotation_ccw)
    for i, p in enumerate(pts):
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame_fn(i, w, h)), format="rgb24")
        frame.pts = p
        frame.time_base = tb
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    container.close()
    return path


@pytest.fixture
def make_video(tmp_path) -> Callable[..., Path]:
    """make_video(name="clip.mp4", **write_video kwargs) -> path of a new video in tmp_path."""

    def make(name: str = "clip.mp4", **kwargs) -> Path:
        return write_video(tmp_path / name, **kwargs)

    return make


@pytest.fixture(scope="session")
def small_video(tmp_path_factory) -> Path:
    """A valid 1 s, 10 fps, 160x120 H.264 MP4 with coloured blocks and nobody in it (shared, read-only)."""

    def blocks(i: int, w: int, h: int) -> np.ndarray:
        img = np.full((h, w, 3), 40, np.uint8)
        img[: h // 2, : w // 2] = (220, 30, 30)
        img[h // 2:, w // 2:] = (30, 30, 220)
        return img

    return write_video(tmp_path_factory.mktemp("video") / "small.mp4", n_frames=10, fps=10,
                       size=(160, 120), frame_fn=blocks)


def run_cli(*args: str | os.PathLike, env: dict | None = None, cwd: str | os.PathLike | None = None,
            timeout: float = 120) -> tuple[int, str, str]:
    """Run ``python -m formcheck ARGS`` in a subprocess; returns (returncode, stdout, stderr)."""
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run([sys.executable, "-m", "formcheck", *map(str, args)], capture_output=True,
                          text=True, env=full_env, cwd=cwd or REPO, timeout=timeout)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture
def cli() -> Callable[..., tuple[int, str, str]]:
    """The :func:`run_cli` helper as a fixture."""
    return run_cli

"""A terminal progress bar for long runs: frames, speed and time left, on stderr."""

from __future__ import annotations

import sys
import time


def format_eta(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    m, s = divmod(seconds, 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class ProgressBar:
    """Callable as ``bar(done, total, elapsed_s)``; redraws at most 10 times a second.

    On a terminal it redraws one line; otherwise (logs, CI) it prints a line every 10 s.
    """

    def __init__(self, label: str = "pose", stream=None, width: int = 28):
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._last = 0.0
        self._drawn = False

    def __call__(self, done: int, total: int, elapsed_s: float) -> None:
        now = time.monotonic()
        if total:
            total = max(total, done)  # the expected count is the container's estimate: never show 171/170
        final = bool(total) and done >= total
        if not final and now - self._last < (0.1 if self.tty else 10.0):
            return
        self._last = now
        fps = done / elapsed_s if elapsed_s > 0 else 0.0
        if total:
            frac = min(1.0, done / total)
            filled = int(frac * self.width)
            bar = "#" * filled + "-" * (self.width - filled)
            eta = format_eta((total - done) / fps) if fps > 0 else "?"
            text = f"{self.label} [{bar}] {done}/{total} frames  {fps:5.1f} fps  ETA {eta}"
        else:
            text = f"{self.label} {done} frames  {fps:5.1f} fps"
        if self.tty:
            self.stream.write("\r" + text.ljust(78))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
        self._drawn = True

    def finish(self) -> None:
        if self.tty and self._drawn:
            self.stream.write("\r" + " " * 78 + "\r")
            self.stream.flush()

"""Causal counterparts of the offline analysis, for live use: one sample in, events out."""

from __future__ import annotations

import math
from collections import deque

import numpy as np


# Tempo notation order is eccentric-pause-concentric-hold; a rep is performed concentric first.
_CYCLE = (("concentric", 2), ("hold", 3), ("eccentric", 0), ("pause", 1))


class _Window:
    """Values with their times over the last ``span_s`` seconds (for percentiles and slopes)."""

    def __init__(self, span_s: float):
        self.span_s = span_s
        self.t: deque[float] = deque()
        self.v: deque[float] = deque()

    def add(self, t: float, v: float) -> None:
        self.t.append(t)
        self.v.append(v)
        while self.t and self.t[0] < t - self.span_s:
            self.t.popleft()
            self.v.popleft()

    def clear(self) -> None:
        self.t.clear()
        self.v.clear()

    def values(self) -> np.ndarray:
        return np.fromiter(self.v, float, len(self.v))

    def since(self, t0: float) -> np.ndarray:
        return np.array([v for t, v in zip(self.t, self.v) if t >= t0], float)

    def between(self, a: float, b: float) -> np.ndarray:
        return np.array([v for t, v in zip(self.t, self.v) if a <= t <= b], float)


class _RunningMedian:
    """Median of the samples in the last ``span_s`` (at least the last ``min_n``): removes pose glitches.

    A glitch of a frame or two (the 3-D elbow angle flips for a moment, an arm
    crosses the body) would otherwise count as a rep; the cost is ~half the span of delay.
    """

    def __init__(self, span_s: float = 0.16, min_n: int = 1):
        self.span_s, self.min_n = span_s, min_n
        self.buf: deque[tuple[float, float]] = deque(maxlen=64)

    def __call__(self, t: float, x: float) -> float:
        if not math.isfinite(x):
            return x
        self.buf.append((t, x))
        vals = [v for tt, v in self.buf if tt >= t - self.span_s]
        if len(vals) < self.min_n:
            vals = [v for _, v in list(self.buf)[-self.min_n:]]
        return float(np.median(vals))


class RepCounter:
    """Counts reps on one signal that rises toward the top of each rep.

    A hysteresis ("zig-zag") counter on an adaptive range: a rep counts when the
    signal has risen ``max(floor, up_frac * typical)`` above its lowest point
    since the last rep, and the rep ends when it has fallen
    ``max(down_floor_frac * floor, down_frac * typical)`` below its highest
    point. ``typical`` is the median rise of the last few reps, so thresholds
    follow the lifter's own range, and measuring from local extremes keeps slow
    drift (the lifter settling, the camera moving) from hiding reps. The floor
    (the profile's minimum prominence, in the signal's unit) keeps noise at rest
    from counting.

    Args:
        floor: smallest rise that can be a rep (signal units).
        window_s: history kept for the displayed range (s).
        min_rep_s: shortest time between two counted reps (s).
    """

    def __init__(self, floor: float, *, window_s: float = 12.0, up_frac: float = 0.4, down_frac: float = 0.35,
                 down_floor_frac: float = 0.5, min_rep_s: float = 0.5):
        self.floor = floor
        self.up_frac, self.down_frac, self.down_floor_frac = up_frac, down_frac, down_floor_frac
        self.min_rep_s = min_rep_s
        self.hist = _Window(window_s)
        self.count = 0
        self.up = False  # between a counted rise and the following fall
        self.low = (math.inf, 0.0)  # (value, time) of the lowest point since the last rep's top
        self.high = (-math.inf, 0.0)  # highest point of the current rep
        self.rises: deque[float] = deque(maxlen=5)  # rise of recent reps (bottom to top)
        self.rep_start_s: float | None = None  # time of the lowest point before the latest rep (its start)
        self.last_up_s = -math.inf
        self.lo = self.hi = float("nan")

    @property
    def typical(self) -> float:
        return float(np.median(self.rises)) if self.rises else 0.0

    def thresholds(self) -> tuple[float, float]:
        """(fall that ends a rep, rise that counts one), in signal units."""
        typ = self.typical
        return (max(self.down_floor_frac * self.floor, self.down_frac * typ), max(self.floor, self.up_frac * typ))

    def levels(self) -> tuple[float, float]:
        """(level a fall must reach to end the rep, level a rise must reach to count), signal units."""
        down, up = self.thresholds()
        return self.high[0] - down, self.low[0] + up

    def position(self, x: float) -> float:
        """0 at the bottom of the recent range, 1 at the top (NaN before a range exists)."""
        span = self.hi - self.lo
        if not math.isfinite(x) or not math.isfinite(span) or span < 0.5 * self.floor:
            return float("nan")
        return float(np.clip((x - self.lo) / span, 0.0, 1.0))

    def update(self, t: float, x: float) -> str | None:
        """Feed one sample; returns "rep" when a rep is counted, "down" when it has come back down, else None."""
        if not math.isfinite(x):
            return None
        self.hist.add(t, x)
        vals = self.hist.values()
        self.lo, self.hi = (float(v) for v in np.percentile(vals, [5, 95])) if len(vals) >= 3 else (x, x)
        down, up = self.thresholds()
        if not self.up:
            if x < self.low[0]:
                self.low = (x, t)
            if x - self.low[0] >= up and t - self.last_up_s >= self.min_rep_s:
                self.up = True
                self.count += 1
                self.rep_start_s = self.low[1]
                self.last_up_s = t
                self.high = (x, t)
                return "rep"
            return None
        if x > self.high[0]:
            self.high = (x, t)
        if self.high[0] - x >= down:
            self.rises.append(self.high[0] - self.low[0])
            self.up = False
            self.low = (x, t)
            return "down"
        return None

    def reset_range(self) -> None:
        self.hist.clear()
        self.rises.clear()


class TempoGuide:
    """A metronome for the target tempo, re-synchronised at the start of each of your pulls.

    Args:
        target: (eccentric, pause, concentric, hold) seconds.
    """

    def __init__(self, target: tuple[float, float, float, float]):
        self.target = tuple(float(x) for x in target)
        self.cycle = [(name, self.target[i]) for name, i in _CYCLE if self.target[i] > 0]
        self.period = sum(d for _, d in self.cycle)
        self.t0: float | None = None

    def sync(self, t: float) -> None:
        """The lifter just started a concentric: the guide's cycle starts now."""
        self.t0 = t

    def at(self, t: float) -> tuple[str, float, float]:
        """(phase the tempo asks for, seconds left in it, its full length); ("", 0, 0) before the first pull."""
        if self.t0 is None or self.period <= 0:
            return "", 0.0, 0.0
        u = (t - self.t0) % self.period
        for name, d in self.cycle:
            if u < d:
                return name, d - u, d
            u -= d
        name, d = self.cycle[-1]
        return name, 0.0, d


def shrug_fires(rise_ear: float, rise_hip: float, prof: dict) -> bool:
    """The offline shrug rule (assess.py) on one rise: ears AND hips must both show the shoulders rising.

    Args:
        rise_ear, rise_hip: rise since the rep's start in torso lengths, against the ears and the hips.
        prof: resolved profile; its ``faults.shrug`` thresholds are used.
    """
    if "shrug" in prof.get("faults_off", []) or not (math.isfinite(rise_ear) and math.isfinite(rise_hip)):
        return False
    c = prof["faults"]["shrug"]
    if "min_rise_ear_torso" in c:
        return rise_ear >= c["min_rise_ear_torso"] and rise_hip >= c.get("min_rise_hip_torso", 0.0)
    return min(rise_ear, rise_hip) >= c["min_rise_torso"]

"""Cleaning landmark tracks: low-visibility masking, bounded gap filling, smoothing.

Offline: NaN-aware linear gap filling up to ``max_gap_s``, then a zero-phase
Butterworth low-pass (scipy ``sosfiltfilt``) applied to each valid run
separately, so a gap never smears data across it. Live: a causal One-Euro
filter, one sample at a time.

Arrays are (T, ...) with time on axis 0; NaN means missing.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np
from scipy import signal as sps

from ..series import LANDMARK, PoseSeries


def valid_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) index pairs of consecutive True values in a 1-D bool mask."""
    m = np.concatenate([[False], np.asarray(mask, bool), [False]])
    d = np.diff(m.astype(np.int8))
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1)))


def fill_gaps(x: np.ndarray, times_s: np.ndarray, max_gap_s: float) -> np.ndarray:
    """Linearly interpolate NaN gaps no longer than ``max_gap_s`` (edges stay NaN).

    Args:
        x: (T,) or (T, ...) array; each column is filled independently.
        times_s: (T,) sample times (irregular spacing is honoured).
        max_gap_s: longest gap (seconds between the valid samples around it) to bridge.
    """
    x = np.array(x, dtype=np.float64, copy=True)
    flat = x.reshape(len(x), -1)
    for j in range(flat.shape[1]):
        col = flat[:, j]
        nan = np.isnan(col)
        if not nan.any() or nan.all():
            continue
        for a, b in valid_runs(nan):
            if a == 0 or b == len(col):
                continue  # never extrapolate past the ends
            if times_s[b] - times_s[a - 1] <= max_gap_s:
                col[a:b] = np.interp(times_s[a:b], [times_s[a - 1], times_s[b]], [col[a - 1], col[b]])
    return flat.reshape(x.shape)


@functools.lru_cache(maxsize=64)
def _butter(order: int, cutoff_hz: float, fs_hz: float) -> np.ndarray:
    """A Butterworth low-pass design as second-order sections (cached: live designs one per update)."""
    sos = sps.butter(order, cutoff_hz, fs=fs_hz, output="sos")
    return sos


def lowpass(x: np.ndarray, fs_hz: float, cutoff_hz: float, order: int = 2) -> np.ndarray:
    """Zero-phase Butterworth low-pass per valid (non-NaN) run; short runs are left as they are.

    Args:
        x: (T,) or (T, ...) array.
        fs_hz: sampling rate.
        cutoff_hz: -3 dB frequency; clamped below Nyquist so 10 fps video still works.
    """
    x = np.array(x, dtype=np.float64, copy=True)
    cutoff = min(cutoff_hz, 0.45 * fs_hz)
    if cutoff <= 0:
        return x
    sos = _butter(order, round(cutoff, 6), round(fs_hz, 6)).copy()  # scipy wants a writable array
    padlen = 3 * (2 * len(sos) + 1)
    flat = x.reshape(len(x), -1)
    ok = ~np.isnan(flat).any(axis=1)
    for a, b in valid_runs(ok):
        if b - a > padlen:
            flat[a:b] = sps.sosfiltfilt(sos, flat[a:b], axis=0)
    return flat.reshape(x.shape)


@dataclass
class CleanPose:
    """Filtered landmark tracks ready for kinematics.

    Attributes:
        times_s: (T,) seconds.
        image_xy: (T, 33, 2) pixels, masked, gap-filled and smoothed.
        world_xyz: (T, 33, 3) metres, likewise.
        visibility: (T, 33) raw visibility (NaN where no person).
        detected: (T,) bool, a person was found (before gap filling).
        fps: sampling rate used for filtering (median of the frame intervals).
        extras: the series' per-frame measurements beside the landmarks (name -> (T,)), as measured: rules
            take robust statistics of them over a rep.
    """

    times_s: np.ndarray
    image_xy: np.ndarray
    world_xyz: np.ndarray
    visibility: np.ndarray
    detected: np.ndarray
    fps: float
    extras: dict[str, np.ndarray] = field(default_factory=dict)


#: Elbow and wrist landmarks (their own visibility threshold: see ``min_visibility_arms``).
ARM_LANDMARKS = tuple(LANDMARK[f"{s}_{j}"] for s in ("left", "right") for j in ("elbow", "wrist"))


def clean_pose(series: PoseSeries, *, min_visibility: float = 0.3, max_gap_s: float = 0.5,
               cutoff_hz: float = 4.0, min_visibility_arms: float | None = None) -> CleanPose:
    """Mask landmarks below ``min_visibility``, bridge short gaps, and low-pass the tracks.

    The filter runs at the median frame rate of the series: variable-frame-rate
    clips are close enough to uniform for a 4 Hz low-pass. ``min_visibility_arms``
    (default: the same) lets elbows and wrists through at lower visibility: seen
    from behind they are behind the body, rated nearly invisible, yet placed well.
    """
    t = series.times_s
    fps = float(1.0 / np.median(np.diff(t))) if len(t) > 1 else series.fps
    vis = series.visibility
    limit = np.full(vis.shape[1], min_visibility)
    if min_visibility_arms is not None:
        limit[list(ARM_LANDMARKS)] = min_visibility_arms
    low = ~(vis >= limit)  # NaN counts as low
    xy = series.image_xy.astype(np.float64).copy()
    xy[low] = np.nan
    world = series.world_xyz.astype(np.float64).copy()
    world[low] = np.nan
    xy = lowpass(fill_gaps(xy, t, max_gap_s), fps, cutoff_hz)
    world = lowpass(fill_gaps(world, t, max_gap_s), fps, cutoff_hz)
    return CleanPose(t, xy, world, vis, series.detected, fps, dict(series.extras))


class OneEuro:
    """Causal One-Euro filter (Casiez et al. 2012) for live use, on arrays of any shape.

    NaN input leaves the state untouched and returns NaN; the filter restarts
    after a gap longer than ``reset_after_s``.
    """

    def __init__(self, min_cutoff_hz: float = 1.5, beta: float = 0.05, d_cutoff_hz: float = 1.0,
                 reset_after_s: float = 0.5):
        self.min_cutoff = min_cutoff_hz
        self.beta = beta
        self.d_cutoff = d_cutoff_hz
        self.reset_after_s = reset_after_s
        self._x = None
        self._dx = None
        self._t = None

    @staticmethod
    def _alpha(cutoff: np.ndarray | float, dt: float):
        tau = 1.0 / (2 * math.pi * np.asarray(cutoff))
        return 1.0 / (1.0 + tau / dt)

    def __call__(self, x: np.ndarray, t_s: float) -> np.ndarray:
        x = np.asarray(x, np.float64)
        if np.isnan(x).all():
            return x
        if self._x is None or self._t is None or t_s - self._t > self.reset_after_s or t_s <= self._t:
            self._x, self._dx, self._t = x.copy(), np.zeros_like(x), t_s
            return x
        dt = t_s - self._t
        self._t = t_s
        prev = np.where(np.isnan(self._x), x, self._x)
        dx = (x - prev) / dt
        a_d = self._alpha(self.d_cutoff, dt)
        self._dx = np.where(np.isnan(dx), self._dx, a_d * dx + (1 - a_d) * self._dx)
        cutoff = self.min_cutoff + self.beta * np.abs(self._dx)
        a = self._alpha(cutoff, dt)
        out = np.where(np.isnan(x), prev, a * x + (1 - a) * prev)
        self._x = out
        return out

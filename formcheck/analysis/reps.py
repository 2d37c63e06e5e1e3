"""Rep segmentation and tempo phases from one rep signal.

The rep signal rises toward the top of the movement (elbow flexion for
pulls, shoulder elevation for shrugs). Reps are the signal's prominent peaks;
each rep is split by speed thresholds into concentric (rising), hold (near
still at the top), eccentric (falling) and pause (near still at the bottom).
Boundary times are interpolated between frames.

Tempo follows the standard four-number notation, in seconds:
eccentric - pause at the bottom - concentric - hold at the top.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import signal as sps

from .filtering import fill_gaps, lowpass


@dataclass
class RepParams:
    """Segmentation settings (taken from the profile's ``reps`` section)."""

    smooth_hz: float = 3.0
    min_rep_s: float = 0.8
    max_rep_s: float = 15.0
    min_prominence_frac: float = 0.3  # of the clip's signal range (p97 - p3)
    min_prominence_abs: float = 20.0  # in the rep signal's unit (deg for elbows)
    partial_frac: float = 0.35  # a peak this fraction of the typical rep still counts (flagged later)
    speed_frac: float = 0.05  # phase boundary: speed below this fraction of the phase's peak speed
    max_pause_s: float = 4.0  # a longer stop at the bottom is rest between sets, not a pause
    min_concentric_frac: float = 0.5  # a rep needs a rise of at least this fraction of its peak's prominence
    gap_fill_s: float = 1.0  # gaps in the rep signal bridged before segmenting
    peak_spacing_frac: float = 0.6  # peaks closer than this fraction of min_rep_s merge

    @classmethod
    def from_profile(cls, reps_cfg, signal: str) -> "RepParams":
        """From the profile's ``reps`` section; the absolute prominence floor is in the signal's own unit."""
        floor = {"elbow_flexion": reps_cfg.min_prominence_deg, "hand_travel": reps_cfg.min_prominence_hand}.get(
            signal, reps_cfg.min_prominence_torso)
        names = set(cls.__dataclass_fields__) - {"min_prominence_abs"}
        return cls(min_prominence_abs=floor, **{k: getattr(reps_cfg, k) for k in names})


@dataclass
class Rep:
    """One repetition, times in seconds on the video's clock.

    ``None`` marks a phase the clip does not show (e.g. the set ends at the top).
    """

    index: int
    start_s: float  # concentric begins
    peak_s: float  # top reached, hold begins
    hold_end_s: float | None  # eccentric begins
    bottom_s: float | None  # eccentric ends, pause begins
    end_s: float  # pause ends (next rep's start) or the last moment seen of this rep
    i_start: int
    i_peak: int
    i_end: int
    amplitude: float  # rise of the rep signal from start to peak
    peak_value: float
    end_drop: float | None = None  # fall of the rep signal from the peak to the rep's bottom (None: none seen)
    pause_s: float | None = None
    extra: dict = field(default_factory=dict)

    @property
    def concentric_s(self) -> float:
        return self.peak_s - self.start_s

    @property
    def hold_s(self) -> float | None:
        return None if self.hold_end_s is None else self.hold_end_s - self.peak_s

    @property
    def eccentric_s(self) -> float | None:
        if self.hold_end_s is None or self.bottom_s is None:
            return None
        return self.bottom_s - self.hold_end_s

    def tempo(self) -> tuple[float | None, float | None, float, float | None]:
        """(eccentric, pause, concentric, hold) seconds."""
        return (self.eccentric_s, self.pause_s, self.concentric_s, self.hold_s)

    def tempo_str(self) -> str:
        return "-".join("?" if v is None else f"{v:.1f}" for v in self.tempo())


def _crossing(t: np.ndarray, v: np.ndarray, i: int, level: float, direction: int) -> float:
    """Time between samples i and i+direction where v crosses level (linear interpolation)."""
    j = i + direction
    if j < 0 or j >= len(v) or v[j] == v[i]:
        return float(t[i])
    frac = (level - v[i]) / (v[j] - v[i])
    frac = min(1.0, max(0.0, frac))
    return float(t[i] + frac * (t[j] - t[i]))


def _edge(t, speed, lo, hi, i_fast, level, backward: bool) -> float:
    """Walk from the fastest sample toward lo (backward) or hi (forward) until speed < level."""
    if backward:
        i = i_fast
        while i > lo and speed[i] >= level:
            i -= 1
        # speed[i] < level <= speed[i+1]: interpolate between i and i+1
        return _crossing(t, speed, i, level, +1) if speed[i] < level else float(t[i])
    i = i_fast
    while i < hi and speed[i] >= level:
        i += 1
    return _crossing(t, speed, i, level, -1) if speed[i] < level else float(t[i])


def prepare_signal(times_s: np.ndarray, x: np.ndarray, fps: float, params: RepParams) -> np.ndarray:
    """Bridge short gaps and low-pass the rep signal for segmentation."""
    return lowpass(fill_gaps(x, times_s, params.gap_fill_s), fps, params.smooth_hz)


def segment_reps(times_s: np.ndarray, rep_signal: np.ndarray, fps: float,
                 params: RepParams | None = None, *, min_prominence_abs: float | None = None,
                 path: np.ndarray | None = None) -> list[Rep]:
    """Find reps and their phase boundaries.

    Args:
        times_s: (T,) seconds.
        rep_signal: (T,) signal rising toward the top of each rep (NaN allowed).
        fps: sampling rate of the signal.
        params: segmentation settings.
        min_prominence_abs: override of the absolute prominence floor (signal units).
        path: optional (T, D) trajectory the rep signal summarises (e.g. the hands' path); when
            given, phase boundaries follow its speed, which sees motion that curves away from
            the rep signal's direction (near the top of a row).

    Returns:
        Reps in time order, numbered from 1.
    """
    params = params or RepParams()
    floor = params.min_prominence_abs if min_prominence_abs is None else min_prominence_abs
    t = np.asarray(times_s, float)
    s = prepare_signal(t, np.asarray(rep_signal, float), fps, params)
    ok = np.isfinite(s)
    if ok.sum() < max(5, int(fps * params.min_rep_s)):
        return []
    lo_v, hi_v = np.nanpercentile(s[ok], [3, 97])
    span = hi_v - lo_v
    # Work on a copy with NaN runs set below everything, so peaks never straddle a gap.
    s_fill = np.where(ok, s, lo_v - span)
    prom_min = max(floor, params.min_prominence_frac * span)
    distance = max(1, int(params.min_rep_s * fps * params.peak_spacing_frac))
    # Pad both ends with the clip's low so a set that ends at the top still has a full-height last peak
    # (a clip that starts at the top gives a first peak with no concentric, dropped below).
    padded = np.concatenate([[lo_v - span], s_fill, [lo_v - span]])
    peaks, props = sps.find_peaks(padded, prominence=prom_min, distance=distance)
    peaks = peaks - 1
    inside = (peaks >= 0) & (peaks < len(s_fill))
    peaks, props = peaks[inside], {"prominences": props["prominences"][inside]}
    if len(peaks) == 0:
        return []
    proms = props["prominences"]
    typical = float(np.median(proms))
    keep = proms >= max(prom_min, params.partial_frac * typical)
    peaks = peaks[keep]

    dt = np.gradient(t)
    vel = np.gradient(np.nan_to_num(s, nan=np.nanmean(s))) / dt
    vel[~ok] = 0.0
    if path is not None:
        pth = prepare_signal(t, np.asarray(path, float), fps, params)
        pth_ok = np.isfinite(pth).all(1)
        pth = np.where(pth_ok[:, None], pth, np.nanmean(pth, axis=0))
        speed = np.linalg.norm(np.gradient(pth, axis=0) / dt[:, None], axis=1)
        speed[~(pth_ok & ok)] = 0.0
    else:
        speed = np.abs(vel)
    # Landmark jitter never lets the speed reach zero: a phase edge is where the speed drops below a
    # fraction of the phase's peak speed or below twice the clip's still-moment speed, whichever is higher.
    moving = speed[ok & (speed > 0)]
    noise_floor = 2.0 * float(np.percentile(moving, 10)) if len(moving) > 10 else 0.0
    s_low = np.where(ok, s, np.inf)  # for finding bottoms
    reps: list[Rep] = []
    prev_bottom_i = 0
    n = len(s)
    for k, p in enumerate(peaks):
        lo = prev_bottom_i
        hi_lim = peaks[k + 1] if k + 1 < len(peaks) else n - 1
        # Bottom before this peak: the lowest point since the previous rep's bottom.
        # (Among samples with a value: a gap before the first detection is not the bottom of a rep.)
        seg0, seg1 = s_low[lo:p + 1], s_low[p:hi_lim + 1]
        v0 = lo + int(np.argmin(seg0)) if np.isfinite(seg0).any() else p
        v1 = p + int(np.argmin(seg1)) if np.isfinite(seg1).any() else p
        rise = s[p] - s[v0]
        fall = s[p] - s[v1]
        if not np.isfinite(rise) or rise < params.min_concentric_frac * max(prom_min, 0.5 * typical):
            prev_bottom_i = v1
            continue  # the clip starts mid-rep (no concentric seen): not a rep
        # Concentric: fastest rise between bottom and peak.
        # The fastest rising moment comes from the rep signal's sign; the phase edges from the path's
        # unsigned speed (a curved path can move the rep signal the "wrong" way for a moment).
        i_up = v0 + int(np.argmax(vel[v0:p + 1]))
        up_level = max(params.speed_frac * max(speed[i_up], 1e-9), min(noise_floor, 0.5 * speed[i_up]))
        start = _edge(t, speed, v0, p, i_up, up_level, backward=True)
        # Still moving on the clip's first frame: the pull began before the clip (a cut rep).
        # The rep signal climbs without a stop from the first frame to the fastest rise (the pose model settling
        # on its first frames, then a still moment before the pull, is not a cut rep), and climbs there.
        started_before = (v0 == 0 and speed[0] >= up_level and _unbroken(vel, i_up, 0, params.speed_frac)
                          and _moves(t, s, 0, +1) >= EDGE_MOVE_FRAC * rise)
        peak = _edge(t, speed, v0, p, i_up, up_level, backward=False)
        has_ecc = np.isfinite(fall) and fall >= 0.5 * rise and v1 > p
        hold_end = bottom = None
        lowering_cut = False
        if has_ecc:
            i_dn = p + int(np.argmin(vel[p:v1 + 1]))
            dn_level = max(params.speed_frac * max(speed[i_dn], 1e-9), min(noise_floor, 0.5 * speed[i_dn]))
            hold_end = _edge(t, speed, p, v1, i_dn, dn_level, backward=True)
            bottom = _edge(t, speed, p, v1, i_dn, dn_level, backward=False)
            # Still lowering on the last frame (the signal still falling there, not drifting at the bottom).
            lowering_cut = (v1 == n - 1 and speed[n - 1] >= dn_level and _unbroken(vel, i_dn, n - 1, params.speed_frac)
                            and _moves(t, s, n - 1, -1) >= EDGE_MOVE_FRAC * rise)
            hold_end = max(hold_end, peak)
        dur = (bottom if bottom is not None else t[min(hi_lim, n - 1)]) - start
        if dur > params.max_rep_s:
            prev_bottom_i = v1
            continue
        reps.append(Rep(index=len(reps) + 1, start_s=start, peak_s=peak, hold_end_s=hold_end, bottom_s=bottom,
                        end_s=bottom if bottom is not None else float(t[v1 if v1 > p else n - 1]),
                        i_start=int(np.searchsorted(t, start)), i_peak=int(p),
                        i_end=int(v1 if has_ecc else n - 1), amplitude=float(rise), peak_value=float(s[p]),
                        end_drop=float(fall) if has_ecc else None,
                        extra={"started_before_clip": bool(started_before), "lowering_cut": bool(lowering_cut)}))
        prev_bottom_i = v1
    # Pauses: from one rep's bottom to the next rep's start (a long stop is rest, not a pause).
    for a, b in zip(reps, reps[1:]):
        if a.bottom_s is not None:
            gap = max(0.0, b.start_s - a.bottom_s)
            if gap <= params.max_pause_s:
                a.pause_s = gap
                a.end_s = b.start_s
            else:
                a.pause_s = None
                a.extra["rest_after_s"] = gap
    return reps


def phase_labels(times_s: np.ndarray, reps: list[Rep]) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame phase name and rep number (0 outside reps).

    Returns:
        (phase (T,) array of str in {"", "concentric", "hold", "eccentric", "pause"}, rep (T,) int).
    """
    t = np.asarray(times_s)
    phase = np.full(len(t), "", dtype=object)
    rep_no = np.zeros(len(t), np.int64)
    for r in reps:
        bounds = [("concentric", r.start_s, r.peak_s)]
        if r.hold_end_s is not None:
            bounds.append(("hold", r.peak_s, r.hold_end_s))
            if r.bottom_s is not None:
                bounds.append(("eccentric", r.hold_end_s, r.bottom_s))
                if r.pause_s is not None:
                    bounds.append(("pause", r.bottom_s, r.bottom_s + r.pause_s))
        else:
            bounds.append(("hold", r.peak_s, r.end_s + 1e-9))
        for name, a, b in bounds:
            m = (t >= a) & (t < b)
            phase[m] = name
            rep_no[m] = r.index
    return phase, rep_no


#: A rep cut by the clip's edge still moves there: the rep signal changes by at least this fraction of the
#: rep's rise over the clip's first (last) EDGE_MOVE_S. A lifter standing still drifts far less (a scripted
#: shrug held at the bottom for 0.7 s drifted 2 % of its rise; a lowering cut at the end moves most of it).
EDGE_MOVE_FRAC = 0.1
EDGE_MOVE_S = 0.3


def _unbroken(vel: np.ndarray, i_fast: int, i_edge: int, frac: float) -> bool:
    """The rep signal moves the same way as at its fastest moment i_fast, at no less than ``frac`` of that
    speed, on every frame from i_fast to i_edge (the clip's first or last frame)."""
    v = vel[i_fast]
    a, b = sorted((i_fast, i_edge))
    return bool(v != 0 and np.all(vel[a:b + 1] * np.sign(v) >= frac * abs(v)))


def _moves(t: np.ndarray, s: np.ndarray, i: int, direction: int) -> float:
    """How far the rep signal moves toward frame i over the EDGE_MOVE_S before it (direction -1: i is the last
    frame, the fall into it) or after it (+1: i is the first frame, the rise out of it); 0 when unknown."""
    if direction > 0:  # rising out of the first frame: later minus first
        d = float(s[min(int(np.searchsorted(t, t[i] + EDGE_MOVE_S)), len(s) - 1)] - s[i])
    else:  # falling into the last frame: earlier minus last
        d = float(s[max(min(int(np.searchsorted(t, t[i] - EDGE_MOVE_S)), len(s) - 1), 0)] - s[i])
    return d if np.isfinite(d) else 0.0

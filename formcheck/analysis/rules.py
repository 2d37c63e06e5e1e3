"""The fault rules: each reads one rep (and, where it must, the set) and returns a :class:`Reading`.

A rule measures; it does not decide. :mod:`formcheck.analysis.assess` compares
the reading with its threshold in the direction the fault table says is bad,
so a displayed value and the decision can never disagree.

Windows (seconds on the clip's clock, from the profile's ``windows`` section):
the rep's *start* baseline ``[start - start_before_s, start + start_after_s]``,
its *top* (the hold, or ``top_min_s`` after the peak when there is none) and its
*span* (start to the bottom of the eccentric).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..config import Profile
from ..series import BACK_ARC
from .reps import Rep
from .signals import Signals


@dataclass
class Reading:
    """One rule's measurement on one rep.

    Attributes:
        value: the measured value, in ``unit``.
        threshold: the limit the rule applies (same unit).
        worst_s: the moment it was worst (s).
        unit: "torso", "deg", "s" or "ratio".
        metrics: extra named measurements to record on the rep (name -> (value, unit)).
        bad: "above" or "below" where this reading's direction differs from the fault's usual one.
        margin: past the threshold by less than this (same unit), the reading is a "check this rep", not a
            fault (the profile's ``margin`` for the fault, or for the criterion that fired).
        why: when ``value`` is NaN, why this rep could not be measured (shown as "not measured on this rep").
    """

    value: float
    threshold: float
    worst_s: float
    unit: str
    metrics: dict[str, tuple[float, str]] = field(default_factory=dict)
    bad: str | None = None
    margin: float = 0.0
    why: str | None = None


@dataclass
class SetStats:
    """What some rules compare a rep with: the set's own best reps."""

    n_reps: int
    best_amplitude: float  # median of the top half of rep amplitudes
    travel_threshold: float | None = None  # left/right travel ratio below which a rep is uneven


#: NaN-skipping reductions on values already stripped of NaN: the plain ones are much faster on short windows.
_FAST = {np.nanmedian: np.median, np.nanmax: np.max, np.nanmin: np.min, np.nanmean: np.mean}


def window(t: np.ndarray, x: np.ndarray, a: float, b: float, how=np.nanmedian) -> float:
    """``how`` of x over [a, b] (the nearest sample when the window holds none); NaN when all missing."""
    m = (t >= a - 1e-9) & (t <= b + 1e-9)
    if not m.any():
        m = np.zeros(len(t), bool)
        m[int(np.clip(np.searchsorted(t, a), 0, len(t) - 1))] = True
    vals = x[m]
    vals = vals[np.isfinite(vals)]
    if not len(vals):
        return float("nan")
    return float(_FAST.get(how, how)(vals))


def signals_fps(t: np.ndarray) -> float:
    """The clip's frame rate from the median frame interval (30 when unknown)."""
    return float(1.0 / np.median(np.diff(t))) if len(t) > 1 else 30.0


@dataclass
class RepContext:
    """One rep with everything a rule may read."""

    rep: Rep
    signals: Signals
    profile: Profile
    exercise: str
    target: tuple[float, float, float, float] | None
    stats: SetStats

    def __post_init__(self) -> None:
        r, w, t = self.rep, self.profile.windows, self.signals.times_s
        self.t = t
        self.start_win = (r.start_s - w.start_before_s, r.start_s + w.start_after_s)
        top_b = r.hold_end_s if r.hold_end_s is not None else min(r.peak_s + w.top_min_s, r.end_s)
        self.top_win = (r.peak_s, max(top_b, r.peak_s + 0.5 / max(signals_fps(t), 1)))
        self.span = (r.start_s, r.bottom_s if r.bottom_s is not None else r.end_s)

    @property
    def view(self) -> str:
        return self.signals.view

    def at_start(self, name: str) -> float:
        return window(self.t, self.signals[name], *self.start_win)

    def at_top(self, name: str, how=np.nanmedian) -> float:
        return window(self.t, self.signals[name], *self.top_win, how)

    def rise(self, name: str, how=np.nanmedian) -> float:
        """Change of a signal from the rep's start to its top."""
        return self.at_top(name, how) - self.at_start(name)

    def deviation(self, name: str, before_s: float = 0.0) -> tuple[float, float]:
        """(largest |change| from the rep's start over its span, when): NaN when unknown."""
        x = self.signals[name]
        m = (self.t >= self.span[0] - before_s) & (self.t <= self.span[1])
        if not m.any() or not np.isfinite(x[m]).any():
            return float("nan"), self.rep.peak_s
        dev = np.abs(x[m] - self.at_start(name))
        i = int(np.nanargmax(dev))
        return float(dev[i]), float(self.t[m][i])

    def argmax_time(self, name: str) -> float:
        x = self.signals[name]
        m = (self.t >= self.span[0]) & (self.t <= self.span[1])
        if not m.any() or not np.isfinite(x[m]).any():
            return float(self.span[0])
        return float(self.t[m][int(np.nanargmax(x[m]))])


Rule = Callable[[RepContext], "Reading | None"]


# --- tempo ------------------------------------------------------------------------------------------------------

def short_hold(c: RepContext) -> Reading | None:
    """Judged only against a target hold someone set: people do not hold at an imagined 1 s."""
    hold, target = c.rep.hold_s, c.target
    if hold is None or target is None or target[3] <= 0:
        return None
    cfg = c.profile.faults.short_hold
    return Reading(hold, max(cfg.min_hold_s, cfg.frac_of_target * target[3]), c.rep.peak_s, "s", margin=cfg.margin)


def rushed_eccentric(c: RepContext) -> Reading | None:
    """Against a target eccentric when one was set; without one, only a lowering so short that the weight
    dropped (nobody would argue with that)."""
    ecc, r = c.rep.eccentric_s, c.rep
    if ecc is None:
        return None
    cfg = c.profile.faults.rushed_eccentric
    thr = cfg.frac_of_target * c.target[0] if c.target is not None and c.target[0] > 0 else cfg.min_s
    return Reading(ecc, thr, (r.hold_end_s + r.bottom_s) / 2, "s", margin=cfg.margin)


# --- range ------------------------------------------------------------------------------------------------------

def partial_range(c: RepContext) -> Reading | None:
    best = c.stats.best_amplitude
    if c.stats.n_reps < 3 or not np.isfinite(best) or best <= 0:
        return None
    frac = c.rep.amplitude / best
    cfg = c.profile.faults.partial_range
    return Reading(frac, cfg.frac_of_set, c.rep.peak_s, "ratio", {"range_frac": (frac, "ratio")}, margin=cfg.margin)


# --- shoulders --------------------------------------------------------------------------------------------------

def shrug_value(d_ear, d_hip, cfg):
    """The shrug reading from the two rises (torso lengths; scalars or arrays): the rise against the ears,
    gated by the rise against the hips (below its own limit the reading is held just under the ear limit).

    The overlay's gauge draws this same value against ``cfg.min_rise_ear_torso``, so the gauge turns red
    exactly when the rule fires.
    """
    d_ear, d_hip = np.asarray(d_ear, float), np.asarray(d_hip, float)
    with np.errstate(invalid="ignore"):
        gated = np.where(d_hip >= cfg.min_rise_hip_torso, d_ear, np.minimum(d_ear, cfg.min_rise_ear_torso - 1e-6))
    return np.where(np.isfinite(d_ear) & np.isfinite(d_hip), gated, np.nan)


def shrug(c: RepContext) -> Reading | None:
    """Shoulders rose along the trunk against the ears AND the hips (both must agree), from the rep's start."""
    d_ear, d_hip = c.rise("shoulder_elev_ear"), c.rise("shoulder_elev_hip")
    both = np.isfinite(d_ear) and np.isfinite(d_hip)
    metrics = {"shoulder_rise_ear": (d_ear, "torso"), "shoulder_rise_hip": (d_hip, "torso"),
               "shoulder_rise": (float(min(d_ear, d_hip)) if both else float("nan"), "torso")}
    cfg = c.profile.faults.shrug
    return Reading(float(shrug_value(d_ear, d_hip, cfg)), cfg.min_rise_ear_torso, c.argmax_time("shoulder_elev_ear"),
                   "torso", metrics, margin=cfg.margin)


def weak_squeeze(c: RepContext) -> Reading | None:
    """Side view: the near elbow did not travel back to the trunk line at the top."""
    if c.view != "side":
        return Reading(float("nan"), float("nan"), c.rep.peak_s, "torso", {
            "shoulder_narrowing": (-c.rise("shoulder_width"), "ratio"),
            "elbow_behind_trunk": (c.at_top("elbow_behind_trunk_3d", np.nanmax), "torso")})
    eb = c.at_top("elbow_behind_trunk", np.nanmax)
    cfg = c.profile.faults.weak_squeeze
    return Reading(eb, cfg.min_elbow_behind_torso, c.rep.peak_s, "torso",
                   {"elbow_behind_trunk": (eb, "torso"), "shoulder_back": (c.rise("shoulder_back"), "torso")},
                   margin=cfg.margin)


# --- trunk and head ---------------------------------------------------------------------------------------------

def swing(c: RepContext) -> Reading | None:
    """Momentum: the trunk moving while the arms pull (from the rep's start to the end of the hold), not the
    trunk's whole range over the rep (which includes setting up and the stretch at the bottom).

    For exercises that lean forward into the stretch by design (seated cable rows: ``from_upright``), the
    reading is how far the trunk rocks back past upright during the pull instead.
    """
    cfg = c.profile.faults.swing
    incl, t, r = c.signals["trunk_inclination"], c.t, c.rep
    end = r.hold_end_s if r.hold_end_s is not None else c.top_win[1]
    m = (t >= r.start_s - 0.05) & (t <= end)
    x = incl[m]
    if not np.isfinite(x).any():
        return None
    start = c.at_start("trunk_inclination")
    if cfg.from_upright:
        dev = np.maximum(0.0, -x)  # signed inclination: negative is leaning back past vertical
    else:
        dev = np.abs(x - start)
    i = int(np.nanargmax(dev))
    return Reading(float(dev[i]), cfg.min_deg, float(t[m][i]), "deg",
                   {"trunk_swing": (float(dev[i]), "deg"), "trunk_angle": (start, "deg")}, margin=cfg.margin)


def neck(c: RepContext) -> Reading | None:
    fwd = c.rise("head_forward", np.nanmax)
    if not np.isfinite(fwd):
        return None
    cfg = c.profile.faults.neck
    return Reading(fwd, cfg.min_forward_torso, c.argmax_time("head_forward"), "torso",
                   {"head_forward": (fwd, "torso")}, margin=cfg.margin)


def rotation(c: RepContext) -> Reading | None:
    """The shoulders turning during the rep: the shoulder line's largest turn from the rep's start, start to
    bottom (3-D, front/rear/oblique; from the side, one-arm rows only, the apparent shoulder width). A
    one-arm row twisting open often turns furthest as the weight comes down, so the whole rep is read."""
    name = "trunk_rotation_2d" if c.view == "side" else "shoulder_yaw"
    x, t = c.signals[name], c.t
    m = (t >= c.span[0]) & (t <= c.span[1])
    if not np.isfinite(x[m]).any():
        return None
    dev = np.abs(x[m] - c.at_start(name))
    i = int(np.nanargmax(dev))
    cfg = c.profile.faults.rotation
    return Reading(float(dev[i]), cfg.min_deg, float(t[m][i]), "deg", {"trunk_rotation": (float(dev[i]), "deg")},
                   margin=cfg.margin)


# --- left / right -----------------------------------------------------------------------------------------------

def side_travel(c: RepContext) -> float | None:
    """Shorter arm's travel over the longer arm's, start to top of a rep (1.0 = even; None if not comparable:
    one arm only, or the elbows alone when the hands are hidden)."""
    path = c.signals.hand_path
    if path is None or path.shape[1] != 8:
        return None
    moves = []
    for cols in (slice(0, 4), slice(4, 8)):
        a = np.array([window(c.t, path[:, j], *c.start_win) for j in range(cols.start, cols.stop)])
        b = np.array([window(c.t, path[:, j], *c.top_win) for j in range(cols.start, cols.stop)])
        moves.append(float(np.linalg.norm(b - a)))
    # Only a pull that travels far in the image can be compared side to side; a pull toward the
    # camera (seated and chest-supported rows from the front) is foreshortened and skewed by perspective.
    if not all(np.isfinite(moves)) or max(moves) < c.profile.faults.asymmetry.min_arm_travel_torso:
        return None
    # Only with the shoulders square to the camera: turned, the near and the far arm foreshorten differently.
    yaw = c.signals.values.get("shoulder_yaw")
    if yaw is not None:
        off_square = window(c.t, np.abs((yaw + 90.0) % 180.0 - 90.0), c.rep.start_s, c.rep.peak_s)
        if not off_square <= c.profile.faults.asymmetry.max_travel_yaw_deg:
            return None
    return min(moves) / max(moves)


def travel_threshold(ratios: list[float | None], cfg) -> float | None:
    """The set's own travel-ratio limit: a camera a little off-centre shortens one arm's image on every rep,
    so a rep is uneven against the set's best reps (or below the absolute floor)."""
    vals = np.array([v for v in ratios if v is not None and np.isfinite(v)])
    if len(vals) == 0:
        return None
    ref = min(1.0, float(np.median(np.sort(vals)[len(vals) // 2:])))
    return max(cfg.min_travel_ratio_abs, cfg.min_travel_ratio * ref) if len(vals) >= 3 else cfg.min_travel_ratio_abs


def asymmetry(c: RepContext) -> Reading | None:
    """The worst of three left/right differences, each against its own limit: elbow angles and (front/rear)
    shoulder heights from start to top, and arm travel against the set's best reps."""
    cfg = c.profile.faults.asymmetry
    d_el = abs(c.rise("lr_elbow_diff"))
    metrics = {"lr_elbow_diff": (d_el, "deg")}
    candidates = []
    # The 3-D elbow angles only from the front: from behind and at an angle BlazePose's elbows read 86-123 deg
    # apart on an even real face pull.
    if np.isfinite(d_el) and c.view == "front":
        candidates.append((d_el / cfg.min_elbow_deg, Reading(d_el, cfg.min_elbow_deg, c.rep.peak_s, "deg",
                                                             margin=cfg.margin_deg)))
    if c.view in ("front", "rear"):
        d_ev = abs(c.rise("lr_elev_diff"))
        metrics["lr_elev_diff"] = (d_ev, "torso")
        if np.isfinite(d_ev):
            candidates.append((d_ev / cfg.min_elev_torso, Reading(d_ev, cfg.min_elev_torso, c.rep.peak_s, "torso",
                                                                  margin=cfg.margin_torso)))
    travel = side_travel(c)
    if travel is not None:
        metrics["lr_travel_ratio"] = (travel, "ratio")
        thr = c.stats.travel_threshold
        if thr is not None and travel > 0:
            # "Above" is bad for the others: express the travel ratio as how far below its limit it fell.
            candidates.append((thr / travel, Reading(travel, thr, c.rep.peak_s, "ratio", bad="below",
                                                     margin=cfg.margin)))
    if not candidates:
        return None
    score, reading = max(candidates, key=lambda x: x[0])
    reading.metrics = metrics
    return reading


# --- back -------------------------------------------------------------------------------------------------------

def rounded_back(c: RepContext) -> Reading | None:
    """Side view: the back's outline bent (deg; the median over the rep's measured frames), judged in a hinge.

    Rounded-back reps are rounded throughout, so the rep's own start is no baseline: the bend is absolute.
    It is judged only when the trunk leans forward at least ``min_trunk_deg`` (bent-over, one-arm and
    chest-supported rows): a braced back in a hinge shows a nearly straight outline, while an upright trunk
    (seated rows, face pulls) shows every lifter's natural thoracic curve in it. Upright reps still record
    the measurement. Unmeasured (NaN) when too few of the rep's frames were measured (arms crossing the back
    at the top, no person mask recorded).
    """
    cfg = c.profile.faults.rounded_back
    x = c.signals["back_rounding"]
    m = (c.t >= c.span[0] - 1e-9) & (c.t <= c.span[1] + 1e-9)
    vals, times = x[m], c.t[m]
    ok = np.isfinite(vals)
    frac = float(ok.mean()) if len(vals) else 0.0
    value = float(np.median(vals[ok])) if ok.sum() >= 3 and frac >= cfg.min_measured_frac else float("nan")
    worst = float(times[ok][int(np.argmax(vals[ok]))]) if ok.any() else c.rep.peak_s
    trunk = window(c.t, c.signals["trunk_inclination"], *c.span)
    metrics = {"back_rounding": (value, "deg"), "back_measured_frac": (frac, "ratio")}
    why = None
    if not np.isfinite(value) and BACK_ARC not in c.signals.recorded:
        why = "the back's outline was not recorded (it is measured when a video file is analysed, not live)"
    elif not np.isfinite(value):
        why = "the back's outline was hidden (an arm, hair or loose clothing across it) on most of this rep"
    elif not trunk >= cfg.min_trunk_deg:
        value = float("nan")  # upright: recorded above, not judged
        why = (f"judged only in a hinged row (trunk leaning {cfg.min_trunk_deg:.0f}\u00b0 or more forward): an "
               "upright back shows its natural curve")
    return Reading(value, cfg.min_deg, worst, "deg", metrics, why=why)

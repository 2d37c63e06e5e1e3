"""Rep scripts: per-rep tempo and faults, laid out on a clip timeline.

Times are seconds; amounts (shrug, retraction, neck) are fractions of the
lifter's torso length (mid-hip to mid-shoulder); angles are degrees.

Thoracic flexion (a rounded upper back) is posture, not movement: a rep's
value holds through the whole rep, and the back changes between two reps
during the pause between them (eased, see :func:`thoracic_at`).

A rep runs: start (arms extended, bottom) -> concentric -> peak (top) -> hold
-> eccentric -> bottom -> pause -> end (= the next rep's start). Within each
phase motion follows a cosine ease, so velocity is zero at phase boundaries.
The clip starts with a still lead-in ("setup", optionally with a setup motion)
and ends with a still tail ("rest").
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, asdict, replace

import numpy as np

from ..analysis.faults import FAULTS
from ..errors import OptionError
from ..tempo import Tempo

TIME_EPS = 1e-9  # s; boundary tolerance for floating-point rep times

PHASES = ("setup", "concentric", "hold", "eccentric", "pause", "rest")

# When a scripted value makes a rep a fault. These are the *scripting* thresholds
# (what the truth labels as a fault), kept in one place and written into the truth JSON.
FAULT_THRESHOLDS = {
    "shrug": 0.05,             # shoulder elevation >= 0.05 x torso length (row-type exercises only)
    "short_hold_s": 0.3,       # hold < 0.3 s when the target hold is > 0
    "rushed_eccentric": 0.6,   # eccentric < 0.6 x target eccentric
    "swing_deg": 10.0,         # |trunk inclination change| >= 10 deg
    "rotation_deg": 12.0,      # |shoulder-line rotation| >= 12 deg
    "asymmetry": 0.15,         # |asymmetry| >= 0.15
    "partial_range": 0.7,      # range < 0.7
    "neck": 0.08,              # head jut >= 0.08 x torso length
    "rounded_back_deg": 20.0,  # thoracic flexion >= 20 deg (the spine's curve turns this much over the upper back)
}
#: The faults a script can put into a rep: ids of the fault table (formcheck.analysis.faults).
FAULT_NAMES = tuple(f for f in FAULTS if f in ("shrug", "short_hold", "rushed_eccentric", "swing", "rotation",
                                               "asymmetry", "partial_range", "neck", "rounded_back"))


def parse_tempo(value) -> tuple[float, float, float, float]:
    """A tempo for scripting (see :class:`formcheck.tempo.Tempo`), as (ecc, pause, conc, hold) seconds.

    Raises:
        OptionError: not a tempo, or one a drawn lifter cannot perform (an eccentric or concentric under
            0.2 s, a rep over 20 s).
    """
    tempo = Tempo.parse(value)
    if tempo is None:
        raise OptionError("a scripted set needs a tempo, like 3-0-1-1.")
    nums = tempo.as_tuple()
    if nums[0] < 0.2 or nums[2] < 0.2:
        raise OptionError(f"the eccentric and concentric must each last at least 0.2 s, got {value!r}.")
    if sum(nums) > 20:
        raise OptionError(f"one rep of tempo {value!r} lasts {sum(nums):g} s; keep it under 20 s.")
    return nums


@dataclass
class RepSpec:
    """The script of one rep. ``None`` means "use the clip's target / the exercise default".

    Attributes:
        eccentric_s, pause_s, concentric_s, hold_s: phase durations (s).
        range: fraction of the exercise's full range of motion reached (1 = full rep).
        shrug: shoulder elevation at the top, along the trunk axis, as a fraction of torso
            length. The head and ears do not move with it. For the ``shrug`` exercise this is
            the exercise's own elevation (default 0.14, scaled by ``range``).
        retraction: shoulder travel backward along the trunk at the top (fraction of torso
            length); the shoulders also move medially by half as much, so the shoulder width
            narrows from the front/back. Default: 0.06 for rows (a clean rep), 0 for shrugs.
        swing_deg: trunk inclination change at the top (positive = trunk rises / leans back).
        rotation_deg: shoulder line turned against the hip line about the trunk axis at the top;
            positive turns the working arm's shoulder backward (two-arm exercises: the right).
        asymmetry: a > 0: the lifter's RIGHT side moves through (1 - a) of the left side's
            excursion (arm pull and retraction in rows, elevation in shrugs); a < 0: the LEFT
            side moves through (1 + a) of the right's.
        neck: head jut forward at the top, fraction of torso length; the head also cranes up
            by 120 deg x neck.
        thoracic_deg: upper-back flexion held through the rep (deg): the spine's centre line turns
            this much between the lower back and the shoulders (0 = a flat back; a rounded back
            is about 30).
    """

    eccentric_s: float | None = None
    pause_s: float | None = None
    concentric_s: float | None = None
    hold_s: float | None = None
    range: float = 1.0
    shrug: float | None = None
    retraction: float | None = None
    swing_deg: float = 0.0
    rotation_deg: float = 0.0
    asymmetry: float = 0.0
    neck: float = 0.0
    thoracic_deg: float = 0.0

    def validate(self, index: int) -> None:
        def bad(msg):
            raise OptionError(f"rep {index}: {msg}")
        for name in ("eccentric_s", "pause_s", "concentric_s", "hold_s"):
            v = getattr(self, name)
            if v is not None and (not math.isfinite(v) or v < 0):
                bad(f"{name} must be 0 or more seconds, got {v}.")
        for name in ("eccentric_s", "concentric_s"):
            v = getattr(self, name)
            if v is not None and v < 0.1:
                bad(f"{name} must be at least 0.1 s, got {v}.")
        if not 0.0 < self.range <= 1.0:
            bad(f"range must be in (0, 1], got {self.range}.")
        for name, lo, hi in (("shrug", 0.0, 0.3), ("retraction", 0.0, 0.2), ("neck", 0.0, 0.3)):
            v = getattr(self, name)
            if v is not None and not lo <= v <= hi:
                bad(f"{name} must be within [{lo}, {hi}] (fraction of torso length), got {v}.")
        if not -1.0 < self.asymmetry < 1.0:
            bad(f"asymmetry must be within (-1, 1), got {self.asymmetry}.")
        if abs(self.swing_deg) > 40 or abs(self.rotation_deg) > 45:
            bad("swing_deg must be within +-40 and rotation_deg within +-45 degrees.")
        if not (math.isfinite(self.thoracic_deg) and 0.0 <= self.thoracic_deg <= 60.0):
            bad(f"thoracic_deg must be within [0, 60] degrees, got {self.thoracic_deg}.")


@dataclass
class RepPlan:
    """A rep with every value resolved and its times on the clip clock (s)."""

    index: int
    start_s: float
    peak_s: float
    bottom_s: float
    end_s: float
    eccentric_s: float
    pause_s: float
    concentric_s: float
    hold_s: float
    range: float
    shrug: float
    retraction: float
    swing_deg: float
    rotation_deg: float
    asymmetry: float
    neck: float
    thoracic_deg: float = 0.0
    faults: list[str] = field(default_factory=list)

    @property
    def hold_end_s(self) -> float:
        return self.peak_s + self.hold_s

    def to_dict(self) -> dict:
        d = asdict(self)
        for k, v in d.items():
            if isinstance(v, float):
                d[k] = round(v, 6)
        return d


def rep_faults(rep: RepPlan, target: tuple[float, float, float, float], exercise: str) -> list[str]:
    """Fault names a resolved rep carries under :data:`FAULT_THRESHOLDS`."""
    th = FAULT_THRESHOLDS
    ecc_t, _pause_t, _conc_t, hold_t = target
    out = []
    if exercise != "shrug" and rep.shrug >= th["shrug"] - 1e-9:
        out.append("shrug")
    if hold_t > 0 and rep.hold_s < th["short_hold_s"] - 1e-9:
        out.append("short_hold")
    if rep.eccentric_s < th["rushed_eccentric"] * ecc_t - 1e-9:
        out.append("rushed_eccentric")
    if abs(rep.swing_deg) >= th["swing_deg"] - 1e-9:
        out.append("swing")
    if abs(rep.rotation_deg) >= th["rotation_deg"] - 1e-9:
        out.append("rotation")
    if abs(rep.asymmetry) >= th["asymmetry"] - 1e-9:
        out.append("asymmetry")
    if rep.range < th["partial_range"] - 1e-9:
        out.append("partial_range")
    if rep.neck >= th["neck"] - 1e-9:
        out.append("neck")
    if rep.thoracic_deg >= th["rounded_back_deg"] - 1e-9:
        out.append("rounded_back")
    return out


def plan_reps(reps: list[RepSpec], target: tuple[float, float, float, float], start_s: float,
              exercise: str, default_shrug: float, default_retraction: float) -> list[RepPlan]:
    """Resolve rep scripts against the target tempo and lay them end to end from start_s."""
    ecc_t, pause_t, conc_t, hold_t = target
    plans = []
    t = start_s
    for i, r in enumerate(reps, 1):
        r.validate(i)
        ecc = ecc_t if r.eccentric_s is None else r.eccentric_s
        pause = pause_t if r.pause_s is None else r.pause_s
        conc = conc_t if r.concentric_s is None else r.concentric_s
        hold = hold_t if r.hold_s is None else r.hold_s
        shrug = default_shrug if r.shrug is None else r.shrug
        if exercise == "shrug":
            shrug = shrug * r.range
        retr = default_retraction if r.retraction is None else r.retraction
        p = RepPlan(i, t, t + conc, t + conc + hold + ecc, t + conc + hold + ecc + pause,
                    ecc, pause, conc, hold, r.range, shrug, retr, r.swing_deg, r.rotation_deg,
                    r.asymmetry, r.neck, r.thoracic_deg)
        p.faults = rep_faults(p, target, exercise)
        plans.append(p)
        t = p.end_s
    return plans


def ease(x: np.ndarray | float) -> np.ndarray:
    """Cosine ease 0 -> 1 on [0, 1] (zero velocity at both ends)."""
    x = np.clip(x, 0.0, 1.0)
    return 0.5 - 0.5 * np.cos(np.pi * x)


@dataclass
class FrameState:
    """What the motion model needs at one instant.

    Attributes:
        t: time (s). phase: one of :data:`PHASES`. rep: 1-based rep index or 0.
        act: pull activation 0 (bottom) .. 1 (top), before range and side scaling.
        progress: side -> arm progress (act x range x side scale), 0..1.
        shrug, retraction: side -> current amounts (fraction of torso length).
        swing_deg, rotation_deg, neck: current values.
        setup: 0..1 blend from the setup pose into the start position (1 = in position).
        thoracic_deg: current upper-back flexion (deg).
    """

    t: float
    phase: str
    rep: int
    act: float
    progress: dict[str, float]
    shrug: dict[str, float]
    retraction: dict[str, float]
    swing_deg: float = 0.0
    rotation_deg: float = 0.0
    neck: float = 0.0
    setup: float = 1.0
    thoracic_deg: float = 0.0


def side_scale(asymmetry: float) -> dict[str, float]:
    """Excursion multiplier per side for an asymmetry value (see RepSpec.asymmetry)."""
    if asymmetry >= 0:
        return {"left": 1.0, "right": 1.0 - asymmetry}
    return {"left": 1.0 + asymmetry, "right": 1.0}


#: Longest time (s) the back takes to change its rounding between two reps.
BACK_CHANGE_S = 0.6


def thoracic_at(t: float, plans: list[RepPlan]) -> float:
    """Upper-back flexion (deg) at time t: each rep's value, changing between reps in the middle of the pause
    that separates them (over min(pause, BACK_CHANGE_S), at least 0.2 s); before the first rep the first
    rep's value, after the last the last's."""
    if not plans:
        return 0.0
    v = plans[0].thoracic_deg
    for a, b in zip(plans[:-1], plans[1:]):
        step = b.thoracic_deg - a.thoracic_deg
        if step:
            width = max(0.2, min(BACK_CHANGE_S, a.pause_s))
            centre = (a.bottom_s + a.end_s) / 2 if a.pause_s >= 0.2 else a.end_s
            v += step * float(ease((t - (centre - width / 2)) / width))
    return v


def state_at(t: float, plans: list[RepPlan], exercise: str, lead_s: float,
             setup_motion_s: float = 0.0, setup_still_s: float = 0.3) -> FrameState:
    """The scripted state at time t (s)."""
    zero = {"left": 0.0, "right": 0.0}
    # A frame exactly on a boundary (within TIME_EPS) belongs to the phase that starts there.
    te = t + TIME_EPS
    if not plans or te < plans[0].start_s:
        setup = 1.0
        if setup_motion_s > 0:
            setup = float(ease((t - setup_still_s) / setup_motion_s))
        return FrameState(t, "setup", 0, 0.0, dict(zero), dict(zero), dict(zero), setup=setup,
                          thoracic_deg=thoracic_at(t, plans))
    if te >= plans[-1].end_s:
        return FrameState(t, "rest", 0, 0.0, dict(zero), dict(zero), dict(zero), thoracic_deg=thoracic_at(t, plans))
    rep = plans[-1]
    for p in plans:
        if p.start_s <= te < p.end_s:
            rep = p
            break
    if te < rep.peak_s:
        phase, act = "concentric", float(ease((t - rep.start_s) / rep.concentric_s))
    elif te < rep.hold_end_s:
        phase, act = "hold", 1.0
    elif te < rep.bottom_s:
        phase, act = "eccentric", 1.0 - float(ease((t - rep.hold_end_s) / rep.eccentric_s))
    else:
        phase, act = "pause", 0.0
    sc = side_scale(rep.asymmetry)
    if exercise == "shrug":
        prog = {s: 0.0 for s in sc}
        shrug = {s: act * rep.shrug * sc[s] for s in sc}
    else:
        prog = {s: act * rep.range * sc[s] for s in sc}
        shrug = {s: act * rep.shrug for s in sc}
    retr = {s: act * rep.retraction * sc[s] for s in sc}
    return FrameState(t, phase, rep.index, act, prog, shrug, retr, act * rep.swing_deg,
                      act * rep.rotation_deg, act * rep.neck, thoracic_deg=thoracic_at(t, plans))


def reps_from_list(n: int, overrides: dict[int, dict] | None = None) -> list[RepSpec]:
    """n clean reps, with per-rep overrides {1-based index: {field: value}}."""
    reps = [RepSpec() for _ in range(n)]
    for i, kw in (overrides or {}).items():
        if 1 <= i <= n:
            reps[i - 1] = replace(reps[i - 1], **kw)
    return reps

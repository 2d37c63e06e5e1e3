"""Per-rep measurements and findings, from signals + reps + one profile, by the fault table.

Every threshold comes from the resolved profile; every fault is a row of
:data:`formcheck.analysis.faults.FAULTS` whose rule measures and whose direction
decides. A group the camera view cannot support is reported as not measurable,
with the reason and how to film instead; it never produces a finding.

The shrug trap: on real footage the ear-to-shoulder distance falls in every
pull (trunk lean, head motion, the arm dragging the shoulder estimate). So a
shrug must show as the shoulders rising along the trunk against BOTH the ears
and the hips, relative to the rep's own start; one proxy alone does not count.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..config import Profile
from ..series import LANDMARK as L
from .capabilities import CAPABILITIES, view_reason
from .faults import FAULTS, describe, fault
from .reps import Rep
from .rules import RepContext, SetStats, side_travel, travel_threshold
from .signals import Signals

#: Plain words for the landmarks a group needs, in "not clearly visible" messages.
PLAIN = {"left_wrist": "wrists", "right_wrist": "wrists", "left_elbow": "elbows", "right_elbow": "elbows",
         "left_ear": "head", "right_ear": "head", "left_hip": "hips", "right_hip": "hips",
         "left_shoulder": "shoulders", "right_shoulder": "shoulders"}


def _r(x, nd: int = 2):
    """A JSON-friendly rounded float (None for None, NaN or infinity)."""
    if x is None:
        return None
    x = float(x)
    return None if not np.isfinite(x) else round(x, nd)


@dataclass
class Finding:
    """One fault on one rep: its measured value against the threshold, how sure, and its worst moment.

    Attributes:
        name: fault id (a row of :data:`formcheck.analysis.faults.FAULTS`).
        value, threshold: the reading and the limit the rule applied, in ``unit``.
        unit: "torso", "deg", "s" or "ratio".
        worst_s: the moment it was worst (s).
        status: "fault" (past the threshold by at least the profile's margin) or "check" (past it by less:
            shown as "check this rep", never as a fault).
        confidence: 0.5 (on the threshold) to 0.99 (far past it), from how far past the threshold it is
            against the margin.
        bad: "above" or "below" when it differs from the fault's usual direction.
    """

    name: str
    value: float
    threshold: float
    unit: str
    worst_s: float
    status: str = "fault"
    confidence: float = 0.99
    bad: str | None = None

    @property
    def fault(self):
        return fault(self.name)

    @property
    def text(self) -> str:
        return describe(self.name, self.value, self.threshold, self.unit, self.bad)

    def to_dict(self) -> dict:
        return {"name": self.name, "title": self.fault.title, "label": self.fault.label, "status": self.status,
                "value": _r(self.value, 3), "threshold": _r(self.threshold, 3), "unit": self.unit,
                "confidence": _r(self.confidence), "text": self.text, "worst_s": _r(self.worst_s, 3)}


def judge(fid: str, reading) -> Finding | None:
    """The table's decision on one reading: None (within the limit), a "check" or a "fault"."""
    fd = fault(fid)
    if not (np.isfinite(reading.value) and np.isfinite(reading.threshold)):
        return None
    if not fd.exceeded(reading.value, reading.threshold, reading.bad, reading.unit):
        return None
    below = (reading.bad or fd.bad) == "below"
    excess = (reading.threshold - reading.value) if below else (reading.value - reading.threshold)
    margin = reading.margin
    sure = excess >= margin - 1e-9
    confidence = 0.99 if margin <= 0 else float(np.clip(0.5 + 0.25 * excess / margin, 0.5, 0.99))
    return Finding(fid, reading.value, reading.threshold, reading.unit, reading.worst_s,
                   "fault" if sure else "check", confidence, reading.bad)


@dataclass
class RepAssessment:
    """One rep's measurements and findings.

    Attributes:
        findings: faults and checks, in the fault table's order.
        unmeasurable: group -> why it could not be measured on this rep.
        partial: why the rep is not judged (the clip cuts it), or None.
    """

    rep: Rep
    metrics: dict[str, tuple[float | None, str]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    unmeasurable: dict[str, str] = field(default_factory=dict)
    partial: str | None = None

    @property
    def faults(self) -> list[str]:
        """Fault ids found with confidence (the "check this rep" ones are in :attr:`checks`)."""
        return [f.name for f in self.findings if f.status == "fault"]

    @property
    def checks(self) -> list[str]:
        return [f.name for f in self.findings if f.status == "check"]


def _needed(name: str, prof: Profile) -> float:
    """How visible a landmark must be for a measurement that needs it."""
    arm = name.endswith(("_elbow", "_wrist"))
    return prof.min_landmark_visibility_arms if arm else prof.min_landmark_visibility


def _far_side(name: str, near: str) -> bool:
    return name.startswith("left_" if near == "right" else "right_")


def _unmeasurable(ctx: RepContext, visibility: np.ndarray) -> dict[str, str]:
    """Group -> why it cannot be measured on this rep (view, visibility, an unfinished rep)."""
    prof, sig, t = ctx.profile, ctx.signals, ctx.t
    m = (t >= ctx.span[0]) & (t <= ctx.span[1])
    # Median visibility of every landmark over the rep (frames without a person count as unseen).
    med = np.median(np.nan_to_num(visibility[m], nan=0.0), axis=0) if m.any() else None
    out = {}
    for group, cap in CAPABILITIES.items():
        why = view_reason(group, ctx.view, rotation_from_side=prof.rotation_from_side)
        needs = cap.landmarks
        if group == "tempo" and prof.reps.rep_signal not in ("hand_travel", "elbow_flexion"):
            needs = ()  # the phases follow the shoulders (shrugs), not the arms
        if why is None and med is not None and needs:
            low = sorted({PLAIN[n] for n in needs if med[L[n]] < _needed(n, prof) and
                          not (ctx.view == "side" and _far_side(n, sig.near_side))})
            if low:
                why = f"{' and '.join(low)} not clearly visible"
        if why:
            out[group] = why
    for group, reason in prof.not_judged.items():
        out.setdefault(group, reason)
    if ctx.rep.bottom_s is None and "shrug" not in out:
        # The set ends at the top (weight being put down?): judge no shoulder position on it.
        out["shrug"] = "rep not finished in the clip"
    return out


def partial_reason(rep: Rep) -> str | None:
    """Why a rep is cut by the clip's edges (counted, but not judged), or None when the clip shows it whole.

    Read by the segmenter's own speed rule: a pull still moving on the clip's first frame began before the
    clip; a lowering still moving on its last frame goes on after it; a rep with no lowering ends at the top.
    """
    if rep.extra.get("started_before_clip"):
        return "the clip starts during this rep's pull"
    if rep.bottom_s is None:
        return "the clip ends before this rep's lowering"
    if rep.extra.get("lowering_cut"):
        return "the clip ends during this rep's lowering"
    return None


#: What a frozen still (an edited freeze-frame) inside a rep spoils: the clock (phase times) and the path's
#: continuity (range, left/right travel: the edit may skip some of the motion). The poses themselves are the
#: lifter's own, so posture (shrug, swing, neck, rotation, squeeze, back) is still judged on them.
FROZEN_SPOILS = ("tempo", "range", "asymmetry")
FROZEN_WHY = "the video freezes during this rep (an edited still)"


def frozen_in(rep: Rep, frozen=()) -> bool:
    end = rep.bottom_s if rep.bottom_s is not None else rep.end_s
    return any(a < end and b > rep.start_s for a, b in frozen)


def set_stats(signals: Signals, reps: list[Rep], profile: Profile, exercise: str,
              target: tuple[float, float, float, float] | None) -> SetStats:
    """What rules compare a rep with: the set's best range, and its own left/right travel limit."""
    amps = np.array([r.amplitude for r in reps]) if reps else np.zeros(0)
    best = float(np.median(np.sort(amps)[len(amps) // 2:])) if len(amps) else float("nan")
    stats = SetStats(len(reps), best)
    ratios = [side_travel(RepContext(r, signals, profile, exercise, target, stats)) for r in reps]
    stats.travel_threshold = travel_threshold(ratios, profile.faults.asymmetry)
    return stats


def assess_reps(signals: Signals, reps: list[Rep], profile: Profile, visibility: np.ndarray,
                target: tuple[float, float, float, float] | None, exercise: str,
                also: tuple[str, ...] = (), frozen=()) -> list[RepAssessment]:
    """Metrics and findings for each rep.

    Args:
        signals: the clip's signals.
        reps: segmented reps.
        profile: resolved profile (see :func:`formcheck.config.resolve`).
        visibility: (T, 33) raw landmark visibility.
        target: target tempo (eccentric, pause, concentric, hold) seconds, or None when nobody set one.
        exercise: exercise key.
        also: other exercises it may be (unsure detection): faults any of them implies are not judged.
        frozen: (start_s, end_s) frozen stills in the video: on reps across them, the groups in FROZEN_SPOILS
            are not judged.
    """
    stats = set_stats(signals, reps, profile, exercise, target)
    off = set(profile.faults_off)
    range_unit = "deg" if profile.reps.rep_signal == "elbow_flexion" else "torso"
    out: list[RepAssessment] = []
    for r in reps:
        ctx = RepContext(r, signals, profile, exercise, target, stats)
        ra = RepAssessment(r, unmeasurable=_unmeasurable(ctx, visibility), partial=partial_reason(r))
        if frozen_in(r, frozen):
            for group in FROZEN_SPOILS:
                ra.unmeasurable.setdefault(group, FROZEN_WHY)
        ecc, pause, conc, hold = r.tempo()
        ra.metrics.update({"concentric_s": (conc, "s"), "hold_s": (hold, "s"), "eccentric_s": (ecc, "s"),
                           "pause_s": (pause, "s"), "range": (r.amplitude, range_unit)})
        for fd in FAULTS.values():
            if {exercise, *also} & set(fd.implied_by) or fd.group in ra.unmeasurable:
                continue
            reading = fd.rule(ctx)
            if reading is None:
                continue
            ra.metrics.update(reading.metrics)
            if reading.why and not np.isfinite(reading.value):
                ra.unmeasurable.setdefault(fd.group, reading.why)
            if fd.id in off or ra.partial:
                continue
            finding = judge(fd.id, reading)
            if finding is not None:
                ra.findings.append(finding)
        out.append(ra)
    return out


def measurability(assessed: list[RepAssessment], view: str, profile: Profile, exercise: str) -> dict[str, dict]:
    """Per group: measurable or not from this view (why, and how to film instead), or only on some reps."""
    from .cues import rep_ranges

    out = {}
    for group in CAPABILITIES:
        why = view_reason(group, view, rotation_from_side=profile.rotation_from_side) or profile.not_judged.get(group)
        rep_why = sorted({ra.unmeasurable[group] for ra in assessed if group in ra.unmeasurable and why is None})
        bad_reps = [ra.rep.index for ra in assessed if group in ra.unmeasurable]
        if why is None and rep_why and assessed and len(bad_reps) == len(assessed):
            why = rep_why[0]
        entry: dict = {"measurable": why is None}
        if why:
            entry["why"] = why
        elif bad_reps:
            entry["partial"] = f"{rep_why[0]} on {rep_ranges(bad_reps)}"
        out[group] = entry
    if exercise == "shrug":
        out["shrug"]["note"] = "the shrug is the exercise here, so it is the rep signal, not a fault"
    return out

"""What to say about a set: cues grouped by rep ranges, most frequent fault first, plus fatigue trends."""

from __future__ import annotations

import numpy as np

from ..config import Profile
from .assess import RepAssessment
from .faults import FAULTS


def rep_ranges(nums: list[int]) -> str:
    """[1, 2, 3, 5, 7, 8] -> 'reps 1-3, 5, 7-8' (with en dashes)."""
    nums = sorted(set(nums))
    if not nums:
        return ""
    parts, a, b = [], nums[0], nums[0]
    for n in nums[1:] + [None]:
        if n is not None and n == b + 1:
            b = n
            continue
        parts.append(f"{a}" if a == b else f"{a}\u2013{b}")
        if n is not None:
            a = b = n
    word = "rep" if len(nums) == 1 else "reps"
    return f"{word} {', '.join(parts)}"


def _trends(assessed: list[RepAssessment], profile: Profile) -> list[dict]:
    """Fatigue over the set: the lowering speeding up, the range shrinking (groups of reps, never one rep)."""
    tr = profile.trend
    if len(assessed) < tr.min_reps:
        return []
    out = []
    k = max(2, len(assessed) // 3)
    ecc = [ra.rep.eccentric_s for ra in assessed]
    first = [e for e in ecc[:k] if e is not None]
    last = [e for e in ecc[-k:] if e is not None]
    if first and last and np.mean(last) < tr.eccentric_drop_frac * np.mean(first):
        out.append({"fault": "tempo_drift", "reps": [ra.rep.index for ra in assessed[-k:]], "severity": "info",
                    "text": f"Over the set your lowering sped up ({np.mean(first):.1f} s \u2192 {np.mean(last):.1f} s): "
                            "a sign of fatigue \u2014 keep the negatives slow or end the set there."})
    amps = [ra.rep.amplitude for ra in assessed]
    if np.mean(amps[-k:]) < tr.range_drop_frac * np.mean(amps[:k]):
        out.append({"fault": "range_drop", "reps": [ra.rep.index for ra in assessed[-k:]], "severity": "info",
                    "text": f"Your range shrank over the last {k} reps ({np.mean(amps[-k:]) / np.mean(amps[:k]):.0%} "
                            "of the first): fatigue \u2014 keep full reps or stop the set."})
    return out


def set_cues(assessed: list[RepAssessment], profile: Profile, target: tuple[float, float, float, float] | None,
             exercise: str | None = None) -> list[dict]:
    """Plain-words cues grouped by rep ranges, most frequent fault first, plus set trends."""
    cues = []
    by_fault: dict[str, list] = {}
    for ra in assessed:
        for f in ra.findings:
            by_fault.setdefault(f.name, []).append(f)
    reps_of = {name: [ra.rep.index for ra in assessed if name in ra.faults] for name in by_fault}
    hold, ecc = (target[3], target[0]) if target is not None else (1.0, 1.0)
    for name in sorted(by_fault, key=lambda n: (-len(by_fault[n]), n)):
        vals = [f.value for f in by_fault[name]]
        text = FAULTS[name].cue_template(exercise).format(value=float(np.median(vals)), target_hold=max(1.0, hold),
                                                          target_ecc=max(1.0, ecc))
        ranges = rep_ranges(reps_of[name])
        cues.append({"fault": name, "reps": reps_of[name], "text": f"{ranges[0].upper()}{ranges[1:]}: {text}.",
                     "severity": "warning"})
    cues += _trends(assessed, profile)
    if assessed and not by_fault:
        cues.insert(0, {"fault": None, "reps": [], "severity": "ok",
                        "text": "Clean set: no faults found in what this view can measure."})
    return cues

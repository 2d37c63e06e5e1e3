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
    """Plain-words cues: one per fault (its reps as ranges), most important first, then "check this rep"
    findings, then fatigue trends; or "Good set" when nothing was found."""
    cues = []
    by_fault: dict[str, list] = {}
    checks: list[tuple[int, object]] = []
    for ra in assessed:
        for f in ra.findings:
            if f.status == "fault":
                by_fault.setdefault(f.name, []).append((ra.rep.index, f))
            else:
                checks.append((ra.rep.index, f))
    hold, ecc = (target[3], target[0]) if target is not None else (1.0, 1.0)
    for name in sorted(by_fault, key=lambda n: (FAULTS[n].priority, -len(by_fault[n]), n)):
        found = by_fault[name]
        value = float(np.median([f.value for _, f in found]))
        text = FAULTS[name].cue_template(exercise).format(value=value, target_hold=max(1.0, hold),
                                                          target_ecc=max(1.0, ecc))
        ranges = rep_ranges([i for i, _ in found])
        cues.append({"fault": name, "reps": [i for i, _ in found], "severity": "warning",
                     "text": f"{ranges[0].upper()}{ranges[1:]}: {text}."})
    if checks:
        parts = [f"{rep_ranges([i])} (possibly {f.fault.label}: {f.text})" for i, f in checks]
        cues.append({"fault": None, "reps": sorted({i for i, _ in checks}), "severity": "check",
                     "text": "Check " + "; ".join(parts) + ": close to the limit, look at the video before "
                             "you act on it."})
    cues += _trends(assessed, profile)
    judged = [ra for ra in assessed if not ra.partial]
    if judged and not by_fault:
        cues.insert(0, {"fault": None, "reps": [], "severity": "ok",
                        "text": "Good set: no faults found in what this view can measure."})
    return cues


def verdict(assessed: list[RepAssessment], cues: list[dict], exercise: str | None = None) -> dict:
    """The report's first line: "Good set" when it is, otherwise the single most important fix.

    Returns:
        {"ok": bool, "fault": fault id or None, "text": plain words}.
    """
    judged = [ra for ra in assessed if not ra.partial]
    if not assessed:
        return {"ok": False, "fault": None, "text": "No reps found."}
    if not judged:
        return {"ok": False, "fault": None,
                "text": "The clip cuts every rep: film the whole set, from before the first pull to after the "
                        "last lowering."}
    first = next((c for c in cues if c["severity"] == "warning"), None)
    if first is None:
        n = len(judged)
        extra = " (some reps are worth a look: see below)" if any(c["severity"] == "check" for c in cues) else ""
        return {"ok": True, "fault": None, "text": f"Good set: {n} clean rep{'s' if n != 1 else ''}{extra}."}
    fd = FAULTS[first["fault"]]
    how = first["text"].split(": ", 1)[-1]
    return {"ok": False, "fault": fd.id, "text": f"Fix first \u2014 {fd.title.lower()}: {how}"}

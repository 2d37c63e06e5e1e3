"""Per-rep metrics and faults, and set-level cues, from signals + reps + one profile.

Every threshold comes from the resolved profile (formcheck/profiles/default.json).
A metric the camera view cannot support is reported as not measurable, with
the reason and how to film instead; it never produces a fault.

The shrug trap: on real footage the ear-to-shoulder distance falls in every
pull (trunk lean, head motion, the arm dragging the shoulder estimate). So a
shrug must show as the shoulders rising along the trunk against BOTH the ears
and the hips, relative to the rep's own start; one proxy alone does not count.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .signals import Signals
from .reps import Rep
from ..series import LANDMARK as L

FAULT_LABELS = {
    "shrug": "shrugging (shoulders rose toward the ears)",
    "short_hold": "no squeeze hold at the top",
    "weak_squeeze": "elbows stopped short (weak retraction)",
    "rushed_eccentric": "rushed lowering",
    "swing": "trunk swing (momentum)",
    "neck": "neck craning",
    "rotation": "trunk rotation",
    "asymmetry": "left/right imbalance",
    "partial_range": "partial range of motion",
}

HOW_TO_FILM = {
    "side": "film from the side at hip height, whole body in frame",
    "front": "film from the front at chest height, whole body in frame",
}

# Which views support each metric group, and how to film when they do not.
METRIC_VIEWS = {
    "tempo": (("side", "front", "rear", "oblique"), "side"),
    "range": (("side", "front", "rear", "oblique"), "side"),
    "shrug": (("side", "front", "rear", "oblique"), "front"),
    "retraction": (("side", "front", "rear"), "side"),
    "swing": (("side", "oblique"), "side"),
    "neck": (("side",), "side"),
    "rotation": (("front", "rear", "oblique", "side"), "front"),
    "asymmetry": (("front", "rear", "oblique"), "front"),
}
FAULT_GROUP = {"shrug": "shrug", "short_hold": "tempo", "rushed_eccentric": "tempo", "weak_squeeze": "retraction",
               "swing": "swing", "neck": "neck", "rotation": "rotation", "asymmetry": "asymmetry",
               "partial_range": "range"}
GROUP_LANDMARKS = {
    "shrug": ("left_shoulder", "right_shoulder", "left_ear", "right_ear", "left_hip", "right_hip"),
    "retraction": ("left_shoulder", "right_shoulder", "left_elbow", "right_elbow"),
    "neck": ("left_ear", "right_ear", "left_shoulder", "right_shoulder"),
    "swing": ("left_hip", "right_hip", "left_shoulder", "right_shoulder"),
    "range": ("left_elbow", "right_elbow", "left_wrist", "right_wrist"),
    "asymmetry": ("left_elbow", "right_elbow", "left_wrist", "right_wrist"),
    "rotation": ("left_shoulder", "right_shoulder", "left_hip", "right_hip"),
}
PLAIN = {"left_wrist": "wrists", "right_wrist": "wrists", "left_elbow": "elbows", "right_elbow": "elbows",
         "left_ear": "head", "right_ear": "head", "left_hip": "hips", "right_hip": "hips",
         "left_shoulder": "shoulders", "right_shoulder": "shoulders"}


@dataclass
class Finding:
    """One fault on one rep: its measured value against the threshold, and its worst moment."""

    name: str
    value: float
    threshold: float
    unit: str
    worst_s: float

    def to_dict(self) -> dict:
        return {"name": self.name, "label": FAULT_LABELS[self.name], "value": _r(self.value),
                "threshold": _r(self.threshold), "unit": self.unit, "worst_s": _r(self.worst_s, 3)}


@dataclass
class RepAssessment:
    rep: Rep
    metrics: dict[str, tuple[float | None, str]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    unmeasurable: dict[str, str] = field(default_factory=dict)  # group -> why, for this rep

    @property
    def faults(self) -> list[str]:
        return [f.name for f in self.findings]


def _r(x, nd: int = 2):
    if x is None:
        return None
    x = float(x)
    return None if not np.isfinite(x) else round(x, nd)


def _window(t: np.ndarray, x: np.ndarray, a: float, b: float, how=np.nanmedian) -> float:
    m = (t >= a - 1e-9) & (t <= b + 1e-9)
    if not m.any():
        m = np.zeros(len(t), bool)
        m[int(np.clip(np.searchsorted(t, a), 0, len(t) - 1))] = True
    vals = x[m]
    if not np.isfinite(vals).any():
        return float("nan")
    return float(how(vals))


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


def view_reason(group: str, view: str) -> str | None:
    """Why a metric group cannot be measured from this view (None if it can)."""
    views, better = METRIC_VIEWS[group]
    if view in views:
        return None
    return f"not measurable from a {view} view: {HOW_TO_FILM[better]}"


def assess_reps(signals: Signals, reps: list[Rep], profile: dict, visibility: np.ndarray,
                target: tuple[float, float, float, float], exercise: str) -> list[RepAssessment]:
    """Metrics and faults for each rep.

    Args:
        signals: the clip's signals.
        reps: segmented reps.
        profile: resolved profile (see :func:`formcheck.profile.resolve`).
        visibility: (T, 33) raw landmark visibility.
        target: target tempo (eccentric, pause, concentric, hold) seconds.
        exercise: exercise key.
    """
    t = signals.times_s
    view = signals.view
    fcfg = profile["faults"]
    off = set(profile.get("faults_off", []))
    min_vis = profile.get("min_landmark_visibility", 0.5)
    out: list[RepAssessment] = []
    amps = np.array([r.amplitude for r in reps]) if reps else np.zeros(0)
    best = float(np.median(np.sort(amps)[len(amps) // 2:])) if len(amps) else np.nan

    for r in reps:
        ra = RepAssessment(r)
        a0, top_a = r.start_s, r.peak_s
        top_b = r.hold_end_s if r.hold_end_s is not None else min(r.peak_s + 0.2, r.end_s)
        top_b = max(top_b, top_a + 0.5 / max(signals_fps(t), 1))
        rep_end = r.bottom_s if r.bottom_s is not None else r.end_s
        start_win = (a0 - 0.2, a0 + 0.03)

        def rise(name: str, how=np.nanmedian) -> float:
            x = signals[name]
            return _window(t, x, top_a, top_b, how) - _window(t, x, *start_win)

        # Visibility of the landmarks each group needs, over this rep.
        m = (t >= a0) & (t <= rep_end)
        for group in METRIC_VIEWS:
            names = GROUP_LANDMARKS.get(group, ())
            why = view_reason(group, view)
            if why is None and m.any() and names:
                vis = visibility[m][:, [L[n] for n in names]]
                med = np.nanmedian(np.nan_to_num(vis, nan=0.0), axis=0)
                low = sorted({PLAIN[n] for n, v in zip(names, med) if v < min_vis and
                              not (view == "side" and _far_side(n, signals.near_side))})
                if low:
                    why = f"{' and '.join(low)} not clearly visible"
            if why:
                ra.unmeasurable[group] = why

        if view == "side" and not profile.get("rotation_from_side", False):
            ra.unmeasurable["rotation"] = ("not measurable from a side view for a two-arm pull (the shoulders "
                                           f"overlap): {HOW_TO_FILM['front']}")

        def measurable(group: str) -> bool:
            return group not in ra.unmeasurable

        # Tempo (measurable in every view).
        ecc, pause, conc, hold = r.tempo()
        ra.metrics.update({"concentric_s": (conc, "s"), "hold_s": (hold, "s"), "eccentric_s": (ecc, "s"),
                           "pause_s": (pause, "s"), "range": (r.amplitude, "deg" if profile["reps"]["rep_signal"] == "elbow_flexion"
                                                       else "torso")})
        if hold is not None and target[3] > 0 and "short_hold" not in off:
            thr = max(fcfg["short_hold"]["min_hold_s"], fcfg["short_hold"]["frac_of_target"] * target[3])
            if hold < thr:
                ra.findings.append(Finding("short_hold", hold, thr, "s", r.peak_s))
        if ecc is not None and "rushed_eccentric" not in off:
            thr = fcfg["rushed_eccentric"]["frac_of_target"] * target[0] if target[0] > 0 else \
                fcfg["rushed_eccentric"]["min_s"]
            if ecc < thr:
                ra.findings.append(Finding("rushed_eccentric", ecc, thr, "s", (r.hold_end_s + r.bottom_s) / 2))
        if len(reps) >= 3 and np.isfinite(best) and best > 0 and "partial_range" not in off:
            frac = r.amplitude / best
            ra.metrics["range_frac"] = (frac, "ratio")
            if frac < fcfg["partial_range"]["frac_of_set"] and measurable("range"):
                ra.findings.append(Finding("partial_range", frac, fcfg["partial_range"]["frac_of_set"], "ratio",
                                           r.peak_s))

        # Shrug: rise along the trunk against the ears AND the hips (both must agree).
        if r.bottom_s is None and group_ok(ra, "shrug"):
            # The set ends at the top (weight being put down?): judge no shoulder position on it.
            ra.unmeasurable["shrug"] = "rep not finished in the clip"
        if measurable("shrug"):
            d_ear = rise("shoulder_elev_ear")
            d_hip = rise("shoulder_elev_hip")
            shrug = float(np.nanmin([d_ear, d_hip])) if np.isfinite([d_ear, d_hip]).any() else np.nan
            if not (np.isfinite(d_ear) and np.isfinite(d_hip)):
                shrug = np.nan
            ra.metrics.update({"shoulder_rise_ear": (d_ear, "torso"), "shoulder_rise_hip": (d_hip, "torso"),
                               "shoulder_rise": (shrug, "torso")})
            c = fcfg["shrug"]
            if exercise != "shrug" and "shrug" not in off and np.isfinite(shrug) and \
                    d_ear >= c["min_rise_ear_torso"] and d_hip >= c["min_rise_hip_torso"]:
                worst = _argmax_time(t, signals["shoulder_elev_ear"], a0, rep_end)
                ra.findings.append(Finding("shrug", d_ear, c["min_rise_ear_torso"], "torso", worst))

        # Retraction (squeeze) proxies.
        if measurable("retraction") and exercise != "shrug":
            if view == "side":
                eb = _window(t, signals["elbow_behind_trunk"], top_a, top_b, np.nanmax)
                ra.metrics["elbow_behind_trunk"] = (eb, "torso")
                ra.metrics["shoulder_back"] = (rise("shoulder_back"), "torso")
                thr = fcfg["weak_squeeze"]["min_elbow_behind_torso"]
                if np.isfinite(eb) and eb < thr and "weak_squeeze" not in off:
                    ra.findings.append(Finding("weak_squeeze", eb, thr, "torso", r.peak_s))
            else:
                ra.metrics["shoulder_narrowing"] = (-rise("shoulder_width"), "ratio")
                ra.metrics["elbow_behind_trunk"] = (
                    _window(t, signals["elbow_behind_trunk_3d"], top_a, top_b, np.nanmax), "torso")

        # Trunk swing: change of trunk angle within the rep.
        if measurable("swing"):
            incl = signals["trunk_inclination"]
            mm = (t >= a0 - 0.05) & (t <= rep_end)
            if np.isfinite(incl[mm]).any():
                base = _window(t, incl, *start_win)
                dev = np.abs(incl[mm] - base)
                swing = float(np.nanmax(dev))
                ra.metrics["trunk_swing"] = (swing, "deg")
                ra.metrics["trunk_angle"] = (base, "deg")
                if swing >= fcfg["swing"]["min_deg"] and "swing" not in off:
                    ra.findings.append(Finding("swing", swing, fcfg["swing"]["min_deg"], "deg",
                                               float(t[mm][int(np.nanargmax(dev))])))

        if measurable("neck"):
            fwd = rise("head_forward", np.nanmax)
            ra.metrics["head_forward"] = (fwd, "torso")
            if np.isfinite(fwd) and fwd >= fcfg["neck"]["min_forward_torso"] and "neck" not in off:
                ra.findings.append(Finding("neck", fwd, fcfg["neck"]["min_forward_torso"], "torso",
                                           _argmax_time(t, signals["head_forward"], a0, rep_end)))

        if measurable("rotation"):
            rot = signals["trunk_rotation_2d" if view == "side" else "trunk_rotation"]
            mm = (t >= a0) & (t <= rep_end)
            if np.isfinite(rot[mm]).any():
                base = _window(t, rot, *start_win)
                dev = np.abs(rot[mm] - base)
                val = float(np.nanmax(dev))
                ra.metrics["trunk_rotation"] = (val, "deg")
                if val >= fcfg["rotation"]["min_deg"] and "rotation" not in off:
                    ra.findings.append(Finding("rotation", val, fcfg["rotation"]["min_deg"], "deg",
                                               float(t[mm][int(np.nanargmax(dev))])))

        if measurable("asymmetry"):
            d_el = abs(_window(t, signals["lr_elbow_diff"], top_a, top_b)
                       - _window(t, signals["lr_elbow_diff"], *start_win))
            ra.metrics["lr_elbow_diff"] = (d_el, "deg")
            travel = _side_travel(t, signals.hand_path, start_win, (top_a, top_b),
                                  fcfg["asymmetry"]["min_arm_travel_torso"])
            if travel is not None:
                ra.metrics["lr_travel_ratio"] = (travel, "ratio")
            d_ev = np.nan
            if view in ("front", "rear"):
                d_ev = abs(rise("lr_elev_diff"))
                ra.metrics["lr_elev_diff"] = (d_ev, "torso")
            c = fcfg["asymmetry"]
            if "asymmetry" not in off and ((np.isfinite(d_el) and d_el >= c["min_elbow_deg"]) or
                                           (np.isfinite(d_ev) and d_ev >= c["min_elev_torso"])):
                ra.findings.append(Finding("asymmetry", d_el, c["min_elbow_deg"], "deg", r.peak_s))
        out.append(ra)
    _travel_asymmetry(out, fcfg["asymmetry"], "asymmetry" in off)
    return out


def _travel_asymmetry(assessed: list[RepAssessment], cfg: dict, disabled: bool) -> None:
    """Flag reps whose left/right arm-travel ratio falls well below the set's own best reps.

    Judged against the set because a camera a little off-centre makes one arm's image
    travel shorter on every rep; a ratio under ``min_travel_ratio_abs`` counts on its own.
    """
    ratios = [ra.metrics.get("lr_travel_ratio", (None, ""))[0] for ra in assessed]
    vals = np.array([v for v in ratios if v is not None and np.isfinite(v)])
    if disabled or len(vals) == 0:
        return
    top = np.sort(vals)[len(vals) // 2:]
    ref = min(1.0, float(np.median(top)))
    thr = max(cfg["min_travel_ratio_abs"], cfg["min_travel_ratio"] * ref) if len(vals) >= 3 else \
        cfg["min_travel_ratio_abs"]
    for ra, v in zip(assessed, ratios):
        if v is not None and np.isfinite(v) and v < thr and "asymmetry" not in ra.faults:
            ra.findings.append(Finding("asymmetry", v, thr, "ratio", ra.rep.peak_s))


def _side_travel(t, path, start_win, top_win, min_travel: float) -> float | None:
    """Shorter arm's travel over the longer arm's, start to top of a rep (1.0 = even; None if one arm only)."""
    if path is None or path.shape[1] != 8:
        return None
    moves = []
    for cols in (slice(0, 4), slice(4, 8)):
        a = np.array([_window(t, path[:, j], *start_win) for j in range(cols.start, cols.stop)])
        b = np.array([_window(t, path[:, j], *top_win) for j in range(cols.start, cols.stop)])
        moves.append(float(np.linalg.norm(b - a)))
    # Only a pull that travels far in the image can be compared side to side; a pull toward the
    # camera (seated and chest-supported rows from the front) is foreshortened and skewed by perspective.
    if not all(np.isfinite(moves)) or max(moves) < min_travel:
        return None
    return min(moves) / max(moves)


def group_ok(ra: RepAssessment, group: str) -> bool:
    return group not in ra.unmeasurable


def _far_side(name: str, near: str) -> bool:
    return name.startswith("left_" if near == "right" else "right_")


def _argmax_time(t, x, a, b) -> float:
    m = (t >= a) & (t <= b)
    if not m.any() or not np.isfinite(x[m]).any():
        return float(a)
    return float(t[m][int(np.nanargmax(x[m]))])


def signals_fps(t: np.ndarray) -> float:
    return float(1.0 / np.median(np.diff(t))) if len(t) > 1 else 30.0


CUE_TEXT = {
    "shrug": "your shoulders rose toward your ears at the top \u2014 keep them down and pull your elbows back",
    "short_hold": "you didn't hold the squeeze at the top \u2014 pause {target_hold:.0f} s with the shoulder "
                  "blades pinched before lowering",
    "weak_squeeze": "your elbows stopped short of your body \u2014 drive them back past your ribs and squeeze "
                    "the shoulder blades together",
    "rushed_eccentric": "the lowering was rushed ({value:.1f} s) \u2014 take {target_ecc:.0f} s to lower; "
                        "slow negatives are the point",
    "swing": "your trunk swung about {value:.0f}\u00b0 to heave the weight \u2014 keep your chest still; "
             "lighten the load if you need to",
    "neck": "your head pushed forward \u2014 keep your neck long and your chin tucked",
    "rotation": "your torso twisted about {value:.0f}\u00b0 \u2014 keep your shoulders square",
    "asymmetry": "one arm pulled further than the other \u2014 pull both elbows back evenly",
    "partial_range": "the range was short \u2014 straighten your arms fully at the bottom and pull all the way",
}
# Where an exercise needs other words for the same fault (a shrug has no elbows to pull back).
CUE_TEXT_BY_EXERCISE = {
    "shrug": {
        "short_hold": "you didn't hold the top \u2014 pause {target_hold:.0f} s with the shoulders up by your ears "
                      "before lowering",
        "partial_range": "the range was short \u2014 lift the shoulders all the way up and let them hang fully "
                         "at the bottom",
        "rushed_eccentric": "the lowering was rushed ({value:.1f} s) \u2014 take {target_ecc:.0f} s to let the "
                            "shoulders down",
    },
    "lat_pulldown": {
        "partial_range": "the range was short \u2014 let your arms straighten overhead and pull the bar to your "
                         "upper chest",
    },
    "face_pull": {
        "partial_range": "the range was short \u2014 let your arms reach forward and pull the rope all the way "
                         "to your face",
    },
}


def set_cues(assessed: list[RepAssessment], profile: dict, target: tuple[float, float, float, float],
             exercise: str | None = None) -> list[dict]:
    """Plain-words cues grouped by rep ranges, most frequent fault first, plus set trends."""
    cues = []
    by_fault: dict[str, list[Finding]] = {}
    for ra in assessed:
        for f in ra.findings:
            by_fault.setdefault(f.name, []).append(f)
    reps_of = {name: [ra.rep.index for ra in assessed if name in ra.faults] for name in by_fault}
    for name in sorted(by_fault, key=lambda n: (-len(by_fault[n]), n)):
        vals = [f.value for f in by_fault[name]]
        template = CUE_TEXT_BY_EXERCISE.get(exercise or "", {}).get(name, CUE_TEXT[name])
        text = template.format(value=float(np.median(vals)), target_hold=max(1.0, target[3]),
                                     target_ecc=max(1.0, target[0]))
        ranges = rep_ranges(reps_of[name])
        cues.append({"fault": name, "reps": reps_of[name], "text": f"{ranges[0].upper()}{ranges[1:]}: {text}.",
                     "severity": "warning"})
    tr = profile["trend"]
    if len(assessed) >= tr["min_reps"]:
        k = max(2, len(assessed) // 3)  # a trend compares groups of reps, never one rep with another
        ecc = [ra.rep.eccentric_s for ra in assessed]
        first = [e for e in ecc[:k] if e is not None]
        last = [e for e in ecc[-k:] if e is not None]
        if first and last and np.mean(last) < tr["eccentric_drop_frac"] * np.mean(first):
            cues.append({"fault": "tempo_drift", "reps": [ra.rep.index for ra in assessed[-k:]], "severity": "info",
                         "text": f"Over the set your lowering sped up ({np.mean(first):.1f} s \u2192 "
                                 f"{np.mean(last):.1f} s): a sign of fatigue \u2014 keep the negatives slow or "
                                 "end the set there."})
        amps = [ra.rep.amplitude for ra in assessed]
        if np.mean(amps[-k:]) < tr["range_drop_frac"] * np.mean(amps[:k]):
            cues.append({"fault": "range_drop", "reps": [ra.rep.index for ra in assessed[-k:]], "severity": "info",
                         "text": f"Your range shrank over the last {k} reps ({np.mean(amps[-k:]) / np.mean(amps[:k]):.0%}"
                                 " of the first): fatigue \u2014 keep full reps or stop the set."})
    if assessed and not by_fault:
        cues.insert(0, {"fault": None, "reps": [], "severity": "ok",
                        "text": "Clean set: no faults found in what this view can measure."})
    return cues

"""Faults as data: one row per fault, read by the assessment, the overlay, the charts, the report, live and the app.

Adding a fault means adding one row here, its rule in :mod:`formcheck.analysis.rules`
and its thresholds in the profile (:mod:`formcheck.config`, ``profiles/default.json``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

from . import rules
from .rules import Rule


@dataclass(frozen=True)
class FaultDef:
    """One fault.

    Attributes:
        id: key (also the profile's ``faults.<id>`` section).
        title: plain words for a banner or a table ("Shrugging").
        description: what was seen, in plain words, where the title needs it ("shoulders rose toward the ears").
        group: the measurement group (:data:`formcheck.analysis.capabilities.CAPABILITIES`), which says
            which views can measure it.
        kind: "posture", "tempo" or "range" (its colour).
        unit: "torso", "deg", "s" or "ratio".
        bad: "above" (a value at or above the threshold is the fault) or "below".
        phase: where in the rep it is read: "top", "hold", "eccentric" or "span" (the whole rep).
        rule: measures one rep (:mod:`formcheck.analysis.rules`).
        cue: what to say, a template with {value}, {target_hold}, {target_ecc}.
        cue_by_exercise: other words for the same fault in an exercise ("shrug": no elbows to pull back).
        short: a chart label.
        chart: the chart panel it is marked on: "rise" (shoulders and head), "trunk" or "elbow" (the rep signal).
        paints: body parts the overlay paints in the fault's colour ("arms", "upper_arms", "girdles", "ears",
            "trunk").
        implied_by: exercises in which this is the movement itself, or its nature, not a fault (never judged
            there): the shrug in a shrug, the uneven arms of a one-arm row, the squeeze hold of a pulldown.
        needs_finished_rep: judged only on reps whose lowering the clip shows.
        priority: which fix matters most when a set has several (1 first): the report opens with it.
    """

    id: str
    title: str
    description: str
    group: str
    kind: str
    unit: str
    bad: str
    phase: str
    rule: Rule
    cue: str
    cue_by_exercise: Mapping[str, str] = field(default_factory=dict)
    short: str = ""
    chart: str = "elbow"
    paints: tuple[str, ...] = ()
    implied_by: tuple[str, ...] = ()
    needs_finished_rep: bool = False
    priority: int = 5

    @property
    def label(self) -> str:
        """'shrugging (shoulders rose toward the ears)': the title in running text, with the description."""
        words = f"{self.title[:1].lower()}{self.title[1:]}"
        return f"{words} ({self.description})" if self.description else words

    def cue_template(self, exercise: str | None) -> str:
        return self.cue_by_exercise.get(exercise or "", self.cue)

    def exceeded(self, value: float, threshold: float, bad: str | None = None, unit: str | None = None) -> bool:
        """The decision: value on the bad side of the threshold (at it counts as bad for 'above'). How sure it is
        comes from the margin (:func:`formcheck.analysis.assess.judge`); :func:`describe` shows the two numbers
        with enough digits that a fault never reads "0.5 s (needs at least 0.5 s)"."""
        return value >= threshold if (bad or self.bad) == "above" else value < threshold


#: The precision each unit is shown with at least: s to 0.1, degrees to 1, torso lengths and ratios to 1 %.
DECIMALS = {"s": 1, "deg": 0, "torso": 0, "ratio": 0}


def _shown(value: float, threshold: float, decimals: int, scale: float = 1.0) -> tuple[str, str]:
    """Both numbers at the unit's precision, with more digits (up to 3 more) while they would read the same."""
    for d in range(decimals, decimals + 4):
        a, b = f"{value * scale:.{d}f}", f"{threshold * scale:.{d}f}"
        if a != b or value == threshold:
            return a, b
    return a, b


def describe(fid: str, value: float, threshold: float, unit: str, bad: str | None = None) -> str:
    """The measured value against the threshold in plain words: '12% of torso length (limit 6%)'."""
    below = (bad or (FAULTS[fid].bad if fid in FAULTS else "above")) == "below"
    need = "needs at least" if below else "limit"
    if unit == "torso":
        v, t = _shown(value, threshold, DECIMALS[unit], 100.0)
        return f"{'+' if value > 0 else ''}{v}% of torso length ({need} {t}%)"
    if unit == "deg":
        v, t = _shown(value, threshold, DECIMALS[unit])
        return f"{v}\u00b0 ({need} {t}\u00b0)"
    if unit == "s":
        v, t = _shown(value, threshold, DECIMALS[unit])
        return f"{v} s ({need} {t} s)"
    if unit == "ratio":
        v, t = _shown(value, threshold, DECIMALS[unit], 100.0)
        return f"{v}% of your best reps ({need} {t}%)" if fid == "partial_range" else f"{v}% ({need} {t}%)"
    return f"{value:.3g} {unit} ({need} {threshold:.3g})"


_FAULTS: tuple[FaultDef, ...] = (
    FaultDef(
        "shrug", "Shrugging", "shoulders rose toward the ears", "shrug", "posture", "torso", "above", "top",
        rules.shrug,
        "your shoulders rose toward your ears at the top \u2014 keep them down and pull your elbows back",
        short="shrug", chart="rise", paints=("ears",), implied_by=("shrug",), needs_finished_rep=True, priority=3),
    FaultDef(
        "short_hold", "No squeeze hold", "", "tempo", "tempo", "s", "below", "hold",
        rules.short_hold,
        "you didn't hold the squeeze at the top \u2014 pause {target_hold:.0f} s with the shoulder blades pinched "
        "before lowering",
        {"shrug": "you didn't hold the top \u2014 pause {target_hold:.0f} s with the shoulders up by your ears "
                  "before lowering",
         "face_pull": "you didn't hold the squeeze with the rope at your face \u2014 pause {target_hold:.0f} s with "
                      "the shoulder blades pinched before letting it back",
         "seated_cable_row": "you didn't hold the squeeze with the handle at your body \u2014 pause "
                             "{target_hold:.0f} s with the shoulder blades pinched before letting it forward"},
        short="short hold", implied_by=("lat_pulldown",), priority=8),
    FaultDef(
        "rushed_eccentric", "Rushed lowering", "", "tempo", "tempo", "s", "below",
        "eccentric", rules.rushed_eccentric,
        "the lowering was rushed ({value:.1f} s) \u2014 take {target_ecc:.0f} s to lower; slow negatives are the "
        "point",
        {"shrug": "the lowering was rushed ({value:.1f} s) \u2014 take {target_ecc:.0f} s to let the shoulders "
                  "down"},
        short="rushed lowering", priority=7),
    FaultDef(
        "weak_squeeze", "Elbows stopped short", "weak retraction", "retraction", "range", "torso", "below", "top",
        rules.weak_squeeze,
        "your elbows stopped short of your body \u2014 drive them back past your ribs and squeeze the shoulder "
        "blades together",
        short="weak squeeze", paints=("upper_arms",), implied_by=("shrug", "lat_pulldown"), priority=4),
    FaultDef(
        "swing", "Trunk swing", "momentum", "swing", "posture", "deg", "above", "span", rules.swing,
        "your trunk swung about {value:.0f}\u00b0 to heave the weight \u2014 keep your chest still; lighten the "
        "load if you need to",
        short="trunk swing", chart="trunk", paints=("trunk",), implied_by=("shrug", "chest_supported_row"),
        priority=2),
    FaultDef(
        "neck", "Neck craning", "", "neck", "posture", "torso", "above", "span", rules.neck,
        "your head pushed forward \u2014 keep your neck long and your chin tucked",
        short="neck craning", chart="rise", paints=("ears",), priority=6),
    FaultDef(
        "rotation", "Trunk rotation", "", "rotation", "posture", "deg", "above", "span",
        rules.rotation,
        "your torso twisted about {value:.0f}\u00b0 \u2014 keep your shoulders square",
        short="trunk rotation", paints=("girdles",), priority=2),
    FaultDef(
        "asymmetry", "Left/right imbalance", "", "asymmetry", "range", "deg",
        "above", "top", rules.asymmetry,
        "one arm pulled further than the other \u2014 pull both elbows back evenly",
        {"shrug": "one shoulder rose higher than the other \u2014 lift both shoulders evenly"},
        short="left/right imbalance", paints=("arms",), implied_by=("one_arm_row",), priority=5),
    FaultDef(
        "partial_range", "Partial range of motion", "", "range", "range", "ratio", "below",
        "top", rules.partial_range,
        "the range was short \u2014 straighten your arms fully at the bottom and pull all the way",
        {"shrug": "the range was short \u2014 lift the shoulders all the way up and let them hang fully at the "
                  "bottom",
         "lat_pulldown": "the range was short \u2014 let your arms straighten overhead and pull the bar to your "
                         "upper chest",
         "face_pull": "the range was short \u2014 let your arms reach forward and pull the rope all the way to "
                      "your face"},
        short="partial range", paints=("arms",), priority=4),
    FaultDef(
        "rounded_back", "Rounded upper back", "the back's outline bent", "back", "posture", "deg", "above", "span",
        rules.rounded_back,
        "your upper back rounded (its outline bent about {value:.0f}\u00b0) \u2014 keep your chest up and your "
        "back flat; lighten the load if you need to",
        short="rounded back", chart="trunk", paints=("trunk",), priority=1),
)

#: id -> FaultDef, in the table's order.
FAULTS: Mapping[str, FaultDef] = MappingProxyType({f.id: f for f in _FAULTS})


def fault(fid: str) -> FaultDef:
    """The row of one fault (KeyError names the known ones)."""
    try:
        return FAULTS[fid]
    except KeyError:
        raise KeyError(f"unknown fault '{fid}'; known: {', '.join(FAULTS)}") from None

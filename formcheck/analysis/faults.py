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
        implied_by: exercises in which this is the movement itself, not a fault (never judged there).
        needs_finished_rep: judged only on reps whose lowering the clip shows.
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

    @property
    def label(self) -> str:
        """'shrugging (shoulders rose toward the ears)': the title in running text, with the description."""
        words = f"{self.title[:1].lower()}{self.title[1:]}"
        return f"{words} ({self.description})" if self.description else words

    def cue_template(self, exercise: str | None) -> str:
        return self.cue_by_exercise.get(exercise or "", self.cue)

    def exceeded(self, value: float, threshold: float, bad: str | None = None) -> bool:
        """The decision: value on the bad side of the threshold (at it counts as bad for 'above')."""
        return value >= threshold if (bad or self.bad) == "above" else value < threshold


_FAULTS: tuple[FaultDef, ...] = (
    FaultDef(
        "shrug", "Shrugging", "shoulders rose toward the ears", "shrug", "posture", "torso", "above", "top",
        rules.shrug,
        "your shoulders rose toward your ears at the top \u2014 keep them down and pull your elbows back",
        short="shrug", chart="rise", paints=("ears",), implied_by=("shrug",), needs_finished_rep=True),
    FaultDef(
        "short_hold", "No squeeze hold at the top", "", "tempo", "tempo", "s", "below", "hold",
        rules.short_hold,
        "you didn't hold the squeeze at the top \u2014 pause {target_hold:.0f} s with the shoulder blades pinched "
        "before lowering",
        {"shrug": "you didn't hold the top \u2014 pause {target_hold:.0f} s with the shoulders up by your ears "
                  "before lowering"},
        short="short hold"),
    FaultDef(
        "rushed_eccentric", "Rushed lowering", "", "tempo", "tempo", "s", "below",
        "eccentric", rules.rushed_eccentric,
        "the lowering was rushed ({value:.1f} s) \u2014 take {target_ecc:.0f} s to lower; slow negatives are the "
        "point",
        {"shrug": "the lowering was rushed ({value:.1f} s) \u2014 take {target_ecc:.0f} s to let the shoulders "
                  "down"},
        short="rushed lowering"),
    FaultDef(
        "weak_squeeze", "Elbows stopped short", "weak retraction", "retraction", "range", "torso", "below", "top",
        rules.weak_squeeze,
        "your elbows stopped short of your body \u2014 drive them back past your ribs and squeeze the shoulder "
        "blades together",
        short="weak squeeze", paints=("upper_arms",), implied_by=("shrug",)),
    FaultDef(
        "swing", "Trunk swing", "momentum", "swing", "posture", "deg", "above", "span", rules.swing,
        "your trunk swung about {value:.0f}\u00b0 to heave the weight \u2014 keep your chest still; lighten the "
        "load if you need to",
        short="trunk swing", chart="trunk", paints=("trunk",)),
    FaultDef(
        "neck", "Neck craning", "", "neck", "posture", "torso", "above", "span", rules.neck,
        "your head pushed forward \u2014 keep your neck long and your chin tucked",
        short="neck craning", chart="rise", paints=("ears",)),
    FaultDef(
        "rotation", "Trunk rotation", "", "rotation", "posture", "deg", "above", "span",
        rules.rotation,
        "your torso twisted about {value:.0f}\u00b0 \u2014 keep your shoulders square",
        short="trunk rotation", paints=("girdles",)),
    FaultDef(
        "asymmetry", "Left/right imbalance", "", "asymmetry", "range", "deg",
        "above", "top", rules.asymmetry,
        "one arm pulled further than the other \u2014 pull both elbows back evenly",
        short="left/right imbalance", paints=("arms",)),
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
        short="partial range", paints=("arms",)),
    FaultDef(
        "rounded_back", "Rounded upper back", "the back's outline bent", "back", "posture", "deg", "above", "span",
        rules.rounded_back,
        "your upper back rounded (its outline bent about {value:.0f}\u00b0) \u2014 keep your chest up and your "
        "back flat; lighten the load if you need to",
        short="rounded back", chart="trunk", paints=("trunk",)),
)

#: id -> FaultDef, in the table's order.
FAULTS: Mapping[str, FaultDef] = MappingProxyType({f.id: f for f in _FAULTS})


def fault(fid: str) -> FaultDef:
    """The row of one fault (KeyError names the known ones)."""
    try:
        return FAULTS[fid]
    except KeyError:
        raise KeyError(f"unknown fault '{fid}'; known: {', '.join(FAULTS)}") from None

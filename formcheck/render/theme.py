"""The shared look: phase and fault colours and the plain words drawn on video, charts and the report."""

from __future__ import annotations

from typing import Sequence

from ..analysis.assess import Finding
from ..analysis.capabilities import CAPABILITIES
from ..analysis.faults import FAULTS, describe
from ..tempo import PHASES  # noqa: F401  (re-exported: charts and report read the phase order here)

PHASE_COLORS: dict[str, tuple[int, int, int]] = {
    "concentric": (59, 130, 246),  # blue
    "hold": (168, 85, 247),  # violet
    "eccentric": (245, 158, 11),  # amber
    "pause": (100, 116, 139),  # slate
}
#: What each fault is about (from the fault table): posture (red), tempo (amber) or range of motion (pink).
FAULT_KIND = {f.id: f.kind for f in FAULTS.values()}
KIND_COLORS: dict[str, tuple[int, int, int]] = {"posture": (220, 38, 38), "tempo": (217, 119, 6),
                                                 "range": (219, 39, 119)}
OK_COLOR = (22, 163, 74)
TEXT = (248, 250, 252)
MUTED = (148, 163, 184)
PANEL = (15, 23, 42)
SKELETON = (241, 245, 249)
OUTLINE = (15, 23, 42)
TRUNK = (250, 204, 21)
EAR_LINE = (45, 212, 191)
BAD = (239, 68, 68)

#: Plain names of the measurement groups (from :data:`formcheck.analysis.capabilities.CAPABILITIES`).
GROUP_NAMES = {g: c.words for g, c in CAPABILITIES.items()}
#: The tempo phase a tempo fault is about (its timer turns red in that phase).
FAULT_PHASE = {f.id: f.phase for f in FAULTS.values() if f.kind == "tempo"}


def hex_color(rgb: Sequence[int]) -> str:
    """(r, g, b) -> '#rrggbb'."""
    return "#{:02x}{:02x}{:02x}".format(*(int(c) for c in rgb))


def fault_color(name: str) -> tuple[int, int, int]:
    """RGB colour of a fault (by its kind: posture, tempo or range)."""
    return KIND_COLORS[FAULT_KIND.get(name, "posture")]


def fault_title(name: str) -> str:
    """'Shrugging (shoulders rose toward the ears)'."""
    label = FAULTS[name].label if name in FAULTS else name.replace("_", " ")
    return label[:1].upper() + label[1:]


def format_finding(f: Finding) -> str:
    """The measured value against the threshold in plain words, e.g. '+12% of torso length (limit 6%)'."""
    return describe(f.name, f.value, f.threshold, f.unit, f.bad)

"""The shared look: phase and fault colours and the plain words drawn on video, charts and the report."""

from __future__ import annotations

from typing import Sequence

from ..analysis.assess import Finding
from ..analysis.capabilities import CAPABILITIES
from ..analysis.faults import FAULTS
from ..tempo import PHASES

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
    """The measured value against the threshold in plain words, e.g. '12% of torso length (limit 6%)'.

    One more decimal when rounding would make the value read the same as the limit ('0.45 s (needs at
    least 0.50 s)', never '0.5 s (needs at least 0.5 s)')."""
    need = "needs at least" if f.name in FAULTS and FAULTS[f.name].bad == "below" else "limit"
    v, thr = f.value, f.threshold

    def pair(fmt: str, fmt_fine: str) -> tuple[str, str]:
        a, b = fmt.format(v), fmt.format(thr)
        return (fmt_fine.format(v), fmt_fine.format(thr)) if a == b and v != thr else (a, b)

    if f.unit == "torso":
        v, thr = v * 100, thr * 100
        a, b = pair("{:+.0f}", "{:+.1f}")
        return f"{a}% of torso length ({need} {b}%)"
    if f.unit == "deg":
        a, b = pair("{:.0f}", "{:.1f}")
        return f"{a}\u00b0 ({need} {b}\u00b0)"
    if f.unit == "s":
        a, b = pair("{:.1f}", "{:.2f}")
        return f"{a} s ({need} {b} s)"
    if f.unit == "ratio":
        a, b = pair("{:.0%}", "{:.1%}")
        return f"{a} of your best reps ({need} {b})"
    return f"{v:.3g} {f.unit} ({need} {thr:.3g})"

"""Tempo: the standard four-number notation, one type and one parser for the CLI, the app, live and synthetic clips.

``3-0-1-1`` reads eccentric (lowering) 3 s, pause at the bottom 0 s, concentric
(pulling) 1 s, hold at the top 1 s. ``X`` in a place means "explosive": no
time asked for that phase (stored as 0).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Sequence

from .errors import OptionError

#: Phases in notation order.
PHASES: tuple[str, str, str, str] = ("eccentric", "pause", "concentric", "hold")
#: Phases in the order a rep is performed (a pull starts with the concentric).
PERFORMED: tuple[str, str, str, str] = ("concentric", "hold", "eccentric", "pause")
MAX_PHASE_S = 30.0

_HOW = "four numbers of seconds, eccentric-pause-concentric-hold, like 3-0-1-1 (X for explosive)"


@dataclass(frozen=True)
class Tempo:
    """A target tempo in seconds per phase (all finite, 0 to 30 s, not all 0)."""

    eccentric_s: float
    pause_s: float
    concentric_s: float
    hold_s: float

    def __post_init__(self) -> None:
        vals = self.as_tuple()
        if not all(isinstance(v, (int, float)) and math.isfinite(v) and 0 <= v <= MAX_PHASE_S for v in vals):
            raise OptionError(f"Tempo must be {_HOW}, each 0 to {MAX_PHASE_S:g} s; got {self}.")
        if not any(vals):
            raise OptionError(f"A tempo of all zeros asks for nothing; give {_HOW}.")

    @classmethod
    def parse(cls, value: "str | Sequence[float] | Tempo | None") -> "Tempo | None":
        """'3-0-1-1', '3:0:1:1', '3/0/1/1', '3 0 1 1', (3, 0, 1, 1) or a Tempo -> Tempo; None or '' -> None.

        Raises:
            OptionError: not four finite numbers between 0 and 30 s (NaN, inf, negatives and words refused).
        """
        if value is None or isinstance(value, Tempo):
            return value
        if isinstance(value, str):
            text = value.strip()
            if not text:
                return None
            parts = re.split(r"\s*[-:/,]\s*|\s+", text)  # one separator between numbers: "3-0-1--1" is refused
        else:
            try:
                parts = list(value)
            except TypeError:
                raise OptionError(f"Tempo must be {_HOW}; got {value!r}.") from None
        vals = []
        for p in parts:
            if isinstance(p, str) and p.strip().lower() == "x":
                vals.append(0.0)
                continue
            if isinstance(p, bool):
                vals = []
                break
            try:
                v = float(p)
            except (TypeError, ValueError):
                vals = []
                break
            if not math.isfinite(v):
                vals = []
                break
            vals.append(v)
        if len(vals) != 4:
            raise OptionError(f"Tempo must be {_HOW}; got '{value}'.")
        if any(v < 0 or v > MAX_PHASE_S for v in vals):
            raise OptionError(f"Each tempo phase must be 0 to {MAX_PHASE_S:g} seconds ({_HOW}); got '{value}'.")
        return cls(*vals)

    def as_tuple(self) -> tuple[float, float, float, float]:
        """(eccentric, pause, concentric, hold) seconds."""
        return (self.eccentric_s, self.pause_s, self.concentric_s, self.hold_s)

    def phase(self, name: str) -> float:
        """Seconds asked for one phase by name ('eccentric', 'pause', 'concentric', 'hold')."""
        return self.as_tuple()[PHASES.index(name)]

    def __str__(self) -> str:
        return "-".join(f"{v:g}" for v in self.as_tuple())


def format_tempo(values: Sequence[float | None], nd: int = 1) -> str:
    """Measured phases (eccentric, pause, concentric, hold) as '1.4-0.2-0.8-0.5'; '?' where unknown."""
    return "-".join("?" if v is None or not math.isfinite(v) else f"{v:.{nd}f}" for v in values)

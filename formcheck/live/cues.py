"""Live coaching you can hear: successive :class:`~formcheck.live.state.LiveState` in, cue events out.

Pure and clock-free: :meth:`CueScheduler.step` reads one state (its ``time_s`` is the
clock) and returns the cues that start at that moment. What is said:

- framing, before the set: the framing problem ("step back, your feet are not visible"),
  again every ``framing_repeat_s`` while it lasts (three times at most), then "ready";
- a word at the start of each phase of a rep: "pull" (the lifter's pull is seen),
  "squeeze" (the top is reached), "down" (the lowering starts);
- with a target tempo, a cadence: "down" comes when the target's hold is over (or as
  soon as the lowering is seen, if earlier), then a count through the lowering paced at
  one number a second ("down, 2, 3" for a 3 s eccentric), stopped by the next pull;
- the rep count, when a rep is counted ("rep 3": a chime and the number);
- "shoulders down" when the shrug warning turns on, at most once per rep.

The words depend on the exercise (a shrug lifts and holds; a pulldown's lowering goes
up). Each event names its sound clip (:mod:`formcheck.live.sound` plays them), so the
overlay, the app's panel, the printed sequence and the sound all come from one state.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from .framing import FRAMING_WORDS

#: Event kinds, in the order they are raised within one frame.
KINDS = ("framing", "ready", "phase", "rep", "warning", "count")

ROW_WORDS = {"concentric": "pull", "hold": "squeeze", "eccentric": "down"}
#: Phase words by exercise (the direction the weight or the hands go); the rows' words otherwise.
PHASE_WORDS: dict[str, dict[str, str]] = {
    "shrug": {"concentric": "lift", "hold": "hold", "eccentric": "down"},
    "lat_pulldown": {**ROW_WORDS, "eccentric": "up"},
    "seated_cable_row": {**ROW_WORDS, "eccentric": "forward"},
    "face_pull": {**ROW_WORDS, "eccentric": "forward"},
}
#: Posture warnings that are spoken, and their words.
WARNING_WORDS = {"shrug": "shoulders down"}
NUMBER_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
                "sixteen seventeen eighteen nineteen twenty twenty-one twenty-two twenty-three twenty-four "
                "twenty-five twenty-six twenty-seven twenty-eight twenty-nine thirty").split()
MAX_FRAMING_REPEATS = 3


def phase_words(exercise: str | None) -> dict[str, str]:
    """concentric / hold / eccentric -> the word said at its start, for an exercise."""
    return PHASE_WORDS.get(exercise or "", ROW_WORDS)


def sound_key(kind: str, words: str) -> str:
    """The clip that says an event: 'rep 3' -> 'rep_3', '2' -> 'count_2', 'shoulders down' -> 'shoulders_down'."""
    if kind == "count":
        return f"count_{words}"
    if kind == "framing":
        key = next((k for k, w in FRAMING_WORDS.items() if w == words), words)
        return f"framing_{key}"
    return words.replace(" ", "_").replace(",", "").replace("-", "_")


@dataclass(frozen=True)
class CueEvent:
    """One cue.

    Attributes:
        time_s: when it starts, on the session clock (s): the time of the frame that raised it.
        kind: "framing", "ready", "phase", "rep", "warning" or "count".
        words: what is said ("pull", "2", "rep 3", "shoulders down", ...).
        sound: the clip key that says it (see :func:`sound_key`).
    """

    time_s: float
    kind: str
    words: str
    sound: str

    @classmethod
    def make(cls, time_s: float, kind: str, words: str) -> "CueEvent":
        return cls(float(time_s), kind, words, sound_key(kind, words))

    def to_dict(self) -> dict:
        return asdict(self)

    def line(self) -> str:
        """'   3.47  rep      rep 2': time, kind and words on one line (what ``formcheck live --no-window`` prints)."""
        return f"{self.time_s:7.2f}  {self.kind:<8} {self.words}"


class CueScheduler:
    """Turns successive live states into cue events (see the module docstring for what is said when).

    Args:
        framing_repeat_s: a framing message still true is said again after this long (s).
        count_max: the count through the lowering stops at this number.
    """

    def __init__(self, *, framing_repeat_s: float = 4.0, count_max: int = 10):
        self.framing_repeat_s = float(framing_repeat_s)
        self.count_max = int(count_max)
        self._framing: str = ""
        self._framing_t = -math.inf
        self._framing_said = 0
        self._ready_said = False
        self._reps = 0
        self._stage = "idle"  # idle -> pulled -> squeezed -> lowering -> (next pull)
        self._last_phase = ""
        self._hold_t: float | None = None
        self._down_t: float | None = None
        self._count_next = 2
        self._count_to = 0
        self._warned: set[tuple[str, int]] = set()
        self._warn_on: set[str] = set()

    def step(self, st, target: tuple[float, float, float, float] | None = None) -> list[CueEvent]:
        """The cues starting at this state's time.

        Args:
            st: the live state (reads time_s, framed, framing, ready, reps, rep, phase, exercise, warnings).
            target: the target tempo (eccentric, pause, concentric, hold) s, or None: phase words only.
        """
        t = float(st.time_s)
        out: list[CueEvent] = []
        if not st.framed:
            self._ready_said = False
            self._frame(t, st.framing, out)
            return out
        if not self._ready_said:
            self._ready_said, self._framing = True, ""
            out.append(CueEvent.make(t, "ready", "ready"))
        self._phases(t, st, target, out)
        while self._reps < st.reps:
            self._reps += 1
            out.append(CueEvent.make(t, "rep", f"rep {self._reps}"))
        self._warnings(t, st, out)
        self._count(t, out)
        return out

    # -- parts ----------------------------------------------------------------------------------------------------
    def _frame(self, t: float, key: str, out: list[CueEvent]) -> None:
        if not key:
            return
        if key != self._framing:
            self._framing, self._framing_said = key, 0
        elif t - self._framing_t < self.framing_repeat_s or self._framing_said >= MAX_FRAMING_REPEATS:
            return
        self._framing_t = t
        self._framing_said += 1
        out.append(CueEvent.make(t, "framing", FRAMING_WORDS.get(key, key)))

    def _phases(self, t: float, st, target, out: list[CueEvent]) -> None:
        words = phase_words(st.exercise)
        phase, new = st.phase, st.phase != self._last_phase
        self._last_phase = phase
        if phase == "concentric":
            if new and self._stage in ("idle", "lowering"):  # back to the top without a lowering: the same pull
                self._stage, self._hold_t, self._down_t = "pulled", None, None
                out.append(CueEvent.make(t, "phase", words["concentric"]))
        elif phase == "hold":
            if self._stage == "pulled":
                self._stage, self._hold_t = "squeezed", t
                if target is None or target[3] > 0:
                    out.append(CueEvent.make(t, "phase", words["hold"]))
        elif phase == "pause":
            if self._stage in ("pulled", "squeezed"):  # the lowering was over before it was seen: nothing to say
                self._stage, self._count_to = "lowering", 0
        elif phase == "":
            self._stage = "idle"
        if self._stage in ("pulled", "squeezed"):
            prompt = target is not None and self._hold_t is not None and t >= self._hold_t + target[3]
            if phase == "eccentric" or prompt:
                self._stage, self._down_t = "lowering", t
                self._count_next = 2
                self._count_to = 0 if target is None else min(self.count_max, int(math.floor(target[0] + 0.5)))
                out.append(CueEvent.make(t, "phase", words["eccentric"]))

    def _count(self, t: float, out: list[CueEvent]) -> None:
        if self._stage != "lowering" or self._down_t is None:
            return
        while self._count_next <= self._count_to and t >= self._down_t + (self._count_next - 1):
            out.append(CueEvent.make(t, "count", str(self._count_next)))
            self._count_next += 1

    def _warnings(self, t: float, st, out: list[CueEvent]) -> None:
        on = {w for w in st.warnings if w in WARNING_WORDS}
        rep = st.rep or st.reps
        for w in sorted(on - self._warn_on):
            if (w, rep) not in self._warned:
                self._warned.add((w, rep))
                out.append(CueEvent.make(t, "warning", WARNING_WORDS[w]))
        self._warn_on = on


__all__ = ["CueEvent", "CueScheduler", "KINDS", "ROW_WORDS", "NUMBER_WORDS", "PHASE_WORDS", "WARNING_WORDS", "phase_words",
           "sound_key"]

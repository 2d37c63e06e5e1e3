"""What the lifter sees after each live frame: one state for the overlay, the app's panel and the sound."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from ..analysis.capabilities import EXERCISES

PHASE_VERBS = {"concentric": "Pull", "hold": "Squeeze", "eccentric": "Lower", "pause": "Pause"}
SHRUG_VERBS = {"concentric": "Lift", "hold": "Hold", "eccentric": "Lower", "pause": "Pause"}

@dataclass
class LiveState:
    """What the lifter should see after one frame.

    Attributes:
        time_s: the frame's time on the session clock (s).
        detected: a person was found in this frame.
        ready: the camera view is decided and reps are being counted.
        reps: reps counted so far (never goes down).
        rep: the rep in progress (0 between reps).
        phase: "" (not started / nobody), "concentric", "hold", "eccentric" or "pause".
        phase_s: seconds spent in the current phase so far.
        exercise: exercise being counted ("auto" until the movement tells row from shrug).
        view: camera view used for the signals (None until known).
        position: where the rep signal sits in the set's range, 0 (bottom) .. 1 (top); NaN if unknown.
        guide_phase: the phase the target tempo says you should be in ("" before the first rep).
        guide_left_s: seconds left in that phase of the guide.
        guide_total_s: that phase's full length in the target tempo (s).
        guide_text: e.g. "Lower 1.4 s".
        on_pace: your phase matches the guide's.
        warnings: posture faults firing on the rep in progress (fault ids from the fault table).
        shrug: the shrug warning is on (shoulders rising toward the ears).
        shrug_rise: current shoulder rise toward the ears since this rep's start (torso lengths).
        shrug_reps: reps on which the warning fired.
        last_tempo: the last finished rep's tempo "ecc-pause-conc-hold" (s), or "".
        message: a hint for the lifter ("Step into view", ...), or "".
        framing: the framing problem in this frame (a key of :data:`formcheck.live.framing.FRAMING_WORDS`,
            e.g. "feet"), or "" when the lifter is framed.
        framed: the framing check has passed (or the set is on): the cues coach the set.
        cues: cue events raised at this frame (:class:`formcheck.live.cues.CueEvent`): what is said now.
        latency_ms: time spent processing this frame.
        fps: frames processed per second (last second).
    """

    time_s: float = 0.0
    detected: bool = False
    ready: bool = False
    reps: int = 0
    rep: int = 0
    phase: str = ""
    exercise: str = "auto"
    view: str | None = None
    position: float = float("nan")
    guide_phase: str = ""
    guide_left_s: float = 0.0
    guide_total_s: float = 0.0
    guide_text: str = ""
    on_pace: bool = True
    phase_s: float = float("nan")
    warnings: list[str] = field(default_factory=list)
    shrug: bool = False
    shrug_rise: float = float("nan")
    shrug_reps: list[int] = field(default_factory=list)
    last_tempo: str = ""
    message: str = ""
    framing: str = ""
    framed: bool = False
    cues: list = field(default_factory=list)
    latency_ms: float = 0.0
    fps: float = 0.0

    def to_dict(self) -> dict:
        d = asdict(self)
        for k, v in d.items():
            if isinstance(v, float) and not math.isfinite(v):
                d[k] = None
        return d

    @property
    def exercise_name(self) -> str:
        return "row or shrug" if self.exercise == "auto" else EXERCISES.get(self.exercise, self.exercise)

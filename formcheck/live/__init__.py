"""Live sets from a camera: the session (one frame in, state out), the threads around it, and the coach's voice
(framing check, cue events, the sound that says them)."""

from .cues import CueEvent, CueScheduler
from .framing import FRAMING_TEXT, FRAMING_WORDS, check_framing
from .runner import LatestFrame, LiveRunner
from .session import LiveSession
from .state import PHASE_VERBS, SHRUG_VERBS, LiveState

__all__ = ["CueEvent", "CueScheduler", "FRAMING_TEXT", "FRAMING_WORDS", "LatestFrame", "LiveRunner", "LiveSession",
           "LiveState", "PHASE_VERBS", "SHRUG_VERBS", "check_framing"]

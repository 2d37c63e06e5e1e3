"""Live sets from a camera: the session (one frame in, state out) and the threads around it."""

from .runner import LatestFrame, LiveRunner
from .session import LiveSession
from .state import PHASE_VERBS, SHRUG_VERBS, LiveState

__all__ = ["LatestFrame", "LiveRunner", "LiveSession", "LiveState", "PHASE_VERBS", "SHRUG_VERBS"]

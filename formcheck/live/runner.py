"""Threads for live sets: a one-slot frame mailbox and a runner fed from a media thread."""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import replace
from typing import Callable

import numpy as np

from ..tempo import Tempo
from .cues import CueEvent
from .session import LiveSession, Overlay
from .state import LiveState

log = logging.getLogger(__name__)


class LatestFrame:
    """A one-slot mailbox: ``put`` replaces any frame not yet taken, so the backlog never exceeds one.

    ``dropped`` counts frames replaced before anyone took them.
    """

    def __init__(self):
        self._cv = threading.Condition()
        self._item = None
        self._has = False
        self._closed = False
        self.dropped = 0
        self.put_count = 0

    def put(self, item) -> None:
        with self._cv:
            if self._has:
                self.dropped += 1
            self._item, self._has = item, True
            self.put_count += 1
            self._cv.notify()

    def get(self, timeout: float | None = None):
        """The newest item (waiting up to timeout); None when closed or timed out."""
        with self._cv:
            if not self._cv.wait_for(lambda: self._has or self._closed, timeout):
                return None
            if not self._has:
                return None
            item, self._item, self._has = self._item, None, False
            return item

    def qsize(self) -> int:
        with self._cv:
            return int(self._has)

    def close(self) -> None:
        with self._cv:
            self._closed = True
            self._cv.notify_all()


class LiveRunner:
    """A live set fed from a media thread (e.g. streamlit-webrtc's), read from a UI thread.

    The :class:`LiveSession` (and its pose model) is made by :meth:`warm_up` on a
    background thread as soon as the runner exists, so the first camera frames are
    analysed instead of waiting for the model to load; without it, the first
    :meth:`process` call makes it. It is used by one thread at a time and never
    shared with another runner. The UI thread reads :meth:`snapshot` and
    :meth:`cues` and calls :meth:`finish`; nothing here touches a UI toolkit.

    Args:
        model, exercise, tempo, view, profile: as for :class:`LiveSession`.
        overlay: draws the state on each frame (e.g. :class:`formcheck.render.live_overlay.LiveOverlay`).
        on_cue: called on the frame thread with each :class:`~formcheck.live.cues.CueEvent` as it is raised
            (e.g. :meth:`formcheck.live.sound.CueMixer.play`), in the same step as the overlay draws it.
        warm: load the pose model now on a background thread.
    """

    def __init__(self, model: str = "lite", *, exercise: str | None = "auto", tempo: str | None = None,
                 view: str | None = "auto", profile=None, overlay: Overlay | None = None,
                 on_cue: Callable[[CueEvent], None] | None = None, warm: bool = False):
        from ..pipeline import _check_options

        _check_options(exercise, view, model)
        Tempo.parse(tempo)
        self.options = {"model": model, "exercise": exercise or "auto", "tempo": tempo or None,
                        "view": view or "auto", "profile": profile}
        self.overlay = overlay
        self.on_cue = on_cue
        self._lock = threading.Lock()
        self._make_lock = threading.Lock()
        self._session: LiveSession | None = None
        self._cues: deque[CueEvent] = deque(maxlen=2000)
        self._state: LiveState | None = None
        self._error: str | None = None
        self._finished = False
        self.frames = 0
        self.frames_after_finish = 0  # frames offered after finish(): the camera is running again
        self._finish_lock = threading.Lock()
        self._outcome: tuple[str, object] | None = None
        if warm:
            threading.Thread(target=self.warm_up, name="formcheck-live-warm-up", daemon=True).start()

    def warm_up(self) -> None:
        """Make the session and run the pose model once on a blank frame (its first call is the slow one)."""
        session = self._get_session()
        if session is not None:
            try:
                session.warm_up()
            except RuntimeError:  # finished meanwhile
                pass

    def _get_session(self) -> LiveSession | None:
        """The session, made once (None after an error or once finished)."""
        with self._make_lock:
            with self._lock:
                if self._finished or self._error:
                    return None
                if self._session is not None:
                    return self._session
            try:
                session = LiveSession(**self.options, overlay=self.overlay)
            except Exception as exc:  # e.g. a missing model: show it, keep the video flowing
                from ..errors import FormcheckError

                with self._lock:
                    self._error = str(exc) if isinstance(exc, FormcheckError) else \
                        f"The live analysis could not start ({exc.__class__.__name__}: {exc})."
                return None
            with self._lock:
                if self._finished:
                    session.close()
                    return None
                self._session = session
            return session

    def process(self, rgb: np.ndarray, time_s: float | None = None) -> np.ndarray:
        """Analyse one frame and return the annotated frame (the input unchanged after an error or finish)."""
        with self._lock:
            if self._finished or self._error:
                self.frames_after_finish += self._finished
                return rgb
            session = self._session
        if session is None:
            session = self._get_session()
            if session is None:
                return rgb
        try:
            out, state = session.process(rgb, time_s)
        except RuntimeError:  # finished meanwhile
            return rgb
        with self._lock:
            self._state = state
            self.frames += 1
            self._cues.extend(state.cues)
        if self.on_cue is not None:
            for event in state.cues:
                try:
                    self.on_cue(event)
                except Exception:  # sound must never stop a live set
                    log.warning("the cue player failed; cues go on silently", exc_info=True)
                    self.on_cue = None
                    break
        return out

    def snapshot(self) -> LiveState | None:
        """A copy of the latest state (None before the first processed frame)."""
        with self._lock:
            return None if self._state is None else replace(self._state)

    def cues(self) -> list[CueEvent]:
        """Every cue raised so far (the last 2000), oldest first."""
        with self._lock:
            return list(self._cues)

    @property
    def error(self) -> str | None:
        with self._lock:
            return self._error

    @property
    def started(self) -> bool:
        """The set has begun: a camera frame was analysed (a warmed-up model alone is not a set)."""
        with self._lock:
            return self.frames > 0

    @property
    def finished(self) -> bool:
        with self._lock:
            return self._finished

    def stop(self) -> None:
        """End the set now (later frames pass through untouched); :meth:`finish` then analyses it."""
        with self._lock:
            self._finished = True

    def finish(self):
        """Stop the set and return the full :class:`~formcheck.result.AnalysisResult` (None if no frames).

        The analysis runs once: later calls (e.g. a UI rerun interrupted the first) return the same
        result or raise the same error.
        """
        with self._lock:
            self._finished = True
            session = self._session
        if session is None:
            return None
        with self._finish_lock:
            if self._outcome is None:
                try:
                    self._outcome = ("ok", session.finish())
                except Exception as exc:  # FormcheckError for the user; kept so a retry says the same
                    self._outcome = ("error", exc)
        kind, value = self._outcome
        if kind == "error":
            raise value
        return value

    def close(self) -> None:
        with self._lock:
            self._finished = True
            session = self._session
        if session is not None:
            session.close()



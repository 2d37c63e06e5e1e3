"""The live path: one frame in, the set's state out (UI-free).

:class:`LiveSession` owns one :class:`~formcheck.pose.PoseEstimator` (MediaPipe
landmarkers must never be shared across threads), keeps the session clock and
the raw poses, and runs the offline analysis causally through
:class:`formcheck.analysis.online.OnlineAnalysis`: the same rep signal per
exercise and view, the same segmentation, the same fault rules from the same
table and the same profile. What it adds is the lifter's view of it: the tempo
guide, the framing check before the set (:mod:`formcheck.live.framing`), plain
messages, the cue events to speak (:mod:`formcheck.live.cues`, in
``LiveState.cues`` and :attr:`LiveSession.cue_log`), and a smoothed skeleton to draw.
The pose model runs on every frame; the analysis re-reads the recent past at most
every ``live.analysis_every_s`` (frames in between reuse its reading), which keeps
the per-frame cost near the pose model's own.

Drawing is not done here: a front door passes ``overlay`` (e.g.
:class:`formcheck.render.live_overlay.LiveOverlay`), a callable
``overlay(rgb, session) -> rgb`` that reads :attr:`LiveSession.state`,
:attr:`LiveSession.skeleton` and :attr:`LiveSession.profile`.

:meth:`LiveSession.finish` runs :func:`formcheck.pipeline.analyze_series` on the
raw poses gathered during the session, so a live set ends with exactly the
report an upload gets.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import weakref
from collections import deque
from typing import Callable

import numpy as np

from .. import config
from ..analysis.filtering import OneEuro
from ..analysis.online import OnlineAnalysis, TempoGuide
from ..errors import PoseDataError
from ..series import PoseSeries
from ..tempo import Tempo
from .cues import CueEvent, CueScheduler
from .framing import FRAMING_TEXT, check_framing
from .state import PHASE_VERBS, SHRUG_VERBS, LiveState

log = logging.getLogger(__name__)

Overlay = Callable[[np.ndarray, "LiveSession"], np.ndarray]


class LiveSession:
    """Incremental analysis of one live set.

    Feed it from one thread (its pose model lives there); a lock guards :meth:`process` and :meth:`finish`.

    Args:
        model: pose model, "lite" (default, fastest), "full" or "heavy".
        exercise: "auto" or an exercise name (see :data:`formcheck.analysis.signals.EXERCISES`).
        tempo: target tempo "ecc-pause-conc-hold" (e.g. "3-0-1-1"); None: the profile's, if any.
        view: "auto" or a camera view (side, front, rear, oblique).
        profile: threshold overrides (dict or JSON path), as for :func:`formcheck.pipeline.analyze`.
        estimator: a ready PoseEstimator (tests, benchmarks); the session closes it.
        overlay: draws the state on each frame (None: frames come back untouched).
        max_minutes: the longest session kept for :meth:`finish` (older frames are dropped).
    """

    def __init__(self, model: str = "lite", *, exercise: str | None = "auto", tempo=None,
                 view: str | None = "auto", profile=None, estimator=None, overlay: Overlay | None = None,
                 max_minutes: float = 30.0):
        from ..pipeline import _check_options, _user_profile

        exercise, view = exercise or "auto", view or "auto"
        _check_options(exercise, view, model)
        self.model, self.exercise_opt, self.view_opt, self.tempo_opt = model, exercise, view, tempo
        self._user = _user_profile(profile)
        self._target_given = Tempo.parse(tempo)
        self.overlay = overlay
        self._lock = threading.Lock()
        if estimator is None:
            from ..pose import PoseEstimator

            estimator = PoseEstimator(model)
        self._est = estimator
        # The model is closed by close()/finish(), or, for a session dropped without either (a browser tab
        # closed mid-set), by this finalizer. It holds the estimator itself, so the estimator is never part of
        # the garbage the cyclic collector clears: MediaPipe's close() waits on a worker thread that exits as
        # soon as its executor is cleared, and closing from __del__ in such garbage hangs the thread forever.
        self._release = weakref.finalize(self, _close_estimator, estimator)
        self._closed = False
        self._warm = False
        max_frames = int(max_minutes * 60 * 60)
        # Raw detections for finish() (the offline pipeline filters them itself).
        self._raw: deque[tuple[float, np.ndarray, np.ndarray, np.ndarray]] = deque(maxlen=max_frames)
        self._frame_size: tuple[int, int] | None = None
        self.online = OnlineAnalysis(exercise=exercise, view=view,
                                     target=self._target_given.as_tuple() if self._target_given else None,
                                     user=self._user)
        live = self.online.cfg
        self._smooth = OneEuro(min_cutoff_hz=live.draw_min_cutoff_hz, beta=live.draw_beta)
        self.skeleton: tuple[np.ndarray, np.ndarray] | None = None  # (33, 2) smoothed pixels, (33,) visibility
        self._seen_t = -math.inf
        self._last_t: float | None = None
        self._wall_last = 0.0
        self._t0: float | None = None
        self._proc_times: deque[float] = deque()
        self._frames = 0
        self.guide: TempoGuide | None = None
        self._guide_rep = 0
        self._analysed_t = -math.inf
        self._framed = False
        self._framed_after_reps = 0  # a rep counted after this many means the set is on: framed
        self._framing_ok_since: float | None = None
        self._framing_key = "nobody"
        self.cue_scheduler = CueScheduler(framing_repeat_s=live.framing_repeat_s, count_max=live.cue_count_max)
        self.cue_log: deque[CueEvent] = deque(maxlen=10_000)  # every cue raised, oldest first
        self.state = LiveState()

    # -- what the analysis uses -------------------------------------------------------------------------------
    @property
    def profile(self) -> config.Profile:
        """The profile for the exercise and view in use (the top-level one until they are known)."""
        a = self.online.analysis
        return a.profile if a is not None else config.resolve("unknown_row", self.online.view or "side", self._user)

    def target(self) -> tuple[float, float, float, float] | None:
        """The tempo the guide paces: the one given, else the profile's (None: no guide)."""
        if self._target_given is not None:
            return self._target_given.as_tuple()
        tt = self.profile.target_tempo
        return None if tt is None else tuple(float(x) for x in tt)

    # -- the per-frame path -----------------------------------------------------------------------------------
    def _clock(self, time_s: float | None) -> float:
        """Session clock: the frames' own times from the first frame on; frames without a time advance it by
        the wall-clock time since the previous frame, so the two never mix. Strictly increasing."""
        now = time.monotonic()
        wall_t = 0.0 if self._last_t is None else self._last_t + max(1e-3, now - self._wall_last)
        if time_s is None:
            t = wall_t
        else:
            if self._t0 is None:
                self._t0 = float(time_s) - wall_t
            t = float(time_s) - self._t0
        if self._last_t is not None and t <= self._last_t:
            t = self._last_t + 1e-3
        self._last_t, self._wall_last = t, now
        return t

    def warm_up(self) -> None:
        """Run the pose model once on a blank frame before the set: its first call is the slow one (graph set-up),
        so the set's first frames go straight to the analysis."""
        with self._lock:
            if self._closed:
                raise RuntimeError("this LiveSession is finished; start a new one")
            if self._frames == 0 and not self._warm:
                self._est.detect(np.zeros((480, 640, 3), np.uint8), 0.0)
                self._warm = True

    def process(self, rgb: np.ndarray, time_s: float | None = None) -> tuple[np.ndarray, LiveState]:
        """Analyse one RGB frame.

        Args:
            rgb: (H, W, 3) uint8 RGB frame.
            time_s: its time in seconds (e.g. the video frame's timestamp; should increase);
                None: the time since the previous frame on the wall clock.

        Returns:
            (the frame as the overlay drew it (the input itself without an overlay), the state).

        Raises:
            RuntimeError: the session is finished.
        """
        t_in = time.perf_counter()
        with self._lock:
            if self._closed:
                raise RuntimeError("this LiveSession is finished; start a new one")
            t = self._clock(time_s)
            h, w = rgb.shape[:2]
            if self._frame_size is None:
                self._frame_size = self.online.frame_size = (w, h)
            xy_n, world, vis = self._est.detect(rgb, t)
            # Pixels of the session's first frame size: WebRTC may change the resolution mid-stream,
            # normalised coordinates do not change with it (same aspect ratio).
            xy = xy_n * np.array(self._frame_size, np.float32)
            self._raw.append((t, xy, world, vis))
            self._frames += 1
            self.online.push(t, xy, world, vis)
            self._update_skeleton(t, xy, vis, (w / self._frame_size[0], h / self._frame_size[1]))
            # The analysis re-reads the recent past at most every analysis_every_s; frames in between reuse its
            # reading (pose, skeleton, framing and cues still run on every frame).
            if t - self._analysed_t >= self.online.cfg.analysis_every_s:
                self._analysed_t = t
                u = self.online.update(t)
            else:
                u = self.online.state
            state = self._state(t, u, bool(np.isfinite(xy[0, 0])), xy_n, vis)
            self.state = state
            out = rgb
            if self.overlay is not None:
                try:
                    out = self.overlay(rgb, self)
                except Exception:  # the overlay must never stop a live set; the state is still right
                    log.warning("live overlay failed; frames go out undrawn", exc_info=True)
                    self.overlay = None
            now = time.perf_counter()
            self._proc_times.append(now)
            while self._proc_times and self._proc_times[0] < now - 1.0:
                self._proc_times.popleft()
            state.latency_ms = (now - t_in) * 1000.0
            state.fps = float(len(self._proc_times))
            return out, state

    def _update_skeleton(self, t: float, xy: np.ndarray, vis: np.ndarray, scale: tuple[float, float]) -> None:
        if np.isfinite(xy[0, 0]):
            self._seen_t = t
            low = ~(vis >= self.profile.filter.min_visibility)
            xy_m = xy.astype(np.float64)
            xy_m[low] = np.nan
            sx = self._smooth(xy_m, t)
            self.skeleton = (sx * np.array(scale), np.nan_to_num(vis.astype(np.float64)))
        elif t - self._seen_t > self.online.cfg.lost_after_s:
            self.skeleton = None

    def _state(self, t: float, u, detected: bool, xy_n: np.ndarray, vis: np.ndarray) -> LiveState:
        exercise = u.exercise
        st = LiveState(time_s=t, detected=detected, reps=u.reps, phase=u.phase, exercise=exercise,
                       view=None if u.view == "auto" else u.view, position=u.position, warnings=list(u.warnings),
                       shrug="shrug" in u.warnings, shrug_rise=u.shrug_rise, last_tempo=u.last_tempo, rep=u.rep,
                       ready=u.ready, shrug_reps=list(self.online.fault_reps.get("shrug", [])))
        st.phase_s = t - u.phase_since_s if u.phase and math.isfinite(u.phase_since_s) else float("nan")
        live = self.profile.live
        lost = t - self._seen_t
        self._frame(t, u, detected, lost, xy_n, vis, live)
        st.framing, st.framed = self._framing_key, self._framed
        if not detected and lost > 0.5:
            st.message = FRAMING_TEXT["nobody"]
            if lost > live.lost_after_s:
                st.phase = ""
        elif not st.framed:
            st.message = FRAMING_TEXT.get(st.framing) or "Hold still a moment\u2026"
        elif u.reps == 0 and not u.phase:
            st.message = "Ready: start your set"
        self._guide(st, t, u)
        st.cues = self.cue_scheduler.step(st, self.target())
        self.cue_log.extend(st.cues)
        return st

    def _frame(self, t: float, u, detected: bool, lost: float, xy_n, vis, live) -> None:
        """The framing check, debounced: framed once the check passes for framing_ok_s with the view decided,
        or as soon as a rep is counted (the set is on); nobody in view for lost_after_s starts it again."""
        if detected:
            self._framing_key = check_framing(xy_n, vis, live, exercise=u.exercise,
                                              view=u.view if u.ready else None)
        elif lost > 0.5:
            self._framing_key = "nobody"
        if self._framing_key:
            self._framing_ok_since = None
        elif self._framing_ok_since is None:
            self._framing_ok_since = t
        if not detected and lost > live.lost_after_s and self._framed:
            self._framed, self._framed_after_reps = False, u.reps
        if u.reps > self._framed_after_reps:
            self._framed = True
        elif (not self._framed and u.ready and self._framing_ok_since is not None
              and t - self._framing_ok_since >= live.framing_ok_s):
            self._framed = True

    def _guide(self, st: LiveState, t: float, u) -> None:
        target = self.target()
        verbs = SHRUG_VERBS if st.exercise == "shrug" else PHASE_VERBS
        if target is None:
            st.guide_text = ""
            return
        if self.guide is None or self.guide.target != tuple(target):
            self.guide = TempoGuide(target)
        if u.rep and u.rep != self._guide_rep and self.online.reps:  # a new pull: the cadence starts with it
            self._guide_rep = u.rep
            self.guide.sync(self.online.reps[-1].start_s)
        phase, left, total = self.guide.at(t)
        st.guide_phase, st.guide_left_s, st.guide_total_s = phase, left, total
        if phase:
            st.guide_text = f"{verbs[phase]} {left:.1f} s"
            st.on_pace = st.phase in ("", phase)
        else:
            st.guide_text = f"Tempo {Tempo(*target)}: {verbs['concentric'].lower()} when ready"

    # -- the end of the set -----------------------------------------------------------------------------------
    def series(self) -> PoseSeries:
        """The raw poses gathered so far (session clock, first frame at 0 s)."""
        with self._lock:
            return self._series()

    def _series(self) -> PoseSeries:
        size = self._frame_size or (640, 480)
        src = {"path": "live camera", "model": self.model, "live": True}
        if not self._raw:
            return PoseSeries.empty(size, 30.0, src)
        t = np.array([r[0] for r in self._raw])
        fps = float(1.0 / np.median(np.diff(t))) if len(t) > 1 else 30.0
        return PoseSeries(t, np.arange(len(t)), np.stack([r[1] for r in self._raw]),
                          np.stack([r[2] for r in self._raw]), np.stack([r[3] for r in self._raw]), size,
                          max(fps, 1.0), src)

    def finish(self):
        """End the set: close the pose model and analyse the whole session like an upload.

        Returns:
            :class:`formcheck.result.AnalysisResult`.

        Raises:
            PoseDataError: nobody was seen (or too few frames) during the session.
        """
        from ..pipeline import analyze_series

        with self._lock:
            self._close()
            series = self._series()
        if len(series) == 0:
            raise PoseDataError("The live set recorded no frames. Start the camera and do at least one rep.")
        opts = {"exercise": self.exercise_opt, "view": self.view_opt, "tempo": self.tempo_opt, "model": self.model,
                "live": True}
        return analyze_series(series, exercise=self.exercise_opt, view=self.view_opt, tempo=self.tempo_opt,
                              profile=self._user, options=opts)

    def _close(self) -> None:
        if not self._closed:
            self._closed = True
            self._release()

    def close(self) -> None:
        with self._lock:
            self._close()

    @property
    def frames(self) -> int:
        return self._frames

    def __enter__(self) -> "LiveSession":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _close_estimator(est) -> None:
    try:
        est.close()
    except Exception:  # closing must never hide the result
        log.debug("closing the estimator failed", exc_info=True)

"""The live path: one frame in, an annotated frame and the set's state out (UI-free).

:class:`LiveSession` runs the same stages as the offline pipeline, but causally:

* its own :class:`~formcheck.pose.PoseEstimator` (one per session; MediaPipe
  landmarkers must never be shared across threads);
* a causal One-Euro filter on the landmarks (the offline path uses a
  zero-phase filter that needs the future);
* the offline signal definitions from :mod:`formcheck.kinematics`, computed
  over a short sliding window, giving the same rep signal as an upload
  (elbow flexion = 180 - elbow angle for rows, shoulder elevation for shrugs);
* an incremental rep counter with hysteresis on an adaptive range, the current
  phase (concentric / hold / eccentric / pause), a tempo guide that paces the
  target tempo, and a live shrug warning using the offline rule (shoulders rise
  along the trunk against BOTH the ears and the hips, relative to the rep's start).

:meth:`LiveSession.finish` runs :func:`formcheck.analysis.analyze_series` on
the raw poses gathered during the session, so a live set ends with exactly the
report an upload gets.

:class:`LiveRunner` wraps a session for a media thread (streamlit-webrtc): the
session is created lazily on the thread that feeds it, and its state leaves
through a lock. :class:`LatestFrame` is a one-slot mailbox that drops stale
frames, so a slow consumer never builds a queue.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import warnings
from collections import deque
from pathlib import Path

import numpy as np

from .. import config as profiles
from ..analysis.detect import detect_exercise, detect_view
from ..analysis.filtering import CleanPose, OneEuro, clean_pose
from ..analysis.online import RepCounter, TempoGuide, _RunningMedian, _Window, shrug_fires
from ..analysis.signals import SIGNAL_DEFS, Geometry, compute_signals, detect_facing
from ..errors import PoseDataError
from ..series import PoseSeries
from .state import PHASE_VERBS, SHRUG_VERBS, LiveState

log = logging.getLogger(__name__)


class LiveSession:
    """Incremental analysis of one live set.

    Not thread-safe by itself beyond a lock around :meth:`process` and
    :meth:`finish`: feed it from one thread (the estimator lives on it).

    Args:
        model: pose model, "lite" (default, fastest), "full" or "heavy".
        exercise: "auto" (row vs shrug told apart from the movement) or a key of
            :data:`formcheck.kinematics.EXERCISES`.
        tempo: target tempo "ecc-pause-conc-hold" (e.g. "3-0-1-1"); None: the exercise's default.
        view: "auto" or a camera view (side, front, rear, oblique).
        profile: threshold overrides (dict or JSON path), as for :func:`formcheck.analysis.analyze`.
        estimator: a ready PoseEstimator (tests, benchmarks); the session closes it.
        draw: draw the overlay (False: return the input frame).
        max_minutes: the longest session kept for :meth:`finish` (older frames are dropped).
    """

    WINDOW_S = 4.0  # landmark history for the window-based signals
    CHECK_EVERY_S = 2.0  # how often the view and exercise are re-checked (s)

    def __init__(self, model: str = "lite", *, exercise: str | None = "auto", tempo: str | tuple | None = None,
                 view: str | None = "auto", profile: str | dict | None = None, estimator=None, draw: bool = True,
                 max_minutes: float = 30.0):
        from ..pipeline import _check_options

        exercise = exercise or "auto"
        view = view or "auto"
        _check_options(exercise, view, model)
        self.model = model
        self.exercise_opt = exercise
        self.view_opt = view
        self.tempo_opt = tempo
        self.profile_opt = profile
        self._user = profiles.load_user_profile(profile) if isinstance(profile, (str, Path)) else profile
        self._profiles: dict[tuple[str, str], dict] = {}
        self._target_given = profiles.parse_tempo(tempo) if tempo else None
        self.draw = draw
        self._max_frames = int(max_minutes * 60 * 60)
        self._lock = threading.Lock()
        if estimator is None:
            from ..pose import PoseEstimator

            estimator = PoseEstimator(model)
        self._est = estimator
        self._closed = False
        # Raw detections for finish() (the offline pipeline filters them itself).
        self._times: deque[float] = deque(maxlen=self._max_frames)
        self._xy: deque[np.ndarray] = deque(maxlen=self._max_frames)
        self._world: deque[np.ndarray] = deque(maxlen=self._max_frames)
        self._vis: deque[np.ndarray] = deque(maxlen=self._max_frames)
        self._frame_size: tuple[int, int] | None = None
        # Smoothed landmarks over the recent window, for the signals.
        self._f_xy = OneEuro(min_cutoff_hz=1.5, beta=0.05)
        self._f_world = OneEuro(min_cutoff_hz=1.5, beta=0.5)
        self._win: deque[tuple[float, np.ndarray, np.ndarray, np.ndarray]] = deque()
        self._last_xy: np.ndarray | None = None  # smoothed pixels of the latest detection (for drawing)
        self._last_vis = np.zeros(33)
        self._overlay = None
        self._seen_s = -math.inf  # last time a person was seen
        self._last_t: float | None = None
        self._wall_last = 0.0
        self._t0: float | None = None
        self._frame_no = 0
        self._proc_times: deque[float] = deque()
        # Signals, counters and the rest of the live state.
        self.view: str | None = None if view == "auto" else view
        self._checked_s = -math.inf
        self._facing: int | None = None
        self._sig = {name: _Window(15.0) for name in ("elbow_flexion", "shoulder_elev_ear", "shoulder_elev_hip",
                                                      "elbow_angle")}
        self._median = {name: _RunningMedian() for name in self._sig}
        self.exercise = exercise
        self._counters: dict[str, RepCounter] = {}
        self._make_counters()
        self._phase = ""
        self._phase_since = 0.0
        self._speed_hist = _Window(10.0)
        self._rep_no = 0
        self._shrug_base: tuple[float, float] | None = None
        self._shrug_on_until = -math.inf
        self._shrug_reps: list[int] = []
        self._last_tempo = ""
        self._rep_marks: dict[str, float | None] = {}
        self.state = LiveState(exercise=self.exercise, view=self.view)
        self.guide = TempoGuide(self._target())

    # -- configuration ------------------------------------------------------
    def _prof(self, exercise: str | None = None) -> dict:
        ex = exercise or (self.exercise if self.exercise != "auto" else "unknown_row")
        key = (ex, self.view or "side")
        if key not in self._profiles:  # resolving reads and merges JSON: once per exercise and view
            self._profiles[key] = profiles.resolve(ex, key[1], self._user)
        return self._profiles[key]

    def _target(self) -> tuple[float, float, float, float]:
        return self._target_given or tuple(self._prof()["target_tempo"])

    def _make_counters(self) -> None:
        row = self._prof("unknown_row")["reps"]
        shrug = self._prof("shrug")["reps"]
        old = self._counters
        self._counters = {
            "elbow_flexion": RepCounter(row["min_prominence_deg"], min_rep_s=0.6 * row["min_rep_s"]),
            "shoulder_elev_ear": RepCounter(shrug["min_prominence_torso"], min_rep_s=0.6 * shrug["min_rep_s"]),
        }
        for name, c in old.items():  # keep counts across a view change
            self._counters[name].count = c.count

    @property
    def rep_signal_name(self) -> str:
        return "shoulder_elev_ear" if self.exercise == "shrug" else "elbow_flexion"

    @property
    def counter(self) -> RepCounter:
        return self._counters[self.rep_signal_name]

    # -- the per-frame path -------------------------------------------------
    def process(self, rgb: np.ndarray, time_s: float | None = None) -> tuple[np.ndarray, LiveState]:
        """Analyse one RGB frame.

        Args:
            rgb: (H, W, 3) uint8 RGB frame.
            time_s: its time in seconds (e.g. the video frame's timestamp; should increase);
                None: the time since the previous frame on the wall clock.

        Returns:
            (annotated RGB frame (H, W, 3) uint8 — a new array when drawing, the input otherwise, the state).
        """
        t_in = time.perf_counter()
        now = time.monotonic()
        with self._lock:
            if self._closed:
                raise RuntimeError("this LiveSession is finished; start a new one")
            # Session clock: the frames' own times from the first frame on; frames without a time
            # (None) advance it by the wall-clock time since the previous frame, so the two never mix.
            wall_t = 0.0 if self._last_t is None else self._last_t + max(1e-3, now - self._wall_last)
            if time_s is None:
                t = wall_t
            else:
                if self._t0 is None:
                    self._t0 = float(time_s) - wall_t
                t = float(time_s) - self._t0
            if self._last_t is not None and t <= self._last_t:
                t = self._last_t + 1e-3  # keep the session clock strictly increasing
            self._last_t = t
            self._wall_last = now
            h, w = rgb.shape[:2]
            if self._frame_size is None:
                self._frame_size = (w, h)
            xy_n, world, vis = self._est.detect(rgb, t)
            # Pixels of the session's first frame size: WebRTC may change the resolution mid-stream,
            # normalised coordinates do not change with it (same aspect ratio).
            xy = xy_n * np.array(self._frame_size, np.float32)
            self._times.append(t)
            self._xy.append(xy)
            self._world.append(world)
            self._vis.append(vis)
            self._frame_no += 1
            state = self._update(t, xy, world, vis)
            out = self._draw(rgb, state, (w / self._frame_size[0], h / self._frame_size[1])) if self.draw else rgb
            now = time.perf_counter()
            self._proc_times.append(now)
            while self._proc_times and self._proc_times[0] < now - 1.0:
                self._proc_times.popleft()
            state.latency_ms = (now - t_in) * 1000.0
            state.fps = float(len(self._proc_times))
            self.state = state
            return out, state

    def _update(self, t: float, xy: np.ndarray, world: np.ndarray, vis: np.ndarray) -> LiveState:
        st = LiveState(time_s=t, reps=self.counter.count, exercise=self.exercise, view=self.view,
                       shrug_reps=list(self._shrug_reps), last_tempo=self._last_tempo)
        detected = bool(np.isfinite(xy[0, 0]))
        st.detected = detected
        if detected:
            self._seen_s = t
            low = ~(vis >= self._prof()["filter"]["min_visibility"])
            xy_m = xy.astype(np.float64)
            xy_m[low] = np.nan
            w_m = world.astype(np.float64)
            w_m[low] = np.nan
            sx = self._f_xy(xy_m, t)
            sw = self._f_world(w_m, t)
            self._last_xy = sx
            self._last_vis = np.nan_to_num(vis.astype(np.float64))
            self._win.append((t, sx, sw, vis.astype(np.float64)))
        while self._win and self._win[0][0] < t - self.WINDOW_S:
            self._win.popleft()
        if not detected:
            if t - self._seen_s > 1.0:
                self._last_xy = None
            st.message = "Step into view: whole body in frame" if t - self._seen_s > 0.5 else ""
            st.phase = self._phase if t - self._seen_s < 1.0 else ""
            self._guide(st, t)
            return st
        if len(self._win) < 5:
            st.message = "Hold still a moment..."
            return st
        pose = self._window_pose()
        replay = False
        # Enough to judge the view: 15 frames, or 1 s of them when frames arrive slowly.
        enough = len(self._win) >= 15 or (len(self._win) >= 5 and self._win[-1][0] - self._win[0][0] >= 1.0)
        if t - self._checked_s >= self.CHECK_EVERY_S and not self.counter.up and enough:
            # Every few seconds, between reps: the offline view and exercise detectors on the recent past.
            self._checked_s = t
            recent = self._recent_offline()
            if recent is not None:
                rpose, v = recent
                if self.view_opt != "auto":
                    v = self.view_opt
                if self._facing is None or self.view != v:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", RuntimeWarning)
                        self._facing = detect_facing(rpose)
                if v != self.view:
                    replay = self.view is None
                    self.view = v
                    self._make_counters()  # the view sets the floors; counts are kept
                    if not replay:  # a different definition of the elbow angle: start the range afresh
                        for c in self._counters.values():
                            c.reset_range()
                if self.exercise_opt == "auto" and any(c.count for c in self._counters.values()):
                    self._detect_exercise(rpose)
        if self.view is None:
            st.message = "Hold still a moment..."
            return st
        if self._facing is None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                self._facing = detect_facing(pose)
        sigs = self._signals(pose)
        if replay:
            # The view was just found: count from the start of the window, so a rep begun while the
            # view was being decided is not lost.
            for i, ti in enumerate(pose.times_s[:-1]):
                vals = {name: self._median[name](float(ti), float(arr[i])) for name, arr in sigs.items()}
                for name, v in vals.items():
                    self._sig[name].add(float(ti), v)
                for name, c in self._counters.items():
                    c.update(float(ti), vals[name])
        sig = {name: self._median[name](t, float(arr[-1])) for name, arr in sigs.items()}
        for name, val in sig.items():
            self._sig[name].add(t, val)
        events = {name: c.update(t, sig[name]) for name, c in self._counters.items()}
        c = self.counter
        x = sig[self.rep_signal_name]
        st.exercise, st.view, st.reps = self.exercise, self.view, c.count
        st.rep_signal = x
        st.position = c.position(x)
        self._phases(st, t, x, events[self.rep_signal_name])
        self._shrug(st, t, sig, events[self.rep_signal_name])
        self._guide(st, t)
        st.last_tempo = self._last_tempo
        st.shrug_reps = list(self._shrug_reps)
        return st

    def _window_pose(self) -> CleanPose:
        ts = np.array([w[0] for w in self._win])
        xy = np.stack([w[1] for w in self._win])
        world = np.stack([w[2] for w in self._win])
        vis = np.stack([w[3] for w in self._win])
        fps = float(1.0 / np.median(np.diff(ts))) if len(ts) > 1 else 30.0
        return CleanPose(ts, xy, world, vis, np.ones(len(ts), bool), fps)

    def _signals(self, pose: CleanPose) -> dict[str, np.ndarray]:
        """The offline signal definitions evaluated over the window: name -> (T,) array."""
        with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            g = Geometry(pose, self.view or "side", self._facing or 1)
            out = {name: np.asarray(SIGNAL_DEFS[name].fn(g), float)
                   for name in ("elbow_angle", "shoulder_elev_ear", "shoulder_elev_hip")}
        out["elbow_flexion"] = 180.0 - out["elbow_angle"]  # as formcheck.analysis.rep_signal
        return out

    def _recent_offline(self, span_s: float = 15.0):
        """The offline cleaning and signals on the raw poses of the last ``span_s``: (CleanPose, view) or None.

        Zero-phase filtering over the past is fine here: it only informs decisions
        (view, exercise) made now, never the per-frame signals.
        """
        t_end = self._times[-1]
        n = 0
        for tt in reversed(self._times):
            if tt < t_end - span_s:
                break
            n += 1
        idx = range(len(self._times) - n, len(self._times))
        t = np.array([self._times[i] for i in idx])
        det = np.array([np.isfinite(self._xy[i][0, 0]) for i in idx])
        if det.sum() < 5:
            return None
        series = PoseSeries(t, np.arange(n), np.stack([self._xy[i] for i in idx]),
                            np.stack([self._world[i] for i in idx]), np.stack([self._vis[i] for i in idx]),
                            self._frame_size, float(1.0 / np.median(np.diff(t))) if n > 1 else 30.0)
        with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            pose = clean_pose(series, **self._prof()["filter"])
            view = detect_view(pose).view
        return pose, view

    def _detect_exercise(self, pose: CleanPose) -> None:
        """The offline exercise detector on the last seconds; only row vs shrug changes what is counted."""
        with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            est = detect_exercise(pose, compute_signals(pose, self.view or "side", self._facing))
        if est.exercise != self.exercise:
            self.exercise = est.exercise
            t0 = self.guide.t0
            self.guide = TempoGuide(self._target())  # the exercise's default tempo, same rhythm
            self.guide.t0 = t0

    def _phases(self, st: LiveState, t: float, x: float, event: str | None) -> None:
        """Current phase from the rep signal's slope over the last 0.2 s, with the counter's range."""
        c = self.counter
        hist = self._sig[self.rep_signal_name]
        # Slope over the last 0.2 s, or the last 3 samples when frames come slower (at most 0.8 s back).
        pts = [(tt, vv) for tt, vv in zip(hist.t, hist.v) if tt >= t - 0.8 and math.isfinite(vv)]
        recent = [p for p in pts if p[0] >= t - 0.2]
        if len(recent) < 3:
            recent = pts[-3:]
        slope = 0.0
        if len(recent) >= 2 and recent[-1][0] - recent[0][0] > 0.05:
            tt = np.array([r[0] for r in recent])
            vv = np.array([r[1] for r in recent])
            slope = float(np.polyfit(tt - tt[-1], vv, 1)[0])
        self._speed_hist.add(t, abs(slope))
        peak = float(np.percentile(self._speed_hist.values(), 95)) if len(self._speed_hist.v) > 5 else 0.0
        thr = max(0.15 * peak, 0.2 * c.floor)  # units per second
        pos = c.position(x)
        if slope > thr:
            new = "concentric"
        elif slope < -thr:
            new = "eccentric"
        elif c.count == 0 and not c.up:
            new = ""
        elif c.up or (math.isfinite(pos) and pos > 0.5):
            new = "hold"
        else:
            new = "pause"
        if new == "" and self._phase == "":
            st.message = "Ready: start your set" if c.count == 0 else ""
        # Short blips (< 0.1 s) do not change the phase, except a rep count, which is decisive.
        if new != self._phase and (t - self._phase_since >= 0.1 or event == "rep"):
            self._on_phase_change(self._phase, new, t)
            self._phase, self._phase_since = new, t
        if event == "rep" and self._phase not in ("concentric", "hold"):
            self._on_phase_change(self._phase, "concentric", t)
            self._phase, self._phase_since = "concentric", t
        st.phase = self._phase
        st.phase_s = t - self._phase_since if self._phase else float("nan")

    def _on_phase_change(self, old: str, new: str, t: float) -> None:
        m = self._rep_marks
        if new == "concentric" and old in ("", "pause", "eccentric"):
            if old == "pause" and m.get("bottom") is not None:
                m["pause"] = t - m["bottom"]
            self._finish_rep_tempo()
            self._rep_marks = {"start": t}
            self.guide.sync(t)
        elif new == "hold" and old == "concentric":
            m["peak"] = t
        elif new == "eccentric" and old in ("hold", "concentric"):
            m.setdefault("peak", t)
            m["hold_end"] = t
        elif new == "pause" and old == "eccentric":
            m["bottom"] = t

    def _finish_rep_tempo(self) -> None:
        m = self._rep_marks
        if not m.get("start") or m.get("bottom") is None:
            return

        def d(a, b):
            return None if m.get(a) is None or m.get(b) is None else m[b] - m[a]

        vals = (d("hold_end", "bottom"), m.get("pause"), d("start", "peak"), d("peak", "hold_end"))
        self._last_tempo = "-".join("?" if v is None else f"{max(0.0, v):.1f}" for v in vals)

    def _shrug(self, st: LiveState, t: float, sig: dict[str, float], event: str | None) -> None:
        """Shoulders rising toward the ears against the rep's start, from the ears AND the hips (assess.py rule)."""
        if self.exercise == "shrug":
            return
        c = self.counter
        if event == "rep" and c.rep_start_s is not None:
            a = c.rep_start_s
            ear = self._sig["shoulder_elev_ear"].between(a - 0.2, a + 0.03)
            hip = self._sig["shoulder_elev_hip"].between(a - 0.2, a + 0.03)
            ear, hip = ear[np.isfinite(ear)], hip[np.isfinite(hip)]
            self._shrug_base = (float(np.median(ear)), float(np.median(hip))) if len(ear) and len(hip) else None
            self._rep_no = c.count
        if self._shrug_base is None or not c.up:  # from the rep being counted to its way down: the top
            st.shrug = t < self._shrug_on_until
            return
        ear = self._sig["shoulder_elev_ear"].since(t - 0.2)
        hip = self._sig["shoulder_elev_hip"].since(t - 0.2)
        ear, hip = ear[np.isfinite(ear)], hip[np.isfinite(hip)]
        if not len(ear) or not len(hip):
            return
        rise_ear = float(np.median(ear)) - self._shrug_base[0]
        rise_hip = float(np.median(hip)) - self._shrug_base[1]
        st.shrug_rise = rise_ear  # the value the offline finding reports (against the ears)
        if shrug_fires(rise_ear, rise_hip, self._prof()):
            self._shrug_on_until = t + 0.8  # keep the warning up long enough to read
            if self._rep_no and self._rep_no not in self._shrug_reps:
                self._shrug_reps.append(self._rep_no)
        st.shrug = t < self._shrug_on_until

    def _guide(self, st: LiveState, t: float) -> None:
        phase, left, total = self.guide.at(t)
        verbs = SHRUG_VERBS if self.exercise == "shrug" else PHASE_VERBS
        st.guide_phase, st.guide_left_s, st.guide_total_s = phase, left, total
        if phase:
            st.guide_text = f"{verbs[phase]} {left:.1f} s"
            st.on_pace = st.phase in ("", phase)
        else:
            c = self._target()
            st.guide_text = f"Tempo {c[0]:g}-{c[1]:g}-{c[2]:g}-{c[3]:g}: {verbs['concentric'].lower()} when ready"

    # -- drawing ------------------------------------------------------------
    def _draw(self, rgb: np.ndarray, st: LiveState, scale: tuple[float, float]) -> np.ndarray:
        from ..render.live_overlay import LiveOverlay, draw_overlay

        xy = None if self._last_xy is None else self._last_xy * np.array(scale)
        h, w = rgb.shape[:2]
        if self._overlay is not False and (self._overlay is None or self._overlay.size != (w, h)):
            try:
                self._overlay = LiveOverlay((w, h), self._prof())
            except ImportError:  # formcheck.render not available: the minimal overlay below
                self._overlay = False
        if self._overlay:
            try:
                return self._overlay.draw(rgb, xy, self._last_vis, st, self._target())
            except Exception:  # the overlay must never stop a live set
                log.warning("live overlay failed; using the plain one", exc_info=True)
                self._overlay = False
        return draw_overlay(rgb, xy, st)

    # -- the end of the set -------------------------------------------------
    def series(self) -> PoseSeries:
        """The raw poses gathered so far (session clock, first frame at 0 s)."""
        with self._lock:
            return self._series()

    def _series(self) -> PoseSeries:
        size = self._frame_size or (640, 480)
        src = {"path": "live camera", "model": self.model, "live": True}
        if not self._times:
            return PoseSeries.empty(size, 30.0, src)
        t = np.array(self._times)
        fps = float(1.0 / np.median(np.diff(t))) if len(t) > 1 else 30.0
        return PoseSeries(t, np.arange(len(t)), np.stack(self._xy), np.stack(self._world), np.stack(self._vis),
                          size, max(fps, 1.0), src)

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
            try:
                self._est.close()
            except Exception:  # closing must never hide the result
                log.debug("closing the estimator failed", exc_info=True)

    def close(self) -> None:
        with self._lock:
            self._close()

    @property
    def frames(self) -> int:
        return self._frame_no

    def __enter__(self) -> "LiveSession":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

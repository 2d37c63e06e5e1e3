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
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from . import profile as profiles
from .errors import PoseDataError
from .filtering import CleanPose, OneEuro, clean_pose
from .kinematics import EXERCISES, SIGNAL_DEFS, Geometry, compute_signals, detect_exercise, detect_facing, detect_view
from .series import LANDMARK, SKELETON_EDGES, PoseSeries

log = logging.getLogger(__name__)

PHASE_VERBS = {"concentric": "Pull", "hold": "Squeeze", "eccentric": "Lower", "pause": "Pause"}
SHRUG_VERBS = {"concentric": "Lift", "hold": "Hold", "eccentric": "Lower", "pause": "Pause"}
# Tempo notation order is eccentric-pause-concentric-hold; a rep is performed concentric first.
_CYCLE = (("concentric", 2), ("hold", 3), ("eccentric", 0), ("pause", 1))


@dataclass
class LiveState:
    """What the lifter should see after one frame.

    Attributes:
        time_s: the frame's time on the session clock (s).
        detected: a person was found in this frame.
        reps: reps counted so far.
        phase: "" (not started / nobody), "concentric", "hold", "eccentric" or "pause".
        phase_s: seconds spent in the current phase so far.
        exercise: exercise being counted ("auto" until the movement tells row from shrug).
        view: camera view used for the signals (None until known).
        rep_signal: current rep-signal value (deg of elbow flexion, or torso lengths of elevation).
        position: where the rep signal sits in the set's range, 0 (bottom) .. 1 (top); NaN if unknown.
        guide_phase: the phase the target tempo says you should be in ("" before the first rep).
        guide_left_s: seconds left in that phase of the guide.
        guide_total_s: that phase's full length in the target tempo (s).
        guide_text: e.g. "Lower 1.4 s".
        on_pace: your phase matches the guide's.
        shrug: the shrug warning is on (shoulders rising toward the ears).
        shrug_rise: current shoulder rise toward the ears since this rep's start (torso lengths).
        shrug_reps: reps on which the warning fired.
        last_tempo: the last finished rep's tempo "ecc-pause-conc-hold" (s), or "".
        message: a hint for the lifter ("Step into view", ...), or "".
        latency_ms: time spent processing this frame.
        fps: frames processed per second (last second).
    """

    time_s: float = 0.0
    detected: bool = False
    reps: int = 0
    phase: str = ""
    exercise: str = "auto"
    view: str | None = None
    rep_signal: float = float("nan")
    position: float = float("nan")
    guide_phase: str = ""
    guide_left_s: float = 0.0
    guide_total_s: float = 0.0
    guide_text: str = ""
    on_pace: bool = True
    phase_s: float = float("nan")
    shrug: bool = False
    shrug_rise: float = float("nan")
    shrug_reps: list[int] = field(default_factory=list)
    last_tempo: str = ""
    message: str = ""
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


class _Window:
    """Values with their times over the last ``span_s`` seconds (for percentiles and slopes)."""

    def __init__(self, span_s: float):
        self.span_s = span_s
        self.t: deque[float] = deque()
        self.v: deque[float] = deque()

    def add(self, t: float, v: float) -> None:
        self.t.append(t)
        self.v.append(v)
        while self.t and self.t[0] < t - self.span_s:
            self.t.popleft()
            self.v.popleft()

    def clear(self) -> None:
        self.t.clear()
        self.v.clear()

    def values(self) -> np.ndarray:
        return np.fromiter(self.v, float, len(self.v))

    def since(self, t0: float) -> np.ndarray:
        return np.array([v for t, v in zip(self.t, self.v) if t >= t0], float)

    def between(self, a: float, b: float) -> np.ndarray:
        return np.array([v for t, v in zip(self.t, self.v) if a <= t <= b], float)


class _RunningMedian:
    """Median of the samples in the last ``span_s`` (at least the last ``min_n``): removes pose glitches.

    A glitch of a frame or two (the 3-D elbow angle flips for a moment, an arm
    crosses the body) would otherwise count as a rep; the cost is ~half the span of delay.
    """

    def __init__(self, span_s: float = 0.16, min_n: int = 1):
        self.span_s, self.min_n = span_s, min_n
        self.buf: deque[tuple[float, float]] = deque(maxlen=64)

    def __call__(self, t: float, x: float) -> float:
        if not math.isfinite(x):
            return x
        self.buf.append((t, x))
        vals = [v for tt, v in self.buf if tt >= t - self.span_s]
        if len(vals) < self.min_n:
            vals = [v for _, v in list(self.buf)[-self.min_n:]]
        return float(np.median(vals))


class RepCounter:
    """Counts reps on one signal that rises toward the top of each rep.

    A hysteresis ("zig-zag") counter on an adaptive range: a rep counts when the
    signal has risen ``max(floor, up_frac * typical)`` above its lowest point
    since the last rep, and the rep ends when it has fallen
    ``max(down_floor_frac * floor, down_frac * typical)`` below its highest
    point. ``typical`` is the median rise of the last few reps, so thresholds
    follow the lifter's own range, and measuring from local extremes keeps slow
    drift (the lifter settling, the camera moving) from hiding reps. The floor
    (the profile's minimum prominence, in the signal's unit) keeps noise at rest
    from counting.

    Args:
        floor: smallest rise that can be a rep (signal units).
        window_s: history kept for the displayed range (s).
        min_rep_s: shortest time between two counted reps (s).
    """

    def __init__(self, floor: float, *, window_s: float = 12.0, up_frac: float = 0.4, down_frac: float = 0.35,
                 down_floor_frac: float = 0.5, min_rep_s: float = 0.5):
        self.floor = floor
        self.up_frac, self.down_frac, self.down_floor_frac = up_frac, down_frac, down_floor_frac
        self.min_rep_s = min_rep_s
        self.hist = _Window(window_s)
        self.count = 0
        self.up = False  # between a counted rise and the following fall
        self.low = (math.inf, 0.0)  # (value, time) of the lowest point since the last rep's top
        self.high = (-math.inf, 0.0)  # highest point of the current rep
        self.rises: deque[float] = deque(maxlen=5)  # rise of recent reps (bottom to top)
        self.rep_start_s: float | None = None  # time of the lowest point before the latest rep (its start)
        self.last_up_s = -math.inf
        self.lo = self.hi = float("nan")

    @property
    def typical(self) -> float:
        return float(np.median(self.rises)) if self.rises else 0.0

    def thresholds(self) -> tuple[float, float]:
        """(fall that ends a rep, rise that counts one), in signal units."""
        typ = self.typical
        return (max(self.down_floor_frac * self.floor, self.down_frac * typ), max(self.floor, self.up_frac * typ))

    def levels(self) -> tuple[float, float]:
        """(level a fall must reach to end the rep, level a rise must reach to count), signal units."""
        down, up = self.thresholds()
        return self.high[0] - down, self.low[0] + up

    def position(self, x: float) -> float:
        """0 at the bottom of the recent range, 1 at the top (NaN before a range exists)."""
        span = self.hi - self.lo
        if not math.isfinite(x) or not math.isfinite(span) or span < 0.5 * self.floor:
            return float("nan")
        return float(np.clip((x - self.lo) / span, 0.0, 1.0))

    def update(self, t: float, x: float) -> str | None:
        """Feed one sample; returns "rep" when a rep is counted, "down" when it has come back down, else None."""
        if not math.isfinite(x):
            return None
        self.hist.add(t, x)
        vals = self.hist.values()
        self.lo, self.hi = (float(v) for v in np.percentile(vals, [5, 95])) if len(vals) >= 3 else (x, x)
        down, up = self.thresholds()
        if not self.up:
            if x < self.low[0]:
                self.low = (x, t)
            if x - self.low[0] >= up and t - self.last_up_s >= self.min_rep_s:
                self.up = True
                self.count += 1
                self.rep_start_s = self.low[1]
                self.last_up_s = t
                self.high = (x, t)
                return "rep"
            return None
        if x > self.high[0]:
            self.high = (x, t)
        if self.high[0] - x >= down:
            self.rises.append(self.high[0] - self.low[0])
            self.up = False
            self.low = (x, t)
            return "down"
        return None

    def reset_range(self) -> None:
        self.hist.clear()
        self.rises.clear()


class TempoGuide:
    """A metronome for the target tempo, re-synchronised at the start of each of your pulls.

    Args:
        target: (eccentric, pause, concentric, hold) seconds.
    """

    def __init__(self, target: tuple[float, float, float, float]):
        self.target = tuple(float(x) for x in target)
        self.cycle = [(name, self.target[i]) for name, i in _CYCLE if self.target[i] > 0]
        self.period = sum(d for _, d in self.cycle)
        self.t0: float | None = None

    def sync(self, t: float) -> None:
        """The lifter just started a concentric: the guide's cycle starts now."""
        self.t0 = t

    def at(self, t: float) -> tuple[str, float, float]:
        """(phase the tempo asks for, seconds left in it, its full length); ("", 0, 0) before the first pull."""
        if self.t0 is None or self.period <= 0:
            return "", 0.0, 0.0
        u = (t - self.t0) % self.period
        for name, d in self.cycle:
            if u < d:
                return name, d - u, d
            u -= d
        name, d = self.cycle[-1]
        return name, 0.0, d


def shrug_fires(rise_ear: float, rise_hip: float, prof: dict) -> bool:
    """The offline shrug rule (assess.py) on one rise: ears AND hips must both show the shoulders rising.

    Args:
        rise_ear, rise_hip: rise since the rep's start in torso lengths, against the ears and the hips.
        prof: resolved profile; its ``faults.shrug`` thresholds are used.
    """
    if "shrug" in prof.get("faults_off", []) or not (math.isfinite(rise_ear) and math.isfinite(rise_hip)):
        return False
    c = prof["faults"]["shrug"]
    if "min_rise_ear_torso" in c:
        return rise_ear >= c["min_rise_ear_torso"] and rise_hip >= c.get("min_rise_hip_torso", 0.0)
    return min(rise_ear, rise_hip) >= c["min_rise_torso"]


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
        from .analysis import _check_options

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
            from .pose import PoseEstimator

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
        from .analysis import analyze_series

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


# --- the overlay ------------------------------------------------------------------------------------------------

class LiveOverlay:
    """The live overlay, drawn with :mod:`formcheck.render`'s annotators and primitives (same look as uploads).

    Skeleton and shoulder-to-ear lines, the shrug gauge (rows), a HUD with the rep
    count, your phase and the tempo guide, and the shrug warning banner.

    Args:
        size: (width, height) of the frames.
        prof: resolved profile (for the shrug threshold drawn on the gauge).

    Raises:
        ImportError: formcheck.render is not available.
    """

    def __init__(self, size: tuple[int, int], prof: dict):
        from . import render

        self.r = render
        self.size = size
        self.style = render.Style.for_size(*size)
        c = prof["faults"]["shrug"]
        self.shrug_thr = float(c.get("min_rise_ear_torso", c.get("min_rise_torso", 0.06)))
        self.skeleton = render.SkeletonAnnotator(self.style)
        self.gauge = render.ElevationGaugeAnnotator(self.style, self.shrug_thr)
        self.faults = render.FaultAnnotator(self.style)
        st = self.style
        self.pad, self.label, self.big, self.mid, self.small = st.px(12), st.px(14), st.px(44), st.px(22), st.px(15)
        self.x = self.y = st.px(14)
        self.col1 = max(render.text_size("REPS", self.label, True)[0], render.text_size("88", self.big, True)[0])
        self.col2 = max(render.text_size("SQUEEZE", self.mid, True)[0],
                        render.text_size("TEMPO  Squeeze 8.8 s", self.small, True)[0], st.px(190))
        self.gap = st.px(20)
        self.w = 2 * self.pad + self.col1 + self.gap + self.col2
        self.lh = render.text_size("REPS", self.label, True)[1]
        self.h = 2 * self.pad + self.lh + render.text_size("8", self.big, True)[1]

    def draw(self, rgb: np.ndarray, xy: np.ndarray | None, vis: np.ndarray, st: LiveState,
             target: tuple[float, float, float, float]) -> np.ndarray:
        r, sty = self.r, self.style
        frame = np.ascontiguousarray(rgb).copy()
        findings = ()
        if st.shrug:
            findings = (r.Finding("shrug", st.shrug_rise, self.shrug_thr, "torso", st.time_s),)
        pts = xy if xy is not None else np.full((33, 2), np.nan)
        in_rep = st.phase in ("concentric", "hold", "eccentric")
        idx = {"eccentric": 0, "pause": 1, "concentric": 2, "hold": 3}
        fs = r.FrameState(index=0, time_s=st.time_s, xy=pts, visibility=vis if xy is not None else np.zeros(33),
                          rep=st.reps if in_rep else 0, rep_shown=st.reps, rep_count=st.reps, phase=st.phase,
                          phase_s=st.phase_s, phase_target_s=target[idx[st.phase]] if st.phase in idx else None,
                          rise=st.shrug_rise if in_rep else float("nan"), trunk_deg=float("nan"),
                          trunk_start_dir=None, findings=findings)
        self.skeleton.annotate(frame, fs)
        if st.exercise != "shrug" and st.detected:
            self.gauge.annotate(frame, fs)
        self._hud(frame, st)
        if st.shrug:
            self.faults.annotate(frame, fs)
        elif st.message:
            y = sty.height - sty.px(16)
            w, h = r.text_size(st.message, self.small, True)
            r.draw_panel(frame, (sty.width - w) // 2 - self.pad, y - h - 2 * self.pad, w + 2 * self.pad,
                         h + 2 * self.pad, r.PANEL, 0.85, sty.px(10))
            r.draw_text(frame, st.message, sty.width // 2, y - h - self.pad, self.small, r.TEXT, True, "ct")
        return frame

    def _hud(self, frame: np.ndarray, st: LiveState) -> None:
        r, sty = self.r, self.style
        r.draw_panel(frame, self.x, self.y, self.w, self.h, r.PANEL, 0.75, sty.px(10))
        x1, y1 = self.x + self.pad, self.y + self.pad
        r.draw_text(frame, "REPS", x1, y1, self.label, r.MUTED, True)
        r.draw_text(frame, str(st.reps), x1, y1 + self.lh, self.big, r.TEXT, True)
        x2 = x1 + self.col1 + self.gap
        verbs = SHRUG_VERBS if st.exercise == "shrug" else PHASE_VERBS
        if st.phase:
            word, col = verbs[st.phase].upper(), r.PHASE_COLORS.get(st.phase, r.TEXT)
        else:
            word, col = ("READY" if st.detected else "STEP INTO VIEW"), r.MUTED
        r.draw_text(frame, word, x2, y1, self.mid, col, True)
        y = y1 + r.text_size(word, self.mid, True)[1] + sty.px(4)
        if st.guide_phase:
            gcol = r.PHASE_COLORS.get(st.guide_phase, r.TEXT)
            text = f"TEMPO  {verbs[st.guide_phase]} {st.guide_left_s:.1f} s"
            r.draw_text(frame, text, x2, y, self.small, r.TEXT if st.on_pace else (253, 186, 116), True)
            y += r.text_size(text, self.small, True)[1] + sty.px(4)
            # The guide's phase as a bar running out.
            dur = st.guide_total_s
            bw = self.col2
            import cv2

            cv2.rectangle(frame, (x2, y), (x2 + bw, y + sty.px(5)), (51, 65, 85), -1)
            if dur > 0:
                fill = int(bw * max(0.0, min(1.0, st.guide_left_s / dur)))
                cv2.rectangle(frame, (x2, y), (x2 + fill, y + sty.px(5)), gcol, -1)
        else:
            r.draw_text(frame, "tempo guide starts at rep 1", x2, y, sty.px(13), r.MUTED)



_PHASE_RGB = {"concentric": (80, 200, 120), "hold": (250, 200, 60), "eccentric": (90, 160, 255),
              "pause": (190, 190, 190), "": (190, 190, 190)}


def draw_overlay(rgb: np.ndarray, xy: np.ndarray | None, st: LiveState) -> np.ndarray:
    """Skeleton plus a small HUD (reps, phase, tempo guide, shrug warning) on a copy of the frame.

    Args:
        rgb: (H, W, 3) uint8 RGB.
        xy: (33, 2) smoothed landmark pixels, or None when nobody is tracked.
        st: the live state to show.
    """
    import cv2

    img = np.ascontiguousarray(rgb).copy()
    h, w = img.shape[:2]
    s = max(0.5, min(w, h) / 480.0)  # scale text and lines with the frame
    lw = max(1, int(round(2 * s)))
    if xy is not None:
        col = (255, 80, 80) if st.shrug else (255, 255, 255)
        for a, b in SKELETON_EDGES:
            pa, pb = xy[LANDMARK[a]], xy[LANDMARK[b]]
            if np.isfinite(pa).all() and np.isfinite(pb).all():
                cv2.line(img, (int(pa[0]), int(pa[1])), (int(pb[0]), int(pb[1])), col, lw, cv2.LINE_AA)
        for name in ("left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
                     "left_hip", "right_hip", "left_ear", "right_ear"):
            p = xy[LANDMARK[name]]
            if np.isfinite(p).all():
                cv2.circle(img, (int(p[0]), int(p[1])), lw + 2, (255, 200, 0), -1, cv2.LINE_AA)
    font = cv2.FONT_HERSHEY_SIMPLEX
    thin = max(1, lw // 2)
    # Panel: reps, phase and the tempo guide.
    pw, ph = int(230 * s), int(96 * s)
    overlay = img.copy()
    cv2.rectangle(overlay, (0, 0), (pw, ph), (20, 24, 32), -1)
    img = cv2.addWeighted(overlay, 0.7, img, 0.3, 0)
    cv2.putText(img, "REPS", (int(10 * s), int(22 * s)), font, 0.45 * s, (200, 200, 200), thin, cv2.LINE_AA)
    cv2.putText(img, str(st.reps), (int(10 * s), int(72 * s)), font, 1.7 * s, (255, 255, 255), lw + 1, cv2.LINE_AA)
    verbs = SHRUG_VERBS if st.exercise == "shrug" else PHASE_VERBS
    phase = verbs.get(st.phase, "").upper() or ("NO PERSON" if not st.detected else "READY")
    cv2.putText(img, phase, (int(84 * s), int(38 * s)), font, 0.65 * s, _PHASE_RGB.get(st.phase, (200, 200, 200)),
                lw, cv2.LINE_AA)
    if st.guide_text:
        label = ("TEMPO " if st.guide_phase else "") + st.guide_text
        cv2.putText(img, label if st.guide_phase else "Tempo guide starts", (int(84 * s), int(62 * s)), font,
                    0.4 * s, (255, 255, 255) if st.on_pace else (255, 180, 80), thin, cv2.LINE_AA)
        if st.guide_phase:
            cv2.putText(img, "on pace" if st.on_pace else "off pace", (int(84 * s), int(82 * s)), font, 0.38 * s,
                        (150, 220, 150) if st.on_pace else (255, 180, 80), thin, cv2.LINE_AA)
        else:
            cv2.putText(img, "with your first rep", (int(84 * s), int(82 * s)), font, 0.38 * s, (200, 200, 200),
                        thin, cv2.LINE_AA)
    if math.isfinite(st.position):  # a vertical gauge of where you are in your range
        x0, y0, y1 = int(212 * s), int(12 * s), int(84 * s)
        cv2.rectangle(img, (x0, y0), (x0 + int(8 * s), y1), (90, 90, 90), -1)
        yy = int(y1 - st.position * (y1 - y0))
        cv2.rectangle(img, (x0, yy), (x0 + int(8 * s), y1), _PHASE_RGB.get(st.phase, (200, 200, 200)), -1)
    # Banners at the bottom: the shrug warning first, otherwise any hint.
    text, colour = None, None
    if st.shrug:
        text, colour = "SHOULDERS DOWN - don't shrug", (220, 40, 40)
    elif st.message:
        text, colour = st.message, (40, 40, 40)
    if text:
        (tw, th), _ = cv2.getTextSize(text, font, 0.6 * s, lw)
        y = h - int(12 * s)
        cv2.rectangle(img, (0, y - th - int(12 * s)), (w, h), colour, -1)
        cv2.putText(img, text, ((w - tw) // 2, y - int(4 * s)), font, 0.6 * s, (255, 255, 255), lw, cv2.LINE_AA)
    return img


# --- threading helpers ---------------------------------------------------------------------------------------------

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

    The :class:`LiveSession` is created lazily by the first :meth:`process` call,
    on the thread that feeds frames, and never shared with another runner. The
    UI thread reads :meth:`snapshot` and calls :meth:`finish`; nothing here
    touches a UI toolkit.

    Args:
        model, exercise, tempo, view: as for :class:`LiveSession`.
    """

    def __init__(self, model: str = "lite", *, exercise: str | None = "auto", tempo: str | None = None,
                 view: str | None = "auto"):
        from .analysis import _check_options

        _check_options(exercise, view, model)
        if tempo:
            profiles.parse_tempo(tempo)
        self.options = {"model": model, "exercise": exercise or "auto", "tempo": tempo or None,
                        "view": view or "auto"}
        self._lock = threading.Lock()
        self._session: LiveSession | None = None
        self._state: LiveState | None = None
        self._error: str | None = None
        self._finished = False
        self.frames = 0
        self.frames_after_finish = 0  # frames offered after finish(): the camera is running again
        self._finish_lock = threading.Lock()
        self._outcome: tuple[str, object] | None = None

    def process(self, rgb: np.ndarray, time_s: float | None = None) -> np.ndarray:
        """Analyse one frame and return the annotated frame (the input unchanged after an error or finish)."""
        with self._lock:
            if self._finished or self._error:
                self.frames_after_finish += self._finished
                return rgb
            session = self._session
        if session is None:
            try:
                session = LiveSession(**self.options)
            except Exception as exc:  # e.g. a missing model: show it, keep the video flowing
                from .errors import FormcheckError

                with self._lock:
                    self._error = str(exc) if isinstance(exc, FormcheckError) else \
                        f"The live analysis could not start ({exc.__class__.__name__}: {exc})."
                return rgb
            with self._lock:
                if self._finished:
                    session.close()
                    return rgb
                self._session = session
        try:
            out, state = session.process(rgb, time_s)
        except RuntimeError:  # finished meanwhile
            return rgb
        with self._lock:
            self._state = state
            self.frames += 1
        return out

    def snapshot(self) -> LiveState | None:
        """A copy of the latest state (None before the first processed frame)."""
        with self._lock:
            return None if self._state is None else LiveState(**{**asdict(self._state)})

    @property
    def error(self) -> str | None:
        with self._lock:
            return self._error

    @property
    def started(self) -> bool:
        with self._lock:
            return self._session is not None

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


__all__ = ["LiveSession", "LiveState", "LiveRunner", "LatestFrame", "RepCounter", "TempoGuide", "draw_overlay"]

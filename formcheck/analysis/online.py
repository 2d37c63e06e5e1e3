"""The offline analysis, run causally for live sets: after each frame, the recent past is re-read with the
same code (:func:`formcheck.analysis.core.analyse`: filters, signals, rep segmentation, fault rules from the
fault table, the same profile), using only frames already seen.

What live adds is bookkeeping over time: reps are counted as the segmenter finds them and frozen once their
lowering is over (so the count never goes down and never counts a rep twice as the window slides), the
phase at the live edge is read from the rep signal's latest motion with the segmenter's own speed rule, and
a posture fault on the rep in progress raises a warning while it happens.
"""

from __future__ import annotations

import math
import warnings
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from .. import config
from ..series import PoseSeries
from ..tempo import PHASES, PERFORMED
from .core import Analysis, analyse, rep_signal
from .faults import FAULTS
from .reps import Rep, RepParams, prepare_signal
from .rules import RepContext
from .signals import detect_facing


@dataclass
class OnlineRep:
    """A rep as live knows it.

    Attributes:
        index: 1-based number in the set.
        start_s, peak_s: concentric start and top (s on the session clock).
        hold_end_s, bottom_s: end of the hold and of the lowering (None while unknown).
        tempo: (eccentric, pause, concentric, hold) s, None where unknown.
        faults: fault ids the rules found on it (when it was frozen).
        final: its lowering is over; nothing about it changes any more (but its pause, once the next rep starts).
    """

    index: int
    start_s: float
    peak_s: float
    hold_end_s: float | None = None
    bottom_s: float | None = None
    tempo: tuple = (None, None, None, None)
    faults: list[str] = field(default_factory=list)
    final: bool = False

    def tempo_str(self) -> str:
        return "-".join("?" if v is None else f"{max(0.0, v):.1f}" for v in self.tempo)


@dataclass
class OnlineUpdate:
    """What the live analysis knows after one update.

    Attributes:
        ready: a view is decided and the set can be counted.
        view, exercise: as the analysis uses them ("auto" until decided).
        reps: reps counted so far (never goes down).
        rep: the rep in progress (0 between reps).
        phase: "", "concentric", "hold", "eccentric" or "pause".
        phase_since_s: when the current phase began (s).
        position: where the rep signal sits in its recent range, 0 (bottom) to 1 (top); NaN if unknown.
        warnings: posture fault ids firing on the rep in progress (e.g. ["shrug"]).
        shrug_rise: the shrug rule's reading on the rep in progress (torso lengths; NaN when not read).
        last_tempo: the last finished rep's tempo string.
        new_rep: a rep was counted by this update.
    """

    ready: bool = False
    view: str = "auto"
    exercise: str = "auto"
    reps: int = 0
    rep: int = 0
    phase: str = ""
    phase_since_s: float = float("nan")
    position: float = float("nan")
    warnings: list[str] = field(default_factory=list)
    shrug_rise: float = float("nan")
    last_tempo: str = ""
    new_rep: bool = False


class OnlineAnalysis:
    """Counts and judges a set as it happens, by re-running the offline analysis on the recent past.

    Args:
        exercise: "auto" or an exercise name (always wins).
        view: "auto" or a camera view (always wins).
        target: target tempo (eccentric, pause, concentric, hold) s, or None.
        user: a validated user profile dict, or None.
    """

    def __init__(self, *, exercise: str = "auto", view: str = "auto",
                 target: tuple[float, float, float, float] | None = None, user: dict | None = None):
        self.exercise_opt, self.view_opt = exercise or "auto", view or "auto"
        self.target, self.user = target, user
        base = config.resolve("unknown_row", "side", user)
        self.cfg = base.live
        self.frame_size = (1, 1)
        self._buf: deque[tuple[float, np.ndarray, np.ndarray, np.ndarray]] = deque()
        self._seen_s = 0.0  # time with the lifter in view
        self._last_t: float | None = None
        self.view: str | None = None if self.view_opt == "auto" else self.view_opt
        self.exercise: str | None = None if self.exercise_opt == "auto" else self.exercise_opt
        self._ex_votes: deque[str] = deque(maxlen=2)
        self._checked_s = -math.inf
        self.facing: int | None = None
        self.reps: list[OnlineRep] = []
        self._shown = 0
        self._warn_until: dict[str, float] = {}
        self.fault_reps: dict[str, list[int]] = {}
        self.state = OnlineUpdate()
        self.analysis: Analysis | None = None
        self._cur: Rep | None = None  # the segmenter's rep behind the latest live rep

    # -- input ----------------------------------------------------------------------------------------------------
    def push(self, t: float, xy: np.ndarray, world: np.ndarray, vis: np.ndarray) -> None:
        """One frame's raw landmarks ((33, 2) pixels, (33, 3) metres, (33,) visibility; NaN: nobody found)."""
        if self._last_t is not None:
            if np.isfinite(xy[0, 0]):
                self._seen_s += min(t - self._last_t, 0.5)
        self._last_t = t
        self._buf.append((t, np.asarray(xy, np.float32), np.asarray(world, np.float32), np.asarray(vis, np.float32)))
        while self._buf and self._buf[0][0] < t - self.cfg.window_s:
            self._buf.popleft()

    def _series(self) -> PoseSeries:
        t = np.fromiter((b[0] for b in self._buf), float, len(self._buf))
        fps = float(1.0 / np.median(np.diff(t))) if len(t) > 1 else 30.0
        return PoseSeries(t, np.arange(len(t)), np.stack([b[1] for b in self._buf]),
                          np.stack([b[2] for b in self._buf]), np.stack([b[3] for b in self._buf]),
                          self.frame_size, max(fps, 1.0))

    # -- one update -----------------------------------------------------------------------------------------------
    def update(self, t: float) -> OnlineUpdate:
        """Re-read the recent past and return the state at time t (the latest frame's)."""
        st = OnlineUpdate(view=self.view or "auto", exercise=self.exercise or "auto", reps=self._shown,
                          last_tempo=self._last_tempo())
        detected = sum(1 for b in self._buf if np.isfinite(b[1][0, 0]))
        if detected < 5 or self._seen_s < self.cfg.view_after_s:
            self.state = st
            return st
        series = self._series()
        with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            self._decide(series, t)
            a = analyse(series, exercise=self.exercise or "auto", view=self.view, target=self.target,
                        user=self.user, facing=self.facing)
        self.analysis = a
        if self.exercise_opt == "auto" and self.exercise is None:
            self._ex_votes.append(a.exercise)
        st.ready, st.view, st.exercise = True, a.view, self.exercise or a.exercise
        st.new_rep = self._count(a, t)
        st.reps = self._shown
        self._edge(a, t, st)
        self._warn(a, t, st)
        st.last_tempo = self._last_tempo()
        self.state = st
        return st

    def _decide(self, series: PoseSeries, t: float) -> None:
        """View and facing once (from the window), exercise once two checks agree after the first rep."""
        if self.view is not None and self.facing is not None and self.exercise is not None:
            return
        if t - self._checked_s < self.cfg.recheck_every_s and self.view is not None:
            return
        self._checked_s = t
        if self.view is None or self.facing is None:
            a = analyse(series, exercise=self.exercise or "auto", view=self.view, user=self.user)
            self.view = self.view or a.view
            self.facing = detect_facing(a.pose)
        if self.exercise is None and self.reps and len(self._ex_votes) == 2 and len(set(self._ex_votes)) == 1:
            self.exercise = self._ex_votes[0]

    # -- counting -------------------------------------------------------------------------------------------------
    def _count(self, a: Analysis, t: float) -> bool:
        """Freeze reps whose lowering is over; count the one in progress. Returns True when the count grew."""
        min_gap = 0.5 * a.profile.reps.min_rep_s
        last_final = next((r for r in reversed(self.reps) if r.final), None)
        self.reps = [r for r in self.reps if r.final]
        by_start = {ra.rep.index: ra for ra in a.assessed}
        self._cur = None
        for rep in a.reps:
            if last_final is not None and (
                    rep.peak_s <= last_final.peak_s + min_gap
                    # the counted movement read again (e.g. a hesitation first read as a rep, then the whole
                    # pull once it ended): a new rep never starts before the last one's lowering ended
                    or (last_final.bottom_s is not None
                        and rep.start_s < last_final.bottom_s - self.cfg.reread_overlap_s)):
                continue  # already counted and frozen
            ra = by_start.get(rep.index)
            done = rep.bottom_s is not None and t - rep.bottom_s >= 0.25
            orep = OnlineRep(len(self.reps) + 1, rep.start_s, rep.peak_s, rep.hold_end_s, rep.bottom_s,
                             rep.tempo(), list(ra.faults) if ra is not None and done else [], done)
            if self.reps and self.reps[-1].final and self.reps[-1].bottom_s is not None:
                prev = self.reps[-1]
                gap = rep.start_s - prev.bottom_s
                if 0 <= gap <= a.profile.reps.max_pause_s and prev.tempo[1] is None:
                    prev.tempo = (prev.tempo[0], gap, prev.tempo[2], prev.tempo[3])
            self.reps.append(orep)
            self._cur = rep
            if done:
                last_final = orep
                for f in orep.faults:
                    self.fault_reps.setdefault(f, []).append(orep.index)
        grew = len(self.reps) > self._shown
        self._shown = max(self._shown, len(self.reps))
        return grew

    def _last_tempo(self) -> str:
        done = [r for r in self.reps if r.final]
        return done[-1].tempo_str() if done else ""

    # -- the live edge --------------------------------------------------------------------------------------------
    def _edge(self, a: Analysis, t: float, st: OnlineUpdate) -> None:
        """The phase now: from the segmented boundaries, and past the last one from the rep signal's motion
        (moving faster than the segmenter's speed rule allows is moving; slower is still)."""
        x = prepare_signal(a.signals.times_s, rep_signal(a.signals, a.rep_signal_name), a.pose.fps,
                           RepParams.from_profile(a.profile.reps, a.rep_signal_name))
        ok = np.isfinite(x)
        if ok.sum() >= 3:
            lo, hi = np.nanpercentile(x, [5, 95])
            if hi - lo > 1e-9 and np.isfinite(x[-1]):
                st.position = float(np.clip((x[-1] - lo) / (hi - lo), 0.0, 1.0))
        cur = self.reps[-1] if self.reps else None
        if cur is None:
            st.phase, st.rep = "", 0
            return
        tt = a.signals.times_s
        recent = (tt >= t - 0.25) & ok
        vel = float(np.polyfit(tt[recent] - t, x[recent], 1)[0]) if recent.sum() >= 3 else 0.0
        m = (tt >= cur.start_s) & (tt <= cur.peak_s) & ok
        up_speed = float(np.nanmax(np.abs(np.gradient(x[m], tt[m])))) if m.sum() >= 3 else abs(vel)
        level = max(a.profile.reps.speed_frac * up_speed, 1e-9) * 3.0
        if cur.final:
            st.phase, st.phase_since_s, st.rep = "pause", cur.bottom_s, 0
        elif cur.bottom_s is not None:
            st.phase, st.phase_since_s, st.rep = "pause", cur.bottom_s, cur.index
        elif cur.hold_end_s is not None:
            st.phase, st.phase_since_s, st.rep = "eccentric", cur.hold_end_s, cur.index
        elif vel > level or t <= cur.peak_s + 0.5 / a.pose.fps:
            st.phase, st.phase_since_s, st.rep = "concentric", cur.start_s, cur.index
        elif vel < -level:
            st.phase, st.phase_since_s, st.rep = "eccentric", t, cur.index
        else:
            st.phase, st.phase_since_s, st.rep = "hold", cur.peak_s, cur.index
        if st.phase == "pause" and vel > level:
            st.phase, st.phase_since_s = "concentric", t  # the next pull has begun (not yet a rep)

    def _warn(self, a: Analysis, t: float, st: OnlineUpdate) -> None:
        """Posture faults on the rep in progress, read by their rules from the top on; kept up a moment."""
        cur = self._cur if st.rep else None
        firing = []
        if cur is not None and st.phase in ("hold", "eccentric") and t >= cur.peak_s:
            ctx = None
            for fd in FAULTS.values():
                if fd.kind != "posture" or fd.id in a.profile.faults_off or a.exercise in fd.implied_by:
                    continue
                if fd.group in a.measurable and not a.measurable[fd.group]["measurable"]:
                    continue
                ctx = ctx or RepContext(cur, a.signals, a.profile, a.exercise, a.target,
                                        _stats_for(a))
                reading = fd.rule(ctx)
                if reading is None:
                    continue
                if fd.id == "shrug":
                    st.shrug_rise = reading.value
                if np.isfinite(reading.value) and fd.exceeded(reading.value, reading.threshold, reading.bad):
                    firing.append(fd.id)
        for f in firing:
            self._warn_until[f] = t + self.cfg.warning_hold_s
            reps = self.fault_reps.setdefault(f, [])
            if st.rep and st.rep not in reps:
                reps.append(st.rep)
        st.warnings = sorted(f for f, until in self._warn_until.items() if t < until)


def _stats_for(a: Analysis):
    from .assess import set_stats

    return set_stats(a.signals, a.reps, a.profile, a.exercise, a.target)


class TempoGuide:
    """A metronome for the target tempo, re-synchronised at the start of each of your pulls.

    Args:
        target: (eccentric, pause, concentric, hold) seconds.
    """

    def __init__(self, target: tuple[float, float, float, float]):
        self.target = tuple(float(x) for x in target)
        self.cycle = [(name, self.target[PHASES.index(name)]) for name in PERFORMED
                      if self.target[PHASES.index(name)] > 0]
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


__all__ = ["OnlineAnalysis", "OnlineRep", "OnlineUpdate", "TempoGuide"]

"""What the overlay shows on every analysed frame, precomputed once as arrays (:class:`OverlayTimeline`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from ..analysis.assess import Finding
from ..analysis.rules import shrug_value
from ..result import AnalysisResult
from ..series import LANDMARK
from ..tempo import PHASES

log = logging.getLogger(__name__)


@dataclass
class FrameState:
    """What the overlay shows on one analysed frame (built by :meth:`OverlayTimeline.state`).

    Attributes:
        index: position in the analysed series (0..T-1).
        time_s: time on the video's clock (s).
        xy: (33, 2) landmark pixels in the output frame, NaN where not detected.
        visibility: (33,) in [0, 1] (0 where not detected).
        rep: rep in progress (0 outside reps).
        rep_shown: rep number for the counter (the rep in progress, else the last one started; 0 before the first).
        rep_count: reps in the set.
        phase: "concentric", "hold", "eccentric", "pause" or "" outside reps.
        phase_s: seconds into the current phase (NaN outside reps).
        phase_target_s: the target tempo's duration for this phase (s), or None.
        rise: shoulder rise along the trunk since the rep's start (torso lengths; min of the ear and hip proxies),
            NaN when unknown.
        trunk_deg: trunk angle from vertical (deg), NaN when unknown or not measurable from this view.
        trunk_start_dir: (2,) unit vector hip -> shoulder at the rep's start (output pixels), or None.
        findings: faults of the rep in progress.
        focus: a fault name to spell out (key frames), or None.
        done: the set is over (after the last rep).
    """

    index: int
    time_s: float
    xy: np.ndarray
    visibility: np.ndarray
    rep: int
    rep_shown: int
    rep_count: int
    phase: str
    phase_s: float
    phase_target_s: float | None
    rise: float
    trunk_deg: float
    trunk_start_dir: np.ndarray | None
    findings: tuple[Finding, ...] = ()
    focus: str | None = None
    done: bool = False

    @property
    def fault_names(self) -> set[str]:
        return {f.name for f in self.findings}

    @property
    def detected(self) -> bool:
        return bool(np.isfinite(self.xy[LANDMARK["left_shoulder"], 0]))


def _mid(xy: np.ndarray, a: str, b: str) -> np.ndarray:
    return (xy[..., LANDMARK[a], :] + xy[..., LANDMARK[b], :]) / 2


def shrug_threshold(result: AnalysisResult) -> float:
    """The shrug limit (torso lengths) the assessment applied to this analysis (the profile's ear limit)."""
    return float(shrug_config(result).min_rise_ear_torso)


def shrug_config(result: AnalysisResult):
    """The profile's shrug section the analysis applied (resolved again for results made without one)."""
    if result.profile is not None:
        return result.profile.faults.shrug
    from .. import config

    return config.resolve(result.exercise, result.view).faults.shrug


def rep_relative(result: AnalysisResult, x: np.ndarray) -> np.ndarray:
    """x minus its value at the start of the rep each frame belongs to (the assessment's start window).

    Frames outside reps use the last rep started (or the first rep, before it). Used for the shrug gauge and
    charts: the shrug proxies only mean something relative to the rep's own start.

    Args:
        result: the analysis (its reps and per-frame rep numbers).
        x: (T,) signal on the analysed frames.

    Returns:
        (T,) array in x's unit; all NaN when there are no reps.
    """
    t = result.series.times_s
    x = np.asarray(x, float)
    reps = result.reps
    if not reps or len(x) != len(t):
        return np.full(len(t), np.nan)
    starts = np.array([r.start_s for r in reps])
    rep_no = np.asarray(result.rep_of_frame) if len(result.rep_of_frame) == len(t) else np.zeros(len(t), int)
    last = np.searchsorted(starts, t, side="right")
    k = np.where(rep_no > 0, rep_no, np.maximum(last, 1)) - 1
    base = np.array([_start_value(t, x, s) for s in starts])
    return x - base[k]


def _start_value(t: np.ndarray, x: np.ndarray, start_s: float) -> float:
    """Median of x over a rep's start window [start - 0.2 s, start + 0.03 s] (as in the assessment)."""
    m = (t >= start_s - 0.2 - 1e-9) & (t <= start_s + 0.03 + 1e-9)
    if not m.any():
        m = np.zeros(len(t), bool)
        m[int(np.clip(np.searchsorted(t, start_s), 0, len(t) - 1))] = True
    vals = x[m]
    return float(np.nanmedian(vals)) if np.isfinite(vals).any() else np.nan


def shoulder_rise(result: AnalysisResult) -> tuple[np.ndarray, np.ndarray]:
    """(ear, hip) shrug proxies as rise since each rep's start, in torso lengths; (T,) each, NaN if unknown."""
    sig = result.signals
    n = len(result.series)
    if sig is None or "shoulder_elev_ear" not in sig.values:
        return np.full(n, np.nan), np.full(n, np.nan)
    return rep_relative(result, sig["shoulder_elev_ear"]), rep_relative(result, sig["shoulder_elev_hip"])


class OverlayTimeline:
    """Per-frame overlay state for a whole analysis, precomputed once as arrays.

    Args:
        result: the analysis.
        size: (width, height) of the frames the overlay is drawn on.

    Attributes:
        xy: (T, 33, 2) float32 landmark pixels in the output frame (NaN where nobody was found).
        visibility: (T, 33) float32, 0 where nobody was found.
        rep, rep_shown: (T,) int rep in progress (0 outside reps) and rep number for the counter.
        phase: (T,) str phase name ("" outside reps); phase_s: (T,) seconds into it (NaN outside reps).
        rise: (T,) shoulder rise since the rep's start in torso lengths (min of the ear and hip proxies).
        trunk_deg: (T,) trunk angle from vertical in degrees (NaN when the view cannot support it).
        trunk_dir: (R, 2) hip -> shoulder unit vectors at each rep's start, in output pixels.
    """

    def __init__(self, result: AnalysisResult, size: tuple[int, int]):
        s = result.series
        self.result = result
        self.size = (int(size[0]), int(size[1]))
        n = len(s)
        self.times_s = s.times_s
        self.frame_index = s.frame_index
        scale = np.array([size[0] / s.frame_size[0], size[1] / s.frame_size[1]], np.float32)
        self.xy = (s.image_xy * scale).astype(np.float32)  # (T, 33, 2) output pixels
        self.visibility = np.nan_to_num(s.visibility, nan=0.0).astype(np.float32)  # (T, 33)
        self.rep = np.asarray(result.rep_of_frame, np.int64) if len(result.rep_of_frame) == n else np.zeros(n, int)
        self.phase = np.asarray(result.phase, object) if len(result.phase) == n else np.full(n, "", object)
        reps = result.reps
        self.rep_count = len(reps)
        starts = np.array([r.start_s for r in reps]) if reps else np.zeros(0)
        # Counter: the rep in progress, else the last one started.
        started = np.searchsorted(starts, self.times_s, side="right") if len(starts) else np.zeros(n, int)
        self.rep_shown = np.where(self.rep > 0, self.rep, started).astype(np.int64)
        last_end = max((r.end_s for r in reps), default=np.inf)
        self.done = (self.times_s > last_end) & (self.rep == 0) if reps else np.zeros(n, bool)
        # Seconds into the current phase, and its target.
        target = dict(zip(PHASES, result.target_tempo)) if result.target_tempo is not None else {}
        self.phase_s = np.full(n, np.nan)
        self.findings: dict[int, tuple[Finding, ...]] = {}
        for ra in result.assessed:
            r = ra.rep
            self.findings[r.index] = tuple(ra.findings)
            begin = {"concentric": r.start_s, "hold": r.peak_s, "eccentric": r.hold_end_s, "pause": r.bottom_s}
            m_rep = self.rep == r.index
            for ph, t0 in begin.items():
                if t0 is None:
                    continue
                m = m_rep & (self.phase == ph)
                self.phase_s[m] = np.maximum(0.0, self.times_s[m] - t0)
        self.phase_target = target
        self.rise = self._rise(result, starts)
        self.trunk_deg, self.trunk_dir = self._trunk(result, starts)

    # -- precomputation ---------------------------------------------------------------------------------------
    def _start_value(self, x: np.ndarray, start_s: float) -> float:
        return _start_value(self.times_s, x, start_s)

    def _rise(self, result: AnalysisResult, starts: np.ndarray) -> np.ndarray:
        """Shoulder rise since the rep's start, read exactly as the shrug rule reads it (against the ears,
        gated by the hips), NaN where either proxy is unknown."""
        d_ear, d_hip = shoulder_rise(result)
        if len(d_ear) != len(self.times_s):
            return np.full(len(self.times_s), np.nan)
        return shrug_value(d_ear, d_hip, shrug_config(result))

    def _trunk(self, result: AnalysisResult, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Trunk angle (deg, NaN when the view cannot support it) and (R, 2) hip->shoulder unit vectors at rep starts."""
        n = len(self.times_s)
        sig = result.signals
        deg = np.full(n, np.nan)
        if sig is not None and "trunk_inclination" in sig.values and sig.measurable("trunk_inclination") \
                and len(sig["trunk_inclination"]) == n:
            deg = np.asarray(sig["trunk_inclination"], float)
        trunk = _mid(self.xy, "left_shoulder", "right_shoulder") - _mid(self.xy, "left_hip", "right_hip")
        with np.errstate(invalid="ignore", divide="ignore"):
            unit = trunk / np.linalg.norm(trunk, axis=1, keepdims=True)
        dirs = np.full((len(starts), 2), np.nan)
        for i, s0 in enumerate(starts):
            dirs[i] = [self._start_value(unit[:, 0], s0), self._start_value(unit[:, 1], s0)]
        norm = np.linalg.norm(dirs, axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            dirs = dirs / norm
        return deg, dirs

    # -- per frame ----------------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.times_s)

    def state(self, j: int, focus: str | None = None) -> FrameState:
        """The overlay state of analysed frame j (0..T-1)."""
        rep = int(self.rep[j])
        phase = str(self.phase[j] or "")
        start_dir = None
        if rep > 0 and len(self.trunk_dir) and np.isfinite(self.trunk_dir[rep - 1]).all():
            start_dir = self.trunk_dir[rep - 1]
        return FrameState(
            index=j, time_s=float(self.times_s[j]), xy=self.xy[j], visibility=self.visibility[j], rep=rep,
            rep_shown=int(self.rep_shown[j]), rep_count=self.rep_count, phase=phase,
            phase_s=float(self.phase_s[j]), phase_target_s=self.phase_target.get(phase) if phase else None,
            rise=float(self.rise[j]), trunk_deg=float(self.trunk_deg[j]),
            trunk_start_dir=start_dir, findings=self.findings.get(rep, ()), focus=focus, done=bool(self.done[j]))

    def nearest(self, time_s: float) -> int:
        """Index of the analysed frame nearest to time_s."""
        i = int(np.searchsorted(self.times_s, time_s))
        if i <= 0:
            return 0
        if i >= len(self.times_s):
            return len(self.times_s) - 1
        return i if self.times_s[i] - time_s < time_s - self.times_s[i - 1] else i - 1

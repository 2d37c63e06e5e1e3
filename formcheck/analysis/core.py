"""The one analysis: poses in, reps and findings out. The offline pipeline and the live session both call it.

    clean (filtering) -> view -> signals -> exercise -> profile -> reps -> assessment -> cues

Pure numpy/scipy; no video, no model, no files.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from .. import config
from ..config import Profile
from ..series import PoseSeries
from .assess import RepAssessment, assess_reps, measurability
from .cues import set_cues
from .detect import ExerciseEstimate, ViewEstimate, detect_exercise, detect_view
from .filtering import CleanPose, clean_pose
from .reps import Rep, RepParams, segment_reps
from .signals import Signals, compute_signals

#: Pull signals: when the profile's one finds no reps (e.g. a foreshortened arm), the other is tried.
PULL_SIGNALS = ("hand_travel", "elbow_flexion")


def rep_signal(signals: Signals, name: str) -> np.ndarray:
    """The series the rep segmenter follows (rises toward the top of each rep)."""
    if name == "elbow_flexion":
        return 180.0 - signals["elbow_angle"]
    return signals[name]


def find_reps(signals: Signals, fps: float, profile: Profile) -> tuple[list[Rep], str]:
    """Reps on the profile's rep signal (falling back to the other pull signal); returns (reps, signal used)."""
    def segment(name: str) -> list[Rep]:
        path = signals.hand_path if name == "hand_travel" else None
        return segment_reps(signals.times_s, rep_signal(signals, name), fps,
                            RepParams.from_profile(profile.reps, name), path=path)

    name = profile.reps.rep_signal
    reps = segment(name)
    if not reps and name in PULL_SIGNALS:
        other = next(n for n in PULL_SIGNALS if n != name)
        found = segment(other)
        if found:
            return found, other
    return reps, name


@dataclass
class Analysis:
    """Everything one analysis of a pose series found (the result adds the video and the words around it)."""

    pose: CleanPose
    signals: Signals
    view: str
    view_source: str
    exercise: str
    exercise_source: str
    profile: Profile
    target: tuple[float, float, float, float] | None
    rep_signal_name: str
    reps: list[Rep]
    assessed: list[RepAssessment]
    cues: list[dict]
    measurable: dict[str, dict]
    view_estimate: ViewEstimate | None = None
    exercise_estimate: ExerciseEstimate | None = None
    notes: list[str] = field(default_factory=list)


def analyse(series: PoseSeries, *, exercise: str | None = None, view: str | None = None,
            target: tuple[float, float, float, float] | None = None, user: dict | None = None,
            facing: int | None = None, frozen: list[tuple[float, float]] | None = None) -> Analysis:
    """Analyse a pose series.

    Args:
        series: landmarks over time (any length; times on the clip's clock).
        exercise: None/"auto" to detect, or an exercise name (always wins).
        view: None/"auto" to detect, or a camera view (always wins).
        target: a target tempo someone set (eccentric, pause, concentric, hold) s; None: the profile's.
        user: a validated user profile dict (see :func:`formcheck.config.load_user_profile`), or None.
        facing: +1/-1 to fix the side-view facing direction (live keeps it stable), None to detect.
        frozen: (start_s, end_s) spans where the video repeats one frame (their reps get no tempo, range or
            left/right verdict).
    """
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        base = config.resolve("unknown_row", "side", user)
        pose = clean_pose(series, **base.filter.model_dump())
        v_est = detect_view(pose, base.detect.view)
        the_view = view if view not in (None, "auto") else v_est.view
        view_source = "given" if view not in (None, "auto") else f"auto (confidence {v_est.confidence:.0%})"
        view_filter = config.resolve("unknown_row", the_view, user).filter
        if view_filter != base.filter:  # a view's own filter settings
            pose = clean_pose(series, **view_filter.model_dump())
        signals = compute_signals(pose, the_view, facing)
        ex_est = None
        others: tuple[str, ...] = ()
        if exercise in (None, "auto"):
            ex_est = detect_exercise(pose, signals, base.detect.exercise)
            the_ex, ex_source = ex_est.exercise, f"auto: {ex_est.reason}"
            others = tuple(k for k, _ in ex_est.candidates if k != the_ex)
        else:
            the_ex, ex_source = exercise, "given"
        prof = config.resolve(the_ex, the_view, user)
        if others:
            # Unsure which exercise this is: judge nothing that any candidate would not (never coach a
            # shrug as a row): faults a candidate implies are left out, and what a candidate cannot judge.
            not_judged = dict(prof.not_judged)
            for ex in others:
                for group, why in config.resolve(ex, the_view, user).not_judged.items():
                    not_judged.setdefault(group, f"not judged until the exercise is known: {why.split(': ', 1)[-1]}")
            prof = prof.model_copy(update={"not_judged": not_judged})
        if target is None and prof.target_tempo is not None:
            target = tuple(float(x) for x in prof.target_tempo)
        reps, sig_name = find_reps(signals, pose.fps, prof)
        if sig_name != prof.reps.rep_signal:
            prof = prof.model_copy(update={"reps": prof.reps.model_copy(update={"rep_signal": sig_name})})
        assessed = assess_reps(signals, reps, prof, series.visibility, target, the_ex, also=others,
                               frozen=frozen or ())
        cues = set_cues(assessed, prof, target, the_ex)
        measurable = measurability(assessed, the_view, prof, the_ex)
    return Analysis(pose, signals, the_view, view_source, the_ex, ex_source, prof, target, sig_name, reps,
                    assessed, cues, measurable, v_est, ex_est)

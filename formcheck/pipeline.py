"""The offline pipeline: video or poses -> filtering -> signals -> reps -> assessment -> AnalysisResult."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import numpy as np

from . import config as profiles
from .analysis.assess import METRIC_VIEWS, assess_reps, set_cues, view_reason
from .errors import OptionError, PoseDataError
from .analysis.filtering import clean_pose
from .analysis.detect import detect_exercise, detect_view
from .analysis.signals import EXERCISES, VIEWS, compute_signals
from .pose import DEFAULT_MODEL, MODELS, ProgressFn, estimate_video
from .analysis.reps import RepParams, phase_labels, segment_reps
from .result import AnalysisResult
from .series import PoseSeries

log = logging.getLogger(__name__)

MIN_FRAMES = 10


def rep_signal(signals, name: str) -> np.ndarray:
    """The series the rep segmenter follows (rises toward the top of each rep)."""
    if name == "elbow_flexion":
        return 180.0 - signals["elbow_angle"]
    return signals[name]


PULL_SIGNALS = ("hand_travel", "elbow_flexion")
_FLOOR_KEY = {"elbow_flexion": "min_prominence_deg", "hand_travel": "min_prominence_hand"}


def _segment(pose, signals, prof: dict, sig_name: str):
    rp = {k: v for k, v in prof["reps"].items() if k in RepParams.__dataclass_fields__}
    # The absolute prominence floor is in the rep signal's own unit.
    rp["min_prominence_abs"] = prof["reps"][_FLOOR_KEY.get(sig_name, "min_prominence_torso")]
    path = signals.hand_path if sig_name == "hand_travel" else None
    return segment_reps(pose.times_s, rep_signal(signals, sig_name), pose.fps, RepParams(**rp), path=path)


def _check_options(exercise, view, model):
    if exercise not in (None, "auto") and exercise not in EXERCISES:
        raise OptionError(f"Unknown exercise '{exercise}'. Use auto or one of: {', '.join(EXERCISES)}.")
    if view not in (None, "auto") and view not in VIEWS:
        raise OptionError(f"Unknown view '{view}'. Use auto or one of: {', '.join(VIEWS)}.")
    if model not in MODELS and not str(model).endswith(".task"):
        raise OptionError(f"Unknown model '{model}'. Use one of: {', '.join(MODELS)}.")


def load_poses(path: str | Path, *, model: str = DEFAULT_MODEL, start_s: float | None = None,
               end_s: float | None = None, progress: ProgressFn | None = None) -> PoseSeries:
    """A PoseSeries from a video (runs the pose model) or from a saved .npz (trimmed to start/end)."""
    p = Path(path)
    if p.suffix.lower() == ".npz":
        series = PoseSeries.load(p)
        if start_s is not None or end_s is not None:
            keep = np.ones(len(series), bool)
            if start_s is not None:
                keep &= series.times_s >= start_s
            if end_s is not None:
                keep &= series.times_s < end_s
            series = PoseSeries(series.times_s[keep], series.frame_index[keep], series.image_xy[keep],
                                series.world_xyz[keep], series.visibility[keep], series.frame_size, series.fps,
                                {**series.source, "start_s": start_s, "end_s": end_s})
        return series
    return estimate_video(p, model=model, start_s=start_s, end_s=end_s, progress=progress)


def analyze_series(series: PoseSeries, *, exercise: str | None = None, view: str | None = None,
                   tempo: str | tuple | None = None, profile: str | Path | dict | None = None,
                   options: dict | None = None) -> AnalysisResult:
    """Analyse poses already extracted (see :func:`analyze` for the options)."""
    _check_options(exercise, view, "full")
    target_given = profiles.parse_tempo(tempo) if tempo is not None else None
    user = profiles.load_user_profile(profile) if isinstance(profile, (str, Path)) else profile
    src_video = series.source.get("video") or {}
    video = {"path": series.source.get("path", src_video.get("path")), "fps": round(series.fps, 3),
             "frames": len(series), "width": series.frame_size[0], "height": series.frame_size[1],
             "duration_s": round(float(src_video.get("duration_s") or
                                       (series.times_s[-1] + 1 / series.fps if len(series) else 0)), 3),
             "analysed_from_s": round(float(series.times_s[0]), 3) if len(series) else None,
             "analysed_to_s": round(float(series.times_s[-1]), 3) if len(series) else None,
             "model": series.source.get("model")}
    warn: list[str] = []
    problems = series.source.get("decode_problems")  # frames the video did not give (formcheck.damage)
    if problems:
        from .damage import describe

        warn.append(describe(problems, video["analysed_from_s"]))
        video["decode_problems"] = problems
        if not problems.get("complete", True) and problems.get("decoded_until_s") is not None:
            video["duration_s"] = problems["decoded_until_s"]  # the header's duration is not the real one
    detected = int(series.detected.sum())
    if len(series) < MIN_FRAMES:
        raise PoseDataError(
            f"The clip is too short to analyse ({len(series)} frames; at least {MIN_FRAMES} needed). "
            "Record the whole set, at least one full rep, and check --start/--end.")
    if detected < MIN_FRAMES:
        raise PoseDataError(
            "No person was found in the video" + (f" (only {detected} of {len(series)} frames)" if len(series) else "")
            + ". Film with the whole body in view, in good light, and try again.")
    if series.detection_rate < 0.8:
        warn.append(f"The lifter was found in only {series.detection_rate:.0%} of frames; results cover those frames.")

    base = profiles.resolve("unknown_row", "side", user)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        pose = clean_pose(series, **base["filter"])
        v_est = detect_view(pose)
        the_view = view if view not in (None, "auto") else v_est.view
        view_source = "given" if view not in (None, "auto") else f"auto (confidence {v_est.confidence:.0%})"
        signals = compute_signals(pose, the_view)
        if exercise in (None, "auto"):
            ex = detect_exercise(pose, signals)
            the_ex, ex_source = ex.exercise, f"auto: {ex.reason}"
        else:
            the_ex, ex_source = exercise, "given"
        prof = profiles.resolve(the_ex, the_view, user)
        target = target_given or tuple(prof["target_tempo"])
        sig_name = prof["reps"]["rep_signal"]
        reps = _segment(pose, signals, prof, sig_name)
        if not reps and sig_name in PULL_SIGNALS:
            # The view's usual pull signal found nothing (e.g. a foreshortened arm): try the other one.
            other = next(n for n in PULL_SIGNALS if n != sig_name)
            reps = _segment(pose, signals, prof, other)
            if reps:
                sig_name = other
                prof["reps"]["rep_signal"] = other
        assessed = assess_reps(signals, reps, prof, series.visibility, target, the_ex)
        cues = set_cues(assessed, prof, target, the_ex)
    if not reps:
        warn.append("No reps were found. Check the exercise (use --exercise), that the whole movement is in view, "
                    "and that the clip holds at least one full rep.")
    # Partly out of frame: which landmarks are missing most of the time.
    vis = np.nan_to_num(series.visibility[series.detected], nan=0.0)
    if len(vis):
        from .series import LANDMARK
        for part, names in (("wrists", ("left_wrist", "right_wrist")), ("hips", ("left_hip", "right_hip")),
                            ("head", ("nose",))):
            low = (vis[:, [LANDMARK[n] for n in names]].max(axis=1) < 0.3).mean()
            if low > 0.3:
                warn.append(f"The lifter's {part} were out of view or hidden in {low:.0%} of frames: "
                            "keep the whole body in frame.")
    measurable = {}
    for group in METRIC_VIEWS:
        why = view_reason(group, the_view)
        rep_why = sorted({ra.unmeasurable[group] for ra in assessed if group in ra.unmeasurable and why is None})
        bad_reps = [ra.rep.index for ra in assessed if group in ra.unmeasurable]
        if why is None and rep_why and len(bad_reps) == len(assessed) and assessed:
            why = rep_why[0]
        entry = {"measurable": why is None}
        if why:
            entry["why"] = why
        elif bad_reps:
            from .analysis.assess import rep_ranges
            entry["partial"] = f"{rep_why[0]} on {rep_ranges(bad_reps)}"
        measurable[group] = entry
    if the_ex == "shrug":
        measurable["shrug"]["note"] = "the shrug is the exercise here, so it is the rep signal, not a fault"
    phase, rep_no = phase_labels(series.times_s, reps)
    return AnalysisResult(video=video, exercise=the_ex, exercise_source=ex_source, view=the_view,
                          view_source=view_source, target_tempo=tuple(float(x) for x in target), assessed=assessed,
                          cues=cues, measurable=measurable, warnings=warn, series=series, signals=signals,
                          phase=phase, rep_of_frame=rep_no, rep_signal_name=sig_name, options=dict(options or {}))


def analyze(path: str | Path, *, exercise: str | None = None, view: str | None = None,
            tempo: str | tuple | None = None, model: str = DEFAULT_MODEL, start_s: float | None = None,
            end_s: float | None = None, profile: str | Path | dict | None = None,
            progress: ProgressFn | None = None) -> AnalysisResult:
    """Analyse a row or shrug set from a video file or a saved poses .npz.

    Args:
        path: video (mp4, mov, m4v, avi, webm, mkv) or poses .npz from ``formcheck pose``.
        exercise: "auto"/None or one of :data:`formcheck.kinematics.EXERCISES`.
        view: "auto"/None or side, front, rear, oblique.
        tempo: target tempo "ecc-pause-conc-hold", e.g. "3-0-1-1".
        model: lite, full, heavy or a .task path.
        start_s, end_s: analyse only this part (times stay on the video's clock).
        profile: a JSON file (or dict) overriding thresholds.
        progress: called as progress(frames_done, frames_expected, elapsed_s).

    Raises:
        FormcheckError: bad input, with a message saying what to do.
    """
    _check_options(exercise, view, model)
    if tempo is not None:
        profiles.parse_tempo(tempo)
    if isinstance(profile, (str, Path)):
        profiles.load_user_profile(profile)  # fail before the slow pose pass
    series = load_poses(path, model=model, start_s=start_s, end_s=end_s, progress=progress)
    opts = {"exercise": exercise or "auto", "view": view or "auto", "tempo": tempo, "model": model,
            "start_s": start_s, "end_s": end_s, "profile": str(profile) if isinstance(profile, (str, Path)) else None}
    return analyze_series(series, exercise=exercise, view=view, tempo=tempo, profile=profile, options=opts)

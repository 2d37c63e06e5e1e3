"""The offline pipeline: video or poses -> filtering -> signals -> reps -> assessment -> AnalysisResult."""

from __future__ import annotations

import logging
import math
import os
from pathlib import Path

import numpy as np

from .analysis.setwindow import analyse_set
from .analysis.signals import EXERCISES, VIEWS
from .config import load_user_profile, check_profile_data
from .errors import OptionError, PoseDataError
from .pose import DEFAULT_MODEL, MODELS, ProgressFn, estimate_video
from .video import DEFAULT_MAX_FPS
from .analysis.reps import phase_labels
from .result import AnalysisResult
from .series import LANDMARK, PoseSeries
from .tempo import Tempo

log = logging.getLogger(__name__)

MIN_FRAMES = 10


def _check_options(exercise, view, model):
    if exercise not in (None, "auto") and exercise not in EXERCISES:
        raise OptionError(f"Unknown exercise '{exercise}'. Use auto or one of: {', '.join(EXERCISES)}.")
    if view not in (None, "auto") and view not in VIEWS:
        raise OptionError(f"Unknown view '{view}'. Use auto or one of: {', '.join(VIEWS)}.")
    if model not in MODELS and not str(model).endswith(".task"):
        raise OptionError(f"Unknown model '{model}'. Use one of: {', '.join(MODELS)}.")


def _user_profile(profile) -> dict | None:
    """A user's profile (path or dict), validated; None when not given."""
    if profile is None:
        return None
    if isinstance(profile, (str, Path)):
        return load_user_profile(profile)
    return check_profile_data(profile, "profile")


def load_poses(path: str | Path, *, model: str = DEFAULT_MODEL, start_s: float | None = None,
               end_s: float | None = None, progress: ProgressFn | None = None,
               max_fps: float | None = DEFAULT_MAX_FPS) -> PoseSeries:
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
            series = series.select(keep)
            series.source.update({"start_s": start_s, "end_s": end_s})
        return series
    return estimate_video(p, model=model, start_s=start_s, end_s=end_s, progress=progress, max_fps=max_fps)


def analyze_series(series: PoseSeries, *, exercise: str | None = None, view: str | None = None,
                   tempo: str | tuple | None = None, profile: str | Path | dict | None = None,
                   options: dict | None = None) -> AnalysisResult:
    """Analyse poses already extracted (see :func:`analyze` for the options)."""
    _check_options(exercise, view, "full")
    target_given = Tempo.parse(tempo)
    user = _user_profile(profile)
    src_video = series.source.get("video") or {}
    video = {"path": series.source.get("path", src_video.get("path")), "fps": round(series.fps, 3),
             "frames": len(series), "width": series.frame_size[0], "height": series.frame_size[1],
             "duration_s": round(float(src_video.get("duration_s") or
                                       (series.times_s[-1] + 1 / series.fps if len(series) else 0)), 3),
             "analysed_from_s": round(float(series.times_s[0]), 3) if len(series) else None,
             "analysed_to_s": round(float(series.times_s[-1]), 3) if len(series) else None,
             "model": series.source.get("model"),
             "analysed_fps": round(float(series.source.get("analysed_fps") or series.fps), 3),
             "stride": int(series.source.get("stride") or 1)}
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

    chosen = (options or {}).get("start_s") is not None or (options or {}).get("end_s") is not None
    a, window, series = analyse_set(series, find_set=not chosen and not series.source.get("live"),
                                    exercise=exercise, view=view, user=user,
                                    target=target_given.as_tuple() if target_given else None)
    video["analysed_from_s"], video["analysed_to_s"] = round(window.start_s, 3), round(window.end_s, 3)
    if window.text():
        warn.insert(0, window.text())
    reps, assessed = a.reps, a.assessed
    if not reps:
        warn.append("No reps were found. Check the exercise (use --exercise), that the whole movement is in view, "
                    "and that the clip holds at least one full rep.")
    # Partly out of frame: which landmarks are missing most of the time.
    vis = np.nan_to_num(series.visibility[series.detected], nan=0.0)
    if len(vis):
        for part, names in (("wrists", ("left_wrist", "right_wrist")), ("hips", ("left_hip", "right_hip")),
                            ("head", ("nose",))):
            low = (vis[:, [LANDMARK[n] for n in names]].max(axis=1) < 0.3).mean()
            if low > 0.3:
                warn.append(f"The lifter's {part} were out of view or hidden in {low:.0%} of frames: "
                            "keep the whole body in frame.")
    phase, rep_no = phase_labels(series.times_s, reps)
    return AnalysisResult(video=video, exercise=a.exercise, exercise_source=a.exercise_source, view=a.view,
                          view_source=a.view_source, target_tempo=a.target, assessed=assessed, cues=a.cues,
                          measurable=a.measurable, warnings=warn, series=series, signals=a.signals, phase=phase,
                          rep_of_frame=rep_no, rep_signal_name=a.rep_signal_name, profile=a.profile,
                          exercise_candidates=_candidates(a), set_window=window.to_dict(),
                          options=dict(options or {}))


def _candidates(a) -> list[dict]:
    """The exercise candidates for the result (more than one: the analysis is unsure and asks)."""
    est = a.exercise_estimate
    if est is None:
        return []
    return [{"exercise": k, "name": EXERCISES.get(k, k), "confidence": c} for k, c in est.candidates]


def analyze(path: str | Path, *, exercise: str | None = None, view: str | None = None,
            tempo: str | tuple | None = None, model: str = DEFAULT_MODEL, start_s: float | None = None,
            end_s: float | None = None, profile: str | Path | dict | None = None,
            progress: ProgressFn | None = None, max_fps: float | None = DEFAULT_MAX_FPS) -> AnalysisResult:
    """Analyse a row or shrug set from a video file or a saved poses .npz.

    Args:
        path: video (mp4, mov, m4v, avi, webm, mkv) or poses .npz from ``formcheck pose``.
        exercise: "auto"/None or one of :data:`formcheck.analysis.signals.EXERCISES`.
        view: "auto"/None or side, front, rear, oblique.
        tempo: target tempo "ecc-pause-conc-hold", e.g. "3-0-1-1".
        model: lite, full, heavy or a .task path.
        start_s, end_s: analyse only this part (times stay on the video's clock).
        profile: a JSON file (or dict) overriding thresholds.
        progress: called as progress(frames_done, frames_expected, elapsed_s).
        max_fps: analyse about this many frames per second at most (60 fps phone clips: every 2nd frame,
            times exact); None or 0: every frame.

    Raises:
        FormcheckError: bad input, with a message saying what to do.
    """
    _check_options(exercise, view, model)
    if max_fps is not None and (isinstance(max_fps, bool) or not isinstance(max_fps, (int, float))
                                or not math.isfinite(max_fps) or max_fps < 0):
        raise OptionError(f"max_fps must be 0 (every frame) or a number of frames per second; got {max_fps!r}.")
    if not isinstance(path, (str, os.PathLike)):
        raise OptionError(f"analyze() needs the path of a video or poses file, got {type(path).__name__} {path!r}.")
    for name, value in (("start_s", start_s), ("end_s", end_s)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or not math.isfinite(value) or value < 0):
            raise OptionError(f"{name} must be a number of seconds, 0 or more; got {value!r}.")
    Tempo.parse(tempo)
    user = _user_profile(profile)  # fail before the slow pose pass
    series = load_poses(path, model=model, start_s=start_s, end_s=end_s, progress=progress, max_fps=max_fps)
    opts = {"exercise": exercise or "auto", "view": view or "auto", "tempo": tempo, "model": model,
            "start_s": start_s, "end_s": end_s, "max_fps": max_fps,
            "profile": str(profile) if isinstance(profile, (str, Path)) else None}
    return analyze_series(series, exercise=exercise, view=view, tempo=tempo, profile=user, options=opts)

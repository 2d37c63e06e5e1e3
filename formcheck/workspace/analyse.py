"""The one call from the workspace into the analysis (the batch engine replaces the body at merge time).

Everything goes through the public API: :func:`formcheck.analyze` and :func:`formcheck.write_outputs`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable

import formcheck

log = logging.getLogger(__name__)

ANALYSE_KEYS = ("exercise", "view", "tempo", "model", "start_s", "end_s", "profile")


def analyse_clip(path: str | Path, out_dir: str | Path, options: dict,
                 progress: Callable[[float, str], None] | None = None) -> dict:
    """Analyse one clip and write its outputs (results.json, reps.csv, poses.npz, annotated.mp4, key frames,
    report.html) into out_dir; returns the result as a dict (``results.json``).

    Args:
        options: analyze options (exercise, view, tempo, model, start_s, end_s, profile); others are ignored.
        progress: called as progress(fraction 0..1, words) while it works.

    Raises:
        FormcheckError: the clip cannot be analysed (not a video, nobody in it, ...), with what to do.
    """
    opts = {k: options[k] for k in ANALYSE_KEYS if options.get(k) is not None}

    def pose_progress(done: int, total: int, elapsed_s: float) -> None:
        if progress is not None and total:
            progress(0.85 * min(1.0, done / total), f"finding the lifter: frame {done} of {total}")

    result = formcheck.analyze(str(path), progress=pose_progress, **opts)
    if progress is not None:
        progress(0.9, "drawing the annotated video")
    formcheck.write_outputs(result, out_dir, video=True, source=str(path))
    return result.to_dict()


def reanalyse_saved(poses_npz: str | Path, result: dict, options: dict):
    """The AnalysisResult object of a finished analysis, from its saved poses (no pose model: well under a
    second), with the exercise and view pinned to what the analysis found. The report renderer needs the
    object; the stored results.json stays the record."""
    opts = {k: options[k] for k in ("tempo", "profile") if options.get(k) is not None}
    obj = formcheck.analyze(str(poses_npz), exercise=result.get("exercise"), view=result.get("view"), **opts)
    # Pinned here, but found by the original analysis: say so as it did.
    obj.exercise_source = result.get("exercise_source", obj.exercise_source)
    obj.view_source = result.get("view_source", obj.view_source)
    return obj

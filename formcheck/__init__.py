"""formcheck: a computer-vision form checker for rows and shrugs.

    >>> import formcheck
    >>> result = formcheck.analyze("set.mp4", tempo="3-0-1-1")
    >>> result.rep_count, result.to_dict()["cues"]

The public API (front doors such as the app use only this):

    analyze, analyze_series, write_outputs     an analysis and its output folder
    LiveSession, LiveRunner, LiveOverlay       live sets (LiveOverlay draws them)
    Tempo, EXERCISES, VIEWS, MODELS            options
    FAULTS, CAPABILITIES, view_table           the fault table and what each view measures
    FormcheckError and its kinds               every error a user can cause

Heavy dependencies (mediapipe, PyAV, OpenCV) load only when used.
"""

from .errors import FormcheckError, ModelError, OptionError, PoseDataError, VideoError

__version__ = "0.1.0"
__all__ = ["analyze", "analyze_series", "write_outputs", "LiveSession", "LiveRunner", "LiveOverlay", "Tempo",
           "EXERCISES", "VIEWS", "MODELS", "FAULTS", "CAPABILITIES", "view_table", "FormcheckError", "ModelError",
           "OptionError", "PoseDataError", "VideoError", "__version__"]

# name -> (module, attribute), imported on first use
_LAZY = {
    "LiveSession": ("formcheck.live", "LiveSession"),
    "LiveRunner": ("formcheck.live", "LiveRunner"),
    "LiveOverlay": ("formcheck.render.live_overlay", "LiveOverlay"),
    "Tempo": ("formcheck.tempo", "Tempo"),
    "EXERCISES": ("formcheck.analysis.capabilities", "EXERCISES"),
    "VIEWS": ("formcheck.analysis.capabilities", "VIEWS"),
    "MODELS": ("formcheck.pose", "MODELS"),
    "FAULTS": ("formcheck.analysis.faults", "FAULTS"),
    "CAPABILITIES": ("formcheck.analysis.capabilities", "CAPABILITIES"),
    "view_table": ("formcheck.analysis.capabilities", "view_table"),
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'formcheck' has no attribute '{name}'")


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

"""Writing an analysis to a folder: the data files and the evidence.

``results.json``, ``reps.csv`` and ``poses.npz`` (the data), then ``annotated.mp4`` (unless video=False),
``keyframes/*.png`` (one per rep at the top of the pull, one per fault at its worst frame) and
``report.html`` (self-contained: summary, cues, per-rep table, charts, key frames).
"""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path

from ..errors import FormcheckError
from ..result import AnalysisResult

log = logging.getLogger(__name__)

_KEYFRAME_FILE = re.compile(r"^rep\d{2,}_[a-z_]+\.png$")


def _clear_old_keyframes(folder: Path) -> None:
    """Remove key frames left by an earlier run in the same folder (only files named like ours)."""
    if folder.is_dir():
        for p in folder.iterdir():
            if p.is_file() and _KEYFRAME_FILE.match(p.name):
                p.unlink()


def _charts(result: AnalysisResult) -> dict[str, str]:
    """Chart title -> SVG; empty when the charts cannot be drawn (the report says so)."""
    from .charts import chart_svg, signals_chart, tempo_chart

    out: dict[str, str] = {}
    for title, build in (("Signals over time", signals_chart), ("Tempo per rep", tempo_chart)):
        if title == "Tempo per rep" and not result.assessed:
            continue
        try:
            out[title] = chart_svg(build(result))
        except Exception as exc:  # a chart problem must not cost the user the rest of the report
            log.warning("chart '%s' left out of the report: %s: %s", title, exc.__class__.__name__, exc)
    return out


def write_outputs(result: AnalysisResult, out_dir: str | Path, *, video: bool = True,
                  source: str | Path | None = None, video_size: str = "720p", progress=None) -> dict[str, Path]:
    """Write everything for one analysis into out_dir and return name -> path.

    Names: 'results.json', 'reps.csv', 'poses.npz', 'annotated.mp4' (when rendered), 'keyframes' (the
    folder, when any key frame was saved) and 'report.html'.

    Args:
        result: the analysis.
        out_dir: folder (created if needed).
        video: also render the annotated video (needs the source video). Without it, key frames are still
            grabbed by seeking, which is much cheaper than a full pass.
        source: the original video file (None when analysing a .npz: no video and no key frames, and the
            report says why).
        video_size: "720p" (default: long side at most 1280 px, short side 720, at most 30 fps), "1080p", or
            "source" (the original size and every analysed frame); see :data:`formcheck.render.video.VIDEO_SIZES`.
        progress: for the video pass, called as progress(frames_done, frames_total, elapsed_s).
    """
    from .video import render_keyframes, render_video, video_limits
    from .report import write_report

    limits = video_limits(video_size)  # an unknown name fails before anything is written
    t0 = time.perf_counter()
    out = Path(out_dir)
    paths = result.save(out)
    kf_dir = out / "keyframes"
    keyframes: dict[str, Path] = {}
    note = None
    video_name = None
    if source is None:
        note = ("No annotated video or key frames: this analysis was made from saved poses (.npz). "
                "Analyse the video file itself to get them.")
    else:
        _clear_old_keyframes(kf_dir)
        try:
            if video:
                rendered = render_video(result, source, out / "annotated.mp4", keyframes_dir=kf_dir,
                                        progress=progress, **limits)
                paths["annotated.mp4"] = rendered.video
                video_name = rendered.video.name
            else:
                rendered = render_keyframes(result, source, kf_dir, max_side=limits["max_side"],
                                            max_short_side=limits["max_short_side"])
            keyframes = rendered.keyframes
        except (FormcheckError, OSError) as exc:
            # The data files are written; say what went wrong with the evidence instead of failing the run.
            log.warning("could not draw the evidence from %s: %s", source, exc)
            note = f"The video could not be read again to draw the evidence: {exc}"
    if keyframes:
        paths["keyframes"] = kf_dir
    t1 = time.perf_counter()
    charts = _charts(result)
    t2 = time.perf_counter()
    paths["report.html"] = write_report(result, out / "report.html", charts_svg=charts, keyframes=keyframes,
                                        video_name=video_name, note=note)
    log.info("evidence: video/key frames %.2f s, charts %.2f s, report %.2f s", t1 - t0, t2 - t1,
             time.perf_counter() - t2)
    return paths

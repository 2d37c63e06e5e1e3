"""Writing an analysis to a folder: the data files and the evidence.

``results.json``, ``reps.csv`` and ``poses.npz`` (the data), then ``annotated.mp4`` (unless video=False),
``keyframes/*.png`` (one per rep at the top of the pull, one per fault at its worst frame) and
``report.html`` (self-contained: summary, cues, per-rep table, charts, key frames).

Nothing is written outside the output folder and nothing is half-written: everything is made in a private
staging folder inside it (``.formcheck-tmp-*``, mode 0700) and then renamed into place file by file
(:mod:`formcheck.atomic`), so a symlink planted in the folder is replaced, never written through, and an
interrupted run leaves whole files only. An input that sits in the folder under one of these names is never
overwritten: :func:`check_output_folder` refuses before any work is done.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from ..atomic import TMP_PREFIX, move_into_place, real_folder, sweep_stale
from ..errors import FormcheckError, OptionError

if TYPE_CHECKING:  # the CLI checks the output folder before anything heavy is imported
    from ..result import AnalysisResult

log = logging.getLogger(__name__)

_KEYFRAME_FILE = re.compile(r"^rep\d{2,}_[a-z_]+\.png$")
#: Every name write_outputs may create in the output folder.
OUTPUT_NAMES = ("results.json", "reps.csv", "poses.npz", "annotated.mp4", "report.html", "keyframes")


def check_output_folder(out_dir: str | Path, inputs: Iterable[str | Path | None] = ()) -> None:
    """Refuse an output folder where writing would replace one of the inputs or cannot make its files.

    Raises:
        OptionError: an input is one of the files formcheck writes there (e.g. the video is
            ``OUT/annotated.mp4``), or a name formcheck needs is taken by a folder (or, for ``keyframes``, a file).
    """
    out = Path(out_dir)
    for item in inputs:
        if item is None:
            continue
        src = Path(os.path.abspath(item))
        if src.name in OUTPUT_NAMES and out.is_dir() and src.parent.is_dir() and os.path.samefile(src.parent, out):
            raise OptionError(
                f"The input '{src.name}' is in the output folder '{out}', where formcheck writes its own "
                f"{src.name}: it would be overwritten. Choose another --out folder, or move or rename the input.")
    for name in OUTPUT_NAMES:
        target = out / name
        if target.is_symlink():
            continue  # replaced, never followed (see formcheck.atomic)
        wrong = target.is_file() if name == "keyframes" else target.is_dir()
        if wrong:
            kind = "a file" if name == "keyframes" else "a folder"
            raise OptionError(f"'{target}' is {kind}, where formcheck writes its {name}. Move it away or choose "
                              "another --out folder.")


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


def _publish(stage: Path, out: Path, staged: dict[str, Path]) -> dict[str, Path]:
    """Rename the finished files from the staging folder into ``out``; returns name -> final path.

    Key frames from an earlier run (files named like ours, or links with such names) are removed first, so the
    folder holds this run's only. results.json goes last: when it is new, everything else is too.
    """
    final: dict[str, Path] = {}
    kf_stage = staged.get("keyframes")
    kf_out = out / "keyframes"
    if kf_stage is not None or kf_out.is_symlink() or kf_out.is_dir():
        if kf_out.is_symlink() or kf_out.is_dir():
            real_folder(kf_out)  # a link is replaced by a folder; never look inside what it points to
            for entry in os.scandir(kf_out):
                if _KEYFRAME_FILE.match(entry.name) and not entry.is_dir(follow_symlinks=False):
                    os.unlink(entry.path)
        if kf_stage is not None:
            real_folder(kf_out)
            for png in sorted(kf_stage.iterdir()):
                move_into_place(png, kf_out / png.name)
            final["keyframes"] = kf_out
    for name in sorted((n for n in staged if n != "keyframes"), key=lambda n: n == "results.json"):
        final[name] = move_into_place(staged[name], out / name)
    return final


def write_outputs(result: AnalysisResult, out_dir: str | Path, *, video: bool = True,
                  source: str | Path | None = None, video_size: str = "720p", progress=None) -> dict[str, Path]:
    """Write everything for one analysis into out_dir and return name -> path.

    Names: 'results.json', 'reps.csv', 'poses.npz', 'annotated.mp4' (when rendered), 'keyframes' (the
    folder, when any key frame was saved) and 'report.html'. Written through a private staging folder and
    renamed into place (see the module docstring).

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

    Raises:
        OptionError: the source video is one of the files this would write (see :func:`check_output_folder`).
        OSError: writing failed (e.g. the disk is full); files already in out_dir are left as they were.
    """
    from .video import video_limits

    limits = video_limits(video_size)  # an unknown name fails before anything is written
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    check_output_folder(out, [source])
    sweep_stale(out)
    stage = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=out))
    try:
        staged = _write_staged(result, stage, video=video, source=source, limits=limits, progress=progress)
        return _publish(stage, out, staged)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _write_staged(result: AnalysisResult, stage: Path, *, video: bool, source: str | Path | None, limits: dict,
                  progress) -> dict[str, Path]:
    from .video import render_keyframes, render_video
    from .report import write_report

    t0 = time.perf_counter()
    paths = result.save(stage)
    kf_dir = stage / "keyframes"
    keyframes: dict[str, Path] = {}
    note = None
    video_name = None
    if source is None:
        note = ("No annotated video or key frames: this analysis was made from saved poses (.npz). "
                "Analyse the video file itself to get them.")
    else:
        try:
            if video:
                rendered = render_video(result, source, stage / "annotated.mp4", keyframes_dir=kf_dir,
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
    paths["report.html"] = write_report(result, stage / "report.html", charts_svg=charts, keyframes=keyframes,
                                        video_name=video_name, note=note)
    log.info("evidence: video/key frames %.2f s, charts %.2f s, report %.2f s", t1 - t0, t2 - t1,
             time.perf_counter() - t2)
    return paths

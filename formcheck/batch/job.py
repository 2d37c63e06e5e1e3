"""One clip in, its output folder and a summary row out: the job every batch engine runs.

:func:`run_job` never raises for a bad clip (missing, corrupt, not a video, nobody in view): the row says
``status: "error"`` and why. It skips a clip whose folder already holds a finished analysis of the same
content (sha256) with the same settings, so a batch stopped by Ctrl-C, SIGTERM or a crash finishes the rest
when run again. The done-marker (:data:`DONE_MARKER`) is written atomically, after every other file.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Callable

from ..errors import FormcheckError, OptionError
from ..video import DEFAULT_MAX_FPS

log = logging.getLogger(__name__)

#: Written last into a clip's folder: content hash, settings and the summary row of a finished analysis.
DONE_MARKER = ".formcheck-done.json"
MARKER_VERSION = 1

#: The columns of a summary row, in order (summary.csv).
ROW_FIELDS = ("clip", "status", "verdict", "rep_count", "clean_reps", "exercise", "view", "tempo_average",
              "error", "folder", "report", "path", "sha256", "elapsed_s")

JobProgress = Callable[[str, int, int], None]
"""progress(stage, done, total): stage "pose" (frames analysed) or "video" (frames rendered)."""


@dataclass(frozen=True)
class JobOptions:
    """How to analyse each clip; the same options as ``formcheck analyze``.

    Attributes:
        exercise, view: "auto" or a name (see ``formcheck analyze --help``).
        tempo: target tempo "ecc-pause-conc-hold" or None.
        model: lite, full, heavy or a .task path.
        start_s, end_s: analyse only this part of every clip.
        profile: JSON file overriding thresholds, or None.
        video: write the annotated video.
        video_size: "720p" (default), "1080p" or "source" (see :data:`formcheck.render.video.VIDEO_SIZES`).
        max_fps: analyse about this many frames per second at most (None or 0: every frame).
    """

    exercise: str = "auto"
    view: str = "auto"
    tempo: str | None = None
    model: str = "full"
    start_s: float | None = None
    end_s: float | None = None
    profile: str | None = None
    video: bool = True
    video_size: str = "720p"
    max_fps: float | None = DEFAULT_MAX_FPS

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict | None) -> "JobOptions":
        """Options from a plain dict (unknown keys are an error: a typo must not silently change nothing)."""
        data = dict(data or {})
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise OptionError(f"Unknown job option(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}.")
        return cls(**data)

    def check(self) -> None:
        """Fail before any clip is touched when an option cannot work for any clip.

        Raises:
            OptionError, FormcheckError: a bad exercise, view, tempo, model, profile or video size.
        """
        from .. import config
        from ..analysis.capabilities import EXERCISES, VIEWS
        from ..tempo import Tempo
        from ..pose import resolve_model
        from ..render.video import video_limits

        if self.exercise not in ("auto", *EXERCISES):
            raise OptionError(f"Unknown exercise '{self.exercise}'. Use auto or one of: {', '.join(EXERCISES)}.")
        if self.view not in ("auto", *VIEWS):
            raise OptionError(f"Unknown view '{self.view}'. Use auto or one of: {', '.join(VIEWS)}.")
        if self.tempo is not None:
            Tempo.parse(self.tempo)
        if self.profile is not None:
            config.load_user_profile(self.profile)
        if self.max_fps is not None and self.max_fps < 0:
            raise OptionError(f"--max-fps must be 0 (every frame) or more, got {self.max_fps}.")
        video_limits(self.video_size)
        resolve_model(self.model)

    def settings(self) -> dict:
        """Everything that changes a clip's outputs: the options, the profile's and a custom model's content,
        and the formcheck version. Two runs with equal settings on the same content give the same results."""
        from .. import __version__
        from ..pose import MODELS

        out = {**self.to_dict(), "formcheck": __version__}
        out["max_fps"] = float(self.max_fps or 0)
        out["profile_sha256"] = _sha256(Path(self.profile)) if self.profile else None
        out["model_sha256"] = MODELS[self.model].sha256 if self.model in MODELS else _sha256(Path(self.model))
        if not self.video:
            out["video_size"] = None  # no video: its size changes nothing
        return out



def _sha256(path: Path) -> str:
    from ..pose import file_sha256  # pose.py imports mediapipe only when a model is created

    return file_sha256(path)


def _empty_row(path: Path, out_dir: Path) -> dict:
    row = dict.fromkeys(ROW_FIELDS)
    row.update(clip=path.name, path=str(path), folder=out_dir.name)
    return row


def error_row(path: str | Path, out_dir: str | Path, reason: str) -> dict:
    """The row of a clip that could not be analysed (for engines that lose a worker mid-clip)."""
    return {**_empty_row(Path(path), Path(out_dir)), "status": "error", "error": reason}


def read_marker(out_dir: str | Path) -> dict | None:
    """The done-marker of a clip's folder, or None when there is none (or it cannot be read)."""
    try:
        data = json.loads((Path(out_dir) / DONE_MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("marker_version") == MARKER_VERSION else None


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder, flushed to disk, then renamed over ``path`` (readers see
    the old file or the new one, never a part; the usual permissions, as the umask gives)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with open(tmp, "x", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _analyse(path: Path, out_dir: Path, opts: JobOptions, progress: JobProgress | None) -> dict:
    """Run the analysis and write the outputs (the public API); returns the row's analysis fields."""
    import formcheck

    pose_progress = (lambda done, total, _elapsed: progress("pose", done, total)) if progress else None
    video_progress = (lambda done, total, _elapsed: progress("video", done, total)) if progress else None
    result = formcheck.analyze(path, exercise=opts.exercise, view=opts.view, tempo=opts.tempo, model=opts.model,
                               start_s=opts.start_s, end_s=opts.end_s, profile=opts.profile,
                               progress=pose_progress, max_fps=opts.max_fps or None)
    is_poses = path.suffix.lower() == ".npz"
    written = formcheck.write_outputs(result, out_dir, video=opts.video, source=None if is_poses else path,
                                      video_size=opts.video_size, progress=video_progress)
    d = result.to_dict()
    s = d["summary"]
    return {"verdict": s["verdict"], "rep_count": d["rep_count"], "clean_reps": s["clean_reps"],
            "exercise": d["exercise_name"], "view": d["view"], "tempo_average": s["tempo_average_str"],
            "report": f"{out_dir.name}/report.html" if "report.html" in written else None,
            "files": sorted(p.name for p in written.values())}


def _stored_row(out: Path, digest: str, settings: dict) -> dict | None:
    done = read_marker(out)
    if done and done.get("sha256") == digest and done.get("settings") == settings:
        return {k: v for k, v in (done.get("row") or {}).items() if k in ROW_FIELDS and k != "status"}
    return None


def done_row(path: str | Path, out_dir: str | Path, options: JobOptions | dict | None = None) -> dict | None:
    """The clip's row with status "skipped" when ``out_dir`` holds a finished analysis of the same content
    with the same settings, else None (also when the clip cannot be read: :func:`run_job` reports that).

    Lets a front end leave finished clips out before starting any worker.
    """
    t0 = time.perf_counter()
    path, out = Path(path), Path(out_dir)
    opts = options if isinstance(options, JobOptions) else JobOptions.from_dict(options)
    try:
        digest = _sha256(path)
        stored = _stored_row(out, digest, opts.settings())
    except (OSError, ValueError):
        return None
    if stored is None:
        return None
    return {**_empty_row(path, out), **stored, "clip": path.name, "path": str(path), "folder": out.name,
            "status": "skipped", "elapsed_s": round(time.perf_counter() - t0, 2)}


def run_job(path: str | Path, out_dir: str | Path, options: JobOptions | dict | None = None, *,
            progress: JobProgress | None = None, force: bool = False) -> dict:
    """Analyse one clip into ``out_dir`` and return its summary row; never raises for a bad clip.

    Args:
        path: the clip (a video, or a poses .npz from ``formcheck pose``).
        out_dir: its folder (created): results.json, reps.csv, poses.npz, report.html, annotated.mp4,
            keyframes/ and the done-marker.
        options: :class:`JobOptions` (or a dict of its fields); default options when None.
        progress: called as progress(stage, done, total) while the clip is analysed.
        force: analyse even when the folder holds a finished analysis of the same content and settings.

    Returns:
        A plain dict with the keys of :data:`ROW_FIELDS`: ``status`` is "ok" (analysed now), "skipped"
        (already done: the stored row) or "error" (``error`` says why; nothing else is filled in).
        ``elapsed_s`` is this call's wall time. One call at a time per process (the pose model's start-up
        log filter swaps the process's stderr); run clips in parallel with :class:`formcheck.batch.LocalEngine`.

    Raises:
        KeyboardInterrupt and SystemExit pass through (the clip's folder then has no done-marker).
    """
    t0 = time.perf_counter()
    path, out = Path(path), Path(out_dir)
    opts = options if isinstance(options, JobOptions) else JobOptions.from_dict(options)
    row = _empty_row(path, out)

    def finish(status: str, **fields_) -> dict:
        row.update(fields_, status=status, elapsed_s=round(time.perf_counter() - t0, 2))
        return row

    try:
        digest = _sha256(path)
    except (OSError, ValueError) as exc:
        reason = f"No file at '{path}'. Check the path." if isinstance(exc, FileNotFoundError) else \
            f"'{path.name}' could not be read ({getattr(exc, 'strerror', None) or exc})."
        return finish("error", error=reason)
    row["sha256"] = digest
    try:
        settings = opts.settings()
    except OSError as exc:
        return finish("error", error=f"A settings file could not be read ({exc}).")
    stored = None if force else _stored_row(out, digest, settings)
    if stored is not None:
        return finish("skipped", **{**stored, "clip": row["clip"], "path": row["path"], "folder": row["folder"]})
    try:
        opts.check()  # options a caller of this function got wrong are a row too, not an exception
        (out / DONE_MARKER).unlink(missing_ok=True)  # from here until the new marker, the folder is not done
        found = _analyse(path, out, opts, progress)
    except FormcheckError as exc:
        return finish("error", error=str(exc))
    except OSError as exc:
        return finish("error", error=f"Writing to '{out}' failed ({exc.strerror or exc}). Free some disk space "
                                     "or choose another --out, then run again.")
    except Exception as exc:  # a bug of ours on this clip must not stop the batch: record it, with the traceback
        log.error("internal error on %s", path, exc_info=True)
        return finish("error", error=f"internal error ({exc.__class__.__name__}: {exc}); re-run with --debug "
                                     "and report it")
    files = found.pop("files")
    finish("ok", **found)
    marker = {"marker_version": MARKER_VERSION, "sha256": digest, "settings": settings, "files": files,
              "row": {k: v for k, v in row.items() if k != "elapsed_s"},
              "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "elapsed_s": row["elapsed_s"]}
    try:
        write_atomic(out / DONE_MARKER, json.dumps(marker, indent=2, ensure_ascii=False))
    except OSError as exc:
        return finish("error", error=f"Writing to '{out}' failed ({exc.strerror or exc}). Free some disk space "
                                     "or choose another --out, then run again.")
    return row

"""The lifter's pages' shared state: this server's and this session's private work folders, cached file
facts, and the small formatting helpers the analyse and live tabs share (see formcheck.workdir)."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import tempfile
import time
from pathlib import Path

import streamlit as st

from formcheck.analysis.signals import EXERCISES
from formcheck.progress import format_eta
from formcheck.video import VIDEO_EXTENSIONS
from formcheck.workdir import DEFAULT_RETENTION_S, WorkArea, safe_file_name, scrub_paths

APP_DIR = Path(__file__).resolve().parent.parent


def sample_dir() -> Path:
    """The sample videos offered under "No video handy?" (read on every run: the setting may change)."""
    return Path(os.environ.get("FORMCHECK_SAMPLE_DIR") or APP_DIR / "sample_videos")


RETENTION_H = float(os.environ.get("FORMCHECK_APP_RETENTION_H") or DEFAULT_RETENTION_S / 3600)
APP_WORDS = {"--start/--end": "the part to analyse (the slider)", "--start": "the start of the part to analyse",
             "--end": "the end of the part to analyse", "--exercise": "the Exercise setting",
             "--view": "the Camera view setting", "--tempo": "the Target tempo", "--model": "the Pose model setting",
             "--profile": "the profile", "--out": "the output folder"}
EXTS = ", ".join(e.lstrip(".").upper() for e in VIDEO_EXTENSIONS)
CHOOSABLE_EXERCISES = [k for k in EXERCISES if k != "unknown_row"]


@st.cache_data(show_spinner=False, max_entries=16)
def file_sha256(path: str, size: int, mtime: float) -> str:
    """sha256 of a file on disk (size and mtime are part of the cache key)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@st.cache_data(show_spinner=False, max_entries=64)
def video_info(path: str, sha: str) -> dict:
    """Duration, frame rate and size of a video (raises FormcheckError for a bad file)."""
    from formcheck.video import probe

    return probe(path).to_dict()


@st.cache_resource(show_spinner=False)
def work_area() -> WorkArea:
    """This server's private work folder (made once per server process; swept in the background)."""
    area = WorkArea(os.environ.get("FORMCHECK_APP_DIR"), retention_s=RETENTION_H * 3600)
    area.start_sweeper(session_is_active)
    return area


def session_is_active(session_id: str) -> bool:
    """Whether a browser session is still connected (True when this is not a Streamlit server: AppTest, bare)."""
    from streamlit import runtime

    return not runtime.exists() or runtime.get_instance().is_active_session(session_id)


def session_dir() -> Path:
    """This browser session's own folder for uploads and results (marks it active)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    token = st.session_state.setdefault("work_token", secrets.token_hex(16))  # one per session, never shown
    return work_area().session_dir(token, ctx.session_id if ctx is not None else None)


def forget_server_paths(result, name: str) -> None:
    """Put the user's file name where the analysis recorded the server's path (results.json, poses, report)."""
    result.video["path"] = name
    src = dict(result.series.source)
    src["path"] = name
    if isinstance(src.get("video"), dict):
        src["video"] = {**src["video"], "path": name}
    result.series.source = src


def user_message(exc: Exception, src: dict | None = None) -> str:
    """A library message in this page's words: the user's file name for server paths, settings for CLI flags."""
    text = str(exc)
    replacements = {}
    if src:
        replacements[src["path"]] = src["name"]
        replacements[Path(src["path"]).name] = src["name"]
    text = scrub_paths(text, replacements, [work_area().root, APP_DIR, tempfile.gettempdir()])
    for flag, words in sorted(APP_WORDS.items(), key=lambda kv: -len(kv[0])):
        text = text.replace(flag, words)
    return md_escape(text)


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def pretty_name(path: Path) -> str:
    return path.stem.replace("_", " ").replace("-", " ").capitalize()


def exercise_label(key: str) -> str:
    return "Auto-detect" if key == "auto" else EXERCISES[key][:1].upper() + EXERCISES[key][1:]


def progress_callback(bar):
    """progress(done, total, elapsed_s) for formcheck, drawing a progress bar with an ETA (at most 5 per s)."""
    last = [0.0]

    def cb(done: int, total: int, elapsed_s: float) -> None:
        if done < 0:
            bar.progress(0.9, text="Drawing the annotated video and the report…")
            return
        now = time.monotonic()
        if now - last[0] < 0.2 and done != total:
            return
        total = max(total, done) if total else total  # the frame count is the container's estimate
        last[0] = now
        fps = done / elapsed_s if elapsed_s > 0 else 0.0
        if total:
            eta = format_eta((total - done) / fps) if fps > 0 else "…"
            bar.progress(min(0.85, 0.85 * done / total),
                         text=f"Finding the lifter in every frame: {done} of {total} ({fps:.0f} fps), about {eta} left")
        else:
            bar.progress(0.4, text=f"Finding the lifter in every frame: {done} frames ({fps:.0f} fps)")

    return cb


def md_escape(text: str) -> str:
    """Text shown as Markdown exactly as written (file names may hold *, _, [ ], < > ...)."""
    return re.sub(r"([\\`*_\[\]#|<>~$])", r"\\\1", text)


def store_upload(data: bytes, sha: str, name: str) -> Path:
    """Write an upload into this session's folder, under a safe short form of its name (messages name the file)."""
    folder = session_dir() / "uploads" / sha[:16]
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / safe_file_name(name)
    if not path.exists():
        from formcheck.atomic import write_bytes

        write_bytes(path, data)
    return path


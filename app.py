"""formcheck in the browser: analyse a filmed set of rows or shrugs, or train live at the webcam.

Run with ``streamlit run app.py``.

Thin on purpose: widgets, layout and ``st.*`` calls only; every number comes
from the ``formcheck`` package. Each browser session keeps its own state in
``st.session_state`` (nothing mutable lives at module level). Uploads and results
live in the session's own private folder (:mod:`formcheck.workdir`: one 0700 folder
per server, one per session, removed when the session ends or idles too long), and
analyses are cached per session by the video's sha256 plus the options, so a rerun
never redoes the work and no session ever sees another's files, names or paths.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import tempfile
import time
from pathlib import Path

import streamlit as st

from formcheck.errors import FormcheckError
from formcheck.tempo import Tempo
from formcheck.analysis.signals import EXERCISES, VIEWS
from formcheck.pose import MODELS
from formcheck.progress import format_eta
from formcheck.video import VIDEO_EXTENSIONS
from formcheck.workdir import DEFAULT_RETENTION_S, WorkArea, display_name, safe_file_name, scrub_paths

log = logging.getLogger("formcheck.app")
APP_DIR = Path(__file__).resolve().parent
SAMPLE_DIR = Path(os.environ.get("FORMCHECK_SAMPLE_DIR") or APP_DIR / "sample_videos")
RETENTION_H = float(os.environ.get("FORMCHECK_APP_RETENTION_H") or DEFAULT_RETENTION_S / 3600)
MAX_CACHED_ANALYSES = 4  # per session, in memory (their files stay in the session's folder until it is swept)
# The command line's option names, as this page calls the same things (messages come from the shared library).
APP_WORDS = {"--start/--end": "the part to analyse (the slider)", "--start": "the start of the part to analyse",
             "--end": "the end of the part to analyse", "--exercise": "the Exercise setting",
             "--view": "the Camera view setting", "--tempo": "the Target tempo", "--model": "the Pose model setting",
             "--profile": "the profile", "--out": "the output folder"}
EXTS = ", ".join(e.lstrip(".").upper() for e in VIDEO_EXTENSIONS)
MODEL_HELP = {"lite": "fastest", "full": "balanced", "heavy": "most accurate, ~3x slower"}
CHOOSABLE_EXERCISES = [k for k in EXERCISES if k != "unknown_row"]
SEVERITY = {"ok": st.success, "warning": st.warning, "info": st.info}
PHASE_WORDS = {"concentric": "Pull (concentric)", "hold": "Squeeze (hold)", "eccentric": "Lower (eccentric)",
               "pause": "Pause", "": "Waiting for your first rep"}

st.set_page_config(page_title="formcheck: rows & shrugs form check", page_icon=":material/fitness_center:",
                   layout="wide", initial_sidebar_state="auto")

# Phone-first: Streamlit stacks every st.columns row below 640 px; the keyed containers below keep two per row
# on a phone (settings, scorecard, buttons), and the page keeps its margins small there.
PAGE_CSS = """<style>
@media (max-width: 640px) {
  [data-testid="stMainBlockContainer"] { padding-left: .8rem; padding-right: .8rem; padding-top: 3rem; }
  .st-key-settings [data-testid="stHorizontalBlock"], .st-key-scorecard [data-testid="stHorizontalBlock"],
  .st-key-downloads [data-testid="stHorizontalBlock"], .st-key-live_buttons [data-testid="stHorizontalBlock"],
  .st-key-live_metrics [data-testid="stHorizontalBlock"] {
    flex-direction: row !important; flex-wrap: wrap !important; gap: .5rem !important; }
  .st-key-settings [data-testid="stColumn"], .st-key-scorecard [data-testid="stColumn"],
  .st-key-downloads [data-testid="stColumn"], .st-key-live_buttons [data-testid="stColumn"],
  .st-key-live_metrics [data-testid="stColumn"] {
    min-width: calc(50% - .25rem) !important; width: calc(50% - .25rem) !important;
    flex: 1 1 calc(50% - .25rem) !important; }
  [data-testid="stMetricValue"] { font-size: 1.3rem; }
  h1 { font-size: 2rem !important; }
}
.fc-cues { font-size: .85rem; color: #475569; }
.fc-cues b { color: #0f172a; }
</style>"""
VIEW_TABLE_CSS = """
.fc-views table { width: 100%; border-collapse: collapse; font-size: .92rem; }
.fc-views th, .fc-views td { padding: 6px 8px; border-bottom: 1px solid #e2e8f0; text-align: center; }
.fc-views td:first-child, .fc-views th:first-child { text-align: left; }
.fc-views td.y { color: #16a34a; font-weight: 700; }
.fc-views td.n { color: #94a3b8; }
@media (max-width: 480px) { .fc-views th, .fc-views td { padding: 6px 3px; font-size: .85rem; } }
"""


# ---------------------------------------------------------------------------------------------------------------
# Work folders and cached work (per session: keyed by session, content hash and options)


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


def run_analysis(src: dict, job: dict, progress=None) -> dict:
    """Analyse a video and write its outputs, once per session, video hash and options.

    Progress is reported from here, so a cache hit replays nothing and a miss can draw a live progress bar.

    Returns:
        {"result": AnalysisResult, "files": name -> path str, "dir": output folder}.
    """
    from formcheck.pipeline import analyze_series, load_poses
    from formcheck.video import DEFAULT_MAX_FPS
    from formcheck.render.outputs import write_outputs

    options = {k: job[k] for k in ("exercise", "view", "tempo", "model", "start_s", "end_s")}
    cache = st.session_state.setdefault("analyses", {})
    key = (job["sha"], *options.values())
    out = cache.get(key)
    if out is not None and Path(out["dir"]).is_dir():
        return out
    # The poses of the last clip are kept: another exercise, view or tempo is analysed again in a moment,
    # without a second pose pass (what the "Which exercise?" buttons rely on).
    poses = st.session_state.setdefault("poses", {})
    pkey = (job["sha"], job["model"], job["start_s"], job["end_s"])
    series = poses.get(pkey)
    if series is None:
        series = load_poses(job["path"], model=job["model"], start_s=job["start_s"], end_s=job["end_s"],
                            progress=progress)
        poses.clear()
        poses[pkey] = series
    opts = {**options, "exercise": job["exercise"] or "auto", "view": job["view"] or "auto",
            "max_fps": DEFAULT_MAX_FPS, "profile": None}  # what analyze() records
    result = analyze_series(series, exercise=job["exercise"], view=job["view"], tempo=job["tempo"],
                            options=opts)
    forget_server_paths(result, src["name"])
    if progress is not None:
        progress(-1, 0, 0.0)  # the pose pass is done: now the video and report
    tag = hashlib.sha256(repr(options).encode()).hexdigest()[:12]
    out_dir = session_dir() / "results" / f"{job['sha'][:16]}-{tag}"
    files = write_outputs(result, out_dir, video=True, source=job["path"])
    out = {"result": result, "files": {k: str(v) for k, v in files.items()}, "dir": str(out_dir)}
    cache[key] = out
    while len(cache) > MAX_CACHED_ANALYSES:  # the oldest first (dicts keep insertion order)
        cache.pop(next(iter(cache)))
    return out


# ---------------------------------------------------------------------------------------------------------------
# Small helpers (formatting only)


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


# ---------------------------------------------------------------------------------------------------------------
# Sidebar: options


def settings() -> dict:
    """The settings, inline above the tabs (a phone hides the sidebar): exercise and target tempo in view,
    the pose model and camera view folded away."""
    with st.container(key="settings"):
        c1, c2 = st.columns(2)
        exercise = c1.selectbox("Exercise", ["auto", *CHOOSABLE_EXERCISES], format_func=exercise_label,
                                key="opt_exercise",
                                help="Auto-detect tells shrugs and the row variants apart from the movement.")
        tempo_text = c2.text_input("Target tempo", key="opt_tempo", placeholder="e.g. 3-0-1-1",
                                   help="Seconds for eccentric (lowering) - pause at the bottom - concentric "
                                        "(pulling) - hold at the top. Blank: the exercise's usual tempo.")
    tempo = tempo_text.strip() or None
    tempo_error = None
    if tempo:
        try:
            Tempo.parse(tempo)
        except FormcheckError as exc:
            tempo_error = user_message(exc)
            st.error(tempo_error)
    with st.expander("Pose model and camera view"):
        model = st.radio("Pose model", list(MODELS), index=list(MODELS).index("full"), key="opt_model",
                         horizontal=True, captions=[MODEL_HELP.get(m, "") for m in MODELS],
                         help="The tracking model for uploads. The live view always uses the lite model.")
        view = st.selectbox("Camera view", ["auto", *VIEWS], key="opt_view",
                            format_func=lambda v: "Auto-detect" if v == "auto" else f"{v.capitalize()} view")
    return {"exercise": exercise, "tempo": tempo, "tempo_error": tempo_error, "model": model, "view": view}


def about() -> None:
    with st.sidebar:
        st.markdown("### formcheck")
        st.caption(f"Videos are analysed on this server and sent nowhere else. Your uploads and results are kept "
                   f"in a private folder for this page only and deleted when you close it (at the latest after "
                   f"{RETENTION_H:g} h idle). formcheck measures movement from the outside: it is not medical advice.")


# ---------------------------------------------------------------------------------------------------------------
# Results (shared by uploads and live sets)


def show_results(out: dict, key: str) -> None:
    """Scorecard, cues, video, charts, per-rep table, key frames and downloads for one analysis."""
    from formcheck.render.sections import (DASH, REP_TABLE_CSS, exercise_words, keyframe_caption, keyframe_order,
                                           rep_table_html)

    result = out["result"]
    files = {k: Path(v) for k, v in out["files"].items()}
    d = result.to_dict()
    s = d["summary"]
    n = d["rep_count"]
    view_src = "" if d["view_source"] == "given" else " (detected)"
    # An unsure exercise reads as a question until the lifter picks one (exercise_choice below).
    st.markdown(f"## {plural(n, 'rep')} · {exercise_words(d)} · {d['view']} view{view_src}")
    verdict = d.get("verdict") if isinstance(d.get("verdict"), str) else s.get("verdict")
    st.markdown(verdict if n and verdict else "No reps found.")
    if d.get("exercise_unsure"):
        exercise_choice(d, key)

    faults = sum(s["fault_counts"].values())
    target = s.get("tempo_target_str")
    with st.container(key="scorecard"):
        c1, c2, c3, c4 = st.columns([1, 1.6, 1, 1])
        c1.metric("Reps", n, border=True)
        c2.metric("Average tempo", s["tempo_average_str"] if n else DASH,
                  delta=f"target {target}" if target else "no target set", delta_color="off", delta_arrow="off",
                  border=True, help="Seconds: eccentric (lowering) - pause - concentric (pulling) - hold (squeeze).")
        c3.metric("Clean reps", f"{s['clean_reps']} of {s['judged_reps']}" if n else DASH, border=True)
        c4.metric("Faults found", faults, border=True,
                  help=", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in s["fault_counts"].items()) or "none")

    video = files.get("annotated.mp4")
    names = {p.stem: p for p in files.values() if p.suffix == ".png" and p.parent.name == "keyframes"}
    if not names and out.get("dir"):
        names = {p.stem: p for p in (Path(out["dir"]) / "keyframes").glob("*.png")}
    has_video = video is not None and video.exists()
    # The annotated video beside the coaching (full width for coaching alone, e.g. a live set).
    vcol, ccol = st.columns([3, 2], gap="large") if has_video else (None, st.container())
    if has_video:
        with vcol:
            st.markdown("#### Your set, annotated")
            st.video(str(video))
    with ccol:
        if d["cues"]:
            st.markdown("#### What to work on")
            for cue in d["cues"]:
                SEVERITY.get(cue.get("severity"), st.info)(cue["text"])
        for msg in d["warnings"]:
            st.warning(msg, icon=":material/info:")
        missing = {k: v for k, v in d["measurable"].items() if not v.get("measurable", True)}
        if missing:
            with st.expander(f"Not measurable from this {d['view']} view ({len(missing)})"):
                for group, v in missing.items():
                    st.markdown(f"- **{group.capitalize()}**: {v.get('why', 'not measurable')}")

    if n:
        st.markdown("#### Rep by rep")
        st.markdown(f"<style>{REP_TABLE_CSS}</style>{rep_table_html(result)}", unsafe_allow_html=True)
        st.caption("Tempo: seconds lowering - pause - pulling - hold. Tap a rep's faults for what was measured.")

    try:
        from formcheck.render import charts
    except ImportError:
        charts = None
    if charts is not None and n:
        st.markdown("#### Over the set")
        try:
            # One chart per panel: each fits its container (a stacked chart cannot), on a phone too. Our own
            # theme (the report's): Streamlit's squeezes a fixed-height layered chart's plot to a sliver.
            for panel in charts.signal_panels(result, width="container", panel_height=140):
                st.altair_chart(charts.style(panel, fit_width=True), width="stretch", theme=None)
            note = charts.trunk_note(result)
            if note:
                st.caption(note)
            tempo = charts.tempo_chart(result, width="container")
            st.altair_chart(tempo.properties(autosize={"type": "fit-x", "contains": "padding"}), width="stretch",
                            theme=None)
        except Exception as exc:  # a chart problem must not hide the rest of the results
            st.caption(f"Charts unavailable ({exc.__class__.__name__}).")

    if names:
        st.markdown("#### Key frames")
        st.caption("The top of each rep, then each fault at its worst moment. Tap a picture, then its "
                   "full-screen button, to enlarge it.")
        ordered = keyframe_order(names, result)
        # Rows of two: a phone stacks each row's columns, so the frames stay in rep order.
        for i in range(0, len(ordered), 2):
            cols = st.columns(2)
            for col, name in zip(cols, ordered[i:i + 2]):
                col.image(str(names[name]), caption=keyframe_caption(name, result), width="stretch")

    st.markdown("#### Downloads")
    downloads = [("report.html", "Report (HTML)", "text/html"),
                 ("results.json", "Results (JSON)", "application/json"), ("reps.csv", "Reps (CSV)", "text/csv"),
                 ("annotated.mp4", "Annotated video (MP4)", "video/mp4")]
    downloads = [x for x in downloads if files.get(x[0]) is not None and files[x[0]].exists()]
    with st.container(key="downloads"):
        cols = st.columns(max(1, len(downloads)))
        for col, (name, label, mime) in zip(cols, downloads):
            col.download_button(label, files[name].read_bytes(), file_name=name, mime=mime, key=f"dl-{key}-{name}",
                                icon=":material/download:", width="stretch")


def choose_exercise(exercise: str) -> None:
    """Button callback (runs before the rerun, so it may set the Exercise widget): analyse again as it."""
    ss = st.session_state
    ss["opt_exercise"] = exercise
    if ss.get("job"):
        ss["job"] = {**ss["job"], "exercise": exercise}


def exercise_choice(d: dict, key: str) -> None:
    """The analysis could not tell the exercise apart: say so, and settle it in one tap."""
    cands = [c for c in d.get("exercise_candidates") or [] if c.get("exercise") in EXERCISES]
    if not cands:
        return
    names = " or ".join(f"**{exercise_label(c['exercise'])}**" for c in cands)
    with st.container(key="exercise-choice", border=True):
        st.markdown(f"**Which exercise is this?** It looks like {names}; the checks that depend on the "
                    "exercise were left out. Tap the right one to check the set as it (no new upload: the poses "
                    "already found are used again).")
        cols = st.columns(len(cands))
        for col, c in zip(cols, cands):
            col.button(exercise_label(c["exercise"]), key=f"pick-{key}-{c['exercise']}", width="stretch",
                       on_click=choose_exercise, args=(c["exercise"],), icon=":material/fitness_center:")


# ---------------------------------------------------------------------------------------------------------------
# Tab 1: analyse a video


def accept_upload(up) -> dict | None:
    """Check an uploaded file and store it; returns the source dict or None (after showing why)."""
    name = display_name(up.name)
    shown = md_escape(name)
    ext = Path(up.name.replace("\\", "/")).suffix.lower()
    if ext not in VIDEO_EXTENSIONS:
        st.error(f"**{shown}** is not a video formcheck can read (got '{md_escape(ext[:12]) or 'no extension'}'). "
                 f"Upload one of: {EXTS}. Phones save MP4 or MOV.", icon=":material/block:")
        return None
    limit_mb = int(st.get_option("server.maxUploadSize"))
    if up.size > limit_mb * 1024 * 1024:
        st.error(f"**{shown}** is {up.size / 1e6:.0f} MB; the limit is {limit_mb} MB. Trim the clip to the set "
                 "or export it at 1080p or lower.", icon=":material/block:")
        return None
    if up.size == 0:
        st.error(f"**{shown}** is empty (0 bytes). Upload it again.", icon=":material/block:")
        return None
    data = up.getvalue()
    sha = hashlib.sha256(data).hexdigest()
    try:
        path = store_upload(data, sha, up.name)
    except OSError as exc:
        log.warning("storing an upload failed: %s", exc)
        st.error(f"**{shown}** could not be stored on the server (it may be out of space). Try again later, or "
                 "trim the clip to the set.", icon=":material/block:")
        return None
    return {"kind": "upload", "name": name, "path": str(path), "sha": sha, "id": up.file_id}


def show_failure(exc: Exception, src: dict, icon: str) -> None:
    """A clear message for a failed step: the library's words for user errors, a plain apology for our bugs."""
    if isinstance(exc, FormcheckError):
        st.error(user_message(exc, src), icon=icon)
    else:  # a bug of ours: the details go to the server log, never to the page
        log.error("analysing an upload failed", exc_info=exc)
        st.error(f"Something went wrong on our side with **{md_escape(src['name'])}**. Try again, or another clip; "
                 "the details are in the server's log.", icon=icon)


def analyse_tab(opts: dict) -> None:
    ss = st.session_state
    left, right = st.columns([3, 2], gap="large")
    with left:
        # "video/*" in accept: a phone offers to record a video with its camera, or to pick one from its
        # gallery (the extensions keep desktop pickers to files formcheck reads; accept_upload still checks).
        limit_mb = st.get_option("server.maxUploadSize")
        up = st.file_uploader("Upload or record a video of your set", key="upload",
                              type=["video/*", *VIDEO_EXTENSIONS],
                              help=f"{EXTS}, up to {limit_mb} MB. On a phone you can record the set straight "
                                   "from here.")
        st.caption(f"Videos up to {limit_mb} MB (a bigger file is refused with a red mark: trim it to the set or "
                   "export it at 1080p) · whole body in frame · see **How to film** for the best angle.")
    with right:
        st.markdown("**No video handy?**")
        # The side-view row first: the view that measures the most.
        samples = sorted(SAMPLE_DIR.glob("*.mp4"), key=lambda p: (p.stem != "row_side", p.name)) \
            if SAMPLE_DIR.is_dir() else []
        if samples:
            pick = samples[0]
            if len(samples) > 1:
                pick = st.selectbox("Sample", samples, format_func=pretty_name, key="sample_pick",
                                    label_visibility="collapsed")
            if st.button("Try a sample", icon=":material/play_circle:", key="try_sample",
                         disabled=bool(opts["tempo_error"])):
                st_ = pick.stat()
                sha = file_sha256(str(pick), st_.st_size, st_.st_mtime)
                ss["source"] = {"kind": "sample", "name": pick.name, "label": pretty_name(pick), "path": str(pick),
                                "sha": sha}
                ss["job"] = None
                ss["autorun"] = True
        else:
            st.caption("No sample videos are installed here (sample_videos/ is empty): upload your own set.")

    # The uploader drives the source when a new file arrives or it is cleared.
    if up is not None and up.file_id != ss.get("upload_id"):
        ss["upload_id"] = up.file_id
        src = accept_upload(up)
        ss["job"] = None
        ss["source"] = src
        ss["upload_error"] = src is None
    elif up is None and ss.get("upload_id"):
        ss["upload_id"] = None
        if (ss.get("source") or {}).get("kind") == "upload":
            ss["source"], ss["job"] = None, None
    elif up is not None and ss.get("upload_error"):
        accept_upload(up)  # keep the message visible on reruns

    src = ss.get("source")
    if src and src["kind"] == "upload" and not Path(src["path"]).exists():  # swept after a long idle time
        st.info(f"**{md_escape(src['name'])}** was deleted from the server after {RETENTION_H:g} h without use. "
                "Upload it again to analyse it.", icon=":material/history:")
        ss["source"], ss["job"] = None, None
        return
    if not src:
        st.markdown("")
        st.info("Upload a video of one set, or try a sample. You will get your reps, tempo, squeeze and shrug "
                "check, rep by rep, in plain words.", icon=":material/upload:")
        return
    try:
        info = video_info(src["path"], src["sha"])
    except Exception as exc:  # the page must answer every upload with a message (see show_failure)
        show_failure(exc, src, ":material/block:")
        return
    dur = float(info.get("duration_s") or 0.0)
    st.markdown(f"**{md_escape(src.get('label') or src['name'])}** · {dur:.1f} s · {info['fps']:.0f} fps · "
                f"{info['width']}×{info['height']}")
    trim = None
    if dur > 1.0:
        trim = st.slider("Part to analyse (seconds)", 0.0, round(dur, 1), (0.0, round(dur, 1)), step=0.1,
                         key=f"trim-{src['sha'][:16]}", help="Cut off walking in and out of frame.")
    go = st.button("Analyse", type="primary", icon=":material/analytics:", key="analyse",
                   disabled=bool(opts["tempo_error"]))
    if go or ss.pop("autorun", False):
        start_s = trim[0] if trim and trim[0] > 0 else None
        end_s = trim[1] if trim and trim[1] < round(dur, 1) else None
        ss["job"] = {"sha": src["sha"], "path": src["path"], "exercise": opts["exercise"], "view": opts["view"],
                     "tempo": opts["tempo"], "model": opts["model"], "start_s": start_s, "end_s": end_s}
    job = ss.get("job")
    if not job or job["sha"] != src["sha"]:
        return
    slot = st.empty()
    bar = slot.progress(0.0, text="Starting…")
    try:
        out = run_analysis(src, job, progress=progress_callback(bar))
    except Exception as exc:  # the page must answer every upload with a message (see show_failure)
        slot.empty()
        show_failure(exc, src, ":material/error:")
        ss["job"] = None
        return
    slot.empty()
    st.divider()
    show_results(out, key=f"{job['sha'][:12]}")


# ---------------------------------------------------------------------------------------------------------------
# Tab 2: live


def live_tab(opts: dict) -> None:
    from formcheck.live import LiveRunner
    from formcheck.live.sound import CueMixer
    from formcheck.render.live_overlay import LiveOverlay

    ss = st.session_state
    st.markdown("**Whole body** in view, side-on for rows, facing the camera for shrugs, sound on: formcheck "
                "talks you through the set (pull, squeeze, down, 2, 3). Press **START**, wait for \"ready\", do "
                "your set, then **Finish set** for the full report.")
    options = {"model": "lite", "exercise": opts["exercise"], "tempo": opts["tempo"], "view": opts["view"],
               "profile": None}
    # The WebRTC threads read the runner and the cue mixer from this per-session box, so a new set can swap them.
    box = ss.setdefault("live_box", {"runner": None})
    box["options"] = options
    if box.get("mixer") is None:
        box["mixer"] = CueMixer()

    def new_runner() -> LiveRunner:
        # The model loads on a background thread now, so the set's first frames are analysed, not dropped.
        return LiveRunner(**box["options"], overlay=LiveOverlay(), on_cue=lambda e: box["mixer"].play(e), warm=True)

    runner = box["runner"]
    if runner is None or (runner.options != options and not runner.started):
        if runner is not None:
            runner.close()
        runner = box["runner"] = new_runner()

    try:
        from streamlit_webrtc import WebRtcMode, create_audio_source_track, webrtc_streamer
    except ImportError:
        st.error("The live view needs streamlit-webrtc: pip install streamlit-webrtc")
        return

    def on_frame(frame):  # runs on the WebRTC worker thread: never touch st.* here
        import av

        img = frame.to_ndarray(format="rgb24")
        r = box["runner"]
        if r.finished and r.frames_after_finish > 20:  # START pressed again after a finished set: a new set
            box["mixer"] = CueMixer()
            r = box["runner"] = new_runner()
        out = r.process(img, frame.time)
        return av.VideoFrame.from_ndarray(out, format="rgb24")

    def on_audio(pts, time_base):  # aiortc's media loop, every 20 ms: the cues, mixed, or silence
        import av

        m = box["mixer"]
        frame = av.AudioFrame.from_ndarray(m.read(m.rate // 50).reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = m.rate
        return frame

    # "Finish set" (its on_click ran before this rerun) also stops the camera.
    finish = bool(ss.pop("live_finish_req", False))
    vcol, scol = st.columns([3, 2], gap="large")
    with vcol:
        try:
            # The cues go back to the browser as the stream's own audio track (no microphone is asked for): the
            # sound leaves with the frames the overlay drew from the same state, and plays in the same <video>.
            cues = create_audio_source_track(on_audio, key="live-cues", sample_rate=box["mixer"].rate)
            ctx = webrtc_streamer(key="live", mode=WebRtcMode.SENDRECV, rtc_configuration={"iceServers": []},
                                  desired_playing_state=False if finish else None,
                                  media_stream_constraints={"video": {"width": {"ideal": 640},
                                                                      "height": {"ideal": 480}}, "audio": False},
                                  video_frame_callback=on_frame, source_audio_track=cues, async_processing=True)
        except Exception as exc:  # e.g. no Streamlit server behind the script (bare or test runs)
            ctx = None
            st.error(f"The camera view could not start here ({exc.__class__.__name__}). Run the app with "
                     "'streamlit run app.py' and open it in a browser.", icon=":material/videocam_off:")
        st.caption("Runs on this computer's browser and server. Using the app from another device needs HTTPS "
                   "and a STUN/TURN server (set rtc_configuration).")
    playing = bool(ctx is not None and ctx.state.playing)
    was_playing = ss.get("live_was_playing", False)
    ss["live_was_playing"] = playing
    runner = box["runner"]  # the media thread may have started a new set
    # The set ends with Finish set, or when a stream that was playing stops (frames can arrive while the
    # connection is still signalling: that is not a stop).
    stopped = was_playing and not playing
    if (finish or (stopped and runner.started)) and ss.get("live_done") is not runner:
        runner.stop()
        ss["live_done"] = runner

    with scol:
        sound = st.toggle("Sound", value=True, key="live_sound", help="Spoken cues: the framing check, then pull, "
                          "squeeze, down and the count, the rep count, and 'shoulders down' when you shrug.")
        box["mixer"].muted = not sound
        live_panel(box, playing)
        with st.container(key="live_buttons"):
            c1, c2 = st.columns(2)
            c1.button("Finish set", type="primary", icon=":material/flag:", key="live_finish", width="stretch",
                      disabled=ss.get("live_done") is runner,
                      on_click=lambda: ss.__setitem__("live_finish_req", True))
            new_set = c2.button("New set", icon=":material/restart_alt:", key="live_new", width="stretch")
        if new_set:
            runner.close()
            box["mixer"] = CueMixer()
            box["runner"] = new_runner()
            ss.pop("live_result", None)
            ss.pop("live_done", None)
            st.rerun()

    # The report of the finished set. Built once per set, but safe to rebuild: a rerun (the camera stopping)
    # may interrupt this script while it works, and LiveRunner.finish() keeps its result.
    done = ss.get("live_done")
    if done is not None and (ss.get("live_result") or {}).get("runner") != id(done) and done.started:
        with st.spinner("Analysing the whole set…"):
            try:
                result = done.finish()
                if result is None:
                    res = {"error": "No frames reached the analysis. Start the camera and try again."}
                else:
                    from formcheck.render.outputs import write_outputs

                    live_dir = session_dir() / "live"
                    live_dir.mkdir(mode=0o700, exist_ok=True)
                    out_dir = Path(tempfile.mkdtemp(prefix="set-", dir=live_dir))
                    files = write_outputs(result, out_dir, video=False)
                    res = {"result": result, "files": {k: str(v) for k, v in files.items()}, "dir": str(out_dir)}
            except FormcheckError as exc:
                res = {"error": user_message(exc)}
        res["runner"] = id(done)
        ss["live_result"] = res
    res = ss.get("live_result")
    if res:
        st.divider()
        if "error" in res:
            st.error(res["error"])
        else:
            show_results(res, key="live")


def live_panel(box: dict, playing: bool) -> None:
    """Rep counter, phase, framing and shrug warnings, and the cues heard; refreshed twice a second while the
    camera runs. It shows the same LiveState the overlay drew and the cues the sound played."""
    from formcheck.live import PHASE_VERBS, SHRUG_VERBS

    @st.fragment(run_every=0.5 if playing else None)
    def panel():
        runner = box["runner"]
        state = runner.snapshot()
        if runner.error:
            st.error(runner.error)
            return
        if state is None:
            st.metric("Reps", 0, border=True)
            st.caption("Press START and allow the camera." if not playing else "Starting the tracker…")
            cue_log(box)
            return
        with st.container(key="live_metrics"):
            c1, c2 = st.columns(2)
            c1.metric("Reps", state.reps, border=True)
            if runner.finished:
                c2.metric("Phase", "Done", border=True)
        if runner.finished:
            st.markdown(f"**{plural(state.reps, 'rep')}** counted live · set finished, full analysis below")
            cue_log(box)
            return
        verbs = SHRUG_VERBS if state.exercise == "shrug" else PHASE_VERBS
        c2.metric("Phase", verbs.get(state.phase, "Ready" if state.framed else "Set up"), border=True)
        st.markdown(f"**{plural(state.reps, 'rep')}** · {PHASE_WORDS.get(state.phase, state.phase)}")
        if state.message:
            (st.info if state.framed else st.warning)(state.message, icon=":material/accessibility_new:")
        if state.guide_text:
            st.caption(f"Tempo guide: {state.guide_text}")
        if state.shrug:
            st.error("Shoulders down: you're shrugging", icon=":material/warning:")
        elif state.shrug_reps:
            st.warning(f"Shrugged on rep{'s' if len(state.shrug_reps) > 1 else ''} "
                       f"{', '.join(map(str, state.shrug_reps))}", icon=":material/warning:")
        view = f"{state.view} view" if state.view else "view not known yet"
        st.caption(f"{state.exercise_name} · {view} · {state.fps:.0f} frames analysed a second")
        cue_log(box)

    panel()


def cue_log(box: dict) -> None:
    """The cues heard so far (the last few in words; the whole sequence in data attributes for tests)."""
    import html

    mixer = box["mixer"]
    played = [e.words for e in mixer.played_events()]
    raised = [e.words for e in box["runner"].cues()]
    shown = played if not mixer.muted else raised
    last = " · ".join(shown[-6:]) or "nothing yet"
    head = "Heard" if not mixer.muted else "Sound off; cues"
    st.markdown(f'<div class="fc-cues" id="fc-cue-log" data-played="{html.escape("|".join(played[-400:]))}" '
                f'data-raised="{html.escape("|".join(raised[-400:]))}"><b>{head}:</b> {html.escape(last)}</div>',
                unsafe_allow_html=True)


# ---------------------------------------------------------------------------------------------------------------
# Tab 3: how to film


def filming_tab() -> None:
    from formcheck.analysis.capabilities import view_table

    st.markdown("""
#### Set up in one minute
1. **Pick the view for what you want checked** (table below). Side-on is best for rows; facing the camera is best
   for shrugs and left/right balance.
2. **Whole body in frame**: head (ears) to feet, with room above your hands at the top of the pull.
   About **2–4 m** from the camera; landscape or portrait both work.
3. **Camera still, at the right height**: hip height for a side view, chest height for a front view. Lean the
   phone on something or use a tripod.
4. **Light in front of you**, not behind: no bright window behind you. Fitted clothes make shoulders easier to track.
5. **One person in view**, start the recording a second before your first rep and stop it after your last.
""")
    # Measurements down, views across: five narrow columns fit a phone (nine across did not).
    table = view_table()
    views = [row["view"] for row in table]
    groups = [k for k in table[0] if k != "view"]
    head = "".join(f"<th>{v.capitalize()}</th>" for v in views)
    body = "".join(f"<tr><td>{g[:1].upper()}{g[1:]}</td>" + "".join(
        '<td class="y">\u2713</td>' if row[g] else '<td class="n">\u2014</td>' for row in table) + "</tr>"
        for g in groups)
    st.markdown("#### What each view can measure")
    st.markdown(f"<style>{VIEW_TABLE_CSS}</style><div class='fc-views'><table><thead><tr><th></th>{head}</tr>"
                f"</thead><tbody>{body}</tbody></table></div>", unsafe_allow_html=True)
    st.caption("One-arm rows are the exception: their trunk rotation is measured from the side too.")
    st.caption("Shrug and squeeze are measured through proxies (BlazePose has no shoulder-blade points): shoulder "
               "rise along the trunk against both the ears and the hips, and elbow travel behind the trunk line.")


# ---------------------------------------------------------------------------------------------------------------
# Page


def main() -> None:
    st.markdown(PAGE_CSS, unsafe_allow_html=True)
    about()
    st.title("formcheck")
    st.markdown("##### Reps, tempo, squeeze and shrug check for your rows and shrugs, from a phone video or your "
                "webcam.")
    opts = settings()
    tabs = st.tabs(["Analyse a video", "Live", "How to film"], key="tab", on_change="rerun")
    with tabs[0]:
        if tabs[0].open:
            analyse_tab(opts)
    with tabs[1]:
        if tabs[1].open:
            live_tab(opts)
    with tabs[2]:
        if tabs[2].open:
            filming_tab()


# Lifters get the analyser above; coaches log in to their workspace; a client's link (?c=TOKEN) opens only
# that client's upload page (app_pages/navigation.py).
from app_pages.navigation import run_app  # noqa: E402

run_app(main)

"""Tab 1: analyse a filmed set: upload (or record on a phone) or a sample, the part to analyse, the analysis
with a progress bar, then the results (cached per session, video hash and options)."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import streamlit as st

from formcheck.errors import FormcheckError
from formcheck.video import VIDEO_EXTENSIONS
from formcheck.workdir import display_name

from .results_view import show_results
from .session import (EXTS, RETENTION_H, file_sha256, forget_server_paths, md_escape, pretty_name,
                      progress_callback, sample_dir, session_dir, store_upload, user_message, video_info)

log = logging.getLogger("formcheck.app")
MAX_CACHED_ANALYSES = 4  # per session, in memory (their files stay in the session's folder until it is swept)


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
        folder = sample_dir()
        samples = sorted(folder.glob("*.mp4"), key=lambda p: (p.stem != "row_side", p.name)) \
            if folder.is_dir() else []
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


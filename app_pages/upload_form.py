"""The upload form, for the coach (on a client's page) and for the client (on their link's page).

The same checks as the analyser's upload: a video extension, the server's size limit, not empty, and a file
that really opens as a video; the stored name is the content's sha256, never the user's file name.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import streamlit as st

from formcheck import EXERCISES
from formcheck.errors import FormcheckError
from formcheck.video import VIDEO_EXTENSIONS, probe
from formcheck.workspace import sets

EXTS = ", ".join(e.lstrip(".").upper() for e in VIDEO_EXTENSIONS)
CHOOSABLE = ["auto", *[k for k in EXERCISES if k != "unknown_row"]]


def _exercise_label(key: str) -> str:
    return "Not sure / detect it" if key == "auto" else EXERCISES[key][:1].upper() + EXERCISES[key][1:]


def check_upload(up) -> str | None:
    """Why this upload cannot be taken (None when it can)."""
    ext = Path(up.name).suffix.lower()
    if ext not in VIDEO_EXTENSIONS:
        return f"**{up.name}** is not a video formcheck can read (got '{ext or 'no extension'}'). Use one of: {EXTS}."
    limit_mb = int(st.get_option("server.maxUploadSize"))
    if up.size > limit_mb * 1024 * 1024:
        return f"**{up.name}** is {up.size / 1e6:.0f} MB; the limit is {limit_mb} MB. Trim the clip to the set."
    if up.size == 0:
        return f"**{up.name}** is empty (0 bytes). Choose it again."
    with tempfile.NamedTemporaryFile(suffix=ext) as tmp:
        tmp.write(up.getvalue())
        tmp.flush()
        try:
            probe(tmp.name)
        except FormcheckError as exc:
            return f"**{up.name}** could not be opened as a video: {exc}"
    return None


def upload_form(ws, client_id: int, *, source_kind: str, key: str, intro: str | None = None) -> int | None:
    """Draw the form; returns the set id once a clip was taken (new or already there)."""
    flash = st.session_state.pop(f"flash-{key}", None)  # what the last send said, kept across the rerun after it
    if flash:
        (st.success if flash[0] == "ok" else st.info)(flash[1], icon=":material/check_circle:")
    with st.form(f"upload-{key}", clear_on_submit=True):
        if intro:
            st.markdown(intro)
        up = st.file_uploader("Video of the set", key=f"file-{key}", type=None,
                              help=f"{EXTS}, up to {st.get_option('server.maxUploadSize')} MB, whole body in frame.")
        c1, c2 = st.columns(2)
        when = c1.date_input("Day of the set", value=date.today(), max_value=date.today(), key=f"date-{key}")
        exercise = c2.selectbox("Exercise", CHOOSABLE, format_func=_exercise_label, key=f"ex-{key}")
        c3, c4, c5 = st.columns(3)
        load = c3.number_input("Load (kg)", min_value=0.0, max_value=1000.0, value=None, step=2.5, key=f"load-{key}")
        reps = c4.number_input("Reps", min_value=1, max_value=100, value=None, step=1, key=f"reps-{key}")
        rpe = c5.number_input("RPE", min_value=1.0, max_value=10.0, value=None, step=0.5, key=f"rpe-{key}")
        go = st.form_submit_button("Send the video", type="primary", icon=":material/upload:")
    if not go:
        return None
    if up is None:
        st.warning("Choose a video first.", icon=":material/info:")
        return None
    why = check_upload(up)
    if why:
        st.error(why, icon=":material/block:")
        return None
    try:
        set_id, new = sets.import_clip(ws, client_id, up.getvalue(), name=up.name, recorded_on=when,
                                       exercise=exercise, load_kg=load, reps_planned=reps, rpe=rpe,
                                       source_kind=source_kind)
    except FormcheckError as exc:
        st.error(str(exc), icon=":material/block:")
        return None
    st.session_state[f"flash-{key}"] = ("ok", "Received. It is queued for analysis.") if new else (
        "info", "Received: this exact video was already sent, so it is the same set as before.")
    return set_id

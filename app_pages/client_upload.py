"""The page a client reaches with their link (``?c=TOKEN``): an upload form, their own sets and the reports
their coach shared. Nothing else, and for an unknown or revoked token, nothing at all."""

from __future__ import annotations

import streamlit as st

from formcheck.workspace import clients, report, sets

from .common import STATUS_WORDS, workspace
from .upload_form import upload_form


def render() -> None:
    ws = workspace()
    client = clients.client_for_token(ws, st.query_params.get("c"))
    if client is None:
        st.title("Link not valid")
        st.error("This upload link is not valid (mistyped, or no longer in use). Ask your coach for a new one.",
                 icon=":material/link_off:")
        return
    st.title(f"Hi {client['name']}")
    st.markdown("Send your coach a video of your set. Film the whole body, side-on for rows, facing the camera "
                "for shrugs, phone still.")
    if upload_form(ws, client["id"], source_kind="client", key="client") is not None:
        st.rerun()
    own = sets.list_sets(ws, client["id"])
    st.markdown("#### Your sets")
    if not own:
        st.caption("Nothing sent yet.")
    for s in own:
        with st.container(border=True):
            shared = bool(s["shared_at"]) and s["status"] == "analysed"
            status = "report ready" if shared else (
                "with your coach" if s["status"] == "analysed" else STATUS_WORDS.get(s["status"], s["status"]))
            st.markdown(f"**{s['recorded_on']}** · {s['original_name']} · {status}")
            if shared:
                from formcheck.workspace import review

                version = repr((s["shared_at"], sorted(review.decisions(ws, s["id"]).items()),
                                review.notes(ws, s["id"])))
                name, mime, data = _report(ws, s["id"], version)
                st.download_button("Download your report", data, file_name=name, mime=mime,
                                   key=f"rep-{s['id']}", icon=":material/download:")


@st.cache_data(show_spinner="Preparing your report…", max_entries=32)
def _report(_ws, set_id: int, version: str) -> tuple[str, str, bytes]:
    return report.export(_ws, set_id)

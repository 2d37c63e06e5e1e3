"""Queued and running analyses with their progress, refreshed every two seconds without blocking the page."""

from __future__ import annotations

import streamlit as st

from formcheck.workspace import jobs


def jobs_panel(ws, client_id: int | None = None) -> None:
    """A fragment that polls while something is queued or running, and offers to show what finished."""
    waiting = jobs.active(ws, client_id)

    drawn = {j["id"] for j in waiting}  # what the rest of the page was drawn with

    @st.fragment(run_every=2.0 if waiting else None)
    def panel():
        rows = jobs.active(ws, client_id)
        ended = drawn - {j["id"] for j in rows}
        if ended:
            # Offered, not forced: a rerun of the whole page under the coach's hands would swallow a click.
            if st.button(f"{len(ended)} analys{'i' if len(ended) == 1 else 'e'}s finished: show the results",
                         key=f"show-new-{client_id}", icon=":material/refresh:", type="primary"):
                st.rerun(scope="app")
        if not rows:
            return
        with st.container(border=True):
            st.markdown(f"**Analyses in progress** ({len(rows)})")
            for j in rows:
                who = "" if client_id else f"{j['client_name']} · "
                text = f"{who}set of {j['recorded_on']} · " + (
                    j["message"] if j["state"] == "running" else "waiting for the worker")
                st.progress(min(1.0, float(j["progress"] or 0.0)), text=text)

    panel()

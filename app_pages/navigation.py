"""Which pages a visitor gets: the analyser for everyone; the coach's pages after a login; a client's upload
page (and nothing else) for a link with a token (``?c=TOKEN``)."""

from __future__ import annotations

from typing import Callable

import streamlit as st

PAGES: dict[str, st.Page] = {}


def run_app(analyser: Callable[[], None]) -> None:
    from . import client_page, client_upload, clients_page, common, compare_page, login_page, set_page

    token = st.query_params.get("c")
    if token is not None:
        page = st.Page(client_upload.render, title="Send your set", icon=":material/upload:", url_path="upload",
                       default=True)
        st.navigation([page], position="hidden").run()
        return
    analyse = st.Page(analyser, title="Analyse a set", icon=":material/analytics:", default=True)
    common.apply_cookie()
    if common.coach_user() is None:
        PAGES.clear()
        login = st.Page(login_page.render, title="Coach login", icon=":material/login:", url_path="coach")
        st.navigation({"": [analyse], "Coaches": [login]}).run()
        return
    PAGES.update({
        "clients": st.Page(clients_page.render, title="Clients", icon=":material/groups:", url_path="coach"),
        "client": st.Page(client_page.render, title="Client", icon=":material/person:", url_path="client"),
        "set": st.Page(set_page.render, title="Set review", icon=":material/rate_review:", url_path="set"),
        "compare": st.Page(compare_page.render, title="Side by side", icon=":material/compare:", url_path="compare"),
    })
    page = st.navigation({"": [analyse], "Coach": list(PAGES.values())})
    if page is not analyse:
        with st.sidebar:
            st.caption(f"Logged in as **{common.coach_user()}**")
            if st.button("Log out", icon=":material/logout:", key="logout"):
                common.log_out()
                st.rerun()
    page.run()

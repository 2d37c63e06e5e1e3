"""The coach's login (accounts are made with ``formcheck coach add-coach NAME``)."""

from __future__ import annotations

import time

import streamlit as st

from formcheck.workspace import accounts

from . import common
from .common import db_location, workspace


def render() -> None:
    st.title("Coach login")
    ws = workspace()
    if accounts.coach_count(ws) == 0:
        db, _ = db_location()
        st.info("No coach account yet. Create one on the server with:\n\n"
                f"`formcheck coach --db {db} add-coach YOUR_NAME`", icon=":material/person_add:")
        return
    with st.form("login", border=True, width=420):
        user = st.text_input("User name", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        go = st.form_submit_button("Log in", type="primary", icon=":material/login:")
    if go:
        if accounts.verify_login(ws, user, password):
            common.log_in(user.strip())
            st.rerun()  # the same address (/coach) is now the client list
        else:
            time.sleep(0.5)  # slows guessing a little more than the hash already does
            st.error("Wrong user name or password.", icon=":material/lock:")

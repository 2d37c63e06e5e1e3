"""The coach's client list: what is new (sets analysed since the coach last looked, analyses under way)."""

from __future__ import annotations

import streamlit as st

from formcheck.tempo import Tempo
from formcheck.errors import FormcheckError
from formcheck.workspace import clients
from formcheck.workspace.findings import FAULT_NAMES, fault_label

from .common import workspace
from .jobs_panel import jobs_panel


def _open_client(cid: int) -> None:
    from .navigation import PAGES

    st.switch_page(PAGES["client"], query_params={"client": str(cid)})


def render() -> None:
    ws = workspace()
    st.title("Clients")
    jobs_panel(ws)
    rows = clients.list_clients(ws)
    new_total = sum(r["n_new"] for r in rows)
    if rows:
        st.markdown(f"**{len(rows)} client{'s' if len(rows) != 1 else ''}** · "
                    + (f":blue-badge[{new_total} new set{'s' if new_total != 1 else ''} to review]" if new_total
                       else "nothing new to review"))
    else:
        st.info("No clients yet. Add your first client below, then send them their upload link.",
                icon=":material/group_add:")
    for r in rows:
        with st.container(border=True):
            c1, c2 = st.columns([4, 1], vertical_alignment="center")
            bits = [f"{r['n_sets']} set{'s' if r['n_sets'] != 1 else ''}"]
            if r["last_set"]:
                bits.append(f"last {r['last_set']}")
            if r["tempo_target"]:
                bits.append(f"tempo {r['tempo_target']}")
            badges = ""
            if r["n_new"]:
                badges += f" :blue-badge[{r['n_new']} new]"
            if r["n_waiting"]:
                badges += f" :gray-badge[{r['n_waiting']} in analysis]"
            c1.markdown(f"**{r['name']}**{badges}  \n{' · '.join(bits)}")
            if c2.button("Open", key=f"open-{r['id']}", icon=":material/arrow_forward:", width="stretch"):
                _open_client(r["id"])
    st.markdown("#### Add a client")
    with st.form("add_client", clear_on_submit=True):
        name = st.text_input("Name")
        c1, c2 = st.columns(2)
        tempo = c1.text_input("Target tempo", placeholder="e.g. 3-0-1-1",
                              help="eccentric-pause-concentric-hold in seconds; blank: tempo is not judged")
        off = c2.multiselect("Don't check", FAULT_NAMES, format_func=fault_label,
                             help="faults not to look for in this client's sets")
        notes = st.text_area("Notes (only you see these)", height=68)
        go = st.form_submit_button("Add client", type="primary", icon=":material/person_add:")
    if go:
        try:
            if tempo.strip():
                Tempo.parse(tempo.strip())
            cid = clients.add_client(ws, name, notes=notes, tempo_target=tempo.strip() or None, faults_off=off)
        except FormcheckError as exc:
            st.error(str(exc))
        else:
            _open_client(cid)

"""One client: their sets with what is new, history over weeks, their upload link and settings."""

from __future__ import annotations

import streamlit as st

from formcheck.tempo import Tempo
from formcheck.errors import FormcheckError
from formcheck.workspace import clients, jobs, sets
from formcheck.workspace.findings import FAULT_NAMES, fault_label

from .common import set_label, status_badge, workspace
from .history_charts import history_charts
from .jobs_panel import jobs_panel
from .upload_form import upload_form


def pick_client(ws) -> dict | None:
    """The client named in the address (?client=ID), or one picked here."""
    rows = clients.list_clients(ws)
    if not rows:
        st.info("No clients yet: add one on the Clients page.")
        return None
    ids = [r["id"] for r in rows]
    try:
        want = int(st.query_params.get("client", ids[0]))
    except ValueError:
        want = ids[0]
    names = {r["id"]: r["name"] for r in rows}
    cid = st.sidebar.selectbox("Client", ids, index=ids.index(want) if want in ids else 0, format_func=names.get,
                               key="client_pick")
    st.query_params["client"] = str(cid)
    return clients.get_client(ws, cid)


def link_url(token: str) -> str:
    base = (st.context.url or "").split("?")[0].rsplit("/", 1)[0]
    return f"{base}/?c={token}"


def render() -> None:
    from .navigation import PAGES

    ws = workspace()
    c = pick_client(ws)
    if c is None:
        return
    st.title(c["name"])
    facts = [f"tempo target {c['tempo_target']}" if c["tempo_target"]
             else "no tempo target (tempo is reported, not judged)"]
    if c["faults_off"]:
        facts.append("not checked: " + ", ".join(fault_label(f) for f in c["faults_off"]))
    st.caption(" · ".join(facts))
    jobs_panel(ws, c["id"])

    rows = sets.list_sets(ws, c["id"])
    hist = {h["set_id"]: h for h in sets.history(ws, c["id"])}
    st.markdown("#### Sets")
    if not rows:
        st.info("No sets yet. Send the upload link below, or upload a set yourself.", icon=":material/movie:")
    picked = []
    for s in rows:
        with st.container(border=True):
            a, b, cc = st.columns([0.5, 5, 1.4], vertical_alignment="center")
            if s["status"] == "analysed" and a.checkbox("pick", key=f"pick-{s['id']}", label_visibility="collapsed",
                                                        help="pick two sets to compare side by side"):
                picked.append(s["id"])
            h = hist.get(s["id"])
            state = s["job_state"] if s["job_state"] in ("queued", "running") else s["status"]
            line = f"**{set_label(s, h)}** {status_badge(state, s['progress'])}"
            if not s["seen_by_coach"] and s["status"] == "analysed":
                line += " :blue-badge[new]"
            if s["shared_at"]:
                line += " :green-badge[shared]"
            detail = []
            if h:
                detail.append(f"{h['reps']} reps, {h['clean_rate'] * 100:.0f}% clean" if h["clean_rate"] is not None
                              else "no reps found")
            for k, unit in (("load_kg", " kg"), ("reps_planned", " reps planned"), ("rpe", " RPE")):
                if s[k] is not None:
                    detail.append(f"{s[k]:g}{unit}")
            if s["status"] == "failed" and s["error"]:
                detail.append(s["error"])
            b.markdown(line + ("  \n" + " · ".join(detail) if detail else ""))
            if s["status"] == "analysed":
                if cc.button("Review", key=f"review-{s['id']}", icon=":material/rate_review:", width="stretch"):
                    st.switch_page(PAGES["set"], query_params={"client": str(c["id"]), "set": str(s["id"])})
            elif s["status"] == "failed":
                if cc.button("Retry", key=f"retry-{s['id']}", icon=":material/refresh:", width="stretch"):
                    jobs.retry(ws, s["id"])
                    st.rerun()
    if len(picked) == 2:
        if st.button("Compare the two picked sets side by side", icon=":material/compare:", type="primary"):
            a_id, b_id = sorted(picked)
            st.switch_page(PAGES["compare"], query_params={"a": str(a_id), "b": str(b_id)})
    elif len([s for s in rows if s["status"] == "analysed"]) >= 2:
        st.caption("Tick two analysed sets to compare them side by side.")

    rows_h = list(hist.values())
    if rows_h:
        st.markdown("#### History")
        found = sorted({h["exercise"] for h in rows_h if h["exercise"]})
        if len(found) > 1:  # one exercise at a time: a shrug's numbers do not continue a row's
            from formcheck import EXERCISES

            pick = st.segmented_control("Exercise", found, default=found[0], key=f"hist-ex-{c['id']}",
                                        format_func=lambda e: EXERCISES.get(e, e))
            rows_h = [h for h in rows_h if h["exercise"] == (pick or found[0])]
    charts = history_charts(rows_h, Tempo.parse(c["tempo_target"]).as_tuple() if c["tempo_target"] else None)
    if charts:
        cols = st.columns(2)
        for i, (title, chart) in enumerate(charts):
            with cols[i % 2]:
                st.markdown(f"**{title}**")
                st.altair_chart(chart, width="stretch")

    with st.expander("Upload a set for this client", icon=":material/upload:"):
        if upload_form(ws, c["id"], source_kind="coach", key=f"coach-{c['id']}") is not None:
            st.rerun()
    with st.expander("Upload link for the client", icon=":material/link:", expanded=not rows):
        st.caption("Whoever has this link can upload sets for this client and see this client's shared reports, "
                   "nothing else. Revoke it to stop it working.")
        for link in clients.client_links(ws, c["id"]):
            l1, l2 = st.columns([5, 1], vertical_alignment="center")
            l1.code(link_url(link["token"]), language=None)
            if l2.button("Revoke", key=f"revoke-{link['token'][:8]}", icon=":material/link_off:"):
                clients.revoke_link(ws, link["token"])
                st.rerun()
        if st.button("Create an upload link", icon=":material/add_link:", key="new_link"):
            clients.create_link(ws, c["id"])
            st.rerun()
    with st.expander("Settings", icon=":material/tune:"):
        _settings(ws, c)


def _settings(ws, c: dict) -> None:
    with st.form(f"settings-{c['id']}"):
        name = st.text_input("Name", value=c["name"])
        tempo = st.text_input("Target tempo", value=c["tempo_target"] or "", placeholder="e.g. 3-0-1-1")
        off = st.multiselect("Don't check", FAULT_NAMES, default=c["faults_off"], format_func=fault_label)
        notes = st.text_area("Notes (only you see these)", value=c["notes"])
        save = st.form_submit_button("Save", type="primary")
    if save:
        try:
            if tempo.strip():
                Tempo.parse(tempo.strip())
            clients.update_client(ws, c["id"], name=name, notes=notes, tempo_target=tempo.strip() or None,
                                  clear_tempo=not tempo.strip(), faults_off=off)
        except FormcheckError as exc:
            st.error(str(exc))
        else:
            st.success("Saved. New sets use these settings; on a set's review page, \"Analyse again\" applies them "
                       "to an older set.")
    st.divider()
    sure = st.checkbox(f"Delete {c['name']} and all their sets, notes and reports for good", key="del_sure")
    if st.button("Delete client", disabled=not sure, icon=":material/delete_forever:"):
        from .navigation import PAGES

        clients.delete_client(ws, c["id"])
        st.query_params.clear()
        st.switch_page(PAGES["clients"])

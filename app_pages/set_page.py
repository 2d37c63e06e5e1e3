"""One set, reviewed: the annotated video, the rep table, each finding with confirm / dismiss / edit the cue,
notes on the set and on reps, and the report for the client."""

from __future__ import annotations

import streamlit as st

from formcheck.errors import FormcheckError
from formcheck.workspace import findings as fx
from formcheck.workspace import jobs, report, review, sets

from .common import set_label, status_badge, workspace

DECISION_BADGE = {"confirmed": ":green-badge[confirmed]", "dismissed": ":gray-badge[dismissed]",
                  "edited": ":violet-badge[confirmed, cue edited]", None: ":orange-badge[not reviewed]"}


def pick_set(ws) -> dict | None:
    try:
        set_id = int(st.query_params.get("set", "0"))
    except ValueError:
        set_id = 0
    all_sets = [s for s in sets.list_sets(ws) if s["status"] == "analysed"]
    if not all_sets:
        st.info("No analysed sets yet.")
        return None
    ids = [s["id"] for s in all_sets]
    by_id = {s["id"]: s for s in all_sets}
    sid = st.sidebar.selectbox("Set", ids, index=ids.index(set_id) if set_id in ids else 0, key="set_pick",
                               format_func=lambda i: f"{by_id[i]['client_name']} · {set_label(by_id[i])}")
    st.query_params["set"] = str(sid)
    return sets.get_set(ws, sid)


def render() -> None:
    ws = workspace()
    s = pick_set(ws)
    if s is None:
        return
    sets.mark_seen(ws, s["id"])
    result = s["result"]
    st.title(f"{s['client_name']} · {fx.exercise_name(result)}")
    st.markdown(f"{s['recorded_on']} · {status_badge(s['status'])} · {len(fx.reps(result))} reps · "
                f"{result.get('view', '?')} view")
    out = s["outputs"]
    video = out / "annotated.mp4" if out else None
    left, right = st.columns([3, 2], gap="medium")
    with left:
        if video is not None and video.exists():
            st.video(str(video))
        st.markdown("#### Rep by rep")
        rep_table(result)
    with right:
        findings_panel(ws, s)
    notes_panel(ws, s)
    report_panel(ws, s)


def rep_table(result: dict) -> None:
    # What matters first (a phone shows about three columns; the measurements follow on a swipe).
    rows = [{"Rep": r["index"], "Tempo": r["tempo_str"],
             "Faults": ", ".join(fx.fault_label(f) for f in r["faults"]) or "clean",
             "Partial": "partial" if r["partial"] else "", "Start (s)": r["start_s"],
             "Range": r["range"], "Shrug": r["shrug"]} for r in fx.reps(result)]
    if not any(r["Partial"] for r in rows):
        for r in rows:
            del r["Partial"]
    if rows:
        st.dataframe(rows, hide_index=True, width="stretch",
                     column_config={"Start (s)": st.column_config.NumberColumn(format="%.1f"),
                                    "Range": st.column_config.NumberColumn(format="%.2f"),
                                    "Shrug": st.column_config.NumberColumn(format="%.3f")})


def findings_panel(ws, s: dict) -> None:
    result = s["result"]
    found = fx.findings(result)
    decided = review.decisions(ws, s["id"])
    st.markdown("#### Findings")
    if not found:
        st.success("No findings on this set.", icon=":material/check_circle:")
        return
    todo = [f.key for f in found if f.key not in decided]
    st.caption(f"{len(found)} finding{'s' if len(found) != 1 else ''}, {len(todo)} not reviewed. Only confirmed "
               "findings go into the client's report.")
    for f in found:
        d = decided.get(f.key) or {}
        with st.container(border=True, key=f"finding-{f.key.replace(':', '-')}"):
            check = " :orange-badge[check]" if f.status == "check" else ""
            st.markdown(f"**Rep {f.rep}: {f.label}**{check} {DECISION_BADGE.get(d.get('decision'))}  \n"
                        + " · ".join(x for x in (f.measured(), f"at {f.worst_s:.1f} s" if f.worst_s is not None
                                                  else "") if x))
            cue = d.get("cue") or report.kept_findings(result, {f.key: {"decision": "confirmed", "cue": None}})[0][1]
            st.caption(f"Cue: {cue}")
            row = st.container(horizontal=True, gap="small")
            if row.button("Confirm", key=f"ok-{f.key}", icon=":material/check:",
                          disabled=d.get("decision") == "confirmed"):
                review.decide(ws, s["id"], f.key, "confirmed")
                st.rerun()
            if row.button("Dismiss", key=f"no-{f.key}", icon=":material/close:",
                          disabled=d.get("decision") == "dismissed"):
                review.decide(ws, s["id"], f.key, "dismissed")
                st.rerun()
            with row.popover("Edit cue", icon=":material/edit:"):
                text = st.text_area("Cue for the client", value=cue, key=f"cue-{f.key}")
                if st.button("Save cue", key=f"save-{f.key}", type="primary"):
                    try:
                        review.decide(ws, s["id"], f.key, "edited", text)
                    except FormcheckError as exc:
                        st.error(str(exc))
                    else:
                        st.rerun()
    if todo and st.button(f"Confirm the {len(todo)} not reviewed", key="confirm_rest", icon=":material/done_all:"):
        review.confirm_rest(ws, s["id"], todo)
        st.rerun()


def notes_panel(ws, s: dict) -> None:
    st.markdown("#### Notes")
    existing = review.notes(ws, s["id"])
    for n in existing:
        c1, c2 = st.columns([8, 1], vertical_alignment="center")
        where = "Whole set" if n["rep_index"] is None else f"Rep {n['rep_index']}"
        c1.markdown(f"**{where}:** {n['text']}")
        if c2.button("", key=f"del-note-{n['id']}", icon=":material/delete:", help="delete this note"):
            review.delete_note(ws, n["id"])
            st.rerun()
    reps = [r["index"] for r in fx.reps(s["result"])]
    with st.form(f"note-{s['id']}", clear_on_submit=True):
        c1, c2 = st.columns([1, 3])
        where = c1.selectbox("On", [None, *reps], format_func=lambda r: "the whole set" if r is None else f"rep {r}")
        text = c2.text_area("Note for the client", height=68, placeholder="What you want them to read in the report")
        if st.form_submit_button("Add note", icon=":material/note_add:"):
            try:
                review.add_note(ws, s["id"], text, where)
            except FormcheckError as exc:
                st.error(str(exc))
            else:
                st.rerun()


def report_panel(ws, s: dict) -> None:
    st.markdown("#### Report for the client")
    st.caption("The client's name, the date, your notes, the findings you confirmed (with your cues) and the "
               "annotated video, in one file that opens offline and prints cleanly.")
    c1, c2 = st.columns(2)
    key = f"report-{s['id']}"
    # A report prepared before a later decision or note is stale: prepare it again.
    sig = repr((sorted(review.decisions(ws, s["id"]).items()), review.notes(ws, s["id"])))
    if c1.button("Prepare the report", key=f"prep-{s['id']}", icon=":material/description:"):
        with st.spinner("Building the report…"):
            try:
                st.session_state[key] = (sig, report.export(ws, s["id"]))
            except FormcheckError as exc:
                st.error(str(exc))
    built = st.session_state.get(key)
    if built and built[0] == sig:
        name, mime, data = built[1]
        c1.download_button(f"Download {name}", data, file_name=name, mime=mime, icon=":material/download:",
                           key=f"dl-{s['id']}", type="primary")
    shared = c2.toggle("Client can see this report on their page", value=bool(s["shared_at"]), key=f"share-{s['id']}")
    if shared != bool(s["shared_at"]):
        sets.set_shared(ws, s["id"], shared)
        st.rerun()
    st.divider()
    if st.button("Analyse again with the client's current settings", key=f"again-{s['id']}",
                 icon=":material/refresh:", help="their tempo target and the faults not to check, from their page"):
        jobs.retry(ws, s["id"])
        st.toast("Queued: the new analysis replaces this one when it is done.")

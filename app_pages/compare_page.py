"""Two sets side by side (last week and today, or a client and a demonstration): the annotated videos in
step rep by rep, and the differences rep by rep."""

from __future__ import annotations

import streamlit as st
import streamlit.components.v1 as components

from formcheck.workspace import findings as fx
from formcheck.workspace import sets

from .common import set_label, workspace
from .sync_player import player_html


def _pick(all_sets: list[dict], param: str, default_index: int, label: str) -> int:
    ids = [s["id"] for s in all_sets]
    by_id = {s["id"]: s for s in all_sets}
    try:
        want = int(st.query_params.get(param, ids[default_index]))
    except ValueError:
        want = ids[default_index]
    sid = st.selectbox(label, ids, index=ids.index(want) if want in ids else default_index, key=f"cmp-{param}",
                       format_func=lambda i: f"{by_id[i]['client_name']} · {set_label(by_id[i])}")
    st.query_params[param] = str(sid)
    return sid


def _fmt(v, nd=1) -> str:
    return "–" if v is None else f"{v:.{nd}f}"


def _diff(a, b, nd=1) -> str:
    if a is None or b is None:
        return "–"
    d = round(b - a, nd)
    return f"{d + 0.0:+.{nd}f}"  # (+ 0.0 turns -0.0 into 0.0)


def differences(reps_a: list[dict], reps_b: list[dict]) -> list[dict]:
    rows = []
    for i in range(max(len(reps_a), len(reps_b))):
        ra = reps_a[i] if i < len(reps_a) else None
        rb = reps_b[i] if i < len(reps_b) else None
        row = {"Rep": i + 1, "Tempo A": ra["tempo_str"] if ra else "–", "Tempo B": rb["tempo_str"] if rb else "–"}
        for key, name, nd in (("tempo", "Lower (s)", 1), ("range", "Range", 2), ("shrug", "Shrug", 3)):
            va = (ra[key][0] if key == "tempo" else ra[key]) if ra else None
            vb = (rb[key][0] if key == "tempo" else rb[key]) if rb else None
            row[f"{name} B−A"] = _diff(va, vb, nd)
        row["Hold B−A (s)"] = _diff(ra["hold_s"] if ra else None, rb["hold_s"] if rb else None)
        row["Faults A"] = ", ".join(fx.fault_label(f) for f in ra["faults"]) if ra else "–"
        row["Faults B"] = ", ".join(fx.fault_label(f) for f in rb["faults"]) if rb else "–"
        rows.append(row)
    return rows


def render() -> None:
    ws = workspace()
    st.title("Side by side")
    all_sets = [s for s in sets.list_sets(ws) if s["status"] == "analysed"]
    if len(all_sets) < 2:
        st.info("Two analysed sets are needed (any clients: e.g. a client and a demonstration you filmed).")
        return
    c1, c2 = st.columns(2)
    with c1:
        a_id = _pick(all_sets, "a", 1, "Set A (e.g. last week, or the demonstration)")
    with c2:
        b_id = _pick(all_sets, "b", 0, "Set B (e.g. today)")
    a, b = sets.get_set(ws, a_id), sets.get_set(ws, b_id)
    reps_a, reps_b = fx.reps(a["result"]), fx.reps(b["result"])
    va = a["outputs"] / "annotated.mp4" if a["outputs"] else None
    vb = b["outputs"] / "annotated.mp4" if b["outputs"] else None
    label_a = f"A · {a['client_name']} · {a['recorded_on']}"
    label_b = f"B · {b['client_name']} · {b['recorded_on']}"
    if va is not None and vb is not None and va.exists() and vb.exists():
        try:
            page = player_html(va, vb, label_a, label_b, reps_a, reps_b)
        except ValueError as exc:
            st.warning(f"The videos play separately here ({exc}).")
            v1, v2 = st.columns(2)
            v1.video(str(va))
            v2.video(str(vb))
        else:
            st.caption("Play both: set B follows set A rep by rep (each rep starts and ends together). "
                       "The rep buttons jump both videos to that rep.")
            components.html(page, height=430, scrolling=False)
    else:
        st.warning("One of the sets has no annotated video.")
    st.markdown("#### Rep by rep")
    if reps_a and reps_b and len(reps_a) != len(reps_b):
        st.caption(f"A has {len(reps_a)} reps and B {len(reps_b)}: reps are paired in order.")
    st.dataframe(differences(reps_a, reps_b), hide_index=True, width="stretch")
    ma, mb = fx.set_metrics(a["result"]), fx.set_metrics(b["result"])
    cols = st.columns(4)
    for col, (label, key, scale, fmt) in zip(cols, (("Clean reps", "clean_rate", 100, "{:.0f}%"),
                                                    ("Shrug reps", "shrug_reps", 1, "{:.0f}"),
                                                    ("Hold", "hold_s", 1, "{:.2f} s"),
                                                    ("Range", "range", 1, "{:.2f}"))):
        va_, vb_ = ma.get(key), mb.get(key)
        delta = None
        if va_ is not None and vb_ is not None:
            delta = "+" + fmt.format((vb_ - va_) * scale) if vb_ >= va_ else fmt.format((vb_ - va_) * scale)
        col.metric(f"{label} (B)", "–" if vb_ is None else fmt.format(vb_ * scale),
                   delta=None if delta is None else f"{delta} vs A", delta_color="off", border=True)

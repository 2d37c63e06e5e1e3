"""The results of one analysis on the page (uploads and live sets alike): verdict, the exercise question
when the analysis was unsure, scorecard, annotated video, cues, rep table, charts, key frames, downloads."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from formcheck.analysis.signals import EXERCISES

from .session import exercise_label, plural

SEVERITY = {"ok": st.success, "warning": st.warning, "info": st.info}


def show_results(out: dict, key: str) -> None:
    """Scorecard, cues, video, charts, per-rep table, key frames and downloads for one analysis."""
    from formcheck.render.sections import (DASH, REP_TABLE_CSS, exercise_words, keyframe_caption, keyframe_order,
                                           rep_table_html)

    result = out["result"]
    files = {k: Path(v) for k, v in out["files"].items()}
    d = result.to_dict()
    s = d["summary"]
    n = d["rep_count"]
    view_src = "" if d["view_source"] == "given" else " (detected)"
    # An unsure exercise reads as a question until the lifter picks one (exercise_choice below).
    st.markdown(f"## {plural(n, 'rep')} · {exercise_words(d)} · {d['view']} view{view_src}")
    verdict = d.get("verdict") if isinstance(d.get("verdict"), str) else s.get("verdict")
    st.markdown(verdict if n and verdict else "No reps found.")
    if d.get("exercise_unsure"):
        exercise_choice(d, key)

    faults = sum(s["fault_counts"].values())
    target = s.get("tempo_target_str")
    with st.container(key="scorecard"):
        c1, c2, c3, c4 = st.columns([1, 1.6, 1, 1])
        c1.metric("Reps", n, border=True)
        c2.metric("Average tempo", s["tempo_average_str"] if n else DASH,
                  delta=f"target {target}" if target else "no target set", delta_color="off", delta_arrow="off",
                  border=True, help="Seconds: eccentric (lowering) - pause - concentric (pulling) - hold (squeeze).")
        c3.metric("Clean reps", f"{s['clean_reps']} of {s['judged_reps']}" if n else DASH, border=True)
        c4.metric("Faults found", faults, border=True,
                  help=", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in s["fault_counts"].items()) or "none")

    video = files.get("annotated.mp4")
    names = {p.stem: p for p in files.values() if p.suffix == ".png" and p.parent.name == "keyframes"}
    if not names and out.get("dir"):
        names = {p.stem: p for p in (Path(out["dir"]) / "keyframes").glob("*.png")}
    has_video = video is not None and video.exists()
    # The annotated video beside the coaching (full width for coaching alone, e.g. a live set).
    vcol, ccol = st.columns([3, 2], gap="large") if has_video else (None, st.container())
    if has_video:
        with vcol:
            st.markdown("#### Your set, annotated")
            st.video(str(video))
    with ccol:
        if d["cues"]:
            st.markdown("#### What to work on")
            for cue in d["cues"]:
                SEVERITY.get(cue.get("severity"), st.info)(cue["text"])
        for msg in d["warnings"]:
            st.warning(msg, icon=":material/info:")
        missing = {k: v for k, v in d["measurable"].items() if not v.get("measurable", True)}
        if missing:
            with st.expander(f"Not measurable from this {d['view']} view ({len(missing)})"):
                for group, v in missing.items():
                    st.markdown(f"- **{group.capitalize()}**: {v.get('why', 'not measurable')}")

    if n:
        st.markdown("#### Rep by rep")
        st.markdown(f"<style>{REP_TABLE_CSS}</style>{rep_table_html(result)}", unsafe_allow_html=True)
        st.caption("Tempo: seconds lowering - pause - pulling - hold. Tap a rep's faults for what was measured.")

    try:
        from formcheck.render import charts
    except ImportError:
        charts = None
    if charts is not None and n:
        st.markdown("#### Over the set")
        try:
            # One chart per panel: each fits its container (a stacked chart cannot), on a phone too. Our own
            # theme (the report's): Streamlit's squeezes a fixed-height layered chart's plot to a sliver.
            for panel in charts.signal_panels(result, width="container", panel_height=140):
                st.altair_chart(charts.style(panel, fit_width=True), width="stretch", theme=None)
            note = charts.trunk_note(result)
            if note:
                st.caption(note)
            tempo = charts.tempo_chart(result, width="container")
            st.altair_chart(tempo.properties(autosize={"type": "fit-x", "contains": "padding"}), width="stretch",
                            theme=None)
        except Exception as exc:  # a chart problem must not hide the rest of the results
            st.caption(f"Charts unavailable ({exc.__class__.__name__}).")

    if names:
        st.markdown("#### Key frames")
        st.caption("The top of each rep, then each fault at its worst moment. Tap a picture, then its "
                   "full-screen button, to enlarge it.")
        ordered = keyframe_order(names, result)
        # Rows of two: a phone stacks each row's columns, so the frames stay in rep order.
        for i in range(0, len(ordered), 2):
            cols = st.columns(2)
            for col, name in zip(cols, ordered[i:i + 2]):
                col.image(str(names[name]), caption=keyframe_caption(name, result), width="stretch")

    st.markdown("#### Downloads")
    downloads = [("report.html", "Report (HTML)", "text/html"),
                 ("results.json", "Results (JSON)", "application/json"), ("reps.csv", "Reps (CSV)", "text/csv"),
                 ("annotated.mp4", "Annotated video (MP4)", "video/mp4")]
    downloads = [x for x in downloads if files.get(x[0]) is not None and files[x[0]].exists()]
    with st.container(key="downloads"):
        cols = st.columns(max(1, len(downloads)))
        for col, (name, label, mime) in zip(cols, downloads):
            col.download_button(label, files[name].read_bytes(), file_name=name, mime=mime, key=f"dl-{key}-{name}",
                                icon=":material/download:", width="stretch")


def choose_exercise(exercise: str) -> None:
    """Button callback (runs before the rerun, so it may set the Exercise widget): analyse again as it."""
    ss = st.session_state
    ss["opt_exercise"] = exercise
    if ss.get("job"):
        ss["job"] = {**ss["job"], "exercise": exercise}


def exercise_choice(d: dict, key: str) -> None:
    """The analysis could not tell the exercise apart: say so, and settle it in one tap."""
    cands = [c for c in d.get("exercise_candidates") or [] if c.get("exercise") in EXERCISES]
    if not cands:
        return
    names = " or ".join(f"**{exercise_label(c['exercise'])}**" for c in cands)
    with st.container(key="exercise-choice", border=True):
        st.markdown(f"**Which exercise is this?** It looks like {names}; the checks that depend on the "
                    "exercise were left out. Tap the right one to check the set as it (no new upload: the poses "
                    "already found are used again).")
        cols = st.columns(len(cands))
        for col, c in zip(cols, cands):
            col.button(exercise_label(c["exercise"]), key=f"pick-{key}-{c['exercise']}", width="stretch",
                       on_click=choose_exercise, args=(c["exercise"],), icon=":material/fitness_center:")


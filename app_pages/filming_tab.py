"""Tab 3: how to film, and what each camera view can measure (from the capabilities table)."""

from __future__ import annotations

import streamlit as st

VIEW_TABLE_CSS = """
.fc-views table { width: 100%; border-collapse: collapse; font-size: .92rem; }
.fc-views th, .fc-views td { padding: 6px 8px; border-bottom: 1px solid #e2e8f0; text-align: center; }
.fc-views td:first-child, .fc-views th:first-child { text-align: left; }
.fc-views td.y { color: #16a34a; font-weight: 700; }
.fc-views td.n { color: #94a3b8; }
@media (max-width: 480px) { .fc-views th, .fc-views td { padding: 6px 3px; font-size: .85rem; } }
"""


def filming_tab() -> None:
    from formcheck.analysis.capabilities import view_table

    st.markdown("""
#### Set up in one minute
1. **Pick the view for what you want checked** (table below). Side-on is best for rows; facing the camera is best
   for shrugs and left/right balance.
2. **Whole body in frame**: head (ears) to feet, with room above your hands at the top of the pull.
   About **2–4 m** from the camera; landscape or portrait both work.
3. **Camera still, at the right height**: hip height for a side view, chest height for a front view. Lean the
   phone on something or use a tripod.
4. **Light in front of you**, not behind: no bright window behind you. Fitted clothes make shoulders easier to track.
5. **One person in view**, start the recording a second before your first rep and stop it after your last.
""")
    # Measurements down, views across: five narrow columns fit a phone (nine across did not).
    table = view_table()
    views = [row["view"] for row in table]
    groups = [k for k in table[0] if k != "view"]
    head = "".join(f"<th>{v.capitalize()}</th>" for v in views)
    body = "".join(f"<tr><td>{g[:1].upper()}{g[1:]}</td>" + "".join(
        '<td class="y">\u2713</td>' if row[g] else '<td class="n">\u2014</td>' for row in table) + "</tr>"
        for g in groups)
    st.markdown("#### What each view can measure")
    st.markdown(f"<style>{VIEW_TABLE_CSS}</style><div class='fc-views'><table><thead><tr><th></th>{head}</tr>"
                f"</thead><tbody>{body}</tbody></table></div>", unsafe_allow_html=True)
    st.caption("One-arm rows are the exception: their trunk rotation is measured from the side too.")
    st.caption("Shrug and squeeze are measured through proxies (BlazePose has no shoulder-blade points): shoulder "
               "rise along the trunk against both the ears and the hips, and elbow travel behind the trunk line.")


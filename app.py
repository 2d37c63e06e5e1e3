"""formcheck in the browser: analyse a filmed set of rows or shrugs, or train live at the webcam.

Run with ``streamlit run app.py``.

Thin on purpose: the page, the settings and the tabs; each tab lives in ``app_pages/`` (analyse_tab,
live_tab, filming_tab; results_view shows one analysis; session holds the work folders) and every number
comes from the ``formcheck`` package. Each browser session keeps its own state in ``st.session_state``
(nothing mutable lives at module level). Uploads and results live in the session's own private folder
(:mod:`formcheck.workdir`: one 0700 folder per server, one per session, removed when the session ends or
idles too long), and analyses are cached per session by the video's sha256 plus the options, so a rerun
never redoes the work and no session ever sees another's files, names or paths.
"""

from __future__ import annotations

import streamlit as st

from formcheck.analysis.signals import VIEWS
from formcheck.errors import FormcheckError
from formcheck.pose import MODELS
from formcheck.tempo import Tempo

from app_pages.analyse_tab import analyse_tab
from app_pages.filming_tab import filming_tab
from app_pages.live_tab import live_tab
from app_pages.session import CHOOSABLE_EXERCISES, RETENTION_H, exercise_label, user_message

MODEL_HELP = {"lite": "fastest", "full": "balanced", "heavy": "most accurate, ~3x slower"}

st.set_page_config(page_title="formcheck: rows & shrugs form check", page_icon=":material/fitness_center:",
                   layout="wide", initial_sidebar_state="auto")

# Phone-first: Streamlit stacks every st.columns row below 640 px; the keyed containers below keep two per row
# on a phone (settings, scorecard, buttons), and the page keeps its margins small there.
PAGE_CSS = """<style>
@media (max-width: 640px) {
  [data-testid="stMainBlockContainer"] { padding-left: .8rem; padding-right: .8rem; padding-top: 3rem; }
  .st-key-settings [data-testid="stHorizontalBlock"], .st-key-scorecard [data-testid="stHorizontalBlock"],
  .st-key-downloads [data-testid="stHorizontalBlock"], .st-key-live_buttons [data-testid="stHorizontalBlock"],
  .st-key-live_metrics [data-testid="stHorizontalBlock"] {
    flex-direction: row !important; flex-wrap: wrap !important; gap: .5rem !important; }
  .st-key-settings [data-testid="stColumn"], .st-key-scorecard [data-testid="stColumn"],
  .st-key-downloads [data-testid="stColumn"], .st-key-live_buttons [data-testid="stColumn"],
  .st-key-live_metrics [data-testid="stColumn"] {
    min-width: calc(50% - .25rem) !important; width: calc(50% - .25rem) !important;
    flex: 1 1 calc(50% - .25rem) !important; }
  [data-testid="stMetricValue"] { font-size: 1.3rem; }
  h1 { font-size: 2rem !important; }
}
.fc-cues { font-size: .85rem; color: #475569; }
.fc-cues b { color: #0f172a; }
</style>"""


def settings() -> dict:
    """The settings, inline above the tabs (a phone hides the sidebar): exercise and target tempo in view,
    the pose model and camera view folded away."""
    with st.container(key="settings"):
        c1, c2 = st.columns(2)
        exercise = c1.selectbox("Exercise", ["auto", *CHOOSABLE_EXERCISES], format_func=exercise_label,
                                key="opt_exercise",
                                help="Auto-detect tells shrugs and the row variants apart from the movement.")
        tempo_text = c2.text_input("Target tempo", key="opt_tempo", placeholder="e.g. 3-0-1-1",
                                   help="Seconds for eccentric (lowering) - pause at the bottom - concentric "
                                        "(pulling) - hold at the top. Blank: no target; your tempo is reported, "
                                        "not judged.")
    tempo = tempo_text.strip() or None
    tempo_error = None
    if tempo:
        try:
            Tempo.parse(tempo)
        except FormcheckError as exc:
            tempo_error = user_message(exc)
            st.error(tempo_error)
    with st.expander("Pose model and camera view"):
        model = st.radio("Pose model", list(MODELS), index=list(MODELS).index("full"), key="opt_model",
                         horizontal=True, captions=[MODEL_HELP.get(m, "") for m in MODELS],
                         help="The tracking model for uploads. The live view always uses the lite model.")
        view = st.selectbox("Camera view", ["auto", *VIEWS], key="opt_view",
                            format_func=lambda v: "Auto-detect" if v == "auto" else f"{v.capitalize()} view")
    return {"exercise": exercise, "tempo": tempo, "tempo_error": tempo_error, "model": model, "view": view}


def about() -> None:
    with st.sidebar:
        st.markdown("### formcheck")
        st.caption(f"Videos are analysed on this server and sent nowhere else. Your uploads and results are kept "
                   f"in a private folder for this page only and deleted when you close it (at the latest after "
                   f"{RETENTION_H:g} h idle). formcheck measures movement from the outside: it is not medical advice.")



def main() -> None:
    st.markdown(PAGE_CSS, unsafe_allow_html=True)
    about()
    st.title("formcheck")
    st.markdown("##### Reps, tempo, squeeze and shrug check for your rows and shrugs, from a phone video or your "
                "webcam.")
    opts = settings()
    tabs = st.tabs(["Analyse a video", "Live", "How to film"], key="tab", on_change="rerun")
    with tabs[0]:
        if tabs[0].open:
            analyse_tab(opts)
    with tabs[1]:
        if tabs[1].open:
            live_tab(opts)
    with tabs[2]:
        if tabs[2].open:
            filming_tab()



# Lifters get the analyser above; coaches log in to their workspace; a client's link (?c=TOKEN) opens only
# that client's upload page (app_pages/navigation.py).
from app_pages.navigation import run_app  # noqa: E402

run_app(main)

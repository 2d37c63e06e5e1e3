"""Tab 2: train live at the webcam: the camera through WebRTC, the overlay and the cues' sound from one
LiveRunner, the panel beside it, and the whole set's report when it ends."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from formcheck.errors import FormcheckError

from .results_view import show_results
from .session import plural, session_dir, user_message

PHASE_WORDS = {"concentric": "Pull (concentric)", "hold": "Squeeze (hold)", "eccentric": "Lower (eccentric)",
               "pause": "Pause", "": "Waiting for your first rep"}


def live_tab(opts: dict) -> None:
    from formcheck.live import LiveRunner
    from formcheck.live.sound import CueMixer
    from formcheck.render.live_overlay import LiveOverlay

    ss = st.session_state
    st.markdown("**Whole body** in view, side-on for rows, facing the camera for shrugs, sound on: formcheck "
                "talks you through the set (pull, squeeze, down, 2, 3). Press **START**, wait for \"ready\", do "
                "your set, then **Finish set** for the full report.")
    options = {"model": "lite", "exercise": opts["exercise"], "tempo": opts["tempo"], "view": opts["view"],
               "profile": None}
    # The WebRTC threads read the runner and the cue mixer from this per-session box, so a new set can swap them.
    box = ss.setdefault("live_box", {"runner": None})
    box["options"] = options
    if box.get("mixer") is None:
        box["mixer"] = CueMixer()

    def new_runner() -> LiveRunner:
        # The model loads on a background thread now, so the set's first frames are analysed, not dropped.
        return LiveRunner(**box["options"], overlay=LiveOverlay(), on_cue=lambda e: box["mixer"].play(e), warm=True)

    runner = box["runner"]
    if runner is None or (runner.options != options and not runner.started):
        if runner is not None:
            runner.close()
        runner = box["runner"] = new_runner()

    try:
        from streamlit_webrtc import WebRtcMode, create_audio_source_track, webrtc_streamer
    except ImportError:
        st.error("The live view needs streamlit-webrtc: pip install streamlit-webrtc")
        return

    def on_frame(frame):  # runs on the WebRTC worker thread: never touch st.* here
        import av

        img = frame.to_ndarray(format="rgb24")
        r = box["runner"]
        if r.finished and r.frames_after_finish > 20:  # START pressed again after a finished set: a new set
            box["mixer"] = CueMixer()
            r = box["runner"] = new_runner()
        out = r.process(img, frame.time)
        return av.VideoFrame.from_ndarray(out, format="rgb24")

    def on_audio(pts, time_base):  # aiortc's media loop, every 20 ms: the cues, mixed, or silence
        import av

        m = box["mixer"]
        frame = av.AudioFrame.from_ndarray(m.read(m.rate // 50).reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = m.rate
        return frame

    # "Finish set" (its on_click ran before this rerun) also stops the camera.
    finish = bool(ss.pop("live_finish_req", False))
    vcol, scol = st.columns([3, 2], gap="large")
    with vcol:
        try:
            # The cues go back to the browser as the stream's own audio track (no microphone is asked for): the
            # sound leaves with the frames the overlay drew from the same state, and plays in the same <video>.
            cues = create_audio_source_track(on_audio, key="live-cues", sample_rate=box["mixer"].rate)
            ctx = webrtc_streamer(key="live", mode=WebRtcMode.SENDRECV, rtc_configuration={"iceServers": []},
                                  desired_playing_state=False if finish else None,
                                  media_stream_constraints={"video": {"width": {"ideal": 640},
                                                                      "height": {"ideal": 480}}, "audio": False},
                                  video_frame_callback=on_frame, source_audio_track=cues, async_processing=True)
        except Exception as exc:  # e.g. no Streamlit server behind the script (bare or test runs)
            ctx = None
            st.error(f"The camera view could not start here ({exc.__class__.__name__}). Run the app with "
                     "'streamlit run app.py' and open it in a browser.", icon=":material/videocam_off:")
        st.caption("The camera works when the app runs on this device, or when it is served over HTTPS (the "
                   "README's \"Serving the app to others\" says how).")
    playing = bool(ctx is not None and ctx.state.playing)
    was_playing = ss.get("live_was_playing", False)
    ss["live_was_playing"] = playing
    runner = box["runner"]  # the media thread may have started a new set
    # The set ends with Finish set, or when a stream that was playing stops (frames can arrive while the
    # connection is still signalling: that is not a stop).
    stopped = was_playing and not playing
    if (finish or (stopped and runner.started)) and ss.get("live_done") is not runner:
        runner.stop()
        ss["live_done"] = runner

    with scol:
        sound = st.toggle("Sound", value=True, key="live_sound", help="Spoken cues: the framing check, then pull, "
                          "squeeze, down and the count, the rep count, and 'shoulders down' when you shrug.")
        box["mixer"].muted = not sound
        live_panel(box, playing)
        with st.container(key="live_buttons"):
            c1, c2 = st.columns(2)
            c1.button("Finish set", type="primary", icon=":material/flag:", key="live_finish", width="stretch",
                      disabled=ss.get("live_done") is runner,
                      on_click=lambda: ss.__setitem__("live_finish_req", True))
            new_set = c2.button("New set", icon=":material/restart_alt:", key="live_new", width="stretch")
        if new_set:
            runner.close()
            box["mixer"] = CueMixer()
            box["runner"] = new_runner()
            ss.pop("live_result", None)
            ss.pop("live_done", None)
            st.rerun()

    # The report of the finished set. Built once per set, but safe to rebuild: a rerun (the camera stopping)
    # may interrupt this script while it works, and LiveRunner.finish() keeps its result.
    done = ss.get("live_done")
    if done is not None and (ss.get("live_result") or {}).get("runner") != id(done) and done.started:
        with st.spinner("Analysing the whole set…"):
            try:
                result = done.finish()
                if result is None:
                    res = {"error": "No frames reached the analysis. Start the camera and try again."}
                else:
                    from formcheck.render.outputs import write_outputs

                    live_dir = session_dir() / "live"
                    live_dir.mkdir(mode=0o700, exist_ok=True)
                    out_dir = Path(tempfile.mkdtemp(prefix="set-", dir=live_dir))
                    files = write_outputs(result, out_dir, video=False)
                    res = {"result": result, "files": {k: str(v) for k, v in files.items()}, "dir": str(out_dir)}
            except FormcheckError as exc:
                res = {"error": user_message(exc)}
        res["runner"] = id(done)
        ss["live_result"] = res
    res = ss.get("live_result")
    if res:
        st.divider()
        if "error" in res:
            st.error(res["error"])
        else:
            show_results(res, key="live")


def live_panel(box: dict, playing: bool) -> None:
    """Rep counter, phase, framing and shrug warnings, and the cues heard; refreshed twice a second while the
    camera runs. It shows the same LiveState the overlay drew and the cues the sound played."""
    from formcheck.live import PHASE_VERBS, SHRUG_VERBS

    @st.fragment(run_every=0.5 if playing else None)
    def panel():
        runner = box["runner"]
        state = runner.snapshot()
        if runner.error:
            st.error(runner.error)
            return
        if state is None:
            st.metric("Reps", 0, border=True)
            st.caption("Press START and allow the camera." if not playing else "Starting the tracker…")
            cue_log(box)
            return
        with st.container(key="live_metrics"):
            c1, c2 = st.columns(2)
            c1.metric("Reps", state.reps, border=True)
            if runner.finished:
                c2.metric("Phase", "Done", border=True)
        if runner.finished:
            st.markdown(f"**{plural(state.reps, 'rep')}** counted live · set finished, full analysis below")
            cue_log(box)
            return
        verbs = SHRUG_VERBS if state.exercise == "shrug" else PHASE_VERBS
        c2.metric("Phase", verbs.get(state.phase, "Ready" if state.framed else "Set up"), border=True)
        st.markdown(f"**{plural(state.reps, 'rep')}** · {PHASE_WORDS.get(state.phase, state.phase)}")
        if state.message:
            (st.info if state.framed else st.warning)(state.message, icon=":material/accessibility_new:")
        if state.guide_text:
            st.caption(f"Tempo guide: {state.guide_text}")
        if state.shrug:
            st.error("Shoulders down: you're shrugging", icon=":material/warning:")
        elif state.shrug_reps:
            st.warning(f"Shrugged on rep{'s' if len(state.shrug_reps) > 1 else ''} "
                       f"{', '.join(map(str, state.shrug_reps))}", icon=":material/warning:")
        view = f"{state.view} view" if state.view else "view not known yet"
        st.caption(f"{state.exercise_name} · {view} · {state.fps:.0f} frames analysed a second")
        cue_log(box)

    panel()


def cue_log(box: dict) -> None:
    """The cues heard so far (the last few in words; the whole sequence in data attributes for tests)."""
    import html

    mixer = box["mixer"]
    played = [e.words for e in mixer.played_events()]
    raised = [e.words for e in box["runner"].cues()]
    shown = played if not mixer.muted else raised
    last = " · ".join(shown[-6:]) or "nothing yet"
    head = "Heard" if not mixer.muted else "Sound off; cues"
    st.markdown(f'<div class="fc-cues" id="fc-cue-log" data-played="{html.escape("|".join(played[-400:]))}" '
                f'data-raised="{html.escape("|".join(raised[-400:]))}"><b>{head}:</b> {html.escape(last)}</div>',
                unsafe_allow_html=True)


"""The live path: LiveSession / LiveRunner against scripted clips with exact rep truth, and its parts.

The pose model runs on every frame here (lite, 320x240), so clips are short; the
parts (rep counter, tempo guide, mailbox, shrug rule) are checked on plain numbers.
"""

from __future__ import annotations

import os
import math
import subprocess
import sys
import threading

import numpy as np
import pytest

from _synth import REPO, synthetic_clip
from formcheck.analysis.online import TempoGuide
from formcheck.live import LatestFrame, LiveRunner, LiveSession, LiveState
from formcheck.render.live_overlay import LiveOverlay
from formcheck.video import open_video


def _frames(path):
    with open_video(path) as src:
        return [(fr.image, fr.time_s) for fr in src]


# --- end to end on scripted clips ----------------------------------------------------------------------------


@pytest.mark.slow
def test_live_counts_clean_reps_and_finishes_like_an_upload():
    """Frames go in on a media thread through LiveRunner (as streamlit-webrtc feeds them); the UI thread reads."""
    clip, truth = synthetic_clip("row_side_clean", reps=3)
    n = len(truth["reps"])
    frames = _frames(clip)
    runner = LiveRunner("lite", exercise="auto", tempo="2-0-1-1", overlay=LiveOverlay())
    assert runner.snapshot() is None and not runner.started
    seen = []

    def feed():
        for img, t in frames:
            out = runner.process(img, t)
            assert out.shape == img.shape and out.dtype == np.uint8 and out is not img
            seen.append(runner.snapshot())

    th = threading.Thread(target=feed)
    th.start()
    th.join(timeout=120)
    assert len(seen) == len(frames) and runner.error is None
    counts = [s.reps for s in seen]
    assert counts[-1] == n, f"live counted {counts[-1]} reps, the clip has {n}"
    assert counts == sorted(counts), "the live count must never go down"
    assert {"concentric", "hold", "eccentric", "pause"} <= {s.phase for s in seen}
    assert not any(s.shrug for s in seen), "no shrug warning on clean pulls"
    assert seen[-1].guide_text and any(s.guide_phase for s in seen)  # the tempo guide runs once the set starts
    result = runner.finish()
    assert result.rep_count == n
    d = result.to_dict()
    assert d["summary"]["rep_count"] == n and d["summary"]["verdict"] and d["options"]["live"] is True
    img = frames[0][0]
    assert runner.process(img, 100.0) is img  # after the set: frames pass through untouched


@pytest.mark.slow
def test_live_shrug_warning_fires_on_shrugged_reps_only():
    clip, truth = synthetic_clip("row_side_shrug", reps=5)
    shrugged = {r["index"] for r in truth["reps"] if "shrug" in r["faults"]}
    assert shrugged == {4, 5}
    session = LiveSession("lite", exercise="bent_over_row", tempo="2-0-1-1")
    for img, t in _frames(clip):
        _, state = session.process(img, t)
    assert state.reps == len(truth["reps"])
    assert set(state.shrug_reps) <= shrugged and state.shrug_reps, \
        f"shrug flagged on reps {state.shrug_reps}, scripted on {sorted(shrugged)}"
    result = session.finish()  # the whole session through the offline analysis, as an upload
    assert result.rep_count == len(truth["reps"]) and result.exercise == "bent_over_row"
    with pytest.raises(RuntimeError):
        session.process(img, 99.0)  # a finished session refuses more frames


@pytest.mark.slow
def test_live_cli_plays_a_file_and_prints_the_report():
    clip, truth = synthetic_clip("row_side_clean", reps=2)  # played in real time: the shorter clip
    proc = subprocess.run([sys.executable, "-m", "formcheck", "live", "--video", str(clip), "--no-window"],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    n = len(truth["reps"])
    assert f"rep {n}" in proc.stdout
    assert f"{n} reps" in proc.stdout  # the same report as 'formcheck analyze'
    assert "Traceback" not in proc.stderr


def test_live_cli_bad_camera_is_one_clear_line():
    proc = subprocess.run([sys.executable, "-m", "formcheck", "live", "--camera", "7", "--no-window"],
                          capture_output=True, text=True, cwd=REPO, timeout=60)
    assert proc.returncode == 2
    assert "Camera 7 could not be opened" in proc.stderr and "Traceback" not in proc.stderr


# --- the parts ---------------------------------------------------------------------------------------------


def test_tempo_guide_paces_the_target():
    g = TempoGuide((3.0, 0.0, 1.0, 2.0))  # ecc 3, pause 0, conc 1, hold 2
    assert g.at(5.0) == ("", 0.0, 0.0)
    g.sync(10.0)
    assert g.at(10.5)[0] == "concentric" and math.isclose(g.at(10.5)[1], 0.5)
    assert g.at(11.5)[0] == "hold" and math.isclose(g.at(11.5)[1], 1.5)
    assert g.at(13.5)[0] == "eccentric" and math.isclose(g.at(13.5)[2], 3.0)
    assert g.at(16.2)[0] == "concentric"  # no pause phase in the target: straight into the next pull


def test_latest_frame_mailbox_never_queues():
    box = LatestFrame()
    for i in range(100):
        box.put(i)
        assert box.qsize() <= 1
    assert box.get(timeout=0.1) == 99 and box.dropped == 99
    assert box.get(timeout=0.01) is None
    box.close()
    assert box.get() is None


def test_live_state_is_plain_data():
    d = LiveState(reps=2, phase="hold").to_dict()
    assert d["reps"] == 2 and d["position"] is None  # NaN becomes None for JSON


def test_live_session_rejects_bad_options():
    from formcheck.errors import OptionError

    with pytest.raises(OptionError):
        LiveSession("lite", exercise="deadlift", estimator=object())
    with pytest.raises(OptionError):
        LiveSession("lite", tempo="fast", estimator=object())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="screens are found per platform; Linux checks DISPLAY")
def test_live_cli_without_a_screen_says_to_use_no_window():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    proc = subprocess.run([sys.executable, "-m", "formcheck", "live", "--camera", "0"],
                          capture_output=True, text=True, cwd=REPO, timeout=60, env=env)
    assert proc.returncode == 2 and "--no-window" in proc.stderr and "Traceback" not in proc.stderr

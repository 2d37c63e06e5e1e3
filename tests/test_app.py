"""The Streamlit app through streamlit.testing.v1.AppTest (no browser): loading, the sample, bad uploads, tabs.

AppTest does not render video or charts; the real-browser checks are in test_app_browser.py.
"""

from __future__ import annotations

import shutil

import pytest

from _synth import REPO, synthetic_clip

pytestmark = pytest.mark.slow  # the app analyses clips with the pose model

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest
APP = str(REPO / "app.py")
TIMEOUT = 180  # generous: the sample run includes the pose pass and the annotated video on a busy 2-core box


@pytest.fixture
def samples(tmp_path, monkeypatch):
    """A sample_videos folder holding one scripted clip; returns its truth."""
    clip, truth = synthetic_clip("row_side_clean", reps=3)
    folder = tmp_path / "samples"
    folder.mkdir()
    shutil.copy(clip, folder / "row_side.mp4")
    monkeypatch.setenv("FORMCHECK_SAMPLE_DIR", str(folder))
    monkeypatch.setenv("FORMCHECK_APP_DIR", str(tmp_path / "work"))
    return truth


def _texts(at) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def test_page_loads(monkeypatch, tmp_path):
    monkeypatch.setenv("FORMCHECK_SAMPLE_DIR", str(tmp_path / "none"))  # an empty/missing folder is fine
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "formcheck"
    assert [t.label for t in at.tabs] == ["Analyse a video", "Live", "How to film"]
    assert "No sample videos are installed" in _texts(at)
    assert at.selectbox(key="opt_exercise").value == "auto"


def test_sample_runs_and_shows_reps_once(samples, monkeypatch):
    import formcheck.pipeline

    calls = []
    real = formcheck.pipeline.load_poses

    def counting(*a, **k):  # the pose pass
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(formcheck.pipeline, "load_poses", counting)
    n = len(samples["reps"])
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.radio(key="opt_model").set_value("lite")
    at.button(key="try_sample").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert f"{n} reps" in _texts(at)
    assert at.metric[0].label == "Reps" and at.metric[0].value == str(n)
    assert any(b.label.startswith("Report") for b in at.get("download_button"))
    assert len(calls) == 1
    at.run()  # a rerun (any widget change) shows the same result without redoing the work
    assert f"{n} reps" in _texts(at) and len(calls) == 1


def test_unsure_exercise_is_settled_in_one_tap_without_a_second_pose_pass(samples, monkeypatch):
    """When the analysis cannot tell two exercises apart, the result asks, and a tap analyses the same poses
    again as the chosen exercise (the unsure case itself is made here: the scripted row is never unsure)."""
    import formcheck.pipeline

    poses_runs, asked = [], []
    real_poses, real_series = formcheck.pipeline.load_poses, formcheck.pipeline.analyze_series

    def counting(*a, **k):
        poses_runs.append(1)
        return real_poses(*a, **k)

    def unsure(series, **k):
        asked.append(k.get("exercise"))
        result = real_series(series, **k)
        if k.get("exercise") in (None, "auto"):
            result.exercise_source = "detected"
            result.exercise_candidates = [{"exercise": "bent_over_row", "name": "Bent-over row", "confidence": 0.5},
                                          {"exercise": "seated_cable_row", "name": "Seated cable row",
                                           "confidence": 0.45}]
        return result

    monkeypatch.setattr(formcheck.pipeline, "load_poses", counting)
    monkeypatch.setattr(formcheck.pipeline, "analyze_series", unsure)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.radio(key="opt_model").set_value("lite")
    at.button(key="try_sample").click().run()
    assert not at.exception, at.exception
    assert "Which exercise is this?" in _texts(at)
    assert "bent-over row or seated cable row?" in _texts(at)  # the header asks too, it does not guess
    picks = [b for b in at.button if b.key and b.key.startswith("pick-")]
    assert [b.label for b in picks] == ["Bent-over row", "Seated cable row"]
    picks[1].click().run()
    assert not at.exception, at.exception
    assert asked == ["auto", "seated_cable_row"] and len(poses_runs) == 1
    assert at.selectbox(key="opt_exercise").value == "seated_cable_row"
    text = _texts(at)
    assert "· seated cable row ·" in text.lower() and "Which exercise is this?" not in text


def test_wrong_file_type_is_explained(samples):
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.file_uploader(key="upload").set_value(("notes.txt", b"not a video", "text/plain")).run()
    assert not at.exception
    msgs = [e.value for e in at.error]
    assert any("notes.txt" in m and "is not a video formcheck can read" in m and "MP4" in m for m in msgs), msgs


def test_corrupt_video_is_explained_without_traceback(samples):
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.file_uploader(key="upload").set_value(("set.mp4", b"\x00\x01 definitely not mp4" * 50, "video/mp4")).run()
    assert not at.exception
    msgs = [e.value for e in at.error]
    assert any("set.mp4" in m and "could not be read as a video" in m for m in msgs), msgs
    assert not any("Traceback" in m for m in msgs)


def test_bad_tempo_is_explained_and_blocks_analysis(samples):
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.text_input(key="opt_tempo").input("fast").run()
    assert any("Tempo must be four numbers" in e.value for e in at.error)
    assert at.button(key="try_sample").disabled


def test_live_and_filming_tabs_load(samples):
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.session_state["tab"] = "Live"
    at.run()
    assert not at.exception, at.exception
    assert any("Finish set" == b.label for b in at.button)
    at.session_state["tab"] = "How to film"
    at.run()
    assert not at.exception
    assert "Set up in one minute" in _texts(at)

"""The typed profile: the bundled one resolves for every exercise and view; a bad user profile is one clear
line naming the key (Python API) and exit code 2 without a traceback (CLI)."""

from __future__ import annotations

import json

import pytest

from formcheck import config
from formcheck.config import EXERCISE_NAMES, VIEW_NAMES, ProfileError
from formcheck.errors import FormcheckError, OptionError
from formcheck.tempo import Tempo


def test_every_exercise_and_view_resolves_and_the_exercises_signal_wins():
    for ex in EXERCISE_NAMES:
        for view in VIEW_NAMES:
            p = config.resolve(ex, view)
            assert p.exercise == ex and p.view == view
            assert p.reps.max_rep_s > p.reps.min_rep_s
    assert config.resolve("shrug", "side").reps.rep_signal == "shoulder_elev_ear"


@pytest.mark.parametrize("data, key", [
    ({"faults": {"shrug": {"min_rise_ear_torso": "abc"}}}, "faults.shrug.min_rise_ear_torso"),
    ({"faults": {"swing": {"min_deg": None}}}, "faults.swing.min_deg"),
    ({"filter": {"cutoff_hz": -1.0}}, "filter.cutoff_hz"),
    ({"filter": {"cutoff_hz": float("nan")}}, "filter.cutoff_hz"),
    ({"reps": {"rep_signal": "elbow"}}, "reps.rep_signal"),
    ({"reps": {"speed_fraction": 0.1}}, "reps.speed_fraction"),
    ({"thresholds": {}}, "thresholds"),
    ({"exercises": {"squat": {}}}, "exercises.squat"),
    ({"views": {"side": {"faults": 3}}}, "views.side.faults"),
    ({"faults_off": ["shrugging"]}, "faults_off[0]"),
    ({"target_tempo": [1, 2, 3]}, "target_tempo"),
    ({"rotation_from_side": 1}, "rotation_from_side"),
])
def test_a_bad_setting_names_its_key(data, key):
    with pytest.raises(ProfileError) as err:
        config.resolve("bent_over_row", "side", data)
    assert key in str(err.value) and "\n" not in str(err.value)
    assert isinstance(err.value, FormcheckError)


def test_documentation_keys_and_a_partial_profile_are_fine():
    p = config.resolve("bent_over_row", "front", {"_doc": "mine", "faults": {"swing": {"min_deg": 25, "_doc": "x"}}})
    assert p.faults.swing.min_deg == 25.0


def test_tempo_is_one_type_everywhere():
    assert Tempo.parse("3-0-1-1").as_tuple() == (3.0, 0.0, 1.0, 1.0)
    assert str(Tempo.parse("3:1:X:2")) == "3-1-0-2"
    assert Tempo.parse(" 2 0 1 1 ") == Tempo(2, 0, 1, 1) and Tempo.parse("") is None and Tempo.parse(None) is None
    for bad in ("nan-0-1-1", "inf-0-1-1", "3-0-1", "3-0-1--1", "a-b-c-d", "3-0-1-99", "0-0-0-0", "-1-0-1-1"):
        with pytest.raises(OptionError):
            Tempo.parse(bad)


@pytest.mark.parametrize("content, needle", [
    ('{"faults": {"shrug": {"min_rise_hip_torso": "high"}}}', "faults.shrug.min_rise_hip_torso"),
    ('{"filter": {"cutoff_hz": NaN}}', "filter.cutoff_hz"),
    ('{"filter": {"cutoff_hz": -4}}', "filter.cutoff_hz"),
    ('{"reps": {"rep_signl": "hand_travel"}}', "reps.rep_signl"),
    ('{"faults": ', "not valid JSON"),
    ('[1, 2]', "JSON object"),
])
def test_cli_refuses_a_bad_profile_in_one_line(cli, tmp_path, content, needle):
    prof = tmp_path / "mine.json"
    prof.write_text(content)
    code, out, err = cli("analyze", "sample_videos/row_side.mp4", "--profile", prof, "--no-video")
    assert code == 2, err
    assert needle in err and "mine.json" in err
    assert "Traceback" not in err and "internal error" not in err and len(err.strip().splitlines()) == 1


def test_cli_refuses_a_folder_as_profile_and_nan_tempo(cli, tmp_path):
    code, _, err = cli("analyze", "sample_videos/row_side.mp4", "--profile", tmp_path)
    assert code == 2 and "folder" in err and "Traceback" not in err
    code, _, err = cli("analyze", "sample_videos/row_side.mp4", "--tempo", "nan-0-1-1")
    assert code == 2 and "3-0-1-1" in err and "Traceback" not in err


@pytest.mark.slow
def test_results_carry_the_profile_that_was_applied(tmp_path):
    from formcheck.pipeline import analyze

    mine = tmp_path / "p.json"
    mine.write_text(json.dumps({"faults": {"swing": {"min_deg": 33.0}}}))
    res = analyze("sample_videos/row_side.mp4", model="lite", profile=mine, end_s=3.0).to_dict()
    assert res["profile"]["faults"]["swing"]["min_deg"] == 33.0
    assert res["profile"]["exercise"] == res["exercise"] and res["profile"]["view"] == res["view"]

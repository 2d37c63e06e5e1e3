"""The synthetic lifter's rounded upper back: the spine's curve, the posed skeleton, the rep script and the truth."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.errors import OptionError
from formcheck.synthetic import RepSpec, make_spec, plan_clip
from formcheck.synthetic.body import spine_at, spine_curve
from formcheck.synthetic.clip import truth
from formcheck.synthetic.timeline import FAULT_THRESHOLDS


@pytest.mark.parametrize("deg", [10.0, 30.0, 45.0])
def test_the_spine_bows_out_behind_the_chord_and_turns_through_the_scripted_angle(deg):
    up, fwd, tilt = spine_curve(deg)
    assert up[0] == 0.0 and up[-1] == pytest.approx(1.0) and fwd[0] == 0.0 and abs(fwd[-1]) < 1e-9
    assert fwd.min() < 0.0 and np.all(fwd <= 1e-12)  # behind the hip-shoulder line, never in front of it
    assert tilt[-1] - tilt[0] == pytest.approx(deg)
    assert np.all(np.diff(up) > 0)
    assert spine_at(deg, 1.2)[1] == pytest.approx(tilt[-1])  # beyond the shoulders it carries on straight


def test_more_flexion_bows_the_back_further_and_none_leaves_it_straight():
    bulges = [-spine_curve(d)[1].min() for d in (0.0, 10.0, 20.0, 30.0, 45.0)]
    assert bulges[0] == pytest.approx(0.0, abs=1e-12) and bulges == sorted(bulges) and bulges[-1] > 0.1


def test_rounding_keeps_hips_shoulders_and_arms_but_tips_the_head_forward():
    clip = plan_clip(make_spec("row_side_clean", reps=[RepSpec(pause_s=1.0), RepSpec(thoracic_deg=30.0, pause_s=1.0)],
                               fps=20))
    # In the pauses (arms hanging, nothing else scripted): before the back rounds, and once it has.
    flat = clip.poses[int(round((clip.plans[0].bottom_s + 0.1) * 20))]
    rnd = clip.poses[int(round((clip.plans[1].bottom_s + 0.5) * 20))]
    for name in ("mid_hip", "left_hip", "left_shoulder", "right_shoulder", "left_elbow", "right_wrist"):
        np.testing.assert_allclose(flat[name], rnd[name], atol=1e-9, err_msg=name)
    assert flat.inclination_deg == rnd.inclination_deg
    assert rnd.thoracic_deg == 30.0 and flat.thoracic_deg == 0.0
    # The girdle tips forward with the top of the curve: the head drops toward the floor in a bent-over row.
    assert rnd["head"][1] < flat["head"][1] - 0.02


def test_the_preset_scripts_rounded_reps_and_its_truth_says_so():
    tr = truth(plan_clip(make_spec("row_side_rounded_back", fps=5)))
    assert [r["thoracic_deg"] for r in tr["reps"]] == [0.0, 0.0, 0.0, 30.0, 35.0]
    assert [r["index"] for r in tr["reps"] if "rounded_back" in r["faults"]] == [4, 5]
    assert all(r["faults"] == [] for r in tr["reps"][:3])
    assert tr["fault_thresholds"]["rounded_back_deg"] == FAULT_THRESHOLDS["rounded_back_deg"] == 20.0
    # Posture, not movement: held through each rep, changing in the pause before rep 4 (scripted 0.4 s).
    t = np.array(tr["frames"]["times_s"])
    th = np.array(tr["frames"]["thoracic_deg"])
    r3, r4, r5 = tr["reps"][2], tr["reps"][3], tr["reps"][4]
    assert np.all(th[t <= r3["bottom_s"]] == 0.0)
    assert np.all(th[(t >= r4["start_s"]) & (t < r4["end_s"] - 0.3)] == 30.0)
    assert np.all(th[t >= r5["start_s"] + 0.3] == 35.0)
    changing = (th > 0) & (th < 30)
    assert changing.any() and np.all((t[changing] > r3["bottom_s"]) & (t[changing] < r4["start_s"]))


def test_a_rep_below_the_scripting_threshold_is_not_a_fault_and_bad_values_are_refused():
    tr = truth(plan_clip(make_spec("row_side_clean", reps=[RepSpec(thoracic_deg=15.0)], fps=5)))
    assert tr["reps"][0]["faults"] == []
    with pytest.raises(OptionError, match="thoracic_deg"):
        make_spec("row_side_clean", reps=[RepSpec(thoracic_deg=70.0)])
    with pytest.raises(OptionError, match="thoracic_deg"):
        make_spec("row_side_clean", reps=[RepSpec(thoracic_deg=-5.0)])

"""The fault table and each fault rule, on small hand-made signals (no video, no pose model).

A rep here is scripted as times (start 1.0 s, top 2.0-2.5 s, bottom 3.5 s) and the
signals a rule reads are set to chosen values before and at the top, so each test
states the measurement it expects and the decision that must follow.
"""

from __future__ import annotations

import numpy as np
import pytest

from formcheck import config
from formcheck.analysis import rules
from formcheck.analysis.assess import assess_reps
from formcheck.analysis.capabilities import CAPABILITIES
from formcheck.analysis.faults import FAULTS
from formcheck.analysis.reps import Rep
from formcheck.analysis.signals import SIGNALS, Signals
from formcheck.series import N_LANDMARKS

FPS = 30.0
T = np.arange(0.0, 5.0, 1 / FPS)


def rep(index=1, start=1.0, peak=2.0, hold_end=2.5, bottom=3.5, amplitude=1.0) -> Rep:
    end = bottom if bottom is not None else 4.9
    return Rep(index=index, start_s=start, peak_s=peak, hold_end_s=hold_end, bottom_s=bottom, end_s=end,
               i_start=int(start * FPS), i_peak=int(peak * FPS), i_end=int(end * FPS), amplitude=amplitude,
               peak_value=amplitude)


def step(at_top: float, base: float = 0.0, t=T, start=1.0, peak=2.0, bottom=3.5) -> np.ndarray:
    """A signal at `base` until the rep starts, ramping to `at_top` by the top, back down by the bottom."""
    x = np.full(len(t), base, float)
    up = (t > start) & (t < peak)
    x[up] = base + (at_top - base) * (t[up] - start) / (peak - start)
    x[(t >= peak) & (t <= 2.5)] = at_top
    down = (t > 2.5) & (t < bottom)
    x[down] = at_top + (base - at_top) * (t[down] - 2.5) / (bottom - 2.5)
    return x


def signals(view="side", t=T, hand_path=None, **values) -> Signals:
    vals = {s.name: np.zeros(len(t)) for s in SIGNALS}
    vals.update(values)
    return Signals(t, vals, view, 1, 100.0, "left", np.ones(len(t), bool), hand_path)


def assess(sig, reps, exercise="bent_over_row", target=None, **profile):
    prof = config.resolve(exercise, sig.view, profile or None)
    vis = np.ones((len(sig.times_s), N_LANDMARKS), np.float32)
    return assess_reps(sig, reps, prof, vis, target, exercise)


def found(assessed) -> list[list[str]]:
    return [ra.faults for ra in assessed]


# --- the table ----------------------------------------------------------------------------------------------


def test_every_fault_row_is_complete_and_consistent():
    prof = config.resolve("bent_over_row", "side")
    for f in FAULTS.values():
        assert f.group in CAPABILITIES, f.id
        assert f.bad in ("above", "below") and f.kind in ("posture", "tempo", "range") and f.unit in (
            "torso", "deg", "s", "ratio")
        assert hasattr(prof.faults, f.id), f"profile has no thresholds for {f.id}"
        assert f.title and f.cue and f.short and f.label[0].islower()
        for ex in (None, "shrug", "lat_pulldown", "face_pull"):
            text = f.cue_template(ex).format(value=1.0, target_hold=1.0, target_ecc=2.0)
            assert "{" not in text
    assert FAULTS["shrug"].exceeded(0.06, 0.06) and not FAULTS["shrug"].exceeded(0.05, 0.06)
    assert FAULTS["short_hold"].exceeded(0.2, 0.5) and not FAULTS["short_hold"].exceeded(0.5, 0.5)


# --- shoulders ----------------------------------------------------------------------------------------------


def test_shrug_needs_the_ears_and_the_hips_to_agree():
    r = rep()
    both = signals(shoulder_elev_ear=step(0.10), shoulder_elev_hip=step(0.10))
    ears_only = signals(shoulder_elev_ear=step(0.10), shoulder_elev_hip=step(0.0))
    small = signals(shoulder_elev_ear=step(0.03), shoulder_elev_hip=step(0.10))
    unknown = signals(shoulder_elev_ear=np.full(len(T), np.nan), shoulder_elev_hip=step(0.10))
    assert found(assess(both, [r])) == [["shrug"]]
    assert found(assess(ears_only, [r])) == [[]], "the ears alone fall in every pull"
    assert found(assess(small, [r])) == [[]]
    assert found(assess(unknown, [r])) == [[]]
    f = assess(both, [r])[0].findings[0]
    assert f.value == pytest.approx(0.10, abs=1e-6) and f.threshold == 0.055 and 2.0 <= f.worst_s <= 2.5
    # The rule's own number is what the gauge draws: the same function, the same limit.
    cfg = config.resolve("bent_over_row", "side").faults.shrug
    assert float(rules.shrug_value(0.10, 0.0, cfg)) < cfg.min_rise_ear_torso <= float(rules.shrug_value(0.10, 0.1, cfg))


def test_shrug_is_never_a_fault_of_the_shrug_exercise_nor_of_an_unfinished_rep():
    both = signals(shoulder_elev_ear=step(0.10), shoulder_elev_hip=step(0.10))
    assert found(assess(both, [rep()], exercise="shrug")) == [[]]
    unfinished = rep(hold_end=None, bottom=None)
    ra = assess(both, [unfinished])[0]
    assert ra.faults == [] and ra.unmeasurable["shrug"] == "rep not finished in the clip"


def test_weak_squeeze_only_from_the_side():
    behind = step(-0.20, base=-0.4)  # the elbow stays 0.2 torso in front of the trunk line at the top
    assert found(assess(signals(elbow_behind_trunk=behind), [rep()])) == [["weak_squeeze"]]
    assert found(assess(signals(elbow_behind_trunk=step(0.05, base=-0.4)), [rep()])) == [[]]
    ra = assess(signals("front", elbow_behind_trunk=behind), [rep()])[0]
    assert ra.faults == [] and "shoulder_narrowing" in ra.metrics


# --- trunk and head -----------------------------------------------------------------------------------------


def test_swing_is_trunk_angle_change_from_the_rep_start():
    assert found(assess(signals(trunk_inclination=step(45.0, base=30.0)), [rep()])) == [["swing"]]
    assert found(assess(signals(trunk_inclination=step(35.0, base=30.0)), [rep()])) == [[]]
    ra = assess(signals(trunk_inclination=step(45.0, base=30.0)), [rep()])[0]
    assert ra.metrics["trunk_swing"][0] == pytest.approx(15.0, abs=0.5)
    assert ra.metrics["trunk_angle"][0] == pytest.approx(30.0)
    assert "swing" in assess(signals("front", trunk_inclination=step(45.0, base=30.0)), [rep()])[0].unmeasurable


def test_neck_and_rotation():
    assert found(assess(signals(head_forward=step(0.2)), [rep()])) == [["neck"]]
    assert found(assess(signals(head_forward=step(0.05)), [rep()])) == [[]]
    # The shoulder line turning open during the rep (3-D yaw), read from the rep's start to its bottom.
    assert found(assess(signals("front", shoulder_yaw=step(25.0)), [rep()])) == [["rotation"]]
    assert found(assess(signals("front", shoulder_yaw=step(5.0)), [rep()])) == [[]]
    near = assess(signals("front", shoulder_yaw=step(17.0)), [rep()])[0]
    assert near.faults == [] and near.checks == ["rotation"]  # past the limit by less than the margin
    # Not judged where the arms move the shoulder landmarks (face pulls) or a pad holds the chest.
    assert found(assess(signals("front", shoulder_yaw=step(25.0)), [rep()], exercise="face_pull")) == [[]]
    side = assess(signals(trunk_rotation_2d=step(20.0)), [rep()])[0]
    assert side.faults == [] and "rotation" in side.unmeasurable  # two-arm pull from the side: not measurable
    one_arm = assess(signals(trunk_rotation_2d=step(20.0)), [rep()], exercise="one_arm_row")[0]
    assert "rotation" not in one_arm.unmeasurable


# --- tempo --------------------------------------------------------------------------------------------------


def test_tempo_faults_follow_the_target():
    r = rep(peak=2.0, hold_end=2.1, bottom=2.5)  # hold 0.1 s, eccentric 0.4 s
    sig = signals()
    assert sorted(found(assess(sig, [r], target=(2.0, 0.0, 1.0, 1.0)))[0]) == ["rushed_eccentric", "short_hold"]
    slow = rep(peak=2.0, hold_end=3.0, bottom=5.0)
    assert found(assess(signals(t=np.arange(0, 7, 1 / FPS)), [slow], target=(2.0, 0.0, 1.0, 1.0))) == [[]]
    # No target, no hold to keep: the hold is not judged.
    assert "short_hold" not in found(assess(sig, [r], target=None))[0]


# --- left/right and range -----------------------------------------------------------------------------------


def _path(left_travel: float, right_travel: float) -> np.ndarray:
    """(T, 8) wrists and elbows of both arms; each arm's points move by its travel along one axis."""
    p = np.zeros((len(T), 8))
    p[:, 0] = p[:, 2] = step(left_travel)
    p[:, 4] = p[:, 6] = step(right_travel)
    return p


def test_asymmetry_reports_the_criterion_that_fired():
    even = [rep(i, start=1.0, peak=2.0) for i in (1,)]
    assert found(assess(signals("front", hand_path=_path(0.8, 0.8)), even)) == [[]]
    ra = assess(signals("front", hand_path=_path(0.8, 0.2)), even)[0]
    assert ra.faults == ["asymmetry"]
    f = ra.findings[0]
    assert f.unit == "ratio" and f.value == pytest.approx(0.25, abs=0.01) and f.value < f.threshold
    elbows = assess(signals("front", lr_elbow_diff=step(45.0)), even)[0].findings[0]
    assert elbows.unit == "deg" and elbows.value >= elbows.threshold == 30.0 and elbows.status == "fault"
    # From behind, BlazePose's 3-D elbows are not trusted: the same difference is not a finding there.
    assert assess(signals("rear", lr_elbow_diff=step(45.0)), even)[0].findings == []
    # A one-arm row is uneven by nature.
    assert assess(signals("front", hand_path=_path(0.8, 0.2)), even, exercise="one_arm_row")[0].findings == []


def test_arm_travel_is_compared_only_with_the_shoulders_square_to_the_camera():
    """Turned away from the camera, the near and far arm foreshorten differently: an even pull filmed by an
    orbiting camera read 0.33 on a real rear face pull. Within the limit the same travel is a finding."""
    even = [rep(1, start=1.0, peak=2.0)]
    limit = config.resolve("bent_over_row", "front").faults.asymmetry.max_travel_yaw_deg
    for yaw, expect in ((0.0, ["asymmetry"]), (180.0 - (limit - 5), ["asymmetry"]), (limit + 10, []),
                        (-(limit + 10), [])):
        sig = signals("front", hand_path=_path(0.8, 0.2), shoulder_yaw=np.full(len(T), yaw))
        ra = assess(sig, even)[0]
        assert ra.faults == expect, yaw
        assert ("lr_travel_ratio" in ra.metrics) == bool(expect)


def test_a_frozen_still_spoils_the_reps_timing_range_and_balance_not_its_posture():
    t = np.arange(0, 20, 1 / FPS)
    reps = [rep(i + 1, start=1 + 4 * i, peak=2 + 4 * i, hold_end=2.1 + 4 * i, bottom=2.5 + 4 * i, amplitude=a)
            for i, a in enumerate([1.0, 1.0, 1.0, 0.5])]
    prof = config.resolve("bent_over_row", "side")
    sig = signals(t=t, shoulder_elev_ear=np.zeros(len(t)), trunk_inclination=np.concatenate(
        [np.full(int(13 * FPS), 45.0), 45.0 + 20.0 * np.clip((t[int(13 * FPS):] - 13.0) / 0.5, 0, 1)]))
    vis = np.ones((len(t), N_LANDMARKS), np.float32)
    plain = assess_reps(sig, reps, prof, vis, (2.0, 0.0, 1.0, 1.0), "bent_over_row")
    frozen = assess_reps(sig, reps, prof, vis, (2.0, 0.0, 1.0, 1.0), "bent_over_row", frozen=[(13.2, 15.0)])
    assert {"rushed_eccentric", "short_hold", "partial_range", "swing"} <= set(plain[3].faults)
    assert frozen[3].partial is None
    assert set(frozen[3].faults) == {"swing"}  # the trunk's heave is posture: still judged
    assert {g: frozen[3].unmeasurable[g] for g in ("tempo", "range")} == \
        dict.fromkeys(("tempo", "range"), "the video freezes during this rep (an edited still)")
    assert "side view" in frozen[3].unmeasurable["asymmetry"]  # the view's own reason comes first
    assert [ra.faults for ra in frozen[:3]] == [ra.faults for ra in plain[:3]]


def test_partial_range_against_the_sets_best_reps():
    t = np.arange(0, 20, 1 / FPS)
    reps = [rep(i + 1, start=1 + 4 * i, peak=2 + 4 * i, hold_end=2.5 + 4 * i, bottom=3.5 + 4 * i, amplitude=a)
            for i, a in enumerate([1.0, 1.0, 1.0, 0.5])]
    out = assess(signals(t=t), reps)
    assert found(out) == [[], [], [], ["partial_range"]]
    assert out[3].findings[0].value == pytest.approx(0.5)
    assert found(assess(signals(t=t), reps[:2] + reps[3:])[:1]) == [[]]  # fewer than 3 reps: not judged


def test_faults_off_and_a_users_threshold():
    sig = signals(trunk_inclination=step(45.0, base=30.0))
    assert found(assess(sig, [rep()], faults_off=["swing"])) == [[]]
    assert found(assess(sig, [rep()], faults={"swing": {"min_deg": 20.0}})) == [[]]

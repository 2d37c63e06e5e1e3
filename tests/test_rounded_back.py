"""Rounded upper back: the per-frame measurement carried in PoseSeries.extras, the signal, the rule, the fault
row and its profile section, on small hand-made arrays (no video, no pose model)."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck import config
from formcheck.analysis.assess import assess_reps
from formcheck.analysis.capabilities import CAPABILITIES, supports
from formcheck.analysis.faults import FAULTS
from formcheck.analysis.filtering import clean_pose
from formcheck.analysis.reps import Rep
from formcheck.analysis.signals import SIGNAL_DEFS, SIGNALS, Signals, compute_signals
from formcheck.errors import PoseDataError
from formcheck.series import BACK_ARC, N_LANDMARKS, PoseSeries

FPS = 30.0
T = np.arange(0.0, 5.0, 1 / FPS)


def rep(start=1.0, peak=2.0, hold_end=2.5, bottom=3.5) -> Rep:
    end = bottom if bottom is not None else 4.9
    return Rep(index=1, start_s=start, peak_s=peak, hold_end_s=hold_end, bottom_s=bottom, end_s=end,
               i_start=int(start * FPS), i_peak=int(peak * FPS), i_end=int(end * FPS), amplitude=1.0, peak_value=1.0)


def signals(view="side", trunk=45.0, back=None) -> Signals:
    vals = {s.name: np.zeros(len(T)) for s in SIGNALS}
    vals["trunk_inclination"] = np.full(len(T), trunk)
    vals["back_rounding"] = np.full(len(T), np.nan) if back is None else np.asarray(back, float)
    return Signals(T, vals, view, 1, 100.0, "left", np.ones(len(T), bool), None)


def assess(sig, exercise="bent_over_row", user=None):
    prof = config.resolve(exercise, sig.view, user)
    return assess_reps(sig, [rep()], prof, np.ones((len(T), N_LANDMARKS), np.float32), None, exercise)[0]


# --- the rule -----------------------------------------------------------------------------------------------


def test_a_rounded_back_in_a_hinge_is_a_finding_with_its_value_and_limit():
    back = np.full(len(T), 8.0)
    back[(T >= 1.0) & (T <= 3.5)] = 24.0
    back[int(2.2 * FPS)] = 40.0  # one frame rounder than the rest: the worst moment, not the value
    ra = assess(signals(back=back))
    assert ra.faults == ["rounded_back"]
    f = ra.findings[0]
    limit = config.resolve("bent_over_row", "side").faults.rounded_back.min_deg
    assert f.value == pytest.approx(24.0) and f.threshold == limit and f.unit == "deg"
    assert f.worst_s == pytest.approx(2.2, abs=1 / FPS)
    assert ra.metrics["back_rounding"] == (pytest.approx(24.0), "deg")


def test_a_flat_back_is_silent_and_the_limit_decides():
    limit = config.resolve("bent_over_row", "side").faults.rounded_back.min_deg
    assert assess(signals(back=np.full(len(T), 8.0))).faults == []
    assert assess(signals(back=np.full(len(T), limit - 0.5))).faults == []
    assert assess(signals(back=np.full(len(T), limit))).faults == ["rounded_back"]
    assert assess(signals(back=np.full(len(T), 14.0)), user={"faults": {"rounded_back": {"min_deg": 13.0}}}).faults \
        == ["rounded_back"]


def test_an_upright_trunk_records_the_bend_but_is_not_judged():
    # Upright, every back shows its natural thoracic curve (real clean seated rows read 14-42 deg).
    ra = assess(signals(trunk=10.0, back=np.full(len(T), 40.0)), exercise="seated_cable_row")
    assert ra.faults == [] and ra.metrics["back_rounding"][0] == pytest.approx(40.0)


def test_too_few_measured_frames_is_no_finding():
    back = np.full(len(T), np.nan)
    back[::8] = 30.0  # an eighth of the frames (arms over the back, hair, ...)
    ra = assess(signals(back=back))
    assert ra.faults == [] and np.isnan(ra.metrics["back_rounding"][0])
    assert ra.metrics["back_measured_frac"][0] == pytest.approx(1 / 8, abs=0.03)
    assert assess(signals(back=None)).faults == []  # no mask recorded (old poses files, live)


def test_only_the_side_view_measures_the_back():
    cap = CAPABILITIES["back"]
    assert cap.proxy and "mask" in cap.proxy
    assert [v for v in ("side", "front", "rear", "oblique") if supports("back", v)] == ["side"]
    for view in ("front", "oblique"):
        ra = assess(signals(view, back=np.full(len(T), 40.0)))
        assert ra.faults == [] and "back" in ra.unmeasurable
    assert SIGNAL_DEFS["back_rounding"].proxy and SIGNAL_DEFS["back_rounding"].views == ("side",)


def test_the_fault_row():
    f = FAULTS["rounded_back"]
    assert (f.group, f.kind, f.unit, f.bad, f.phase) == ("back", "posture", "deg", "above", "span")
    assert "upper back rounded" in f.cue and "24" in f.cue_template("bent_over_row").format(
        value=24.0, target_hold=1.0, target_ecc=2.0)
    assert "rounded_back" in config.FAULT_NAMES
    assert FAULTS["rounded_back"].exceeded(12.0, 12.0) and not FAULTS["rounded_back"].exceeded(11.9, 12.0)


# --- the measurement's path: series extras -> clean pose -> signal ------------------------------------------


def series(n=6, extras=None) -> PoseSeries:
    rng = np.random.default_rng(n)
    return PoseSeries(np.arange(n) / 30.0, np.arange(n), rng.uniform(0, 640, (n, N_LANDMARKS, 2)).astype(np.float32),
                      rng.normal(0, 0.5, (n, N_LANDMARKS, 3)).astype(np.float32),
                      np.ones((n, N_LANDMARKS), np.float32), (640, 480), 30.0, {}, extras or {})


def test_extras_round_trip_and_old_files_load_without_them(tmp_path):
    arc = np.array([1.0, np.nan, 3.0, 4.0, np.nan, 6.0])
    s = series(extras={BACK_ARC: arc})
    back = PoseSeries.load(s.save(tmp_path / "p.npz"))
    np.testing.assert_array_equal(back.extras[BACK_ARC], arc)
    assert back.extras[BACK_ARC].dtype == np.float64
    old = PoseSeries.load(series().save(tmp_path / "old.npz"))
    assert old.extras == {}
    with np.load(tmp_path / "p.npz") as z:
        assert int(z["schema_version"]) == 1 and "extra__back_arc_deg" in z.files


def test_extras_are_shape_checked_and_follow_a_selection():
    with pytest.raises(PoseDataError, match=r"extras\['back_arc_deg'\].*\(6\)"):
        series(extras={BACK_ARC: np.zeros(5)})
    with pytest.raises(PoseDataError, match="identifiers"):
        series(extras={"not a name": np.zeros(6)})
    s = series(extras={BACK_ARC: np.arange(6.0)})
    keep = np.array([False, True, True, False, True, False])
    np.testing.assert_array_equal(s.select(keep).extras[BACK_ARC], [1.0, 2.0, 4.0])
    assert len(s.select(keep)) == 3


def test_the_signal_reads_the_measurement_as_recorded():
    arc = np.linspace(5.0, 30.0, 6)
    arc[2] = np.nan
    pose = clean_pose(series(extras={BACK_ARC: arc}))
    np.testing.assert_array_equal(compute_signals(pose, "side")["back_rounding"], arc)
    assert np.isnan(compute_signals(clean_pose(series()), "side")["back_rounding"]).all()


# --- end to end on recorded poses of the synthetic lifter (tests/data, made by scripts/make_pose_fixtures.py) ---

FIXTURE = __import__("pathlib").Path(__file__).parent / "data" / "row_side_rounded_back.poses.npz"


def _check_rounded_back_found_on_the_scripted_reps(poses: PoseSeries) -> None:
    from formcheck.pipeline import analyze_series

    truth = poses.source["synthetic"]["reps"]
    res = analyze_series(poses, tempo="1.4-0-0.8-0.4")  # the clip's own target: no tempo findings in the way
    assert (res.exercise, res.view) == ("bent_over_row", "side")
    assert len(res.assessed) == len(truth)
    for ra, want in zip(res.assessed, truth):
        assert abs(ra.rep.start_s - want["start_s"]) < 0.3
        assert ("rounded_back" in ra.faults) == ("rounded_back" in want["faults"]), (ra.rep.index, ra.metrics)
    values = [ra.metrics["back_rounding"][0] for ra in res.assessed]
    flat = [v for v, w in zip(values, truth) if not w["thoracic_deg"]]
    rounded = [v for v, w in zip(values, truth) if w["thoracic_deg"]]
    assert max(flat) < 12.0 and min(rounded) > 22.0, values


def test_recorded_poses_of_the_rounded_back_preset_flag_exactly_the_rounded_reps():
    poses = PoseSeries.load(FIXTURE)
    assert BACK_ARC in poses.extras and np.isfinite(poses.extras[BACK_ARC]).mean() > 0.4
    _check_rounded_back_found_on_the_scripted_reps(poses)


@pytest.mark.slow
def test_the_pose_pass_measures_the_back_on_a_freshly_rendered_clip(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "make_pose_fixtures", FIXTURE.parent.parent.parent / "scripts" / "make_pose_fixtures.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    _check_rounded_back_found_on_the_scripted_reps(PoseSeries.load(mod.record("row_side_rounded_back", tmp_path)))


def test_without_the_recorded_outline_the_back_is_reported_not_measurable_never_passed():
    """Live sessions (and poses files made before the measurement) have no outline: the report must say the
    back was not measured, not show it as measured and fine."""
    from formcheck.pipeline import analyze_series

    poses = PoseSeries.load(FIXTURE)
    poses.extras = {}
    res = analyze_series(poses, tempo="1.4-0-0.8-0.4")
    assert res.assessed and not any("rounded_back" in ra.faults + ra.checks for ra in res.assessed)
    assert all("not recorded" in ra.unmeasurable["back"] for ra in res.assessed)
    back = res.to_dict()["measurable"]["back"]
    assert back["measurable"] is False and "not live" in back["why"]


def test_an_upright_trunk_records_the_bend_but_says_why_it_is_not_judged():
    """A 45 deg hinge counts as upright once the profile asks for 80 deg: the bend is kept, not judged."""
    from formcheck.pipeline import analyze_series

    poses = PoseSeries.load(FIXTURE)
    poses.extras = {BACK_ARC: np.full(len(poses), 35.0)}
    res = analyze_series(poses, tempo="1.4-0-0.8-0.4", profile={"faults": {"rounded_back": {"min_trunk_deg": 80.0}}})
    for ra in res.assessed:
        assert ra.metrics["back_rounding"][0] == pytest.approx(35.0) and "rounded_back" not in ra.faults
        assert "hinged row" in ra.unmeasurable["back"]

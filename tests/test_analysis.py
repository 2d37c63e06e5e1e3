"""Analysis stages: filtering, rep/tempo segmentation, profile, cues, and the CLI's analyze command."""

from __future__ import annotations


import numpy as np
import pytest

from formcheck.analysis.cues import rep_ranges
from formcheck.errors import OptionError
from formcheck.analysis.filtering import OneEuro, fill_gaps, lowpass
from formcheck.config import resolve
from formcheck.tempo import Tempo
from formcheck.analysis.reps import RepParams, phase_labels, segment_reps


def scripted_signal(tempos, fps, lead=1.0, tail=1.0, amp=80.0, base=20.0, ends_at_top=False):
    """A rep signal built from (ecc, pause, conc, hold) tempos with cosine easing, and its true boundaries."""
    t_parts, v_parts, truth = [], [], []
    t = 0.0

    def seg(duration, a, b):
        nonlocal t
        n = max(1, int(round(duration * 1000)))
        tt = t + np.arange(n) / 1000.0
        x = (1 - np.cos(np.pi * np.arange(n) / n)) / 2
        t_parts.append(tt)
        v_parts.append(a + (b - a) * x)
        t += duration

    seg(lead, base, base)
    for i, (ecc, pause, conc, hold) in enumerate(tempos):
        start = t
        seg(conc, base, base + amp)
        peak = t
        seg(hold, base + amp, base + amp)
        hold_end = t
        if ends_at_top and i == len(tempos) - 1:
            truth.append((start, peak, None, None))
            break
        seg(ecc, base + amp, base)
        bottom = t
        seg(pause, base, base)
        truth.append((start, peak, hold_end, bottom))
    if not ends_at_top:
        seg(tail, base, base)
    hi_t = np.concatenate(t_parts)
    hi_v = np.concatenate(v_parts)
    times = np.arange(0, hi_t[-1], 1 / fps)
    return times, np.interp(times, hi_t, hi_v), truth


@pytest.mark.parametrize("fps", [10, 24, 29.97, 60])
def test_segmentation_counts_and_boundaries(fps):
    tempos = [(2, 0.5, 1, 1), (3, 0, 1, 1), (1, 0, 1, 0), (2, 1, 0.8, 1.5), (2.5, 0, 1, 0.5)]
    t, x, truth = scripted_signal(tempos, fps)
    reps = segment_reps(t, x, fps, RepParams(min_prominence_abs=20))
    assert len(reps) == len(tempos)
    errs = []
    for r, (start, peak, hold_end, bottom) in zip(reps, truth):
        errs += [abs(r.start_s - start), abs(r.peak_s - peak), abs(r.hold_end_s - hold_end), abs(r.bottom_s - bottom)]
    errs_frames = np.array(errs) * fps
    assert np.median(errs_frames) <= 2.0, errs_frames
    assert np.percentile(errs_frames, 90) <= 4.0, errs_frames
    # Tempo string: eccentric-pause-concentric-hold.
    assert reps[1].tempo_str().split("-")[0] in ("2.9", "3.0", "3.1")


def test_noise_pauses_and_rest_between_sets():
    rng = np.random.default_rng(0)
    tempos = [(2, 0, 1, 1)] * 3
    t1, x1, _ = scripted_signal(tempos, 30)
    t2, x2, _ = scripted_signal(tempos, 30)
    rest = np.full(int(6 * 30), x1[-1])  # 6 s of rest between two sets
    x = np.concatenate([x1, rest, x2]) + rng.normal(0, 2.0, len(x1) + len(rest) + len(x2))
    t = np.arange(len(x)) / 30
    reps = segment_reps(t, x, 30, RepParams(min_prominence_abs=20))
    assert len(reps) == 6
    assert reps[2].pause_s is None and reps[2].extra["rest_after_s"] > 4  # rest is not a pause


def test_set_ending_at_the_top_and_starting_mid_rep():
    t, x, truth = scripted_signal([(2, 0, 1, 1)] * 3, 30, ends_at_top=True)
    reps = segment_reps(t, x, 30, RepParams(min_prominence_abs=20))
    assert len(reps) == 3 and reps[-1].eccentric_s is None and reps[-1].tempo_str().startswith("?-?-")
    # Cut the first rep's concentric away: starting at the top is not a rep.
    cut = t > truth[0][1] + 0.2
    reps = segment_reps(t[cut], x[cut], 30, RepParams(min_prominence_abs=20))
    assert len(reps) == 2


def test_small_wiggles_and_nan_gaps_are_not_reps():
    t, x, _ = scripted_signal([(2, 0, 1, 1)] * 4, 30)
    x = x + 5 * np.sin(2 * np.pi * 0.7 * t)  # setup sway well below rep size
    x[100:110] = np.nan  # a short detection gap
    reps = segment_reps(t, x, 30, RepParams(min_prominence_abs=20))
    assert len(reps) == 4
    phase, rep_no = phase_labels(t, reps)
    assert set(phase) >= {"concentric", "hold", "eccentric"} and rep_no.max() == 4


def test_fill_gaps_bounded_and_lowpass_per_run():
    t = np.arange(20) / 10
    x = np.arange(20, dtype=float)
    x[3:5] = np.nan  # 0.3 s gap: filled
    x[10:17] = np.nan  # 0.8 s gap: kept
    y = fill_gaps(x, t, max_gap_s=0.5)
    assert y[3] == pytest.approx(3) and np.isnan(y[12])
    z = lowpass(y, 10, 2.0)
    assert np.isnan(z[12]) and np.isfinite(z[:10]).all()  # never smears across the gap


def test_one_euro_is_causal_and_smooths():
    f = OneEuro(min_cutoff_hz=1.0, beta=0.0)
    rng = np.random.default_rng(1)
    out = [f(np.array([5 + rng.normal(0, 1)]), i / 30)[0] for i in range(120)]
    assert np.std(out[60:]) < 0.6  # noise std 1 -> much less
    assert np.isnan(f(np.array([np.nan]), 5.0)).all()


def test_rep_ranges_and_tempo_parsing():
    assert rep_ranges([5, 6, 7, 8]) == "reps 5\u20138"
    assert rep_ranges([1, 2, 3, 5, 7, 8]) == "reps 1\u20133, 5, 7\u20138"
    assert rep_ranges([4]) == "rep 4"
    assert Tempo.parse("3-0-1-1").as_tuple() == (3.0, 0.0, 1.0, 1.0)
    for bad in ("3-0-1", "a-b-c-d", "3-0-1--1", "3-0-1-99"):
        with pytest.raises(OptionError, match="3-0-1-1"):
            Tempo.parse(bad)


def test_profile_merges_exercise_then_view():
    shrug_front = resolve("shrug", "front")
    assert shrug_front.reps.rep_signal == "shoulder_elev_ear"  # the exercise's signal survives the view
    from formcheck.analysis.faults import FAULTS

    assert "shrug" in FAULTS["shrug"].implied_by and "shrug" in FAULTS["swing"].implied_by  # the table, not the profile
    row_front = resolve("bent_over_row", "front")
    row_side = resolve("bent_over_row", "side")
    assert row_front.faults.shrug.min_rise_ear_torso > row_side.faults.shrug.min_rise_ear_torso
    assert row_side.reps.rep_signal == "hand_travel"
    user = resolve("bent_over_row", "side", {"faults": {"swing": {"min_deg": 25.0}}})
    assert user.faults.swing.min_deg == 25.0 and user.faults.neck == row_side.faults.neck
    # A user's setting wins over the bundled per-view one (it was overridden by the view's before).
    mine = resolve("bent_over_row", "front", {"faults": {"shrug": {"min_rise_ear_torso": 0.3}}})
    assert mine.faults.shrug.min_rise_ear_torso == 0.3


def _assessed(tempos, amps=None, fps=30):
    """RepAssessments for scripted reps (amplitudes scaled per rep), as assess.set_cues takes them."""
    from formcheck.analysis.assess import RepAssessment

    t, x, _ = scripted_signal(tempos, fps)
    reps = segment_reps(t, x, fps, RepParams(min_prominence_abs=20))
    assert len(reps) == len(tempos)
    for r, a in zip(reps, amps or [1.0] * len(reps)):
        r.amplitude *= a
    return [RepAssessment(r) for r in reps]


def test_fatigue_trends_compare_groups_of_reps():
    from formcheck.analysis.cues import set_cues

    prof = resolve("bent_over_row", "side")
    target = (2.0, 0.0, 1.0, 1.0)
    steady = [(2.5, 0.3, 1.0, 1.0)] * 6
    assert not [c for c in set_cues(_assessed(steady), prof, target) if c["fault"] in ("tempo_drift", "range_drop")]
    # Lowering speeds up over the set: 2.5 s -> 1.2 s on the last third.
    drifting = [(2.5, 0.3, 1.0, 1.0)] * 4 + [(1.2, 0.3, 1.0, 1.0)] * 2
    cues = {c["fault"]: c for c in set_cues(_assessed(drifting), prof, target)}
    assert "tempo_drift" in cues and cues["tempo_drift"]["reps"] == [5, 6]
    # Range shrinking on the last reps.
    cues = {c["fault"]: c for c in set_cues(_assessed(steady, [1, 1, 1, 1, 0.6, 0.6]), prof, target)}
    assert "range_drop" in cues and "last 2 reps" in cues["range_drop"]["text"]
    # One short rep at the end of a short set is not a trend (partial range covers it).
    short = set_cues(_assessed(steady[:5], [1, 1, 1, 1, 0.5]), prof, target)
    assert not [c for c in short if c["fault"] == "range_drop"]


def test_first_rep_counts_when_the_lifter_is_found_just_before_it():
    # The model finds the lifter only 0.1 s before the first pull (e.g. the heavy model on a real
    # pulldown clip): the gap before is not the first rep's bottom, and the rep still counts.
    fps = 60
    t, x, truth = scripted_signal([(2, 0.5, 1, 1)] * 3, fps, lead=1.0)
    x = x.copy()
    x[t < truth[0][0] - 0.1] = np.nan
    reps = segment_reps(t, x, fps, RepParams(min_prominence_abs=20))
    assert len(reps) == 3
    assert abs(reps[0].peak_s - truth[0][1]) < 0.1

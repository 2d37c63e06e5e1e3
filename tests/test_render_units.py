"""Annotators and charts on small arrays: what they draw for a given frame state, and that the shrug limit
they show is the rule's limit on every view."""

from __future__ import annotations

import math

import numpy as np
import pytest

from formcheck.analysis.assess import Finding
from formcheck.pipeline import analyze_series
from formcheck.render import annotators as ann
from formcheck.render.charts import signals_chart
from formcheck.render.draw import Style
from formcheck.render.theme import KIND_COLORS, OK_COLOR, fault_color
from formcheck.render.timeline import FrameState, shrug_threshold
from formcheck.series import LANDMARK as L
from formcheck.series import N_LANDMARKS, PoseSeries

from test_signals import figure

W, H = 640, 480


def state(**kw) -> FrameState:
    xy = np.full((N_LANDMARKS, 2), np.nan)
    pts = {"left_shoulder": (300, 150), "right_shoulder": (340, 150), "left_elbow": (280, 230),
           "right_elbow": (360, 230), "left_wrist": (270, 300), "right_wrist": (370, 300), "left_hip": (305, 300),
           "right_hip": (335, 300), "left_ear": (310, 110), "right_ear": (330, 110)}
    for k, v in pts.items():
        xy[L[k]] = v
    vis = np.where(np.isfinite(xy[:, 0]), 1.0, 0.0)
    base = dict(index=0, time_s=1.0, xy=xy, visibility=vis, rep=1, rep_shown=1, rep_count=3, phase="hold",
                phase_s=0.4, phase_target_s=1.0, rise=0.0, trunk_deg=float("nan"), trunk_start_dir=None)
    base.update(kw)
    return FrameState(**base)


def count_color(img: np.ndarray, rgb, tol: int = 12) -> int:
    return int((np.abs(img.astype(int) - np.array(rgb)).max(axis=2) <= tol).sum())


def test_skeleton_paints_the_limbs_of_a_fault_in_its_colour():
    style = Style.for_size(W, H)
    plain = ann.SkeletonAnnotator(style).annotate(np.zeros((H, W, 3), np.uint8), state())
    assert count_color(plain, fault_color("asymmetry")) == 0
    bad = state(findings=(Finding("asymmetry", 0.3, 0.75, "ratio", 1.0),))
    img = ann.SkeletonAnnotator(style).annotate(np.zeros((H, W, 3), np.uint8), bad)
    assert count_color(img, fault_color("asymmetry")) > 200  # the arms
    # Nobody found: nothing drawn.
    empty = state(xy=np.full((N_LANDMARKS, 2), np.nan), visibility=np.zeros(N_LANDMARKS))
    assert ann.SkeletonAnnotator(style).annotate(np.zeros((H, W, 3), np.uint8), empty).max() == 0


def test_shrug_gauge_turns_red_at_its_limit():
    style = Style.for_size(W, H)
    gauge = ann.ElevationGaugeAnnotator(style, threshold=0.08)
    below = gauge.annotate(np.zeros((H, W, 3), np.uint8), state(rise=0.05))
    above = gauge.annotate(np.zeros((H, W, 3), np.uint8), state(rise=0.08))
    red = fault_color("shrug")
    assert count_color(below, OK_COLOR, 2) > 20 and count_color(below, red, 2) == 0
    assert count_color(above, red, 2) > 20
    # For the shrug exercise rising is the point: no limit, never red.
    lift = ann.ElevationGaugeAnnotator(style, threshold=0.08, show_threshold=False)
    assert count_color(lift.annotate(np.zeros((H, W, 3), np.uint8), state(rise=0.2)), red, 2) == 0


def test_fault_banner_names_the_fault_or_says_clean():
    style = Style.for_size(W, H)
    clean = ann.FaultAnnotator(style).annotate(np.zeros((H, W, 3), np.uint8), state())
    assert count_color(clean, OK_COLOR, 30) > 500
    img = ann.FaultAnnotator(style).annotate(np.zeros((H, W, 3), np.uint8),
                                             state(findings=(Finding("swing", 15, 10, "deg", 1.0),)))
    assert count_color(img, KIND_COLORS["posture"], 30) > 500 and count_color(img, OK_COLOR, 30) < 50
    # Between reps: no banner.
    assert ann.FaultAnnotator(style).annotate(np.zeros((H, W, 3), np.uint8), state(rep=0)).max() == 0


def test_hud_and_view_badge_draw_where_they_should():
    style = Style.for_size(W, H)
    hud = ann.HudAnnotator(style)
    img = hud.annotate(np.zeros((H, W, 3), np.uint8), state())
    ys, xs = np.nonzero(img.max(axis=2))
    assert xs.max() <= hud.x + hud.w and ys.max() <= hud.y + hud.h  # stays in its panel, top left
    badge = ann.ViewBadgeAnnotator(style, "front", ["trunk swing", "neck position"])
    img = badge.annotate(np.zeros((H, W, 3), np.uint8), state())
    ys, xs = np.nonzero(img.max(axis=2))
    assert xs.min() >= W // 2 and ys.max() < H // 2  # top right


def _series(pose) -> PoseSeries:
    n = len(pose.times_s)
    return PoseSeries(pose.times_s, np.arange(n), pose.image_xy.astype(np.float32), pose.world_xyz.astype(np.float32),
                      pose.visibility.astype(np.float32), (640, 480), pose.fps)


@pytest.mark.parametrize("view", ["side", "front", "rear", "oblique"])
def test_the_gauge_and_the_chart_show_the_rules_shrug_limit(view):
    n = 150
    wave = 0.5 - 0.5 * np.cos(np.linspace(0, 10 * math.pi, n))
    series = _series(figure(n, trunk_deg=45.0, elbow=100 * wave, shoulder_rise=0.2 * wave))
    result = analyze_series(series, exercise="bent_over_row", view=view)
    limit = result.profile.faults.shrug.min_rise_ear_torso
    assert shrug_threshold(result) == limit
    gauges = [a for a in ann.default_annotators(result, (W, H)) if isinstance(a, ann.ElevationGaugeAnnotator)]
    assert gauges and gauges[0].thr == limit
    spec = signals_chart(result).to_dict()
    rules = [row["y"] for ds in spec["datasets"].values() for row in ds if set(row) == {"y"}]
    assert rules == [pytest.approx(limit * 100)]  # the rise panel's limit line, in % of torso
    for ra in result.assessed:
        for f in ra.findings:
            if f.name == "shrug":
                assert f.threshold == limit
    # Both sit at the right edge: the gauge (its SHRUG title) starts below the view badge, inside the frame.
    for w, h in ((W, H), (320, 240)):  # at 320x240 the centred gauge used to start under a three-line badge
        drawn = ann.default_annotators(result, (w, h))
        badge = next(a for a in drawn if isinstance(a, ann.ViewBadgeAnnotator))
        gauge = next(a for a in drawn if isinstance(a, ann.ElevationGaugeAnnotator))
        assert gauge.y >= badge.y + badge.h and gauge.y + gauge.h <= h, (w, h)

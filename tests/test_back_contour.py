"""The back-contour proxy on masks with exact truth: drawn trunks with a known bulge, and the synthetic
lifter's own silhouette (its exact person mask and joints) with a flat and a rounded back. No pose model."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from formcheck.back_contour import BackContourParams, back_arc_deg, measure
from formcheck.series import LANDMARK as L, N_LANDMARKS

W, H = 480, 320
HIP = np.array([110.0, 230.0])
SHOULDER = np.array([330.0, 150.0])
SPAN = BackContourParams().span


def arc_of(bow: float, span=SPAN) -> float:
    return float(np.degrees(4 * np.arctan(2 * bow / (span[1] - span[0]))))


def trunk(k: float = 0.0, *, ragged: float = 0.0, arm_to=None, mirror: bool = False):
    """A bent-over trunk in profile facing right: (mask (H, W) float, landmarks (33, 2), visibility (33,)).

    The back's edge lies ``0.2 + k (s - 0.2)(0.9 - s)`` torso lengths behind the hip-shoulder axis at
    fraction s of it, so over the measured span (0.2-0.9) it bulges ``k x 0.1225`` beyond its chord.
    """
    v = SHOULDER - HIP
    torso = float(np.linalg.norm(v))
    u = v / torso
    chest = np.array([-u[1], u[0]])  # toward the chest (down-right for a lifter facing right)
    s = np.linspace(-0.1, 1.15, 200)
    depth = 0.2 + k * (s - 0.2) * (0.9 - s) + ragged * ((np.arange(len(s)) % 6) >= 3)
    back = HIP + torso * (s[:, None] * u - depth[:, None] * chest)
    front = (HIP + torso * (s[:, None] * u + 0.22 * chest))[::-1]
    poly = np.vstack([back, front])
    img = np.zeros((H, W), np.uint8)
    cv2.fillPoly(img, [np.round(poly * 16).astype(np.int32)], 255, cv2.LINE_AA, shift=4)
    xy = np.full((N_LANDMARKS, 2), np.nan)
    xy[L["left_hip"]] = xy[L["right_hip"]] = HIP
    xy[L["left_shoulder"]] = xy[L["right_shoulder"]] = SHOULDER
    head = SHOULDER + 0.35 * torso * u
    xy[L["left_ear"]] = xy[L["right_ear"]] = head
    xy[L["nose"]] = head + 0.15 * torso * u + 0.12 * torso * chest
    # Arms hang from the shoulder on the chest side.
    xy[L["left_elbow"]] = xy[L["right_elbow"]] = SHOULDER + 0.6 * torso * chest
    xy[L["left_wrist"]] = xy[L["right_wrist"]] = SHOULDER + 1.1 * torso * chest
    if arm_to is not None:  # the elbow driven up behind the back (top of a row)
        el = SHOULDER + torso * (arm_to[0] * u - arm_to[1] * chest)
        cv2.line(img, tuple(int(x) for x in SHOULDER), tuple(int(x) for x in el), 255, int(0.14 * torso))
        xy[L["left_elbow"]] = xy[L["right_elbow"]] = el
        xy[L["left_wrist"]] = xy[L["right_wrist"]] = el + 0.4 * torso * chest
    vis = np.ones(N_LANDMARKS)
    if mirror:
        img = img[:, ::-1].copy()
        xy = xy.copy()
        xy[:, 0] = W - 1 - xy[:, 0]
    return img.astype(np.float32) / 255.0, xy, vis


@pytest.mark.parametrize("k", [0.0, 0.15, 0.3, 0.45])
def test_the_bow_and_arc_match_the_drawn_bulge(k):
    scan = measure(*trunk(k))
    assert scan.why == ""
    assert scan.bow == pytest.approx(0.1225 * k, abs=0.004)  # under a pixel at a 235 px torso
    assert scan.arc_deg == pytest.approx(arc_of(0.1225 * k), abs=1.5)
    assert back_arc_deg(*trunk(k)) == scan.arc_deg


def test_rounder_backs_read_higher_and_facing_does_not_matter():
    arcs = [back_arc_deg(*trunk(k)) for k in (0.0, 0.1, 0.2, 0.3, 0.4)]
    assert arcs == sorted(arcs) and arcs[0] < 2.0 and arcs[-1] > 25.0
    for k in (0.0, 0.3):
        assert back_arc_deg(*trunk(k, mirror=True)) == pytest.approx(back_arc_deg(*trunk(k)), abs=0.5)


def test_a_hollow_back_reads_as_flat_not_negative():
    assert 0.0 <= back_arc_deg(*trunk(-0.3)) < 1.0


@pytest.mark.parametrize("change, why", [
    (lambda m, xy, vis: (m, xy, np.where(np.arange(N_LANDMARKS) == L["left_hip"], 0.2, vis)),
     "trunk not clearly visible"),
    (lambda m, xy, vis: (m, _set(xy, "nose", (xy[L["left_ear"]])), vis), "cannot tell the back from the chest"),
    (lambda m, xy, vis: (m, _set(xy, "right_shoulder", xy[L["left_shoulder"]] + (0, 260)), vis),
     "back not side-on"),
    (lambda m, xy, vis: (m, _set(xy, "left_hip", (np.nan, np.nan)), vis), "no trunk"),
    (lambda m, xy, vis: (m[::5, ::5].copy(), xy / 5, vis), "trunk too small"),
    (lambda m, xy, vis: (np.zeros_like(m), xy, vis), "back edge not found"),
])
def test_frames_that_cannot_be_measured_say_why(change, why):
    scan = measure(*change(*trunk(0.3)))
    assert np.isnan(scan.bow) and np.isnan(scan.arc_deg) and scan.why == why


def _set(xy, name, value):
    xy = xy.copy()
    xy[L[name]] = value
    return xy


def test_an_elbow_behind_the_back_is_not_read_as_a_hump():
    # The elbow driven up past the back at the top of a row: its silhouette bulges the outline near the shoulder.
    scan = measure(*trunk(0.0, arm_to=(-0.3, 0.45)))
    assert np.isnan(scan.arc_deg) and scan.why == "an arm crosses the back"
    assert scan.blocked[scan.s > 0.75].all() and not scan.blocked[scan.s < 0.5].any()
    # An arm hanging on the chest side leaves the back alone.
    assert not measure(*trunk(0.0)).blocked.any()


def test_a_ragged_edge_is_not_a_back():
    scan = measure(*trunk(0.0, ragged=0.05))  # hair or loose clothing over the back
    assert np.isnan(scan.arc_deg) and scan.why == "back edge ragged"


def test_a_boolean_mask_works_too():
    m, xy, vis = trunk(0.3)
    assert back_arc_deg(m > 0.5, xy, vis) == pytest.approx(back_arc_deg(m, xy, vis), abs=1.5)


# --- the drawn lifter's own silhouette ---------------------------------------------------------------------


def _lifter_arcs(thoracic_deg: float, **spec) -> np.ndarray:
    from formcheck.synthetic import RepSpec, make_spec, plan_clip
    from formcheck.synthetic.clip import truth
    from formcheck.synthetic.figure import person_mask

    clip = plan_clip(make_spec("row_side_clean", reps=[RepSpec(thoracic_deg=thoracic_deg)], fps=5, **spec))
    tr = truth(clip)
    w, h = clip.spec.size
    arcs = []
    for i in range(clip.frame_count):
        xy = np.full((N_LANDMARKS, 2), np.nan)
        for name, track in tr["frames"]["joints"].items():
            xy[L[name]] = track[i]
        vis = np.ones(N_LANDMARKS)
        vis[[L["right_shoulder"], L["right_elbow"], L["right_hip"]]] = 0.8  # the far side, as a pose model sees it
        arcs.append(back_arc_deg(person_mask(clip.poses[i], clip.camera, w, h, tuple(clip.shake_px[i])), xy, vis))
    return np.array(arcs)


@pytest.mark.parametrize("spec", [{}, {"yaw_deg": 120.0}], ids=["side", "rear_oblique"])
def test_the_synthetic_lifters_rounded_back_reads_rounded_and_its_flat_back_flat(spec):
    # With exact joints even the rear-oblique outline shows the rounding; what fails there is the pose model's
    # placement of the shoulders and hips (benchmarks/back_contour.py), so the analysis judges the side view only.
    flat, rounded = _lifter_arcs(0.0, **spec), _lifter_arcs(30.0, **spec)
    assert np.isfinite(flat).mean() > 0.4 and np.isfinite(rounded).mean() > 0.4
    assert np.nanmedian(flat) < 13.0 < 20.0 < np.nanmedian(rounded)

"""Kinematic signals, view and exercise detection on a hand-built stick figure (no video, no pose model).

The figure stands or hinges at a chosen trunk angle, seen from the side (facing image right) or the
front; its world landmarks put the shoulder line across the camera (front) or along it (side).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from formcheck import config
from formcheck.analysis.detect import detect_exercise, detect_view
from formcheck.analysis.filtering import CleanPose
from formcheck.analysis.signals import angle_deg, compute_signals, detect_facing
from formcheck.series import LANDMARK as L
from formcheck.series import N_LANDMARKS

TORSO = 100.0  # pixels, hip to shoulder


def figure(n: int = 60, *, trunk_deg=0.0, view="side", elbow=None, shoulder_rise=None, fps=30.0) -> CleanPose:
    """A stick figure over n frames. trunk_deg, elbow (deg of flexion) and shoulder_rise (torso lengths)
    may be scalars or (n,) arrays."""
    trunk = np.broadcast_to(np.asarray(trunk_deg, float), (n,))
    flex = np.broadcast_to(np.asarray(0.0 if elbow is None else elbow, float), (n,))
    rise = np.broadcast_to(np.asarray(0.0 if shoulder_rise is None else shoulder_rise, float), (n,))
    xy = np.full((n, N_LANDMARKS, 2), np.nan)
    w = np.full((n, N_LANDMARKS, 3), np.nan)
    hip = np.array([300.0, 400.0])
    for i in range(n):
        a = math.radians(trunk[i])
        u = np.array([math.sin(a), -math.cos(a)])  # hip -> shoulder, leaning toward image right
        fwd = np.array([math.cos(a), math.sin(a)])  # chest side, for a lifter facing right
        sh = hip + u * TORSO * (1 + rise[i])
        ear = hip + u * TORSO * 1.25 + fwd * 5
        # Upper arm hangs straight down; the forearm bends forward by the flexion angle.
        el = sh + np.array([0.0, 0.45 * TORSO])
        f = math.radians(flex[i])
        wr = el + 0.45 * TORSO * np.array([math.sin(f), math.cos(f)])
        if view == "side":
            for side, dz in (("left", -0.01), ("right", 0.01)):
                xy[i, L[f"{side}_shoulder"]], xy[i, L[f"{side}_hip"]] = sh, hip
                xy[i, L[f"{side}_elbow"]], xy[i, L[f"{side}_wrist"]], xy[i, L[f"{side}_ear"]] = el, wr, ear
                xy[i, L[f"{side}_knee"]] = hip + np.array([40.0, 90.0])
            xy[i, L["nose"]] = ear + np.array([15.0, 5.0])
            for side, z in (("left", -0.18), ("right", 0.18)):  # the shoulder line runs along the camera axis
                w[i, L[f"{side}_shoulder"]] = [0, -0.5, z]
                w[i, L[f"{side}_hip"]] = [0, 0, z * 0.7]
        else:
            for side, dx in (("left", 35.0), ("right", -35.0)):  # facing the camera: left shoulder on the right
                xy[i, L[f"{side}_shoulder"]] = sh + [dx, 0]
                xy[i, L[f"{side}_hip"]] = hip + [dx * 0.7, 0]
                xy[i, L[f"{side}_elbow"]], xy[i, L[f"{side}_wrist"]] = el + [dx * 1.2, 0], wr + [dx * 1.2, 0]
                xy[i, L[f"{side}_ear"]] = ear + [dx * 0.3, 0]
                xy[i, L[f"{side}_knee"]] = hip + [dx * 0.7, 90]
            xy[i, L["nose"]] = ear
            for side, x in (("left", 0.18), ("right", -0.18)):
                w[i, L[f"{side}_shoulder"]] = [x, -0.5, 0]
                w[i, L[f"{side}_hip"]] = [x * 0.7, 0, 0]
    for name in ("elbow", "wrist"):  # world arms: enough for the 3-D elbow angle to exist (y points down)
        for side in ("left", "right"):
            w[:, L[f"{side}_{name}"]] = w[:, L[f"{side}_shoulder"]] + [0, 0.3 if name == "elbow" else 0.6, 0]
    for side in ("left", "right"):  # standing: knees straight below the hips
        w[:, L[f"{side}_knee"]] = w[:, L[f"{side}_hip"]] + [0, 0.45, 0]
    w[:, L["nose"]] = (w[:, L["left_shoulder"]] + w[:, L["right_shoulder"]]) / 2 + [0.05, -0.25, 0]
    vis = np.where(np.isfinite(xy[..., 0]), 0.99, 0.0)
    vis[:, [L["nose"], L["left_eye"], L["right_eye"]]] = 0.99
    t = np.arange(n) / fps
    return CleanPose(t, xy, w, vis, np.ones(n, bool), fps)


def test_angle_of_three_points():
    a, b, c = np.array([[0.0, 1.0]]), np.array([[0.0, 0.0]]), np.array([[1.0, 0.0]])
    assert angle_deg(a, b, c)[0] == pytest.approx(90.0)
    assert angle_deg(a, b, -a)[0] == pytest.approx(180.0)


def test_trunk_inclination_is_signed_from_the_side():
    pose = figure(trunk_deg=40.0)
    sig = compute_signals(pose, "side")
    assert sig.facing == 1
    assert np.nanmedian(sig["trunk_inclination"]) == pytest.approx(40.0, abs=0.5)
    back = compute_signals(figure(trunk_deg=-15.0), "side")  # leaning back past vertical stays negative
    assert np.nanmedian(back["trunk_inclination"]) == pytest.approx(-15.0, abs=0.5)


def test_elbow_flexion_and_shoulder_elevation_proxies():
    flex = np.linspace(0, 90, 60)
    sig = compute_signals(figure(elbow=flex), "side")
    assert 180 - sig["elbow_angle"][0] == pytest.approx(0.0, abs=1) and 180 - sig["elbow_angle"][-1] == pytest.approx(
        90.0, abs=1)
    up = compute_signals(figure(shoulder_rise=np.linspace(0, 0.1, 60)), "side")
    # Rising shoulders: farther from the hips, closer to the ears (the ear proxy is minus the distance).
    assert up["shoulder_elev_hip"][-1] - up["shoulder_elev_hip"][0] == pytest.approx(0.1, abs=0.01)
    assert up["shoulder_elev_ear"][-1] > up["shoulder_elev_ear"][0]


def test_facing_and_view_from_the_landmarks():
    cfg = config.resolve("unknown_row", "side").detect.view
    side = figure(trunk_deg=45.0)
    assert detect_facing(side) == 1
    v = detect_view(side, cfg)
    assert v.view == "side" and v.yaw_deg > 80
    front = figure(view="front")
    v = detect_view(front, cfg)
    assert v.view == "front" and v.yaw_deg < 5
    # Turn the front figure's world shoulder and hip lines by 40 degrees: oblique.
    turned = figure(view="front")
    rot = np.array([[math.cos(math.radians(40)), 0, math.sin(math.radians(40))], [0, 1, 0],
                    [-math.sin(math.radians(40)), 0, math.cos(math.radians(40))]])
    turned.world_xyz[:] = turned.world_xyz @ rot.T
    assert detect_view(turned, cfg).view == "oblique"


def test_exercise_detection_tells_a_shrug_from_a_row():
    cfg = config.resolve("unknown_row", "side").detect.exercise
    n = 90
    wave = 0.5 - 0.5 * np.cos(np.linspace(0, 6 * math.pi, n))  # three reps
    shrug = figure(n, view="front", shoulder_rise=0.12 * wave)
    est = detect_exercise(shrug, compute_signals(shrug, "front"), cfg)
    assert est.exercise == "shrug", est.reason
    row = figure(n, trunk_deg=50.0, elbow=100 * wave)
    est = detect_exercise(row, compute_signals(row, "side"), cfg)
    assert est.exercise == "bent_over_row", est.reason

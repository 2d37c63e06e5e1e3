"""Camera-view and exercise detection from cleaned landmarks and signals.

Rule-based and explainable: each estimate carries a confidence and a reason in
plain words. Users can always override with ``--view`` / ``--exercise``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..config import ExerciseDetectCfg, ViewDetectCfg
from ..series import LANDMARK as L
from .filtering import CleanPose
from .signals import Signals


@dataclass(frozen=True)
class ViewEstimate:
    view: str
    yaw_deg: float  # 0: shoulders square to the camera, 90: side on
    confidence: float


def detect_view(pose: CleanPose, cfg: ViewDetectCfg) -> ViewEstimate:
    """Camera view from the shoulder and hip lines' yaw in world coordinates.

    Front vs rear uses the face: landmarks of the face visible, and the lifter's
    left shoulder on the image's right, mean the lifter faces the camera.
    """
    w = pose.world_xyz
    yaws = []
    for a, b in (("left_shoulder", "right_shoulder"), ("left_hip", "right_hip")):
        d = w[:, L[a]] - w[:, L[b]]
        yaws.append(np.degrees(np.arctan2(np.abs(d[:, 2]), np.abs(d[:, 0]))))
    yaw3d = float(np.nanmedian(np.concatenate(yaws)))
    xy = pose.image_xy
    yaw = yaw3d
    if not np.isfinite(yaw):
        return ViewEstimate("front", float("nan"), 0.0)
    lo, hi = cfg.front_max_yaw_deg, cfg.side_min_yaw_deg
    if yaw < lo:
        face = np.nanmedian(pose.visibility[:, [L["nose"], L["left_eye"], L["right_eye"]]])
        left_on_right = np.nanmedian(xy[:, L["left_shoulder"], 0] - xy[:, L["right_shoulder"], 0]) > 0
        view = "front" if (face > cfg.face_min_visibility and left_on_right) else "rear" if not left_on_right else "front"
        conf = min(1.0, (lo - yaw) / 15)
    elif yaw > hi:
        view, conf = "side", min(1.0, (yaw - hi) / 20)
    else:
        view, conf = "oblique", min(1.0, min(yaw - lo, hi - yaw) / 10)
    return ViewEstimate(view, yaw, float(conf))


@dataclass(frozen=True)
class ExerciseEstimate:
    exercise: str
    confidence: float
    reason: str


def detect_exercise(pose: CleanPose, signals: Signals, cfg: ExerciseDetectCfg) -> ExerciseEstimate:
    """Rule-based guess of the exercise from posture and what moves.

    Shrug: the elbows stay straight while the shoulders rise and fall. Otherwise
    rows are told apart by trunk angle, hip height and where the hands travel.
    Users can always override with ``--exercise``.
    """
    elbow = signals["elbow_angle"]
    v = signals.valid & np.isfinite(elbow)
    if v.sum() < 5:
        return ExerciseEstimate("unknown_row", 0.0, "too few frames with the arms visible")
    def spread(x: np.ndarray) -> float:
        x = x[v & np.isfinite(x)]
        return float(np.percentile(x, 95) - np.percentile(x, 5)) if len(x) > 4 else 0.0

    hand_range = spread(signals["hand_travel"])
    elev_range = spread(signals["shoulder_elev_ear"])
    # A shrug moves the shoulders while the hands stay fixed to them (arms hang straight); a row
    # that shrugs still moves the hands a long way relative to the shoulders.
    if hand_range < cfg.shrug_max_hand_range and elev_range >= cfg.shrug_min_elev_range and \
            elev_range >= cfg.shrug_min_elev_to_hand * hand_range:
        return ExerciseEstimate("shrug", 0.8, f"shoulders rise and fall ({elev_range:.2f} torso) while the hands "
                                              f"stay with them ({hand_range:.2f})")
    xy = pose.image_xy
    wrist_y = np.nanmedian(np.minimum(xy[:, L["left_wrist"], 1], xy[:, L["right_wrist"], 1]))
    nose_y = np.nanmedian(xy[:, L["nose"], 1])
    sh_y = np.nanmedian((xy[:, L["left_shoulder"], 1] + xy[:, L["right_shoulder"], 1]) / 2)
    hip_y = np.nanmedian((xy[:, L["left_hip"], 1] + xy[:, L["right_hip"], 1]) / 2)
    knee_y = np.nanmedian((xy[:, L["left_knee"], 1] + xy[:, L["right_knee"], 1]) / 2)
    torso = signals.torso_px
    wrists_high = np.nanpercentile(np.minimum(xy[:, L["left_wrist"], 1], xy[:, L["right_wrist"], 1])[v], 10)
    if wrists_high < nose_y - cfg.pulldown_hands_above_nose_torso * torso:
        return ExerciseEstimate("lat_pulldown", 0.6, "hands travel above the head")
    incl = np.nanmedian(signals["trunk_inclination"][v]) if signals.view in ("side", "oblique") else np.nan
    seated = np.isfinite(knee_y) and abs(knee_y - hip_y) < cfg.seated_max_knee_hip_torso * torso
    if signals.view == "side":
        lr = np.nanmedian(np.abs(signals["elbow_angle_left"] - signals["elbow_angle_right"])[v])
        wr_y = np.nanpercentile(np.minimum(xy[:, L["left_wrist"], 1], xy[:, L["right_wrist"], 1])[v], 10)
        if incl < cfg.face_pull_max_trunk_deg and wr_y < sh_y and not seated:
            return ExerciseEstimate("face_pull", 0.5, "upright trunk, hands at face height")
        if incl < cfg.seated_row_max_trunk_deg and seated:
            return ExerciseEstimate("seated_cable_row", 0.6, "seated with an upright trunk")
        if incl >= cfg.one_arm_min_trunk_deg and lr > cfg.one_arm_min_lr_elbow_deg:
            return ExerciseEstimate("one_arm_row", 0.5, "trunk near horizontal, one arm rows")
        if incl >= cfg.bent_over_min_trunk_deg:
            return ExerciseEstimate("bent_over_row", 0.6, f"hip hinge ({incl:.0f} deg from vertical)")
        return ExerciseEstimate("unknown_row", 0.3, "upright trunk")
    if seated:
        return ExerciseEstimate("chest_supported_row" if wrist_y > sh_y else "seated_cable_row", 0.4,
                                "seated, seen from the front")
    if wrists_high < sh_y - cfg.face_pull_hands_above_shoulders_torso * torso:  # a row brings the hands to the ribs, a face pull to the face
        return ExerciseEstimate("face_pull", 0.5, "standing, hands pulled up to face height")
    return ExerciseEstimate("bent_over_row", 0.4, "standing pull, seen from the front")

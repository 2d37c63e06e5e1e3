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
    """Camera view from how wide the shoulders look in the image, which way round they are, and their 3-D yaw.

    The shoulders' horizontal separation in the image, in units of the ear-to-shoulder distance (a scale that
    does not depend on trunk lean or on the camera's distance): side on, they overlap (real side views read
    0.0-0.14, scripted 0.1); facing the camera the lifter's left shoulder is on the image's right (front,
    +1.35 to +3.0), seen from behind on its left (rear, -0.95 to -2.1). BlazePose's 3-D yaw then tells a
    front view from a front-oblique one; alone it failed on a rear close-up with the hips out of frame (it
    read a side view there).
    """
    xy, w = pose.image_xy, pose.world_xyz
    ear_sh = (np.linalg.norm(xy[:, L["left_ear"]] - xy[:, L["left_shoulder"]], axis=1) +
              np.linalg.norm(xy[:, L["right_ear"]] - xy[:, L["right_shoulder"]], axis=1)) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        width = float(np.nanmedian((xy[:, L["left_shoulder"], 0] - xy[:, L["right_shoulder"], 0]) / ear_sh))
    d = w[:, L["left_shoulder"]] - w[:, L["right_shoulder"]]
    yaw = float(np.nanmedian(np.degrees(np.arctan2(np.abs(d[:, 2]), np.abs(d[:, 0])))))
    if not np.isfinite(width):
        return ViewEstimate("front", float("nan"), 0.0)
    side = cfg.side_max_width
    if abs(width) < side:
        return ViewEstimate("side", yaw, float(min(1.0, (side - abs(width)) / (0.5 * side))))
    if width < 0:
        return ViewEstimate("rear", yaw, float(min(1.0, (-width - side) / side)))
    if not np.isfinite(yaw) or yaw < cfg.front_max_yaw_deg:
        return ViewEstimate("front", yaw, float(min(1.0, (width - side) / side)))
    return ViewEstimate("oblique", yaw, float(min(1.0, (yaw - cfg.front_max_yaw_deg) / 15)))


@dataclass(frozen=True)
class ExerciseEstimate:
    """The exercise the movement looks like, with the candidates it could also be.

    Attributes:
        exercise: the best candidate.
        confidence: 0..1 for the best candidate.
        reason: what was seen, in plain words.
        candidates: (exercise, confidence) best first; more than one when two are close (unsure).
    """

    exercise: str
    confidence: float
    reason: str
    candidates: tuple[tuple[str, float], ...] = ()

    @property
    def unsure(self) -> bool:
        return len(self.candidates) > 1


def _spread(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(np.percentile(x, 95) - np.percentile(x, 5)) if len(x) > 4 else float("nan")


def exercise_features(pose: CleanPose, signals: Signals) -> dict[str, float]:
    """What tells the exercises apart, per clip (distances in torso lengths, angles in degrees).

    hand_range, elev_range: spread of the hands' travel and of the shoulders' rise toward the ears;
    flexion_range: spread of the elbow flexion (straight arms in a shrug);
    hands_above_shoulders, hands_above_nose: how high the higher wrist gets (90th percentile), from the
    3-D landmarks (a pulldown reaches overhead, a face pull to the face, a row stays low);
    thigh_deg: thigh from vertical (0 standing, 90 seated), 3-D;
    arm_ratio: the less moving arm's image travel over the more moving one's (one-arm rows: low);
    trunk_deg: trunk from vertical in the image, side and oblique views only (NaN otherwise).
    """
    w = pose.world_xyz.copy()
    # Hidden hands (a seated row seen from behind) have made-up 3-D places: where the hands go is unknown.
    wrists = [L["left_wrist"], L["right_wrist"]]
    if np.nanmedian(np.nan_to_num(pose.visibility[:, wrists], nan=0.0)) < 0.3:
        w[:, wrists] = np.nan
    mid = lambda a, b: (w[:, L[a]] + w[:, L[b]]) / 2  # noqa: E731
    sh, hip, knee = mid("left_shoulder", "right_shoulder"), mid("left_hip", "right_hip"), mid("left_knee", "right_knee")
    torso_m = float(np.nanmedian(np.linalg.norm(sh - hip, axis=1)))
    wrist_y = np.fmin(w[:, L["left_wrist"], 1], w[:, L["right_wrist"], 1])  # y points down: the higher wrist
    thigh = knee - hip
    thigh_deg = np.degrees(np.arccos(np.clip(thigh[:, 1] / np.linalg.norm(thigh, axis=1), -1, 1)))
    knees_seen = np.nanmedian(pose.visibility[:, [L["left_knee"], L["right_knee"]]])
    xy = pose.image_xy
    travel = []
    hand = "elbow" if not np.isfinite(w[:, L["left_wrist"]]).any() else "wrist"  # hidden hands: the elbows
    for side in ("left", "right"):
        d = np.linalg.norm(xy[:, L[f"{side}_{hand}"]] - xy[:, L[f"{side}_shoulder"]], axis=1)
        travel.append(_spread(d))
    arm_ratio = min(travel) / max(travel) if all(np.isfinite(travel)) and max(travel) > 0 else float("nan")
    incl = signals["trunk_inclination"] if signals.view in ("side", "oblique") else np.full(len(xy), np.nan)
    with np.errstate(invalid="ignore"):
        return {
            "hand_range": _spread(signals["hand_travel"]),
            "elev_range": _spread(signals["shoulder_elev_ear"]),
            "flexion_range": _spread(180.0 - signals["elbow_angle"]),
            "hands_above_shoulders": float(np.nanpercentile((sh[:, 1] - wrist_y) / torso_m, 90)),
            "hands_above_nose": float(np.nanpercentile((w[:, L["nose"], 1] - wrist_y) / torso_m, 90)),
            "thigh_deg": float(np.nanmedian(thigh_deg)) if knees_seen >= 0.5 else float("nan"),
            "arm_ratio": float(arm_ratio),
            "trunk_deg": float(np.nanmedian(np.abs(incl))) if np.isfinite(incl).any() else float("nan"),
        }


def _score(x: float, lo: float, hi: float) -> float:
    """0 at or below lo, 1 at or above hi, linear between (0.5 for unknown)."""
    if not np.isfinite(x):
        return 0.5
    return float(np.clip((x - lo) / (hi - lo), 0.0, 1.0)) if hi != lo else float(x >= hi)


def detect_exercise(pose: CleanPose, signals: Signals, cfg: ExerciseDetectCfg) -> ExerciseEstimate:
    """Which exercise the movement looks like, with a confidence, and the close alternatives.

    Rules in plain terms (thresholds from the profile's ``detect.exercise``): a shrug keeps the arms straight
    while the shoulders rise and fall; a pulldown reaches overhead; a face pull brings the hands to the face;
    rows keep the hands below the shoulders, one arm at a time for a one-arm row, seated upright for a seated
    cable row, hinged for a bent-over row. What the camera cannot show (a chest pad) leaves two candidates,
    and the analysis then asks instead of guessing. ``--exercise`` always wins.
    """
    f = exercise_features(pose, signals)
    if not np.isfinite(f["hand_range"]) and not np.isfinite(f["elev_range"]):
        return ExerciseEstimate("unknown_row", 0.0, "too few frames with the arms visible", (("unknown_row", 0.0),))
    # How much each family fits (0..1). A shrug: the hands stay with the shoulders (little travel, most of it
    # the shoulders' own rise). The elbow angle only helps from the side: from the front the 3-D elbow is
    # foreshortened (scripted rows read 7-18 deg of bend there).
    hands_still = 1.0 - _score(f["hand_range"], cfg.shrug_max_hand_range - 0.05, cfg.shrug_max_hand_range + 0.1)
    shoulders = _score(f["elev_range"], cfg.shrug_min_elev_range - 0.02, cfg.shrug_min_elev_range + 0.02)
    ratio = f["elev_range"] / f["hand_range"] if f["hand_range"] and np.isfinite(f["hand_range"]) else float("nan")
    theirs = _score(ratio, cfg.shrug_min_elev_to_hand - 0.15, cfg.shrug_min_elev_to_hand + 0.05)
    shrug = min(hands_still, shoulders, theirs)
    if signals.view == "side":
        shrug = min(shrug, 1.0 - _score(f["flexion_range"], cfg.shrug_max_flexion_deg, 2 * cfg.shrug_max_flexion_deg))
    # Where the hands go (unknown when they are hidden: then no reason to think they go up).
    overhead = _score(f["hands_above_nose"], cfg.pulldown_hands_above_nose_torso - 0.15,
                      cfg.pulldown_hands_above_nose_torso + 0.15) if np.isfinite(f["hands_above_nose"]) else 0.0
    to_face = (_score(f["hands_above_shoulders"], cfg.face_pull_hands_above_shoulders_torso - 0.1,
                      cfg.face_pull_hands_above_shoulders_torso + 0.1) if np.isfinite(f["hands_above_shoulders"])
               else 0.0) * (1.0 - overhead)
    row = (1.0 - shrug) * (1.0 - overhead) * (1.0 - to_face)
    hinged = _score(f["trunk_deg"], cfg.bent_over_min_trunk_deg - 10, cfg.bent_over_min_trunk_deg + 10)
    seated = _score(f["thigh_deg"], cfg.seated_min_thigh_deg - 10, cfg.seated_min_thigh_deg + 10)
    if not np.isfinite(f["thigh_deg"]) and np.isfinite(f["trunk_deg"]):
        seated = 1.0 - hinged  # knees hidden: a row pulled with the trunk hinged is stood (or on a pad), not sat
    # One arm at a time: from the front by the arms' travel, from the side by their elbow angles (the far arm
    # often hidden: no evidence is two arms).
    if signals.view != "side":
        one_arm = 1.0 - _score(f["arm_ratio"], cfg.one_arm_max_arm_ratio - 0.08, cfg.one_arm_max_arm_ratio + 0.08)
    else:
        lr = _side_lr_elbow(signals)
        one_arm = _score(lr, cfg.one_arm_min_lr_elbow_deg - 10, cfg.one_arm_min_lr_elbow_deg + 10) if np.isfinite(lr) \
            else 0.0
    scores = {
        "shrug": shrug,
        "lat_pulldown": overhead * (1.0 - shrug),
        "face_pull": to_face * (1.0 - shrug),
        "one_arm_row": row * one_arm,
        "seated_cable_row": row * (1 - one_arm) * seated * (1.0 - hinged if np.isfinite(f["trunk_deg"]) else 0.5),
        "bent_over_row": row * (1 - one_arm) * (1 - seated) * (hinged if np.isfinite(f["trunk_deg"]) else 0.5),
    }
    # A chest pad is invisible: a chest-supported row looks like a bent-over row (standing at an incline bench)
    # or a seated row (seated at a machine). Seen from the side, the trunk's angle and the legs favour the
    # free-standing or seated row (the commoner ones); from the front or behind, where the trunk's lean is not
    # measured, it is as likely as the one it resembles, a little less (0.9), so the analysis asks.
    two_arm_row = row * (1 - one_arm)
    scores["chest_supported_row"] = (two_arm_row * 0.36 if np.isfinite(f["trunk_deg"]) else
                                     0.9 * max(scores["seated_cable_row"], scores["bent_over_row"]))
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    total = sum(v for _, v in ranked) or 1.0
    conf = [(k, round(v / total, 2)) for k, v in ranked]
    best, best_c = conf[0]
    close = tuple((k, c) for k, c in conf if k == best or (c >= cfg.unsure_within * best_c and c > 0.1))
    return ExerciseEstimate(best, best_c, _reason(best, f), close[:3])


def _side_lr_elbow(signals: Signals) -> float:
    d = np.abs(signals["elbow_angle_left"] - signals["elbow_angle_right"])
    return float(np.nanmedian(d)) if np.isfinite(d).any() else float("nan")


def _reason(exercise: str, f: dict[str, float]) -> str:
    return {
        "shrug": f"the arms stay straight ({f['flexion_range']:.0f}\u00b0 of elbow bend) while the shoulders rise "
                 f"and fall",
        "lat_pulldown": "the hands reach above the head",
        "face_pull": "the hands come up to face height",
        "one_arm_row": "one arm pulls while the other stays still",
        "seated_cable_row": "seated, pulling toward the trunk",
        "bent_over_row": "hinged forward, pulling toward the trunk",
        "chest_supported_row": "pulling toward a supported trunk",
    }.get(exercise, "")

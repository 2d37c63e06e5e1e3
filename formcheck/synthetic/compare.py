"""Compare pose landmarks with a synthetic clip's ground truth.

Errors are Euclidean pixel distances divided by the frame's torso length
(mid-hip to mid-shoulder distance of the *truth*, in pixels), reported in
percent. Frames where the estimate is NaN count as not detected and are left
out of the error statistics.
"""

from __future__ import annotations

import numpy as np

from ..series import LANDMARK

JOINT_GROUPS: dict[str, tuple[str, str]] = {
    "shoulders": ("left_shoulder", "right_shoulder"),
    "elbows": ("left_elbow", "right_elbow"),
    "wrists": ("left_wrist", "right_wrist"),
    "hips": ("left_hip", "right_hip"),
}


def truth_joints(truth: dict) -> dict[str, np.ndarray]:
    """Truth joint tracks as name -> (T, 2) float arrays (pixels)."""
    return {k: np.asarray(v, np.float64) for k, v in truth["frames"]["joints"].items()}


def torso_length_px(truth: dict) -> np.ndarray:
    """(T,) truth torso length per frame: mid-hip to mid-shoulder distance in pixels."""
    j = truth_joints(truth)
    mid_hip = (j["left_hip"] + j["right_hip"]) / 2
    mid_sh = (j["left_shoulder"] + j["right_shoulder"]) / 2
    return np.linalg.norm(mid_sh - mid_hip, axis=1)


def landmark_errors(truth: dict, image_xy: np.ndarray) -> dict:
    """Detection rate and landmark errors of BlazePose output against the truth.

    Args:
        truth: the clip's truth dict (see :func:`formcheck.synthetic.render_clip`).
        image_xy: (T, 33, 2) BlazePose pixel coordinates for the same frames (NaN = not detected),
            e.g. ``PoseSeries.image_xy``.

    Returns:
        dict with ``detection_rate`` (0..1), ``frames`` (T), ``median_pct`` {group: median error in % of
        torso length, both sides pooled}, ``median_pct_joint`` {joint: median %} and ``p90_pct`` {group: 90th
        percentile %}.
    """
    xy = np.asarray(image_xy, np.float64)
    n = truth["frame_count"]
    if xy.shape[0] != n:
        raise ValueError(f"image_xy has {xy.shape[0]} frames but the truth has {n}.")
    j = truth_joints(truth)
    torso = torso_length_px(truth)
    detected = ~np.isnan(xy[:, 0, 0])
    out = {"detection_rate": float(detected.mean()) if n else 0.0, "frames": int(n),
           "median_pct": {}, "median_pct_joint": {}, "p90_pct": {}}
    for group, names in JOINT_GROUPS.items():
        pooled = []
        for name in names:
            e = np.linalg.norm(xy[:, LANDMARK[name]] - j[name], axis=1) / torso * 100.0
            e = e[detected]
            out["median_pct_joint"][name] = float(np.median(e)) if e.size else float("nan")
            pooled.append(e)
        allv = np.concatenate(pooled)
        out["median_pct"][group] = float(np.median(allv)) if allv.size else float("nan")
        out["p90_pct"][group] = float(np.percentile(allv, 90)) if allv.size else float("nan")
    return out

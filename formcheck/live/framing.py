"""The framing check before a live set: is the lifter where the camera can measure them?

Pure: one frame's landmarks in, one problem key out ("" when framed). The session
debounces it (framed for ``framing_ok_s`` -> "ready"), the overlay and the app's panel
show :data:`FRAMING_TEXT`, and the cue scheduler speaks :data:`FRAMING_WORDS`.

Thresholds come from the profile's ``live`` section (:class:`formcheck.config.LiveCfg`).
"""

from __future__ import annotations

import numpy as np

# BlazePose landmark indices used here.
NOSE, L_EAR, R_EAR = 0, 7, 8
L_SHOULDER, R_SHOULDER, L_HIP, R_HIP = 11, 12, 23, 24
L_ANKLE, R_ANKLE = 27, 28
HEAD = (NOSE, L_EAR, R_EAR)
ANKLES = (L_ANKLE, R_ANKLE)

#: Problem key -> what the lifter hears (short, lower case).
FRAMING_WORDS = {
    "nobody": "step into view",
    "centre": "move to the middle of the picture",
    "head": "step back, your head is not in the picture",
    "feet": "step back, your feet are not visible",
    "closer": "come closer to the camera",
    "turn_side": "turn side-on for rows",
}
#: Problem key -> what the overlay and the panel show.
FRAMING_TEXT = {
    "nobody": "Step into view: whole body in the picture",
    "centre": "Move to the middle of the picture",
    "head": "Step back: your head is not in the picture",
    "feet": "Step back: your feet are not visible",
    "closer": "Come closer to the camera",
    "turn_side": "Turn side-on for rows",
}
#: Exercises filmed side-on (the rows measure the most from the side; see formcheck.analysis.capabilities).
SIDE_ON = ("bent_over_row", "one_arm_row", "seated_cable_row", "chest_supported_row")


def check_framing(xy: np.ndarray, vis: np.ndarray, cfg, *, exercise: str = "auto", view: str | None = None) -> str:
    """The first framing problem in one frame, or "" when the lifter is framed.

    Args:
        xy: (33, 2) landmarks in image units (0..1, x right, y down); NaN rows: nobody found.
        vis: (33,) visibility (0..1).
        cfg: the profile's live section (``framing_*`` fields).
        exercise: the exercise ("auto" while unknown: no view advice).
        view: the camera view once decided (None while unknown).

    Returns:
        A key of :data:`FRAMING_WORDS`, or "".
    """
    xy = np.asarray(xy, float).reshape(-1, 2)
    vis = np.nan_to_num(np.asarray(vis, float).reshape(-1), nan=0.0)
    if xy.shape[0] < 33 or not np.isfinite(xy[[L_SHOULDER, R_SHOULDER, L_HIP, R_HIP]]).any():
        return "nobody"
    edge = cfg.framing_edge_frac
    with np.errstate(invalid="ignore"):
        inside = (np.isfinite(xy).all(axis=1) & (vis >= cfg.framing_min_visibility)
                  & (xy[:, 1] >= edge) & (xy[:, 1] <= 1.0 - edge) & (xy[:, 0] >= 0.0) & (xy[:, 0] <= 1.0))
    if not (inside[[L_SHOULDER, R_SHOULDER]].any() and inside[[L_HIP, R_HIP]].any()):
        return "centre"
    head = [i for i in HEAD if inside[i]]
    if not head:
        return "head"
    feet = [i for i in ANKLES if inside[i]]
    if cfg.framing_need_feet and not feet:
        return "feet"
    bottom = max(xy[i, 1] for i in feet) if feet else max(xy[i, 1] for i in (L_HIP, R_HIP) if inside[i])
    if bottom - min(xy[i, 1] for i in head) < cfg.framing_min_height_frac:
        return "closer"
    if exercise in SIDE_ON and view in ("front", "rear"):
        return "turn_side"
    return ""


__all__ = ["FRAMING_TEXT", "FRAMING_WORDS", "SIDE_ON", "check_framing"]

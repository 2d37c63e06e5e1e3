"""The back's contour in a person mask: how far it bows out between the hips and the shoulders.

BlazePose has no spine points, so a rounded upper back (thoracic flexion) cannot
be read from landmarks. What the camera does see from the side is the outline of
the back. This module measures it on one frame's person mask (the pose
landmarker's segmentation mask), guided by the landmarks:

1. The trunk axis runs from mid-hip to mid-shoulder (image, pixels). The lifter's
   back is on the side away from the nose.
2. At evenly spaced fractions ``s`` of the axis (``span``, 0 = hips, 1 = shoulders)
   the mask is scanned outward, perpendicular to the axis, on the back side; the
   dorsal edge is where the mask ends (a gap in the mask shorter than ``gap``
   torso lengths is bridged).
3. The **back bow** is the largest distance of that edge beyond the straight chord
   joining its two ends (a sagitta), in torso lengths: near 0 for a flat or hollow
   back, growing as the back rounds outward. It is reported as the **back arc**,
   the angle a circular arc with the same chord and sagitta turns through
   (``4 atan(2 bow / chord)``, degrees): the bend of the back's outline.

The span leaves out the seat (the buttocks stand out at hip level) and the top of
the shoulders (the trapezius curves down into the neck on every back). An arm
reaching the dorsal edge (the elbow behind the back at the top of a row) would
read as a hump, so any sample the arms' capsules come near makes the frame
unmeasured (NaN), as does a back that does not face the camera sideways (the
shoulders far apart in the image, or the face not in profile: a front or rear
view), a small or unseen trunk,
an edge beyond the image, or a ragged edge (long hair over the back, loose
clothing, a graphic drawn over the video): its scatter about a smooth curve above
``max_roughness``.

Oblique views do not work (checked on the drawn lifter): filmed from in front of the
side the outline is the flank, with the far arm hanging along it (few frames
measured); filmed from behind the side it is the back, but the pose model places
the shoulders and hips so that a flat back reads 22 degrees (8 from the side). The
analysis judges the back from the side only; frames here are not refused by view
(the pose model's left/right labels cannot tell front- from rear-oblique).

Pure numpy: it knows nothing of MediaPipe (:mod:`formcheck.pose` calls it per frame
and keeps only the number, never the mask).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .series import BACK_ARC, LANDMARK as L  # noqa: F401  (BACK_ARC: the extra this module fills)


@dataclass(frozen=True)
class BackContourParams:
    """How the back contour is scanned (lengths in torso lengths, the mid-hip to mid-shoulder distance).

    Attributes:
        span: the part of the trunk axis measured, as fractions from the hips (0) to the shoulders (1).
        samples: scan lines across that span.
        max_depth: how far beyond the axis the scan looks for the back's edge.
        gap: holes in the mask up to this long are bridged (clothing folds, mask noise).
        arm_radius: half-thickness of an arm (its capsule).
        arm_margin: a sample where an arm's capsule comes within this of the edge is unmeasured (landmark
            error). The upper arm's first quarter from the shoulder is part of the shoulder's own outline and
            is left out.
        max_shoulder_spread: apparent shoulder width over torso length above which the back does not face
            the camera sideways (drawn lifter: about 0.05 from the side, 0.6-1.0 at 45 degrees, 0.9-1.0 from
            the front or behind while bent over).
        min_nose_ahead: the nose must be this far ahead of the ears across the trunk (torso lengths) to tell
            the back from the chest (drawn lifter: 0.2-0.3 from the side, 0.13-0.34 at 45 degrees, under 0.03
            from the front or behind).
        min_torso_px: smaller trunks are not measured (one pixel of mask is 0.017 torso lengths at 60 px).
        min_visibility: hips and shoulders must be seen at least this well.
        max_roughness: the edge's RMS scatter about a quadratic through it (torso lengths) above which it is
            not a back's outline (real backs: 0.004-0.007; a ponytail over the back: 0.02-0.08).
        mask_threshold: mask probability above which a pixel is the person.
    """

    span: tuple[float, float] = (0.2, 0.9)
    samples: int = 29
    max_depth: float = 0.8
    gap: float = 0.03
    arm_radius: float = 0.08
    arm_margin: float = 0.04
    max_shoulder_spread: float = 1.0
    min_nose_ahead: float = 0.08
    min_torso_px: float = 60.0
    min_visibility: float = 0.5
    max_roughness: float = 0.015
    mask_threshold: float = 0.5


DEFAULT = BackContourParams()


@dataclass
class BackContour:
    """One frame's scan (for drawing and tests); pixel coordinates of the mask.

    Attributes:
        bow: the back bow (torso lengths; NaN when unmeasured).
        arc_deg: the back arc (degrees; NaN when unmeasured).
        why: why it is unmeasured ("" when measured).
        s: (N,) fractions of the trunk axis scanned.
        depth: (N,) distance of the dorsal edge from the axis, torso lengths (NaN where not found).
        blocked: (N,) an arm is near the edge there.
        edge_px: (N, 2) the dorsal edge points (pixels; NaN where not found).
        hip_px, shoulder_px: (2,) ends of the trunk axis.
        back_dir: (2,) unit vector toward the back.
        torso_px: trunk length in pixels.
    """

    bow: float
    arc_deg: float = float("nan")
    why: str = ""
    s: np.ndarray | None = None
    depth: np.ndarray | None = None
    blocked: np.ndarray | None = None
    edge_px: np.ndarray | None = None
    hip_px: np.ndarray | None = None
    shoulder_px: np.ndarray | None = None
    back_dir: np.ndarray | None = None
    torso_px: float = float("nan")


def _first_exit(on: np.ndarray, gap_n: int) -> np.ndarray:
    """Per row of a (N, M) bool array: index of the first run of at least gap_n False values (-1 if none)."""
    n, m = on.shape
    off = ~on
    if gap_n <= 1:
        run = off
    else:
        pad = np.concatenate([off, np.ones((n, gap_n - 1), bool)], axis=1)
        c = np.concatenate([np.zeros((n, 1), np.int32), np.cumsum(pad, axis=1, dtype=np.int32)], axis=1)
        run = (c[:, gap_n:gap_n + m] - c[:, :m]) == gap_n
    idx = np.argmax(run, axis=1)
    return np.where(run[np.arange(n), idx], idx, -1)


def _bilinear(m: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mask values at float pixel positions (bilinear; a bool mask reads as 0/1), and whether each is inside."""
    h, w = m.shape[:2]
    x0, y0 = np.floor(x), np.floor(y)
    inside = (x0 >= 0) & (x0 < w - 1) & (y0 >= 0) & (y0 < h - 1)
    xi = np.clip(x0, 0, w - 2).astype(np.int64)
    yi = np.clip(y0, 0, h - 2).astype(np.int64)
    fx, fy = x - x0, y - y0
    v = lambda dy, dx: m[yi + dy, xi + dx].astype(np.float32)  # noqa: E731
    val = (v(0, 0) * (1 - fx) + v(0, 1) * fx) * (1 - fy) + (v(1, 0) * (1 - fx) + v(1, 1) * fx) * fy
    return np.where(inside, val, 0.0), inside


def _arm_reach(st_points: list[np.ndarray], s: np.ndarray, radius: float) -> np.ndarray:
    """(N,) the largest depth any arm capsule reaches near each s (-inf where no arm is near)."""
    reach = np.full(len(s), -np.inf)
    f = np.linspace(0.0, 1.0, 24)[:, None]
    for a, b in st_points:
        if not (np.isfinite(a).all() and np.isfinite(b).all()):
            continue
        seg = a[None, :] + f * (b - a)[None, :]  # (24, 2) points (s, depth) along the bone
        near = np.abs(seg[:, 0][None, :] - s[:, None]) <= radius  # (N, 24)
        depth = np.where(near, seg[:, 1][None, :], -np.inf).max(axis=1)
        reach = np.maximum(reach, depth)
    return reach


def measure(mask: np.ndarray, xy: np.ndarray, visibility: np.ndarray,
            params: BackContourParams = DEFAULT) -> BackContour:
    """Measure the back bow on one frame.

    Args:
        mask: (H, W) person probability in [0, 1] (or bool).
        xy: (33, 2) landmarks in the mask's pixel coordinates.
        visibility: (33,) landmark visibility in [0, 1].
        params: scan settings.

    Returns:
        The scan, with ``bow`` NaN and ``why`` set when the frame cannot be measured.
    """
    p = params
    xy = np.asarray(xy, np.float64)
    vis = np.nan_to_num(np.asarray(visibility, np.float64), nan=0.0)
    names = ("left_hip", "right_hip", "left_shoulder", "right_shoulder")
    if not np.isfinite(xy[[L[n] for n in names]]).all():
        return BackContour(np.nan, why="no trunk")
    if vis[[L[n] for n in names]].min() < p.min_visibility:
        return BackContour(np.nan, why="trunk not clearly visible")
    hip = (xy[L["left_hip"]] + xy[L["right_hip"]]) / 2
    sh = (xy[L["left_shoulder"]] + xy[L["right_shoulder"]]) / 2
    torso = float(np.linalg.norm(sh - hip))
    if not torso >= p.min_torso_px:
        return BackContour(np.nan, why="trunk too small")
    if np.linalg.norm(xy[L["left_shoulder"]] - xy[L["right_shoulder"]]) / torso > p.max_shoulder_spread:
        return BackContour(np.nan, why="back not side-on")
    u = (sh - hip) / torso
    ears = (xy[L["left_ear"]] + xy[L["right_ear"]]) / 2
    across = np.array([-u[1], u[0]])  # perpendicular to the trunk axis
    ahead = float((xy[L["nose"]] - ears) @ across) / torso
    if not abs(ahead) >= p.min_nose_ahead:
        return BackContour(np.nan, why="cannot tell the back from the chest")
    back = -np.sign(ahead) * across  # away from the face

    s = np.linspace(p.span[0], p.span[1], p.samples)
    step = 1.0 / torso  # one pixel, in torso lengths
    t = np.arange(0.0, p.max_depth, step)
    pts = hip[None, None, :] + torso * (s[:, None, None] * u[None, None, :] + t[None, :, None] * back[None, None, :])
    prob, inside = _bilinear(np.asarray(mask), pts[..., 0], pts[..., 1])
    on = prob > p.mask_threshold
    gap_n = max(1, int(round(p.gap * torso)))
    exit_i = _first_exit(on, gap_n)
    rows = np.arange(len(s))
    found = on[:, 0] & (exit_i > 0)
    # An edge found where the scan had already left the image is the image's edge, not the back's.
    j = np.clip(exit_i, 1, len(t) - 1)
    found &= inside[rows, j]
    # Sub-pixel: where the mask's probability crosses the threshold between the last sample on and the first off.
    a, b = prob[rows, j - 1], prob[rows, j]
    frac = np.clip((a - p.mask_threshold) / np.maximum(a - b, 1e-6), 0.0, 1.0)
    depth = np.where(found, t[j - 1] + frac * step, np.nan)
    edge = hip[None, :] + torso * (s[:, None] * u[None, :] + np.nan_to_num(depth)[:, None] * back[None, :])
    edge[~found] = np.nan

    def st(name: str) -> np.ndarray:
        q = xy[L[name]] - hip
        return np.array([q @ u, q @ back]) / torso

    bones = []
    for side in ("left", "right"):
        sh_, el_, wr_ = (st(f"{side}_{j}") for j in ("shoulder", "elbow", "wrist"))
        bones += [(sh_ + 0.25 * (el_ - sh_), el_), (el_, wr_)]
    reach = _arm_reach(bones, s, p.arm_radius)
    blocked = reach + p.arm_radius + p.arm_margin >= np.nan_to_num(depth, nan=np.inf)
    out = BackContour(np.nan, np.nan, "", s, depth, blocked, edge, hip, sh, back, torso)
    if not found.all():
        out.why = "back edge not found"
    elif blocked.any():
        out.why = "an arm crosses the back"
    elif np.sqrt(np.mean((depth - np.polyval(np.polyfit(s, depth, 2), s)) ** 2)) > p.max_roughness:
        out.why = "back edge ragged"
    else:
        line = depth[0] + (depth[-1] - depth[0]) * (s - s[0]) / (s[-1] - s[0])
        out.bow = float(np.max(depth - line))  # >= 0: the chord's ends are on the edge
        chord = float(np.hypot(s[-1] - s[0], depth[-1] - depth[0]))
        out.arc_deg = float(np.degrees(4.0 * np.arctan(2.0 * out.bow / chord)))
    return out


def back_arc_deg(mask: np.ndarray, xy: np.ndarray, visibility: np.ndarray,
                 params: BackContourParams = DEFAULT) -> float:
    """The back arc of one frame (degrees; NaN when the frame cannot be measured): see :func:`measure`."""
    return measure(mask, xy, visibility, params).arc_deg

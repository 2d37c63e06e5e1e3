"""A camera orbiting the lifter: perspective (default 3 m away) or scaled orthographic.

World coordinates are metres (x forward of the lifter, y up, z the lifter's
right). The camera sits at yaw ``yaw_deg`` around the vertical axis, measured
from the lifter's front (0 = front view, +90 = the lifter's right side, so the
lifter faces image-right; -90 = left side, faces image-left; 180 = rear), and
looks down by ``pitch_deg``. Screen coordinates are pixels: X right, Y down,
Z depth away from the camera (pixels at the target's scale).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import OptionError

VIEWS = ("side", "front", "rear", "oblique")
OBLIQUE_DEG = 35.0
# "front" is 4 deg off-axis (towards the lifter's left), as a phone on a tripod rarely sits dead centre;
# BlazePose places this figure's hips more evenly from there than from exactly 0 deg.
FRONT_DEG = -4.0


def view_yaw(view: str, facing: str = "right") -> float:
    """Camera yaw (deg) for a named view. ``facing`` (left/right) is where the lifter faces on screen
    in side and oblique views."""
    if view not in VIEWS:
        raise OptionError(f"view must be one of {', '.join(VIEWS)}; got {view!r}.")
    if facing not in ("left", "right"):
        raise OptionError(f"facing must be 'left' or 'right'; got {facing!r}.")
    sign = 1.0 if facing == "right" else -1.0
    return {"front": FRONT_DEG, "rear": 180.0, "side": 90.0 * sign, "oblique": OBLIQUE_DEG * sign}[view]


@dataclass
class Camera:
    """Projection from world metres to screen pixels.

    Perspective with the camera ``distance_m`` from ``target`` (None: scaled orthographic).
    Primitives are drawn with the local affine approximation of the projection
    (:meth:`jacobian`), exact at their centres/end points; the ground truth uses
    the exact projection of each joint.

    Attributes:
        yaw_deg, pitch_deg: camera direction (see module doc).
        scale: pixels per metre at the target's distance.
        cx, cy: screen position (px) of the target.
        distance_m: camera to target distance (m), or None for orthographic.
        target: (3,) world point the camera looks at.
    """

    yaw_deg: float
    pitch_deg: float = 5.0
    scale: float = 250.0
    cx: float = 320.0
    cy: float = 400.0
    distance_m: float | None = 3.0
    target: np.ndarray | None = None

    def __post_init__(self) -> None:
        th, ph = math.radians(self.yaw_deg), math.radians(self.pitch_deg)
        to_cam = np.array([math.cos(ph) * math.cos(th), math.sin(ph), math.cos(ph) * math.sin(th)])
        right = np.cross(np.array([0.0, 1.0, 0.0]), to_cam)
        right /= np.linalg.norm(right)
        up = np.cross(to_cam, right)
        self.to_cam = to_cam
        self.right = right
        self.up = up
        # Rows map world vectors to camera axes (X right, Y down, Z away).
        self.rot = np.stack([right, -up, -to_cam])
        self.target = np.zeros(3) if self.target is None else np.asarray(self.target, np.float64)

    def _w(self, qz: np.ndarray) -> np.ndarray:
        if self.distance_m is None:
            return np.ones_like(qz)
        return self.distance_m / np.maximum(self.distance_m + qz, 0.05)

    def project(self, pts: np.ndarray, offset: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
        """World points (..., 3) m -> screen (..., 3) px: X, Y (image pixels) and depth Z (px, grows away)."""
        q = (np.asarray(pts, np.float64) - self.target) @ self.rot.T
        w = self._w(q[..., 2])
        out = np.empty_like(q)
        out[..., 0] = self.cx + offset[0] + self.scale * q[..., 0] * w
        out[..., 1] = self.cy + offset[1] + self.scale * q[..., 1] * w
        out[..., 2] = self.scale * q[..., 2]
        return out

    def pixel_scale(self, pts: np.ndarray) -> np.ndarray:
        """Pixels per metre at world points (...,3) (shrinks with distance under perspective)."""
        q = (np.asarray(pts, np.float64) - self.target) @ self.rot.T
        return self.scale * self._w(q[..., 2])

    def jacobian(self, pt: np.ndarray) -> np.ndarray:
        """(3, 3) derivative of :meth:`project` at a world point: screen offset = J @ world offset."""
        q = (np.asarray(pt, np.float64) - self.target) @ self.rot.T
        w = float(self._w(np.array(q[2])))
        k = 0.0 if self.distance_m is None else w * w / self.distance_m
        m = np.array([[w, 0.0, -q[0] * k], [0.0, w, -q[1] * k], [0.0, 0.0, 1.0]])
        return self.scale * m @ self.rot

    def vec(self, v: np.ndarray, at: np.ndarray | None = None) -> np.ndarray:
        """World offsets (..., 3) m -> screen offsets (..., 3) px, linearised at world point ``at``."""
        j = self.jacobian(self.target if at is None else at)
        return np.asarray(v, np.float64) @ j.T

    def to_world_dir(self, n_screen: np.ndarray) -> np.ndarray:
        """Screen-axis unit vectors (N, 3) -> world unit vectors (N, 3) (rotation only)."""
        return np.asarray(n_screen) @ self.rot

    def fit(self, pts: np.ndarray, width: int, height: int, margin: float = 0.06,
            max_scale: float | None = None) -> "Camera":
        """A copy aimed at the points' centre, scaled and centred so all world points (N, 3) fit."""
        pts = np.asarray(pts, np.float64)
        target = (pts.min(axis=0) + pts.max(axis=0)) / 2
        base = Camera(self.yaw_deg, self.pitch_deg, 1.0, 0.0, 0.0, self.distance_m, target)
        p = base.project(pts)
        x0, x1 = p[:, 0].min(), p[:, 0].max()
        y0, y1 = p[:, 1].min(), p[:, 1].max()
        avail_w, avail_h = width * (1 - 2 * margin), height * (1 - 2 * margin)
        s = min(avail_w / max(x1 - x0, 1e-6), avail_h / max(y1 - y0, 1e-6))
        if max_scale:
            s = min(s, max_scale)
        cx = width / 2 - s * (x0 + x1) / 2
        cy = height / 2 - s * (y0 + y1) / 2
        return Camera(self.yaw_deg, self.pitch_deg, s, cx, cy, self.distance_m, target)


def shake_offsets(n: int, fps: float, amplitude_px: float, rng: np.random.Generator) -> np.ndarray:
    """(n, 2) smooth hand-held camera drift/shake, std ~ amplitude_px per axis (0 gives zeros)."""
    if amplitude_px <= 0 or n == 0:
        return np.zeros((n, 2))
    t = np.arange(n) / fps
    out = np.zeros((n, 2))
    for axis in range(2):
        for _ in range(4):
            f = rng.uniform(0.3, 3.0)
            ph = rng.uniform(0, 2 * np.pi)
            out[:, axis] += rng.uniform(0.5, 1.0) * np.sin(2 * np.pi * f * t + ph)
        sd = out[:, axis].std()
        if sd > 1e-9:
            out[:, axis] *= amplitude_px / sd
    return out

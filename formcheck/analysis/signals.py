"""Named kinematic signals from cleaned landmarks (see detect.py for view and exercise detection).

BlazePose has no spine or scapula points, so several signals are *proxies*
and are named as such. Each signal is defined as data (:class:`SignalDef`):
its unit, the camera views that support it, and how it is computed. A signal
asked of a view that does not support it is still computed (for plots) but
is reported as not measurable.

Conventions: image y points down; "trunk" is the mid-hip -> mid-shoulder
segment; ``torso_px`` is its median length over the clip and normalises
distances (a fraction of torso length is camera-distance free). All signals
are (T,) float arrays, NaN where unknown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..series import BACK_ARC, LANDMARK as L
from .capabilities import EXERCISES, VIEWS  # noqa: F401  (re-exported: names live with the capabilities)
from .filtering import CleanPose

ALL = VIEWS
SHOULDER_TO_TORSO = 0.75  # typical shoulder (biacromial) width / mid-hip-to-mid-shoulder length


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return v / n


def angle_deg(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Angle ABC in degrees for (T, D) point tracks (2-D or 3-D)."""
    v1, v2 = _unit(a - b), _unit(c - b)
    return np.degrees(np.arccos(np.clip((v1 * v2).sum(-1), -1.0, 1.0)))


class Geometry:
    """Shared per-frame quantities: midpoints, trunk axis and normals, body frame in world coords."""

    def __init__(self, pose: CleanPose, view: str, facing: int):
        self.pose = pose
        self.view = view
        self.facing = facing  # +1: lifter faces image right, -1: left (side views)
        xy, w = pose.image_xy, pose.world_xyz
        self.xy, self.w = xy, w
        self.mid_hip = (xy[:, L["left_hip"]] + xy[:, L["right_hip"]]) / 2
        self.mid_sh = (xy[:, L["left_shoulder"]] + xy[:, L["right_shoulder"]]) / 2
        self.mid_ear = (xy[:, L["left_ear"]] + xy[:, L["right_ear"]]) / 2
        trunk = self.mid_sh - self.mid_hip
        self.torso_px = float(np.nanmedian(np.linalg.norm(trunk, axis=1))) if np.isfinite(trunk).any() else np.nan
        self.u = _unit(trunk)  # trunk axis, hip -> shoulder
        self.n_fwd = facing * np.stack([-self.u[:, 1], self.u[:, 0]], axis=1)  # chest side (side view)
        # Body frame from world landmarks: x to the lifter's left, up along the trunk, forward out of the chest.
        wl, wr = w[:, L["left_shoulder"]], w[:, L["right_shoulder"]]
        self.w_mid_sh = (wl + wr) / 2
        self.w_mid_hip = (w[:, L["left_hip"]] + w[:, L["right_hip"]]) / 2
        self.w_up = _unit(self.w_mid_sh - self.w_mid_hip)
        self.w_left = _unit(wl - wr)
        self.w_fwd = _unit(np.cross(self.w_left, self.w_up))
        self.torso_m = float(np.nanmedian(np.linalg.norm(self.w_mid_sh - self.w_mid_hip, axis=1)))
        # The body's size in the image when the trunk points at the camera (a bent-over row filmed from the
        # front): the shoulder width stands in for the foreshortened torso.
        sh_w = np.linalg.norm(xy[:, L["left_shoulder"]] - xy[:, L["right_shoulder"]], axis=1)
        sh_px = float(np.nanmedian(sh_w)) if np.isfinite(sh_w).any() else np.nan
        self.body_px = float(np.nanmax([self.torso_px, sh_px / SHOULDER_TO_TORSO]))
        self.trunk_foreshortened = bool(np.isfinite(self.torso_px) and self.torso_px < 0.6 * self.body_px)

    def p(self, name: str) -> np.ndarray:
        return self.xy[:, L[name]]

    def pw(self, name: str) -> np.ndarray:
        return self.w[:, L[name]]

    def near_side(self) -> str:
        """The arm nearer the camera (higher median visibility)."""
        vis = self.pose.visibility
        left = np.nanmedian(vis[:, [L["left_shoulder"], L["left_elbow"], L["left_wrist"]]])
        right = np.nanmedian(vis[:, [L["right_shoulder"], L["right_elbow"], L["right_wrist"]]])
        return "left" if (np.nan_to_num(left) >= np.nan_to_num(right)) else "right"


@dataclass(frozen=True)
class SignalDef:
    """A named signal: unit, views that support it, how to compute it, what it means."""

    name: str
    unit: str
    views: tuple[str, ...]
    fn: Callable[[Geometry], np.ndarray]
    description: str
    proxy: bool = False


def _elbow2d(side: str):
    return lambda g: angle_deg(g.p(f"{side}_shoulder"), g.p(f"{side}_elbow"), g.p(f"{side}_wrist"))


def _elbow3d(side: str):
    return lambda g: angle_deg(g.pw(f"{side}_shoulder"), g.pw(f"{side}_elbow"), g.pw(f"{side}_wrist"))


def _elbow_best(g: Geometry) -> np.ndarray:
    """Side view: the near arm in the image; other views: mean of both arms in 3-D (no foreshortening)."""
    if g.view == "side":
        return _elbow2d(g.near_side())(g)
    return np.nanmean(np.stack([_elbow3d("left")(g), _elbow3d("right")(g)]), axis=0)


def _elbow_behind(g: Geometry) -> np.ndarray:
    """Near elbow's distance behind the trunk line (side view, image), in torso lengths."""
    side = g.near_side()
    return ((g.p(f"{side}_elbow") - g.mid_sh) * -g.n_fwd).sum(1) / g.torso_px


def _elbow_behind_3d(g: Geometry) -> np.ndarray:
    el = (g.pw("left_elbow") + g.pw("right_elbow")) / 2
    return ((el - g.w_mid_sh) * -g.w_fwd).sum(1) / g.torso_m


def _trunk_incl(g: Geometry) -> np.ndarray:
    """Trunk angle from vertical: image-based from the side; world-based (camera assumed level) otherwise."""
    if g.view in ("side", "oblique"):
        # Signed: positive leaning toward the way the lifter faces, negative leaning back past vertical
        # (a seated row's lean-back swing crosses vertical, which an unsigned angle folds away).
        return np.degrees(np.arctan2(g.facing * g.u[:, 0], -g.u[:, 1]))
    return np.degrees(np.arccos(np.clip(-g.w_up[:, 1], -1, 1)))


def _elev_hip(g: Geometry) -> np.ndarray:
    """Shoulder height above the hips along the trunk axis, in torso lengths (grows with a shrug)."""
    return np.linalg.norm(g.mid_sh - g.mid_hip, axis=1) / g.torso_px


def _elev_ear_side(side: str | None):
    def fn(g: Geometry) -> np.ndarray:
        sh = g.mid_sh if side is None else g.p(f"{side}_shoulder")
        ear = g.mid_ear if side is None else g.p(f"{side}_ear")
        # Minus the ear-to-shoulder distance: rises when the shoulders ride up to the ears. The plain
        # distance, not its projection on the trunk axis: leaning back with the head upright (trunk swing)
        # shortens the projection and read as a shrug on real seated rows; head tilt barely moves the distance.
        return -np.linalg.norm(ear - sh, axis=1) / g.torso_px
    return fn


def _shoulder_back(g: Geometry) -> np.ndarray:
    """Mid-shoulder displacement toward the back, relative to the ears, in torso lengths (side view)."""
    return ((g.mid_sh - g.mid_ear) * -g.n_fwd).sum(1) / g.torso_px


def _shoulder_width(g: Geometry) -> np.ndarray:
    """Shoulder width in the image relative to its clip median (1.0); narrows as the blades retract (front and
    rear: the camera faces the shoulder line). In the image, not in 3-D: BlazePose's depth from behind is a
    guess (the 3-D width widened by 13-28 % where the image showed the scripted shoulders come together)."""
    width = np.linalg.norm(g.p("left_shoulder") - g.p("right_shoulder"), axis=1)
    return width / np.nanmedian(width)


def _head_fwd(g: Geometry) -> np.ndarray:
    """Ear ahead of the shoulder horizontally, in torso lengths (side view; neck craning grows it).

    Horizontal rather than across the trunk, so leaning back with a level head (a
    trunk-swing matter) does not read as craning.
    """
    return g.facing * (g.mid_ear[:, 0] - g.mid_sh[:, 0]) / g.torso_px


def _shoulder_yaw(g: Geometry) -> np.ndarray:
    """The shoulder line's direction about the vertical, from world landmarks (deg, unwrapped over time).

    Turning the trunk open (a one-arm row twisting toward the working side) turns this line, with or without
    the hips; the rotation rule reads its change from the rep's start.
    """
    sh = g.pw("left_shoulder") - g.pw("right_shoulder")
    a = np.arctan2(sh[:, 2], sh[:, 0])
    ok = np.isfinite(a)
    out = np.full(len(a), np.nan)
    if ok.any():
        out[ok] = np.unwrap(a[ok])
    return np.degrees(out)


def _rotation(g: Geometry) -> np.ndarray:
    """Shoulder line against hip line about the vertical, from world landmarks (deg, signed)."""
    sh = g.pw("left_shoulder") - g.pw("right_shoulder")
    hp = g.pw("left_hip") - g.pw("right_hip")
    a = np.arctan2(sh[:, 2], sh[:, 0]) - np.arctan2(hp[:, 2], hp[:, 0])
    return np.degrees((a + np.pi) % (2 * np.pi) - np.pi)


def hand_path(g: Geometry) -> tuple[np.ndarray, np.ndarray]:
    """The wrists' image path relative to the shoulders in the trunk frame, in torso lengths, and elbow flexion.

    Returns:
        (path (T, 4): wrist and elbow of the near arm from the side, or (T, 8) for both arms otherwise
         (left arm first),
         flexion (T,) deg used to orient the main direction).
    """
    # In the trunk's own frame (along the trunk axis, across it): a trunk heave turns the whole
    # arm with it in the image, which must not read as a shorter pull. When the trunk points at the camera
    # (bent over, filmed from the front) its image axis is short and its direction noise: use the image's
    # axes, and the body's size from the shoulders (torso lengths read 5-10x too large there).
    if g.trunk_foreshortened:
        up = np.tile([0.0, -1.0], (len(g.u), 1))
        scale = g.body_px
    else:
        up, scale = g.u, g.torso_px
    across = np.stack([-up[:, 1], up[:, 0]], axis=1)

    # Wrist and elbow: near the face (face pulls) the hands barely move while the elbows still do. Seen from
    # behind, a seated row hides the hands in front of the body: then the elbows alone carry the pull.
    seen = {j: np.isfinite(g.p(f"left_{j}")[:, 0]).mean() + np.isfinite(g.p(f"right_{j}")[:, 0]).mean()
            for j in ("wrist", "elbow")}
    joints = ("elbow",) if g.view != "side" and seen["wrist"] < 1.0 <= seen["elbow"] else ("wrist", "elbow")

    def rel(side: str) -> np.ndarray:
        cols = []
        for joint in joints:
            d = (g.p(f"{side}_{joint}") - g.p(f"{side}_shoulder")) / scale
            cols += [(d * up).sum(1), (d * across).sum(1)]
        return np.stack(cols, axis=1)

    if g.view == "side":
        side = g.near_side()
        return rel(side), 180 - _elbow2d(side)(g)
    left, right = rel("left"), rel("right")
    x = np.concatenate([left, right], axis=1)
    if np.isfinite(x).all(1).mean() < 0.5:  # one arm mostly hidden: follow the other
        side = max(("left", "right"), key=lambda s: np.isfinite(rel(s)).all(1).sum())
        return rel(side), 180 - _elbow_best(g)
    # One arm rows while the other rests (a one-arm row): follow the working arm alone, so the resting
    # arm's jitter and a landmark swap between the arms cannot split a rep.
    travel = [_path_spread(left), _path_spread(right)]
    if all(np.isfinite(travel)) and min(travel) < ONE_ARM_TRAVEL_RATIO * max(travel):
        side = "left" if travel[0] > travel[1] else "right"
        return (left if side == "left" else right), 180 - _elbow3d(side)(g)
    return x, 180 - _elbow_best(g)


#: An arm travelling less than this fraction of the other is resting (the hand path follows the working arm).
ONE_ARM_TRAVEL_RATIO = 0.55


def _path_spread(p: np.ndarray) -> float:
    """Spread (95th - 5th percentile) of a (T, 4) wrist-and-elbow path's distance from its median."""
    ok = np.isfinite(p).all(1)
    if ok.sum() < 5:
        return float("nan")
    d = np.linalg.norm(p[ok] - np.median(p[ok], axis=0), axis=1)
    return float(np.percentile(d, 95) - np.percentile(d, 5))


def _hand_travel(g: Geometry) -> np.ndarray:
    """Hand position along its main direction of travel, relative to the shoulder, in torso lengths.

    The wrists' image path relative to the shoulders (the near arm from the
    side, both arms otherwise) is reduced to its first principal component,
    signed so that it grows as the elbows bend. Unlike the elbow angle, it does
    not saturate near the top of a row nor foreshorten from the front, so rep
    counts stay right (checked on real front-view clips, where 3-D elbow angles
    and 3-D hand paths split reps). Phase boundaries use the whole path's speed
    (see :func:`formcheck.reps.segment_reps`), because the path curves near the top.
    """
    x, flex = hand_path(g)
    ok = np.isfinite(x).all(1)
    out = np.full(len(x), np.nan)
    if ok.sum() < 5:
        return out
    xc = x[ok] - x[ok].mean(0)
    _, _, vt = np.linalg.svd(xc, full_matrices=False)
    proj = xc @ vt[0]
    f = flex[ok]
    good = np.isfinite(f)
    r = np.corrcoef(proj[good], f[good])[0, 1] if good.sum() > max(3, 0.5 * len(f)) else np.nan
    if not np.isfinite(r):
        # No elbow angle to go by (the hands hidden, seen from behind): a pull takes the elbows away from the
        # shoulders in the image (from an arm reaching at the camera or away from it to beside the trunk).
        d = np.nanmean(np.stack([np.linalg.norm(g.p(f"{s}_elbow") - g.p(f"{s}_shoulder"), axis=1)
                                 for s in ("left", "right")]), axis=0)[ok]
        fine = np.isfinite(d)
        r = np.corrcoef(proj[fine], d[fine])[0, 1] if fine.sum() > 3 else np.nan
    if np.isfinite(r) and r < 0:
        proj = -proj
    out[ok] = proj
    return out


def _rotation_2d(g: Geometry) -> np.ndarray:
    """Side view: trunk rotation estimated from the apparent shoulder width (deg, unsigned).

    Seen from the side the shoulders overlap; turning the trunk opens them by
    about sin(angle) x shoulder width. A proxy: the pose model also spreads the
    shoulders a little when one arm rows, so only large changes count.
    """
    w = np.linalg.norm(g.p("left_shoulder") - g.p("right_shoulder"), axis=1) / g.torso_px
    return np.degrees(np.arcsin(np.clip(w / SHOULDER_TO_TORSO, 0.0, 1.0)))


def _lr_elbow(g: Geometry) -> np.ndarray:
    return _elbow3d("left")(g) - _elbow3d("right")(g)


def _lr_elev(g: Geometry) -> np.ndarray:
    """Left minus right shoulder height above its own hip along the trunk axis (torso lengths).

    Against the hips rather than the ears: turning or tilting the head moves each ear and read as up to
    0.3 torso of "imbalance" on clean real sets, while the hip-based difference stayed under 0.07.
    """
    left = ((g.p("left_shoulder") - g.p("left_hip")) * g.u).sum(1)
    right = ((g.p("right_shoulder") - g.p("right_hip")) * g.u).sum(1)
    return (left - right) / g.torso_px


def _wrist_rel(axis: str):
    def fn(g: Geometry) -> np.ndarray:
        side = g.near_side()
        d = g.p(f"{side}_wrist") - g.p(f"{side}_shoulder")
        basis = g.u if axis == "along" else g.n_fwd
        return (d * basis).sum(1) / g.torso_px
    return fn


def _back_arc(g: Geometry) -> np.ndarray:
    """The bend of the back's outline between the hips and the shoulders (deg), measured on the person mask
    by the pose pass (:mod:`formcheck.back_contour`); NaN where it was not measured or not recorded."""
    x = g.pose.extras.get(BACK_ARC)
    return np.full(len(g.pose.times_s), np.nan) if x is None else np.asarray(x, np.float64)


SIGNALS: tuple[SignalDef, ...] = (
    SignalDef("elbow_angle_left", "deg", ("side", "oblique"), _elbow2d("left"), "left elbow angle in the image"),
    SignalDef("elbow_angle_right", "deg", ("side", "oblique"), _elbow2d("right"), "right elbow angle in the image"),
    SignalDef("elbow_angle_3d_left", "deg", ALL, _elbow3d("left"), "left elbow angle from 3-D landmarks"),
    SignalDef("elbow_angle_3d_right", "deg", ALL, _elbow3d("right"), "right elbow angle from 3-D landmarks"),
    SignalDef("elbow_angle", "deg", ALL, _elbow_best, "elbow angle (near arm from the side, 3-D mean otherwise)"),
    SignalDef("hand_travel", "torso", ALL, _hand_travel, "hands along their main path of travel (rep signal)"),
    SignalDef("elbow_behind_trunk", "torso", ("side",), _elbow_behind,
              "elbow travel behind the trunk line (retraction proxy)", proxy=True),
    SignalDef("elbow_behind_trunk_3d", "torso", ("front", "rear", "oblique"), _elbow_behind_3d,
              "elbow travel behind the trunk plane, 3-D (retraction proxy)", proxy=True),
    SignalDef("wrist_along_trunk", "torso", ("side",), _wrist_rel("along"), "wrist position along the trunk axis"),
    SignalDef("wrist_across_trunk", "torso", ("side",), _wrist_rel("across"), "wrist position in front of the trunk"),
    SignalDef("trunk_inclination", "deg", ("side", "oblique"), _trunk_incl, "trunk angle from vertical (side: + forward, - back)"),
    SignalDef("shoulder_elev_hip", "torso", ("side", "front", "rear", "oblique"), _elev_hip,
              "shoulder height above the hips along the trunk (shrug proxy)", proxy=True),
    SignalDef("shoulder_elev_ear", "torso", ("side", "front", "rear", "oblique"), _elev_ear_side(None),
              "shoulders toward the ears: minus the ear-shoulder distance (shrug proxy)", proxy=True),
    SignalDef("shoulder_elev_ear_left", "torso", ("front", "rear", "oblique"), _elev_ear_side("left"),
              "left shoulder toward the left ear (shrug proxy)", proxy=True),
    SignalDef("shoulder_elev_ear_right", "torso", ("front", "rear", "oblique"), _elev_ear_side("right"),
              "right shoulder toward the right ear (shrug proxy)", proxy=True),
    SignalDef("shoulder_back", "torso", ("side",), _shoulder_back,
              "shoulder translation back along the trunk, against the ears (retraction proxy)", proxy=True),
    SignalDef("shoulder_width", "ratio", ("front", "rear"), _shoulder_width,
              "3-D shoulder width relative to the clip's median (narrows with retraction)", proxy=True),
    SignalDef("head_forward", "torso", ("side",), _head_fwd, "ear ahead of the shoulder, horizontally (neck craning)"),
    SignalDef("trunk_rotation", "deg", ("front", "rear", "oblique"), _rotation,
              "shoulder line against hip line about the vertical (3-D)"),
    SignalDef("trunk_rotation_2d", "deg", ("side",), _rotation_2d,
              "trunk rotation from the apparent shoulder width (side view)", proxy=True),
    SignalDef("lr_elbow_diff", "deg", ("front", "rear", "oblique"), _lr_elbow, "left minus right elbow angle"),
    SignalDef("lr_elev_diff", "torso", ("front", "rear"), _lr_elev,
              "left minus right shoulder height above its hip, along the trunk"),
    SignalDef("shoulder_yaw", "deg", ("front", "rear", "oblique"), _shoulder_yaw,
              "shoulder line direction about the vertical (3-D, the rotation proxy)", proxy=True),
    SignalDef("back_rounding", "deg", ("side",), _back_arc,
              "bend of the back's outline in the person mask, between the hips and the shoulders "
              "(rounded upper back proxy)", proxy=True),
)
SIGNAL_DEFS = {s.name: s for s in SIGNALS}


@dataclass
class Signals:
    """All named signals for one clip, with the view they were computed for.

    Attributes:
        times_s: (T,) seconds.
        values: name -> (T,) array.
        view: camera view used.
        facing: +1 / -1 (side view: lifter faces image right / left), 0 otherwise.
        torso_px: median torso length in pixels.
    """

    times_s: np.ndarray
    values: dict[str, np.ndarray]
    view: str
    facing: int
    torso_px: float
    near_side: str = "left"
    valid: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    hand_path: np.ndarray | None = None  # (T, 4 or 8) wrists and elbows relative to shoulders, torso lengths
    recorded: tuple[str, ...] = ()  # the pose pass's extra measurements present (e.g. the back's outline)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.values[name]

    def measurable(self, name: str) -> bool:
        return self.view in SIGNAL_DEFS[name].views


def detect_facing(pose: CleanPose) -> int:
    """+1 if the lifter faces image right (nose ahead of the ears in x), else -1."""
    nose = pose.image_xy[:, L["nose"], 0]
    ears = (pose.image_xy[:, L["left_ear"], 0] + pose.image_xy[:, L["right_ear"], 0]) / 2
    d = np.nanmedian(nose - ears)
    return 1 if not np.isfinite(d) or d >= 0 else -1


def compute_signals(pose: CleanPose, view: str, facing: int | None = None) -> Signals:
    """Every signal in :data:`SIGNALS` for one clip and view."""
    facing = detect_facing(pose) if facing is None else facing
    g = Geometry(pose, view, facing if view == "side" else (facing or 1))
    values = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        for s in SIGNALS:
            values[s.name] = np.asarray(s.fn(g), np.float64)
    valid = np.isfinite(g.mid_sh).all(1) & np.isfinite(g.mid_hip).all(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        path = hand_path(g)[0]
    return Signals(pose.times_s, values, view, facing if view == "side" else 0, g.torso_px, g.near_side(), valid,
                   path, tuple(sorted(pose.extras)))

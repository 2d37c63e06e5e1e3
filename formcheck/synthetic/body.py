"""The synthetic lifter's 3D skeleton: proportions, frames and kinematics.

Units are metres and degrees. The *world* frame is fixed to the floor:
``x`` points where the lifter faces, ``y`` up, ``z`` to the lifter's RIGHT
(right-handed), origin on the floor under the lifter. :meth:`Pose3D.body_frame`
re-expresses a pose with the pelvis (mid-hip) as origin, the body frame the
motion models reason in.

Left and right are always the *person's* left and right, as BlazePose labels
them.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

SIDES = ("left", "right")
SIDE_SIGN = {"left": -1.0, "right": 1.0}  # sign of z for each side of the body

UP = np.array([0.0, 1.0, 0.0])
FORWARD = np.array([1.0, 0.0, 0.0])
RIGHT = np.array([0.0, 0.0, 1.0])


def unit(v: np.ndarray) -> np.ndarray:
    """v / |v| (v unchanged if it is ~0)."""
    v = np.asarray(v, np.float64)
    n = float(np.linalg.norm(v))
    return v / n if n > 1e-12 else v


def rotate(v: np.ndarray, axis: np.ndarray, deg: float) -> np.ndarray:
    """Rotate vector v about unit axis by deg degrees (right-hand rule, Rodrigues)."""
    a = math.radians(deg)
    k = unit(axis)
    return v * math.cos(a) + np.cross(k, v) * math.sin(a) + k * float(k @ v) * (1.0 - math.cos(a))


def angle_deg(a: np.ndarray, b: np.ndarray) -> float:
    """Angle between two vectors in degrees."""
    c = float(unit(a) @ unit(b))
    return math.degrees(math.acos(max(-1.0, min(1.0, c))))


@dataclass(frozen=True)
class BodyDims:
    """Segment lengths and radii of an adult of ~1.78 m (metres).

    ``trunk`` is the mid-hip to mid-shoulder distance, the "torso length" that
    shrug and retraction amounts are fractions of.
    """

    trunk: float = 0.50
    hip_half: float = 0.095          # hip joint centre to midline
    shoulder_half: float = 0.185     # shoulder joint centre to midline
    neck_base_up: float = 0.045      # neck base above mid-shoulder, along the trunk axis
    head_up: float = 0.165           # neck base to head centre
    head_radii: tuple[float, float, float] = (0.078, 0.108, 0.094)  # lateral, up, forward
    upper_arm: float = 0.30
    forearm: float = 0.255
    hand: float = 0.085              # wrist to knuckles
    thigh: float = 0.43
    shank: float = 0.42
    ankle_height: float = 0.075
    heel_back: float = 0.055
    toe_forward: float = 0.175
    # Head landmarks in the head frame (right, up, forward), metres from the head centre.
    eye: tuple[float, float, float] = (0.033, 0.022, 0.082)
    ear: tuple[float, float, float] = (0.079, 0.0, -0.004)
    nose: tuple[float, float, float] = (0.0, -0.012, 0.113)
    mouth: tuple[float, float, float] = (0.023, -0.052, 0.078)


@dataclass
class Frame3:
    """An orthonormal frame: columns right, up, forward (world vectors)."""

    right: np.ndarray
    up: np.ndarray
    forward: np.ndarray

    def to_world(self, local: np.ndarray) -> np.ndarray:
        """Map (right, up, forward) local coordinates (..., 3) to world offsets."""
        m = np.stack([self.right, self.up, self.forward], axis=1)
        return np.asarray(local) @ m.T

    @property
    def matrix(self) -> np.ndarray:
        return np.stack([self.right, self.up, self.forward], axis=1)


def trunk_frame(inclination_deg: float, rotation_deg: float = 0.0) -> tuple[Frame3, Frame3]:
    """Lower (pelvis) and upper (shoulder girdle) trunk frames.

    Args:
        inclination_deg: forward tilt of the trunk axis from vertical (positive = leaning forward).
        rotation_deg: the shoulder line turned against the hip line about the trunk axis;
            positive moves the RIGHT shoulder backward (posteriorly).

    Returns:
        (lower, upper) frames; ``up`` is the trunk axis (mid-hip -> mid-shoulder) in both.
    """
    a = math.radians(inclination_deg)
    up = np.array([math.sin(a), math.cos(a), 0.0])
    fwd = np.array([math.cos(a), -math.sin(a), 0.0])
    lower = Frame3(RIGHT.copy(), up, fwd)
    # Rotating about the trunk axis by -rotation moves the right shoulder backward (checked in tests).
    r2 = rotate(RIGHT, up, -rotation_deg)
    f2 = rotate(fwd, up, -rotation_deg)
    return lower, Frame3(r2, up, f2)


#: The thoracic curve starts this far up the trunk (fraction of mid-hip to mid-shoulder; about the lowest rib).
SPINE_BEND_FROM = 0.3


@functools.lru_cache(maxsize=256)
def spine_curve(thoracic_deg: float, n: int = 96) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The trunk's centre line for a thoracic flexion, in units of the mid-hip to mid-shoulder chord.

    The line runs straight from the hips up to ``SPINE_BEND_FROM`` and then turns forward at an even
    rate through ``thoracic_deg`` (a circular arc) to the shoulders; it starts tilted back just enough
    to end on the chord, so the hips, the shoulders and the trunk's inclination (the chord's) stay put
    and the back bows out behind the chord.

    Returns:
        (up, forward, tangent_deg), each (n,): position along the chord (0 at the hips, 1 at the
        shoulders), offset toward the chest (negative = toward the back), and the line's tilt from the
        chord toward the chest (deg).
    """
    th = math.radians(thoracic_deg)
    sb = SPINE_BEND_FROM

    def end_x(alpha: float) -> float:  # forward offset of the end for a start tilted back by alpha (arc length 1)
        arc = (1 - sb) * (math.cos(alpha) - math.cos(th - alpha)) / th if th > 1e-9 else (1 - sb) * -math.sin(alpha)
        return -sb * math.sin(alpha) + arc

    lo, hi = 0.0, max(th, 1e-9)
    for _ in range(60):  # end_x falls as alpha grows: bisect for end_x = 0
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if end_x(mid) > 0 else (lo, mid)
    alpha = (lo + hi) / 2
    sig = np.linspace(0.0, 1.0, n)
    phi = np.where(sig < sb, -alpha, -alpha + th * (sig - sb) / (1 - sb))
    ds = np.diff(sig)
    mid_phi = (phi[1:] + phi[:-1]) / 2
    x = np.concatenate([[0.0], np.cumsum(np.sin(mid_phi) * ds)])
    y = np.concatenate([[0.0], np.cumsum(np.cos(mid_phi) * ds)])
    x = x - y * (x[-1] / y[-1])  # remove the integration's residue so the end sits on the chord
    return y / y[-1], x / y[-1], np.degrees(phi)


def spine_at(thoracic_deg: float, up: float) -> tuple[float, float]:
    """(forward offset, tangent tilt deg) of the bent trunk line at ``up`` along the chord (chord units);
    beyond the ends the line carries on straight."""
    ys, xs, ph = spine_curve(round(float(thoracic_deg), 3))
    if up <= 0.0:
        return float(math.tan(math.radians(ph[0])) * up), float(ph[0])
    if up >= 1.0:
        return float(math.tan(math.radians(ph[-1])) * (up - 1.0)), float(ph[-1])
    return float(np.interp(up, ys, xs)), float(np.interp(up, ys, ph))


def two_link(root: np.ndarray, target: np.ndarray, l1: float, l2: float,
             pole: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Analytic two-bone IK.

    Args:
        root: (3,) shoulder or hip.
        target: (3,) desired wrist or ankle; pulled in/out to the reachable shell.
        l1, l2: segment lengths.
        pole: (3,) direction the middle joint (elbow/knee) should bend towards.

    Returns:
        (middle joint, end joint) positions.
    """
    d = target - root
    dist = float(np.linalg.norm(d))
    dist = min(max(dist, abs(l1 - l2) + 1e-4), (l1 + l2) * 0.9995)
    dh = unit(d)
    a = (l1 * l1 - l2 * l2 + dist * dist) / (2.0 * dist)
    h = math.sqrt(max(0.0, l1 * l1 - a * a))
    p = pole - float(pole @ dh) * dh
    if np.linalg.norm(p) < 1e-9:  # pole parallel to the limb: pick any perpendicular
        p = np.cross(dh, RIGHT if abs(dh @ RIGHT) < 0.9 else UP)
    p = unit(p)
    mid = root + a * dh + h * p
    return mid, root + dist * dh


@dataclass
class Pose3D:
    """One frame of the lifter in world coordinates (metres).

    Attributes:
        joints: name -> (3,) world position. Names: ``mid_hip``, ``neck``, ``head``, ``nose``,
            ``{left,right}_{eye,ear,shoulder,elbow,wrist,hand,hip,knee,ankle,heel,toe}``,
            ``mouth_left``, ``mouth_right``, ``mid_shoulder`` (neutral, without shrug/retraction).
        lower, upper: pelvis and shoulder-girdle frames (``up`` = trunk axis).
        head_frame: the head's frame (``forward`` = where the face points).
        grip_axis: side -> unit vector along which the hand's knuckles line up (handle direction).
        foot_sole: side -> unit vector from ankle towards the sole.
        inclination_deg: trunk axis tilt from vertical (deg).
        shrug, retraction: side -> scripted amounts at this frame (fractions of trunk length).
        thoracic_deg: upper-back flexion at this frame (deg; see :func:`spine_curve`).
    """

    joints: dict[str, np.ndarray]
    lower: Frame3
    upper: Frame3
    head_frame: Frame3
    grip_axis: dict[str, np.ndarray] = field(default_factory=dict)
    foot_sole: dict[str, np.ndarray] = field(default_factory=dict)
    inclination_deg: float = 0.0
    shrug: dict[str, float] = field(default_factory=dict)
    retraction: dict[str, float] = field(default_factory=dict)
    thoracic_deg: float = 0.0

    def __getitem__(self, name: str) -> np.ndarray:
        return self.joints[name]

    def body_frame(self) -> dict[str, np.ndarray]:
        """Joints relative to the pelvis (mid-hip origin), world axes, metres."""
        o = self.joints["mid_hip"]
        return {k: v - o for k, v in self.joints.items()}

    def elbow_angle_deg(self, side: str) -> float:
        """Interior elbow angle (180 = straight arm)."""
        j = self.joints
        return angle_deg(j[f"{side}_shoulder"] - j[f"{side}_elbow"], j[f"{side}_wrist"] - j[f"{side}_elbow"])


@dataclass
class Posture:
    """Everything a motion model decides for one frame; :func:`build_pose` turns it into joints.

    Attributes:
        pelvis: (3,) mid-hip position, world metres.
        inclination_deg: trunk tilt from vertical, positive forward.
        rotation_deg: shoulder line vs hip line about the trunk axis (positive: right shoulder back).
        ankles: side -> (3,) ankle position.
        foot_forward: side -> unit toe direction; foot_sole: side -> unit ankle-to-sole direction.
        knee_pole: side -> direction the knee bends towards.
        head_pitch_deg: head extension relative to the trunk (positive = chin up).
        neck: head jut forward, fraction of trunk length (also cranes the head up).
        shrug, retraction: side -> fractions of trunk length.
        arms: callable(side, shoulder, lower, upper) -> (wrist target, elbow pole, hand direction,
            grip axis); lets a motion model aim the hands relative to the posed trunk.
        thoracic_deg: upper-back flexion (deg): the back bows out behind the hip-shoulder line and the
            shoulder girdle (with the head) tips forward with the top of the curve.
    """

    pelvis: np.ndarray
    inclination_deg: float
    ankles: dict[str, np.ndarray]
    arms: Callable[[str, np.ndarray, Frame3, Frame3], tuple]
    rotation_deg: float = 0.0
    foot_forward: dict[str, np.ndarray] | None = None
    foot_sole: dict[str, np.ndarray] | None = None
    knee_pole: dict[str, np.ndarray] | None = None
    head_pitch_deg: float = 0.0
    neck: float = 0.0
    shrug: dict[str, float] = field(default_factory=lambda: {"left": 0.0, "right": 0.0})
    retraction: dict[str, float] = field(default_factory=lambda: {"left": 0.0, "right": 0.0})
    thoracic_deg: float = 0.0


# Retraction moves the shoulder backward by r * trunk and towards the spine by this
# many times as much (scapular adduction), which narrows the shoulder width seen
# from the front or back.
RETRACTION_MEDIAL = 0.5
# How much the neck fault cranes the head (degrees of extension per unit of ``neck``).
NECK_CRANE_DEG = 120.0


def build_pose(p: Posture, dims: BodyDims = BodyDims()) -> Pose3D:
    """Pose the skeleton: trunk, shoulders (shrug/retraction), head, arms (IK), legs (IK)."""
    lower, upper = trunk_frame(p.inclination_deg, p.rotation_deg)
    arm_frame = upper  # arms aim as with a flat back: rounding does not shorten the pull
    if p.thoracic_deg:
        # The girdle tips forward with the top of the thoracic curve (about the hips' left-right axis).
        tip = -spine_at(p.thoracic_deg, 1.0)[1]
        upper = Frame3(*(rotate(v, lower.right, tip) for v in (upper.right, upper.up, upper.forward)))
    j: dict[str, np.ndarray] = {}
    h = np.asarray(p.pelvis, np.float64)
    j["mid_hip"] = h
    mid_sh = h + dims.trunk * lower.up
    j["mid_shoulder"] = mid_sh
    neck = mid_sh + dims.neck_base_up * upper.up - 0.012 * upper.forward
    j["neck"] = neck

    # Shoulders: shrug along the trunk axis, retraction backward and medially.
    for side in SIDES:
        s = SIDE_SIGN[side]
        sh = mid_sh + s * dims.shoulder_half * upper.right
        sh = sh + p.shrug.get(side, 0.0) * dims.trunk * upper.up
        r = p.retraction.get(side, 0.0) * dims.trunk
        sh = sh - r * upper.forward - s * RETRACTION_MEDIAL * r * upper.right
        j[f"{side}_shoulder"] = sh
        j[f"{side}_hip"] = h + s * dims.hip_half * lower.right

    # Head: follows the upper trunk, extended by head_pitch; the neck fault juts it forward and cranes it.
    pitch = p.head_pitch_deg + NECK_CRANE_DEG * p.neck
    # A positive rotation about the right axis lifts the face (extension, chin up).
    hu = rotate(upper.up, upper.right, pitch)
    hf = rotate(upper.forward, upper.right, pitch)
    neck_dir = unit(upper.up + hu)  # the neck bends about half as much as the head pitches
    head = neck + dims.head_up * neck_dir + p.neck * dims.trunk * upper.forward
    hframe = Frame3(upper.right.copy(), hu, hf)
    j["head"] = head
    ex, ey, ez = dims.eye
    ax, ay, az = dims.ear
    nx, ny, nz = dims.nose
    mx, my, mz = dims.mouth
    j["nose"] = head + hframe.to_world(np.array([nx, ny, nz]))
    for side in SIDES:
        s = SIDE_SIGN[side]
        j[f"{side}_eye"] = head + hframe.to_world(np.array([s * ex, ey, ez]))
        j[f"{side}_ear"] = head + hframe.to_world(np.array([s * ax, ay, az]))
    j["mouth_left"] = head + hframe.to_world(np.array([-mx, my, mz]))
    j["mouth_right"] = head + hframe.to_world(np.array([mx, my, mz]))

    # Arms.
    grip: dict[str, np.ndarray] = {}
    for side in SIDES:
        sh = j[f"{side}_shoulder"]
        target, pole, hand_dir, grip_axis = p.arms(side, sh, lower, arm_frame)
        el, wr = two_link(sh, np.asarray(target, float), dims.upper_arm, dims.forearm, np.asarray(pole, float))
        j[f"{side}_elbow"] = el
        j[f"{side}_wrist"] = wr
        hd = unit(wr - el) if hand_dir is None else unit(np.asarray(hand_dir, float))
        j[f"{side}_hand"] = wr + dims.hand * hd
        grip[side] = unit(np.asarray(grip_axis, float))

    # Legs.
    soles: dict[str, np.ndarray] = {}
    for side in SIDES:
        s = SIDE_SIGN[side]
        an = np.asarray(p.ankles[side], np.float64)
        pole = (p.knee_pole or {}).get(side, FORWARD + 0.15 * s * RIGHT)
        kn, an2 = two_link(j[f"{side}_hip"], an, dims.thigh, dims.shank, np.asarray(pole, float))
        j[f"{side}_knee"] = kn
        j[f"{side}_ankle"] = an2
        ff = unit((p.foot_forward or {}).get(side, FORWARD + 0.12 * s * RIGHT))
        sole = unit((p.foot_sole or {}).get(side, -UP))
        soles[side] = sole
        j[f"{side}_heel"] = an2 - dims.heel_back * ff + 0.85 * dims.ankle_height * sole
        j[f"{side}_toe"] = an2 + dims.toe_forward * ff + 0.75 * dims.ankle_height * sole

    return Pose3D(j, lower, upper, hframe, grip, soles, p.inclination_deg,
                  dict(p.shrug), dict(p.retraction), float(p.thoracic_deg))

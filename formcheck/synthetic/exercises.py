"""Motion models: how each exercise poses the lifter at a scripted instant, plus its equipment.

Every model maps a :class:`~formcheck.synthetic.timeline.FrameState` to a
:class:`~formcheck.synthetic.body.Posture` (world metres, degrees; x forward,
y up, z the lifter's right) and lists its equipment as world-space
:class:`Item` primitives.

Models:
    bent_over_row: hip hinge, trunk 45 deg from vertical, soft knees; dumbbells (neutral grip)
        hang, then the elbows drive up and back until the hands reach the lower ribs.
    one_arm_row: left hand braced on a flat bench, trunk ~70 deg from vertical (near
        horizontal), staggered stance; the right arm rows a dumbbell to the hip.
    seated_cable_row: seated, legs forward with feet on a foot plate, trunk near upright;
        arms reach forward horizontally to a V-handle and pull it to the abdomen.
    chest_supported_row: chest on a 45 deg incline pad; arms hang and row dumbbells.
    face_pull: standing upright; a rope at face height is pulled towards the face, elbows high.
    shrug: standing upright with dumbbells at the sides; the shoulders elevate, elbows straight.
    lat_pulldown: seated, thighs under a pad; a wide bar is pulled from overhead to the upper chest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .body import FORWARD, RIGHT, SIDE_SIGN, SIDES, UP, BodyDims, Frame3, Posture, unit
from .timeline import FrameState

DIMS = BodyDims()
ARM = DIMS.upper_arm + DIMS.forearm


@dataclass
class Item:
    """An equipment primitive in world coordinates (metres).

    kind: "capsule" (a, b, ra, rb), "ellipsoid" (centre, axes 3x3 columns = semi-axes),
    "box" (centre, axes 3x3 columns = half edges) or "line" (a, b, width_m; drawn flat,
    behind everything else).
    """

    kind: str
    colour: tuple[float, float, float]
    params: dict


STEEL = (0.62, 0.64, 0.68)
IRON = (0.16, 0.16, 0.18)
PAD = (0.12, 0.12, 0.14)
FRAME = (0.35, 0.37, 0.40)


def dumbbell(centre: np.ndarray, axis: np.ndarray, head_r: float = 0.055) -> list[Item]:
    """A dumbbell whose handle runs along axis, centred in the hand."""
    ax = unit(axis)
    # Two unit vectors perpendicular to the handle for the heads' round faces.
    p1 = unit(np.cross(ax, UP if abs(ax @ UP) < 0.9 else RIGHT))
    p2 = np.cross(ax, p1)
    items = [Item("capsule", STEEL, dict(a=centre - 0.075 * ax, b=centre + 0.075 * ax, ra=0.016, rb=0.016))]
    for s in (-1, 1):
        c = centre + s * 0.105 * ax
        items.append(Item("ellipsoid", IRON, dict(centre=c, axes=np.stack([0.035 * ax, head_r * p1, head_r * p2], 1))))
    return items


def box_item(lo, hi, colour) -> Item:
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    c = (lo + hi) / 2
    h = (hi - lo) / 2
    return Item("box", colour, dict(centre=c, axes=np.diag(h)))


def lerp(a, b, w):
    return np.asarray(a, float) * (1.0 - w) + np.asarray(b, float) * w


def stance(half_width: float = 0.13, x: float = 0.0) -> dict[str, np.ndarray]:
    return {s: np.array([x, DIMS.ankle_height, SIDE_SIGN[s] * half_width]) for s in SIDES}


def hang_target(shoulder: np.ndarray, side: str, forward: float = 0.06, out: float = 0.05,
                reach: float = 0.985) -> np.ndarray:
    """Wrist position of an arm hanging (nearly straight) from the shoulder under gravity."""
    d = unit(-UP + forward * FORWARD + out * SIDE_SIGN[side] * RIGHT)
    return shoulder + reach * ARM * d


class Exercise:
    """Base motion model. Subclasses set the class attributes and implement :meth:`arms`."""

    name = "exercise"
    incline_deg = 0.0         # trunk inclination from vertical at rest (deg)
    head_pitch_deg = 0.0      # head extension relative to the trunk
    pelvis = np.array([0.0, 0.905, 0.0])
    default_shrug = 0.0
    default_retraction = 0.06
    default_tempo = (2.0, 0.0, 1.0, 1.0)
    working_side: str | None = None   # one-arm exercises: the arm that rows
    seated = False

    def ankles(self) -> dict[str, np.ndarray]:
        return stance()

    def knee_pole(self) -> dict[str, np.ndarray] | None:
        return None

    def feet(self) -> tuple[dict | None, dict | None]:
        """(foot_forward, foot_sole) per side, or None for flat on the floor."""
        return None, None

    def arms(self, st: FrameState, side: str, sh: np.ndarray, lower: Frame3, upper: Frame3,
             pelvis: np.ndarray):
        """(wrist target, elbow pole, hand direction or None, grip axis) for one arm."""
        raise NotImplementedError

    # -- setup -------------------------------------------------------------
    def setup_posture(self, st: FrameState) -> Posture:
        """The pose a setup motion starts from: standing tall, arms hanging at the sides."""
        def arms(side, sh, lower, upper):
            return (hang_target(sh, side, 0.02, 0.08), -FORWARD + 0.2 * SIDE_SIGN[side] * RIGHT, None,
                    FORWARD)
        return Posture(pelvis=np.array([0.0, 0.905, 0.0]), inclination_deg=0.0, ankles=stance(),
                       arms=arms, head_pitch_deg=0.0)

    # -- posture -----------------------------------------------------------
    def posture(self, st: FrameState) -> Posture:
        pelvis = self.pelvis.copy()
        incl = self.incline_deg - st.swing_deg
        rot = st.rotation_deg
        if self.working_side == "left":
            rot = -rot

        def arms(side, sh, lower, upper):
            return self.arms(st, side, sh, lower, upper, pelvis)

        fwd, sole = self.feet()
        p = Posture(pelvis=pelvis, inclination_deg=incl, ankles=self.ankles(), arms=arms,
                    rotation_deg=rot, foot_forward=fwd, foot_sole=sole, knee_pole=self.knee_pole(),
                    head_pitch_deg=self.head_pitch_deg, neck=st.neck, shrug=dict(st.shrug),
                    retraction=dict(st.retraction), thoracic_deg=st.thoracic_deg)
        if st.setup < 1.0:
            p = blend_postures(self.setup_posture(st), p, st.setup)
        return p

    def equipment(self, pose, st: FrameState, yaw_deg: float) -> list[Item]:
        return []


def dumbbells_in_hands(pose) -> list[Item]:
    """A dumbbell in each hand, its handle across the palm along the grip axis."""
    items = []
    for side in SIDES:
        w, h = pose[f"{side}_wrist"], pose[f"{side}_hand"]
        items += dumbbell(w + 0.8 * (h - w), pose.grip_axis[side])
    return items


def blend_postures(a: Posture, b: Posture, w: float) -> Posture:
    """Interpolate two postures (w = 0 gives a, 1 gives b); arm targets and poles are blended."""
    def arms(side, sh, lower, upper):
        ta, pa, ha, ga = a.arms(side, sh, lower, upper)
        tb, pb, hb, gb = b.arms(side, sh, lower, upper)
        hd = None if ha is None or hb is None else lerp(ha, hb, w)
        return lerp(ta, tb, w), lerp(pa, pb, w), hd, lerp(ga, gb, w)

    def mix(da, db):
        if da is None and db is None:
            return None
        return {s: lerp((da or {}).get(s, (db or {}).get(s)), (db or {}).get(s, (da or {}).get(s)), w)
                for s in SIDES}

    return Posture(pelvis=lerp(a.pelvis, b.pelvis, w), inclination_deg=float(lerp(a.inclination_deg, b.inclination_deg, w)),
                   ankles=mix(a.ankles, b.ankles), arms=arms,
                   rotation_deg=float(lerp(a.rotation_deg, b.rotation_deg, w)),
                   foot_forward=mix(a.foot_forward, b.foot_forward), foot_sole=mix(a.foot_sole, b.foot_sole),
                   knee_pole=mix(a.knee_pole, b.knee_pole),
                   head_pitch_deg=float(lerp(a.head_pitch_deg, b.head_pitch_deg, w)),
                   neck=float(lerp(a.neck, b.neck, w)),
                   shrug={s: float(lerp(a.shrug[s], b.shrug[s], w)) for s in SIDES},
                   retraction={s: float(lerp(a.retraction[s], b.retraction[s], w)) for s in SIDES},
                   thoracic_deg=float(lerp(a.thoracic_deg, b.thoracic_deg, w)))


def row_pole(side: str, upper: Frame3) -> np.ndarray:
    """Elbows drive back (towards the hips) and up (towards the lifter's back), slightly out."""
    return unit(-0.55 * upper.up - 0.8 * upper.forward + 0.3 * SIDE_SIGN[side] * upper.right)


class BentOverRow(Exercise):
    name = "bent_over_row"
    incline_deg = 45.0
    head_pitch_deg = 22.0
    pelvis = np.array([-0.17, 0.865, 0.0])

    def arms(self, st, side, sh, lower, upper, pelvis):
        s = SIDE_SIGN[side]
        bottom = hang_target(sh, side, 0.10, 0.05, 0.975)
        top = pelvis + 0.22 * DIMS.trunk * upper.up + 0.17 * upper.forward + s * 0.21 * upper.right
        # Neutral (hammer) grip: from the side the dumbbell heads sit fore and aft of the hand
        # instead of covering it.
        return lerp(bottom, top, st.progress[side]), row_pole(side, upper), None, FORWARD

    def equipment(self, pose, st, yaw_deg):
        return dumbbells_in_hands(pose)


class ChestSupportedRow(Exercise):
    name = "chest_supported_row"
    incline_deg = 45.0
    head_pitch_deg = 20.0
    pelvis = np.array([-0.22, 0.90, 0.0])

    def ankles(self):
        return stance(0.14, -0.12)

    def arms(self, st, side, sh, lower, upper, pelvis):
        s = SIDE_SIGN[side]
        bottom = hang_target(sh, side, 0.04, 0.10, 0.975)
        top = pelvis + 0.32 * DIMS.trunk * upper.up + 0.19 * upper.forward + s * 0.24 * upper.right
        return lerp(bottom, top, st.progress[side]), row_pole(side, upper), None, RIGHT

    def pad_geometry(self):
        """Centre and half-edge axes (3, 3) of the incline pad, fixed in the world at the start posture."""
        from .body import trunk_frame

        lo, _ = trunk_frame(self.incline_deg)
        c = self.pelvis + 0.80 * DIMS.trunk * lo.up + 0.17 * lo.forward
        axes = np.stack([0.12 * lo.right, 0.13 * lo.up, 0.04 * lo.forward], 1)
        return c, axes, lo

    def equipment(self, pose, st, yaw_deg):
        c, axes, lo = self.pad_geometry()
        items = [Item("box", PAD, dict(centre=c, axes=axes))]
        # The pad's post: from under the pad straight down to the floor, on the midline, and a base.
        top = c - 0.02 * lo.up + 0.03 * lo.forward
        items.append(box_item([top[0] - 0.03, 0.0, -0.03], [top[0] + 0.03, top[1], 0.03], FRAME))
        items.append(box_item([top[0] - 0.25, 0.0, -0.2], [top[0] + 0.25, 0.04, 0.2], FRAME))
        return items + dumbbells_in_hands(pose)


class OneArmRow(Exercise):
    """One-arm dumbbell row; the other hand braces on a bench on that side.

    The bench and stance are mirrored when ``working_side`` is "left".
    """

    name = "one_arm_row"
    incline_deg = 70.0
    head_pitch_deg = 25.0
    pelvis = np.array([-0.26, 0.86, 0.0])
    working_side = "right"
    # Bench for a right-arm row (on the lifter's left): x from/to, top height, z from/to (metres).
    bench_x = (0.18, 1.05)
    bench_top = 0.44
    bench_z = (-0.46, -0.10)
    brace_x = 0.52  # where the braced hand rests on the bench (m forward of the ankles)

    def _m(self) -> float:
        """+1 for a right-arm row, -1 for a left-arm row (mirrors z)."""
        return 1.0 if self.working_side == "right" else -1.0

    def ankles(self):
        m = self._m()
        brace = "left" if m > 0 else "right"
        work = self.working_side
        return {brace: np.array([0.06, DIMS.ankle_height, -0.17 * m]),
                work: np.array([-0.30, DIMS.ankle_height, 0.19 * m])}

    def arms(self, st, side, sh, lower, upper, pelvis):
        s = SIDE_SIGN[side]
        if side != self.working_side:  # braced on the bench: hand fixed, elbow soft and pointing out/back
            hand = np.array([self.brace_x, self.bench_top + 0.03, -0.25 * self._m()])
            return hand + np.array([0.0, 0.07, 0.0]), unit(-FORWARD + s * 0.6 * RIGHT), -UP + 0.2 * FORWARD, FORWARD
        bottom = hang_target(sh, side, 0.05, 0.03, 0.975)
        top = pelvis + 0.20 * DIMS.trunk * upper.up + 0.15 * upper.forward + s * 0.2 * upper.right
        return lerp(bottom, top, st.progress[side]), row_pole(side, upper), None, FORWARD

    def equipment(self, pose, st, yaw_deg):
        m = self._m()
        z0, z1 = sorted((self.bench_z[0] * m, self.bench_z[1] * m))
        x0, x1 = self.bench_x
        items = [box_item([x0, self.bench_top - 0.08, z0], [x1, self.bench_top, z1], PAD)]
        for x in (x0 + 0.08, x1 - 0.08):
            items.append(box_item([x - 0.03, 0.0, z0 + 0.06], [x + 0.03, self.bench_top - 0.08, z1 - 0.06], FRAME))
        w, h = pose[f"{self.working_side}_wrist"], pose[f"{self.working_side}_hand"]
        items += dumbbell(w + 0.8 * (h - w), pose.grip_axis[self.working_side])
        return items


class SeatedCableRow(Exercise):
    name = "seated_cable_row"
    incline_deg = 0.0
    head_pitch_deg = -4.0
    pelvis = np.array([0.0, 0.50, 0.0])
    seated = True
    default_tempo = (2.0, 0.0, 1.0, 1.0)
    pulley = np.array([1.55, 0.42, 0.0])

    def ankles(self):
        return {s: np.array([0.76, 0.24, SIDE_SIGN[s] * 0.15]) for s in SIDES}

    def knee_pole(self):
        return {s: UP + 0.6 * SIDE_SIGN[s] * RIGHT for s in SIDES}  # knees a little apart

    def feet(self):
        return ({s: unit(0.25 * FORWARD + UP) for s in SIDES}, {s: FORWARD.copy() for s in SIDES})

    def arms(self, st, side, sh, lower, upper, pelvis):
        s = SIDE_SIGN[side]
        reach = sh + 0.955 * ARM * unit(FORWARD - 0.18 * UP) - s * 0.13 * RIGHT
        top = pelvis + 0.40 * DIMS.trunk * upper.up + 0.19 * upper.forward + s * 0.075 * upper.right
        pole = unit(-0.6 * FORWARD - 0.7 * UP + 0.35 * s * RIGHT)
        return lerp(reach, top, st.progress[side]), pole, None, UP

    def setup_posture(self, st):
        # Sitting tall with the handle at the abdomen, before leaning in to the stretch.
        p = self.posture_raw(FrameState(st.t, "setup", 0, 1.0, {"left": 1.0, "right": 1.0},
                                        {"left": 0.0, "right": 0.0}, {"left": 0.0, "right": 0.0}))
        p.inclination_deg = -2.0
        return p

    def posture_raw(self, st):
        st2 = FrameState(**{**st.__dict__, "setup": 1.0})
        return Exercise.posture(self, st2)

    def equipment(self, pose, st, yaw_deg):
        items = [box_item([-0.30, 0.0, -0.17], [0.30, 0.415, 0.17], PAD),
                 box_item([0.84, 0.02, -0.24], [0.90, 0.46, 0.24], FRAME),   # foot plate
                 box_item([-0.30, 0.0, -0.06], [1.7, 0.05, 0.06], FRAME)]    # rail
        handle = (pose["left_hand"] + pose["right_hand"]) / 2
        items.append(Item("capsule", STEEL, dict(a=pose["left_hand"] + 0.01 * FORWARD, b=pose["right_hand"] + 0.01 * FORWARD, ra=0.018, rb=0.018)))
        items.append(Item("line", (0.15, 0.15, 0.15), dict(a=handle, b=self.pulley, width_m=0.008)))
        if abs(abs(yaw_deg) - 90) < 50:  # the cable stack would hide the lifter in a front view
            items.append(box_item([1.6, 0.0, -0.22], [1.78, 1.9, 0.22], FRAME))
        return items


class FacePull(Exercise):
    name = "face_pull"
    incline_deg = 2.0
    head_pitch_deg = 0.0
    pelvis = np.array([-0.02, 0.905, 0.0])
    default_retraction = 0.08
    anchor = np.array([1.5, 1.62, 0.0])

    def ankles(self):
        return {"left": np.array([0.10, DIMS.ankle_height, -0.13]), "right": np.array([-0.12, DIMS.ankle_height, 0.13])}

    def arms(self, st, side, sh, lower, upper, pelvis):
        s = SIDE_SIGN[side]
        reach = sh + 0.96 * ARM * unit(FORWARD + 0.12 * UP) - s * 0.10 * RIGHT
        head_c = pelvis + (DIMS.trunk + DIMS.neck_base_up + DIMS.head_up) * upper.up
        top = head_c + 0.10 * upper.forward + s * 0.21 * upper.right - 0.03 * upper.up
        pole = unit(s * 1.0 * upper.right + 0.55 * upper.up - 0.35 * upper.forward)
        return lerp(reach, top, st.progress[side]), pole, None, UP

    def equipment(self, pose, st, yaw_deg):
        items = []
        for side in SIDES:
            items.append(Item("line", (0.85, 0.80, 0.55), dict(a=pose[f"{side}_hand"], b=self.anchor, width_m=0.02)))
        if abs(abs(yaw_deg) - 90) < 50:
            items.append(box_item([1.55, 0.0, -0.2], [1.72, 2.0, 0.2], FRAME))
        return items


class Shrug(Exercise):
    name = "shrug"
    incline_deg = 2.0
    head_pitch_deg = 0.0
    pelvis = np.array([-0.01, 0.905, 0.0])
    default_shrug = 0.14
    default_retraction = 0.0
    default_tempo = (2.0, 0.0, 1.0, 1.0)

    def arms(self, st, side, sh, lower, upper, pelvis):
        s = SIDE_SIGN[side]
        return hang_target(sh, side, 0.03, 0.13, 0.985), unit(-upper.forward + 0.1 * s * RIGHT), None, FORWARD

    def equipment(self, pose, st, yaw_deg):
        return dumbbells_in_hands(pose)


class LatPulldown(Exercise):
    name = "lat_pulldown"
    incline_deg = -12.0  # leaning back slightly
    head_pitch_deg = 8.0
    pelvis = np.array([0.0, 0.56, 0.0])
    seated = True
    bar_y = 2.05

    def ankles(self):
        return {s: np.array([0.42, DIMS.ankle_height, SIDE_SIGN[s] * 0.16]) for s in SIDES}

    def knee_pole(self):
        return {s: FORWARD + UP for s in SIDES}

    def arms(self, st, side, sh, lower, upper, pelvis):
        s = SIDE_SIGN[side]
        reach = np.array([sh[0] + 0.06, sh[1] + 0.97 * ARM * 0.93, s * 0.42])
        top = pelvis + 1.02 * DIMS.trunk * upper.up + 0.16 * upper.forward + s * 0.40 * upper.right
        pole = unit(s * RIGHT - 0.5 * UP - 0.2 * FORWARD)
        return lerp(reach, top, st.progress[side]), pole, UP, RIGHT

    def equipment(self, pose, st, yaw_deg):
        l, r = pose["left_hand"], pose["right_hand"]
        mid = (l + r) / 2
        ax = unit(r - l)
        items = [Item("capsule", STEEL, dict(a=mid - 0.6 * ax, b=mid + 0.6 * ax, ra=0.016, rb=0.016)),
                 box_item([-0.28, 0.0, -0.17], [0.28, 0.44, 0.17], PAD),
                 box_item([0.22, 0.66, -0.25], [0.36, 0.74, 0.25], PAD)]
        items.append(Item("line", (0.15, 0.15, 0.15), dict(a=mid, b=np.array([mid[0], 2.6, 0.0]), width_m=0.008)))
        return items


EXERCISES: dict[str, Exercise] = {e.name: e for e in (
    BentOverRow(), OneArmRow(), SeatedCableRow(), ChestSupportedRow(), FacePull(), Shrug(), LatPulldown())}

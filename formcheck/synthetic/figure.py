"""Draw the posed lifter (and equipment) into an RGB frame.

The body is built from shaded 3D primitives in world metres (tapered capsules
for limbs, ellipsoids for pelvis, abdomen, chest, head, ears and hands),
projected by a :class:`~formcheck.synthetic.camera.Camera` and ray-cast into a
z-buffer (:mod:`formcheck.synthetic.raster`), so overlaps are resolved per
pixel by depth. Clothes: a shirt over the torso and upper arms, trousers, shoes;
skin on forearms, hands, neck and face; hair on the back and top of the head.
Facial features (eyes, brows, mouth) are painted on after a depth test, so they
disappear when the head turns away or an arm passes in front.

Output frames are RGB uint8 arrays of shape (height, width, 3).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .body import SIDE_SIGN, SIDES, BodyDims, Pose3D, rotate, spine_at, unit
from .camera import Camera
from .exercises import Item
from .raster import Canvas, lambert


@dataclass(frozen=True)
class Palette:
    """Colours as RGB floats in [0, 1]."""

    skin: tuple = (0.87, 0.66, 0.52)
    skin_dark: tuple = (0.78, 0.55, 0.43)
    hair: tuple = (0.20, 0.13, 0.08)
    shirt: tuple = (0.80, 0.20, 0.18)
    sleeve: tuple = (0.74, 0.17, 0.15)
    trousers: tuple = (0.16, 0.20, 0.34)
    shoes: tuple = (0.92, 0.92, 0.90)
    sole: tuple = (0.25, 0.25, 0.25)
    wall_top: tuple = (0.86, 0.86, 0.83)
    wall_bottom: tuple = (0.76, 0.76, 0.73)
    floor: tuple = (0.55, 0.47, 0.38)
    shadow: tuple = (0.40, 0.34, 0.28)
    eye_white: tuple = (0.96, 0.96, 0.94)
    iris: tuple = (0.22, 0.15, 0.10)
    lips: tuple = (0.62, 0.30, 0.28)


DIMS = BodyDims()
ARM_ANATOMY = True
SOFTEN = 0.0  # Gaussian blur sigma (px) applied to the finished frame
FIST = True
HAND = (0.055, 0.05, 0.044, 0.026)  # palm ellipsoid: centre beyond the wrist, semi-axes along, across, thick (m)
SLEEVE = 0.45  # sleeve length as a fraction of the upper arm
# Torso cross-sections: height above the hip joints along the trunk axis, half-width, half-depth,
# forward offset of the section's centre (metres).
TORSO_SECTIONS = np.array([
    [0.000, 0.166, 0.098, -0.024],
    [0.080, 0.160, 0.098, -0.006],
    [0.160, 0.146, 0.090, 0.006],
    [0.240, 0.148, 0.094, 0.010],
    [0.320, 0.160, 0.104, 0.014],
    [0.400, 0.168, 0.106, 0.012],
    [0.450, 0.165, 0.096, 0.004],
    [0.500, 0.130, 0.074, -0.010],
])
TORSO_SLICES = 19
TORSO_OVERLAP = 1.6  # slice semi-height in units of the slice spacing (the loft's ends overshoot by this)
# Pelvis ellipsoid: (height above the hip joints along the trunk, forward offset), semi-axes
# (lateral, along the trunk, forward), metres.
PELVIS = ((-0.005, -0.035), (0.166, 0.098, 0.114))
TORSO_SHIFT = -0.03  # move the whole torso drawing along the trunk axis (m)
WAISTBAND = 0.085  # trousers below this height above the hip joints, shirt above

# Part ids: one per primitive group, so outlines appear between parts (not within one).
_PID = {name: i + 1 for i, name in enumerate((
    "pelvis", "abdomen", "chest", "neck", "head", "nose", "left_ear", "right_ear",
    "left_trap", "right_trap", "left_delt", "right_delt",
    "left_upper_arm", "right_upper_arm", "left_forearm", "right_forearm", "left_hand", "right_hand",
    "left_thigh", "right_thigh", "left_shank", "right_shank", "left_foot", "right_foot"))}
_EQUIP_PID0 = 100


def _ellipsoid_axes(frame_cols: np.ndarray, radii) -> np.ndarray:
    """World semi-axis vectors (3, 3) columns from a frame's (right, up, forward) columns and radii."""
    return frame_cols * np.asarray(radii)[None, :]


def body_parts(pose: Pose3D, pal: Palette) -> list[tuple]:
    """The lifter as world-space primitives: (kind, pid, colour, params, shader_key)."""
    j = pose.joints
    lo, up = pose.lower, pose.upper
    L = DIMS.trunk
    h = j["mid_hip"]
    parts: list[tuple] = []
    # Torso: a loft of thin ellipsoid slices through key cross-sections (TORSO_SECTIONS), trousers
    # below the waistband and shirt above; the chest turns with the shoulder girdle, the pelvis does not.
    # The pelvis (seat and hips) is one smooth ellipsoid; the loft starts at the hip joints.
    pc, pa = PELVIS
    parts.append(("ellipsoid", "pelvis", pal.trousers,
                  dict(centre=h + (pc[0] + TORSO_SHIFT) * lo.up + pc[1] * lo.forward,
                       axes=_ellipsoid_axes(lo.matrix, pa))))
    hs = TORSO_SECTIONS[:, 0]
    n = TORSO_SLICES
    heights = np.linspace(hs[0], hs[-1], n)
    gap = heights[1] - heights[0]
    for k, hh in enumerate(heights):
        w_, d_, f_ = (np.interp(hh, hs, TORSO_SECTIONS[:, c]) for c in (1, 2, 3))
        a = float(np.clip((hh - 0.10) / 0.32, 0.0, 1.0))   # how much of the girdle's rotation this slice takes
        fr_r = unit((1 - a) * lo.right + a * up.right)
        fr_f = unit((1 - a) * lo.forward + a * up.forward)
        # Slices keep their own width at their centre height; semi-height TORSO_OVERLAP x the spacing.
        semi_up = TORSO_OVERLAP * gap
        if pose.thoracic_deg:
            # A rounded back: each slice sits on the bent trunk line and tips with it (the back bows out).
            fwd, tilt = spine_at(pose.thoracic_deg, (hh + TORSO_SHIFT) / L)
            s_up, s_f = rotate(lo.up, lo.right, -tilt), rotate(fr_f, lo.right, -tilt)
            centre = h + (hh + TORSO_SHIFT) * lo.up + fwd * L * lo.forward + f_ * s_f
            axes = np.stack([w_ * fr_r, semi_up * s_up, d_ * s_f], 1)
        else:
            centre = h + (hh + TORSO_SHIFT) * lo.up + f_ * fr_f
            axes = np.stack([w_ * fr_r, semi_up * lo.up, d_ * fr_f], 1)
        colour = pal.trousers if hh < WAISTBAND else pal.shirt
        parts.append(("ellipsoid", "pelvis" if hh < WAISTBAND else "chest", colour, dict(centre=centre, axes=axes),
                      "torso"))
    # Neck and head.
    hf = pose.head_frame
    head = j["head"]
    parts.append(("capsule", "neck", pal.skin,
                  dict(a=j["neck"] - 0.03 * up.up, b=head - 0.045 * hf.up - 0.01 * hf.forward, ra=0.056, rb=0.05)))
    parts.append(("ellipsoid", "head", pal.skin, dict(centre=head, axes=_ellipsoid_axes(hf.matrix, DIMS.head_radii)), "head"))
    nose_root = head + hf.to_world(np.array([0.0, 0.012, 0.088]))
    parts.append(("capsule", "nose", pal.skin, dict(a=nose_root, b=j["nose"] - 0.006 * hf.forward, ra=0.011, rb=0.014)))
    for side in SIDES:
        s = SIDE_SIGN[side]
        ear_axes = np.stack([0.014 * hf.right, 0.032 * hf.up, 0.021 * hf.forward], 1)
        parts.append(("ellipsoid", f"{side}_ear", pal.skin_dark,
                      dict(centre=j[f"{side}_ear"] - 0.004 * s * hf.right, axes=ear_axes)))
        sh = j[f"{side}_shoulder"]
        # Trapezius: neck base to the top of the shoulder; it rises with a shrug.
        parts.append(("capsule", f"{side}_trap", pal.shirt,
                      dict(a=j["neck"] - 0.02 * up.up - 0.015 * up.forward, b=sh + 0.012 * up.up - 0.01 * up.forward, ra=0.05, rb=0.042)))
        parts.append(("ellipsoid", f"{side}_delt", pal.sleeve,
                      dict(centre=sh - 0.004 * up.up + 0.008 * s * up.right,
                           axes=_ellipsoid_axes(up.matrix, (0.056, 0.058, 0.060)))))
        el, wr, hand = j[f"{side}_elbow"], j[f"{side}_wrist"], j[f"{side}_hand"]
        sleeve_end = sh + SLEEVE * (el - sh)
        parts.append(("capsule", f"{side}_upper_arm", pal.sleeve, dict(a=sh, b=sleeve_end, ra=0.054, rb=0.053)))
        if ARM_ANATOMY:
            # Biceps/triceps narrowing to the elbow; forearm muscles bulge just below the elbow
            # and taper to a slim wrist, which marks where both joints are on a straight arm.
            parts.append(("capsule", f"{side}_upper_arm", pal.skin, dict(a=sleeve_end, b=el, ra=0.046, rb=0.036)))
            fa1 = el + 0.28 * (wr - el)
            parts.append(("capsule", f"{side}_forearm", pal.skin, dict(a=el, b=fa1, ra=0.038, rb=0.044)))
            parts.append(("capsule", f"{side}_forearm", pal.skin, dict(a=fa1, b=wr, ra=0.044, rb=0.025)))
        else:
            parts.append(("capsule", f"{side}_upper_arm", pal.skin, dict(a=sleeve_end, b=el, ra=0.043, rb=0.040)))
            parts.append(("capsule", f"{side}_forearm", pal.skin, dict(a=el, b=wr, ra=0.041, rb=0.027)))
        hd = unit(hand - wr)
        ga = pose.grip_axis.get(side, np.array([0.0, 0.0, 1.0]))
        ga = unit(ga - float(ga @ hd) * hd)
        thick = np.cross(hd, ga)
        parts.append(("ellipsoid", f"{side}_hand", pal.skin,
                      dict(centre=wr + HAND[0] * hd, axes=np.stack([HAND[1] * hd, HAND[2] * ga, HAND[3] * thick], 1))))
        if FIST:
            # Fingers curled round the handle: a short capsule across the grip at the knuckles.
            k = wr + 0.075 * hd
            parts.append(("capsule", f"{side}_hand", pal.skin,
                          dict(a=k - 0.036 * ga, b=k + 0.036 * ga, ra=0.024, rb=0.021)))
        # Legs and shoes.
        hip, kn, an = j[f"{side}_hip"], j[f"{side}_knee"], j[f"{side}_ankle"]
        parts.append(("capsule", f"{side}_thigh", pal.trousers, dict(a=hip, b=kn, ra=0.080, rb=0.056)))
        parts.append(("capsule", f"{side}_shank", pal.trousers, dict(a=kn, b=an, ra=0.054, rb=0.040)))
        heel, toe = j[f"{side}_heel"], j[f"{side}_toe"]
        sole = pose.foot_sole.get(side, np.array([0.0, -1.0, 0.0]))
        parts.append(("capsule", f"{side}_foot", pal.shoes,
                      dict(a=heel - 0.35 * DIMS.ankle_height * sole, b=toe - 0.2 * DIMS.ankle_height * sole, ra=0.042, rb=0.034)))
        parts.append(("capsule", f"{side}_foot", pal.shoes, dict(a=an, b=heel - 0.3 * DIMS.ankle_height * sole, ra=0.040, rb=0.040)))
    return parts


def _head_shader(pose: Pose3D, cam: Camera, pal: Palette):
    """Skin for the face and sides, hair on the top and back, chosen by the surface normal."""
    hf = pose.head_frame
    skin = np.asarray(pal.skin, np.float32)
    hair = np.asarray(pal.hair, np.float32)

    def shade(normals: np.ndarray, colour: np.ndarray) -> np.ndarray:
        w = cam.to_world_dir(normals)
        nu, nf = w @ hf.up, w @ hf.forward
        is_hair = (nu > 0.42) | ((nf < -0.15) & (nu > -0.55)) | ((nf < 0.35) & (nu > 0.12))
        out = lambert(normals, skin)
        if is_hair.any():
            out[is_hair] = lambert(normals[is_hair], hair)
        return out

    return shade


def _torso_shader(pose: Pose3D, cam: Camera):
    """Shade torso slices as one smooth body: drop the normal's component along the trunk axis."""
    axis = cam.rot @ pose.lower.up

    def shade(normals: np.ndarray, colour: np.ndarray) -> np.ndarray:
        n = normals - (normals @ axis)[:, None] * axis[None, :]
        n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-9)
        return lambert(n, colour)

    return shade


def _project_params(kind: str, params: dict, cam: Camera, offset) -> dict:
    if kind == "capsule":
        return dict(a=cam.project(params["a"], offset), b=cam.project(params["b"], offset),
                    ra=params["ra"] * float(cam.pixel_scale(params["a"])),
                    rb=params["rb"] * float(cam.pixel_scale(params["b"])))
    if kind in ("ellipsoid", "box"):
        return dict(centre=cam.project(params["centre"], offset), axes=cam.jacobian(params["centre"]) @ params["axes"])
    raise ValueError(kind)


def _draw_prim(cv: Canvas, kind: str, p: dict, colour, pid: int, shader=None) -> None:
    col = np.asarray(colour, np.float32)
    if kind == "capsule":
        cv.capsule(p["a"], p["b"], p["ra"], p["rb"], col, pid, shader)
    elif kind == "ellipsoid":
        cv.ellipsoid(p["centre"], p["axes"], col, pid, shader)
    elif kind == "box":
        cv.box(p["centre"], p["axes"], col, pid, shader)


def background(width: int, height: int, cam: Camera, pal: Palette, pose: Pose3D,
               offset=(0.0, 0.0)) -> np.ndarray:
    """Wall gradient and a floor (projected ground plane) with a soft shadow under the lifter's feet.

    Returns:
        (height, width, 3) float32 RGB in [0, 1]. Computed once per clip (the feet barely move);
        :func:`render_pose` shifts it for camera shake.
    """
    g = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    img = np.empty((height, width, 3), np.float32)
    img[:] = (1 - g) * np.asarray(pal.wall_top, np.float32) + g * np.asarray(pal.wall_bottom, np.float32)
    # Floor: a rectangle aligned with the camera (so its far edge is horizontal), from just in
    # front of the camera to 4 m behind the lifter.
    rh = np.array([cam.right[0], 0.0, cam.right[2]])
    dh = np.array([-cam.to_cam[0], 0.0, -cam.to_cam[2]])
    dh /= max(np.linalg.norm(dh), 1e-9)
    base = np.array([cam.target[0], 0.0, cam.target[2]])
    near = -((cam.distance_m or 20.0) - 0.4)
    corners = np.array([base + a * 20.0 * rh + b * dh for a, b in ((-1, 4.0), (1, 4.0), (1, near), (-1, near))])
    c2 = cam.project(corners, offset)[:, :2]
    hull = cv2.convexHull(c2.astype(np.float32)).reshape(-1, 2)
    cv2.fillPoly(img, [np.round(hull * 16).astype(np.int32)], tuple(float(x) for x in pal.floor), cv2.LINE_AA, shift=4)
    # Skirting line where the floor meets the wall (the far edge of the floor).
    far = hull[hull[:, 1] <= hull[:, 1].min() + 1.0]
    if len(far):
        y = int(round(far[:, 1].mean()))
        cv2.line(img, (0, y), (width, y), (0.6, 0.6, 0.58), 2)
    # Shadow: an ellipse on the floor under the feet.
    feet = np.array([pose[f"{s}_{p}"] for s in SIDES for p in ("heel", "toe", "ankle")])
    c = feet.mean(axis=0)
    c[1] = 0.0
    ang = np.linspace(0, 2 * np.pi, 40)
    ring = np.stack([c[0] + 0.55 * np.cos(ang), np.zeros_like(ang), c[2] + 0.35 * np.sin(ang)], 1)
    r2 = cam.project(ring, offset)[:, :2]
    shadow = np.zeros((height, width), np.float32)
    cv2.fillPoly(shadow, [np.round(r2 * 16).astype(np.int32)], 1.0, cv2.LINE_AA, shift=4)
    k = max(3, int(cam.scale * 0.08) | 1)
    shadow = cv2.GaussianBlur(shadow, (k, k), 0)
    img = img * (1 - 0.35 * shadow[..., None])
    return img


def _face(cv: Canvas, pose: Pose3D, cam: Camera, offset, pal: Palette) -> None:
    """Eyes, brows and mouth painted on the head where they face the camera and are not hidden."""
    hf = pose.head_frame
    head = pose["head"]
    rad = np.asarray(DIMS.head_radii)
    s = float(cam.pixel_scale(head))
    img = cv.rgb
    to_cam = cam.to_cam

    def visible(pt_world, local):
        n = unit(hf.to_world(local / rad ** 2))  # ellipsoid surface normal at the feature
        facing = float(n @ to_cam)
        p = cam.project(pt_world, offset)
        x, y = int(p[0]), int(p[1])
        if facing < 0.12 or not (0 <= x < cv.size[0] and 0 <= y < cv.size[1]):
            return None, facing
        # Depth test with a tolerance of ~1.5 cm (the feature sits on the surface).
        if p[2] > cv.z[y, x] + 0.015 * s:
            return None, facing
        return p, facing

    for side in SIDES:
        sg = SIDE_SIGN[side]
        local = np.array([sg * DIMS.eye[0], DIMS.eye[1], DIMS.eye[2]])
        p, facing = visible(pose[f"{side}_eye"], local)
        if p is None:
            continue
        # Foreshorten the eye's width by how much the face turns away.
        ew = max(1.0, 0.016 * s * (0.35 + 0.65 * facing))
        eh = max(1.0, 0.0085 * s)
        lat = cam.vec(hf.right, head)[:2]
        ang = float(np.degrees(np.arctan2(lat[1], lat[0]))) if np.linalg.norm(lat) > 1e-6 else 0.0
        c = (int(round(p[0] * 16)), int(round(p[1] * 16)))
        cv2.ellipse(img, c, (int(ew * 16), int(eh * 16)), ang, 0, 360, pal.eye_white, -1, cv2.LINE_AA, 4)
        cv2.circle(img, c, int(max(1.0, 0.0068 * s) * 16), pal.iris, -1, cv2.LINE_AA, 4)
        # Brow above the eye.
        b0 = cam.project(head + hf.to_world(np.array([sg * 0.012, DIMS.eye[1] + 0.026, DIMS.eye[2] + 0.004])), offset)
        b1 = cam.project(head + hf.to_world(np.array([sg * 0.055, DIMS.eye[1] + 0.024, DIMS.eye[2] - 0.012])), offset)
        cv2.line(img, (int(b0[0] * 16), int(b0[1] * 16)), (int(b1[0] * 16), int(b1[1] * 16)), pal.hair,
                 max(1, int(round(0.008 * s))), cv2.LINE_AA, 4)
    # Mouth: a line between the visible corners (and the lip centre).
    pts = []
    for name, local in (("mouth_left", np.array([-DIMS.mouth[0], DIMS.mouth[1], DIMS.mouth[2]])),
                        ("mouth_centre", np.array([0.0, DIMS.mouth[1], DIMS.mouth[2] + 0.012])),
                        ("mouth_right", np.array([DIMS.mouth[0], DIMS.mouth[1], DIMS.mouth[2]]))):
        w = head + hf.to_world(local) if name == "mouth_centre" else pose[name]
        p, _ = visible(w, local)
        if p is not None:
            pts.append(p)
    if len(pts) >= 2:
        poly = np.round(np.array([q[:2] for q in pts]) * 16).astype(np.int32)
        cv2.polylines(img, [poly], False, pal.lips, max(1, int(round(0.009 * s))), cv2.LINE_AA, 4)


def person_mask(pose: Pose3D, cam: Camera, width: int, height: int, offset=(0.0, 0.0)) -> np.ndarray:
    """The lifter's exact silhouette (no equipment) as an (height, width) bool mask, where render_pose draws
    the body: what a perfect person segmentation would return (for checking measurements made on masks)."""
    cv = Canvas.blank(width, height, np.zeros(3, np.float32))
    for kind, name, colour, params, *_ in body_parts(pose, Palette()):
        _draw_prim(cv, kind, _project_params(kind, params, cam, offset), colour, _PID[name])
    return cv.ids > 0


def render_pose(pose: Pose3D, items: list[Item], cam: Camera, width: int, height: int,
                offset=(0.0, 0.0), pal: Palette = Palette(), bg: np.ndarray | None = None) -> np.ndarray:
    """Render one frame.

    Args:
        pose: the posed lifter (world metres).
        items: equipment primitives (world metres).
        cam: camera (already fitted to the frame).
        width, height: frame size in pixels.
        offset: (dx, dy) camera shake in pixels, added to every projected point.
        pal: colours.
        bg: a cached :func:`background` drawn at offset (0, 0) (computed here when None).

    Returns:
        (height, width, 3) uint8 RGB frame.
    """
    if bg is None:
        bg = background(width, height, cam, pal, pose)
    if offset[0] or offset[1]:
        m = np.array([[1.0, 0.0, offset[0]], [0.0, 1.0, offset[1]]], np.float32)
        bg = cv2.warpAffine(bg, m, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    else:
        bg = bg.copy()
    cv = Canvas(bg, np.full((height, width), np.inf, np.float32), np.zeros((height, width), np.int32))
    # Flat items first (cables, ropes): painted onto the background.
    for it in items:
        if it.kind == "line":
            a = cam.project(it.params["a"], offset)
            b = cam.project(it.params["b"], offset)
            wpx = max(1, int(round(it.params["width_m"] * cam.scale)))
            cv2.line(cv.rgb, (int(a[0] * 16), int(a[1] * 16)), (int(b[0] * 16), int(b[1] * 16)),
                     tuple(float(x) for x in it.colour), wpx, cv2.LINE_AA, 4)
    shaders = {"head": _head_shader(pose, cam, pal), "torso": _torso_shader(pose, cam)}
    for kind, name, colour, params, *rest in body_parts(pose, pal):
        shader = shaders[rest[0]] if rest else None
        _draw_prim(cv, kind, _project_params(kind, params, cam, offset), colour, _PID[name], shader)
    for n, it in enumerate(items):
        if it.kind != "line":
            _draw_prim(cv, it.kind, _project_params(it.kind, it.params, cam, offset), it.colour, _EQUIP_PID0 + n)
    cv.outline(0.35, depth_step_px=0.03 * cam.scale)
    _face(cv, pose, cam, offset, pal)
    if SOFTEN > 0:  # a touch of blur stands in for anti-aliasing and camera optics
        cv.rgb = cv2.GaussianBlur(cv.rgb, (0, 0), SOFTEN)
    return cv.to_uint8()

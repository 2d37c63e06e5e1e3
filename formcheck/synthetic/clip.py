"""Scripted clips: presets, rendering to MP4, and the ground-truth JSON beside it.

Units: times in seconds (frame i is at exactly i / fps), sizes and joint
positions in pixels of the rendered frame, angles in degrees, shrug /
retraction / neck amounts as fractions of torso length (mid-hip to
mid-shoulder).

Typical use::

    from formcheck.synthetic import make_spec, render_clip
    truth = render_clip(make_spec("row_side_shrug", reps=4, fps=29.97), "out/clip.mp4")
    # out/clip.mp4 and out/clip.json now exist; truth is the JSON as a dict.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterator

import numpy as np

from ..errors import OptionError
from .body import SIDES, Pose3D, build_pose
from .camera import Camera, shake_offsets, view_yaw
from .exercises import EXERCISES, Exercise
from .figure import Palette, background, render_pose
from .timeline import (FAULT_THRESHOLDS, FrameState, RepPlan, RepSpec, parse_tempo, plan_reps,
                       reps_from_list, state_at)

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
TRUTH_JOINTS = ("nose", "left_eye", "right_eye", "left_ear", "right_ear",
                "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
                "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle")


@dataclass
class ClipSpec:
    """Everything that defines a synthetic clip.

    Attributes:
        exercise: a key of :data:`~formcheck.synthetic.exercises.EXERCISES`.
        reps: the per-rep scripts (see :class:`RepSpec`).
        tempo: target (eccentric, pause, concentric, hold) seconds; reps without their own
            durations use it.
        view: "side", "front", "rear" or "oblique"; facing: "left" or "right" (side/oblique).
        yaw_deg: explicit camera yaw (overrides view/facing when set).
        pitch_deg: camera looks down by this much (deg).
        camera_distance_m: perspective camera this far from the lifter's centre (m); None gives a
            scaled orthographic (weak-perspective) view.
        fps: frame rate (float; 29.97 stays 29.97).
        size: (width, height) in pixels (even numbers for H.264).
        seed: random seed for noise and shake.
        noise: Gaussian pixel noise std (0-255 scale).
        shake: camera shake std in pixels (smooth).
        lead_s, tail_s: still time at the start position before the first rep / after the last (s).
        setup_motion: begin standing tall and move into the start position (step/lean in)
            during the lead-in (adds 1.5 s).
        preset: the preset name this spec came from ("" if built by hand).
    """

    exercise: str = "bent_over_row"
    reps: list[RepSpec] = field(default_factory=lambda: [RepSpec() for _ in range(5)])
    tempo: tuple[float, float, float, float] = (2.0, 0.0, 1.0, 1.0)
    view: str = "side"
    facing: str = "right"
    yaw_deg: float | None = None
    pitch_deg: float = 5.0
    camera_distance_m: float | None = 3.0
    fps: float = 30.0
    size: tuple[int, int] = (640, 480)
    seed: int = 0
    noise: float = 0.0
    shake: float = 0.0
    lead_s: float = 0.7
    tail_s: float = 0.7
    setup_motion: bool = False
    preset: str = ""

    SETUP_MOTION_S = 1.2
    SETUP_STILL_S = 0.3

    def validate(self) -> None:
        if self.exercise not in EXERCISES:
            raise OptionError(f"exercise must be one of {', '.join(EXERCISES)}; got {self.exercise!r}.")
        self.tempo = parse_tempo(self.tempo)
        view_yaw(self.view, self.facing)
        if not (isinstance(self.fps, (int, float)) and math.isfinite(self.fps) and 5.0 <= self.fps <= 240.0):
            raise OptionError(f"fps must be a number between 5 and 240, got {self.fps!r}.")
        w, h = self.size
        if not (isinstance(w, int) and isinstance(h, int)) or w < 128 or h < 128 or w > 3840 or h > 2160:
            raise OptionError(f"size must be WIDTHxHEIGHT between 128x128 and 3840x2160, got {self.size!r}.")
        if w % 2 or h % 2:
            raise OptionError(f"size must use even numbers (H.264 needs them), got {w}x{h}.")
        if not self.reps:
            raise OptionError("a clip needs at least 1 rep.")
        if len(self.reps) > 50:
            raise OptionError(f"at most 50 reps per clip, got {len(self.reps)}.")
        if not (0.0 <= self.noise <= 60.0):
            raise OptionError(f"noise must be a pixel std between 0 and 60, got {self.noise}.")
        if not (0.0 <= self.shake <= 40.0):
            raise OptionError(f"shake must be between 0 and 40 pixels, got {self.shake}.")
        if self.lead_s < 0 or self.tail_s < 0:
            raise OptionError("lead_s and tail_s must be 0 or more seconds.")
        for i, r in enumerate(self.reps, 1):
            r.validate(i)

    @property
    def yaw(self) -> float:
        return float(self.yaw_deg) if self.yaw_deg is not None else view_yaw(self.view, self.facing)


# Presets: exercise, view, facing, target tempo, number of reps, per-rep overrides (1-based).
# Every preset lasts under 15 s at its defaults; faulty reps come last so short versions keep them.
ROW_TEMPO = (1.4, 0.0, 0.8, 0.4)
SHRUG_TEMPO = (1.0, 0.0, 0.8, 0.8)
PRESETS: dict[str, dict] = {
    "row_side_clean": dict(exercise="bent_over_row", view="side", facing="right", tempo=ROW_TEMPO, n=5),
    "row_side_shrug": dict(exercise="bent_over_row", view="side", facing="right", tempo=ROW_TEMPO, n=5,
                           overrides={4: dict(shrug=0.10), 5: dict(shrug=0.12)},
                           note="shrug on reps 4-5 of 5"),
    "row_side_fast_eccentric": dict(exercise="bent_over_row", view="side", facing="right", tempo=(2.0, 0.0, 1.0, 0.5),
                                    n=4, overrides={3: dict(eccentric_s=0.7), 4: dict(eccentric_s=0.6, hold_s=0.1)},
                                    note="reps 3-4 lower in under 1 s (rushed eccentric), rep 4 skips the hold"),
    "row_side_swing": dict(exercise="bent_over_row", view="side", facing="right", tempo=ROW_TEMPO, n=5,
                           overrides={4: dict(swing_deg=16.0), 5: dict(swing_deg=20.0)},
                           note="reps 4-5 heave the trunk up by 16-20 deg (swing)"),
    "row_side_partial": dict(exercise="bent_over_row", view="side", facing="right", tempo=ROW_TEMPO, n=5,
                             overrides={3: dict(range=0.55), 4: dict(range=0.5), 5: dict(range=0.6, neck=0.12)},
                             note="reps 3-5 stop short (partial range); rep 5 also juts the head (neck)"),
    "row_side_rounded_back": dict(exercise="bent_over_row", view="side", facing="right", tempo=ROW_TEMPO, n=5,
                                  overrides={3: dict(pause_s=0.4), 4: dict(thoracic_deg=30.0),
                                             5: dict(thoracic_deg=35.0)},
                                  note="reps 4-5 round the upper back (thoracic flexion 30-35 deg)"),
    "row_front_clean": dict(exercise="bent_over_row", view="front", tempo=ROW_TEMPO, n=5),
    "row_front_shrug": dict(exercise="bent_over_row", view="front", tempo=ROW_TEMPO, n=5,
                            overrides={4: dict(shrug=0.10), 5: dict(shrug=0.12)},
                            note="shrug on reps 4-5 of 5"),
    "cable_row_side": dict(exercise="seated_cable_row", view="side", facing="left", tempo=ROW_TEMPO, n=5,
                           overrides={4: dict(swing_deg=32.0), 5: dict(swing_deg=36.0, hold_s=0.0)},
                           note="reps 4-5 rock back 32-36 deg past upright (swing: seated rows lean back up to ~20 "
                                "deg at the top by design), rep 5 without a hold"),
    "cable_row_rear": dict(exercise="seated_cable_row", view="rear", tempo=ROW_TEMPO, n=5,
                           note="seen from behind: the hands hide in front of the body, the elbows show the pull"),
    "one_arm_row_side": dict(exercise="one_arm_row", view="side", facing="right", tempo=ROW_TEMPO, n=5,
                             overrides={4: dict(rotation_deg=20.0), 5: dict(rotation_deg=24.0)},
                             note="reps 4-5 open the trunk (rotation)"),
    "chest_supported_row_side": dict(exercise="chest_supported_row", view="side", facing="right", tempo=ROW_TEMPO,
                                     n=5, overrides={4: dict(asymmetry=0.4), 5: dict(asymmetry=0.45)},
                                     note="reps 4-5 the right arm pulls less (asymmetry)"),
    "face_pull_front": dict(exercise="face_pull", view="front", tempo=ROW_TEMPO, n=5,
                            overrides={4: dict(neck=0.12), 5: dict(neck=0.14)},
                            note="reps 4-5 crane the head forward (neck)"),
    "shrug_front": dict(exercise="shrug", view="front", tempo=SHRUG_TEMPO, n=5,
                        overrides={4: dict(range=0.5), 5: dict(range=0.45, hold_s=0.0)},
                        note="reps 4-5 partial, rep 5 without a hold"),
    "shrug_side": dict(exercise="shrug", view="side", facing="right", tempo=SHRUG_TEMPO, n=5,
                       overrides={4: dict(neck=0.12), 5: dict(neck=0.12)},
                       note="reps 4-5 jut the head forward (neck)"),
}


def list_presets() -> list[tuple[str, str]]:
    """(name, one-line description) of every preset."""
    out = []
    for name, p in PRESETS.items():
        view = p["view"] + (f" (faces {p.get('facing', 'right')})" if p["view"] in ("side", "oblique") else "")
        tempo = "-".join(f"{x:g}" for x in p["tempo"])
        out.append((name, f"{p['exercise']}, {view}, {p['n']} reps at {tempo}; {p.get('note', 'clean reps')}"))
    return out


def make_spec(preset: str, **overrides) -> ClipSpec:
    """A ClipSpec from a preset, with options overridden.

    Args:
        preset: a key of :data:`PRESETS`.
        **overrides: reps (int: keep the preset's per-rep script for reps 1..n, clean beyond;
            or a list of RepSpec), tempo ((e, p, c, h) or "e-p-c-h"), fps, size ((w, h) or "WxH"),
            view, facing, seed, noise, shake, yaw_deg, pitch_deg, lead_s, tail_s, setup_motion.

    Raises:
        OptionError: unknown preset or option, or a bad value.
    """
    if preset not in PRESETS:
        raise OptionError(f"unknown preset {preset!r}; choose one of: {', '.join(PRESETS)}.")
    p = PRESETS[preset]
    allowed = {"reps", "tempo", "fps", "size", "view", "facing", "seed", "noise", "shake", "yaw_deg",
               "pitch_deg", "camera_distance_m", "lead_s", "tail_s", "setup_motion", "exercise"}
    unknown = set(overrides) - allowed
    if unknown:
        raise OptionError(f"unknown option(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(allowed))}.")
    ov = {k: v for k, v in overrides.items() if v is not None}
    n = p["n"]
    reps_opt = ov.pop("reps", None)
    if isinstance(reps_opt, list):
        reps = reps_opt
    else:
        if reps_opt is not None:
            try:
                n = int(reps_opt)
            except (TypeError, ValueError):
                raise OptionError(f"reps must be a whole number, got {reps_opt!r}.") from None
            if not 1 <= n <= 50:
                raise OptionError(f"reps must be between 1 and 50, got {n}.")
        reps = reps_from_list(n, p.get("overrides"))
    size = ov.pop("size", (640, 480))
    if isinstance(size, str):
        size = parse_size(size)
    view = ov.pop("view", p["view"])
    # Side views are filmed from a little above (5 deg down); front/rear from hip-to-chest height, level,
    # which is where BlazePose places this figure's hips best.
    pitch = ov.pop("pitch_deg", p.get("pitch_deg", 5.0 if view in ("side", "oblique") else 0.0))
    spec = ClipSpec(exercise=ov.pop("exercise", p["exercise"]), reps=reps,
                    tempo=parse_tempo(ov.pop("tempo", p["tempo"])), view=view, pitch_deg=float(pitch),
                    facing=ov.pop("facing", p.get("facing", "right")), size=tuple(int(x) for x in size),
                    preset=preset)
    for k, v in ov.items():
        setattr(spec, k, v)
    if "fps" in ov:
        try:
            spec.fps = float(ov["fps"])
        except (TypeError, ValueError):
            raise OptionError(f"fps must be a number, got {ov['fps']!r}.") from None
    spec.validate()
    return spec


def short_spec(preset: str, reps: int = 2, **overrides) -> ClipSpec:
    """A short version of a preset that still shows its scripted faults: the preset's first rep,
    then its last ``reps - 1`` reps (where presets put their faulty reps).

    Args:
        preset: a key of :data:`PRESETS`.
        reps: number of reps to keep (>= 1).
        **overrides: as for :func:`make_spec` (except ``reps``).
    """
    full = make_spec(preset, **overrides)
    keep = full.reps[:1] + (full.reps[-(reps - 1):] if reps > 1 else [])
    return make_spec(preset, reps=[replace(r) for r in keep[:reps]], **overrides)


def parse_size(text: str) -> tuple[int, int]:
    """Parse "640x480" into (640, 480)."""
    try:
        w, h = (int(x) for x in text.lower().replace("*", "x").split("x"))
    except ValueError:
        raise OptionError(f"size must look like 640x480, got {text!r}.") from None
    return w, h


# --- the clip model -------------------------------------------------------------

@dataclass
class Clip:
    """A spec resolved into a timeline, a fitted camera and per-frame states (nothing drawn yet)."""

    spec: ClipSpec
    exercise: Exercise
    plans: list[RepPlan]
    times_s: np.ndarray
    states: list[FrameState]
    poses: list[Pose3D]
    camera: Camera
    shake_px: np.ndarray

    @property
    def frame_count(self) -> int:
        return len(self.times_s)


def plan_clip(spec: ClipSpec) -> Clip:
    """Lay out the reps, pose every frame, and fit the camera to the whole clip."""
    spec.validate()
    ex = EXERCISES[spec.exercise]
    lead = spec.lead_s + (spec.SETUP_MOTION_S + spec.SETUP_STILL_S if spec.setup_motion else 0.0)
    plans = plan_reps(spec.reps, spec.tempo, lead, spec.exercise, ex.default_shrug, ex.default_retraction)
    total = plans[-1].end_s + spec.tail_s
    n = int(math.floor(total * spec.fps + 1e-9)) + 1
    times = np.arange(n) / spec.fps
    setup_s = spec.SETUP_MOTION_S if spec.setup_motion else 0.0
    states = [state_at(float(t), plans, spec.exercise, lead, setup_s, spec.SETUP_STILL_S) for t in times]
    poses = [build_pose(ex.posture(st)) for st in states]
    # Fit the camera to everything the clip shows: joints, head top, feet, and the equipment's extent.
    cam0 = Camera(spec.yaw, spec.pitch_deg, distance_m=spec.camera_distance_m)
    pts = []
    for k in range(0, n, max(1, n // 60)):
        ps = poses[k]
        pts.extend(ps.joints.values())
        pts.append(ps["head"] + 0.13 * ps.head_frame.up)
        pts.append(ps["head"] - 0.13 * ps.head_frame.up)
        for side in SIDES:
            pts.append(ps[f"{side}_toe"] + np.array([0.04, -0.03, 0.0]))
            pts.append(ps[f"{side}_heel"] + np.array([-0.03, -0.03, 0.0]))
            pts.append(ps[f"{side}_hand"] + np.array([0.0, -0.07, 0.0]))
            pts.append(ps[f"{side}_shoulder"] + 0.06 * ps.upper.up)
        pts.append(np.array([ps["mid_hip"][0], 0.0, 0.0]))  # the floor (or the seat's foot) under the hips
    pts = np.array(pts)
    w, h = spec.size
    cam = cam0.fit(pts, w, h, margin=0.07)
    rng = np.random.default_rng(spec.seed)
    shake = shake_offsets(n, spec.fps, spec.shake, rng)
    return Clip(spec, ex, plans, times, states, poses, cam, shake)


def iter_frames(clip: Clip, palette: Palette = Palette()) -> Iterator[tuple[int, float, np.ndarray]]:
    """Yield (index, time_s, RGB uint8 (H, W, 3)) for every frame of a planned clip."""
    w, h = clip.spec.size
    rng = np.random.default_rng(clip.spec.seed + 7919)
    bg = background(w, h, clip.camera, palette, clip.poses[0])
    for i, (t, st, pose) in enumerate(zip(clip.times_s, clip.states, clip.poses)):
        items = clip.exercise.equipment(pose, st, clip.camera.yaw_deg)
        img = render_pose(pose, items, clip.camera, w, h, tuple(clip.shake_px[i]), palette, bg)
        if clip.spec.noise > 0:
            img = np.clip(img.astype(np.float32) + rng.normal(0, clip.spec.noise, img.shape), 0, 255).astype(np.uint8)
        yield i, float(t), img


def truth(clip: Clip) -> dict:
    """The ground-truth dict (schema_version 1) of a planned clip, as written to ``<clip>.json``.

    Top level: ``schema_version`` (1), ``generator``, ``preset``, ``exercise``, ``view`` (side, front,
    rear, oblique, or "custom" for an explicit yaw), ``facing`` (left/right: where the lifter faces on
    screen in side/oblique views), ``camera_yaw_deg``, ``camera_pitch_deg``, ``camera_distance_m``
    (null = orthographic), ``pixels_per_m`` (at the camera target), ``fps`` (float), ``width``,
    ``height`` (px), ``frame_count``, ``duration_s`` (= frame_count / fps), ``seed``, ``noise``,
    ``shake``, ``setup_motion``, ``tempo_target`` ([eccentric, pause, concentric, hold] s),
    ``torso_length_px_median``, ``fault_thresholds`` (the rules below) and:

    ``reps``: one dict per rep: ``index`` (1-based), ``start_s`` (arms extended, concentric starts),
    ``peak_s`` (top reached, hold starts), ``bottom_s`` (eccentric ends), ``end_s`` (pause ends = next
    rep's start), ``eccentric_s``, ``pause_s``, ``concentric_s``, ``hold_s``, ``range`` (fraction of full
    range), ``shrug``, ``retraction``, ``neck`` (fractions of torso length at the top), ``swing_deg``,
    ``rotation_deg``, ``asymmetry``, ``thoracic_deg`` (upper-back flexion held through the rep) (see
    :class:`RepSpec`) and ``faults``: names from shrug (shrug >= 0.05, row-type exercises), short_hold
    (hold < 0.3 s when the target hold > 0), rushed_eccentric (eccentric < 0.6 x target), swing (|swing| >=
    10 deg), rotation (|rotation| >= 12 deg), asymmetry (|asymmetry| >= 0.15), partial_range (range < 0.7),
    neck (neck >= 0.08), rounded_back (thoracic_deg >= 20).

    ``frames``: per-frame lists: ``times_s`` (exactly i / fps, rounded to 1 us), ``phase`` (setup,
    concentric, hold, eccentric, pause, rest), ``rep`` (1-based, 0 outside reps), ``joints`` {name: [[x,
    y], ...]} in pixels (0.1 px) for :data:`TRUTH_JOINTS` (the person's left/right, camera shake
    included), ``elbow_angle_deg`` {left, right} (interior angle, 180 = straight),
    ``trunk_inclination_deg`` (trunk axis mid-hip -> neutral mid-shoulder from vertical, positive
    leaning forward), ``shrug`` and ``retraction`` {left, right} (current amounts, fractions of torso
    length), ``thoracic_deg`` (current upper-back flexion, deg).
    """
    spec = clip.spec
    cam = clip.camera
    w, h = spec.size
    joints = {name: [] for name in TRUTH_JOINTS}
    elbow = {"left": [], "right": []}
    incl, shrug, retr, thor = [], {"left": [], "right": []}, {"left": [], "right": []}, []
    for i, pose in enumerate(clip.poses):
        off = tuple(clip.shake_px[i])
        for name in TRUTH_JOINTS:
            p = cam.project(pose[name], off)
            joints[name].append([round(float(p[0]), 1), round(float(p[1]), 1)])
        for side in SIDES:
            elbow[side].append(round(pose.elbow_angle_deg(side), 2))
            shrug[side].append(round(float(pose.shrug.get(side, 0.0)), 4))
            retr[side].append(round(float(pose.retraction.get(side, 0.0)), 4))
        incl.append(round(float(pose.inclination_deg), 2))
        thor.append(round(float(pose.thoracic_deg), 2))
    jl = {k: np.asarray(v) for k, v in joints.items()}
    torso_px = np.hypot(*((jl["left_hip"] + jl["right_hip"]) / 2 - (jl["left_shoulder"] + jl["right_shoulder"]) / 2).T)
    return {
        "schema_version": SCHEMA_VERSION,
        "generator": "formcheck.synthetic",
        "preset": spec.preset,
        "exercise": spec.exercise,
        "view": spec.view if spec.yaw_deg is None else "custom",
        "facing": spec.facing,
        "camera_yaw_deg": round(cam.yaw_deg, 3),
        "camera_pitch_deg": round(cam.pitch_deg, 3),
        "camera_distance_m": cam.distance_m,
        "pixels_per_m": round(float(cam.scale), 3),
        "fps": spec.fps,
        "width": w,
        "height": h,
        "frame_count": clip.frame_count,
        "duration_s": round(clip.frame_count / spec.fps, 6),
        "seed": spec.seed,
        "noise": spec.noise,
        "shake": spec.shake,
        "setup_motion": spec.setup_motion,
        "tempo_target": list(spec.tempo),
        "torso_length_px_median": round(float(np.median(torso_px)), 2),
        "fault_thresholds": dict(FAULT_THRESHOLDS),
        "reps": [p.to_dict() for p in clip.plans],
        "frames": {
            "times_s": [round(float(t), 6) for t in clip.times_s],
            "phase": [st.phase for st in clip.states],
            "rep": [st.rep for st in clip.states],
            "joints": joints,
            "elbow_angle_deg": elbow,
            "trunk_inclination_deg": incl,
            "shrug": shrug,
            "retraction": retr,
            "thoracic_deg": thor,
        },
    }


def render_clip(spec: ClipSpec, out_mp4_path: str | Path, palette: Palette = Palette()) -> dict:
    """Render a clip to an H.264 MP4 and write its truth JSON beside it (same stem, .json).

    Args:
        spec: the clip (see :func:`make_spec`).
        out_mp4_path: where to write the video; the parent folder is created.

    Returns:
        The truth dict (also written to ``<stem>.json``).
    """
    from ..encode import VideoWriter

    out = Path(out_mp4_path)
    if out.suffix.lower() != ".mp4":
        raise OptionError(f"the output must be an .mp4 file, got '{out.name}'.")
    clip = plan_clip(spec)
    w, h = spec.size
    log.info("rendering %s: %d frames at %.3f fps, %dx%d", spec.preset or spec.exercise, clip.frame_count,
             spec.fps, w, h)
    with VideoWriter(out, w, h, spec.fps) as vw:
        for _i, _t, img in iter_frames(clip, palette):
            vw.write(img)
    data = truth(clip)
    out.with_suffix(".json").write_text(json.dumps(data, separators=(",", ":")))
    return data


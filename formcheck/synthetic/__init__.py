"""A lifter drawn with OpenCV/numpy that performs scripted reps, with exact ground truth.

Units: world geometry in metres (x forward of the lifter, y up, z the lifter's
right), angles in degrees, times in seconds, image positions in pixels, and
shrug / retraction / neck amounts as fractions of torso length (mid-hip to
mid-shoulder). Left/right are the *person's* left/right, as BlazePose labels
them.

Main entry points:
    make_spec(preset, **overrides) -> ClipSpec; short_spec(preset, reps=2) keeps the faulty reps
    render_clip(spec, out_mp4_path) -> truth dict (also writes <stem>.json)
    plan_clip(spec) -> Clip; iter_frames(clip) -> (index, time_s, RGB frame)
    PRESETS, list_presets(), EXERCISES, RepSpec, FAULT_THRESHOLDS
"""

from .body import BodyDims, Pose3D, build_pose
from .camera import VIEWS, Camera, view_yaw
from .clip import (PRESETS, TRUTH_JOINTS, Clip, ClipSpec, iter_frames, list_presets, make_spec, parse_size,
                   plan_clip, render_clip, short_spec, truth)
from .exercises import EXERCISES
from .figure import Palette, render_pose
from .timeline import FAULT_NAMES, FAULT_THRESHOLDS, PHASES, RepSpec, parse_tempo

__all__ = [
    "BodyDims", "Pose3D", "build_pose", "VIEWS", "Camera", "view_yaw", "PRESETS", "TRUTH_JOINTS", "Clip",
    "ClipSpec", "iter_frames", "list_presets", "make_spec", "parse_size", "plan_clip", "render_clip", "short_spec", "truth",
    "EXERCISES", "Palette", "render_pose", "FAULT_NAMES", "FAULT_THRESHOLDS", "PHASES", "RepSpec", "parse_tempo",
]

"""A lifter drawn with OpenCV/numpy that performs scripted reps, with exact ground truth.

Units: world geometry in metres (x forward of the lifter, y up, z the lifter's
right), angles in degrees, times in seconds, image positions in pixels, and
shrug / retraction / neck amounts as fractions of torso length (mid-hip to
mid-shoulder). Left/right are the *person's* left/right, as BlazePose labels
them.

Main entry points:
    make_spec(preset, **overrides) -> ClipSpec; short_spec(preset, reps=2) keeps the faulty reps
    render_clip(spec, out_mp4_path) -> truth dict (also writes <stem>.json; format in clip.truth)
    plan_clip(spec) -> Clip; iter_frames(clip) -> (index, time_s, RGB frame)
    PRESETS, list_presets(), EXERCISES, RepSpec, FAULT_THRESHOLDS
    compare.landmark_errors(truth, image_xy) -> detection rate and errors in % of torso length

How it works: a motion model (exercises.py) turns the rep script (timeline.py)
into a 3D posture per frame; body.py poses the skeleton (IK for arms and
legs); figure.py builds shaded 3D primitives (clothes, skin, hair, face) that
raster.py ray-casts into a z-buffer through a perspective camera (camera.py).

Every preset is checked in tests/test_synthetic.py: BlazePose ("full") finds
the lifter in >= 98 % of frames and its shoulders, elbows, wrists and hips land
within a median 5 % of torso length of the drawn joints (one documented
exception: the braced, hidden shoulder in one_arm_row_side). In the rear view
(cable_row_rear) only the shoulders and hips are held to it: the hands and, for
part of each rep, the elbows are hidden in front of the body. The "oblique" view
and the lat_pulldown model render correctly but are not in the check.
"""

from .body import BodyDims, Pose3D, build_pose
from .camera import VIEWS, Camera, view_yaw
from .clip import (PRESETS, TRUTH_JOINTS, Clip, ClipSpec, iter_frames, list_presets, make_spec, parse_size,
                   plan_clip, render_clip, short_spec, truth)
from .edits import render_clip_with_cut
from .exercises import EXERCISES
from .figure import Palette, render_pose
from .timeline import FAULT_NAMES, FAULT_THRESHOLDS, PHASES, RepSpec, parse_tempo

__all__ = [
    "BodyDims", "Pose3D", "build_pose", "VIEWS", "Camera", "view_yaw", "PRESETS", "TRUTH_JOINTS", "Clip",
    "ClipSpec", "iter_frames", "list_presets", "make_spec", "parse_size", "plan_clip", "render_clip", "render_clip_with_cut", "short_spec", "truth",
    "EXERCISES", "Palette", "render_pose", "FAULT_NAMES", "FAULT_THRESHOLDS", "PHASES", "RepSpec", "parse_tempo",
]

"""PoseSeries: one person's landmarks over time, as shape-checked numpy arrays.

NaN means missing (no person found in that frame), never 0. Image coordinates
are pixels in the displayed (rotation-corrected) full-size frame; world
coordinates are BlazePose GHUM metres, origin between the hips, y down.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import PoseDataError

SCHEMA_VERSION = 1
#: Prefix of the npz arrays holding :attr:`PoseSeries.extras` (optional in schema 1: files without them load
#: with no extras, and readers that do not know them ignore them).
EXTRA_PREFIX = "extra__"
#: The extra holding the back's outline bend per frame, degrees (:mod:`formcheck.back_contour`).
BACK_ARC = "back_arc_deg"

LANDMARK_NAMES: tuple[str, ...] = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
    "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
    "left_pinky", "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb",
    "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
    "left_heel", "right_heel", "left_foot_index", "right_foot_index",
)
LANDMARK = {name: i for i, name in enumerate(LANDMARK_NAMES)}
N_LANDMARKS = len(LANDMARK_NAMES)

# Skeleton edges for drawing (pairs of landmark names): trunk and limbs, then the face.
BODY_EDGES: tuple[tuple[str, str], ...] = (
    ("left_shoulder", "right_shoulder"), ("left_hip", "right_hip"),
    ("left_shoulder", "left_hip"), ("right_shoulder", "right_hip"),
    ("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"),
    ("right_shoulder", "right_elbow"), ("right_elbow", "right_wrist"),
    ("left_hip", "left_knee"), ("left_knee", "left_ankle"),
    ("right_hip", "right_knee"), ("right_knee", "right_ankle"),
)
SKELETON_EDGES: tuple[tuple[str, str], ...] = BODY_EDGES + (
    ("left_ear", "left_eye"), ("right_ear", "right_eye"), ("left_eye", "nose"), ("right_eye", "nose"),
)


def _check(name: str, arr: np.ndarray, shape: tuple, dtype=np.floating) -> np.ndarray:
    arr = np.asarray(arr)
    if arr.ndim != len(shape) or any(s is not None and a != s for a, s in zip(arr.shape, shape)):
        want = "(" + ", ".join("T" if s is None else str(s) for s in shape) + ")"
        raise PoseDataError(f"PoseSeries.{name} must have shape {want}, got {arr.shape}.")
    if not np.issubdtype(arr.dtype, dtype):
        raise PoseDataError(f"PoseSeries.{name} must be {dtype.__name__}, got {arr.dtype}.")
    return arr


@dataclass
class PoseSeries:
    """Landmarks of one person over T frames.

    Attributes:
        times_s: (T,) float64 presentation times in seconds on the video's own clock, strictly increasing.
        frame_index: (T,) int64 frame numbers in the source video.
        image_xy: (T, 33, 2) float32 pixel coordinates in the displayed frame; NaN where not detected.
        world_xyz: (T, 33, 3) float32 metres (BlazePose world frame, origin mid-hip); NaN where not detected.
        visibility: (T, 33) float32 in [0, 1]; NaN where not detected.
        frame_size: (width, height) of the displayed frame in pixels.
        fps: the video's average frame rate (float).
        source: free-form provenance (path, model, start_s, end_s, ...).
        extras: optional per-frame measurements made beside the landmarks, name -> (T,) float64, NaN where
            not measured (e.g. ``back_arc_deg`` from the person mask, see :mod:`formcheck.back_contour`).
    """

    times_s: np.ndarray
    frame_index: np.ndarray
    image_xy: np.ndarray
    world_xyz: np.ndarray
    visibility: np.ndarray
    frame_size: tuple[int, int]
    fps: float
    source: dict = field(default_factory=dict)
    extras: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.times_s = _check("times_s", self.times_s, (None,)).astype(np.float64, copy=False)
        t = len(self.times_s)
        self.frame_index = _check("frame_index", self.frame_index, (t,), np.integer).astype(np.int64, copy=False)
        self.image_xy = _check("image_xy", self.image_xy, (t, N_LANDMARKS, 2)).astype(np.float32, copy=False)
        self.world_xyz = _check("world_xyz", self.world_xyz, (t, N_LANDMARKS, 3)).astype(np.float32, copy=False)
        self.visibility = _check("visibility", self.visibility, (t, N_LANDMARKS)).astype(np.float32, copy=False)
        if t > 1 and not np.all(np.diff(self.times_s) > 0):
            raise PoseDataError("PoseSeries.times_s must be strictly increasing.")
        if len(self.frame_size) != 2 or min(self.frame_size) <= 0:
            raise PoseDataError(f"PoseSeries.frame_size must be (width, height) > 0, got {self.frame_size}.")
        self.frame_size = (int(self.frame_size[0]), int(self.frame_size[1]))
        if not (self.fps > 0):
            raise PoseDataError(f"PoseSeries.fps must be > 0, got {self.fps}.")
        self.fps = float(self.fps)
        extras = {}
        for name, arr in dict(self.extras or {}).items():
            if not isinstance(name, str) or not name.isidentifier():
                raise PoseDataError(f"PoseSeries.extras names must be identifiers, got {name!r}.")
            extras[name] = _check(f"extras['{name}']", arr, (t,)).astype(np.float64, copy=False)
        self.extras = extras

    # -- views -------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.times_s)

    @property
    def detected(self) -> np.ndarray:
        """(T,) bool: a person was found in the frame."""
        return ~np.isnan(self.image_xy[:, 0, 0])

    @property
    def detection_rate(self) -> float:
        return float(self.detected.mean()) if len(self) else 0.0

    def xy(self, name: str) -> np.ndarray:
        """(T, 2) pixel track of one landmark by name."""
        return self.image_xy[:, LANDMARK[name]]

    def world(self, name: str) -> np.ndarray:
        """(T, 3) world track (m) of one landmark by name."""
        return self.world_xyz[:, LANDMARK[name]]

    def vis(self, name: str) -> np.ndarray:
        return self.visibility[:, LANDMARK[name]]

    def select(self, keep: np.ndarray) -> "PoseSeries":
        """The frames where ``keep`` ((T,) bool) is True, extras included."""
        keep = np.asarray(keep, bool)
        return PoseSeries(self.times_s[keep], self.frame_index[keep], self.image_xy[keep], self.world_xyz[keep],
                          self.visibility[keep], self.frame_size, self.fps, dict(self.source),
                          {k: v[keep] for k, v in self.extras.items()})

    @classmethod
    def empty(cls, frame_size: tuple[int, int], fps: float, source: dict | None = None) -> "PoseSeries":
        return cls(np.zeros(0), np.zeros(0, np.int64), np.zeros((0, N_LANDMARKS, 2), np.float32),
                   np.zeros((0, N_LANDMARKS, 3), np.float32), np.zeros((0, N_LANDMARKS), np.float32),
                   frame_size, fps, dict(source or {}))

    # -- persistence -------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write to a compressed .npz (schema-versioned). Returns the path written."""
        path = Path(path)
        if path.suffix != ".npz":
            path = path.with_suffix(".npz")
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            path, schema_version=np.int64(SCHEMA_VERSION), times_s=self.times_s, frame_index=self.frame_index,
            image_xy=self.image_xy, world_xyz=self.world_xyz, visibility=self.visibility,
            frame_size=np.asarray(self.frame_size, np.int64), fps=np.float64(self.fps),
            landmark_names=np.asarray(LANDMARK_NAMES), source_json=np.asarray(json.dumps(self.source)),
            **{EXTRA_PREFIX + k: v for k, v in self.extras.items()},
        )
        return path

    @classmethod
    def load(cls, path: str | Path) -> "PoseSeries":
        """Read a .npz written by :meth:`save`.

        Raises:
            PoseDataError: not an npz, missing arrays, or an unknown schema version.
        """
        path = Path(path)
        if not path.exists():
            raise PoseDataError(f"No file at '{path}'. Check the path.")
        try:
            with np.load(path, allow_pickle=False) as z:
                data = {k: z[k] for k in z.files}
        except Exception as exc:
            raise PoseDataError(
                f"'{path.name}' is not a formcheck poses file ({exc.__class__.__name__}). "
                "Make one with: formcheck pose VIDEO -o poses.npz"
            ) from None
        version = int(data.get("schema_version", -1))
        if version != SCHEMA_VERSION:
            raise PoseDataError(
                f"'{path.name}' has poses schema version {version}; this formcheck reads version {SCHEMA_VERSION}. "
                "Re-create it with: formcheck pose VIDEO -o poses.npz"
            )
        missing = {"times_s", "frame_index", "image_xy", "world_xyz", "visibility", "frame_size", "fps"} - set(data)
        if missing:
            raise PoseDataError(f"'{path.name}' lacks {', '.join(sorted(missing))}. Re-create it with formcheck pose.")
        return cls(data["times_s"], data["frame_index"], data["image_xy"], data["world_xyz"], data["visibility"],
                   tuple(int(v) for v in data["frame_size"]), float(data["fps"]),
                   json.loads(str(data["source_json"])) if "source_json" in data else {},
                   {k[len(EXTRA_PREFIX):]: v for k, v in data.items() if k.startswith(EXTRA_PREFIX)})

"""PoseSeries: one person's landmarks over time, as shape-checked numpy arrays.

NaN means missing (no person found in that frame), never 0. Image coordinates
are pixels in the displayed (rotation-corrected) full-size frame; world
coordinates are BlazePose GHUM metres, origin between the hips, y down.
"""

from __future__ import annotations

import json
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import PoseDataError

SCHEMA_VERSION = 1
#: Sanity limits for data read from files (a 16K frame at 1000 fps is already beyond any camera we meet).
MAX_FRAME_SIDE = 16384
MAX_FPS = 1000.0
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


def _check(name: str, arr, shape: tuple, dtype=np.floating) -> np.ndarray:
    try:
        arr = np.asarray(arr)
    except (TypeError, ValueError) as exc:  # ragged lists and the like
        raise PoseDataError(f"PoseSeries.{name} must be a numeric array, got {type(arr).__name__} ({exc}).") from None
    if arr.ndim != len(shape) or any(s is not None and a != s for a, s in zip(arr.shape, shape)):
        want = "(" + ", ".join("T" if s is None else str(s) for s in shape) + ")"
        raise PoseDataError(f"PoseSeries.{name} must have shape {want}, got {arr.shape}.")
    if not np.issubdtype(arr.dtype, dtype):
        raise PoseDataError(f"PoseSeries.{name} must be {dtype.__name__}, got {arr.dtype}.")
    if dtype is np.floating and np.isinf(arr).any():
        raise PoseDataError(f"PoseSeries.{name} holds infinite values; missing values must be NaN.")
    return arr


def _number(name: str, value, what: str) -> float:
    """One real number from a Python or numpy scalar (or a one-element array); PoseDataError otherwise."""
    arr = np.asarray(value) if not isinstance(value, (str, bytes)) else np.asarray(0, object)
    if arr.size != 1 or arr.ndim > 1 or not (np.issubdtype(arr.dtype, np.integer)
                                             or np.issubdtype(arr.dtype, np.floating)):
        raise PoseDataError(f"PoseSeries.{name} must be {what}, got {value!r:.60}.")
    return float(arr.reshape(()))


def _check_source(source) -> None:
    """The provenance keys formcheck reads back must have the right types (poses files can hold anything)."""
    from .damage import check_report

    if not isinstance(source, dict):
        raise PoseDataError(f"PoseSeries.source must be a dict, got {type(source).__name__}.")
    video = source.get("video")
    if video is not None and not isinstance(video, dict):
        raise PoseDataError(f"PoseSeries.source['video'] must be a dict, got {type(video).__name__}.")
    fields = [(f"source['{k}']", source.get(k), kind) for k, kind in
              (("path", str), ("model", str), ("start_s", float), ("end_s", float))]
    fields += [(f"source['video']['{k}']", (video or {}).get(k), kind) for k, kind in
               (("path", str), ("duration_s", float))]
    for name, value, kind in fields:
        if value is None:
            continue
        ok = isinstance(value, str) if kind is str else (
            isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value) and value >= 0)
        if not ok:
            want = "a text" if kind is str else "a number of seconds, 0 or more"
            raise PoseDataError(f"PoseSeries.{name} must be {want}, got {value!r:.60}.")
    problems = source.get("decode_problems")
    if problems is not None and not check_report(problems):
        raise PoseDataError("PoseSeries.source['decode_problems'] is not a decode report formcheck wrote.")

    def seconds(v) -> bool:
        return isinstance(v, (int, float)) and not isinstance(v, bool) and bool(np.isfinite(v)) and v >= 0

    cuts, frozen = source.get("cuts_s"), source.get("frozen_s")
    if cuts is not None and not (isinstance(cuts, list) and all(seconds(c) for c in cuts)):
        raise PoseDataError("PoseSeries.source['cuts_s'] must be a list of times in seconds.")
    if frozen is not None and not (isinstance(frozen, list) and all(
            isinstance(p, (list, tuple)) and len(p) == 2 and seconds(p[0]) and seconds(p[1]) and p[0] <= p[1]
            for p in frozen)):
        raise PoseDataError("PoseSeries.source['frozen_s'] must be a list of [start_s, end_s] pairs.")


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
        if np.isnan(self.times_s).any():
            raise PoseDataError("PoseSeries.times_s must be strictly increasing times in seconds; it has NaN "
                                "(a frame without a time).")
        if t > 1 and not np.all(np.diff(self.times_s) > 0):
            raise PoseDataError("PoseSeries.times_s must be strictly increasing.")
        size = np.asarray(self.frame_size) if not isinstance(self.frame_size, (str, bytes)) else np.asarray(())
        if (size.shape != (2,) or not (np.issubdtype(size.dtype, np.integer) or np.issubdtype(size.dtype, np.floating))
                or not np.all(np.isfinite(size)) or size.min() < 1 or size.max() > MAX_FRAME_SIDE):
            raise PoseDataError(f"PoseSeries.frame_size must be (width, height) in pixels, each 1 to "
                                f"{MAX_FRAME_SIDE}, got {self.frame_size!r:.60}.")
        self.frame_size = (int(size[0]), int(size[1]))
        fps = _number("fps", self.fps, "a frame rate in frames per second")
        if not 0 < fps <= MAX_FPS:
            raise PoseDataError(f"PoseSeries.fps must be more than 0 and at most {MAX_FPS:g} frames per second, "
                                f"got {fps:g}.")
        self.fps = fps
        _check_source(self.source)
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
        """Write to a compressed .npz (schema-versioned), atomically (:mod:`formcheck.atomic`). Returns the path."""
        from .atomic import atomic_path

        path = Path(path)
        if path.suffix != ".npz":
            path = path.with_suffix(".npz")
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            self._write_npz(tmp)
        return path

    def _write_npz(self, path: Path) -> None:
        np.savez_compressed(
            path, schema_version=np.int64(SCHEMA_VERSION), times_s=self.times_s, frame_index=self.frame_index,
            image_xy=self.image_xy, world_xyz=self.world_xyz, visibility=self.visibility,
            frame_size=np.asarray(self.frame_size, np.int64), fps=np.float64(self.fps),
            landmark_names=np.asarray(LANDMARK_NAMES), source_json=np.asarray(json.dumps(self.source)),
            **{EXTRA_PREFIX + k: v for k, v in self.extras.items()},
        )

    @classmethod
    def load(cls, path: str | Path) -> "PoseSeries":
        """Read a .npz written by :meth:`save`.

        Only plain arrays are read (never pickled objects), and every field is checked: a hostile or damaged
        file ends in a PoseDataError that names the file and the field.

        Raises:
            PoseDataError: missing, not an npz, missing or malformed arrays, or an unknown schema version.
        """
        path = Path(path)
        if not path.exists():
            raise PoseDataError(f"No file at '{path}'. Check the path.")
        if path.is_dir():
            raise PoseDataError(f"'{path}' is a folder, not a poses file. Give the path of a .npz file.")
        data = _read_npz(path)
        version = data.get("schema_version")
        if version is None:
            raise PoseDataError(f"'{path.name}' has no poses schema version; it was not written by formcheck. "
                                f"{_RECREATE}")
        if version.dtype.kind not in "iu" or version.size != 1:
            raise PoseDataError(f"'{path.name}' has a poses schema version that is not a whole number "
                                f"({version.dtype}, shape {version.shape}). {_RECREATE}")
        version = int(version.reshape(()))
        if version != SCHEMA_VERSION:
            raise PoseDataError(
                f"'{path.name}' has poses schema version {version}; this formcheck reads version {SCHEMA_VERSION}. "
                f"{_RECREATE}"
            )
        missing = {"times_s", "frame_index", "image_xy", "world_xyz", "visibility", "frame_size", "fps"} - set(data)
        if missing:
            raise PoseDataError(f"'{path.name}' lacks {', '.join(sorted(missing))}. Re-create it with formcheck pose.")
        source = {}
        if "source_json" in data:
            raw = data["source_json"]
            try:
                if raw.dtype.kind != "U" or raw.size != 1:
                    raise ValueError(f"a {raw.dtype} array of shape {raw.shape}, not one string")
                source = json.loads(str(raw.reshape(())))
            except ValueError as exc:  # json.JSONDecodeError is a ValueError
                raise PoseDataError(f"'{path.name}' has unreadable metadata (source_json: {exc}). {_RECREATE}") \
                    from None
            if not isinstance(source, dict):
                raise PoseDataError(f"'{path.name}' has metadata (source_json) that is not a JSON object. {_RECREATE}")
        try:
            return cls(data["times_s"], data["frame_index"], data["image_xy"], data["world_xyz"], data["visibility"],
                       data["frame_size"], data["fps"], source,
                       {k[len(EXTRA_PREFIX):]: v for k, v in data.items() if k.startswith(EXTRA_PREFIX)})
        except PoseDataError as exc:
            raise PoseDataError(f"'{path.name}' is not a usable poses file: {exc} {_RECREATE}") from None


_RECREATE = "Re-create it with: formcheck pose VIDEO -o poses.npz"


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    """Every array of an .npz file, without unpickling anything; PoseDataError for anything else."""
    not_ours = f"'{path.name}' is not a formcheck poses file"
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
    except OSError as exc:
        raise PoseDataError(f"'{path.name}' could not be read ({exc.strerror or exc}). Check its permissions.") from None
    if magic not in (b"PK\x03\x04", b"PK\x05\x06"):  # an npz is a zip archive (the second: an empty one)
        what = "it is empty" if not magic else "it is not a .npz archive"
        raise PoseDataError(f"{not_ours} ({what}). {_RECREATE}")
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except ValueError as exc:
        if "pickle" in str(exc):
            raise PoseDataError(f"{not_ours}: it holds Python objects (pickled data), which formcheck never loads. "
                                f"{_RECREATE}") from None
        raise PoseDataError(f"{not_ours} (ValueError: {exc}). {_RECREATE}") from None
    # numpy's zip and .npy readers report damaged archives with any of these.
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error, SyntaxError, KeyError) as exc:
        raise PoseDataError(f"{not_ours} ({exc.__class__.__name__}). {_RECREATE}") from None

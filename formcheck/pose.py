"""Pose estimation: the model registry and PoseEstimator, the only module importing mediapipe.

Models are the BlazePose GHUM 3D landmarker bundles shipped in ``models/``
(see models/README.md). Shipped bundles are checked against their sha256 on
load, so a truncated or altered file is reported instead of crashing inside
MediaPipe.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from .back_contour import BACK_ARC, BackContour, measure as measure_back
from .errors import ModelError
from .privacy import prepare_mediapipe
from .series import N_LANDMARKS, PoseSeries
from .shots import ShotWatcher
from .video import DEFAULT_MAX_FPS, Frame

log = logging.getLogger(__name__)

# MediaPipe/TFLite write INFO and WARNING lines straight to stderr; users should only see ours.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

DEFAULT_MODEL = "full"
# Long side (px) frames are resized to before inference; see estimate_video for why.
DEFAULT_MAX_SIDE = 960


@dataclass(frozen=True)
class ModelSpec:
    name: str
    filename: str
    sha256: str
    ms_per_frame: int  # measured on the 2-core dev machine, VIDEO mode (models/README.md)


MODELS: dict[str, ModelSpec] = {
    "lite": ModelSpec("lite", "pose_landmarker_lite.task",
                      "e752c4ab74b9ce7c1174f9458fdd461657440f436f0aa938c7817e99c16d0200", 18),
    "full": ModelSpec("full", "pose_landmarker_full.task",
                      "aa5693ba6007468e132a57821e27d1a6949fe6cab508aaeff000a3342d4e1386", 25),
    "heavy": ModelSpec("heavy", "pose_landmarker_heavy.task",
                       "8dde9763b6629b29e38f0f31349f940596d9c4b4f99ace25c9378feb103e7265", 79),
}


def models_dir() -> Path:
    """Folder holding the shipped .task bundles ($FORMCHECK_MODELS_DIR, else the repo's models/)."""
    env = os.environ.get("FORMCHECK_MODELS_DIR")
    return Path(env) if env else Path(__file__).resolve().parent.parent / "models"


def file_sha256(path: Path) -> str:
    """The sha256 of a file's content, read in 1 MiB chunks (model checks, batch resume keys)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


_verified: dict[tuple[str, int, float], bool] = {}


def resolve_model(model: str | os.PathLike = DEFAULT_MODEL) -> Path:
    """Return the path of a usable model bundle.

    Args:
        model: "lite", "full", "heavy", or a path to a .task bundle.

    Raises:
        ModelError: unknown name, missing file, checksum mismatch, or not a .task bundle.
    """
    name = str(model)
    if name in MODELS:
        spec = MODELS[name]
        path = models_dir() / spec.filename
        if not path.exists():
            raise ModelError(
                f"The '{name}' pose model is missing: expected {path}. Restore it with "
                f"'git checkout -- models/{spec.filename}' (or set FORMCHECK_MODELS_DIR to a folder holding it)."
            )
        st = path.stat()
        key = (str(path), st.st_size, st.st_mtime)
        if key not in _verified:
            digest = file_sha256(path)
            if digest != spec.sha256:
                raise ModelError(
                    f"The '{name}' pose model at {path} is corrupt or altered (sha256 {digest[:12]}..., "
                    f"expected {spec.sha256[:12]}...). Restore it with 'git checkout -- models/{spec.filename}'."
                )
            _verified[key] = True
        return path
    if name.lower() in {"", "none"}:
        raise ModelError(f"No model given. Use one of {', '.join(MODELS)} or a path to a .task file.")
    path = Path(name)
    if path.suffix != ".task" and not path.exists():
        raise ModelError(f"Unknown model '{name}'. Use one of {', '.join(MODELS)}, or a path to a .task bundle.")
    if not path.exists():
        raise ModelError(f"No model file at '{path}'. Use one of {', '.join(MODELS)}, or fix the path.")
    if not zipfile.is_zipfile(path):
        raise ModelError(
            f"'{path.name}' is not a MediaPipe pose landmarker bundle (.task zip). "
            f"Use one of {', '.join(MODELS)}."
        )
    return path


def _nan_pose() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (np.full((N_LANDMARKS, 2), np.nan, np.float32), np.full((N_LANDMARKS, 3), np.nan, np.float32),
            np.full(N_LANDMARKS, np.nan, np.float32))


import re

# C++ log lines: glog style ("W1123 ...") and LiteRT style ("INFO: [environment.cc:36] ...", mediapipe 1.2.3).
# Our own messages say what went wrong instead.
_GLOG_LINE = re.compile(r"^(?:[IWEF]\d{4} |(?:INFO|WARNING|VERBOSE|ERROR): \[[\w./-]+:\d+\])")
_NATIVE_NOISE = ("XNNPACK delegate", "Logging before InitGoogle", "inference_feedback_manager",
                 "landmark_projection_calculator", "All log messages before absl")


class _native_stderr_filtered:
    """Capture fd 2 while MediaPipe's C++ code starts up and drop its known chatter.

    MediaPipe/TFLite log INFO/WARNING lines from C++ straight to fd 2 (env vars such
    as GLOG_minloglevel do not silence them in 1.2.2). Anything else is written back.
    """

    def __enter__(self):
        import sys
        import tempfile

        try:
            sys.stderr.flush()
            self._saved = os.dup(2)
            self._tmp = tempfile.TemporaryFile(mode="w+b")
            os.dup2(self._tmp.fileno(), 2)
        except (OSError, ValueError):  # no real fd 2 (e.g. some test runners)
            self._saved = None
        return self

    def __exit__(self, *exc):
        if self._saved is None:
            return
        os.dup2(self._saved, 2)
        os.close(self._saved)
        self._tmp.seek(0)
        text = self._tmp.read().decode("utf-8", "replace")
        self._tmp.close()
        keep = [ln for ln in text.splitlines()
                if ln.strip() and not any(n in ln for n in _NATIVE_NOISE) and not _GLOG_LINE.match(ln)]
        if keep:
            os.write(2, ("\n".join(keep) + "\n").encode())


ProgressFn = Callable[[int, int, float], None]


class PoseEstimator:
    """BlazePose landmarker in VIDEO mode for one person, one video or live session at a time.

    Not thread-safe: give each video / live session its own estimator, and
    close it (use ``with``) so MediaPipe releases its graph.

    Args:
        model: "lite", "full", "heavy" or a .task path.
        min_detection_confidence, min_presence_confidence, min_tracking_confidence: MediaPipe thresholds.
        back_contour: also ask for the person mask and measure the back's outline on it each frame
            (:mod:`formcheck.back_contour`; the series gets ``extras["back_arc_deg"]``). The mask itself is
            dropped after each frame. Costs about 5 ms of CPU per frame with the full model
            (benchmarks/mask_cost.py), so the offline pass (:func:`estimate_video`) turns it on and live does not.

    Attributes:
        last_back: the last frame's back-contour scan (None when off or nobody was found).
        keep_mask: when set, ``last_mask`` keeps the last frame's person mask ((H, W) float32) for drawing.
    """

    def __init__(self, model: str | os.PathLike = DEFAULT_MODEL, *, min_detection_confidence: float = 0.5,
                 min_presence_confidence: float = 0.5, min_tracking_confidence: float = 0.5,
                 back_contour: bool = False):
        self.model_path = resolve_model(model)
        self.model_name = str(model) if str(model) in MODELS else self.model_path.name
        prepare_mediapipe()  # before MediaPipe loads: no usage logging, caches in formcheck's cache folder
        from mediapipe.tasks.python import BaseOptions
        from mediapipe.tasks.python import vision

        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(self.model_path)),
            running_mode=vision.RunningMode.VIDEO,
            num_poses=1,
            min_pose_detection_confidence=min_detection_confidence,
            min_pose_presence_confidence=min_presence_confidence,
            min_tracking_confidence=min_tracking_confidence,
            output_segmentation_masks=back_contour,
        )
        import mediapipe as mp

        self._mp = mp
        self.back_contour = back_contour
        self.last_back: BackContour | None = None
        self.keep_mask = False
        self.last_mask: np.ndarray | None = None
        self._last_ms = -1
        self._quiet = False
        with _native_stderr_filtered():
            try:
                self._landmarker = vision.PoseLandmarker.create_from_options(options)
            except Exception as exc:  # MediaPipe raises RuntimeError/ValueError on a bad bundle
                raise ModelError(
                    f"MediaPipe could not load the model '{self.model_path.name}' ({exc}). It is not a working pose "
                    f"landmarker bundle: use one of the bundled models ({', '.join(MODELS)})."
                ) from None
            # The first inference logs more warnings; run it on a blank frame while we filter.
            self._landmarker.detect_for_video(
                mp.Image(image_format=mp.ImageFormat.SRGB, data=np.zeros((64, 64, 3), np.uint8)), 0)
            self._last_ms = 0

    def detect(self, rgb: np.ndarray, time_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Landmarks of the most prominent person in one RGB frame.

        Args:
            rgb: (H, W, 3) uint8 RGB image.
            time_s: the frame's time; must increase from call to call (ms resolution is enforced).

        Returns:
            (xy_norm (33, 2) in [0, 1] image units, world (33, 3) m, visibility (33,)); all NaN if nobody.
        """
        ms = int(round(time_s * 1000))
        if ms <= self._last_ms:
            ms = self._last_ms + 1  # MediaPipe requires strictly increasing integer ms
        self._last_ms = ms
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        if self._quiet:
            result = self._landmarker.detect_for_video(image, ms)
        else:
            # MediaPipe logs a one-off warning at the first frame with a person in it.
            with _native_stderr_filtered():
                result = self._landmarker.detect_for_video(image, ms)
            self._quiet = bool(result.pose_landmarks)
        self.last_back = self.last_mask = None
        if not result.pose_landmarks:
            return _nan_pose()
        lms = result.pose_landmarks[0]
        xy = np.array([(p.x, p.y) for p in lms], np.float32)
        vis = np.array([p.visibility if p.visibility is not None else 1.0 for p in lms], np.float32)
        if self.back_contour and result.segmentation_masks:
            self._measure_back(result.segmentation_masks[0], xy, vis, rgb.shape[:2])
        if result.pose_world_landmarks:
            world = np.array([(p.x, p.y, p.z) for p in result.pose_world_landmarks[0]], np.float32)
        else:
            world = np.full((N_LANDMARKS, 3), np.nan, np.float32)
        return xy, world, vis

    def _measure_back(self, mp_mask, xy_norm: np.ndarray, vis: np.ndarray, hw: tuple[int, int]) -> None:
        """Measure the back's outline on this frame's person mask (kept only if ``keep_mask``)."""
        h, w = hw
        mask = np.asarray(mp_mask.numpy_view(), np.float32).reshape(h, w)  # a view: only sampled pixels are read
        self.last_back = measure_back(mask, xy_norm * np.array([w, h], np.float32), vis)
        if self.keep_mask:
            self.last_mask = mask.copy()

    def run(self, frames: Iterable[Frame], *, frame_size: tuple[int, int], fps: float,
            source: dict | None = None, expected_frames: int = 0,
            progress: ProgressFn | None = None) -> PoseSeries:
        """Run over frames and collect a PoseSeries.

        Args:
            frames: iterable of :class:`formcheck.video.Frame` (any size; coordinates are scaled to frame_size).
            frame_size: (width, height) of the displayed full-size video, for pixel coordinates.
            fps: the video's frame rate.
            source: provenance stored in the series.
            expected_frames: for progress reporting (0 if unknown).
            progress: called as progress(frames_done, expected_frames, elapsed_s) after every frame.
        """
        times, idx, xys, worlds, viss, arcs = [], [], [], [], [], []
        scale = np.array(frame_size, np.float32)
        t0 = time.perf_counter()
        for n, fr in enumerate(frames, 1):
            xy, world, vis = self.detect(fr.image, fr.time_s)
            arcs.append(self.last_back.arc_deg if self.last_back is not None else np.nan)
            times.append(fr.time_s)
            idx.append(fr.index)
            xys.append(xy * scale)
            worlds.append(world)
            viss.append(vis)
            if progress is not None:
                progress(n, expected_frames, time.perf_counter() - t0)
        src = {"model": self.model_name, **(source or {})}
        if not times:
            return PoseSeries.empty(frame_size, fps, src)
        extras = {BACK_ARC: np.array(arcs, np.float64)} if self.back_contour else {}
        return PoseSeries(np.array(times), np.array(idx), np.stack(xys), np.stack(worlds), np.stack(viss),
                          frame_size, fps, src, extras)

    def close(self) -> None:
        if getattr(self, "_landmarker", None) is not None:
            with _native_stderr_filtered():  # LiteRT logs "DestroyAccelerator" lines on close
                self._landmarker.close()
            self._landmarker = None

    def __enter__(self) -> "PoseEstimator":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):  # belt and braces: MediaPipe prints a traceback from its own __del__ otherwise
        try:
            self.close()
        except Exception:
            pass


def warm_up(model: str | os.PathLike = DEFAULT_MODEL) -> Path:
    """Import MediaPipe and check the model bundle once, so later :class:`PoseEstimator` s start quickly.

    For long-lived workers (batch processes, Ray actors, the app's background worker). Each video still
    gets its own estimator: a landmarker in VIDEO mode tracks the person from frame to frame, so one shared
    between clips would carry the previous clip's last pose into the next and make results depend on the
    order clips were given (a fresh one costs ~0.4 s, against ~6 s for the import and the checksum here).

    Returns:
        The model file that was checked.

    Raises:
        ModelError: as :func:`resolve_model`.
    """
    path = resolve_model(model)
    import mediapipe  # noqa: F401  (the slow import, done once per process)

    return path


def estimate_video(path: str | os.PathLike, *, model: str = DEFAULT_MODEL, start_s: float | None = None,
                   end_s: float | None = None, max_side: int | None = DEFAULT_MAX_SIDE,
                   max_fps: float | None = DEFAULT_MAX_FPS, progress: ProgressFn | None = None,
                   back_contour: bool = True) -> PoseSeries:
    """Decode a video file and return its PoseSeries (the offline pose stage of the pipeline).

    Args:
        path: the video.
        model: lite, full, heavy or a .task path.
        start_s, end_s: analyse only this part (times stay on the video's clock).
        max_side: long side (px) of the frames given to the model.
        max_fps: analyse about this many frames per second at most (60 fps video: every 2nd frame, 240 fps:
            every 8th); None or 0 analyses every frame. Times are the container times of the frames analysed.
        progress: called as progress(frames_done, frames_expected, elapsed_s).
        back_contour: measure the back's outline on the person mask each frame (see :class:`PoseEstimator`).

    Returns:
        The series; ``fps`` is the video's own rate, ``source`` holds ``stride`` (1: every frame),
        ``analysed_fps`` (the rate of the series' frames) and ``max_fps``.

    Raises:
        VideoError, OptionError, ModelError: with messages meant for the user.
    """
    from .video import open_video

    source = open_video(path, start_s=start_s, end_s=end_s, max_side=max_side, max_fps=max_fps)
    info = source.info
    expected = info.frame_count
    if expected and (start_s or end_s):
        lo = start_s or 0.0
        hi = min(end_s, info.duration_s) if end_s else info.duration_s
        expected = max(1, int(round((hi - lo) * info.fps)))
    expected = -(-expected // source.stride)
    shots = ShotWatcher(source.analysed_fps)

    def frames():  # each frame also goes past the shot watcher (cuts and frozen stills, for the set finder)
        for fr in source:
            shots.feed(fr.time_s, fr.image)
            yield fr

    with PoseEstimator(model, back_contour=back_contour) as est, source:
        series = est.run(frames(), frame_size=(info.width, info.height), fps=info.fps,
                         source={"path": str(path), "start_s": start_s, "end_s": end_s, "video": info.to_dict(),
                                 "max_fps": max_fps, "stride": source.stride,
                                 "analysed_fps": round(source.analysed_fps, 3)},
                         expected_frames=expected, progress=progress)
    series.source.update(shots.result())
    problems = source.decode_problems()
    if problems:  # the pipeline turns this into a warning (formcheck.damage.describe)
        log.info("%s: %d frames could not be decoded", Path(path).name, problems["missing_frames"])
        series.source["decode_problems"] = problems
    if source.stride > 1:
        log.info("analysed every %d%s frame (%.2f of %.2f fps); %d packets not decoded", source.stride,
                 {2: "nd", 3: "rd"}.get(source.stride, "th"), source.analysed_fps, info.fps, source.skipped_packets)
    return series

"""Evidence drawn on the video: annotators, the annotated MP4 and per-rep key frames.

Annotators follow one small protocol: configured once for an analysis and a
frame size, then applied per frame as ``annotate(frame_rgb, state) -> frame_rgb``
(drawing in place). Everything an annotator needs per frame is precomputed
once, as arrays, by :class:`OverlayTimeline`; :meth:`OverlayTimeline.state`
only indexes them, so the per-frame work is a handful of cv2 calls.

Rendering never holds the video in memory: :func:`render_video` makes a second
decode pass over the source with :func:`formcheck.video.open_video` (resized by
the decoder), matches decoded frames to analysed frames by ``frame_index``
(falling back to time), and writes exactly one output frame per analysed frame.
Key frames are grabbed in the same pass, or by seeking (:func:`render_keyframes`)
when there is no video to write.

Coordinates: landmarks in :class:`formcheck.series.PoseSeries` are pixels in the
displayed (rotation-corrected) full-size frame; they are scaled to the output
size here. Frames are RGB ``uint8`` (H, W, 3).
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Protocol, Sequence

import cv2
import numpy as np

from .assess import FAULT_LABELS, Finding
from .errors import OptionError
from .result import AnalysisResult
from .series import BODY_EDGES, LANDMARK
from .video import VideoWriter, inference_size, open_video

log = logging.getLogger(__name__)

# ---------------------------------------------------------------------------------------------------------------
# Shared look: the same colours are used by the video, the charts and the report.

#: Tempo phases in notation order (eccentric-pause-concentric-hold).
PHASES = ("eccentric", "pause", "concentric", "hold")
PHASE_COLORS: dict[str, tuple[int, int, int]] = {
    "concentric": (59, 130, 246),  # blue
    "hold": (168, 85, 247),  # violet
    "eccentric": (245, 158, 11),  # amber
    "pause": (100, 116, 139),  # slate
}
#: What each fault is about: posture (red), tempo (amber) or range of motion (pink).
FAULT_KIND = {"shrug": "posture", "swing": "posture", "neck": "posture", "rotation": "posture",
              "short_hold": "tempo", "rushed_eccentric": "tempo",
              "weak_squeeze": "range", "partial_range": "range", "asymmetry": "range"}
KIND_COLORS: dict[str, tuple[int, int, int]] = {"posture": (220, 38, 38), "tempo": (217, 119, 6),
                                                 "range": (219, 39, 119)}
OK_COLOR = (22, 163, 74)
TEXT = (248, 250, 252)
MUTED = (148, 163, 184)
PANEL = (15, 23, 42)
SKELETON = (241, 245, 249)
OUTLINE = (15, 23, 42)
TRUNK = (250, 204, 21)
EAR_LINE = (45, 212, 191)
BAD = (239, 68, 68)

#: Plain names of the metric groups in :data:`formcheck.assess.METRIC_VIEWS`.
GROUP_NAMES = {"tempo": "tempo", "range": "range of motion", "shrug": "shrug", "retraction": "squeeze (retraction)",
               "swing": "trunk swing", "neck": "neck position", "rotation": "trunk rotation",
               "asymmetry": "left/right balance"}
#: Faults whose value is bad when *below* the threshold (the rest are bad at or above it).
_LOW_IS_BAD = {"short_hold", "rushed_eccentric", "weak_squeeze", "partial_range"}
#: The tempo phase a tempo fault is about (its timer turns red in that phase).
_FAULT_PHASE = {"short_hold": "hold", "rushed_eccentric": "eccentric"}


def hex_color(rgb: Sequence[int]) -> str:
    """(r, g, b) -> '#rrggbb'."""
    return "#{:02x}{:02x}{:02x}".format(*(int(c) for c in rgb))


def fault_color(name: str) -> tuple[int, int, int]:
    """RGB colour of a fault (by its kind: posture, tempo or range)."""
    return KIND_COLORS[FAULT_KIND.get(name, "posture")]


def fault_title(name: str) -> str:
    """'shrugging (shoulders rose toward the ears)' -> 'Shrugging (shoulders rose toward the ears)'."""
    label = FAULT_LABELS.get(name, name.replace("_", " "))
    return label[:1].upper() + label[1:]


def format_finding(f: Finding) -> str:
    """The measured value against the threshold in plain words, e.g. '12% of torso length (limit 6%)'."""
    need = "needs at least" if f.name in _LOW_IS_BAD else "limit"
    v, thr = f.value, f.threshold
    if f.unit == "torso":
        return f"{v * 100:+.0f}% of torso length ({need} {thr * 100:+.0f}%)"
    if f.unit == "deg":
        return f"{v:.0f}\u00b0 ({need} {thr:.0f}\u00b0)"
    if f.unit == "s":
        return f"{v:.1f} s ({need} {thr:.1f} s)"
    if f.unit == "ratio":
        return f"{v:.0%} of your best reps ({need} {thr:.0%})"
    return f"{v:.3g} {f.unit} ({need} {thr:.3g})"


# ---------------------------------------------------------------------------------------------------------------
# Sizes


def output_size(width: int, height: int, max_side: int = 1920, max_short_side: int = 1080) -> tuple[int, int]:
    """Frame size for the annotated video: the source's, capped at max_side (long) and max_short_side (short).

    Returns even (width, height), as the decoder produces for ``open_video(max_side=decoder_max_side(...))``.
    """
    long_side, short_side = max(width, height), min(width, height)
    cap = min(max_side, int(long_side * max_short_side / short_side)) if short_side > max_short_side else max_side
    return inference_size(width, height, cap)


def decoder_max_side(width: int, height: int, max_side: int = 1920, max_short_side: int = 1080) -> int | None:
    """The ``max_side`` to give :func:`formcheck.video.open_video` so frames come out at :func:`output_size`."""
    long_side, short_side = max(width, height), min(width, height)
    cap = min(max_side, int(long_side * max_short_side / short_side)) if short_side > max_short_side else max_side
    return None if long_side <= cap else cap


# ---------------------------------------------------------------------------------------------------------------
# Text and panels (antialiased TrueType text rendered once per string and cached as alpha masks)


def _font_paths() -> tuple[str | None, str | None]:
    """DejaVu Sans (regular, bold): from matplotlib's data (found without importing it) or the system."""
    dirs = []
    spec = importlib.util.find_spec("matplotlib")
    if spec and spec.submodule_search_locations:
        dirs.append(Path(list(spec.submodule_search_locations)[0]) / "mpl-data" / "fonts" / "ttf")
    dirs += [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"),
             Path("/Library/Fonts"), Path("C:/Windows/Fonts")]
    for d in dirs:
        reg, bold = d / "DejaVuSans.ttf", d / "DejaVuSans-Bold.ttf"
        if reg.exists():
            return str(reg), str(bold if bold.exists() else reg)
    return None, None


@functools.lru_cache(maxsize=64)
def _font(px: int, bold: bool):
    from PIL import ImageFont

    reg, bd = _font_paths()
    path = bd if bold else reg
    if path:
        return ImageFont.truetype(path, px)
    try:
        return ImageFont.load_default(size=px)  # Pillow >= 10.1 ships a scalable default font
    except TypeError:
        return ImageFont.load_default()


@functools.lru_cache(maxsize=1024)
def _text_mask(text: str, px: int, bold: bool) -> np.ndarray:
    """(h, w) float32 alpha in [0, 1] for one line of text; h is the font's full line height."""
    from PIL import Image, ImageDraw

    font = _font(px, bold)
    ascent, descent = font.getmetrics()
    w = max(1, int(math.ceil(font.getlength(text))) + 2)
    img = Image.new("L", (w, ascent + descent), 0)
    ImageDraw.Draw(img).text((1, 0), text, font=font, fill=255)
    return np.asarray(img, np.float32) / 255.0


def text_size(text: str, px: int, bold: bool = False) -> tuple[int, int]:
    """(width, height) in pixels of a line of text at font size px."""
    m = _text_mask(text, px, bold)
    return m.shape[1], m.shape[0]


class Sprite:
    """Colour seen through an alpha mask, ready to blend onto frames (one ``cv2.blendLinear`` call).

    Args:
        alpha: (h, w) or (h, w, 1) float32 coverage in [0, 1].
        color: RGB triple, or an (h, w, 3) uint8 colour image (see :class:`Layer`).
        opacity: multiplies the coverage.
    """

    __slots__ = ("w", "h", "col", "w_bg", "w_fg")

    def __init__(self, alpha: np.ndarray, color, opacity: float = 1.0):
        a = np.ascontiguousarray(alpha.reshape(alpha.shape[0], alpha.shape[1]), np.float32) * np.float32(opacity)
        self.h, self.w = a.shape
        self.w_fg = a
        self.w_bg = np.float32(1.0) - a
        color = np.asarray(color)
        if color.ndim == 3:
            self.col = np.ascontiguousarray(color, np.uint8)
        else:
            self.col = np.empty((self.h, self.w, 3), np.uint8)
            self.col[:] = color.astype(np.uint8)

    def blit(self, img: np.ndarray, x: int, y: int) -> None:
        """Blend onto img (in place) with the top-left corner at (x, y); clipped to the image."""
        x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + self.w, img.shape[1]), min(y + self.h, img.shape[0])
        if x1 <= x0 or y1 <= y0:
            return
        roi = img[y0:y1, x0:x1]
        if (x1 - x0, y1 - y0) == (self.w, self.h):
            roi[:] = cv2.blendLinear(roi, self.col, self.w_bg, self.w_fg)
        else:
            sy, sx = slice(y0 - y, y1 - y), slice(x0 - x, x1 - x)
            roi[:] = cv2.blendLinear(roi, np.ascontiguousarray(self.col[sy, sx]),
                                     np.ascontiguousarray(self.w_bg[sy, sx]), np.ascontiguousarray(self.w_fg[sy, sx]))


@functools.lru_cache(maxsize=768)  # a timer string per 0.1 s and a few labels: bounded memory at 1080p
def _text_sprite(text: str, px: int, bold: bool, color: tuple[int, int, int]) -> Sprite:
    return Sprite(_text_mask(text, px, bold), color)


def draw_text(img: np.ndarray, text: str, x: int, y: int, px: int, color: Sequence[int] = TEXT,
              bold: bool = False, anchor: str = "lt") -> tuple[int, int]:
    """Draw one line of text; anchor 'lt' (left-top), 'rt', 'ct' or 'lm'/'cm' (vertical middle). Returns (w, h)."""
    sp = _text_sprite(text, int(px), bool(bold), tuple(int(c) for c in color))
    if anchor[0] == "r":
        x -= sp.w
    elif anchor[0] == "c":
        x -= sp.w // 2
    if anchor[1] == "m":
        y -= sp.h // 2
    sp.blit(img, int(x), int(y))
    return sp.w, sp.h


@functools.lru_cache(maxsize=256)
def _rounded_mask(w: int, h: int, r: int) -> np.ndarray:
    """(h, w) float32 mask of an antialiased rounded rectangle (drawn 4x larger, then shrunk)."""
    k = 4
    big = np.zeros((h * k, w * k), np.uint8)
    r = max(0, min(r, w // 2, h // 2)) * k
    if r:
        cv2.rectangle(big, (r, 0), (w * k - 1 - r, h * k - 1), 255, -1)
        cv2.rectangle(big, (0, r), (w * k - 1, h * k - 1 - r), 255, -1)
        for cx, cy in ((r, r), (w * k - 1 - r, r), (r, h * k - 1 - r), (w * k - 1 - r, h * k - 1 - r)):
            cv2.circle(big, (cx, cy), r, 255, -1)
    else:
        big[:] = 255
    small = cv2.resize(big, (w, h), interpolation=cv2.INTER_AREA)
    return small.astype(np.float32) / 255.0


@functools.lru_cache(maxsize=512)
def _panel_sprite(w: int, h: int, r: int, color: tuple[int, int, int], opacity: float) -> Sprite:
    return Sprite(_rounded_mask(w, h, r), color, opacity)


def draw_panel(img: np.ndarray, x: int, y: int, w: int, h: int, color: Sequence[int] = PANEL,
               opacity: float = 0.72, radius: int = 8) -> None:
    """A translucent rounded rectangle."""
    if w > 0 and h > 0:
        _panel_sprite(int(w), int(h), int(radius), tuple(int(c) for c in color), float(opacity)).blit(
            img, int(x), int(y))


class Layer:
    """A transparent canvas on which static overlay parts (panels, labels) are composed once.

    Blending the finished layer is one :class:`Sprite` blit per frame instead of one per part.

    Args:
        width, height: canvas size in pixels.
    """

    def __init__(self, width: int, height: int):
        self.w, self.h = int(width), int(height)
        self.rgb = np.zeros((self.h, self.w, 3), np.float32)
        self.alpha = np.zeros((self.h, self.w), np.float32)

    def add(self, mask: np.ndarray, x: int, y: int, color: Sequence[int], opacity: float = 1.0) -> None:
        """Composite a colour through an (h, w) coverage mask at (x, y), over what is there ("over" operator)."""
        h, w = mask.shape[:2]
        x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, self.w), min(y + h, self.h)
        if x1 <= x0 or y1 <= y0:
            return
        a_new = mask.reshape(h, w)[y0 - y:y1 - y, x0 - x:x1 - x] * np.float32(opacity)
        a_old = self.alpha[y0:y1, x0:x1]
        out_a = a_new + a_old * (1 - a_new)
        with np.errstate(invalid="ignore", divide="ignore"):
            rgb = (np.asarray(color, np.float32) * a_new[..., None]
                   + self.rgb[y0:y1, x0:x1] * (a_old * (1 - a_new))[..., None]) / out_a[..., None]
        self.rgb[y0:y1, x0:x1] = np.nan_to_num(rgb)
        self.alpha[y0:y1, x0:x1] = out_a

    def panel(self, x: int, y: int, w: int, h: int, color: Sequence[int] = PANEL, opacity: float = 0.72,
              radius: int = 8) -> None:
        """A translucent rounded rectangle."""
        if w > 0 and h > 0:
            self.add(_rounded_mask(int(w), int(h), int(radius)), int(x), int(y), color, opacity)

    def rect(self, x0: int, y0: int, x1: int, y1: int, color: Sequence[int], opacity: float = 1.0) -> None:
        """A filled rectangle with corners (x0, y0) and (x1, y1) inclusive."""
        self.add(np.ones((y1 - y0 + 1, x1 - x0 + 1), np.float32), x0, y0, color, opacity)

    def text(self, text: str, x: int, y: int, px: int, color: Sequence[int] = TEXT, bold: bool = False,
             anchor: str = "lt") -> tuple[int, int]:
        """One line of text, anchored like :func:`draw_text`; returns (w, h)."""
        m = _text_mask(text, int(px), bool(bold))
        h, w = m.shape
        if anchor[0] == "r":
            x -= w
        elif anchor[0] == "c":
            x -= w // 2
        if anchor[1] == "m":
            y -= h // 2
        self.add(m, int(x), int(y), color)
        return w, h

    def sprite(self) -> Sprite:
        """The composed layer, ready to blit."""
        return Sprite(self.alpha, np.clip(np.round(self.rgb), 0, 255).astype(np.uint8))


def wrap_text(text: str, px: int, max_w: int, bold: bool = False) -> list[str]:
    """Greedy word wrap of text into lines no wider than max_w pixels (a long word gets a line of its own)."""
    lines: list[str] = []
    cur = ""
    for word in text.split():
        trial = f"{cur} {word}" if cur else word
        if cur and text_size(trial, px, bold)[0] > max_w:
            lines.append(cur)
            cur = word
        else:
            cur = trial
    if cur:
        lines.append(cur)
    return lines or [""]


def _pt(p: np.ndarray) -> tuple[int, int]:
    """Sub-pixel point for cv2 drawing with shift=4."""
    return int(round(float(p[0]) * 16)), int(round(float(p[1]) * 16))


def draw_line(img: np.ndarray, a, b, color, thickness: int, outline: int = 0) -> None:
    """Antialiased line a -> b (float pixel coords), optionally over a darker outline for contrast."""
    if outline:
        cv2.line(img, _pt(a), _pt(b), OUTLINE, thickness + 2 * outline, cv2.LINE_AA, 4)
    cv2.line(img, _pt(a), _pt(b), tuple(int(c) for c in color), thickness, cv2.LINE_AA, 4)


def draw_dashed(img: np.ndarray, a, b, color, thickness: int, dash: float) -> None:
    """Antialiased dashed line a -> b with dashes (and gaps) dash pixels long (one cv2 call)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    length = float(np.hypot(*(b - a)))
    if length < 1 or dash <= 0:
        return
    d = (b - a) / length
    s0 = np.arange(0.0, length, 2 * dash)
    s1 = np.minimum(length, s0 + dash)
    segs = np.stack([a + np.outer(s0, d), a + np.outer(s1, d)], axis=1)  # (N, 2, 2)
    draw_segments(img, segs, color, thickness)


def draw_segments(img: np.ndarray, segs: np.ndarray, color, thickness: int, outline: int = 0) -> None:
    """Antialiased line segments (N, 2, 2) in float pixels, drawn in one cv2.polylines call (plus one for the
    optional dark outline underneath)."""
    if len(segs) == 0:
        return
    pts = [p for p in np.round(np.asarray(segs, float) * 16).astype(np.int32)]
    if outline:
        cv2.polylines(img, pts, False, OUTLINE, thickness + 2 * outline, cv2.LINE_AA, 4)
    cv2.polylines(img, pts, False, tuple(int(c) for c in color), thickness, cv2.LINE_AA, 4)


def draw_dot(img, p, radius: int, color, outline: int = 0) -> None:
    """Antialiased filled circle at p (float pixel coords), optionally ringed by a dark outline."""
    if outline:
        cv2.circle(img, _pt(p), (radius + outline) * 16, OUTLINE, -1, cv2.LINE_AA, 4)
    cv2.circle(img, _pt(p), radius * 16, tuple(int(c) for c in color), -1, cv2.LINE_AA, 4)


# ---------------------------------------------------------------------------------------------------------------
# Per-frame state


@dataclass(frozen=True)
class Style:
    """Sizes (pixels) scaled from the frame: designed at a 720-pixel short side and scaled linearly.

    Attributes:
        width, height: frame size.
        scale: short side / 720 (at least 0.5).
    """

    width: int
    height: int
    scale: float

    @classmethod
    def for_size(cls, width: int, height: int) -> "Style":
        return cls(width, height, max(0.5, min(width, height) / 720.0))

    def px(self, v: float) -> int:
        """A length designed at 720 px, scaled to this frame (at least 1)."""
        return max(1, int(round(v * self.scale)))

    def font(self, v: float) -> int:
        """A font size designed at 720 px, scaled to this frame, never below 10 px (legible on small clips)."""
        return max(10, int(round(v * self.scale)))

    @property
    def portrait(self) -> bool:
        return self.height > self.width


@dataclass
class FrameState:
    """What the overlay shows on one analysed frame (built by :meth:`OverlayTimeline.state`).

    Attributes:
        index: position in the analysed series (0..T-1).
        time_s: time on the video's clock (s).
        xy: (33, 2) landmark pixels in the output frame, NaN where not detected.
        visibility: (33,) in [0, 1] (0 where not detected).
        rep: rep in progress (0 outside reps).
        rep_shown: rep number for the counter (the rep in progress, else the last one started; 0 before the first).
        rep_count: reps in the set.
        phase: "concentric", "hold", "eccentric", "pause" or "" outside reps.
        phase_s: seconds into the current phase (NaN outside reps).
        phase_target_s: the target tempo's duration for this phase (s), or None.
        rise: shoulder rise along the trunk since the rep's start (torso lengths; min of the ear and hip proxies),
            NaN when unknown.
        trunk_deg: trunk angle from vertical (deg), NaN when unknown or not measurable from this view.
        trunk_start_dir: (2,) unit vector hip -> shoulder at the rep's start (output pixels), or None.
        findings: faults of the rep in progress.
        focus: a fault name to spell out (key frames), or None.
        done: the set is over (after the last rep).
    """

    index: int
    time_s: float
    xy: np.ndarray
    visibility: np.ndarray
    rep: int
    rep_shown: int
    rep_count: int
    phase: str
    phase_s: float
    phase_target_s: float | None
    rise: float
    trunk_deg: float
    trunk_start_dir: np.ndarray | None
    findings: tuple[Finding, ...] = ()
    focus: str | None = None
    done: bool = False

    @property
    def fault_names(self) -> set[str]:
        return {f.name for f in self.findings}

    @property
    def detected(self) -> bool:
        return bool(np.isfinite(self.xy[LANDMARK["left_shoulder"], 0]))


def _mid(xy: np.ndarray, a: str, b: str) -> np.ndarray:
    return (xy[..., LANDMARK[a], :] + xy[..., LANDMARK[b], :]) / 2


def shrug_threshold(result: AnalysisResult) -> float:
    """The profile's shrug threshold (torso lengths) for this analysis (0.06 if it cannot be resolved)."""
    for ra in result.assessed:
        for f in ra.findings:
            if f.name == "shrug":
                return float(f.threshold)
    try:
        from . import profile as profiles

        user = result.options.get("profile") if result.options else None
        prof = profiles.resolve(result.exercise, result.view, profiles.load_user_profile(user) if user else None)
        return float(prof["faults"]["shrug"]["min_rise_torso"])
    except Exception as exc:  # the overlay must not fail on a profile problem
        log.debug("shrug threshold from profile failed: %s", exc)
        return 0.06


def rep_relative(result: AnalysisResult, x: np.ndarray) -> np.ndarray:
    """x minus its value at the start of the rep each frame belongs to (the assessment's start window).

    Frames outside reps use the last rep started (or the first rep, before it). Used for the shrug gauge and
    charts: the shrug proxies only mean something relative to the rep's own start.

    Args:
        result: the analysis (its reps and per-frame rep numbers).
        x: (T,) signal on the analysed frames.

    Returns:
        (T,) array in x's unit; all NaN when there are no reps.
    """
    t = result.series.times_s
    x = np.asarray(x, float)
    reps = result.reps
    if not reps or len(x) != len(t):
        return np.full(len(t), np.nan)
    starts = np.array([r.start_s for r in reps])
    rep_no = np.asarray(result.rep_of_frame) if len(result.rep_of_frame) == len(t) else np.zeros(len(t), int)
    last = np.searchsorted(starts, t, side="right")
    k = np.where(rep_no > 0, rep_no, np.maximum(last, 1)) - 1
    base = np.array([_start_value(t, x, s) for s in starts])
    return x - base[k]


def _start_value(t: np.ndarray, x: np.ndarray, start_s: float) -> float:
    """Median of x over a rep's start window [start - 0.2 s, start + 0.03 s] (as in the assessment)."""
    m = (t >= start_s - 0.2 - 1e-9) & (t <= start_s + 0.03 + 1e-9)
    if not m.any():
        m = np.zeros(len(t), bool)
        m[int(np.clip(np.searchsorted(t, start_s), 0, len(t) - 1))] = True
    vals = x[m]
    return float(np.nanmedian(vals)) if np.isfinite(vals).any() else np.nan


def shoulder_rise(result: AnalysisResult) -> tuple[np.ndarray, np.ndarray]:
    """(ear, hip) shrug proxies as rise since each rep's start, in torso lengths; (T,) each, NaN if unknown."""
    sig = result.signals
    n = len(result.series)
    if sig is None or "shoulder_elev_ear" not in sig.values:
        return np.full(n, np.nan), np.full(n, np.nan)
    return rep_relative(result, sig["shoulder_elev_ear"]), rep_relative(result, sig["shoulder_elev_hip"])


class OverlayTimeline:
    """Per-frame overlay state for a whole analysis, precomputed once as arrays.

    Args:
        result: the analysis.
        size: (width, height) of the frames the overlay is drawn on.

    Attributes:
        xy: (T, 33, 2) float32 landmark pixels in the output frame (NaN where nobody was found).
        visibility: (T, 33) float32, 0 where nobody was found.
        rep, rep_shown: (T,) int rep in progress (0 outside reps) and rep number for the counter.
        phase: (T,) str phase name ("" outside reps); phase_s: (T,) seconds into it (NaN outside reps).
        rise: (T,) shoulder rise since the rep's start in torso lengths (min of the ear and hip proxies).
        trunk_deg: (T,) trunk angle from vertical in degrees (NaN when the view cannot support it).
        trunk_dir: (R, 2) hip -> shoulder unit vectors at each rep's start, in output pixels.
    """

    def __init__(self, result: AnalysisResult, size: tuple[int, int]):
        s = result.series
        self.result = result
        self.size = (int(size[0]), int(size[1]))
        n = len(s)
        self.times_s = s.times_s
        self.frame_index = s.frame_index
        scale = np.array([size[0] / s.frame_size[0], size[1] / s.frame_size[1]], np.float32)
        self.xy = (s.image_xy * scale).astype(np.float32)  # (T, 33, 2) output pixels
        self.visibility = np.nan_to_num(s.visibility, nan=0.0).astype(np.float32)  # (T, 33)
        self.rep = np.asarray(result.rep_of_frame, np.int64) if len(result.rep_of_frame) == n else np.zeros(n, int)
        self.phase = np.asarray(result.phase, object) if len(result.phase) == n else np.full(n, "", object)
        reps = result.reps
        self.rep_count = len(reps)
        starts = np.array([r.start_s for r in reps]) if reps else np.zeros(0)
        # Counter: the rep in progress, else the last one started.
        started = np.searchsorted(starts, self.times_s, side="right") if len(starts) else np.zeros(n, int)
        self.rep_shown = np.where(self.rep > 0, self.rep, started).astype(np.int64)
        last_end = max((r.end_s for r in reps), default=np.inf)
        self.done = (self.times_s > last_end) & (self.rep == 0) if reps else np.zeros(n, bool)
        # Seconds into the current phase, and its target.
        target = dict(zip(PHASES, result.target_tempo))
        self.phase_s = np.full(n, np.nan)
        self.findings: dict[int, tuple[Finding, ...]] = {}
        for ra in result.assessed:
            r = ra.rep
            self.findings[r.index] = tuple(ra.findings)
            begin = {"concentric": r.start_s, "hold": r.peak_s, "eccentric": r.hold_end_s, "pause": r.bottom_s}
            m_rep = self.rep == r.index
            for ph, t0 in begin.items():
                if t0 is None:
                    continue
                m = m_rep & (self.phase == ph)
                self.phase_s[m] = np.maximum(0.0, self.times_s[m] - t0)
        self.phase_target = target
        self.rise = self._rise(result, starts)
        self.trunk_deg, self.trunk_dir = self._trunk(result, starts)

    # -- precomputation ---------------------------------------------------------------------------------------
    def _start_value(self, x: np.ndarray, start_s: float) -> float:
        return _start_value(self.times_s, x, start_s)

    def _rise(self, result: AnalysisResult, starts: np.ndarray) -> np.ndarray:
        """Shoulder rise since the rep's start: the smaller of the ear and hip proxies (both must agree, as in
        the assessment), NaN where either is unknown."""
        d_ear, d_hip = shoulder_rise(result)
        if len(d_ear) != len(self.times_s):
            return np.full(len(self.times_s), np.nan)
        with np.errstate(invalid="ignore"):
            return np.where(np.isfinite(d_ear) & np.isfinite(d_hip), np.minimum(d_ear, d_hip), np.nan)

    def _trunk(self, result: AnalysisResult, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Trunk angle (deg, NaN when the view cannot support it) and (R, 2) hip->shoulder unit vectors at rep starts."""
        n = len(self.times_s)
        sig = result.signals
        deg = np.full(n, np.nan)
        if sig is not None and "trunk_inclination" in sig.values and sig.measurable("trunk_inclination") \
                and len(sig["trunk_inclination"]) == n:
            deg = np.asarray(sig["trunk_inclination"], float)
        trunk = _mid(self.xy, "left_shoulder", "right_shoulder") - _mid(self.xy, "left_hip", "right_hip")
        with np.errstate(invalid="ignore", divide="ignore"):
            unit = trunk / np.linalg.norm(trunk, axis=1, keepdims=True)
        dirs = np.full((len(starts), 2), np.nan)
        for i, s0 in enumerate(starts):
            dirs[i] = [self._start_value(unit[:, 0], s0), self._start_value(unit[:, 1], s0)]
        norm = np.linalg.norm(dirs, axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            dirs = dirs / norm
        return deg, dirs

    # -- per frame ----------------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.times_s)

    def state(self, j: int, focus: str | None = None) -> FrameState:
        """The overlay state of analysed frame j (0..T-1)."""
        rep = int(self.rep[j])
        phase = str(self.phase[j] or "")
        start_dir = None
        if rep > 0 and len(self.trunk_dir) and np.isfinite(self.trunk_dir[rep - 1]).all():
            start_dir = self.trunk_dir[rep - 1]
        return FrameState(
            index=j, time_s=float(self.times_s[j]), xy=self.xy[j], visibility=self.visibility[j], rep=rep,
            rep_shown=int(self.rep_shown[j]), rep_count=self.rep_count, phase=phase,
            phase_s=float(self.phase_s[j]), phase_target_s=self.phase_target.get(phase) if phase else None,
            rise=float(self.rise[j]), trunk_deg=float(self.trunk_deg[j]),
            trunk_start_dir=start_dir, findings=self.findings.get(rep, ()), focus=focus, done=bool(self.done[j]))

    def nearest(self, time_s: float) -> int:
        """Index of the analysed frame nearest to time_s."""
        i = int(np.searchsorted(self.times_s, time_s))
        if i <= 0:
            return 0
        if i >= len(self.times_s):
            return len(self.times_s) - 1
        return i if self.times_s[i] - time_s < time_s - self.times_s[i - 1] else i - 1


# ---------------------------------------------------------------------------------------------------------------
# Annotators


class Annotator(Protocol):
    """Configured once per analysis and frame size; ``annotate`` draws on the frame in place and returns it."""

    def annotate(self, frame: np.ndarray, state: FrameState) -> np.ndarray: ...


_ARMS = (("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"),
         ("right_shoulder", "right_elbow"), ("right_elbow", "right_wrist"))
#: Skeleton edges each fault paints red during the reps where it happens.
FAULT_EDGES = {
    "weak_squeeze": _ARMS[:1] + _ARMS[2:3], "partial_range": _ARMS, "asymmetry": _ARMS,
    "rotation": (("left_shoulder", "right_shoulder"), ("left_hip", "right_hip")),
}
_JOINTS = ("left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
           "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle")


class SkeletonAnnotator:
    """The tracked skeleton (landmarks seen with enough visibility), with fault-related limbs in red.

    Also draws the shoulder-to-ear lines (the shrug evidence): teal normally, red during a rep with a
    shrug or neck finding.

    Args:
        style: sizes for the frame.
        min_visibility: landmarks below this visibility are not drawn.
    """

    def __init__(self, style: Style, min_visibility: float = 0.5):
        self.style = style
        self.min_vis = min_visibility
        self.thick = style.px(4)
        self.outline = max(1, style.px(1.5))
        self.joint_r = style.px(4.5)
        self._I = np.array([LANDMARK[a] for a, _ in BODY_EDGES])
        self._K = np.array([LANDMARK[b] for _, b in BODY_EDGES])
        # Per fault: which body edges it paints (boolean mask over BODY_EDGES).
        self._fault_edges = {name: np.array([e in edges for e in BODY_EDGES]) for name, edges in FAULT_EDGES.items()}
        self._joints = np.array([LANDMARK[n] for n in _JOINTS])
        self._EI = np.array([LANDMARK["left_shoulder"], LANDMARK["right_shoulder"]])
        self._EK = np.array([LANDMARK["left_ear"], LANDMARK["right_ear"]])

    def annotate(self, frame: np.ndarray, state: FrameState) -> np.ndarray:
        if not state.detected:
            return frame
        xy, vis = state.xy, state.visibility
        ok = (vis >= self.min_vis) & np.isfinite(xy[:, 0])
        segs = np.stack([xy[self._I], xy[self._K]], axis=1)  # (E, 2, 2)
        valid = ok[self._I] & ok[self._K]
        # Colour of each body edge: a fault's colour where the fault involves that limb, else the skeleton's.
        painted = np.zeros(len(segs), bool)
        groups: list[tuple[tuple[int, int, int], np.ndarray]] = []
        for name in sorted(state.fault_names):
            m = self._fault_edges.get(name)
            if m is not None:
                sel = m & valid & ~painted
                painted |= sel
                if sel.any():
                    groups.append((fault_color(name), segs[sel]))
        plain = valid & ~painted
        if plain.any():
            groups.insert(0, (SKELETON, segs[plain]))
        shrug = "shrug" in state.fault_names or "neck" in state.fault_names
        ear_color = BAD if shrug else EAR_LINE
        ear_ok = ok[self._EI] & ok[self._EK]
        if ear_ok.any():
            groups.append((ear_color, np.stack([xy[self._EI], xy[self._EK]], axis=1)[ear_ok]))
        if not groups:
            return frame
        draw_segments(frame, np.concatenate([g for _, g in groups]), OUTLINE, self.thick + 2 * self.outline)
        for c, g in groups:
            draw_segments(frame, g, c, self.thick)
        for k in self._EK[ear_ok]:
            draw_dot(frame, xy[k], self.joint_r, ear_color, self.outline)
        for i in self._joints[ok[self._joints]]:
            draw_dot(frame, xy[i], self.joint_r, SKELETON, self.outline)
        return frame


class TrunkLineAnnotator:
    """The trunk line (mid-hip to mid-shoulder) with its angle from vertical and, in a rep, the rep-start line.

    The dashed rep-start line makes trunk swing visible: the gap between it and the live trunk line is the
    swing the assessment measures. Red during a rep with a swing finding. The angle label and the start line
    only appear when the view supports the trunk angle (side and oblique).
    """

    def __init__(self, style: Style, min_visibility: float = 0.5):
        self.style = style
        self.min_vis = min_visibility
        self.thick = style.px(5)
        self.outline = max(1, style.px(1.5))
        self.font = style.font(17)
        self._idx = [LANDMARK[n] for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip")]

    def annotate(self, frame: np.ndarray, state: FrameState) -> np.ndarray:
        if not state.detected:
            return frame
        xy = state.xy
        if (state.visibility[self._idx] < self.min_vis).all() or not np.isfinite(xy[self._idx]).all():
            return frame
        sh, hip = _mid(xy, "left_shoulder", "right_shoulder"), _mid(xy, "left_hip", "right_hip")
        length = float(np.hypot(*(sh - hip)))
        if length < 2:
            return frame
        bad = "swing" in state.fault_names
        color = fault_color("swing") if bad else TRUNK
        if state.trunk_start_dir is not None and np.isfinite(state.trunk_deg):
            draw_dashed(frame, hip, hip + state.trunk_start_dir * length * 1.15, TEXT, max(1, self.thick // 2),
                        self.style.px(9))
        draw_line(frame, hip, hip + (sh - hip) * 1.15, color, self.thick, self.outline)
        draw_dot(frame, hip, self.style.px(6), color, self.outline)
        if np.isfinite(state.trunk_deg):
            label = f"{state.trunk_deg:.0f}\u00b0"
            w, h = text_size(label, self.font, True)
            # Put the label beside the hip, on the side away from the trunk line.
            side = -1.0 if (sh - hip)[0] > 0 else 1.0
            x = int(hip[0] + side * self.style.px(14) - (w if side < 0 else 0))
            y = int(hip[1] + self.style.px(6))
            pad = self.style.px(5)
            draw_panel(frame, x - pad, y - pad // 2, w + 2 * pad, h + pad, PANEL, 0.7, self.style.px(6))
            draw_text(frame, label, x, y, self.font, color if bad else TRUNK, True)
        return frame


class ElevationGaugeAnnotator:
    """A vertical gauge of shoulder rise since the rep's start (the shrug proxy), with the fault threshold.

    Args:
        style: sizes for the frame.
        threshold: the shrug threshold in torso lengths (drawn as a tick; crossing it turns the bar red).
        show_threshold: False for the shrug exercise, where rising is the point, not a fault.
    """

    def __init__(self, style: Style, threshold: float = 0.06, show_threshold: bool = True):
        self.style = style
        self.thr = float(threshold) if threshold and threshold > 0 else 0.06
        self.show_threshold = show_threshold
        self.lo, self.hi = -1.0 * self.thr, 2.5 * self.thr
        self.font = style.font(13)
        self.vfont = style.font(17)
        self.bar_w = style.px(14)
        self.bar_h = int(style.height * (0.26 if style.portrait else 0.34))
        self.pad = style.px(10)
        self.small = style.font(12)
        title_w = text_size("SHRUG", self.font, True)[0]
        value_w = text_size("+99%", self.vfont, True)[0]
        tick_w = text_size("limit", self.small)[0] if show_threshold else 0
        self.w = max(title_w, value_w, self.bar_w + style.px(10) + tick_w) + 2 * self.pad
        self.h = self.bar_h + 2 * self.pad + text_size("SHRUG", self.font, True)[1] + \
            text_size("+0%", self.vfont, True)[1] + style.px(12)
        self.x = style.width - self.w - style.px(14)
        self.y = (style.height - self.h) // 2
        self.bar_x = self.x + self.pad
        self.bar_y = self.y + self.pad + text_size("SHRUG", self.font, True)[1] + style.px(6)
        # The static parts (panel, title, empty bar, limit label) are composed once.
        st = style
        layer = Layer(self.w, self.h)
        layer.panel(0, 0, self.w, self.h, PANEL, 0.68, st.px(8))
        layer.text("SHRUG", self.w // 2, self.pad, self.font, MUTED, True, "ct")
        bx, by = self.bar_x - self.x, self.bar_y - self.y
        layer.rect(bx, by, bx + self.bar_w, by + self.bar_h, (51, 65, 85))
        if show_threshold:
            layer.text("limit", bx + self.bar_w + st.px(8), self._y(self.thr) - self.y, self.small, (252, 165, 165),
                       False, "lm")
        self._static = layer.sprite()

    def _y(self, v: float) -> int:
        f = (min(max(v, self.lo), self.hi) - self.lo) / (self.hi - self.lo)
        return int(round(self.bar_y + self.bar_h * (1 - f)))

    def annotate(self, frame: np.ndarray, state: FrameState) -> np.ndarray:
        st = self.style
        self._static.blit(frame, self.x, self.y)
        cx = self.x + self.w // 2
        bx = self.bar_x
        y0 = self._y(0.0)
        v = state.rise
        over = np.isfinite(v) and v >= self.thr and self.show_threshold
        if np.isfinite(v):
            yv = self._y(v)
            color = fault_color("shrug") if over else OK_COLOR
            cv2.rectangle(frame, (bx, min(y0, yv)), (bx + self.bar_w, max(y0, yv)), color, -1)
        cv2.line(frame, (bx - st.px(3), y0), (bx + self.bar_w + st.px(3), y0), TEXT, max(1, st.px(1.5)))
        if self.show_threshold:
            yt = self._y(self.thr)
            cv2.line(frame, (bx - st.px(3), yt), (bx + self.bar_w + st.px(5), yt), BAD, max(1, st.px(2.5)))
        text = "\u2013" if not np.isfinite(v) else ("0%" if abs(v) < 0.005 else f"{v * 100:+.0f}%")
        draw_text(frame, text, cx, self.bar_y + self.bar_h + st.px(6), self.vfont,
                  (252, 165, 165) if over else TEXT, True, "ct")
        return frame


class HudAnnotator:
    """Rep counter, current phase and a tempo timer (seconds into the phase against its target).

    The timer turns red in the phase a tempo fault of this rep is about (short hold, rushed lowering).
    """

    def __init__(self, style: Style):
        self.style = style
        st = style
        self.label = st.font(14)
        self.big = st.font(34)
        self.small = st.font(15)
        self.pad = st.px(12)
        self.x = self.y = st.px(14)
        names = ["CONCENTRIC", "ECCENTRIC", "HOLD", "PAUSE", "READY", "DONE", "BETWEEN REPS"]
        self.col1 = max(text_size("REP", self.label, True)[0], text_size("88/88", self.big, True)[0])
        self.col2 = max(max(text_size(n, self.label, True)[0] for n in names),
                        text_size("88.8 s", self.big, True)[0] + text_size(" / 8 s", self.small)[0])
        self.gap = st.px(22)
        self.w = self.pad * 2 + self.col1 + self.gap + self.col2
        self.lh = text_size("REP", self.label, True)[1]
        self.bh = text_size("8", self.big, True)[1]
        self.h = self.pad * 2 + self.lh + self.bh + st.px(10)
        layer = Layer(self.w, self.h)  # the static parts, composed once
        layer.panel(0, 0, self.w, self.h, PANEL, 0.72, st.px(10))
        layer.text("REP", self.pad, self.pad, self.label, MUTED, True)
        self._static = layer.sprite()

    def annotate(self, frame: np.ndarray, state: FrameState) -> np.ndarray:
        st = self.style
        self._static.blit(frame, self.x, self.y)
        x1, y1 = self.x + self.pad, self.y + self.pad
        shown = f"{state.rep_shown}/{state.rep_count}" if state.rep_count else "\u2013"
        draw_text(frame, shown, x1, y1 + self.lh, self.big, TEXT, True)
        x2 = x1 + self.col1 + self.gap
        if state.phase:
            pc = PHASE_COLORS.get(state.phase, TEXT)
            draw_text(frame, state.phase.upper(), x2, y1, self.label, pc, True)
            bad = any(_FAULT_PHASE.get(f.name) == state.phase for f in state.findings)
            secs = state.phase_s if np.isfinite(state.phase_s) else 0.0
            w, _ = draw_text(frame, f"{secs:.1f} s", x2, y1 + self.lh, self.big, fault_color("short_hold")
                             if bad else TEXT, True)
            target = state.phase_target_s
            if target is not None and target > 0:
                draw_text(frame, f" / {target:g} s", x2 + w, y1 + self.lh + self.bh - text_size("8", self.small)[1]
                          - st.px(4), self.small, MUTED)
                # A bar filling up to the target time.
                by = y1 + self.lh + self.bh + st.px(3)
                bw = self.col2
                cv2.rectangle(frame, (x2, by), (x2 + bw, by + st.px(4)), (51, 65, 85), -1)
                fill = int(bw * min(1.0, secs / target))
                if fill > 0:
                    cv2.rectangle(frame, (x2, by), (x2 + fill, by + st.px(4)), pc, -1)
        else:
            word = "DONE" if state.done else ("READY" if state.rep_shown == 0 else "BETWEEN REPS")
            draw_text(frame, word, x2, y1, self.label, MUTED, True)
            draw_text(frame, "\u2013", x2, y1 + self.lh, self.big, MUTED, True)
        return frame


class FaultAnnotator:
    """Banners naming the faults of the rep in progress (bottom centre), or a 'no faults' tag on a clean rep.

    On key frames (``state.focus``), the focused fault's banner also gives its value against the threshold.
    """

    def __init__(self, style: Style, max_banners: int = 3):
        self.style = style
        self.font = style.font(19)
        self.small = style.font(15)
        self.pad = style.px(10)
        self.max_w = int(style.width * 0.9)
        self.max_banners = max_banners

    def _banner(self, frame, lines: list[tuple[str, int, bool]], color, y_bottom: int) -> int:
        """Draw a banner of (text, px, bold) lines centred at the bottom edge y_bottom; returns its top y."""
        st = self.style
        sizes = [text_size(t, px, b) for t, px, b in lines]
        w = max(s[0] for s in sizes) + 2 * self.pad
        h = sum(s[1] for s in sizes) + 2 * self.pad
        x = (st.width - w) // 2
        y = y_bottom - h
        draw_panel(frame, x, y, w, h, color, 0.9, st.px(10))
        yy = y + self.pad
        for (t, px, b), (tw, th) in zip(lines, sizes):
            draw_text(frame, t, st.width // 2, yy, px, TEXT, b, "ct")
            yy += th
        return y

    def annotate(self, frame: np.ndarray, state: FrameState) -> np.ndarray:
        st = self.style
        if state.rep <= 0:
            return frame
        y = st.height - st.px(16)
        findings = list(state.findings)
        if not findings:
            self._banner(frame, [(f"REP {state.rep}  \u2713  no faults seen", self.small, True)], OK_COLOR, y)
            return frame
        # Focused fault last, so it sits lowest (nearest the eye line of the key frame caption).
        findings.sort(key=lambda f: f.name == state.focus)
        shown = findings[-self.max_banners:]
        more = len(findings) - len(shown)
        for f in reversed(shown):
            text = f"REP {state.rep} \u00b7 {fault_title(f.name)}"
            lines = [(t, self.font, True) for t in wrap_text(text, self.font, self.max_w - 2 * self.pad, True)]
            if f.name == state.focus:
                lines += [(t, self.small, False) for t in wrap_text(format_finding(f), self.small,
                                                                     self.max_w - 2 * self.pad)]
            y = self._banner(frame, lines, fault_color(f.name), y) - st.px(6)
        if more:
            self._banner(frame, [(f"+{more} more", self.small, True)], PANEL, y)
        return frame


class ViewBadgeAnnotator:
    """A badge with the camera view and the metric groups this view cannot measure.

    Args:
        style: sizes for the frame.
        view: the camera view ("side", "front", ...).
        not_measurable: plain names of the groups not measurable from this view.
        below: (x, y) to place the badge at instead of the top-right corner (used when it would
            collide with the HUD on narrow frames).
    """

    def __init__(self, style: Style, view: str, not_measurable: Sequence[str], below: tuple[int, int] | None = None):
        self.style = style
        st = style
        self.title = f"{view.upper()} VIEW"
        self.tfont, self.font = st.font(14), st.font(13)
        self.pad = st.px(10)
        max_w = int(st.width * (0.55 if st.portrait else 0.34))
        self.lines = []
        if not_measurable:
            self.lines = wrap_text("Not measurable here: " + ", ".join(not_measurable), self.font, max_w)
        tw, th = text_size(self.title, self.tfont, True)
        sizes = [text_size(t, self.font) for t in self.lines]
        self.w = max([tw] + [s[0] for s in sizes]) + 2 * self.pad
        self.h = th + sum(s[1] for s in sizes) + 2 * self.pad + (st.px(4) if self.lines else 0)
        self.th = th
        self.x, self.y = below if below else (st.width - self.w - st.px(14), st.px(14))
        layer = Layer(self.w, self.h)  # entirely static: composed once, one blit per frame
        layer.panel(0, 0, self.w, self.h, PANEL, 0.72, st.px(8))
        layer.text(self.title, self.pad, self.pad, self.tfont, TEXT, True)
        y = self.pad + self.th + st.px(4)
        for t in self.lines:
            _, h = layer.text(t, self.pad, y, self.font, (253, 186, 116))
            y += h
        self._static = layer.sprite()

    def annotate(self, frame: np.ndarray, state: FrameState) -> np.ndarray:
        self._static.blit(frame, self.x, self.y)
        return frame


def not_measurable_groups(result: AnalysisResult) -> list[str]:
    """Plain names of the metric groups the analysis reports as not measurable."""
    return [GROUP_NAMES.get(g, g) for g, v in result.measurable.items() if not v.get("measurable", True)]


def default_annotators(result: AnalysisResult, size: tuple[int, int]) -> list[Annotator]:
    """The standard overlay for an analysis at a frame size, in drawing order."""
    style = Style.for_size(*size)
    hud = HudAnnotator(style)
    badge = ViewBadgeAnnotator(style, result.view, not_measurable_groups(result))
    if badge.x < hud.x + hud.w + style.px(12):  # narrow (portrait) frame: stack the badge under the HUD
        badge = ViewBadgeAnnotator(style, result.view, not_measurable_groups(result),
                                   below=(hud.x, hud.y + hud.h + style.px(8)))
    out: list[Annotator] = [SkeletonAnnotator(style), TrunkLineAnnotator(style)]
    if result.measurable.get("shrug", {}).get("measurable", True) and result.signals is not None:
        out.append(ElevationGaugeAnnotator(style, shrug_threshold(result), show_threshold=result.exercise != "shrug"))
    out += [hud, badge, FaultAnnotator(style)]
    return out


def annotate_frame(frame: np.ndarray, state: FrameState, annotators: Iterable[Annotator]) -> np.ndarray:
    """Apply annotators in order (in place) and return the frame."""
    for a in annotators:
        frame = a.annotate(frame, state)
    return frame


# ---------------------------------------------------------------------------------------------------------------
# Key frames


@dataclass(frozen=True)
class KeyframeTarget:
    """One key frame to save.

    Attributes:
        name: file stem, e.g. 'rep01_top' or 'rep03_shrug'.
        frame: index into the analysed series.
        rep: rep number.
        fault: the fault shown (None for a rep's top).
        time_s: the moment wanted (s on the video's clock).
    """

    name: str
    frame: int
    rep: int
    fault: str | None
    time_s: float


def keyframe_targets(result: AnalysisResult, timeline: OverlayTimeline | None = None) -> list[KeyframeTarget]:
    """One key frame per rep at the top of the pull (peak_s), plus one per fault at its worst moment."""
    tl = timeline
    times = result.series.times_s
    if not len(times):
        return []

    def nearest(t: float) -> int:
        if tl is not None:
            return tl.nearest(t)
        return int(np.argmin(np.abs(times - t)))

    def first_at(t: float) -> int:
        # The top: the first frame at or after peak_s (the hold has begun), not the last of the concentric.
        return min(int(np.searchsorted(times, t - 1e-6)), len(times) - 1)

    out = []
    for ra in result.assessed:
        r = ra.rep
        out.append(KeyframeTarget(f"rep{r.index:02d}_top", first_at(r.peak_s), r.index, None, float(r.peak_s)))
        for f in ra.findings:
            out.append(KeyframeTarget(f"rep{r.index:02d}_{f.name}", nearest(f.worst_s), r.index, f.name,
                                      float(f.worst_s)))
    return out


#: Key frames are saved with the long side at most this (pixels): sharp in the report and quick to write
#: (a 1080p PNG took ~0.2-0.5 s to encode here).
KEYFRAME_MAX_SIDE = 1280


def _write_png(path: Path, rgb: np.ndarray) -> None:
    # Level 1: about as small as level 3 on camera footage, and faster.
    ok = cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 1])
    if not ok:
        raise OSError(f"could not write {path}")


class _KeyframeSaver:
    """Saves annotated key frames (PNG) for the targets, drawn at the key frame size.

    Args:
        targets: what to save.
        out_dir: folder for the PNGs (created when there are targets).
        result: the analysis.
        size: (width, height) the key frames are saved at; frames given to :meth:`save` are resized to it.
        timeline, annotators: reused when already configured for ``size`` (else made here).
    """

    def __init__(self, targets: Sequence[KeyframeTarget], out_dir: Path, result: AnalysisResult,
                 size: tuple[int, int], timeline: OverlayTimeline | None = None,
                 annotators: Sequence[Annotator] | None = None):
        self.by_frame: dict[int, list[KeyframeTarget]] = {}
        for t in targets:
            self.by_frame.setdefault(t.frame, []).append(t)
        self.out_dir = out_dir
        self.size = (int(size[0]), int(size[1]))
        same = timeline is not None and timeline.size == self.size
        self.timeline = timeline if same else OverlayTimeline(result, self.size)
        self.annotators = annotators if same and annotators is not None else default_annotators(result, self.size)
        self.paths: dict[str, Path] = {}
        if targets:
            out_dir.mkdir(parents=True, exist_ok=True)

    def wants(self, j: int) -> bool:
        return j in self.by_frame

    def save(self, j: int, raw: np.ndarray) -> None:
        """Annotate and write the key frames of analysed frame j from its raw (unannotated) RGB image."""
        if (raw.shape[1], raw.shape[0]) != self.size:
            raw = cv2.resize(raw, self.size, interpolation=cv2.INTER_AREA)
        for t in self.by_frame.get(j, ()):
            img = annotate_frame(raw.copy(), self.timeline.state(j, focus=t.fault), self.annotators)
            path = self.out_dir / f"{t.name}.png"
            _write_png(path, img)
            self.paths[t.name] = path


# ---------------------------------------------------------------------------------------------------------------
# Video


def _x264_preset(width: int, height: int) -> str:
    """x264's fastest preset: encoding is most of the render cost (on real 720p footage ultrafast took
    8.7 ms CPU per frame against 12.9 ms for superfast; see benchmarks/render_overhead.py). Files come out
    about twice as large, which is still small for a set (a few MB)."""
    return "ultrafast"


def _decode_range(result: AnalysisResult) -> tuple[float | None, float | None]:
    """The start/end the pose pass used (decoding the same range gives the same frame numbering)."""
    src = result.series.source or {}
    start = src.get("start_s", result.options.get("start_s") if result.options else None)
    end = src.get("end_s", result.options.get("end_s") if result.options else None)
    return start, end


@dataclass
class RenderOutput:
    """What :func:`render_video` / :func:`render_keyframes` wrote.

    Attributes:
        video: the annotated MP4 (None when not written).
        keyframes: key frame name -> PNG path.
        frames_written: frames in the video.
        filled: analysed frames the second decode did not yield (the previous frame was repeated).
        size: (width, height) of the output frames.
        elapsed_s: wall time of the pass.
    """

    video: Path | None
    keyframes: dict[str, Path] = field(default_factory=dict)
    frames_written: int = 0
    filled: int = 0
    size: tuple[int, int] = (0, 0)
    elapsed_s: float = 0.0


ProgressFn = Callable[[int, int, float], None]


def render_video(result: AnalysisResult, source: str | Path, out_path: str | Path, *,
                 keyframes_dir: str | Path | None = None, max_side: int = 1920,
                 annotators: Sequence[Annotator] | None = None, progress: ProgressFn | None = None,
                 crf: int = 23) -> RenderOutput:
    """Write the annotated video (and, optionally, key frames) in one decode pass over the source.

    Args:
        result: the analysis of ``source``.
        source: the original video file.
        out_path: the .mp4 to write (H.264, yuv420p, even size, +faststart; the source's frame rate).
        keyframes_dir: also save key frames here (see :func:`keyframe_targets`; long side at most
            :data:`KEYFRAME_MAX_SIDE`); None to skip.
        max_side: cap on the output's long side in pixels (the short side is also capped at 1080).
        annotators: overlay to draw (default: :func:`default_annotators`).
        progress: called as progress(frames_done, frames_total, elapsed_s).
        crf: x264 quality (lower is better).

    Returns:
        What was written; the video has exactly one frame per analysed frame.

    Raises:
        VideoError: the source cannot be decoded.
    """
    t_start = time.perf_counter()
    series = result.series
    n = len(series)
    w0, h0 = series.frame_size
    size = output_size(w0, h0, max_side)
    dec_max = decoder_max_side(w0, h0, max_side)
    start_s, end_s = _decode_range(result)
    src = open_video(source, start_s=start_s, end_s=end_s, max_side=dec_max)
    if tuple(src.size) != size:
        # The file's displayed size differs from the one the poses were measured on: draw on what we decode.
        log.warning("source decodes at %dx%d, poses were measured at %dx%d: scaling the overlay",
                    src.size[0], src.size[1], w0, h0)
        size = tuple(src.size)
    timeline = OverlayTimeline(result, size)
    annotators = list(annotators) if annotators is not None else default_annotators(result, size)
    saver = None
    if keyframes_dir is not None:
        kf_size = output_size(size[0], size[1], min(max_side, KEYFRAME_MAX_SIDE))
        saver = _KeyframeSaver(keyframe_targets(result, timeline), Path(keyframes_dir), result, kf_size, timeline,
                               annotators)
    fps = series.fps or src.info.fps
    out = Path(out_path)
    idx, times = series.frame_index, series.times_s
    tol = 0.5 / fps
    j = 0
    filled = 0
    last: np.ndarray | None = None
    with VideoWriter(out, size[0], size[1], fps, crf=crf, preset=_x264_preset(*size)) as writer, src:

        def emit(image: np.ndarray | None) -> None:
            nonlocal j, last, filled
            if image is None:  # an analysed frame this decode did not yield: keep the timing, repeat the last
                filled += 1
                img = last if last is not None else np.zeros((size[1], size[0], 3), np.uint8)
                writer.write(img)
            else:
                if saver is not None and saver.wants(j):
                    saver.save(j, image)
                img = annotate_frame(image, timeline.state(j), annotators)
                writer.write(img)
                last = img
            j += 1
            if progress is not None and (j % 15 == 0 or j == n):
                progress(j, n, time.perf_counter() - t_start)

        for fr in src:
            if j >= n:
                break
            while j < n and idx[j] < fr.index and times[j] < fr.time_s - tol:
                emit(None)
            if j >= n:
                break
            if idx[j] == fr.index or abs(times[j] - fr.time_s) <= tol:
                emit(fr.image)
            # else: a frame outside the analysed set (before the first analysed frame): not written
        while j < n:
            emit(None)
        frames = writer.frames_written
    if filled:
        log.warning("%d of %d analysed frames were not decoded again; repeated the previous frame", filled, n)
    elapsed = time.perf_counter() - t_start
    log.info("annotated video: %d frames %dx%d in %.2f s (%.0f frames/s) -> %s", frames, size[0], size[1],
             elapsed, frames / max(elapsed, 1e-9), out)
    return RenderOutput(out, saver.paths if saver else {}, frames, filled, size, elapsed)


def render_keyframes(result: AnalysisResult, source: str | Path, out_dir: str | Path, *, max_side: int = 1920,
                     annotators: Sequence[Annotator] | None = None) -> RenderOutput:
    """Save the key frames only, seeking to each (a cheap pass for when no video is written).

    Targets less than 2 s apart share one decode run; each run seeks to the keyframe before it. Frames are
    decoded straight at the key frame size (long side at most :data:`KEYFRAME_MAX_SIDE`).

    Args:
        result: the analysis of ``source``.
        source: the original video file.
        out_dir: folder for the PNGs (created when there is anything to save).
        max_side: cap on the long side (the short side is also capped at 1080), as for the video.
        annotators: overlay to draw, configured for the key frame size (default: :func:`default_annotators`).

    Returns:
        The key frames written (name -> path).
    """
    t_start = time.perf_counter()
    series = result.series
    w0, h0 = series.frame_size
    cap = min(max_side, KEYFRAME_MAX_SIDE)
    size = output_size(w0, h0, cap)
    dec_max = decoder_max_side(w0, h0, cap)
    timeline = OverlayTimeline(result, size)
    targets = keyframe_targets(result, timeline)
    if not targets:
        return RenderOutput(None, {}, 0, 0, size, 0.0)
    saver = _KeyframeSaver(targets, Path(out_dir), result, size, timeline,
                           list(annotators) if annotators is not None else None)
    times = series.times_s
    wanted = sorted({t.frame for t in targets})
    tol = 0.5 / (series.fps or 30.0)
    # Group frames into runs: one seek per run.
    runs: list[list[int]] = []
    for j in wanted:
        if runs and times[j] - times[runs[-1][-1]] < 2.0:
            runs[-1].append(j)
        else:
            runs.append([j])
    for run in runs:
        pending = list(run)
        try:
            src = open_video(source, start_s=max(0.0, float(times[run[0]]) - tol), end_s=float(times[run[-1]]) + tol,
                             max_side=dec_max, prefetch=0)
        except OptionError as exc:  # the poses do not belong to this file (times past its end)
            log.warning("key frames at %.2f-%.2f s not taken: %s", times[run[0]], times[run[-1]], exc)
            continue
        with src:
            for fr in src:
                if not pending:
                    break
                if abs(fr.time_s - times[pending[0]]) <= tol or fr.index == series.frame_index[pending[0]]:
                    saver.save(pending.pop(0), fr.image)
                while pending and fr.time_s > times[pending[0]] + tol:
                    log.warning("key frame at %.2f s not found in the video", times[pending.pop(0)])
        for j in pending:
            log.warning("key frame at %.2f s not found in the video", times[j])
    elapsed = time.perf_counter() - t_start
    log.info("%d key frames in %.2f s (%d seeks)", len(saver.paths), elapsed, len(runs))
    return RenderOutput(None, saver.paths, 0, 0, size, elapsed)

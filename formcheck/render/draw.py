"""Drawing primitives: antialiased TrueType text cached as alpha masks, translucent panels, composed layers,
lines and dots, and :class:`Style` (sizes scaled from the frame).

Frames are RGB ``uint8`` (H, W, 3), drawn in place.
"""

from __future__ import annotations

import functools
import importlib.util
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np

from .theme import OUTLINE, PANEL, TEXT

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

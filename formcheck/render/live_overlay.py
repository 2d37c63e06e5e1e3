"""The live overlay: the upload's annotators and primitives on live frames (same look as uploads)."""

from __future__ import annotations

import math

import cv2
import numpy as np

from ..analysis.assess import Finding
from ..live.state import PHASE_VERBS, SHRUG_VERBS, LiveState
from ..series import LANDMARK, SKELETON_EDGES
from . import annotators as ann
from . import draw, theme
from .draw import Style
from .timeline import FrameState


class LiveOverlay:
    """The live overlay, drawn with :mod:`formcheck.render`'s annotators and primitives (same look as uploads).

    Skeleton and shoulder-to-ear lines, the shrug gauge (rows), a HUD with the rep
    count, your phase and the tempo guide, and the shrug warning banner.

    Args:
        size: (width, height) of the frames.
        prof: resolved profile (for the shrug threshold drawn on the gauge).

    """

    def __init__(self, size: tuple[int, int], prof: dict):
        self.size = size
        self.style = Style.for_size(*size)
        self.shrug_thr = float(prof.faults.shrug.min_rise_ear_torso)  # the rule's limit
        self.skeleton = ann.SkeletonAnnotator(self.style)
        self.gauge = ann.ElevationGaugeAnnotator(self.style, self.shrug_thr)
        self.faults = ann.FaultAnnotator(self.style)
        st = self.style
        self.pad, self.label, self.big, self.mid, self.small = st.px(12), st.px(14), st.px(44), st.px(22), st.px(15)
        self.x = self.y = st.px(14)
        self.col1 = max(draw.text_size("REPS", self.label, True)[0], draw.text_size("88", self.big, True)[0])
        self.col2 = max(draw.text_size("SQUEEZE", self.mid, True)[0],
                        draw.text_size("TEMPO  Squeeze 8.8 s", self.small, True)[0], st.px(190))
        self.gap = st.px(20)
        self.w = 2 * self.pad + self.col1 + self.gap + self.col2
        self.lh = draw.text_size("REPS", self.label, True)[1]
        self.h = 2 * self.pad + self.lh + draw.text_size("8", self.big, True)[1]

    def draw(self, rgb: np.ndarray, xy: np.ndarray | None, vis: np.ndarray, st: LiveState,
             target: tuple[float, float, float, float]) -> np.ndarray:
        sty = self.style
        frame = np.ascontiguousarray(rgb).copy()
        findings = ()
        if st.shrug:
            findings = (Finding("shrug", st.shrug_rise, self.shrug_thr, "torso", st.time_s),)
        pts = xy if xy is not None else np.full((33, 2), np.nan)
        in_rep = st.phase in ("concentric", "hold", "eccentric")
        idx = {"eccentric": 0, "pause": 1, "concentric": 2, "hold": 3}
        fs = FrameState(index=0, time_s=st.time_s, xy=pts, visibility=vis if xy is not None else np.zeros(33),
                          rep=st.reps if in_rep else 0, rep_shown=st.reps, rep_count=st.reps, phase=st.phase,
                          phase_s=st.phase_s, phase_target_s=target[idx[st.phase]] if st.phase in idx else None,
                          rise=st.shrug_rise if in_rep else float("nan"), trunk_deg=float("nan"),
                          trunk_start_dir=None, findings=findings)
        self.skeleton.annotate(frame, fs)
        if st.exercise != "shrug" and st.detected:
            self.gauge.annotate(frame, fs)
        self._hud(frame, st)
        if st.shrug:
            self.faults.annotate(frame, fs)
        elif st.message:
            y = sty.height - sty.px(16)
            w, h = draw.text_size(st.message, self.small, True)
            draw.draw_panel(frame, (sty.width - w) // 2 - self.pad, y - h - 2 * self.pad, w + 2 * self.pad,
                         h + 2 * self.pad, theme.PANEL, 0.85, sty.px(10))
            draw.draw_text(frame, st.message, sty.width // 2, y - h - self.pad, self.small, theme.TEXT, True, "ct")
        return frame

    def _hud(self, frame: np.ndarray, st: LiveState) -> None:
        sty = self.style
        draw.draw_panel(frame, self.x, self.y, self.w, self.h, theme.PANEL, 0.75, sty.px(10))
        x1, y1 = self.x + self.pad, self.y + self.pad
        draw.draw_text(frame, "REPS", x1, y1, self.label, theme.MUTED, True)
        draw.draw_text(frame, str(st.reps), x1, y1 + self.lh, self.big, theme.TEXT, True)
        x2 = x1 + self.col1 + self.gap
        verbs = SHRUG_VERBS if st.exercise == "shrug" else PHASE_VERBS
        if st.phase:
            word, col = verbs[st.phase].upper(), theme.PHASE_COLORS.get(st.phase, theme.TEXT)
        else:
            word, col = ("READY" if st.detected else "STEP INTO VIEW"), theme.MUTED
        draw.draw_text(frame, word, x2, y1, self.mid, col, True)
        y = y1 + draw.text_size(word, self.mid, True)[1] + sty.px(4)
        if st.guide_phase:
            gcol = theme.PHASE_COLORS.get(st.guide_phase, theme.TEXT)
            text = f"TEMPO  {verbs[st.guide_phase]} {st.guide_left_s:.1f} s"
            draw.draw_text(frame, text, x2, y, self.small, theme.TEXT if st.on_pace else (253, 186, 116), True)
            y += draw.text_size(text, self.small, True)[1] + sty.px(4)
            # The guide's phase as a bar running out.
            dur = st.guide_total_s
            bw = self.col2
            import cv2

            cv2.rectangle(frame, (x2, y), (x2 + bw, y + sty.px(5)), (51, 65, 85), -1)
            if dur > 0:
                fill = int(bw * max(0.0, min(1.0, st.guide_left_s / dur)))
                cv2.rectangle(frame, (x2, y), (x2 + fill, y + sty.px(5)), gcol, -1)
        else:
            draw.draw_text(frame, "tempo guide starts at rep 1", x2, y, sty.px(13), theme.MUTED)



_PHASE_RGB = {"concentric": (80, 200, 120), "hold": (250, 200, 60), "eccentric": (90, 160, 255),
              "pause": (190, 190, 190), "": (190, 190, 190)}


def draw_overlay(rgb: np.ndarray, xy: np.ndarray | None, st: LiveState) -> np.ndarray:
    """Skeleton plus a small HUD (reps, phase, tempo guide, shrug warning) on a copy of the frame.

    Args:
        rgb: (H, W, 3) uint8 RGB.
        xy: (33, 2) smoothed landmark pixels, or None when nobody is tracked.
        st: the live state to show.
    """
    import cv2

    img = np.ascontiguousarray(rgb).copy()
    h, w = img.shape[:2]
    s = max(0.5, min(w, h) / 480.0)  # scale text and lines with the frame
    lw = max(1, int(round(2 * s)))
    if xy is not None:
        col = (255, 80, 80) if st.shrug else (255, 255, 255)
        for a, b in SKELETON_EDGES:
            pa, pb = xy[LANDMARK[a]], xy[LANDMARK[b]]
            if np.isfinite(pa).all() and np.isfinite(pb).all():
                cv2.line(img, (int(pa[0]), int(pa[1])), (int(pb[0]), int(pb[1])), col, lw, cv2.LINE_AA)
        for name in ("left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
                     "left_hip", "right_hip", "left_ear", "right_ear"):
            p = xy[LANDMARK[name]]
            if np.isfinite(p).all():
                cv2.circle(img, (int(p[0]), int(p[1])), lw + 2, (255, 200, 0), -1, cv2.LINE_AA)
    font = cv2.FONT_HERSHEY_SIMPLEX
    thin = max(1, lw // 2)
    # Panel: reps, phase and the tempo guide.
    pw, ph = int(230 * s), int(96 * s)
    overlay = img.copy()
    cv2.rectangle(overlay, (0, 0), (pw, ph), (20, 24, 32), -1)
    img = cv2.addWeighted(overlay, 0.7, img, 0.3, 0)
    cv2.putText(img, "REPS", (int(10 * s), int(22 * s)), font, 0.45 * s, (200, 200, 200), thin, cv2.LINE_AA)
    cv2.putText(img, str(st.reps), (int(10 * s), int(72 * s)), font, 1.7 * s, (255, 255, 255), lw + 1, cv2.LINE_AA)
    verbs = SHRUG_VERBS if st.exercise == "shrug" else PHASE_VERBS
    phase = verbs.get(st.phase, "").upper() or ("NO PERSON" if not st.detected else "READY")
    cv2.putText(img, phase, (int(84 * s), int(38 * s)), font, 0.65 * s, _PHASE_RGB.get(st.phase, (200, 200, 200)),
                lw, cv2.LINE_AA)
    if st.guide_text:
        label = ("TEMPO " if st.guide_phase else "") + st.guide_text
        cv2.putText(img, label if st.guide_phase else "Tempo guide starts", (int(84 * s), int(62 * s)), font,
                    0.4 * s, (255, 255, 255) if st.on_pace else (255, 180, 80), thin, cv2.LINE_AA)
        if st.guide_phase:
            cv2.putText(img, "on pace" if st.on_pace else "off pace", (int(84 * s), int(82 * s)), font, 0.38 * s,
                        (150, 220, 150) if st.on_pace else (255, 180, 80), thin, cv2.LINE_AA)
        else:
            cv2.putText(img, "with your first rep", (int(84 * s), int(82 * s)), font, 0.38 * s, (200, 200, 200),
                        thin, cv2.LINE_AA)
    if math.isfinite(st.position):  # a vertical gauge of where you are in your range
        x0, y0, y1 = int(212 * s), int(12 * s), int(84 * s)
        cv2.rectangle(img, (x0, y0), (x0 + int(8 * s), y1), (90, 90, 90), -1)
        yy = int(y1 - st.position * (y1 - y0))
        cv2.rectangle(img, (x0, yy), (x0 + int(8 * s), y1), _PHASE_RGB.get(st.phase, (200, 200, 200)), -1)
    # Banners at the bottom: the shrug warning first, otherwise any hint.
    text, colour = None, None
    if st.shrug:
        text, colour = "SHOULDERS DOWN - don't shrug", (220, 40, 40)
    elif st.message:
        text, colour = st.message, (40, 40, 40)
    if text:
        (tw, th), _ = cv2.getTextSize(text, font, 0.6 * s, lw)
        y = h - int(12 * s)
        cv2.rectangle(img, (0, y - th - int(12 * s)), (w, h), colour, -1)
        cv2.putText(img, text, ((w - tw) // 2, y - int(4 * s)), font, 0.6 * s, (255, 255, 255), lw, cv2.LINE_AA)
    return img

"""The live overlay: the upload's annotators and primitives on live frames (same look as uploads).

:class:`LiveOverlay` is what a front door hands to :class:`formcheck.live.LiveSession` (or ``LiveRunner``):
a callable ``overlay(rgb, session) -> rgb`` that reads only the session's state, skeleton and profile, so
the video, the app's panel and the sound all show one state.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from ..analysis.assess import Finding
from ..live.state import PHASE_VERBS, SHRUG_VERBS, LiveState
from ..tempo import PHASES
from . import annotators as ann
from . import draw, theme
from .draw import Style
from .timeline import FrameState


class _Painter:
    """Annotators and HUD geometry for one frame size and shrug limit (built once, reused per frame)."""

    def __init__(self, size: tuple[int, int], shrug_thr: float):
        self.size, self.shrug_thr = size, shrug_thr
        self.style = st = Style.for_size(*size)
        self.skeleton = ann.SkeletonAnnotator(st)
        self.gauge = ann.ElevationGaugeAnnotator(st, shrug_thr)
        self.faults = ann.FaultAnnotator(st)
        self.pad, self.label, self.big, self.mid, self.small = st.px(12), st.px(14), st.px(44), st.px(22), st.px(15)
        self.x = self.y = st.px(14)
        self.col1 = max(draw.text_size("REPS", self.label, True)[0], draw.text_size("88", self.big, True)[0])
        self.col2 = max(draw.text_size("SQUEEZE", self.mid, True)[0],
                        draw.text_size("TEMPO  Squeeze 8.8 s", self.small, True)[0], st.px(190))
        self.gap = st.px(20)
        self.w = 2 * self.pad + self.col1 + self.gap + self.col2
        self.lh = draw.text_size("REPS", self.label, True)[1]
        self.h = 2 * self.pad + self.lh + draw.text_size("8", self.big, True)[1]

    def paint(self, rgb: np.ndarray, st: LiveState, skeleton, target) -> np.ndarray:
        sty = self.style
        frame = np.ascontiguousarray(rgb).copy()
        findings = tuple(Finding(f, st.shrug_rise if f == "shrug" else math.nan, self.shrug_thr if f == "shrug"
                                 else math.nan, "torso", st.time_s) for f in st.warnings)
        xy, vis = skeleton if skeleton is not None else (np.full((33, 2), np.nan), np.zeros(33))
        in_rep = st.phase in ("concentric", "hold", "eccentric")
        fs = FrameState(index=0, time_s=st.time_s, xy=xy, visibility=vis, rep=st.rep if in_rep else 0,
                        rep_shown=st.reps, rep_count=st.reps, phase=st.phase, phase_s=st.phase_s,
                        phase_target_s=target[PHASES.index(st.phase)] if target and st.phase in PHASES else None,
                        rise=st.shrug_rise if in_rep else math.nan, trunk_deg=math.nan, trunk_start_dir=None,
                        findings=findings)
        self.skeleton.annotate(frame, fs)
        if st.exercise != "shrug" and st.detected:
            self.gauge.annotate(frame, fs)
        self._hud(frame, st)
        if findings and fs.rep:
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
            word, col = ("READY" if st.framed else "SET UP" if st.detected else "STEP INTO VIEW"), theme.MUTED
        draw.draw_text(frame, word, x2, y1, self.mid, col, True)
        y = y1 + draw.text_size(word, self.mid, True)[1] + sty.px(4)
        if st.guide_phase:
            gcol = theme.PHASE_COLORS.get(st.guide_phase, theme.TEXT)
            text = f"TEMPO  {verbs[st.guide_phase]} {st.guide_left_s:.1f} s"
            draw.draw_text(frame, text, x2, y, self.small, theme.TEXT if st.on_pace else (253, 186, 116), True)
            y += draw.text_size(text, self.small, True)[1] + sty.px(4)
            # The guide's phase as a bar running out.
            cv2.rectangle(frame, (x2, y), (x2 + self.col2, y + sty.px(5)), (51, 65, 85), -1)
            if st.guide_total_s > 0:
                fill = int(self.col2 * max(0.0, min(1.0, st.guide_left_s / st.guide_total_s)))
                cv2.rectangle(frame, (x2, y), (x2 + fill, y + sty.px(5)), gcol, -1)
        elif st.guide_text:
            draw.draw_text(frame, "tempo guide starts at rep 1", x2, y, sty.px(13), theme.MUTED)


class LiveOverlay:
    """Skeleton and shoulder-to-ear lines, the shrug gauge (rows; its limit is the rule's), a HUD with the
    rep count, your phase and the tempo guide, and banners for posture warnings."""

    def __init__(self):
        self._painter: _Painter | None = None

    def __call__(self, rgb: np.ndarray, session) -> np.ndarray:
        h, w = rgb.shape[:2]
        thr = float(session.profile.faults.shrug.min_rise_ear_torso)
        if self._painter is None or self._painter.size != (w, h) or self._painter.shrug_thr != thr:
            self._painter = _Painter((w, h), thr)
        return self._painter.paint(rgb, session.state, session.skeleton, session.target())

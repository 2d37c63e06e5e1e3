"""Annotators: configured once for an analysis and a frame size, applied per frame.

Each follows one small protocol, ``annotate(frame_rgb, state) -> frame_rgb``
(drawing in place); everything an annotator needs per frame comes from
:class:`formcheck.render.timeline.FrameState`.
"""

from __future__ import annotations

from typing import Iterable, Protocol, Sequence

import cv2
import numpy as np

from ..analysis.faults import FAULTS
from ..result import AnalysisResult
from ..series import BODY_EDGES, LANDMARK
from .draw import Layer, Style, draw_dashed, draw_dot, draw_line, draw_panel, draw_segments, draw_text, text_size, \
    wrap_text
from .theme import (BAD, EAR_LINE, GROUP_NAMES, MUTED, OK_COLOR, OUTLINE, PANEL, PHASE_COLORS, SKELETON, TEXT, TRUNK,
                    FAULT_PHASE, fault_color, fault_title, format_finding)
from .timeline import FrameState, _mid, shrug_threshold

class Annotator(Protocol):
    """Configured once per analysis and frame size; ``annotate`` draws on the frame in place and returns it."""

    def annotate(self, frame: np.ndarray, state: FrameState) -> np.ndarray: ...


_ARMS = (("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"),
         ("right_shoulder", "right_elbow"), ("right_elbow", "right_wrist"))
#: Skeleton edges of the body parts a fault row may paint ("ears" and "trunk" have annotators of their own).
BODY_PARTS = {"arms": _ARMS, "upper_arms": _ARMS[:1] + _ARMS[2:3],
              "girdles": (("left_shoulder", "right_shoulder"), ("left_hip", "right_hip"))}
#: Skeleton edges each fault paints in its colour during the reps where it happens (from the fault table).
FAULT_EDGES = {f.id: tuple(e for part in f.paints for e in BODY_PARTS.get(part, ())) for f in FAULTS.values()
               if any(part in BODY_PARTS for part in f.paints)}
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
        shrug = any("ears" in FAULTS[n].paints for n in state.fault_names if n in FAULTS)
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
        bad = next((n for n in sorted(state.fault_names) if n in FAULTS and "trunk" in FAULTS[n].paints), None)
        color = fault_color(bad) if bad else TRUNK
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

    def __init__(self, style: Style, threshold: float = 0.06, show_threshold: bool = True, min_top: int = 0):
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
        # Centred on the right edge; below min_top (e.g. the view badge's bottom) when the frame allows it.
        self.y = max((style.height - self.h) // 2, min(min_top, style.height - self.h - style.px(8)))
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
            bad = any(FAULT_PHASE.get(f.name) == state.phase for f in state.findings)
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
        # Both sit at the right edge: the gauge starts below the badge (a three-line badge reached its title).
        out.append(ElevationGaugeAnnotator(style, shrug_threshold(result), show_threshold=result.exercise != "shrug",
                                           min_top=badge.y + badge.h + style.px(8)))
    out += [hud, badge, FaultAnnotator(style)]
    return out


def annotate_frame(frame: np.ndarray, state: FrameState, annotators: Iterable[Annotator]) -> np.ndarray:
    """Apply annotators in order (in place) and return the frame."""
    for a in annotators:
        frame = a.annotate(frame, state)
    return frame

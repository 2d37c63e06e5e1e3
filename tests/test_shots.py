"""Cuts and frozen stills read from the frames (formcheck.shots), on drawn frames with known edits."""

from __future__ import annotations

import cv2
import numpy as np

from formcheck.shots import FROZEN_MIN_S, ShotWatcher

FPS = 15.0
W, H = 320, 240


def room(wall, floor, person_x: float, person_w: int, t: float) -> np.ndarray:
    """A plain room (wall over floor) with a moving figure: the picture changes a little every frame."""
    img = np.zeros((H, W, 3), np.uint8)
    img[: H * 2 // 3] = wall
    img[H * 2 // 3:] = floor
    step = int(round(t * FPS)) % 24  # 2 px a frame, back and forth: every frame differs from the last
    x = int(person_x + 2 * min(step, 24 - step))
    y = 60 + min(step, 24 - step)
    cv2.rectangle(img, (x, y), (x + person_w, y + 120), (200, 30, 30), -1)
    cv2.circle(img, (x + person_w // 2, y - 14), 14, (220, 170, 140), -1)
    return img


def watch(frames) -> dict:
    w = ShotWatcher(FPS)
    for i, img in enumerate(frames):
        w.feed(i / FPS, img)
    return w.result()


def test_a_cut_between_two_angles_of_the_same_room_is_found_at_its_frame():
    # Same wall and floor colours, the figure seen from another place and size: a modest change, but one that
    # stands out from every frame around it.
    a = [room((225, 225, 220), (120, 100, 80), 140, 40, i / FPS) for i in range(60)]
    b = [room((225, 225, 220), (120, 100, 80), 60, 90, i / FPS) for i in range(60, 150)]
    assert watch(a + b)["cuts_s"] == [round(60 / FPS, 4)]


def test_a_steady_clip_and_a_slow_pan_have_no_cut():
    steady = [room((225, 225, 220), (120, 100, 80), 140, 40, i / FPS) for i in range(120)]
    assert watch(steady) == {"cuts_s": [], "frozen_s": []}
    pan = [np.roll(img, i, axis=1) for i, img in enumerate(steady)]  # the camera turns 1 px per frame
    assert watch(pan)["cuts_s"] == []


def test_a_frozen_still_is_found_and_a_short_pause_is_not():
    moving = [room((225, 225, 220), (120, 100, 80), 140, 40, i / FPS) for i in range(150)]
    still_n = int(2.2 * FPS)  # an edited freeze-frame, as long as the real ones measured
    frames = moving[:46] + [moving[45]] * (still_n - 1) + moving[46:]  # frames 45 .. 45 + still_n - 1
    res = watch(frames)
    assert res["cuts_s"] == []
    (a, b), = res["frozen_s"]
    assert abs(a - 45 / FPS) < 1e-3 and abs(b - (45 + still_n - 1) / FPS) < 1e-3
    short = moving[:45] + [moving[45]] * int((FROZEN_MIN_S - 0.5) * FPS) + moving[45:]
    assert watch(short)["frozen_s"] == []

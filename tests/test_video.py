"""formcheck.video on videos generated here with PyAV: clocks, frame rates, rotation, trimming, resizing."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from conftest import gray_level
from formcheck.errors import OptionError, VideoError
from formcheck.encode import VideoWriter
from formcheck.video import VIDEO_EXTENSIONS, FileSource, inference_size, open_video, probe


def frames_of(path, **kwargs):
    with open_video(path, **kwargs) as src:
        return list(src)


def mean_rgb(img: np.ndarray) -> np.ndarray:
    return img.reshape(-1, 3).mean(axis=0)


# -- clocks ----------------------------------------------------------------

def test_variable_frame_rate_uses_container_timestamps(make_video):
    gaps = [33, 50, 17]
    pts = [0]
    for i in range(14):
        pts.append(pts[-1] + gaps[i % 3])
    path = make_video("vfr.mp4", pts_ms=pts)

    frames = frames_of(path)

    assert len(frames) == len(pts)
    got_ms = np.array([f.time_s for f in frames]) * 1000
    np.testing.assert_allclose(got_ms, pts, atol=1.0)
    assert [f.index for f in frames] == list(range(len(pts)))
    # Each frame's content is the frame written at that time (no reordering or duplication).
    for f in frames:
        assert abs(mean_rgb(f.image)[0] - gray_level(f.index)) < 4
    info = probe(path)
    assert isinstance(info.fps, float)
    # 14 intervals over 466 ms: an average rate near 30 fps, not a rounded-off integer guess.
    assert 25 < info.fps < 35


def test_ntsc_rate_is_kept_as_a_float(make_video):
    path = make_video("ntsc.mp4", n_frames=30, fps=Fraction(30000, 1001))

    info = probe(path)
    frames = frames_of(path)

    assert isinstance(info.fps, float)
    assert info.fps == pytest.approx(30000 / 1001, abs=1e-3)
    assert info.frame_count == 30
    assert info.duration_s == pytest.approx(30 * 1001 / 30000, abs=2e-3)
    assert len(frames) == 30
    np.testing.assert_allclose([f.time_s for f in frames], np.arange(30) * 1001 / 30000, atol=1e-3)
    # The last frame is at 0.9676 s: an integer 30 fps clock would put it at 0.9667 s, 29 fps at 1.0 s.
    assert frames[-1].time_s == pytest.approx(29 * 1001 / 30000, abs=2e-4)


def test_probe_reports_size_codec_and_no_rotation(make_video):
    path = make_video("plain.mp4", n_frames=5, size=(96, 64))
    info = probe(path)
    assert (info.width, info.height) == (96, 64)
    assert info.rotation_deg == 0
    assert info.codec == "h264"
    assert info.to_dict()["width"] == 96


# -- rotation --------------------------------------------------------------

def corner_pattern(i: int, w: int, h: int) -> np.ndarray:
    """Stored frame: red block top-left, green block bottom-left, rest dark (no symmetry)."""
    img = np.full((h, w, 3), 30, np.uint8)
    bw, bh = w // 4, h // 3
    img[:bh, :bw] = (230, 20, 20)
    img[-bh:, :bw] = (20, 230, 20)
    return img


def colour_at(img: np.ndarray, y: int, x: int) -> str:
    r, g, b = (int(v) for v in img[y, x])
    if r > 150 and g < 90 and b < 90:
        return "red"
    if g > 150 and r < 90 and b < 90:
        return "green"
    if max(r, g, b) < 80:
        return "dark"
    return f"other{(r, g, b)}"


def corners(img: np.ndarray) -> dict[str, str]:
    h, w = img.shape[:2]
    m = 6
    return {"tl": colour_at(img, m, m), "tr": colour_at(img, m, w - 1 - m),
            "bl": colour_at(img, h - 1 - m, m), "br": colour_at(img, h - 1 - m, w - 1 - m)}


# Stored 320x240 with red top-left and green bottom-left; where they land once displayed.
# rotation_ccw is the display matrix angle (counter-clockwise), as phones write it: -90 for portrait.
ROTATIONS = [
    # (ccw, expected clockwise rotation_deg, displayed (w, h), corners)
    (-90, 90, (240, 320), {"tl": "green", "tr": "red", "bl": "dark", "br": "dark"}),
    (90, 270, (240, 320), {"tl": "dark", "tr": "dark", "bl": "red", "br": "green"}),
    (180, 180, (320, 240), {"tl": "dark", "tr": "green", "bl": "dark", "br": "red"}),
    (0, 0, (320, 240), {"tl": "red", "tr": "dark", "bl": "green", "br": "dark"}),
]


@pytest.mark.parametrize("ccw,cw,size,expected", ROTATIONS, ids=["portrait-90cw", "270cw", "180", "none"])
def test_rotated_video_comes_out_upright(make_video, ccw, cw, size, expected):
    path = make_video("rot.mp4", n_frames=3, size=(320, 240), rotation_ccw=ccw, frame_fn=corner_pattern)

    info = probe(path)
    frames = frames_of(path)

    assert info.rotation_deg == cw
    assert (info.width, info.height) == size
    assert len(frames) == 3
    img = frames[0].image
    assert img.shape == (size[1], size[0], 3)
    assert img.dtype == np.uint8
    assert corners(img) == expected


def test_rotated_video_resized_keeps_orientation(make_video):
    path = make_video("portrait.mp4", n_frames=2, size=(320, 240), rotation_ccw=-90, frame_fn=corner_pattern)

    src = open_video(path, max_side=160)
    frames = list(src)

    assert src.size == (120, 160)
    assert frames[0].image.shape == (160, 120, 3)
    assert corners(frames[0].image) == {"tl": "green", "tr": "red", "bl": "dark", "br": "dark"}


# -- trimming --------------------------------------------------------------

@pytest.mark.parametrize("start,end,first,last", [
    (0.5, 1.0, 15, 29),      # no seek needed (start < 1 s)
    (1.5, 2.0, 45, 59),      # seeks to a keyframe after 0
    (2.0, None, 60, 89),
    (None, 0.5, 0, 14),
])
def test_trimming_keeps_the_original_clock(make_video, start, end, first, last):
    path = make_video("long.mp4", n_frames=90, fps=30, gop=10)

    frames = frames_of(path, start_s=start, end_s=end)

    assert [f.index for f in frames] == list(range(first, last + 1))
    np.testing.assert_allclose([f.time_s for f in frames], np.arange(first, last + 1) / 30, atol=1e-3)
    for f in frames:  # the content really is that frame, not a re-based one
        assert abs(mean_rgb(f.image)[0] - gray_level(f.index)) < 4


@pytest.mark.xfail(strict=True, reason="BUG: after a seek, Frame.index is estimated as round(t * avg_fps), "
                   "which is wrong on variable-frame-rate files (video.py FileSource._decode)")
def test_trimmed_vfr_keeps_true_frame_index(make_video):
    gaps = [10, 10, 10, 90, 90, 90]  # bursts and gaps, average 20 fps
    pts = [0]
    for i in range(59):
        pts.append(pts[-1] + gaps[i % 6])
    path = make_video("vfr_long.mp4", pts_ms=pts, gop=6)

    frames = frames_of(path, start_s=2.0)

    expected = [i for i, t in enumerate(pts) if t >= 2000]
    np.testing.assert_allclose([f.time_s * 1000 for f in frames], [pts[i] for i in expected], atol=1.0)
    assert [f.index for f in frames] == expected


def test_trim_options_are_checked(make_video):
    path = make_video("short.mp4", n_frames=15, fps=30)
    with pytest.raises(OptionError, match="--start"):
        FileSource(path, start_s=-1)
    with pytest.raises(OptionError, match="--end"):
        FileSource(path, end_s=0)
    with pytest.raises(OptionError, match="after --start"):
        FileSource(path, start_s=0.4, end_s=0.2)
    with pytest.raises(OptionError, match="past the end"):
        FileSource(path, start_s=5.0)


# -- resizing --------------------------------------------------------------

@pytest.mark.parametrize("size,max_side,expected", [
    ((640, 360), 320, (320, 180)),
    ((320, 240), 100, (100, 76)),    # 75 rounds to an even 76
    ((640, 360), 1000, (640, 360)),  # never upscaled
    ((640, 360), None, (640, 360)),
])
def test_max_side_resizes_to_even_dims_with_the_aspect(make_video, size, max_side, expected):
    path = make_video("big.mp4", n_frames=2, size=size, frame_fn=corner_pattern)

    src = open_video(path, max_side=max_side)
    frames = list(src)

    assert src.size == expected
    img = frames[0].image
    assert img.shape == (expected[1], expected[0], 3)
    assert img.shape[0] % 2 == 0 and img.shape[1] % 2 == 0
    assert img.shape[1] / img.shape[0] == pytest.approx(size[0] / size[1], rel=0.03)
    assert corners(img) == {"tl": "red", "tr": "dark", "bl": "green", "br": "dark"}


@pytest.mark.parametrize("w,h", [(640, 360), (1920, 1080), (1080, 1920), (333, 777), (640, 480)])
@pytest.mark.parametrize("max_side", [99, 101, 160, 255, 960])
def test_inference_size_never_exceeds_max_side(w, h, max_side):
    ow, oh = inference_size(w, h, max_side)
    if max(w, h) <= max_side:  # never upscaled, never touched
        assert (ow, oh) == (w, h)
        return
    assert max(ow, oh) <= max_side
    assert max(ow, oh) >= max_side - 2
    assert ow % 2 == 0 and oh % 2 == 0
    assert ow / oh == pytest.approx(w / h, abs=2.0 / min(ow, oh) * (w / h) + 1e-9)


# -- bad inputs at the library level ---------------------------------------

def test_bad_paths_raise_video_error(tmp_path):
    with pytest.raises(VideoError, match="No file"):
        probe(tmp_path / "missing.mp4")
    with pytest.raises(VideoError, match="folder"):
        probe(tmp_path)
    (tmp_path / "a.txt").write_text("x")
    with pytest.raises(VideoError, match=r"not a supported video type.*\.txt"):
        probe(tmp_path / "a.txt")
    (tmp_path / "e.mp4").write_bytes(b"")
    with pytest.raises(VideoError, match="empty"):
        probe(tmp_path / "e.mp4")
    (tmp_path / "t.mp4").write_text("not a video\n" * 100)
    with pytest.raises(VideoError, match="not really a video"):
        probe(tmp_path / "t.mp4")


def test_extensions_are_case_insensitive(make_video):
    assert ".mp4" in VIDEO_EXTENSIONS and ".mov" in VIDEO_EXTENSIONS
    path = make_video("UPPER.MP4", n_frames=2)
    assert probe(path).width == 64


# -- writer ----------------------------------------------------------------

def test_writer_round_trip_with_odd_size_and_ntsc_rate(tmp_path):
    out = tmp_path / "out" / "w.mp4"
    rng = np.random.default_rng(0)
    with VideoWriter(out, 63, 47, 30000 / 1001) as wr:
        for i in range(6):
            img = np.full((47, 63, 3), gray_level(i), np.uint8)
            img[:5, :5] = rng.integers(0, 255, (5, 5, 3))
            wr.write(img)
        assert wr.frames_written == 6
        with pytest.raises(ValueError, match="63x47"):
            wr.write(np.zeros((48, 64, 3), np.uint8))

    info = probe(out)
    frames = frames_of(out)
    assert (info.width, info.height) == (64, 48)  # padded to even
    assert info.fps == pytest.approx(30000 / 1001, abs=1e-3)
    assert len(frames) == 6
    np.testing.assert_allclose([f.time_s for f in frames], np.arange(6) * 1001 / 30000, atol=1e-3)
    for f in frames:
        assert abs(f.image[20:, 20:].mean() - gray_level(f.index)) < 4

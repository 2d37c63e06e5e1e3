"""Striding through high frame rates: which frames are kept, their exact times, what is not decoded, and
(slow) that a 60 fps set analysed at 30 fps counts and times the same reps as every frame."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from formcheck.stride import FramePicker, _h264_disposable, frame_stride
from formcheck.video import open_video


@pytest.mark.parametrize("fps, max_fps, stride", [
    (60, 30, 2), (59.94, 30, 2), (120, 30, 4), (240, 30, 8), (50, 30, 2), (90, 30, 3),
    (40, 30, 1), (30, 30, 1), (29.97, 30, 1), (10, 30, 1), (60, 0, 1), (60, None, 1), (240, 60, 4),
])
def test_frame_stride(fps, max_fps, stride):
    assert frame_stride(fps, max_fps) == stride


def _pattern(i: int, w: int, h: int) -> np.ndarray:
    """A frame whose moving bar and grey level both encode i (so each frame differs and is recognisable)."""
    img = np.full((h, w, 3), 16 + 4 * (i % 56), np.uint8)
    img[:16, -16:] = (16 + 4 * (i % 56), 16 + 4 * (i % 56), 40 + 60 * (i // 56))  # the high digit, in blue
    x = (3 * i) % (w - 40)
    img[16:, x:x + 8] = (250, 40, 40)
    return img


def _write(path: Path, n: int, fps: int = 60, *, bframes: int | None = None, pts_ms=None,
           size=(96, 64)) -> Path:
    """An H.264 MP4 of _pattern frames; bframes=0 writes only I and P pictures (as phones do)."""
    import av

    w, h = size
    rate = Fraction(fps)
    with av.open(str(path), "w") as c:
        st = c.add_stream("libx264", rate=rate)
        st.width, st.height, st.pix_fmt = w, h, "yuv420p"
        if bframes is not None:
            st.options = {"x264-params": f"bframes={bframes}"}
        if pts_ms is not None:
            st.codec_context.time_base = Fraction(1, 1000)
        times = pts_ms if pts_ms is not None else range(n)
        for i, p in enumerate(times):
            f = av.VideoFrame.from_ndarray(_pattern(i, w, h), format="rgb24")
            f.pts, f.time_base = p, (Fraction(1, 1000) if pts_ms is not None else 1 / rate)
            for pkt in st.encode(f):
                c.mux(pkt)
        for pkt in st.encode():
            c.mux(pkt)
    return path


def _frames(path: Path, **kw):
    src = open_video(path, **kw)
    with src:
        frames = [(f.index, f.time_s, f.image) for f in src]
    return src, frames


def _which(img: np.ndarray) -> int:
    """The frame number drawn by _pattern (from its grey level, background pixel)."""
    return int(round((int(img[-1, -1, 1]) - 16) / 4)) + 56 * int(round((int(img[8, -8, 2]) - 40) / 60))


@pytest.mark.parametrize("bframes", [None, 0], ids=["x264-default", "no-b-frames"])
def test_60fps_keeps_every_second_frame_with_its_container_time(tmp_path, bframes):
    path = _write(tmp_path / "c.mp4", 48, bframes=bframes)
    every_src, every = _frames(path, max_fps=0)
    src, kept = _frames(path, max_fps=30)
    assert every_src.stride == 1 and src.stride == 2 and src.analysed_fps == pytest.approx(30.0)
    assert len(every) == 48 and len(kept) == 24
    # Exactly the even frames, with the times and indices the every-frame decode gives them.
    assert [(i, t) for i, t, _ in kept] == [(i, t) for i, t, _ in every[::2]]
    assert [_which(img) for _, _, img in kept] == list(range(0, 48, 2))
    if bframes == 0:
        assert src.skipped_packets == 0  # every picture is a reference: all decoded
    else:
        assert src.skipped_packets > 0  # B-pictures nothing refers to were not decoded


def test_max_fps_none_or_zero_keeps_every_frame(tmp_path):
    path = _write(tmp_path / "c.mp4", 20)
    for mf in (None, 0):
        src, frames = _frames(path, max_fps=mf)
        assert src.stride == 1 and len(frames) == 20


def test_120fps_keeps_every_fourth(tmp_path):
    path = _write(tmp_path / "c.mp4", 40, fps=120)
    _, every = _frames(path, max_fps=0)
    src, kept = _frames(path, max_fps=30)
    assert src.stride == 4
    assert [t for _, t, _ in kept] == [t for _, t, _ in every[::4]]


def test_variable_rate_clip_keeps_real_frames_about_every_33_ms(tmp_path):
    """Phone video is variable-rate: jittered intervals around 60 fps and a 100 ms hole (dropped frames)."""
    rng = np.random.default_rng(1)
    pts, t = [], 0
    for i in range(90):
        pts.append(t)
        t += 100 if i == 40 else int(rng.choice([16, 17, 17, 18]))
    path = _write(tmp_path / "vfr.mp4", 0, pts_ms=pts)
    _, every = _frames(path, max_fps=0)
    src, kept = _frames(path, max_fps=30)
    all_times = {t for _, t, _ in every}
    kept_t = np.array([t for _, t, _ in kept])
    assert set(kept_t) <= all_times  # only frames that exist, at their own container times
    assert np.allclose(kept_t, np.array(pts)[[_which(img) for _, _, img in kept]] / 1000.0, atol=1e-6)
    gaps = np.diff(kept_t)
    assert gaps.min() > 0.024  # never two neighbouring 60 fps frames
    assert np.median(gaps) == pytest.approx(1 / 30, abs=0.004)  # about 30 fps
    assert gaps.max() < 0.100 + 0.02  # the hole is not widened by more than one source frame
    assert len(kept) >= len(every) // 2 - 3


def test_trimmed_start_lands_on_the_grid(tmp_path):
    path = _write(tmp_path / "c.mp4", 60)
    _, every = _frames(path, max_fps=0, start_s=0.25, end_s=0.75)
    _, kept = _frames(path, max_fps=30, start_s=0.25, end_s=0.75)
    # Frames 15..44 are in range; the grid keeps the even ones (16, 18, ...) on the file's own clock.
    assert [i for i, _, _ in every] == list(range(15, 45))
    assert [i for i, _, _ in kept] == list(range(16, 45, 2))
    assert kept[0][1] == pytest.approx(16 / 60)


def _avcc(*nals: bytes) -> memoryview:
    return memoryview(b"".join(len(n).to_bytes(4, "big") + n for n in nals))


def test_h264_reference_flags_are_read_from_the_slice_header():
    sei, sps = b"\x06\x05\x01\x00", b"\x67\x42\x00"
    assert _h264_disposable(_avcc(sei, b"\x01\x9a\x00"), 4)  # nal_ref_idc 0, non-IDR slice
    assert not _h264_disposable(_avcc(b"\x21\x9a\x00"), 4)  # nal_ref_idc 1
    assert not _h264_disposable(_avcc(b"\x41\x9a\x00"), 4)  # nal_ref_idc 2 (P/B used for reference)
    assert not _h264_disposable(_avcc(sps, b"\x65\x88\x00"), 4)  # IDR
    assert not _h264_disposable(_avcc(sei), 4)  # no slice at all: decode it
    assert not _h264_disposable(memoryview(b"\x00\x00\x00\x09\x01"), 4)  # truncated: decode it
    # Annex B (start codes), as in .ts or some .mkv files.
    assert _h264_disposable(memoryview(b"\x00\x00\x00\x01\x09\xf0\x00\x00\x01\x01\x9a"), 0)
    assert not _h264_disposable(memoryview(b"\x00\x00\x01\x41\x9a\x00"), 0)


def test_picker_keeps_the_first_frame_at_or_after_each_due_slot():
    class _Stream:
        time_base = Fraction(1, 1000)

        class codec_context:
            name = "hevc"  # no packet-level skipping for other codecs: every packet is decoded
            extradata = None

    p = FramePicker(_Stream(), 60.0, 2, 0.0, None)
    kept = [n for n in (0, 1, 2, 3, 5, 6, 7, 9, 10) if p.keep(n)]
    assert kept == [0, 2, 5, 7, 9]

    class _Packet:
        pts, size = 17, 100

    assert not p.skip_packet(_Packet())


# ---------------------------------------------------------------------------------------------------------------
# The pose model on a scripted 60 fps set


@pytest.fixture(scope="module")
def set60():
    """(clip, truth, poses of every frame, poses at the default stride) of a scripted 60 fps set."""
    from _synth import synthetic_clip

    from formcheck.pose import estimate_video

    clip, truth = synthetic_clip("row_side_shrug", reps=3, fps=60.0, size=(320, 240))
    return clip, truth, estimate_video(clip, max_fps=0), estimate_video(clip)  # the default: at most 30 fps


@pytest.mark.slow
def test_60fps_set_analysed_at_30fps_counts_and_times_reps_like_every_frame(set60):
    from formcheck.pipeline import analyze_series

    clip, truth, every, strided = set60
    assert strided.source["stride"] == 2 and strided.source["analysed_fps"] == pytest.approx(60.0 / 2)
    assert len(strided) == (len(every) + 1) // 2
    # Times are the container times of the frames analysed: every second frame of the full decode, exactly.
    assert np.array_equal(strided.times_s, every.times_s[::2])
    assert np.array_equal(strided.frame_index, every.frame_index[::2])

    kw = {"exercise": truth["exercise"], "view": truth["view"], "tempo": truth["tempo_target"]}
    r_every, r_strided = analyze_series(every, **kw), analyze_series(strided, **kw)
    assert r_strided.rep_count == r_every.rep_count == len(truth["reps"])
    fps = truth["fps"]
    errs = {"every": [], "strided": []}
    for name, res in (("every", r_every), ("strided", r_strided)):
        for rep, want in zip(res.rep_dicts(), truth["reps"]):
            for got, true in ((rep["start_s"], want["start_s"]), (rep["peak_s"], want["peak_s"]),
                              (rep["hold_end_s"], want["peak_s"] + want["hold_s"]),
                              (rep["bottom_s"], want["bottom_s"])):
                errs[name].append(abs(got - true) * fps)
    # The synthetic suite's target on phase boundaries (median <= 2 frames of the clip, p90 <= 4) at 60 fps
    # is in 60 fps frames; analysing at 30 fps may cost at most one more 60 fps frame on either figure.
    for q, bar in ((50, 2), (90, 4)):
        assert np.percentile(errs["strided"], q) <= max(bar, np.percentile(errs["every"], q)) + 1.0, errs
    # Tempo phases: within 0.1 s of the every-frame analysis (the bar used between models).
    for a, b in zip(r_every.rep_dicts(), r_strided.rep_dicts()):
        for key in ("eccentric_s", "pause_s", "concentric_s", "hold_s"):
            assert (a[key] is None) == (b[key] is None), (key, a[key], b[key])
            if a[key] is not None:
                assert abs(a[key] - b[key]) <= 0.1, (key, a[key], b[key])


def test_annotated_video_size_caps():
    from formcheck.render.video import VIDEO_SIZES, output_size, video_limits

    caps = video_limits("720p")
    assert output_size(1080, 1920, caps["max_side"], caps["max_short_side"]) == (720, 1280)  # portrait phone
    assert output_size(3840, 2160, caps["max_side"], caps["max_short_side"]) == (1280, 720)
    assert output_size(640, 480, caps["max_side"], caps["max_short_side"]) == (640, 480)  # never enlarged
    assert output_size(1080, 1920, None, None) == (1080, 1920)  # "source"
    assert VIDEO_SIZES["720p"][2] == 30.0 and VIDEO_SIZES["source"] == (None, None, None)


def _video(path: Path) -> tuple[int, float, tuple[int, int]]:
    import av

    with av.open(str(path)) as c:
        s = c.streams.video[0]
        return sum(1 for _ in c.decode(s)), float(s.average_rate), (s.width, s.height)


@pytest.mark.slow
def test_annotated_video_of_a_60fps_set_is_30fps_by_default(set60, tmp_path):
    from formcheck.pipeline import analyze_series
    from formcheck.render.outputs import write_outputs

    clip, truth, every, strided = set60
    kw = {"exercise": truth["exercise"], "view": truth["view"], "options": {"max_fps": None}}
    # Analysed at 30 fps: one video frame per analysed frame, at 30 fps, from the same frames.
    out = write_outputs(analyze_series(strided, **kw), tmp_path / "a", source=clip)
    assert _video(out["annotated.mp4"]) == (len(strided), 30.0, (320, 240))
    # Every frame analysed: the default video still stops at 30 fps (every 2nd analysed frame) ...
    r_every = analyze_series(every, **kw)
    out = write_outputs(r_every, tmp_path / "b", source=clip)
    assert _video(out["annotated.mp4"]) == ((len(every) + 1) // 2, 30.0, (320, 240))
    # ... and "source" keeps every analysed frame at the clip's rate.
    out = write_outputs(r_every, tmp_path / "c", source=clip, video_size="source")
    assert _video(out["annotated.mp4"]) == (len(every), 60.0, (320, 240))
    assert len(list((tmp_path / "a" / "keyframes").glob("*.png"))) >= 3  # a top per rep at least

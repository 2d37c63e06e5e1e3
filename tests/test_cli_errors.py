"""`formcheck pose` through a real subprocess: every bad input gives one clear line and exit 2, never a traceback.

Also the happy path on a generated clip with nobody in it (detection rate 0, NaN rows, never zeros).
"""

from __future__ import annotations

import zipfile
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from _hostile import audio_only
from conftest import REPO, run_cli, write_video
from formcheck.series import PoseSeries


def assert_user_error(rc: int, out: str, err: str, *phrases: str) -> str:
    """A handled user error: exit 2, one 'formcheck: ...' line holding every phrase, no traceback."""
    assert "Traceback" not in out + err, err
    assert "internal error" not in err, err
    assert rc == 2, f"exit {rc}; stderr:\n{err}"
    lines = [ln for ln in err.splitlines() if ln.startswith("formcheck:")]
    assert len(lines) == 1, f"expected one 'formcheck:' line on stderr, got:\n{err}"
    msg = lines[0]
    if msg.startswith("formcheck: error:"):  # argparse: usage above, a pointer to --help below
        assert "--help" in err
    else:  # our own errors: that line and nothing else
        assert err.strip() == msg, f"stderr has more than the message:\n{err}"
    for phrase in phrases:
        assert phrase.lower() in msg.lower(), f"{phrase!r} not in {msg!r}"
    return msg


@pytest.fixture(scope="module")
def bad(tmp_path_factory):
    """A folder of broken inputs, made once for the module."""
    d = tmp_path_factory.mktemp("bad")
    valid = write_video(d / "valid.mp4", n_frames=30, fps=30, size=(64, 48))
    valid_fs = d / "valid_faststart.mp4"  # moov (header) at the front, as phones and our writer do
    with av.open(str(valid_fs), "w", options={"movflags": "+faststart"}) as c:
        s = c.add_stream("libx264", rate=30)
        s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
        rng = np.random.default_rng(1)
        for i in range(30):
            f = av.VideoFrame.from_ndarray(rng.integers(0, 255, (48, 64, 3), dtype=np.uint8), format="rgb24")
            f.pts, f.time_base = i, Fraction(1, 30)
            for p in s.encode(f):
                c.mux(p)
        for p in s.encode():
            c.mux(p)

    (d / "notes.txt").write_text("squat day\n")
    (d / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    (d / "empty.mp4").write_bytes(b"")
    (d / "text.mp4").write_text("this is a text file, not a video\n" * 40)
    rng = np.random.default_rng(0)
    for src in (valid, valid_fs):
        data = src.read_bytes()
        (d / f"first2k_{src.stem}.mp4").write_bytes(data[:2048])
        cut = data.find(b"mdat") + 4 + 64  # keep ftyp (+ moov when at the front) and a little media
        (d / f"garbled_{src.stem}.mp4").write_bytes(
            data[:cut] + rng.integers(0, 256, len(data) - cut, dtype=np.uint8).tobytes())

    audio_only(d / "audio_only.mp4")

    for ext in ("mp4", "avi"):  # a video track but no frames; the mp4 muxer drops the empty track
        with av.open(str(d / f"no_frames.{ext}"), "w") as c:
            s = c.add_stream("libx264", rate=30)
            s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
            c.start_encoding()

    (d / "text.task").write_text("not a model")
    with zipfile.ZipFile(d / "not_pose.task", "w") as z:
        z.writestr("hello.txt", "hi")
    return d


CASES = [
    # (file, extra args, phrases: what is wrong ... what to do)
    ("missing.mp4", [], ["No file at", "missing.mp4", "Check the path"]),
    (".", [], ["is a folder", "path of a video file"]),
    ("notes.txt", [], ["not a supported video type", ".txt", ".mp4", "MP4"]),
    ("photo.png", [], ["not a supported video type", ".png", "MP4"]),
    ("empty.mp4", [], ["empty", "0 bytes", "copy the file again"]),
    ("text.mp4", [], ["could not be read as a video", "not really a video", "MP4 (H.264)"]),
    ("first2k_valid.mp4", [], ["first2k_valid.mp4", "could not be", "MP4 (H.264)"]),
    ("first2k_valid_faststart.mp4", [], ["first2k_valid_faststart.mp4", "could not be", "MP4 (H.264)"]),
    ("garbled_valid.mp4", [], ["garbled_valid.mp4", "could not be", "MP4 (H.264)"]),
    ("garbled_valid_faststart.mp4", [], ["garbled_valid_faststart.mp4", "could not be", "MP4 (H.264)"]),
    ("audio_only.mp4", [], ["no video track", "audio", "record"]),
    ("no_frames.mp4", [], ["no video track", "record"]),
    ("no_frames.avi", [], ["no video frames", "Record or export"]),
    ("valid.mp4", ["--model", "bogus"], ["--model", "bogus", "lite, full, heavy"]),
    ("valid.mp4", ["--model", "Full"], ["--model", "lite, full, heavy"]),
    ("valid.mp4", ["--model", "missing.task"], ["No model file", "missing.task", "lite, full, heavy"]),
    ("valid.mp4", ["--model", "text.task"], ["text.task", "not a MediaPipe pose landmarker bundle",
                                             "lite, full, heavy"]),
    ("valid.mp4", ["--start", "-1"], ["--start", "0 or more seconds", "-1"]),
    ("valid.mp4", ["--start=-0.5"], ["--start", "0 or more seconds"]),
    ("valid.mp4", ["--start", "abc"], ["--start", "number of seconds", "abc"]),
    ("valid.mp4", ["--end", "-2"], ["--end", "0 or more seconds"]),
    ("valid.mp4", ["--end", "0"], ["--end", "more than 0"]),
    ("valid.mp4", ["--start", "0.8", "--end", "0.3"], ["--end", "must come after --start"]),
    ("valid.mp4", ["--start", "0.5", "--end", "0.5"], ["--end", "must come after --start"]),
    ("valid.mp4", ["--start", "5"], ["--start", "past the end", "1.0 s long", "earlier start"]),
    ("valid.mp4", ["--start", "1.0"], ["past the end", "earlier start"]),
]


@pytest.mark.parametrize("name,args,phrases", CASES, ids=[f"{c[0]}{' '.join(['', *c[1]])}" for c in CASES])
def test_bad_input_gives_one_clear_line(bad, tmp_path, name, args, phrases):
    out_npz = tmp_path / "out.npz"
    rc, out, err = run_cli("pose", name, "-o", out_npz, *args, cwd=bad)
    assert_user_error(rc, out, err, *phrases)
    assert not out_npz.exists()


def test_no_frames_in_the_chosen_range(bad, tmp_path):
    # 30 frames at 30 fps: the last frame is at 0.967 s, the video lasts 1.0 s.
    out_npz = tmp_path / "out.npz"
    rc, out, err = run_cli("pose", "valid.mp4", "-o", out_npz, "--model", "lite", "--start", "0.98", cwd=bad)
    assert_user_error(rc, out, err, "No frames", "--start/--end")
    assert not out_npz.exists()


def test_zip_that_is_not_a_pose_bundle(bad, tmp_path):
    rc, out, err = run_cli("pose", "valid.mp4", "-o", tmp_path / "o.npz", "--model", "not_pose.task", cwd=bad)
    assert_user_error(rc, out, err, "not_pose.task", "lite, full, heavy")


def test_unwritable_output_is_a_user_error(bad, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    rc, out, err = run_cli("pose", "valid.mp4", "-o", blocker / "out.npz", "--model", "lite", cwd=bad)
    assert_user_error(rc, out, err, "out.npz")


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs a file system that refuses new folders (/proc)")
def test_output_folder_the_file_system_refuses_fails_before_the_pose_pass(bad):
    # /proc passes the permission check as root but refuses mkdir: found out before any work is done.
    rc, out, err = run_cli("analyze", "valid.mp4", "--out", "/proc/formcheck-out", "--model", "lite", cwd=bad)
    assert_user_error(rc, out, err, "/proc/formcheck-out", "another output path")
    assert "pose [" not in err  # no pose pass was started


def test_no_command_prints_help(tmp_path):
    rc, out, err = run_cli(cwd=tmp_path)
    assert rc == 2
    assert "pose" in out and "models" in out
    assert "Traceback" not in out + err


def test_unknown_command(tmp_path):
    rc, out, err = run_cli("squat", cwd=tmp_path)
    assert_user_error(rc, out, err, "squat")


def test_missing_video_argument(tmp_path):
    rc, out, err = run_cli("pose", cwd=tmp_path)
    assert_user_error(rc, out, err, "video")


# -- happy paths -------------------------------------------------------------

def test_pose_on_a_clip_with_nobody_in_it(small_video, tmp_path):
    out_npz = tmp_path / "poses.npz"
    rc, out, err = run_cli("pose", small_video, "-o", out_npz)

    assert rc == 0, err
    assert "Traceback" not in out + err
    assert "10 frames" in out and "0%" in out and str(out_npz) in out
    assert "warning: the lifter was found in under half the frames" in err
    s = PoseSeries.load(out_npz)
    assert len(s) == 10
    assert s.detection_rate == 0.0
    assert not s.detected.any()
    # Missing means NaN, never 0.
    assert np.isnan(s.image_xy).all() and np.isnan(s.world_xyz).all() and np.isnan(s.visibility).all()
    assert s.frame_index.tolist() == list(range(10))
    np.testing.assert_allclose(s.times_s, np.arange(10) / 10, atol=1e-3)
    assert s.frame_size == (160, 120)
    assert s.fps == pytest.approx(10.0)
    assert s.source["model"] == "full"
    assert s.source["video"]["width"] == 160


def test_pose_trimmed_with_default_output_name(small_video, tmp_path):
    clip = tmp_path / "my clip.mp4"
    clip.write_bytes(small_video.read_bytes())
    rc, out, err = run_cli("pose", clip.name, "--model", "lite", "--start", "0.3", "--end", "0.7", cwd=tmp_path)

    assert rc == 0, err
    assert "Traceback" not in out + err
    default = tmp_path / "my clip.poses.npz"
    assert default.exists(), out
    s = PoseSeries.load(default)
    assert s.frame_index.tolist() == [3, 4, 5, 6]
    np.testing.assert_allclose(s.times_s, [0.3, 0.4, 0.5, 0.6], atol=1e-3)  # the video's own clock
    assert s.source["model"] == "lite"
    assert s.source["start_s"] == 0.3 and s.source["end_s"] == 0.7
    assert np.isnan(s.image_xy).all()


def test_task_with_damaged_models_inside(bad, tmp_path):
    damaged = tmp_path / "damaged.task"
    with zipfile.ZipFile(REPO / "models" / "pose_landmarker_lite.task") as zi, zipfile.ZipFile(damaged, "w") as zo:
        for name in zi.namelist():
            data = zi.read(name)
            zo.writestr(name, data[:64] + bytes(len(data) - 64))  # right entries, zeroed contents
    rc, out, err = run_cli("pose", "valid.mp4", "-o", tmp_path / "o.npz", "--model", damaged, cwd=bad)
    assert_user_error(rc, out, err, "damaged.task", "lite, full, heavy")

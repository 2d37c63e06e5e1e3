"""A corpus of hostile inputs, every one generated here: each ends in a clear message or a sensible result.

Broken inputs fail clearly: exit 2, one ``formcheck:`` line, no traceback, no "internal error", no hang, and
nothing written outside --out (the file tree around the run is compared before and after). Valid but awkward
inputs (other containers, rotation, variable frame rate, odd sizes and rates, odd paths, damaged files that
still decode in part) succeed with a sensible result. The Python API raises only formcheck's own errors.

Most cases run the CLI in-process (``_hostile.run_inprocess``) on a saved poses file or fail before the pose
model, so the corpus is quick; the ones that run the pose model over re-encoded clips are marked slow.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

import _hostile as H
from conftest import write_video
from formcheck.errors import FormcheckError, OptionError, PoseDataError



# -- the corpus folder -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """Broken and awkward inputs, made once for the module (the lifter's poses come from a cached lite run)."""
    d = tmp_path_factory.mktemp("corpus")
    clip, _ = H.lifter()
    shutil.copy(H.lifter_poses(), d / "lifter.npz")
    write_video(d / "nobody.mp4", n_frames=30, fps=30, size=(64, 48))
    write_video(d / "single_frame.mp4", n_frames=1, fps=30, size=(64, 48))
    (d / "empty.mp4").write_bytes(b"")
    (d / "text.mp4").write_text("not a video, just notes about squats\n" * 50)
    (d / "notes.txt").write_text("squat day\n")
    (d / "results.json").write_text("{}")
    rng = np.random.default_rng(13)
    (d / "random.mp4").write_bytes(rng.integers(0, 256, 50_000, dtype=np.uint8).tobytes())
    frames, fps = H.frames_of(clip)
    (d / "image.mp4").write_bytes(H.png_bytes(frames[40]))
    (d / "photo.mov").write_bytes(H.png_bytes(frames[40], ".jpg"))
    (d / "folder.mp4").mkdir()
    H.audio_only(d / "audio_only.mp4")
    with __import__("av").open(str(d / "no_frames.avi"), "w") as c:  # a video track without frames
        s = c.add_stream("libx264", rate=30)
        s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
        c.start_encoding()
    plain = H.encode(d / "plain.mp4", frames, fps)
    for pct in (1, 50, 90):
        H.cut(plain, d / f"cut{pct:02d}.mp4", pct / 100)
    faststart = H.encode(d / "faststart.mp4", frames, fps, options={"movflags": "+faststart"})
    H.cut(faststart, d / "header_only.mp4", 0.03)
    (d / "in out").mkdir()
    shutil.copy(d / "nobody.mp4", d / "in out" / "annotated.mp4")
    shutil.copy(d / "lifter.npz", d / "in out" / "poses.npz")
    return d


@pytest.fixture
def run(corpus, tmp_path):
    """run(*args) -> (rc, out, err) in-process, asserting that nothing outside tmp_path/out changed."""
    def _run(*args, timeout: int = 180):
        before = H.snapshot(corpus), H.snapshot(tmp_path, skip=tmp_path / "out")
        rc, out, err = H.run_inprocess(*args, timeout=timeout)
        after = H.snapshot(corpus), H.snapshot(tmp_path, skip=tmp_path / "out")
        assert after == before, "files changed outside --out"
        return rc, out, err

    return _run


# -- broken videos and wrong types -------------------------------------------------------------------------------

BROKEN_VIDEOS = [
    ("empty.mp4", ["empty.mp4", "0 bytes"]),
    ("text.mp4", ["text.mp4", "could not be read as a video"]),
    ("random.mp4", ["random.mp4", "could not be read as a video"]),
    ("image.mp4", ["too short"]),  # a PNG named .mp4: FFmpeg opens it as a one-frame video
    ("photo.mov", ["too short"]),  # a JPEG named .mov
    ("audio_only.mp4", ["no video track", "audio"]),
    ("no_frames.avi", ["no video frames"]),
    ("folder.mp4", ["is a folder"]),
    ("missing.mp4", ["No file at", "missing.mp4"]),
    ("notes.txt", ["not a supported video type", ".txt"]),
    ("results.json", ["not a supported video type", ".json"]),
    ("cut01.mp4", ["cut01.mp4", "could not be read as a video"]),  # cut before the index (moov at the end)
    ("cut50.mp4", ["cut50.mp4", "could not be read as a video"]),
    ("cut90.mp4", ["cut90.mp4", "could not be read as a video"]),
    ("header_only.mp4", ["header_only.mp4", "could not be"]),  # index at the front, no frames after it
    ("single_frame.mp4", ["too short", "1 frames"]),
    ("nobody.mp4", ["No person"]),
]


@pytest.mark.parametrize("name,phrases", BROKEN_VIDEOS, ids=[c[0] for c in BROKEN_VIDEOS])
def test_broken_video_fails_clearly(run, corpus, tmp_path, name, phrases):
    msg = H.assert_clear_failure(*run("analyze", corpus / name, "--model", "lite", "--no-video",
                                      "--out", tmp_path / "out"), *phrases)
    assert str(tmp_path) not in msg


# -- options at the edge -----------------------------------------------------------------------------------------

OPTIONS = [
    (["--start", "nan"], ["--start", "nan"]),
    (["--end", "nan"], ["--end", "nan"]),
    (["--start", "inf"], ["--start", "inf"]),
    (["--start", "1e400"], ["--start"]),
    (["--end", "-1"], ["--end", "0 or more"]),
    (["--start", "3", "--end", "1"], ["--end", "after --start"]),
    (["--start", "0.5", "--end", "0.5"], ["--end", "after --start"]),
    (["--start", "5"], ["--start", "past the end"]),
    (["--model", "bogus"], ["--model", "bogus"]),
    (["--exercise", "squat"], ["--exercise", "squat"]),
    (["--view", "top"], ["--view", "top"]),
    (["--tempo", "3-0-1"], ["tempo", "3-0-1"]),
    (["--tempo", "fast"], ["tempo", "fast"]),
]


@pytest.mark.parametrize("args,phrases", OPTIONS, ids=[" ".join(c[0]) for c in OPTIONS])
def test_bad_option_fails_clearly_before_any_work(run, corpus, tmp_path, args, phrases):
    rc, out, err = run("analyze", corpus / "nobody.mp4", "--model", "lite", "--no-video", "--out", tmp_path / "out",
                       *args)
    H.assert_clear_failure(rc, out, err, *phrases)
    assert "pose [" not in err  # refused before the pose pass


@pytest.mark.parametrize("args,phrases", [
    (["live", "--camera", "-1", "--no-window"], ["--camera", "0 or more"]),
    (["live", "--camera", "abc", "--no-window"], ["--camera", "abc"]),
    (["pose", "nobody.mp4", "--start", "nan"], ["--start"]),
    (["pose", "nobody.mp4", "--start", "2", "--end", "1"], ["--end", "after --start"]),
], ids=["camera -1", "camera abc", "pose start nan", "pose end before start"])
def test_bad_option_of_other_commands(run, corpus, tmp_path, args, phrases):
    args = [str(corpus / a) if a.endswith(".mp4") else a for a in args]
    if args[0] == "pose":
        args += ["-o", str(tmp_path / "out" / "p.npz")]
    H.assert_clear_failure(*run(*args), *phrases)


def _profile(what, content, phrases):
    return pytest.param(what, content, phrases, id=what)


PROFILES = [
    _profile("a folder", None, ["profile"]),
    _profile("not JSON", "{thresholds: yes", ["not valid JSON"]),
    _profile("not an object", "[1, 2]", ["JSON object"]),
    _profile("unknown section", {"bogus": {}}, ["bogus"]),
    _profile("unknown key in a section", {"reps": {"bogus_threshold": 1}}, ["bogus_threshold"]),
    _profile("string for a number", {"reps": {"min_rep_s": "fast"}}, ["min_rep_s"]),
    _profile("string for a section", {"filter": "strong"}, ["filter"]),
    _profile("null threshold", {"filter": {"cutoff_hz": None}}, ["cutoff_hz"]),
    _profile("negative cut-off", {"filter": {"cutoff_hz": -4}}, ["cutoff_hz"]),
    _profile("NaN threshold", '{"filter": {"cutoff_hz": NaN}}', ["cutoff_hz"]),
    _profile("unknown rep signal", {"reps": {"rep_signal": "vibes"}}, ["vibes"]),
]


@pytest.mark.parametrize("what,content,phrases", PROFILES)
def test_bad_profile_fails_clearly(run, corpus, tmp_path, what, content, phrases):
    profile = tmp_path / "my profile.json"
    if content is None:
        profile.mkdir()
    else:
        profile.write_text(content if isinstance(content, str) else json.dumps(content))
    rc, out, err = run("analyze", corpus / "lifter.npz", "--profile", profile, "--out", tmp_path / "out")
    H.assert_clear_failure(rc, out, err, *phrases)


def test_tempo_nan_is_refused(run, corpus, tmp_path):
    rc, out, err = run("analyze", corpus / "lifter.npz", "--tempo", "nan-0-1-1", "--out", tmp_path / "out")
    H.assert_clear_failure(rc, out, err, "tempo", "nan")


# -- poses files -------------------------------------------------------------------------------------------------

def _npz_cases():
    def src(**kw):
        return lambda base: {"source_json": H.source_json(base, **kw)}

    return [
        ("corrupt metadata JSON", lambda b: {"source_json": np.asarray("{'path': broken")}, ["metadata"]),
        ("metadata not an object", lambda b: {"source_json": np.asarray("[1, 2, 3]")}, ["metadata"]),
        ("metadata video is text", src(video="clip.mp4"), ["source['video']"]),
        ("metadata duration is text", src(video={"duration_s": "long"}), ["duration_s"]),
        ("metadata damage report forged", src(decode_problems={"holes": "everywhere"}), ["decode_problems"]),
        ("schema version text", lambda b: {"schema_version": np.asarray("one")}, ["schema version"]),
        ("schema version NaN", lambda b: {"schema_version": np.asarray(np.nan)}, ["schema version"]),
        ("schema version 2", lambda b: {"schema_version": np.asarray(2)}, ["version 2"]),
        ("fps text", lambda b: {"fps": np.asarray("30")}, ["fps"]),
        ("fps array", lambda b: {"fps": np.asarray([30.0, 25.0])}, ["fps"]),
        ("fps NaN", lambda b: {"fps": np.asarray(np.nan)}, ["fps"]),
        ("fps negative", lambda b: {"fps": np.asarray(-30.0)}, ["fps"]),
        ("frame size scalar", lambda b: {"frame_size": np.asarray(640)}, ["frame_size"]),
        ("frame size three numbers", lambda b: {"frame_size": np.asarray([640, 480, 3])}, ["frame_size"]),
        ("frame size negative", lambda b: {"frame_size": np.asarray([-320, 240])}, ["frame_size"]),
        ("landmarks wrong shape", lambda b: {"image_xy": np.zeros((5, 17, 2))}, ["image_xy"]),
        ("landmarks as text", lambda b: {"world_xyz": np.full((3, 33, 3), "x")}, ["world_xyz"]),
        ("times going back", lambda b: {"times_s": _times(b)[::-1].copy()}, ["times_s", "increasing"]),
        ("NaN times", lambda b: {"times_s": _with_nan(_times(b))}, ["times_s", "NaN"]),
        ("missing arrays", lambda b: {"visibility": None, "fps": None}, ["visibility", "fps"]),
        ("pickled objects", lambda b: {"times_s": np.array([{"x": 1}], dtype=object)}, ["pickled"]),
    ]


def _times(base):
    with np.load(base) as z:
        return z["times_s"]


def _with_nan(t):
    t = t.copy()
    t[len(t) // 2] = np.nan
    return t


NPZ = _npz_cases()


def _make_npz(corpus: Path, tmp_path: Path, what: str, change) -> Path:
    base = corpus / "lifter.npz"
    if what == "pickled objects":
        path = tmp_path / "pickled.npz"
        np.savez(path, schema_version=np.int64(1), times_s=np.array([{"x": 1}], dtype=object))
        return path
    return H.npz_with(base, tmp_path / f"{what.replace(' ', '_')}.npz", **change(base))


@pytest.mark.parametrize("what,change,phrases", NPZ, ids=[c[0] for c in NPZ])
def test_bad_poses_file_fails_clearly(run, corpus, tmp_path, what, change, phrases):
    path = _make_npz(corpus, tmp_path, what, change)
    rc, out, err = run("analyze", path, "--out", tmp_path / "out")
    H.assert_clear_failure(rc, out, err, path.name, *phrases)


@pytest.mark.parametrize("what,change,phrases", NPZ, ids=[c[0] for c in NPZ])
def test_python_api_raises_only_formcheck_errors_for_bad_poses(corpus, tmp_path, what, change, phrases):
    import formcheck

    path = _make_npz(corpus, tmp_path, what, change)
    exc = H.python_api_error(lambda: formcheck.analyze(path))
    assert isinstance(exc, PoseDataError), repr(exc)


@pytest.mark.parametrize("content", [b"", b"just text", b"\x93NUMPY\x01\x00", b"PK\x03\x04 cut short"],
                         ids=["empty", "text", "npy header", "cut zip"])
def test_files_that_are_not_poses_files(run, tmp_path, content):
    path = tmp_path / "poses in.npz"
    path.write_bytes(content)
    H.assert_clear_failure(*run("analyze", path, "--out", tmp_path / "out"), "poses in.npz",
                           "not a formcheck poses file")


# -- the Python API ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs,error", [
    ({"start_s": math.nan}, OptionError),
    ({"end_s": math.inf}, OptionError),
    ({"start_s": "soon"}, OptionError),
    ({"exercise": "squat"}, OptionError),
    ({"model": "bogus"}, OptionError),
], ids=["start nan", "end inf", "start text", "exercise", "model"])
def test_python_api_bad_options_on_a_video(corpus, kwargs, error):
    import formcheck

    exc = H.python_api_error(lambda: formcheck.analyze(corpus / "nobody.mp4", **kwargs))
    assert isinstance(exc, error), repr(exc)


@pytest.mark.parametrize("call", [
    pytest.param(lambda c: __import__("formcheck").analyze(12345), id="path a number"),
    pytest.param(lambda c: __import__("formcheck").analyze(c / "lifter.npz", start_s="soon"), id="npz start text"),
    pytest.param(lambda c: __import__("formcheck").analyze(c / "lifter.npz", tempo="nan-0-1-1"), id="tempo nan"),
    pytest.param(lambda c: __import__("formcheck").analyze(c / "missing.mp4"), id="missing file"),
    pytest.param(lambda c: __import__("formcheck").analyze(c / "folder.mp4"), id="folder"),
])
def test_python_api_bad_arguments(corpus, call):
    exc = H.python_api_error(lambda: call(corpus))
    assert isinstance(exc, FormcheckError), repr(exc)


# -- the output folder -------------------------------------------------------------------------------------------

def test_symlinks_planted_in_out_are_replaced_never_written_through(run, corpus, tmp_path):
    outside = tmp_path / "outside"
    (outside / "frames").mkdir(parents=True)
    (outside / "victim.json").write_text("precious")
    (outside / "frames" / "rep01_top.png").write_bytes(b"precious png")
    out = tmp_path / "out"
    out.mkdir()
    (out / "results.json").symlink_to(outside / "victim.json")
    (out / "report.html").symlink_to(outside / "created_through_a_dangling_link.html")
    (out / "reps.csv").symlink_to(outside)  # a link to a folder
    (out / "keyframes").symlink_to(outside / "frames", target_is_directory=True)
    before = H.snapshot(outside)

    H.assert_success(*run("analyze", corpus / "lifter.npz", "--out", out))

    assert H.snapshot(outside) == before
    for name in ("results.json", "report.html", "reps.csv", "poses.npz"):
        assert (out / name).is_file() and not (out / name).is_symlink(), name
    assert json.loads((out / "results.json").read_text())["rep_count"] >= 1
    assert not (out / "keyframes").is_symlink()
    assert not [p for p in out.iterdir() if p.name.startswith(".formcheck-tmp")]  # no staging left behind


@pytest.mark.parametrize("input_name", ["annotated.mp4", "poses.npz"])
def test_input_inside_out_is_never_overwritten(run, corpus, input_name):
    folder = corpus / "in out"
    H.assert_clear_failure(*run("analyze", folder / input_name, "--no-video", "--out", folder), input_name,
                           "would be overwritten", "another --out")


def test_out_is_a_file(run, corpus, tmp_path):
    blocker = tmp_path / "out"
    blocker.write_text("a file, not a folder")
    H.assert_clear_failure(*run("analyze", corpus / "lifter.npz", "--out", blocker), "writable folder")


def test_a_folder_where_an_output_file_goes(run, corpus, tmp_path):
    (tmp_path / "out" / "results.json").mkdir(parents=True)
    H.assert_clear_failure(*run("analyze", corpus / "lifter.npz", "--out", tmp_path / "out"), "results.json",
                           "is a folder")


def test_a_run_that_fails_while_writing_leaves_the_previous_results_whole(run, corpus, tmp_path, monkeypatch):
    out = tmp_path / "out"
    H.assert_success(*run("analyze", corpus / "lifter.npz", "--out", out))
    before = H.snapshot(out)
    from formcheck.render import report

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(report, "write_report", disk_full)
    rc, stdout, err = H.run_inprocess("analyze", corpus / "lifter.npz", "--exercise", "shrug", "--out", out)
    H.assert_clear_failure(rc, stdout, err, "writing to", "No space left on device")
    assert H.snapshot(out) == before  # not one file of the failed run, and no staging folder left


def test_video_writer_drops_an_unfinished_file(tmp_path):
    from formcheck.encode import VideoWriter

    target = tmp_path / "annotated.mp4"
    target.symlink_to(tmp_path / "elsewhere.mp4")
    with pytest.raises(RuntimeError):
        with VideoWriter(target, 64, 48, 30) as w:
            for _ in range(5):
                w.write(np.zeros((48, 64, 3), np.uint8))
            raise RuntimeError("interrupted")
    assert target.is_symlink() and not (tmp_path / "elsewhere.mp4").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["annotated.mp4"]  # no temporary file left
    with VideoWriter(target, 64, 48, 30) as w:
        for _ in range(5):
            w.write(np.zeros((48, 64, 3), np.uint8))
    assert target.is_file() and not target.is_symlink() and not (tmp_path / "elsewhere.mp4").exists()


def test_poses_file_written_over_a_symlink_replaces_the_link(tmp_path):
    from formcheck.series import PoseSeries

    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    link = tmp_path / "poses.npz"
    link.symlink_to(victim)
    PoseSeries.empty((64, 48), 30.0).save(link)
    assert victim.read_text() == "precious" and not link.is_symlink()
    assert len(PoseSeries.load(link)) == 0


def test_odd_paths_for_poses_and_out(run, corpus, tmp_path):
    odd = tmp_path / "my sets ü $(whoami) ;&|" / "day 1 'rows' `id`.npz"
    odd.parent.mkdir()
    shutil.copy(corpus / "lifter.npz", odd)
    out = tmp_path / "out" / "résultats ; rm -rf ~"
    rc, stdout, err = run("analyze", odd, "--out", out)
    H.assert_success(rc, stdout, err)
    assert (out / "results.json").is_file() and (out / "report.html").is_file()
    assert not (tmp_path / "out" / "résultats ").exists()  # no shell ever split the name


# -- valid but awkward videos (the pose model runs: slow) --------------------------------------------------------

def _variant(name: str, folder: Path) -> Path:
    """Make one awkward version of the lifter clip in folder."""
    clip, _ = H.lifter()
    frames, fps = H.frames_of(clip)
    n = len(frames)
    if name == "rotated.mp4":  # a phone's portrait clip: stored sideways, displayed upright
        return H.encode(folder / name, [np.rot90(f, k=1) for f in frames], fps, rotation_ccw=-90)
    if name == "vfr.mp4":
        rng = np.random.default_rng(5)
        pts = np.cumsum(np.r_[0, rng.integers(50, 84, n - 1)]).tolist()
        return H.encode(folder / name, frames, fps, pts_ms=pts)
    if name == "1fps.mp4":  # the clip twice over, one frame a second
        twice = frames + frames
        return H.encode(folder / name, twice[::15], 1.0)
    if name == "240fps.mp4":  # the first two seconds, each frame 16 times at 240 fps
        return H.encode(folder / name, [f for f in frames[:30] for _ in range(16)], 240.0)
    if name in ("clip.mkv", "clip.mov"):
        return H.encode(folder / name, frames, fps)
    if name == "clip.webm":
        return H.encode(folder / name, frames, fps, codec="libvpx-vp9")
    if name == "clip.avi":
        return H.encode(folder / name, frames, fps, codec="mpeg4")
    if name == "clip.gif":
        return H.encode(folder / name, frames, fps, codec="gif", pix_fmt="rgb8")
    if name == "10bit.mp4":
        return H.encode(folder / name, frames, fps, pix_fmt="yuv420p10le")
    if name == "tiny.mp4":
        return H.encode(folder / name, [H.resize(f, 32, 24) for f in frames], fps)
    if name == "huge.mp4":  # 4096x4096: the clip scaled up and padded, a dozen frames
        big = []
        for f in frames[40:52]:
            canvas = np.zeros((4096, 4096, 3), np.uint8)
            canvas[512:512 + 3072] = H.resize(f, 4096, 3072)
            big.append(canvas)
        return H.encode(folder / name, big, fps, options={"preset": "ultrafast"})
    if name == "half_out_of_frame.mp4":  # the camera cropped the lifter below the chest
        return H.encode(folder / name, [f[: f.shape[0] // 2].copy() for f in frames], fps)
    if name == "cut_in_half.mp4":
        full = H.encode(folder / "faststart_full.mp4", frames, fps, options={"movflags": "+faststart"})
        return H.cut(full, folder / name, 0.5)
    if name == "damaged_middle.mp4":
        full = H.encode(folder / "faststart_full.mp4", frames, fps, options={"movflags": "+faststart"})
        return H.zero_stretch(full, folder / name, 0.5, 3000)
    raise ValueError(name)


AWKWARD = [
    # (file, check(result dict, truth) -> None)
    # Stored sideways (240x320) with a display rotation: analysed upright, at the displayed size.
    ("rotated.mp4", lambda d, t: (d["video"]["width"], d["video"]["height"]) == (320, 240)
     and d["rep_count"] == len(t["reps"])),
    ("vfr.mp4", lambda d, t: d["rep_count"] == len(t["reps"])),
    ("1fps.mp4", lambda d, t: d["video"]["fps"] == 1.0 and d["rep_count"] <= 2 * len(t["reps"])),
    ("240fps.mp4", lambda d, t: abs(d["video"]["fps"] - 240) < 1 and d["video"]["analysed_to_s"] < 2.1),
    ("clip.mkv", lambda d, t: d["rep_count"] == len(t["reps"])),
    ("clip.mov", lambda d, t: d["rep_count"] == len(t["reps"])),
    ("clip.webm", lambda d, t: d["rep_count"] == len(t["reps"])),
    ("clip.avi", lambda d, t: d["rep_count"] == len(t["reps"])),
    ("clip.gif", lambda d, t: d["rep_count"] == len(t["reps"])),
    ("10bit.mp4", lambda d, t: d["rep_count"] == len(t["reps"])),
    ("huge.mp4", lambda d, t: d["video"]["width"] == 4096 and d["video"]["frames"] == 12),
    ("half_out_of_frame.mp4", lambda d, t: d["video"]["height"] == 120
     and abs(d["rep_count"] - len(t["reps"])) <= 1),
    ("tiny.mp4", lambda d, t: d["video"]["width"] == 32 and d["rep_count"] <= len(t["reps"]) + 1),
    ("cut_in_half.mp4", lambda d, t: (any("to the end" in w and "cut off" in w for w in d["warnings"])
                                      and d["video"]["duration_s"] < 0.6 * t["duration_s"])),
    ("damaged_middle.mp4", lambda d, t: any("could not be decoded" in w for w in d["warnings"])),
]


@pytest.fixture(scope="module")
def awkward(tmp_path_factory):
    return tmp_path_factory.mktemp("awkward")


@pytest.mark.slow
@pytest.mark.parametrize("name,check", AWKWARD, ids=[c[0] for c in AWKWARD])
def test_awkward_but_valid_video_succeeds(awkward, tmp_path, name, check):
    path = awkward / name if (awkward / name).exists() else _variant(name, awkward)
    _, truth = H.lifter()
    out = tmp_path / "out"
    rc, stdout, err = H.run_inprocess("analyze", path, "--model", "lite", "--no-video", "--out", out, "--json",
                                      timeout=600)
    H.assert_success(rc, stdout, err)
    d = json.loads(stdout)
    assert check(d, truth), json.dumps({k: d[k] for k in ("rep_count", "video", "warnings")}, indent=1)
    assert (out / "report.html").is_file()


@pytest.mark.slow
def test_full_run_with_odd_path_and_planted_links_in_out(tmp_path):
    """The whole output (annotated video and key frames too) through odd names and links planted in --out."""
    clip, truth = H.lifter()
    odd = tmp_path / "Ünïcode dir $HOME" / "my set; (1) `x` & y.mp4"
    odd.parent.mkdir()
    shutil.copy(clip, odd)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.mp4").write_bytes(b"precious video")
    (outside / "top.png").write_bytes(b"precious png")
    out = tmp_path / "out dir ü"
    (out / "keyframes").mkdir(parents=True)
    (out / "annotated.mp4").symlink_to(outside / "victim.mp4")
    (out / "keyframes" / "rep01_top.png").symlink_to(outside / "top.png")
    before = H.snapshot(outside)

    rc, stdout, err = H.run_inprocess("analyze", odd, "--model", "lite", "--out", out, timeout=600)

    H.assert_success(rc, stdout, err)
    assert H.snapshot(outside) == before
    assert (out / "annotated.mp4").is_file() and not (out / "annotated.mp4").is_symlink()
    assert (out / "annotated.mp4").stat().st_size > 10_000
    top = out / "keyframes" / "rep01_top.png"
    assert top.is_file() and not top.is_symlink() and top.read_bytes()[:4] == b"\x89PNG"
    assert json.loads((out / "results.json").read_text())["rep_count"] == len(truth["reps"])


# -- the same through a real process (what a user runs) ---------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("case", ["start nan", "corrupt metadata", "empty video", "input in out"])
def test_real_process(corpus, tmp_path, case):
    from conftest import run_cli

    out = tmp_path / "out"
    if case == "start nan":
        args, phrases = [corpus / "nobody.mp4", "--start", "nan", "--out", out], ["--start"]
    elif case == "corrupt metadata":
        bad = H.npz_with(corpus / "lifter.npz", tmp_path / "bad.npz", source_json=np.asarray("{oops"))
        args, phrases = [bad, "--out", out], ["bad.npz", "metadata"]
    elif case == "empty video":
        args, phrases = [corpus / "empty.mp4", "--out", out], ["empty"]
    else:
        args, phrases = [corpus / "in out" / "poses.npz", "--out", corpus / "in out"], ["would be overwritten"]
    before = H.snapshot(corpus)
    rc, stdout, err = run_cli("analyze", *args, timeout=120)
    H.assert_clear_failure(rc, stdout, err, *phrases)
    assert H.snapshot(corpus) == before

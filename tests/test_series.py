"""PoseSeries: shape checks with clear messages, strictly increasing time, npz schema v1 round trip."""

from __future__ import annotations

import json

import numpy as np
import pytest

from formcheck.errors import FormcheckError, PoseDataError
from formcheck.series import LANDMARK, LANDMARK_NAMES, N_LANDMARKS, SCHEMA_VERSION, PoseSeries


def make_series(t: int = 5, *, missing=(1, 3), source=None, **overrides) -> PoseSeries:
    rng = np.random.default_rng(t)
    xy = rng.uniform(0, 640, (t, N_LANDMARKS, 2)).astype(np.float32)
    world = rng.normal(0, 0.5, (t, N_LANDMARKS, 3)).astype(np.float32)
    vis = rng.uniform(0, 1, (t, N_LANDMARKS)).astype(np.float32)
    for i in missing:
        if i < t:
            xy[i], world[i], vis[i] = np.nan, np.nan, np.nan
    kwargs = dict(times_s=np.arange(t) * 1001 / 30000 + 0.5, frame_index=np.arange(t) + 15, image_xy=xy,
                  world_xyz=world, visibility=vis, frame_size=(640, 480), fps=30000 / 1001,
                  source=source if source is not None else {})
    kwargs.update(overrides)
    return PoseSeries(**kwargs)


def test_landmark_names_are_blazepose_order():
    assert N_LANDMARKS == len(LANDMARK_NAMES) == 33
    assert len(set(LANDMARK_NAMES)) == 33
    assert LANDMARK["nose"] == 0
    assert (LANDMARK["left_shoulder"], LANDMARK["right_shoulder"]) == (11, 12)
    assert (LANDMARK["left_hip"], LANDMARK["right_hip"]) == (23, 24)
    assert LANDMARK["right_foot_index"] == 32


def test_construction_normalises_dtypes_and_views():
    s = make_series(times_s=[0.0, 0.1, 0.2, 0.3, 0.4], frame_index=np.arange(5, dtype=np.int32),
                    image_xy=np.zeros((5, 33, 2), np.float64), frame_size=(640.0, 480.0), fps=30)
    assert s.times_s.dtype == np.float64
    assert s.frame_index.dtype == np.int64
    assert s.image_xy.dtype == s.world_xyz.dtype == s.visibility.dtype == np.float32
    assert s.frame_size == (640, 480) and isinstance(s.frame_size[0], int)
    assert isinstance(s.fps, float)
    assert len(s) == 5
    assert s.xy("left_wrist").shape == (5, 2)
    assert s.world("nose").shape == (5, 3)
    assert s.vis("right_hip").shape == (5,)


def test_detected_and_detection_rate_follow_nan_rows():
    s = make_series(5, missing=(1, 3))
    assert s.detected.tolist() == [True, False, True, False, True]
    assert s.detection_rate == pytest.approx(0.6)
    assert PoseSeries.empty((640, 480), 30.0).detection_rate == 0.0


@pytest.mark.parametrize("field,value,want,got", [
    ("image_xy", np.zeros((5, 17, 2)), "(5, 33, 2)", "(5, 17, 2)"),
    ("image_xy", np.zeros((5, 33, 3)), "(5, 33, 2)", "(5, 33, 3)"),
    ("image_xy", np.zeros((4, 33, 2)), "(5, 33, 2)", "(4, 33, 2)"),
    ("world_xyz", np.zeros((5, 33, 2)), "(5, 33, 3)", "(5, 33, 2)"),
    ("world_xyz", np.zeros((5, 33)), "(5, 33, 3)", "(5, 33)"),
    ("visibility", np.zeros((5, 33, 1)), "(5, 33)", "(5, 33, 1)"),
    ("frame_index", np.arange(4), "(5)", "(4,)"),
    ("times_s", np.zeros((5, 1)), "(T)", "(5, 1)"),
])
def test_shape_errors_name_expected_and_received(field, value, want, got):
    with pytest.raises(PoseDataError) as err:
        make_series(5, **{field: value})
    msg = str(err.value)
    assert field in msg
    assert want in msg
    assert got in msg


def test_wrong_dtypes_are_refused():
    with pytest.raises(PoseDataError, match="frame_index.*integer"):
        make_series(3, frame_index=np.arange(3, dtype=np.float64))
    with pytest.raises(PoseDataError, match="image_xy"):
        make_series(3, image_xy=np.full((3, 33, 2), "x"))


@pytest.mark.parametrize("times", [[0.0, 0.1, 0.1], [0.0, 0.2, 0.1], [0.3, 0.2, 0.1], [0.0, np.nan, 0.2]])
def test_times_must_strictly_increase(times):
    with pytest.raises(PoseDataError, match="strictly increasing"):
        make_series(3, times_s=times)


def test_single_frame_and_empty_series_are_valid():
    assert len(make_series(1)) == 1
    assert len(PoseSeries.empty((64, 48), 25.0, {"path": "x.mp4"})) == 0


@pytest.mark.parametrize("overrides,word", [
    ({"frame_size": (0, 480)}, "frame_size"),
    ({"frame_size": (640,)}, "frame_size"),
    ({"fps": 0}, "fps"),
    ({"fps": -30.0}, "fps"),
    ({"fps": float("nan")}, "fps"),
])
def test_frame_size_and_fps_are_checked(overrides, word):
    with pytest.raises(PoseDataError, match=word):
        make_series(3, **overrides)


def test_pose_data_error_is_a_formcheck_error():
    assert issubclass(PoseDataError, FormcheckError)


# -- persistence -----------------------------------------------------------

def test_npz_round_trip_preserves_everything(tmp_path):
    source = {"path": "clip.mp4", "model": "full", "start_s": 0.5, "end_s": None,
              "video": {"width": 640, "height": 480, "fps": 29.97, "rotation_deg": 90}, "note": "ünïcode"}
    s = make_series(6, missing=(0, 4), source=source)

    written = s.save(tmp_path / "sub" / "poses.npz")
    back = PoseSeries.load(written)

    assert written == tmp_path / "sub" / "poses.npz"
    np.testing.assert_array_equal(back.times_s, s.times_s)  # float64 kept exactly
    np.testing.assert_array_equal(back.frame_index, s.frame_index)
    # assert_array_equal treats NaN == NaN, so missing rows must stay missing (never 0) and the rest exact.
    np.testing.assert_array_equal(back.image_xy, s.image_xy)
    np.testing.assert_array_equal(back.world_xyz, s.world_xyz)
    np.testing.assert_array_equal(back.visibility, s.visibility)
    assert np.isnan(back.image_xy[[0, 4]]).all() and np.isnan(back.world_xyz[[0, 4]]).all()
    assert np.isnan(back.visibility[[0, 4]]).all()
    assert not np.isnan(back.image_xy[[1, 2, 3, 5]]).any()
    assert back.detected.tolist() == s.detected.tolist()
    assert back.times_s.dtype == np.float64 and back.frame_index.dtype == np.int64
    assert back.image_xy.dtype == np.float32
    assert back.frame_size == (640, 480)
    assert back.fps == s.fps == 30000 / 1001
    assert back.source == source


def test_save_adds_npz_suffix_and_empty_round_trips(tmp_path):
    s = PoseSeries.empty((64, 48), 25.0, {"path": "x.mp4"})
    written = s.save(tmp_path / "poses.data")
    assert written.name == "poses.npz" and written.exists()
    back = PoseSeries.load(written)
    assert len(back) == 0 and back.frame_size == (64, 48) and back.fps == 25.0
    assert back.source == {"path": "x.mp4"}


def test_saved_file_is_plain_npz_schema_v1(tmp_path):
    path = make_series(3).save(tmp_path / "p.npz")
    with np.load(path, allow_pickle=False) as z:  # readable without pickle, by anyone with numpy
        assert int(z["schema_version"]) == SCHEMA_VERSION == 1
        assert tuple(z["landmark_names"]) == LANDMARK_NAMES
        assert z["image_xy"].shape == (3, 33, 2)
        assert json.loads(str(z["source_json"])) == {}


def _resave(path, out, **changes):
    with np.load(path, allow_pickle=False) as z:
        data = {k: z[k] for k in z.files}
    for k, v in changes.items():
        if v is None:
            data.pop(k)
        else:
            data[k] = v
    np.savez(out, **data)
    return out


@pytest.mark.parametrize("version", [2, 0])
def test_wrong_schema_version_says_how_to_recreate(tmp_path, version):
    good = make_series(3).save(tmp_path / "good.npz")
    bad = _resave(good, tmp_path / "old.npz", schema_version=np.int64(version))
    with pytest.raises(PoseDataError) as err:
        PoseSeries.load(bad)
    msg = str(err.value)
    assert "old.npz" in msg
    assert f"version {version}" in msg
    assert "formcheck pose VIDEO -o" in msg


def test_missing_schema_version_is_refused(tmp_path):
    good = make_series(3).save(tmp_path / "good.npz")
    bad = _resave(good, tmp_path / "nover.npz", schema_version=None)
    with pytest.raises(PoseDataError, match="formcheck pose"):
        PoseSeries.load(bad)


def test_missing_arrays_are_named(tmp_path):
    good = make_series(3).save(tmp_path / "good.npz")
    bad = _resave(good, tmp_path / "partial.npz", world_xyz=None, fps=None)
    with pytest.raises(PoseDataError) as err:
        PoseSeries.load(bad)
    assert "world_xyz" in str(err.value) and "fps" in str(err.value)
    assert "formcheck pose" in str(err.value)


def test_inconsistent_arrays_in_file_are_refused(tmp_path):
    good = make_series(3).save(tmp_path / "good.npz")
    bad = _resave(good, tmp_path / "shapes.npz", visibility=np.zeros((3, 17), np.float32))
    with pytest.raises(PoseDataError, match=r"\(3, 33\)"):
        PoseSeries.load(bad)


@pytest.mark.parametrize("content", [b"", b"this is not an npz file\n" * 10, b"PK\x03\x04garbage", b"\x93NUMPY"])
def test_non_npz_file_says_how_to_recreate(tmp_path, content):
    path = tmp_path / "poses.npz"
    path.write_bytes(content)
    with pytest.raises(PoseDataError) as err:
        PoseSeries.load(path)
    msg = str(err.value)
    assert "poses.npz" in msg
    assert "not a formcheck poses file" in msg
    assert "formcheck pose VIDEO -o poses.npz" in msg


def test_pickled_npz_is_refused_not_unpickled(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, schema_version=np.int64(1), times_s=np.array([{"a": 1}], dtype=object))
    with pytest.raises(PoseDataError, match="not a formcheck poses file"):
        PoseSeries.load(path)


def test_missing_file(tmp_path):
    with pytest.raises(PoseDataError, match="No file"):
        PoseSeries.load(tmp_path / "nope.npz")

"""The model registry: names, checksums, corrupt / missing / unknown models, and the shipped bundles."""

from __future__ import annotations

import hashlib
import shutil
import zipfile
from pathlib import Path

import pytest

from conftest import REPO, run_cli
from formcheck.errors import FormcheckError, ModelError
from formcheck.pose import DEFAULT_MODEL, MODELS, models_dir, resolve_model

SHARED_MODELS = REPO.parent / "shared" / "models"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def lite_copy(tmp_path, monkeypatch) -> Path:
    """A models folder (FORMCHECK_MODELS_DIR) holding a fresh, writable copy of the lite bundle only."""
    folder = tmp_path / "models"
    folder.mkdir()
    dst = folder / MODELS["lite"].filename
    shutil.copyfile(REPO / "models" / MODELS["lite"].filename, dst)
    monkeypatch.setenv("FORMCHECK_MODELS_DIR", str(folder))
    return dst


def test_registry_names_and_default():
    assert set(MODELS) == {"lite", "full", "heavy"}
    assert DEFAULT_MODEL == "full"
    assert MODELS["full"].ms_per_frame < MODELS["heavy"].ms_per_frame
    assert MODELS["lite"].ms_per_frame < MODELS["full"].ms_per_frame


def test_models_dir_defaults_to_repo_and_honours_env(monkeypatch, tmp_path):
    monkeypatch.delenv("FORMCHECK_MODELS_DIR", raising=False)
    assert models_dir().resolve() == (REPO / "models").resolve()
    monkeypatch.setenv("FORMCHECK_MODELS_DIR", str(tmp_path))
    assert models_dir() == tmp_path


@pytest.mark.parametrize("name", ["lite", "full", "heavy"])
def test_resolve_model_by_name(name, monkeypatch):
    monkeypatch.delenv("FORMCHECK_MODELS_DIR", raising=False)
    path = resolve_model(name)
    assert path == models_dir() / MODELS[name].filename
    assert path.is_file()
    assert sha256(path) == MODELS[name].sha256
    assert zipfile.is_zipfile(path)
    with zipfile.ZipFile(path) as z:
        assert {"pose_detector.tflite", "pose_landmarks_detector.tflite"} <= set(z.namelist())


def test_resolve_model_default_is_full(monkeypatch):
    monkeypatch.delenv("FORMCHECK_MODELS_DIR", raising=False)
    assert resolve_model() == resolve_model("full")


def test_models_dir_copy_is_used(lite_copy):
    assert resolve_model("lite") == lite_copy


@pytest.mark.parametrize("damage", ["flip_byte", "truncate", "append"])
def test_corrupt_model_is_reported_with_how_to_restore(lite_copy, damage):
    data = bytearray(lite_copy.read_bytes())
    if damage == "flip_byte":
        data[len(data) // 2] ^= 0xFF  # same size, zip still opens
    elif damage == "truncate":
        data = data[: len(data) // 3]
    else:
        data += b"\0" * 10
    lite_copy.write_bytes(bytes(data))

    with pytest.raises(ModelError) as err:
        resolve_model("lite")
    msg = str(err.value)
    assert "corrupt" in msg
    assert "'lite'" in msg
    assert str(lite_copy) in msg
    assert "git checkout -- models/pose_landmarker_lite.task" in msg


def test_corruption_after_a_successful_check_is_still_caught(lite_copy):
    assert resolve_model("lite") == lite_copy  # verified (and cached)
    data = bytearray(lite_copy.read_bytes())
    data[1000] ^= 0x01
    lite_copy.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="corrupt"):
        resolve_model("lite")


def test_missing_model_file_is_reported(tmp_path, monkeypatch):
    monkeypatch.setenv("FORMCHECK_MODELS_DIR", str(tmp_path))
    with pytest.raises(ModelError) as err:
        resolve_model("full")
    msg = str(err.value)
    assert "'full' pose model is missing" in msg
    assert str(tmp_path / "pose_landmarker_full.task") in msg
    assert "git checkout -- models/pose_landmarker_full.task" in msg
    assert "FORMCHECK_MODELS_DIR" in msg


@pytest.mark.parametrize("name", ["bogus", "Full", "lite ", "pose_landmarker_full"])
def test_unknown_model_name(name):
    with pytest.raises(ModelError) as err:
        resolve_model(name)
    msg = str(err.value)
    assert "Unknown model" in msg
    assert "lite, full, heavy" in msg


@pytest.mark.parametrize("name", ["", "none"])
def test_no_model_given(name):
    with pytest.raises(ModelError, match="No model given.*lite, full, heavy"):
        resolve_model(name)


def test_missing_task_path(tmp_path):
    with pytest.raises(ModelError, match="No model file at .*lite, full, heavy"):
        resolve_model(tmp_path / "nope.task")


@pytest.mark.parametrize("content", [b"this is not a model\n", b"", b"PK\x03\x04broken zip"])
def test_non_zip_task_path_is_refused(tmp_path, content):
    path = tmp_path / "model.task"
    path.write_bytes(content)
    with pytest.raises(ModelError) as err:
        resolve_model(path)
    msg = str(err.value)
    assert "model.task" in msg
    assert "not a MediaPipe pose landmarker bundle" in msg
    assert "lite, full, heavy" in msg


def test_truncated_copy_given_as_path_is_refused(tmp_path):
    src = REPO / "models" / MODELS["lite"].filename
    path = tmp_path / "half.task"
    path.write_bytes(src.read_bytes()[: src.stat().st_size // 2])
    with pytest.raises(ModelError, match="not a MediaPipe pose landmarker bundle"):
        resolve_model(str(path))


def test_valid_bundle_by_path_is_accepted(tmp_path):
    path = tmp_path / "mine.task"
    shutil.copyfile(REPO / "models" / MODELS["lite"].filename, path)
    assert resolve_model(str(path)) == path
    assert resolve_model(path) == path


def test_model_error_is_a_formcheck_error():
    assert issubclass(ModelError, FormcheckError)


def test_models_readme_lists_the_registry_checksums():
    readme = (REPO / "models" / "README.md").read_text()
    for spec in MODELS.values():
        assert spec.filename in readme
        assert spec.sha256 in readme


@pytest.mark.skipif(not SHARED_MODELS.is_dir(), reason="../shared/models not present beside the repo")
@pytest.mark.parametrize("name", ["lite", "full", "heavy"])
def test_shipped_bundles_match_shared_models(name):
    filename = MODELS[name].filename
    shipped = REPO / "models" / filename
    shared = SHARED_MODELS / filename
    assert shared.is_file(), f"{shared} is missing"
    assert shipped.stat().st_size == shared.stat().st_size
    assert sha256(shipped) == sha256(shared) == MODELS[name].sha256


# -- `formcheck models` --------------------------------------------------------

def test_cli_models_lists_all_ok():
    rc, out, err = run_cli("models", env={"FORMCHECK_MODELS_DIR": str(REPO / "models")})
    assert rc == 0, err
    for name in MODELS:
        assert any(line.startswith(name) and " ok " in line for line in out.splitlines()), out
    assert str(REPO / "models") in out
    assert "Traceback" not in err


def test_cli_models_reports_a_corrupt_and_missing_model(lite_copy):
    lite_copy.write_bytes(lite_copy.read_bytes()[:-100])
    rc, out, err = run_cli("models", env={"FORMCHECK_MODELS_DIR": str(lite_copy.parent)})
    assert rc == 2
    lines = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert "PROBLEM" in lines["lite"] and "corrupt" in lines["lite"]
    assert "PROBLEM" in lines["full"] and "missing" in lines["full"]
    assert "Traceback" not in out + err

"""No network at run time: a real analysis (pose model, report, key frames) makes no request of any kind.

MediaPipe's Tasks runtime posts usage statistics to play.googleapis.com from C++ (its own libcurl) whenever a
landmarker is created or closed; formcheck.privacy switches that off. Three independent proofs:

- the Python socket layer refuses and records every lookup and connection (catches Python code: Streamlit,
  Altair, our own);
- ``strace -f`` records every connect/send on an internet socket from any thread or library, C included
  (catches the C++ logger, which Python's socket module never sees);
- a network namespace without any interface (``unshare -n``): the analysis still works with no network at all.

Also: a first run writes nothing outside --out but the documented cache folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from _synth import REPO, synthetic_clip

SITECUSTOMIZE = '''
"""Test harness: the socket layer refuses everything and records each attempt to $NO_NET_LOG."""
import os, socket

_log = os.environ["NO_NET_LOG"]

def _refuse(what):
    def refused(*args, **kwargs):
        with open(_log, "a") as f:
            f.write(f"{what} {args[1:] if what.startswith('socket.') else args}\\n")
        raise OSError(101, f"network refused by the test harness ({what})")
    return refused

for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr", "create_connection"):
    setattr(socket, name, _refuse(name))
for name in ("connect", "connect_ex", "sendto"):
    setattr(socket.socket, name, _refuse("socket." + name))
'''


def _clean_env(tmp_path: Path, **extra) -> dict:
    """A child environment with a fresh HOME and no cache settings, so first-run writes show up."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "MPLCONFIGDIR", "FORMCHECK_CACHE_DIR")}
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env.update(HOME=str(home), PYTHONDONTWRITEBYTECODE="1", **extra)
    return env


def _analyze_cmd(clip: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "formcheck", "analyze", str(clip), "--model", "lite", "--no-video",
            "--out", str(out), "--json"]


def _check_result(proc, truth: dict, out: Path) -> None:
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    result = json.loads(proc.stdout)
    assert result["rep_count"] == len(truth["reps"])
    assert {"results.json", "report.html", "reps.csv", "poses.npz"} <= {p.name for p in out.iterdir()}


@pytest.fixture(scope="module")
def clip():
    return synthetic_clip("row_side_clean", reps=2)


@pytest.mark.slow
def test_analysis_with_the_socket_layer_refusing_everything(tmp_path, clip):
    path, truth = clip
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    attempts = tmp_path / "attempts.log"
    attempts.touch()
    out = tmp_path / "out"
    env = _clean_env(tmp_path, NO_NET_LOG=str(attempts),
                     PYTHONPATH=os.pathsep.join([str(site), str(REPO), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run(_analyze_cmd(path, out), capture_output=True, text=True, env=env, timeout=300)

    _check_result(proc, truth, out)
    assert attempts.read_text() == "", f"network attempts from Python:\n{attempts.read_text()}"
    # The harness was really active in the child (a refused lookup would have been recorded): check it works.
    probe = subprocess.run([sys.executable, "-c", "import socket; socket.getaddrinfo('example.org', 80)"],
                           capture_output=True, text=True, env=env, timeout=60)
    assert probe.returncode != 0 and "getaddrinfo" in attempts.read_text()


@pytest.mark.slow
def test_first_run_writes_only_to_out_and_the_cache_folder(tmp_path, clip):
    path, truth = clip
    out = tmp_path / "out"
    env = _clean_env(tmp_path)
    proc = subprocess.run(_analyze_cmd(path, out), capture_output=True, text=True, env=env, timeout=300)

    _check_result(proc, truth, out)
    home = tmp_path / "home"
    written = sorted(str(p.relative_to(home)) for p in home.rglob("*"))
    cache = Path(".cache") / "formcheck"
    assert all(w == ".cache" or Path(w) == cache or Path(w).is_relative_to(cache) for w in written), written
    assert (home / cache / "matplotlib").is_dir()  # matplotlib's font cache went there, not to ~/.cache/matplotlib
    assert oct((home / cache).stat().st_mode & 0o777) == oct(0o700)
    # FORMCHECK_CACHE_DIR moves it (loading the pose model is enough to show it).
    elsewhere = tmp_path / "cache-here"
    load = "from formcheck.pose import PoseEstimator; PoseEstimator('lite').close()"
    proc = subprocess.run([sys.executable, "-c", load], capture_output=True, text=True, timeout=300,
                          env={**env, "FORMCHECK_CACHE_DIR": str(elsewhere)})
    assert proc.returncode == 0, proc.stderr
    assert (elsewhere / "matplotlib").is_dir()


def test_usage_logging_endpoint_is_switched_off_in_the_loaded_library():
    pytest.importorskip("mediapipe")
    if not Path("/proc/self/maps").exists():
        pytest.skip("needs /proc/self/maps (Linux)")
    from formcheck import privacy

    assert privacy.block_mediapipe_usage_logging()
    mapped = [line.split() for line in Path("/proc/self/maps").read_text().splitlines()]
    lib = [f for f in mapped if len(f) >= 6 and os.path.basename(f[5]) == "libmediapipe.so"]
    assert lib, "libmediapipe.so is not loaded"
    # Nothing left to change: the endpoint is gone, its blocked form is there.
    assert privacy._rewrite_in_mapped_library("libmediapipe.so", privacy.USAGE_URL, privacy.BLOCKED_URL)
    import ctypes

    libc = ctypes.CDLL(None)
    libc.memmem.restype = ctypes.c_void_p
    libc.memmem.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t]
    for f in lib:
        if f[1].startswith("r"):
            lo, hi = (int(x, 16) for x in f[0].split("-"))
            assert not libc.memmem(lo, hi - lo, privacy.USAGE_URL, len(privacy.USAGE_URL))


# Internet sockets in strace -yy output: "3<TCP:[...]>", "5<UDPv6:[...]>", or an AF_INET address.
_INET = re.compile(r"<(?:TCP|UDP|TCPv6|UDPv6|RAW|RAWv6)[:>]|AF_INET6?\b")


def _ptrace_works() -> bool:
    if shutil.which("strace") is None:
        return False
    return subprocess.run(["strace", "-o", os.devnull, "true"], capture_output=True).returncode == 0


@pytest.mark.slow
@pytest.mark.skipif(not _ptrace_works(), reason="needs strace (apt-get install strace) and ptrace permission")
def test_no_connection_from_any_thread_or_library_under_strace(tmp_path, clip):
    path, truth = clip
    trace = tmp_path / "trace.txt"
    out = tmp_path / "out"
    cmd = ["strace", "-f", "-qq", "-yy", "-e", "trace=connect,sendto,sendmsg,sendmmsg", "-o", str(trace),
           *_analyze_cmd(path, out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=_clean_env(tmp_path), timeout=600)

    _check_result(proc, truth, out)
    calls = trace.read_text().splitlines()
    inet = [c for c in calls if _INET.search(c)]
    assert not inet, "network calls:\n" + "\n".join(inet[:20])
    assert "googleapis" not in trace.read_text()


def _netns_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0


@pytest.mark.slow
@pytest.mark.skipif(not _netns_works(), reason="needs unshare -n (root or user namespaces)")
def test_analysis_works_in_a_network_namespace_without_interfaces(tmp_path, clip):
    path, truth = clip
    out = tmp_path / "out"
    proc = subprocess.run(["unshare", "-n", *_analyze_cmd(path, out)], capture_output=True, text=True,
                          env=_clean_env(tmp_path), timeout=600)
    _check_result(proc, truth, out)

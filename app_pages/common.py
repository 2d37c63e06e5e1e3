"""What the coach and client pages share: the workspace (one per server), its worker process, the login."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

import streamlit as st

from formcheck.workspace import Workspace

log = logging.getLogger(__name__)

DEFAULT_DB = Path.home() / ".formcheck" / "workspace.db"
STATUS_WORDS = {"queued": "waiting for analysis", "running": "being analysed", "analysed": "analysed",
                "failed": "could not be analysed"}


def db_location() -> tuple[str, str | None]:
    return os.environ.get("FORMCHECK_DB") or str(DEFAULT_DB), os.environ.get("FORMCHECK_FILES") or None


@st.cache_resource(show_spinner=False)
def _workspace(db: str, files: str | None) -> Workspace:
    return Workspace(db, files)


def workspace() -> Workspace:
    """The server's workspace (opened and migrated once), with its worker running."""
    from formcheck.errors import FormcheckError

    db, files = db_location()
    try:
        ws = _workspace(db, files)
    except FormcheckError as exc:
        st.error(f"The coach workspace could not be opened: {exc}", icon=":material/database:")
        st.stop()
    if os.environ.get("FORMCHECK_COACH_WORKER", "1") != "0":
        _worker(db, str(ws.files)).ensure()
    return ws


class WorkerProcess:
    """The server's one worker: ``formcheck coach worker`` in a child process, restarted if it died.

    A process, not a thread: the pose model's work stays off the server's threads, and a crash of the
    analysis cannot take the app down. It exits by itself when the app's process is gone.
    """

    def __init__(self, db: str, files: str):
        self.db, self.files = db, files
        self.model = os.environ.get("FORMCHECK_COACH_MODEL", "full")
        self.proc: subprocess.Popen | None = None
        self.lock = threading.Lock()

    def ensure(self) -> None:
        with self.lock:
            if self.proc is not None and self.proc.poll() is None:
                return
            if self.proc is not None:
                log.warning("the workspace worker exited (code %s); starting it again", self.proc.returncode)
            logf = open(Path(self.files) / "worker.log", "ab")
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "formcheck", "coach", "--db", self.db, "--files", self.files, "worker",
                 "--model", self.model, "--parent-pid", str(os.getpid())],
                stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            logf.close()


@st.cache_resource(show_spinner=False)
def _worker(db: str, files: str) -> WorkerProcess:
    return WorkerProcess(db, files)


COOKIE = "formcheck_coach"
COOKIE_MAX_AGE_S = 14 * 86400


def coach_user() -> str | None:
    """The logged-in coach: from this browser session, or from the login cookie a reload brings back."""
    from formcheck.workspace import accounts

    ss = st.session_state
    if ss.get("coach_user") is None and not ss.get("cookie_checked"):
        ss["cookie_checked"] = True
        token = st.context.cookies.get(COOKIE)
        token = token if isinstance(token, str) else None  # (a test harness without a browser has no cookies)
        user = accounts.session_user(workspace(), token) if token else None
        if user:
            ss["coach_user"], ss["coach_token"] = user, token
    return ss.get("coach_user")


def log_in(username: str) -> None:
    from formcheck.workspace import accounts

    token = accounts.start_session(workspace(), username)
    st.session_state.update(coach_user=username, coach_token=token, cookie_action=("set", token))


def log_out() -> None:
    from formcheck.workspace import accounts

    accounts.end_session(workspace(), st.session_state.pop("coach_token", None))
    st.session_state.pop("coach_user", None)
    st.session_state["cookie_action"] = ("clear", "")


def apply_cookie() -> None:
    """Set or clear the login cookie in the browser (a script in a zero-height component, same origin)."""
    action = st.session_state.pop("cookie_action", None)
    if action is None:
        return
    import json

    import streamlit.components.v1 as components

    kind, token = action
    age = COOKIE_MAX_AGE_S if kind == "set" else 0
    components.html(f"""<script>
      const secure = window.parent.location.protocol === 'https:' ? '; Secure' : '';
      window.parent.document.cookie = {json.dumps(COOKIE)} + '=' + {json.dumps(token)} +
        '; path=/; max-age={age}; SameSite=Strict' + secure;
    </script>""", height=0)


def status_badge(status: str, progress: float | None = None) -> str:
    color = {"analysed": "green", "failed": "red", "running": "blue", "queued": "gray"}.get(status, "gray")
    words = STATUS_WORDS.get(status, status)
    if status == "running" and progress:
        words += f" {progress:.0%}"
    return f":{color}-badge[{words}]"


def set_label(s: dict, metrics: dict | None = None) -> str:  # noqa: D401
    """'2025-01-31 · bent-over row · #12' (the exercise found by the analysis when it was not given)."""
    from formcheck import EXERCISES

    ex = s.get("exercise") or "auto"
    if ex == "auto":
        ex = s.get("exercise_found") or (metrics or {}).get("exercise") or "auto"
    name = EXERCISES.get(ex, "set") if ex != "auto" else "set"
    return f"{s['recorded_on']} · {name} · #{s['id']}"

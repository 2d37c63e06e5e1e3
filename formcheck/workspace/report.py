"""The report a coach sends a client: the client's name, the date, the coach's notes, the findings the coach
confirmed (edited cues as edited; dismissed and unreviewed ones left out) and the annotated video.

Built on :func:`formcheck.render.report.build_report`. One self-contained HTML file with the video inside as a
data URI when it is small enough to mail, else a zip with the HTML and the MP4 beside it.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import re
import zipfile
from datetime import date
from pathlib import Path

from ..errors import OptionError
from . import findings as fx
from .analyse import reanalyse_saved
from .clients import get_client
from .db import Workspace
from .profile import analysis_options
from .review import decisions, notes
from .sets import get_set

EMBED_LIMIT_BYTES = 20 * 1024 * 1024  # a 20 MB video becomes ~27 MB of HTML: still opens on a phone
_REP_PREFIX = re.compile(r"^\s*Reps?\s+[\d\s,\u2013\-and]+:\s*", re.IGNORECASE)


def _reps_words(reps: list[int]) -> str:
    reps = sorted(set(reps))
    return ("Rep " if len(reps) == 1 else "Reps ") + ", ".join(map(str, reps))


def kept_findings(result: dict, decided: dict[str, dict]) -> list[tuple[fx.Finding, str]]:
    """(finding, cue to send) for each finding the coach confirmed or edited, in rep order."""
    out = []
    for f in fx.findings(result):
        d = decided.get(f.key)
        if d is None or d["decision"] == "dismissed":
            continue
        cue = d["cue"] if d["decision"] == "edited" and d.get("cue") else _REP_PREFIX.sub("", fx.default_cue(result, f.name))
        out.append((f, cue))
    return out


def report_cues(kept: list[tuple[fx.Finding, str]]) -> list[dict]:
    """One cue per fault and text, naming the reps it applies to."""
    groups: dict[tuple[str, str], list[int]] = {}
    for f, cue in kept:
        groups.setdefault((f.name, cue), []).append(f.rep)
    return [{"fault": name, "text": f"{_reps_words(reps)}: {cue}", "severity": "warning"}
            for (name, cue), reps in sorted(groups.items(), key=lambda kv: min(kv[1]))]


def _intro(client: dict, s: dict, set_notes: list[str], kept: int) -> str:
    e = html.escape
    details = [f"Recorded {e(s['recorded_on'])}"]
    if s.get("load_kg") is not None:
        details.append(f"{s['load_kg']:g} kg")
    if s.get("reps_planned"):
        details.append(f"{s['reps_planned']} reps planned")
    if s.get("rpe") is not None:
        details.append(f"RPE {s['rpe']:g}")
    body = "".join(f"<p>{e(t)}</p>" for t in set_notes) or "<p>No notes on this set.</p>"
    nothing = "" if kept else "<p><b>Nothing to correct on this set.</b></p>"
    return (f'<section class="coach"><h2>From your coach <small>{" &middot; ".join(details)}</small></h2>'
            f"{body}{nothing}</section>")


def build(ws: Workspace, set_id: int, video_src: str | None = None) -> str:
    """The client report of an analysed set as HTML (video_src: where the page finds the video)."""
    s = get_set(ws, set_id)
    if s["status"] != "analysed" or not s.get("outputs"):
        raise OptionError(f"Set {set_id} has no analysis yet (status: {s['status']}); wait for it or retry it.")
    client = get_client(ws, s["client_id"])
    result = s["result"]
    out = s["outputs"]
    obj = reanalyse_saved(out / "poses.npz", result, analysis_options(client, s))
    decided = decisions(ws, set_id)
    kept = kept_findings(result, decided)
    keep_keys = {f.key for f, _ in kept}
    all_notes = notes(ws, set_id)
    rep_notes: dict[int, list[str]] = {}
    for n in all_notes:
        if n["rep_index"] is not None:
            rep_notes.setdefault(int(n["rep_index"]), []).append(f"Coach: {n['text']}")
    keyframes = {p.stem: p for p in sorted((out / "keyframes").glob("*.png"))} if (out / "keyframes").is_dir() else {}
    title = f"{client['name']} \u2014 {fx.exercise_name(result)}"
    meta = (f"<b>{html.escape(client['name'])}</b><br>set of {html.escape(s['recorded_on'])} &middot; "
            f"report of {date.today().isoformat()}")
    return_cues = report_cues(kept) or [{"text": "Nothing to correct on this set: keep going.", "severity": "ok"}]
    from ..render.report import build_report

    return build_report(obj, keyframes=keyframes, keep_finding=lambda rep, name: fx.finding_key(rep, name) in keep_keys,
                        cues=return_cues, intro_html=_intro(client, s, [n["text"] for n in all_notes
                                                                         if n["rep_index"] is None], len(kept)),
                        title=title, meta_html=meta, rep_notes=rep_notes, video_src=video_src,
                        video_name="annotated.mp4" if video_src else None)


def file_stem(ws: Workspace, set_id: int) -> str:
    s = get_set(ws, set_id)
    name = re.sub(r"[^\w\-]+", "-", s["client_name"]).strip("-").lower() or "client"
    return f"{name}-{s['recorded_on']}-set{set_id}"


def client_video(ws: Workspace, set_id: int) -> Path | None:
    """The annotated video the client gets: it shows only the findings the report keeps.

    The analysis's own video draws every finding; when the coach dismissed some or left them unreviewed,
    the video is drawn again from the stored clip without them (once per set of kept findings, kept in the
    set's outputs folder as ``annotated-client-<tag>.mp4``). None when the set has no annotated video.
    """
    s = get_set(ws, set_id)
    out = s.get("outputs")
    video = (out / "annotated.mp4") if out else None
    if video is None or not video.exists():
        return None
    result = s["result"]
    keep = {f.key for f, _ in kept_findings(result, decisions(ws, set_id))}
    if keep >= {f.key for f in fx.findings(result)}:
        return video
    tag = hashlib.sha256(",".join(sorted(keep)).encode()).hexdigest()[:12]
    path = out / f"annotated-client-{tag}.mp4"
    if path.exists():
        return path
    if not s["clip_file"].exists() or not (out / "poses.npz").exists():
        return None  # never send a video that shows what the coach dismissed
    from ..render.video import render_video

    obj = reanalyse_saved(out / "poses.npz", result, analysis_options(get_client(ws, s["client_id"]), s))
    for ra in obj.assessed:
        ra.findings = [f for f in ra.findings if fx.finding_key(ra.rep.index, f.name) in keep]
    tmp = out / f".{path.stem}.part.mp4"
    try:
        render_video(obj, s["clip_file"], tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def export(ws: Workspace, set_id: int, embed_limit_bytes: int = EMBED_LIMIT_BYTES) -> tuple[str, str, bytes]:
    """(file name, MIME type, bytes): one HTML file with the video embedded, or a zip of the HTML and MP4.
    The video shows the kept findings only (:func:`client_video`)."""
    s = get_set(ws, set_id)
    video = client_video(ws, set_id) if s.get("outputs") else None
    stem = file_stem(ws, set_id)
    if video is None or not video.exists():
        return f"{stem}.html", "text/html", build(ws, set_id).encode("utf-8")
    if video.stat().st_size <= embed_limit_bytes:
        uri = "data:video/mp4;base64," + base64.b64encode(video.read_bytes()).decode("ascii")
        return f"{stem}.html", "text/html", build(ws, set_id, video_src=uri).encode("utf-8")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{stem}/report.html", build(ws, set_id, video_src="annotated.mp4"))
        z.write(video, f"{stem}/annotated.mp4", compress_type=zipfile.ZIP_STORED)
    return f"{stem}.zip", "application/zip", buf.getvalue()


def export_to(ws: Workspace, set_id: int, out: str | Path, **kwargs) -> Path:
    """Write :func:`export` into a folder (or to a file path whose suffix is kept); returns the path."""
    name, _mime, data = export(ws, set_id, **kwargs)
    out = Path(out)
    path = out / name if out.is_dir() or not out.suffix else out.with_suffix(Path(name).suffix)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path

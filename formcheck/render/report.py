"""report.html: one self-contained page a coach can attach to a message to a client.

Everything is inline: CSS, charts as SVG (rendered offline by vl-convert), key frames as base64 JPEG data
URIs. The page has no scripts and references nothing on the network, so it opens the same anywhere, offline.
"""

from __future__ import annotations

import base64
import html
import logging
import re
from pathlib import Path
from typing import Callable, Mapping

import cv2
import numpy as np

from ..result import AnalysisResult
from .sections import DASH, REP_TABLE_CSS, exercise_words, keyframe_caption, keyframe_order, rep_table_html
from .theme import FAULT_KIND, GROUP_NAMES, KIND_COLORS, OK_COLOR, PHASE_COLORS, fault_color, fault_title, \
    format_finding, hex_color

log = logging.getLogger(__name__)

THUMB_MAX_SIDE = 960  # key frame thumbnails: sharp on a 2x screen at ~480 CSS px, small enough to mail
THUMB_QUALITY = 82

_CSS = """
:root { --ink:#0f172a; --muted:#64748b; --line:#e2e8f0; --bg:#f8fafc; --card:#ffffff; --accent:#2563eb;
  --posture:%(posture)s; --tempo:%(tempo)s; --range:%(range)s; --ok:%(ok)s; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%%; }
body { margin:0; background:var(--bg); color:var(--ink);
  font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
.wrap { max-width: 980px; margin: 0 auto; padding: 0 20px 48px; }
header.top { background: var(--ink); color: #fff; }
header.top .wrap { padding-top: 22px; padding-bottom: 22px; display:flex; align-items:flex-end;
  justify-content:space-between; gap:16px; flex-wrap:wrap; }
.brand { font-weight: 800; letter-spacing: .02em; font-size: 13px; text-transform: uppercase; color:#93c5fd; }
h1 { margin: 4px 0 0; font-size: 26px; line-height: 1.2; font-weight: 700; }
.meta { color:#cbd5e1; font-size: 13px; text-align:right; }
.meta b { color:#fff; font-weight:600; }
h2 { font-size: 17px; margin: 34px 0 12px; font-weight: 700; }
h2 small { font-weight: 400; color: var(--muted); font-size: 13px; margin-left: 6px; }
.cards { display:grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: 12px; margin-top: 22px; }
.card { background: var(--card); border:1px solid var(--line); border-radius: 12px; padding: 14px 16px; }
.card .k { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .05em; font-weight:600; }
.card .v { font-size: 24px; font-weight: 750; margin-top: 2px; font-variant-numeric: tabular-nums;
  white-space: nowrap; }
.card .s { color: var(--muted); font-size: 13px; }
.verdict { margin: 16px 0 0; font-size: 16px; }
.tempo-grid { display:grid; grid-template-columns: repeat(4, 1fr); gap: 6px; margin-top: 8px; }
.tempo-grid div { border-radius: 8px; padding: 6px 8px; background: #f1f5f9; font-size: 12px; color: var(--muted); }
.tempo-grid b { display:block; font-size: 17px; color: var(--ink); font-variant-numeric: tabular-nums; }
.tempo-grid i { font-style: normal; }
ul.cues { list-style: none; padding: 0; margin: 0; display: grid; gap: 8px; }
ul.cues li { background: var(--card); border: 1px solid var(--line); border-left: 5px solid var(--c, var(--accent));
  border-radius: 10px; padding: 10px 14px; }
table { width: 100%%; border-collapse: collapse; background: var(--card); border:1px solid var(--line);
  border-radius: 12px; overflow: hidden; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 9px 12px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); background: #f1f5f9; }
tr:last-child td { border-bottom: none; }
td.num { white-space: nowrap; }
.tempo span { display:inline-block; min-width: 2.4em; text-align:center; border-radius: 6px; padding: 0 4px; }
.tempo span.bad { background: color-mix(in srgb, var(--tempo) 16%%, white); color: var(--tempo); font-weight: 700; }
.chip { display:inline-block; margin: 1px 4px 3px 0; padding: 2px 9px; border-radius: 999px; font-size: 12.5px;
  white-space: nowrap;
  font-weight: 600; background: color-mix(in srgb, var(--c) 14%%, white); color: var(--c);
  border: 1px solid color-mix(in srgb, var(--c) 35%%, white); }
.chip.ok { --c: var(--ok); }
.detail { display:block; color: var(--muted); font-size: 12.5px; }
.nm { display:grid; gap: 8px; }
.nm div { background: #fff7ed; border: 1px solid #fed7aa; border-radius: 10px; padding: 9px 14px; }
.nm div.partial { background: #f8fafc; border-color: var(--line); }
.nm b { text-transform: capitalize; }
.note { background:#eff6ff; border:1px solid #bfdbfe; border-radius:10px; padding:10px 14px; margin: 8px 0; }
.warn { background:#fffbeb; border:1px solid #fde68a; border-radius:10px; padding:10px 14px; margin: 8px 0; }
.chart { background: var(--card); border:1px solid var(--line); border-radius: 12px; padding: 14px;
  margin-bottom: 12px; }
.chart svg { width: 100%%; max-width: 100%%; height: auto; display:block; }
.chart.narrow { display: none; }
.frames { display:grid; grid-template-columns: repeat(auto-fill, minmax(min(100%%, 400px), 1fr)); gap: 12px; }
figure { margin: 0; background: var(--card); border:1px solid var(--line); border-radius: 12px; overflow:hidden; }
figure img { width: 100%%; height: auto; display:block; background:#000; }
figure a.zoom { display:block; cursor: zoom-in; }
figure a.close { display: none; }
figure:target { position: fixed; inset: 0; z-index: 10; margin: 0; border: none; border-radius: 0;
  background: rgba(2, 6, 23, .94); display: flex; flex-direction: column; justify-content: center; }
figure:target a.zoom { cursor: default; }
figure:target img { max-height: calc(100vh - 90px); object-fit: contain; background: transparent; }
figure:target figcaption { color: #e2e8f0; text-align: center; }
figure:target a.close { display: block; position: absolute; top: 8px; right: 14px; color: #fff; font-size: 34px;
  line-height: 1; text-decoration: none; padding: 6px 10px; }
figcaption { padding: 8px 12px 10px; font-size: 13px; }
figcaption b { display:block; }
figure.fault { border-color: color-mix(in srgb, var(--c) 55%%, white); }
figure.fault figcaption b { color: var(--c); }
.legend { display:flex; gap: 14px; flex-wrap: wrap; color: var(--muted); font-size: 13px; margin: 6px 0 10px; }
.legend i { display:inline-block; width: 10px; height: 10px; border-radius: 3px; margin-right: 5px;
  vertical-align: -1px; background: var(--c); }
footer { margin-top: 40px; color: var(--muted); font-size: 12.5px; border-top: 1px solid var(--line); padding-top: 14px; }
@media (max-width: 600px) { .chart.wide { display: none; } .chart.narrow { display: block; } }
@media (max-width: 560px) { .wrap { padding-left: 12px; padding-right: 12px; } h1 { font-size: 21px; }
  .meta { text-align:left; } .cards { grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 8px; }
  .card { padding: 10px 12px; } .card .v { font-size: 19px; white-space: normal; overflow-wrap: anywhere; }
  .tempo-grid { grid-template-columns: repeat(2, 1fr); }
  .chart { padding: 6px; } h2 small { display:block; margin: 2px 0 0; } }
.coach { background: var(--card); border:1px solid var(--line); border-radius: 12px; padding: 14px 16px; margin-top: 22px; }
.coach h2 { margin-top: 0; }
.coach p { margin: 6px 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.repnote { display:block; margin-top: 4px; font-size: 13px; color: var(--ink); background:#eff6ff; border-radius: 6px;
  padding: 3px 8px; overflow-wrap: anywhere; }
.video { background:#000; border-radius: 12px; overflow:hidden; margin-top: 16px; }
.video video { display:block; width: 100%%; max-height: 70vh; background:#000; }
.print-only { display: none; }
@media print { body { background: #fff; font-size: 12px; } header.top { background: #fff; color: var(--ink);
  border-bottom: 2px solid var(--ink); } header.top .brand { color: var(--accent); } .meta, .meta b { color: var(--ink); }
  .wrap { max-width: none; padding: 0 4mm; } .chart, table, figure, .card, .coach, ul.cues li { break-inside: avoid; }
  h2 { break-after: avoid; } .video, .screen-only { display: none; } .print-only { display: block; }
  .chart svg { min-width: 0; } .table-wrap { overflow: visible; } a { color: inherit; text-decoration: none; }
  @page { margin: 14mm 12mm; } }
"""


def _e(x) -> str:
    return html.escape(str(x), quote=True)


def _css() -> str:
    return _CSS % {"posture": hex_color(KIND_COLORS["posture"]), "tempo": hex_color(KIND_COLORS["tempo"]),
                   "range": hex_color(KIND_COLORS["range"]), "ok": hex_color(OK_COLOR)} + REP_TABLE_CSS


def _scoped_svg(svg: str, prefix: str) -> str:
    """Strip the XML prolog and make element ids unique per chart (several inline SVGs share one id space)."""
    svg = re.sub(r"^\s*<\?xml[^>]*>\s*", "", svg)
    ids = set(re.findall(r'\bid="([^"]+)"', svg))
    for i in sorted(ids, key=len, reverse=True):
        new = f"{prefix}-{i}"
        svg = svg.replace(f'id="{i}"', f'id="{new}"').replace(f"url(#{i})", f"url(#{new})") \
            .replace(f'href="#{i}"', f'href="#{new}"')
    return svg


def image_data_uri(path_or_rgb: str | Path | np.ndarray, max_side: int = THUMB_MAX_SIDE,
                   quality: int = THUMB_QUALITY) -> str:
    """A JPEG data URI of an image file or an RGB (H, W, 3) uint8 array, shrunk to max_side pixels."""
    if isinstance(path_or_rgb, np.ndarray):
        bgr = cv2.cvtColor(path_or_rgb, cv2.COLOR_RGB2BGR)
    else:
        bgr = cv2.imread(str(path_or_rgb), cv2.IMREAD_COLOR)
        if bgr is None:
            raise OSError(f"could not read image {path_or_rgb}")
    h, w = bgr.shape[:2]
    if max(h, w) > max_side:
        s = max_side / max(h, w)
        bgr = cv2.resize(bgr, (max(1, int(w * s)), max(1, int(h * s))), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality, cv2.IMWRITE_JPEG_PROGRESSIVE, 1])
    if not ok:
        raise OSError("JPEG encoding failed")
    return "data:image/jpeg;base64," + base64.b64encode(buf.tobytes()).decode("ascii")


def _fmt_s(v) -> str:
    return DASH if v is None else f"{v:.1f}"


def _kept_summary(result: AnalysisResult, keep: Callable[[int, str], bool]) -> dict:
    """Clean reps, fault count and verdict counting only the findings kept."""
    counts: dict[str, int] = {}
    clean = 0
    for ra in result.assessed:
        names = [f.name for f in ra.findings if keep(ra.rep.index, f.name)]
        clean += not names
        for f in names:
            counts[f] = counts.get(f, 0) + 1
    n = len(result.assessed)
    if not n:
        verdict = "No reps found."
    elif not counts:
        verdict = f"{n} reps, nothing to correct."
    else:
        worst = max(counts, key=counts.get)
        verdict = f"{n} reps; most common problem: {fault_title(worst).lower()} ({counts[worst]} of {n})."
    return {"clean_reps": clean, "fault_counts": counts, "verdict": verdict}


def _summary(result: AnalysisResult, d: dict, keep: Callable[[int, str], bool] | None = None) -> str:
    s = d["summary"] if keep is None else {**d["summary"], **_kept_summary(result, keep)}
    n = d["rep_count"]
    avg = s["tempo_average"]
    names = ("eccentric", "pause", "concentric", "hold")
    targets = result.target_tempo or (None,) * 4
    cells = "".join(
        f'<div><i style="color:{hex_color(PHASE_COLORS[p])}">&#9632;</i> {p}<b>{_fmt_s(a)} s</b>'
        f'{"no target" if t is None else f"target {t:g} s"}</div>' for p, a, t in zip(names, avg, targets))
    clean = s["clean_reps"]
    faults = sum(s["fault_counts"].values())
    view_src = d["view_source"]
    return f"""
<div class="cards">
  <div class="card"><div class="k">Set</div><div class="v">{n} rep{'s' if n != 1 else ''}</div>
    <div class="s">{_e(exercise_words(d))}</div></div>
  <div class="card"><div class="k">Clean reps</div><div class="v">{clean} of {s["judged_reps"]}</div>
    <div class="s">{faults} fault{'s' if faults != 1 else ''} found</div></div>
  <div class="card"><div class="k">Average tempo</div><div class="v">{_e(s['tempo_average_str'])}</div>
    <div class="s">{_e("target " + s["tempo_target_str"] if s["tempo_target_str"] else "no target set")}
      (eccentric-pause-concentric-hold, s)</div></div>
  <div class="card"><div class="k">Camera view</div><div class="v" style="text-transform:capitalize">{_e(d['view'])}</div>
    <div class="s">{_e(view_src)}</div></div>
</div>
<p class="verdict"><b>{_e(s['verdict'])}</b></p>
<div class="tempo-grid">{cells}</div>"""


def _cues(d: dict) -> str:
    if not d["cues"]:
        return '<p class="note">No cues: no reps were found to assess.</p>'
    items = []
    for c in d["cues"]:
        fault = c.get("fault")
        if c.get("severity") == "ok":
            color = hex_color(OK_COLOR)
        elif fault in FAULT_KIND:
            color = hex_color(fault_color(fault))
        else:
            color = "#2563eb"
        items.append(f'<li style="--c:{color}">{_e(c["text"])}</li>')
    return f'<ul class="cues">{"".join(items)}</ul>'


def _rep_table(result: AnalysisResult, keyframe_ids: Mapping[str, str], keep: Callable[[int, str], bool] | None = None,
               rep_notes: Mapping[int, list[str]] | None = None) -> str:
    return rep_table_html(result, frame_ids=keyframe_ids, keep=keep, rep_notes=rep_notes)


def _not_measurable(d: dict) -> str:
    items = []
    for group, v in d["measurable"].items():
        name = GROUP_NAMES.get(group, group)
        if not v.get("measurable", True):
            items.append(f"<div><b>{_e(name)}</b> \u2014 {_e(v.get('why', 'not measurable from this clip'))}</div>")
        elif v.get("partial"):
            items.append(f'<div class="partial"><b>{_e(name)}</b> \u2014 measured on some reps only: '
                         f"{_e(v['partial'])}</div>")
    if not items:
        return '<p class="note">Everything formcheck checks could be measured from this view.</p>'
    return f'<div class="nm">{"".join(items)}</div>'


def _keyframes(result: AnalysisResult, keyframes: Mapping[str, Path], ids: Mapping[str, str]) -> str:
    """Every key frame in rep order (each rep's top, then its faults by time); a tap shows one full screen."""
    findings = {f"rep{ra.rep.index:02d}_{f.name}": f for ra in result.assessed for f in ra.findings}
    figs = []
    for name in keyframe_order(keyframes, result):
        try:
            uri = image_data_uri(keyframes[name])
        except OSError as exc:
            log.warning("key frame %s left out of the report: %s", name, exc)
            continue
        rep = int(name[3:5]) if name[3:5].isdigit() else 0
        f = findings.get(name)
        cap = _e(keyframe_caption(name, result))
        img = (f'<a class="zoom" href="#{ids[name]}"><img src="{uri}" alt="{cap}"></a>'
               f'<a class="close" href="#key-frames" aria-label="close">&times;</a>')
        if f is not None:
            figs.append(f'<figure class="fault" id="{ids[name]}" style="--c:{hex_color(fault_color(f.name))}">{img}'
                        f"<figcaption><b>{cap}</b>{_e(format_finding(f))} &middot; {f.worst_s:.1f} s</figcaption>"
                        "</figure>")
        else:
            ra = next((a for a in result.assessed if a.rep.index == rep), None)
            when = f" &middot; {ra.rep.peak_s:.1f} s" if ra else ""
            tempo = f"tempo {_e(ra.rep.tempo_str())}" if ra else ""
            figs.append(f'<figure id="{ids[name]}">{img}<figcaption><b>{cap}</b>{tempo}{when}</figcaption></figure>')
    return f'<div class="frames">{"".join(figs)}</div>'


def phone_charts(result: AnalysisResult, titles) -> dict[str, str]:
    """The report's charts drawn for a phone (about 340 px wide), by the same titles as the wide ones."""
    from .charts import chart_svg, signals_chart, tempo_chart

    build = {"Signals over time": lambda: signals_chart(result, width=330, panel_height=105),
             "Tempo per rep": lambda: tempo_chart(result, width=290)}
    out = {}
    for title in titles:
        if title in build:
            try:
                out[title] = chart_svg(build[title]())
            except Exception as exc:  # the wide chart, scaled down, still shows
                log.warning("phone chart '%s' left out of the report: %s: %s", title, exc.__class__.__name__, exc)
    return out


def _video(src: str | None, name: str | None) -> str:
    if not src:
        return ""
    return (f'<div class="video"><video controls playsinline preload="metadata" src="{_e(src)}" '
            f'aria-label="annotated video"></video></div><p class="print-only note">The annotated video '
            f'{"(" + _e(name) + ") " if name else ""}plays in the HTML version of this report.</p>')


def build_report(result: AnalysisResult, *, charts_svg: Mapping[str, str] | None = None,
                 keyframes: Mapping[str, Path] | None = None, video_name: str | None = None,
                 note: str | None = None, keep_finding: Callable[[int, str], bool] | None = None,
                 cues: list[dict] | None = None, intro_html: str | None = None, title: str | None = None,
                 meta_html: str | None = None, rep_notes: Mapping[int, list[str]] | None = None,
                 video_src: str | None = None, phone: bool = True) -> str:
    """The report as one self-contained HTML string.

    Args:
        result: the analysis.
        charts_svg: title -> SVG markup (e.g. from :func:`formcheck.charts.chart_svg`), shown in order.
        keyframes: key frame name (e.g. 'rep01_top', 'rep03_shrug') -> PNG path; embedded as JPEG data URIs.
        video_name: file name of the annotated video next to the report (mentioned, never embedded).
        note: a message shown above the key frames (e.g. why there are none).
        keep_finding: keep_finding(rep, fault name) -> False leaves that finding out everywhere (summary, rep
            table, key frames), e.g. one a coach dismissed.
        cues: replaces the analysis's cues under "What to work on" (dicts with "text", optional "fault").
        intro_html: trusted HTML placed above the summary (the caller escapes what it holds).
        title, meta_html: replace the page title and the header's right-hand side (meta_html is trusted HTML).
        rep_notes: rep number -> notes shown in that rep's row.
        video_src: URL of the annotated video (a data URI or a file name beside the report), played in the page.
        phone: also draw the charts at phone width (shown instead of the wide ones on narrow screens).
    """
    d = result.to_dict()
    if cues is not None:
        d["cues"] = cues
    keyframes = dict(keyframes or {})
    if keep_finding is not None:
        keyframes = {k: v for k, v in keyframes.items()
                     if k.endswith("_top") or not k[3:5].isdigit() or keep_finding(int(k[3:5]), k[6:])}
    ids = {name: f"frame-{name}" for name in keyframes}
    video = d.get("video") or {}
    src = Path(video.get("path") or "").name or "poses"
    span = ""
    if video.get("analysed_from_s") is not None:
        span = f"{video['analysed_from_s']:.1f}\u2013{video['analysed_to_s']:.1f} s"
    shown = exercise_words(d)
    title = title or f"{shown[:1].upper()}{shown[1:]} \u2014 form report"
    if meta_html is None:
        meta_html = (f"<b>{_e(src)}</b><br>{_e(span)} &middot; {video.get('fps', 0):.3g} fps &middot;\n    "
                     f"{video.get('width', '?')}&times;{video.get('height', '?')}")
    legend = "".join(f'<span><i style="--c:{hex_color(c)}"></i>{k} faults</span>' for k, c in KIND_COLORS.items())
    parts = [f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="formcheck">
<title>{_e(title)} \u00b7 {_e(src)}</title>
<style>{_css()}</style></head>
<body>
<header class="top"><div class="wrap">
  <div><div class="brand">formcheck</div><h1>{_e(title)}</h1></div>
  <div class="meta">{meta_html}</div>
</div></header>
<main class="wrap">
{intro_html or ""}
{_summary(result, d, keep_finding)}
{_video(video_src, video_name)}
{"".join(f'<p class="warn">{_e(w)}</p>' for w in d["warnings"])}
<h2>What to work on</h2>
{_cues(d)}
<h2>Rep by rep</h2>
<div class="legend">{legend}</div>
{_rep_table(result, ids, keep_finding, rep_notes)}
<h2>Not measured from this view <small>and how to film to measure it</small></h2>
{_not_measurable(d)}"""]
    if charts_svg:
        parts.append("<h2>Charts</h2>")
        narrow = phone_charts(result, list(charts_svg)) if phone else {}
        for k, (name, svg) in enumerate(charts_svg.items()):
            parts.append(f'<div class="chart{" wide" if name in narrow else ""}" role="img" aria-label="{_e(name)}">'
                         f'{_scoped_svg(svg, f"c{k}")}</div>')
            if name in narrow:
                parts.append(f'<div class="chart narrow" role="img" aria-label="{_e(name)}">'
                             f'{_scoped_svg(narrow[name], f"n{k}")}</div>')
    parts.append('<h2 id="key-frames">Key frames <small>the top of each rep, and each fault at its worst moment; '
                 "tap one to enlarge</small></h2>")
    if note:
        parts.append(f'<p class="note">{_e(note)}</p>')
    if keyframes:
        parts.append(_keyframes(result, keyframes, ids))
    elif not note:
        parts.append('<p class="note">No key frames: no reps were found.</p>')
    if video_name and not video_src:
        parts.append(f'<p class="note">The annotated video is <b>{_e(video_name)}</b>, saved next to this report: '
                     "skeleton, trunk line, shrug gauge, rep counter, tempo timer and faults drawn on every frame.</p>")
    parts.append(f"""<footer>Made with formcheck from one camera. Shrug and retraction are <i>proxies</i>
(shoulder rise along the trunk against the ears and the hips; elbow travel behind the trunk), measured
relative to each rep's own start; a fault needs both shrug proxies to agree. Person found in
{d['summary']['detection_rate']:.0%} of frames. Exercise: {_e(d['exercise_source'])}.</footer>
</main></body></html>
""")
    return "\n".join(parts)


def write_report(result: AnalysisResult, path: str | Path, **kwargs) -> Path:
    """Write :func:`build_report` to path (UTF-8) and return the path."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(build_report(result, **kwargs), encoding="utf-8")
    return p

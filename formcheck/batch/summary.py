"""The batch's summary: ``summary.csv`` (one row per clip) and ``index.html`` (a small self-contained page
linking each clip's report, with its verdict line, rep count, clean reps, and the error of a failed clip).

Both are rewritten after every finished clip (atomically), so a stopped batch still has a summary of
what it finished.
"""

from __future__ import annotations

import csv
import html
import io
import time
from pathlib import Path

from .job import ROW_FIELDS, write_atomic

_STATUS_WORDS = {"ok": "analysed", "skipped": "done before", "error": "failed", None: "not done yet"}


def summary_csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=ROW_FIELDS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: "" if r.get(k) is None else r.get(k) for k in ROW_FIELDS})
    return buf.getvalue()


def counts(rows: list[dict]) -> dict[str, int]:
    out = {"ok": 0, "skipped": 0, "error": 0, "pending": 0}
    for r in rows:
        out[r.get("status") if r.get("status") in out else "pending"] += 1
    return out


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:70rem;
     padding:0 1rem;color:#1d2430}
h1{font-size:1.4rem;margin-bottom:.2rem} p.meta{color:#5b6675;margin-top:0}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid #e3e7ee;vertical-align:top}
th{background:#f4f6f9;font-weight:600} td.n{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#17703a} .skipped{color:#2f5d9b} .error{color:#b3261e} .pending{color:#8a8f98}
td.err{color:#b3261e;max-width:28rem}
"""


def index_html(rows: list[dict], *, title: str = "formcheck batch") -> str:
    """The index page: one table row per clip, its report linked when there is one."""
    c = counts(rows)
    parts = [f"{c['ok'] + c['skipped']} of {len(rows)} clips analysed"]
    if c["error"]:
        parts.append(f"{c['error']} failed")
    if c["pending"]:
        parts.append(f"{c['pending']} not done yet")
    body = []
    for r in rows:
        status = r.get("status")
        name = html.escape(r.get("clip") or "")
        link = f'<a href="{html.escape(r["report"], quote=True)}">{name}</a>' if r.get("report") else name
        verdict = html.escape(r.get("verdict") or "")
        error = html.escape(r.get("error") or "")
        num = (lambda k: "" if r.get(k) in (None, "") else html.escape(str(r[k])))
        body.append(
            f'<tr><td>{link}</td><td class="{html.escape(status or "pending")}">'
            f'{_STATUS_WORDS.get(status, html.escape(str(status)))}</td>'
            f'<td>{verdict}</td><td class="n">{num("rep_count")}</td><td class="n">{num("clean_reps")}</td>'
            f'<td>{html.escape(r.get("exercise") or "")}</td><td>{html.escape(r.get("view") or "")}</td>'
            f'<td class="err">{error}</td></tr>')
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{html.escape(title)}</title>"
        f"<style>{_CSS}</style></head><body>\n<h1>{html.escape(title)}</h1>\n"
        f"<p class=\"meta\">{html.escape(', '.join(parts))} · updated {time.strftime('%Y-%m-%d %H:%M')}</p>\n"
        "<table><thead><tr><th>clip</th><th>status</th><th>verdict</th><th>reps</th><th>clean reps</th>"
        "<th>exercise</th><th>view</th><th>error</th></tr></thead><tbody>\n"
        + "\n".join(body) + "\n</tbody></table>\n</body></html>\n")


def write_summary(out_dir: str | Path, rows: list[dict]) -> dict[str, Path]:
    """Write summary.csv and index.html into out_dir (atomically); returns name -> path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"summary.csv": out / "summary.csv", "index.html": out / "index.html"}
    write_atomic(paths["summary.csv"], summary_csv(rows))
    write_atomic(paths["index.html"], index_html(rows))
    return paths

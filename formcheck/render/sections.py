"""HTML sections the app and report.html share, built phone-first: the rep table and the key frames' order
and captions.

The rep table has three columns that fit a 390 px phone (rep and its time, tempo, faults); what each fault
measured opens on a tap (``<details>``). Missing values read "—", never "None" or "?". Its CSS is scoped to
``.fc-reps`` so the app can inline it next to Streamlit's own styles.
"""

from __future__ import annotations

import html
import re
from typing import Callable, Iterable, Mapping

from ..analysis.faults import FAULTS
from ..result import AnalysisResult
from .theme import OK_COLOR, fault_color, fault_title, format_finding, hex_color

DASH = "\u2014"


def exercise_words(d: dict) -> str:
    """The exercise as a result names it, in plain words: a question naming the candidates when the
    analysis was unsure ("bent-over row or chest-supported row?"), so no page states a guess as a fact."""
    from ..analysis.capabilities import EXERCISES

    if d.get("exercise_unsure") and d.get("exercise_candidates"):
        return " or ".join(EXERCISES.get(c["exercise"], c["exercise"]) for c in d["exercise_candidates"]) + "?"
    return d["exercise_name"]
PHASES = ("eccentric", "pause", "concentric", "hold")
_TEMPO_FAULT_PHASE = {"short_hold": "hold", "rushed_eccentric": "eccentric"}
#: What a finding's or a rep's status is called in the table.
STATUS_WORDS = {"check": "check this rep", "partial": "partial rep: not judged"}

REP_TABLE_CSS = """
.fc-reps { --fc-line:#e2e8f0; --fc-muted:#64748b; --fc-card:#fff; --fc-ink:#0f172a; width:100%; }
.fc-reps table { width:100%; border-collapse:collapse; table-layout:auto; background:var(--fc-card);
  border:1px solid var(--fc-line); border-radius:12px; overflow:hidden; font-variant-numeric:tabular-nums;
  font-size:14.5px; color:var(--fc-ink); margin:0; }
.fc-reps th, .fc-reps td { text-align:left; padding:8px 10px; border:none; border-bottom:1px solid var(--fc-line);
  vertical-align:top; }
.fc-reps th { font-size:11.5px; text-transform:uppercase; letter-spacing:.05em; color:var(--fc-muted);
  background:#f1f5f9; font-weight:600; }
.fc-reps tr:last-child td { border-bottom:none; }
.fc-reps td.rep { white-space:nowrap; width:1%; }
.fc-reps td.rep b { font-size:16px; }
.fc-reps td.rep small { display:block; color:var(--fc-muted); font-size:11.5px; }
.fc-reps td.tempo { white-space:nowrap; width:1%; }
.fc-reps td.tempo span { display:inline-block; min-width:2.1em; text-align:center; border-radius:6px; padding:0 2px; }
.fc-reps td.tempo i { font-style:normal; color:#94a3b8; }
.fc-reps td.tempo span.none { color:#94a3b8; }
.fc-reps td.tempo span.bad { background:color-mix(in srgb, var(--c) 16%, white); color:var(--c); font-weight:700; }
.fc-reps td.faults { overflow-wrap:anywhere; }
.fc-reps .chip { display:inline-block; margin:1px 4px 3px 0; padding:1px 8px; border-radius:999px; font-size:12.5px;
  font-weight:600; white-space:normal; line-height:1.35; background:color-mix(in srgb, var(--c) 14%, white); color:var(--c);
  border:1px solid color-mix(in srgb, var(--c) 35%, white); }
.fc-reps .chip.status { --c:#475569; background:#f1f5f9; font-weight:500; }
.fc-reps .repnote { display:block; margin-top:4px; font-size:13px; background:#eff6ff; border-radius:6px;
  padding:3px 8px; overflow-wrap:anywhere; }
.fc-reps details summary { cursor:pointer; list-style:none; }
.fc-reps details summary::-webkit-details-marker { display:none; }
.fc-reps details summary::after { content:"details \\25BE"; color:var(--fc-muted); font-size:11.5px;
  white-space:nowrap; }
.fc-reps details[open] summary::after { content:"hide \\25B4"; }
.fc-reps .detail { color:var(--fc-muted); font-size:12.5px; margin:4px 0 2px; }
.fc-reps .detail b { color:var(--fc-ink); font-weight:600; }
@media (max-width: 480px) { .fc-reps th, .fc-reps td { padding:7px 6px; } .fc-reps table { font-size:13.5px; }
  .fc-reps td.tempo span { min-width:1.75em; } }
"""


def _e(x) -> str:
    return html.escape(str(x), quote=True)


def fmt_s(v, digits: int = 1) -> str:
    """A number of seconds, or "—" when it is missing."""
    return DASH if v is None else f"{v:.{digits}f}"


def _chip(name: str, words: str) -> str:
    return f'<span class="chip" style="--c:{hex_color(fault_color(name))}">{_e(words)}</span>'


def rep_table_html(result: AnalysisResult, *, frame_ids: Mapping[str, str] | None = None,
                   keep: Callable[[int, str], bool] | None = None,
                   rep_notes: Mapping[int, list[str]] | None = None) -> str:
    """The rep table (a ``<div class="fc-reps">``; add :data:`REP_TABLE_CSS` once on the page).

    Findings the analysis is sure of are coloured chips; the "check this rep" ones are grey chips ("check:
    shrugging"); a rep the clip cuts says why it is not judged.

    Args:
        result: the analysis.
        frame_ids: key frame name (e.g. 'rep01_top') -> element id on the page: the rep number links to it.
        keep: keep(rep, fault id) -> False leaves that finding out (e.g. one a coach dismissed).
        rep_notes: rep number -> notes shown in its row (plain text).
    """
    if not result.assessed:
        return '<p class="fc-none">No reps were found in this clip.</p>'
    rows = []
    tempo_c = hex_color(fault_color("rushed_eccentric"))
    for ra in result.assessed:
        r = ra.rep
        findings = [f for f in ra.findings if keep is None or keep(r.index, f.name)]
        sure = [f for f in findings if getattr(f, "status", "fault") == "fault"]
        unsure = [f for f in findings if getattr(f, "status", "fault") != "fault"]
        bad = {_TEMPO_FAULT_PHASE[f.name] for f in sure if f.name in _TEMPO_FAULT_PHASE}
        tempo = "<i>-</i>".join(
            f'<span class="{"bad" if p in bad else "none" if v is None else ""}" style="--c:{tempo_c}" '
            f'title="{p}">{fmt_s(v)}</span>' for p, v in zip(PHASES, r.tempo()))
        chips = "".join(_chip(f.name, _title(f.name)) for f in sure)
        chips += "".join(f'<span class="chip status">check: {_e(_title(f.name).lower())}</span>' for f in unsure)
        partial = getattr(ra, "partial", None)
        if partial:
            chips += f'<span class="chip status">{_e(STATUS_WORDS["partial"])}</span>'
        lines = "".join(f'<div class="detail"><b>{_e(fault_title(f.name))}'
                        f"</b>{' (check this rep)' if f in unsure else ''}: {_e(format_finding(f))} &middot; at "
                        f"{f.worst_s:.1f} s</div>" for f in findings)
        if partial:
            lines += f'<div class="detail"><b>Not judged</b>: {_e(partial)}</div>'
        if lines:
            faults = f"<details><summary>{chips}</summary>{lines}</details>"
        else:
            faults = f'<span class="chip" style="--c:{hex_color(OK_COLOR)}">no faults seen</span>'
        faults += "".join(f'<span class="repnote">{_e(t)}</span>' for t in (rep_notes or {}).get(r.index, []))
        link = (frame_ids or {}).get(f"rep{r.index:02d}_top")
        num = f'<a href="#{_e(link)}">{r.index}</a>' if link else str(r.index)
        rows.append(f'<tr><td class="rep"><b>{num}</b><small>{r.start_s:.1f}\u2013{r.end_s:.1f} s</small></td>'
                    f'<td class="tempo">{tempo}</td><td class="faults">{faults}</td></tr>')
    return ('<div class="fc-reps"><table><thead><tr><th>Rep</th><th title="eccentric-pause-concentric-hold, '
            'seconds">Tempo e-p-c-h</th><th>Faults</th></tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></div>")


def _title(fid: str) -> str:
    return FAULTS[fid].title if fid in FAULTS else fid.replace("_", " ")


_KEYFRAME = re.compile(r"rep0*(\d+)[_-](.+)")


def keyframe_order(names: Iterable[str], result: AnalysisResult | None = None) -> list[str]:
    """Key frame names in rep order: each rep's top first, then its faults by the time they were worst."""
    worst = {f"rep{ra.rep.index:02d}_{f.name}": f.worst_s for ra in (result.assessed if result else ())
             for f in ra.findings}

    def key(name: str):
        m = _KEYFRAME.match(name)
        if not m:
            return (10**6, 1, 0.0, name)
        return (int(m.group(1)), m.group(2) != "top", worst.get(name, 0.0), name)

    return sorted(names, key=key)


def keyframe_caption(name: str, result: AnalysisResult | None = None) -> str:
    """'rep03_shrug' -> 'Rep 3: Shrugging'; 'rep01_top' -> 'Rep 1: top of the pull' (of the shrug)."""
    m = _KEYFRAME.match(name)
    if not m:
        return name.replace("_", " ").capitalize()
    rep, what = int(m.group(1)), m.group(2)
    if what == "top":
        return f"Rep {rep}: top of the {'shrug' if result is not None and result.exercise == 'shrug' else 'pull'}"
    return f"Rep {rep}: {FAULTS[what].title if what in FAULTS else what.replace('_', ' ')}"


__all__ = ["DASH", "REP_TABLE_CSS", "STATUS_WORDS", "fmt_s", "keyframe_caption", "keyframe_order",
           "rep_table_html"]

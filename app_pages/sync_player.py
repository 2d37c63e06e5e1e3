"""Two annotated videos kept in step rep by rep, as one HTML component.

Rep boundaries of both sets map a time in video A to a time in video B piecewise linearly (rep k's start to
rep k's start, its end to its end), so a slow rep in one set and a quick one in the other start together and
end together: B's playback rate follows the ratio of the two reps' lengths, and drift over 0.25 s is seeked
away. The videos travel as base64 and play from blob URLs (seekable, no server route needed).
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

MAX_EMBED_BYTES = 60 * 1024 * 1024


def anchors(reps_a: list[dict], reps_b: list[dict]) -> list[list[float]]:
    """[[t_a, t_b], ...]: matching rep starts and ends of the reps both sets have, in time order."""
    pts = [[0.0, 0.0]]
    for ra, rb in zip(reps_a, reps_b):
        for key in ("start_s", "end_s"):
            a, b = ra.get(key), rb.get(key)
            if a is not None and b is not None and a > pts[-1][0] and b > pts[-1][1]:
                pts.append([float(a), float(b)])
    return pts


_JS = r"""
const A = document.getElementById('va'), B = document.getElementById('vb');
const P = %(anchors)s;
function blobUrl(id) {
  const b64 = document.getElementById(id).textContent.trim();
  const bin = atob(b64); const u8 = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) u8[i] = bin.charCodeAt(i);
  return URL.createObjectURL(new Blob([u8], {type: 'video/mp4'}));
}
A.src = blobUrl('da'); B.src = blobUrl('db');
function seg(t) { let k = 0; while (k + 1 < P.length - 1 && t >= P[k + 1][0]) k++; return k; }
function mapAB(t) {
  if (P.length < 2) return { t: t, rate: 1 };
  const k = seg(t), a0 = P[k][0], b0 = P[k][1], a1 = P[k + 1][0], b1 = P[k + 1][1];
  const r = (b1 - b0) / Math.max(1e-3, a1 - a0);
  return { t: b0 + (t - a0) * r, rate: Math.min(4, Math.max(0.25, r)) };
}
function follow() {
  const m = mapAB(A.currentTime);
  if (m.t !== undefined) {
    if (Math.abs(B.currentTime - m.t) > 0.25) B.currentTime = Math.max(0, m.t);
    B.playbackRate = m.rate;
  }
  document.body.dataset.synced = String(Math.abs(B.currentTime - (m.t ?? A.currentTime)) < 0.5);
  if (!A.paused) requestAnimationFrame(follow);
}
function play() { A.muted = B.muted = true; A.play(); B.play(); requestAnimationFrame(follow); }
function pause() { A.pause(); B.pause(); }
document.getElementById('play').onclick = play;
document.getElementById('pause').onclick = pause;
A.addEventListener('play', () => { if (B.paused) B.play(); requestAnimationFrame(follow); });
A.addEventListener('pause', () => B.pause());
A.addEventListener('seeked', follow);
document.querySelectorAll('button[data-rep]').forEach(btn => btn.onclick = () => {
  const t = parseFloat(btn.dataset.t); A.currentTime = t; follow();
});
"""

_CSS = """
body { margin:0; font: 14px system-ui, sans-serif; color:#0f172a; }
.pair { display:grid; grid-template-columns: 1fr 1fr; gap: 10px; }
@media (max-width: 640px) { .pair { gap: 6px; } figcaption { font-size: 11px; padding: 4px 6px; }
  button { padding: 5px 9px; } }
figure { margin:0; background:#000; border-radius:10px; overflow:hidden; }
video { width:100%; display:block; height:auto; max-height: 330px; object-fit: contain; background:#000; }
figcaption { background:#f1f5f9; padding:6px 10px; font-weight:600; }
.bar { display:flex; flex-wrap:wrap; gap:6px; margin: 10px 0 0; align-items:center; }
button { font: inherit; padding: 6px 12px; border-radius: 8px; border: 1px solid #cbd5e1; background:#fff; cursor:pointer; }
button.main { background:#2563eb; color:#fff; border-color:#2563eb; }
"""


def player_html(video_a: Path, video_b: Path, label_a: str, label_b: str, reps_a: list[dict],
                reps_b: list[dict]) -> str:
    """The component's HTML (raises ValueError when the videos are too large to embed)."""
    size = video_a.stat().st_size + video_b.stat().st_size
    if size > MAX_EMBED_BYTES:
        raise ValueError(f"the two videos are {size / 1e6:.0f} MB together; side by side plays up to "
                         f"{MAX_EMBED_BYTES / 1e6:.0f} MB")
    pts = anchors(reps_a, reps_b)
    buttons = "".join(f'<button data-rep="{r["index"]}" data-t="{r["start_s"]:.3f}">Rep {r["index"]}</button>'
                      for r in reps_a[:len(reps_b)] if r.get("start_s") is not None)
    da = base64.b64encode(video_a.read_bytes()).decode("ascii")
    db = base64.b64encode(video_b.read_bytes()).decode("ascii")
    return (f"<style>{_CSS}</style><div class='pair'>"
            f"<figure><video id='va' playsinline muted controls preload='auto'></video>"
            f"<figcaption>{html.escape(label_a)}</figcaption></figure>"
            f"<figure><video id='vb' playsinline muted preload='auto'></video>"
            f"<figcaption>{html.escape(label_b)}</figcaption></figure></div>"
            f"<div class='bar'><button id='play' class='main'>&#9654; Play both</button>"
            f"<button id='pause'>Pause</button>{buttons}</div>"
            f"<script type='text/plain' id='da'>{da}</script><script type='text/plain' id='db'>{db}</script>"
            f"<script>{_JS % {'anchors': json.dumps(pts)}}</script>")

"""``formcheck batch``: many clips into one folder, on this machine (``--workers N``) or with Ray (``--ray``).

Exit codes: 0 when every clip was analysed (now or by an earlier run), 2 when some failed (one line says
how many; summary.csv and index.html say which and why) or nothing was found, 130 when stopped by Ctrl-C
or SIGTERM (finished clips stay; the same command finishes the rest).
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

from ..errors import FormcheckError
from .options import add_analysis_options, check_writable_dir, fps_arg


def add_parser(sub) -> None:
    from ..render.video import DEFAULT_VIDEO_SIZE, VIDEO_SIZES
    from ..video import DEFAULT_MAX_FPS

    p = sub.add_parser(
        "batch", help="analyse many clips into one folder (in parallel, resumable), with a summary",
        description="Analyse every clip in folders, globs or list files (.txt: one path per line). Each clip "
                    "gets its own folder in --out with the usual outputs; summary.csv and index.html list every "
                    "clip's verdict or error. A clip already analysed with the same content and settings is "
                    "skipped, so running the same command again after Ctrl-C finishes the rest.")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="folder, glob ('clips/*.mp4') or list file (.txt)")
    p.add_argument("--out", required=True, help="folder for the clips' folders, summary.csv and index.html")
    p.add_argument("--workers", type=int, default=None,
                   help="clips analysed in parallel: processes on this machine (default 1), or Ray actors "
                        "(default: one per CPU of the Ray cluster)")
    p.add_argument("--ray", nargs="?", const="local", default=None, metavar="ADDRESS",
                   help="run on Ray: alone, a local Ray runtime; with an address (e.g. ray://head:10001), join "
                        "that cluster (needs: pip install 'formcheck[cluster]')")
    add_analysis_options(p, ' (every clip)')
    p.add_argument("--no-video", action="store_true", help="skip the annotated videos (faster)")
    p.add_argument("--video-size", default=DEFAULT_VIDEO_SIZE, choices=list(VIDEO_SIZES),
                   help="annotated video: 720p (default; at most 30 fps), 1080p, or source (original size, "
                        "every analysed frame)")
    p.add_argument("--max-fps", type=fps_arg, default=DEFAULT_MAX_FPS,
                   help=f"analyse at most about this many frames per second (default {DEFAULT_MAX_FPS:g}; "
                        "0: every frame)")
    p.add_argument("--force", action="store_true", help="analyse every clip again, even those already done")
    p.set_defaults(func=cmd_batch)


class _Display:
    """Progress on stderr: a bar over the clips and one per running clip (tqdm, on a terminal only), and
    one line per finished clip on stdout."""

    def __init__(self, total: int, workers: int):
        self.tty = sys.stderr.isatty()
        self.total = total
        self.done = 0
        self.bars: dict[int, object] = {}
        self.overall = None
        if self.tty:
            from tqdm import tqdm

            self._tqdm = tqdm
            self.overall = tqdm(total=total, desc="clips", unit="clip", position=0, leave=True, dynamic_ncols=True)
            for slot in range(workers):
                self.bars[slot] = tqdm(total=0, desc=f"worker {slot + 1}: waiting", unit="frame", position=slot + 1,
                                       leave=False, dynamic_ncols=True)

    def clip_progress(self, name: str):
        def progress(slot: int, stage: str, done: int, total: int) -> None:
            bar = self.bars.get(slot)
            if bar is None:
                return
            desc = f"worker {slot + 1}: {name[:28]} {stage}"
            if bar.desc != desc or bar.total != total:
                bar.reset(total=total or None)
                bar.set_description_str(desc, refresh=False)
            bar.n = done
            bar.refresh()

        return progress

    def finished(self, row: dict) -> None:
        self.done += 1
        status = row["status"]
        if status == "error":
            what = f"FAILED: {row['error']}"
        else:
            what = (row.get("verdict") or "") + ("  (done before)" if status == "skipped" else "")
        line = f"[{self.done}/{self.total}] {row['clip']}: {what}"
        if self.tty:
            self._tqdm.write(line, file=sys.stdout)
            self.overall.update(1)
        else:
            print(line, flush=True)

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()
        if self.overall is not None:
            self.overall.close()


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def cmd_batch(args) -> int:
    from concurrent.futures import FIRST_COMPLETED, wait

    from ..batch import JobOptions, make_engine
    from ..batch.inputs import collect_inputs, folder_names
    from ..batch.job import ROW_FIELDS, done_row
    from ..batch.summary import counts, write_summary

    out = Path(args.out)
    if args.workers is not None and args.workers < 1:
        raise FormcheckError(f"--workers must be 1 or more, got {args.workers}.")
    ray_address = args.ray
    if ray_address not in (None, "local") and os.path.exists(ray_address):
        args.inputs.append(ray_address)  # "--ray clips/ --out x": the folder was an input, not an address
        ray_address = "local"
    absolute = (lambda v: None if v is None else str(Path(v).resolve()))
    opts = JobOptions(exercise=args.exercise, view=args.view, tempo=args.tempo,
                      model=args.model if not args.model.endswith(".task") else absolute(args.model),
                      start_s=args.start, end_s=args.end, profile=absolute(args.profile), video=not args.no_video,
                      video_size=args.video_size, max_fps=args.max_fps)
    opts.check()
    if ray_address:
        from ..batch.ray_engine import import_ray

        import_ray(local=ray_address == "local")  # missing Ray: say which extra to install before anything is written
    clips = collect_inputs(args.inputs, out_dir=out)
    check_writable_dir(out, "the batch results")
    names = folder_names(clips)
    rows = [{**dict.fromkeys(ROW_FIELDS), "clip": p.name, "path": str(p), "folder": names[p]} for p in clips]
    write_summary(out, rows)

    previous = signal.signal(signal.SIGTERM, _raise_interrupt)  # SIGTERM stops like Ctrl-C: finished clips stay
    display = None
    engine = None
    t0 = time.perf_counter()
    try:
        todo = []
        for i, p in enumerate(clips):
            stored = None if args.force else done_row(p, out / names[p], opts)
            if stored is None:
                todo.append(i)
            else:
                rows[i] = stored
        workers = min(args.workers or (0 if ray_address else 1), len(todo)) or None  # None: Ray decides
        if todo:
            engine = make_engine(workers, ray=ray_address, model=opts.model)
        display = _Display(len(clips), engine.workers if engine else 0)
        for i in range(len(clips)):
            if i not in todo:
                display.finished(rows[i])
        if todo:
            futures = {engine.submit(clips[i], out / names[clips[i]], opts, force=args.force,
                                     progress=display.clip_progress(clips[i].name)): i for i in todo}
            waiting = set(futures)
            while waiting:
                done, waiting = wait(waiting, timeout=1.0, return_when=FIRST_COMPLETED)
                for f in done:
                    rows[futures[f]] = f.result()
                    display.finished(rows[futures[f]])
                if done:
                    write_summary(out, rows)
            engine.close()
    except KeyboardInterrupt:
        if engine is not None:
            engine.close(cancel=True)
        if display is not None:
            display.close()
        # A clip can finish in its worker just before the stop, its row never collected: its folder says so.
        for i, row in enumerate(rows):
            if row.get("status") is None:
                stored = done_row(clips[i], out / names[clips[i]], opts)
                if stored is not None:
                    rows[i] = {**stored, "status": "ok"}
        write_summary(out, rows)
        c = counts(rows)
        print(f"formcheck: interrupted: {c['ok'] + c['skipped']} of {len(rows)} clips done, {c['pending']} left. "
              f"Run the same command again to finish the rest.", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
        if engine is not None:
            engine.close(cancel=True)  # after an error; a no-op when closed above
    display.close()
    paths = write_summary(out, rows)
    c = counts(rows)
    print(f"\n{len(rows)} clips in {time.perf_counter() - t0:.0f} s: {c['ok']} analysed, {c['skipped']} done before, "
          f"{c['error']} failed. Summary: {paths['index.html']}")
    if c["error"]:
        raise FormcheckError(f"{c['error']} of {len(rows)} clips failed (reasons in {paths['summary.csv']}).")
    return 0

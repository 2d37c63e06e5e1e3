"""Command line: ``formcheck analyze|batch|pose|synth|live|models|coach``.

The only module that calls sys.exit. User errors (FormcheckError) print one
clear message on stderr and exit 2; nothing prints a traceback unless
``--debug`` is given.
"""

from __future__ import annotations

import argparse
import logging
import sys

from ..errors import FormcheckError
from . import analyze, batch, coach, live, models, pose, synth

log = logging.getLogger("formcheck")


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad options as one readable line (exit 2) like our own errors."""

    def error(self, message: str):  # noqa: D401
        self.print_usage(sys.stderr)
        self.exit(2, f"formcheck: error: {message}\nRun '{self.prog} --help' for the options.\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="formcheck", description="Form checker for rows and shrugs: reps, tempo, "
                     "scapular retraction, shrug compensation.")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks and debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for command in (analyze, batch, pose, models, synth, live, coach):  # one module per sub-command, in --help order
        command.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING,
                        format="%(levelname)s: %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        sys.exit(2)
    try:
        code = args.func(args)
    except FormcheckError as exc:
        if args.debug:
            raise
        print(f"formcheck: {exc}", file=sys.stderr)
        code = 2
    except KeyboardInterrupt:
        print("formcheck: interrupted.", file=sys.stderr)
        code = 130
    except BrokenPipeError:
        code = 0
    except MemoryError:
        print("formcheck: ran out of memory. Trim the video with --start/--end or use a shorter clip.",
              file=sys.stderr)
        code = 1
    except Exception as exc:  # a bug of ours: say so plainly, no traceback unless --debug
        if args.debug:
            raise
        print(f"formcheck: internal error ({exc.__class__.__name__}: {exc}). Re-run with --debug and report it.",
              file=sys.stderr)
        code = 1
    sys.exit(code)


if __name__ == "__main__":
    main()

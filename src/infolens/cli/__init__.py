"""Command line: ``infolens <command> ...``. Thin: parses, calls the library, prints.

Each command lives in its own module of this package with two functions,
``add_parser(subparsers)`` and ``main(args) -> int``; the table below maps
command names to modules, imported only when the command runs.

Error policy: an :class:`~infolens.errors.InfolensError` (the user's own input: a bad
argument, file, config or data) is printed as one line, ``infolens COMMAND: error: ...``,
with exit status 2; anything else is a bug and shows its traceback. ``--debug`` shows the
traceback of every error. Ctrl-C exits with status 130 (finished jobs are kept).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from typing import Sequence

from ..errors import InfolensError

#: command name -> (module under infolens.cli, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "estimate": ("estimate", "estimate I(X;Y) from two data files"),
    "list": ("estimate", "list the registered estimators"),
    "bench": ("bench", "run the estimators on the known-truth benchmark suite"),
    "report": ("report", "turn a run folder into tables, figures and report.html"),
    "run": ("run", "run a study: compression, infoplane, infomax, privacy, gan-toy"),
    "audit": ("audit", "audit synthetic data for fidelity and privacy"),
    "features": ("features", "which columns of a table carry information about a target (MI, p-values, report)"),
    "demo": ("demo", "the main job on a built-in data set (what `make demo` runs)"),
}


class CLIError(InfolensError, ValueError):
    """A user-facing error of the command line itself: printed as one line, exit status 2."""


def one_line(exc: BaseException) -> str:
    """The first line of an error's message (its class name when it has none)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _import_command(modname: str):
    """Import a command module; a command whose module is not written yet is left out
    (``tests/test_cli_commands.py`` checks that every listed command imports)."""
    full = f"infolens.cli.{modname}"
    try:
        return importlib.import_module(full)
    except ModuleNotFoundError as exc:
        if exc.name == full:
            return None
        raise


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = argparse.ArgumentParser(prog="infolens", description="Measure information in data and in models.")
    parser.add_argument("--version", action="version", version=f"infolens {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the traceback of every error")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (modname, helptext) in COMMANDS.items():
        mod = _import_command(modname)
        if mod is None:
            continue
        p = sub.add_parser(name, help=helptext, description=helptext)
        # --debug is accepted after the command too; SUPPRESS keeps the top-level value when absent here
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show the traceback of every error")
        adder = getattr(mod, f"add_{name.replace('-', '_')}_arguments", None) or mod.add_arguments
        adder(p)
        p.set_defaults(_module=modname, _name=name)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    mod = importlib.import_module(f"infolens.cli.{args._module}")
    runner = getattr(mod, f"main_{args._name.replace('-', '_')}", None) or mod.main
    try:
        return int(runner(args) or 0)
    except InfolensError as exc:
        if getattr(args, "debug", False):
            traceback.print_exc()
        print(f"infolens {args.command}: error: {one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; finished work is saved, re-run the same command to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

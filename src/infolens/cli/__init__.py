"""Command line: ``infolens <command> ...``. Thin: parses, calls the library, prints.

Each command lives in its own module of this package with two functions,
``add_parser(subparsers)`` and ``main(args) -> int``; the table below maps
command names to modules, imported only when the command runs.

Error policy: an :class:`~infolens.errors.InfolensError` (the user's own input: a bad
argument, file, config or data) is printed as one line, ``infolens COMMAND: error: ...``,
with exit status 2; anything else is a bug and shows its traceback. ``--debug`` shows the
traceback of every error.

Signals: Ctrl-C (SIGINT) stops any command with status 130 and the line "interrupted; finished
work is saved" (finished jobs are kept). This holds whatever the parent process left: a shell
that starts a command in the background without job control (``sh -c 'infolens run ... &'``,
as CI runners do) starts it with SIGINT *ignored*, and Python then installs no KeyboardInterrupt
handler at all, so a SIGINT used to be dropped and the run went on to exit 0. ``main`` therefore
installs its own SIGINT handler and unblocks the signal for the length of the command (and
restores both afterwards), and a run that received SIGINT never returns 0, even when the
KeyboardInterrupt was swallowed on its way up (for instance raised inside a ``__del__``).
Output piped into a reader that stops early (``infolens list --json | head``) ends quietly with
status 141, the status a shell reports for a command stopped by SIGPIPE, instead of a
BrokenPipeError traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import signal
import sys
import threading
import traceback
from typing import Any, Iterator, Sequence

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
    "matrix": ("matrix", "pairwise MI of the columns of a table (heatmap, top pairs, report)"),
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


#: exit status of a command stopped by Ctrl-C (128 + SIGINT, as shells report it)
EXIT_INTERRUPTED = 130
#: exit status when the reader of our output went away (128 + SIGPIPE, as shells report it)
EXIT_BROKEN_PIPE = 141
INTERRUPTED_MESSAGE = "interrupted; finished work is saved, re-run the same command to resume"


@contextlib.contextmanager
def sigint_raises(received: list[int]) -> Iterator[None]:
    """SIGINT raises KeyboardInterrupt inside the block, whatever disposition or signal mask
    the parent process left (ignored and blocked in a non-interactive shell's background job);
    every SIGINT is also appended to ``received``. The old handler and mask come back on exit.
    Outside the main thread (where handlers cannot be set) the block runs unchanged."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_sigint(signum: int, frame: Any) -> None:
        received.append(signum)
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGINT, on_sigint)
    mask = signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT}) if hasattr(signal, "pthread_sigmask") else None
    try:
        yield
    finally:
        if mask is not None and signal.SIGINT in mask:
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        signal.signal(signal.SIGINT, old)


def _stdout_gone() -> int:
    """The reader of stdout closed the pipe: point stdout at /dev/null so the interpreter's
    final flush does not raise again, and return :data:`EXIT_BROKEN_PIPE`."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # stdout is not a file descriptor (e.g. captured in a test)
        pass
    return EXIT_BROKEN_PIPE


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    mod = importlib.import_module(f"infolens.cli.{args._module}")
    runner = getattr(mod, f"main_{args._name.replace('-', '_')}", None) or mod.main
    received: list[int] = []
    try:
        with sigint_raises(received):
            status = int(runner(args) or 0)
            sys.stdout.flush()  # inside the try: a closed pipe is reported here, not at exit
    except InfolensError as exc:
        if getattr(args, "debug", False):
            traceback.print_exc()
        print(f"infolens {args.command}: error: {one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(INTERRUPTED_MESSAGE, file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return _stdout_gone()
    if received and status == 0:  # the KeyboardInterrupt was swallowed on its way up
        print(INTERRUPTED_MESSAGE, file=sys.stderr)
        return EXIT_INTERRUPTED
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""Every command and study listed in the CLI tables has its module, and the
parser builds with all of them (the dispatcher leaves out only modules that do
not exist, so this test is what keeps that from hiding a missing one)."""

import importlib

import pytest

from infolens.cli import COMMANDS, build_parser, main
from infolens.cli.run import STUDIES


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_module_imports(name):
    modname, _ = COMMANDS[name]
    mod = importlib.import_module(f"infolens.cli.{modname}")
    key = name.replace("-", "_")
    assert callable(getattr(mod, f"main_{key}", None) or getattr(mod, "main"))
    assert callable(getattr(mod, f"add_{key}_arguments", None) or getattr(mod, "add_arguments"))


@pytest.mark.parametrize("study", sorted(STUDIES))
def test_study_module_has_run_and_cli(study):
    """The study protocol itself is checked in tests/test_study_protocol.py."""
    mod = importlib.import_module(f"infolens.studies.{STUDIES[study]}")
    for attr in ("Config", "run", "main"):
        assert callable(getattr(mod, attr)), f"studies.{STUDIES[study]} lacks {attr}"


def test_parser_lists_every_command(capsys):
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert set(sub.choices) == set(COMMANDS)
    run = sub.choices["run"]
    study_action = next(a for a in run._actions if a.dest == "study")
    assert set(study_action.choices) == set(STUDIES)


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "usage: infolens" in capsys.readouterr().out


# --- signals: Ctrl-C and a closed pipe -------------------------------------------------------

import os  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import types  # noqa: E402

from infolens import cli  # noqa: E402


def _fake_command(monkeypatch, body):
    """Register a command ``fake`` whose ``main(args)`` is ``body()``."""
    mod = types.ModuleType("infolens.cli._fake")
    mod.add_arguments = lambda p: None
    mod.main = lambda args: body()
    monkeypatch.setitem(sys.modules, "infolens.cli._fake", mod)
    monkeypatch.setitem(cli.COMMANDS, "fake", ("_fake", "a test command"))


def _sigint_self_then_finish():
    os.kill(os.getpid(), signal.SIGINT)  # delivered before kill() returns when SIGINT is unblocked
    for _ in range(100):  # the Python-level handler runs at the next bytecode boundary
        time.sleep(0.001)
    return 0


@pytest.fixture
def sigint_ignored_and_blocked():
    """This process as a non-interactive shell's background job starts: SIGINT ignored and blocked."""
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        signal.signal(signal.SIGINT, old)


def test_sigint_stops_a_command_whose_parent_ignored_it(monkeypatch, capsys, sigint_ignored_and_blocked):
    """With SIGINT ignored and blocked by the parent, the command is still interrupted (130,
    the saved-work line), and the parent's disposition and mask are back afterwards."""
    _fake_command(monkeypatch, _sigint_self_then_finish)
    assert cli.main(["fake"]) == cli.EXIT_INTERRUPTED
    assert "finished work is saved" in capsys.readouterr().err
    assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    assert signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, set())


def test_a_swallowed_keyboardinterrupt_still_fails_the_run(monkeypatch, capsys):
    """Code that catches the KeyboardInterrupt and carries on to 'success' does not turn a
    SIGINT into exit status 0."""

    def swallow():
        try:
            _sigint_self_then_finish()
        except KeyboardInterrupt:
            pass
        return 0

    _fake_command(monkeypatch, swallow)
    before = signal.getsignal(signal.SIGINT)
    assert cli.main(["fake"]) == cli.EXIT_INTERRUPTED
    assert "finished work is saved" in capsys.readouterr().err
    assert signal.getsignal(signal.SIGINT) is before


def test_closed_pipe_ends_quietly():
    """``infolens list --json | head -0``: the reader is gone before the first write; the command
    ends with status 141 and no BrokenPipeError traceback."""
    r, w = os.pipe()
    os.close(r)  # the reader went away: every write to w is EPIPE
    try:
        proc = subprocess.run([sys.executable, "-m", "infolens", "list", "--json"], stdout=w,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(w)
    assert proc.returncode == cli.EXIT_BROKEN_PIPE, proc.stderr
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr, proc.stderr

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

"""``infolens run STUDY ...``: one sub-command per entry of :data:`infolens.studies.STUDIES`,
its flags generated from the study's ``Config`` fields (:func:`infolens.studies.flags.add_arguments`)."""

from __future__ import annotations

import argparse
import importlib

from ..studies import STUDIES

__all__ = ["STUDIES", "add_arguments", "main"]


def _summary(doc: str | None) -> str | None:
    """The first sentence of a module docstring, on one line (for ``--help``)."""
    if not doc:
        return None
    para = " ".join(doc.strip().split("\n\n")[0].split())
    end = para.find(". ")
    text = para if end < 0 else para[: end + 1]
    return text.replace("%", "%%")  # argparse formats help strings with %


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ..studies import flags

    sub = parser.add_subparsers(dest="study", metavar="STUDY", required=True)
    for name, modname in STUDIES.items():
        mod = importlib.import_module(f"infolens.studies.{modname}")
        p = sub.add_parser(name, help=_summary(mod.__doc__))
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show the traceback of every error")
        flags.add_arguments(p, mod.Config)


def main(args: argparse.Namespace) -> int:
    mod = importlib.import_module(f"infolens.studies.{STUDIES[args.study]}")
    return int(mod.main(args) or 0)

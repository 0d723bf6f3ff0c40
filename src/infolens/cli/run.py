"""``infolens run STUDY ...``: each study is a module of ``infolens.studies`` with
``add_arguments(parser)`` and ``main(args) -> int``."""

from __future__ import annotations

import argparse
import importlib

#: study name -> module under infolens.studies
STUDIES: dict[str, str] = {
    "compression": "compression",
    "infoplane": "infoplane",
    "infomax": "infomax",
    "privacy": "privacy",
    "gan-toy": "gan_toy",
}


def _summary(doc: str | None) -> str | None:
    """The first sentence of a module docstring, on one line (for ``--help``)."""
    if not doc:
        return None
    para = " ".join(doc.strip().split("\n\n")[0].split())
    end = para.find(". ")
    text = para if end < 0 else para[: end + 1]
    return text.replace("%", "%%")  # argparse formats help strings with %


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="study", metavar="STUDY", required=True)
    for name, modname in STUDIES.items():
        full = f"infolens.studies.{modname}"
        try:
            mod = importlib.import_module(full)
        except ModuleNotFoundError as exc:  # a study not written yet; tests check all import
            if exc.name == full:
                continue
            raise
        p = sub.add_parser(name, help=_summary(mod.__doc__))
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show the traceback of every error")
        mod.add_arguments(p)


def main(args: argparse.Namespace) -> int:
    mod = importlib.import_module(f"infolens.studies.{STUDIES[args.study]}")
    return int(mod.main(args) or 0)

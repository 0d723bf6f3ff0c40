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
        p = sub.add_parser(name, help=(mod.__doc__ or "").strip().splitlines()[0] if mod.__doc__ else None)
        mod.add_arguments(p)


def main(args: argparse.Namespace) -> int:
    mod = importlib.import_module(f"infolens.studies.{STUDIES[args.study]}")
    return int(mod.main(args) or 0)

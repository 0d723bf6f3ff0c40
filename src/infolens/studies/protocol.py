"""The study protocol in code: what every study package provides, its config base and its result base.

This module imports nothing but the standard library, so reading the contract costs nothing.
A study is a package ``infolens.studies.NAME`` (registered in :data:`infolens.studies.STUDIES`)
whose ``__init__`` provides, in this order, the members of :class:`Study`:

- ``Config``: a dataclass derived from :class:`StudyConfig` (the fields every study shares are
  declared there once); every field has a type, a default and a one-line docstring (a string
  literal right under it), from which ``infolens run NAME --help`` is generated
  (:mod:`infolens.studies.flags`). ``Config.THOROUGH`` holds the settings of the full protocol
  that ``--thorough`` applies (the defaults are sized to finish in minutes on two cores).
- ``jobs(cfg) -> list[dict]``: the JSON-ready job configurations, one per unit of work (their
  hash is the resume key of :func:`infolens.runner.run_jobs`).
- ``run_job(job) -> dict``: module-level, so the runner can pickle it to worker processes.
- ``summarize(rows, cfg) -> Result``: the runner's rows as a typed result, a dataclass derived
  from :class:`StudyResult`; tables written to the run folder.
- ``figures(result) -> Mapping[str, Any]``: name -> matplotlib Figure or saved file.
- ``report(result, figs) -> Path``: ``report.html`` in the run folder.
- ``run(config=None, **overrides) -> Result``: load the config, run the jobs, the three above.
- ``main(args) -> int``: the command line (``run(config_from_args(args, Config))``, print).

The helpers the studies share sit beside them: :mod:`~infolens.studies.config` (loading and
checking configs, run folders), :mod:`~infolens.studies.flags` (the generated command line),
:mod:`~infolens.studies.classifiers` and :mod:`~infolens.studies.plateau` (held-out classifier
metrics, curves' plateaus), :mod:`~infolens.studies.supervised` (the supervised training loop).
``tests/test_study_protocol.py`` checks every registered study against :class:`Study`.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, ClassVar, Mapping, Protocol, runtime_checkable

__all__ = ["Study", "StudyConfig", "StudyResult", "PARTS"]

#: the members of :class:`Study`, in the order a study package defines them
PARTS = ("Config", "jobs", "run_job", "summarize", "figures", "report", "run", "main")


@dataclass
class StudyConfig:
    """The fields every study's ``Config`` shares (a study redeclares one only to change its
    default). Subclasses add their own fields and may override :meth:`validate`."""

    #: field -> value of the full protocol, applied by ``thorough=True`` (``--thorough``) to every
    #: field the user did not set; empty where the defaults already are the full protocol
    THOROUGH: ClassVar[Mapping[str, Any]] = {}
    #: whether a changed configuration may add its jobs to a run folder that holds another run
    #: (``resume_changed``, flag ``--resume-changed``). A study whose folder holds state that
    #: belongs to one configuration (infomax: the encoders' checkpoints) sets it False: the flag is
    #: then not offered and ``resume_changed=True`` is refused when the config is loaded.
    RESUMES_CHANGED: ClassVar[bool] = True

    out_dir: str | None = None
    """run folder (re-run the same command to resume)"""
    n_jobs: int = 2
    """worker processes running the jobs"""
    verbose: bool = True
    """progress bars"""
    thorough: bool = False
    """run the full protocol (docs/studies.md lists what it changes per study); the defaults finish in minutes"""
    resume_changed: bool = False
    """add a changed configuration's jobs to a run folder that holds another run"""

    def validate(self) -> None:
        """Checks that need more than the field types (subclasses override it); raise ValueError."""


@dataclass
class StudyResult:
    """What every study's ``summarize`` returns (studies extend it with their tables)."""

    out_dir: Path
    """the run folder: results.jsonl, config.json, tables, figures, report.html"""

    def __getitem__(self, key: str) -> Any:
        """``result["table"]`` is ``result.table`` (the studies returned dicts before)."""
        if key not in {f.name for f in fields(self)}:
            raise KeyError(f"{type(self).__name__} has no field {key!r}; fields: {', '.join(f.name for f in fields(self))}")
        return getattr(self, key)


@runtime_checkable
class Study(Protocol):
    """A study package (a module object satisfies this protocol through its functions)."""

    @property
    def Config(self) -> type[StudyConfig]: ...  # noqa: N802 (the class a study module exports)

    def jobs(self, cfg: Any) -> list[dict[str, Any]]: ...

    def run_job(self, job: dict[str, Any]) -> dict[str, Any]: ...

    def summarize(self, rows: list[dict[str, Any]], cfg: Any) -> StudyResult: ...

    def figures(self, result: Any) -> Mapping[str, Any]: ...

    def report(self, result: Any, figs: Mapping[str, Any]) -> Path: ...

    def run(self, config: Any = None, **overrides: Any) -> StudyResult: ...

    def main(self, args: argparse.Namespace) -> int: ...

"""Every registered study follows the protocol of studies/_protocol.py: a Config dataclass
whose fields all have a one-line docstring and a generated flag, the module-level parts,
a typed result with ``out_dir: Path``, and flags that parse back into the Config."""

import dataclasses
import importlib
import json
import typing
from pathlib import Path

import pytest

from infolens.cli import build_parser
from infolens.studies import STUDIES, _protocol

ON_PROTOCOL = sorted(STUDIES)
PARTS = ("Config", "jobs", "run_job", "summarize", "figures", "report", "run", "main")


def _mod(study):
    return importlib.import_module(f"infolens.studies.{STUDIES[study]}")


@pytest.mark.parametrize("study", ON_PROTOCOL)
def test_module_has_every_part_and_a_typed_result(study):
    mod = _mod(study)
    for part in PARTS:
        assert callable(getattr(mod, part, None)), f"studies.{STUDIES[study]} lacks {part}"
    assert dataclasses.is_dataclass(mod.Config)
    result_type = typing.get_type_hints(mod.summarize)["return"]
    assert issubclass(result_type, _protocol.StudyResult)
    assert typing.get_type_hints(result_type)["out_dir"] is Path


@pytest.mark.parametrize("study", ON_PROTOCOL)
def test_every_config_field_has_a_docstring_and_a_flag(study, capsys):
    cls = _mod(study).Config
    docs = _protocol.field_docs(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    assert set(docs) == set(names), f"fields without a docstring line: {sorted(set(names) - set(docs))}"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", study, "--help"])
    text = capsys.readouterr().out
    for name in names:
        flag = "--out" if name == "out_dir" else "--quiet" if name == "verbose" else "--" + name.replace("_", "-")
        assert flag in text, f"{flag} missing from `infolens run {study} --help`"
        if name not in ("verbose", "resume_changed"):
            assert docs[name].split()[0] in text


@pytest.mark.parametrize("study", ON_PROTOCOL)
def test_flags_parse_back_into_the_config_and_jobs_are_json(study, tmp_path):
    cls = _mod(study).Config
    hints = typing.get_type_hints(cls)
    argv = ["run", study, "--out", str(tmp_path / "o"), "--quiet"]
    expect = {"out_dir": str(tmp_path / "o"), "verbose": False}
    for f in dataclasses.fields(cls):
        if hints[f.name] is int and f.name not in ("n_jobs",) and isinstance(f.default, int) and f.default > 1:
            argv += ["--" + f.name.replace("_", "-"), str(2 * f.default)]
            expect[f.name] = 2 * f.default
    cfg = _protocol.config_from_args(build_parser().parse_args(argv), cls)
    for k, v in expect.items():
        assert getattr(cfg, k) == v, k
    if study in ("gan-toy", "privacy"):  # jobs that need no data set on disk
        json.dumps(_mod(study).jobs(cfg))


def test_list_flags_and_boolean_flags():
    from infolens.studies.privacy import PrivacyConfig

    args = build_parser().parse_args(["run", "privacy", "--generators", "copy,gan", "--dp-noise", "", "--no-images"])
    cfg = _protocol.config_from_args(args, PrivacyConfig)
    assert cfg.generators == ["copy", "gan"] and cfg.dp_noise == [] and cfg.images is False
    args = build_parser().parse_args(["run", "privacy", "--dp-noise", "0.5,2"])
    assert _protocol.config_from_args(args, PrivacyConfig).dp_noise == [0.5, 2.0]


def test_slug():
    assert _protocol.slug("Fashion MNIST / top") == "fashion-mnist-top"

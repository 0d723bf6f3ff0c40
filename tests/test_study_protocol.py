"""Every registered study follows the protocol of studies/protocol.py: it satisfies the
``Study`` typing.Protocol (its functions with the protocol's parameters), its Config derives from
``StudyConfig`` (the shared fields declared once) and every field has a one-line docstring and a
generated flag, its result is typed with ``out_dir: Path``, its flags parse back into the Config,
``--thorough`` applies the study's full protocol, and no module outside studies/ imports a
private (underscored) module of studies/."""

import dataclasses
import importlib
import inspect
import json
import re
import typing
from pathlib import Path

import pytest

from infolens.cli import build_parser
from infolens.studies import STUDIES, flags
from infolens.studies.config import load_config, slug
from infolens.studies.protocol import PARTS, Study, StudyConfig, StudyResult

ON_PROTOCOL = sorted(STUDIES)
SRC = Path(__file__).resolve().parents[1] / "src" / "infolens"


def _mod(study):
    return importlib.import_module(f"infolens.studies.{STUDIES[study]}")


@pytest.mark.parametrize("study", ON_PROTOCOL)
def test_module_has_every_part_and_a_typed_result(study):
    mod = _mod(study)
    for part in PARTS:
        assert callable(getattr(mod, part, None)), f"studies.{STUDIES[study]} lacks {part}"
    assert isinstance(mod, Study)  # runtime_checkable: every member present
    assert dataclasses.is_dataclass(mod.Config) and issubclass(mod.Config, StudyConfig)
    result_type = typing.get_type_hints(mod.summarize)["return"]
    assert issubclass(result_type, StudyResult)
    assert typing.get_type_hints(result_type)["out_dir"] is Path


@pytest.mark.parametrize("study", ON_PROTOCOL)
def test_functions_take_the_protocols_parameters(study):
    """Each function accepts the protocol's positional parameters (extra ones have defaults)."""
    mod = _mod(study)
    for part in PARTS[1:]:
        want = [p for p in inspect.signature(getattr(Study, part)).parameters.values() if p.name != "self"]
        have = list(inspect.signature(getattr(mod, part)).parameters.values())
        named = [p for p in want if p.kind is p.POSITIONAL_OR_KEYWORD]
        assert len(have) >= len(named), f"{study}.{part} takes fewer parameters than the protocol's {want}"
        for p in have[len(named):]:
            assert p.default is not p.empty or p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL), f"{study}.{part}: {p.name}"


@pytest.mark.parametrize("study", ON_PROTOCOL)
def test_shared_fields_are_declared_once(study):
    """A study redeclares a StudyConfig field only to change its default or its help text."""
    cls = _mod(study).Config
    base = {f.name: f for f in dataclasses.fields(StudyConfig)}
    own = cls.__dict__.get("__annotations__", {})
    docs, base_docs = flags.field_docs(cls), flags.field_docs(StudyConfig)
    for name in set(own) & set(base):
        f = next(g for g in dataclasses.fields(cls) if g.name == name)
        assert f.default != base[name].default or docs[name] != base_docs[name], f"{study} copies {name}"


@pytest.mark.parametrize("study", ON_PROTOCOL)
def test_thorough_applies_the_full_protocol_under_given_keys(study):
    cls = _mod(study).Config
    full = dict(cls.THOROUGH)
    assert set(full) <= {f.name for f in dataclasses.fields(cls)}
    quick = load_config(cls, {})
    assert quick.thorough is False
    if not full:
        return
    cfg = load_config(cls, {"thorough": True})
    assert {k: getattr(cfg, k) for k in full} == full
    assert any(getattr(quick, k) != v for k, v in full.items()), "THOROUGH must change something"
    key, value = next(iter(full.items()))
    given = load_config(cls, {"thorough": True, key: getattr(quick, key)})  # a key the user gave wins
    assert getattr(given, key) == getattr(quick, key)
    assert getattr(load_config(cls, cls(thorough=True)), key) == value  # an instance: fields at their default


def test_no_private_studies_module_is_imported_from_outside():
    """Private (underscored) modules of studies/ are the studies' own business."""
    pattern = re.compile(r"(?:from|import)\s+(?:infolens\.studies|\.\.studies)\.?(?:[\w.]*\.)?_\w+|"
                         r"from\s+(?:infolens|\.\.)\.?studies(?:\.[\w.]+)?\s+import\s+\(?\s*_\w+")
    outside = [p for p in SRC.rglob("*.py") if "studies" not in p.relative_to(SRC).parts]
    outside += list((SRC.parents[1] / "benchmarks").glob("*.py"))
    hits = [f"{p}: {m.group(0)}" for p in outside for m in pattern.finditer(p.read_text())]
    assert hits == []
    assert list((SRC / "studies").rglob("_[!_]*.py")) == []  # and no study keeps a flat private helper


@pytest.mark.parametrize("study", ON_PROTOCOL)
def test_every_config_field_has_a_docstring_and_a_flag(study, capsys):
    cls = _mod(study).Config
    docs = flags.field_docs(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    assert set(docs) == set(names), f"fields without a docstring line: {sorted(set(names) - set(docs))}"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", study, "--help"])
    text = capsys.readouterr().out
    for name in names:
        flag = "--out" if name == "out_dir" else "--quiet" if name == "verbose" else "--" + name.replace("_", "-")
        if name == "resume_changed" and not cls.RESUMES_CHANGED:  # the protocol's way to leave it out
            assert flag not in text, f"{flag} offered by `infolens run {study}`, whose Config.RESUMES_CHANGED is False"
            continue
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
    cfg = flags.config_from_args(build_parser().parse_args(argv), cls)
    for k, v in expect.items():
        assert getattr(cfg, k) == v, k
    if study in ("gan-toy", "privacy"):  # jobs that need no data set on disk
        json.dumps(_mod(study).jobs(cfg))


def test_list_flags_and_boolean_flags():
    from infolens.studies.privacy import PrivacyConfig

    args = build_parser().parse_args(["run", "privacy", "--generators", "copy,gan", "--dp-noise", "", "--no-images"])
    cfg = flags.config_from_args(args, PrivacyConfig)
    assert cfg.generators == ["copy", "gan"] and cfg.dp_noise == [] and cfg.images is False
    args = build_parser().parse_args(["run", "privacy", "--dp-noise", "0.5,2"])
    assert flags.config_from_args(args, PrivacyConfig).dp_noise == [0.5, 2.0]
    args = build_parser().parse_args(["run", "infomax", "--thorough", "--size", "20"])
    cfg = flags.config_from_args(args, _mod("infomax").Config)
    assert cfg.thorough and cfg.size == 20 and cfg.channels == 32  # the flag given wins, the rest is the full protocol


def test_slug():
    assert slug("Fashion MNIST / top") == "fashion-mnist-top"


def test_resume_changed_is_declared_once_and_refused_where_a_study_cannot_mix_runs(tmp_path):
    """``resume_changed`` lives in StudyConfig; infomax (checkpoints of one configuration) sets
    RESUMES_CHANGED False, so asking for it is a ConfigError naming the fix, and the key never
    reaches a job's configuration (the job hashes of earlier runs stay valid)."""
    from infolens.errors import ConfigError

    assert "resume_changed" in {f.name for f in dataclasses.fields(StudyConfig)}
    for study in ON_PROTOCOL:
        cls = _mod(study).Config
        assert "resume_changed" not in cls.__dict__.get("__annotations__", {}), f"{study} redeclares resume_changed"
        assert load_config(cls, {}).resume_changed is False
    infomax = _mod("infomax")
    assert infomax.Config.RESUMES_CHANGED is False
    with pytest.raises(ConfigError, match="infomax.*--resume-changed.*--out"):
        load_config(infomax.Config, {"resume_changed": True})
    cfg = load_config(infomax.Config, {"out_dir": str(tmp_path)})
    assert all("resume_changed" not in job for job in infomax.jobs(cfg))
    assert load_config(_mod("gan-toy").Config, {"resume_changed": True}).resume_changed is True

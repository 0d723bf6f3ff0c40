"""The compression study end to end on a tiny configuration (scikit-learn digits, even vs odd):
MI non-decreasing in size within error bars on held-out data, accuracy following it, every
estimate under the ceiling H(Y); the run resumes; the CLI prints where the report is."""

import contextlib
import io
import json
import math

import numpy as np
import pytest
import yaml
from PIL import Image

from infolens.cli import main
from infolens.studies.plateau import monotone_violations
from infolens.studies.compression.summary import summarize
from infolens.studies.compression import CompressionConfig, run, tidy

TINY = {
    "dataset": "digits", "label": "even", "sizes": [1, 2, 4, 8], "n_train": 700, "n_test": 500,
    "estimators": {"ksg": {"k": 5}, "mine": {"epochs": 8, "batch_size": 128, "hidden": 64}},
    "cnn_epochs": 6, "seeds": [0], "threads": 1,
}


def _rows(out):
    return [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines() if line.strip()]


def _cli(args):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = main(args)
    return rc, buf.getvalue()


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """The tiny study, run once through the CLI (in-process) for the tests of this module."""
    out = tmp_path_factory.mktemp("run") / "compression"
    cfg_path = out.parent / "tiny.yaml"
    cfg_path.write_text(yaml.safe_dump({**TINY, "cache_dir": str(out.parent / "cache")}))
    args = ["run", "compression", "--config", str(cfg_path), "--out", str(out), "--n-jobs", "1", "--quiet"]
    rc, printed = _cli(args)
    return out, args, rc, printed


@pytest.mark.slow
def test_end_to_end_mi_non_decreasing_and_accuracy_follows(tiny_run):
    out, _, rc, printed = tiny_run
    assert rc == 0 and "report:" in printed
    html = (out / "report.html").read_text()
    assert html.count("<img") >= 4  # MI, accuracy/AUC, ROC curves, the example strip
    from infolens.report.readability import check_html

    assert check_html(html) == []  # figure text >= 9 px at 1,400 px, tables wrapped, headings in words
    for name in ("mi_vs_size", "accuracy_auc_vs_size", "roc_curves", "example_strip"):
        assert (out / "figures" / f"{name}.png").is_file()

    results = [r["result"] for r in _rows(out)]
    assert sorted(r["size"] for r in results) == [1, 2, 4, 8]
    assert all(not e.get("error") for r in results for e in r["estimators"].values())
    per = summarize(tidy(results))["per_size"]
    h_y = results[0]["h_y"]
    assert h_y == pytest.approx(math.log(2), abs=0.01)  # even/odd digits are balanced to 1%

    mi_methods = sorted(per.loc[per.quantity == "mi", "method"].unique())
    assert mi_methods == ["cnn CE bound", "ksg", "logreg CE bound", "mine"]
    for m in mi_methods:
        g = per[(per.quantity == "mi") & (per.method == m)].sort_values("size")
        v, se = g["value"].to_numpy(), g["se"].to_numpy()
        assert np.isfinite(se).all() and (se > 0).all(), m
        # non-decreasing within error bars: no drop larger than 2 combined standard errors
        assert monotone_violations(v, se, z=2.0) == [], (m, v, se)
        # the label is binary: I(image; label) <= H(Y) = ln 2, within 2 se
        assert (v <= h_y + 2 * se).all(), (m, v)
        # 8x8 is the native image, 1x1 its mean grey level: the full image carries clearly more
        # (all four estimators give > 0.3 nats at 8x8 and < 0.1 at 1x1 on this split)
        assert v[-1] - v[0] > 0.2, (m, v)

    for clf in ("logreg", "cnn"):
        acc = per[(per.quantity == "accuracy") & (per.method == clf)].sort_values("size")
        mi = per[(per.quantity == "mi") & (per.method == f"{clf} CE bound")].sort_values("size")
        a, ase = acc["value"].to_numpy(), acc["se"].to_numpy()
        # accuracy follows MI: it is non-decreasing within its binomial error bars too, rises
        # from near chance (1 pixel) to > 85% (the native 8x8 image), and ranks the sizes as MI does
        assert monotone_violations(a, ase, z=2.0) == [], (clf, a)
        assert a[0] < 0.7 and a[-1] > 0.85, (clf, a)
        from scipy.stats import spearmanr

        assert spearmanr(a, mi["value"]).statistic >= 0.8, (clf, a, mi["value"].to_numpy())

    summary = json.loads((out / "summary.json").read_text())
    plats = {(p["quantity"], p["method"]): p for p in summary["plateaus"]}
    p = plats[("mi", "logreg CE bound")]
    assert p["plateau size"] in (2, 4, 8) and p["90% low"] <= p["plateau size"] <= p["90% high"]


@pytest.mark.slow
def test_rerun_resumes_and_same_seed_gives_same_numbers(tiny_run):
    out, args, rc, _ = tiny_run
    assert rc == 0 and len(_rows(out)) == 4
    assert _cli(args)[0] == 0
    assert len(_rows(out)) == 4  # nothing recomputed
    # a run killed before its last job finished: drop that row, re-run, only it is redone
    lines = (out / "results.jsonl").read_text().splitlines()
    dropped = json.loads(lines[-1])
    (out / "results.jsonl").write_text("\n".join(lines[:-1]) + "\n")
    assert _cli(args)[0] == 0
    after = _rows(out)
    assert len(after) == 4
    redo = next(r for r in after if r["config"]["size"] == dropped["config"]["size"])
    a, b = redo["result"], dropped["result"]
    for clf in ("logreg", "cnn"):  # seeded on CPU: the same numbers
        assert a["classifiers"][clf]["mi"] == pytest.approx(b["classifiers"][clf]["mi"], abs=1e-9)
        assert a["classifiers"][clf]["accuracy"] == b["classifiers"][clf]["accuracy"]
    for est in ("ksg", "mine"):
        assert a["estimators"][est]["mi"] == pytest.approx(b["estimators"][est]["mi"], abs=1e-6)


@pytest.mark.slow
def test_celeba_format_study_skips_a_corrupt_image_and_keeps_labels(tmp_path):
    """A small CelebA folder in the real format, one corrupt JPEG: with skip_bad the study
    drops it (counted) and the label still decides the grey level, so logreg is perfect."""
    root = tmp_path / "celeba"
    (root / "img_align_celeba").mkdir(parents=True)
    rng = np.random.default_rng(0)
    n = 80
    male = np.tile([0, 1], n // 2)
    rows = []
    for i in range(n):
        name = f"{i + 1:06d}.jpg"
        img = np.clip(rng.normal(60 + 120 * male[i], 20, size=(22, 18)), 0, 255).astype(np.uint8)
        Image.fromarray(img).convert("RGB").save(root / "img_align_celeba" / name)
        rows.append(f"{name} {1 if male[i] else -1} {rng.choice([-1, 1])}")
    (root / "list_attr_celeba.txt").write_text(f"{n}\nMale Smiling\n" + "\n".join(rows) + "\n")
    (root / "img_align_celeba" / "000007.jpg").write_bytes(b"not a jpeg at all")
    res = run({"dataset": "celeba", "data_dir": str(root), "sizes": [2, 4], "n_train": 50, "n_test": 30,
               "estimators": {}, "classifiers": ["logreg"], "skip_bad": True, "n_jobs": 1, "verbose": False,
               "out_dir": str(tmp_path / "out"), "cache_dir": str(tmp_path / "cache")})
    rows = _rows(tmp_path / "out")
    assert all(r["result"]["skipped"] == 1 for r in rows)
    assert all(r["result"]["n_train"] + r["result"]["n_test"] == 79 for r in rows)
    assert "1 unreadable image(s) were skipped" in (tmp_path / "out" / "report.html").read_text()
    acc = res.per_size.query("quantity == 'accuracy'")["value"].to_numpy()
    # class means 60 vs 180 grey levels with sd 20 (less after averaging): separable, so a
    # misaligned label would show as errors; 30 test images leave no room for one
    assert (acc == 1.0).all()
    # without skip_bad the job fails with an error naming the file, and the run reports it
    with pytest.raises(RuntimeError, match="000007.jpg"):
        run({"dataset": "celeba", "data_dir": str(root), "sizes": [2], "n_train": 50, "n_test": 30, "estimators": {},
             "classifiers": ["logreg"], "n_jobs": 1, "verbose": False, "out_dir": str(tmp_path / "out2"),
             "cache_dir": str(tmp_path / "cache")})


def test_config_errors_name_the_key():
    with pytest.raises(ValueError, match="unknown key"):
        CompressionConfig.from_any({"datset": "digits"})
    with pytest.raises(ValueError, match="unknown method 'nope'"):
        CompressionConfig.from_any({"estimators": {"nope": {}}})
    with pytest.raises(ValueError, match="filter must be one of"):
        CompressionConfig.from_any({"filter": "sinc"})
    with pytest.raises(ValueError, match="classifiers must be one of"):
        CompressionConfig.from_any({"classifiers": ["svm"]})
    with pytest.raises(ValueError, match="n_test must be an integer"):
        CompressionConfig.from_any({"n_test": 0})


def _fake_result(size, seed, acc, mi, mi_se):
    clf = {"mi": mi, "mi_se": mi_se, "accuracy": acc, "accuracy_se": 0.01, "auc": acc, "auc_se": 0.01}
    return {"size": size, "seed": seed, "n_test": 100, "classifiers": {"logreg": clf},
            "estimators": {"ksg": {"mi": mi + 0.01, "stderr": None}, "mine": {"mi": None, "error": "ValueError: x"}}}


def test_seeds_pool_by_mean_and_the_larger_standard_error():
    results = [_fake_result(4, 0, 0.8, 0.30, 0.02), _fake_result(4, 1, 0.9, 0.40, 0.02)]
    per = summarize(tidy(results))["per_size"].set_index(["quantity", "method"])
    row = per.loc[("mi", "logreg CE bound")]
    assert row["value"] == pytest.approx(0.35)
    # between seeds: sd 0.0707 / sqrt 2 = 0.05; propagated: sqrt(0.02^2 / 2) = 0.014 -> 0.05
    assert row["se"] == pytest.approx(0.05, abs=1e-9) and row["n_seeds"] == 2
    assert ("mi", "mine") not in per.index  # a failed estimate is not a number in the table


def test_checks_flag_mi_above_h_y_and_a_drop_at_the_largest_size():
    from infolens.studies.compression import consistency_checks

    results = [_fake_result(s, 0, a, m, 0.01) for s, a, m in ((1, 0.6, 0.1), (2, 0.8, 0.5), (4, 0.9, 0.3))]
    per = summarize(tidy(results))["per_size"]
    checks = {c["check"]: c for c in consistency_checks(per, h_y=0.45, native=4)}
    above = checks["MI logreg CE bound <= H(Y) = 0.450"]
    assert not above["ok"] and "[2]" in above["detail"]  # 0.5 > 0.45 + 2 * 0.01
    drop = next(c for k, c in checks.items() if k.startswith("MI logreg CE bound at the largest"))
    assert not drop["ok"] and "data processing inequality" in drop["check"]  # 0.5 at 2 vs 0.3 at 4 (native)

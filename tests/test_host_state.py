"""Library code leaves the host's matplotlib alone: no backend switch, no pyplot, figures
as ``Figure`` objects; one-panel plots draw into a caller's ``ax``."""

import ast
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd

SRC = pathlib.Path(__file__).resolve().parents[1] / "src" / "infolens"


def test_no_backend_switch_or_pyplot_in_library_code():
    offenders = []
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "use" \
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "matplotlib":
                offenders.append(f"{path.relative_to(SRC)}:{node.lineno} matplotlib.use")
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + ([node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
                if any(n and n.startswith("matplotlib.pyplot") or n == "pyplot" for n in names):
                    offenders.append(f"{path.relative_to(SRC)}:{node.lineno} imports pyplot")
    assert not offenders, offenders


def test_plotting_keeps_the_callers_backend_and_registers_no_figure(tmp_path):
    """In a fresh interpreter whose user chose the 'pdf' backend, every figure-making function
    we can call cheaply runs, saves, and leaves the backend and pyplot untouched."""
    code = textwrap.dedent(f"""
        import sys
        import matplotlib
        matplotlib.use("pdf")
        import numpy as np, pandas as pd
        from infolens.estimators.neural.plotting import plot_curves
        from infolens.report import figures
        from infolens.infomax import plots
        from infolens.studies.privacy import plot_tradeoff
        from infolens.io import save_figure
        curves = pd.DataFrame({{"step": [1, 2, 3], "train": [0.1, 0.2, 0.3], "val": [0.1, 0.2, 0.25], "smoothed": [0.1, 0.15, 0.2]}})
        figs = [plot_curves(curves, truth=0.3)]
        tidy = pd.DataFrame({{"task": ["t", "t"], "label": ["ksg", "kl"], "n": [100, 100], "estimate": [0.5, 0.4],
                              "truth": [0.5, 0.5], "estimator_seconds": [0.1, 0.2], "seed": [0, 0]}})
        tasks = pd.DataFrame({{"task": ["t", "t"], "label": ["ksg", "kl"], "n": [100, 100], "mean": [0.5, 0.4],
                               "truth": [0.5, 0.5], "log_ratio": [0.0, -0.2]}})
        figs += [figures.heatmap(tasks), figures.estimate_vs_n(tidy), figures.time_per_estimator(tidy)]
        hist = pd.DataFrame({{"loss": [1.0, 0.5], "global": [0.1, 0.2], "local": [0.1, 0.3], "prior": [0.0, 0.1]}})
        figs += [plots.plot_training_curves({{"A": hist}})]
        figs += [plot_tradeoff(pd.DataFrame({{"label": ["gan"], "tstr_accuracy": [0.9], "mia_tpr_at_1pct_fpr": [0.02],
                                              "epsilon": [None], "trtr_accuracy": [0.95]}}))]
        for i, f in enumerate(figs):
            save_figure(f, r"{tmp_path}/fig%d" % i, formats=("png",))
        assert matplotlib.get_backend() == "pdf", matplotlib.get_backend()
        assert "matplotlib.pyplot" not in sys.modules
        print("ok", len(figs))
    """)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    assert res.stdout.strip() == "ok 6"
    assert len(list(tmp_path.glob("fig*.png"))) == 6


def test_plot_curves_draws_into_the_callers_axes():
    from matplotlib.figure import Figure

    from infolens.estimators.neural.plotting import plot_curves

    fig = Figure()
    ax1, ax2 = fig.subplots(1, 2)
    curves = pd.DataFrame({"step": np.arange(3), "train": [0.1, 0.2, 0.3], "val": [0.1, 0.2, 0.2], "smoothed": [0.1, 0.1, 0.2]})
    out = plot_curves(curves, ax=ax2, title="mine")
    assert out is fig
    assert len(ax2.lines) == 3 and not ax1.lines
    assert ax2.get_title() == "mine"

"""The Deep InfoMax figures take ``ax=`` like infolens.plotting's one-panel plots: without it a
new figure, with it the caller's axes are drawn into (one per panel) and the caller's figure comes
back; a wrong number of axes is a clear error."""

import numpy as np
import pandas as pd
import pytest

from infolens.infomax import plots
from infolens.plotting import subplots


def _map_mi():
    rng = np.random.default_rng(0)
    rows = [{"encoder": e, "seed": s, "image": i, "map": m, "method": meth, "mi": float(rng.random())}
            for e in "AB" for s in (0, 1) for i in range(3) for m in range(4) for meth in ("binning", "ksg")]
    return pd.DataFrame(rows)


def _history():
    return pd.DataFrame({"epoch": [0, 0, 1, 1], "loss": [1.0, 0.9, 0.8, 0.7], "global": [0.1, 0.2, 0.3, 0.4],
                         "local": [0.2, 0.3, 0.4, 0.5], "prior": [0.0, 0.1, 0.0, 0.1]})


def test_new_figures_have_one_panel_per_method_or_quantity():
    t = _map_mi()
    assert len(plots.plot_mi_per_map(t).axes) == 2
    per_image = t.groupby(["encoder", "seed", "image", "method"], as_index=False)["mi"].max().rename(columns={"mi": "max_mi"})
    assert len(plots.plot_max_mi_hist(per_image).axes) == 2
    assert len(plots.plot_training_curves({"A": _history()}).axes) == 4
    assert len(plots.plot_training_curves({"A": _history()}, quantities="loss").axes) == 1


def test_every_plot_draws_into_the_callers_axes():
    t = _map_mi()
    per_image = t.groupby(["encoder", "seed", "image", "method"], as_index=False)["mi"].max().rename(columns={"mi": "max_mi"})
    fig, axes = subplots(2, 3)
    assert plots.plot_mi_per_map(t, ax=axes[0, :2]) is fig
    assert plots.plot_max_mi_hist(per_image, method="ksg", ax=axes[0, 2]) is fig
    assert plots.plot_training_curves({"A": _history()}, quantities=("loss", "local"), ax=axes[1, :2]) is fig
    images = np.zeros((2, 8, 8))
    maps = {"A": np.ones((2, 3, 6, 6)), "B": np.ones((2, 3, 10, 10))}
    assert plots.plot_feature_grid(images, maps, ax=axes[1, 2]) is fig
    assert len(fig.axes) == 6  # nothing added
    assert [len(ax.get_lines()) for ax in axes[0, :2]] == [2, 2]  # one curve per encoder in each method's panel
    assert axes[0, 2].get_title() == "per-image max MI (ksg)"
    assert axes[1, 1].get_title().startswith("local bound")
    assert len(axes[1, 2].get_images()) == 1


def test_a_wrong_number_of_axes_is_a_clear_error():
    fig, axes = subplots(1, 3)
    with pytest.raises(ValueError, match="one axes per method"):
        plots.plot_mi_per_map(_map_mi(), ax=axes)
    with pytest.raises(ValueError, match="quantities must be among"):
        plots.plot_training_curves({"A": _history()}, quantities=("speed",))

"""The legibility rule of reports (infolens.report.readability): text of a figure as shown on a
1,400 px page, backticks, file-name headings, tables in their scrolling wrapper."""

import pytest

from infolens.plotting import subplots
from infolens.report.html import HtmlReport
from infolens.report.readability import CONTENT_PX, check_html, displayed_text_px


def _fig(width_in, fontsize):
    fig, ax = subplots(figsize=(width_in, 3))
    ax.plot([0, 1], [0, 1], label="a line")
    ax.set_title("title", fontsize=fontsize)
    ax.tick_params(labelsize=fontsize)
    ax.set_xlabel("x", fontsize=fontsize)
    ax.legend(fontsize=fontsize)
    return fig


def test_displayed_size_follows_dpi_and_the_shrink_to_the_page():
    # 9 pt at 110 dpi is 13.75 px when the image fits; an image twice the body's width halves it
    assert displayed_text_px(9, 110, 800) == pytest.approx(9 * 110 / 72)
    assert displayed_text_px(9, 110, 2 * CONTENT_PX) == pytest.approx(9 * 110 / 72 / 2)


def test_small_or_shrunk_text_is_flagged_and_legible_figures_pass(tmp_path):
    rep = HtmlReport("t")
    rep.add_figure(_fig(6, 10), caption="fits")        # 10 pt at 110 dpi, ~660 px wide: 15 px text
    assert check_html(rep.render()) == []
    # 7 pt on a 16-inch figure: ~1,760 px shown at 1,100 -> 7 * 110 / 72 * 0.62 = 6.7 px
    rep.add_figure(_fig(16, 7), caption="too wide")
    found = check_html(rep.render())
    assert len(found) == 1 and "too wide" in found[0] and "px" in found[0]
    # the same rule from a PNG saved by infolens.io.save_figure and embedded by path (120 dpi)
    from infolens.io import save_figure

    png = save_figure(_fig(16, 7), tmp_path / "wide", formats=("png",))[0]
    rep2 = HtmlReport("t")
    rep2.add_figure(png, caption="saved")
    assert len(check_html(rep2.render())) == 1
    png = save_figure(_fig(8, 9), tmp_path / "ok", formats=("png",))[0]
    rep3 = HtmlReport("t")
    rep3.add_figure(png, caption="saved")
    assert check_html(rep3.render()) == []


def test_backticks_raw_headings_and_unwrapped_tables_are_flagged():
    rep = HtmlReport("t")
    rep.add_heading("What the maps keep")
    rep.add_table({"a": [1.0], "b": [2.0]})
    rep.add_code("`code` in a pre block is fine")
    assert check_html(rep.render()) == []
    rep.add_heading("max_mi_hist", level=3)
    rep.add_text("see `results.csv`")
    rep.add_html("<table><tr><td>1</td></tr></table>")
    found = check_html(rep.render())
    assert any("backtick" in f for f in found)
    assert any("'max_mi_hist'" in f and "file name" in f for f in found)
    assert any("1 of 2 table(s)" in f for f in found)


def test_code_identifier_columns_are_flagged_and_add_table_names_them_with_spaces():
    rep = HtmlReport("t")
    rep.add_table({"mia_tpr_at_1pct_fpr": [0.01]})          # shown as "mia tpr at 1pct fpr": it can wrap
    assert "mia tpr at 1pct fpr" in rep.render() and check_html(rep.render()) == []
    rep.add_html("<div class='table-wrap'><table><tr><th>ks_pvalue</th></tr><tr><td>1</td></tr></table></div>")
    found = check_html(rep.render())
    assert len(found) == 1 and "ks_pvalue" in found[0]

"""Charts: the sheltered chart's baseline and what its bars and labels must show."""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.text import Text

import safezones as sz
from safezones import viz
from safezones._text import people

# Baselines live in tests/viz/baseline; regenerate after a deliberate change with
#   pytest tests/viz --mpl-generate-path=tests/viz/baseline
MPL = {"baseline_dir": "baseline", "tolerance": 3, "savefig_kwargs": {"dpi": 45},
       "style": "default"}  # fmt: skip
ATTRIBUTIONS = ("Natural Earth (public domain)", "OCHA, UNCS (CC BY-IGO)", "UCDP GED (CC BY 4.0)")


def _texts(fig) -> str:
    return "\n".join(t.get_text() for t in fig.findobj(Text))


@pytest.mark.mpl_image_compare(**MPL, filename="sheltered_chart.png")
def test_baseline_sheltered_chart(results):
    fig, _ = viz.sheltered_chart(list(results.values()))
    return fig


def test_sheltered_chart_sorted_bars_span_p5_to_p95(results):
    rs = list(results.values())
    fig, ax = viz.sheltered_chart(rs)
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    p50 = {r.scenario.id: r.totals.loc["sheltered", "p50"] for r in rs}
    assert ticks == sorted(p50, key=p50.get)
    for patch, sid in zip(ax.patches, ticks, strict=True):
        t = results[sid].totals.loc["sheltered"]
        assert patch.get_x() == pytest.approx(t["p5"])
        assert patch.get_x() + patch.get_width() == pytest.approx(t["p95"])
    text = _texts(fig)
    r = results["aleppo-freeze"].totals.loc["sheltered"]
    assert f"{people(r['p50'])} ({people(r['p5'])} to {people(r['p95'])})" in text
    with pytest.raises(sz.SafeZonesError, match="no results to chart"):
        viz.sheltered_chart(pd.DataFrame(columns=["scenario", "sheltered_p50"]))
    with pytest.raises(sz.SafeZonesError, match="lacks sheltered_p5, sheltered_p95"):
        viz.sheltered_chart(pd.DataFrame({"scenario": ["a"], "sheltered_p50": [1.0]}))

"""The memo's figures: each scenario's map, the comparison chart and maps, as PNG bytes."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from safezones.viz.charts import sheltered_chart
from safezones.viz.maps import compare_maps, scenario_map

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from safezones.model.result import ScenarioResult

__all__ = ["MEMO_WIDTH_IN", "memo_figures", "png"]

#: Width of memo figures (in): the text width of A4 with 15 mm margins, so the
#: PDF shows them at 100 % and their smallest text stays at 6 pt.
MEMO_WIDTH_IN = 180 / 25.4


def memo_figures(
    results: Sequence[ScenarioResult], events_style: str, tick: Callable[[str], None]
) -> dict[str, Figure]:
    """Draw the memo's figures, keyed ``<scenario id>-map``, ``comparison-chart``, ``comparison-maps``."""
    figs: dict[str, Figure] = {}
    for r in results:
        tick(f"map of {r.scenario.id}")
        figs[f"{r.scenario.id}-map"], _ = scenario_map(
            r, events_style=events_style, width=MEMO_WIDTH_IN
        )
    tick("comparison chart")
    figs["comparison-chart"], _ = sheltered_chart(results, width=MEMO_WIDTH_IN)
    if len(results) > 1:
        tick("comparison maps")
        figs["comparison-maps"], _ = compare_maps(results, width=MEMO_WIDTH_IN)
    return figs


def png(fig: Figure, dpi: int) -> bytes:
    """Return the figure as PNG bytes on white."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()

"""The memo's figures: each scenario's map, the comparison chart and maps, the backtests' charts."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from safezones._text import mpl_literal
from safezones.viz.charts import sheltered_chart
from safezones.viz.format import wrap
from safezones.viz.maps import compare_maps, scenario_map
from safezones.viz.validation import timeseries_chart, validation_chart

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from safezones.model.result import ScenarioResult
    from safezones.validate.backtest import Validation

__all__ = [
    "MEMO_WIDTH_IN",
    "VALIDATION_FIGURES",
    "memo_figures",
    "png",
    "validation_figures",
    "with_validation_figures",
]

#: The validation section's figures, by the key the memo gives them.
VALIDATION_FIGURES = ("validation-chart", "validation-timeseries")

#: Width of memo figures (in): the text width of A4 with 15 mm margins, so the
#: PDF shows them at 100 % and their smallest text stays at 6 pt.
MEMO_WIDTH_IN = 180 / 25.4


def memo_figures(
    results: Sequence[ScenarioResult], events_style: str, tick: Callable[[str], None]
) -> dict[str, Figure]:
    """Draw the memo's figures, keyed ``<scenario id>-map``, ``comparison-chart``, ``comparison-maps``.

    Then the bundled backtests' charts, keyed as :data:`VALIDATION_FIGURES`
    (:func:`validation_figures`).
    """
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
    tick("validation charts")
    figs.update(validation_figures())
    return figs


def validation_figures(val: Validation | None = None) -> dict[str, Figure]:
    """Draw the backtests' charts at the memo's width (the bundled defaults' by default).

    ``validation-chart``: predicted against observed, a panel per backtest in a 2 by 2
    grid whose fourth cell holds the sources; ``validation-timeseries``: observed and
    predicted over time, one panel a row. At :data:`MEMO_WIDTH_IN` the PDF shows them
    at 100 %, so the charts' 6 pt text stays 6 pt.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    from safezones.validate.backtest import bundled_validation

    v = bundled_validation() if val is None else val
    # the charts' text at the memo's width, in points: the smallest stays 6
    with plt.rc_context(
        {"font.size": 7, "axes.labelsize": 7, "xtick.labelsize": 6.5, "ytick.labelsize": 6.5}
    ):
        fig = plt.figure(figsize=(MEMO_WIDTH_IN, MEMO_WIDTH_IN), layout="constrained")
        axs = fig.subplots(2, 2)
        validation_chart(v, axes=list(axs.flat[:3]))
        for ax in axs.flat[:3]:  # the charts' titles, wrapped to the memo's narrower panels
            ax.set_title(wrap(ax.get_title(loc="left").replace("\n", " "), 44), loc="left",
                         fontsize=7.5)  # fmt: skip
        note = axs.flat[3]
        note.axis("off")
        note.text(0.0, 0.9, wrap(mpl_literal(
            "Each point is one unit and period: observed (across) against the model's P50 "
            "(up), its bar P5 to P95; on the dashed line the model is exact. Blue: training "
            "years; vermilion: test years. Observed: UNHCR Refugee Data Finder (CC BY 4.0); "
            "OCHA IDP movements, January 2019 workbook; CCCM ISIMM north-west Syria sites. "
            f"Predicted: safezones at the default parameters, {v.draws:,} draws "
            "(data/validation.json)."), 52), transform=note.transAxes, va="top", fontsize=6.5)  # fmt: skip
        ts = plt.figure(figsize=(MEMO_WIDTH_IN, MEMO_WIDTH_IN * 1.05), layout="constrained")
        tax = ts.subplots(3, 1)
        timeseries_chart(v, axes=list(tax))
        for ax in tax[:2]:  # the rows of the refugees and movements are years
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        tax[0].legend(fontsize=6, frameon=False, loc="center left", bbox_to_anchor=(1.0, 0.5))
        ts.supxlabel(wrap(mpl_literal(
            "Observed: UNHCR Refugee Data Finder (CC BY 4.0); OCHA IDP movements, January 2019 "
            "workbook; CCCM ISIMM north-west Syria sites. Predicted: safezones at the default "
            f"parameters, P50 with P5-P95 over {v.draws:,} draws (data/validation.json)."), 150),
            fontsize=6)  # fmt: skip
    return {"validation-chart": fig, "validation-timeseries": ts}


def with_validation_figures(figs: dict[str, Figure], val: Validation) -> dict[str, Figure]:
    """Return ``figs`` with ``val``'s charts (:func:`validation_figures`) where they are missing."""
    if any(k not in figs for k in VALIDATION_FIGURES):
        figs.update(validation_figures(val))
    return figs


def png(fig: Figure, dpi: int) -> bytes:
    """Return the figure as PNG bytes on white."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()

"""Charts that are not maps: people sheltered per scenario, Sobol indices, a sweep's response.

Each function takes an optional ``ax`` and returns ``(fig, ax)``; a new figure
is A4 wide with a source line under the chart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from safezones._text import literal_text, people
from safezones.errors import SafeZonesError
from safezones.viz.format import (
    A4_WIDTH_IN,
    KIND_COLOURS,
    SEED_COLOUR,
    as_results,
    fit_width,
    metric_label,
    wrap,
)

if TYPE_CHECKING:
    from safezones.model.result import ScenarioResult

__all__ = [
    "NOT_PEOPLE",
    "comparison_chart",
    "response_chart",
    "sensitivity_chart",
    "sheltered_chart",
]


#: Metrics that count no people: their axes say what they count, their numbers
#: keep a decimal below 10 (:func:`safezones.viz.control.deaths_text`).
NOT_PEOPLE = frozenset({"deaths_averted"})


def _quantity(metric: str) -> str:
    """Return what an axis of ``metric`` counts: "people sheltered", "deaths averted per year"."""
    return metric_label(metric) if metric in NOT_PEOPLE else f"people {metric_label(metric)}"


def _number(metric: str) -> Any:
    """Return the formatter of a metric's values (people, or deaths with a decimal)."""
    from safezones.viz.control import deaths_text

    return deaths_text if metric in NOT_PEOPLE else people


@literal_text
def sheltered_chart(
    results: Sequence[ScenarioResult] | Mapping[str, ScenarioResult] | pd.DataFrame,
    *,
    metric: str = "sheltered",
    ax: Axes | None = None,
    note: str | None = "Source: safezones scenarios (see comparison.md); data: UCDP GED "
    "(CC BY 4.0), OCHA/UNCS (CC BY-IGO), GeoNames (CC BY 4.0), Natural Earth (public domain).",
    width: float = A4_WIDTH_IN,
) -> tuple[Figure, Axes]:
    """P5-P95 bars with the P50 marked, one row per scenario, sorted, labelled in people.

    Parameters
    ----------
    results
        ScenarioResults, or a comparison table (see
        :func:`safezones.scenario.comparison_table`) with ``scenario`` and
        ``{metric}_p5``, ``_p50``, ``_p95`` columns.
    metric
        Which metric to show (a people metric, or ``deaths_averted``: deaths per
        year, without the displaced marker).
    note
        Source line under the chart (only on a new figure).
    width
        Width of a new figure in inches (A4 by default).

    Examples
    --------
    >>> t = pd.DataFrame({"scenario": ["a", "b"], "sheltered_p5": [1e6, 2e6],
    ...                   "sheltered_p50": [1.5e6, 2.5e6], "sheltered_p95": [2e6, 3e6],
    ...                   "displaced_p50": [7.6e6, 7.6e6]})
    >>> fig, ax = sheltered_chart(t)
    >>> [lab.get_text() for lab in ax.get_yticklabels()]  # bottom to top: largest on top
    ['a', 'b']
    """
    if isinstance(results, pd.DataFrame):
        table = results
    else:
        from safezones.model.comparison import comparison_table

        table = comparison_table(as_results(results))
    if not len(table):
        raise SafeZonesError("no results to chart: the comparison table is empty")
    missing = [f"{metric}_{q}" for q in ("p5", "p50", "p95") if f"{metric}_{q}" not in table]
    if missing:
        raise SafeZonesError(
            f"the table lacks {', '.join(missing)}; metrics are columns like sheltered_p50"
        )
    if ax is None:
        h = 1.45 + 0.42 * len(table) + (0.3 if note else 0)
        fig = plt.figure(figsize=(width, h))
        bottom = (0.55 + (0.3 if note else 0)) / h
        ax = fig.add_axes((2.1 / width, bottom, 1 - 2.4 / width, 1 - bottom - 0.7 / h))
        if note:
            fig.text(
                0.3 / width,
                0.12 / h,
                fit_width(fig, note, width - 0.6, fontsize=6),
                fontsize=6,
                color="#404040",
            )
    else:
        fig = ax.get_figure()  # type: ignore[assignment]
    t = table.sort_values(f"{metric}_p50").reset_index(drop=True)
    y = np.arange(len(t))
    lo, mid, hi = (t[f"{metric}_{q}"].to_numpy(dtype=float) for q in ("p5", "p50", "p95"))
    ax.barh(
        y, hi - lo, left=lo, height=0.5, color=KIND_COLOURS["refuge"], alpha=0.45, label="P5 to P95"
    )
    ax.plot(mid, y, "o", color="black", markersize=5, label="P50")
    right = float(np.nanmax(hi)) if len(hi) else 1.0
    num = _number(metric)
    if "displaced_p50" in t.columns and metric != "displaced" and metric not in NOT_PEOPLE:
        disp = t["displaced_p50"].to_numpy(dtype=float)
        ax.plot(disp, y, "|", color=SEED_COLOUR, markersize=14, mew=2, label="displaced (P50)")
        right = max(right, float(np.nanmax(disp)))
    for yi, (a, m, b) in enumerate(zip(lo, mid, hi, strict=True)):
        ax.text(
            b + 0.01 * right,
            yi,
            f"{num(m)} ({num(a)} to {num(b)})",
            va="center",
            ha="left",
            fontsize=7,
        )
    ax.set_yticks(y, [wrap(str(s), 30) for s in t["scenario"]])
    ax.set_ylim(-0.6, len(t) - 0.4)
    ax.set_xlim(0, right * 1.32 if right > 0 else 1)
    ax.xaxis.set_major_formatter(mpl.ticker.FuncFormatter(lambda v, _: num(v)))
    ax.set_xlabel(_quantity(metric), fontsize=8)
    ax.tick_params(labelsize=7.5)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    for s in ("top", "right"):
        ax.spines[s].set_visible(False)
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=3, fontsize=7, frameon=False)
    ax.set_title(
        f"{_quantity(metric).capitalize()} per scenario: P50, P5 to P95",
        fontsize=10,
        loc="left",
        pad=18,
    )
    return fig, ax


@literal_text
def comparison_chart(table: pd.DataFrame, **kwargs: Any) -> tuple[Figure, Axes]:
    """:func:`sheltered_chart` of a comparison table (the name used before issue 6)."""
    return sheltered_chart(table, **kwargs)


_SWEEP_NOTE = (
    "Source: safezones sweep of the base scenario (see sweep.json); data: UCDP GED (CC BY 4.0), "
    "OCHA/UNCS (CC BY-IGO), GeoNames (CC BY 4.0), Natural Earth (public domain)."
)


def _chart_axes(width: float, height: float, note: str | None, left: float) -> tuple[Figure, Axes]:
    fig = plt.figure(figsize=(width, height))
    bottom = (0.6 + (0.3 if note else 0)) / height
    ax = fig.add_axes((left / width, bottom, 1 - (left + 0.3) / width, 1 - bottom - 0.75 / height))
    if note:
        fig.text(0.3 / width, 0.12 / height, fit_width(fig, note, width - 0.6, fontsize=6),
                 fontsize=6, color="#404040")  # fmt: skip
    return fig, ax


def _tidy(ax: Axes, grid_axis: str) -> None:
    ax.tick_params(labelsize=7.5)
    ax.grid(axis=grid_axis, color="#dddddd", linewidth=0.6)  # type: ignore[arg-type]
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


@literal_text
def sensitivity_chart(
    indices: pd.DataFrame,
    *,
    metric: str = "sheltered_p50",
    ax: Axes | None = None,
    note: str | None = _SWEEP_NOTE,
    width: float = A4_WIDTH_IN,
) -> tuple[Figure, Axes]:
    """Sobol first-order and total indices of each parameter, with 95 % intervals.

    ``indices`` is :func:`safezones.sweep.sensitivity`'s table. Parameters are
    sorted by total index, the most influential on top.

    Examples
    --------
    >>> idx = pd.DataFrame({"metric": ["y", "y"], "parameter": ["a", "b"], "S1": [0.6, 0.1],
    ...     "S1_conf": [0.05, 0.02], "ST": [0.7, 0.3], "ST_conf": [0.05, 0.03]})
    >>> fig, ax = sensitivity_chart(idx, metric="y")
    >>> [t.get_text() for t in ax.get_yticklabels()]  # bottom to top
    ['b', 'a']
    """
    need = {"metric", "parameter", "S1", "S1_conf", "ST", "ST_conf"}
    if not need <= set(indices.columns):
        raise SafeZonesError(
            f"the table lacks {sorted(need - set(indices.columns))}; pass safezones.sweep.sensitivity()'s"
        )
    t = indices[indices["metric"] == metric]
    if not len(t):
        have = ", ".join(sorted(indices["metric"].unique()))
        raise SafeZonesError(f"no indices for {metric!r}; the table has: {have}")
    t = t.sort_values("ST").reset_index(drop=True)
    if ax is None:
        fig, ax = _chart_axes(width, 1.5 + 0.45 * len(t) + (0.3 if note else 0), note, 2.3)
    else:
        fig = ax.get_figure()  # type: ignore[assignment]
    y = np.arange(len(t))
    ax.barh(y + 0.18, t["ST"], height=0.34, xerr=t["ST_conf"], color=KIND_COLOURS["refuge"],
            error_kw={"lw": 0.8}, label="total (ST)")  # fmt: skip
    ax.barh(y - 0.18, t["S1"], height=0.34, xerr=t["S1_conf"], color=KIND_COLOURS["freeze"],
            error_kw={"lw": 0.8}, label="first order (S1)")  # fmt: skip
    ax.set_yticks(y, [wrap(str(s), 34) for s in t["parameter"]])
    ax.set_xlim(0, max(1.0, float(np.nanmax(t["ST"] + t["ST_conf"])) * 1.05))
    ax.set_xlabel("share of the variance of " + metric_label(metric), fontsize=8)
    _tidy(ax, "x")
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=2, fontsize=7, frameon=False)
    ax.set_title(f"Sensitivity of {metric_label(metric)}: Sobol indices", fontsize=10,
                 loc="left", pad=18)  # fmt: skip
    return fig, ax


@literal_text
def response_chart(
    results: pd.DataFrame,
    x: str,
    *,
    metric: str = "sheltered",
    colour: str | None = None,
    threshold: float | None = None,
    ax: Axes | None = None,
    note: str | None = _SWEEP_NOTE,
    width: float = A4_WIDTH_IN,
) -> tuple[Figure, Axes]:
    """How a metric responds to one parameter across a sweep: P50 points, P5-P95 bars.

    Parameters
    ----------
    results
        A sweep's results (:func:`safezones.sweep.read_results`).
    x
        The parameter on the x axis (a key path, e.g. ``zones.turkey.depth_km``).
    metric
        The metric (its ``_p5``, ``_p50``, ``_p95`` columns are read).
    colour
        Another parameter to colour the points by (viridis, with a colour bar).
    threshold
        Draw a line at this value, e.g. one million people.

    Examples
    --------
    >>> r = pd.DataFrame({"d": [10.0, 20.0, 30.0], "sheltered_p5": [1e5, 2e5, 3e5],
    ...     "sheltered_p50": [2e5, 4e5, 6e5], "sheltered_p95": [3e5, 5e5, 8e5]})
    >>> fig, ax = response_chart(r, "d", threshold=5e5)
    >>> ax.get_xlabel()
    'd'
    """
    cols = [x, *(f"{metric}_{q}" for q in ("p5", "p50", "p95"))] + ([colour] if colour else [])
    missing = [c for c in cols if c not in results.columns]
    if missing:
        raise SafeZonesError(f"the results lack the columns {missing}")
    if ax is None:
        fig, ax = _chart_axes(width, 3.6 + (0.3 if note else 0), note, 0.9)
    else:
        fig = ax.get_figure()  # type: ignore[assignment]
    xs = results[x].to_numpy(dtype=float)
    lo, mid, hi = (results[f"{metric}_{q}"].to_numpy(dtype=float) for q in ("p5", "p50", "p95"))
    if np.any(hi > lo):
        ax.vlines(xs, lo, hi, color="#9a9a9a", linewidth=0.6, alpha=0.6, label="P5 to P95")
    if colour:
        sc = ax.scatter(xs, mid, c=results[colour].to_numpy(dtype=float), cmap="viridis", s=9,
                        label="P50")  # fmt: skip
        cb = fig.colorbar(sc, ax=ax, pad=0.01, fraction=0.04)
        cb.set_label(colour, fontsize=7)
        cb.ax.tick_params(labelsize=6.5)
    else:
        ax.scatter(xs, mid, color=KIND_COLOURS["refuge"], s=9, label="P50")
    if threshold is not None:
        ax.axhline(threshold, color=SEED_COLOUR, linewidth=1, linestyle="--",
                   label=f"threshold {people(threshold)}")  # fmt: skip
    num = _number(metric)
    ax.yaxis.set_major_formatter(mpl.ticker.FuncFormatter(lambda v, _: num(v)))
    ax.set_xlabel(x, fontsize=8)
    ax.set_ylabel(_quantity(metric), fontsize=8)
    _tidy(ax, "y")
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=3, fontsize=7, frameon=False)
    ax.set_title(f"{_quantity(metric).capitalize()} against {x}", fontsize=10, loc="left", pad=18)
    return fig, ax

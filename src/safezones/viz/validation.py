"""Charts of the backtests: predicted against observed (1:1 line, P5-P95 bars), and over time.

Each function takes an optional ``ax`` (or axes) and returns ``(fig, ax)``; a new
figure is A4 wide with the sources under the charts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from safezones._text import mpl_literal, people
from safezones.defaults import LEAVE_DESTINATIONS
from safezones.validate.backtest import BACKTESTS, SPLITS, Backtest, Validation
from safezones.viz.format import A4_WIDTH_IN, metric_text, wrap

__all__ = ["SPLIT_COLOURS", "TITLES", "backtest_chart", "timeseries_chart", "validation_chart"]

#: Colours of the training and test rows (colour-blind safe: Okabe-Ito blue and vermilion).
SPLIT_COLOURS = {"train": "#0072B2", "test": "#D55E00"}
#: Short titles of the backtests.
TITLES = {
    "refugees_by_host": "Refugees by host country (UNHCR), end of year",
    "movements_by_governorate": "IDP movements by governorate of arrival (OCHA), per year",
    "sites_by_district": "People in north-west border sites by district (CCCM), per month",
}
_SOURCES = (
    "Observed: UNHCR Refugee Data Finder (CC BY 4.0); OCHA IDP movements, January 2019 "
    "workbook; CCCM ISIMM north-west Syria sites. Predicted: safezones, P50 with P5-P95."
)


def _metric_line(bt: Backtest, split: str) -> str:
    m = bt.metrics.get(split)
    if not m:
        return f"{split}: no rows"

    return (
        f"{split} ({m['units']}): ARD {metric_text(m['ard'])}, "
        f"Spearman {metric_text(m['spearman'])}, in P5-P95 {metric_text(m['coverage'], share=True)}"
    )


def backtest_chart(bt: Backtest, *, ax: Axes | None = None) -> tuple[Figure, Axes]:
    """Plot predicted P50 (P5-P95 bars) against observed on log axes, with the 1:1 line."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(A4_WIDTH_IN / 2, A4_WIDTH_IN / 2), layout="constrained")
    else:
        fig = ax.get_figure()  # type: ignore[assignment]
    rows = bt.rows[bt.rows["scored"]] if len(bt.rows) else bt.rows
    zeros = int((rows["observed"] <= 0).sum()) if len(rows) else 0
    if zeros:  # a log axis cannot show them; ARD leaves them out too
        rows = rows[rows["observed"] > 0]
    lo_all = []
    for split, part in rows.groupby("split") if len(rows) else []:
        o = np.maximum(part["observed"].to_numpy(float), 1.0)
        p50 = np.maximum(part["p50"].to_numpy(float), 1.0)
        err = np.vstack(
            [
                p50 - np.maximum(part["p5"].to_numpy(float), 1.0),
                np.maximum(part["p95"].to_numpy(float), 1.0) - p50,
            ]
        )
        ax.errorbar(
            o,
            p50,
            yerr=np.maximum(err, 0),
            fmt="o",
            ms=4,
            lw=0.8,
            alpha=0.8,
            color=SPLIT_COLOURS.get(str(split), "grey"),
            label=f"{split} years",
        )
        lo_all += [o.min(), p50.min(), o.max(), part["p95"].max()]
    if lo_all:
        lo, hi = max(min(lo_all) / 2, 1.0), max(lo_all) * 2
        ax.plot([lo, hi], [lo, hi], color="black", lw=0.8, ls="--", label="1:1 (perfect)")
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.xaxis.set_major_formatter(lambda v, _: people(v))
    ax.yaxis.set_major_formatter(lambda v, _: people(v))
    ax.set_xlabel("observed (people)")
    ax.set_ylabel("predicted P50 (people), bars P5-P95")
    ax.set_title(wrap(TITLES.get(bt.name, bt.name), 48), fontsize=9, loc="left")
    ax.text(
        0.02,
        0.98,
        "\n".join(
            [
                *(_metric_line(bt, s) for s in ("train", "test")),
                *([f"{zeros} observed zeros not drawn (log axes)"] if zeros else []),
            ]
        ),
        transform=ax.transAxes,
        va="top",
        fontsize=6.5,
    )
    ax.legend(loc="lower right", fontsize=6.5, frameon=False)
    ax.grid(True, which="major", lw=0.3, alpha=0.5)
    return fig, ax


def validation_chart(val: Validation, *, axes: Sequence[Axes] | None = None) -> tuple[Figure, Any]:
    """Plot every backtest of ``val`` side by side (:func:`backtest_chart`)."""
    names = [n for n in BACKTESTS if n in val.backtests]
    if axes is None:
        fig, axs = plt.subplots(
            1, len(names), figsize=(A4_WIDTH_IN * 1.5, A4_WIDTH_IN / 2 + 0.6), layout="constrained"
        )
        axs = np.atleast_1d(axs)
        engine: Any = fig.get_layout_engine()
        engine.set(rect=(0, 0.06, 1, 0.94))
        fig.text(
            0.01,
            0.01,
            wrap(
                mpl_literal(_SOURCES) + f" {val.draws} draws, parameters: "
                f"{mpl_literal(val.params_source)}.",
                200,
            ),
            fontsize=6,
        )
    else:
        axs = np.asarray(axes)
        fig = axs[0].get_figure()
    for ax, n in zip(axs, names, strict=False):
        backtest_chart(val.backtests[n], ax=ax)
    return fig, axs


def _band(ax: Axes, x: Sequence[Any], t: pd.DataFrame, colour: str, label: str) -> None:
    ax.fill_between(x, t["p5"], t["p95"], color=colour, alpha=0.2, lw=0)
    ax.plot(x, t["p50"], color=colour, lw=1.2, ls="--", label=f"{label} predicted P50 (P5-P95)")


def timeseries_chart(val: Validation, *, axes: Sequence[Axes] | None = None) -> tuple[Figure, Any]:
    """Plot observed and predicted over time: refugees by host, movements, the sites' total.

    Totals are the backtests' ``totals``: the P5-P95 of the predicted total over the
    draws, not sums of the units' percentiles.
    """
    if axes is None:
        fig, axs = plt.subplots(
            1, 3, figsize=(A4_WIDTH_IN * 1.5, A4_WIDTH_IN / 2 + 0.4), layout="constrained"
        )
    else:
        axs = np.asarray(axes)
        fig = axs[0].get_figure()
    colours = dict(
        zip(
            LEAVE_DESTINATIONS, ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00"), strict=True
        )
    )
    bt = val.backtests.get("refugees_by_host")
    if bt is not None and len(bt.rows):
        for c, part in bt.rows.groupby("country"):
            part = part.sort_values("year")
            col = colours.get(str(c), "grey")
            axs[0].plot(
                part["year"], part["observed"], "o-", color=col, lw=1.2, ms=3, label=f"{c} observed"
            )
            _band(axs[0], part["year"].tolist(), part, col, str(c))
        axs[0].set_title("Refugees by host, end of year", fontsize=9, loc="left")
        axs[0].set_xticks(sorted(bt.rows["year"].unique().tolist()))
    bt = val.backtests.get("movements_by_governorate")
    if bt is not None and len(bt.totals):
        tot = bt.totals
        axs[1].plot(
            tot["year"],
            tot["observed"],
            "o-",
            color="black",
            lw=1.2,
            ms=3,
            label="observed (all governorates)",
        )
        _band(axs[1], tot["year"].tolist(), tot, "#0072B2", "total")
        axs[1].set_title("IDP movements, all governorates, per year", fontsize=9, loc="left")
        axs[1].set_xticks(tot["year"].tolist())
    bt = val.backtests.get("sites_by_district")
    if bt is not None and len(bt.totals):
        tot = bt.totals
        x = pd.PeriodIndex(tot["month"], freq="M").to_timestamp()
        axs[2].plot(
            x,
            tot["observed"],
            "o-",
            color="black",
            lw=1.2,
            ms=3,
            label="observed (the zone's districts)",
        )
        _band(axs[2], list(x), tot, "#009E73", "total")
        axs[2].set_title("People in the zone's sites, per month", fontsize=9, loc="left")
        axs[2].tick_params(axis="x", labelrotation=30)
    for ax, name in zip(axs, ("refugees_by_host", "movements_by_governorate", "sites_by_district"),
                        strict=False):  # fmt: skip
        test = SPLITS[name]["test"]
        edge: Any = (
            (min(test) - 0.5) if name != "sites_by_district" else pd.Timestamp(min(test), 1, 1)
        )
        ax.axvline(edge, color="grey", lw=0.8, ls=":")
        ax.text(edge, 1.0, " test years", transform=ax.get_xaxis_transform(), fontsize=6,
                va="top", ha="left", color="grey")  # fmt: skip
    for ax in axs:
        ax.yaxis.set_major_formatter(lambda v, _: people(v))
        ax.legend(fontsize=6, frameon=False)
        ax.grid(True, lw=0.3, alpha=0.5)
        ax.set_ylim(bottom=0)
    return fig, axs

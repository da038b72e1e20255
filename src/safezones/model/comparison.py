"""Scored scenarios side by side: one row per scenario (:func:`comparison_table`).

:func:`safezones.scenario.compare` runs them; :mod:`safezones.export.comparison`
writes the table as comparison.csv and comparison.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from safezones.model.metrics import QUANTILES
from safezones.model.tables import population_total

if TYPE_CHECKING:
    from safezones.model.result import ScenarioResult

__all__ = ["comparison_table"]


def comparison_table(results: Sequence[ScenarioResult]) -> pd.DataFrame:
    """Return one row per scenario: every metric's P5/P50/P95, the allocation, draws and source.

    ``population_p5``/``_p50``/``_p95`` (everyone living in any zone, before
    displacement) follow the metrics. When the zones were measured against a
    control layer, ``area_before_cut_km2`` and ``kept`` (the share of the area
    that survives ``control.exclude_held_by``) follow ``area_km2``.

    Parameters
    ----------
    results
        Scored scenarios, in the order of the rows.

    Returns
    -------
    pandas.DataFrame
        Columns ``scenario``, ``title``, ``zones``, ``area_km2``,
        [``area_before_cut_km2``, ``kept``], ``allocation``,
        ``window``, ``<metric>_<quantile>``, ``population_<quantile>``,
        ``draws``, ``seed``, ``citation``.
    """
    rows = []
    for r in results:
        row: dict[str, Any] = {
            "scenario": r.scenario.id,
            "title": r.scenario.title,
            "zones": len(r.zones),
            "area_km2": float(r.zones["area_km2"].sum()),
            **_kept(r),
            "allocation": r.provenance["allocation"],
            "window": f"{r.provenance['window']['start']} to {r.provenance['window']['end']}",
        }
        for m in r.totals.index:
            for q in QUANTILES:
                row[f"{m}_{q}"] = float(r.totals.loc[m, q])
        for q, v in population_total(r).items():
            row[f"population_{q}"] = v
        row["draws"] = r.provenance["draws"]
        row["seed"] = r.provenance["seed"]
        row["citation"] = r.scenario.source.citation
        rows.append(row)
    return pd.DataFrame(rows)


def _kept(result: ScenarioResult) -> dict[str, float]:
    """Return the zones' area before the cut and the share kept; {} without a control layer."""
    pz = getattr(result, "per_zone", None)
    if pz is None or "area_before_cut_km2" not in pz.columns:
        return {}
    before = float(pz["area_before_cut_km2"].sum())
    after = float(pz["area_km2"].sum())
    return {"area_before_cut_km2": before, "kept": after / before if before > 0 else float("nan")}

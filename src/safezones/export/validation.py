"""The validation folder: validation.json, one CSV per backtest, metrics.csv, charts, a README.

Written atomically, under the rule of every safezones output (a new, empty or earlier
safezones folder only; :func:`safezones.io.atomic.check_output_dir`). Text that came
from a user's file (names, codes) is escaped for spreadsheets (:func:`safezones._text.csv_frame`).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from safezones._text import csv_frame, markdown_cell
from safezones.io.atomic import atomic_dir, check_output_dir
from safezones.validate.backtest import BACKTESTS, LIMITS, SPLITS, Validation
from safezones.validate.metrics import METRICS
from safezones.viz.format import metric_text

__all__ = [
    "ROW_FIELDS",
    "clean",
    "metrics_table",
    "validation_dict",
    "validation_markdown",
    "write_validation",
]

_SCORED = ("observed", "p5", "p50", "p95", "split", "window")
#: The fields of each backtest's rows in validation.json, in order: the unit, the figures
#: and split, then what the backtest adds.
ROW_FIELDS: dict[str, tuple[str, ...]] = {
    "refugees_by_host": ("year", "country", *_SCORED),
    "movements_by_governorate": ("year", "governorate", *_SCORED, "months"),
    "sites_by_district": ("year", "month", "district", *_SCORED, "zone_area_km2",
                          "observed_per_km2", "capacity_per_km2", "incomplete", "scored"),
}  # fmt: skip


def clean(v: Any) -> Any:
    """Return ``v`` as JSON takes it: numpy scalars as Python, NaN and infinities as None."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if hasattr(v, "item"):
        return clean(v.item())
    if isinstance(v, dict):
        return {k: clean(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [clean(x) for x in v]
    return v


def validation_dict(
    val: Validation, *, calibration: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Return what validation.json holds: per backtest its rows and metrics, then how it was made."""
    out: dict[str, Any] = {}
    for name, bt in val.backtests.items():
        fields = [f for f in ROW_FIELDS[name] if f in bt.rows.columns]
        rows = bt.rows[fields].to_dict(orient="records") if len(bt.rows) else []
        out[name] = {
            "rows": rows,
            "metrics": bt.metrics,
            "what": BACKTESTS[name],
            "periods": {k: list(v) for k, v in SPLITS[name].items()},
            "skipped": bt.skipped,
            "notes": bt.notes,
            "limits": LIMITS[name],
            "source": bt.source,
            "sha256": bt.sha256,
            "totals": bt.totals.to_dict(orient="records"),
        }
    out["metrics_defined"] = METRICS
    out["model"] = {
        "draws": val.draws,
        "seed": val.seed,
        "parameters": val.params_source,
        "values": {k: v for k, v in val.params.__dict__.items()},
    }
    if calibration is not None:
        out["calibration"] = {
            k: calibration[k] for k in ("values", "identified", "periods") if k in calibration
        }
    return clean(out)  # type: ignore[no-any-return]


def metrics_table(val: Validation) -> pd.DataFrame:
    """Return one row per backtest and period: ``backtest, period, units, ard, spearman, coverage``."""
    rows = []
    for name, bt in val.backtests.items():
        for period, m in bt.metrics.items():
            rows.append(
                {
                    "backtest": name,
                    "period": period,
                    "units": m.get("units"),
                    "ard": m.get("ard"),
                    "ard_flee": m.get("ard_flee"),
                    "spearman": m.get("spearman"),
                    "coverage": m.get("coverage"),
                }
            )
    return pd.DataFrame(
        rows, columns=["backtest", "period", "units", "ard", "ard_flee", "spearman", "coverage"]
    )


#: What each column of the backtests' CSVs and of metrics.csv holds.
COLUMNS: dict[str, str] = {
    "year": "the year of the row (end of year for refugees; the month's year for sites)",
    "month": "the month of a site count, YYYY-MM",
    "country": "host country, ISO3",
    "governorate": "governorate of arrival, OCHA P-code",
    "district": "district of the sites, OCHA P-code",
    "observed": "the observed figure, as in the file (people; OCHA: movements, a flow)",
    "p5": "predicted, 5th percentile over the draws (people)",
    "p50": "predicted, median over the draws (people): the figure the metrics score",
    "p95": "predicted, 95th percentile over the draws (people)",
    "split": "train (a year calibration saw) or test (a later year it did not)",
    "window": "the strike window's year that scored the row (the latest, 2019, for later years)",
    "months": "OCHA: months with data in the year; the prediction is scaled by months / 12",
    "zone_area_km2": "area of the district's part of the north-west refuge zone, km2",
    "observed_per_km2": "observed people per km2 of the zone part: the density accepted",
    "capacity_per_km2": "Sphere-based capacity per km2 of the zone part (P50 of the draws)",
    "incomplete": "the month looks incomplete (a fifth below both neighbours): not scored",
    "scored": "whether the row enters the metrics",
    "backtest": "metrics.csv: the backtest",
    "period": "metrics.csv: a year, or train / test over their years",
    "units": "metrics.csv: rows scored",
    "ard": "metrics.csv: mean over units of |p50 - observed| / observed (a share: 0.36 = 36 %)",
    "ard_flee": "metrics.csv: per period sum |p50 - observed| / sum observed, mean over periods",
    "spearman": "metrics.csv: Spearman's rank correlation of p50 with observed",
    "coverage": "metrics.csv: share of units with observed inside p5-p95 (0.6 = 60 %)",
}


def _for_csv(rows: pd.DataFrame) -> pd.DataFrame:
    """Predictions to whole people; observed figures as the file has them."""
    out = rows.copy()
    for c in ("p5", "p50", "p95"):
        if c in out:
            out[c] = pd.to_numeric(out[c]).round().astype("Int64")
    return out


def _columns(val: Validation) -> pd.DataFrame:
    rows = []
    for name, bt in val.backtests.items():
        for c in bt.rows.columns:
            rows.append({"file": f"{name}.csv", "column": c, "meaning": COLUMNS.get(c, c)})
    for c in metrics_table(val).columns:
        rows.append({"file": "metrics.csv", "column": c, "meaning": COLUMNS.get(c, c)})
    return pd.DataFrame(rows, columns=["file", "column", "meaning"])


def validation_markdown(val: Validation) -> str:
    """Return the README of a validation folder: the metrics, what each comparison can show."""
    lines = [
        "# How well does the model reproduce 2012-2019?",
        "",
        f"Backtests of safezones on the record's windows ({val.draws} draws, seed {val.seed}, "
        f"parameters: {val.params_source}). Train: the years calibration saw; test: later "
        "years it did not.",
        "",
        "| backtest | period | units | ARD | Flee's ARD | Spearman | in P5-P95 |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, bt in val.backtests.items():
        for period in ("train", "test"):
            m = bt.metrics.get(period)
            if m:
                lines.append(
                    f"| {name} | {period} | {m['units']} | {metric_text(m['ard'])} | "
                    f"{metric_text(m.get('ard_flee'))} | {metric_text(m['spearman'])} | "
                    f"{metric_text(m['coverage'], share=True)} |"
                )
    lines += ["", *(f"- **{k}**: {v}" for k, v in METRICS.items()), ""]
    for name, bt in val.backtests.items():
        lines += [
            f"## {name}",
            "",
            BACKTESTS[name] + ".",
            "",
            f"Observed: {markdown_cell(bt.source)} (SHA-256 {bt.sha256[:12]}...).",
            "",
        ]
        lines += [f"- {t}" for t in [*LIMITS[name], *bt.notes, *bt.skipped]]
        lines.append("")
    return "\n".join(lines)


def write_validation(
    val: Validation,
    directory: str | Path,
    *,
    calibration: dict[str, Any] | None = None,
    charts: bool = True,
) -> Path:
    """Write ``validation.json``, ``<backtest>.csv``, ``metrics.csv``, charts and ``README.md``.

    With ``calibration`` (a :meth:`~safezones.validate.calibrate.Calibration.to_dict`),
    ``calibration.json`` too.
    """
    import matplotlib.pyplot as plt

    from safezones.viz.validation import timeseries_chart, validation_chart

    check_output_dir(directory, command="validate")
    doc = validation_dict(val, calibration=calibration)
    with atomic_dir(directory, command="validate") as tmp:
        (tmp / "validation.json").write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
        if calibration is not None:
            (tmp / "calibration.json").write_text(
                json.dumps(clean(calibration), indent=1) + "\n", encoding="utf-8"
            )
        for name, bt in val.backtests.items():
            csv_frame(_for_csv(bt.rows)).to_csv(tmp / f"{name}.csv", index=False,
                                                float_format="%.10g")  # fmt: skip
        csv_frame(metrics_table(val)).to_csv(tmp / "metrics.csv", index=False, float_format="%.4g")
        _columns(val).to_csv(tmp / "columns.csv", index=False)
        (tmp / "README.md").write_text(validation_markdown(val), encoding="utf-8")
        if charts:
            for fname, chart in (
                ("validation.png", validation_chart),
                ("timeseries.png", timeseries_chart),
            ):
                fig, _ = chart(val)
                fig.savefig(tmp / fname, dpi=150)
                plt.close(fig)
    return Path(directory)

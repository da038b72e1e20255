"""Read a calibration file (``calibration.json``, from ``safezones calibrate``), checked.

Used by scenarios (``calibration = "bundled"`` or a path) and by
:func:`safezones.validate.calibrate.load_calibration`.

Examples
--------
>>> values, doc, where = read_calibration("bundled")
>>> where, sorted(values)[:2]
('bundled calibration.json', ['attract_EGY', 'attract_IRQ'])
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from safezones import data
from safezones.defaults import CALIBRATION_PARAMETERS
from safezones.errors import DataError

__all__ = [
    "BACKTEST_NAMES",
    "calibrated_rates",
    "calibration_summary",
    "identified_values",
    "read_calibration",
]

#: The backtests a calibration's metrics may name (``safezones.validate.backtest.BACKTESTS``).
BACKTEST_NAMES = ("refugees_by_host", "movements_by_governorate", "sites_by_district")


def read_calibration(
    source: str | Path, *, base_dir: Path | None = None
) -> tuple[dict[str, float], dict[str, Any], str]:
    """Return a calibration's ``values``, its whole document, and where it came from.

    ``source``: ``"bundled"`` (``safezones/data/calibration.json``) or a path (relative
    to ``base_dir`` when given). Refused, with every problem listed: a missing or
    non-JSON file, no ``values`` table, an unknown parameter, a value not finite and > 0.
    """
    if str(source) == "bundled":
        doc: Any = data.calibration()
        where = "bundled calibration.json"
    else:
        path = Path(source)
        if base_dir is not None and not path.is_absolute():
            path = base_dir / path
        where = str(path)
        if not path.is_file():
            raise DataError(
                "no such calibration file; write one with safezones calibrate --out DIR",
                source=where,
            )
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise DataError(
                "not a calibration.json (JSON written by safezones calibrate)", source=where
            ) from None
    values = doc.get("values") if isinstance(doc, dict) else None
    if not isinstance(values, dict) or not values:
        raise DataError("a calibration file needs a 'values' table of parameters", source=where)
    problems = [
        f"unknown parameter {str(k)[:40]!r} (known: {', '.join(CALIBRATION_PARAMETERS)})"
        for k in values
        if k not in CALIBRATION_PARAMETERS
    ]
    problems += [
        f"{k} must be a finite number > 0"
        for k, v in values.items()
        if k in CALIBRATION_PARAMETERS
        and not (
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and v > 0
        )
    ]
    if problems:
        raise DataError(problems, source=where)
    return {str(k): float(v) for k, v in values.items()}, doc, where


def calibrated_rates(
    values: dict[str, float], default: tuple[float, float, float]
) -> tuple[float, float, float]:
    """Return the three rates from ``rate_low`` and the two ratios (each default's if absent).

    The classes stay in order (each ratio is at least 1 in a calibration); a rate above 1
    is clipped.

    Examples
    --------
    >>> calibrated_rates({"rate_low": 0.1, "rate_medium_over_low": 2.0}, (0.05, 0.2, 0.5))
    (0.1, 0.2, 0.5)
    """
    low = values.get("rate_low", default[0])
    med = low * values.get("rate_medium_over_low", default[1] / default[0])
    high = med * values.get("rate_high_over_medium", default[2] / default[1])
    return (min(low, 1.0), min(med, 1.0), min(high, 1.0))


def identified_values(values: dict[str, float], doc: Any) -> dict[str, float]:
    """Return the values its ``identified`` table calls identified (all, without a table).

    What the data could not identify stays an assumption: a scenario and
    ``safezones validate --calibration`` take only the identified values.
    """
    ident = doc.get("identified") if isinstance(doc, dict) else None
    if not isinstance(ident, dict):
        return dict(values)
    return {k: v for k, v in values.items() if ident.get(k, "identified") == "identified"}


def calibration_summary(doc: dict[str, Any], where: str) -> str:
    """Return one line: where a calibration came from and its test ARD per backtest.

    Only the known backtests' finite ARDs are quoted (a file's other keys are not
    echoed), and ``where`` is cut to 200 characters.
    """
    test = doc.get("test", {}) if isinstance(doc, dict) else {}
    test = test if isinstance(test, dict) else {}
    ards = ", ".join(
        f"{k} {test[k]['ard']:.2f}"
        for k in BACKTEST_NAMES
        if isinstance(test.get(k), dict)
        and isinstance(test[k].get("ard"), int | float)
        and not isinstance(test[k].get("ard"), bool)
        and math.isfinite(test[k]["ard"])
    )
    shown = where if len(where) <= 200 else where[:197] + "..."
    return f"calibrated ({shown}; test ARD: {ards or 'n/a'})"

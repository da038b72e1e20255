"""A scenario's ``calibration = "bundled" | "PATH"``: the calibrated values it takes.

The identified values of a calibration file (:func:`safezones.io.calibration.read_calibration`;
those its ``identified`` table does not call identified stay assumptions) fill the
scenario keys they calibrate (:data:`safezones.defaults.CALIBRATION_PARAMETERS`) that
the scenario does not set itself: a value the scenario sets wins. Each filled key
cites the calibration in ``summary.json``'s ``parameter_sources``.

Examples
--------
>>> raw, filled = apply_calibration({"calibration": "bundled"}, base_dir=None)
>>> raw["shelter"]["leave"]["TUR"] > 0, "shelter.leave.TUR" in filled
(True, True)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from safezones.defaults import CALIBRATION_PARAMETERS, DEFAULT_RATES
from safezones.io.calibration import (
    calibrated_rates,
    calibration_summary,
    identified_values,
    read_calibration,
)

__all__ = ["apply_calibration"]


def apply_calibration(
    raw: dict[str, Any], *, base_dir: Path | None
) -> tuple[dict[str, Any], dict[str, str]]:
    """Return ``raw`` with its calibration's values filled in, and the filled key paths' source."""
    values, doc, where = read_calibration(str(raw["calibration"]), base_dir=base_dir)
    source = calibration_summary(doc, where)
    values = identified_values(values, doc)  # what the data could not identify stays assumed
    filled: dict[str, str] = {}
    for name, path in CALIBRATION_PARAMETERS.items():
        if path is None or name not in values or path in filled:
            continue
        *parents, leaf = path.split(".")
        node = raw
        for p in parents:
            node = node.setdefault(p, {})
            if not isinstance(node, dict):  # the scenario's own error, reported by validation
                break
        else:
            if leaf in node:
                continue  # the scenario sets it: its value wins
            node[leaf] = (list(calibrated_rates(values, DEFAULT_RATES)) if path == "demand.rates"
                          else values[name])  # fmt: skip
            filled[path] = source
    return raw, filled

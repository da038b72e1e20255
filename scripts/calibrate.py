"""Calibrate the model on the bundled observed files and bundle the result (issue 20).

Runs :func:`safezones.validate.calibrate.calibrate` from its fixed start
(:data:`~safezones.validate.calibrate.START`) on the bundled UNHCR, OCHA and CCCM files
and writes ``src/safezones/data/calibration.json``; ``safezones.defaults`` holds the
same values (tests/validate/test_calibration.py checks they agree).

Usage: ``python scripts/calibrate.py``
"""

from __future__ import annotations

import json
from pathlib import Path

from safezones.defaults import CALIBRATION_SOURCE
from safezones.export.validation import clean, validation_dict
from safezones.validate.backtest import backtests
from safezones.validate.calibrate import calibrate

DATA = Path(__file__).resolve().parents[1] / "src" / "safezones" / "data"
OUT = DATA / "calibration.json"
#: Draws of the bundled backtests (the memo's and the README's figures).
DRAWS = 200


def main() -> int:
    cal = calibrate(draws=DRAWS)
    doc = clean(cal.to_dict())
    OUT.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    # the defaults' own backtests (safezones.defaults holds the calibrated values)
    val = backtests(draws=DRAWS, params_source="defaults: " + CALIBRATION_SOURCE)
    (DATA / "validation.json").write_text(
        json.dumps(validation_dict(val), indent=1) + "\n", encoding="utf-8"
    )
    for k, why in cal.identified.items():
        print(f"{k} = {cal.values[k]:.4g}: {why}")
    print(json.dumps({"train": doc["train"], "test": doc["test"]}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Validation against what happened: backtests on 2012-2019 and calibration with a held-out test.

The model is run on the record's past windows (:mod:`safezones.validate.history`) and
scored against UNHCR's refugees by host country, OCHA's IDP movements by governorate
and CCCM's north-west Syria site populations (:mod:`safezones.validate.observed`),
with Flee's averaged relative difference, Spearman's rank correlation and P5-P95
coverage (:mod:`safezones.validate.metrics`); :func:`calibrate` fits the free
parameters on training years and reports test years it did not see.

Examples
--------
>>> import safezones.validate as sv
>>> v = sv.bundled_validation()  # the default parameters' record (data/validation.json)
>>> sorted(v.backtests)
['movements_by_governorate', 'refugees_by_host', 'sites_by_district']
>>> 0 <= v.backtests["refugees_by_host"].metrics["test"]["coverage"] <= 1
True
"""

from safezones.validate.backtest import (
    BACKTESTS,
    LIMITS,
    SPLITS,
    Backtest,
    Validation,
    backtests,
    bundled_validation,
)
from safezones.validate.calibrate import BOUNDS, Calibration, calibrate, load_calibration
from safezones.validate.history import Params
from safezones.validate.metrics import METRICS, agreement, ard, coverage, spearman
from safezones.validate.observed import read_movements, read_refugees, read_sites

__all__ = [
    "BACKTESTS",
    "BOUNDS",
    "LIMITS",
    "METRICS",
    "SPLITS",
    "Backtest",
    "Calibration",
    "Params",
    "Validation",
    "agreement",
    "ard",
    "backtests",
    "bundled_validation",
    "calibrate",
    "coverage",
    "load_calibration",
    "read_movements",
    "read_refugees",
    "read_sites",
    "spearman",
]

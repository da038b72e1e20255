"""ARD, Spearman's rho and P5-P95 coverage against arithmetic done by hand.

Every expected value below is worked out in the comment beside it, from the
definitions in Suleimenova, Bell & Groen 2017 (Scientific Reports 7: 13377, ARD),
Spearman's rank correlation (1 - 6 sum d^2 / (n (n^2 - 1)) without ties), and the
share of observed values inside [P5, P95]; none is copied from the code's output.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from safezones.validate.metrics import METRICS, agreement, ard, coverage, metrics_by, spearman

#: Three units: observed, and the model's P5 / P50 / P95 (made-up numbers, assumption).
THREE = pd.DataFrame(
    {
        "observed": [100.0, 200.0, 400.0],
        "p5": [90.0, 120.0, 250.0],
        "p50": [150.0, 100.0, 300.0],
        "p95": [160.0, 180.0, 450.0],
    }
)

# ARD = (|150-100|/100 + |100-200|/200 + |300-400|/400) / 3 = (0.5 + 0.5 + 0.25) / 3
THREE_ARD = 1.25 / 3
# ranks of observed 1, 2, 3; of P50 (150, 100, 300) 2, 1, 3; d = -1, 1, 0; sum d^2 = 2
# rho = 1 - 6 * 2 / (3 * (9 - 1)) = 1 - 12 / 24
THREE_RHO = 0.5
# 100 in [90, 160] yes; 200 in [120, 180] no; 400 in [250, 450] yes: 2 of 3
THREE_COVERAGE = 2 / 3


def test_ard_by_hand():
    assert ard(THREE["observed"], THREE["p50"]) == pytest.approx(THREE_ARD)
    # symmetric in the error's sign: P50 200 for observed 100 is as far off as 0
    assert ard(np.array([100.0]), np.array([200.0])) == pytest.approx(1.0)
    assert ard(np.array([100.0]), np.array([0.0])) == pytest.approx(1.0)
    assert ard(np.array([5.0, 7.0]), np.array([5.0, 7.0])) == 0.0


def test_ard_leaves_out_a_unit_observed_zero():
    o = np.array([0.0, 100.0, 200.0])
    p = np.array([50.0, 150.0, 100.0])
    # the first unit (observed 0) is left out: (|150-100|/100 + |100-200|/200) / 2 = (0.5 + 0.5) / 2
    assert ard(o, p) == pytest.approx(0.5)
    # had it been kept the mean would be infinite; all observed 0: undefined
    assert math.isnan(ard(np.zeros(3), np.ones(3)))


def test_spearman_by_hand():
    assert spearman(THREE["observed"], THREE["p50"]) == pytest.approx(THREE_RHO)
    # four units: P50 ranks 1, 3, 2, 4 against 1, 2, 3, 4: d = 0, -1, 1, 0, sum d^2 = 2
    # rho = 1 - 6 * 2 / (4 * 15) = 0.8
    o4 = np.array([10.0, 20.0, 30.0, 40.0])
    assert spearman(o4, np.array([1.0, 3.0, 2.0, 4.0])) == pytest.approx(0.8)
    # order reversed: d = -3, -1, 1, 3, sum 20, rho = 1 - 120 / 60 = -1
    assert spearman(o4, np.array([4.0, 3.0, 2.0, 1.0])) == pytest.approx(-1.0)
    # ranks only: any increasing transform of P50 gives 1
    assert spearman(o4, o4**3 + 7) == pytest.approx(1.0)


@pytest.mark.parametrize("n", [0, 1, 2])
def test_spearman_is_nan_with_fewer_than_three_units(n):
    o = np.arange(1.0, n + 1)
    assert math.isnan(spearman(o, o * 2))


def test_spearman_is_nan_with_a_constant_column():
    assert math.isnan(spearman(np.array([1.0, 2.0, 3.0]), np.array([5.0, 5.0, 5.0])))
    assert math.isnan(spearman(np.array([4.0, 4.0, 4.0]), np.array([1.0, 2.0, 3.0])))


def test_coverage_by_hand():
    assert coverage(THREE["observed"], THREE["p5"], THREE["p95"]) == pytest.approx(THREE_COVERAGE)
    # the band's ends count as inside: 10 on P5, 20 on P95, 31 just above: 2 of 3
    assert coverage(np.array([10.0, 20.0, 31.0]), np.array([10.0, 0.0, 0.0]),
                    np.array([15.0, 20.0, 30.0])) == pytest.approx(2 / 3)  # fmt: skip
    # a unit observed 0 counts here (only ARD leaves it out): 0 in [0, 5] and 9 outside [10, 20]
    assert coverage(np.array([0.0, 9.0]), np.array([0.0, 10.0]), np.array([5.0, 20.0])) == 0.5
    assert math.isnan(coverage(np.array([]), np.array([]), np.array([])))


def test_agreement_is_the_three_metrics_of_the_table():
    m = agreement(THREE)
    assert m["ard"] == pytest.approx(THREE_ARD)
    assert m["spearman"] == pytest.approx(THREE_RHO)
    assert m["coverage"] == pytest.approx(THREE_COVERAGE)
    assert m["units"] == 3
    assert set(METRICS) == {"ard", "ard_flee", "spearman", "coverage"}


def test_metrics_by_groups_by_year_and_adds_train_and_test():
    y2012 = THREE.assign(year=2012, split="train")
    # 2013, two units (train): ARD (|120-100|/100 + |50-100|/100) / 2 = (0.2 + 0.5) / 2 = 0.35;
    # coverage: 100 in [90, 130] yes, 100 in [60, 80] no: 1/2; Spearman: two units, NaN
    y2013 = pd.DataFrame({"observed": [100.0, 100.0], "p5": [90.0, 60.0], "p50": [120.0, 50.0],
                          "p95": [130.0, 80.0], "year": 2013, "split": "train"})  # fmt: skip
    # 2014, one unit (test): ARD |300-200|/200 = 0.5; 200 in [100, 400]: coverage 1
    y2014 = pd.DataFrame({"observed": [200.0], "p5": [100.0], "p50": [300.0], "p95": [400.0],
                          "year": 2014, "split": "test"})  # fmt: skip
    rows = pd.concat([y2014, y2012, y2013], ignore_index=True)  # not in year order
    m = metrics_by(rows, "year")
    assert list(m) == ["2012", "2013", "2014", "train", "test"]
    assert m["2012"]["ard"] == pytest.approx(THREE_ARD)
    assert m["2012"]["spearman"] == pytest.approx(THREE_RHO)
    assert m["2013"]["ard"] == pytest.approx(0.35)
    assert m["2013"]["coverage"] == pytest.approx(0.5)
    assert math.isnan(m["2013"]["spearman"])
    assert m["2014"]["ard"] == pytest.approx(0.5) and m["2014"]["coverage"] == 1.0
    assert [m[k]["units"] for k in m] == [3, 2, 1, 5, 1]
    # train = the five units of 2012 and 2013: ARD (0.5 + 0.5 + 0.25 + 0.2 + 0.5) / 5 = 0.39;
    # coverage (2 + 1) / 5 = 0.6; Spearman over observed 100, 200, 400, 100, 100 and
    # P50 150, 100, 300, 120, 50 (ties: average ranks), by the formula for Pearson on ranks
    assert m["train"]["ard"] == pytest.approx(1.95 / 5)
    assert m["train"]["coverage"] == pytest.approx(0.6)
    ro = np.array([2.0, 4.0, 5.0, 2.0, 2.0])  # 100, 100, 100 share ranks 1-3: 2 each
    rp = np.array([4.0, 2.0, 5.0, 3.0, 1.0])
    rho = np.sum((ro - ro.mean()) * (rp - rp.mean())) / math.sqrt(
        np.sum((ro - ro.mean()) ** 2) * np.sum((rp - rp.mean()) ** 2)
    )
    assert m["train"]["spearman"] == pytest.approx(rho)
    assert m["test"]["ard"] == pytest.approx(0.5)


def test_metrics_by_without_a_split_or_with_one_split_empty():
    m = metrics_by(THREE.assign(year=2012), "year")
    assert list(m) == ["2012"]
    m = metrics_by(THREE.assign(year=2012, split="train"), "year")
    assert list(m) == ["2012", "train"]  # no test rows: no "test" entry


def test_flee_ard_by_hand():
    """Flee's normalisation: per period sum |p - o| / sum o, then the mean over periods.

    Year 1: units (100, 300) predicted (150, 250): (50 + 50) / 400 = 0.25.
    Year 2: unit 50 predicted 80: 30 / 50 = 0.6. Mean: (0.25 + 0.6) / 2 = 0.425.
    The per-unit mean (issue 20's ARD) differs: (0.5 + 1/6 + 0.6) / 3 = 0.4222...
    """
    from safezones.validate.metrics import agreement

    t = pd.DataFrame({"year": [1, 1, 2], "observed": [100.0, 300.0, 50.0],
                      "p5": [0.0] * 3, "p50": [150.0, 250.0, 80.0], "p95": [1e9] * 3})  # fmt: skip
    m = agreement(t, "year")
    assert m["ard_flee"] == pytest.approx(0.425)
    assert m["ard"] == pytest.approx((0.5 + 50 / 300 + 0.6) / 3)
    assert m["units_ard"] == 3

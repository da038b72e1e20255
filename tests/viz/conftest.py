"""Fixtures shared by the figure tests: four scored scenarios, figures closed after each test."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from safezones.scenario import run


@pytest.fixture(scope="session")
def results():
    names = ("border-refuge-zones", "aleppo-freeze", "jarablus-marea-2015", "turkey-strip-2019")
    return {n: run(f"scenarios/{n}.toml", draws=30) for n in names}


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")

"""Shared fixtures. Raw source files in ../shared/data are read only by tests that
check the bundled data against its sources (independent of the package)."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
#: The project's shared folder (raw data, seed article): $SAFEZONES_SHARED or ../shared.
SHARED = Path(os.environ.get("SAFEZONES_SHARED", ROOT.parent / "shared"))


def _missing(what: str) -> None:
    msg = f"{what} is not at {SHARED} (set SAFEZONES_SHARED to the shared folder)"
    if os.environ.get("CI"):
        pytest.fail(msg)  # CI always has shared/ beside the clone: never skip there
    pytest.skip(msg)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = SHARED / "data"
    if not path.is_dir():
        _missing("the raw source data")
    return path


@pytest.fixture(scope="session")
def seed_article() -> str:
    files = sorted((SHARED / "seeds").glob("*.txt"))
    if not files:
        _missing("the seed article")
    return files[0].read_text(encoding="utf-8")

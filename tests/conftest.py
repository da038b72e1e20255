"""Shared fixtures. Raw source files in ../shared/data are read only by tests that
check the bundled data against its sources (independent of the package)."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = SHARED / "data"
    if not path.is_dir():
        pytest.skip("../shared/data (the raw source files) is not beside the project")
    return path


@pytest.fixture(scope="session")
def seed_article() -> str:
    files = sorted((SHARED / "seeds").glob("*.txt"))
    if not files:
        pytest.skip("../shared/seeds is not beside the project")
    return files[0].read_text(encoding="utf-8")

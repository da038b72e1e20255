"""Fixtures of the sweep tests: spec files over a shipped base scenario."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BASES = {
    "aleppo": ROOT / "scenarios" / "aleppo-freeze.toml",
}

SMALL_LHS = """
design = "lhs"
size = 24
seed = 5
chunk = 6
[parameters."zones.aleppo.radius_km"]
low = 5
high = 30
step = 2.5
[parameters."shelter.usable_fraction"]
low = 0.002
high = 0.05
[parameters."shelter.max_travel_km"]
low = 40
high = 160
"""


@pytest.fixture(autouse=True)
def geometry_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Give each test its own empty user-level geometry cache (never the user's own)."""
    folder = tmp_path_factory.mktemp("geometry-cache")
    monkeypatch.setenv("SAFEZONES_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def write_spec(tmp_path: Path) -> Callable[..., Path]:
    """Write ``tmp_path/spec.toml``: ``base = <a shipped scenario>`` and ``body``."""

    def write(body: str, base: str = "aleppo") -> Path:
        f = tmp_path / "spec.toml"
        f.write_text(f'base = "{BASES[base].as_posix()}"\n' + body)
        return f

    return write


@pytest.fixture
def small_lhs() -> str:
    """A 24-scenario Latin hypercube over the Aleppo freeze (radius, usable land, travel)."""
    return SMALL_LHS


@pytest.fixture
def aleppo() -> Path:
    """The shipped Aleppo freeze scenario file."""
    return BASES["aleppo"]

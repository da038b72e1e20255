"""safezones: plan humanitarian safe zones in Syria.

Model proposed zones as geometry (border refuge strips, freeze zones, custom
safe zones), overlay historical strike events and population estimates, and
score how many displaced people they would shelter, with P5/P50/P95. All geometry is computed in :data:`PROJECT_CRS` (metres, equal
area); every public layer is exchanged in EPSG:4326.

Examples
--------
>>> import safezones as sz
>>> strip = sz.refuge_strip("TUR", depth_km=10)
>>> aleppo = sz.freeze_zone("Aleppo", radius_km=15)
>>> zones = sz.zone_set(strip, aleppo)
>>> zones.zone_id.tolist()
['tur-10km', 'freeze-aleppo-15km']

Score a scenario file (see :mod:`safezones.scenario`) with
``sz.run(sz.Scenario.from_toml("scenarios/aleppo-freeze.toml"))``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from safezones import data
from safezones._version import __version__
from safezones.crs import LONLAT_CRS, PROJECT_CRS
from safezones.errors import (
    DataError,
    GeometryError,
    SafeZonesError,
    SafeZonesWarning,
    UnknownNameError,
)
from safezones.io import sources
from safezones.model import demand, shelter, uncertainty
from safezones.model.overlay import events_in_zones, strike_intensity
from safezones.model.population import population_in_zones
from safezones.model.zones import freeze_zone, refuge_strip, safe_zone, union, zone_set

if TYPE_CHECKING:  # for type checkers; at run time __getattr__ imports them on first use
    from safezones.config.scenario import Scenario
    from safezones.model.result import ScenarioResult
    from safezones.scenario import compare, run

#: Names imported on first use (PEP 562), so that ``import safezones`` does not pay for
#: pydantic's scenario schema until a scenario is read or run: name -> defining module.
_LAZY = {
    "Scenario": "safezones.config.scenario",
    "ScenarioResult": "safezones.model.result",
    "compare": "safezones.scenario",
    "run": "safezones.scenario",
}

__all__ = [
    "LONLAT_CRS",
    "PROJECT_CRS",
    "DataError",
    "GeometryError",
    "SafeZonesError",
    "SafeZonesWarning",
    "Scenario",
    "ScenarioResult",
    "UnknownNameError",
    "__version__",
    "compare",
    "data",
    "demand",
    "events_in_zones",
    "freeze_zone",
    "population_in_zones",
    "refuge_strip",
    "run",
    "safe_zone",
    "shelter",
    "sources",
    "strike_intensity",
    "uncertainty",
    "union",
    "zone_set",
]


def __getattr__(name: str) -> Any:
    """Import a name of :data:`_LAZY`, or a submodule (``sz.scenario``), on first use.

    Raises
    ------
    AttributeError
        If ``name`` is neither.
    """
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    else:
        try:  # a submodule that import safezones no longer loads on the way (sz.scenario)
            value = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as err:
            if err.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    globals()[name] = value  # the next access is a plain module attribute
    return value


def __dir__() -> list[str]:
    """List the module's names, the lazily imported ones included."""
    return sorted(set(globals()) | set(__all__))

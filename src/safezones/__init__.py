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
from safezones.scenario import Scenario, ScenarioResult, compare, run

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

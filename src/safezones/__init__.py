"""safezones: plan humanitarian safe zones in Syria.

Model proposed zones as geometry (border refuge strips, freeze zones, custom
safe zones), overlay historical strike events and population estimates, and
score them. All geometry is computed in :data:`PROJECT_CRS` (metres, equal
area); every public layer is exchanged in EPSG:4326.

Examples
--------
>>> import safezones as sz
>>> strip = sz.refuge_strip("TUR", depth_km=10)
>>> aleppo = sz.freeze_zone("Aleppo", radius_km=15)
>>> zones = sz.zone_set(strip, aleppo)
>>> zones.zone_id.tolist()
['tur-10km', 'freeze-aleppo-15km']
"""

from . import data, sources
from ._errors import DataError, GeometryError, SafeZonesError, UnknownNameError
from .crs import LONLAT_CRS, PROJECT_CRS
from .overlay import events_in_zones, population_in_zones, strike_intensity
from .zones import freeze_zone, refuge_strip, safe_zone, union, zone_set

__version__ = "0.1.0"

__all__ = [
    "LONLAT_CRS",
    "PROJECT_CRS",
    "DataError",
    "GeometryError",
    "SafeZonesError",
    "UnknownNameError",
    "__version__",
    "data",
    "events_in_zones",
    "freeze_zone",
    "population_in_zones",
    "refuge_strip",
    "safe_zone",
    "sources",
    "strike_intensity",
    "union",
    "zone_set",
]

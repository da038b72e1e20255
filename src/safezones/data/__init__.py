"""Bundled real data layers of safezones (see ``PROVENANCE.md`` beside this file).

Every layer is returned as a fresh GeoDataFrame in EPSG:4326, so callers may
modify it freely. The package reads only these files at run time; they are
derived from the project's shared raw data by ``scripts/build_data.py``.

Examples
--------
>>> from safezones import data
>>> data.countries().set_index("iso_a3").loc["SYR", "name"]
'Syria'
>>> round(float(data.border("TUR").length_km.iloc[0]))
776
"""

from safezones.data import catalog
from safezones.data.catalog import *  # noqa: F403  (the catalog's __all__ is this package's API)

__all__ = catalog.__all__

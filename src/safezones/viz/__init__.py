"""Maps, charts and summaries of zones and results: everything a result looks like.

``from safezones import viz`` gives the figures of a memo (each returns
``(fig, ax)``) and :func:`save_figure`; the modules divide the work:

- :mod:`~safezones.viz.format`: labels of metrics, source lines, colours, fitting text;
- :mod:`~safezones.viz.basemap`: Syria, neighbours, governorates, views, the frame;
- :mod:`~safezones.viz.layers`: zones, events and labels drawn on an axes;
- :mod:`~safezones.viz.control`: who holds the ground (:func:`control_layer`, its colours);
- :mod:`~safezones.viz.maps`: :func:`zones_map`, :func:`scenario_map`,
  :func:`result_map`, :func:`compare_maps`, :func:`residents_map`;
- :mod:`~safezones.viz.charts`: :func:`sheltered_chart`, :func:`sensitivity_chart`,
  :func:`response_chart`;
- :mod:`~safezones.viz.save`: :func:`save_figure`;
- :mod:`~safezones.viz.display`: text and HTML summaries, the Jupyter map;
- :mod:`~safezones.viz.explore`: the offline interactive (Leaflet) map.

The names are imported on first use, so ``import safezones`` does not load
matplotlib.

Examples
--------
>>> from safezones import viz
>>> viz.EVENTS_STYLES
('points', 'hexbin', 'density')
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from safezones.viz.charts import (
        comparison_chart,
        response_chart,
        sensitivity_chart,
        sheltered_chart,
    )
    from safezones.viz.control import CONTROL_COLOURS, control_layer
    from safezones.viz.format import (
        DISCLAIMER,
        KIND_COLOURS,
        LAND_COLOUR,
        SEA_COLOUR,
        result_sources,
        source_note,
    )
    from safezones.viz.layers import EVENTS_STYLES, MAP_LAYERS
    from safezones.viz.maps import (
        compare_maps,
        residents_map,
        result_map,
        scenario_map,
        zones_map,
    )
    from safezones.viz.save import FIGURE_FORMATS, save_figure

__all__ = [
    "CONTROL_COLOURS",
    "DISCLAIMER",
    "EVENTS_STYLES",
    "FIGURE_FORMATS",
    "KIND_COLOURS",
    "LAND_COLOUR",
    "MAP_LAYERS",
    "SEA_COLOUR",
    "compare_maps",
    "comparison_chart",
    "control_layer",
    "residents_map",
    "response_chart",
    "result_map",
    "result_sources",
    "save_figure",
    "scenario_map",
    "sensitivity_chart",
    "sheltered_chart",
    "source_note",
    "zones_map",
]

#: Where each public name lives.
_HOME = {
    **dict.fromkeys(
        (
            "DISCLAIMER",
            "KIND_COLOURS",
            "LAND_COLOUR",
            "SEA_COLOUR",
            "result_sources",
            "source_note",
        ),
        "format",
    ),
    **dict.fromkeys(("EVENTS_STYLES", "MAP_LAYERS"), "layers"),
    **dict.fromkeys(("CONTROL_COLOURS", "control_layer"), "control"),
    **dict.fromkeys(
        ("compare_maps", "residents_map", "result_map", "scenario_map", "zones_map"), "maps"
    ),
    **dict.fromkeys(
        ("comparison_chart", "response_chart", "sensitivity_chart", "sheltered_chart"), "charts"
    ),
    **dict.fromkeys(("FIGURE_FORMATS", "save_figure"), "save"),
}


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use (PEP 562)."""
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'safezones.viz' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"safezones.viz.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """List the public names with the module's own."""
    return sorted({*globals(), *__all__})

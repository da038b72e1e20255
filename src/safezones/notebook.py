"""Interactive helpers for Jupyter (install the ``notebook`` extra for the widgets).

:class:`ZoneSlider` moves one zone's depth (a refuge strip) or radius (a
freeze zone) and redraws the map and the score. It scores with the sweep's
fast path (:class:`safezones.engine.Engine`), which gives the same numbers as
:func:`safezones.run`, and redraws only the zones on a map whose base is
drawn once: about 0.1 s for a new position (its geometry built once) and
0.03 s for one seen before, against 0.5 s for ``run()`` and a map
(``benchmarks/slider_speed.py``).

Examples
--------
In a notebook, the last line of a cell shows the widget:

>>> from safezones.notebook import ZoneSlider
>>> ZoneSlider("scenarios/aleppo-freeze.toml")  # doctest: +SKIP

Without a front end the same object answers directly:

>>> s = ZoneSlider("scenarios/aleppo-freeze.toml", values=[10, 20], draws=1)
>>> s.parameter, s.values
('zones.aleppo.radius_km', [10.0, 20.0])
>>> bool(s.score(20).loc["sheltered", "p50"] > s.score(10).loc["sheltered", "p50"])
True
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from safezones._plural import plural
from safezones._text import people
from safezones.config.scenario import FreezeZoneSpec, RefugeZoneSpec, Scenario
from safezones.crs import PROJECT_CRS
from safezones.errors import SafeZonesError
from safezones.model.metrics import METRICS, QUANTILES

__all__ = ["DEFAULT_VALUES_KM", "ZoneSlider"]

#: Positions of the slider when none are given: 5 to 50 km in 5 km steps
#: (the 2014-2019 proposals were 15 to 40 km deep; see seeds/).
DEFAULT_VALUES_KM = tuple(float(v) for v in range(5, 55, 5))


class ZoneSlider:
    """A slider for one zone's depth or radius, redrawing its map and score.

    Parameters
    ----------
    scenario
        A :class:`~safezones.scenario.Scenario` or the path of its TOML file.
    zone
        Id of the zone to move; by default the first refuge strip or freeze
        zone. Safe zones have no depth or radius.
    values
        The slider's positions in km (:data:`DEFAULT_VALUES_KM` by default);
        the scenario's own value is added if missing.
    draws, seed
        Monte Carlo draws and seed of each score (default 200 and 1, enough
        for stable P5 and P95).
    width
        Width of the map in inches.

    Attributes
    ----------
    parameter
        The key path moved, e.g. ``zones.turkey.depth_km``.
    values
        The positions, sorted.
    """

    def __init__(
        self,
        scenario: Scenario | str | Path,
        zone: str | None = None,
        values: Iterable[float] | None = None,
        *,
        draws: int = 200,
        seed: int = 1,
        width: float = 6.0,
    ) -> None:
        from safezones.engine import Engine, fast_supported

        sc = scenario if isinstance(scenario, Scenario) else Scenario.from_toml(scenario)
        movable = [z for z in sc.zones if isinstance(z, RefugeZoneSpec | FreezeZoneSpec)]
        ids = [z.id for z in sc.zones]
        if zone is None:
            if not movable:
                raise SafeZonesError(
                    f"scenario {sc.id!r} has no refuge strip or freeze zone to move; "
                    "safe zones have no depth or radius"
                )
            spec = movable[0]
        else:
            if zone not in ids:
                raise SafeZonesError(f"no zone {zone!r} in scenario {sc.id!r}; its zones: {ids}")
            found = [z for z in movable if z.id == zone]
            if not found:
                raise SafeZonesError(
                    f"zone {zone!r} is a safe zone: it has no depth or radius to move; "
                    f"movable zones: {[z.id for z in movable]}"
                )
            spec = found[0]
        why = fast_supported(sc)
        if why is not None:
            raise SafeZonesError(f"the slider needs the fast path, which cannot score {why}")
        if draws < 1:
            raise SafeZonesError(f"draws must be at least 1, got {draws}")
        key = "depth_km" if isinstance(spec, RefugeZoneSpec) else "radius_km"
        current = float(getattr(spec, key))
        chosen = [float(v) for v in (DEFAULT_VALUES_KM if values is None else values)]
        bad = [v for v in chosen if not np.isfinite(v) or v <= 0]
        if bad or not chosen:
            raise SafeZonesError(
                f"slider values must be positive km, got {bad or 'none'}; e.g. values=[10, 20, 30]"
            )
        if values is None:
            chosen.append(current)
        self.scenario = sc
        self.zone = spec.id
        self.kind = "depth" if key == "depth_km" else "radius"
        self.parameter = f"zones.{spec.id}.{key}"
        self.values = sorted(set(chosen))
        self.value = current if current in self.values else self.values[0]
        self.draws = int(draws)
        self.seed = int(seed)
        self.width = float(width)
        self.engine = Engine()
        self._view: tuple[float, float, float, float] | None = None
        self._thumb: Any = None  # the map's base, drawn once
        self._widget: Any = None

    # ------------------------------------------------------------ answers

    def scenario_at(self, value: float) -> Scenario:
        """Return the scenario with the zone moved to ``value`` km."""
        return self.scenario.with_values({self.parameter: float(value)})

    def score(self, value: float) -> pd.DataFrame:
        """P5/P50/P95 of every metric at ``value`` km (as ``run(...).totals``)."""
        t = self.engine.totals(self.scenario_at(value), draws=self.draws, seed=self.seed)
        return pd.DataFrame(t, index=list(METRICS), columns=list(QUANTILES))

    def zones(self, value: float) -> gpd.GeoDataFrame:
        """Return the scenario's zones at ``value`` km, in PROJECT_CRS, as scored."""
        sc = self.scenario_at(value)
        return gpd.GeoDataFrame(
            {"zone_id": [z.id for z in sc.zones], "kind": [z.kind for z in sc.zones]},
            geometry=self.engine.zone_geometries(sc),
            crs=PROJECT_CRS,
        )

    def _fixed_view(self) -> tuple[float, float, float, float]:
        """One view for every position (the largest one's), so the map does not jump."""
        if self._view is None:
            from safezones.viz.display import thumbnail_view

            self._view = thumbnail_view(self.zones(self.values[-1]).total_bounds)
        return self._view

    def png(self, value: float, totals: pd.DataFrame | None = None) -> bytes:
        """Return the map at ``value`` km: zones, the window's events, the headline number."""
        from safezones.viz.display import Thumbnail

        t = self.score(value) if totals is None else totals
        title = (
            f"{self.zone} {self.kind} {value:g} km: {people(t.loc['sheltered', 'p50'])} "
            f"sheltered (P5 {people(t.loc['sheltered', 'p5'])}, "
            f"P95 {people(t.loc['sheltered', 'p95'])})"
        )
        if self._thumb is None:  # every position has the same events and view
            events = self.engine.events(self.scenario_at(value))
            self._thumb = Thumbnail(self._fixed_view(), events, width=self.width, title=True)
        png: bytes = self._thumb.png(self.zones(value), title=title)
        return png

    def table_html(self, value: float, totals: pd.DataFrame | None = None) -> str:
        """Return the score at ``value`` km as an HTML table, with its draws and sources."""
        from safezones.viz.format import METRIC_LABELS

        t = self.score(value) if totals is None else totals
        rows = "".join(
            f"<tr><td>{html.escape(METRIC_LABELS[m])}</td>"
            + "".join(f'<td style="text-align:right">{people(t.loc[m, q])}</td>' for q in QUANTILES)
            + "</tr>"
            for m in METRICS
        )
        return (
            f"<p><b>{html.escape(self.scenario.title)}</b>, {html.escape(self.parameter)} = "
            f"{value:g} km</p><table><tr><th>metric</th><th>P5</th><th>P50</th><th>P95</th></tr>"
            f"{rows}</table><p style='font-size:0.8em;color:#555'>{plural(self.draws, 'draw')}, seed "
            f"{self.seed}. Scenario: {html.escape(self.scenario.source.citation)}. Model and "
            "sources as <code>safezones.run</code> (fast path, same numbers).</p>"
        )

    def update(self, value: float) -> tuple[pd.DataFrame, bytes]:
        """Move the zone to ``value`` km: the score and the map (what the widget shows)."""
        if float(value) not in self.values:
            raise SafeZonesError(f"{value!r} is not a slider position; positions: {self.values}")
        self.value = float(value)
        t = self.score(self.value)
        png = self.png(self.value, t)
        if self._widget is not None:
            _, image, table = self._widget.children
            image.value = png
            table.value = self.table_html(self.value, t)
        return t, png

    # ------------------------------------------------------------ the widget

    def widget(self) -> Any:
        """Return the ipywidgets box: a slider over :attr:`values`, the map and the score."""
        try:
            import ipywidgets as w
        except ImportError:  # pragma: no cover - ipywidgets comes with the notebook extra
            raise SafeZonesError(
                "the slider needs ipywidgets: pip install 'safezones[notebook]'"
            ) from None
        if self._widget is None:
            t = self.score(self.value)
            slider = w.SelectionSlider(
                options=[(f"{v:g} km", v) for v in self.values],
                value=self.value,
                description=f"{self.kind}",
                continuous_update=False,
                layout=w.Layout(width=f"{self.width * 96:.0f}px"),
            )
            image = w.Image(value=self.png(self.value, t), format="png")
            table = w.HTML(self.table_html(self.value, t))
            box = w.VBox([slider, image, table])
            self._widget = box
            slider.observe(lambda change: self.update(change["new"]), names="value")
        return self._widget

    def _ipython_display_(self) -> None:  # pragma: no cover - needs a front end
        from IPython.display import display

        display(self.widget())  # type: ignore[no-untyped-call]  # IPython has no types

    def __repr__(self) -> str:
        """Return the slider as text: scenario, parameter, positions, value."""
        return (
            f"ZoneSlider({self.scenario.id!r}, {self.parameter} over "
            f"{', '.join(f'{v:g}' for v in self.values)} km; at {self.value:g} km)"
        )

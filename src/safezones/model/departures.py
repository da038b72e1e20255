"""Leaving Syria: the outside option of the behavioural allocation, by destination.

A displaced person who chooses no zone stays displaced in Syria or leaves it for
a neighbour. Each destination has a weight in the same units as a zone's (a zone
of average capacity, full safety, at no distance weighs 1):

- **stay** in Syria: ``outside_option`` (:data:`~safezones.defaults.DEFAULT_OUTSIDE_OPTION`);
- **a neighbour** ``c`` (Turkey, Lebanon, Jordan, Iraq): ``attract_c * open_c(year) *
  (d0 / (d_c + d0)) ** decay``, with ``d_c`` the distance in km to that border,
  ``open_c`` its openness in the window's year (:func:`safezones.data.border_openness`,
  from the cited policies of ``seeds/border_policies.toml``) and ``attract_c`` and
  ``decay`` calibrated on UNHCR's refugee stocks (:mod:`safezones.validate`);
- **Egypt**, reached by air and sea (no land border): ``attract * open(year)``,
  distance-free (assumption).

Whoever takes the outside option is split among them in proportion to the
weights (:func:`split_outside`).

Examples
--------
>>> import numpy as np
>>> w = leave_weights(np.array([[0.0, 25.0, 1e9, 1e9, 0.0]]), year=2012,
...                   attract=np.ones(5), decay=1.0)
>>> w.round(3).tolist()  # at Turkey's border, 25 km from Lebanon's, Egypt distance-free
[[1.0, 0.5, 0.0, 0.0, 1.0]]
>>> split_outside(np.array([10.0]), 0.5, w).round(2).tolist()
[[1.67, 3.33, 1.67, 0.0, 0.0, 3.33]]
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

import geopandas as gpd
import numpy as np
import shapely

from safezones import data
from safezones.defaults import (
    BORDER_DECAY,
    BORDER_REFERENCE_KM,
    LEAVE_ATTRACT,
    LEAVE_DESTINATIONS,
)
from safezones.errors import SafeZonesError
from safezones.model.geometry import border_line

__all__ = [
    "LAND_BORDERS",
    "LEAVE_DESTINATIONS",
    "attract_vector",
    "border_km",
    "cells_border_km",
    "group_leave_weights",
    "leave_pull",
    "leave_weights",
    "openness",
    "split_outside",
]

#: The destinations reached over a land border (Egypt is not: by air and sea).
LAND_BORDERS = ("TUR", "LBN", "JOR", "IRQ")


def attract_vector(attract: Mapping[str, float] | np.ndarray | None = None) -> np.ndarray:
    """Return the destinations' attractiveness as ``(5,)`` in :data:`LEAVE_DESTINATIONS` order.

    Examples
    --------
    >>> attract_vector({"TUR": 2.0, "LBN": 1.0, "JOR": 1.0, "IRQ": 1.0, "EGY": 0.5}).tolist()
    [2.0, 1.0, 1.0, 1.0, 0.5]
    """
    if attract is None:
        attract = LEAVE_ATTRACT
    if isinstance(attract, Mapping):
        missing = [c for c in LEAVE_DESTINATIONS if c not in attract]
        unknown = sorted(set(attract) - set(LEAVE_DESTINATIONS))
        if missing or unknown:
            raise SafeZonesError(
                f"leave attractiveness needs exactly {', '.join(LEAVE_DESTINATIONS)}"
                + (f"; missing {', '.join(missing)}" if missing else "")
                + (f"; unknown {', '.join(unknown)}" if unknown else "")
            )
        out = np.array([float(attract[c]) for c in LEAVE_DESTINATIONS])
    else:
        out = np.asarray(attract, dtype=float)
    if out.shape[-1] != len(LEAVE_DESTINATIONS) or (out < 0).any() or not np.isfinite(out).all():
        raise SafeZonesError(f"leave attractiveness must be 5 finite values >= 0, got {out!r}")
    return out


@cache
def _lines() -> tuple[shapely.LineString, ...]:
    return tuple(border_line(c) for c in LAND_BORDERS)


def border_km(xy_m: np.ndarray) -> np.ndarray:
    """Return each point's distance in km to each destination, ``(n, 5)``.

    ``xy_m``: ``(n, 2)`` metres in PROJECT_CRS. Egypt's column is 0 (distance-free).
    """
    pts = shapely.points(np.asarray(xy_m, dtype=float))
    out = np.zeros((len(pts), len(LEAVE_DESTINATIONS)))
    for j, line in enumerate(_lines()):
        out[:, j] = shapely.distance(pts, line) / 1000.0
    return out


def openness(year: int) -> np.ndarray:
    """Return each destination's openness in ``year``, ``(5,)``; outside 2011-2019 the nearest year.

    Examples
    --------
    >>> openness(2012).shape
    (5,)
    """
    table = data.border_openness()
    y = int(min(max(int(year), int(table.index.min())), int(table.index.max())))
    return np.asarray(table.loc[y, list(LEAVE_DESTINATIONS)].to_numpy(dtype=float))


def leave_pull(
    dist_km: np.ndarray, decay: float = BORDER_DECAY, reference_km: float = BORDER_REFERENCE_KM
) -> np.ndarray:
    """Return ``(d0 / (d + d0)) ** decay`` for each distance (1 at the border).

    Examples
    --------
    >>> leave_pull(np.array([0.0, 25.0]), decay=2.0, reference_km=25.0).tolist()
    [1.0, 0.25]
    """
    if not np.isfinite(decay) or decay < 0:
        raise SafeZonesError(f"border decay must be >= 0, got {decay!r}")
    d = np.asarray(dist_km, dtype=float)
    return np.asarray((reference_km / (d + reference_km)) ** float(decay))


def leave_weights(
    dist_km: np.ndarray,
    *,
    year: int,
    attract: Mapping[str, float] | np.ndarray | None = None,
    decay: float = BORDER_DECAY,
    reference_km: float = BORDER_REFERENCE_KM,
    open_: np.ndarray | None = None,
) -> np.ndarray:
    """Return each origin's weight for each destination, ``(..., 5)`` like ``dist_km``.

    ``open_`` overrides the year's openness (``(5,)``), e.g. for a what-if.
    """
    a = attract_vector(attract)
    o = openness(year) if open_ is None else np.asarray(open_, dtype=float)
    return np.asarray(a * o * leave_pull(dist_km, decay, reference_km))


def split_outside(outside: np.ndarray, stay: float | np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Split the people who took the outside option among staying and each destination.

    ``outside`` ``(..., G)``; ``stay`` the stay weight (scalar or broadcastable to
    ``outside``); ``weights`` ``(..., G, 5)``. Returns ``(..., G, 6)``: stay, then
    :data:`LEAVE_DESTINATIONS`. Each row adds up to ``outside``.
    """
    o = np.asarray(outside, dtype=float)
    w = np.asarray(weights, dtype=float)
    s = np.broadcast_to(np.asarray(stay, dtype=float), o.shape)
    tot = s + w.sum(axis=-1)
    per = np.divide(o, tot, out=np.zeros(np.broadcast_shapes(o.shape, tot.shape)), where=tot > 0)
    out = np.empty((*per.shape, 1 + w.shape[-1]))
    out[..., 0] = np.where(tot > 0, s * per, o)  # no weight at all: they stay
    out[..., 1:] = w * per[..., None]
    return out


_CELL_KM: dict[int, tuple[object, np.ndarray]] = {}


def cells_border_km(cells: gpd.GeoDataFrame) -> np.ndarray:
    """Return :func:`border_km` of each cell's centroid (PROJECT_CRS), once per cells frame."""
    hit = _CELL_KM.get(id(cells))
    if hit is not None and hit[0] is cells:
        return hit[1]
    c = cells.geometry.centroid
    out = border_km(np.column_stack([c.x.to_numpy(), c.y.to_numpy()]))
    out.flags.writeable = False
    if len(_CELL_KM) > 8:  # a few grids per process at most (the entry keeps its frame alive)
        _CELL_KM.clear()
    _CELL_KM[id(cells)] = (cells, out)
    return out


def group_leave_weights(
    cells: gpd.GeoDataFrame,
    of_cell: np.ndarray,
    n_groups: int,
    *,
    year: int,
    attract: Mapping[str, float] | np.ndarray | None = None,
    decay: float = BORDER_DECAY,
) -> np.ndarray:
    """Return each group's weight for each destination ``(G, 5)``: its cells' mean, by people.

    ``of_cell`` ``(C,)``: the group of each cell; a cell's people are its
    ``pop_central`` (equal weights without one). An empty table without geometry (a
    preparation built by hand, as the tests' toys) gives no one a way out: zeros;
    any other table without geometry, or of another length, is an error.
    """
    if len(cells) == 0 and not isinstance(cells, gpd.GeoDataFrame):
        return np.zeros((n_groups, len(LEAVE_DESTINATIONS)))
    if not isinstance(cells, gpd.GeoDataFrame) or len(cells) != len(of_cell):
        raise SafeZonesError(
            f"leaving Syria needs the population cells with their geometry: got "
            f"{type(cells).__name__} of {len(cells)} rows for {len(of_cell)} cells"
        )
    w = leave_weights(cells_border_km(cells), year=year, attract=attract, decay=decay)  # (C, 5)
    pop = (
        cells["pop_central"].to_numpy(dtype=float)
        if "pop_central" in cells
        else np.ones(len(cells))
    )
    tot = np.bincount(of_cell, pop, n_groups)
    out = np.column_stack(
        [np.bincount(of_cell, pop * w[:, j], n_groups) for j in range(w.shape[1])]
    )
    return np.asarray(np.divide(out, tot[:, None], out=np.zeros_like(out), where=tot[:, None] > 0))

"""Caches of the fast preparation: geometry once, then each scenario is array arithmetic.

The straightforward preparation (:func:`safezones.model.prepare.prepare`)
builds every zone and measures every cell's distance to it. :func:`run
<safezones.scenario.run>` (through :func:`shared`) and a sweep (thousands of
scenarios that change a few numbers) use :class:`Engine` instead, which
caches what only geometry decides and recomputes the rest with numpy:

- per scenario *base* (population, events window, hazard classes): the cells,
  their origin and hazard class, and the population of each class;
- per *zone geometry* (one border stretch at one depth, one place at one
  radius, one polygon): the zone's area, its strike intensity, every cell's
  distance to it and the cells it covers. A strip's depth, a freeze's radius
  and a safe zone's outline decide it; capacity and protection do not;
- per *set* of zone geometries: the people living inside any of them, and the
  reach groups.

Reach is then a threshold on the cached distances and front-line crossings
(``distance * detour + crossing_penalty * changes <= max_travel``), so travel
limits, the penalty, capacity, rates, totals and protection cost no geometry
at all. A zone's geometry is keyed by its shape, the base (threat actors
included) and the control surface (its crossings, its cut). :meth:`Engine.prepared` gives run() the arrays of
:mod:`safezones.model.score`; :meth:`Engine.samples` scores a sweep's
scenarios by hazard class, draws of one reach variant together (the structural
draws, :mod:`safezones.model.uncertainty`): the behavioural allocation on the
reference's groups, its upper bound by minimum cut (:mod:`safezones.model.mincut`).
A scenario whose headline is the optimal allocation goes to the reference.

Every quantity is the reference's, computed in another order: the two agree
to rounding (see ``tests/test_engine.py``, against ``tests/oracle.py``).
"""

from __future__ import annotations

import json
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from safezones.crs import to_metric
from safezones.errors import SafeZonesError
from safezones.io import layers
from safezones.model import ground, mincut, prepare, score
from safezones.model.control import ControlSurface, share_columns
from safezones.model.metrics import METRICS
from safezones.model.mincut import GroupSet
from safezones.model.population import covered_fraction
from safezones.model.prepare import Base, Prepared
from safezones.model.shelter import exposure_index
from safezones.model.uncertainty import Reach, band_values, summarise

if TYPE_CHECKING:
    from safezones.config.scenario import Scenario

__all__ = ["READERS", "Engine", "clear_shared", "fast_supported", "shared"]

#: Where a scenario's layers are read: the model prepares arrays from them.
READERS = prepare.Readers(
    population=layers.population_layer, events=layers.events_layer,
    displaced=layers.displaced_table,
    control=layers.control_layer,
)  # fmt: skip

#: Most zones the fast path handles (2**Z reach patterns); more go to the reference.
MAX_FAST_ZONES = 10
#: Slack on the bound "a strip lies within its depth of its stretch": buffer
#: vertices and the round trip through lon/lat move edges by far less.
_MARGIN_KM = 0.001


def fast_supported(sc: Scenario) -> str | None:
    """Why the fast path cannot score ``sc`` (then the reference does), or None."""
    if sc.demand.mode != "hazard":
        return "demand mode 'given' (displaced read from a table)"
    if len(sc.zones) > MAX_FAST_ZONES:
        return f"more than {MAX_FAST_ZONES} zones"
    if any(getattr(z, "split", None) is not None for z in sc.zones):
        return "a safe zone split into one zone per feature"
    if sc.shelter.allocation == "optimal":
        return "the optimal allocation as the headline (its arrivals need the linear program)"
    return None


@dataclass(frozen=True)
class ZoneGeom:
    area_km2: float  # cut to land not held by control.exclude_held_by, when set
    intensity: float  # the threat actors' events per 1,000 km2 per year in the window
    dist: np.ndarray  # (C,) km from each cell to the zone (0 inside, inf beyond limit_km)
    cover_cells: np.ndarray  # cells the zone intersects
    cover_frac: np.ndarray  # their share inside the zone
    geom: Any  # the zone in PROJECT_CRS, as the reference measures it
    limit_km: float  # distances beyond this are not measured (inf): nobody reaches that far
    crossings: np.ndarray | None = None  # (C,) control changes to the zone (0 beyond limit_km)
    control: np.ndarray | None = None  # (11,) share_columns(), then area_before_cut_km2
    threat: np.ndarray | None = None  # each threat actor's events, then civilian deaths / year


class _LRU(OrderedDict[Any, Any]):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def get_or(self, key: Any, make: Any) -> Any:
        if key in self:
            self.move_to_end(key)
            return self[key]
        value = make()
        self[key] = value
        if len(self) > self.size:
            self.popitem(last=False)
        return value


def _reach_km(sc: Scenario) -> float:
    """Return the widest straight-line reach of ``sc``'s draws (:func:`~safezones.model.prepare.widest_reach_km`)."""
    return prepare.widest_reach_km(sc)


def _key(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, default=str)


def _stamp(path: Any) -> str:
    """Return a file's identity for the cache keys: path, size and time of change (or missing)."""
    try:
        st = Path(path).stat()
    except OSError:
        return f"{path}|missing"
    return f"{path}|{st.st_size}|{st.st_mtime_ns}"


def _base_key(sc: Scenario) -> str:
    dem = sc.demand.model_dump(exclude={"rates", "national_total", "scale_to_national_total"})
    files = [_stamp(sc.resolve(str(src))) for src in (sc.population.source, sc.events.source)
             if src != "bundled"]  # fmt: skip
    return _key(
        {
            "population": sc.population.model_dump(),
            "events": sc.events.model_dump(),
            "demand": dem,
            "threat": sc.threat.model_dump(),
            "base_dir": str(sc.base_dir),
            "files": files,
        }
    )


def _zone_key(sc: Scenario, z: Any) -> str:
    shape = z.model_dump(by_alias=True, exclude={"id", "name", "protection", "capacity"})
    if z.kind not in ("refuge", "freeze") and z.path is not None:
        shape["path"] = _stamp(sc.resolve(str(z.path)))
    return _key(shape)


def _surface_key(sc: Scenario) -> str:
    return ground.surface_key(sc, _stamp)


def _control_key(sc: Scenario) -> str:
    return _key({"surface": _surface_key(sc), "exclude": list(sc.control.exclude_held_by)})


class Engine:
    """Scores scenarios with cached geometry; equal to :func:`~safezones.scenario.run`.

    One engine serves a whole sweep (one per worker process). Caches are
    bounded (least recently used first out).

    Examples
    --------
    >>> from safezones.scenario import Scenario
    >>> sc = Scenario.from_toml("scenarios/aleppo-freeze.toml")
    >>> eng = Engine()
    >>> a = eng.totals(sc.with_values({"zones.aleppo.radius_km": 10}), draws=1)
    >>> b = eng.totals(sc.with_values({"zones.aleppo.radius_km": 20}), draws=1)
    >>> bool(b[1, 1] > a[1, 1])  # sheltered P50 grows with the radius
    True
    """

    def __init__(self, *, cache_size: int = 1024) -> None:
        self._bases: _LRU = _LRU(8)
        self._zones: _LRU = _LRU(cache_size)
        self._layers: _LRU = _LRU(cache_size)
        self._unions: _LRU = _LRU(cache_size)
        self._groupsets: _LRU = _LRU(128)  # each holds per-cell arrays (81 reach variants)
        self._leave_cache: _LRU = _LRU(128)  # each group's weights of leaving, by groupset
        self._classed_bases: _LRU = _LRU(16)  # bases classed at drawn thresholds
        # keyed by id(base); each entry keeps its base alive, so the id cannot be reused
        self._point_cache: dict[int, tuple[Base, np.ndarray]] = {}
        self._families: _LRU = _LRU(64)
        self._pattern_cache: _LRU = _LRU(cache_size)  # by zones and travel limits
        self._resident_cache: _LRU = _LRU(cache_size)  # by zones
        self._key_memo: _LRU = _LRU(cache_size)  # cache keys, by section objects
        self._surfaces: _LRU = _LRU(8)  # control surfaces, by _surface_key
        self._actor_cache: _LRU = _LRU(8)  # each origin's actor, by base and surface
        self._zone_res_cache: _LRU = _LRU(cache_size)  # residents per zone and class
        #: Measure cell-zone distances at least this far (km); a sweep sets it to the
        #: longest straight-line reach of its scenarios (max_travel_km / detour_factor).
        self.reach_km = 0.0
        self.preloaded = False
        #: Whether the last scenario base asked for was prepared (not taken from the cache).
        self.base_made = False
        #: Where built zone geometry is kept and read back (a sweep's
        #: :class:`~safezones.sweep.store.GeometryStore`), or None.
        self.store: Any = None
        #: Zone geometries built and read from :attr:`store`; tests read them.
        self.built = 0
        self.loaded = 0
        self._trees: dict[int, tuple[Base, shapely.STRtree]] = {}
        #: How many draws each route decided (see the module notes); tests read it.
        self.routes: Counter[str] = Counter()

    # ------------------------------------------------------------ geometry, cached

    def warm(self, sc: Scenario) -> dict[str, Any]:
        """Build the zone geometry of ``sc`` and return it, to :meth:`preload` elsewhere."""
        if fast_supported(sc) is not None:
            return {}
        bkey, base, _ = self._base(sc)
        reach_km = _reach_km(sc)
        return dict(self._zone(sc, bkey, base, z, reach_km) for z in sc.zones)

    def zone_keys(self, sc: Scenario) -> list[str]:
        """Return the cache keys of the zone geometry of ``sc`` (none off the fast path)."""
        if fast_supported(sc) is not None:
            return []
        bkey = self._base_key(sc) + "|" + self._control_key(sc)
        return [bkey + "|" + self._zone_key(sc, z) for z in sc.zones]

    def warm_base(self, sc: Scenario) -> None:
        """Prepare what every zone of ``sc`` shares: cells, classes, distances to stretches."""
        if fast_supported(sc) is not None:
            return
        _, base, _ = self._base(sc)
        self._tree(base)
        for z in sc.zones:
            self._family(sc, base, z)

    def preload(self, geometry: dict[str, Any]) -> None:
        """Take zone geometry built by :meth:`warm` (in another process)."""
        for key, geom in geometry.items():
            self._zones[key] = geom
        self.preloaded = True

    def zone_geometries(self, sc: Scenario) -> list[Any]:
        """Return the zones of ``sc`` in PROJECT_CRS as scored, each built once, then cached."""
        bkey, base, _ = self._base(sc)
        reach_km = _reach_km(sc)
        return [self._zone(sc, bkey, base, z, reach_km)[1].geom for z in sc.zones]

    def events(self, sc: Scenario) -> Any:
        """Return the events of the window of ``sc`` (those its exposure is counted from)."""
        return self._base(sc)[1].events

    def _memo(self, objs: tuple[Any, ...], extra: str, make: Callable[[], str]) -> str:
        """Return ``make()``, kept while the same section objects come again (a sweep's rows).

        ``objs`` are compared by identity, ``extra`` by value. Each entry keeps
        its objects alive, so their ids cannot be reused.
        """
        key = (*map(id, objs), extra)
        kept: tuple[tuple[Any, ...], str] = self._key_memo.get_or(key, lambda: (objs, make()))
        return kept[1]

    def _base_key(self, sc: Scenario) -> str:
        if str(sc.population.source) != "bundled" or str(sc.events.source) != "bundled":
            return _base_key(sc)  # a file's time of change is read every time
        objs = (sc.population, sc.events, sc.demand, sc.threat)
        return self._memo(objs, str(sc.base_dir), lambda: _base_key(sc))

    def _control_key(self, sc: Scenario) -> str:
        if str(sc.control.source) != "bundled":
            return _control_key(sc)  # a file's time of change is read every time
        return self._memo((sc.control,), str(sc.events.end), lambda: _control_key(sc))

    def surface(self, sc: Scenario) -> ControlSurface:
        """Return the control surface of ``sc`` (:func:`~safezones.model.ground.scenario_surface`)."""
        key = _surface_key(sc) if str(sc.control.source) != "bundled" else self._memo(
            (sc.control,), "surface|" + str(sc.events.end), lambda: _surface_key(sc))  # fmt: skip
        got: ControlSurface = self._surfaces.get_or(key, lambda: ground.scenario_surface(sc, READERS.control))  # fmt: skip
        return got

    def _origin_actor(self, sc: Scenario, base: Base, surface: ControlSurface) -> np.ndarray:
        def make() -> tuple[Base, ControlSurface, np.ndarray]:
            codes = ground.cell_actors(self._points(base), surface)
            return base, surface, ground.origin_actors(codes, base.bands[:, 1], base.of_cell,
                                                       len(base.units))  # fmt: skip

        return np.asarray(self._actor_cache.get_or((id(base), id(surface)), make)[2])

    def _zone_key(self, sc: Scenario, z: Any) -> str:
        if z.kind not in ("refuge", "freeze") and z.path is not None:
            return _zone_key(sc, z)  # a file's time of change is read every time
        return self._memo((z,), "", lambda: _zone_key(sc, z))

    def _base(self, sc: Scenario) -> tuple[str, Base, np.ndarray]:
        key = self._base_key(sc)
        self.base_made = False

        def make() -> tuple[Base, np.ndarray]:
            b = prepare.prepare_base(sc, READERS)  # warns about the inputs, once per base
            self.base_made = True
            pop_h = np.zeros((b.n_cls, 3))
            for j in range(3):
                pop_h[:, j] = np.bincount(b.cls_cell, b.bands[:, j], b.n_cls)
            return b, pop_h

        base, pop_h = self._bases.get_or(key, make)
        return key, base, pop_h

    def _zone(
        self, sc: Scenario, base_key: str, base: Base, z: Any, reach_km: float
    ) -> tuple[str, ZoneGeom]:
        key = base_key + "|" + self._control_key(sc) + "|" + self._zone_key(sc, z)
        limit = max(reach_km, self.reach_km)

        def make() -> ZoneGeom:
            if self.store is not None:
                stored = self.store.load(key, len(base.cells))
                if stored is not None:
                    self.loaded += 1
                    zg: ZoneGeom = stored
                    return zg
            geom = build()
            self.built += 1
            if self.store is not None:
                self.store.save(key, geom)
            return geom

        def build() -> ZoneGeom:
            from safezones.model.zones import zone_set

            try:
                zones = zone_set([self._layer(sc, z)])
            except SafeZonesError as err:
                raise type(err)([f"zones.{z.id}: {p}" for p in err.problems]) from None
            surface = self.surface(sc)
            uncut = float(zones["area_km2"].iloc[0])
            if sc.control.exclude_held_by:  # as ground.cut cuts the reference's
                zones = ground.cut_layer(zones, surface, tuple(sc.control.exclude_held_by))
            zm = to_metric(zones, what="zones").geometry.to_numpy()
            if len(zm) > 1:  # a split safe zone (scored by the reference): its footprint
                zm = np.array([shapely.union_all(zm)], dtype=object)
            cgeom = base.cells.geometry.to_numpy()
            zi, ci = self._tree(base).query(zm, predicate="intersects")
            intensity, control, threat = ground.zone_figures(zones, uncut, base, surface)
            dist = self._distances(sc, base, z, zm[0], limit)
            return ZoneGeom(
                area_km2=float(zones["area_km2"].iloc[0]),
                intensity=intensity,
                dist=dist,
                cover_cells=ci,
                cover_frac=covered_fraction(zm, cgeom, zi, ci),
                geom=zm[0],
                limit_km=limit,
                crossings=ground.zone_crossings(self._points(base), zm[0], surface, dist, limit),
                control=control,
                threat=threat,
            )

        geom: ZoneGeom = self._zones.get_or(key, make)
        if geom.limit_km < reach_km:  # a longer journey than measured: measure farther
            dist = self._distances(sc, base, z, geom.geom, limit)
            cross = ground.zone_crossings(self._points(base), geom.geom, self.surface(sc), dist,
                                          limit)  # fmt: skip
            geom = replace(geom, dist=dist, crossings=cross, limit_km=limit)
            self._zones[key] = geom
        return key, geom

    def _layer(self, sc: Scenario, z: Any) -> Any:
        """One zone's layer (EPSG:4326) as its builder makes it, built once per shape and name."""
        key = (self._zone_key(sc, z), z.id, z.name)  # the layer carries the zone's id and name
        return self._layers.get_or(key, lambda: prepare.zone_layer(sc, z))

    def prepared(self, sc: Scenario) -> Prepared:
        """Prepare the arrays :func:`~safezones.model.score.score_groups` scores, from caches.

        Equal to :func:`safezones.model.prepare.prepare` (which measures every cell's
        distance to every zone), with each zone's geometry, distances and cover
        cached; a safe zone split into one zone per feature is prepared that way.
        """
        if any(getattr(z, "split", None) is not None for z in sc.zones):
            return prepare.prepare(sc, READERS)
        (bkey, base, _), zones, surface = prepare.gathered(
            sc, lambda: self._base(sc), lambda: prepare.build_zones(sc, self._layer),
            lambda: self.surface(sc),
        )  # fmt: skip
        zones = ground.cut(sc, zones, surface)
        if not self.base_made:  # as run() always did: each run warns about its inputs
            prepare.check_base(sc, base)
        reach_km = _reach_km(sc)
        pairs = [self._zone(sc, bkey, base, z, reach_km) for z in sc.zones]
        zkeys, geoms = tuple(k for k, _ in pairs), [g for _, g in pairs]
        cover = self._cover(zkeys, geoms, base)
        g = prepare.grouped(sc, base, cover, sc.shelter)
        weights = np.array([g.threat[:-1] for g in geoms if g.threat is not None])
        control = np.array([g.control for g in geoms if g.control is not None])
        shares = pd.DataFrame(control[:, :-1], index=zones.index, columns=share_columns())
        prep = prepare.finish(
            sc, READERS, base, zones, surface, g["groups"], g["group_class"], g["gpop"],
            g["res_zg"], g["res_g"], weights=weights.reshape(len(geoms), -1),
            control=ground.control_frame(shares, control[:, -1]),
            origin_actor=self._origin_actor(sc, base, surface),
        )  # fmt: skip
        return prepare.with_regroup(prep, sc, base, cover)

    def _cover(self, zkeys: tuple[str, ...], geoms: list[ZoneGeom], base: Base) -> prepare.Cover:
        """Return the distances, crossings and covers of a zone set, as the reference measures them."""
        held = [g.crossings for g in geoms if g.crossings is not None]
        cross = np.column_stack(held) if len(held) == len(geoms) and held else None
        return prepare.Cover(
            dist=np.column_stack([g.dist for g in geoms]), crossings=cross,
            cells=[g.cover_cells for g in geoms], frac=[g.cover_frac for g in geoms],
            union=self._union(zkeys, geoms, base),
        )  # fmt: skip

    def _tree(self, base: Base) -> shapely.STRtree:
        key = id(base)
        if key not in self._trees:
            self._trees = {key: (base, shapely.STRtree(base.cells.geometry.to_numpy()))}
        return self._trees[key][1]

    def _points(self, base: Base) -> np.ndarray:
        key = id(base)
        if key not in self._point_cache:
            pts = base.cells.geometry.representative_point().to_numpy()
            self._point_cache = {key: (base, pts)}
        return self._point_cache[key][1]

    def _family(self, sc: Scenario, base: Base, z: Any) -> tuple[np.ndarray, float] | None:
        """Each cell's km to the zone's border stretch or centre, and the zone's depth or radius."""
        from safezones.model.geometry import border_stretch, metric_point, resolve_point

        if z.kind == "refuge":
            key: tuple[Any, ...] = ("stretch", z.border, z.start, z.end)
            param = z.depth_km
        elif z.kind == "freeze":
            key, param = ("centre", z.place), z.radius_km
        else:
            return None
        key = (id(base), *map(str, key))

        def make() -> tuple[Base, np.ndarray]:
            if z.kind == "refuge":
                geom = border_stretch(z.border, z.start, z.end)[1]
            else:
                geom = metric_point(*resolve_point(z.place, "place")[:2])
            dist = np.asarray(shapely.distance(self._points(base), geom), dtype=float) / 1000.0
            return base, dist  # the entry keeps its base alive: id(base) stays unique

        return self._families.get_or(key, make)[1], float(param)

    def _distances(
        self, sc: Scenario, base: Base, z: Any, zone: Any, limit_km: float
    ) -> np.ndarray:
        """As :func:`~safezones.model.shelter.cell_distances`, for the cells within ``limit_km``.

        A strip of depth d lies within d of its border stretch (a freeze within
        its radius of its centre), so a cell farther than ``limit + d`` from
        the stretch is farther than ``limit`` from the zone: it gets ``inf``
        without being measured. The others get GEOS's distance, as in the
        reference.
        """
        pts = self._points(base)
        fam = self._family(sc, base, z)
        if fam is None:
            near = np.ones(len(pts), dtype=bool)
        else:
            to_line, param = fam
            near = to_line - param - _MARGIN_KM <= limit_km
        out = np.full(len(pts), np.inf)
        shapely.prepare(zone)
        out[near] = np.asarray(shapely.distance(pts[near], zone), dtype=float) / 1000.0
        return np.where(np.isnan(out), np.inf, out)  # an empty zone (cut away): out of reach

    def _union(self, keys: tuple[str, ...], geoms: list[ZoneGeom], base: Base) -> np.ndarray:
        """Each cell's share inside any of the zones ``(C,)``, as the reference measures it."""

        def make() -> np.ndarray:
            n_c = len(base.cells)
            ci = np.concatenate([g.cover_cells for g in geoms])
            frac = np.concatenate([g.cover_frac for g in geoms])
            zi = np.repeat(np.arange(len(geoms)), [len(g.cover_cells) for g in geoms])
            w = np.bincount(ci, frac, n_c)  # exact where each cell meets one zone
            # Cells that meet several zones: the share of the union of their pieces, as
            # the reference's share of the union of the zones (a whole cell stays whole).
            shared = np.flatnonzero(np.bincount(ci, minlength=n_c) > 1)
            whole = np.zeros(n_c, dtype=bool)
            whole[ci[frac == 1.0]] = True
            cgeom = base.cells.geometry.to_numpy()
            zg = np.array([g.geom for g in geoms], dtype=object)
            for c in shared:
                if whole[c]:
                    w[c] = 1.0
                    continue
                zs = zi[ci == c]
                pieces = shapely.intersection(zg[zs], cgeom[c])
                area = float(shapely.area(cgeom[c]))
                w[c] = float(shapely.area(shapely.union_all(pieces))) / area if area > 0 else 0.0
            w.flags.writeable = False
            return w

        return np.asarray(self._unions.get_or(keys, make))

    def _patterns(self, zkeys: tuple[str, ...], geoms: list[ZoneGeom], base: Base,
                  reach: Reach) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
        """People of each reach pattern and hazard class, and the same weighted by rate.

        See :func:`~safezones.model.ground.pattern_people`. The reach variant decides
        it, capacity does not, so a sweep over capacity counts the cells once.
        """

        def make() -> tuple[np.ndarray, np.ndarray]:
            return ground.pattern_people([g.dist for g in geoms], [g.crossings for g in geoms],
                                         base, reach)  # fmt: skip

        got: tuple[np.ndarray, np.ndarray] = self._pattern_cache.get_or((zkeys, reach), make)
        return got

    def _residents(self, zkeys: tuple[str, ...], geoms: list[ZoneGeom], base: Base) -> np.ndarray:
        """People living inside any of the zones, by hazard class ``(H, 3)``."""

        def make() -> np.ndarray:
            w = self._union(zkeys, geoms, base)
            res_h = np.column_stack(
                [np.bincount(base.cls_cell, base.bands[:, j] * w, base.n_cls) for j in range(3)]
            )
            res_h.flags.writeable = False
            return res_h

        return np.asarray(self._resident_cache.get_or(zkeys, make))

    def _groupset(self, zkeys: tuple[str, ...], geoms: list[ZoneGeom], base: Base,
                  reach: Reach) -> GroupSet:  # fmt: skip
        def make() -> GroupSet:
            dist = np.column_stack([g.dist for g in geoms])
            held = [g.crossings for g in geoms if g.crossings is not None]
            cross = np.column_stack(held) if len(held) == len(geoms) and held else None
            groups, group_class = prepare.group_cells(base, dist, reach, cross)
            n_g = len(groups.origin)
            gpop = np.column_stack(
                [np.bincount(groups.of_cell, base.bands[:, j], n_g) for j in range(3)]
            )
            return GroupSet(groups, group_class, gpop)

        gs: GroupSet = self._groupsets.get_or((zkeys, reach), make)
        return gs

    # ------------------------------------------------------------ arithmetic

    def samples(
        self, sc: Scenario, *, draws: int | None = None, seed: int | None = None
    ) -> np.ndarray:
        """Score every draw: ``(draws, len(METRICS))``, as ``run(sc).samples``."""
        n = int(draws if draws is not None else sc.uncertainty.draws)
        rng_seed = int(seed if seed is not None else sc.uncertainty.seed)
        if fast_supported(sc) is not None:
            self.routes["reference"] += n
            prep = self.prepared(sc)
            return score.score_groups(sc, prep, draws=n, seed=rng_seed).samples
        bkey, base, _ = self._base(sc)
        reach_km = _reach_km(sc)
        pairs = [self._zone(sc, bkey, base, z, reach_km) for z in sc.zones]
        zkeys = tuple(k for k, _ in pairs)
        geoms = [g for _, g in pairs]
        dr = score.scenario_draws(sc, n=n, seed=rng_seed)
        out = np.zeros((n, len(METRICS)))
        for reach, idx in dr.by_variant(score.central_values(sc).reach):
            out[idx] = self._variant_samples(sc, bkey, base, zkeys, geoms, dr.take(idx), reach)
        return out

    def _classed(self, sc: Scenario, bkey: str, base: Base, factor: float) -> Base:
        """Return the base with its cells classed at the thresholds times ``factor`` (cached)."""
        if factor == 1.0:
            return base
        key = (bkey, factor)
        got: Base = self._classed_bases.get_or(
            key, lambda: replace(base, cls_cell=prepare.variant_classes(sc, base, factor))
        )
        return got

    def _variant_samples(self, sc: Scenario, bkey: str, base0: Base, zkeys: tuple[str, ...],
                         geoms: list[ZoneGeom], dr: Any, reach: Reach) -> np.ndarray:  # fmt: skip
        """Score the draws ``dr`` of one reach variant (see :meth:`samples`)."""
        base = self._classed(sc, bkey, base0, reach.threshold_factor)
        zk = (*zkeys, f"thresholds x {reach.threshold_factor!r}")
        n, n_h = dr.n, base.n_cls
        dem, sh = sc.demand, sc.shelter
        t = dr.population_t
        pop_h = np.column_stack([np.bincount(base.cls_cell, base.bands[:, j], n_h)
                                 for j in range(3)])  # fmt: skip

        # demand by hazard class: the share displaced is the same for every group of a class
        pop_ht = score.band_people(pop_h, t)  # (n, H)
        disp_h = score.hazard_displaced(pop_ht, np.arange(n_h), dem.rates, dr,
                                        score.national_total(dem))  # fmt: skip
        share = score.displaced_share(disp_h, pop_ht)
        displaced = disp_h.sum(axis=1)

        p_kh, rw_kh = self._patterns(zk, geoms, base, reach)
        p_t = score.band_people(p_kh, t)  # (n, K, H)
        demand_k = (p_t * share[:, None, :]).sum(axis=2)  # (n, K)

        # capacity, safety (a zone cut away entirely has capacity 0, as ground.cut gives it)
        cut = bool(sc.control.exclude_held_by)
        explicit = [0.0 if cut and (g.area_km2 <= 0 or shapely.is_empty(g.geom)) else z.capacity
                    for z, g in zip(sc.zones, geoms, strict=True)]  # fmt: skip
        cap = score.zone_capacity(np.array([g.area_km2 for g in geoms]), dr,
                                  usable_fraction=sh.usable_fraction, explicit=explicit)  # fmt: skip
        exposure = exposure_index(np.array([g.intensity for g in geoms]), sh.exposure_reference)
        weights = np.array([g.threat[:-1] for g in geoms if g.threat is not None])
        prot = np.asarray(prepare.protection(sc, weights.reshape(len(geoms), -1)))
        safe = score.zone_safety(exposure, prot, dr)

        # both allocations: gravity on the groups (the headline), the optimal total by min cut
        gs = self._groupset(zk, geoms, base, reach)
        self.routes["gravity"] += n
        gp = band_values(gs.gpop[:, 0], gs.gpop[:, 1], gs.gpop[:, 2], t)
        leave_key = (zk, reach, score.leave_year(sc), tuple(sh.leave.model_dump().values()),
                     sh.border_decay)  # fmt: skip
        leave = self._leave_cache.get_or(leave_key,
                                         lambda: score.group_leave(sc, base.cells, gs.groups))  # fmt: skip
        flows = np.asarray(score.gravity_flows(sc, gs.groups, dr, gp * share[:, gs.group_class],
                                               cap, safe, reach, leave=leave))  # fmt: skip
        flows = flows.reshape(n, len(gs.gpop), -1)
        sheltered = flows.sum(axis=1)
        within = (flows * gs.groups.within()[None, :, :]).sum(axis=1)
        optimal = mincut.max_flow(demand_k, cap)
        self.routes["optimal total by min cut"] += n
        res_t = score.band_people(self._residents(zk, geoms, base), t)
        residents = score.not_displaced(res_t, share)
        averted = self._averted(zk, geoms, base, share, t, demand_k,
                                score.band_people(rw_kh, t), prot, dr, sheltered)  # fmt: skip
        return score.metrics(displaced, sheltered, residents, cap, safe, deaths=averted,
                             within=within, gravity=sheltered,
                             optimal=optimal[:, None])  # fmt: skip

    def _averted(self, zkeys: tuple[str, ...], geoms: list[ZoneGeom], base: Base,
                 *args: Any) -> np.ndarray:  # fmt: skip
        """Deaths averted per draw and zone ``(n, Z)`` (:func:`~safezones.model.ground.pattern_deaths`)."""
        res_zh, central = self._zone_res_cache.get_or(zkeys, lambda: ground.zone_class_people(
            [g.cover_cells for g in geoms], [g.cover_frac for g in geoms], base))  # fmt: skip
        per_year = np.array([g.threat[-1] if g.threat is not None else 0.0 for g in geoms])
        return ground.pattern_deaths(res_zh, ground.civ_rate(per_year, central), *args)

    def totals(
        self, sc: Scenario, *, draws: int | None = None, seed: int | None = None
    ) -> np.ndarray:
        """P5/P50/P95 of every metric, ``(len(METRICS), 3)``, as ``run(sc).totals``."""
        return np.asarray(summarise(self.samples(sc, draws=draws, seed=seed)))


_SHARED: list[Engine] = []


def shared() -> Engine:
    """Return the engine of this process that :func:`~safezones.scenario.run` prepares with.

    Its caches are small (a few scenario bases, 64 zones) and keyed by every
    input that decides the geometry, files included (path, size and time of
    change), so a changed file is read again.
    """
    if not _SHARED:
        _SHARED.append(Engine(cache_size=64))
    return _SHARED[0]


def clear_shared() -> None:
    """Forget the shared engine and its caches, as a new process would start."""
    _SHARED.clear()

"""Monte Carlo draws over the uncertain inputs, and P5/P50/P95 summaries.

Each draw picks, from one seeded generator (stratified by a Latin hypercube):

- ``population``: a position between the low, central and high population
  bands, ``t`` in [-1, 1] from a triangular law peaking at 0 (central), shared
  by every place in the draw (band errors in projections are systematic);
- ``rate_factor``: one factor per hazard class, uniform in ``1 ± rate_spread``;
- ``national_factor``: uniform in ``1 ± national_total_spread`` on the
  national total of displaced;
- ``site_area_per_person_m2``: between Sphere's 30 m2 (communal services outside
  the site) and Zaatari's 67 m2 (used camp area per person), half of the draws on
  each side of the scenario's value (Sphere's 45 m2; :func:`split_uniform`);
- ``protection_shift``: added to every zone's protection, uniform in
  ``± protection_spread`` (clipped to [0, 1]);
- ``crossing_penalty_km``: the penalty per change of controlling actor on the
  way to a zone, uniform in ``p (1 ± crossing_penalty_spread)`` around the
  scenario's ``shelter.crossing_penalty_km`` ``p`` (an assumption, see
  :mod:`safezones.defaults`). Its column of the Latin hypercube is drawn after
  the others' (a Latin hypercube's columns are independent permutations, so
  the design is the same), which leaves every other input of a seed as it was
  before the penalty was drawn.

Structural assumptions (issue 19; ranges and sources in :mod:`safezones.defaults`),
from a third Latin hypercube drawn after the others (so the inputs above stay as
they were for a seed):

- ``usable_fraction``: over ``usable_fraction_range``, half of the draws on each
  side of the scenario's ``shelter.usable_fraction`` (:func:`split_uniform`; the
  range widened to hold it);
- ``distance_decay``: uniform in the scenario's ``± distance_decay_spread`` (at least 0);
- ``outside_factor``: log-uniform over ``outside_option_range``, a factor on the
  outside option's weight;
- the **reach variant**: ``max_travel_km`` (a factor in ``max_travel_range``),
  ``detour_factor`` (``± detour_spread``, at least 1), the crossing penalty and a
  factor on both hazard thresholds (log-uniform in ``threshold_factor_range``)
  each take one of :data:`~safezones.defaults.STRUCTURAL_LEVELS` levels, the
  midpoints of equal slices of their range. Who reaches which zone and each
  cell's hazard class depend on these only, so the reach groups of each
  combination (:class:`Reach`) are formed once and shared by its draws.

``structural=False`` leaves the structural inputs at the scenario's values.
``draws=1`` gives the deterministic central case: every factor at its
central value.

Examples
--------
>>> d = draw_inputs(UncertaintySpec(), draws=1, n_classes=3)
>>> float(d.population_t[0]), d.rate_factor.tolist(), float(d.site_area_per_person_m2[0])
(0.0, [[1.0, 1.0, 1.0]], 45.0)
>>> summarise(np.arange(101.0)).tolist()
[5.0, 50.0, 95.0]
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Literal

import numpy as np

from safezones.defaults import (
    DEFAULT_CROSSING_PENALTY_KM,
    DEFAULT_CROSSING_PENALTY_SPREAD,
    DEFAULT_DETOUR_FACTOR,
    DEFAULT_DISTANCE_DECAY,
    DEFAULT_DRAWS,
    DEFAULT_MAX_TRAVEL_KM,
    DEFAULT_NATIONAL_TOTAL_SPREAD,
    DEFAULT_POPULATION_BANDS,
    DEFAULT_PROTECTION_SPREAD,
    DEFAULT_RATE_SPREAD,
    DEFAULT_SEED,
    DEFAULT_USABLE_FRACTION,
    DETOUR_SPREAD,
    DISTANCE_DECAY_SPREAD,
    MAX_TRAVEL_RANGE,
    OUTSIDE_OPTION_RANGE,
    PERCENTILES,
    SITE_AREA_RANGE_M2,
    SPHERE_SITE_AREA_M2,
    SPHERE_SITE_AREA_MIN_M2,
    STRUCTURAL_LEVELS,
    THRESHOLD_FACTOR_RANGE,
    USABLE_FRACTION_RANGE,
)
from safezones.errors import SafeZonesError

if TYPE_CHECKING:
    from safezones.config.scenario import UncertaintySection

__all__ = [
    "DEFAULT_DRAWS",
    "DEFAULT_SEED",
    "PERCENTILES",
    "Central",
    "Draws",
    "Reach",
    "UncertaintySpec",
    "band_values",
    "draw_inputs",
    "split_uniform",
    "summarise",
]


@dataclass(frozen=True)
class UncertaintySpec:
    """How wide each uncertain input is (all assumptions unless a source is named).

    Attributes
    ----------
    rate_spread
        Relative spread of each displacement rate (0.3: ×0.7 to ×1.3).
    national_total_spread
        Relative spread of the national total of displaced (0.1: ±10 %).
    site_area_low_m2, site_area_high_m2
        Range of the site area per person (Sphere: 30 and 45 m2).
    protection_spread
        Absolute spread of each zone's protection (0.2: ±0.2).
    crossing_penalty_spread
        Relative spread of the crossing penalty (0.5: ×0.5 to ×1.5).
    population_bands
        Draw population between its low and high bands (else central only).
    structural, usable_fraction_range, max_travel_range, detour_spread,
    threshold_factor_range, distance_decay_spread, outside_option_range
        Whether to draw the structural assumptions, and their ranges (module docstring).
    """

    rate_spread: float = DEFAULT_RATE_SPREAD
    national_total_spread: float = DEFAULT_NATIONAL_TOTAL_SPREAD
    site_area_low_m2: float = SPHERE_SITE_AREA_MIN_M2
    site_area_high_m2: float = SITE_AREA_RANGE_M2[1]
    protection_spread: float = DEFAULT_PROTECTION_SPREAD
    population_bands: bool = DEFAULT_POPULATION_BANDS
    crossing_penalty_spread: float = DEFAULT_CROSSING_PENALTY_SPREAD
    structural: bool = True
    usable_fraction_range: tuple[float, float] = USABLE_FRACTION_RANGE
    max_travel_range: tuple[float, float] = MAX_TRAVEL_RANGE
    detour_spread: float = DETOUR_SPREAD
    threshold_factor_range: tuple[float, float] = THRESHOLD_FACTOR_RANGE
    distance_decay_spread: float = DISTANCE_DECAY_SPREAD
    outside_option_range: tuple[float, float] = OUTSIDE_OPTION_RANGE

    @classmethod
    def from_section(cls, section: UncertaintySection) -> UncertaintySpec:
        """Return the spec of a scenario's ``[uncertainty]`` section (its draws and seed aside).

        Examples
        --------
        >>> from safezones.config.scenario import UncertaintySection
        >>> UncertaintySpec.from_section(UncertaintySection(rate_spread=0.1)).rate_spread
        0.1
        >>> UncertaintySpec.from_section(UncertaintySection()) == UncertaintySpec()
        True
        """
        return cls(**{f.name: getattr(section, f.name) for f in fields(cls)})

    def __post_init__(self) -> None:
        """Refuse spreads outside their ranges, listing every problem at once."""
        problems = []
        for name in ("rate_spread", "national_total_spread", "crossing_penalty_spread"):
            v = getattr(self, name)
            if not 0 <= v < 1:
                problems.append(f"{name} must be in [0, 1), got {v!r}")
        if not 0 <= self.protection_spread <= 1:
            problems.append(f"protection_spread must be in [0, 1], got {self.protection_spread!r}")
        for name in ("usable_fraction_range", "max_travel_range", "threshold_factor_range",
                     "outside_option_range"):  # fmt: skip
            lo, hi = getattr(self, name)
            if not 0 < lo <= hi:
                problems.append(f"{name} must satisfy 0 < low <= high, got {lo!r} and {hi!r}")
        if self.usable_fraction_range[1] > 1:
            problems.append("usable_fraction_range: high must be at most 1")
        for name in ("detour_spread", "distance_decay_spread"):
            if not 0 <= getattr(self, name) < 10:
                problems.append(f"{name} must be in [0, 10), got {getattr(self, name)!r}")
        if not 0 < self.site_area_low_m2 <= self.site_area_high_m2:
            problems.append(
                "site areas must satisfy 0 < site_area_low_m2 <= site_area_high_m2, got "
                f"{self.site_area_low_m2!r} and {self.site_area_high_m2!r}"
            )
        if problems:
            raise SafeZonesError(problems)


@dataclass(frozen=True)
class Reach:
    """One combination of the inputs that decide reach and hazard classes.

    Examples
    --------
    >>> Reach(100.0, 1.3, 20.0, 1.0).straight_km
    76.92307692307692
    """

    max_travel_km: float
    detour_factor: float
    crossing_penalty_km: float
    threshold_factor: float = 1.0

    @property
    def straight_km(self) -> float:
        """The longest straight-line journey: ``max_travel_km / detour_factor``."""
        return self.max_travel_km / self.detour_factor


@dataclass(frozen=True)
class Central:
    """The scenario's central values of the drawn inputs (``shelter`` and its site area).

    Examples
    --------
    >>> Central().reach
    Reach(max_travel_km=100.0, detour_factor=1.3, crossing_penalty_km=20.0, threshold_factor=1.0)
    """

    site_area_m2: float = SPHERE_SITE_AREA_M2
    crossing_penalty_km: float = DEFAULT_CROSSING_PENALTY_KM
    usable_fraction: float = DEFAULT_USABLE_FRACTION
    max_travel_km: float = DEFAULT_MAX_TRAVEL_KM
    detour_factor: float = DEFAULT_DETOUR_FACTOR
    distance_decay: float = DEFAULT_DISTANCE_DECAY

    @property
    def reach(self) -> Reach:
        """The central reach variant."""
        return Reach(self.max_travel_km, self.detour_factor, self.crossing_penalty_km, 1.0)


@dataclass(frozen=True)
class Draws:
    """The sampled inputs, one row per draw.

    ``crossing_penalty_km`` is None when the draws leave the crossing penalty at
    its central value (draws built by hand; see :meth:`crossing_shift_km`). The
    structural inputs (``usable_fraction``, ``distance_decay``, ``outside_factor``
    and the reach variant: ``variant`` indexes ``variants``) are None in draws
    built by hand: the scenario's values then hold.
    """

    population_t: np.ndarray  # (n,)
    rate_factor: np.ndarray  # (n, classes)
    national_factor: np.ndarray  # (n,)
    site_area_per_person_m2: np.ndarray  # (n,)
    protection_shift: np.ndarray  # (n,)
    crossing_penalty_km: np.ndarray | None = None  # (n,)
    usable_fraction: np.ndarray | None = None  # (n,)
    distance_decay: np.ndarray | None = None  # (n,)
    outside_factor: np.ndarray | None = None  # (n,)
    variant: np.ndarray | None = None  # (n,) index into variants
    variants: tuple[Reach, ...] = ()

    @property
    def n(self) -> int:
        """Number of draws."""
        return len(self.population_t)

    def by_variant(self, central: Reach) -> list[tuple[Reach, np.ndarray]]:
        """Return each reach variant with the indices of its draws (``central`` if none drawn).

        Examples
        --------
        >>> d = Draws(*[np.zeros(3)] * 5, variant=np.array([1, 0, 1]),
        ...           variants=(Reach(50.0, 1.3, 20.0), Reach(100.0, 1.3, 20.0)))
        >>> [(v.max_travel_km, i.tolist()) for v, i in d.by_variant(Reach(1.0, 1.0, 0.0))]
        [(50.0, [1]), (100.0, [0, 2])]
        """
        if self.variant is None or not self.variants:
            return [(central, np.arange(self.n))]
        v = np.asarray(self.variant)
        return [(r, np.flatnonzero(v == k)) for k, r in enumerate(self.variants) if (v == k).any()]

    def table(self) -> dict[str, np.ndarray]:
        """Return each drawn input by name, ``(n,)`` each: what the draws moved.

        Examples
        --------
        >>> d = draw_inputs(UncertaintySpec(), draws=4, n_classes=2, seed=1)
        >>> list(d.table())[:3]
        ['population_band', 'rate_factor_0', 'rate_factor_1']
        """
        out: dict[str, np.ndarray] = {"population_band": self.population_t}
        for k in range(self.rate_factor.shape[1]):
            out[f"rate_factor_{k}"] = self.rate_factor[:, k]
        out["national_factor"] = self.national_factor
        out["site_area_per_person_m2"] = self.site_area_per_person_m2
        out["protection_shift"] = self.protection_shift
        for name in ("crossing_penalty_km", "usable_fraction", "distance_decay",
                     "outside_factor"):  # fmt: skip
            v = getattr(self, name)
            if v is not None:
                out[name] = np.asarray(v, dtype=float)
        if self.variant is not None and self.variants:
            v = np.asarray(self.variant)
            for name in ("max_travel_km", "detour_factor", "threshold_factor"):
                out[name] = np.array([getattr(r, name) for r in self.variants])[v]
        return out

    def take(self, idx: np.ndarray) -> Draws:
        """Return the draws ``idx`` (a subset, in that order).

        Examples
        --------
        >>> d = Draws(np.array([0.0, 1.0]), np.ones((2, 1)), np.ones(2), np.ones(2), np.zeros(2))
        >>> d.take(np.array([1])).population_t.tolist()
        [1.0]
        """

        def sub(a: np.ndarray | None) -> np.ndarray | None:
            return None if a is None else np.asarray(a)[idx]

        return Draws(
            self.population_t[idx], self.rate_factor[idx], self.national_factor[idx],
            self.site_area_per_person_m2[idx], self.protection_shift[idx],
            sub(self.crossing_penalty_km), sub(self.usable_fraction), sub(self.distance_decay),
            sub(self.outside_factor), sub(self.variant), self.variants,
        )  # fmt: skip

    def crossing_shift_km(self, central_km: float) -> np.ndarray:
        """Return each draw's crossing penalty minus the central ``central_km``, ``(n,)``.

        Examples
        --------
        >>> d = Draws(np.zeros(2), np.ones((2, 1)), np.ones(2), np.ones(2), np.zeros(2),
        ...           np.array([10.0, 30.0]))
        >>> d.crossing_shift_km(20.0).tolist()
        [-10.0, 10.0]
        >>> Draws(*[np.zeros(1)] * 5).crossing_shift_km(20.0).tolist()
        [0.0]
        """
        if self.crossing_penalty_km is None:
            return np.zeros(self.n)
        return np.asarray(self.crossing_penalty_km, dtype=float) - float(central_km)


def draw_inputs(
    spec: UncertaintySpec,
    *,
    draws: int,
    n_classes: int,
    seed: int | None = DEFAULT_SEED,
    site_area_central_m2: float = SPHERE_SITE_AREA_M2,
    crossing_penalty_central_km: float = DEFAULT_CROSSING_PENALTY_KM,
    central: Central | None = None,
    method: Literal["lhs", "random"] = "lhs",
) -> Draws:
    """Sample ``draws`` sets of inputs; ``draws=1`` is the central case.

    ``method="lhs"`` (default) stratifies the draws with a Latin hypercube
    (scipy.stats.qmc), so percentiles settle with fewer draws than plain
    random sampling (``"random"``); both are reproducible from ``seed``.
    ``central`` holds the scenario's values of the structural inputs (its
    ``site_area_m2`` and ``crossing_penalty_km`` win over the two keywords).

    Examples
    --------
    >>> a = draw_inputs(UncertaintySpec(), draws=4, n_classes=3, seed=1)
    >>> b = draw_inputs(UncertaintySpec(), draws=4, n_classes=3, seed=1)
    >>> c = draw_inputs(UncertaintySpec(), draws=4, n_classes=3, seed=2)
    >>> bool((a.rate_factor == b.rate_factor).all()), bool((a.rate_factor == c.rate_factor).all())
    (True, False)
    >>> sorted({v.max_travel_km for v in a.variants}) <= [50.0 + 100 / 6 * k for k in (1, 3, 5)]
    True
    """
    if not isinstance(draws, int | np.integer) or isinstance(draws, bool) or draws < 1:
        raise SafeZonesError(f"draws must be a whole number >= 1, got {draws!r}")
    c = central or Central(site_area_m2=site_area_central_m2,
                           crossing_penalty_km=crossing_penalty_central_km)  # fmt: skip
    if draws == 1:
        return Draws(
            population_t=np.zeros(1),
            rate_factor=np.ones((1, n_classes)),
            national_factor=np.ones(1),
            site_area_per_person_m2=np.array([float(c.site_area_m2)]),
            protection_shift=np.zeros(1),
            crossing_penalty_km=np.array([float(c.crossing_penalty_km)]),
            usable_fraction=np.array([float(c.usable_fraction)]),
            distance_decay=np.array([float(c.distance_decay)]),
            outside_factor=np.ones(1),
            variant=np.zeros(1, dtype=np.int64),
            variants=(c.reach,),
        )
    from scipy.stats import qmc  # lazily: scipy.stats alone takes longer than geopandas

    rng = np.random.default_rng(seed)
    n = int(draws)
    u = (
        qmc.LatinHypercube(n_classes + 4, rng=rng).random(n)
        if method == "lhs"
        else rng.random((n, n_classes + 4))
    )
    t = _triangular(u[:, 0], -1.0, 0.0, 1.0) if spec.population_bands else np.zeros(n)
    rs, ns, ps = spec.rate_spread, spec.national_total_spread, spec.protection_spread
    rate = 1 - rs + 2 * rs * u[:, 1 : 1 + n_classes]
    nat = 1 - ns + 2 * ns * u[:, n_classes + 1]
    lo, hi = spec.site_area_low_m2, spec.site_area_high_m2
    mode = min(max(c.site_area_m2, lo), hi)
    site = split_uniform(u[:, n_classes + 2], lo, mode, hi)
    prot = -ps + 2 * ps * u[:, n_classes + 3]
    # the penalty's column comes after the others', so they stay as they were (module docstring)
    uc = qmc.LatinHypercube(1, rng=rng).random(n)[:, 0] if method == "lhs" else rng.random(n)
    cp, cs = float(c.crossing_penalty_km), spec.crossing_penalty_spread
    if not spec.structural:
        crossing = cp * (1 - cs + 2 * cs * uc)
        return Draws(t, rate, nat, site, prot, crossing,
                     np.full(n, float(c.usable_fraction)), np.full(n, float(c.distance_decay)),
                     np.ones(n), np.zeros(n, dtype=np.int64), (c.reach,))  # fmt: skip
    # the structural inputs' columns come last, for the same reason
    us = qmc.LatinHypercube(6, rng=rng).random(n) if method == "lhs" else rng.random((n, 6))
    ulo, uhi = spec.usable_fraction_range
    uc_ = float(c.usable_fraction)
    usable = split_uniform(us[:, 0], min(ulo, uc_), uc_, max(uhi, uc_))
    dd = spec.distance_decay_spread
    decay = np.maximum(c.distance_decay - dd + 2 * dd * us[:, 1], 0.0)
    olo, ohi = spec.outside_option_range
    outside = np.exp(np.log(olo) + (np.log(ohi) - np.log(olo)) * us[:, 2])
    # the reach variant: each input at one of STRUCTURAL_LEVELS levels
    lv = STRUCTURAL_LEVELS
    idx = np.minimum((np.column_stack([us[:, 3], us[:, 4], us[:, 5], uc]) * lv).astype(int),
                     lv - 1)  # fmt: skip
    mid = (np.arange(lv) + 0.5) / lv  # the levels' positions in their range
    tlo, thi = spec.max_travel_range
    travel = c.max_travel_km * (tlo + (thi - tlo) * mid)
    ds = spec.detour_spread
    detour = np.maximum(c.detour_factor - ds + 2 * ds * mid, 1.0)
    penalty = cp * (1 - cs + 2 * cs * mid)
    flo, fhi = spec.threshold_factor_range
    factor = np.exp(np.log(flo) + (np.log(fhi) - np.log(flo)) * mid)
    code = ((idx[:, 0] * lv + idx[:, 1]) * lv + idx[:, 3]) * lv + idx[:, 2]
    codes, variant = np.unique(code, return_inverse=True)
    variants = []
    for k in codes.tolist():
        i_t, rest = divmod(int(k), lv**3)
        i_d, rest = divmod(rest, lv**2)
        i_p, i_f = divmod(rest, lv)
        variants.append(Reach(float(travel[i_t]), float(detour[i_d]), float(penalty[i_p]),
                              float(factor[i_f])))  # fmt: skip
    crossing = penalty[idx[:, 3]]
    return Draws(t, rate, nat, site, prot, crossing, usable, decay, outside,
                 np.asarray(variant, dtype=np.int64), tuple(variants))  # fmt: skip


def split_uniform(u: np.ndarray, low: float, mode: float, high: float) -> np.ndarray:
    """Uniforms in [0, 1) to values: half uniform in [low, mode], half in [mode, high].

    The median is ``mode`` (the scenario's value), and widening one side moves only
    that side's values outward, draw by draw, so a band never narrows when a range
    widens (a triangular law's quantiles move inward on the other side).

    Examples
    --------
    >>> split_uniform(np.array([0.0, 0.25, 0.5, 0.75]), 30.0, 45.0, 67.0).tolist()
    [30.0, 37.5, 45.0, 56.0]
    """
    lower = mode - (mode - low) * (1 - 2 * u)
    upper = mode + (high - mode) * (2 * u - 1)
    return np.asarray(np.where(u < 0.5, lower, upper), dtype=float)


def _triangular(u: np.ndarray, low: float, mode: float, high: float) -> np.ndarray:
    """Inverse CDF of the triangular law: uniforms in [0, 1) to values in [low, high].

    Examples
    --------
    >>> _triangular(np.array([0.0, 0.5, 1.0]), -1.0, 0.0, 1.0).tolist()
    [-1.0, 0.0, 1.0]
    """
    if high <= low:
        return np.full(len(u), float(high))
    split = (mode - low) / (high - low)
    left = low + np.sqrt(u * (high - low) * (mode - low))
    right = high - np.sqrt((1 - u) * (high - low) * (high - mode))
    return np.where(u < split, left, right)


def band_values(
    low: np.ndarray, central: np.ndarray, high: np.ndarray, t: np.ndarray
) -> np.ndarray:
    """Values at band position ``t`` (-1 low, 0 central, 1 high); ``(draws, items)``.

    Examples
    --------
    >>> band_values(np.array([80.0]), np.array([100.0]), np.array([150.0]),
    ...             np.array([-0.5, 0.0, 1.0])).ravel().tolist()
    [90.0, 100.0, 150.0]
    """
    t2 = np.asarray(t, dtype=float)[:, None]
    below = central + t2 * (central - low)
    above = central + t2 * (high - central)
    return np.asarray(np.where(t2 < 0, below, above))


def summarise(values: np.ndarray, axis: int = 0) -> np.ndarray:
    """P5, P50, P95 of ``values`` along ``axis`` (the draws), stacked last.

    Examples
    --------
    >>> summarise(np.array([[1.0, 10.0], [3.0, 30.0]])).tolist()
    [[1.1, 2.0, 2.9], [11.0, 20.0, 29.0]]
    """
    v = np.asarray(values, dtype=float)
    if v.ndim and v.shape[axis] == 1 and np.isfinite(v).all():
        # one draw (a sweep's central case): every percentile is the draw itself,
        # bit for bit as np.percentile gives it (tests/model/test_uncertainty.py)
        return np.repeat(np.moveaxis(v, axis, -1), len(PERCENTILES), axis=-1)
    q = np.percentile(v, PERCENTILES, axis=axis)
    return np.moveaxis(q, 0, -1)

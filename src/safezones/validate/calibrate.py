"""Calibration: fit the free parameters on the training years, report the test years.

:func:`calibrate` minimises, with scipy's bounded L-BFGS-B over the logarithms of the
parameters, the mean squared log error ``(log(1 + P50) - log(1 + observed)) ** 2`` of
the central case over each backtest's training rows (:data:`~safezones.validate.backtest.SPLITS`),
the three backtests weighing the same. It never reads a test row. Then it runs the
backtests with draws at the fitted values and reports the metrics on the training and
the test years.

A parameter the data cannot identify is said so, and kept at its start
(:data:`START`, an assumption with its range): one whose fit ends on its bound (the
data ask for more than the range allows: a limit, not an estimate), or one that moved
by a factor of 1.5 either way raises its block's loss by less than
:data:`IDENTIFIED_RISE` of that loss. The identified are then fitted once more with
the others at their start.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from safezones.defaults import DEFAULT_SEED, LEAVE_DESTINATIONS
from safezones.errors import SafeZonesError
from safezones.io.calibration import (
    calibrated_rates,
    calibration_summary,
    identified_values,
    read_calibration,
)
from safezones.validate.backtest import SPLITS, Validation, read_observed, score
from safezones.validate.history import (
    Params,
    central_draws,
    grid,
    simulate,
    simulation_draws,
)
from safezones.validate.observed import Observed

__all__ = [
    "BLOCKS",
    "BOUNDS",
    "FREE",
    "IDENTIFIED_RISE",
    "ROUNDS",
    "START",
    "Calibration",
    "calibrate",
    "load_calibration",
    "objective",
    "params_with",
]

#: Each free parameter's bounds (the optimiser's box). Assumptions: wide enough to hold
#: every value the record could call for, narrow enough to stay meaningful.
BOUNDS: dict[str, tuple[float, float]] = {
    "rate_low": (0.001, 0.3),
    "rate_medium_over_low": (1.0, 30.0),
    "rate_high_over_medium": (1.0, 30.0),
    **{f"attract_{c}": (0.001, 10.0) for c in LEAVE_DESTINATIONS},
    "border_decay": (0.05, 4.0),
    "movement_decay": (0.05, 4.0),
    "decay": (0.05, 4.0),
    "usable_fraction": (0.0005, 0.1),
}
#: Where the fit starts, and what an unidentified parameter keeps: the assumptions the
#: model had before calibration (issue 19's defaults; equal leave weights, Egypt's a
#: twentieth, reached by air and sea). Assumption.
START = Params(
    rates=(0.05, 0.20, 0.50),
    attract=(1.0, 1.0, 1.0, 1.0, 0.05),
    border_decay=1.0,
    decay=2.0,
    movement_decay=2.0,
    stay=0.5,
    usable_fraction=0.01,
    site_area_m2=45.0,
)

#: Which backtest fits which parameters: each block on the data that can identify it
#: (where people left to: the refugee stocks; how many moved and where: the movements;
#: how densely the camps filled: the sites), block after block, :data:`ROUNDS` times.
BLOCKS: dict[str, tuple[str, ...]] = {
    "movements_by_governorate": (
        "rate_low",
        "rate_medium_over_low",
        "rate_high_over_medium",
        "movement_decay",
    ),
    "refugees_by_host": (*(f"attract_{c}" for c in LEAVE_DESTINATIONS), "border_decay"),
    "sites_by_district": ("decay", "usable_fraction"),
}
#: Rounds of the block-by-block fit (the blocks share the displaced). Assumption.
ROUNDS = 2
#: The parameters :func:`calibrate` fits by default: all of :data:`BOUNDS`.
FREE: tuple[str, ...] = tuple(BOUNDS)
#: A parameter is identified when moving it by a factor of 1.5 either way raises the
#: objective by at least this share. Assumption.
IDENTIFIED_RISE = 0.01


def _get(p: Params, name: str) -> float:
    lo, med, high = (float(r) for r in p.rates)
    if name == "rate_low":
        return lo
    if name == "rate_medium_over_low":
        return med / lo if lo > 0 else 1.0
    if name == "rate_high_over_medium":
        return high / med if med > 0 else 1.0
    if name.startswith("attract_"):
        return float(p.attract[LEAVE_DESTINATIONS.index(name[8:])])
    return float(getattr(p, name))


def params_with(p: Params, values: dict[str, float]) -> Params:
    """Return ``p`` with the named values (names as :data:`BOUNDS`).

    The rates are the low class's and two ratios (medium over low, high over medium,
    each at least 1), so the classes stay in order; a rate above 1 is clipped.

    Examples
    --------
    >>> p = params_with(Params(), {"rate_low": 0.1, "rate_medium_over_low": 2,
    ...                            "rate_high_over_medium": 2.5})
    >>> [round(r, 3) for r in p.rates]
    [0.1, 0.2, 0.5]
    """
    attract, other = list(p.attract), {}
    ratios = {k: _get(p, k) for k in ("rate_low", "rate_medium_over_low", "rate_high_over_medium")}
    for k, v in values.items():
        if k not in BOUNDS:
            raise SafeZonesError(f"unknown calibration parameter {k!r}; known: {', '.join(BOUNDS)}")
        if k in ratios:
            ratios[k] = float(v)
        elif k.startswith("attract_"):
            attract[LEAVE_DESTINATIONS.index(k[8:])] = float(v)
        else:
            other[k] = float(v)
    return replace(p, rates=calibrated_rates(ratios, p.rates), attract=tuple(attract), **other)


def _train_index(observed: dict[str, Observed]) -> list[tuple[str, Any]]:
    """Return, per backtest, how to read its training rows' predictions off a simulation."""
    g = grid()
    years = g.years
    out: list[tuple[str, Any]] = []
    t = observed["refugees_by_host"].table
    t = t[t["year"].isin(SPLITS["refugees_by_host"]["train"])]
    out.append(
        (
            "refugees_by_host",
            (
                np.array([years.index(int(y)) for y in t["year"]]),
                np.array([LEAVE_DESTINATIONS.index(c) for c in t["country"]]),
                t["observed"].to_numpy(float),
            ),
        )
    )
    m = observed["movements_by_governorate"].table
    m = m[m["year"].isin(SPLITS["movements_by_governorate"]["train"])]
    out.append(
        (
            "movements_by_governorate",
            (
                np.array([years.index(int(y)) for y in m["year"]]),
                np.array([g.adm1_codes.index(c) for c in m["governorate"]]),
                m["observed"].to_numpy(float),
                m["months"].to_numpy(float) / 12.0,
            ),
        )
    )
    s = observed["sites_by_district"].table
    yr = s["month"].str[:4].astype(int)
    s = s[
        yr.isin(SPLITS["sites_by_district"]["train"])
        & s["district"].isin(g.zone.district)
        & ~s["incomplete"]
    ]
    out.append(
        (
            "sites_by_district",
            (
                np.array([years.index(int(m_[:4])) for m_ in s["month"]]),
                np.array([g.zone.district.index(d) for d in s["district"]]),
                s["observed"].to_numpy(float),
            ),
        )
    )
    return out


def _loss(pred: np.ndarray, obs: np.ndarray) -> float:
    return (
        float(np.mean((np.log1p(np.maximum(pred, 0.0)) - np.log1p(obs)) ** 2)) if len(obs) else 0.0
    )


def objective(
    p: Params,
    observed: dict[str, Observed],
    *,
    index: list[tuple[str, Any]] | None = None,
    only: Sequence[str] | None = None,
) -> dict[str, float]:
    """Return each backtest's training loss of the central case at ``p`` (``only``: those)."""
    names = list(BLOCKS) if only is None else list(only)
    # always the training years' camps: their arrivals are movements too (and leave no one
    # to go abroad), so every block is fitted on the model that is scored
    sim = simulate(p, central_draws(p), site_years=tuple(SPLITS["sites_by_district"]["train"]))
    idx = _train_index(observed) if index is None else index
    losses: dict[str, float] = {}
    for name, ix in idx:
        if name not in names:
            continue
        if name == "refugees_by_host":
            yi, ci, obs = ix
            losses[name] = _loss(sim.abroad[0, yi, ci], obs)
        elif name == "movements_by_governorate":
            yi, gi, obs, share = ix
            losses[name] = _loss(sim.movements[0, yi, gi] * share, obs)
        else:
            yi, di, obs = ix
            losses[name] = _loss(sim.sites[0, yi, di], obs)
    return losses


@dataclass(frozen=True)
class Calibration:
    """A fit: values, which were identified, train and test metrics, the data's hashes."""

    params: Params
    values: dict[str, float]
    identified: dict[str, str]
    loss: dict[str, float]
    validation: Validation
    evaluations: int
    optimiser: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return what ``calibration.json`` holds."""
        bt = self.validation.backtests
        return {
            "schema_version": 1,
            "method": "scipy.optimize.minimize L-BFGS-B over log parameters, block by block "
            f"(each block on its backtest), {ROUNDS} rounds; loss: mean squared "
            "log(1 + x) error of the central case over the training rows",
            "blocks": {k: list(v) for k, v in BLOCKS.items()},
            "values": self.values,
            "ranges": {k: list(BOUNDS[k]) for k in self.values},
            "identified": self.identified,
            "params": asdict(self.params),
            "periods": {k: {s: list(v) for s, v in d.items()} for k, d in SPLITS.items()},
            "train": {k: b.metrics.get("train", {}) for k, b in bt.items()},
            "test": {k: b.metrics.get("test", {}) for k, b in bt.items()},
            "loss": self.loss,
            "evaluations": self.evaluations,
            "optimiser": self.optimiser,
            "draws": self.validation.draws,
            "seed": self.validation.seed,
            "data": {k: {"source": b.source, "sha256": b.sha256} for k, b in bt.items()},
        }


def _at_bound(value: float, name: str) -> bool:
    lo, hi = (math.log(b) for b in BOUNDS[name])
    x = math.log(value)
    return x <= lo + 1e-3 or x >= hi - 1e-3


def _identified(
    f0: float, fun: Any, x: np.ndarray, lo: np.ndarray, hi: np.ndarray, names: Sequence[str]
) -> dict[str, str]:
    out: dict[str, str] = {}
    step = math.log(1.5)
    for i, n in enumerate(names):
        if x[i] <= lo[i] + 1e-3 or x[i] >= hi[i] - 1e-3:
            side = "lower" if x[i] <= lo[i] + 1e-3 else "upper"
            out[n] = (
                f"at its {side} bound ({math.exp(x[i]):.3g}): the data ask for a value "
                "beyond the range, so not an estimate; kept at its start, an assumption"
            )
            continue
        rises = []
        for s in (-step, step):
            xx = x.copy()
            xx[i] = min(max(x[i] + s, lo[i]), hi[i])
            rises.append(fun(xx) - f0)
        down, up = (r / max(f0, 1e-12) for r in rises)
        moves = f"/1.5 and x1.5 change the loss by {down:+.1%} and {up:+.1%}"
        if min(down, up) >= IDENTIFIED_RISE:
            out[n] = "identified"
        elif min(down, up) < 0:
            out[n] = (f"not identified: not at a minimum ({moves}; the fit stopped short on a "
                      "flat or rough loss); kept at its start, an assumption")  # fmt: skip
        elif max(down, up) >= IDENTIFIED_RISE:
            side = "lower" if down >= IDENTIFIED_RISE else "upper"
            out[n] = (f"not identified: only a {side} limit ({moves}); kept at its start, "
                      "an assumption")  # fmt: skip
        else:
            out[n] = (f"not identified ({moves}, under a {IDENTIFIED_RISE:.0%} rise either way); "
                      "kept at its start, an assumption")  # fmt: skip
    return out


def _block_fun(
    base: Params,
    names: list[str],
    block: str,
    observed: dict[str, Observed],
    index: list[tuple[str, Any]],
    calls: list[int],
) -> Any:
    def fun(x: np.ndarray) -> float:
        calls[0] += 1
        p = params_with(base, dict(zip(names, np.exp(x).tolist(), strict=True)))
        return objective(p, observed, index=index, only=[block])[block]

    return fun


def _fit_blocks(
    current: Params,
    free: Sequence[str],
    observed: dict[str, Observed],
    index: list[tuple[str, Any]],
    calls: list[int],
    maxiter: int,
    status: list[dict[str, Any]],
) -> Params:
    """Fit each block's ``free`` parameters on its backtest, block after block, ROUNDS times."""
    from scipy.optimize import minimize  # lazily: scipy.optimize is slow to import

    for _ in range(ROUNDS):
        for block, members in BLOCKS.items():
            names = [k for k in members if k in free]
            if not names:
                continue
            lo = np.log([BOUNDS[k][0] for k in names])
            hi = np.log([BOUNDS[k][1] for k in names])
            x0 = np.clip(np.log([_get(current, k) for k in names]), lo, hi)
            fun = _block_fun(current, names, block, observed, index, calls)
            res = minimize(
                fun,
                x0,
                method="L-BFGS-B",
                bounds=list(zip(lo, hi, strict=True)),
                options={"maxiter": maxiter, "eps": 1e-4},
            )
            current = params_with(current, dict(zip(names, np.exp(res.x).tolist(), strict=True)))
            status.append({"block": block, "free": names, "success": bool(res.success),
                           "message": str(res.message), "iterations": int(res.nit)})  # fmt: skip
    return current


def calibrate(
    *,
    refugees: Any = None,
    movements: Any = None,
    sites: Any = None,
    free: Sequence[str] = FREE,
    start: Params | None = None,
    draws: int = 100,
    seed: int = DEFAULT_SEED,
    maxiter: int = 60,
) -> Calibration:
    """Fit ``free`` on the training years and score every year with draws at the fit.

    The blocks (:data:`BLOCKS`) are fitted in turn, :data:`ROUNDS` times; then each
    parameter is tested for identification at the fit (:func:`_identified`), the
    unidentified go back to their start, and the identified are fitted again.
    """
    unknown = [k for k in free if k not in BOUNDS]
    if unknown:
        raise SafeZonesError(
            f"unknown calibration parameters {unknown}; known: {', '.join(BOUNDS)}"
        )
    if not free:
        raise SafeZonesError("nothing to calibrate: name at least one parameter")
    p0 = START if start is None else start
    observed = read_observed(refugees, movements, sites)
    index = _train_index(observed)
    calls = [0]
    status: list[dict[str, Any]] = []
    current = _fit_blocks(p0, free, observed, index, calls, maxiter, status)
    ident: dict[str, str] = {}
    for block, members in BLOCKS.items():
        names = [k for k in members if k in free]
        if names:
            lo = np.log([BOUNDS[k][0] for k in names])
            hi = np.log([BOUNDS[k][1] for k in names])
            fun = _block_fun(current, names, block, observed, index, calls)
            x = np.log([_get(current, k) for k in names])
            ident.update(_identified(float(fun(x)), fun, x, lo, hi, names))
    # the unidentified go back to their start, and the identified are fitted again; one that
    # then runs to its bound is no estimate either, and goes back too (at most twice)
    kept = [n for n, why in ident.items() if why == "identified"]
    for _ in range(3):
        fitted = params_with(current, {n: _get(p0, n) for n in ident if n not in kept})
        if kept:
            fitted = _fit_blocks(fitted, kept, observed, index, calls, maxiter, status)
        hit = [n for n in kept if _at_bound(_get(fitted, n), n)]
        if not hit:
            break
        for n in hit:
            side = (
                "lower" if math.log(_get(fitted, n)) <= math.log(BOUNDS[n][0]) + 1e-3 else "upper"
            )
            ident[n] = (f"at its {side} bound ({_get(fitted, n):.3g}) once refitted: the data ask "
                        "for a value beyond the range, so not an estimate; kept at its start, an "
                        "assumption")  # fmt: skip
            kept.remove(n)
    values = {n: _get(fitted, n) for n in ident}
    fitted_loss = objective(fitted, observed, index=index)
    sim = simulate(fitted, simulation_draws(fitted, draws, seed))
    val = Validation(score(sim, observed), fitted, draws, seed, "calibrated")
    return Calibration(fitted, values, ident, fitted_loss, val, calls[0], status)


def load_calibration(source: str | Any = "bundled") -> tuple[Params, dict[str, Any], str]:
    """Return the parameters of a calibration (``"bundled"`` or a calibration.json path).

    Returns the :class:`Params` (the defaults with the file's identified ``values``, as a
    scenario takes them), the document, and a one-line description of where they came from.
    """
    values, doc, where = read_calibration(source)
    p = params_with(Params(), identified_values(values, doc))
    p.check()
    return p, doc, calibration_summary(doc, where)

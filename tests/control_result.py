"""A scored scenario carrying control, threat and deaths averted, for the output tests.

Until ``prepare``/the engine fill the issue-18 fields of ``Prepared`` and the score
carries ``deaths_averted``, this sets them by hand on a prepared scenario
(``dataclasses.replace``), from the bundled late-2014 control snapshot and the
model's own functions; once they land, the fields the run already has are kept.
Deaths averted, when the score does not have them yet, are a stand-in array
(each zone's residents protected / 1000) so that every column and row exists.
"""

from __future__ import annotations

import dataclasses
import types
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from safezones import data
from safezones.crs import to_metric
from safezones.engine import shared
from safezones.model import score
from safezones.model.control import ACTORS, surface_from_points, zone_control
from safezones.model.metrics import METRICS, QUANTILES
from safezones.model.threat import protection_by_actor
from safezones.model.uncertainty import summarise
from safezones.scenario import Scenario, result_of

ROOT = Path(__file__).resolve().parents[1]
LABEL = "Syria Conflict Mapping Project (The Carter Center), late 2014 snapshot ('2015')"


def with_control(sc: Scenario, prep):
    """Return ``prep`` with the control and threat fields set, where they are not yet."""
    if prep.surface is not None and prep.control is not None:
        return prep
    surface = surface_from_points(data.control("2015"), max_km=10.0, label=LABEL, snapshot="2015")
    control = zone_control(prep.zones, surface, prep.cells)
    pop = control[[f"share_population_{a}" for a in ACTORS]].to_numpy()
    control["actor"] = [ACTORS[k] if pop[i].sum() > 0 else "unknown"
                        for i, k in enumerate(pop.argmax(axis=1))]  # fmt: skip
    control["area_before_cut_km2"] = prep.zones["area_km2"].to_numpy(dtype=float)
    units = to_metric(prep.units, what="origins").geometry.representative_point()
    origin_actor = np.array(
        [ACTORS[c] for c in surface.actor_at(shapely.get_coordinates(units.to_numpy()))],
        dtype=object,
    )
    reasons = tuple(why for _, why in protection_by_actor(sc.zones, sc.shelter.protection))
    return dataclasses.replace(
        prep, surface=surface, control=control, zone_events_all=prep.zone_events,
        protection_source=reasons, origin_actor=origin_actor,
        threat_actors=tuple(sc.threat.names()),
    )  # fmt: skip


@cache
def control_result(name: str = "border-refuge-zones", draws: int = 20, seed: int = 3):
    """Return the scenario ``scenarios/<name>.toml`` run with control and threat in its result."""
    sc = Scenario.from_toml(ROOT / "scenarios" / f"{name}.toml")
    prep = with_control(sc, shared().prepared(sc))
    sd = score.score_groups(sc, prep, draws=draws, seed=seed)
    if getattr(sd, "deaths_averted", None) is None:
        sd = types.SimpleNamespace(**vars(sd), deaths_averted=sd.residents / 1000.0)
    r = result_of(sc, prep, sd, seed=seed)
    if "deaths_averted" not in METRICS:  # the stand-in metric: its sum over zones
        row = pd.DataFrame(
            [summarise(np.asarray(sd.deaths_averted).sum(axis=1))],
            index=["deaths_averted"], columns=list(QUANTILES),
        )  # fmt: skip
        r = dataclasses.replace(r, totals=pd.concat([r.totals, row]))
    return r

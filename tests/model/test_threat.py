"""Events attributed to actors from hand-made dyad tables, and protection by actor."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from safezones import SafeZonesError
from safezones.config.scenario import FreezeZoneSpec, ProtectionSpec, RefugeZoneSpec, SafeZoneSpec
from safezones.defaults import DEFAULT_PROTECTION, PROTECTION_REASONS, REFUGE_PROTECTION
from safezones.model import threat as T
from safezones.schema import EVENT_ACTORS


def flags(ev: pd.DataFrame) -> list[str]:
    """Each event's actors, as 'government+opposition'."""
    got = T.attribute_events(ev)
    return ["+".join(a for a in EVENT_ACTORS if row[f"by_{a}"]) for _, row in got.iterrows()]


def test_ucdp_comma_lists_unmapped_names_and_missing_sides():
    ev = pd.DataFrame({
        "side_a": ["Government of Syria", "IS", "Government of Turkey", None, "Government of Syria",
                   "Made-up Brigade"],
        "side_b": ["Syrian insurgents", "SDF, Made-up Brigade", "IS", "PYD", np.nan,
                   " Made-up Brigade , Another Band"],
    })  # fmt: skip
    assert flags(ev) == ["government+opposition", "islamic_state+kurds", "islamic_state+other",
                         "kurds", "government", ""]  # fmt: skip
    got = T.attribute_events(ev)
    # three events name the made-up brigade (one on each side, counted once per side)
    assert got.attrs["unmapped"] == {"Another Band": 1, "Made-up Brigade": 3}
    assert (
        T.unmapped_names(got) == T.unmapped_names(ev) == {"Another Band": 1, "Made-up Brigade": 3}
    )
    assert list(got.columns[-5:]) == list(T.ACTOR_COLUMNS)
    assert got["by_government"].dtype == bool


def test_acled_prefix_names():
    ev = pd.DataFrame({
        "actor1": ["Military Forces of Syria (2000-)", "Islamic State (Syria)", "Local Militia X",
                   "Military Forces of Russia (2000-)"],
        "actor2": ["Civilians (Syria)", "QSD: Syrian Democratic Forces", None,
                   "Opposition Rebels (Syria)"],
    })  # fmt: skip
    assert flags(ev) == ["government", "islamic_state+kurds", "", "government+opposition"]
    # civilians map to no actor and are not listed as unmapped
    assert T.unmapped_names(ev) == {"Local Militia X": 1}


def test_actor_column_of_a_points_file():
    ev = pd.DataFrame(
        {"actor": ["government", "Daesh", None, "Kurds", "", "other"], "side_a": "IS"}
    )
    assert flags(ev) == ["government", "islamic_state", "", "kurds", "", "other"]
    bad = pd.DataFrame({"actor": ["government", "zzz", "goverment", "zzz"]})
    with pytest.raises(SafeZonesError) as e:
        T.attribute_events(bad)
    assert str(e.value) == (
        "events, column actor: 'zzz' is not an actor; 'goverment' is not an actor; did you "
        "mean 'government'?; give one of government, opposition, islamic_state, kurds, other "
        "(or leave it blank)"
    )


def test_threat_mask():
    ev = pd.DataFrame({"side_a": ["Government of Syria", "IS", "Made-up Brigade"],
                       "side_b": ["Syrian insurgents", "SDF", None]})  # fmt: skip
    assert T.threat_mask(ev, "all").tolist() == [True, True, True]
    assert T.threat_mask(ev, ("government",)).tolist() == [True, False, False]
    assert T.threat_mask(ev, "kurds").tolist() == [False, True, False]
    assert T.threat_mask(T.attribute_events(ev), ("opposition", "kurds")).tolist() == [
        True,
        True,
        False,
    ]
    with pytest.raises(SafeZonesError, match=r"threat actors \['unknown'\]"):
        T.threat_mask(ev, ("unknown",))


def test_combined_protection_weights():
    by = [{"government": 0.8, "islamic_state": 0.2}, {"government": 0.8, "islamic_state": 0.2},
          {"government": 1.0, "islamic_state": 0.0}]  # fmt: skip
    w = np.array([[3.0, 1.0], [0.0, 0.0], [0.0, 5.0]])
    got = T.combined_protection(by, w, ["government", "islamic_state"])
    # (0.8*3 + 0.2*1)/4 = 0.65; no events: equal weights (0.8+0.2)/2 = 0.5; all IS: 0
    np.testing.assert_allclose(got, [0.65, 0.5, 0.0], rtol=1e-12)
    one = T.combined_protection(by, np.zeros((3, 1)), ["government"])
    np.testing.assert_allclose(one, [0.8, 0.8, 1.0])
    with pytest.raises(SafeZonesError, match=r"no protection given against \['kurds'\]"):
        T.combined_protection(by, np.ones((3, 1)), ["kurds"])


def test_protection_precedence():
    freeze = FreezeZoneSpec(id="f", kind="freeze", place="Aleppo", radius_km=10)
    own = FreezeZoneSpec(id="g", kind="freeze", place="Aleppo", radius_km=10,
                         protection={"Islamic State": 0.9})  # fmt: skip
    flat = FreezeZoneSpec(id="h", kind="freeze", place="Aleppo", radius_km=10, protection=0.3)
    tur = RefugeZoneSpec(id="t", kind="refuge", border="tur", depth_km=10)
    jor = RefugeZoneSpec(id="j", kind="refuge", border="JOR", depth_km=10)
    safe = SafeZoneSpec(id="s", kind="safe", wkt="POLYGON((36 36, 37 36, 37 37, 36 36))")
    zones = [freeze, own, flat, tur, jor, safe]

    got = T.protection_by_actor(zones, ProtectionSpec())
    assert got[0] == (DEFAULT_PROTECTION["freeze"], PROTECTION_REASONS["freeze"])
    assert got[1][0] == {**DEFAULT_PROTECTION["freeze"], "islamic_state": 0.9}
    assert got[1][1] == f"scenario (else {PROTECTION_REASONS['freeze']})"
    assert got[2][0] == dict.fromkeys(EVENT_ACTORS, 0.3)  # a float applies to every actor
    assert got[3] == (REFUGE_PROTECTION["TUR"], PROTECTION_REASONS["TUR"])  # by neighbour
    assert got[4] == (REFUGE_PROTECTION["JOR"], PROTECTION_REASONS["JOR"])
    assert got[5] == (DEFAULT_PROTECTION["safe"], PROTECTION_REASONS["safe"])

    # the section's kind fills what the zone leaves; the zone's own value comes first
    section = ProtectionSpec(freeze={"government": 0.1, "kurds": 0.2}, refuge=0.6)
    got = T.protection_by_actor(zones, section)
    assert got[0][0] == {**DEFAULT_PROTECTION["freeze"], "government": 0.1, "kurds": 0.2}
    assert got[1][0] == {**DEFAULT_PROTECTION["freeze"], "government": 0.1, "kurds": 0.2,
                         "islamic_state": 0.9}  # fmt: skip
    assert got[2][0] == dict.fromkeys(EVENT_ACTORS, 0.3)
    assert got[3][0] == got[4][0] == dict.fromkeys(EVENT_ACTORS, 0.6)
    assert got[3][1] == f"scenario (else {PROTECTION_REASONS['TUR']})"
    assert got[5] == (DEFAULT_PROTECTION["safe"], PROTECTION_REASONS["safe"])

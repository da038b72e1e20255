"""safezones.sweep.design: lhs and sobol designs, snapped to geometry steps."""

from __future__ import annotations

import numpy as np

from safezones.sweep import Sweep


def test_sobol_design_has_saltelli_rows_and_geometry_steps(tmp_path, write_spec, small_lhs):
    sw = Sweep.from_toml(
        write_spec('design = "sobol"\nsize = 16\n' + small_lhs.split("chunk = 6")[1])
    )
    assert len(sw) == 16 * (3 + 2)
    r = sw.design["zones.aleppo.radius_km"]
    assert r.between(5, 30).all() and np.allclose((r - 5) / 2.5, np.round((r - 5) / 2.5))
    assert sw.ids()[:2] == ["s000000", "s000001"]

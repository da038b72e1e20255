"""The README's tour runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_opens_with_the_two_commands():
    text = README.read_text(encoding="utf-8")
    first_block = re.search(r"```sh\n(.*?)```", text, re.S).group(1)
    assert first_block.splitlines()[0].startswith("make demo")
    assert first_block.splitlines()[1].startswith("make test")


def test_readme_tour_runs(monkeypatch, tmp_path):
    """Every python block of the README, in order, in a plain clone (no ../shared needed)."""
    monkeypatch.chdir(README.parent)  # the tour reads tests/data and notebooks/data
    text = README.read_text(encoding="utf-8")
    assert "../shared" not in "".join(re.findall(r"```python\n(.*?)```", text, re.S))
    text = text.replace('"out/', f'"{tmp_path}/')  # sweeps write their folders here
    code = "\n".join(re.findall(r"```python\n(.*?)```", text, re.S))
    ns: dict = {}
    exec(compile(code, str(README), "exec"), ns)
    table = ns["table"]
    assert list(table.zone_id) == ["tur-10km", "tur-30km", "freeze-aleppo-15km"]
    # the deeper strip never holds fewer people
    assert table.residents_central.iloc[1] >= table.residents_central.iloc[0]
    assert ns["zones"].overlaps_with.iloc[0] == "tur-30km"
    assert ns["worldpop"].residents_central.iloc[0] > 100_000
    assert len(ns["hazard"]) == 62 and list(ns["acled"].event_id) == ["SYR101", "SYR102", "SYR106"]
    shallow, deep = (ns["results"][d].totals for d in (10, 30))
    assert deep.loc["sheltered", "p50"] >= shallow.loc["sheltered", "p50"] > 0
    # the sweep: 10 depths x 6 radii x 20 usable-land shares, and the box where >= 4 million
    grid, box = ns["grid"], ns["box"]
    assert len(grid) == 1200 and (tmp_path / "sweep-grid" / "results.parquet").exists()
    inside = (grid["sheltered_p50"] >= 4e6).to_numpy()
    in_box = np.ones(len(grid), dtype=bool)
    for _, r in box.iterrows():
        in_box &= grid[r["parameter"]].between(r["low"], r["high"]).to_numpy()
    assert box.attrs["density"] == inside[in_box].mean() >= 0.9
    lims = box.set_index("parameter")
    assert lims["restricted"].tolist() == [True, False, True]  # depth and land, not the radius
    # the README quotes these bounds (PRIM cuts between grid values: 10|15 km, 0.5|0.75 %);
    # the recount above is what checks that the box holds
    assert (
        lims.loc["zones.turkey.depth_km", "low"],
        lims.loc["shelter.usable_fraction", "low"],
    ) == (12.5, 0.00625)
    plt.close("all")


def test_outputs_have_the_usual_file_mode(tmp_path):
    import os

    from safezones.io.atomic import atomic_path

    with atomic_path(tmp_path / "x.csv") as tmp:
        tmp.write_text("a\n")
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "x.csv").stat().st_mode & 0o777 == 0o666 & ~umask

"""model/result.py: a result is frozen data; writing and showing it are lazy delegates."""

from __future__ import annotations

import ast
import dataclasses
import types
from pathlib import Path

import numpy as np
import pytest

import safezones as sz
from safezones.model.result import ScenarioResult
from safezones.model.tables import population_total
from safezones.scenario import run

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "src" / "safezones" / "model" / "result.py"


@pytest.fixture(scope="module")
def border_result():
    return run(ROOT / "scenarios/border-refuge-zones.toml", draws=40, seed=3)


def test_result_is_frozen_and_its_arrays_read_only(border_result):
    with pytest.raises(dataclasses.FrozenInstanceError):
        border_result.totals = None  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        border_result.detail["flows"][0, 0, 0] = 1.0


def test_the_public_result_is_the_model_result():
    assert sz.ScenarioResult is ScenarioResult
    from safezones import scenario

    assert scenario.ScenarioResult is ScenarioResult


def test_population_cells_default_to_none():
    field = {f.name: f for f in dataclasses.fields(ScenarioResult)}["population_cells"]
    assert field.default is None


def test_population_total_from_the_draws():
    r = types.SimpleNamespace(detail={"population_total": np.array([1.0, 2.0, 3.0])})
    got = population_total(r)
    assert list(got) == ["p5", "p50", "p95"]
    assert (
        got["p50"] == 2.0 and got["p5"] == pytest.approx(1.1) and got["p95"] == pytest.approx(2.9)
    )
    assert population_total(types.SimpleNamespace(detail={})) == {}


def test_writing_and_showing_are_one_line_lazy_delegates():
    """Only methods import from the layers above (export/, viz/), one import and a return."""
    tree = ast.parse(SOURCE.read_text(encoding="utf-8"))
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "ScenarioResult")
    above = ("safezones.export", "safezones.viz")
    delegates = {}
    for fn in cls.body:
        if not isinstance(fn, ast.FunctionDef):
            continue
        body = [s for s in fn.body if not isinstance(s, ast.Expr)]  # without the docstring
        imports = [s for s in body if isinstance(s, ast.ImportFrom)]
        if any(i.module.startswith(above) for i in imports):
            assert len(body) == 2 and isinstance(body[1], ast.Return), fn.name
            delegates[fn.name] = imports[0].module
    assert delegates == {
        "summary": "safezones.export.folder",
        "__repr__": "safezones.viz.display",
        "_repr_html_": "safezones.viz.display",
        "explore": "safezones.viz.display",
        "to_file": "safezones.export.folder",
        "from_file": "safezones.export.store",
    }
    top = [n for n in tree.body if isinstance(n, ast.ImportFrom) and n.module]
    assert not [n.module for n in top if n.module.startswith(above)]

"""safezones.sources is a facade: every name it had before the split, each the object of its module."""

from __future__ import annotations

import ast
import inspect

import safezones as sz
from safezones import schema
from safezones.io import control, events, files, points, population, sources

#: Every public name of sources.py before it was split (issue 17), and where it lives now.
HOME = {
    "ACLED_COLUMNS": events,
    "ACLED_DATE_FORMATS": events,
    "ACLED_SUB_EVENT_TYPES": events,
    "DEFAULT_ACLED_SUB_EVENT_TYPES": events,
    "UCDP_GED_COLUMNS": events,
    "read_acled": events,
    "read_ucdp_ged": events,
    "REGION_MARGIN_KM": points,
    "OnOutside": points,
    "read_points": points,
    "PopulationRaster": population,
    "raster_value_problems": population,
    "read_admin_population": population,
    "read_population_raster": population,
    "EVENT_COLUMNS": schema,
    "PRECISION_CLASSES": schema,
    "DateLike": schema,
    "location_precision": schema,
    "in_window": schema,
    "window_bounds": schema,
    "PathLike": files,
    # added by issue 18
    "CONTROL_COLUMNS": control,
    "MAX_CONTROL_BYTES": control,
    "read_control": control,
    "describe_control": control,
}


def test_sz_sources_is_the_facade():
    assert sz.sources is sources
    assert "sources" in sz.__all__


def test_every_public_name_is_kept_and_is_its_modules_object():
    for name, module in HOME.items():
        assert getattr(sources, name) is getattr(module, name), name


def test_all_is_unchanged():
    assert sorted(sources.__all__) == sorted(
        n
        for n in HOME
        if n not in {"OnOutside", "DateLike", "in_window", "window_bounds", "PathLike"}
    )


def test_the_facade_holds_only_imports():
    tree = ast.parse(inspect.getsource(sources))
    for node in tree.body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the docstring
        if isinstance(node, ast.Assign) and [t.id for t in node.targets] == ["__all__"]:
            continue
        assert isinstance(node, ast.Import | ast.ImportFrom), ast.dump(node)[:80]

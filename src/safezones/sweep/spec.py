# ruff: noqa: D401  (moved unchanged, docstrings included; helper config owns the rewrite)
"""The sweep spec (TOML) and its key paths: moved unchanged from the old ``sweep.py``.

Helper "config" moves these definitions into :mod:`safezones.config.sweep`
and :mod:`safezones.config.keys`; at the merge this module goes and its
importers point there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from safezones._plural import plural
from safezones.errors import SafeZonesError
from safezones.model.uncertainty import DEFAULT_SEED

Design = Literal["grid", "lhs", "sobol"]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class ParameterSpec(_Spec):
    """One varied parameter: ``low``/``high`` (and ``step``), or grid ``values``."""

    low: float | None = None
    high: float | None = None
    num: Annotated[int, Field(ge=1)] | None = None
    step: Annotated[float, Field(ge=0)] | None = None
    values: list[float | int | str | bool] | None = None


class SweepSpec(_Spec):
    """A sweep: base scenario, parameters, design, size, seed, draws."""

    base: str
    title: str = ""
    design: Design = "lhs"
    size: Annotated[int, Field(ge=1)] | None = None
    seed: Annotated[int, Field(ge=0)] = DEFAULT_SEED  # numpy takes non-negative seeds
    draws: Annotated[int, Field(ge=1, le=100_000)] = 1
    chunk: Annotated[int, Field(ge=1)] | None = None
    parameters: dict[str, ParameterSpec]


def _sobol_size_problem(size: int) -> str | None:
    """Why ``size`` cannot be the base samples N of a sobol design, or None."""
    if size >= 2 and not size & (size - 1):
        return None
    below = 1 << max(1, size.bit_length() - 1)
    return (
        f"a sobol design needs size (the base samples N) to be a power of 2, got {size}; "
        f"try {below} or {below * 2}"
    )


def _fail(problems: list[str], source: str | None) -> None:
    if problems:
        raise SafeZonesError(problems, source=source)


def _set_path(doc: dict[str, Any], path: str, value: Any) -> tuple[str, Any]:
    """An override for ``path``; ``demand.rates.2`` becomes the whole list with one change."""
    head, _, last = path.rpartition(".")
    if head and last.isdigit():
        current: Any = doc
        for part in head.split("."):
            current = current.get(part) if isinstance(current, dict) else None
        if not isinstance(current, list):
            raise SafeZonesError(f"{path}: {head!r} is not a list, so it has no element {last}")
        i = int(last)
        if i >= len(current):
            raise SafeZonesError(
                f"{path}: {head!r} has {plural(len(current), 'element')} (0 to {len(current) - 1})"
            )
        new = list(current)
        new[i] = value
        return head, new
    return path, value


def _lookup(doc: Mapping[str, Any], path: str) -> Any:
    """The value at ``path`` in a scenario's parameters (zones by id), or None."""
    parts = path.split(".")
    cur: Any = doc
    if parts[0] == "zones" and len(parts) == 3:
        cur = next((z for z in doc.get("zones", []) if z.get("id") == parts[1]), {})
        parts = parts[2:]
    for part in parts:
        if isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        elif isinstance(cur, Mapping):
            cur = cur.get(part)
        else:
            return None
    return cur


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    return v

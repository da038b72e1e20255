"""Parameter sweeps: thousands of scenarios, resumable, on processes or Dask.

A sweep spec (TOML) names a base scenario, the parameters to vary (key
paths as in ``--set``), a design and a size::

    base = "../scenarios/turkey-strip-2019.toml"   # relative to the spec file
    design = "sobol"        # grid | lhs | sobol
    size = 256              # lhs: scenarios; sobol: base samples N (a power of 2)
    seed = 1
    draws = 1               # Monte Carlo draws per scenario (1: central case)

    [parameters."zones.turkey.depth_km"]
    low = 5
    high = 50               # step = 1 km by default for depths and radii

    [parameters."shelter.usable_fraction"]
    low = 0.005
    high = 0.05

    [parameters."demand.rates.2"]   # one element of a list: the high-hazard rate
    values = [0.3, 0.5, 0.7]        # grid designs take values = [...] or low/high/num

:func:`run_sweep` scores every scenario with the fast path
(:mod:`safezones.engine`, equal to :func:`~safezones.scenario.run` to
rounding) and writes ``DIR/parts/part-NNNNNN.parquet`` as chunks finish, then
``DIR/results.parquet``: one row per scenario (``scenario_id``, ``index``,
the parameters, every metric's P5/P50/P95). A killed sweep started again
with the same spec and folder runs only the chunks that are missing; a
different spec in the same folder is refused, and so is a changed input file
(``sweep.json`` keeps the SHA-256 of the spec, the base scenario and every
data file they read). The zone geometry is kept in ``DIR/geometry/`` as it is
built (:mod:`safezones.sweep.store`), so a sweep killed while building it
still makes progress, and worker processes end when the sweep's process dies.

:func:`sensitivity` gives Sobol first-order and total indices (SALib) of a
``sobol`` sweep; :func:`discover` finds the box of parameter values where a
metric stays above a threshold (PRIM, from the EMA Workbench).

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "spec.toml").write_text('''
... base = "''' + str(pathlib.Path("scenarios/aleppo-freeze.toml").resolve()) + '''"
... design = "grid"
... [parameters."zones.aleppo.radius_km"]
... values = [5, 10, 20]
... ''')
>>> res = read_results(run_sweep(d / "spec.toml", d / "out"))
>>> res[["scenario_id", "zones.aleppo.radius_km"]].values.tolist()
[['s000000', 5], ['s000001', 10], ['s000002', 20]]
>>> bool(res["sheltered_p50"].is_monotonic_increasing)
True

The package is laid out as the EMA Workbench's: :mod:`~safezones.sweep.plan`
(the :class:`Sweep` and its scenarios), :mod:`~safezones.sweep.design`
(grid, lhs, sobol), :mod:`~safezones.sweep.workers` (what a worker process
does), one module per executor (:mod:`~safezones.sweep.local`,
:mod:`~safezones.sweep.dask`), the folder apart
(:mod:`~safezones.sweep.store`) and the analysis apart
(:mod:`~safezones.sweep.analysis`); :mod:`~safezones.sweep.run` ties them.
"""

from safezones.config.sweep import ParameterSpec, SweepSpec
from safezones.sweep.analysis import discover, read_results, sensitivity
from safezones.sweep.design import DESIGNS, sample_design
from safezones.sweep.plan import DEFAULT_PARTS, GEOMETRY_STEP_KM, Sweep
from safezones.sweep.run import EXECUTORS, run_sweep
from safezones.sweep.store import sweep_inputs
from safezones.sweep.workers import METRIC_COLUMNS, WATCH_PARENT_S

__all__ = [
    "DEFAULT_PARTS",
    "DESIGNS",
    "EXECUTORS",
    "GEOMETRY_STEP_KM",
    "METRIC_COLUMNS",
    "WATCH_PARENT_S",
    "ParameterSpec",
    "Sweep",
    "SweepSpec",
    "discover",
    "read_results",
    "run_sweep",
    "sample_design",
    "sensitivity",
    "sweep_inputs",
]

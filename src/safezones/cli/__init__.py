"""The ``safezones`` command line.

Problems in the input are printed as one clear message, without a traceback,
and the command exits with status 2.
"""

from __future__ import annotations

import sys
import warnings
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text
from typer.core import TyperCommand, TyperGroup

from safezones import data
from safezones._plural import agree, plural
from safezones._progress import LogProgress, progress_bar
from safezones._text import people, terminal_text
from safezones.errors import SafeZonesError, SafeZonesWarning
from safezones.io.atomic import atomic_path, check_figure_path, output_folder

if TYPE_CHECKING:
    from safezones.config.scenario import Scenario
    from safezones.model.result import ScenarioResult

__all__ = ["Command", "DrawsOpt", "OutOpt", "QuietOpt", "SeedOpt", "app", "main"]


class _ValueNames:
    """Help that names values (``SCENARIO.toml``, ``DIR``), not Python types (``<list[Path]>``).

    Options name their values with ``metavar``; an argument with a ``metavar``
    shows it alone, and flags (``--help`` too) show no value at all.
    """

    def get_params(self, ctx: Any) -> list[Any]:
        params: list[Any] = super().get_params(ctx)  # type: ignore[misc]
        for p in params:
            if p.param_type_name == "argument" and p.metavar is not None:
                p.display_type_rich = lambda ctx: None  # the metavar says it
        return params

    def get_help_option(self, ctx: Any) -> Any:
        opt = super().get_help_option(ctx)  # type: ignore[misc]
        if opt is not None:
            opt.metavar = ""  # a flag takes no value
        return opt


class Command(_ValueNames, TyperCommand):
    """A command whose help names values."""


class _Group(_ValueNames, TyperGroup):
    """A group whose help names values."""


app = typer.Typer(
    cls=_Group,
    add_completion=False,
    no_args_is_help=True,
    help="Plan humanitarian safe zones in Syria.",
)
data_app = typer.Typer(
    cls=_Group, no_args_is_help=True, help="Inspect the bundled data and check your files."
)
app.add_typer(data_app, name="data")

_out = Console()
_err = Console(stderr=True)


def _show_version(value: bool) -> None:
    if value:
        from safezones._version import __version__

        _out.print(f"safezones {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_show_version,
            is_eager=True,
            metavar="",
            help="Print the version of safezones and exit.",
        ),
    ] = False,
) -> None:
    """Plan humanitarian safe zones in Syria."""


@data_app.command("list", cls=Command)
def data_list() -> None:
    """List the bundled layers with source, licence and row counts."""
    prov = data.provenance()
    table = Table(title="Bundled data (see PROVENANCE.md)", show_lines=False)
    for col in ("layer", "rows", "licence", "attribution", "source"):
        table.add_column(col, overflow="fold", justify="right" if col == "rows" else "left")
    for layer, row in prov.iterrows():
        table.add_row(
            str(layer),
            f"{int(row['rows']):,}",
            str(row["licence"]),
            str(row["attribution"]),
            str(row["source"]),
        )
    _out.print(table)


@data_app.command("place", cls=Command)
def data_place(
    name: Annotated[str, typer.Argument(metavar="PLACE", help="Place name, e.g. Aleppo or Raqqa.")],
    country: Annotated[
        str, typer.Option(metavar="CODE", help="ISO alpha-2 country code, or 'any'.")
    ] = "SY",
) -> None:
    """Look up a GeoNames place as zone builders resolve it (lon, lat, population)."""
    place = data.find_place(name, country=None if country.lower() == "any" else country)
    _out.print(
        f"{place['name']} ({place['country']}, geonameid {place['geonameid']}): "
        f"lon {place.geometry.x:.5f}, lat {place.geometry.y:.5f}, "
        f"population {int(place['population']):,} (GeoNames)"
    )


class FileFormat(StrEnum):
    """Formats ``safezones data check`` reads (see safezones.io.sources)."""

    ucdp = "ucdp"
    acled = "acled"
    points = "points"
    control = "control"
    admin = "admin"
    raster = "raster"


@data_app.command("check", cls=Command)
def data_check(
    path: Annotated[Path, typer.Argument(metavar="FILE", help="The file to check.")],
    fmt: Annotated[FileFormat, typer.Option("--format", "-f", help="What the file is.")],
    pcode: Annotated[
        str, typer.Option(metavar="COLUMN", help="admin: P-code column or HXL tag.")
    ] = "#adm1+code",
    population: Annotated[
        str, typer.Option(metavar="COLUMN", help="admin: population column or HXL tag.")
    ] = "#population+total",
    layer: Annotated[
        str | None, typer.Option(metavar="NAME", help="control: the layer of a GeoPackage.")
    ] = None,
) -> None:
    """Read a file as safezones will, and report what it holds, dropped or flagged."""
    from safezones.io import sources

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if fmt is FileFormat.raster:
            r = sources.read_population_raster(path)
            problems = r.value_problems()
            if problems:
                raise SafeZonesError(problems, source=str(path))
            if r.nodata is None:
                warnings.warn(
                    f"{path}: the raster sets no nodata value, so every cell counts as people; "
                    "if a value marks missing cells, set it (gdal_edit.py -a_nodata VALUE FILE)",
                    SafeZonesWarning,
                    stacklevel=1,
                )
            _out.print(
                f"{path}: raster {r.shape[1]} x {r.shape[0]} cells of {r.res[0]:g} x "
                f"{r.res[1]:g} ({r.crs.name}), nodata {r.nodata}, total {r.total():,.0f} people"
            )
        elif fmt is FileFormat.admin:
            pop = sources.read_admin_population(path, pcode=pcode, population=population)
            _out.print(
                f"{path}: {plural(pop.attrs['rows_read'], 'row')}, {plural(len(pop), 'unit')} joined by P-code, "
                f"population {pop.pop_central.sum():,.0f}"
            )
        elif fmt is FileFormat.control:
            layer_ = sources.read_control(path, layer=layer)
            _out.print(terminal_text(sources.describe_control(layer_)), highlight=False)
        else:
            if fmt is FileFormat.ucdp:
                ev = sources.read_ucdp_ged(path)
            elif fmt is FileFormat.acled:
                ev = sources.read_acled(path)
            else:
                ev = sources.read_points(path)
            _print_events(path, ev)
            if fmt is not FileFormat.points:
                _print_unmapped(ev)
    for w in caught:
        _err.print(
            f"[yellow]warning:[/] {terminal_text(w.message)}", highlight=False, soft_wrap=True
        )


def _print_unmapped(ev: pd.DataFrame) -> None:
    from safezones.model.threat import unmapped_names  # dyad names data/actor_map.csv lacks

    names = sorted(unmapped_names(ev).items(), key=lambda kv: (-kv[1], kv[0]))
    lines = [f"actors: {plural(len(names), 'name')} {agree(len(names), 'is', 'are')} not in the "
             "actor table (data/actor_map.csv); their events count only for the other side or "
             'under threat.actors = "all":' if names else "actors: every dyad name maps to an "
             "actor (data/actor_map.csv)"]  # fmt: skip
    lines += [f"  {terminal_text(name)[:80]}: {plural(n, 'event')}" for name, n in names]
    _out.print("\n".join(lines), highlight=False)


def _print_events(path: Path, ev: pd.DataFrame) -> None:
    from safezones.schema import PRECISION_CLASSES

    a = ev.attrs
    dropped = ", ".join(f"{k} {v:,}" for k, v in a.get("dropped", {}).items()) or "none"
    lines = [
        f"{path}: {plural(a['rows_read'], 'row')} read, {len(ev):,} kept (dropped by filter: {dropped})"
    ]
    if len(ev) and "date_start" in ev.columns and ev["date_start"].notna().any():
        lines.append(
            f"dates {ev.date_start.min().date()} to {ev.date_end.max().date()}; "
            f"deaths {ev.deaths_total.sum():,.0f}, civilians {ev.deaths_civilians.sum():,.0f}"
        )
    if len(ev):
        classes, counts = np.unique(ev["precision"].to_numpy(dtype=int), return_counts=True)
        pairs = zip(classes, counts, strict=True)
        shown = [f"class {k} ({PRECISION_CLASSES[int(k)]}) {n:,}" for k, n in pairs]
        lines.append("location precision: " + ", ".join(shown))
    if n := len(a.get("outside_region", [])):
        lines.append(f"{plural(n, 'point')} outside the region (see the warning)")
    _out.print("\n".join(lines), highlight=False)


_SET_HELP = (
    "Override a scenario value by key path, e.g. zones.turkey.depth_km=10 or "
    "shelter.max_travel_km=80 (repeatable)."
)


OutOpt = Annotated[
    Path,
    typer.Option(
        metavar="DIR",
        help="Output folder: new, empty, or an earlier safezones output (replaced when the "
        "run succeeds).",
    ),
]
DrawsOpt = Annotated[
    int | None, typer.Option(min=1, metavar="N", help="Monte Carlo draws (1: central case).")
]
SeedOpt = Annotated[
    int | None, typer.Option(min=0, metavar="SEED", help="Random seed (0 or more).")
]
_SetOpt = Annotated[list[str] | None, typer.Option("--set", metavar="KEY=VALUE", help=_SET_HELP)]
QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", metavar="", help="Print nothing but errors.")
]


def _progress(quiet: bool) -> Progress | LogProgress:
    """Return a live bar on a terminal; plain timestamped lines when stderr is a pipe or a log."""
    return progress_bar(
        _err,
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        quiet=quiet,
    )


@app.command("run", cls=Command)
def run_cmd(
    scenario: Annotated[Path, typer.Argument(metavar="SCENARIO.toml", help="Scenario TOML file.")],
    out: OutOpt,
    draws: DrawsOpt = None,
    seed: SeedOpt = None,
    set_: _SetOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Score one scenario: summary.json, per_zone.csv, flows.csv, zones.gpkg, map.png."""
    from safezones.config.scenario import Scenario
    from safezones.scenario import run

    sc = Scenario.from_toml(scenario, overrides=set_ or [])
    with output_folder(out, command="run", inputs=_inputs([sc])), _progress(quiet) as bar:
        task = bar.add_task(f"{sc.id}: zones and population", total=None)
        result = run(
            sc,
            draws=draws,
            seed=seed,
            progress=lambda done, total: bar.update(
                task, description=f"{sc.id}: draws", completed=done, total=total
            ),
        )
        bar.update(task, description=f"{sc.id}: writing")
        result.to_file(out)
    if not quiet:
        _print_totals(result)
        _out.print(
            f"wrote {out}/ (summary.json, per_zone.csv, per_origin.csv, flows.csv, "
            "zones.gpkg, map.png; columns.csv says what each column is)"
        )


@app.command("compare", cls=Command)
def compare_cmd(
    scenarios: Annotated[
        list[Path], typer.Argument(metavar="SCENARIO.toml", help="Scenario TOML files.")
    ],
    out: OutOpt,
    draws: DrawsOpt = None,
    seed: SeedOpt = None,
    set_: _SetOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Score several scenarios: comparison.csv, comparison.md, comparison.png, one folder each."""
    from safezones.config.scenario import Scenario
    from safezones.export.comparison import write_comparison

    parsed = [Scenario.from_toml(p, overrides=set_ or []) for p in scenarios]  # check all first
    with output_folder(out, command="compare", inputs=_inputs(parsed)), _progress(quiet) as bar:
        results = _run_with_bar(bar, parsed, draws, seed)
        bar.add_task("writing maps and tables", total=None)
        table = write_comparison(results, out)
    if not quiet:
        _print_comparison(table)
        _out.print(
            f"wrote {out}/ (comparison.csv, comparison.md, comparison.png, "
            "and one folder per scenario)"
        )


class EventsStyle(StrEnum):
    """How maps draw strike events (see safezones.viz.layers.EVENTS_STYLES)."""

    points = "points"
    hexbin = "hexbin"
    density = "density"


class MapKind(StrEnum):
    """Which map ``safezones map`` draws."""

    scenario = "scenario"
    residents = "residents"


_StyleOpt = Annotated[
    EventsStyle,
    typer.Option("--events-style", help="Events as points sized by deaths, hexagons or density."),
]


def _run_with_bar(
    bar: Progress | LogProgress, scenarios: list[Scenario], draws: int | None, seed: int | None
) -> list[ScenarioResult]:
    """Run the scenarios one by one, a task each: building zones and population, then draws."""
    from safezones.scenario import check_distinct_ids, compare

    check_distinct_ids(scenarios)
    results = []
    for sc in scenarios:
        task = bar.add_task(f"{sc.id}: zones and population", total=None)

        def tick(sid: str, done: int, total: int, task: TaskID = task) -> None:
            bar.update(task, description=f"{sid}: draws", completed=done, total=total)

        results += compare([sc], draws=draws, seed=seed, progress=tick)
    return results


@app.command("map", cls=Command)
def map_cmd(
    scenario: Annotated[Path, typer.Argument(metavar="SCENARIO.toml", help="Scenario TOML file.")],
    out: Annotated[
        Path,
        typer.Option(metavar="FILE", help="Figure to write: FILE.png (300 dpi), .pdf or .svg."),
    ],
    kind: Annotated[
        MapKind,
        typer.Option(
            help="scenario: zones, strikes, sheltered; residents: population in and near the zones."
        ),
    ] = MapKind.scenario,
    events_style: _StyleOpt = EventsStyle.points,
    draws: DrawsOpt = None,
    seed: SeedOpt = None,
    set_: _SetOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Draw one scenario's memo map (A4 wide, scale bar, legend, sources) to a file."""
    from safezones.viz.format import result_sources, source_note
    from safezones.viz.maps import residents_map, scenario_map
    from safezones.viz.save import FIGURE_FORMATS, save_figure

    check_figure_path(out)  # a folder, or a parent that cannot be written: before computing
    if out.suffix.lower() not in FIGURE_FORMATS:
        raise SafeZonesError(
            f"--out {str(out)!r}: the figure formats are {', '.join(FIGURE_FORMATS)}"
        )
    from safezones.config.scenario import Scenario

    sc = Scenario.from_toml(scenario, overrides=set_ or [])
    with _progress(quiet) as bar:
        (result,) = _run_with_bar(bar, [sc], draws, seed)
        bar.add_task("drawing", total=None)
        if kind is MapKind.residents:
            fig, _ = residents_map(result)
        else:
            fig, _ = scenario_map(result, events_style=events_style.value)
        save_figure(fig, out, source=source_note(result_sources(result)))
    if not quiet:
        _out.print(f"wrote {out}", highlight=False)


@app.command("memo", cls=Command)
def memo_cmd(
    scenarios: Annotated[
        list[Path], typer.Argument(metavar="SCENARIO.toml", help="Scenario TOML files.")
    ],
    out: OutOpt,
    title: Annotated[str | None, typer.Option(metavar="TEXT", help="Title of the memo.")] = None,
    events_style: _StyleOpt = EventsStyle.points,
    draws: DrawsOpt = None,
    seed: SeedOpt = None,
    set_: _SetOpt = None,
    from_: Annotated[
        Path | None,
        typer.Option(
            "--from",
            metavar="DIR",
            help="A finished compare output (e.g. out/demo): reuse each scenario's folder "
            "DIR/ID when it was computed with the same values, draws, seed, input files and "
            "safezones version; compute the others.",
        ),
    ] = None,
    quiet: QuietOpt = False,
) -> None:
    """Write a memo: memo.html (self-contained), memo.pdf, comparison.md and figures/."""
    from safezones._text import MAX_TITLE_CHARS, check_length
    from safezones.config.scenario import Scenario
    from safezones.model.comparison import comparison_table
    from safezones.report import write_memo

    parsed = [Scenario.from_toml(p, overrides=set_ or []) for p in scenarios]  # check all first
    if title:
        check_length(title, key="--title", limit=MAX_TITLE_CHARS)
    reused = {}
    if from_ is not None:
        from safezones.export.reuse import reuse_results

        said = None if quiet else lambda why: _err.print(why, highlight=False, markup=False)
        reused = reuse_results(from_, parsed, draws=draws, seed=seed, said=said)
    with output_folder(out, command="memo", inputs=_inputs(parsed)), _progress(quiet) as bar:
        fresh = _run_with_bar(bar, [sc for sc in parsed if sc.id not in reused], draws, seed)
        by_id = {**reused, **{r.scenario.id: r for r in fresh}}
        results = [by_id[sc.id] for sc in parsed]
        task = bar.add_task("memo", total=None)
        write_memo(
            results,
            out,
            title=title,
            events_style=events_style.value,
            progress=lambda step: bar.update(task, description=f"memo: {step}"),
        )
    if not quiet:
        _print_comparison(comparison_table(results))
        _out.print(f"wrote {out}/ (memo.html, memo.pdf, comparison.md, figures/)", highlight=False)


class DesignOpt(StrEnum):
    """Sweep designs (see safezones.sweep.DESIGNS)."""

    grid = "grid"
    lhs = "lhs"
    sobol = "sobol"


class ExecutorOpt(StrEnum):
    """Where a sweep runs (see safezones.sweep.EXECUTORS)."""

    local = "local"
    dask = "dask"


class _RateColumn(ProgressColumn):
    """Scenarios per second."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(
            "" if speed is None else f"{speed:,.0f} scenarios/s", style="progress.data.speed"
        )


@app.command("sweep", cls=Command)
def sweep_cmd(
    spec: Annotated[
        Path,
        typer.Argument(
            metavar="SWEEP.toml", help="Sweep spec (TOML): base scenario, parameters, design."
        ),
    ],
    out: Annotated[
        Path, typer.Option(metavar="DIR", help="Sweep folder: parts, results.parquet (resumable).")
    ],
    executor: Annotated[
        ExecutorOpt, typer.Option(help="Local processes or Dask.")
    ] = ExecutorOpt.local,
    workers: Annotated[
        int | None, typer.Option(metavar="N", help="Processes (default: CPU count).")
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(metavar="ADDRESS", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786."),
    ] = None,
    design: Annotated[DesignOpt | None, typer.Option(help="Override the spec's design.")] = None,
    size: Annotated[
        int | None, typer.Option(min=1, metavar="N", help="Override the spec's size.")
    ] = None,
    draws: Annotated[
        int | None, typer.Option(min=1, metavar="N", help="Override the spec's draws per scenario.")
    ] = None,
    quiet: QuietOpt = False,
) -> None:
    """Run a parameter sweep: results.parquet, and Sobol indices for a sobol design."""
    import time

    from safezones.sweep import Sweep, read_results, run_sweep, sensitivity

    sw = Sweep.from_toml(spec)
    changes = {
        k: v for k, v in (("design", design), ("size", size), ("draws", draws)) if v is not None
    }
    if changes:
        doc = sw.spec.model_dump(mode="json") | {k: str(v) if k == "design" else v
                                                  for k, v in changes.items()}  # fmt: skip
        doc["base"] = str(sw.base.path)
        sw = Sweep.from_dict(doc, source=str(spec))
    from safezones.sweep import sweep_inputs

    t0 = time.perf_counter()
    with output_folder(out, command="sweep", inputs=sweep_inputs(sw)), progress_bar(
        _err, TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), _RateColumn(),
        TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), quiet=quiet,
    ) as bar:  # fmt: skip
        task = bar.add_task("sweep", total=len(sw))
        first: list[int] = []

        def tick(done: int, total: int) -> None:
            if not first:  # scenarios already done by an earlier run do not count in the rate
                first.append(done)
                bar.reset(task, total=total - done)
            bar.update(task, completed=done - first[0])

        path = run_sweep(sw, out, executor=executor.value, workers=workers, scheduler=scheduler,
                         progress=tick,
                         stage=lambda text: bar.update(task, description=f"sweep: {text}"))  # fmt: skip
    elapsed = time.perf_counter() - t0
    results = read_results(out)
    if sw.spec.design == "sobol":
        idx = sensitivity(results)
        with atomic_path(out / "sensitivity.csv") as tmp:
            idx.to_csv(tmp, index=False, float_format="%.6g")
        from safezones.viz.charts import sensitivity_chart
        from safezones.viz.save import save_figure

        fig, _ = sensitivity_chart(idx, metric="sheltered_p50")
        save_figure(fig, out / "sensitivity.png")
    if not quiet:
        ran = len(sw) - (first[0] if first else 0)
        _out.print(
            f"{plural(len(results), 'scenario')} ({ran:,} run now in {elapsed:.1f} s, "
            f"{ran / max(elapsed, 1e-9):,.0f} per second); wrote {path}",
            highlight=False,
        )
        if sw.spec.design == "sobol":
            shown = idx[idx["metric"] == "sheltered_p50"]
            t = Table(title="Sobol indices of sheltered (P50)")
            for col in ("parameter", "S1", "ST"):
                t.add_column(col, justify="left" if col == "parameter" else "right")
            for _, r in shown.iterrows():
                t.add_row(r["parameter"], f"{r['S1']:.2f} ± {r['S1_conf']:.2f}",
                          f"{r['ST']:.2f} ± {r['ST_conf']:.2f}")  # fmt: skip
            _out.print(t)
            _out.print(f"wrote {out}/sensitivity.csv and sensitivity.png", highlight=False)


def _inputs(scenarios: list[Scenario]) -> list[Path]:
    """Every file the scenarios read: an output folder may not hold any of them."""
    from safezones.io.inputs import input_files

    return [p for sc in scenarios for p in input_files(sc).values()]


def _print_totals(result: ScenarioResult) -> None:
    t = Table(title=terminal_text(result.scenario.title))
    t.add_column("metric")
    for q in ("P5", "P50", "P95"):
        t.add_column(q, justify="right")
    for m, row in result.totals.iterrows():
        t.add_row(str(m), *(people(row[q]) for q in ("p5", "p50", "p95")))
    _out.print(t)
    prov = result.provenance
    _out.print(
        f"{plural(prov['draws'], 'draw')}, seed {prov['seed']}, {prov['allocation']} allocation. "
        f"Source: {terminal_text(result.scenario.source.citation)}",
        highlight=False,
    )


def _print_comparison(table: pd.DataFrame) -> None:
    t = Table(
        title="People sheltered per scenario",
        caption="P50 (P5 to P95) over the Monte Carlo draws; see comparison.md for sources.",
    )
    cols = ("scenario", "displaced", "sheltered", "P5-P95", "arrivals", "within", "upper bound",
            "residents protected", "unmet")  # fmt: skip
    for col in cols:
        t.add_column(col, justify="left" if col == "scenario" else "right")
    for _, r in table.iterrows():
        t.add_row(str(r["scenario"]), people(r["displaced_p50"]), people(r["sheltered_p50"]),
                  f"{people(r['sheltered_p5'])}-{people(r['sheltered_p95'])}",
                  *(people(r[f"{m}_p50"]) for m in ("arrivals", "displaced_within",
                    "sheltered_optimal", "residents_protected", "unmet")))  # fmt: skip
    _out.print(t)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script: user errors exit 2 without a traceback.

    Click's own usage errors (unknown command or option) also exit 2.
    """
    from safezones.io.inputs import set_command

    set_command(sys.argv[1:] if argv is None else argv)  # recorded in summary.json, markers
    with warnings.catch_warnings():  # restores showwarning and the filters when done
        warnings.simplefilter("always", SafeZonesWarning)
        warnings.showwarning = _show_warning
        try:
            app(args=argv, prog_name="safezones")
        except SafeZonesError as err:
            _err.print(f"[bold red]error:[/] {terminal_text(err)}", highlight=False, soft_wrap=True)
            sys.exit(2)
        finally:  # a later library call in this process (a notebook) is not this command
            set_command(None)


_python_showwarning = warnings.showwarning


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    """Print a SafeZonesWarning as one ``warning:`` line on stderr; others as Python does."""
    if issubclass(category, SafeZonesWarning):
        _err.print(f"[yellow]warning:[/] {terminal_text(message)}", highlight=False, soft_wrap=True)
    else:
        _python_showwarning(message, category, filename, lineno, file, line)


# the backtests' commands live beside this module (safezones.cli.validation)
from safezones.cli import validation as _validation  # noqa: E402,F401

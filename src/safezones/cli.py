"""The ``safezones`` command line.

Problems in the input are printed as one clear message, without a traceback,
and the command exits with status 2.
"""

from __future__ import annotations

import sys
import warnings
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
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

from . import data
from ._errors import SafeZonesError
from ._io import check_figure_path, output_folder

__all__ = ["app", "main"]

app = typer.Typer(
    add_completion=False, no_args_is_help=True, help="Plan humanitarian safe zones in Syria."
)
data_app = typer.Typer(no_args_is_help=True, help="Inspect the bundled data and check your files.")
app.add_typer(data_app, name="data")

_out = Console()
_err = Console(stderr=True)


@data_app.command("list")
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


@data_app.command("place")
def data_place(
    name: Annotated[str, typer.Argument(help="Place name, e.g. Aleppo or Raqqa.")],
    country: Annotated[str, typer.Option(help="ISO alpha-2 country code, or 'any'.")] = "SY",
) -> None:
    """Look up a GeoNames place as zone builders resolve it (lon, lat, population)."""
    place = data.find_place(name, country=None if country.lower() == "any" else country)
    _out.print(
        f"{place['name']} ({place['country']}, geonameid {place['geonameid']}): "
        f"lon {place.geometry.x:.5f}, lat {place.geometry.y:.5f}, "
        f"population {int(place['population']):,} (GeoNames)"
    )


class FileFormat(StrEnum):
    """Formats ``safezones data check`` reads (see safezones.sources)."""

    ucdp = "ucdp"
    acled = "acled"
    points = "points"
    admin = "admin"
    raster = "raster"


@data_app.command("check")
def data_check(
    path: Annotated[Path, typer.Argument(help="The file to check.")],
    fmt: Annotated[FileFormat, typer.Option("--format", "-f", help="What the file is.")],
    pcode: Annotated[str, typer.Option(help="admin: P-code column or HXL tag.")] = "#adm1+code",
    population: Annotated[
        str, typer.Option(help="admin: population column or HXL tag.")
    ] = "#population+total",
) -> None:
    """Read a file as safezones will, and report what it holds, dropped or flagged."""
    from . import sources

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if fmt is FileFormat.raster:
            r = sources.read_population_raster(path)
            _out.print(
                f"{path}: raster {r.shape[1]} x {r.shape[0]} cells of {r.res[0]:g} x "
                f"{r.res[1]:g} ({r.crs.name}), nodata {r.nodata}, total {r.total():,.0f} people"
            )
            return
        if fmt is FileFormat.admin:
            pop = sources.read_admin_population(path, pcode=pcode, population=population)
            _out.print(
                f"{path}: {pop.attrs['rows_read']} rows, {len(pop)} units joined by P-code, "
                f"population {pop.pop_central.sum():,.0f}"
            )
        else:
            if fmt is FileFormat.ucdp:
                ev = sources.read_ucdp_ged(path)
            elif fmt is FileFormat.acled:
                ev = sources.read_acled(path)
            else:
                ev = sources.read_points(path)
            _print_events(path, ev)
    for w in caught:
        _err.print(f"[yellow]warning:[/] {escape(str(w.message))}", highlight=False)


def _print_events(path: Path, ev: pd.DataFrame) -> None:
    from .sources import PRECISION_CLASSES

    a = ev.attrs
    dropped = ", ".join(f"{k} {v:,}" for k, v in a.get("dropped", {}).items()) or "none"
    lines = [
        f"{path}: {a['rows_read']:,} rows read, {len(ev):,} kept (dropped by filter: {dropped})"
    ]
    if len(ev) and "date_start" in ev.columns and ev["date_start"].notna().any():
        lines.append(
            f"dates {ev.date_start.min().date()} to {ev.date_end.max().date()}; "
            f"deaths {ev.deaths_total.sum():,.0f}, civilians {ev.deaths_civilians.sum():,.0f}"
        )
    if len(ev):
        classes, counts = np.unique(ev["precision"].to_numpy(dtype=int), return_counts=True)
        lines.append(
            "location precision: "
            + ", ".join(
                f"class {k} ({PRECISION_CLASSES[int(k)]}) {n:,}"
                for k, n in zip(classes, counts, strict=True)
            )
        )
    if a.get("outside_region"):
        lines.append(f"{len(a['outside_region'])} points outside the region (see the warning)")
    _out.print("\n".join(lines), highlight=False)


_SET_HELP = (
    "Override a scenario value by key path, e.g. zones.turkey.depth_km=10 or "
    "shelter.max_travel_km=80 (repeatable)."
)


_OutOpt = Annotated[
    Path,
    typer.Option(
        help="Output folder: new, empty, or an earlier safezones output (replaced when the "
        "run succeeds)."
    ),
]
_DrawsOpt = Annotated[int | None, typer.Option(help="Monte Carlo draws (1: central case).")]
_SeedOpt = Annotated[int | None, typer.Option(help="Random seed.")]
_SetOpt = Annotated[list[str] | None, typer.Option("--set", help=_SET_HELP)]
_QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]


def _progress(quiet: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=_err,
        disable=quiet,
        transient=True,
    )


@app.command("run")
def run_cmd(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    out: _OutOpt,
    draws: _DrawsOpt = None,
    seed: _SeedOpt = None,
    set_: _SetOpt = None,
    quiet: _QuietOpt = False,
) -> None:
    """Score one scenario: summary.json, per_zone.csv, flows.csv, zones.gpkg, map.png."""
    from .scenario import Scenario, run

    sc = Scenario.from_toml(scenario, overrides=set_ or [])
    with output_folder(out, command="run", inputs=_inputs([sc])), _progress(quiet) as bar:
        task = bar.add_task(f"{sc.id}: draws", total=None)
        result = run(
            sc,
            draws=draws,
            seed=seed,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
        bar.update(task, description=f"{sc.id}: writing")
        result.to_file(out)
    if not quiet:
        _print_totals(result)
        _out.print(
            f"wrote {out}/ (summary.json, per_zone.csv, per_origin.csv, flows.csv, "
            "zones.gpkg, map.png)"
        )


@app.command("compare")
def compare_cmd(
    scenarios: Annotated[list[Path], typer.Argument(help="Scenario TOML files.")],
    out: _OutOpt,
    draws: _DrawsOpt = None,
    seed: _SeedOpt = None,
    set_: _SetOpt = None,
    quiet: _QuietOpt = False,
) -> None:
    """Score several scenarios: comparison.csv, comparison.md, comparison.png, one folder each."""
    from .scenario import Scenario, write_comparison

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
    """How maps draw strike events (see safezones.plot.EVENTS_STYLES)."""

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
    bar: Progress, scenarios: list[Any], draws: int | None, seed: int | None
) -> list[Any]:
    from .scenario import compare

    tasks: dict[str, TaskID] = {}

    def tick(sid: str, done: int, total: int) -> None:
        if sid not in tasks:
            tasks[sid] = bar.add_task(f"{sid}: draws", total=total)
        bar.update(tasks[sid], completed=done, total=total)

    return compare(scenarios, draws=draws, seed=seed, progress=tick)


@app.command("map")
def map_cmd(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    out: Annotated[Path, typer.Option(help="Figure to write: FILE.png (300 dpi), .pdf or .svg.")],
    kind: Annotated[
        MapKind,
        typer.Option(
            help="scenario: zones, strikes, sheltered; residents: population in and near the zones."
        ),
    ] = MapKind.scenario,
    events_style: _StyleOpt = EventsStyle.points,
    draws: _DrawsOpt = None,
    seed: _SeedOpt = None,
    set_: _SetOpt = None,
    quiet: _QuietOpt = False,
) -> None:
    """Draw one scenario's memo map (A4 wide, scale bar, legend, sources) to a file."""
    from .plot import (
        FIGURE_FORMATS,
        residents_map,
        result_sources,
        save_figure,
        scenario_map,
        source_note,
    )

    check_figure_path(out)  # a folder, or a parent that cannot be written: before computing
    if out.suffix.lower() not in FIGURE_FORMATS:
        raise SafeZonesError(
            f"--out {str(out)!r}: the figure formats are {', '.join(FIGURE_FORMATS)}"
        )
    from .scenario import Scenario

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


@app.command("memo")
def memo_cmd(
    scenarios: Annotated[list[Path], typer.Argument(help="Scenario TOML files.")],
    out: _OutOpt,
    title: Annotated[str | None, typer.Option(help="Title of the memo.")] = None,
    events_style: _StyleOpt = EventsStyle.points,
    draws: _DrawsOpt = None,
    seed: _SeedOpt = None,
    set_: _SetOpt = None,
    quiet: _QuietOpt = False,
) -> None:
    """Write a memo: memo.html (self-contained), memo.pdf and figures/ (PNG and PDF)."""
    from .report import write_memo
    from .scenario import Scenario, comparison_table

    parsed = [Scenario.from_toml(p, overrides=set_ or []) for p in scenarios]  # check all first
    with output_folder(out, command="memo", inputs=_inputs(parsed)), _progress(quiet) as bar:
        results = _run_with_bar(bar, parsed, draws, seed)
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
        _out.print(f"wrote {out}/ (memo.html, memo.pdf, figures/)", highlight=False)


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


@app.command("sweep")
def sweep_cmd(
    spec: Annotated[
        Path, typer.Argument(help="Sweep spec (TOML): base scenario, parameters, design.")
    ],
    out: Annotated[Path, typer.Option(help="Sweep folder: parts, results.parquet (resumable).")],
    executor: Annotated[
        ExecutorOpt, typer.Option(help="Local processes or Dask.")
    ] = ExecutorOpt.local,
    workers: Annotated[int | None, typer.Option(help="Processes (default: CPU count).")] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address, e.g. tcp://10.0.0.5:8786.")
    ] = None,
    design: Annotated[DesignOpt | None, typer.Option(help="Override the spec's design.")] = None,
    size: Annotated[int | None, typer.Option(help="Override the spec's size.")] = None,
    draws: Annotated[
        int | None, typer.Option(help="Override the spec's draws per scenario.")
    ] = None,
    quiet: _QuietOpt = False,
) -> None:
    """Run a parameter sweep: results.parquet, and Sobol indices for a sobol design."""
    import time

    from .sweep import Sweep, read_results, run_sweep, sensitivity

    sw = Sweep.from_toml(spec)
    changes = {k: v for k, v in (("design", design), ("size", size), ("draws", draws)) if v}
    if changes:
        doc = sw.spec.model_dump(mode="json") | {k: str(v) if k == "design" else v
                                                  for k, v in changes.items()}  # fmt: skip
        doc["base"] = str(sw.base.path)
        sw = Sweep.from_dict(doc, source=str(spec))
    from .sweep import _sweep_inputs

    t0 = time.perf_counter()
    with output_folder(out, command="sweep", inputs=_sweep_inputs(sw)), Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), _RateColumn(),
        TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), console=_err,
        disable=quiet, transient=True,
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
        idx.to_csv(out / "sensitivity.csv", index=False, float_format="%.6g")
        from .plot import save_figure, sensitivity_chart

        fig, _ = sensitivity_chart(idx, metric="sheltered_p50")
        save_figure(fig, out / "sensitivity.png")
    if not quiet:
        ran = len(sw) - (first[0] if first else 0)
        _out.print(
            f"{len(results):,} scenarios ({ran:,} run now in {elapsed:.1f} s, "
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


def _inputs(scenarios: list[Any]) -> list[Path]:
    """Every file the scenarios read: an output folder may not hold any of them."""
    from ._inputs import input_files

    return [p for sc in scenarios for p in input_files(sc).values()]


def _people(v: float) -> str:
    return f"{v / 1e6:.2f}"


def _print_totals(result: Any) -> None:
    t = Table(title=f"{result.scenario.title} (millions of people)")
    t.add_column("metric")
    for q in ("P5", "P50", "P95"):
        t.add_column(q, justify="right")
    for m, row in result.totals.iterrows():
        t.add_row(str(m), *(_people(row[q]) for q in ("p5", "p50", "p95")))
    _out.print(t)
    prov = result.provenance
    _out.print(
        f"{prov['draws']} draws, seed {prov['seed']}, {prov['allocation']} allocation. "
        f"Source: {result.scenario.source.citation}",
        highlight=False,
    )


def _print_comparison(table: pd.DataFrame) -> None:
    t = Table(
        title="People sheltered per scenario (millions)",
        caption="P50 (P5 to P95) over the Monte Carlo draws; see comparison.md for sources.",
    )
    for col in ("scenario", "displaced", "sheltered", "P5-P95", "residents", "unmet"):
        t.add_column(col, justify="left" if col == "scenario" else "right")
    for _, r in table.iterrows():
        t.add_row(
            str(r["scenario"]),
            _people(r["displaced_p50"]),
            _people(r["sheltered_p50"]),
            f"{_people(r['sheltered_p5'])}-{_people(r['sheltered_p95'])}",
            _people(r["residents_protected_p50"]),
            _people(r["unmet_p50"]),
        )
    _out.print(t)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script: user errors exit 2 without a traceback.

    Click's own usage errors (unknown command or option) also exit 2.
    """
    from ._inputs import set_command

    set_command(sys.argv[1:] if argv is None else argv)  # recorded in summary.json, markers
    try:
        app(args=argv, prog_name="safezones")
    except SafeZonesError as err:
        _err.print(f"[bold red]error:[/] {escape(str(err))}", highlight=False)
        sys.exit(2)


if __name__ == "__main__":  # python -m safezones.cli
    main()

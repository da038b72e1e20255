"""``safezones validate`` and ``safezones calibrate``: the backtests from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from safezones.cli import Command, DrawsOpt, OutOpt, QuietOpt, SeedOpt, app
from safezones.defaults import DEFAULT_SEED
from safezones.io.atomic import output_folder

__all__ = ["calibrate_cmd", "validate_cmd"]

_out = Console()
_err = Console(stderr=True)

_FileOpt = Annotated[
    Path | None,
    typer.Option(
        metavar="CSV",
        help="An observed file of the bundled one's format (default: the bundled file).",
    ),
]
_DEFAULT_DRAWS = 100


def _print_metrics(val: object) -> None:
    from safezones.export.validation import metrics_table
    from safezones.viz.format import metric_text

    t = Table(title="How well the model reproduces 2012-2019")
    for c in ("backtest", "period", "units", "ARD", "Flee's ARD", "Spearman", "in P5-P95"):
        t.add_column(c)
    for r in metrics_table(val).to_dict(orient="records"):  # type: ignore[arg-type]
        if r["period"] in ("train", "test"):
            t.add_row(
                str(r["backtest"]),
                str(r["period"]),
                str(r["units"]),
                metric_text(r["ard"]),
                metric_text(r["ard_flee"]),
                metric_text(r["spearman"]),
                metric_text(r["coverage"], share=True),
            )
    _out.print(t)


@app.command("validate", cls=Command)
def validate_cmd(
    out: OutOpt,
    refugees: _FileOpt = None,
    sites: _FileOpt = None,
    movements: _FileOpt = None,
    calibration: Annotated[
        str | None,
        typer.Option(
            metavar="FILE",
            help="Parameters from a calibration.json (from safezones "
            "calibrate), or 'bundled' (the default values are the bundled calibration's).",
        ),
    ] = None,
    draws: DrawsOpt = None,
    seed: SeedOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Backtest the model on 2012-2019: refugees by host, IDP movements, north-west camps."""
    from safezones.export.validation import write_validation
    from safezones.validate.backtest import backtests
    from safezones.validate.calibrate import load_calibration

    params, source = None, "defaults (the bundled calibration's values)"
    cal_file = None if calibration in (None, "bundled") else Path(str(calibration))
    if calibration is not None:
        params, _, source = load_calibration(calibration)
    inputs = [p for p in (refugees, sites, movements, cal_file) if p is not None]
    with output_folder(out, command="validate", inputs=inputs):
        if not quiet:
            _err.print(
                "running the backtests (the first run measures every year's strikes: about 10 s)",
                highlight=False,
            )
        val = backtests(
            params,
            refugees=refugees,
            movements=movements,
            sites=sites,
            draws=draws or _DEFAULT_DRAWS,
            seed=DEFAULT_SEED if seed is None else seed,
            params_source=source,
        )
        write_validation(val, out)
    if not quiet:
        _print_metrics(val)
        _out.print(
            f"wrote {out}/ (validation.json, metrics.csv, columns.csv, one CSV per backtest, "
            "validation.png, timeseries.png, README.md)",
            highlight=False,
        )


@app.command("calibrate", cls=Command)
def calibrate_cmd(
    out: OutOpt,
    refugees: _FileOpt = None,
    sites: _FileOpt = None,
    movements: _FileOpt = None,
    free: Annotated[
        list[str] | None,
        typer.Option(
            "--free",
            metavar="NAME",
            help="A parameter to fit (repeatable; default: "
            "all of safezones.validate.calibrate.BOUNDS).",
        ),
    ] = None,
    draws: DrawsOpt = None,
    seed: SeedOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Fit the free parameters on the training years; report the test years it did not see."""
    from safezones.export.validation import write_validation
    from safezones.validate.calibrate import FREE, calibrate

    inputs = [p for p in (refugees, sites, movements) if p is not None]
    with output_folder(out, command="validate", inputs=inputs):
        if not quiet:
            _err.print("calibrating (about 2 minutes)", highlight=False)
        cal = calibrate(
            refugees=refugees,
            movements=movements,
            sites=sites,
            free=tuple(free) if free else FREE,
            draws=draws or _DEFAULT_DRAWS,
            seed=DEFAULT_SEED if seed is None else seed,
        )
        write_validation(cal.validation, out, calibration=cal.to_dict())
    if not quiet:
        for k, why in cal.identified.items():
            _out.print(f"{k} = {cal.values[k]:.4g}: {why}", highlight=False, markup=False)
        _print_metrics(cal.validation)
        _out.print(
            f"wrote {out}/ (calibration.json, validation.json, metrics.csv, charts)",
            highlight=False,
        )

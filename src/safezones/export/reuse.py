"""Reuse of result folders: a result read back only when it was computed as asked.

``safezones memo --from DIR`` and :func:`reuse_results` read the results
:func:`safezones.export.store.write_result` stored, through
:meth:`ScenarioResult.from_file <safezones.model.result.ScenarioResult.from_file>`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from safezones._version import __version__
from safezones.errors import SafeZonesError
from safezones.export.store import (
    VERSION_PATTERN,
    describe_keys,
    read_manifest,
    scenario_changes,
)
from safezones.io.inputs import input_hashes
from safezones.model.result import ScenarioResult

if TYPE_CHECKING:
    from safezones.config.scenario import Scenario

__all__ = ["reuse_results", "try_reuse"]


def try_reuse(
    folder: str | Path,
    scenario: Scenario,
    *,
    draws: int | None = None,
    seed: int | None = None,
) -> tuple[ScenarioResult | None, str]:
    """Return the result in ``folder`` if it was computed exactly as asked, else why not.

    It is reused when its recorded safezones version, scenario values (every
    key, defaults included, after ``--set``), draws, seed and input files
    (SHA-256 of the population, events, demand and zone files) equal the
    ones asked for. The scenario file itself is compared by its values, not
    its bytes, so a changed comment does not force a new run.

    Parameters
    ----------
    folder
        A scenario's output folder (``OUT/ID`` of ``safezones compare``).
    scenario
        The scenario as it would be run now.
    draws, seed
        As they would be given to :func:`safezones.run` (None: the scenario's).

    Returns
    -------
    (ScenarioResult or None, str)
        The result and ``"reusing FOLDER"``, or None and ``"FOLDER: reason"``.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return None, f"{folder}: missing"
    try:
        doc = read_manifest(folder)
    except SafeZonesError as err:
        return None, str(err)
    version = doc.get("safezones_version")
    if version != __version__:
        shown = (
            version if isinstance(version, str) and VERSION_PATTERN.match(version) else "another"
        )
        return None, f"{folder}: written by safezones {shown}, this is {__version__}"
    recorded = doc.get("parameters")
    try:
        changed = scenario_changes(recorded if isinstance(recorded, dict) else {}, scenario)
    except RecursionError:
        changed = ["other keys"]
    if changed:
        return None, f"{folder}: the scenario changed ({describe_keys(changed)})"
    want_draws = int(draws if draws is not None else scenario.uncertainty.draws)
    want_seed = int(seed if seed is not None else scenario.uncertainty.seed)
    if doc.get("draws") != want_draws:
        got = doc.get("draws") if isinstance(doc.get("draws"), int) else "other"
        return None, f"{folder}: computed with {got} draws, not {want_draws}"
    if doc.get("seed") != want_seed:
        got = doc.get("seed") if isinstance(doc.get("seed"), int) else "another"
        return None, f"{folder}: computed with seed {got}, not {want_seed}"
    now = {k: v["sha256"] for k, v in input_hashes(scenario).items() if k != "scenario"}
    rec = doc.get("inputs")
    rec = rec if isinstance(rec, dict) else {}
    then = {k: v.get("sha256") for k, v in rec.items() if k != "scenario" and isinstance(v, dict)}
    files = sorted(k for k in now if then.get(k) != now[k])
    if files or any(k not in now for k in then):
        return None, f"{folder}: an input file changed ({describe_keys(files or ['other files'])})"
    try:
        result = ScenarioResult.from_file(folder, scenario)
    except SafeZonesError as err:
        return None, str(err)
    return result, f"reusing {folder}"


def reuse_results(
    folder: Path,
    scenarios: Sequence[Scenario],
    *,
    draws: int | None = None,
    seed: int | None = None,
    said: Callable[[str], None] | None = None,
) -> dict[str, ScenarioResult]:
    """Return the results in ``folder/ID`` that match the scenarios, by scenario id.

    Each scenario's folder is checked with :func:`try_reuse`; ``said`` is
    called with its one line (``reusing FOLDER`` or ``FOLDER: reason``).
    Scenarios that share an id reuse nothing (they are refused when run).

    Parameters
    ----------
    folder
        A finished compare output.
    scenarios
        The scenarios as they would be run now.
    draws, seed
        As they would be given to :func:`safezones.run` (None: the scenario's).
    said
        Called with the line of each scenario, in order.

    Returns
    -------
    dict
        Scenario id to its reused result; the others are missing.
    """
    ids = [sc.id for sc in scenarios]
    if len(set(ids)) < len(ids):
        return {}  # the run says which ids repeat
    found = {}
    for sc in scenarios:
        result, why = try_reuse(folder / sc.id, sc, draws=draws, seed=seed)
        if result is not None:
            found[sc.id] = result
        if said is not None:
            said(why)
    return found

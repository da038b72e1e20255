"""Bundle the observed outcomes the backtests compare with (issue 20).

Copies, byte for byte, the three observed files of ``../shared/data/observed/`` that
``safezones validate`` reads by default into ``src/safezones/data/observed/`` and writes
``manifest.json`` there with each file's source, licence and SHA-256 (the backtests
report the hash of the file they read, so a changed figure shows).

Usage: ``python scripts/build_observed.py [--shared ../shared/data]``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "safezones" / "data" / "observed"

FILES = {
    "unhcr_syrian_refugees_by_host_2011_2014.csv": {
        "what": "Syrian refugees and asylum-seekers by country of asylum, end of year 2011-2014",
        "source": "UNHCR Refugee Population Statistics (Refugee Data Finder), via the `refugees` "
        "R package 2022.12.1",
        "licence": 'CC BY 4.0, attribute "UNHCR Refugee Data Finder"',
    },
    "ocha_idp_movements_by_governorate_2016_2018.csv": {
        "what": "IDP movements recorded per month by governorate, Jan 2016 to Dec 2018 (flows)",
        "source": "UN OCHA Turkey, Syrian Arab Republic: IDP movements and IDP spontaneous return "
        "movements, January 2019 workbook, sheet IDPFlow_Summarysince2016 (public repository "
        "harootune/final_project_2020Sp, test/idp_1.xlsx, commit a9e6eb53)",
        "licence": "not stated",
    },
    "cccm_nw_syria_sites_2017_2019.csv": {
        "what": "IDP sites in north-west Syria, one row per site per month, Feb 2017 to Nov 2019",
        "source": "CCCM Cluster, Syria cross-border operation (UNHCR-led), IDP Sites Integrated "
        "Monitoring Matrix (ISIMM), public repository unhcr-xborder-turkey/ISIMM (commit 3436f2e1)",
        "licence": "data licence not stated (the Apache-2.0 licence there covers the dashboard code)",
    },
}


def provenance(manifest: dict[str, dict[str, str]]) -> str:
    """Return PROVENANCE.md of the observed files, the calibration and its backtests."""
    lines = [
        "# Observed outcomes, the calibration and its backtests",
        "",
        "What actually happened, for `safezones validate` and `safezones calibrate` (issue 20).",
        "None of it is a model input: the backtests compare the model with it, and the",
        "calibration fits the model's free parameters to its training years.",
        "",
        "| file | what | source | licence | SHA-256 |",
        "|---|---|---|---|---|",
    ]
    for name, m in manifest.items():
        lines.append(
            f"| `{name}` | {m['what']} | {m['source']} | {m['licence']} | `{m['sha256'][:16]}` |"
        )
    lines += [
        "",
        "Derivation: each file is copied byte for byte from the project's shared data",
        "(`observed/`) by `scripts/build_observed.py`, which also writes `manifest.json`.",
        "",
        "## Derived from them",
        "",
        "- `../calibration.json`: `scripts/calibrate.py` runs `safezones.validate.calibrate`",
        "  from its fixed start on these three files (training years only) and records the",
        "  fitted values, which parameters the data identify, the train and test metrics and",
        "  the files' hashes. `safezones.defaults` holds the same values.",
        "- `../validation.json`: the same script's backtests of the default parameters (200",
        "  draws, seed 20141126), which the memo and the README cite.",
        "- `../seeds/border_policies.toml`: the neighbours' border policies 2011-2019, each",
        "  with its published source, and the yearly openness derived from them (assumption",
        "  values for open / restricted / closed).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    manifest = {}
    for name, meta in FILES.items():
        src = args.shared / "observed" / name
        shutil.copyfile(src, out / name)
        digest = hashlib.sha256((out / name).read_bytes()).hexdigest()
        manifest[name] = {**meta, "sha256": digest, "derivation": f"copied from observed/{name}"}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    (out / "PROVENANCE.md").write_text(provenance(manifest), encoding="utf-8")
    print(f"wrote {len(manifest)} files to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
